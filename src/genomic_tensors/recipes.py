"""Reference preparation and the regions of interest (ROI) of the three case studies.

Every interval here is 0-based and half-open, as in BED; GTF input is converted on read by
:func:`genomic_tensors.regions.read_regions`. Outputs are sorted in genome order (the order of
the chromosome sizes file, i.e. of the FASTA index), then by start.

- :func:`jund_roi`: case 1. Peaks sorted and merged; merged peaks extended by ``extend`` bp on
  both sides and clipped to the chromosome; merged again; blacklist subtracted (bedtools, via
  pybedtools); ends snapped *inward* to multiples of ``binsize``; intervals shorter than
  ``binsize`` dropped.
- :func:`promoters`: case 3. For each gene of ``gene_type`` the ``upstream`` bases before the
  TSS plus the TSS itself (the paper's "200 bp upstream", 201 bp in its GTF arithmetic). With
  ``tss`` the 0-based TSS position (``start`` on ``+``, ``end - 1`` on ``-``), the promoter is
  ``[tss - upstream, tss + 1)`` on the plus strand and ``[tss, tss + upstream + 1)`` on the minus
  strand; the strand is kept, so that readers reverse-complement minus-strand promoters.
- :func:`deepsea_features`, :func:`tf_bins`, :func:`split_bins`: case 2. The feature table from
  the paper's ``urls.txt``; DeepSEA's region set (grid bins of ``binsize`` with at least one TF
  feature covering at least ``min_overlap`` of the bin) and its seeded, block-wise split.
"""

from __future__ import annotations

import gzip
import logging
import os
import re
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import numpy as np
import pandas as pd

from genomic_tensors.download import is_local, local_path, resolve_location
from genomic_tensors.regions import (
    check_chromosomes,
    check_within_chromosomes,
    past_chromosome_ends,
    read_chrom_sizes,
    read_regions,
)

__all__ = [
    "FEATURE_COLUMNS",
    "JundRoi",
    "PreparedBed",
    "Split",
    "check_split_chromosomes",
    "decompress",
    "deepsea_features",
    "jund_roi",
    "merge_intervals",
    "prepare_blacklist",
    "promoters",
    "split_bins",
    "subtract_intervals",
    "tf_bins",
    "write_bed",
    "write_deepsea_features",
    "write_deepsea_regions",
    "write_jund_roi",
    "write_promoters",
]

log = logging.getLogger(__name__)

#: Columns of the DeepSEA feature table (``results/deepsea/features.tsv``).
FEATURE_COLUMNS = ("index", "feature", "category", "url", "path")
_BED3 = ["chrom", "start", "end"]


# ----------------------------------------------------------------------------------------------
# Small interval tools


def _empty_bed3() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "chrom": pd.Series([], dtype=str),
            "start": pd.Series([], dtype=np.int64),
            "end": pd.Series([], dtype=np.int64),
        }
    )


def _genome_sort(frame: pd.DataFrame, chrom_order: Sequence[str] | None) -> pd.DataFrame:
    """Sort by chromosome (in ``chrom_order``, else by name) then start, end; reset the index."""
    if frame.empty:
        return frame.reset_index(drop=True)
    if chrom_order is None:
        chrom_order = sorted(frame["chrom"].unique())
    rank = {c: i for i, c in enumerate(chrom_order)}
    key = frame["chrom"].map(rank)
    out = frame.assign(_rank=key).sort_values(["_rank", "start", "end"], kind="stable")
    return out.drop(columns="_rank").reset_index(drop=True)


def merge_intervals(frame: pd.DataFrame, chrom_order: Sequence[str] | None = None) -> pd.DataFrame:
    """Merge overlapping and book-ended intervals (as ``bedtools merge``).

    Parameters
    ----------
    frame
        Columns ``chrom``, ``start``, ``end`` (0-based half-open); other columns are ignored.
    chrom_order
        Output chromosome order (default: sorted names).

    Returns
    -------
    pandas.DataFrame
        BED3 (``chrom`` str, ``start``/``end`` int64), sorted, pairwise disjoint and not touching.
    """
    if frame.empty:
        return _empty_bed3()
    parts = []
    for chrom, group in _genome_sort(frame[_BED3], chrom_order).groupby("chrom", sort=False):
        starts = group["start"].to_numpy(np.int64)
        ends = np.maximum.accumulate(group["end"].to_numpy(np.int64))
        # A new run starts where an interval begins after everything before it ended.
        new = np.ones(len(starts), dtype=bool)
        new[1:] = starts[1:] > ends[:-1]
        first = np.flatnonzero(new)
        last = np.r_[first[1:] - 1, len(starts) - 1]
        parts.append(pd.DataFrame({"chrom": chrom, "start": starts[first], "end": ends[last]}))
    return pd.concat(parts, ignore_index=True)


def subtract_intervals(
    frame: pd.DataFrame, remove: pd.DataFrame, chrom_order: Sequence[str] | None = None
) -> pd.DataFrame:
    """Remove the bases of ``remove`` from ``frame`` (``bedtools subtract``, via pybedtools).

    Both are BED3-like frames (0-based half-open). Returns sorted BED3 (int64 coordinates).
    """
    if frame.empty or remove.empty:
        return _genome_sort(frame[_BED3].copy(), chrom_order)
    import pybedtools  # imported here: it starts no process at import, but keep imports light

    left = pybedtools.BedTool.from_dataframe(frame[_BED3])
    right = pybedtools.BedTool.from_dataframe(remove[_BED3])
    result = left.subtract(right)
    try:
        if os.path.getsize(result.fn) == 0:
            out = _empty_bed3()
        else:
            out = pd.read_csv(
                result.fn,
                sep="\t",
                header=None,
                usecols=[0, 1, 2],
                names=_BED3,
                dtype={"chrom": str, "start": np.int64, "end": np.int64},
            )
    finally:
        for bed in (left, right, result):
            Path(bed.fn).unlink(missing_ok=True)
    return _genome_sort(out, chrom_order)


def _known_chroms(
    frame: pd.DataFrame, sizes: Mapping[str, int], source: str
) -> tuple[pd.DataFrame, list[str]]:
    """Drop intervals on chromosomes absent from ``sizes``; all absent (or a chr-prefix clash)
    is an error naming ``source``."""
    present = set(frame["chrom"].astype(str))
    missing = sorted(present - set(sizes))
    if missing and (
        not present - set(missing)
        or all(("chr" + m if not m.startswith("chr") else m[3:]) in sizes for m in missing)
    ):
        check_chromosomes(present, sizes, source=f"the genome (chromosome sizes), for {source}")
    return frame[frame["chrom"].isin(list(sizes))].copy(), missing


def write_bed(frame: pd.DataFrame, path: str | Path, columns: Sequence[str] = _BED3) -> None:
    """Write ``frame[columns]`` as tab-separated text without header (creates the folder)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.loc[:, list(columns)].to_csv(path, sep="\t", header=False, index=False)


# ----------------------------------------------------------------------------------------------
# Genome files


def decompress(src: str | Path, dest: str | Path) -> None:
    """Copy ``src`` to ``dest``, decompressing gzip/bgzip (told by the magic bytes, not the name).

    The output is written under ``<dest>.tmp`` and renamed when complete.
    """
    src, dest = Path(src), Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(dest.name + ".tmp")
    with open(src, "rb") as probe:
        gzipped = probe.read(2) == b"\x1f\x8b"
    try:
        with gzip.open(src, "rb") if gzipped else open(src, "rb") as inp, open(tmp, "wb") as out:
            shutil.copyfileobj(inp, out, length=1 << 22)
    except (OSError, EOFError) as err:
        tmp.unlink(missing_ok=True)
        raise ValueError(f"{src}: could not decompress ({err})") from err
    os.replace(tmp, dest)


@dataclass(frozen=True)
class PreparedBed:
    """Summary of a prepared BED file: intervals written, dropped chromosomes."""

    path: Path
    intervals: int
    bases: int
    dropped_chroms: tuple[str, ...] = ()


def prepare_blacklist(
    src: str | Path | None, chrom_sizes: str | Path, dest: str | Path
) -> PreparedBed:
    """Write a genome's blacklist as sorted, merged BED3 on the genome's chromosomes.

    Parameters
    ----------
    src
        A BED file (optionally gzipped), or ``None`` for a genome without a blacklist (an empty
        file is written).
    chrom_sizes
        The genome's chromosome sizes; intervals on other chromosomes are dropped (listed in the
        summary), intervals are clipped to the chromosome end.
    """
    sizes = read_chrom_sizes(chrom_sizes)
    frame = _empty_bed3()
    dropped: list[str] = []
    if src is not None and _has_records(src):
        frame, dropped = _known_chroms(read_regions(src)[_BED3], sizes, str(src))
        beyond = int(past_chromosome_ends(frame, sizes).sum())
        if beyond:  # a blacklist only removes sequence, and past the end there is none to remove
            log.warning("%s: %d blacklist interval(s) end past their chromosome's end: clipped to it",
                        src, beyond)
        frame["end"] = np.minimum(frame["end"].to_numpy(), frame["chrom"].map(sizes).to_numpy())
        frame = merge_intervals(frame[frame["end"] > frame["start"]], list(sizes))
    write_bed(frame, dest)
    return PreparedBed(
        Path(dest), len(frame), int((frame["end"] - frame["start"]).sum()), tuple(dropped)
    )


def _has_records(path: str | Path) -> bool:
    """True when a BED file holds at least one interval line."""
    with open(path, "rb") as probe:
        gzipped = probe.read(2) == b"\x1f\x8b"
    with gzip.open(path, "rt") if gzipped else open(path) as handle:
        return any(
            line.strip() and not line.startswith(("#", "track", "browser")) for line in handle
        )


# ----------------------------------------------------------------------------------------------
# Case 1: the JunD ROI


@dataclass(frozen=True)
class JundRoi:
    """The JunD peaks and ROI (BED3 frames, 0-based half-open, genome order).

    Attributes
    ----------
    merged
        The peaks, sorted and merged (labels: a bin overlapping these is positive).
    roi
        Merged peaks +- ``extend`` (clipped to the chromosome), merged, minus the blacklist, ends
        snapped inward to multiples of ``binsize``, intervals shorter than ``binsize`` dropped.
    dropped_chroms
        Peak chromosomes absent from the genome (their peaks were left out).
    """

    merged: pd.DataFrame
    roi: pd.DataFrame
    dropped_chroms: tuple[str, ...] = ()


def jund_roi(
    peaks: str | Path | pd.DataFrame,
    chrom_sizes: str | Path | Mapping[str, int],
    blacklist: str | Path | pd.DataFrame | None = None,
    *,
    extend: int = 10_000,
    binsize: int = 200,
) -> JundRoi:
    """Build the JunD ROI of case 1 (see :class:`JundRoi`).

    Parameters
    ----------
    peaks
        narrowPeak/BED file (optionally gzipped) or BED-like frame.
    chrom_sizes
        Chromosome sizes file or mapping; it fixes the chromosome order and the clipping.
    blacklist
        BED file or frame of regions to remove, or ``None``.
    extend, binsize
        The paper's 10,000 and 200.

    Raises
    ------
    ValueError
        ``binsize < 1`` or ``extend < 0``; no peak on a chromosome of the genome (e.g. ``1`` vs
        ``chr1``), naming the file.
    """
    if binsize < 1 or extend < 0:
        raise ValueError(f"jund_roi: need binsize >= 1 and extend >= 0, got {binsize}, {extend}")
    sizes = dict(chrom_sizes) if isinstance(chrom_sizes, Mapping) else read_chrom_sizes(chrom_sizes)
    order = list(sizes)
    source = "peaks" if isinstance(peaks, pd.DataFrame) else str(peaks)
    frame, dropped = _known_chroms(read_regions(peaks)[_BED3], sizes, source)
    check_within_chromosomes(frame, sizes, source=source)
    merged = merge_intervals(frame, order)
    ext = merged.copy()
    chrom_len = ext["chrom"].map(sizes).to_numpy(np.int64)
    ext["start"] = np.maximum(ext["start"].to_numpy() - extend, 0)
    ext["end"] = np.minimum(ext["end"].to_numpy() + extend, chrom_len)
    ext = merge_intervals(ext[ext["end"] > ext["start"]], order)
    if blacklist is not None:
        black = (
            blacklist
            if isinstance(blacklist, pd.DataFrame)
            else (read_regions(blacklist) if _has_records(blacklist) else _empty_bed3())
        )
        ext = subtract_intervals(ext, black, order)
    start = -(-ext["start"].to_numpy(np.int64) // binsize) * binsize  # ceil to the grid
    end = (ext["end"].to_numpy(np.int64) // binsize) * binsize  # floor to the grid
    keep = end - start >= binsize
    roi = pd.DataFrame(
        {"chrom": ext["chrom"].to_numpy()[keep], "start": start[keep], "end": end[keep]}
    )
    return JundRoi(merged, _genome_sort(roi, order), tuple(dropped))


def check_split_chromosomes(
    splits: Mapping[str, Sequence[str]],
    chrom_sizes: str | Path | Mapping[str, int],
    regions: pd.DataFrame | None = None,
    *,
    what: str = "ROI bins",
) -> None:
    """Check the chromosomes of the configured splits against the genome and the regions.

    Parameters
    ----------
    splits
        ``{config key: chromosomes}``, e.g. ``{"jund.validation": ["chr2"], "jund.test": ["chr3"]}``.
    chrom_sizes
        The genome's chromosome sizes (``.fai``, chrom sizes file or dict).
    regions
        The regions the splits cut (the ROI), or None to check the genome alone.
    what
        What the regions are, in the message (``"ROI bins"``, ``"promoters"``, ``"region bins"``).

    Raises
    ------
    ValueError
        A split chromosome the genome lacks, or one that holds no region: the message names the config
        key, the chromosome and the genome's chromosomes (or the regions' chromosomes).
    """
    sizes = chrom_sizes if isinstance(chrom_sizes, Mapping) else read_chrom_sizes(chrom_sizes)
    names = list(sizes)
    shown = ", ".join(names[:8]) + (f", ... ({len(names)} in all)" if len(names) > 8 else "")
    used = set(regions["chrom"].astype(str)) if regions is not None else None
    for key, chroms in splits.items():
        for chrom in chroms:
            if chrom not in sizes:
                raise ValueError(
                    f"config {key}: {chrom} is not a chromosome of the genome (it has {shown}); "
                    f"choose split chromosomes among the genome's"
                )
            if used is not None and chrom not in used:
                held = ", ".join(sorted(used)[:8]) or "none"
                raise ValueError(
                    f"config {key}: {chrom} holds none of the {what} (they are on {held}); the split "
                    f"would be empty: choose a chromosome that holds some"
                )


def write_jund_roi(
    peaks: str | Path,
    chrom_sizes: str | Path,
    blacklist: str | Path | None,
    merged_out: str | Path,
    roi_out: str | Path,
    *,
    extend: int = 10_000,
    binsize: int = 200,
    splits: Mapping[str, Sequence[str]] | None = None,
) -> JundRoi:
    """:func:`jund_roi`, written to ``merged_out`` and ``roi_out`` (BED3).

    ``splits`` (``{config key: chromosomes}``: the validation and test chromosomes) are checked first
    (:func:`check_split_chromosomes`): nothing is written when one is missing or holds no ROI bin.
    """
    result = jund_roi(peaks, chrom_sizes, blacklist, extend=extend, binsize=binsize)
    check_split_chromosomes(splits or {}, chrom_sizes, result.roi, what="ROI bins")
    write_bed(result.merged, merged_out)
    write_bed(result.roi, roi_out)
    return result


# ----------------------------------------------------------------------------------------------
# Case 3: promoters


def promoters(
    annotation: str | Path | pd.DataFrame,
    *,
    upstream: int = 200,
    gene_type: str | None = "protein_coding",
    chrom_sizes: str | Path | Mapping[str, int] | None = None,
) -> pd.DataFrame:
    """Strand-aware promoters of the genes of a GTF/GFF annotation (case 3's ROI).

    Parameters
    ----------
    annotation
        GENCODE-style GTF/GFF (``gene`` records with ``gene_id``, ``gene_type``, ``gene_name``), or
        the frame :func:`read_regions` returns for one.
    upstream
        Bases upstream of the TSS; the promoter is ``upstream + 1`` long (it includes the TSS).
    gene_type
        Keep genes of this ``gene_type`` (``None``: all genes).
    chrom_sizes
        When given: output in its chromosome order, genes on other chromosomes dropped and
        promoters that would leave the chromosome dropped (never shortened, so all have one length).

    Returns
    -------
    pandas.DataFrame
        BED6 plus ``gene_name``: ``chrom``, ``start``, ``end`` (int64, 0-based half-open),
        ``name`` (the gene_id), ``score`` (0), ``strand`` (``+``/``-``), ``gene_name``; in
        genome order.

    Raises
    ------
    ValueError
        ``upstream < 0``; an annotation without ``gene`` records, ``gene_id`` or ``gene_type``; a
        gene without strand; no gene of ``gene_type``.
    """
    if upstream < 0:
        raise ValueError(f"promoters: upstream must be >= 0, got {upstream}")
    source = "annotation" if isinstance(annotation, pd.DataFrame) else str(annotation)
    genes = (
        annotation
        if isinstance(annotation, pd.DataFrame)
        else read_regions(annotation, feature="gene")
    )
    for column in ("gene_id",) + (("gene_type",) if gene_type is not None else ()):
        if column not in genes.columns:
            raise ValueError(f"{source}: gene records lack the attribute '{column}'")
    if gene_type is not None:
        genes = genes[genes["gene_type"] == gene_type]
        if genes.empty:
            raise ValueError(f"{source}: no gene with gene_type '{gene_type}'")
    bad = genes[~genes["strand"].isin(["+", "-"])]
    if not bad.empty:
        row = bad.iloc[0]
        raise ValueError(
            f"{source}: gene {row['gene_id']} has strand {row['strand']!r}; "
            "expected '+' or '-' to place its TSS"
        )
    plus = (genes["strand"] == "+").to_numpy()
    tss = np.where(plus, genes["start"].to_numpy(np.int64), genes["end"].to_numpy(np.int64) - 1)
    start = np.where(plus, tss - upstream, tss)
    out = pd.DataFrame(
        {
            "chrom": genes["chrom"].astype(str).to_numpy(),
            "start": start,
            "end": start + upstream + 1,
            "name": genes["gene_id"].astype(str).to_numpy(),
            "score": 0,
            "strand": genes["strand"].to_numpy(),
            "gene_name": (
                genes["gene_name"].astype(str).to_numpy()
                if "gene_name" in genes.columns
                else genes["gene_id"].astype(str).to_numpy()
            ),
        }
    )
    order = None
    if chrom_sizes is not None:
        sizes = (
            dict(chrom_sizes) if isinstance(chrom_sizes, Mapping) else read_chrom_sizes(chrom_sizes)
        )
        out, _ = _known_chroms(out, sizes, source)
        out = out[(out["start"] >= 0) & (out["end"] <= out["chrom"].map(sizes))]
        order = list(sizes)
    else:
        out = out[out["start"] >= 0]
    return _genome_sort(out, order)


def write_promoters(
    annotation: str | Path,
    chrom_sizes: str | Path,
    dest: str | Path,
    *,
    upstream: int = 200,
    gene_type: str | None = "protein_coding",
    splits: Mapping[str, Sequence[str]] | None = None,
) -> pd.DataFrame:
    """:func:`promoters`, written to ``dest`` as BED6 + gene_name; ``splits`` (the test chromosomes and
    the folds) are checked first (:func:`check_split_chromosomes`)."""
    out = promoters(annotation, upstream=upstream, gene_type=gene_type, chrom_sizes=chrom_sizes)
    check_split_chromosomes(splits or {}, chrom_sizes, out, what="promoters")
    write_bed(out, dest, columns=list(out.columns))
    return out


# ----------------------------------------------------------------------------------------------
# Case 2: DeepSEA features and regions


def _feature_name(location: str) -> tuple[str, str]:
    """(feature name, file name) of a peak-file location: ``.../E003-H2A.Z.narrowPeak.gz`` ->
    (``E003-H2A.Z``, ``E003-H2A.Z.narrowPeak.gz``)."""
    base = (
        Path(local_path(location)).name
        if is_local(location)
        else PurePosixPath(location.split("?", 1)[0]).name
    )
    name = re.sub(r"(\.(narrowPeak|broadPeak|bed))?(\.(gz|bgz))?$", "", base, flags=re.IGNORECASE)
    return (name or base), base


def _locate_feature(ref: str, base: str, where: str) -> str:
    """Resolve one line of a feature list (see :func:`deepsea_features`)."""
    if not is_local(base) or not is_local(ref) or os.path.isabs(local_path(ref)):
        return resolve_location(ref, base)
    candidates = [local_path(ref), resolve_location(local_path(ref), base)]
    for candidate in candidates:
        if os.path.exists(candidate):
            return candidate
    raise ValueError(
        f"{where}: peak file {ref!r} not found, neither relative to the working "
        f"directory ({candidates[0]}) nor beside the list ({candidates[1]})"
    )


def deepsea_features(
    urls: str | Path,
    base: str,
    categories: Mapping[str, str],
    *,
    download_dir: str = "resources/downloads/deepsea",
) -> pd.DataFrame:
    """The DeepSEA feature table from a list of peak-file URLs or paths, in list order.

    Parameters
    ----------
    urls
        Text file, one URL or path per line (blank and ``#`` lines skipped), in model output order.
    base
        The list's own location (URL or path). A relative line of a list found at a URL is
        resolved against that URL. A relative line of a local list is a path relative to the
        working directory (as the paths in the config are) when that file exists, else a path
        beside the list (``TF_x.narrowPeak.gz`` in ``results/w/deepsea/urls.txt`` is
        ``results/w/deepsea/TF_x.narrowPeak.gz``); neither existing is an error.
    categories
        ``{category: regex}``, tried in order with ``re.search`` on the resolved location; the
        first match names the category.
    download_dir
        Folder of the downloaded peak files (column ``path``).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`FEATURE_COLUMNS`: ``index`` (0..n-1), ``feature`` (file name without
        ``.narrowPeak.gz``), ``category``, ``url`` (resolved location), ``path``.

    Raises
    ------
    ValueError
        Naming the file and line: a location no category matches, two lines with the same file
        name, a bad regex, or an empty list.
    """
    compiled = []
    for category, pattern in categories.items():
        try:
            compiled.append((category, re.compile(pattern)))
        except re.error as err:
            raise ValueError(
                f"deepsea categories: bad regex for '{category}': {pattern!r} ({err})"
            ) from err
    rows = []
    seen: dict[str, int] = {}
    with open(urls) as handle:
        for number, line in enumerate(handle, start=1):
            ref = line.strip()
            if not ref or ref.startswith("#"):
                continue
            location = _locate_feature(ref, base, f"{urls}, line {number}")
            category = next((c for c, rx in compiled if rx.search(location)), None)
            if category is None:
                raise ValueError(
                    f"{urls}, line {number}: {ref!r} matches no category regex "
                    f"({', '.join(f'{c}: {rx.pattern!r}' for c, rx in compiled)})"
                )
            feature, filename = _feature_name(location)
            if filename in seen:
                raise ValueError(
                    f"{urls}, line {number}: file name {filename!r} repeats line "
                    f"{seen[filename]}; feature files must have distinct names"
                )
            seen[filename] = number
            rows.append(
                (len(rows), feature, category, location, f"{download_dir.rstrip('/')}/{filename}")
            )
    if not rows:
        raise ValueError(f"{urls}: no feature URLs found")
    return pd.DataFrame(rows, columns=list(FEATURE_COLUMNS))


def write_deepsea_features(
    urls: str | Path,
    base: str,
    categories: Mapping[str, str],
    dest: str | Path,
    *,
    download_dir: str = "resources/downloads/deepsea",
) -> pd.DataFrame:
    """:func:`deepsea_features`, written to ``dest`` as a TSV with a header line."""
    table = deepsea_features(urls, base, categories, download_dir=download_dir)
    Path(dest).parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(dest, sep="\t", index=False)
    return table


def tf_bins(
    peak_files: Sequence[str | Path],
    chrom_sizes: str | Path | Mapping[str, int],
    *,
    binsize: int = 200,
    min_overlap: float = 0.5,
) -> pd.DataFrame:
    """DeepSEA's region set: grid bins that one feature covers for ``min_overlap`` of the bin.

    The grid is ``[i * binsize, (i + 1) * binsize)`` per chromosome (a trailing partial bin is
    left out). For each file its peaks are merged, so that a bin's coverage by one feature counts
    each base once; a bin is kept when, for at least one file, the covered bases are
    ``>= min_overlap * binsize``. Peaks on chromosomes absent from ``chrom_sizes`` are ignored.

    Returns
    -------
    pandas.DataFrame
        BED3 (``chrom``, ``start``, ``end`` int64), genome order.
    """
    if binsize < 1 or not 0 < min_overlap <= 1:
        raise ValueError(
            f"tf_bins: need binsize >= 1 and 0 < min_overlap <= 1, got {binsize}, " f"{min_overlap}"
        )
    sizes = dict(chrom_sizes) if isinstance(chrom_sizes, Mapping) else read_chrom_sizes(chrom_sizes)
    chosen = {chrom: np.zeros(size // binsize, dtype=bool) for chrom, size in sizes.items()}
    threshold = min_overlap * binsize
    for path in peak_files:
        peaks = read_regions(path)
        peaks = peaks[peaks["chrom"].isin(list(sizes))]
        beyond = int(past_chromosome_ends(peaks, sizes).sum())
        if beyond:  # DeepSEA's recipe: bins of a genome-wide grid, none past a chromosome's end
            log.warning("%s: %d peak(s) end past their chromosome's end: the grid has no bin there, "
                        "so only their parts inside count", path, beyond)
        for chrom, group in merge_intervals(peaks).groupby("chrom", sort=False):
            s = group["start"].to_numpy(np.int64)
            e = group["end"].to_numpy(np.int64)
            first, last = s // binsize, (e - 1) // binsize
            counts = last - first + 1
            offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
            bins = np.repeat(first, counts) + offsets
            overlap = np.minimum(np.repeat(e, counts), (bins + 1) * binsize) - np.maximum(
                np.repeat(s, counts), bins * binsize
            )
            unique, inverse = np.unique(bins, return_inverse=True)
            covered = np.bincount(inverse, weights=overlap)
            hit = unique[(covered >= threshold) & (unique < len(chosen[chrom]))]
            chosen[chrom][hit] = True
    parts = [
        pd.DataFrame({"chrom": chrom, "start": np.flatnonzero(mask).astype(np.int64) * binsize})
        for chrom, mask in chosen.items()
        if mask.any()
    ]
    if not parts:
        return _empty_bed3()
    out = pd.concat(parts, ignore_index=True)
    out["end"] = out["start"] + binsize
    return out


@dataclass(frozen=True)
class Split:
    """Training, validation and test regions (BED3 frames, genome order)."""

    train: pd.DataFrame
    validation: pd.DataFrame
    test: pd.DataFrame


def split_bins(
    bins: pd.DataFrame,
    *,
    test_chroms: Sequence[str],
    validation_fraction: float = 0.1,
    block_size: int = 100,
    seed: int = 1,
    binsize: int = 200,
) -> Split:
    """Split region bins: test chromosomes, then a seeded block-wise validation draw.

    Bins on ``test_chroms`` form the test set. The other bins are grouped into blocks of the
    genome grid, ``block_size`` bins long (``[k * block_size * binsize, (k+1) * block_size *
    binsize)`` on each chromosome), so that neighbouring bins, whose context windows overlap, stay
    together. The blocks are shuffled with ``numpy.random.default_rng(seed)`` and drawn into the
    validation set until it holds at least ``validation_fraction`` of the non-test bins; the rest
    is training. At least one block stays for training (a single block gives an empty validation
    set). Same input and seed, same split.
    """
    if not 0 < validation_fraction < 1 or block_size < 1:
        raise ValueError(
            "split_bins: need 0 < validation_fraction < 1 and block_size >= 1, got "
            f"{validation_fraction}, {block_size}"
        )
    bins = bins[_BED3].reset_index(drop=True)
    is_test = bins["chrom"].isin(list(test_chroms)).to_numpy()
    rest = bins[~is_test].reset_index(drop=True)
    validation_mask = np.zeros(len(rest), dtype=bool)
    if len(rest):
        block = rest["start"].to_numpy(np.int64) // (block_size * binsize)
        keys = pd.MultiIndex.from_arrays([rest["chrom"].to_numpy(), block])
        codes, uniques = pd.factorize(keys)  # block ids in order of first appearance
        n_blocks = len(uniques)
        counts = np.bincount(codes, minlength=n_blocks)
        order = np.random.default_rng(seed).permutation(n_blocks)
        reached = np.cumsum(counts[order]) >= validation_fraction * len(rest)
        take = int(np.argmax(reached)) + 1 if reached.any() else n_blocks
        take = min(take, n_blocks - 1)  # training keeps at least one block
        validation_mask = np.isin(codes, order[:take])
    chroms = list(dict.fromkeys(bins["chrom"]))
    return Split(
        _genome_sort(rest[~validation_mask], chroms),
        _genome_sort(rest[validation_mask], chroms),
        _genome_sort(bins[is_test], chroms),
    )


def write_deepsea_regions(
    chrom_sizes: str | Path,
    train_out: str | Path,
    validation_out: str | Path,
    test_out: str | Path,
    *,
    tf_peak_files: Sequence[str | Path] = (),
    bins_file: str | Path | None = None,
    binsize: int = 200,
    min_overlap: float = 0.5,
    test_chroms: Sequence[str] = ("chr8", "chr9"),
    validation_fraction: float = 0.1,
    block_size: int = 100,
    seed: int = 1,
) -> Split:
    """DeepSEA's regions, split and written as BED3.

    The bins come from ``bins_file`` (DeepSEA's own ``allTFs.pos.bed``) when given, else they are
    rebuilt from ``tf_peak_files`` with :func:`tf_bins`; then :func:`split_bins`.

    Raises
    ------
    ValueError
        Neither source of bins given, or no bin at all.
    """
    sizes = read_chrom_sizes(chrom_sizes)
    if bins_file is not None:
        bins, _ = _known_chroms(read_regions(bins_file)[_BED3], sizes, str(bins_file))
        bins = _genome_sort(bins, list(sizes))
    elif tf_peak_files:
        bins = tf_bins(tf_peak_files, sizes, binsize=binsize, min_overlap=min_overlap)
    else:
        raise ValueError(
            "write_deepsea_regions: give tf_peak_files (no TF feature in the list?) " "or bins_file"
        )
    if bins.empty:
        raise ValueError(
            "write_deepsea_regions: no region bin (do the TF peaks lie on the "
            f"chromosomes of {chrom_sizes}?)"
        )
    check_split_chromosomes({"deepsea.regions.test": test_chroms}, sizes, bins, what="region bins")
    split = split_bins(
        bins,
        test_chroms=test_chroms,
        validation_fraction=validation_fraction,
        block_size=block_size,
        seed=seed,
        binsize=binsize,
    )
    write_bed(split.train, train_out)
    write_bed(split.validation, validation_out)
    write_bed(split.test, test_out)
    return split

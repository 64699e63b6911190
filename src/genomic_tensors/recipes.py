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

DeepSEA's feature table and region set (case 2) are in :mod:`genomic_tensors.cases.deepsea.features`
and :mod:`genomic_tensors.cases.deepsea.regions`, on the interval tools here.
"""

from __future__ import annotations

import gzip
import logging
import os
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from genomic_tensors.regions import (
    check_chromosomes,
    check_within_chromosomes,
    merge_spans,
    past_chromosome_ends,
    read_chrom_sizes,
    read_regions,
)

__all__ = [
    "BED3",
    "JundRoi",
    "PreparedBed",
    "check_split_chromosomes",
    "decompress",
    "empty_bed3",
    "genome_sort",
    "jund_roi",
    "known_chromosomes",
    "merge_intervals",
    "prepare_blacklist",
    "promoters",
    "subtract_intervals",
    "write_bed",
    "write_jund_roi",
    "write_promoters",
]

log = logging.getLogger(__name__)

#: The columns of a BED3 frame.
BED3 = ["chrom", "start", "end"]


# ----------------------------------------------------------------------------------------------
# Small interval tools


def empty_bed3() -> pd.DataFrame:
    """An empty BED3 frame (``chrom`` str, ``start``/``end`` int64)."""
    return pd.DataFrame(
        {
            "chrom": pd.Series([], dtype=str),
            "start": pd.Series([], dtype=np.int64),
            "end": pd.Series([], dtype=np.int64),
        }
    )


def genome_sort(frame: pd.DataFrame, chrom_order: Sequence[str] | None) -> pd.DataFrame:
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
        return empty_bed3()
    parts = []
    for chrom, group in genome_sort(frame[BED3], chrom_order).groupby("chrom", sort=False):
        starts, ends = merge_spans(group["start"].to_numpy(), group["end"].to_numpy())
        parts.append(pd.DataFrame({"chrom": chrom, "start": starts, "end": ends}))
    return pd.concat(parts, ignore_index=True)


def subtract_intervals(
    frame: pd.DataFrame, remove: pd.DataFrame, chrom_order: Sequence[str] | None = None
) -> pd.DataFrame:
    """Remove the bases of ``remove`` from ``frame`` (``bedtools subtract``, via pybedtools).

    Both are BED3-like frames (0-based half-open). Returns sorted BED3 (int64 coordinates).
    """
    if frame.empty or remove.empty:
        return genome_sort(frame[BED3].copy(), chrom_order)
    import pybedtools  # imported here: it starts no process at import, but keep imports light

    left = pybedtools.BedTool.from_dataframe(frame[BED3])
    right = pybedtools.BedTool.from_dataframe(remove[BED3])
    result = left.subtract(right)
    try:
        if os.path.getsize(result.fn) == 0:
            out = empty_bed3()
        else:
            out = pd.read_csv(
                result.fn,
                sep="\t",
                header=None,
                usecols=[0, 1, 2],
                names=BED3,
                dtype={"chrom": str, "start": np.int64, "end": np.int64},
            )
    finally:
        for bed in (left, right, result):
            Path(bed.fn).unlink(missing_ok=True)
    return genome_sort(out, chrom_order)


def known_chromosomes(
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


def write_bed(frame: pd.DataFrame, path: str | Path, columns: Sequence[str] = BED3) -> None:
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
    frame = empty_bed3()
    dropped: list[str] = []
    if src is not None and _has_records(src):
        frame, dropped = known_chromosomes(read_regions(src)[BED3], sizes, str(src))
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
    frame, dropped = known_chromosomes(read_regions(peaks)[BED3], sizes, source)
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
            else (read_regions(blacklist) if _has_records(blacklist) else empty_bed3())
        )
        ext = subtract_intervals(ext, black, order)
    start = -(-ext["start"].to_numpy(np.int64) // binsize) * binsize  # ceil to the grid
    end = (ext["end"].to_numpy(np.int64) // binsize) * binsize  # floor to the grid
    keep = end - start >= binsize
    roi = pd.DataFrame(
        {"chrom": ext["chrom"].to_numpy()[keep], "start": start[keep], "end": end[keep]}
    )
    return JundRoi(merged, genome_sort(roi, order), tuple(dropped))


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
        out, _ = known_chromosomes(out, sizes, source)
        out = out[(out["start"] >= 0) & (out["end"] <= out["chrom"].map(sizes))]
        order = list(sizes)
    else:
        out = out[out["start"] >= 0]
    return genome_sort(out, order)


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

"""Regions of interest: reading BED / narrowPeak / GTF / GFF files, tiling them into windows,
checking chromosome names against a genome, and the genome-wide bin grid.

Coordinates everywhere are 0-based and half-open, as in BED: an interval ``[start, end)`` covers
``end - start`` bases. GTF and GFF (1-based, inclusive) are converted on read: ``start - 1, end``.

A *core window* is what a dataset's sample stands for; its *window* adds ``flank`` bases on each
side: ``[core_start - flank, core_end + flank)``. Cores tile each ROI interval from its ``start``
coordinate by ``stepsize`` bases, each ``binsize`` long; a trailing remainder shorter than
``binsize`` is dropped and counted in a log line.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from genomic_tensors.files import is_gzipped as _is_gzipped
from genomic_tensors.files import open_text as _open_text

__all__ = [
    "BED_COLUMNS",
    "NARROWPEAK_COLUMNS",
    "check_assembly",
    "check_chromosomes",
    "check_within_chromosomes",
    "genome_bins",
    "merge_spans",
    "past_chromosome_ends",
    "read_chrom_sizes",
    "read_regions",
    "tile",
]

logger = logging.getLogger(__name__)

#: The six BED columns every region table has, in order.
BED_COLUMNS = ["chrom", "start", "end", "name", "score", "strand"]
#: The four extra columns of ENCODE narrowPeak files.
NARROWPEAK_COLUMNS = ["signal", "pvalue", "qvalue", "peak"]
#: Attribute keys of GTF/GFF records kept as columns (when present in the file).
GTF_ATTRIBUTES = ["gene_id", "gene_name", "gene_type", "transcript_id"]

_GTF_SUFFIXES = (".gtf", ".gff", ".gff3", ".gff2")
_HEADER_PREFIXES = ("#", "track", "browser")
_STRANDS = {"+", "-", "."}


# ----------------------------------------------------------------------------------------------
# Reading
# ----------------------------------------------------------------------------------------------
def _strip_gz(name: str) -> str:
    return name[:-3] if name.lower().endswith(".gz") else name


def _is_gtf(path: Path) -> bool:
    return _strip_gz(path.name).lower().endswith(_GTF_SUFFIXES)


def _is_narrowpeak(path: Path) -> bool:
    return "narrowpeak" in _strip_gz(path.name).lower()


def _header_lines(path: Path) -> int:
    """Number of leading header lines (``#``, ``track``, ``browser`` or blank)."""
    n = 0
    with _open_text(path) as handle:
        for line in handle:
            if line.strip() and not line.startswith(_HEADER_PREFIXES):
                break
            n += 1
    return n


def read_regions(roi: str | Path | pd.DataFrame, *, feature: str | None = None) -> pd.DataFrame:
    """Read regions of interest from a file or validate a DataFrame.

    Parameters
    ----------
    roi
        Path to a BED (3 to 12 columns), BED6, ENCODE narrowPeak, GTF or GFF file, optionally
        gzip- or bgzip-compressed (the format is told by the file name: ``*.gtf``, ``*.gff``,
        ``*.gff3``, ``*narrowPeak*``, otherwise BED), or a DataFrame with columns ``chrom``,
        ``start``, ``end`` (0-based half-open) and optionally ``name``, ``score``, ``strand``.
    feature
        GTF/GFF only: keep records of this feature type (3rd column), e.g. ``"gene"``.

    Returns
    -------
    pandas.DataFrame
        One row per interval, in file order, index ``0..n-1``; columns ``chrom`` (str),
        ``start``, ``end`` (int64, 0-based half-open), ``name`` (str, ``"."`` when absent),
        ``score`` (float64, NaN when absent or ``"."``), ``strand`` (``"+"``, ``"-"`` or ``"."``).
        narrowPeak files add ``signal``, ``pvalue``, ``qvalue`` (float64) and ``peak`` (int64,
        summit offset from ``start``, -1 when absent). GTF/GFF files add ``feature`` and the
        attributes ``gene_id``, ``gene_name``, ``gene_type``, ``transcript_id`` where present
        (``name`` is ``gene_name``, else ``gene_id``, else ``transcript_id``). DataFrame input
        keeps its        extra columns.

    Raises
    ------
    ValueError
        A malformed line (naming the file and line number), an interval with ``end <= start`` or
        ``start < 0``, an unknown strand, or no interval at all.
    FileNotFoundError
        The file does not exist.
    """
    if isinstance(roi, pd.DataFrame):
        return _normalise_frame(roi.copy(), source="the ROI DataFrame")
    path = Path(roi)
    if not path.exists():
        raise FileNotFoundError(f"region file not found: {path}")
    if _is_gtf(path):
        frame = _read_gtf(path, feature=feature)
    else:
        if feature is not None:
            raise ValueError(f"feature={feature!r} applies to GTF/GFF files only, not {path}")
        frame = _read_bed(path)
    if frame.empty:
        what = f" with feature {feature!r}" if feature else ""
        raise ValueError(f"no regions{what} in {path}: the ROI is empty")
    return frame


def _read_text_table(path: Path, skip: int, **options: Any) -> pd.DataFrame:
    """A tab-separated file (plain or gzipped) as a table of strings, without NA parsing, after
    ``skip`` header lines; ``options`` go to :func:`pandas.read_csv`."""
    return pd.read_csv(
        path,
        sep="\t",
        header=None,
        skiprows=skip,
        dtype=str,
        keep_default_na=False,
        na_filter=False,
        compression="gzip" if _is_gzipped(path) else None,
        **options,
    )


def _read_bed(path: Path) -> pd.DataFrame:
    narrowpeak = _is_narrowpeak(path)
    skip = _header_lines(path)
    try:
        raw = _read_text_table(path, skip, engine="c")
    except pd.errors.EmptyDataError:
        raise ValueError(f"no regions in {path}: the ROI is empty") from None
    except (pd.errors.ParserError, UnicodeDecodeError):
        _locate_bad_bed_line(path, skip, narrowpeak)
        raise
    if raw.shape[1] < 3:
        _locate_bad_bed_line(path, skip, narrowpeak)
    ncol = raw.shape[1]
    frame = pd.DataFrame({"chrom": raw[0], "start": raw[1], "end": raw[2]})
    frame["name"] = raw[3] if ncol > 3 else "."
    frame["score"] = raw[4] if ncol > 4 else "."
    frame["strand"] = raw[5] if ncol > 5 else "."
    if narrowpeak:
        if ncol < 10:
            _locate_bad_bed_line(path, skip, narrowpeak)
        for i, col in enumerate(NARROWPEAK_COLUMNS):
            frame[col] = raw[6 + i]
    try:
        return _normalise_frame(frame, source=str(path))
    except ValueError:
        _locate_bad_bed_line(path, skip, narrowpeak)
        raise


def _locate_bad_bed_line(path: Path, skip: int, narrowpeak: bool) -> None:
    """Scan ``path`` line by line and raise a ValueError naming the first malformed line."""
    want = 10 if narrowpeak else 3
    ncols: int | None = None
    with _open_text(path) as handle:
        for lineno, line in enumerate(handle, start=1):
            if lineno <= skip:
                continue
            text = line.rstrip("\n\r")
            if not text.strip():
                raise ValueError(f"{path}, line {lineno}: empty line inside the region records")
            fields = text.split("\t")
            where = f"{path}, line {lineno}: "
            if len(fields) < want:
                kind = "narrowPeak" if narrowpeak else "BED"
                raise ValueError(
                    f"{where}expected at least {want} tab-separated {kind} columns, found "
                    f"{len(fields)}: {text[:80]!r}"
                )
            if ncols is not None and len(fields) != ncols:
                raise ValueError(
                    f"{where}found {len(fields)} columns, the lines before have {ncols}: "
                    f"{text[:80]!r}"
                )
            ncols = len(fields)
            try:
                start, end = int(fields[1]), int(fields[2])
            except ValueError:
                raise ValueError(
                    f"{where}start and end must be integers, found {fields[1]!r} and {fields[2]!r}"
                ) from None
            if start < 0 or end <= start:
                raise ValueError(
                    f"{where}expected 0 <= start < end, found start={start}, end={end}"
                )
            if len(fields) > 5 and fields[5] not in _STRANDS:
                raise ValueError(f"{where}strand must be '+', '-' or '.', found {fields[5]!r}")
            if len(fields) > 4 and fields[4] != ".":
                try:
                    float(fields[4])
                except ValueError:
                    raise ValueError(
                        f"{where}score must be a number, found {fields[4]!r}"
                    ) from None
            if narrowpeak:
                for col, value in zip(NARROWPEAK_COLUMNS, fields[6:10], strict=True):
                    try:
                        float(value)
                    except ValueError:
                        raise ValueError(
                            f"{where}narrowPeak column {col} must be a number, found {value!r}"
                        ) from None


def _read_gtf(path: Path, *, feature: str | None) -> pd.DataFrame:
    skip = _header_lines(path)
    try:
        raw = _read_text_table(path, skip, comment="#", usecols=range(9))
    except pd.errors.EmptyDataError:
        raise ValueError(f"no regions in {path}: the GTF/GFF file is empty") from None
    except (pd.errors.ParserError, ValueError) as err:
        raise ValueError(
            f"{path}: expected 9 tab-separated GTF/GFF columns on every line ({err})"
        ) from None
    if feature is not None:
        raw = raw[raw[2] == feature].reset_index(drop=True)
        if raw.empty:
            raise ValueError(f"no regions with feature {feature!r} in {path}: the ROI is empty")
    frame = pd.DataFrame(
        {"chrom": raw[0], "start": raw[3], "end": raw[4], "score": raw[5], "strand": raw[6]}
    )
    bad = (
        pd.to_numeric(frame["start"], errors="coerce").isna()
        | pd.to_numeric(frame["end"], errors="coerce").isna()
    )
    if bad.any():
        row = _first_row(bad)
        raise ValueError(
            f"{path}: record {row + 1}{' of feature ' + repr(feature) if feature else ''} has "
            f"non-integer start/end {frame['start'][row]!r}/{frame['end'][row]!r} (columns 4 and 5)"
        )
    # GTF/GFF are 1-based inclusive -> 0-based half-open
    frame["start"] = frame["start"].astype(np.int64) - 1
    frame["end"] = frame["end"].astype(np.int64)
    frame["feature"] = raw[2].astype(str)
    found_values = _gtf_attributes(raw[8])
    for key, values in found_values.items():
        frame[key] = values.fillna(".").astype(str)
    names = pd.Series(["."] * len(frame), dtype=object)
    for key in ("transcript_id", "gene_id", "gene_name"):  # lowest priority first
        if key in found_values:
            names = found_values[key].where(found_values[key].notna(), names)
    frame["name"] = names.astype(str)
    frame = frame[
        ["chrom", "start", "end", "name", "score", "strand", "feature"]
        + [k for k in GTF_ATTRIBUTES if k in frame.columns]
    ]
    return _normalise_frame(frame, source=str(path))


def _gtf_attributes(attrs: pd.Series) -> dict[str, pd.Series]:
    """The values (NaN where absent) of the :data:`GTF_ATTRIBUTES` present in the attribute column
    (9th) of GTF (``key "value";``) or GFF3 (``key=value;``) records."""
    found_values = {}
    for key in GTF_ATTRIBUTES:
        pattern = rf'(?:^|;)\s*{key}(?:\s+"([^"]*)"|=([^;]*))'
        found = attrs.str.extract(pattern)
        values = found[0].fillna(found[1])
        if values.notna().any():
            found_values[key] = values
    return found_values


def _normalise_frame(frame: pd.DataFrame, *, source: str) -> pd.DataFrame:
    """Validate and normalise a region table (dtypes, defaults, checks)."""
    missing = [c for c in ("chrom", "start", "end") if c not in frame.columns]
    if missing:
        raise ValueError(
            f"{source} lacks the column(s) {missing}; expected at least chrom, start, end "
            f"(found {list(frame.columns)})"
        )
    if frame.empty:
        raise ValueError(f"no regions in {source}: the ROI is empty")
    frame = frame.reset_index(drop=True)
    for col in ("start", "end"):
        frame[col] = _integer_column(frame[col], col, source)
    bad = (frame["start"] < 0) | (frame["end"] <= frame["start"])
    if bad.any():
        row = _first_row(bad)
        raise ValueError(
            f"{source}, row {row}: expected 0 <= start < end, found start={frame['start'][row]}, "
            f"end={frame['end'][row]}"
        )
    frame["chrom"] = frame["chrom"].astype(str)
    frame["name"] = frame["name"].astype(str) if "name" in frame.columns else "."
    frame["score"] = _score_column(frame["score"], source) if "score" in frame.columns else np.nan
    frame["strand"] = _strand_column(frame["strand"], source) if "strand" in frame.columns else "."
    if all(c in frame.columns for c in NARROWPEAK_COLUMNS):
        for col in NARROWPEAK_COLUMNS:
            values = _number_column(frame[col], f"narrowPeak column {col}", source)
            frame[col] = values.astype(np.int64 if col == "peak" else np.float64)
    rest = [c for c in frame.columns if c not in BED_COLUMNS]
    return frame[BED_COLUMNS + rest]


def _first_row(bad: pd.Series) -> int:
    """Position of the first True of a boolean column."""
    return int(np.flatnonzero(bad.to_numpy())[0])


def _integer_column(values: pd.Series, col: str, source: str) -> pd.Series:
    """A column of integers (int64); an error names the first row that holds none."""
    numbers = pd.to_numeric(values, errors="coerce")
    bad = numbers.isna() | (numbers != np.floor(numbers))
    if bad.any():
        row = _first_row(bad)
        raise ValueError(
            f"{source}, row {row}: column {col} must hold integers, found {values[row]!r}"
        )
    return numbers.astype(np.int64)


def _number_column(values: pd.Series, what: str, source: str) -> pd.Series:
    """A column of numbers; an error names ``what`` and the first row that holds none."""
    numbers = pd.to_numeric(values, errors="coerce")
    if numbers.isna().any():
        row = _first_row(numbers.isna())
        raise ValueError(f"{source}, row {row}: {what} must be a number, found {values[row]!r}")
    return numbers


def _score_column(values: pd.Series, source: str) -> pd.Series:
    """BED scores as float64, NaN for ``"."``; an error names the first row of another kind."""
    score = values.replace(".", np.nan)
    numbers = pd.to_numeric(score, errors="coerce")
    bad = numbers.isna() & score.notna()
    if bad.any():
        row = _first_row(bad)
        raise ValueError(
            f"{source}, row {row}: score must be a number or '.', found {values[row]!r}"
        )
    return numbers.astype(np.float64)


def _strand_column(values: pd.Series, source: str) -> pd.Series:
    """Strands as str; an error names the first row that is not ``+``, ``-`` or ``.``."""
    strands = values.astype(str)
    bad = ~strands.isin(_STRANDS)
    if bad.any():
        row = _first_row(bad)
        raise ValueError(
            f"{source}, row {row}: strand must be '+', '-' or '.', found {strands[row]!r}"
        )
    return strands


def read_chrom_sizes(path: str | Path) -> dict[str, int]:
    """Read chromosome lengths from a two-column chrom sizes file or a FASTA index (``.fai``).

    Parameters
    ----------
    path
        Tab-separated file whose first two columns are the chromosome name and its length;
        further columns (as in a ``.fai``) are ignored. ``#`` lines are skipped.

    Returns
    -------
    dict[str, int]
        Chromosome name -> length in bases, in file order.
    """
    path = Path(path)
    sizes: dict[str, int] = {}
    with _open_text(path) as handle:
        for lineno, line in enumerate(handle, start=1):
            if not line.strip() or line.startswith("#"):
                continue
            fields = line.rstrip("\n\r").split("\t")
            if len(fields) < 2:
                fields = line.split()
            try:
                size = int(fields[1])
                if size <= 0:
                    raise ValueError
            except (ValueError, IndexError):
                raise ValueError(
                    f"{path}, line {lineno}: expected 'name<TAB>length' with a positive integer "
                    f"length, found {line.strip()[:80]!r}"
                ) from None
            sizes[fields[0]] = size
    if not sizes:
        raise ValueError(f"{path}: no chromosome sizes found")
    return sizes


# ----------------------------------------------------------------------------------------------
# Tiling
# ----------------------------------------------------------------------------------------------
def tile(
    regions: pd.DataFrame, *, binsize: int | None = None, stepsize: int | None = None
) -> pd.DataFrame:
    """Tile each region into core windows.

    Parameters
    ----------
    regions
        Region table as returned by :func:`read_regions` (0-based half-open).
    binsize
        Length of each core window in bases; ``None`` keeps each region as one window as is.
    stepsize
        Distance between consecutive core starts (default ``binsize``). Cores start at the
        region's ``start`` coordinate (whatever the strand) and a trailing remainder shorter than
        ``binsize`` is dropped (logged).

    Returns
    -------
    pandas.DataFrame
        Columns ``chrom``, ``start``, ``end``, ``strand`` (the region's strand) and ``name``, in
        region order, index ``0..n-1``.

    Examples
    --------
    A region ``[0, 250)`` with ``binsize=100, stepsize=50`` gives cores ``[0,100)``,
    ``[50,150)``, ``[100,200)``, ``[150,250)``; with ``stepsize=100`` it gives ``[0,100)``,
    ``[100,200)`` and drops the 50-base remainder.
    """
    cols = ["chrom", "start", "end", "strand", "name"]
    frame = regions.reindex(columns=cols).copy()
    frame["strand"] = frame["strand"].fillna(".")
    frame["name"] = frame["name"].fillna(".")
    if binsize is None:
        if stepsize is not None:
            raise ValueError(f"stepsize={stepsize} needs a binsize; got binsize=None")
        return frame.reset_index(drop=True)
    if int(binsize) <= 0:
        raise ValueError(f"binsize must be a positive integer, got {binsize}")
    binsize = int(binsize)
    stepsize = binsize if stepsize is None else int(stepsize)
    if stepsize <= 0:
        raise ValueError(f"stepsize must be a positive integer, got {stepsize}")
    starts = frame["start"].to_numpy(np.int64)
    lengths = frame["end"].to_numpy(np.int64) - starts
    counts = np.where(lengths >= binsize, (lengths - binsize) // stepsize + 1, 0)
    covered = np.where(counts > 0, (counts - 1) * stepsize + binsize, 0)
    remainder = lengths - covered
    n_short = int((counts == 0).sum())
    n_rem = int(((remainder > 0) & (counts > 0)).sum())
    if n_short or n_rem:
        logger.info(
            "tiling with binsize=%d, stepsize=%d: dropped %d region(s) shorter than binsize and "
            "trailing remainders of %d region(s), %d bases in all",
            binsize,
            stepsize,
            n_short,
            n_rem,
            int(remainder.sum()),
        )
    rows = np.repeat(np.arange(len(frame)), counts)
    first = np.repeat(np.cumsum(counts) - counts, counts)
    within = np.arange(rows.size) - first
    out = frame.iloc[rows].reset_index(drop=True)
    out["start"] = starts[rows] + within * stepsize
    out["end"] = out["start"] + binsize
    return out


def genome_bins(chrom_sizes: dict[str, int], binsize: int) -> pd.DataFrame:
    """The genome-wide grid of ``binsize`` bins.

    Parameters
    ----------
    chrom_sizes
        Chromosome -> length, e.g. from :func:`read_chrom_sizes`.
    binsize
        Bin length in bases; bins are ``[i * binsize, (i + 1) * binsize)`` and a chromosome's
        trailing partial bin is dropped.

    Returns
    -------
    pandas.DataFrame
        Columns ``chrom``, ``start``, ``end`` (int64), ``name`` (``"."``), ``score`` (NaN),
        ``strand`` (``"."``), chromosomes in the given order.
    """
    if int(binsize) <= 0:
        raise ValueError(f"binsize must be a positive integer, got {binsize}")
    names, starts = [], []
    for chrom, size in chrom_sizes.items():
        n = int(size) // int(binsize)
        names.append(np.full(n, chrom, dtype=object))
        starts.append(np.arange(n, dtype=np.int64) * int(binsize))
    start = np.concatenate(starts) if starts else np.zeros(0, np.int64)
    return pd.DataFrame(
        {
            "chrom": pd.Series(np.concatenate(names) if names else [], dtype=str),
            "start": start,
            "end": start + int(binsize),
            "name": ".",
            "score": np.nan,
            "strand": ".",
        }
    )


def merge_spans(
    starts: np.ndarray, ends: np.ndarray, *, gap: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """The sorted, disjoint union of half-open intervals ``[starts[i], ends[i])`` (one chromosome).

    Parameters
    ----------
    starts, ends
        The intervals, in any order (``end >= start``).
    gap
        Intervals at most ``gap`` bases apart are joined too; 0 (default) joins the overlapping,
        nested and touching (book-ended) ones, as ``bedtools merge`` does.

    Returns
    -------
    starts, ends : numpy.ndarray
        int64, sorted; consecutive spans are more than ``gap`` bases apart. Each input interval
        lies in the last span starting at or before its start, i.e. span
        ``np.searchsorted(span_starts, start, side="right") - 1``. An empty interval (``start ==
        end``) that nothing covers or touches stays as an empty span of its own.

    Examples
    --------
    >>> merge_spans(np.array([5, 0, 3, 20]), np.array([12, 3, 5, 30]))
    (array([ 0, 20]), array([12, 30]))
    """
    starts = np.asarray(starts, dtype=np.int64)
    ends = np.asarray(ends, dtype=np.int64)
    if starts.size == 0:
        return starts.copy(), ends.copy()
    order = np.argsort(starts, kind="stable")
    s = starts[order]
    reach = np.maximum.accumulate(ends[order])  # the furthest end so far
    new = np.ones(s.size, dtype=bool)
    new[1:] = s[1:] > reach[:-1] + int(gap)
    first = np.flatnonzero(new)
    last = np.append(first[1:], s.size) - 1
    return s[first], reach[last]


# ----------------------------------------------------------------------------------------------
# Chromosome names
# ----------------------------------------------------------------------------------------------
def _toggle_chr(name: str) -> str:
    return name[3:] if name.startswith("chr") else "chr" + name


def check_chromosomes(wanted: Iterable[str], available: Iterable[str], *, source: str) -> None:
    """Check that every wanted chromosome is available.

    Parameters
    ----------
    wanted
        Chromosome names the regions use.
    available
        Chromosome names of the data file (FASTA index, BAM header, bigWig header).
    source
        The data file, named in the error.

    Raises
    ------
    ValueError
        Naming up to five missing chromosomes and five available ones, and suggesting to add or
        remove the ``chr`` prefix when that would make the names match.
    """
    available_set = set(available)
    missing = sorted({str(c) for c in wanted} - available_set)
    if not missing:
        return
    avail_list = list(dict.fromkeys(available))
    msg = (
        f"{len(missing)} chromosome(s) of the regions are not in {source}: "
        f"{', '.join(missing[:5])}{', ...' if len(missing) > 5 else ''}; "
        f"{source} has {', '.join(avail_list[:5])}{', ...' if len(avail_list) > 5 else ''}"
    )
    if all(_toggle_chr(c) in available_set for c in missing):
        if missing[0].startswith("chr"):
            msg += " -- the names differ by the 'chr' prefix: remove 'chr' from the region names"
        else:
            msg += " -- the names differ by the 'chr' prefix: add 'chr' to the region names"
        msg += " (or use a genome/data file with matching names)"
    raise ValueError(msg)


def check_assembly(
    data_sizes: Mapping[str, int],
    genome_sizes: Mapping[str, int],
    chromosomes: Iterable[str],
    *,
    source: str,
    genome: str,
) -> None:
    """Check that a data file and the genome agree on the length of every chromosome used.

    A shared chromosome name with another length is the sign of another assembly: hg19 and hg38 share
    every name, so a name check alone lets a BAM, bigWig or VCF of the wrong build through.

    Parameters
    ----------
    data_sizes
        Chromosome lengths of the data file (BAM header, bigWig header, VCF contigs).
    genome_sizes
        Chromosome lengths of the genome (its ``.fai`` or chrom sizes).
    chromosomes
        The chromosomes the job uses (the regions'); names missing from either side are not compared.
    source, genome
        The data file and the genome index, named in the error.

    Raises
    ------
    ValueError
        Naming the file, the first mismatching chromosome, both lengths, how many others differ, and
        that the file probably comes from another assembly.
    """
    used = sorted({str(c) for c in chromosomes})
    differ = [c for c in used if c in data_sizes and c in genome_sizes and data_sizes[c] != genome_sizes[c]]
    if not differ:
        return
    first = differ[0]
    more = f" (and {len(differ) - 1} more chromosome(s): {', '.join(differ[1:4])})" if len(differ) > 1 else ""
    raise ValueError(
        f"{source}: {first} is {int(data_sizes[first]):,} bp there but {int(genome_sizes[first]):,} bp in "
        f"the genome ({genome}){more}. The file probably comes from another assembly than the genome "
        f"(hg19 and hg38 share every chromosome name): use files of the genome's assembly"
    )


def _record_line(path: Path, record: int) -> int | None:
    """1-based line number of the ``record``-th (0-based) region record of a BED-like file."""
    seen = -1
    with _open_text(path) as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip() or line.startswith(("#", "track", "browser")):
                continue
            seen += 1
            if seen == record:
                return number
    return None


def past_chromosome_ends(frame: pd.DataFrame, sizes: Mapping[str, int]) -> np.ndarray:
    """Boolean mask of the intervals that end past their chromosome's end (chromosomes absent from
    ``sizes`` are not judged)."""
    length = frame["chrom"].astype(str).map(sizes)
    return (length.notna() & (frame["end"] > length.fillna(0))).to_numpy()


def check_within_chromosomes(
    frame: pd.DataFrame, sizes: Mapping[str, int], *, source: str | Path
) -> None:
    """Fail on intervals that end past their chromosome's end in the genome.

    ``frame`` is :func:`read_regions` of ``source`` (index = record number), possibly filtered.

    Raises
    ------
    ValueError
        Naming the file and line of the first such interval, the interval, the chromosome length,
        how many there are, and that the file probably comes from another assembly.
    """
    beyond = past_chromosome_ends(frame, sizes)
    if not beyond.any():
        return
    first = frame[beyond].iloc[0]
    record = frame.index[np.flatnonzero(beyond)[0]]
    line = _record_line(Path(source), int(record)) if Path(str(source)).is_file() else None
    where = f"{source}, line {line}" if line else str(source)
    chrom = str(first["chrom"])
    raise ValueError(
        f"{where}: {chrom}:{int(first['start']):,}-{int(first['end']):,} ends past the end of {chrom} "
        f"({int(sizes[chrom]):,} bp in the genome; {int(beyond.sum())} interval(s) in all). The file "
        f"probably comes from another assembly than the genome: use files of the genome's assembly"
    )

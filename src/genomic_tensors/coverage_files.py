"""Coverage from files: BAM read counts, bigWig signal and BED/narrowPeak labels in the bins of
windows, and the checks of those files against the regions and the genome.

Each kind of file has a kernel, ``kernel(chrom, starts, length, resolution) -> (k, bins,
strands)``, run over a window layout by :func:`genomic_tensors.binning._per_window_values`, and a
function that returns the values of all windows and conditions (:func:`bam_values`,
:func:`bigwig_values`, :func:`bed_values`), as :class:`genomic_tensors.coverage.Cover` stores them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse

from genomic_tensors.bamio import ReadEnds, bam_read_ends, open_bam
from genomic_tensors.binning import (
    _collapse_dense,
    _Layout,
    _orient,
    _per_window_values,
    _stack_conditions,
    _Steps,
    _steps_from_intervals,
    bin_positions,
    bin_steps,
)
from genomic_tensors.regions import (
    check_assembly,
    check_chromosomes,
    read_chrom_sizes,
    read_regions,
)
from genomic_tensors.storage import SparseStorage

__all__ = ["bam_values", "bed_values", "bigwig_values"]


# ----------------------------------------------------------------------------------------------
# Values of the windows, per kind of file
# ----------------------------------------------------------------------------------------------
def bam_values(
    paths: Sequence[Path],
    layout: _Layout,
    *,
    stranded: bool,
    collapse: str,
    min_mapq: int,
    keep_duplicates: bool,
    paired_end: str,
    strand_aware: bool,
) -> np.ndarray:
    """Read counts of the windows, float32 ``(n_windows, bins, 2 if stranded else 1, n_bams)``
    (see :meth:`genomic_tensors.coverage.Cover.from_bam`)."""

    def blocks() -> Iterator[np.ndarray]:
        for path in paths:
            sizes = _bam_chrom_sizes(path)
            check_chromosomes(layout.regions["chrom"], sizes, source=str(path))
            kernel = _bam_kernel(
                path, stranded=stranded, collapse=collapse, min_mapq=min_mapq,
                keep_duplicates=keep_duplicates, paired_end=paired_end,
            )  # fmt: skip
            yield _per_window_values(layout, kernel, 2 if stranded else 1)

    return _stack_conditions(layout, blocks(), len(paths), strand_aware)


def bigwig_values(
    paths: Sequence[Path],
    layout: _Layout,
    *,
    collapse: str,
    nan_value: float,
    strand_aware: bool,
) -> np.ndarray:
    """Signal of the windows, float32 ``(n_windows, bins, 1, n_bigwigs)`` (see
    :meth:`genomic_tensors.coverage.Cover.from_bigwig`)."""

    def blocks() -> Iterator[np.ndarray]:
        for path in paths:
            with _open_bigwig(path) as handle:
                sizes = dict(handle.chroms())
                check_chromosomes(layout.regions["chrom"], sizes, source=str(path))
                kernel = _bigwig_kernel(handle, sizes, collapse, nan_value)
                block = _per_window_values(layout, kernel, 1)
            yield block

    return _stack_conditions(layout, blocks(), len(paths), strand_aware)


def bed_values(
    paths: Sequence[Path],
    names: Sequence[str],
    layout: _Layout,
    *,
    mode: str,
    collapse: str,
    min_overlap: float | None,
    strand_aware: bool,
    sparse: bool,
) -> tuple[np.ndarray | SparseStorage, list[str]]:
    """Labels or scores of the windows from peak files, and the condition names.

    Returns float32 ``(n_windows, bins, 1, conditions)``; with ``sparse``, a
    :class:`~genomic_tensors.storage.SparseStorage` built condition by condition, never the dense
    array (see :meth:`genomic_tensors.coverage.Cover.from_bed`).
    """
    minus = layout.regions["strand"].to_numpy() == "-"
    labels: list[str] = []
    parts: list[Any] = []  # per condition: the dense block, or its non-zero cells when sparse
    width = 0
    for label, peaks in _peak_groups(paths, names, categorical=mode == "categorical"):
        kernel = _bed_kernel(_peak_steps(peaks, score=mode == "score"), collapse, min_overlap)
        block = _per_window_values(layout, kernel, 1)
        if strand_aware:
            _orient(block, minus)
        labels.append(label)
        width = block.shape[1]
        parts.append(_nonzero_cells(block) if sparse else block)
    if sparse:
        return _sparse_conditions(parts, len(layout.regions), width), labels
    return np.stack(parts, axis=3), labels


def _peak_groups(
    paths: Sequence[Path], names: Sequence[str], *, categorical: bool
) -> Iterator[tuple[str, pd.DataFrame]]:
    """``(condition name, peaks)``: one per file, or (``categorical``) one per file and distinct
    peak name, named ``name`` for one file and ``condition/name`` for several."""
    for path, cname in zip(paths, names, strict=True):
        peaks = _read_peaks(path)
        if not categorical:
            yield cname, peaks
            continue
        for cat in sorted(pd.unique(peaks["name"])):
            yield (cat if len(paths) == 1 else f"{cname}/{cat}"), peaks[peaks["name"] == cat]


def _nonzero_cells(block: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(rows, columns, values)`` of the non-zero cells of a block, flattened per window."""
    flat = block.reshape(block.shape[0], -1)
    rows, cols = np.nonzero(flat)
    return rows, cols, flat[rows, cols]


def _sparse_conditions(
    parts: Sequence[tuple[np.ndarray, np.ndarray, np.ndarray]], n: int, width: int
) -> SparseStorage:
    """One CSR storage ``(n, width, 1, conditions)`` from the non-zero cells of each condition."""
    n_cond = len(parts)
    rows = np.concatenate([p[0] for p in parts])
    cols = np.concatenate([p[1] * n_cond + c for c, p in enumerate(parts)])
    data = np.concatenate([p[2] for p in parts]).astype(np.float32)
    matrix = scipy.sparse.csr_array((data, (rows, cols)), shape=(n, width * n_cond))
    return SparseStorage(matrix, (n, width, 1, n_cond))


# ----------------------------------------------------------------------------------------------
# Kernels and readers
# ----------------------------------------------------------------------------------------------
def _source_names(
    paths: Any, conditions: Sequence[str] | None, what: str
) -> tuple[list[Path], list[str]]:
    if isinstance(paths, (str, Path)):
        paths = [paths]
    paths = [Path(p) for p in paths]
    if not paths:
        raise ValueError(f"no {what} files given")
    for p in paths:
        if not p.exists():
            raise FileNotFoundError(f"{what} file not found: {p}")
    if conditions is None:
        names = []
        for p in paths:
            name = p.name
            for suffix in (".gz", ".bam", ".bigwig", ".bw", ".bigWig", ".bed", ".narrowPeak"):
                name = name.removesuffix(suffix)
            names.append(name)
    else:
        names = [str(c) for c in conditions]
        if len(names) != len(paths):
            raise ValueError(
                f"{len(paths)} {what} file(s) but {len(names)} condition name(s): {names}"
            )
    return paths, names


def _bam_kernel(
    path: Path,
    *,
    stranded: bool,
    collapse: str,
    min_mapq: int,
    keep_duplicates: bool,
    paired_end: str,
) -> Any:
    """``kernel(chrom, starts, length, res) -> (k, bins, strands)`` counting one BAM's reads;
    the read ends of the last chromosome are kept for its other window lengths."""
    cache: dict[str, ReadEnds] = {}

    def kernel(chrom: str, starts: np.ndarray, length: int, res: int) -> np.ndarray:
        if chrom not in cache:
            cache.clear()
            cache[chrom] = bam_read_ends(
                path, chrom, min_mapq=min_mapq, keep_duplicates=keep_duplicates,
                paired_end=paired_end,
            )  # fmt: skip
        ends = cache[chrom]
        if not stranded and collapse == "max":
            merged = np.sort(np.concatenate([ends.plus, ends.minus]), kind="stable")
            return bin_positions(merged, starts, length, res, collapse)[:, :, None]
        plus = bin_positions(ends.plus, starts, length, res, collapse)
        minus = bin_positions(ends.minus, starts, length, res, collapse)
        if stranded:
            return np.stack([plus, minus], axis=2)
        return (plus + minus)[:, :, None]

    return kernel


def _bigwig_kernel(handle: Any, sizes: dict[str, int], collapse: str, nan_value: float) -> Any:
    """``kernel(chrom, starts, length, res) -> (k, bins, 1)`` averaging (etc.) one bigWig."""

    def kernel(chrom: str, starts: np.ndarray, length: int, res: int) -> np.ndarray:
        dense = _bigwig_windows(handle, chrom, sizes[chrom], starts, length, nan_value)
        return _collapse_dense(dense, res, collapse)[:, :, None]

    return kernel


def _bed_kernel(steps: dict[str, _Steps], collapse: str, min_overlap: float | None) -> Any:
    """``kernel(chrom, starts, length, res) -> (k, bins, 1)`` labelling from one peak set."""

    def kernel(chrom: str, starts: np.ndarray, length: int, res: int) -> np.ndarray:
        if chrom not in steps:
            return np.zeros((starts.size, length // res, 1), np.float32)
        got = bin_steps(steps[chrom], starts, length, res, collapse, min_overlap=min_overlap)
        return got[:, :, None]

    return kernel


def _bam_chrom_sizes(path: Path) -> dict[str, int]:
    with open_bam(path) as bam:
        return dict(zip(bam.references, bam.lengths, strict=True))


@contextmanager
def _open_bigwig(path: Path) -> Iterator[Any]:
    """A pyBigWig handle of ``path``, closed on leaving; an error when it is not a bigWig."""
    import pyBigWig

    handle = pyBigWig.open(str(path))
    if handle is None or not handle.isBigWig():
        raise ValueError(f"{path} is not a bigWig file")
    try:
        yield handle
    finally:
        handle.close()


def _bigwig_chrom_sizes(path: Path) -> dict[str, int]:
    with _open_bigwig(path) as handle:
        return dict(handle.chroms())


def _check_assembly(
    paths: Sequence[Path],
    header_sizes: Callable[[Path], Mapping[str, int]],
    roi: Any,
    genome: str | Path | Mapping[str, int] | None,
) -> None:
    """Compare each file's chromosome lengths with the genome's, for the chromosomes of ``roi``."""
    if genome is None:
        return
    genome_sizes = genome if isinstance(genome, Mapping) else read_chrom_sizes(genome)
    where = "the given chromosome sizes" if isinstance(genome, Mapping) else str(genome)
    chroms = read_regions(roi)["chrom"].unique()
    for path in paths:
        check_assembly(header_sizes(path), genome_sizes, chroms, source=str(path), genome=where)


def _bigwig_windows(
    handle: Any, chrom: str, size: int, starts: np.ndarray, length: int, nan_value: float
) -> np.ndarray:
    """Per-base values ``(k, length)`` float32 of windows on one chromosome (0 outside it).

    Windows are grouped into spans of nearby windows (a gap of at most 4 kb, at most about
    4 Mb per span); each span is read with one ``values`` call and its windows are gathered
    from it at once.
    """
    out = np.zeros((starts.size, length), np.float32)
    if starts.size == 0:
        return out
    lo = np.clip(starts, 0, size)
    hi = np.clip(starts + length, 0, size)
    order = np.argsort(lo, kind="stable")
    lo_s, hi_s = lo[order], hi[order]
    reach = np.maximum.accumulate(hi_s)
    block = lo_s >> 22
    new = np.ones(order.size, bool)
    new[1:] = (lo_s[1:] > reach[:-1] + 4096) | (block[1:] != block[:-1])
    bounds = np.append(np.flatnonzero(new), order.size)
    offsets = np.arange(length, dtype=np.int64)
    for a, b in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True):
        members = order[a:b]
        span_lo, span_hi = int(lo_s[a]), int(reach[b - 1])
        if span_hi <= span_lo:
            continue  # all windows of this span lie outside the chromosome
        vals = np.asarray(handle.values(chrom, span_lo, span_hi, numpy=True), np.float32)
        vals[np.isnan(vals)] = nan_value
        # zero padding on both sides serves the positions outside the chromosome
        ext = np.concatenate([np.zeros(length, np.float32), vals, np.zeros(length, np.float32)])
        first = starts[members] - span_lo + length
        out[members] = ext[first[:, None] + offsets[None, :]]
    return out


def _read_peaks(path: Path) -> pd.DataFrame:
    """A peak file as a region table; an empty file is an error naming it."""
    try:
        peaks = read_regions(path)
    except ValueError as err:
        if "empty" in str(err) or "no regions" in str(err):
            raise ValueError(f"peak file {path} holds no intervals (it is empty)") from None
        raise
    return peaks


def _peak_steps(peaks: pd.DataFrame, *, score: bool) -> dict[str, _Steps]:
    """Per chromosome, the piecewise-constant label (1 or the score) of the peaks."""
    out = {}
    values_all = peaks["score"].to_numpy(np.float64) if score else np.ones(len(peaks))
    if score and np.isnan(values_all).any():
        raise ValueError("mode='score' needs a numeric BED score (column 5) on every peak")
    for chrom, idx in peaks.groupby("chrom", sort=False).indices.items():
        out[str(chrom)] = _steps_from_intervals(
            peaks["start"].to_numpy(np.int64)[idx],
            peaks["end"].to_numpy(np.int64)[idx],
            values_all[idx],
        )
    return out

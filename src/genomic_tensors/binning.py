"""Binning kernels and window layouts of coverage tensors.

The kernels turn per-chromosome data into the bins of many windows at once: sorted read positions
(:func:`bin_positions`), piecewise-constant functions such as peak labels (:func:`bin_steps`) and
dense per-base values (:func:`_collapse_dense`). A :class:`_Layout` says where the samples lie (the
tiled core windows, their flank and bin length); :func:`_per_window_values` runs a kernel over a
layout chromosome by chromosome. Coordinates are 0-based, half-open.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from genomic_tensors.progress import progress
from genomic_tensors.regions import read_regions, tile

__all__ = ["COLLAPSE_MODES", "bin_positions", "bin_steps"]

# ----------------------------------------------------------------------------------------------
# Binning kernels
# ----------------------------------------------------------------------------------------------
COLLAPSE_MODES = ("sum", "mean", "max")
#: windows x positions handled at once by the dense kernels
_DENSE_CELLS = 1 << 23


def _check_collapse(collapse: str) -> None:
    if collapse not in COLLAPSE_MODES:
        raise ValueError(
            f"unknown collapse {collapse!r}; expected one of {', '.join(COLLAPSE_MODES)}"
        )


def _zero_bins(
    starts: np.ndarray, length: int, resolution: int, collapse: str
) -> tuple[np.ndarray, np.ndarray]:
    """The kernels' common start: ``collapse`` checked, the starts as int64 and the float32
    output ``(n, length // resolution)`` filled with 0."""
    _check_collapse(collapse)
    starts = np.asarray(starts, np.int64)
    return starts, np.zeros((starts.size, length // resolution), np.float32)


def _window_chunks(n: int, length: int) -> Iterator[slice]:
    step = max(1, _DENSE_CELLS // max(length, 1))
    for lo in range(0, n, step):
        yield slice(lo, min(n, lo + step))


def bin_positions(
    positions: np.ndarray, starts: np.ndarray, length: int, resolution: int, collapse: str = "sum"
) -> np.ndarray:
    """Count sorted positions in the bins of windows.

    Parameters
    ----------
    positions
        Sorted int64 0-based positions (one per read; repeats allowed).
    starts
        int64 ``(n,)``: window starts (may be negative or run past the chromosome end: those
        positions hold no reads, i.e. count 0).
    length
        Window length in bases, a multiple of ``resolution``.
    resolution
        Bases per bin.
    collapse
        ``"sum"`` (reads per bin), ``"mean"`` (reads per base, averaged over the bin) or ``"max"``
        (the largest per-base count in the bin).

    Returns
    -------
    numpy.ndarray
        float32 ``(n, length // resolution)``.
    """
    starts, out = _zero_bins(starts, length, resolution, collapse)
    nbins = out.shape[1]
    if positions.size == 0 or starts.size == 0:
        return out
    if collapse in ("sum", "mean"):
        phase = int(starts[0]) % resolution
        first = (int(starts.min()) - phase) // resolution
        cells = (int(starts.max()) + length - phase) // resolution - first
        if cells <= max(2 * starts.size * nbins, 1 << 22) and np.all(starts % resolution == phase):
            # all bins on one grid (tiled windows): count reads per grid cell once, then gather
            lo = np.searchsorted(positions, first * resolution + phase)
            hi = np.searchsorted(positions, (first + cells) * resolution + phase)
            grid = np.bincount((positions[lo:hi] - phase) // resolution - first, minlength=cells)
            at = (starts - phase) // resolution - first
            for sl in _window_chunks(starts.size, nbins):
                out[sl] = grid[at[sl, None] + np.arange(nbins)[None, :]]
            if collapse == "mean":
                out /= resolution
            return out
        edges = np.arange(0, length + 1, resolution, dtype=np.int64)
        for sl in _window_chunks(starts.size, nbins + 1):
            idx = np.searchsorted(positions, starts[sl, None] + edges[None, :])
            out[sl] = np.diff(idx, axis=1)
        if collapse == "mean":
            out /= resolution
        return out
    for sl in _window_chunks(starts.size, length):
        st = starts[sl]
        lo = np.searchsorted(positions, st)
        hi = np.searchsorted(positions, st + length)
        counts = hi - lo
        owner = np.repeat(np.arange(st.size), counts)
        first = np.repeat(np.cumsum(counts) - counts, counts)
        hit = positions[np.repeat(lo, counts) + np.arange(owner.size) - first]
        cells = np.bincount(owner * length + (hit - st[owner]), minlength=st.size * length)
        out[sl] = cells.reshape(st.size, nbins, resolution).max(axis=2)
    return out


def _collapse_dense(values: np.ndarray, resolution: int, collapse: str) -> np.ndarray:
    """``(n, length)`` per-base values -> ``(n, length // resolution)`` bins."""
    n, length = values.shape
    shaped = values.reshape(n, length // resolution, resolution)
    if collapse == "sum":
        return shaped.sum(axis=2, dtype=np.float64).astype(np.float32)
    if collapse == "mean":
        return shaped.mean(axis=2, dtype=np.float64).astype(np.float32)
    return shaped.max(axis=2).astype(np.float32)


class _Steps(NamedTuple):
    """A piecewise-constant function on a chromosome: ``values[i]`` on ``[bounds[i], bounds[i+1])``,
    0 outside ``[bounds[0], bounds[-1])``."""

    bounds: np.ndarray
    values: np.ndarray


def _steps_from_intervals(starts: np.ndarray, ends: np.ndarray, values: np.ndarray) -> _Steps:
    """The per-base maximum of ``values`` over the intervals covering each base (0 elsewhere)."""
    bounds = np.unique(np.concatenate([starts, ends]))
    seg = np.zeros(max(bounds.size - 1, 0), np.float64)
    if seg.size:
        first = np.searchsorted(bounds, starts)
        last = np.searchsorted(bounds, ends)
        counts = last - first
        owner = np.repeat(np.arange(starts.size), counts)
        index = np.repeat(first - np.cumsum(counts) + counts, counts) + np.arange(owner.size)
        np.maximum.at(seg, index, values[owner])
    return _Steps(bounds, seg)


def bin_steps(
    steps: _Steps,
    starts: np.ndarray,
    length: int,
    resolution: int,
    collapse: str,
    *,
    min_overlap: float | None = None,
) -> np.ndarray:
    """Collapse a piecewise-constant function into the bins of windows.

    Parameters
    ----------
    steps
        The function (0 outside its bounds and outside the chromosome).
    starts, length, resolution
        As in :func:`bin_positions`.
    collapse
        ``"sum"`` (integral over the bin), ``"mean"`` (integral / bin length) or ``"max"``.
    min_overlap
        If given, the bin is 1.0 where the function is non-zero on at least
        ``min_overlap * resolution`` bases (inclusive), else 0.0 (``collapse`` is then ignored).

    Returns
    -------
    numpy.ndarray
        float32 ``(n, length // resolution)``.
    """
    starts, out = _zero_bins(starts, length, resolution, collapse)
    nbins = out.shape[1]
    bounds, seg = steps
    if seg.size == 0 or starts.size == 0:
        return out
    edges = np.arange(0, length + 1, resolution, dtype=np.int64)
    if min_overlap is not None or collapse in ("sum", "mean"):
        weight = (seg != 0).astype(np.float64) if min_overlap is not None else seg
        cum = np.concatenate([[0.0], np.cumsum(weight * np.diff(bounds))])

        def integral(x: np.ndarray) -> np.ndarray:
            i = np.clip(np.searchsorted(bounds, x, side="right") - 1, 0, seg.size - 1)
            inside = (x > bounds[0]) & (x < bounds[-1])
            part = cum[i] + weight[i] * (x - bounds[i])
            return np.where(x >= bounds[-1], cum[-1], np.where(inside, part, 0.0))

        for sl in _window_chunks(starts.size, nbins + 1):
            total = np.diff(integral(starts[sl, None] + edges[None, :]), axis=1)
            if min_overlap is not None:
                out[sl] = total >= min_overlap * resolution - 1e-9
            elif collapse == "mean":
                out[sl] = total / resolution
            else:
                out[sl] = total
        return out
    # max: the largest segment value touching each bin, padded with a 0 segment on both sides
    ext_bounds = np.concatenate(
        [[np.iinfo(np.int64).min // 4], bounds, [np.iinfo(np.int64).max // 4]]
    )
    ext = np.concatenate([[0.0], seg, [0.0], [0.0]])
    for sl in _window_chunks(starts.size, nbins + 1):
        x = starts[sl, None] + edges[None, :]
        lo = np.searchsorted(ext_bounds, x[:, :-1], side="right") - 1
        hi = np.searchsorted(ext_bounds, x[:, 1:], side="left")
        pairs = np.stack([lo.ravel(), hi.ravel()], axis=1).ravel()
        got = np.maximum.reduceat(ext, pairs)[::2]
        out[sl] = got.reshape(lo.shape)
    return out


# ----------------------------------------------------------------------------------------------
# Windows
# ----------------------------------------------------------------------------------------------
class _Layout(NamedTuple):
    """Where the samples lie: core windows and their binning."""

    #: core windows (chrom, start, end, strand, name, ...), 0-based half-open, index 0..n-1
    regions: pd.DataFrame
    #: int64 ``(n,)`` window starts (core start - flank)
    starts: np.ndarray
    #: window length in bases (core + 2 flank)
    length: int
    #: bases per bin (the window length when the window is one bin; 0 for variable windows)
    bin_length: int
    #: the resolution asked for (None: one bin per window)
    resolution: int | None
    #: chromosome -> int64 rows of its windows, in ROI order of first appearance
    groups: dict[str, np.ndarray]


def _layout(
    roi: Any, binsize: int | None, stepsize: int | None, flank: int, resolution: int | None
) -> _Layout:
    if int(flank) < 0:
        raise ValueError(f"flank must be >= 0, got {flank}")
    flank = int(flank)
    if resolution is not None and int(resolution) <= 0:
        raise ValueError(f"resolution must be a positive integer or None, got {resolution}")
    regions = tile(read_regions(roi), binsize=binsize, stepsize=stepsize)
    if regions.empty:
        raise ValueError(
            f"no windows: every ROI interval is shorter than binsize={binsize}; the ROI is empty"
        )
    cores = (regions["end"] - regions["start"]).to_numpy(np.int64)
    lengths = cores + 2 * flank
    if resolution is not None and np.any(lengths != lengths[0]):
        raise ValueError(
            f"the ROI intervals have different lengths ({int(cores.min())}..{int(cores.max())} bp) "
            f"and binsize=None keeps them as they are; give a binsize to tile them, or "
            f"resolution=None to collapse each window into one bin"
        )
    length = int(lengths[0]) if resolution is not None else int(lengths.max())
    if resolution is not None and length % int(resolution):
        raise ValueError(
            f"the window length {length} bp (core {int(cores[0])} + 2 x flank {flank}) is not "
            f"divisible by resolution={resolution}; choose a resolution that divides it"
        )
    if resolution is None and np.any(lengths != lengths[0]):
        length = -1  # variable windows, one bin each
    # bases per bin; 0 when windows of different lengths are one bin each (no common length)
    bin_length = int(resolution) if resolution is not None else max(length, 0)
    starts = regions["start"].to_numpy(np.int64) - flank
    res = None if resolution is None else int(resolution)
    return _Layout(regions, starts, length, bin_length, res, _chrom_groups(regions))


def _chrom_groups(regions: pd.DataFrame) -> dict[str, np.ndarray]:
    """Chromosome -> int64 rows, one hash pass (not one string comparison per chromosome)."""
    groups = regions.groupby("chrom", sort=False).indices
    return {str(c): np.asarray(rows, np.int64) for c, rows in groups.items()}


def _per_window_values(layout: _Layout, kernel: Any, strands: int) -> np.ndarray:
    """Run ``kernel(chrom, starts, length, resolution) -> (k, bins, strands)`` per chromosome.

    Returns float32 ``(n, bins, strands)`` in window order, windows of variable length handled
    one length at a time (then one bin each).
    """
    regions = layout.regions
    n = len(regions)
    if layout.length > 0:
        lengths = np.full(n, layout.length, np.int64)
        nbins = layout.length // layout.bin_length
    else:
        lengths = (regions["end"] - regions["start"]).to_numpy(np.int64) + (
            regions["start"].to_numpy(np.int64) - layout.starts
        ) * 2
        nbins = 1
    out = np.zeros((n, nbins, strands), np.float32)
    for chrom, rows in progress(layout.groups.items(), total=len(layout.groups), desc="coverage",
                                label=lambda group: group[0]):
        for length in np.unique(lengths[rows]):
            sub = rows[lengths[rows] == length]
            res = layout.bin_length if layout.length > 0 else int(length)
            out[sub] = kernel(chrom, layout.starts[sub], int(length), res)
    return out


def _orient(values: np.ndarray, minus: np.ndarray) -> np.ndarray:
    """Reverse the bins and swap the strands of the minus-strand windows (in place)."""
    if minus.any():
        values[minus] = values[minus][:, ::-1, ::-1]
    return values


def _stack_conditions(
    layout: Any, blocks: Iterator[np.ndarray], n_conditions: int, strand_aware: bool
) -> np.ndarray:
    """One float32 ``(..., n_conditions)`` array from per-condition blocks ``(n_windows, bins,
    strands)``, each oriented first (minus-strand windows reversed) when ``strand_aware``."""
    minus = layout.regions["strand"].to_numpy() == "-"
    values = None
    for c, block in enumerate(blocks):
        if strand_aware:
            _orient(block, minus)
        if values is None:
            values = np.zeros((*block.shape, n_conditions), np.float32)
        values[..., c] = block
    return values

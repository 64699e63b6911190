"""Coverage tensors from BAM, bigWig and BED/narrowPeak files, and their export.

A :class:`Cover` holds one array of shape ``(n_windows, window_length // resolution, strands,
conditions)``, float32, for a table of core windows (0-based, half-open). The window of a sample
is ``[core_start - flank, core_end + flank)``; positions outside the chromosome are padded with 0,
never shifted. ``strands`` is 2 for stranded BAM coverage (``+`` then ``-``), else 1. A
minus-strand window (with ``strand_aware=True``) is reversed along the position axis and its
strand axis is swapped, so that every sample reads 5' -> 3' on its own strand.
``resolution=None`` collapses a whole window into one bin.

Reading is vectorized. BAMs are decoded once per chromosome by :mod:`genomic_tensors.bamio`
(numpy BGZF/BAM reader) into sorted 5' ends (or fragment midpoints) per strand, from which the bins
of all windows are counted (one ``np.bincount`` per bin grid, or ``np.searchsorted``).
A bigWig is read span by span with ``pyBigWig.values``; peak files become per-chromosome
piecewise-constant functions whose integral or maximum over each bin comes from cumulative sums.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
import scipy.sparse

from genomic_tensors.bamio import (
    PAIRED_END_MODES,
    ReadEnds,
    bam_read_ends,
    find_bam_index,
    open_bam,
)
from genomic_tensors.cache import cache_key, cache_manifest, cached
from genomic_tensors.dataset import GenomicDataset
from genomic_tensors.normalize import get_normalizer
from genomic_tensors.progress import progress
from genomic_tensors.regions import (
    check_assembly,
    check_chromosomes,
    read_chrom_sizes,
    read_regions,
    tile,
)
from genomic_tensors.storage import STORAGE_KINDS, SparseStorage, make_storage

__all__ = [
    "BED_MODES",
    "COLLAPSE_MODES",
    "PAIRED_END_MODES",
    "Cover",
    "ReadEnds",
    "bam_read_ends",
    "bin_positions",
    "bin_steps",
    "find_bam_index",
]

logger = logging.getLogger(__name__)

# ----------------------------------------------------------------------------------------------
# Binning kernels
# ----------------------------------------------------------------------------------------------
COLLAPSE_MODES = ("sum", "mean", "max")
BED_MODES = ("binary", "score", "categorical")
#: windows x positions handled at once by the dense kernels
_DENSE_CELLS = 1 << 23


def _check_collapse(collapse: str) -> None:
    if collapse not in COLLAPSE_MODES:
        raise ValueError(
            f"unknown collapse {collapse!r}; expected one of {', '.join(COLLAPSE_MODES)}"
        )


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
    _check_collapse(collapse)
    starts = np.asarray(starts, np.int64)
    nbins = length // resolution
    out = np.zeros((starts.size, nbins), np.float32)
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
    _check_collapse(collapse)
    starts = np.asarray(starts, np.int64)
    nbins = length // resolution
    out = np.zeros((starts.size, nbins), np.float32)
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


# ----------------------------------------------------------------------------------------------
# Cover
# ----------------------------------------------------------------------------------------------
class Cover(GenomicDataset):
    """Coverage tensor of genomic windows: ``(n_windows, bins, strands, conditions)`` float32.

    Build one with :meth:`from_bam`, :meth:`from_bigwig`, :meth:`from_bed` or :meth:`from_array`.
    ``cover.regions`` are the core windows (0-based half-open, no flank); bin ``j`` of window ``i``
    covers ``[start_i - flank + j * resolution, ... + resolution)`` on the window's own strand
    (reversed for a minus-strand window built with ``strand_aware=True``).

    Attributes
    ----------
    resolution : int or None
        Bases per bin (None: one bin per window).
    bin_length : int
        Bases per bin (the window length when a window is one bin; 0 when such windows differ
        in length); TPM uses it.
    strand_aware : bool
        Whether minus-strand windows were reversed and their strands swapped.
    """

    _saved_attrs = ("resolution", "bin_length", "strand_aware")

    def __init__(
        self,
        regions: pd.DataFrame,
        storage: Any,
        *,
        flank: int = 0,
        conditions: Sequence[str] | None = None,
        resolution: int | None = None,
        bin_length: int = 1,
        strand_aware: bool = True,
        name: str = "Cover",
    ) -> None:
        super().__init__(regions, storage, flank=flank, conditions=conditions, name=name)
        self.resolution = None if resolution is None else int(resolution)
        self.bin_length = int(bin_length)
        self.strand_aware = bool(strand_aware)
        shape = tuple(storage.shape)
        if len(shape) != 4:
            raise ValueError(f"a Cover holds (n, bins, strands, conditions); got shape {shape}")
        if self.conditions and len(self.conditions) != shape[3]:
            raise ValueError(f"{len(self.conditions)} condition names for {shape[3]} conditions")
        if not self.conditions:
            self.conditions = [str(i) for i in range(shape[3])]

    # ------------------------------------------------------------------ construction helpers
    @classmethod
    def _finish(
        cls,
        values: np.ndarray | Any,
        layout: _Layout,
        *,
        flank: int,
        conditions: list[str],
        strand_aware: bool,
        storage: str,
        normalizer: Any = None,
        name: str = "Cover",
    ) -> Cover:
        if normalizer is not None:
            norm = get_normalizer(normalizer)
            probe = _ArrayWithLength(values, layout.bin_length)
            if not getattr(norm, "is_fitted", False):
                norm.fit(probe)
            values = np.asarray(norm.transform(probe), dtype=np.float32)
        store = values if not isinstance(values, np.ndarray) else make_storage(values, storage)
        return cls(
            layout.regions,
            store,
            flank=flank,
            conditions=conditions,
            resolution=layout.resolution,
            bin_length=layout.bin_length,
            strand_aware=strand_aware,
            name=name,
        )

    @classmethod
    def _cached(
        cls,
        cache_dir: str | Path | None,
        files: list[Path],
        roi: Any,
        params: dict[str, Any],
        storage: str,
        build: Any,
        label: str,
    ) -> Cover:
        if storage not in STORAGE_KINDS:
            raise ValueError(
                f"unknown storage {storage!r}; expected one of {', '.join(STORAGE_KINDS)}"
            )
        if cache_dir is None:
            return build()
        files = list(files)
        roi_param: Any = None
        if isinstance(roi, pd.DataFrame):
            hashed = pd.util.hash_pandas_object(roi.reset_index(drop=True), index=False).to_numpy()
            roi_param = hashlib.blake2b(
                ",".join(map(str, roi.columns)).encode() + hashed.tobytes(), digest_size=16
            ).hexdigest()
        else:
            files.append(Path(roi))
        params = {"class": "Cover", "roi": roi_param, "storage": storage, **params}
        manifest = {**cache_manifest(files, params), "kind": "Cover"}
        return cached(
            cache_dir,
            cache_key(files, params),
            build,
            lambda obj, path: obj.save(path),
            lambda path: cls.load(path, lazy=True),
            suffix=".h5" if storage == "hdf5" else ".npz",
            manifest=manifest,
            label=label,
        )

    # ------------------------------------------------------------------ BAM
    @classmethod
    def from_bam(
        cls,
        bams: str | Path | Sequence[str | Path],
        roi: str | Path | pd.DataFrame,
        *,
        binsize: int | None = None,
        stepsize: int | None = None,
        flank: int = 0,
        resolution: int | None = 1,
        stranded: bool = True,
        paired_end: str = "5prime",
        min_mapq: int = 0,
        keep_duplicates: bool = False,
        collapse: str = "sum",
        normalizer: Any = None,
        conditions: Sequence[str] | None = None,
        strand_aware: bool = True,
        storage: str = "ndarray",
        cache_dir: str | Path | None = None,
        genome: str | Path | Mapping[str, int] | None = None,
    ) -> Cover:
        """Read counts from BAM files: one count per read at its 5' end (or fragment midpoint).

        Parameters
        ----------
        bams
            One or more coordinate-sorted, ``.bai``-indexed BAM files; one condition each.
        roi
            Regions of interest (BED/narrowPeak/GTF path or DataFrame), tiled by ``binsize`` and
            ``stepsize`` (see :func:`genomic_tensors.regions.tile`).
        binsize, stepsize, flank
            Core window length and step (None: each ROI interval is a window), bases added on
            both sides.
        resolution
            Bases per bin (must divide the window length); None: one bin per window.
        stranded
            Two strand channels (reads on ``+``, then on ``-``); else one.
        paired_end, min_mapq, keep_duplicates
            Which reads count and where: see :func:`bam_read_ends`.
        collapse
            How bases become bins: ``"sum"`` (default), ``"mean"`` or ``"max"`` of per-base counts.
        normalizer
            None, a name (``"tpm"``, ``"zscore"``, ``"log1p"``, ``"zscorelog"``), a list or a
            normalizer object (see :mod:`genomic_tensors.normalize`); fitted on this dataset
            unless an already fitted object is passed.
        conditions
            Names of the conditions (default: the file names without ``.bam``).
        strand_aware
            Reverse minus-strand windows and swap their strands.
        storage
            ``"ndarray"``, ``"sparse"`` or ``"hdf5"``.
        cache_dir
            Content-addressed cache folder (key: BAM and ROI content and every parameter).
        genome
            The genome's chromosome sizes (its ``.fai``, a chrom sizes file or a dict): the length of
            every chromosome the regions use must be the same in each BAM header (else the BAM comes
            from another assembly: an error names the file, the chromosome and both lengths).

        Returns
        -------
        Cover
            float32 ``(n_windows, window_length // resolution, 2 if stranded else 1, n_bams)``.
        """
        paths, names = _source_names(bams, conditions, "BAM")
        if paired_end not in PAIRED_END_MODES:
            modes = ", ".join(PAIRED_END_MODES)
            raise ValueError(f"unknown paired_end mode {paired_end!r}; expected one of {modes}")
        _check_collapse(collapse)
        norm_obj = None if normalizer is None else get_normalizer(normalizer)
        for p in paths:
            find_bam_index(p)
        _check_assembly(paths, _bam_chrom_sizes, roi, genome)

        def build() -> Cover:
            layout = _layout(roi, binsize, stepsize, flank, resolution)
            n_strands = 2 if stranded else 1

            def blocks() -> Iterator[np.ndarray]:
                for path in paths:
                    sizes = _bam_chrom_sizes(path)
                    check_chromosomes(layout.regions["chrom"], sizes, source=str(path))
                    kernel = _bam_kernel(
                        path, stranded=stranded, collapse=collapse, min_mapq=min_mapq,
                        keep_duplicates=keep_duplicates, paired_end=paired_end,
                    )  # fmt: skip
                    yield _per_window_values(layout, kernel, n_strands)

            values = _stack_conditions(layout, blocks(), len(paths), strand_aware)
            return cls._finish(
                values, layout, flank=flank, conditions=names, strand_aware=strand_aware,
                storage=storage, normalizer=norm_obj,
            )  # fmt: skip

        params = {
            "source": "bam", "binsize": binsize, "stepsize": stepsize, "flank": int(flank),
            "resolution": resolution, "stranded": bool(stranded), "paired_end": paired_end,
            "min_mapq": int(min_mapq), "keep_duplicates": bool(keep_duplicates),
            "collapse": collapse, "normalizer": _describe(norm_obj), "conditions": names,
            "strand_aware": bool(strand_aware),
        }  # fmt: skip
        return cls._cached(cache_dir, paths, roi, params, storage, build, f"Cover {paths[0].name}")

    # ------------------------------------------------------------------ bigWig
    @classmethod
    def from_bigwig(
        cls,
        bigwigs: str | Path | Sequence[str | Path],
        roi: str | Path | pd.DataFrame,
        *,
        binsize: int | None = None,
        stepsize: int | None = None,
        flank: int = 0,
        resolution: int | None = 1,
        collapse: str = "mean",
        nan_value: float = 0.0,
        normalizer: Any = None,
        conditions: Sequence[str] | None = None,
        strand_aware: bool = True,
        storage: str = "ndarray",
        cache_dir: str | Path | None = None,
        genome: str | Path | Mapping[str, int] | None = None,
    ) -> Cover:
        """Signal from bigWig files, one condition each.

        Parameters
        ----------
        bigwigs
            One or more bigWig files.
        roi, binsize, stepsize, flank, resolution, normalizer, conditions, strand_aware, storage,
        cache_dir, genome
            As in :meth:`from_bam` (``genome``: the bigWig header's lengths are compared).
        collapse
            ``"mean"`` (default), ``"sum"`` or ``"max"`` of the per-base values in a bin.
        nan_value
            Value of bases inside the chromosome that the bigWig does not cover (NaN). Bases
            outside the chromosome are 0.

        Returns
        -------
        Cover
            float32 ``(n_windows, window_length // resolution, 1, n_bigwigs)``.
        """
        import pyBigWig

        paths, names = _source_names(bigwigs, conditions, "bigWig")
        _check_collapse(collapse)
        norm_obj = None if normalizer is None else get_normalizer(normalizer)
        _check_assembly(paths, _bigwig_chrom_sizes, roi, genome)

        def build() -> Cover:
            layout = _layout(roi, binsize, stepsize, flank, resolution)

            def blocks() -> Iterator[np.ndarray]:
                for path in paths:
                    handle = pyBigWig.open(str(path))
                    if handle is None or not handle.isBigWig():
                        raise ValueError(f"{path} is not a bigWig file")
                    try:
                        sizes = dict(handle.chroms())
                        check_chromosomes(layout.regions["chrom"], sizes, source=str(path))
                        kernel = _bigwig_kernel(handle, sizes, collapse, nan_value)
                        block = _per_window_values(layout, kernel, 1)
                    finally:
                        handle.close()
                    yield block

            values = _stack_conditions(layout, blocks(), len(paths), strand_aware)
            return cls._finish(
                values, layout, flank=flank, conditions=names, strand_aware=strand_aware,
                storage=storage, normalizer=norm_obj,
            )  # fmt: skip

        params = {
            "source": "bigwig", "binsize": binsize, "stepsize": stepsize, "flank": int(flank),
            "resolution": resolution, "collapse": collapse, "nan_value": float(nan_value),
            "normalizer": _describe(norm_obj), "conditions": names,
            "strand_aware": bool(strand_aware),
        }  # fmt: skip
        return cls._cached(cache_dir, paths, roi, params, storage, build, f"Cover {paths[0].name}")

    # ------------------------------------------------------------------ BED / narrowPeak
    @classmethod
    def from_bed(
        cls,
        beds: str | Path | Sequence[str | Path],
        roi: str | Path | pd.DataFrame,
        *,
        binsize: int | None = None,
        stepsize: int | None = None,
        flank: int = 0,
        resolution: int | None = None,
        mode: str = "binary",
        min_overlap: float | None = None,
        collapse: str = "max",
        conditions: Sequence[str] | None = None,
        strand_aware: bool = True,
        storage: str = "ndarray",
        cache_dir: str | Path | None = None,
    ) -> Cover:
        """Labels or scores from BED / narrowPeak files.

        Parameters
        ----------
        beds
            One or more BED or narrowPeak files (plain or gzipped); one condition each (in
            ``"categorical"`` mode: one per distinct name).
        roi, binsize, stepsize, flank, conditions, strand_aware, cache_dir
            As in :meth:`from_bam`.
        resolution
            Bases per bin; None (default): one label per window.
        mode
            ``"binary"``: 1 on bases inside a peak; ``"score"``: the BED score of the peak (the
            largest where peaks overlap); ``"categorical"``: binary, one condition per distinct
            name (column 4), named ``name`` for one file or ``condition/name`` for several.
        min_overlap
            If given (a fraction in ``(0, 1]``), a bin is 1 when at least ``min_overlap * bin
            length`` of its bases (inclusive) lie inside peaks, else 0 (the DeepSEA rule: 0.5 of
            a 200-bp bin). Binary and categorical modes only.
        collapse
            ``"max"`` (default: 1 if any base is in a peak), ``"mean"`` (covered fraction or mean
            score), ``"sum"``.
        storage
            ``"sparse"`` builds the CSR matrix condition by condition, never the dense array.

        Returns
        -------
        Cover
            float32 ``(n_windows, window_length // resolution or 1, 1, conditions)``.
        """
        paths, names = _source_names(beds, conditions, "BED")
        if mode not in BED_MODES:
            raise ValueError(f"unknown mode {mode!r}; expected one of {', '.join(BED_MODES)}")
        _check_collapse(collapse)
        if min_overlap is not None:
            if mode == "score":
                raise ValueError(
                    "min_overlap applies to binary and categorical labels, not mode='score'"
                )
            if not 0 < float(min_overlap) <= 1:
                raise ValueError(f"min_overlap must be a fraction in (0, 1], got {min_overlap}")

        def build() -> Cover:
            layout = _layout(roi, binsize, stepsize, flank, resolution)
            minus = layout.regions["strand"].to_numpy() == "-"
            blocks: list[np.ndarray] = []
            labels: list[str] = []
            sparse_parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
            width = None
            for path, cname in zip(paths, names, strict=True):
                peaks = _read_peaks(path)
                if mode == "categorical":
                    cats = sorted(pd.unique(peaks["name"]))
                    groups = [
                        (c if len(paths) == 1 else f"{cname}/{c}", peaks[peaks["name"] == c])
                        for c in cats
                    ]
                else:
                    groups = [(cname, peaks)]
                for label, group in groups:
                    steps = _peak_steps(group, score=mode == "score")
                    kernel = _bed_kernel(steps, collapse, min_overlap)
                    block = _per_window_values(layout, kernel, 1)
                    if strand_aware:
                        _orient(block, minus)
                    labels.append(label)
                    width = block.shape[1]
                    if storage == "sparse":
                        flat = block.reshape(block.shape[0], -1)
                        rows, cols = np.nonzero(flat)
                        sparse_parts.append((rows, cols, flat[rows, cols]))
                    else:
                        blocks.append(block)
            n = len(layout.regions)
            if storage == "sparse":
                n_cond = len(labels)
                rows = np.concatenate([p[0] for p in sparse_parts])
                cols = np.concatenate([p[1] * n_cond + c for c, p in enumerate(sparse_parts)])
                data = np.concatenate([p[2] for p in sparse_parts]).astype(np.float32)
                matrix = scipy.sparse.csr_array((data, (rows, cols)), shape=(n, width * n_cond))
                store: Any = SparseStorage(matrix, (n, width, 1, n_cond))
                return cls._finish(
                    store, layout, flank=flank, conditions=labels, strand_aware=strand_aware,
                    storage=storage,
                )  # fmt: skip
            values = np.stack(blocks, axis=3)
            return cls._finish(
                values, layout, flank=flank, conditions=labels, strand_aware=strand_aware,
                storage=storage,
            )  # fmt: skip

        params = {
            "source": "bed", "binsize": binsize, "stepsize": stepsize, "flank": int(flank),
            "resolution": resolution, "mode": mode, "min_overlap": min_overlap,
            "collapse": collapse, "conditions": names, "strand_aware": bool(strand_aware),
        }  # fmt: skip
        return cls._cached(cache_dir, paths, roi, params, storage, build, f"Cover {paths[0].name}")

    # ------------------------------------------------------------------ arrays
    @classmethod
    def from_array(
        cls,
        array: np.ndarray,
        regions: pd.DataFrame | str | Path,
        *,
        conditions: Sequence[str] | None = None,
        flank: int = 0,
        strand_aware: bool = True,
        storage: str = "ndarray",
    ) -> Cover:
        """Wrap an array (e.g. model predictions) as a Cover over ``regions``.

        Parameters
        ----------
        array
            ``(n, bins, strands, conditions)``, or ``(n, conditions)`` for one value per window
            (taken as ``(n, 1, 1, conditions)``); cast to float32.
        regions
            The ``n`` core windows (``chrom``, ``start``, ``end``, optional ``strand``), e.g. the
            ``regions`` of the dataset the predictions were made for.
        conditions
            Names of the last axis (default ``"0"``, ``"1"``, ...).
        flank
            Bases the array's windows extend beyond each core window on both sides.
        strand_aware
            Rows of minus-strand windows run along their own strand (as a Cover built with
            ``strand_aware=True`` delivers them).
        storage
            ``"ndarray"``, ``"sparse"`` or ``"hdf5"``.

        Returns
        -------
        Cover
            Resolution ``window_length / bins`` (None for one bin per window).
        """
        values = np.asarray(array, dtype=np.float32)
        if values.ndim == 2:
            values = values[:, None, None, :]
        if values.ndim != 4:
            raise ValueError(
                f"expected an array of shape (n, bins, strands, conditions) or (n, conditions), "
                f"got shape {values.shape}"
            )
        frame = read_regions(regions) if not isinstance(regions, pd.DataFrame) else regions
        frame = frame.reset_index(drop=True)
        if "strand" not in frame.columns:
            frame = frame.assign(strand=".")
        if len(frame) != values.shape[0]:
            raise ValueError(
                f"the array has {values.shape[0]} rows but there are {len(frame)} regions"
            )
        lengths = (frame["end"] - frame["start"]).to_numpy(np.int64) + 2 * int(flank)
        nbins = values.shape[1]
        if nbins == 1:
            resolution = None
            bin_length = int(lengths[0]) if np.all(lengths == lengths[0]) else 0
        else:
            if np.any(lengths != lengths[0]) or lengths[0] % nbins:
                raise ValueError(
                    f"{nbins} bins per window need windows of one length divisible by {nbins}; "
                    f"the windows are {int(lengths.min())}..{int(lengths.max())} bp"
                )
            resolution = bin_length = int(lengths[0]) // nbins
        starts = frame["start"].to_numpy(np.int64) - int(flank)
        layout = _Layout(
            frame, starts, int(lengths[0]), bin_length, resolution, _chrom_groups(frame)
        )
        return cls._finish(
            values, layout, flank=int(flank),
            conditions=conditions or [str(i) for i in range(values.shape[3])],
            strand_aware=strand_aware, storage=storage,
        )  # fmt: skip

    def with_values(self, values: np.ndarray) -> Cover:
        """A Cover over the same windows (of this view) holding ``values`` (same shape)."""
        values = np.asarray(values, dtype=np.float32)
        if values.shape != self.shape:
            raise ValueError(f"values of shape {values.shape} for a Cover of shape {self.shape}")
        return type(self)(
            self.regions, make_storage(values, "ndarray"), flank=self.flank,
            conditions=self.conditions, resolution=self.resolution, bin_length=self.bin_length,
            strand_aware=self.strand_aware, name=self.name,
        )  # fmt: skip

    # ------------------------------------------------------------------ export
    def _track_entries(self) -> Iterator[tuple[int, int, pd.DataFrame]]:
        """Per strand and condition: a frame ``chrom, start, end, value`` of the core bins."""
        values = np.asarray(self, dtype=np.float32).copy()
        regions = self.regions
        if self.strand_aware:
            _orient(values, regions["strand"].to_numpy() == "-")
        nbins = values.shape[1]
        core_start = regions["start"].to_numpy(np.int64)
        core_end = regions["end"].to_numpy(np.int64)
        if self.resolution is None:
            b_start, b_end = core_start[:, None], core_end[:, None]
        else:
            offs = np.arange(nbins, dtype=np.int64) * self.resolution
            b_start = (core_start - self.flank)[:, None] + offs[None, :]
            b_end = b_start + self.resolution
            b_start = np.maximum(b_start, core_start[:, None])
            b_end = np.minimum(b_end, core_end[:, None])
        keep = (b_end > b_start).ravel()
        chrom = np.repeat(regions["chrom"].to_numpy(), nbins)[keep]
        starts, ends = b_start.ravel()[keep], b_end.ravel()[keep]
        for s in range(values.shape[2]):
            for c in range(values.shape[3]):
                yield (
                    s,
                    c,
                    pd.DataFrame(
                        {
                            "chrom": chrom,
                            "start": starts,
                            "end": ends,
                            "value": values[:, :, s, c].ravel()[keep],
                        }
                    ),
                )

    def _track_paths(self, path_or_dir: str | Path, suffix: str) -> dict[tuple[int, int], Path]:
        target = Path(path_or_dir)
        strands = self.shape[2]
        tracks = [(s, c) for s in range(strands) for c in range(self.shape[3])]
        if target.suffix.lower() in (".bw", ".bigwig", ".bed", ".bedgraph"):
            if len(tracks) != 1:
                raise ValueError(
                    f"{target} names one file but the Cover has {len(tracks)} tracks (strands x "
                    f"conditions); give a folder instead"
                )
            target.parent.mkdir(parents=True, exist_ok=True)
            return {tracks[0]: target}
        target.mkdir(parents=True, exist_ok=True)
        out = {}
        for s, c in tracks:
            strand = "" if strands == 1 else (".plus" if s == 0 else ".minus")
            out[(s, c)] = target / f"{self.conditions[c]}{strand}{suffix}"
        return out

    def to_bigwig(
        self, path_or_dir: str | Path, chrom_sizes: dict[str, int] | str | Path
    ) -> list[Path]:
        """Write the coverage as bigWig tracks (one per condition, and per strand if stranded).

        Each window contributes its bins over its core region (flank bins are left out; a bin
        cut by the core's edge is cut too), in genomic orientation. Where windows overlap, the
        earlier window (in genomic order) wins. Values are stored as float32: exact.

        Parameters
        ----------
        path_or_dir
            A file (``.bw``/``.bigwig``) when there is one track, else a folder receiving
            ``<condition>[.plus|.minus].bigwig``.
        chrom_sizes
            Chromosome lengths (dict or chrom sizes file) for the header.

        Returns
        -------
        list of pathlib.Path
            The files written.
        """
        import pyBigWig

        sizes = (
            read_chrom_sizes(chrom_sizes)
            if not isinstance(chrom_sizes, dict)
            else dict(chrom_sizes)
        )
        check_chromosomes(self.regions["chrom"], sizes, source="the chrom sizes")
        paths = self._track_paths(path_or_dir, ".bigwig")
        written = []
        for s, c, frame in self._track_entries():
            frame = _non_overlapping(frame, sizes)
            path = paths[(s, c)]
            handle = pyBigWig.open(str(path), "w")
            try:
                handle.addHeader(list(sizes.items()), maxZooms=10)
                for chrom, part in frame.groupby("chrom", sort=False):
                    handle.addEntries(
                        [str(chrom)] * len(part), part["start"].to_numpy(np.int64).tolist(),
                        ends=part["end"].to_numpy(np.int64).tolist(),
                        values=part["value"].to_numpy(np.float64).tolist(),
                    )  # fmt: skip
            finally:
                handle.close()
            written.append(path)
        return written

    def to_bed(self, path_or_dir: str | Path) -> list[Path]:
        """Write the coverage as bedGraph-like BED files: ``chrom start end value`` per core bin.

        One file per condition (and strand), named as in :meth:`to_bigwig` with ``.bed``; rows in
        window order, values printed with 9 significant digits (float32 round-trips).
        """
        paths = self._track_paths(path_or_dir, ".bed")
        written = []
        for s, c, frame in self._track_entries():
            path = paths[(s, c)]
            frame.to_csv(path, sep="\t", header=False, index=False, float_format="%.9g")
            written.append(path)
        return written


class _ArrayWithLength:
    """An array with a ``bin_length`` (what normalizers read from a Cover)."""

    def __init__(self, values: np.ndarray, bin_length: int) -> None:
        self.values = values
        self.bin_length = bin_length

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        return self.values if dtype is None else self.values.astype(dtype)


def _describe(normalizer: Any) -> Any:
    """JSON-able description of a normalizer for cache keys (its fitted statistics included)."""
    if normalizer is None:
        return None
    if hasattr(normalizer, "state"):
        return normalizer.state()
    return repr(normalizer)


def _non_overlapping(frame: pd.DataFrame, sizes: dict[str, int]) -> pd.DataFrame:
    """Entries sorted in header order, clipped to the chromosome, overlaps given to the first."""
    order = {c: i for i, c in enumerate(sizes)}
    frame = frame.assign(_rank=frame["chrom"].map(order))
    frame = frame.sort_values(["_rank", "start"], kind="stable").reset_index(drop=True)
    frame["end"] = np.minimum(frame["end"].to_numpy(), frame["chrom"].map(sizes).to_numpy())
    frame["start"] = np.maximum(frame["start"].to_numpy(), 0)
    parts = []
    for _, part in frame.groupby("_rank", sort=True):
        ends = part["end"].to_numpy()
        before = np.concatenate([[np.iinfo(np.int64).min], np.maximum.accumulate(ends)[:-1]])
        part = part.assign(start=np.maximum(part["start"].to_numpy(), before))
        parts.append(part[part["end"] > part["start"]])
    return pd.concat(parts).drop(columns="_rank") if parts else frame.drop(columns="_rank")


def _bam_chrom_sizes(path: Path) -> dict[str, int]:
    with open_bam(path) as bam:
        return dict(zip(bam.references, bam.lengths, strict=True))


def _bigwig_chrom_sizes(path: Path) -> dict[str, int]:
    import pyBigWig

    handle = pyBigWig.open(str(path))
    if handle is None or not handle.isBigWig():
        raise ValueError(f"{path} is not a bigWig file")
    try:
        return dict(handle.chroms())
    finally:
        handle.close()


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

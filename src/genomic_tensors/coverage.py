"""Coverage tensors from BAM, bigWig and BED/narrowPeak files, and their export.

A :class:`Cover` holds one array of shape ``(n_windows, window_length // resolution, strands,
conditions)``, float32, for a table of core windows (0-based, half-open). The window of a sample
is ``[core_start - flank, core_end + flank)``; positions outside the chromosome are padded with 0,
never shifted. ``strands`` is 2 for stranded BAM coverage (``+`` then ``-``), else 1. A
minus-strand window (with ``strand_aware=True``) is reversed along the position axis and its
strand axis is swapped, so that every sample reads 5' -> 3' on its own strand.
``resolution=None`` collapses a whole window into one bin.

Reading is vectorized (:mod:`genomic_tensors.coverage_files`, with the binning kernels of
:mod:`genomic_tensors.binning`). BAMs are decoded once per chromosome by
:mod:`genomic_tensors.bamio` (numpy BGZF/BAM reader) into sorted 5' ends (or fragment midpoints)
per strand, from which the bins of all windows are counted (one ``np.bincount`` per bin grid, or
``np.searchsorted``). A bigWig is read span by span with ``pyBigWig.values``; peak files become
per-chromosome piecewise-constant functions whose integral or maximum over each bin comes from
cumulative sums.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from genomic_tensors.bamio import PAIRED_END_MODES, ReadEnds, bam_read_ends, find_bam_index
from genomic_tensors.binning import (
    COLLAPSE_MODES,
    _check_collapse,
    _chrom_groups,
    _Layout,
    _layout,
    _orient,
    bin_positions,
    bin_steps,
)
from genomic_tensors.cache import cache_key, cache_manifest, cached, frame_digest
from genomic_tensors.coverage_files import (
    _bam_chrom_sizes,
    _bigwig_chrom_sizes,
    _check_assembly,
    _source_names,
    bam_values,
    bed_values,
    bigwig_values,
)
from genomic_tensors.dataset import GenomicDataset
from genomic_tensors.normalize import get_normalizer
from genomic_tensors.regions import check_chromosomes, read_chrom_sizes, read_regions
from genomic_tensors.storage import STORAGE_KINDS, make_storage

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

#: How :meth:`Cover.from_bed` turns peaks into values.
BED_MODES = ("binary", "score", "categorical")


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
    def _from_files(
        cls,
        paths: list[Path],
        roi: Any,
        values: Callable[[_Layout], tuple[Any, list[str]]],
        *,
        tiling: tuple[int | None, int | None, int, int | None],
        strand_aware: bool,
        storage: str,
        cache_dir: str | Path | None,
        params: dict[str, Any],
        normalizer: Any = None,
    ) -> Cover:
        """A Cover of ``values(layout) -> (values, condition names)`` over the windows of ``roi``,
        built or loaded from the cache.

        ``tiling`` is ``(binsize, stepsize, flank, resolution)``; ``params`` are the cache-key
        parameters of the source besides those, the ROI and the storage.
        """
        binsize, stepsize, flank, resolution = tiling
        if storage not in STORAGE_KINDS:
            raise ValueError(
                f"unknown storage {storage!r}; expected one of {', '.join(STORAGE_KINDS)}"
            )

        def build() -> Cover:
            layout = _layout(roi, binsize, stepsize, flank, resolution)
            data, conditions = values(layout)
            return cls._finish(
                data, layout, flank=flank, conditions=conditions, strand_aware=strand_aware,
                storage=storage, normalizer=normalizer,
            )  # fmt: skip

        if cache_dir is None:
            return build()
        files = list(paths)
        roi_param: Any = None
        if isinstance(roi, pd.DataFrame):
            roi_param = frame_digest(roi)
        else:
            files.append(Path(roi))
        params = {
            "class": "Cover", "roi": roi_param, "storage": storage, "binsize": binsize,
            "stepsize": stepsize, "flank": int(flank), "resolution": resolution,
            "strand_aware": bool(strand_aware), **params,
        }  # fmt: skip
        return cached(
            cache_dir,
            cache_key(files, params),
            build,
            lambda obj, path: obj.save(path),
            lambda path: cls.load(path, lazy=True),
            suffix=".h5" if storage == "hdf5" else ".npz",
            manifest={**cache_manifest(files, params), "kind": "Cover"},
            label=f"Cover {paths[0].name}",
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

        def values(layout: _Layout) -> tuple[np.ndarray, list[str]]:
            counts = bam_values(
                paths, layout, stranded=stranded, collapse=collapse, min_mapq=min_mapq,
                keep_duplicates=keep_duplicates, paired_end=paired_end, strand_aware=strand_aware,
            )  # fmt: skip
            return counts, names

        params = {
            "source": "bam", "stranded": bool(stranded), "paired_end": paired_end,
            "min_mapq": int(min_mapq), "keep_duplicates": bool(keep_duplicates),
            "collapse": collapse, "normalizer": _describe(norm_obj), "conditions": names,
        }  # fmt: skip
        return cls._from_files(
            paths, roi, values, tiling=(binsize, stepsize, flank, resolution),
            strand_aware=strand_aware, storage=storage, cache_dir=cache_dir, params=params,
            normalizer=norm_obj,
        )  # fmt: skip

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
        paths, names = _source_names(bigwigs, conditions, "bigWig")
        _check_collapse(collapse)
        norm_obj = None if normalizer is None else get_normalizer(normalizer)
        _check_assembly(paths, _bigwig_chrom_sizes, roi, genome)

        def values(layout: _Layout) -> tuple[np.ndarray, list[str]]:
            signal = bigwig_values(
                paths, layout, collapse=collapse, nan_value=nan_value, strand_aware=strand_aware
            )
            return signal, names

        params = {
            "source": "bigwig", "collapse": collapse, "nan_value": float(nan_value),
            "normalizer": _describe(norm_obj), "conditions": names,
        }  # fmt: skip
        return cls._from_files(
            paths, roi, values, tiling=(binsize, stepsize, flank, resolution),
            strand_aware=strand_aware, storage=storage, cache_dir=cache_dir, params=params,
            normalizer=norm_obj,
        )  # fmt: skip

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

        def values(layout: _Layout) -> tuple[Any, list[str]]:
            return bed_values(
                paths, names, layout, mode=mode, collapse=collapse, min_overlap=min_overlap,
                strand_aware=strand_aware, sparse=storage == "sparse",
            )  # fmt: skip

        params = {
            "source": "bed", "mode": mode, "min_overlap": min_overlap, "collapse": collapse,
            "conditions": names,
        }  # fmt: skip
        return cls._from_files(
            paths, roi, values, tiling=(binsize, stepsize, flank, resolution),
            strand_aware=strand_aware, storage=storage, cache_dir=cache_dir, params=params,
        )  # fmt: skip

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



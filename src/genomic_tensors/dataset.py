"""The dataset base class shared by Bioseq and Cover, chromosome splits, and training-time
augmentation wrappers.

A dataset is a sequence of samples, one per *core window* (a row of :attr:`GenomicDataset.regions`,
0-based half-open, without the flank). It indexes like a numpy array along the first axis:

- ``ds[i]`` -> one sample, shape ``ds.shape[1:]``;
- ``ds[a:b]``, ``ds[[3, 1, 2]]``, ``ds[bool_mask]`` -> a batch, shape ``(k, *ds.shape[1:])``;
- ``np.asarray(ds)`` -> every sample.

A *view* (``ds.subset(index)``, the parts of :func:`split_by_chromosome`) is the same dataset type
restricted to an index array; it shares the source's storage and copies nothing.
"""

from __future__ import annotations

import copy
import importlib
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar, NamedTuple

import numpy as np
import pandas as pd

from genomic_tensors.storage import NdarrayStorage, SparseStorage, read_bundle, write_bundle

__all__ = [
    "GenomicDataset",
    "RandomOrientation",
    "RandomShift",
    "ReversedConditions",
    "Splits",
    "split_by_chromosome",
]

logger = logging.getLogger(__name__)

# where load() finds subclasses that are not imported yet
_KNOWN_CLASSES = {"Bioseq": "genomic_tensors.sequence", "Cover": "genomic_tensors.coverage"}
_REGION_COLUMNS = ["chrom", "start", "end", "strand"]


def resolve_index(key: Any, n: int) -> tuple[np.ndarray, bool]:
    """Turn a ``__getitem__`` key into positions.

    Parameters
    ----------
    key
        An integer (negative counts from the end), a slice, an integer array/list or a boolean
        mask of length ``n``.
    n
        Number of samples.

    Returns
    -------
    positions : numpy.ndarray
        int64 positions in ``[0, n)``.
    scalar : bool
        True when ``key`` was a single integer (the caller drops the first axis).
    """
    if isinstance(key, (int, np.integer)) and not isinstance(key, (bool, np.bool_)):
        i = int(key)
        if not -n <= i < n:
            raise IndexError(f"index {i} out of range for {n} samples")
        return np.array([i % n], dtype=np.int64), True
    if isinstance(key, slice):
        return np.arange(n, dtype=np.int64)[key], False
    arr = np.asarray(key)
    if arr.dtype == bool:
        if arr.shape != (n,):
            raise IndexError(f"boolean mask of shape {arr.shape} for {n} samples")
        return np.flatnonzero(arr).astype(np.int64), False
    if arr.size == 0:
        return np.zeros(0, dtype=np.int64), False
    if arr.ndim != 1 or not np.issubdtype(arr.dtype, np.integer):
        raise IndexError(
            f"expected an integer, a slice, a 1-D integer array or a boolean mask; got {key!r}"
        )
    arr = arr.astype(np.int64)
    if arr.min() < -n or arr.max() >= n:
        raise IndexError(f"index out of range for {n} samples: {arr.min()}..{arr.max()}")
    return np.where(arr < 0, arr + n, arr), False


class _Samples:
    """Numpy-like reading of samples: ``obj[key]`` and ``np.asarray(obj)`` through ``len(obj)``
    and ``obj._fetch(positions, offsets)`` (shared by datasets and augmentation wrappers)."""

    def _fetch(self, positions: np.ndarray, offsets: np.ndarray | None) -> np.ndarray:
        raise NotImplementedError  # pragma: no cover

    def __getitem__(self, key: Any) -> np.ndarray:
        positions, scalar = resolve_index(key, len(self))
        batch = self._fetch(positions, None)
        return batch[0] if scalar else batch

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        out = self[:]
        return out if dtype is None else out.astype(dtype, copy=False)


class GenomicDataset(_Samples):
    """Base class of genomic datasets (Bioseq, Cover).

    Parameters
    ----------
    regions
        Core windows, one row per sample: ``chrom``, ``start``, ``end`` (0-based half-open,
        without the flank) and ``strand``; extra columns are kept.
    storage
        Sample tensors, ``storage[index_array]`` -> ``(k, *sample_shape)`` (see
        :mod:`genomic_tensors.storage`); ``None`` for subclasses that compute samples in
        :meth:`_get_batch`.
    flank
        Bases added on each side of the core window to make the window.
    conditions
        Names of the last axis (e.g. one per BAM file or peak file).
    name
        A label for ``repr`` and logs.

    Notes
    -----
    Subclasses either pass a storage or override :meth:`_get_batch` (and :attr:`sample_shape`,
    :attr:`dtype`). To round-trip extra attributes through :meth:`save` / :meth:`load`, list them
    in the class attribute ``_saved_attrs`` (JSON-able values), or override :meth:`_bundle_parts`
    and :meth:`_from_bundle`.
    """

    _saved_attrs: ClassVar[tuple[str, ...]] = ()
    _registry: ClassVar[dict[str, type[GenomicDataset]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        GenomicDataset._registry[cls.__name__] = cls

    def __init__(
        self,
        regions: pd.DataFrame,
        storage: Any = None,
        *,
        flank: int = 0,
        conditions: Sequence[str] | None = None,
        name: str = "",
    ) -> None:
        missing = [c for c in ("chrom", "start", "end") if c not in regions.columns]
        if missing:
            raise ValueError(f"regions lack the column(s) {missing}; have {list(regions.columns)}")
        regions = regions.reset_index(drop=True)
        if "strand" not in regions.columns:
            regions = regions.assign(strand=".")
        self._regions = regions
        self._storage = storage
        if storage is not None and len(storage) != len(regions):
            raise ValueError(
                f"storage holds {len(storage)} samples but there are {len(regions)} regions"
            )
        if int(flank) < 0:
            raise ValueError(f"flank must be >= 0, got {flank}")
        self.flank = int(flank)
        self.conditions = [str(c) for c in conditions] if conditions is not None else []
        self.name = name
        self._index: np.ndarray | None = None
        self._regions_view: pd.DataFrame | None = None

    # ------------------------------------------------------------------ size and indexing
    def __len__(self) -> int:
        return len(self._regions) if self._index is None else int(self._index.size)

    @property
    def base_index(self) -> np.ndarray:
        """Rows of the source dataset this view holds, int64 ``(len(self),)``."""
        if self._index is None:
            return np.arange(len(self._regions), dtype=np.int64)
        return self._index

    @property
    def regions(self) -> pd.DataFrame:
        """Core windows of the samples (``chrom``, ``start``, ``end``, ``strand``, ...), 0-based
        half-open, without the flank; index ``0..len-1``."""
        if self._index is None:
            return self._regions
        if self._regions_view is None:
            self._regions_view = self._regions.iloc[self._index].reset_index(drop=True)
        return self._regions_view

    @property
    def windows(self) -> pd.DataFrame:
        """The windows including the flank (``start - flank``, ``end + flank``); may extend
        beyond the chromosome (those positions are padded)."""
        frame = self.regions[_REGION_COLUMNS].copy()
        frame["start"] -= self.flank
        frame["end"] += self.flank
        return frame

    @property
    def sample_shape(self) -> tuple[int, ...]:
        """Shape of one sample."""
        return tuple(self._storage.shape[1:])

    @property
    def shape(self) -> tuple[int, ...]:
        """``(len(self), *sample_shape)``."""
        return (len(self), *self.sample_shape)

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def dtype(self) -> np.dtype:
        return np.dtype(self._storage.dtype)

    def _fetch(self, positions: np.ndarray, offsets: np.ndarray | None) -> np.ndarray:
        """Samples at ``positions`` of this view, shifted by ``offsets`` (int, per sample)."""
        base = self.base_index[positions]
        if offsets is None or not np.any(offsets):
            return self._get_batch(base)
        return self._get_shifted(base, np.asarray(offsets, dtype=np.int64))

    def _get_batch(self, index: np.ndarray) -> np.ndarray:
        """Samples at rows ``index`` (int64, of the source dataset) -> ``(k, *sample_shape)``."""
        return self._storage[index]

    def _get_shifted(self, index: np.ndarray, offsets: np.ndarray) -> np.ndarray:
        """Samples moved along the position axis (axis 1 of the batch) by ``offsets``.

        Sample ``i`` becomes ``new[j] = old[j + offsets[i]]``, zero where ``j + offsets[i]`` falls
        outside the sample. Subclasses with access to the genome (Bioseq) override this to read
        real data instead of padding.
        """
        batch = self._get_batch(index)
        if batch.ndim < 2:
            return batch
        length = batch.shape[1]
        src = np.arange(length)[None, :] + offsets[:, None]
        valid = (src >= 0) & (src < length)
        src = np.clip(src, 0, length - 1)
        expand = (slice(None), slice(None)) + (None,) * (batch.ndim - 2)
        out = np.take_along_axis(batch, src[expand], axis=1)
        out[~valid] = 0
        return out

    def orientation_flip(self, batch: np.ndarray) -> np.ndarray:
        """The batch seen from the other strand.

        Default (coverage layout ``(k, positions, strands, conditions)``): reverse the position
        axis and swap the strand axis. Bioseq overrides it with the reverse complement.
        Returns a new array; the input is not modified.
        """
        if batch.ndim < 3:
            return batch[:, ::-1].copy()
        return batch[:, ::-1, ::-1].copy()

    def subset(self, index: Any) -> GenomicDataset:
        """A view of the samples at ``index`` (int array, slice or bool mask), sharing storage."""
        positions, _ = resolve_index(index, len(self))
        view = copy.copy(self)
        view._index = self.base_index[positions]
        view._regions_view = None
        return view

    def __repr__(self) -> str:
        label = f" {self.name!r}" if self.name else ""
        view = " (view)" if self._index is not None else ""
        return f"<{type(self).__name__}{label} shape={self.shape} dtype={self.dtype}{view}>"

    # ------------------------------------------------------------------ save / load
    def _bundle_parts(self) -> tuple[dict[str, np.ndarray], dict[str, Any], dict[str, Any]]:
        """``(arrays, storages, meta)`` to write; the regions are added by :meth:`save`."""
        storage = self._storage
        if self._index is not None:
            values = storage[self._index]
            storage = (
                SparseStorage.from_dense(values)
                if isinstance(storage, SparseStorage)
                else NdarrayStorage(values)
            )
        return {}, {"data": storage}, self._saved_meta()

    def _saved_meta(self) -> dict[str, Any]:
        """The attributes named in ``_saved_attrs``, by name."""
        return {name: getattr(self, name) for name in self._saved_attrs}

    @classmethod
    def _from_bundle(
        cls,
        regions: pd.DataFrame,
        arrays: dict[str, np.ndarray],
        storages: dict[str, Any],
        meta: dict[str, Any],
        common: dict[str, Any],
    ) -> GenomicDataset:
        """Rebuild an object from a bundle; ``common`` has ``flank``, ``conditions``, ``name``."""
        obj = cls.__new__(cls)
        GenomicDataset.__init__(obj, regions, storages.get("data"), **common)
        for name in cls._saved_attrs:
            setattr(obj, name, meta[name])
        return obj

    def save(self, path: str | Path) -> Path:
        """Write the dataset (a view: only its samples) to ``path`` (``.npz`` or ``.h5``).

        Reload with :meth:`GenomicDataset.load`, which returns the same subclass.
        """
        arrays, storages, meta = self._bundle_parts()
        regions = self.regions
        for col in regions.columns:
            values = regions[col].to_numpy()
            if values.dtype.kind not in "biuf":
                values = values.astype(str)
            arrays[f"regions/{col}"] = values
        return write_bundle(
            path,
            arrays=arrays,
            storages=storages,
            meta={
                "class": type(self).__name__,
                "region_columns": list(regions.columns),
                "flank": self.flank,
                "conditions": self.conditions,
                "name": self.name,
                "attrs": meta,
            },
        )

    @classmethod
    def load(cls, path: str | Path, *, lazy: bool = True) -> GenomicDataset:
        """Read a dataset written by :meth:`save`; returns the class it was saved from.

        Parameters
        ----------
        path
            A ``.npz`` or ``.h5`` file.
        lazy
            ``.h5`` only: keep the tensors on disk and read samples on access.
        """
        bundle = read_bundle(path, lazy=lazy)
        meta = bundle.meta
        name = meta.get("class")
        if name not in GenomicDataset._registry and name in _KNOWN_CLASSES:
            importlib.import_module(_KNOWN_CLASSES[name])
        if name == "GenomicDataset":
            target: type[GenomicDataset] = GenomicDataset
        elif name in GenomicDataset._registry:
            target = GenomicDataset._registry[name]
        else:
            raise ValueError(f"{path} holds an unknown dataset class {name!r}")
        if not issubclass(target, cls):
            raise TypeError(f"{path} holds a {name}, not a {cls.__name__}")
        arrays = dict(bundle.arrays)
        regions = pd.DataFrame(
            {col: arrays.pop(f"regions/{col}") for col in meta["region_columns"]}
        )
        for col in regions.columns:
            if regions[col].dtype.kind == "U":
                regions[col] = regions[col].astype(str)
        common = {"flank": meta["flank"], "conditions": meta["conditions"], "name": meta["name"]}
        return target._from_bundle(regions, arrays, bundle.storages, meta["attrs"], common)


# ----------------------------------------------------------------------------------------------
# Splits
# ----------------------------------------------------------------------------------------------
class Splits(NamedTuple):
    """Training, validation and test views of one dataset."""

    train: Any
    validation: Any
    test: Any


def split_by_chromosome(dataset: Any, *, validation: Sequence[str], test: Sequence[str]) -> Splits:
    """Split a dataset into training / validation / test views by chromosome.

    Parameters
    ----------
    dataset
        Any :class:`GenomicDataset` (or augmentation wrapper).
    validation, test
        Chromosomes of the validation and the test view; every other chromosome is training.
        A name absent from the dataset is logged as a warning (its view may be empty).

    Returns
    -------
    Splits
        ``(train, validation, test)`` views, sample order kept, nothing copied.
    """
    if isinstance(validation, str) or isinstance(test, str):
        raise TypeError("validation and test take lists of chromosome names, e.g. ['chr2']")
    overlap = sorted(set(validation) & set(test))
    if overlap:
        raise ValueError(f"chromosome(s) {overlap} are in both validation and test")
    chroms = dataset.regions["chrom"].to_numpy()
    present = set(np.unique(chroms).tolist())
    absent = sorted((set(validation) | set(test)) - present)
    if absent:
        logger.warning(
            "split_by_chromosome: %s not in the dataset (which has %s)",
            ", ".join(absent),
            ", ".join(sorted(present)[:10]),
        )
    is_val = np.isin(chroms, list(validation))
    is_test = np.isin(chroms, list(test))
    is_train = ~(is_val | is_test)
    return Splits(
        dataset.subset(np.flatnonzero(is_train)),
        dataset.subset(np.flatnonzero(is_val)),
        dataset.subset(np.flatnonzero(is_test)),
    )


# ----------------------------------------------------------------------------------------------
# Augmentation wrappers
# ----------------------------------------------------------------------------------------------
class _Wrapper(_Samples):
    """Shared machinery: same len/getitem/shape interface as the wrapped dataset, a per-epoch
    random draw that is a pure function of ``(seed, epoch)``."""

    def __init__(self, dataset: Any, *, seed: int) -> None:
        self.dataset = dataset
        self.seed = int(seed)
        self.epoch = 0
        self._draw_cache: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.dataset)

    @property
    def shape(self) -> tuple[int, ...]:
        return self.dataset.shape

    @property
    def ndim(self) -> int:
        return self.dataset.ndim

    @property
    def dtype(self) -> np.dtype:
        return self.dataset.dtype

    @property
    def regions(self) -> pd.DataFrame:
        return self.dataset.regions

    @property
    def conditions(self) -> list[str]:
        return self.dataset.conditions

    @property
    def flank(self) -> int:
        return self.dataset.flank

    def set_epoch(self, epoch: int) -> None:
        """Draw the augmentation of epoch ``epoch`` (deterministic given the seed)."""
        self.epoch = int(epoch)
        self._draw_cache = None

    def next_epoch(self) -> None:
        """Advance to the next epoch (fresh draws)."""
        self.set_epoch(self.epoch + 1)

    def _draws(self) -> np.ndarray:
        if self._draw_cache is None:
            rng = np.random.default_rng([self.seed, self.epoch, self._stream])
            self._draw_cache = self._draw(rng, len(self))
        return self._draw_cache

    def orientation_flip(self, batch: np.ndarray) -> np.ndarray:
        return self.dataset.orientation_flip(batch)

    def subset(self, index: Any) -> Any:
        """The wrapper over a view of the wrapped dataset (same seed and epoch)."""
        view = copy.copy(self)
        view.dataset = self.dataset.subset(index)
        view._draw_cache = None
        return view

    _stream = 0

    def _draw(self, rng: np.random.Generator, n: int) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError


class RandomOrientation(_Wrapper):
    """Show each sample from a random strand: with probability ``p`` a sample is replaced by
    ``dataset.orientation_flip`` of it (Bioseq: the true reverse complement for any order; Cover:
    positions reversed and strand axis swapped). The source is never modified.

    Parameters
    ----------
    dataset
        A dataset (or another wrapper).
    seed
        The flips of epoch ``e`` are a pure function of ``(seed, e)``: the same sample gets the same
        orientation however often or in whatever batch it is read during an epoch.
    p
        Probability of a flip per sample and epoch.

    Examples
    --------
    >>> train = RandomOrientation(splits.train, seed=1)   # doctest: +SKIP
    >>> x = train[0:64]; train.next_epoch()               # doctest: +SKIP
    """

    _stream = 1

    def __init__(self, dataset: Any, *, seed: int = 0, p: float = 0.5) -> None:
        super().__init__(dataset, seed=seed)
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"p must be a probability in [0, 1], got {p}")
        self.p = float(p)

    def _draw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.random(n) < self.p

    @property
    def flips(self) -> np.ndarray:
        """bool ``(len(self),)``: which samples are flipped in the current epoch."""
        return self._draws()

    def _fetch(self, positions: np.ndarray, offsets: np.ndarray | None) -> np.ndarray:
        batch = self.dataset._fetch(positions, offsets)
        mask = self._draws()[positions]
        if not mask.any():
            return batch
        out = np.array(batch, copy=True)
        out[mask] = self.dataset.orientation_flip(batch[mask])
        return out


class RandomShift(_Wrapper):
    """Move each sample's window by a random offset in ``[-shift, shift]``, drawn per epoch.

    For a Bioseq the window moves along the genome by up to ``shift`` bases and the new bases
    are read from the stored sequence (N-padded beyond the chromosome or beyond what was
    stored: build the Bioseq with ``margin >= shift`` to keep real sequence). Other datasets roll
    their position axis with zero fill (offsets in positions, i.e. resolution bins for Cover).

    Parameters
    ----------
    dataset
        A dataset (or another wrapper).
    shift
        Largest offset (>= 0).
    seed
        Offsets of epoch ``e`` are a pure function of ``(seed, e)``.
    """

    _stream = 2

    def __init__(self, dataset: Any, *, shift: int, seed: int = 0) -> None:
        super().__init__(dataset, seed=seed)
        if int(shift) < 0:
            raise ValueError(f"shift must be >= 0, got {shift}")
        self.shift = int(shift)
        margin = getattr(_innermost(dataset), "margin", None)
        if margin is not None and margin < self.shift:
            logger.warning(
                "RandomShift(shift=%d) over a Bioseq built with margin=%d: positions beyond the "
                "stored sequence are padded with N",
                self.shift,
                margin,
            )

    def _draw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.integers(-self.shift, self.shift + 1, size=n, dtype=np.int64)

    @property
    def offsets(self) -> np.ndarray:
        """int64 ``(len(self),)``: the offsets of the current epoch."""
        return self._draws()

    def _fetch(self, positions: np.ndarray, offsets: np.ndarray | None) -> np.ndarray:
        own = self._draws()[positions]
        if offsets is not None:
            own = own + offsets
        return self.dataset._fetch(positions, own)


def _innermost(dataset: Any) -> Any:
    while isinstance(dataset, _Wrapper):
        dataset = dataset.dataset
    return dataset


class ReversedConditions:
    """A read-only view of a dataset with its last axis (the conditions) reversed.

    The JunD case trains and validates on DNase channels ``[roadmap, encode]`` and tests on
    ``[encode, roadmap]`` (Kopp et al. 2020): ``ReversedConditions(test_view)`` is that test input. Same
    ``len`` / indexing / ``shape`` / ``dtype`` / ``regions`` interface as the wrapped dataset; batches
    are C-contiguous copies.
    """

    def __init__(self, dataset: Any) -> None:
        self.dataset = dataset

    def __len__(self) -> int:
        return len(self.dataset)

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.dataset.shape)

    @property
    def dtype(self) -> np.dtype:
        return self.dataset.dtype

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def regions(self) -> pd.DataFrame:
        return self.dataset.regions

    @property
    def conditions(self) -> list[str]:
        return list(self.dataset.conditions)[::-1]

    def __getitem__(self, key: Any) -> np.ndarray:
        return np.ascontiguousarray(np.asarray(self.dataset[key])[..., ::-1])

"""Storage back-ends for sample tensors, and reading/writing tensor bundles (``.npz`` / ``.h5``).

A *storage* holds an array of shape ``(n_samples, *sample_shape)`` and answers
``storage[index]`` for an integer index array along the first axis with a dense numpy array of
shape ``(len(index), *sample_shape)``. Three kinds return identical values:

- ``"ndarray"``: the array in memory;
- ``"sparse"``: a ``scipy.sparse.csr_array`` of the array flattened to 2-D
  ``(n_samples, prod(sample_shape))`` -- meant for mostly-zero label tensors;
- ``"hdf5"``: an HDF5 dataset on disk, read lazily (only the requested rows).

A *bundle* is one file holding named arrays and storages plus a JSON-able ``meta`` dict; its
format follows the suffix (``.npz`` or ``.h5``/``.hdf5``). Bundles are written atomically (a
temporary file in the same folder, then a rename), so a partial file never has the final name.
"""

from __future__ import annotations

import json
import os
import tempfile
import weakref
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple, Protocol, runtime_checkable

import h5py
import numpy as np
import scipy.sparse

from genomic_tensors.files import publish

__all__ = [
    "Bundle",
    "Hdf5Storage",
    "NdarrayStorage",
    "SparseStorage",
    "Storage",
    "STORAGE_KINDS",
    "make_storage",
    "read_bundle",
    "write_bundle",
]

#: The storage kinds :func:`make_storage` accepts.
STORAGE_KINDS = ("ndarray", "sparse", "hdf5")
_H5_SUFFIXES = (".h5", ".hdf5")
_META_KEY = "__meta__"


@runtime_checkable
class Storage(Protocol):
    """What every storage offers."""

    kind: str

    @property
    def shape(self) -> tuple[int, ...]: ...

    @property
    def dtype(self) -> np.dtype: ...

    def __getitem__(self, index: np.ndarray) -> np.ndarray: ...

    def __len__(self) -> int: ...


def _as_index(index: Any, n: int) -> np.ndarray:
    """Normalise an index (int array, slice, bool mask) into an int64 array of rows."""
    if isinstance(index, slice):
        return np.arange(n, dtype=np.int64)[index]
    index = np.asarray(index)
    if index.dtype == bool:
        if index.shape != (n,):
            raise IndexError(f"boolean mask of shape {index.shape} for {n} samples")
        return np.flatnonzero(index)
    if index.ndim != 1 or not np.issubdtype(index.dtype, np.integer):
        raise IndexError(f"expected a 1-D integer index array, got {index.dtype} {index.shape}")
    index = index.astype(np.int64, copy=False)
    if index.size and (index.min() < -n or index.max() >= n):
        raise IndexError(f"index out of range for {n} samples: {index.min()}..{index.max()}")
    return np.where(index < 0, index + n, index)


class NdarrayStorage:
    """An in-memory numpy array.

    Parameters
    ----------
    array
        Shape ``(n_samples, *sample_shape)``, any dtype.
    """

    kind = "ndarray"

    def __init__(self, array: np.ndarray) -> None:
        self.array = np.asarray(array)
        if self.array.ndim < 1:
            raise ValueError("a storage needs at least one axis (the samples)")

    @property
    def shape(self) -> tuple[int, ...]:
        return self.array.shape

    @property
    def dtype(self) -> np.dtype:
        return self.array.dtype

    def __len__(self) -> int:
        return self.array.shape[0]

    def __getitem__(self, index: np.ndarray) -> np.ndarray:
        return self.array[_as_index(index, len(self))]

    def to_array(self) -> np.ndarray:
        """The whole array, shape ``(n_samples, *sample_shape)``."""
        return self.array


class SparseStorage:
    """A CSR matrix of the array flattened to ``(n_samples, prod(sample_shape))``.

    Parameters
    ----------
    matrix
        ``scipy.sparse`` matrix or array of shape ``(n_samples, prod(shape[1:]))``.
    shape
        The dense shape ``(n_samples, *sample_shape)``.
    """

    kind = "sparse"

    def __init__(self, matrix: Any, shape: tuple[int, ...]) -> None:
        self.matrix = scipy.sparse.csr_array(matrix)
        self._shape = tuple(int(s) for s in shape)
        if self.matrix.shape != (self._shape[0], int(np.prod(self._shape[1:]))):
            raise ValueError(
                f"sparse matrix of shape {self.matrix.shape} does not flatten shape {self._shape}"
            )

    @classmethod
    def from_dense(cls, array: np.ndarray) -> SparseStorage:
        """Build from a dense array of shape ``(n_samples, *sample_shape)``."""
        array = np.asarray(array)
        return cls(scipy.sparse.csr_array(array.reshape(array.shape[0], -1)), array.shape)

    @property
    def shape(self) -> tuple[int, ...]:
        return self._shape

    @property
    def dtype(self) -> np.dtype:
        return self.matrix.dtype

    def __len__(self) -> int:
        return self._shape[0]

    def __getitem__(self, index: np.ndarray) -> np.ndarray:
        rows = _as_index(index, len(self))
        dense = self.matrix[rows].toarray()
        return dense.reshape((rows.size, *self._shape[1:]))

    def to_array(self) -> np.ndarray:
        """The whole dense array, shape ``(n_samples, *sample_shape)``."""
        return self.matrix.toarray().reshape(self._shape)


class Hdf5Storage:
    """An HDF5 dataset read lazily (only the requested rows are read).

    Parameters
    ----------
    path
        The HDF5 file.
    name
        The dataset inside the file, shape ``(n_samples, *sample_shape)``.
    """

    kind = "hdf5"

    def __init__(self, path: str | Path, name: str = "data") -> None:
        self.path = Path(path)
        self.name = name
        with h5py.File(self.path, "r") as handle:
            if name not in handle:
                raise KeyError(f"{self.path} has no dataset {name!r} (has {list(handle)})")
            self._shape = tuple(handle[name].shape)
            self._dtype = handle[name].dtype
        self._handle: h5py.File | None = None

    def _dataset(self) -> h5py.Dataset:
        if self._handle is None or not self._handle.id.valid:
            self._handle = h5py.File(self.path, "r")
        return self._handle[self.name]

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        state["_handle"] = None
        return state

    @property
    def shape(self) -> tuple[int, ...]:
        return self._shape

    @property
    def dtype(self) -> np.dtype:
        return self._dtype

    def __len__(self) -> int:
        return self._shape[0]

    def __getitem__(self, index: np.ndarray) -> np.ndarray:
        rows = _as_index(index, len(self))
        if rows.size == 0:
            return np.zeros((0, *self._shape[1:]), self._dtype)
        # h5py wants increasing unique indices; read those, then put them back in order
        uniq, inverse = np.unique(rows, return_inverse=True)
        dset = self._dataset()
        if uniq[-1] - uniq[0] + 1 == uniq.size:
            block = dset[int(uniq[0]) : int(uniq[-1]) + 1]
        else:
            block = dset[uniq]
        return block[inverse]

    def read_range(self, start: int, stop: int) -> np.ndarray:
        """Rows ``[start, stop)`` as one contiguous read."""
        return self._dataset()[int(start) : int(stop)]

    def to_array(self) -> np.ndarray:
        """The whole array read into memory."""
        return self._dataset()[...]

    def close(self) -> None:
        """Close the file handle (it reopens on the next access)."""
        if self._handle is not None:
            self._handle.close()
            self._handle = None


def _remove_quietly(path: str) -> None:
    try:
        os.remove(path)
    except OSError:
        pass


def make_storage(
    array: np.ndarray, kind: str = "ndarray", *, path: str | Path | None = None
) -> NdarrayStorage | SparseStorage | Hdf5Storage:
    """Put an array into a storage back-end.

    Parameters
    ----------
    array
        Shape ``(n_samples, *sample_shape)``.
    kind
        ``"ndarray"``, ``"sparse"`` or ``"hdf5"``.
    path
        ``"hdf5"`` only: the file to write (dataset ``"data"``); ``None`` writes a temporary file
        that is removed when the storage is garbage-collected.

    Returns
    -------
    Storage
        Whose ``storage[index]`` returns ``array[index]``.
    """
    if kind not in STORAGE_KINDS:
        raise ValueError(f"unknown storage {kind!r}; expected one of {', '.join(STORAGE_KINDS)}")
    array = np.asarray(array)
    if kind == "ndarray":
        return NdarrayStorage(array)
    if kind == "sparse":
        return SparseStorage.from_dense(array)
    temporary = path is None
    if temporary:
        fd, name = tempfile.mkstemp(suffix=".h5", prefix="genomic_tensors_")
        os.close(fd)
        path = name
    with h5py.File(path, "w") as handle:
        _h5_write(handle, "data", array)
    storage = Hdf5Storage(path, "data")
    if temporary:
        weakref.finalize(storage, _remove_quietly, str(path))
    return storage


def _h5_write(handle: h5py.File, name: str, array: np.ndarray) -> None:
    if array.dtype.kind == "U":
        handle.create_dataset(name, data=np.char.encode(array, "utf-8"))
        handle[name].attrs["unicode"] = True
        return
    chunks = None
    if array.ndim >= 1 and array.size:
        row = max(1, int(np.prod(array.shape[1:])) * array.dtype.itemsize)
        rows = int(min(array.shape[0], max(1, (1 << 20) // row)))
        chunks = (rows, *array.shape[1:])
    handle.create_dataset(name, data=array, chunks=chunks)


# ----------------------------------------------------------------------------------------------
# Bundles
# ----------------------------------------------------------------------------------------------
class Bundle(NamedTuple):
    """What :func:`read_bundle` returns."""

    #: plain arrays (read into memory)
    arrays: dict[str, np.ndarray]
    #: storages (``NdarrayStorage``, ``SparseStorage`` or, for lazy ``.h5``, ``Hdf5Storage``)
    storages: dict[str, NdarrayStorage | SparseStorage | Hdf5Storage]
    #: the JSON metadata
    meta: dict


def _is_h5(path: Path) -> bool:
    return path.suffix.lower() in _H5_SUFFIXES


def write_bundle(
    path: str | Path,
    *,
    arrays: Mapping[str, np.ndarray] | None = None,
    storages: Mapping[str, Any] | None = None,
    meta: Mapping[str, Any] | None = None,
) -> Path:
    """Write arrays, storages and metadata into one ``.npz`` or ``.h5`` file, atomically.

    Parameters
    ----------
    path
        Target file; the suffix ``.npz`` or ``.h5``/``.hdf5`` picks the format.
    arrays
        Plain arrays (numeric, bool or unicode strings), stored as they are.
    storages
        Storage objects (any kind); a sparse storage keeps its CSR parts, the others are written
        dense. They read back as storages of the same kind (``.h5`` with ``lazy=True``: as
        ``Hdf5Storage`` for the dense ones).
    meta
        JSON-serialisable metadata.

    Returns
    -------
    pathlib.Path
        The written file.
    """
    path = Path(path)
    if path.suffix.lower() not in (".npz", *_H5_SUFFIXES):
        raise ValueError(f"unknown tensor file type {path.name!r}; expected .npz, .h5 or .hdf5")
    arrays = dict(arrays or {})
    kinds: dict[str, str] = {}
    payload: dict[str, np.ndarray] = {}
    for name, value in arrays.items():
        payload[f"a/{name}"] = np.asarray(value)
    for name, store in (storages or {}).items():
        if isinstance(store, SparseStorage):
            kinds[name] = "sparse"
            payload[f"s/{name}/data"] = store.matrix.data
            payload[f"s/{name}/indices"] = store.matrix.indices
            payload[f"s/{name}/indptr"] = store.matrix.indptr
            payload[f"s/{name}/shape"] = np.asarray(store.shape, dtype=np.int64)
        else:
            kinds[name] = getattr(store, "kind", "ndarray")
            dense = store.to_array() if hasattr(store, "to_array") else np.asarray(store)
            payload[f"s/{name}/data"] = dense
    full_meta = {"meta": dict(meta or {}), "storage_kinds": kinds}
    meta_json = json.dumps(full_meta, sort_keys=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=path.suffix)
    os.close(fd)
    try:
        if _is_h5(path):
            with h5py.File(tmp, "w") as handle:
                handle.attrs[_META_KEY] = meta_json
                for key, value in payload.items():
                    _h5_write(handle, key, value)
        else:
            payload = {k.replace("/", "|"): v for k, v in payload.items()}
            # Sparse matrices (labels: a few % ones) compress many times over; dense arrays are written as
            # they are, so that large sequence and coverage bundles save and load at disk speed.
            save = np.savez_compressed if "sparse" in kinds.values() else np.savez
            with open(tmp, "wb") as handle:
                save(handle, **{_META_KEY: np.asarray(meta_json)}, **payload)
        publish(tmp, path)
    except BaseException:
        _remove_quietly(tmp)
        raise
    return path


def read_bundle(path: str | Path, *, lazy: bool = True) -> Bundle:
    """Read a file written by :func:`write_bundle`.

    Parameters
    ----------
    path
        A ``.npz`` or ``.h5``/``.hdf5`` bundle.
    lazy
        ``.h5`` only: dense storages stay on disk as :class:`Hdf5Storage` (rows read on access).

    Returns
    -------
    Bundle
        ``arrays``, ``storages`` and ``meta``.

    Raises
    ------
    ValueError
        The file is not a bundle (no metadata) or is damaged.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"tensor file not found: {path}")
    arrays: dict[str, np.ndarray] = {}
    parts: dict[str, dict[str, Any]] = {}
    if _is_h5(path):
        with h5py.File(path, "r") as handle:
            if _META_KEY not in handle.attrs:
                raise ValueError(f"{path} is not a genomic_tensors tensor file (no metadata)")
            full_meta = json.loads(handle.attrs[_META_KEY])
            kinds = full_meta["storage_kinds"]
            for key in _h5_keys(handle):
                top, rest = key.split("/", 1)
                dset = handle[key]
                if top == "a":
                    value = dset[...]
                    if dset.attrs.get("unicode", False):
                        value = np.char.decode(value, "utf-8")
                    arrays[rest] = value
                else:
                    name, part = rest.rsplit("/", 1)
                    if lazy and kinds[name] != "sparse" and part == "data":
                        parts.setdefault(name, {})["lazy"] = key
                    else:
                        parts.setdefault(name, {})[part] = dset[...]
    else:
        with np.load(path, allow_pickle=False) as npz:
            if _META_KEY not in npz.files:
                raise ValueError(f"{path} is not a genomic_tensors tensor file (no metadata)")
            full_meta = json.loads(str(npz[_META_KEY]))
            kinds = full_meta["storage_kinds"]
            for key in npz.files:
                if key == _META_KEY:
                    continue
                top, rest = key.replace("|", "/").split("/", 1)
                if top == "a":
                    arrays[rest] = npz[key]
                else:
                    name, part = rest.rsplit("/", 1)
                    parts.setdefault(name, {})[part] = npz[key]
    storages: dict[str, Any] = {}
    for name, kind in kinds.items():
        got = parts.get(name, {})
        if kind == "sparse":
            shape = tuple(int(s) for s in got["shape"])
            flat = (shape[0], int(np.prod(shape[1:])))
            matrix = scipy.sparse.csr_array((got["data"], got["indices"], got["indptr"]), flat)
            storages[name] = SparseStorage(matrix, shape)
        elif "lazy" in got:
            storages[name] = Hdf5Storage(path, got["lazy"])
        else:
            storages[name] = NdarrayStorage(got["data"])
    return Bundle(arrays, storages, full_meta["meta"])


def _h5_keys(handle: h5py.File) -> list[str]:
    keys: list[str] = []
    handle.visititems(
        lambda name, obj: keys.append(name) if isinstance(obj, h5py.Dataset) else None
    )
    return keys

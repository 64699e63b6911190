"""Tests of genomic_tensors.storage: the three back-ends and tensor bundles."""

from __future__ import annotations

import gc
import os

import numpy as np
import pytest
import scipy.sparse

from genomic_tensors.storage import (
    Hdf5Storage,
    NdarrayStorage,
    SparseStorage,
    make_storage,
    read_bundle,
    write_bundle,
)

KINDS = ["ndarray", "sparse", "hdf5"]


@pytest.fixture
def labels():
    """(6, 3, 1, 2) mostly-zero labels."""
    array = np.zeros((6, 3, 1, 2), dtype=np.float32)
    array[1, 0, 0, 1] = 1
    array[4, 2, 0, 0] = 2.5
    array[5, :, 0, 1] = [1, 2, 3]
    return array


@pytest.mark.parametrize("kind", KINDS)
def test_backends_return_identical_values(kind, labels, tmp_path):
    store = make_storage(labels, kind, path=tmp_path / "x.h5" if kind == "hdf5" else None)
    assert store.kind == kind
    assert store.shape == labels.shape and len(store) == 6
    assert store.dtype == np.float32
    for index in ([5, 1, 1, 0], [-1], np.array([], dtype=int), slice(1, 5, 2)):
        got = store[index]
        np.testing.assert_array_equal(got, labels[index])
        assert got.shape == labels[index].shape
    mask = np.array([True, False, False, False, True, True])
    np.testing.assert_array_equal(store[mask], labels[mask])
    np.testing.assert_array_equal(store.to_array(), labels)


@pytest.mark.parametrize("kind", KINDS)
def test_index_errors(kind, labels):
    store = make_storage(labels, kind)
    with pytest.raises(IndexError, match="out of range for 6 samples"):
        store[np.array([6])]
    with pytest.raises(IndexError, match="boolean mask of shape"):
        store[np.array([True, False])]
    with pytest.raises(IndexError, match="1-D integer index"):
        store[np.array([0.5])]


def test_sparse_is_csr_of_flattened(labels):
    store = make_storage(labels, "sparse")
    assert isinstance(store.matrix, scipy.sparse.csr_array)
    assert store.matrix.shape == (6, 6)
    assert store.matrix.nnz == 5
    with pytest.raises(ValueError, match=r"does not flatten shape \(6, 5\)"):
        SparseStorage(store.matrix, (6, 5))


def test_unknown_kind(labels):
    with pytest.raises(
        ValueError, match="unknown storage 'zarr'; expected one of ndarray, sparse, hdf5"
    ):
        make_storage(labels, "zarr")


def test_temporary_hdf5_removed_when_collected(labels):
    store = make_storage(labels, "hdf5")
    path = store.path
    assert path.exists()
    np.testing.assert_array_equal(store[[3, 4]], labels[[3, 4]])
    store.close()
    del store
    gc.collect()
    assert not path.exists()


def test_hdf5_range_and_missing_dataset(labels, tmp_path):
    store = make_storage(labels, "hdf5", path=tmp_path / "r.h5")
    np.testing.assert_array_equal(store.read_range(2, 5), labels[2:5])
    with pytest.raises(KeyError, match="has no dataset 'nope'"):
        Hdf5Storage(tmp_path / "r.h5", "nope")


# ---------------------------------------------------------------------------------- bundles
@pytest.mark.parametrize("suffix", [".npz", ".h5"])
def test_bundle_round_trip(tmp_path, labels, suffix):
    path = tmp_path / f"b{suffix}"
    arrays = {"chrom": np.array(["chr1", "chrX", "chr10"]), "start": np.arange(3, dtype=np.int64)}
    storages = {"dense": NdarrayStorage(labels), "sparse": SparseStorage.from_dense(labels)}
    write_bundle(path, arrays=arrays, storages=storages, meta={"order": 2, "names": ["a", "b"]})
    bundle = read_bundle(path)
    assert bundle.meta == {"order": 2, "names": ["a", "b"]}
    assert bundle.arrays["chrom"].tolist() == ["chr1", "chrX", "chr10"]
    assert bundle.arrays["start"].dtype == np.int64
    assert isinstance(bundle.storages["sparse"], SparseStorage)
    expected_dense = Hdf5Storage if suffix == ".h5" else NdarrayStorage
    assert isinstance(bundle.storages["dense"], expected_dense)  # .h5 stays on disk
    for store in bundle.storages.values():
        np.testing.assert_array_equal(store[[5, 0]], labels[[5, 0]])
    eager = read_bundle(path, lazy=False)
    assert isinstance(eager.storages["dense"], NdarrayStorage)


def test_bundle_errors(tmp_path):
    with pytest.raises(ValueError, match=r"unknown tensor file type 'x\.pt'"):
        write_bundle(tmp_path / "x.pt", arrays={"a": np.zeros(2)})
    np.savez(tmp_path / "plain.npz", a=np.zeros(2))
    with pytest.raises(ValueError, match=r"plain\.npz is not a genomic_tensors tensor file"):
        read_bundle(tmp_path / "plain.npz")
    with pytest.raises(FileNotFoundError, match="tensor file not found"):
        read_bundle(tmp_path / "absent.h5")


def test_failed_write_leaves_no_file(tmp_path):
    target = tmp_path / "t.h5"
    with pytest.raises(TypeError):
        write_bundle(target, arrays={"bad": np.array([object(), object()], dtype=object)})
    assert not target.exists()
    assert os.listdir(tmp_path) == []  # the temporary file is gone too


def test_sparse_bundles_are_compressed_and_every_bundle_is_readable_by_others(tmp_path):
    rng = np.random.default_rng(0)
    dense = (rng.random((20_000, 50)) < 0.02).astype(np.float32)  # labels: a few % ones
    sparse = SparseStorage(scipy.sparse.csr_array(dense), (20_000, 50))
    old = os.umask(0o022)
    try:
        path = write_bundle(tmp_path / "labels.npz", storages={"y": sparse})
        plain = write_bundle(tmp_path / "plain.npz", arrays={"x": np.arange(1000)})
    finally:
        os.umask(old)
    raw = sparse.matrix.data.nbytes + sparse.matrix.indices.nbytes + sparse.matrix.indptr.nbytes
    assert path.stat().st_size < raw / 2  # zlib on the stored arrays
    assert np.array_equal(read_bundle(path).storages["y"][np.arange(20_000)], dense)
    for written in (path, plain):
        assert written.stat().st_mode & 0o777 == 0o644, written

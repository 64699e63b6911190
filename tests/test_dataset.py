"""Tests of genomic_tensors.dataset: indexing, views, splits, save/load, augmentation wrappers."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pytest

from genomic_tensors.dataset import (
    GenomicDataset,
    RandomOrientation,
    RandomShift,
    Splits,
    resolve_index,
    split_by_chromosome,
)
from genomic_tensors.storage import make_storage

CHROMS = ["chr1", "chr1", "chr2", "chr3", "chr1", "chr2"]


def make(kind="ndarray", n=6, positions=4, strands=2):
    regions = pd.DataFrame({"chrom": CHROMS[:n], "start": np.arange(n) * 10,
                            "end": np.arange(n) * 10 + positions, "strand": "+"})  # fmt: skip
    values = np.arange(n * positions * strands * 1, dtype=np.float32).reshape(
        n, positions, strands, 1
    )
    return GenomicDataset(regions, make_storage(values, kind), flank=3, conditions=["c"]), values


# ---------------------------------------------------------------------------------- indexing
@pytest.mark.parametrize("kind", ["ndarray", "sparse", "hdf5"])
def test_indexing_like_numpy(kind):
    ds, values = make(kind)
    assert len(ds) == 6 and ds.shape == (6, 4, 2, 1) and ds.ndim == 4
    assert ds.dtype == np.float32
    np.testing.assert_array_equal(ds[2], values[2])
    np.testing.assert_array_equal(ds[-1], values[-1])
    np.testing.assert_array_equal(ds[1:4], values[1:4])
    np.testing.assert_array_equal(ds[[4, 0, 4]], values[[4, 0, 4]])
    mask = np.array([1, 0, 1, 0, 0, 1], dtype=bool)
    np.testing.assert_array_equal(ds[mask], values[mask])
    np.testing.assert_array_equal(np.asarray(ds), values)
    assert np.asarray(ds, dtype=np.float64).dtype == np.float64
    assert len(list(ds)) == 6  # iteration stops at IndexError


def test_index_errors():
    ds, _ = make()
    with pytest.raises(IndexError, match="index 6 out of range for 6 samples"):
        ds[6]
    with pytest.raises(IndexError, match="index out of range for 6 samples"):
        ds[[0, -7]]
    with pytest.raises(IndexError, match="boolean mask of shape"):
        ds[np.array([True])]
    with pytest.raises(IndexError, match="expected an integer, a slice"):
        ds[np.array([[0]])]


def test_resolve_index():
    assert resolve_index(np.int64(-2), 5)[0].tolist() == [3]
    assert resolve_index(np.int64(-2), 5)[1] is True
    assert resolve_index(slice(None, None, -2), 5)[0].tolist() == [4, 2, 0]
    assert resolve_index([], 5)[0].size == 0


def test_regions_windows_and_constructor_errors():
    ds, _ = make()
    assert ds.regions["start"].tolist() == [0, 10, 20, 30, 40, 50]
    assert ds.windows[["start", "end"]].values[1].tolist() == [7, 17]  # flank 3 on each side
    regions = pd.DataFrame({"chrom": ["a"], "start": [0], "end": [5]})
    assert GenomicDataset(regions, make_storage(np.zeros((1, 5)))).regions["strand"].tolist() == [
        "."
    ]
    with pytest.raises(ValueError, match="storage holds 2 samples but there are 1 regions"):
        GenomicDataset(regions, make_storage(np.zeros((2, 5))))
    with pytest.raises(ValueError, match=r"regions lack the column\(s\) \['end'\]"):
        GenomicDataset(regions.drop(columns="end"), None)
    with pytest.raises(ValueError, match="flank must be >= 0"):
        GenomicDataset(regions, None, flank=-1)


def test_subset_is_a_view():
    ds, values = make()
    view = ds.subset([5, 1, 3])
    assert type(view) is GenomicDataset
    assert view._storage is ds._storage  # nothing copied
    assert view.regions["start"].tolist() == [50, 10, 30]
    np.testing.assert_array_equal(view[:], values[[5, 1, 3]])
    np.testing.assert_array_equal(view.subset([2, 0])[:], values[[3, 5]])  # view of a view
    assert "(view)" in repr(view) and len(ds) == 6


# ---------------------------------------------------------------------------------- splits
def test_split_by_chromosome():
    ds, values = make()
    splits = split_by_chromosome(ds, validation=["chr2"], test=["chr3"])
    assert isinstance(splits, Splits)
    np.testing.assert_array_equal(splits.train[:], values[[0, 1, 4]])
    np.testing.assert_array_equal(splits.validation[:], values[[2, 5]])
    np.testing.assert_array_equal(splits.test[:], values[[3]])
    assert splits.train._storage is ds._storage
    assert splits.validation.regions["chrom"].tolist() == ["chr2", "chr2"]


def test_split_errors_and_warnings(caplog):
    ds, _ = make()
    with pytest.raises(ValueError, match=r"\['chr2'\] are in both validation and test"):
        split_by_chromosome(ds, validation=["chr2"], test=["chr2", "chr3"])
    with pytest.raises(TypeError, match="take lists of chromosome names"):
        split_by_chromosome(ds, validation="chr2", test=["chr3"])
    with caplog.at_level(logging.WARNING, logger="genomic_tensors"):
        splits = split_by_chromosome(ds, validation=["chr9"], test=["chr3"])
    assert "chr9 not in the dataset" in caplog.text
    assert len(splits.validation) == 0 and len(splits.train) == 5


# ---------------------------------------------------------------------------------- save/load
@pytest.mark.parametrize("kind", ["ndarray", "sparse", "hdf5"])
@pytest.mark.parametrize("suffix", [".npz", ".h5"])
def test_save_load_round_trip(tmp_path, kind, suffix):
    ds, values = make(kind)
    path = ds.subset([4, 2]).save(tmp_path / f"ds{suffix}")
    back = GenomicDataset.load(path)
    assert type(back) is GenomicDataset
    np.testing.assert_array_equal(back[:], values[[4, 2]])
    assert back.regions[["chrom", "start", "end", "strand"]].values.tolist() == [
        ["chr1", 40, 44, "+"], ["chr2", 20, 24, "+"]]  # fmt: skip
    assert back.flank == 3 and back.conditions == ["c"]


class Labels(GenomicDataset):
    """A subclass with an extra attribute that round-trips."""

    _saved_attrs = ("resolution",)


def test_subclass_round_trip_and_errors(tmp_path):
    ds, values = make()
    sub = Labels(ds.regions, make_storage(values), flank=1)
    sub.resolution = 50
    back = GenomicDataset.load(sub.save(tmp_path / "l.npz"))
    assert type(back) is Labels and back.resolution == 50
    np.testing.assert_array_equal(back[:], values)
    plain = ds.save(tmp_path / "plain.npz")
    with pytest.raises(TypeError, match="holds a GenomicDataset, not a Labels"):
        Labels.load(plain)


# ---------------------------------------------------------------------------------- wrappers
def test_random_orientation_flips_positions_and_strands():
    ds, values = make()
    before = values.copy()
    aug = RandomOrientation(ds, seed=4)
    flips = aug.flips
    assert flips.dtype == bool and flips.shape == (6,)
    assert 0 < flips.sum() < 6  # this seed flips some but not all samples
    batch = aug[:]
    for i in range(6):
        expected = values[i, ::-1, ::-1] if flips[i] else values[i]
        np.testing.assert_array_equal(batch[i], expected)
    np.testing.assert_array_equal(ds[:], before)  # source untouched
    # the same sample keeps its orientation within an epoch, whatever the batch
    np.testing.assert_array_equal(aug[3], batch[3])
    np.testing.assert_array_equal(aug[[5, 3]], batch[[5, 3]])
    assert aug.shape == ds.shape and len(aug) == 6 and aug.dtype == ds.dtype
    assert aug.regions is ds.regions and aug.conditions == ["c"] and aug.flank == 3


def test_random_orientation_epochs_and_seeds():
    ds, _ = make(n=6)
    big = GenomicDataset(pd.DataFrame({"chrom": ["c"] * 200, "start": 0, "end": 1}),
                         make_storage(np.zeros((200, 1, 1, 1))))  # fmt: skip
    a, b = RandomOrientation(big, seed=1), RandomOrientation(big, seed=1)
    np.testing.assert_array_equal(a.flips, b.flips)  # deterministic for a seed
    first = a.flips.copy()
    a.next_epoch()
    assert a.epoch == 1 and not np.array_equal(first, a.flips)  # fresh draws per epoch
    a.set_epoch(0)
    np.testing.assert_array_equal(first, a.flips)
    assert not np.array_equal(first, RandomOrientation(big, seed=2).flips)
    assert 60 < first.sum() < 140
    assert RandomOrientation(big, seed=1, p=0.0).flips.sum() == 0
    with pytest.raises(ValueError, match=r"p must be a probability in \[0, 1\], got 1.5"):
        RandomOrientation(ds, p=1.5)


def test_wrapper_subset_and_split():
    ds, values = make()
    aug = RandomOrientation(ds, seed=0, p=1.0)
    splits = split_by_chromosome(aug, validation=["chr2"], test=["chr3"])
    assert isinstance(splits.train, RandomOrientation)
    np.testing.assert_array_equal(splits.train[:], values[[0, 1, 4], ::-1, ::-1])


def test_random_shift_rolls_with_zero_fill():
    ds, values = make()
    aug = RandomShift(ds, shift=2, seed=3)
    offsets = aug.offsets
    assert offsets.min() >= -2 and offsets.max() <= 2 and offsets.dtype == np.int64
    batch = aug[:]
    for i, s in enumerate(offsets):
        expected = np.zeros_like(values[i])
        for j in range(4):
            if 0 <= j + s < 4:
                expected[j] = values[i, j + s]
        np.testing.assert_array_equal(batch[i], expected)
    np.testing.assert_array_equal(RandomShift(ds, shift=2, seed=3).offsets, offsets)
    np.testing.assert_array_equal(RandomShift(ds, shift=0).offsets, 0)
    with pytest.raises(ValueError, match="shift must be >= 0"):
        RandomShift(ds, shift=-1)


def test_wrappers_compose():
    ds, values = make()
    aug = RandomOrientation(RandomShift(ds, shift=1, seed=5), seed=5, p=1.0)
    shifted = RandomShift(ds, shift=1, seed=5)[:]
    np.testing.assert_array_equal(aug[:], shifted[:, ::-1, ::-1])
    inner_flip = RandomShift(RandomOrientation(ds, seed=5, p=1.0), shift=1, seed=5)
    assert inner_flip[:].shape == values.shape


def test_reversed_conditions_reverses_the_condition_axis_only():
    from genomic_tensors.dataset import ReversedConditions

    values = np.arange(3 * 4 * 2 * 2, dtype=np.float32).reshape(3, 4, 2, 2)
    regions = pd.DataFrame({"chrom": ["chr1", "chr1", "chr3"], "start": [0, 4, 0], "end": [4, 8, 4]})
    ds = GenomicDataset(regions, make_storage(values), conditions=["roadmap", "encode"])
    view = ReversedConditions(split_by_chromosome(ds, validation=["chr2"], test=["chr3"]).train)
    batch = view[np.array([0, 1])]
    np.testing.assert_array_equal(batch, values[[0, 1], ..., ::-1])
    np.testing.assert_array_equal(batch[:, :, 0, :], values[[0, 1], :, 0, ::-1])  # strands untouched
    assert batch.flags.c_contiguous and batch.dtype == np.float32
    np.testing.assert_array_equal(view[1], values[1, ..., ::-1])
    assert view.conditions == ["encode", "roadmap"] and ds.conditions == ["roadmap", "encode"]
    assert len(view) == 2 and view.shape == (2, 4, 2, 2) and view.ndim == 4
    assert view.dtype == np.float32 and list(view.regions["chrom"]) == ["chr1", "chr1"]

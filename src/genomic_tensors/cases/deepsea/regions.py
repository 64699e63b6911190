"""DeepSEA's region set and its split: 200-bp grid bins that a TF feature covers for half the bin, split
into training, validation and test sets (the regions rule).

Coordinates are 0-based, half-open (BED); outputs are in genome order (the order of the chromosome sizes).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from genomic_tensors.recipes import (
    BED3,
    check_split_chromosomes,
    empty_bed3,
    genome_sort,
    known_chromosomes,
    write_bed,
)
from genomic_tensors.regions import (
    merge_spans,
    past_chromosome_ends,
    read_chrom_sizes,
    read_regions,
)

__all__ = ["RegionSettings", "Split", "split_bins", "tf_bins", "write_regions"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RegionSettings:
    """The config's ``deepsea.regions`` section: bin size, the half-bin rule, the test chromosomes and the
    seeded block-wise validation draw (see :func:`tf_bins` and :func:`split_bins`)."""

    binsize: int
    min_overlap: float
    test: Sequence[str]
    validation_fraction: float
    block_size: int
    seed: int


@dataclass(frozen=True)
class Split:
    """Training, validation and test regions (BED3 frames, genome order)."""

    train: pd.DataFrame
    validation: pd.DataFrame
    test: pd.DataFrame


def _covered_bins(
    starts: np.ndarray, ends: np.ndarray, binsize: int
) -> tuple[np.ndarray, np.ndarray]:
    """Grid bins touched by disjoint intervals and the bases of each that the intervals cover."""
    first, last = starts // binsize, (ends - 1) // binsize
    counts = last - first + 1
    offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    bins = np.repeat(first, counts) + offsets
    overlap = np.minimum(np.repeat(ends, counts), (bins + 1) * binsize) - np.maximum(
        np.repeat(starts, counts), bins * binsize
    )
    unique, inverse = np.unique(bins, return_inverse=True)
    return unique, np.bincount(inverse, weights=overlap)


def tf_bins(
    peak_files: Sequence[str | Path],
    chrom_sizes: str | Path | Mapping[str, int],
    *,
    binsize: int = 200,
    min_overlap: float = 0.5,
) -> pd.DataFrame:
    """DeepSEA's region set: grid bins that one feature covers for ``min_overlap`` of the bin.

    The grid is ``[i * binsize, (i + 1) * binsize)`` per chromosome (a trailing partial bin is
    left out). For each file its peaks are merged, so that a bin's coverage by one feature counts
    each base once; a bin is kept when, for at least one file, the covered bases are
    ``>= min_overlap * binsize``. Peaks on chromosomes absent from ``chrom_sizes`` are ignored.

    Returns
    -------
    pandas.DataFrame
        BED3 (``chrom``, ``start``, ``end`` int64), genome order.
    """
    if binsize < 1 or not 0 < min_overlap <= 1:
        raise ValueError(
            f"tf_bins: need binsize >= 1 and 0 < min_overlap <= 1, got {binsize}, {min_overlap}"
        )
    sizes = dict(chrom_sizes) if isinstance(chrom_sizes, Mapping) else read_chrom_sizes(chrom_sizes)
    chosen = {chrom: np.zeros(size // binsize, dtype=bool) for chrom, size in sizes.items()}
    for path in peak_files:
        peaks = read_regions(path)
        peaks = peaks[peaks["chrom"].isin(list(sizes))]
        beyond = int(past_chromosome_ends(peaks, sizes).sum())
        if beyond:  # DeepSEA's recipe: bins of a genome-wide grid, none past a chromosome's end
            log.warning("%s: %d peak(s) end past their chromosome's end: the grid has no bin there, "
                        "so only their parts inside count", path, beyond)
        for chrom, group in peaks.groupby("chrom", sort=False):
            starts, ends = merge_spans(group["start"].to_numpy(), group["end"].to_numpy())
            bins, covered = _covered_bins(starts, ends, binsize)
            hit = bins[(covered >= min_overlap * binsize) & (bins < len(chosen[chrom]))]
            chosen[chrom][hit] = True
    parts = [
        pd.DataFrame({"chrom": chrom, "start": np.flatnonzero(mask).astype(np.int64) * binsize})
        for chrom, mask in chosen.items()
        if mask.any()
    ]
    if not parts:
        return empty_bed3()
    out = pd.concat(parts, ignore_index=True)
    out["end"] = out["start"] + binsize
    return out


def split_bins(
    bins: pd.DataFrame,
    *,
    test_chroms: Sequence[str],
    validation_fraction: float = 0.1,
    block_size: int = 100,
    seed: int = 1,
    binsize: int = 200,
) -> Split:
    """Split region bins: test chromosomes, then a seeded block-wise validation draw.

    Bins on ``test_chroms`` form the test set. The other bins are grouped into blocks of the
    genome grid, ``block_size`` bins long (``[k * block_size * binsize, (k+1) * block_size *
    binsize)`` on each chromosome), so that neighbouring bins, whose context windows overlap, stay
    together. The blocks are shuffled with ``numpy.random.default_rng(seed)`` and drawn into the
    validation set until it holds at least ``validation_fraction`` of the non-test bins; the rest
    is training. At least one block stays for training (a single block gives an empty validation
    set). Same input and seed, same split.
    """
    if not 0 < validation_fraction < 1 or block_size < 1:
        raise ValueError(
            "split_bins: need 0 < validation_fraction < 1 and block_size >= 1, got "
            f"{validation_fraction}, {block_size}"
        )
    bins = bins[BED3].reset_index(drop=True)
    is_test = bins["chrom"].isin(list(test_chroms)).to_numpy()
    rest = bins[~is_test].reset_index(drop=True)
    validation_mask = np.zeros(len(rest), dtype=bool)
    if len(rest):
        block = rest["start"].to_numpy(np.int64) // (block_size * binsize)
        keys = pd.MultiIndex.from_arrays([rest["chrom"].to_numpy(), block])
        codes, uniques = pd.factorize(keys)  # block ids in order of first appearance
        n_blocks = len(uniques)
        counts = np.bincount(codes, minlength=n_blocks)
        order = np.random.default_rng(seed).permutation(n_blocks)
        reached = np.cumsum(counts[order]) >= validation_fraction * len(rest)
        take = int(np.argmax(reached)) + 1 if reached.any() else n_blocks
        take = min(take, n_blocks - 1)  # training keeps at least one block
        validation_mask = np.isin(codes, order[:take])
    chroms = list(dict.fromkeys(bins["chrom"]))
    return Split(
        genome_sort(rest[~validation_mask], chroms),
        genome_sort(rest[validation_mask], chroms),
        genome_sort(bins[is_test], chroms),
    )


def _region_bins(
    sizes: Mapping[str, int],
    settings: RegionSettings,
    tf_peak_files: Sequence[str | Path],
    bins_file: str | Path | None,
) -> pd.DataFrame:
    """The bins of ``bins_file`` on the genome's chromosomes, else those :func:`tf_bins` rebuilds."""
    if bins_file is not None:
        bins, _ = known_chromosomes(read_regions(bins_file)[BED3], sizes, str(bins_file))
        return genome_sort(bins, list(sizes))
    if tf_peak_files:
        return tf_bins(
            tf_peak_files, sizes, binsize=settings.binsize, min_overlap=settings.min_overlap
        )
    raise ValueError("deepsea regions: give tf_peak_files (no TF feature in the list?) or bins_file")


def write_regions(
    chrom_sizes: str | Path,
    outputs: Mapping[str, str | Path],
    settings: RegionSettings,
    *,
    tf_peak_files: Sequence[str | Path] = (),
    bins_file: str | Path | None = None,
) -> Split:
    """DeepSEA's regions, split and written as BED3 (the regions rule).

    The bins come from ``bins_file`` (DeepSEA's own ``allTFs.pos.bed``) when given, else they are
    rebuilt from ``tf_peak_files`` with :func:`tf_bins`; then :func:`split_bins`. ``outputs`` maps
    ``train``, ``validation`` and ``test`` to their BED files.

    Raises
    ------
    ValueError
        Neither source of bins given, no bin at all, or a test chromosome without bins.
    """
    sizes = read_chrom_sizes(chrom_sizes)
    bins = _region_bins(sizes, settings, tf_peak_files, bins_file)
    if bins.empty:
        raise ValueError(
            "deepsea regions: no region bin (do the TF peaks lie on the "
            f"chromosomes of {chrom_sizes}?)"
        )
    check_split_chromosomes(
        {"deepsea.regions.test": settings.test}, sizes, bins, what="region bins"
    )
    split = split_bins(
        bins,
        test_chroms=settings.test,
        validation_fraction=settings.validation_fraction,
        block_size=settings.block_size,
        seed=settings.seed,
        binsize=settings.binsize,
    )
    for name in ("train", "validation", "test"):
        write_bed(getattr(split, name), outputs[name])
    return split

"""The tensors of case 2 from files: k-mer codes of the context windows and the labels of every feature.

- Sequence (:func:`write_sequence`): a :class:`~genomic_tensors.sequence.Bioseq` over a split's 200-bp bins
  with the flank that makes the context window, one byte per base of the genome spans the windows cover
  (positions past a chromosome end are N, never shifted). The model reads ``seq.codes``: int32 k-mer codes,
  ``-1`` where a k-mer holds an N, one-hot on the device, never one-hot on disk or for all windows.
- Labels (:func:`write_labels`): a sparse :class:`~genomic_tensors.coverage.Cover`, one condition per
  feature in output order, 1 where the feature's peaks cover at least ``min_overlap`` of the bin (DeepSEA's
  half-bin rule). A batch reads as float32 ``(batch, 1, 1, features)``.

Both are saved with the datasets' own bundle format (``.npz``) and read back by :func:`load_sequence` and
:func:`load_labels`. Windows are unstranded.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from genomic_tensors.cases.deepsea.features import read_features
from genomic_tensors.coverage import Cover
from genomic_tensors.regions import read_regions
from genomic_tensors.sequence import Bioseq

__all__ = ["load_labels", "load_sequence", "window_flank", "write_labels", "write_sequence"]

log = logging.getLogger(__name__)


# -------------------------------------------------------------------------------------------- sequence
def window_flank(bins: pd.DataFrame, window: int) -> int:
    """The flank (bp each side) that makes ``window``-bp windows of the equal-length, unstranded ``bins``.

    Raises
    ------
    ValueError
        Minus-strand bins, bins of several lengths, or a window that does not exceed the bin length by an
        even number of bp.
    """
    if (bins["strand"] == "-").any():
        raise ValueError("deepsea windows are unstranded; got minus-strand regions")
    lengths = (bins["end"] - bins["start"]).unique()
    if len(lengths) != 1:
        raise ValueError(f"regions must share one length; got lengths {sorted(lengths)[:5]}")
    extra = int(window) - int(lengths[0])
    if extra < 0 or extra % 2:
        raise ValueError(
            f"window {window} bp must exceed the {lengths[0]}-bp bins by an even number of bp"
        )
    return extra // 2


def write_sequence(
    fasta: str | Path, regions: str | Path, output: str | Path, *, window: int, order: int
) -> Bioseq:
    """Build the sequence input of one split (``window``-bp windows, k-mer ``order``) and save it (the
    sequence rule)."""
    bins = read_regions(regions)
    seq = Bioseq.from_fasta(
        fasta, bins, flank=window_flank(bins, window), order=order, strand_aware=False
    )
    seq.save(output)
    log.info(
        "%s: %d windows of %d bp, order %d; %d bytes held (%.2f per window base)",
        output,
        len(seq),
        window,
        order,
        seq.nbytes,
        seq.nbytes / max(1, len(seq) * window),
    )
    return seq


def load_sequence(path: str | Path) -> Bioseq:
    """Read a split's sequence input written by :func:`write_sequence`."""
    return Bioseq.load(path)


# ---------------------------------------------------------------------------------------------- labels
def write_labels(
    regions: Mapping[str, str | Path],
    features: str | Path,
    peak_files: Sequence[str | Path],
    outputs: Mapping[str, str | Path],
    *,
    min_overlap: float,
) -> None:
    """Label every split's bins for every feature and write one file per split (the labels rule).

    ``regions`` and ``outputs`` map split names (train, validation, test) to the region BED and the label
    file; ``peak_files`` follow the order of the ``features`` table, whose names label the columns.
    """
    table = read_features(features)
    if len(peak_files) != len(table):
        raise ValueError(
            f"{features}: {len(table)} features but {len(peak_files)} peak files were given"
        )
    for split, bed in regions.items():
        labels = Cover.from_bed(
            list(peak_files),
            bed,
            min_overlap=min_overlap,
            conditions=table["feature"].tolist(),
            strand_aware=False,
            storage="sparse",
        )
        labels.save(outputs[split])
        log.info("%s: %d bins x %d features", split, len(labels), len(labels.conditions))


def load_labels(path: str | Path) -> Cover:
    """Read a split's labels written by :func:`write_labels`."""
    return Cover.load(path)

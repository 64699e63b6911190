"""Tensors of case 3 from files: promoter signal summaries, the per-fold split and one fold's inputs.

:func:`promoter_signals` summarises the raw signals of every promoter once (CAGE 5'-end read counts summed
over the promoter +- 400 bp, DNase 5'-end counts summed over +- 200 bp, H3K4me3 bigWig mean over
+- 200 bp). Each training job then splits the promoters by chromosome (:func:`fold_masks`) and builds its
fold's tensors (:func:`fold_data`): every signal becomes ``z-score(log(x + 1))`` through
:class:`genomic_tensors.normalize.ZScoreLog` fitted on the fold's training promoters only, then applied to
every promoter (no leakage from the validation or test chromosomes), and the DNA windows are one-hot
encoded when the run reads DNA.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from genomic_tensors.cases.base import read_table
from genomic_tensors.cases.cage.grid import Run

__all__ = [
    "PROMOTER_COLUMNS",
    "SIGNALS",
    "SIGNAL_COLUMNS",
    "FoldData",
    "FoldMasks",
    "fold_data",
    "fold_masks",
    "log_zscores",
    "promoter_dna",
    "promoter_signals",
    "read_signals",
    "select_inputs",
]

logger = logging.getLogger("genomic_tensors")

PROMOTER_COLUMNS = ["chrom", "start", "end", "name", "strand"]
"""The promoter columns of the signal table and of the predictions (BED, without flank)."""

SIGNALS = ("cage", "dnase", "h3k4me3")
"""Columns of the promoter signal table: the target, then the two chromatin inputs (model input names)."""

SIGNAL_COLUMNS = [*PROMOTER_COLUMNS, *SIGNALS]
"""Columns of the promoter signal table, in this order (a contract between the signal and training jobs)."""


# ------------------------------------------------------------------------------------------- signals
def promoter_signals(
    promoters: pd.DataFrame | str | Path,
    *,
    cage_bam: str | Path,
    dnase_bam: str | Path,
    h3k4me3_bigwig: str | Path,
    flanks: Mapping[str, int],
    dnase_paired_end: str = "5prime",
    min_mapq: int = 0,
    genome: str | Path | None = None,
) -> pd.DataFrame:
    """Raw signal summaries of each promoter (no transform: :func:`log_zscores` is fitted per fold later).

    Parameters
    ----------
    promoters
        The promoter ROI (BED6 path or DataFrame with chrom, start, end, name, strand), 0-based half-open.
    cage_bam, dnase_bam
        Indexed BAM files. One count per read at its 5' end (forward: first aligned base; reverse: last
        aligned base), both strands together; the DNase library is paired-end and each mate's 5' end counts
        (``dnase_paired_end="5prime"``).
    h3k4me3_bigwig
        bigWig of the H3K4me3 signal.
    flanks
        ``{"cage": 400, "chromatin": 200}``: bp added on each side of the promoter for the CAGE sum and for
        both chromatin summaries.
    genome
        The genome's ``.fai``: the BAM and bigWig headers must give the promoters' chromosomes the same
        lengths (else a file comes from another assembly, an error).

    Returns
    -------
    pandas.DataFrame
        One row per promoter in ROI order, columns :data:`SIGNAL_COLUMNS`: the promoter (without flank),
        ``cage`` (float, summed 5' counts over ``[start - flanks.cage, end + flanks.cage)``), ``dnase`` (summed
        5' counts over ``[start - flanks.chromatin, end + flanks.chromatin)``), ``h3k4me3`` (mean signal per bp
        over the same window, positions outside the chromosome or without data count as 0).
    """
    for key in ("cage", "chromatin"):
        if key not in flanks:
            raise ValueError(f"flanks must give {key!r} (bp on each side of the promoter), got {dict(flanks)}")
    from genomic_tensors.coverage import Cover
    from genomic_tensors.regions import read_regions

    roi = read_regions(promoters)
    if len(roi) == 0:
        source = "" if isinstance(promoters, pd.DataFrame) else f" {promoters}"
        raise ValueError(f"the promoter ROI{source} is empty: no promoters to summarise")
    common = dict(resolution=None, stranded=False, min_mapq=min_mapq, genome=genome)
    cage = Cover.from_bam(cage_bam, roi, flank=flanks["cage"], collapse="sum", **common)
    dnase = Cover.from_bam(
        dnase_bam, roi, flank=flanks["chromatin"], collapse="sum", paired_end=dnase_paired_end, **common
    )
    h3k4me3 = Cover.from_bigwig(
        h3k4me3_bigwig, roi, flank=flanks["chromatin"], resolution=None, collapse="mean", genome=genome
    )
    table = roi[PROMOTER_COLUMNS].reset_index(drop=True).copy()
    for column, cover in (("cage", cage), ("dnase", dnase), ("h3k4me3", h3k4me3)):
        values = np.asarray(cover[np.arange(len(cover))], dtype=np.float64)
        table[column] = values.reshape(len(table), -1).sum(axis=1)
    return table


def read_signals(path: str | Path) -> pd.DataFrame:
    """The promoter signal table written from :func:`promoter_signals` (columns :data:`SIGNAL_COLUMNS`)."""
    return read_table(path, SIGNAL_COLUMNS, dtype={"chrom": str, "name": str})


# -------------------------------------------------------------------------------------------- splits
class FoldMasks(NamedTuple):
    """Boolean row masks (n_promoters,) of one fold."""

    train: np.ndarray
    validation: np.ndarray
    test: np.ndarray


def fold_masks(chroms: Sequence[str] | pd.Series, *, validation: str, test: Sequence[str]) -> FoldMasks:
    """Split promoters by chromosome: test = ``test``, validation = ``validation``, training = the rest.

    Raises a ValueError when the validation chromosome is also a test chromosome, or when a split is empty.
    """
    chroms = np.asarray(chroms, dtype=object)
    test = list(test)
    if validation in test:
        raise ValueError(f"validation chromosome {validation!r} is also a test chromosome ({test})")
    is_test = np.isin(chroms, test)
    is_validation = chroms == validation
    is_train = ~(is_test | is_validation)
    for label, mask, wanted in (
        ("test", is_test, test),
        ("validation", is_validation, [validation]),
        ("training", is_train, ["every other chromosome"]),
    ):
        if not mask.any():
            present = sorted(set(chroms.tolist()))[:8]
            raise ValueError(
                f"no promoters in the {label} split ({', '.join(wanted)}); promoter chromosomes include "
                f"{', '.join(present)}"
            )
    return FoldMasks(is_train, is_validation, is_test)


# ------------------------------------------------------------------------------------- fold tensors
def log_zscores(table: pd.DataFrame, columns: Sequence[str], train: np.ndarray) -> dict[str, np.ndarray]:
    """``z-score(log(x + 1))`` of each column, fitted on the rows in ``train`` and applied to every row.

    Through :class:`genomic_tensors.normalize.ZScoreLog` (population sd, ``ddof=0``). A column whose
    training values are all equal has sd 0: the core then divides by 1 (the values are only centred),
    which is logged as a warning.

    Returns
    -------
    dict of str to numpy.ndarray
        float32 ``(n, 1, 1, 1)`` per column, rows in table order.
    """
    from genomic_tensors.normalize import ZScoreLog

    scores = {}
    for name in columns:
        values = table[name].to_numpy(dtype=np.float64)
        if not np.all(np.isfinite(values)) or np.any(values < 0):
            bad = values[~np.isfinite(values) | (values < 0)][0]
            raise ValueError(
                f"cannot fit the log z-score of {name}: value {bad} is negative or not finite "
                "(expected counts or mean signals >= 0)"
            )
        fitted = values[train]
        if fitted.size and np.all(fitted == fitted[0]):
            logger.warning(
                "all %d training values of %s are equal (%s): its log z-score is only centred",
                fitted.size, name, fitted[0],
            )
        norm = ZScoreLog().fit(fitted.reshape(-1, 1, 1, 1))
        scores[name] = norm.transform(values.reshape(-1, 1, 1, 1))
    return scores


def promoter_dna(fasta: str | Path, promoters: pd.DataFrame, *, flank: int, order: int) -> Any:
    """One-hot DNA of each promoter +- ``flank`` (a :class:`~genomic_tensors.sequence.Bioseq`).

    The window of a promoter ``[start, end)`` is ``[start - flank, end + flank)``, N-padded outside the
    chromosome; a minus-strand promoter's window is reverse-complemented, so every window reads 5' to 3'
    on the gene's strand. Shape ``(n, end - start + 2 * flank - order + 1, 4**order)``, float32.
    """
    from genomic_tensors.sequence import Bioseq

    return Bioseq.from_fasta(fasta, promoters, flank=flank, order=order, strand_aware=True)


class FoldData(NamedTuple):
    """One fold's tensors, rows in signal-table order.

    ``target`` is the log z-scored CAGE, float32 ``(n, 1)``; ``inputs`` maps the model's input names
    (``dnase``, ``h3k4me3``: float32 ``(n, 1, 1, 1)``; ``dna``: a Bioseq) to the whole table's values;
    ``length`` is the DNA window in bp (None without DNA).
    """

    masks: FoldMasks
    target: np.ndarray
    inputs: dict[str, Any]
    length: int | None


def fold_data(
    table: pd.DataFrame,
    *,
    run: Run,
    fold: str,
    test: Sequence[str],
    fasta: str | Path | None,
    dna_flank: int,
) -> FoldData:
    """The tensors of ``run`` in the fold whose validation chromosome is ``fold`` (see :class:`FoldData`).

    The log z-scores are fitted on the fold's training promoters; the DNA windows (promoter +-
    ``dna_flank``, minus strand reverse-complemented) are read from ``fasta`` when the run uses DNA.
    """
    masks = fold_masks(table["chrom"], validation=fold, test=test)
    logger.info(
        "CAGE %s fold %s: %d training, %d validation, %d test promoters",
        run.name, fold, masks.train.sum(), masks.validation.sum(), masks.test.sum(),
    )
    target = log_zscores(table, SIGNALS[:1], masks.train)["cage"].reshape(-1, 1)
    inputs: dict[str, Any] = {}
    if run.uses_chromatin:
        inputs.update(log_zscores(table, SIGNALS[1:], masks.train))
    length = None
    if run.uses_dna:
        if fasta is None:
            raise ValueError(f"run {run.name} uses DNA: a genome FASTA is needed")
        inputs["dna"] = promoter_dna(fasta, table[PROMOTER_COLUMNS], flank=dna_flank, order=run.order)
        length = int(inputs["dna"].shape[1]) + run.order - 1
    return FoldData(masks, target, inputs, length)


def select_inputs(data: FoldData, mask: np.ndarray, run: Run) -> Any:
    """The inputs of the rows in ``mask``: views of Bioseq datasets, copies of small arrays; a single-input
    model (DNA) gets its one dataset rather than a dict."""
    index = np.flatnonzero(mask)
    views = {
        key: (value.subset(index) if hasattr(value, "subset") else value[index])
        for key, value in data.inputs.items()
    }
    return views["dna"] if run.model == "dna" else views

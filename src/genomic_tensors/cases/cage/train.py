"""One training job of case 3: a (run, fold) grid point -> fit -> predict -> one metrics row.

:func:`train_fold` reads the promoter signal table, builds the fold's tensors
(:func:`~genomic_tensors.cases.cage.data.fold_data`), trains with mean absolute error and early stopping on
the validation chromosome (:func:`genomic_tensors.training.fit`), predicts the validation and test
promoters (:func:`genomic_tensors.training.predict`) and scores them (:func:`metrics_row`, Pearson r from
:func:`genomic_tensors.evaluate.pearson_r`).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from genomic_tensors.cases.cage.data import (
    PROMOTER_COLUMNS,
    SIGNALS,
    FoldData,
    fold_data,
    read_signals,
    select_inputs,
)
from genomic_tensors.cases.cage.grid import Run, parse_run
from genomic_tensors.cases.cage.tables import METRIC_COLUMNS
from genomic_tensors.devices import RunOptions
from genomic_tensors.modelcard import CardTarget, ModelCard, describe_inputs, fit_summary, package_versions
from genomic_tensors.modelcard import write_card as _write_card_file

__all__ = ["TrainSettings", "metrics_row", "model_factory", "predict_splits", "train_fold"]

logger = logging.getLogger("genomic_tensors")


@dataclass(frozen=True)
class TrainSettings:
    """What every job of the grid shares (the ``cage`` and ``training`` config sections).

    Attributes
    ----------
    test : sequence of str
        The test chromosomes (the paper: chr1).
    dna_flank : int
        bp of DNA on each side of the promoter.
    dropout : float
        Input dropout of the DNA models at orders 2 and 3 (the paper: none at order 1).
    epochs, batch_size, patience : int
        At most ``epochs``; early stopping after ``patience`` epochs without a better validation MAE.
    batchnorm_momentum : float
        Momentum of the moving statistics of every BatchNormalization layer (Keras' and the paper's 0.99).
        At 0.99 the statistics need a few hundred batches to settle, which a small training set (the demo
        world: ~10 batches per epoch) does not give before early stopping restores an untrained epoch; a
        smaller momentum is a demo knob, not the paper's choice.
    """

    test: Sequence[str]
    dna_flank: int
    dropout: float
    epochs: int
    batch_size: int
    patience: int
    batchnorm_momentum: float = 0.99


def train_fold(
    signals: str | Path,
    fasta: str | Path | None,
    *,
    run: str,
    fold: str,
    seed: int,
    settings: TrainSettings,
    outdir: str | Path,
    options: RunOptions | None = None,
    card: CardTarget | None = None,
) -> pd.DataFrame:
    """Train one (run, fold) and evaluate it on the test chromosomes.

    Writes into ``outdir``: ``model.keras``, ``history.tsv``, ``predictions.tsv`` (validation and test
    promoters: chrom, start, end, name, strand, split, observed, predicted; z-scored units) and
    ``metrics.tsv`` (one row, :data:`~genomic_tensors.cases.cage.tables.METRIC_COLUMNS`). Returns the
    metrics row.

    Parameters
    ----------
    signals
        The promoter signal table (:func:`~genomic_tensors.cases.cage.data.promoter_signals`).
    fasta
        The genome FASTA; None for the chromatin model, which reads no DNA.
    run, fold
        The run name (``dna_order2``, ``chromatin``, ...) and the validation chromosome.
    seed
        Seeds the initial weights and the batch order.
    settings
        What the grid's jobs share (:class:`TrainSettings`).
    options
        From :func:`genomic_tensors.devices.prepare`: precision, XLA compilation and op determinism.
    card
        Where to write the model card (:mod:`genomic_tensors.modelcard`), after everything else.
    """
    from genomic_tensors import training

    spec = parse_run(run)
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    table = read_signals(signals)
    data = fold_data(
        table, run=spec, fold=fold, test=settings.test, fasta=fasta, dna_flank=settings.dna_flank
    )
    masks = data.masks
    result = training.fit(
        model_factory(spec, data.length, settings.dropout, settings.batchnorm_momentum),
        (select_inputs(data, masks.train, spec), data.target[masks.train]),
        (select_inputs(data, masks.validation, spec), data.target[masks.validation]),
        loss="mean_absolute_error",
        batch_size=settings.batch_size,
        epochs=settings.epochs,
        patience=settings.patience,
        seed=seed,
        model_path=outdir / "model.keras",
        history_path=outdir / "history.tsv",
        **(options or RunOptions()).fit_kwargs(),
    )
    logger.info(
        "CAGE %s fold %s: best epoch %d of %d (val MAE %.4f)",
        run, fold, result.best_epoch, result.epochs_run, result.best_loss,
    )
    predictions = predict_splits(result.model, table, data, spec, batch_size=settings.batch_size)
    predictions.to_csv(outdir / "predictions.tsv", sep="\t", index=False, float_format="%.6g")
    metrics = metrics_row(predictions, run=spec, fold=fold)
    metrics.to_csv(outdir / "metrics.tsv", sep="\t", index=False)
    if card is not None:
        job = {"run": run, "fold": fold, "seed": seed, "settings": settings}
        _write_card(card, spec, job, table, data, result, metrics.iloc[0])
    return metrics


def _signal_statistics(table: pd.DataFrame, names: Sequence[str], train: np.ndarray) -> dict[str, Any]:
    """The card's ``normalization``: each signal's ZScoreLog statistics fitted on the fold's training
    promoters, as :func:`~genomic_tensors.cases.cage.data.log_zscores` fitted them."""
    from genomic_tensors.normalize import ZScoreLog

    entries = {}
    for name in names:
        values = table[name].to_numpy(dtype=np.float64)[train].reshape(-1, 1, 1, 1)
        state = ZScoreLog().fit(values).state()
        entries[name] = {
            "method": "zscorelog", "fitted_on": "the fold's training promoters",
            "statistics": {"mean": state["mean"], "std": state["std"]},
        }  # fmt: skip
    return entries


def _write_card(
    target: CardTarget, spec: Run, job: dict[str, Any], table: pd.DataFrame, data: FoldData,
    result: Any, row: pd.Series,
) -> None:  # fmt: skip
    """Write the model card of a trained (run, fold): the target's and the chromatin inputs' fitted
    log z-score statistics, Pearson r on validation and test."""
    settings: TrainSettings = job["settings"]
    signals = [SIGNALS[0]] + ([*SIGNALS[1:]] if spec.uses_chromatin else [])
    training = {
        "run": spec.name, "model": spec.model, "fold": job["fold"], "seed": int(job["seed"]),
        "loss": "mean_absolute_error", "test_chromosomes": list(settings.test),
        "dropout": 0.0 if spec.order == 1 else settings.dropout, "epochs": settings.epochs,
        "batch_size": settings.batch_size, "patience": settings.patience,
        "batchnorm_momentum": settings.batchnorm_momentum, **fit_summary(result),
    }  # fmt: skip
    metrics = {
        "validation": {"pearson": float(row["pearson_validation"]), "loss": float(result.best_loss)},
        "test": {"pearson": float(row["pearson"]), "mae": float(row["mae"]), "n": int(row["n_test"])},
    }
    card = ModelCard(
        case="cage", name=target.name, genome=target.genome, window=data.length,
        flank=settings.dna_flank if spec.uses_dna else None,
        order=spec.order if spec.uses_dna else None, strands="both" if spec.uses_dna else None,
        inputs=describe_inputs(result.model, {"dna": "dna", "dnase": "signal", "h3k4me3": "signal"}),
        outputs=["cage"], normalization=_signal_statistics(table, signals, data.masks.train),
        training=training, metrics=metrics, versions=package_versions(),
    )  # fmt: skip
    _write_card_file(card, target.path)
    logger.info("model card: %s", target.path)


def model_factory(
    run: Run, length: int | None, dropout: float, batchnorm_momentum: float = 0.99
) -> Callable[[], Any]:
    """A factory of the run's model, so that the initial weights follow the job's seed (training.fit seeds,
    then builds). No input dropout at order 1 (the paper); ``length`` is the DNA window in bp."""
    from genomic_tensors import models

    rate = 0.0 if run.order == 1 else dropout
    if run.model == "dna":
        factory = functools.partial(models.cage_dna, run.order, rate, length=length)
    elif run.model == "chromatin":
        factory = functools.partial(models.cage_chromatin)
    else:
        factory = functools.partial(models.cage_combined, run.order, rate, length=length)
    if batchnorm_momentum != 0.99:
        factory = functools.partial(_with_batchnorm_momentum, factory, batchnorm_momentum)
    return factory


def _with_batchnorm_momentum(factory: Callable[[], Any], momentum: float) -> Any:
    """Build ``factory()`` and set the moving-statistics momentum of its BatchNormalization layers."""
    import keras

    if not 0.0 <= momentum < 1.0:
        raise ValueError(f"batchnorm_momentum must be in [0, 1), got {momentum}")
    model = factory()
    for layer in model.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            layer.momentum = float(momentum)
    return model


def predict_splits(
    model: Any, table: pd.DataFrame, data: FoldData, run: Run, *, batch_size: int
) -> pd.DataFrame:
    """Predictions of the validation, then the test promoters: the promoter columns, ``split``,
    ``observed`` and ``predicted`` (z-scored units)."""
    from genomic_tensors import training

    rows = []
    for split, mask in (("validation", data.masks.validation), ("test", data.masks.test)):
        inputs = select_inputs(data, mask, run)
        predicted = np.asarray(training.predict(model, inputs, batch_size=batch_size)).reshape(-1)
        part = table.loc[mask, PROMOTER_COLUMNS].copy()
        part["split"] = split
        part["observed"] = data.target[mask, 0]
        part["predicted"] = predicted
        rows.append(part)
    return pd.concat(rows, ignore_index=True)


def metrics_row(predictions: pd.DataFrame, *, run: Run, fold: str) -> pd.DataFrame:
    """The one-row metrics table of a trained model from its predictions (columns ``split``, ``observed``,
    ``predicted``): Pearson r on the test and validation promoters, mean absolute error and count on test."""
    from genomic_tensors.evaluate import pearson_r

    test = predictions[predictions["split"] == "test"]
    validation = predictions[predictions["split"] == "validation"]
    if len(test) == 0:
        raise ValueError(f"{run.name} fold {fold}: no test predictions")
    row = {
        "model": run.model,
        "order": run.order,
        "fold": fold,
        "pearson": pearson_r(test["observed"], test["predicted"]),
        "pearson_validation": pearson_r(validation["observed"], validation["predicted"]),
        "mae": float(np.mean(np.abs(test["observed"].to_numpy() - test["predicted"].to_numpy()))),
        "n_test": int(len(test)),
    }
    frame = pd.DataFrame([row], columns=METRIC_COLUMNS)
    frame["order"] = frame["order"].astype("Int64")
    return frame

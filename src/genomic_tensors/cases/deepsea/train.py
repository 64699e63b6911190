"""A grid point of case 2, fitted and scored: the run's model on k-mer codes, its training on the streamed
sequence and sparse labels, and its per-feature auPRC and auROC on the test set (the rows of the metrics
table).

The core does the work: :func:`genomic_tensors.training.fit` trains, :func:`genomic_tensors.evaluate.evaluate`
predicts (streamed, :func:`genomic_tensors.training.predict`) and scores. TensorFlow is imported inside the
functions.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from genomic_tensors.cases.deepsea.data import load_labels, load_sequence
from genomic_tensors.cases.deepsea.features import read_features
from genomic_tensors.cases.deepsea.grid import RunSpec, scaled_widths
from genomic_tensors.cases.deepsea.tables import METRIC_COLUMNS
from genomic_tensors.devices import RunOptions
from genomic_tensors.modelcard import CardTarget, ModelCard, describe_inputs, fit_summary, package_versions
from genomic_tensors.modelcard import write_card as _write_card_file

__all__ = [
    "TrainSettings",
    "build_model",
    "evaluate_run",
    "feature_scores",
    "load_split",
    "train_run",
    "write_run_card",
]

log = logging.getLogger(__name__)


def build_model(spec: RunSpec, n_outputs: int, *, width: float = 1.0):
    """The run's Keras model taking int32 k-mer codes (input ``"dna"``, one-hot on the device).

    Returns a ``keras.Model`` with input ``(batch, window - order + 1)`` int32 and output
    ``(batch, n_outputs)`` sigmoid probabilities.
    """
    from genomic_tensors import models

    factory = {"deepsea": models.deepsea, "danq": models.danq}[spec.model]
    return factory(
        spec.window,
        spec.order,
        spec.strands,
        n_outputs=int(n_outputs),
        input_codes=True,
        **scaled_widths(spec.model, width),
    )


def load_split(spec: RunSpec, sequence: str | Path, labels: str | Path) -> tuple[Any, Any]:
    """One split's ``(k-mer codes, labels)`` for ``spec``: the Bioseq's codes and the sparse Cover.

    Raises
    ------
    ValueError
        The files hold different numbers of windows, or the sequence another window or order.
    """
    x, y = load_sequence(sequence), load_labels(labels)
    if len(x) != len(y):
        raise ValueError(f"{sequence} has {len(x)} windows but {labels} has {len(y)} rows")
    if (x.window_length, x.order) != (spec.window, spec.order):
        raise ValueError(
            f"{sequence} holds window {x.window_length} order {x.order}; run {spec} needs "
            f"window {spec.window} order {spec.order}"
        )
    return x.codes, y


@dataclass(frozen=True)
class TrainSettings:
    """How a run trains (the config's ``deepsea`` section and ``training.patience``, and the seed): layer
    widths relative to the paper's, epochs, batch size, early-stopping patience and the seed."""

    width: float
    epochs: int
    batch_size: int
    patience: int
    seed: int


def train_run(
    spec: RunSpec,
    sequences: Mapping[str, str | Path],
    labels: Mapping[str, str | Path],
    outdir: str | Path,
    settings: TrainSettings,
    *,
    workers: int = 1,
    options: RunOptions | None = None,
    card: CardTarget | None = None,
    features: str | Path | None = None,
):
    """Train one run of the grid (the training rule): the paper's recipe on streamed codes and labels.

    ``sequences`` and ``labels`` map ``train`` and ``validation`` to the files written by
    :func:`~genomic_tensors.cases.deepsea.data.write_sequence` and
    :func:`~genomic_tensors.cases.deepsea.data.write_labels`. Writes ``model.keras``, ``history.tsv`` and
    ``train.log`` under ``outdir``; returns the :class:`genomic_tensors.training.FitResult`. ``options``
    (from :func:`genomic_tensors.devices.prepare`) sets precision, XLA compilation and op determinism.
    With ``card`` (and ``features``, the feature table naming the outputs) the model card is written
    after the model; it holds the validation loss, and no test metrics (``deepsea_evaluate`` scores the
    test set).
    """
    from genomic_tensors.training import fit

    if card is not None and features is None:
        raise ValueError("a DeepSEA model card needs the feature table (features=) naming the outputs")
    data = {
        split: load_split(spec, sequences[split], labels[split]) for split in ("train", "validation")
    }
    n_outputs = len(data["train"][1].conditions)
    log.info("run %s: %d outputs, width %.3g", spec, n_outputs, settings.width)
    factory = partial(build_model, spec, n_outputs, width=settings.width)
    result = fit(factory, data["train"], data["validation"], loss="binary_crossentropy",
                 batch_size=settings.batch_size, epochs=settings.epochs, seed=settings.seed,
                 patience=settings.patience, outdir=outdir, workers=workers,
                 **(options or RunOptions()).fit_kwargs())  # fmt: skip
    if card is not None:
        write_run_card(card, spec, settings, result, sequences["train"], features)
    return result


def write_run_card(
    target: CardTarget,
    spec: RunSpec,
    settings: TrainSettings,
    result: Any,
    sequence: str | Path,
    features: str | Path,
) -> None:
    """Write the model card of a trained run: the outputs are the feature table's names in output order;
    the validation loss comes from the training history; ``"test": None`` (scored by ``deepsea_evaluate``).

    Raises
    ------
    ValueError
        The feature table names another number of outputs than the model has.
    """
    names = read_features(features)["feature"].astype(str).tolist()
    n_outputs = int(result.model.outputs[0].shape[-1])
    if len(names) != n_outputs:
        raise ValueError(f"{features} names {len(names)} features; the model has {n_outputs} outputs")
    history = result.history
    best = history.loc[history["epoch"] == result.best_epoch].iloc[0]
    validation = {"loss": float(best["val_loss"]), "train_loss": float(best["loss"]),
                  "epoch": int(result.best_epoch)}  # fmt: skip
    training = {**asdict(settings), "loss": "binary_crossentropy", "model": spec.model,
                **fit_summary(result)}  # fmt: skip
    card = ModelCard(
        case="deepsea", name=target.name, genome=target.genome, window=spec.window,
        flank=int(load_sequence(sequence).flank), order=spec.order, strands=spec.strands,
        inputs=describe_inputs(result.model, {"dna": "dna"}), outputs=names, normalization=None,
        training=training, metrics={"validation": validation, "test": None},
        versions=package_versions(),
    )  # fmt: skip
    _write_card_file(card, target.path)
    log.info("model card: %s", target.path)


def feature_scores(table: pd.DataFrame) -> pd.DataFrame:
    """:func:`genomic_tensors.evaluate.metrics_table` rows (``auprc`` and ``auroc`` per output) as one row
    per output: ``auprc``, ``auroc`` and ``n_positive`` (int). A column without negatives has no auPRC
    either (NaN, as one without positives), so that only features with both classes are scored."""
    auprc = table[table["metric"] == "auprc"].reset_index(drop=True)
    auroc = table[table["metric"] == "auroc"].reset_index(drop=True)
    n_positive = auprc["n_positive"].to_numpy().astype(np.int64)
    both_classes = (n_positive > 0) & (n_positive < auprc["n"].to_numpy())
    return pd.DataFrame(
        {
            "auprc": np.where(both_classes, auprc["value"].to_numpy(), np.nan),
            "auroc": auroc["value"].to_numpy(),
            "n_positive": n_positive,
        }
    )


def evaluate_run(
    spec: RunSpec,
    model_path: str | Path,
    sequence: str | Path,
    labels: str | Path,
    features: str | Path,
    *,
    batch_size: int = 128,
) -> pd.DataFrame:
    """Per-feature metrics of one trained model on the test set: the run's rows of the metrics table."""
    from genomic_tensors.evaluate import evaluate
    from genomic_tensors.training import load_model

    table = read_features(features)
    x, y = load_split(spec, sequence, labels)
    scored = evaluate(
        load_model(model_path),
        x,
        y,
        batch_size=batch_size,
        names=table["feature"].tolist(),
        metrics=("auprc", "auroc"),
    )
    rows = pd.DataFrame(
        {
            "model": spec.model,
            "window": spec.window,
            "order": spec.order,
            "strands": spec.strands,
            "feature": table["feature"].to_numpy(),
            "category": table["category"].to_numpy(),
        }
    )
    return pd.concat([rows, feature_scores(scored.metrics)], axis=1)[METRIC_COLUMNS]

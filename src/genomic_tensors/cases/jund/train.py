"""One JunD training job: a grid point is fitted, then scored on the validation and test chromosomes.

The training split gets the flip augmentation when the setting asks for it; the test split sees the DNase
replicates swapped (:class:`genomic_tensors.dataset.ReversedConditions`), as in the paper.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from genomic_tensors.cases.jund.data import check_aligned, load_dataset
from genomic_tensors.cases.jund.grid import SPLITS, Setting, replicate_seed
from genomic_tensors.cases.jund.tables import PREDICTION_COLUMNS, metric_rows
from genomic_tensors.devices import RunOptions
from genomic_tensors.modelcard import CardTarget, ModelCard, describe_inputs, fit_summary, package_versions
from genomic_tensors.modelcard import write_card as _write_card_file

__all__ = ["scores", "train_and_evaluate"]

log = logging.getLogger(__name__)

#: The tensors each model family reads.
INPUTS = {"dna": ("dna",), "dnase": ("dnase",), "combined": ("dna", "dnase")}


def _model_factory(setting: Setting, inputs: Mapping[str, Any]):
    from genomic_tensors import models

    if "dna" in inputs:
        window = inputs["dna"].shape[1] + setting.order - 1  # k-mer positions -> bp
    if "dnase" in inputs:
        _, bins, strands, conditions = inputs["dnase"].shape
    if setting.model == "dna":
        return partial(models.jund_dna, setting.order, setting.dropout, window=window)
    if setting.model == "dnase":
        return partial(models.jund_dnase, bins=bins, strands=strands, conditions=conditions)
    return partial(
        models.jund_combined, setting.order, setting.dropout, window=window, dnase_bins=bins,
        dnase_strands=strands, dnase_conditions=conditions,
    )  # fmt: skip


def scores(labels: np.ndarray, predictions: np.ndarray) -> dict[str, float]:
    """auPRC (average precision), auROC and counts; NaN scores when a class is absent."""
    from genomic_tensors.evaluate import average_precision, roc_auc

    y = (np.asarray(labels).reshape(-1) > 0.5).astype(np.float64)
    p = np.asarray(predictions, dtype=np.float64).reshape(-1)
    n_pos = int(y.sum())
    both = 0 < n_pos < len(y)
    return {
        "auprc": average_precision(y, p) if both else math.nan,
        "auroc": roc_auc(y, p) if both else math.nan,
        "n_positive": n_pos,
        "n_total": int(len(y)),
    }


def _limit_threads(threads: int | None) -> None:
    if not threads:
        return
    try:
        import tensorflow as tf

        tf.config.threading.set_intra_op_parallelism_threads(int(threads))
        tf.config.threading.set_inter_op_parallelism_threads(int(threads))
    except (ImportError, RuntimeError):  # already initialised, or another backend
        log.info("could not limit TensorFlow to %s thread(s)", threads)


class _Splits:
    """The labels and input tensors of a job, split by chromosome, with each split's model input."""

    def __init__(
        self,
        setting: Setting,
        labels: str | Path,
        paths: Mapping[str, str | Path | None],
        validation: Sequence[str],
        test: Sequence[str],
    ) -> None:
        from genomic_tensors.dataset import split_by_chromosome

        for name in INPUTS[setting.model]:
            if paths.get(name) is None:
                raise ValueError(f"a {setting.model} model needs the {name} tensor file")
        y_all = load_dataset(labels)
        self.tensors = {name: load_dataset(paths[name]) for name in INPUTS[setting.model]}
        check_aligned({"labels": y_all, **self.tensors})
        self.y = split_by_chromosome(y_all, validation=validation, test=test)
        self.x = {
            name: split_by_chromosome(ds, validation=validation, test=test)
            for name, ds in self.tensors.items()
        }
        for split in ("train", "validation", "test"):
            if len(getattr(self.y, split)) == 0:
                raise ValueError(
                    f"the {split} split is empty (validation={list(validation)}, test={list(test)}; "
                    f"the ROI has {sorted(set(y_all.regions['chrom']))})"
                )

    def inputs(self, split: str, *, flip_seed: int | None = None) -> Any:
        """The model input of ``split``: one dataset, or a dict for the combined model. The training
        split is flipped at random when ``flip_seed`` is given (the same flips for every input); the
        test split's DNase replicates are swapped."""
        from genomic_tensors.dataset import RandomOrientation, ReversedConditions

        out = {}
        for name, parts in self.x.items():
            ds = getattr(parts, split)
            if split == "train" and flip_seed is not None:
                ds = RandomOrientation(ds, seed=flip_seed)
            if split == "test" and name == "dnase":
                ds = ReversedConditions(ds)
            out[name] = ds
        return next(iter(out.values())) if len(out) == 1 else out


def _write_predictions(labels: Any, truth: np.ndarray, pred: np.ndarray, path: str | Path) -> None:
    regions = labels.regions
    frame = pd.DataFrame(
        {
            "chrom": regions["chrom"].to_numpy(),
            "start": regions["start"].to_numpy(),
            "end": regions["end"].to_numpy(),
            "label": truth.astype(np.int8),
            "prediction": pred,
        },
        columns=list(PREDICTION_COLUMNS),
    )
    frame.to_csv(path, sep="\t", index=False, float_format="%.6g")


def _evaluate(
    model: Any, data: _Splits, setting: Setting, batch_size: int, predictions_path: str | Path
) -> dict[str, dict[str, float]]:
    """Scores of each split; the test split's predictions written to ``predictions_path``."""
    from genomic_tensors.training import predict

    split_scores = {}
    for split in SPLITS:
        pred = predict(model, data.inputs(split), batch_size=max(batch_size, 256)).reshape(-1)
        labels = getattr(data.y, split)
        truth = np.asarray(labels[:]).reshape(-1)
        split_scores[split] = scores(truth, pred)
        log.info("%s %s: %s", setting.label, split, split_scores[split])
        if split == "test":
            _write_predictions(labels, truth, pred, predictions_path)
    return split_scores


def train_and_evaluate(
    setting: Setting,
    *,
    labels: str | Path,
    dna: str | Path | None = None,
    dnase: str | Path | None = None,
    replicate: int,
    seed: int,
    validation: Sequence[str],
    test: Sequence[str],
    epochs: int,
    batch_size: int,
    patience: int,
    model_path: str | Path,
    history_path: str | Path,
    metrics_path: str | Path,
    predictions_path: str | Path,
    threads: int | None = None,
    options: RunOptions | None = None,
    card: CardTarget | None = None,
    dnase_counts: str | Path | None = None,
) -> pd.DataFrame:
    """Train one model of the grid, then score it on the validation and test chromosomes.

    ``options`` (from :func:`genomic_tensors.devices.prepare`) sets precision, XLA compilation and op
    determinism; the default is float32, Keras' XLA choice and determinism on.

    The training split gets the flip augmentation when ``setting.augment == "flip"`` (DNase and combined
    models: every input of a sample is shown from the same random strand per epoch, the DNA as its true
    reverse complement); the test split sees the DNase replicates swapped.

    Writes ``model_path`` (.keras), ``history_path`` (one row per epoch), ``metrics_path`` (rows in
    :data:`.tables.METRIC_COLUMNS`) and ``predictions_path`` (test bins: :data:`.tables.PREDICTION_COLUMNS`).
    With ``card``, the model card (:mod:`genomic_tensors.modelcard`) is written after everything else;
    ``dnase_counts`` (the raw DNase counts) lets it give the fitted tpm/zscorelog statistics.

    Returns
    -------
    pandas.DataFrame
        The metrics rows.
    """
    from genomic_tensors.training import fit

    _limit_threads(threads)
    data = _Splits(setting, labels, {"dna": dna, "dnase": dnase}, validation, test)
    run_seed = replicate_seed(seed, replicate)
    flip_seed = run_seed if setting.augment == "flip" else None
    result = fit(
        _model_factory(setting, data.tensors),
        (data.inputs("train", flip_seed=flip_seed), data.y.train),
        (data.inputs("validation"), data.y.validation),
        batch_size=batch_size, epochs=epochs, seed=run_seed, patience=patience,
        model_path=model_path, history_path=history_path,
        **(options or RunOptions()).fit_kwargs(),
    )  # fmt: skip
    split_scores = _evaluate(result.model, data, setting, batch_size, predictions_path)
    rows = metric_rows(setting, replicate, split_scores)
    rows.to_csv(metrics_path, sep="\t", index=False, float_format="%.6g")
    if card is not None:
        settings = {"epochs": epochs, "batch_size": batch_size, "patience": patience}
        job = {"replicate": replicate, "seed": seed, "validation": validation, "test": test}
        _write_card(card, setting, result, data, split_scores, {**settings, **job}, dnase_counts)
    return rows


def _dnase_normalization(setting: Setting, counts: str | Path | None) -> dict[str, Any] | None:
    """The card's ``normalization``: the DNase normalization, with the statistics re-fitted on the raw
    counts exactly as :func:`.data.normalize_dnase` fitted them (all ROI bins, per replicate)."""
    if setting.model == "dna":
        return None
    entry: dict[str, Any] = {"method": setting.normalization, "statistics": None}
    if setting.normalization != "none":
        entry["fitted_on"] = "all ROI bins (every chromosome), per replicate, as in the paper"
        if counts is not None:
            from genomic_tensors.normalize import get_normalizer

            state = get_normalizer(setting.normalization).fit(load_dataset(counts)).state()
            entry["statistics"] = {k: v for k, v in state.items() if k != "name"}
    return {"dnase": entry}


def _write_card(
    target: CardTarget,
    setting: Setting,
    result: Any,
    data: _Splits,
    split_scores: Mapping[str, Mapping[str, float]],
    job: Mapping[str, Any],
    counts: str | Path | None,
) -> None:
    """Write the model card of a trained JunD model (after the model and its tables)."""
    dna = data.tensors.get("dna")
    training = {
        "family": setting.model, "setting": setting.row(), "replicate": int(job["replicate"]),
        "base_seed": int(job["seed"]), "seed": int(result.seed), "loss": "binary_crossentropy",
        "epochs": int(job["epochs"]), "batch_size": int(job["batch_size"]),
        "patience": int(job["patience"]), "validation_chromosomes": list(job["validation"]),
        "test_chromosomes": list(job["test"]), **fit_summary(result),
    }  # fmt: skip
    validation = {**split_scores["validation"], "loss": float(result.best_loss)}
    card = ModelCard(
        case="jund", name=target.name, genome=target.genome,
        window=None if dna is None else int(dna.window_length),
        flank=None if dna is None else int(dna.flank),
        order=setting.order, strands=None if dna is None else "both",
        inputs=describe_inputs(result.model, {"dna": "dna", "dnase": "coverage"}),
        outputs=["jund"], normalization=_dnase_normalization(setting, counts), training=training,
        metrics={"validation": validation, "test": dict(split_scores["test"])},
        versions=package_versions(),
    )  # fmt: skip
    _write_card_file(card, target.path)
    log.info("model card: %s", target.path)

"""Evaluation: auPRC, auROC and Pearson r per output column, as tidy tables; streamed predictions.

Arrays of labels and predictions are ``(n, outputs)`` or any ``(n, ...)`` shape (e.g. the Cover layout
``(n, 1, 1, outputs)``), flattened to ``(n, outputs)`` column-wise in C order. A column without positives
(or without negatives, for auROC), or with fewer than two finite pairs, gets NaN rather than an error.
Rows whose label or prediction is NaN are left out of that column's metrics.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
import pandas as pd
from scipy.stats import rankdata

if TYPE_CHECKING:  # the metrics need no TensorFlow: plotting environments import this module without it
    import keras

    from genomic_tensors.training import Inputs

__all__ = [
    "METRICS",
    "Evaluation",
    "as_cover_array",
    "average_precision",
    "evaluate",
    "metrics_table",
    "pearson_r",
    "predict",
    "roc_auc",
    "write_metrics",
]


def _binary(y_true: np.ndarray, what: str) -> np.ndarray:
    y = np.asarray(y_true, dtype=np.float64).ravel()
    bad = ~np.isin(y, (0.0, 1.0))
    if bad.any():
        raise ValueError(
            f"{what} needs 0/1 labels; got {np.unique(y[bad])[:5].tolist()} (threshold or binarize first)"
        )
    return y


def _pair(y_true: np.ndarray, y_score: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    y_true = np.asarray(y_true, dtype=np.float64).ravel()
    y_score = np.asarray(y_score, dtype=np.float64).ravel()
    if y_true.shape != y_score.shape:
        raise ValueError(f"labels {y_true.shape} and predictions {y_score.shape} differ in length")
    keep = np.isfinite(y_true) & np.isfinite(y_score)
    return y_true[keep], y_score[keep]


def average_precision(y_true: np.ndarray, y_score: np.ndarray) -> float:
    """Area under the precision-recall curve as average precision (the step-wise sum, no interpolation).

    ``sum_k (R_k - R_{k-1}) P_k`` over the distinct score thresholds in decreasing order (ties form one
    threshold), ``R_0 = 0``: scikit-learn's ``average_precision_score``. 1-D inputs of equal length;
    labels 0/1. NaN when there is no positive.
    """
    y, s = _pair(y_true, y_score)
    y = _binary(y, "auPRC")
    if y.sum() == 0:
        return float("nan")
    order = np.argsort(-s, kind="mergesort")
    s, y = s[order], y[order]
    last_of_tie = np.r_[np.flatnonzero(np.diff(s)), len(s) - 1]
    tps = np.cumsum(y)[last_of_tie]
    precision = tps / (last_of_tie + 1)
    recall = tps / tps[-1]
    return float(np.sum(np.diff(np.r_[0.0, recall]) * precision))


def roc_auc(y_true: np.ndarray, y_score: np.ndarray) -> float:
    """Area under the ROC curve (Mann-Whitney U with mid-ranks for ties; equals the trapezoidal ROC area).

    1-D inputs of equal length; labels 0/1. NaN when either class is missing.
    """
    y, s = _pair(y_true, y_score)
    y = _binary(y, "auROC")
    n_pos = int(y.sum())
    n_neg = len(y) - n_pos
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    ranks = rankdata(s)
    return float((ranks[y == 1].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def pearson_r(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Pearson correlation; NaN for fewer than two finite pairs or a constant vector."""
    a, b = _pair(y_true, y_pred)
    if len(a) < 2:
        return float("nan")
    a, b = a - a.mean(), b - b.mean()
    denom = np.sqrt((a * a).sum() * (b * b).sum())
    return float((a * b).sum() / denom) if denom > 0 else float("nan")


METRICS = {"auprc": average_precision, "auroc": roc_auc, "pearson": pearson_r}


def _columns(array: np.ndarray, n: int, what: str) -> np.ndarray:
    array = np.asarray(array)
    if array.ndim == 0 or array.shape[0] != n:
        raise ValueError(f"{what} has shape {array.shape}; expected {n} rows first")
    return array.reshape(n, -1)


def metrics_table(
    y_true: np.ndarray,
    y_pred: np.ndarray,
    *,
    names: Sequence[str] | None = None,
    metrics: Sequence[str] = ("auprc", "auroc", "pearson"),
) -> pd.DataFrame:
    """Metrics per output column as tidy rows.

    Parameters
    ----------
    y_true, y_pred : numpy.ndarray
        ``(n, ...)`` each, the same number of values per row (e.g. labels ``(n, 1, 1, k)`` against
        predictions ``(n, k)``).
    names : sequence of str, optional
        One name per column; default ``"0", "1", ...``.
    metrics : names from :data:`METRICS` (``auprc``, ``auroc``, ``pearson``).

    Returns
    -------
    pandas.DataFrame
        Columns ``output`` (str), ``metric`` (str), ``value`` (float, NaN where undefined), ``n`` (rows
        used), ``n_positive`` (label sum over those rows); one row per output and metric, outputs in
        column order.
    """
    unknown = [m for m in metrics if m not in METRICS]
    if unknown:
        raise ValueError(f"unknown metric(s) {unknown}; choose from {sorted(METRICS)}")
    n = np.asarray(y_true).shape[0] if np.asarray(y_true).ndim else -1
    truth = _columns(y_true, n, "labels")
    pred = _columns(y_pred, n, "predictions")
    if truth.shape != pred.shape:
        raise ValueError(
            f"labels {np.asarray(y_true).shape} and predictions {np.asarray(y_pred).shape} do not give "
            "the same columns"
        )
    names = [str(i) for i in range(truth.shape[1])] if names is None else [str(x) for x in names]
    if len(names) != truth.shape[1]:
        raise ValueError(f"{len(names)} names for {truth.shape[1]} output columns")
    rows = []
    for j, name in enumerate(names):
        keep = np.isfinite(truth[:, j]) & np.isfinite(pred[:, j])
        n_pos = float(np.nansum(truth[keep, j]))
        for metric in metrics:
            rows.append({
                "output": name,
                "metric": metric,
                "value": METRICS[metric](truth[:, j], pred[:, j]),
                "n": int(keep.sum()),
                "n_positive": n_pos,
            })
    return pd.DataFrame(rows, columns=["output", "metric", "value", "n", "n_positive"])


def write_metrics(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write a metrics table as TSV (NaN written as ``NaN``); returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, sep="\t", index=False, na_rep="NaN", float_format="%.6g")
    return path


def as_cover_array(predictions: np.ndarray) -> np.ndarray:
    """Predictions ``(n, outputs)`` as the Cover layout ``(n, 1 bin, 1 strand, outputs)`` float32."""
    predictions = np.asarray(predictions, dtype=np.float32)
    return predictions.reshape(predictions.shape[0], 1, 1, -1)


class Evaluation(NamedTuple):
    """What :func:`evaluate` returns: the :func:`metrics_table` and the predictions ``(n, outputs)``."""

    metrics: pd.DataFrame
    predictions: np.ndarray


def evaluate(
    model: keras.Model,
    inputs: Inputs,
    targets: Any,
    *,
    batch_size: int = 256,
    names: Sequence[str] | None = None,
    metrics: Sequence[str] = ("auprc", "auroc", "pearson"),
) -> Evaluation:
    """Predict (streamed) and tabulate metrics.

    ``inputs`` as for :func:`genomic_tensors.training.fit`; ``targets`` a numpy array or dataset of
    ``n`` rows (read whole: labels are small), e.g. a Cover ``(n, 1, 1, outputs)``.
    """
    from genomic_tensors.training import predict

    y_pred = predict(model, inputs, batch_size=batch_size)
    if isinstance(targets, np.ndarray):
        truth = targets
    else:
        truth = np.asarray(targets[np.arange(len(targets))])
    return Evaluation(metrics_table(truth, y_pred, names=names, metrics=metrics), y_pred)


def __getattr__(name: str) -> Any:
    # ``evaluate.predict`` is training's streamed prediction, loaded on first use (it imports Keras).
    if name == "predict":
        from genomic_tensors.training import predict

        return predict
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

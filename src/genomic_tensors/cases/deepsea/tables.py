"""The tables of case 2: the metrics table (one row per run and feature) and the DeepSEA summary table
(the medians behind each of the paper's claims, by feature class). Light: pandas only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from genomic_tensors.cases.base import collect_tables
from genomic_tensors.cases.deepsea.measures import (
    LARGE_GAIN,
    MODEL_COMPARISON,
    category_groups,
    feature_delta,
    model_deltas,
    scored,
)

__all__ = ["METRIC_COLUMNS", "RUN_COLUMNS", "SUMMARY_COLUMNS", "aggregate_metrics", "summarise"]

#: The grid columns that name a run.
RUN_COLUMNS = ["model", "window", "order", "strands"]
#: Columns of the metrics table (and of each run's evaluation file).
METRIC_COLUMNS = [*RUN_COLUMNS, "feature", "category", "auprc", "auroc", "n_positive"]
#: Columns of the summary table.
SUMMARY_COLUMNS = [
    "claim",
    "comparison",
    *RUN_COLUMNS,
    "category",
    "statistic",
    "value",
    "n_features",
]


def aggregate_metrics(paths: Sequence[str | Path]) -> pd.DataFrame:
    """Concatenate per-run metrics files into the case table (columns :data:`METRIC_COLUMNS`), sorted by
    run (stable: each run's features keep their output order)."""
    table = collect_tables(paths, METRIC_COLUMNS, what="per-run metrics")
    return table.sort_values(RUN_COLUMNS, kind="stable").reset_index(drop=True)


def _row(claim: str, comparison: str, keep: Mapping[str, Any], category: str, statistic: str,
         value: float, n: int) -> dict[str, Any]:  # fmt: skip
    return {
        "claim": claim,
        "comparison": comparison,
        **keep,
        "category": category,
        "statistic": statistic,
        "value": value,
        "n_features": n,
    }


def _delta_rows(
    claim: str,
    comparison: tuple[str, Any, Any],
    keep: Mapping[str, Any],
    delta: pd.DataFrame,
    stats: Sequence[str] = ("median",),
) -> list[dict[str, Any]]:
    """Statistics of the per-feature ``delta`` of one comparison ``(vary, a, b)`` at the setting
    ``keep``, overall and per class."""
    vary, a, b = comparison
    text = f"{vary} {b} - {a}"
    rows = [
        _row(claim, text, keep, category, f"{stat}_delta_auprc",
             float(getattr(group["delta"], stat)()), len(group))  # fmt: skip
        for category, group in category_groups(delta)
        for stat in stats
    ]
    if claim == "order":
        large = float((delta["delta"] > LARGE_GAIN).sum())
        rows.append(_row(claim, text, keep, "all", f"n_gain_above_{LARGE_GAIN}", large, len(delta)))
    return rows


def _compare(
    metrics: pd.DataFrame,
    claim: str,
    comparison: tuple[str, Any, Any],
    keep: Mapping[str, Any],
    stats: Sequence[str] = ("median",),
) -> list[dict[str, Any]]:
    """:func:`_delta_rows` of one comparison; none when a run is not in the grid."""
    delta = feature_delta(metrics, *comparison, **keep)
    return [] if delta is None else _delta_rows(claim, comparison, keep, delta, stats)


def _auprc_rows(metrics: pd.DataFrame) -> list[dict[str, Any]]:
    """The median auPRC of every run, overall and per class."""
    rows = []
    for keys, run in metrics.groupby(RUN_COLUMNS, sort=True):
        keep = dict(zip(RUN_COLUMNS, keys))
        for category, sub in category_groups(run):
            rows.append(_row("auprc", "", keep, category, "median_auprc",
                             float(sub["auprc"].median()), len(sub)))  # fmt: skip
    return rows


def _comparison_rows(m: pd.DataFrame) -> list[dict[str, Any]]:
    """The deltas of the four comparisons: model, context (both strands), order (longest window, both
    strands) and strands."""
    windows, orders = sorted(m["window"].unique()), sorted(m["order"].unique())
    rows = []
    for keep, delta in model_deltas(m):
        rows += _delta_rows("model", MODEL_COMPARISON, keep, delta)
    if len(windows) > 1:
        for (model, order), _ in m[m["strands"] == "both"].groupby(["model", "order"], sort=True):
            keep = {"model": model, "order": order, "strands": "both"}
            rows += _compare(m, "context", ("window", windows[0], windows[-1]), keep)
    if len(orders) > 1:
        for model in sorted(m["model"].unique()):
            keep = {"model": model, "window": windows[-1], "strands": "both"}
            rows += _compare(m, "order", ("order", orders[0], orders[-1]), keep)
    for (model, window, order), _ in m.groupby(["model", "window", "order"], sort=True):
        keep = {"model": model, "window": window, "order": order}
        rows += _compare(m, "strands", ("strands", "forward", "both"), keep, ("mean", "median"))
    return rows


def summarise(metrics: pd.DataFrame) -> pd.DataFrame:
    """The medians behind each claim of the paper, as tidy rows (columns :data:`SUMMARY_COLUMNS`).

    Claims: ``auprc`` (median per run and category), ``model`` (DanQ minus DeepSEA per window, order,
    strands), ``context`` (longest minus shortest window, per model and order, both strands), ``order``
    (highest minus lowest order, per model at the longest window, with the count of features gaining more
    than 0.1), ``strands`` (both minus forward, mean and median, per model, window and order). A comparison
    whose runs are not in the grid is left out.
    """
    m = scored(metrics)
    table = pd.DataFrame(_auprc_rows(m) + _comparison_rows(m), columns=SUMMARY_COLUMNS)
    for col in ("window", "order"):
        table[col] = table[col].astype("Int64")
    return table

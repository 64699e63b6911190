"""The measures behind case 2's summary table, claims and figures: per-feature auPRC of the runs side by
side, and per-feature differences between two settings of one grid column.

One computation serves the three: :func:`feature_delta` gives the per-feature deltas that the summary table
(:func:`genomic_tensors.cases.deepsea.tables.summarise`) reports by class, that the claims
(:mod:`genomic_tensors.cases.deepsea.claims`) test, and that Fig. 3c draws. Light: pandas only.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pandas as pd

__all__ = [
    "DELTA_COLUMNS",
    "LARGE_GAIN",
    "MODEL_COMPARISON",
    "auprc_wide",
    "category_groups",
    "feature_delta",
    "model_deltas",
    "scored",
    "select",
]

#: The columns of :func:`feature_delta`.
DELTA_COLUMNS = ["feature", "category", "delta"]
#: A per-feature auPRC gain that counts as large (the paper's Fig. 3b labels the features above it).
LARGE_GAIN = 0.1
#: DanQ against DeepSEA: ``(column, a, b)`` of :func:`feature_delta`.
MODEL_COMPARISON = ("model", "deepsea", "danq")


def scored(metrics: pd.DataFrame) -> pd.DataFrame:
    """The rows with an auPRC (a feature without positives or negatives in the test set has none)."""
    return metrics.dropna(subset=["auprc"])


def select(metrics: pd.DataFrame, **keep: Any) -> pd.DataFrame:
    """The rows matching every ``column=value`` of ``keep``."""
    sel = metrics
    for key, value in keep.items():
        sel = sel[sel[key] == value]
    return sel


def auprc_wide(metrics: pd.DataFrame, vary: str, **keep: Any) -> pd.DataFrame:
    """Per-feature auPRC of the rows matching ``keep``, one column per value of ``vary``, beside the
    ``feature`` and ``category`` columns (rows sorted by feature and category)."""
    return (
        select(metrics, **keep)
        .pivot_table(index=["feature", "category"], columns=vary, values="auprc")
        .reset_index()
    )


def feature_delta(
    metrics: pd.DataFrame, vary: str, a: Any, b: Any, **keep: Any
) -> pd.DataFrame | None:
    """Per-feature ``delta = auprc(vary=b) - auprc(vary=a)`` of the rows matching ``keep``.

    Returns
    -------
    pandas.DataFrame or None
        Columns ``feature``, ``category``, ``delta``, sorted by feature and category, the features scored
        in both runs; None when the grid lacks the run ``a`` or ``b``.
    """
    wide = auprc_wide(metrics, vary, **keep)
    if a not in wide.columns or b not in wide.columns:
        return None
    wide = wide.dropna(subset=[a, b])
    return pd.DataFrame(
        {"feature": wide["feature"], "category": wide["category"], "delta": wide[b] - wide[a]}
    ).reset_index(drop=True)[DELTA_COLUMNS]


def category_groups(delta: pd.DataFrame) -> list[tuple[str, pd.DataFrame]]:
    """``("all", every row)`` followed by one ``(category, rows)`` per feature class, sorted by name."""
    return [("all", delta), *delta.groupby("category", sort=True)]


def model_deltas(metrics: pd.DataFrame) -> Iterator[tuple[dict[str, Any], pd.DataFrame]]:
    """DanQ minus DeepSEA per feature, for every window, order and strands that both models ran:
    ``(setting, delta)`` pairs in sorted setting order."""
    for (window, order, strands), _ in metrics.groupby(["window", "order", "strands"], sort=True):
        keep = {"window": window, "order": order, "strands": strands}
        delta = feature_delta(metrics, *MODEL_COMPARISON, **keep)
        if delta is not None:
            yield keep, delta

"""The paper's claims of case 2 (Fig. 3a-c, Supplementary Fig. 1), measured on the metrics table.

One row per claim (:data:`CLAIMS`): DanQ beats DeepSEA (median per-feature delta for every window, order,
strands and class that both models ran: holds when all are positive); histone marks gain from context
(DanQ, highest order, both strands, shortest vs longest window: holds when the histone median delta is
positive and above DNase's and TF's); order 3 beats order 1 per class (DanQ, longest window, both strands:
median delta > 0); TFs gaining more than 0.1 from order 3; both strands beat forward only (DanQ, 1000 bp,
each order: mean delta > 0). A row whose runs are not in the grid is NA. The deltas are those of the
summary table (:func:`genomic_tensors.cases.deepsea.measures.feature_delta`). Light: pandas only.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd

from genomic_tensors.cases.base import (
    Claim,
    ClaimSpec,
    Measured,
    NotTestable,
    evaluate_claims,
    signed,
)
from genomic_tensors.cases.deepsea.measures import (
    DELTA_COLUMNS,
    LARGE_GAIN,
    feature_delta,
    model_deltas,
    scored,
    select,
)
from genomic_tensors.cases.deepsea.tables import RUN_COLUMNS

__all__ = ["CLAIMS", "REQUIRED", "claims"]

#: The metrics columns the measures read.
REQUIRED = [*RUN_COLUMNS, "feature", "category", "auprc"]

_CATEGORIES = ("Histone", "DNase", "TF")
_ORDER_GAIN = {"Histone": 0.01, "DNase": 0.041, "TF": 0.033}
_STRAND_GAIN = {1: 0.012, 2: 0.019, 3: 0.020}
_STRAND_WINDOW = 1000


def _delta(metrics: pd.DataFrame, vary: str, a: Any, b: Any, **keep: Any) -> pd.DataFrame:
    """:func:`feature_delta`, empty (no feature) when a run is not in the grid."""
    delta = feature_delta(metrics, vary, a, b, **keep)
    return pd.DataFrame(columns=DELTA_COLUMNS) if delta is None else delta


def _danq_both(metrics: pd.DataFrame) -> tuple[pd.DataFrame, list[Any], list[Any]]:
    """DanQ's scored both-strand rows, with their windows and orders (sorted)."""
    both = select(scored(metrics), model="danq", strands="both")
    return both, sorted(both["window"].unique()), sorted(both["order"].unique())


# ------------------------------------------------------------------------------------------- measures
def _danq_beats_deepsea(metrics: pd.DataFrame) -> Measured:
    medians = [
        float(group["delta"].median())
        for _, delta in model_deltas(scored(metrics))
        for _, group in delta.groupby("category")
    ]
    if not medians:
        raise NotTestable("needs DeepSEA and DanQ runs of the same setting")
    n_pos = sum(v > 0 for v in medians)
    return Measured(
        f"{n_pos}/{len(medians)} positive (median delta {min(medians):+.3f} to {max(medians):+.3f})",
        n_pos == len(medians),
        "median per-feature delta auPRC per window, order, strands and feature class",
    )


def _context(metrics: pd.DataFrame) -> Measured:
    both, windows, orders = _danq_both(metrics)
    if len(windows) < 2:
        raise NotTestable("needs DanQ at two windows")
    delta = _delta(both, "window", windows[0], windows[-1], order=orders[-1])
    by = delta.groupby("category")["delta"].median()
    if not set(_CATEGORIES) <= set(by.index):
        raise NotTestable("needs Histone, DNase and TF features")
    return Measured(
        ", ".join(f"{c} {signed(by[c])}" for c in _CATEGORIES),
        bool(by["Histone"] > 0 and by["Histone"] > by["DNase"] and by["Histone"] > by["TF"]),
        f"DanQ order {orders[-1]}, both strands, {windows[0]} vs {windows[-1]} bp, median delta",
    )


def _order_delta(metrics: pd.DataFrame) -> tuple[pd.DataFrame, Any]:
    """DanQ's order 3 minus order 1 per feature at its longest window (both strands), and that window."""
    both, windows, orders = _danq_both(metrics)
    if not windows or not {1, 3} <= set(orders):
        raise NotTestable("needs DanQ at orders 1 and 3")
    return _delta(both, "order", 1, 3, window=windows[-1]), windows[-1]


def _order_gain(category: str) -> Callable[[pd.DataFrame], Measured]:
    def measure(metrics: pd.DataFrame) -> Measured:
        delta, window = _order_delta(metrics)
        by = delta.groupby("category")["delta"].median()
        if category not in by.index:
            raise NotTestable(f"no {category} features")
        return Measured(
            signed(by[category]),
            bool(by[category] > 0),
            f"DanQ {window} bp, both strands, median per-feature delta; "
            f"paper's magnitude {_ORDER_GAIN[category]:.3f}",
        )

    return measure


def _tf_large_gains(metrics: pd.DataFrame) -> Measured:
    delta, window = _order_delta(metrics)
    tf = delta[delta["category"] == "TF"]
    n_big = int((tf["delta"] > LARGE_GAIN).sum())
    return Measured(
        f"{n_big} of {len(tf)} TF features", n_big > 0, f"DanQ {window} bp, both strands"
    )


def _strand_gain(order: int) -> Callable[[pd.DataFrame], Measured]:
    def measure(metrics: pd.DataFrame) -> Measured:
        delta = _delta(
            scored(metrics), "strands", "forward", "both",
            model="danq", window=_STRAND_WINDOW, order=order,
        )  # fmt: skip
        if delta.empty:
            raise NotTestable(
                f"DanQ {_STRAND_WINDOW} bp order {order} forward-only run not in the grid"
            )
        mean = float(delta["delta"].mean())
        return Measured(signed(mean), mean > 0, f"mean over {len(delta)} features")

    return measure


# ---------------------------------------------------------------------------------------------- table
CLAIMS = [
    ClaimSpec(
        "DanQ beats DeepSEA at every window, order and feature class",
        "all deltas > 0",
        _danq_beats_deepsea,
    ),
    ClaimSpec(
        "histone marks gain from longer context; DNase and TF features barely do",
        "Histone > 0, above DNase and TF (500 vs 2000 bp)",
        _context,
    ),
    *[
        ClaimSpec(
            f"order 3 beats order 1 for {c} features (DanQ, median delta auPRC)",
            signed(_ORDER_GAIN[c]),
            _order_gain(c),
        )
        for c in _CATEGORIES
    ],
    ClaimSpec(
        "a handful of TFs gain much more from order 3 (delta auPRC > 0.1)",
        "31 TF features",
        _tf_large_gains,
    ),
    *[
        ClaimSpec(
            f"both strands beat forward only, order {k} (DanQ {_STRAND_WINDOW} bp, mean delta auPRC)",
            signed(_STRAND_GAIN[k]),
            _strand_gain(k),
        )
        for k in (1, 2, 3)
    ],
]


def claims(metrics: pd.DataFrame | None) -> list[Claim]:
    """The case's claims on its metrics table (None: the case did not run, every row NA)."""
    return evaluate_claims("deepsea", CLAIMS, metrics, REQUIRED)

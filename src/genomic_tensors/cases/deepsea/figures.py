"""Fig. 3a-c and Supplementary Fig. 1 of the paper, drawn from the metrics table (both-strand runs).

``fig3a``: per-feature auPRC of DanQ at the highest order, shortest vs longest window, coloured by class,
with y = x. ``fig3b``: DanQ at the longest window, lowest vs highest order, features gaining more than 0.1
labelled. ``fig3c``: boxplot of the per-feature delta auPRC (highest minus lowest order, DanQ, longest
window) by class. ``figS1``: boxplots of per-feature auPRC, DanQ vs DeepSEA, faceted by window (columns)
and class (rows), hue = order. matplotlib and seaborn are imported inside the functions.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from genomic_tensors.cases.base import read_table, write_figure
from genomic_tensors.cases.deepsea.features import CATEGORIES
from genomic_tensors.cases.deepsea.grid import MODELS
from genomic_tensors.cases.deepsea.measures import LARGE_GAIN, auprc_wide, feature_delta, scored
from genomic_tensors.cases.deepsea.tables import METRIC_COLUMNS

__all__ = ["FIGURES", "plot_figure", "write_figures"]

log = logging.getLogger(__name__)

FIGURES = ("fig3a", "fig3b", "fig3c", "figS1")
_PALETTE = {"DNase": "#4c72b0", "TF": "#dd8452", "Histone": "#55a868"}


def _span(values: Sequence[Any]) -> tuple[Any, Any]:
    """The lowest and highest of the grid's values of a column."""
    ordered = sorted(values)
    return ordered[0], ordered[-1]


def _scatter(wide: pd.DataFrame, x: Any, y: Any, labels: tuple[str, str], ax: Any,
             label_gain: float | None) -> None:  # fmt: skip
    """Per-feature auPRC of two runs against each other (y = x dashed), coloured by class; features
    gaining more than ``label_gain`` are named."""
    import seaborn as sns

    sns.scatterplot(data=wide, x=x, y=y, hue="category", hue_order=list(CATEGORIES),
                    palette=_PALETTE, s=14, alpha=0.7, linewidth=0, ax=ax)  # fmt: skip
    lim = [0, max(1e-3, float(np.nanmax(wide[[x, y]].to_numpy())) * 1.02) if len(wide) else 1]
    ax.plot(lim, lim, color="0.4", lw=0.8, ls="--", zorder=0)
    ax.set_xlim(lim)
    ax.set_ylim(lim)
    ax.set_xlabel(labels[0])
    ax.set_ylabel(labels[1])
    if label_gain is not None:
        for _, row in wide[(wide[y] - wide[x]) > label_gain].iterrows():
            ax.annotate(str(row["feature"]).split("|")[0][:24], (row[x], row[y]), fontsize=6,
                        xytext=(2, 2), textcoords="offset points")  # fmt: skip


def _pair(
    danq: pd.DataFrame, vary: str, runs: tuple[Any, Any], missing: str, **keep: Any
) -> pd.DataFrame:
    """DanQ's per-feature auPRC at the two settings ``runs`` of ``vary``; the error ``missing`` when
    either run is not in the table."""
    wide = auprc_wide(danq, vary, **keep)
    if runs[0] not in wide or runs[1] not in wide:
        raise ValueError(missing)
    return wide


def _order_pair(
    danq: pd.DataFrame, name: str, windows: tuple[int, int], orders: tuple[int, int]
) -> pd.DataFrame:
    """DanQ at the longest window, lowest and highest order (fig3b, fig3c)."""
    missing = f"{name} needs DanQ at {windows[1]} bp with orders {orders[0]} and {orders[1]}"
    return _pair(danq, "order", orders, missing, window=windows[1])


def _fig3a(danq: pd.DataFrame, windows: tuple[int, int], orders: tuple[int, int], ax: Any) -> None:
    missing = f"fig3a needs DanQ order {orders[1]} at {windows[0]} and {windows[1]} bp"
    wide = _pair(danq, "window", windows, missing, order=orders[1])
    labels = (f"auPRC, {windows[0]} bp", f"auPRC, {windows[1]} bp")
    _scatter(wide, windows[0], windows[1], labels, ax, None)
    ax.set_title(f"DanQ, order {orders[1]}")


def _fig3b(danq: pd.DataFrame, windows: tuple[int, int], orders: tuple[int, int], ax: Any) -> None:
    wide = _order_pair(danq, "fig3b", windows, orders)
    labels = (f"auPRC, order {orders[0]}", f"auPRC, order {orders[1]}")
    _scatter(wide, orders[0], orders[1], labels, ax, LARGE_GAIN)
    ax.set_title(f"DanQ, {windows[1]} bp")


def _fig3c(danq: pd.DataFrame, windows: tuple[int, int], orders: tuple[int, int], ax: Any) -> None:
    import seaborn as sns

    _order_pair(danq, "fig3c", windows, orders)
    delta = feature_delta(danq, "order", *orders, window=windows[1])
    present = [c for c in CATEGORIES if c in set(delta["category"])]
    sns.boxplot(data=delta, x="category", y="delta", order=present, hue="category",
                hue_order=present, palette=_PALETTE, fliersize=1.5, ax=ax)  # fmt: skip
    ax.axhline(0, color="0.4", lw=0.8, ls="--")
    ax.set_xlabel("")
    ax.set_ylabel(f"delta auPRC (order {orders[1]} - order {orders[0]})")
    ax.set_title(f"DanQ, {windows[1]} bp")


def _fig_s1(both: pd.DataFrame) -> Any:
    import seaborn as sns

    grid = sns.catplot(
        data=both, kind="box", x="model", y="auprc", hue="order", col="window", row="category",
        row_order=[c for c in CATEGORIES if c in set(both["category"])], order=list(MODELS),
        height=2.4, aspect=1.2, fliersize=1.5, palette="viridis",
    )  # fmt: skip
    grid.set_axis_labels("", "auPRC")
    grid.set_titles("{row_name}, {col_name} bp")
    return grid.figure


_PANELS = {"fig3a": _fig3a, "fig3b": _fig3b, "fig3c": _fig3c}


def plot_figure(name: str, metrics: pd.DataFrame, ax: Any = None) -> Any:
    """Draw one of :data:`FIGURES` from the metrics table; returns the matplotlib figure. ``ax`` is used
    by the single-panel figures (fig3a-c) when given."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    if name not in FIGURES:
        raise ValueError(f"unknown figure {name!r}; expected one of {FIGURES}")
    both = scored(metrics)
    both = both[both["strands"] == "both"]
    if both.empty:
        raise ValueError("no both-strand runs with a finite auPRC in the metrics table")
    if name == "figS1":
        return _fig_s1(both)
    fig, ax = plt.subplots(figsize=(4.2, 4.0)) if ax is None else (ax.figure, ax)
    windows, orders = _span(both["window"].unique()), _span(both["order"].unique())
    _PANELS[name](both[both["model"] == "danq"], windows, orders, ax)
    fig.tight_layout()
    return fig


def write_figures(metrics: str | Path, outputs: Mapping[str, Sequence[str | Path]]) -> None:
    """Draw each figure named in ``outputs`` (a key of :data:`FIGURES`) from the metrics TSV and write it
    to each of its files (PNG at 200 dpi, SVG; the figures rule)."""
    table = read_table(metrics, METRIC_COLUMNS)
    for name, paths in outputs.items():
        written = write_figure(plot_figure(name, table), *paths, dpi=200)
        log.info("wrote %s", ", ".join(map(str, written)))

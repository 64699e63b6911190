"""Fig. 4 of case 3: predicted vs observed normalised CAGE on the test chromosome(s), with the OLS line of
predicted on observed and its F test."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
import pandas as pd

from genomic_tensors.cases.base import write_figure
from genomic_tensors.evaluate import pearson_r

if TYPE_CHECKING:  # pragma: no cover
    import matplotlib.axes
    import matplotlib.figure

__all__ = ["OlsFit", "fig4", "format_p", "ols_fit", "write_fig4"]

logger = logging.getLogger("genomic_tensors")


class OlsFit(NamedTuple):
    """OLS of predicted on observed: ``predicted = intercept + slope * observed``, F test of the slope."""

    intercept: float
    slope: float
    fvalue: float
    f_pvalue: float
    r: float
    n: int


def ols_fit(observed: np.ndarray, predicted: np.ndarray) -> OlsFit:
    """statsmodels OLS of ``predicted`` on ``observed`` (with intercept) and its overall F test.

    ``r`` is the Pearson r of the pairs (:func:`genomic_tensors.evaluate.pearson_r`, the case's metric).
    """
    import statsmodels.api as sm

    observed = np.asarray(observed, dtype=np.float64).ravel()
    predicted = np.asarray(predicted, dtype=np.float64).ravel()
    if observed.shape != predicted.shape:
        raise ValueError(f"observed {observed.shape} and predicted {predicted.shape} differ in length")
    if observed.size < 3:
        raise ValueError(f"an OLS F test needs at least 3 points, got {observed.size}")
    fit = sm.OLS(predicted, sm.add_constant(observed, has_constant="add")).fit()
    return OlsFit(
        intercept=float(fit.params[0]),
        slope=float(fit.params[1]),
        fvalue=float(fit.fvalue),
        f_pvalue=float(fit.f_pvalue),
        r=pearson_r(observed, predicted),
        n=int(observed.size),
    )


def format_p(p: float) -> str:
    """``P = 3.1e-05``, or ``P < 2.2e-16`` below double precision's resolution (R's convention)."""
    return "P < 2.2e-16" if p < 2.2e-16 else f"P = {p:.2g}"


def fig4(
    predictions: pd.DataFrame,
    *,
    ax: matplotlib.axes.Axes | None = None,
    title: str | None = None,
) -> tuple[matplotlib.figure.Figure, OlsFit]:
    """Predicted vs observed normalised CAGE on the test chromosome(s), with the OLS line (red) and its F
    statistic and P value in the panel. ``predictions`` has ``observed`` and ``predicted`` (and optionally a
    ``split`` column: only ``test`` rows are drawn)."""
    import seaborn as sns
    from matplotlib.figure import Figure

    if "split" in predictions.columns:
        predictions = predictions[predictions["split"] == "test"]
    fit = ols_fit(predictions["observed"], predictions["predicted"])
    if ax is None:
        fig = Figure(figsize=(4.5, 4.5))
        ax = fig.add_subplot()
    else:
        fig = ax.figure
    sns.scatterplot(
        x=predictions["observed"], y=predictions["predicted"], ax=ax, s=10, alpha=0.5, linewidth=0,
        color="0.3",
    )
    xs = np.linspace(predictions["observed"].min(), predictions["observed"].max(), 2)
    ax.plot(xs, fit.intercept + fit.slope * xs, color="red", linewidth=1.5, label="OLS")
    ax.text(
        0.03, 0.97,
        f"F = {fit.fvalue:.4g}, {format_p(fit.f_pvalue)}\nPearson r = {fit.r:.3f}, n = {fit.n}",
        transform=ax.transAxes, va="top", ha="left", fontsize=8,
    )
    ax.set_xlabel("observed CAGE (log, z-score)")
    ax.set_ylabel("predicted CAGE (log, z-score)")
    if title:
        ax.set_title(title, fontsize=9)
    sns.despine(ax=ax)
    fig.tight_layout()
    return fig, fit


def write_fig4(
    predictions: str | Path, png: str | Path, svg: str | Path, *, title: str | None = None
) -> OlsFit:
    """Draw :func:`fig4` from a job's ``predictions.tsv`` and write it as PNG and SVG."""
    frame = pd.read_csv(predictions, sep="\t", dtype={"chrom": str})
    fig, fit = fig4(frame, title=title)
    write_figure(fig, png, svg)
    logger.info("Fig. 4: F = %.4g, p = %.3g, r = %.3f, n = %d", fit.fvalue, fit.f_pvalue, fit.r, fit.n)
    return fit

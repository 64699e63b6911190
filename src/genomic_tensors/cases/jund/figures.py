"""Fig. 2a-c from the case's metrics table and Fig. 2d from the locus tracks."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from genomic_tensors.cases.jund.grid import AUGMENTS, NORMALIZATIONS, Setting
from genomic_tensors.cases.jund.tables import best_settings, setting_of_row

__all__ = ["METRICS_PANELS", "plot_fig2a", "plot_fig2b", "plot_fig2c", "plot_fig2d"]


def _subplots(ax: Any = None, *, figsize: tuple[float, float] = (4.5, 3.5)):
    import matplotlib.pyplot as plt

    if ax is None:
        fig, ax = plt.subplots(figsize=figsize, layout="constrained")
        return fig, ax
    return ax.figure, ax


def _test_rows(metrics: pd.DataFrame, family: str) -> pd.DataFrame:
    rows = metrics[(metrics["split"] == "test") & (metrics["model"] == family)].copy()
    if rows.empty:
        raise ValueError(f"the metrics hold no test rows of the {family} model")
    return rows


def _boxes(rows: pd.DataFrame, ax: Any, *, x: str, y: str, hue: str, **order: Any) -> None:
    """Boxes over replicates with one dot per replicate; dodged by ``hue`` unless it is ``x``."""
    import seaborn as sns

    if hue == x:
        sns.boxplot(rows, x=x, y=y, hue=hue, ax=ax, fliersize=0, legend=False)
        sns.stripplot(rows, x=x, y=y, ax=ax, color="black", size=3)
        return
    sns.boxplot(rows, x=x, y=y, hue=hue, ax=ax, fliersize=0, **order)
    sns.stripplot(
        rows, x=x, y=y, hue=hue, dodge=True, ax=ax, palette="dark:black", size=3, legend=False,
        **order,
    )  # fmt: skip


def plot_fig2a(metrics: pd.DataFrame, ax: Any = None):
    """Fig. 2a: test auPRC of the DNA model by one-hot order, boxes over replicates, hue = input dropout
    (the paper's panel showed the validation chromosome by mistake; this one shows the test chromosome).
    """
    fig, ax = _subplots(ax)
    rows = _test_rows(metrics, "dna")
    rows["order"] = rows["order"].astype(int)
    rows["input dropout"] = rows["dropout"].map(lambda v: f"{v:g}")
    hue_order = sorted(rows["input dropout"].unique(), key=float)
    _boxes(rows, ax, x="order", y="auprc", hue="input dropout", hue_order=hue_order)
    ax.set(xlabel="one-hot order", ylabel="auPRC (test chromosome)", title="JunD from DNA")
    return fig, ax


def plot_fig2b(metrics: pd.DataFrame, ax: Any = None):
    """Fig. 2b: test auPRC of the DNase model by normalization, hue = flip augmentation (replicates
    swapped at test time)."""
    fig, ax = _subplots(ax)
    rows = _test_rows(metrics, "dnase")
    order = [n for n in NORMALIZATIONS if n in set(rows["normalization"])]
    hue_order = [a for a in AUGMENTS if a in set(rows["augment"])]
    _boxes(rows, ax, x="normalization", y="auprc", hue="augment", order=order, hue_order=hue_order)
    ax.set(xlabel="normalization", ylabel="auPRC (test chromosome)", title="JunD from DNase")
    return fig, ax


def plot_fig2c(metrics: pd.DataFrame, ax: Any = None, *, best: Mapping[str, Setting] | None = None):
    """Fig. 2c: test auPRC of the combined model beside the best DNA and the best DNase settings (best by
    median validation auPRC, see :func:`.tables.best_settings`)."""
    fig, ax = _subplots(ax, figsize=(5.5, 3.5))
    best = dict(best) if best is not None else best_settings(metrics)
    parts = []
    for family, name in (("dna", "DNA"), ("dnase", "DNase"), ("combined", "DNA + DNase")):
        if family not in best:
            raise ValueError(f"Fig. 2c needs {family} models in the metrics")
        rows = _test_rows(metrics, family)
        keep = rows.apply(lambda r: setting_of_row(r) == best[family], axis=1)
        parts.append(rows[keep].assign(panel=name))
    rows = pd.concat(parts, ignore_index=True)
    _boxes(rows, ax, x="panel", y="auprc", hue="panel")
    ax.set(
        xlabel="", ylabel="auPRC (test chromosome)", title="JunD: combined vs best single modality"
    )
    labels = {"DNA": best["dna"].label, "DNase": best["dnase"].label}
    ticks = [t.get_text() for t in ax.get_xticklabels()]
    ax.set_xticks(
        range(3),
        [f"{t}\n({labels[t][len(t) + 1 :]})" if t in labels else t for t in ticks],
        fontsize=7,
    )
    return fig, ax


def _step_track(ax: Any, lo: np.ndarray, hi: np.ndarray, values: np.ndarray, colour: str,
                label: str, window: tuple[int, int, int, int]) -> None:  # fmt: skip
    """One genome track: ``values`` over the intervals ``[lo, hi)``, the attribution window shaded."""
    start, end, astart, aend = window
    ax.fill_between(
        np.ravel(np.column_stack([lo, hi])), np.repeat(values, 2), step=None, color=colour, lw=0
    )
    ax.set_ylabel(label, rotation=0, ha="right", va="center", fontsize=8)
    ax.set_xlim(start, end)
    ax.axvspan(astart, aend, color="grey", alpha=0.15, lw=0)


def plot_fig2d(tracks: Mapping[str, np.ndarray]):
    """Fig. 2d: genome tracks over the locus (predicted and true binding, one DNase track per replicate)
    and the attribution over the bases of the attribution window (a signed sequence logo)."""
    import matplotlib.pyplot as plt

    from genomic_tensors.plotting import plot_logo

    chrom, start, end, astart, aend, source = [str(v) for v in tracks["locus"]]
    window = (int(start), int(end), int(astart), int(aend))
    names = [str(n) for n in tracks["dnase_names"]]
    n_rows = 2 + len(names) + 1
    fig, axes = plt.subplots(
        n_rows, 1, figsize=(7, 1.2 * n_rows + 0.6), layout="constrained",
        gridspec_kw={"height_ratios": [1] * (n_rows - 1) + [1.6]},
    )  # fmt: skip
    lo, hi = tracks["bin_start"], tracks["bin_end"]
    _step_track(axes[0], lo, hi, tracks["prediction"], "#6a3d9a", "predicted", window)
    axes[0].set_ylim(0, 1)
    _step_track(axes[1], lo, hi, tracks["label"], "#33a02c", "true", window)
    axes[1].set_ylim(0, 1.05)
    pos, res = tracks["dnase_position"], int(tracks["dnase_resolution"])
    for i, name in enumerate(names):
        _step_track(axes[2 + i], pos, pos + res, tracks["dnase"][:, i], "#1f78b4", f"DNase\n{name}",
                    window)  # fmt: skip
    for ax in axes[:-2]:
        ax.tick_params(labelbottom=False)
    axes[-2].set_xlabel(f"{chrom} ({source})", fontsize=8)
    attribution = np.asarray(tracks["attribution"], dtype=float)
    plot_logo(attribution, bases=str(tracks["bases"]), start=window[2], ax=axes[-1])
    axes[-1].set_ylabel("attribution", rotation=0, ha="right", va="center", fontsize=8)
    axes[-1].set_xlabel(f"{chrom}:{window[2]:,}-{window[3]:,}", fontsize=8)
    fig.suptitle("JunD: predicted vs true binding, DNase input and DNA attribution", fontsize=9)
    return fig, axes


#: The panels drawn from the metrics table, by name (``fig2d`` is drawn from the locus tracks).
METRICS_PANELS = {"fig2a": plot_fig2a, "fig2b": plot_fig2b, "fig2c": plot_fig2c}

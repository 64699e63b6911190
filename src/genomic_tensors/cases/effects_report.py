"""Variant effects in the report: the planted classes of a VCF, the auROC of each JunD model's effects,
the figure, and the paper's conjecture as rows of the paper-vs-reproduction table.

The conjecture (Kopp et al. 2020): higher-order one-hot encodings capture the sequence better, so their
models should separate variant effect classes better. Measured on a VCF with planted classes (INFO
``EFFECT=destroy|create|neutral``, the demo world): the auROC of ``-diff`` for site-destroying against
neutral SNVs, per JunD DNA model; per order the median over the models at the lowest input dropout.

Light at import (pandas only): the summary imports :func:`claims`; pysam and matplotlib load lazily.
"""

from __future__ import annotations

import math
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd

from genomic_tensors.cases.base import Claim, ClaimSpec, Measured, NotTestable, evaluate_claims, signed

__all__ = [
    "AUROC_COLUMNS",
    "CLAIMS",
    "CLASSES",
    "auroc",
    "claims",
    "model_aurocs",
    "order_aurocs",
    "planted_classes",
    "read_aurocs",
    "variant_figure",
]

#: The planted effect classes of the demo world's VCF (INFO ``EFFECT``).
CLASSES = ("destroy", "create", "neutral")
#: Columns of the per-model auROC table (``jund_auroc.tsv``), in this order.
AUROC_COLUMNS = ["order", "dropout", "replicate", "n_destroy", "n_neutral", "auroc"]
NO_CLASSES = "the VCF has no planted EFFECT classes (destroy and neutral)"


def planted_classes(vcf: str | Path) -> pd.Series:
    """``variant_id -> EFFECT`` of the records whose INFO has an ``EFFECT`` (empty when none has).

    The ID is the VCF's, or ``chrom:pos:ref>alt`` for ``.`` (one entry per ALT allele then).
    """
    import pysam

    classes = {}
    with pysam.VariantFile(str(vcf)) as source:
        has_effect = "EFFECT" in source.header.info
        for rec in source.fetch():
            effect = rec.info.get("EFFECT") if has_effect else None
            if effect is None:
                continue
            effect = effect[0] if isinstance(effect, tuple) else effect
            ids = [rec.id] if rec.id else [f"{rec.chrom}:{rec.pos}:{rec.ref}>{alt}" for alt in rec.alts or ()]
            for vid in ids:
                classes[vid] = str(effect)
    return pd.Series(classes, name="effect", dtype=object)


def auroc(positive: np.ndarray, negative: np.ndarray) -> float:
    """The probability that a positive's score exceeds a negative's (ties count half); NaN if either is
    empty."""
    pos, neg = np.asarray(positive, float), np.asarray(negative, float)
    if pos.size == 0 or neg.size == 0:
        return math.nan
    greater = (pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()
    return float(greater / (pos.size * neg.size))


def model_aurocs(effects: pd.DataFrame, classes: pd.Series) -> pd.DataFrame:
    """Per JunD model (order, dropout, replicate), the auROC of ``-diff`` for destroy against neutral
    (:data:`AUROC_COLUMNS`; empty when no variant has those classes)."""
    effect = effects["variant_id"].map(classes)
    rows = []
    for (order, dropout, replicate), part in effects.groupby(["order", "dropout", "replicate"]):
        cls = effect.loc[part.index]
        destroy, neutral = -part.loc[cls == "destroy", "diff"], -part.loc[cls == "neutral", "diff"]
        if len(destroy) and len(neutral):
            rows.append([order, dropout, replicate, len(destroy), len(neutral), auroc(destroy, neutral)])
    return pd.DataFrame(rows, columns=AUROC_COLUMNS)


def order_aurocs(aurocs: pd.DataFrame) -> tuple[dict[int, float], float]:
    """Median auROC per order over the models at the lowest input dropout, and that dropout."""
    if aurocs.empty:
        raise NotTestable(NO_CLASSES)
    low = float(aurocs["dropout"].min())
    rows = aurocs[aurocs["dropout"] == low]
    return {int(k): float(v) for k, v in rows.groupby("order")["auroc"].median().items()}, low


def read_aurocs(path: str | Path) -> pd.DataFrame:
    """Read a ``jund_auroc.tsv`` (columns :data:`AUROC_COLUMNS`)."""
    frame = pd.read_csv(path, sep="\t")
    if list(frame.columns) != AUROC_COLUMNS:
        raise ValueError(f"{path}: columns {list(frame.columns)}; expected {AUROC_COLUMNS}")
    return frame


# --------------------------------------------------------------------------------------------- claims
def _order_separates(order: int, aurocs: pd.DataFrame) -> Measured:
    by_order, low = order_aurocs(aurocs)
    if 1 not in by_order or order not in by_order:
        raise NotTestable(f"orders 1 and {order} are not both among the scored JunD models")
    delta = by_order[order] - by_order[1]
    return Measured(
        signed(delta),
        delta > 0,
        f"auROC of -diff, destroy vs neutral: order 1 {by_order[1]:.3f}, order {order} "
        f"{by_order[order]:.3f}; median over models at dropout {low:g}",
    )


CLAIMS = [
    ClaimSpec(
        "higher-order one-hot separates variant effect classes better: order 2 vs 1 (auROC delta)",
        "> 0 (conjecture)",
        partial(_order_separates, 2),
    ),
    ClaimSpec(
        "higher-order one-hot separates variant effect classes better: order 3 vs 1 (auROC delta)",
        "> 0 (conjecture)",
        partial(_order_separates, 3),
    ),
]


def claims(aurocs: pd.DataFrame | None) -> list[Claim]:
    """The variant rows of the paper-vs-reproduction table (None: no `variants` section, every row NA)."""
    rows = evaluate_claims("variants", CLAIMS, aurocs, AUROC_COLUMNS)
    if aurocs is None:
        note = "no `variants` section in the configuration"
        return [Claim(c.case, c.claim, c.paper, c.reproduction, c.holds, note) for c in rows]
    return rows


# --------------------------------------------------------------------------------------------- figure
def variant_figure(
    effects: pd.DataFrame | None, classes: pd.Series, top: pd.DataFrame | None, *paths: str | Path
) -> list[Path]:
    """The variant effects figure: with planted classes and JunD effects, per order the distributions of
    ``diff`` by class (auROC per order in the titles); otherwise the strongest variants per feature
    category of the DeepSEA top table."""
    import matplotlib.pyplot as plt

    from genomic_tensors.cases.base import write_figure

    if effects is not None and len(effects) and len(classes):
        fig = _class_panels(plt, effects, classes)
    else:
        fig = _top_panels(plt, top)
    return write_figure(fig, *paths)


def _class_panels(plt, effects: pd.DataFrame, classes: pd.Series):
    aurocs = model_aurocs(effects, classes)
    low = float(effects["dropout"].min())
    rows = effects[effects["dropout"] == low].assign(effect=effects["variant_id"].map(classes))
    orders = sorted(rows["order"].unique())
    fig, axes = plt.subplots(1, len(orders), figsize=(3.2 * len(orders), 3.2), sharey=True, squeeze=False)
    for ax, order in zip(axes[0], orders):
        part = rows[rows["order"] == order]
        present = [c for c in CLASSES if (part["effect"] == c).any()]
        ax.boxplot([part.loc[part["effect"] == c, "diff"] for c in present], showfliers=False)
        for i, c in enumerate(present, start=1):
            values = part.loc[part["effect"] == c, "diff"]
            ax.scatter(np.full(len(values), i) + np.linspace(-0.15, 0.15, len(values)), values, s=6,
                       alpha=0.6)
        ax.set_xticks(range(1, len(present) + 1), present)
        sel = aurocs[(aurocs["order"] == order) & (aurocs["dropout"] == low)]["auroc"]
        ax.set_title(f"order {order}: auROC {sel.median():.2f}" if len(sel) else f"order {order}")
        ax.axhline(0, color="grey", lw=0.5)
    axes[0][0].set_ylabel(f"JunD effect, alt - ref (dropout {low:g})")
    fig.tight_layout()
    return fig


def _top_panels(plt, top: pd.DataFrame | None):
    fig, ax = plt.subplots(figsize=(6, 3.5))
    if top is None or top.empty:
        ax.text(0.5, 0.5, "no variant effects to show", ha="center", va="center")
        ax.set_axis_off()
        return fig
    best = top.assign(strength=top["logodds"].abs()).sort_values("strength", ascending=False)
    best = best.groupby("category", sort=True).head(5)
    labels = best["category"] + ": " + best["variant_id"].astype(str) + " " + best["feature"].astype(str)
    ax.barh(range(len(best)), best["logodds"], color="tab:blue")
    ax.set_yticks(range(len(best)), labels, fontsize=6)
    ax.invert_yaxis()
    ax.set_xlabel("log odds, alt vs ref (strongest per feature category)")
    fig.tight_layout()
    return fig

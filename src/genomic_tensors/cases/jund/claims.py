"""The paper's JunD claims (Fig. 2a-c), measured on the case's metrics table (test-chromosome rows).

Seven rows: order 2 vs 1, order 3 vs 1 (DNA model, lowest input dropout in the grid, medians over
replicates), input dropout by order, the two normalization claims (medians over replicates and both
augment settings), flip vs none (per-normalization median difference, averaged), and the combined model
against the best DNA and the best DNase setting (best by test median, the strictest comparison).
Deltas are absolute auPRC differences (the paper's "8.3%" is 0.083 auPRC).

Light (pandas only): the summary imports it.
"""

from __future__ import annotations

import math
from functools import partial
from typing import Any

import pandas as pd

from genomic_tensors.cases.base import Claim, ClaimSpec, Measured, NotTestable
from genomic_tensors.cases.base import evaluate_claims, signed

__all__ = ["CLAIMS", "REQUIRED", "claims"]

#: Columns of the metrics table that the measures read.
REQUIRED = ["model", "order", "dropout", "normalization", "augment", "replicate", "split", "auprc"]

#: The paper's auPRC gain of one-hot order 2 and 3 over order 1.
_ORDER_GAIN = {2: 0.083, 3: 0.093}
_NORMALIZATIONS = ("none", "tpm", "zscorelog")


def _test(metrics: pd.DataFrame, model: str | None = None) -> pd.DataFrame:
    """The test-chromosome rows (of one model family)."""
    rows = metrics[metrics["split"] == "test"]
    return rows if model is None else rows[rows["model"] == model]


def _median(frame: pd.DataFrame, **keep: Any) -> float:
    """Median ``auprc`` of the rows matching every ``column=value`` in ``keep`` (NaN when none)."""
    sel = frame
    for key, value in keep.items():
        sel = sel[sel[key] == value]
    values = sel["auprc"].dropna()
    return float(values.median()) if len(values) else math.nan


def _dropouts(dna: pd.DataFrame) -> list[float]:
    return sorted(dna["dropout"].dropna().unique())


# ------------------------------------------------------------------------------------------ measures
def _order_gain(order: int, metrics: pd.DataFrame) -> Measured:
    """Median test auPRC of ``order`` minus order 1, at the lowest input dropout of the grid."""
    dna = _test(metrics, "dna")
    dropouts = _dropouts(dna)
    if not dropouts:
        raise NotTestable("no DNA model in the metrics")
    lo = _median(dna, order=1, dropout=dropouts[0])
    hi = _median(dna, order=order, dropout=dropouts[0])
    if math.isnan(lo) or math.isnan(hi):
        raise NotTestable(f"orders 1 and {order} are not both in the grid")
    delta = hi - lo
    return Measured(
        signed(delta),
        delta > 0,
        f"order 1 {lo:.3f}, order {order} {hi:.3f}; dropout {dropouts[0]:g}; "
        f"paper's magnitude {_ORDER_GAIN[order]:.3f}",
    )


def _dropout_by_order(metrics: pd.DataFrame) -> Measured:
    """Median test auPRC at the highest input dropout minus the lowest, per order."""
    dna = _test(metrics, "dna")
    dropouts = _dropouts(dna)
    if len(dropouts) < 2 or not {1, 2, 3} <= set(dna["order"].dropna().astype(int)):
        raise NotTestable("needs orders 1-3, each with and without input dropout")
    deltas = {
        k: _median(dna, order=k, dropout=dropouts[-1]) - _median(dna, order=k, dropout=dropouts[0])
        for k in (1, 2, 3)
    }
    return Measured(
        ", ".join(f"order {k} {signed(d)}" for k, d in deltas.items()),
        deltas[3] > 0 and deltas[1] < 0 and deltas[2] < 0,
        f"median test auPRC, dropout {dropouts[-1]:g} minus {dropouts[0]:g}",
    )


def _normalization_medians(metrics: pd.DataFrame) -> tuple[dict[str, float], str]:
    dnase = _test(metrics, "dnase")
    medians = {n: _median(dnase, normalization=n) for n in _NORMALIZATIONS}
    if any(math.isnan(v) for v in medians.values()):
        raise NotTestable("needs DNase models with none, tpm and zscorelog")
    return medians, ", ".join(f"{n} {v:.3f}" for n, v in medians.items())


_NORMALIZATION_NOTE = "median test auPRC over replicates and both augment settings"


def _normalizing_helps(metrics: pd.DataFrame) -> Measured:
    medians, text = _normalization_medians(metrics)
    holds = medians["tpm"] > medians["none"] and medians["zscorelog"] > medians["none"]
    return Measured(text, holds, _NORMALIZATION_NOTE)


def _zscorelog_best(metrics: pd.DataFrame) -> Measured:
    medians, text = _normalization_medians(metrics)
    holds = medians["zscorelog"] > max(medians["none"], medians["tpm"])
    return Measured(text, holds, _NORMALIZATION_NOTE)


def _flip_gain(metrics: pd.DataFrame) -> Measured:
    """Median test auPRC with flip minus without, per normalization, averaged."""
    dnase = _test(metrics, "dnase")
    deltas = [
        _median(dnase, normalization=n, augment="flip")
        - _median(dnase, normalization=n, augment="none")
        for n in sorted(dnase["normalization"].dropna().unique())
    ]
    deltas = [d for d in deltas if not math.isnan(d)]
    if not deltas:
        raise NotTestable("needs DNase models with and without flip")
    mean = sum(deltas) / len(deltas)
    return Measured(
        signed(mean),
        mean > 0,
        f"median test auPRC flip minus none, mean over {len(deltas)} normalizations",
    )


def _combined_beats_single(metrics: pd.DataFrame) -> Measured:
    """The combined model's median test auPRC against the best single setting's (by test median)."""
    test = _test(metrics)
    combined = _median(test, model="combined")
    best = {}
    for family, cols in (("dna", ["order", "dropout"]), ("dnase", ["normalization", "augment"])):
        rows = test[test["model"] == family]
        if len(rows):
            best[family] = float(rows.groupby(cols, dropna=False)["auprc"].median().max())
    if math.isnan(combined) or len(best) < 2:
        raise NotTestable("needs the combined, DNA and DNase models")
    return Measured(
        f"combined {combined:.3f}; best DNA {best['dna']:.3f}, best DNase {best['dnase']:.3f}",
        combined > max(best.values()),
        "median test auPRC over replicates; best single setting by its test median",
    )


# -------------------------------------------------------------------------------------------- claims
CLAIMS = [
    ClaimSpec(
        "one-hot order 2 beats order 1 (median test auPRC delta, DNA model)",
        "+0.083",
        partial(_order_gain, 2),
    ),
    ClaimSpec(
        "one-hot order 3 beats order 1 (median test auPRC delta, DNA model)",
        "+0.093",
        partial(_order_gain, 3),
    ),
    ClaimSpec(
        "input dropout helps order 3 slightly and hurts orders 1 and 2",
        "order 3 > 0; 1, 2 < 0",
        _dropout_by_order,
    ),
    ClaimSpec(
        "TPM and z-score of log(x+1) both beat no normalization (DNase model)",
        "tpm, zscorelog > none",
        _normalizing_helps,
    ),
    ClaimSpec(
        "z-score of log(x+1) is the best DNase normalization", "zscorelog best", _zscorelog_best
    ),
    ClaimSpec("flip augmentation helps slightly (DNase model)", "> 0, small", _flip_gain),
    ClaimSpec(
        "the combined DNA + DNase model beats both single-modality models",
        "combined 0.676 (median of 5) > DNA, DNase",
        _combined_beats_single,
    ),
]


def claims(metrics: pd.DataFrame | None) -> list[Claim]:
    """The JunD rows of the paper-vs-reproduction table (None: the case did not run, every row NA)."""
    return evaluate_claims("jund", CLAIMS, metrics, REQUIRED)

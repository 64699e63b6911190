"""The paper's claims beside this reproduction's numbers (``results/summary/paper_vs_reproduction.tsv``).

Every claim of the three case studies (Kopp et al. 2020; listed in the project's ``EXPERIMENTS.md``) becomes
one row, computed from the case's metrics table alone:

- Case 1, JunD (``results/jund/metrics.tsv``, test-chromosome rows): the median auPRC gain of one-hot order
  2 and 3 over order 1; input dropout helping order 3 but not orders 1-2; the normalization ranking of the
  DNase model; the flip augmentation; the combined model against the best single-modality settings.
- Case 2, DeepSEA/DanQ (``results/deepsea/metrics.tsv``, per-feature test auPRC): DanQ over DeepSEA;
  the context gain of histone marks; the order-3 gain by feature class; both strands over forward only.
- Case 3, CAGE (``results/cage/metrics.tsv``): each cell of Table 1 and its two orderings.

Each row has the columns :data:`SUMMARY_COLUMNS`: ``case`` (jund, deepsea, cage), ``claim`` (one sentence),
``paper`` (the paper's value as text), ``reproduction`` (ours as text, ``NA`` when not computable),
``holds`` (True, False, or ``pd.NA`` when the runs the claim needs are not in the grid or the case was not
run) and ``note`` (how the number was computed, or why it is missing). A claim holds when our numbers
point the same way as the paper's (the sign of a delta, an ordering); magnitudes are reported, not
tested, except for Table 1 cells (see :func:`cage_claims`). Deltas are absolute auPRC differences (the
paper's "8.3%" is 0.083 auPRC).

Pure functions on ``pandas.DataFrame`` inputs; :func:`write_summary` reads and writes files.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import astuple, dataclass
from pathlib import Path
from typing import Any

import pandas as pd

__all__ = [
    "SUMMARY_COLUMNS",
    "Claim",
    "cage_claims",
    "deepsea_claims",
    "jund_claims",
    "paper_vs_reproduction",
    "read_metrics",
    "to_markdown",
    "write_summary",
]

#: Columns of ``paper_vs_reproduction.tsv``, in this order.
SUMMARY_COLUMNS = ["case", "claim", "paper", "reproduction", "holds", "note"]

#: Columns each case's metrics table must have for its claims (a subset of the case's METRIC_COLUMNS).
REQUIRED_COLUMNS = {
    "jund": [
        "model",
        "order",
        "dropout",
        "normalization",
        "augment",
        "replicate",
        "split",
        "auprc",
    ],
    "deepsea": ["model", "window", "order", "strands", "feature", "category", "auprc"],
    "cage": ["model", "order", "fold", "pearson"],
}

NOT_RUN = "case not run in this configuration"


@dataclass(frozen=True)
class Claim:
    """One row of the table. ``holds`` is True, False or None (not testable: written ``NA``)."""

    case: str
    claim: str
    paper: str
    reproduction: str
    holds: bool | None
    note: str

    def __post_init__(self) -> None:
        # numpy booleans from comparisons become plain bool, so that ``holds is True`` reads as expected.
        if self.holds is not None:
            object.__setattr__(self, "holds", bool(self.holds))


def _signed(value: float) -> str:
    return f"{value:+.3f}"


def _na(case: str, claim: str, paper: str, note: str) -> Claim:
    return Claim(case, claim, paper, "NA", None, note)


def _check_columns(case: str, metrics: pd.DataFrame) -> None:
    missing = [c for c in REQUIRED_COLUMNS[case] if c not in metrics.columns]
    if missing:
        raise ValueError(
            f"{case} metrics table lacks columns {missing}; expected at least {REQUIRED_COLUMNS[case]}"
        )


# ----------------------------------------------------------------------------------------- case 1: JunD
_JUND_ORDER = {2: 0.083, 3: 0.093}


def _median(frame: pd.DataFrame, **keep: Any) -> float:
    """Median ``auprc`` of the rows matching every ``column=value`` in ``keep`` (NaN when none)."""
    sel = frame
    for key, value in keep.items():
        sel = sel[sel[key] == value]
    values = sel["auprc"].dropna()
    return float(values.median()) if len(values) else math.nan


def jund_claims(metrics: pd.DataFrame | None) -> list[Claim]:
    """The JunD claims (Fig. 2a-c) from ``results/jund/metrics.tsv`` (test-chromosome rows only).

    Parameters
    ----------
    metrics
        The case's metrics table (columns ``model, order, dropout, normalization, augment, replicate,
        split, auprc, ...``), or None when the case was not run (every row ``NA``).

    Returns
    -------
    list of Claim
        Seven rows: order 2 vs 1, order 3 vs 1 (DNA model, lowest input dropout in the grid, medians
        over replicates), input dropout by order, the two normalization claims (medians over replicates
        and both augment settings), flip vs none (per-normalization median difference, averaged), and the
        combined model against the best DNA and the best DNase setting (best by test median, the
        strictest comparison).
    """
    case = "jund"
    specs = [
        ("one-hot order 2 beats order 1 (median test auPRC delta, DNA model)", "+0.083"),
        ("one-hot order 3 beats order 1 (median test auPRC delta, DNA model)", "+0.093"),
        ("input dropout helps order 3 slightly and hurts orders 1 and 2", "order 3 > 0; 1, 2 < 0"),
        (
            "TPM and z-score of log(x+1) both beat no normalization (DNase model)",
            "tpm, zscorelog > none",
        ),
        ("z-score of log(x+1) is the best DNase normalization", "zscorelog best"),
        ("flip augmentation helps slightly (DNase model)", "> 0, small"),
        (
            "the combined DNA + DNase model beats both single-modality models",
            "combined 0.676 (median of 5) > DNA, DNase",
        ),
    ]
    if metrics is None:
        return [_na(case, c, p, NOT_RUN) for c, p in specs]
    _check_columns(case, metrics)
    test = metrics[metrics["split"] == "test"]
    dna = test[test["model"] == "dna"]
    dnase = test[test["model"] == "dnase"]
    claims: list[Claim] = []

    # Higher-order encoding, at the lowest input dropout of the grid.
    dropouts = sorted(dna["dropout"].dropna().unique())
    for (claim, paper), order in zip(specs[:2], (2, 3)):
        if not dropouts:
            claims.append(_na(case, claim, paper, "no DNA model in the metrics"))
            continue
        lo, hi = _median(dna, order=1, dropout=dropouts[0]), _median(
            dna, order=order, dropout=dropouts[0]
        )
        if math.isnan(lo) or math.isnan(hi):
            claims.append(_na(case, claim, paper, f"orders 1 and {order} are not both in the grid"))
            continue
        delta = hi - lo
        claims.append(
            Claim(
                case,
                claim,
                paper,
                _signed(delta),
                delta > 0,
                f"order 1 {lo:.3f}, order {order} {hi:.3f}; dropout {dropouts[0]:g}; "
                f"paper's magnitude {_JUND_ORDER[order]:.3f}",
            )
        )

    # Input dropout by order.
    claim, paper = specs[2]
    if len(dropouts) < 2 or not {1, 2, 3} <= set(dna["order"].dropna().astype(int)):
        claims.append(
            _na(case, claim, paper, "needs orders 1-3, each with and without input dropout")
        )
    else:
        deltas = {
            k: _median(dna, order=k, dropout=dropouts[-1])
            - _median(dna, order=k, dropout=dropouts[0])
            for k in (1, 2, 3)
        }
        text = ", ".join(f"order {k} {_signed(d)}" for k, d in deltas.items())
        holds = deltas[3] > 0 and deltas[1] < 0 and deltas[2] < 0
        claims.append(
            Claim(
                case,
                claim,
                paper,
                text,
                holds,
                f"median test auPRC, dropout {dropouts[-1]:g} minus {dropouts[0]:g}",
            )
        )

    # Normalization ranking.
    medians = {n: _median(dnase, normalization=n) for n in ("none", "tpm", "zscorelog")}
    text = ", ".join(f"{n} {v:.3f}" for n, v in medians.items())
    note = "median test auPRC over replicates and both augment settings"
    if any(math.isnan(v) for v in medians.values()):
        claims += [
            _na(case, c, p, "needs DNase models with none, tpm and zscorelog")
            for c, p in specs[3:5]
        ]
    else:
        claims.append(
            Claim(
                case,
                *specs[3],
                text,
                medians["tpm"] > medians["none"] and medians["zscorelog"] > medians["none"],
                note,
            )
        )
        claims.append(
            Claim(
                case,
                *specs[4],
                text,
                medians["zscorelog"] > max(medians["none"], medians["tpm"]),
                note,
            )
        )

    # Flip augmentation.
    deltas = [
        _median(dnase, normalization=n, augment="flip")
        - _median(dnase, normalization=n, augment="none")
        for n in sorted(dnase["normalization"].dropna().unique())
    ]
    deltas = [d for d in deltas if not math.isnan(d)]
    if not deltas:
        claims.append(_na(case, *specs[5], "needs DNase models with and without flip"))
    else:
        mean = sum(deltas) / len(deltas)
        claims.append(
            Claim(
                case,
                *specs[5],
                _signed(mean),
                mean > 0,
                f"median test auPRC flip minus none, mean over {len(deltas)} normalizations",
            )
        )

    # Combined vs the best single-modality settings.
    combined = _median(test, model="combined")
    best = {}
    for family, cols in (("dna", ["order", "dropout"]), ("dnase", ["normalization", "augment"])):
        rows = test[test["model"] == family]
        if len(rows):
            best[family] = float(rows.groupby(cols, dropna=False)["auprc"].median().max())
    if math.isnan(combined) or len(best) < 2:
        claims.append(_na(case, *specs[6], "needs the combined, DNA and DNase models"))
    else:
        claims.append(
            Claim(
                case,
                *specs[6],
                f"combined {combined:.3f}; best DNA {best['dna']:.3f}, best DNase {best['dnase']:.3f}",
                combined > max(best.values()),
                "median test auPRC over replicates; best single setting by its test median",
            )
        )
    return claims


# ----------------------------------------------------------------------------- case 2: DeepSEA and DanQ
_CATEGORIES = ("Histone", "DNase", "TF")
_ORDER_GAIN = {"Histone": 0.01, "DNase": 0.041, "TF": 0.033}
_STRAND_GAIN = {1: 0.012, 2: 0.019, 3: 0.020}


def _feature_delta(metrics: pd.DataFrame, vary: str, a: Any, b: Any, **keep: Any) -> pd.DataFrame:
    """Per-feature ``delta = auprc(vary=b) - auprc(vary=a)`` with its category; empty if a run is missing."""
    sel = metrics
    for key, value in keep.items():
        sel = sel[sel[key] == value]
    wide = sel.pivot_table(index=["feature", "category"], columns=vary, values="auprc")
    if a not in wide.columns or b not in wide.columns:
        return pd.DataFrame(columns=["feature", "category", "delta"])
    delta = (wide[b] - wide[a]).dropna().rename("delta").reset_index()
    return delta


def deepsea_claims(metrics: pd.DataFrame | None) -> list[Claim]:
    """The DeepSEA/DanQ claims (Fig. 3a-c, Supplementary Fig. 1) from ``results/deepsea/metrics.tsv``.

    Parameters
    ----------
    metrics
        Per-feature test metrics (columns ``model, window, order, strands, feature, category, auprc``),
        or None when the case was not run.

    Returns
    -------
    list of Claim
        DanQ vs DeepSEA (median per-feature delta for every window, order, strands and class in both
        models: holds when all are positive); histone context gain (DanQ, highest order, both strands,
        shortest vs longest window of the grid: holds when the histone median delta is positive and above
        DNase's and TF's); order 3 vs 1 by class (DanQ, longest window, both strands: median delta > 0);
        TFs gaining more than 0.1 from order 3; both strands vs forward only (DanQ, 1000 bp, each order:
        mean delta > 0). Rows whose runs are not in the grid are ``NA``.
    """
    case = "deepsea"
    model_claim = ("DanQ beats DeepSEA at every window, order and feature class", "all deltas > 0")
    context_claim = (
        "histone marks gain from longer context; DNase and TF features barely do",
        "Histone > 0, above DNase and TF (500 vs 2000 bp)",
    )
    order_claims = [
        (
            f"order 3 beats order 1 for {c} features (DanQ, median delta auPRC)",
            _signed(_ORDER_GAIN[c]),
        )
        for c in _CATEGORIES
    ]
    tf_claim = (
        "a handful of TFs gain much more from order 3 (delta auPRC > 0.1)",
        "31 TF features",
    )
    strand_claims = [
        (
            f"both strands beat forward only, order {k} (DanQ 1000 bp, mean delta auPRC)",
            _signed(_STRAND_GAIN[k]),
        )
        for k in (1, 2, 3)
    ]
    specs = [model_claim, context_claim, *order_claims, tf_claim, *strand_claims]
    if metrics is None:
        return [_na(case, c, p, NOT_RUN) for c, p in specs]
    _check_columns(case, metrics)
    m = metrics.dropna(subset=["auprc"])
    danq = m[m["model"] == "danq"]
    claims: list[Claim] = []

    # DanQ vs DeepSEA.
    medians = []
    for (w, o, s), _ in m.groupby(["window", "order", "strands"], sort=True):
        d = _feature_delta(m, "model", "deepsea", "danq", window=w, order=o, strands=s)
        medians += [float(g["delta"].median()) for _, g in d.groupby("category")]
    if not medians:
        claims.append(_na(case, *model_claim, "needs DeepSEA and DanQ runs of the same setting"))
    else:
        n_pos = sum(v > 0 for v in medians)
        claims.append(
            Claim(
                case,
                *model_claim,
                f"{n_pos}/{len(medians)} positive (median delta {min(medians):+.3f} to {max(medians):+.3f})",
                n_pos == len(medians),
                "median per-feature delta auPRC per window, order, strands and feature class",
            )
        )

    # Context gain by class.
    both = danq[danq["strands"] == "both"]
    windows = sorted(both["window"].unique())
    orders = sorted(both["order"].unique())
    if len(windows) < 2:
        claims.append(_na(case, *context_claim, "needs DanQ at two windows"))
    else:
        d = _feature_delta(both, "window", windows[0], windows[-1], order=orders[-1])
        by = d.groupby("category")["delta"].median()
        if not set(_CATEGORIES) <= set(by.index):
            claims.append(_na(case, *context_claim, "needs Histone, DNase and TF features"))
        else:
            holds = by["Histone"] > 0 and by["Histone"] > by["DNase"] and by["Histone"] > by["TF"]
            claims.append(
                Claim(
                    case,
                    *context_claim,
                    ", ".join(f"{c} {_signed(by[c])}" for c in _CATEGORIES),
                    holds,
                    f"DanQ order {orders[-1]}, both strands, {windows[0]} vs {windows[-1]} bp, median delta",
                )
            )

    # Order 3 vs 1 by class, and the TFs gaining most.
    if not windows or not {1, 3} <= set(orders):
        claims += [
            _na(case, c, p, "needs DanQ at orders 1 and 3") for c, p in [*order_claims, tf_claim]
        ]
    else:
        d = _feature_delta(both, "order", 1, 3, window=windows[-1])
        by = d.groupby("category")["delta"].median()
        note = f"DanQ {windows[-1]} bp, both strands, median per-feature delta"
        for category, (claim, paper) in zip(_CATEGORIES, order_claims):
            if category not in by.index:
                claims.append(_na(case, claim, paper, f"no {category} features"))
            else:
                claims.append(
                    Claim(
                        case,
                        claim,
                        paper,
                        _signed(by[category]),
                        by[category] > 0,
                        f"{note}; paper's magnitude {_ORDER_GAIN[category]:.3f}",
                    )
                )
        tf = d[d["category"] == "TF"]
        n_big = int((tf["delta"] > 0.1).sum())
        claims.append(
            Claim(
                case,
                *tf_claim,
                f"{n_big} of {len(tf)} TF features",
                n_big > 0,
                f"DanQ {windows[-1]} bp, both strands",
            )
        )

    # Both strands vs forward only.
    for k, (claim, paper) in zip((1, 2, 3), strand_claims):
        d = _feature_delta(danq, "strands", "forward", "both", window=1000, order=k)
        if d.empty:
            claims.append(
                _na(case, claim, paper, f"DanQ 1000 bp order {k} forward-only run not in the grid")
            )
        else:
            mean = float(d["delta"].mean())
            claims.append(
                Claim(case, claim, paper, _signed(mean), mean > 0, f"mean over {len(d)} features")
            )
    return claims


# ------------------------------------------------------------------------------------------ case 3: CAGE
_TABLE1 = {
    ("dna", 1): 0.533,
    ("dna", 2): 0.559,
    ("dna", 3): 0.585,
    ("chromatin", None): 0.777,
    ("combined", 1): 0.775,
    ("combined", 2): 0.783,
    ("combined", 3): 0.784,
}
_LABELS = {"dna": "DNA", "chromatin": "chromatin", "combined": "DNA + chromatin"}


def _mean_se(values: pd.Series) -> tuple[float, float, int]:
    values = values.dropna().astype(float)
    n = len(values)
    mean = float(values.mean()) if n else math.nan
    se = float(values.std(ddof=1) / math.sqrt(n)) if n > 1 else math.nan
    return mean, se, n


def cage_claims(metrics: pd.DataFrame | None) -> list[Claim]:
    """Table 1 from ``results/cage/metrics.tsv``: each cell, then two orderings.

    Parameters
    ----------
    metrics
        One row per model, order and fold (columns ``model, order, fold, pearson, ...``; ``order`` empty
        for the chromatin model), or None when the case was not run.

    Returns
    -------
    list of Claim
        Seven cells (DNA orders 1-3, chromatin, DNA + chromatin orders 1-3): ours is the mean test Pearson
        r over folds ± its standard error; a cell holds when the paper's value lies within two standard
        errors of our mean (NA with fewer than two folds or when the cell was not run). Then "the DNA model
        improves with order (3 over 1)" and "DNA + chromatin beats DNA alone at every order run".
    """
    case = "cage"
    cells = [
        (f"Table 1, {_LABELS[model]}" + (f", order {k}" if k else ""), f"{paper:.3f}", model, k)
        for (model, k), paper in _TABLE1.items()
    ]
    order_claim = ("Table 1: the DNA model improves with one-hot order (3 over 1)", "0.585 > 0.533")
    combined_claim = (
        "Table 1: DNA + chromatin beats DNA alone at every order",
        "0.775/0.783/0.784 > 0.533/0.559/0.585",
    )
    if metrics is None:
        return [_na(case, c, p, NOT_RUN) for c, p, _, _ in cells] + [
            _na(case, c, p, NOT_RUN) for c, p in (order_claim, combined_claim)
        ]
    _check_columns(case, metrics)
    claims: list[Claim] = []
    means: dict[tuple[str, int | None], float] = {}
    for claim, paper, model, k in cells:
        rows = metrics[metrics["model"] == model]
        if k is not None:
            rows = rows[rows["order"] == k]
        mean, se, n = _mean_se(rows["pearson"])
        if n == 0:
            claims.append(_na(case, claim, paper, "not in the grid"))
            continue
        means[(model, k)] = mean
        if n < 2:
            claims.append(
                Claim(
                    case,
                    claim,
                    paper,
                    f"{mean:.3f} (1 fold)",
                    None,
                    "one fold: no standard error to compare with",
                )
            )
            continue
        holds = abs(mean - _TABLE1[(model, k)]) <= 2 * se
        claims.append(
            Claim(
                case,
                claim,
                paper,
                f"{mean:.3f} ± {se:.3f} ({n} folds)",
                holds,
                "mean test Pearson r over folds ± SE; holds if the paper's value is within 2 SE",
            )
        )
    if ("dna", 1) in means and ("dna", 3) in means:
        lo, hi = means[("dna", 1)], means[("dna", 3)]
        claims.append(
            Claim(case, *order_claim, f"{hi:.3f} vs {lo:.3f}", hi > lo, "mean over folds")
        )
    else:
        claims.append(_na(case, *order_claim, "needs the DNA model at orders 1 and 3"))
    pairs = [
        (k, means[("dna", k)], means[("combined", k)])
        for k in (1, 2, 3)
        if ("dna", k) in means and ("combined", k) in means
    ]
    if pairs:
        claims.append(
            Claim(
                case,
                *combined_claim,
                "; ".join(f"order {k} {c:.3f} vs {d:.3f}" for k, d, c in pairs),
                all(c > d for _, d, c in pairs),
                "mean over folds, orders in the grid",
            )
        )
    else:
        claims.append(_na(case, *combined_claim, "needs DNA and combined models of the same order"))
    return claims


# ---------------------------------------------------------------------------------------------- table
def paper_vs_reproduction(
    jund: pd.DataFrame | None = None,
    deepsea: pd.DataFrame | None = None,
    cage: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """All claims of the three cases as one table (columns :data:`SUMMARY_COLUMNS`).

    A case passed as None (not run) keeps its rows, with ``reproduction`` ``NA`` and ``holds`` NA.
    ``holds`` has the pandas ``boolean`` dtype.
    """
    claims = jund_claims(jund) + deepsea_claims(deepsea) + cage_claims(cage)
    table = pd.DataFrame([astuple(c) for c in claims], columns=SUMMARY_COLUMNS)
    table["holds"] = table["holds"].astype("boolean")
    return table


def to_markdown(table: pd.DataFrame) -> str:
    """A markdown rendering of :func:`paper_vs_reproduction`, headed by the count of claims that hold."""
    holds = table["holds"]
    n_true, n_false, n_na = (
        int((holds == True).sum()),
        int((holds == False).sum()),
        int(holds.isna().sum()),
    )  # noqa: E712
    lines = [
        "# The paper's claims and this reproduction",
        "",
        f"{n_true} hold, {n_false} do not, {n_na} not testable in this configuration "
        "(Kopp et al. 2020; deltas are absolute auPRC differences).",
        "",
        "| " + " | ".join(SUMMARY_COLUMNS) + " |",
        "|" + "|".join("---" for _ in SUMMARY_COLUMNS) + "|",
    ]
    for row in table.itertuples(index=False):
        cells = ["NA" if c is pd.NA else str(c) for c in row]
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    return "\n".join(lines) + "\n"


def read_metrics(path: str | Path, case: str) -> pd.DataFrame:
    """Read one case's ``metrics.tsv`` and check it has the columns its claims need."""
    if case not in REQUIRED_COLUMNS:
        raise ValueError(f"unknown case {case!r}; expected one of {sorted(REQUIRED_COLUMNS)}")
    frame = pd.read_csv(path, sep="\t")
    missing = [c for c in REQUIRED_COLUMNS[case] if c not in frame.columns]
    if missing:
        raise ValueError(f"{path}: {case} metrics lack columns {missing}")
    return frame


def write_summary(
    tsv: str | Path, markdown: str | Path, metrics: Mapping[str, str | Path] | None = None
) -> pd.DataFrame:
    """Build the table from the metrics files given per case (``{"jund": path, ...}``; a case absent from
    ``metrics`` was not run) and write it as TSV (``holds`` as True/False/NA) and markdown."""
    metrics = dict(metrics or {})
    unknown = sorted(set(metrics) - set(REQUIRED_COLUMNS))
    if unknown:
        raise ValueError(f"unknown case(s) {unknown}; expected some of {sorted(REQUIRED_COLUMNS)}")
    frames = {case: read_metrics(path, case) for case, path in metrics.items()}
    table = paper_vs_reproduction(**frames)
    Path(tsv).parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(tsv, sep="\t", index=False, na_rep="NA")
    Path(markdown).write_text(to_markdown(table))
    return table

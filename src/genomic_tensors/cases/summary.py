"""The paper's claims beside this reproduction's numbers: the claims of every case, joined into one table.

Every claim of the three case studies (Kopp et al. 2020; listed in the project's ``EXPERIMENTS.md``) is one
row, computed from the case's metrics table alone by the case's own claims table
(``genomic_tensors.cases.<case>.claims``: JunD Fig. 2a-c, DeepSEA/DanQ Fig. 3a-c and Supplementary Fig. 1,
CAGE Table 1). This module only joins them, in the order of the case registry.

Each row has the columns :data:`SUMMARY_COLUMNS`: ``case``, ``claim`` (one sentence), ``paper`` (the
paper's value as text), ``reproduction`` (ours as text, ``NA`` when not computable), ``holds`` (True, False,
or ``pd.NA`` when the runs the claim needs are not in the grid or the case was not run) and ``note`` (how
the number was computed, or why it is missing). A claim holds when our numbers point the same way as the
paper's (the sign of a delta, an ordering); magnitudes are reported, not tested, except for Table 1 cells.
Deltas are absolute auPRC differences (the paper's "8.3%" is 0.083 auPRC).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import astuple
from pathlib import Path

import pandas as pd

from genomic_tensors.cases import CASES, case_module
from genomic_tensors.cases import effects_report
from genomic_tensors.cases.base import Claim

__all__ = [
    "SUMMARY_COLUMNS",
    "Claim",
    "case_claims",
    "paper_vs_reproduction",
    "read_metrics",
    "to_markdown",
    "write_summary",
]

#: Columns of the paper-vs-reproduction table, in this order.
SUMMARY_COLUMNS = ["case", "claim", "paper", "reproduction", "holds", "note"]


def case_claims(case: str, metrics: pd.DataFrame | None) -> list[Claim]:
    """One case's claims from its metrics table (None: the case did not run, every row NA)."""
    return case_module(case, "claims").claims(metrics)


# ---------------------------------------------------------------------------------------------- table
def paper_vs_reproduction(
    *, variants: pd.DataFrame | None = None, **metrics: pd.DataFrame | None
) -> pd.DataFrame:
    """All claims of every registered case as one table (columns :data:`SUMMARY_COLUMNS`), from the metrics
    tables given by case name (``jund=...``), then the variant effect rows (case ``variants``) from the
    JunD models' auROC table (:func:`genomic_tensors.cases.effects_report.model_aurocs`; None: no
    `variants` section).

    A case not given, or given as None (not run), keeps its rows, with ``reproduction`` ``NA`` and ``holds``
    NA. ``holds`` has the pandas ``boolean`` dtype.
    """
    unknown = sorted(set(metrics) - set(CASES))
    if unknown:
        raise ValueError(f"unknown case(s) {unknown}; expected some of {list(CASES)}")
    claims = [claim for case in CASES for claim in case_claims(case, metrics.get(case))]
    claims += effects_report.claims(variants)
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
    if case not in CASES:
        raise ValueError(f"unknown case {case!r}; expected one of {sorted(CASES)}")
    required = case_module(case, "claims").REQUIRED
    frame = pd.read_csv(path, sep="\t")
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise ValueError(f"{path}: {case} metrics lack columns {missing}")
    return frame


def write_summary(
    tsv: str | Path,
    markdown: str | Path,
    metrics: Mapping[str, str | Path] | None = None,
    *,
    variants: str | Path | None = None,
) -> pd.DataFrame:
    """Build the table from the metrics files given per case (``{"jund": path, ...}``; a case absent from
    ``metrics`` was not run) and the variant effects' auROC table (``jund_auroc.tsv``; None: no `variants`
    section), and write it as TSV (``holds`` as True/False/NA) and markdown."""
    metrics = dict(metrics or {})
    unknown = sorted(set(metrics) - set(CASES))
    if unknown:
        raise ValueError(f"unknown case(s) {unknown}; expected some of {sorted(CASES)}")
    frames = {case: read_metrics(path, case) for case, path in metrics.items()}
    aurocs = effects_report.read_aurocs(variants) if variants is not None else None
    table = paper_vs_reproduction(variants=aurocs, **frames)
    Path(tsv).parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(tsv, sep="\t", index=False, na_rep="NA")
    Path(markdown).write_text(to_markdown(table))
    return table

"""The tables of case 3: the metrics table of every (run, fold) and Table 1 (mean Pearson r over folds).

:func:`table1_cell` computes one cell of Table 1 (mean, standard error and count of the test Pearson r over
folds, and the paper's value); :func:`table1` (the table the workflow writes) and the case's claims
(:mod:`genomic_tensors.cases.cage.claims`) both read their cells from it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

import pandas as pd

from genomic_tensors.cases.base import collect_tables, mean_se, read_table
from genomic_tensors.cases.cage.grid import MODEL_LABELS, MODELS

__all__ = [
    "METRIC_COLUMNS",
    "PAPER_TABLE1",
    "Cell",
    "collect_metrics",
    "read_metrics",
    "table1",
    "table1_cell",
    "table1_markdown",
    "write_table1",
]

METRIC_COLUMNS = ["model", "order", "fold", "pearson", "pearson_validation", "mae", "n_test"]
"""Columns of the case's metrics table (and of each job's one-row table), in this order (a contract of the
workflow). ``order`` is empty for the chromatin model."""

_METRIC_DTYPES = {"model": str, "fold": str}

PAPER_TABLE1: dict[tuple[str, int | None], float] = {
    ("dna", 1): 0.533,
    ("dna", 2): 0.559,
    ("dna", 3): 0.585,
    ("chromatin", None): 0.777,
    ("combined", 1): 0.775,
    ("combined", 2): 0.783,
    ("combined", 3): 0.784,
}
"""Kopp et al. 2020, Table 1: mean Pearson r on chr1 over 21 folds, by (model, order). The chromatin model
does not use DNA (order None): the paper prints its one value in every order column."""


# ------------------------------------------------------------------------------------ metrics table
def _chrom_key(name: str) -> tuple[int, str]:
    match = re.match(r"^(?:chr)?(\d+)$", str(name))
    return (int(match.group(1)), "") if match else (10**6, str(name))


def collect_metrics(paths: Sequence[str | Path]) -> pd.DataFrame:
    """Concatenate the jobs' one-row metrics tables into the case's metrics table (columns
    :data:`METRIC_COLUMNS`, ``order`` empty for the chromatin model), sorted by model (Table 1 row order),
    order and fold (chromosome number)."""
    metrics = collect_tables(paths, METRIC_COLUMNS, what="CAGE metrics", dtype=_METRIC_DTYPES)
    unknown = sorted(set(metrics["model"]) - set(MODELS))
    if unknown:
        raise ValueError(f"unknown model(s) {unknown} in the metrics; expected {list(MODELS)}")
    metrics["order"] = metrics["order"].astype("Int64")
    rank = metrics["model"].map({m: i for i, m in enumerate(MODELS)})
    fold_rank = metrics["fold"].map(_chrom_key)
    return (
        metrics.assign(_m=rank, _o=metrics["order"].fillna(0), _f=fold_rank)
        .sort_values(["_m", "_o", "_f"], kind="stable")
        .drop(columns=["_m", "_o", "_f"])
        .reset_index(drop=True)
    )


def read_metrics(path: str | Path) -> pd.DataFrame:
    """The case's metrics table as :func:`collect_metrics` wrote it (``order`` as nullable integers)."""
    frame = read_table(path, METRIC_COLUMNS, dtype=_METRIC_DTYPES)
    frame["order"] = frame["order"].astype("Int64")
    return frame


# ------------------------------------------------------------------------------------------ Table 1
class Cell(NamedTuple):
    """One cell of Table 1: the test Pearson r over folds (mean, standard error, number of folds; NaN
    without folds, a NaN ``se`` with one) and the paper's value (NaN where the paper has none)."""

    mean: float
    se: float
    folds: int
    paper: float


def table1_cell(metrics: pd.DataFrame, model: str, order: int | None) -> Cell:
    """The Table 1 cell of ``model`` at DNA ``order`` (ignored for the chromatin model, which has none)
    from a metrics table (columns ``model``, ``order``, ``pearson``; one row per run and fold)."""
    rows = metrics[metrics["model"] == model]
    if model == "chromatin":
        order = None
    else:
        rows = rows[rows["order"] == order]
    mean, se, folds = mean_se(rows["pearson"])
    return Cell(mean, se, folds, PAPER_TABLE1.get((model, order), math.nan))


def table1(metrics: pd.DataFrame, orders: Sequence[int] = (1, 2, 3)) -> pd.DataFrame:
    """Table 1: mean and standard error (sample sd / sqrt(folds)) of the test Pearson r over folds.

    Returns one row per model present (dna, chromatin, combined order) with columns ``model``, ``label``,
    then for each order k: ``order{k}_mean``, ``order{k}_se``, ``order{k}_folds``, ``order{k}_paper``. The
    chromatin model has no order: its one value fills every order column, as in the paper.
    """
    rows = []
    for model in MODELS:
        if not (metrics["model"] == model).any():
            continue
        row: dict[str, object] = {"model": model, "label": MODEL_LABELS[model]}
        for k in orders:
            cell = table1_cell(metrics, model, k)
            row[f"order{k}_mean"] = cell.mean
            row[f"order{k}_se"] = cell.se
            row[f"order{k}_folds"] = cell.folds
            row[f"order{k}_paper"] = cell.paper
        rows.append(row)
    if not rows:
        raise ValueError("no CAGE metrics rows to aggregate into Table 1")
    return pd.DataFrame(rows)


def _ours(mean: float, se: float, folds: int) -> str:
    """A cell of ours in the markdown: ``mean ± se (n=folds)``, without ``± se`` for one fold."""
    if folds == 0 or pd.isna(mean):
        return "–"
    if pd.isna(se):
        return f"{mean:.3f} (n={folds})"
    return f"{mean:.3f} ± {se:.3f} (n={folds})"


def table1_markdown(table: pd.DataFrame, orders: Sequence[int] = (1, 2, 3)) -> str:
    """Markdown of :func:`table1`: ``mean ± se`` of ours beside the paper's mean for each order."""
    header = ["model"]
    for k in orders:
        header += [f"order {k}", f"order {k} (paper)"]
    lines = [
        "Mean Pearson r on the test chromosome over folds (± standard error); the paper: Kopp et al. 2020, "
        "Table 1.",
        "",
        "| " + " | ".join(header) + " |",
        "|" + "|".join(["---"] + ["---:"] * (2 * len(orders))) + "|",
    ]
    for _, row in table.iterrows():
        cells = [str(row["label"])]
        for k in orders:
            paper = row[f"order{k}_paper"]
            cells += [
                _ours(row[f"order{k}_mean"], row[f"order{k}_se"], row[f"order{k}_folds"]),
                "–" if pd.isna(paper) else f"{paper:.3f}",
            ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def write_table1(
    metrics: str | Path, tsv: str | Path, markdown: str | Path, orders: Sequence[int] = (1, 2, 3)
) -> pd.DataFrame:
    """Read the case's metrics table, write Table 1 as TSV and markdown; returns the table."""
    table = table1(read_metrics(metrics), orders)
    table.to_csv(tsv, sep="\t", index=False, float_format="%.4f")
    Path(markdown).write_text(table1_markdown(table, orders))
    return table

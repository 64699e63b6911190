"""The claims of case 3 (Table 1) beside this reproduction's numbers, from the case's metrics table.

Seven rows, one per cell of Table 1 (DNA at orders 1-3, chromatin, DNA + chromatin at orders 1-3): ours is
the mean test Pearson r over folds ± its standard error, the same cell
(:func:`~genomic_tensors.cases.cage.tables.table1_cell`) that Table 1 prints; a cell holds when the paper's
value lies within two standard errors of our mean (NA with fewer than two folds or when the cell was not
run). Then two orderings: "the DNA model improves with order (3 over 1)" and "DNA + chromatin beats DNA
alone at every order run".
"""

from __future__ import annotations

import pandas as pd

from genomic_tensors.cases.base import Claim, ClaimSpec, Measured, NotTestable, evaluate_claims
from genomic_tensors.cases.cage.grid import MODEL_LABELS
from genomic_tensors.cases.cage.tables import PAPER_TABLE1, Cell, table1_cell

__all__ = ["CLAIMS", "REQUIRED", "claims"]

REQUIRED = ["model", "order", "fold", "pearson"]
"""The metrics columns the measures read."""

_ORDERS = (1, 2, 3)


def _cell_spec(model: str, order: int | None) -> ClaimSpec:
    """The claim of one Table 1 cell: the paper's value within two standard errors of our mean."""
    paper = PAPER_TABLE1[(model, order)]

    def measure(metrics: pd.DataFrame) -> Measured:
        cell = table1_cell(metrics, model, order)
        if cell.folds == 0:
            raise NotTestable("not in the grid")
        if cell.folds < 2:
            return Measured(
                f"{cell.mean:.3f} (1 fold)", None, "one fold: no standard error to compare with"
            )
        return Measured(
            f"{cell.mean:.3f} ± {cell.se:.3f} ({cell.folds} folds)",
            abs(cell.mean - paper) <= 2 * cell.se,
            "mean test Pearson r over folds ± SE; holds if the paper's value is within 2 SE",
        )

    claim = f"Table 1, {MODEL_LABELS[model]}" + (f", order {order}" if order else "")
    return ClaimSpec(claim, f"{paper:.3f}", measure)


def _run_cells(metrics: pd.DataFrame, model: str) -> dict[int, Cell]:
    """The Table 1 cells of ``model`` at each order, for the orders with at least one fold."""
    cells = {k: table1_cell(metrics, model, k) for k in _ORDERS}
    return {k: cell for k, cell in cells.items() if cell.folds > 0}


def _dna_improves_with_order(metrics: pd.DataFrame) -> Measured:
    dna = _run_cells(metrics, "dna")
    if 1 not in dna or 3 not in dna:
        raise NotTestable("needs the DNA model at orders 1 and 3")
    lo, hi = dna[1].mean, dna[3].mean
    return Measured(f"{hi:.3f} vs {lo:.3f}", hi > lo, "mean over folds")


def _combined_beats_dna(metrics: pd.DataFrame) -> Measured:
    dna, combined = _run_cells(metrics, "dna"), _run_cells(metrics, "combined")
    pairs = [(k, dna[k].mean, combined[k].mean) for k in _ORDERS if k in dna and k in combined]
    if not pairs:
        raise NotTestable("needs DNA and combined models of the same order")
    return Measured(
        "; ".join(f"order {k} {c:.3f} vs {d:.3f}" for k, d, c in pairs),
        all(c > d for _, d, c in pairs),
        "mean over folds, orders in the grid",
    )


def _paper(model: str, orders: tuple[int, ...]) -> str:
    return "/".join(f"{PAPER_TABLE1[(model, k)]:.3f}" for k in orders)


CLAIMS: list[ClaimSpec] = [
    *(_cell_spec(model, order) for model, order in PAPER_TABLE1),
    ClaimSpec(
        "Table 1: the DNA model improves with one-hot order (3 over 1)",
        f"{_paper('dna', (3,))} > {_paper('dna', (1,))}",
        _dna_improves_with_order,
    ),
    ClaimSpec(
        "Table 1: DNA + chromatin beats DNA alone at every order",
        f"{_paper('combined', _ORDERS)} > {_paper('dna', _ORDERS)}",
        _combined_beats_dna,
    ),
]
"""The case's claims, in the order of the paper-vs-reproduction table."""


def claims(metrics: pd.DataFrame | None) -> list[Claim]:
    """The claims of Table 1 from the case's metrics table (None: the case did not run, every row NA)."""
    return evaluate_claims("cage", CLAIMS, metrics, REQUIRED)

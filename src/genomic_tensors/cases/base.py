"""What the three cases share: metrics tables, their means, figure files and the paper's claims.

Each case runs the same skeleton: a grid point is fitted (:func:`genomic_tensors.training.fit`), its
held-out windows predicted (:func:`genomic_tensors.training.predict`) and scored
(:mod:`genomic_tensors.evaluate`) into metrics rows; :func:`collect_tables` joins the rows of every grid
point into the case's metrics table; figures are written by :func:`write_figure`; and the case's claims
are a table of :class:`ClaimSpec` rows evaluated by :func:`evaluate_claims`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "NOT_RUN",
    "Claim",
    "ClaimSpec",
    "Measured",
    "NotTestable",
    "collect_tables",
    "evaluate_claims",
    "mean_se",
    "read_table",
    "signed",
    "write_figure",
]

NOT_RUN = "case not run in this configuration"


# --------------------------------------------------------------------------------------------- tables
def read_table(
    path: str | Path, columns: Sequence[str], *, dtype: Mapping[str, Any] | None = None
) -> pd.DataFrame:
    """Read a TSV whose columns must be exactly ``columns``, in order (a contract between rules)."""
    frame = pd.read_csv(path, sep="\t", dtype=dict(dtype) if dtype else None)
    if list(frame.columns) != list(columns):
        raise ValueError(f"{path}: columns {list(frame.columns)}; expected {list(columns)}")
    return frame


def collect_tables(
    paths: Sequence[str | Path],
    columns: Sequence[str],
    *,
    what: str = "metrics",
    dtype: Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """Concatenate per-grid-point tables (each checked by :func:`read_table`) in the order given."""
    if len(paths) == 0:
        raise ValueError(f"no {what} files to collect")
    return pd.concat([read_table(p, columns, dtype=dtype) for p in paths], ignore_index=True)


def mean_se(values: pd.Series | Sequence[float]) -> tuple[float, float, int]:
    """Mean, standard error (sample sd / sqrt(n); NaN for n < 2) and count of the non-missing values."""
    values = pd.Series(values, dtype="float64").dropna().to_numpy(dtype=np.float64)
    n = values.size
    if n == 0:
        return math.nan, math.nan, 0
    se = float(values.std(ddof=1) / math.sqrt(n)) if n > 1 else math.nan
    return float(values.mean()), se, n


# -------------------------------------------------------------------------------------------- figures
def write_figure(fig: Any, *paths: str | Path, dpi: int = 150) -> list[Path]:
    """Write one figure to each of ``paths`` (the format from each suffix, PNG at ``dpi``), then close it."""
    from genomic_tensors.plotting import save_figure

    if not paths:
        raise ValueError("write_figure needs at least one output path")
    written = []
    for path in paths:
        suffix = Path(path).suffix.lstrip(".")
        if not suffix:
            raise ValueError(f"{path}: a figure file needs a suffix (.png, .svg, .pdf)")
        written += save_figure(fig, path, formats=(suffix,), dpi=dpi)
    import matplotlib.pyplot as plt

    plt.close(fig)
    return written


# --------------------------------------------------------------------------------------------- claims
@dataclass(frozen=True)
class Claim:
    """One row of the paper-vs-reproduction table. ``holds`` is True, False or None (not testable)."""

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


@dataclass(frozen=True)
class Measured:
    """What a claim's measure found: ours as text, whether the claim holds (None: not decidable from the
    numbers, e.g. a standard error from one fold), and how it was computed."""

    reproduction: str
    holds: bool | None
    note: str


class NotTestable(Exception):
    """Raised by a measure when the metrics lack what the claim needs; the message is the row's note."""


@dataclass(frozen=True)
class ClaimSpec:
    """One claim of the paper: its sentence, the paper's value as text, and the measure that computes ours
    from the case's metrics table (returning :class:`Measured` or raising :class:`NotTestable`)."""

    claim: str
    paper: str
    measure: Callable[[pd.DataFrame], Measured]


def signed(value: float) -> str:
    """A delta as text with its sign, three decimals: ``+0.083``."""
    return f"{value:+.3f}"


def evaluate_claims(
    case: str,
    specs: Sequence[ClaimSpec],
    metrics: pd.DataFrame | None,
    required: Sequence[str] = (),
) -> list[Claim]:
    """Evaluate a case's claims table on its metrics (None: the case did not run, every row NA).

    ``required`` are the columns the measures read; a table without one of them is an error, whereas a
    grid that lacks the runs a claim needs makes that row NA with the measure's reason.
    """
    if metrics is None:
        return [Claim(case, s.claim, s.paper, "NA", None, NOT_RUN) for s in specs]
    missing = [c for c in required if c not in metrics.columns]
    if missing:
        raise ValueError(
            f"{case} metrics table lacks columns {missing}; expected at least {list(required)}"
        )
    claims = []
    for spec in specs:
        try:
            got = spec.measure(metrics)
        except NotTestable as reason:
            claims.append(Claim(case, spec.claim, spec.paper, "NA", None, str(reason)))
            continue
        claims.append(Claim(case, spec.claim, spec.paper, got.reproduction, got.holds, got.note))
    return claims

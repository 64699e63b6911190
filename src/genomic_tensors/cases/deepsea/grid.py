"""The DeepSEA/DanQ training grid: its runs, their columns for the rules, and the width-scaled architectures.

Light (no TensorFlow): the Snakefile imports :func:`grid_columns` when parsed. A run's file name is the rule
files' ``DEEPSEA_RUN`` template (``workflow/rules/common.smk``), filled from the grid's columns.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any

__all__ = ["MODELS", "STRANDS", "RunSpec", "expand_grid", "grid_columns", "scaled_widths"]

MODELS = ("deepsea", "danq")
STRANDS = ("both", "forward")
_GRID_KEYS = {"models", "windows", "orders", "strands"}


@dataclass(frozen=True, order=True)
class RunSpec:
    """One training run of the grid: architecture, context window (bp), one-hot order, strands."""

    model: str
    window: int
    order: int
    strands: str

    def __post_init__(self) -> None:
        if self.model not in MODELS:
            raise ValueError(f"model must be one of {MODELS}; got {self.model!r}")
        if self.strands not in STRANDS:
            raise ValueError(f"strands must be one of {STRANDS}; got {self.strands!r}")
        if int(self.order) not in (1, 2, 3):
            raise ValueError(f"order must be 1, 2 or 3; got {self.order!r}")

    def __str__(self) -> str:
        return f"{self.model} {self.window} bp order {self.order} {self.strands} strands"


def expand_grid(grid: Sequence[Mapping[str, Sequence[Any]]]) -> list[RunSpec]:
    """The union of the config's sub-grids, each a product of ``models x windows x orders x strands``.

    Parameters
    ----------
    grid : sequence of mappings
        Each with keys ``models``, ``windows``, ``orders``, ``strands`` (lists). The paper: both strands for
        every model, window and order (18 runs) plus forward-only at 1000 bp (6 runs).

    Returns
    -------
    list of RunSpec
        Sorted, without duplicates (a run listed by two sub-grids is trained once).
    """
    runs: set[RunSpec] = set()
    for i, sub in enumerate(grid):
        missing = _GRID_KEYS - set(sub)
        if missing:
            raise ValueError(
                f"deepsea grid entry {i} lacks {sorted(missing)}; got keys {sorted(sub)}"
            )
        for m, w, o, s in itertools.product(
            sub["models"], sub["windows"], sub["orders"], sub["strands"]
        ):
            runs.add(RunSpec(str(m), int(w), int(o), str(s)))
    return sorted(runs)


def grid_columns(grid: Sequence[Mapping[str, Sequence[Any]]]) -> dict[str, list[Any]]:
    """The runs of :func:`expand_grid` as columns (``model``, ``window``, ``order``, ``strands``), in run
    order: the rules fill their run-name template from them (``expand(..., zip, ...)``)."""
    runs = expand_grid(grid)
    return {f.name: [getattr(run, f.name) for run in runs] for f in fields(RunSpec)}


def scaled_widths(model: str, width: float = 1.0) -> dict[str, Any]:
    """Layer widths of ``model`` scaled by ``width`` (1 = the paper), as factory keyword arguments.

    DeepSEA: ``filters`` (320, 480, 960) and ``dense_units`` 925; DanQ: ``filters`` 320, ``lstm_units``
    320 and ``dense_units`` 925. Each is rounded and kept at least 4 so a tiny width still trains.
    """
    if not 0 < width <= 1:
        raise ValueError(f"deepsea width must be in (0, 1]; got {width}")

    def scale(n: int) -> int:
        return max(4, int(round(n * width)))

    if model == "deepsea":
        return {"filters": tuple(scale(n) for n in (320, 480, 960)), "dense_units": scale(925)}
    if model == "danq":
        return {"filters": scale(320), "lstm_units": scale(320), "dense_units": scale(925)}
    raise ValueError(f"model must be one of {MODELS}; got {model!r}")

"""The grid of case 3: runs (model family and DNA order), their names and seeds, and the Fig. 4 model.

A run is one model family at one one-hot order of the DNA (``dna_order2``, ``combined_order3``), or the
chromatin model, which reads no DNA (``chromatin``). Each run is trained once per validation chromosome
(fold). The rule file imports this module when parsed, so it imports nothing heavy.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

__all__ = [
    "MODELS",
    "MODEL_LABELS",
    "RUN_PATTERN",
    "Run",
    "figure_model",
    "figure_title",
    "parse_run",
    "planned_runs",
    "run_seed",
]

MODELS = ("dna", "chromatin", "combined")
"""The three model families of Table 1, in its row order."""

MODEL_LABELS = {"dna": "DNA", "chromatin": "chromatin", "combined": "DNA + chromatin"}
"""The families as Table 1 names them."""

RUN_PATTERN = r"(dna|combined)_order[123]|chromatin"
"""Regular expression of a run name (the workflow's wildcard constraint)."""

_RUN_RE = re.compile(r"^(?:(dna|combined)_order([123])|(chromatin))$")


@dataclass(frozen=True)
class Run:
    """One trained model family and DNA order; ``order`` is None for the chromatin model."""

    model: str
    order: int | None

    def __post_init__(self) -> None:
        if self.model not in MODELS:
            raise ValueError(f"unknown CAGE model {self.model!r}; expected one of {', '.join(MODELS)}")
        if self.model == "chromatin":
            if self.order is not None:
                raise ValueError("the chromatin model uses no DNA: its order must be None")
        elif self.order not in (1, 2, 3):
            raise ValueError(f"{self.model} model: order must be 1, 2 or 3, got {self.order!r}")

    @property
    def name(self) -> str:
        """The run's wildcard value: ``dna_order1``, ``chromatin``, ``combined_order3``."""
        return self.model if self.order is None else f"{self.model}_order{self.order}"

    @property
    def uses_dna(self) -> bool:
        """Whether the model reads the promoters' DNA (and so the genome FASTA)."""
        return self.model in ("dna", "combined")

    @property
    def uses_chromatin(self) -> bool:
        """Whether the model reads the DNase and H3K4me3 summaries."""
        return self.model in ("chromatin", "combined")


def parse_run(name: str) -> Run:
    """The :class:`Run` of a run name such as ``dna_order2``, ``chromatin`` or ``combined_order3``."""
    match = _RUN_RE.match(name)
    if match is None:
        raise ValueError(
            f"bad CAGE run name {name!r}; expected 'dna_order<k>', 'combined_order<k>' (k = 1, 2, 3) "
            "or 'chromatin'"
        )
    if match.group(3):
        return Run("chromatin", None)
    return Run(match.group(1), int(match.group(2)))


def planned_runs(orders: Sequence[int]) -> list[Run]:
    """Every run of the grid: DNA and combined at each order, and the one chromatin model.

    >>> [r.name for r in planned_runs([1, 3])]
    ['dna_order1', 'dna_order3', 'chromatin', 'combined_order1', 'combined_order3']
    """
    if len(orders) == 0:
        raise ValueError("cage.orders is empty: give at least one DNA order (1, 2 or 3)")
    orders = sorted(set(orders))
    return (
        [Run("dna", k) for k in orders]
        + [Run("chromatin", None)]
        + [Run("combined", k) for k in orders]
    )


def run_seed(seed: int, run: str, fold: str) -> int:
    """A seed for one job derived from the config seed, the run name and the fold (stable across runs)."""
    return (int(seed) * 1_000_003 + zlib.crc32(f"{run}/{fold}".encode())) % (2**31 - 1)


def figure_model(cfg: Mapping) -> tuple[str, str]:
    """(run, fold) of the Fig. 4 model from the ``cage`` config section: the combined model at order 3
    (else the highest configured order) of ``figure_fold`` (when the config names none: the first fold).

    >>> figure_model({"orders": [1, 2, 3], "folds": ["chr2", "chr3"], "figure_fold": "chr3"})
    ('combined_order3', 'chr3')
    """
    folds = list(cfg["folds"])
    if not folds:
        raise ValueError("cage.folds is empty: give at least one validation chromosome")
    fold = cfg["figure_fold"] if "figure_fold" in cfg else folds[0]
    if fold not in folds:
        raise ValueError(f"cage.figure_fold {fold!r} is not one of cage.folds {folds}")
    orders = list(cfg["orders"])
    if not orders:
        raise ValueError("cage.orders is empty: give at least one DNA order (1, 2 or 3)")
    order = 3 if 3 in orders else max(orders)
    return Run("combined", order).name, fold


def figure_title(cfg: Mapping) -> str:
    """Panel title of Fig. 4, e.g. ``combined order3, validation chr2, test chr1``."""
    run, fold = figure_model(cfg)
    return f"{run.replace('_', ' ')}, validation {fold}, test {', '.join(cfg['test'])}"

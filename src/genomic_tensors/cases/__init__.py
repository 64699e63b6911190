"""The paper's three case studies, on the package core.

:data:`CASES` is the one registry of the cases: the Snakefile builds its targets and checks the config's
sources and split chromosomes from it, the summary joins the claims of the cases it names, and the schema
and the demo world are tested against it. Adding a case is one entry here plus its package (see
``docs/architecture.md``).

Importing this module loads nothing heavy (no pysam, no TensorFlow): the Snakefile does it when parsed.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from types import ModuleType

__all__ = ["CASES", "Case", "case_module", "names"]


@dataclass(frozen=True)
class Case:
    """One case study: its config section, what it reproduces, and which of its config keys the workflow
    checks before anything runs.

    Attributes
    ----------
    name : str
        The config section, the results folder and the ``case`` column of the summary.
    title : str
        The report's category for its outputs.
    reproduces : str
        The paper's figures and tables the case redraws.
    sources : tuple of str
        Keys of the section whose values are source ids (or mappings of names to source ids).
    splits : tuple of str
        Dotted keys of the section whose values are split chromosomes (checked against the genome).
    """

    name: str
    title: str
    reproduces: str
    sources: tuple[str, ...]
    splits: tuple[str, ...]


CASES: dict[str, Case] = {
    case.name: case
    for case in (
        Case(
            "jund",
            "Case 1: JunD",
            "Fig. 2a-d",
            sources=("peaks", "dnase"),
            splits=("validation", "test"),
        ),
        Case(
            "deepsea",
            "Case 2: DeepSEA and DanQ",
            "Fig. 3a-c, Supplementary Fig. 1",
            sources=("feature_list", "tf_bins"),
            splits=("regions.test",),
        ),
        Case(
            "cage",
            "Case 3: CAGE",
            "Table 1, Fig. 4",
            sources=("annotation", "cage", "dnase", "h3k4me3"),
            splits=("test", "folds"),
        ),
    )
}


def names() -> list[str]:
    """The case names, in the paper's order."""
    return list(CASES)


def case_module(name: str, part: str | None = None) -> ModuleType:
    """Import a case's package, or one of its modules (``case_module("jund", "claims")``)."""
    if name not in CASES:
        raise ValueError(f"unknown case {name!r}; expected one of {names()}")
    return importlib.import_module(f"genomic_tensors.cases.{name}" + (f".{part}" if part else ""))

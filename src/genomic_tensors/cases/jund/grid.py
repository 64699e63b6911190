"""The JunD model grid: model families, settings, replicate seeds and the training jobs' model folders.

Light (no numpy, no TensorFlow): the Snakefile imports :data:`MODEL_DIR_PATTERN` and
:func:`parse_model_dir` when parsed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any, NamedTuple

__all__ = [
    "AUGMENTS",
    "FAMILIES",
    "MODEL_DIR_PATTERN",
    "NORMALIZATIONS",
    "SPLITS",
    "ModelDir",
    "Setting",
    "parse_model_dir",
    "replicate_seed",
]

FAMILIES = ("dna", "dnase", "combined")
NORMALIZATIONS = ("none", "tpm", "zscorelog")
AUGMENTS = ("none", "flip")
SPLITS = ("validation", "test")


@dataclass(frozen=True)
class Setting:
    """One point of the case's model grid (the replicate aside).

    ``order`` and ``dropout`` are None for the DNase model, ``normalization`` is None for the DNA model;
    ``augment`` is ``"none"`` for the DNA model (it has no augmentation).
    """

    model: str
    order: int | None = None
    dropout: float | None = None
    normalization: str | None = None
    augment: str = "none"

    def __post_init__(self) -> None:
        if self.model not in FAMILIES:
            raise ValueError(f"model must be one of {FAMILIES}; got {self.model!r}")
        if self.model in ("dna", "combined"):
            if self.order not in (1, 2, 3) or self.dropout is None:
                raise ValueError(
                    f"a {self.model} setting needs order in 1-3 and a dropout; got {self}"
                )
        if self.model in ("dnase", "combined") and self.normalization not in NORMALIZATIONS:
            raise ValueError(
                f"a {self.model} setting needs normalization in {NORMALIZATIONS}; "
                f"got {self.normalization!r}"
            )
        if self.augment not in AUGMENTS:
            raise ValueError(f"augment must be one of {AUGMENTS}; got {self.augment!r}")
        if self.model == "dna" and (self.normalization is not None or self.augment != "none"):
            raise ValueError(f"a dna setting takes no normalization or augmentation; got {self}")

    @classmethod
    def from_params(cls, model: str, params: Mapping[str, Any]) -> Setting:
        """Build from a rule's ``params.setting`` mapping (keys: order, dropout, normalization,
        augment); keys that the family does not use are ignored."""
        order = params.get("order")
        dropout = params.get("dropout")
        return cls(
            model=model,
            order=None if order is None or model == "dnase" else int(order),
            dropout=None if dropout is None or model == "dnase" else float(dropout),
            normalization=None if model == "dna" else params.get("normalization"),
            augment=params.get("augment", "none") if model != "dna" else "none",
        )

    def row(self) -> dict[str, Any]:
        """The setting columns of a metrics row (None for the empty cells)."""
        return asdict(self)

    @property
    def label(self) -> str:
        """A short name for figure axes, e.g. ``"DNA order 3, dropout 0.2"``."""
        if self.model == "dna":
            return f"DNA order {self.order}, dropout {self.dropout:g}"
        if self.model == "dnase":
            return f"DNase {self.normalization}, {self.augment}"
        return f"DNA+DNase (order {self.order}, {self.normalization}, {self.augment})"


def replicate_seed(seed: int, replicate: int) -> int:
    """The training seed of a replicate: the same for every setting, so that settings are compared on
    paired initialisations and batch orders."""
    return int(seed) * 1000 + int(replicate)


# ------------------------------------------------------------------------------------ model folders
#: A training job's model folder below the case's ``models`` folder, one shape per family:
#: ``dna/order<k>_dropout<d>/rep<r>``, ``dnase/<normalization>_<augment>/rep<r>``, ``combined/rep<r>``
#: (the combined model's setting is the config's ``jund.combined``). The training rule's wildcard.
MODEL_DIR_PATTERN = (
    r"dna/order[1-9]_dropout[0-9.]+/rep[0-9]+"
    rf"|dnase/(?:{'|'.join(NORMALIZATIONS)})_(?:{'|'.join(AUGMENTS)})/rep[0-9]+"
    r"|combined/rep[0-9]+"
)
_MODEL_DIR = re.compile(
    r"^(?:dna/order(?P<order>[1-9])_dropout(?P<dropout>[0-9.]+)"
    rf"|dnase/(?P<normalization>{'|'.join(NORMALIZATIONS)})_(?P<augment>{'|'.join(AUGMENTS)})"
    r"|combined)/rep(?P<replicate>[0-9]+)$"
)


class ModelDir(NamedTuple):
    """What a model folder names: the family, the setting values the path gives, the replicate."""

    family: str
    setting: dict[str, Any]
    replicate: int


def parse_model_dir(name: str) -> ModelDir:
    """Read a model folder (:data:`MODEL_DIR_PATTERN`).

    >>> parse_model_dir("dna/order3_dropout0.2/rep1")
    ModelDir(family='dna', setting={'order': 3, 'dropout': 0.2}, replicate=1)
    >>> parse_model_dir("combined/rep2")
    ModelDir(family='combined', setting={}, replicate=2)
    """
    match = _MODEL_DIR.match(name)
    if match is None:
        raise ValueError(f"{name!r} is not a JunD model folder; expected {MODEL_DIR_PATTERN}")
    family = name.split("/", 1)[0]
    replicate = int(match["replicate"])
    if family == "dna":
        return ModelDir(
            family, {"order": int(match["order"]), "dropout": float(match["dropout"])}, replicate
        )
    if family == "dnase":
        setting = {"normalization": match["normalization"], "augment": match["augment"]}
        return ModelDir(family, setting, replicate)
    return ModelDir(family, {}, replicate)

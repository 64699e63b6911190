"""genomic_tensors: genomics files as tensors for deep learning, and the Keras tools of the
Janggu case studies (Kopp et al., Nat Commun 2020).

The top-level names load their modules on first use, so that importing a light module of the package
(the case registry, the demo world's format version) when the Snakefile is parsed pulls in neither pysam
nor TensorFlow.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_LAZY = {
    "Bioseq": "genomic_tensors.sequence",
    "Cover": "genomic_tensors.coverage",
    "RandomOrientation": "genomic_tensors.dataset",
    "RandomShift": "genomic_tensors.dataset",
    "split_by_chromosome": "genomic_tensors.dataset",
}

__all__ = ["Bioseq", "Cover", "RandomOrientation", "RandomShift", "__version__", "split_by_chromosome"]


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'genomic_tensors' has no attribute {name!r}")
    value = getattr(importlib.import_module(_LAZY[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))

"""The synthetic demo world: a small genome with the biology of the three case studies, in real formats.

Nothing can be downloaded from the real data hosts in the demo, so :func:`generate_world` writes a
world that the real-data rules consume unchanged: FASTA, narrowPeak, BAM (single- and paired-end),
bigWig, GTF and VCF, plus the planted truth for tests. The generative model is described in
``docs/demo_world.md``; in short:

* background sequence (GC 41 %, CpG depleted, soft-masked repeats, N at chromosome ends);
* case 1: clusters of JunD peaks on planted JUND (JASPAR MA0491.1) sites whose neighbouring
  positions are coupled, decoy sites with the same per-position marginals but no coupling, peaks
  bound without a motif, and two DNase replicates of different depth and background;
* case 2: twelve DeepSEA-like features: TF peaks on planted motifs (coupled for CTCF and ZNF143),
  DNase peaks open at a TF-dependent share of sites, broad histone domains marked by clusters of a
  domain motif;
* case 3: genes with a TATA box, a coupled GC box and CpG islands of varying extent; a lognormal
  latent shared by CAGE, promoter DNase (paired-end) and an H3K4me3 bigWig.

Everything is deterministic given ``seed`` (byte-identical FASTA and BAMs). This subpackage depends
on nothing else of the package. Coordinates are 0-based, half-open (GTF and VCF are written 1-based).

Modules: :mod:`.params` (parameters, manifest), :mod:`.generate` (build and write), :mod:`.world`
(the world being built, background, blacklist), :mod:`.sequence` and :mod:`.motifs` (bases, motif
models), :mod:`.jund`, :mod:`.genes`, :mod:`.deepsea`, :mod:`.variants` (what is planted),
:mod:`.reads` and :mod:`.libraries` (sequencing reads), :mod:`.writers` and :mod:`.tracks` (files).
Importing this package loads neither pysam nor pyBigWig: :func:`generate_world` and
:func:`feature_names` are imported from their modules on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .params import DEFAULT_MOTIFS, FORMAT_VERSION, Manifest, WorldParams

if TYPE_CHECKING:
    from .deepsea import feature_names
    from .generate import generate_world

__all__ = [
    "DEFAULT_MOTIFS",
    "FORMAT_VERSION",
    "Manifest",
    "WorldParams",
    "feature_names",
    "generate_world",
]

_LAZY = {"generate_world": ".generate", "feature_names": ".deepsea"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

"""The synthetic demo world being built: genome, planted elements and truth tables.

Every ``build_*`` function of the subpackage takes the :class:`World` and draws from its own random
stream (:meth:`World.rng`), so changing one part does not move the others. Coordinates are
0-based, half-open; ``strand`` is ``+1``/``-1`` in arrays and ``+``/``-`` in files.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .motifs import MotifModel
from .sequence import Occupancy, background_sequence, reverse_complement


@dataclass
class World:
    """The genome being built plus everything planted in it."""

    sizes: dict[str, int]
    genome: dict[str, np.ndarray]
    lower: dict[str, np.ndarray]
    occ: Occupancy
    motifs: dict[str, MotifModel]
    params: Any
    usable: dict[str, tuple[int, int]] = field(default_factory=dict)  # non-N span per chromosome
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)  # truth tables by name
    feature_peaks: dict[str, pd.DataFrame] = field(default_factory=dict)  # DeepSEA-like narrowPeaks

    def rng(self, part: str) -> np.random.Generator:
        """An independent random stream for one part of the world."""
        return np.random.default_rng([int(self.params.seed), zlib.crc32(part.encode())])

    def nuclear(self) -> list[str]:
        """The chromosomes in order, chrM left out."""
        return [c for c in self.sizes if c != "chrM"]

    def plant(self, chrom: str, start: int, codes: np.ndarray, strand: int) -> None:
        """Write ``codes`` (forward-orientation ``uint8``) at ``start``, reverse-complemented on ``-``."""
        seq = codes if strand > 0 else reverse_complement(codes)
        self.genome[chrom][start : start + len(seq)] = seq
        self.lower[chrom][start : start + len(seq)] = False

    def plant_many(
        self, chrom: str, starts: np.ndarray, codes: np.ndarray, strands: np.ndarray
    ) -> None:
        """Vectorized :meth:`plant` for ``codes`` ``uint8 (n, length)``."""
        if len(starts) == 0:
            return
        seqs = np.where(strands[:, None] > 0, codes, reverse_complement(codes))
        idx = starts[:, None] + np.arange(codes.shape[1])[None, :]
        self.genome[chrom][idx] = seqs
        self.lower[chrom][idx] = False


def table(rows: list[dict]) -> pd.DataFrame:
    """Rows as a DataFrame; no rows give an empty frame without columns."""
    return pd.DataFrame(rows) if rows else pd.DataFrame()


def build_background(world: World) -> None:
    """Background bases, soft-masked repeat copies and N runs at every chromosome end."""
    p = world.params
    rng = world.rng("background")
    repeats = [
        background_sequence(rng, int(rng.integers(300, 1500)), p.gc_content, 0.0) for _ in range(3)
    ]
    for chrom, size in world.sizes.items():
        seq = background_sequence(
            rng, size, p.gc_content if chrom != "chrM" else 0.44, p.cpg_depletion
        )
        lower = np.zeros(size, dtype=bool)
        tel = p.telomere_n if chrom != "chrM" else 0
        if chrom != "chrM" and p.repeat_fraction > 0:
            n_rep = int(p.repeat_fraction * size / 900)
            for start in rng.integers(tel, size - tel - 1500, size=n_rep).tolist():
                rep = repeats[int(rng.integers(0, 3))]
                copy = rep.copy()
                mut = rng.random(len(copy)) < 0.1
                copy[mut] = rng.integers(0, 4, int(mut.sum()))
                seq[start : start + len(copy)] = copy
                lower[start : start + len(copy)] = True
        seq[:tel] = 4
        seq[size - tel :] = 4
        world.genome[chrom] = seq
        world.lower[chrom] = lower
        world.occ.mark(chrom, 0, tel)
        world.occ.mark(chrom, size - tel, size)
        world.usable[chrom] = (tel, size - tel)


def build_blacklist(world: World) -> None:
    """A few artefact regions: about half in the flanks of JunD clusters (inside the JunD ROI)."""
    p = world.params
    rng = world.rng("blacklist")
    rows = []
    clusters = world.tables["jund_clusters"]
    n_roi = min(len(clusters), (p.blacklist_regions + 1) // 2)
    pick = np.sort(rng.choice(len(clusters), size=n_roi, replace=False)) if n_roi else []
    for i in pick:
        c = clusters.iloc[int(i)]
        length = int(rng.integers(1500, 4000))
        start = int(c["end"]) + int(rng.integers(1000, 9000 - length))
        rows.append({"chrom": c["chrom"], "start": start, "end": start + length})
    chroms = world.nuclear()
    for _ in range(p.blacklist_regions - n_roi):
        chrom = chroms[int(rng.integers(0, len(chroms)))]
        lo, hi = world.usable[chrom]
        length = int(rng.integers(1000, 6000))
        start = int(rng.integers(lo, hi - length))
        rows.append({"chrom": chrom, "start": start, "end": start + length})
    order = {c: i for i, c in enumerate(world.sizes)}
    bl = table(rows)
    if len(bl):
        bl = bl.sort_values(
            ["chrom", "start"], key=lambda s: s.map(order) if s.name == "chrom" else s
        )
        bl["name"] = "High Signal Region"
    world.tables["blacklist"] = bl.reset_index(drop=True)

"""Sequencing libraries of the synthetic demo world: which reads come from where.

Each function turns the world's truth tables into read 5' ends (single-end) or fragments
(paired-end), then into :class:`~.reads.Alignments` records.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .reads import Alignments, Artefacts, Genome, paired_end, single_end
from .world import World

# (tid, position, factor) arrays of open regions, or of reads
Positions = tuple[np.ndarray, np.ndarray, np.ndarray]


def _mapq(rng: np.random.Generator, n: int, good: float) -> np.ndarray:
    """MAPQ 60 with probability ``good``, else uniform over 0..59."""
    return np.where(rng.random(n) < good, 60, rng.integers(0, 60, n)).astype(np.int64)


def _tids(genome: Genome, chroms: pd.Series) -> np.ndarray:
    """Reference ids of chromosome names."""
    return np.array([genome.tid[c] for c in chroms], dtype=np.int64)


def _background(
    rng: np.random.Generator, world: World, genome: Genome, per_kb: float
) -> tuple[np.ndarray, np.ndarray]:
    """Poisson(``per_kb`` per usable kb) uniform positions over the usable (non-N) parts of the
    chromosomes other than chrM: ``(tid, pos)``."""
    chroms = world.nuclear()
    total_kb = sum(world.usable[c][1] - world.usable[c][0] for c in chroms) / 1000
    n = int(rng.poisson(per_kb * total_kb))
    spans = np.array([world.usable[c][1] - world.usable[c][0] for c in chroms], dtype=np.float64)
    which = rng.choice(len(chroms), size=n, p=spans / spans.sum())
    lo = np.array([world.usable[c][0] for c in chroms])[which]
    pos = lo + (rng.random(n) * spans[which]).astype(np.int64)
    tid = np.array([genome.tid[c] for c in chroms])[which]
    return tid.astype(np.int64), pos.astype(np.int64)


def _centres(
    genome: Genome, table: pd.DataFrame, col_start: str = "start", col_end: str = "end"
) -> tuple[np.ndarray, np.ndarray]:
    """Reference ids and centres of the rows of ``table``."""
    tid = _tids(genome, table["chrom"])
    centre = ((table[col_start].to_numpy() + table[col_end].to_numpy()) // 2).astype(np.int64)
    return tid, centre


def _per_gene(
    rng: np.random.Generator, genome: Genome, genes: pd.DataFrame, column: str
) -> tuple[np.ndarray, np.ndarray]:
    """Poisson(``genes[column]``) reads per gene: the counts, and the reference id of every read."""
    counts = rng.poisson(genes[column].to_numpy()) if len(genes) else np.zeros(0, int)
    return counts, np.repeat(_tids(genome, genes["chrom"]), counts)


def jund_dnase(world: World, genome: Genome, replicate: str, read_length: int) -> Alignments:
    """Single-end DNase reads for case 1 (``replicate`` is ``encode`` or ``roadmap``).

    Open regions: direct JunD sites (weak ones at a tenth), indirect JunD peaks, open-unbound sites,
    active promoters and a fifth of the DeepSEA TF sites; each region has one strength shared by the
    two replicates, and roadmap has ``dnase_roadmap_depth`` times the reads (with replicate noise) and
    its own background level. Blacklist regions pile up artefact reads; chrM gets many reads.
    """
    p = world.params
    shared = world.rng("jund_dnase_strength")
    rng = world.rng(f"jund_dnase_{replicate}")
    tid, centre, factor = _open_regions(world, genome, shared)
    strength = p.dnase_site_reads * factor * shared.lognormal(-0.18, 0.6, len(factor))
    if replicate == "roadmap":
        strength = strength * p.dnase_roadmap_depth * rng.lognormal(-0.03, 0.25, len(strength))
        bg_per_kb = p.dnase_roadmap_background_per_kb
    else:
        bg_per_kb = p.dnase_encode_background_per_kb
    counts = rng.poisson(strength)
    r_tid = np.repeat(tid, counts)
    reverse = rng.random(len(r_tid)) < 0.5
    five = np.repeat(centre, counts) + np.round(rng.normal(0, 50, len(r_tid))).astype(np.int64)
    five += np.where(reverse, 12, -12)
    mapq = _mapq(rng, len(r_tid), 0.92)
    b_tid, b_pos = _background(rng, world, genome, bg_per_kb)
    b_rev = rng.random(len(b_tid)) < 0.5
    b_mapq = _mapq(rng, len(b_tid), 0.8)
    depth = p.dnase_roadmap_depth if replicate == "roadmap" else 1.0
    x_tid, x_pos = _artefact_reads(rng, world, genome, depth)
    x_rev = rng.random(len(x_tid)) < 0.5
    x_mapq = _mapq(rng, len(x_tid), 0.5)
    return single_end(
        rng,
        genome,
        np.concatenate([r_tid, b_tid, x_tid]),
        np.concatenate([five, b_pos, x_pos]),
        np.concatenate([reverse, b_rev, x_rev]),
        np.concatenate([mapq, b_mapq, x_mapq]),
        read_length,
        Artefacts(),
    )


def _open_regions(world: World, genome: Genome, shared: np.random.Generator) -> Positions:
    """Centres of the DNase-open regions of case 1 and their relative strengths."""
    p = world.params
    t = world.tables
    parts = []
    for name, factor in (("jund_sites", None), ("jund_indirect", 1.0), ("jund_open", 1.0)):
        table = t[name]
        if not len(table):
            continue
        table = table.drop_duplicates("locus")  # one open region per locus, whatever its copies
        tid, centre = _centres(genome, table, "locus_start", "locus_end")
        f = (
            np.where(table["weak_dnase"].to_numpy(), 0.1, 1.0)
            if factor is None
            else np.full(len(table), factor)
        )
        parts.append((tid, centre, f))
    genes = t["genes"]
    if len(genes):
        tid = _tids(genome, genes["chrom"])
        centre = (genes["tss"] - 100 * genes["strand"]).to_numpy().astype(np.int64)
        act = genes["dnase_lambda"].to_numpy() / max(p.cage_dnase_pairs_per_promoter, 1e-9)
        parts.append((tid, centre, 0.5 * act))
    ds = t["deepsea_sites"]
    if len(ds):
        open_ = shared.random(len(ds)) < 0.2
        tid, centre = _centres(genome, ds[open_])
        parts.append((tid, centre, np.full(len(tid), 0.4)))
    if not parts:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
    return tuple(np.concatenate([x[k] for x in parts]) for k in range(3))


def _artefact_reads(
    rng: np.random.Generator, world: World, genome: Genome, depth: float
) -> tuple[np.ndarray, np.ndarray]:
    """Read positions piled up in the blacklist regions and on chrM: ``(tid, pos)``."""
    x_tid, x_pos = [], []
    for r in world.tables["blacklist"].itertuples():
        k = int(rng.poisson(300 * depth * (r.end - r.start) / 1000))
        x_tid.append(np.full(k, genome.tid[r.chrom]))
        x_pos.append(rng.integers(r.start, r.end, k))
    if "chrM" in genome.tid:
        k = int(rng.poisson(2000 * depth))
        x_tid.append(np.full(k, genome.tid["chrM"]))
        x_pos.append(rng.integers(0, world.sizes["chrM"], k))
    if not x_tid:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    return np.concatenate(x_tid).astype(np.int64), np.concatenate(x_pos).astype(np.int64)


def cage_reads(world: World, genome: Genome, read_length: int) -> Alignments:
    """Stranded single-end CAGE reads: 5' ends at each TSS on the gene's strand, plus background."""
    rng = world.rng("cage_reads")
    genes = world.tables["genes"]
    counts, tid = _per_gene(rng, genome, genes, "cage_lambda")
    strand = np.repeat(genes["strand"].to_numpy(), counts)
    offset = np.clip(np.round(rng.laplace(0, 8, len(tid))), -60, 60).astype(np.int64)
    five = np.repeat(genes["tss"].to_numpy(), counts) + strand * offset
    reverse = strand < 0
    mapq = _mapq(rng, len(tid), 0.95)
    b_tid, b_pos = _background(rng, world, genome, 0.5)
    return single_end(
        rng,
        genome,
        np.concatenate([tid, b_tid]),
        np.concatenate([five, b_pos]),
        np.concatenate([reverse, rng.random(len(b_tid)) < 0.5]),
        np.concatenate([mapq, _mapq(rng, len(b_tid), 0.8)]),
        read_length,
        Artefacts(),
    )


def cage_dnase(world: World, genome: Genome, read_length: int) -> Alignments:
    """Paired-end DNase for case 3: fragments around promoters (by chromatin latent) and background."""
    rng = world.rng("cage_dnase")
    genes = world.tables["genes"]
    counts, tid = _per_gene(rng, genome, genes, "dnase_lambda")
    mid = np.repeat((genes["tss"] - 100 * genes["strand"]).to_numpy(), counts)
    mid = mid + np.round(rng.normal(0, 80, len(tid))).astype(np.int64)
    b_tid, b_mid = _background(rng, world, genome, 1.0)
    tid = np.concatenate([tid, b_tid])
    mid = np.concatenate([mid, b_mid])
    length = (80 + rng.gamma(2.0, 60.0, len(tid))).astype(np.int64)
    mapq = _mapq(rng, len(tid), 0.9)
    return paired_end(rng, genome, tid, mid - length // 2, length, mapq, read_length, Artefacts())


def h3k4me3_signal(world: World, step: int) -> dict[str, np.ndarray]:
    """H3K4me3-like fold change per ``step``-bp bin: two nucleosome peaks flanking each TSS, scaled by
    the gene's chromatin latent, over a gamma background."""
    rng = world.rng("h3k4me3")
    values = {}
    for chrom, size in world.sizes.items():
        n_bins = -(-size // step)
        values[chrom] = rng.gamma(2.0, 0.15, n_bins)
    genes = world.tables["genes"]
    half = 1600 // step
    rel = np.arange(-half, half + 1)
    for chrom, part in genes.groupby("chrom", sort=False) if len(genes) else []:
        vals = values[chrom]
        tss_bin = (part["tss"].to_numpy() // step)[:, None] + rel[None, :]
        x = rel[None, :] * step * part["strand"].to_numpy()[:, None]  # bp from TSS along the gene
        shape = 0.6 * np.exp(-0.5 * ((x + 250) / 200) ** 2) + np.exp(-0.5 * ((x - 450) / 250) ** 2)
        contrib = part["h3k4me3_height"].to_numpy()[:, None] * shape
        ok = (tss_bin >= 0) & (tss_bin < len(vals))
        np.add.at(vals, tss_bin[ok], contrib[ok])
    return {c: np.round(v, 4).astype(np.float32) for c, v in values.items()}

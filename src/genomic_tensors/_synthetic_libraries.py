"""Sequencing libraries of the synthetic demo world: which reads come from where.

Private helper of :mod:`genomic_tensors.synthetic`. Each function turns the world's truth tables into
read 5' ends (single-end) or fragments (paired-end), then into :class:`Alignments` records.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._synthetic_reads import Alignments, Artefacts, Genome, paired_end, single_end
from ._synthetic_world import World


def _mapq(rng: np.random.Generator, n: int, good: float) -> np.ndarray:
    """MAPQ 60 with probability ``good``, else uniform over 0..59."""
    return np.where(rng.random(n) < good, 60, rng.integers(0, 60, n)).astype(np.int64)


def _uniform_positions(
    rng: np.random.Generator, world: World, genome: Genome, n: int, chroms: list[str]
) -> tuple[np.ndarray, np.ndarray]:
    """``n`` uniform positions over the usable (non-N) parts of ``chroms``: ``(tid, pos)``."""
    spans = np.array([world.usable[c][1] - world.usable[c][0] for c in chroms], dtype=np.float64)
    which = rng.choice(len(chroms), size=n, p=spans / spans.sum())
    lo = np.array([world.usable[c][0] for c in chroms])[which]
    pos = lo + (rng.random(n) * spans[which]).astype(np.int64)
    tid = np.array([genome.tid[c] for c in chroms])[which]
    return tid.astype(np.int64), pos.astype(np.int64)


def _centres(genome: Genome, table: pd.DataFrame, col_start: str = "start", col_end: str = "end"):
    tid = np.array([genome.tid[c] for c in table["chrom"]], dtype=np.int64)
    centre = ((table[col_start].to_numpy() + table[col_end].to_numpy()) // 2).astype(np.int64)
    return tid, centre


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
    t = world.tables
    parts = []
    for name, factor in (("jund_sites", None), ("jund_indirect", 1.0), ("jund_open", 1.0)):
        table = t[name]
        if not len(table):
            continue
        table = table.drop_duplicates(
            "locus"
        )  # one open region per locus, whatever its motif copies
        tid, centre = _centres(genome, table, "locus_start", "locus_end")
        f = (
            np.where(table["weak_dnase"].to_numpy(), 0.1, 1.0)
            if factor is None
            else np.full(len(table), factor)
        )
        parts.append((tid, centre, f))
    genes = t["genes"]
    if len(genes):
        tid = np.array([genome.tid[c] for c in genes["chrom"]], dtype=np.int64)
        centre = (genes["tss"] - 100 * genes["strand"]).to_numpy().astype(np.int64)
        act = genes["dnase_lambda"].to_numpy() / max(p.cage_dnase_pairs_per_promoter, 1e-9)
        parts.append((tid, centre, 0.5 * act))
    ds = t["deepsea_sites"]
    if len(ds):
        open_ = shared.random(len(ds)) < 0.2
        tid, centre = _centres(genome, ds[open_])
        parts.append((tid, centre, np.full(len(tid), 0.4)))
    tid = np.concatenate([x[0] for x in parts]) if parts else np.zeros(0, np.int64)
    centre = np.concatenate([x[1] for x in parts]) if parts else np.zeros(0, np.int64)
    factor = np.concatenate([x[2] for x in parts]) if parts else np.zeros(0)
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
    # background
    chroms = [c for c in world.sizes if c != "chrM"]
    total_kb = sum(world.usable[c][1] - world.usable[c][0] for c in chroms) / 1000
    b_tid, b_pos = _uniform_positions(
        rng, world, genome, int(rng.poisson(bg_per_kb * total_kb)), chroms
    )
    b_rev = rng.random(len(b_tid)) < 0.5
    b_mapq = _mapq(rng, len(b_tid), 0.8)
    # blacklist artefacts and chrM
    x_tid, x_pos = [], []
    depth = p.dnase_roadmap_depth if replicate == "roadmap" else 1.0
    for r in t["blacklist"].itertuples():
        k = int(rng.poisson(300 * depth * (r.end - r.start) / 1000))
        x_tid.append(np.full(k, genome.tid[r.chrom]))
        x_pos.append(rng.integers(r.start, r.end, k))
    if "chrM" in genome.tid:
        k = int(rng.poisson(2000 * depth))
        x_tid.append(np.full(k, genome.tid["chrM"]))
        x_pos.append(rng.integers(0, world.sizes["chrM"], k))
    x_tid_a = np.concatenate(x_tid).astype(np.int64) if x_tid else np.zeros(0, np.int64)
    x_pos_a = np.concatenate(x_pos).astype(np.int64) if x_pos else np.zeros(0, np.int64)
    x_rev = rng.random(len(x_tid_a)) < 0.5
    x_mapq = _mapq(rng, len(x_tid_a), 0.5)
    return single_end(
        rng,
        genome,
        np.concatenate([r_tid, b_tid, x_tid_a]),
        np.concatenate([five, b_pos, x_pos_a]),
        np.concatenate([reverse, b_rev, x_rev]),
        np.concatenate([mapq, b_mapq, x_mapq]),
        read_length,
        Artefacts(),
    )


def cage_reads(world: World, genome: Genome, read_length: int) -> Alignments:
    """Stranded single-end CAGE reads: 5' ends at each TSS on the gene's strand, plus background."""
    rng = world.rng("cage_reads")
    genes = world.tables["genes"]
    counts = rng.poisson(genes["cage_lambda"].to_numpy()) if len(genes) else np.zeros(0, int)
    tid = np.repeat(np.array([genome.tid[c] for c in genes["chrom"]], dtype=np.int64), counts)
    strand = np.repeat(genes["strand"].to_numpy(), counts)
    offset = np.clip(np.round(rng.laplace(0, 8, len(tid))), -60, 60).astype(np.int64)
    five = np.repeat(genes["tss"].to_numpy(), counts) + strand * offset
    reverse = strand < 0
    mapq = _mapq(rng, len(tid), 0.95)
    chroms = [c for c in world.sizes if c != "chrM"]
    total_kb = sum(world.usable[c][1] - world.usable[c][0] for c in chroms) / 1000
    b_tid, b_pos = _uniform_positions(rng, world, genome, int(rng.poisson(0.5 * total_kb)), chroms)
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
    counts = rng.poisson(genes["dnase_lambda"].to_numpy()) if len(genes) else np.zeros(0, int)
    tid = np.repeat(np.array([genome.tid[c] for c in genes["chrom"]], dtype=np.int64), counts)
    mid = np.repeat((genes["tss"] - 100 * genes["strand"]).to_numpy(), counts)
    mid = mid + np.round(rng.normal(0, 80, len(tid))).astype(np.int64)
    chroms = [c for c in world.sizes if c != "chrM"]
    total_kb = sum(world.usable[c][1] - world.usable[c][0] for c in chroms) / 1000
    b_tid, b_mid = _uniform_positions(rng, world, genome, int(rng.poisson(1.0 * total_kb)), chroms)
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

"""Case 3 of the synthetic demo world: genes with promoter elements and a shared expression latent."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .sequence import background_sequence
from .world import World, table

GENE_TYPES = ("protein_coding", "lncRNA", "processed_pseudogene")
# a promoter element in gene orientation: (chrom, tss, strand, offset from the TSS, codes)
Element = tuple[str, int, int, int, np.ndarray]


def build_genes(world: World) -> None:
    """Genes with promoter elements (TATA box, coupled GC box) and a shared expression latent.

    Latent model per gene (natural-log scale): ``s = tata_effect * tata + gcbox_effect * functional
    GC box + cpg_island_effect * CpG island``; chromatin ``c = s + N(0, chromatin_sd)``; expression
    ``e = c + promoter_direct_effect * s + N(0, expression_noise_sd)``
    (lncRNA one unit lower, pseudogenes silent). CAGE, promoter DNase and H3K4me3 are Poisson /
    continuous read-outs of ``e``, ``c + noise``, ``c + noise``. Truth table ``genes``.
    """
    rng = world.rng("genes")
    rows: list[dict] = []
    elements: list[Element] = []  # every planted element, re-planted over the CpG islands
    for chrom in world.nuclear():
        lo, hi = world.usable[chrom]
        n = round(world.params.genes_per_mb * (hi - lo) / 1e6)
        zones = world.occ.place(rng, chrom, n, 1400, lo + 2000, hi - 2000, margin=0)
        for zone in zones.tolist():
            rows.append(_gene(world, rng, chrom, zone + 700, elements))
    genes = table(rows)
    if len(genes):
        # CpG islands, drawn from their own stream so that the gene placement above is unchanged
        _plant_cpg_islands(world, genes)
    for element in elements:
        _plant_oriented(world, *element)
    if len(genes):
        _add_latent(world, rng, genes)
        genes["exons"] = [
            _exons(rng, int(a), int(b), int(st))
            for a, b, st in zip(genes["start"], genes["end"], genes["strand"])
        ]
    world.tables["genes"] = genes


def _gene(
    world: World, rng: np.random.Generator, chrom: str, tss: int, elements: list[Element]
) -> dict:
    """One gene at ``tss``: its truth row; its TATA box and GC box are appended to ``elements``."""
    p = world.params
    lo, hi = world.usable[chrom]
    strand = 1 if rng.random() < 0.5 else -1
    gtype = _gene_type(rng.random(), p.protein_coding_fraction)
    length = int(np.clip(rng.lognormal(np.log(8000), 0.7), 1000, 40_000))
    if strand > 0:
        start, end = tss, min(tss + length, hi - 1)
    else:
        start, end = max(tss - length + 1, lo + 1), tss + 1
    has_tata = gtype != "processed_pseudogene" and rng.random() < p.promoter_tata_rate
    has_gc = gtype != "processed_pseudogene" and rng.random() < p.promoter_gcbox_rate
    functional = bool(has_gc and rng.random() < 0.5)
    # elements in gene orientation: TATA (motif positions 1..7) starting at -31, GC box around -90
    if has_tata:
        elements.append((chrom, tss, strand, -32, world.motifs["TBP"].sample(rng, 1, True)[0]))
    if has_gc:
        codes = world.motifs["SP1"].sample(rng, 1, functional)[0]
        elements.append((chrom, tss, strand, -98, codes))
    return {
        "chrom": chrom,
        "start": start,
        "end": end,
        "tss": tss,
        "strand": strand,
        "gene_type": gtype,
        "tata": bool(has_tata),
        "gcbox": bool(has_gc),
        "gcbox_functional": functional,
    }


def _gene_type(u: float, coding: float) -> str:
    """The type for a uniform draw ``u``: protein-coding below ``coding``, of the rest 70 % lncRNA."""
    if u < coding:
        return GENE_TYPES[0]
    return GENE_TYPES[1] if u < coding + (1 - coding) * 0.7 else GENE_TYPES[2]


def _add_latent(world: World, rng: np.random.Generator, genes: pd.DataFrame) -> None:
    """Gene ids and names, the latent sequence effect, chromatin and expression, and the read-out
    strengths ``cage_lambda``, ``dnase_lambda`` and ``h3k4me3_height`` (see :func:`build_genes`)."""
    p = world.params
    n = len(genes)
    genes.insert(0, "gene_id", [f"SYNG{i + 1:08d}.1" for i in range(n)])
    genes.insert(1, "gene_name", [f"SYN{i + 1:05d}" for i in range(n)])
    s = (
        p.tata_effect * genes["tata"].to_numpy()
        + p.gcbox_effect * genes["gcbox_functional"].to_numpy()
        + p.cpg_island_effect * genes["cpg_island"].to_numpy()
    )
    chromatin = s + rng.normal(0, p.chromatin_sd, n)
    expr = (
        chromatin
        + p.promoter_direct_effect * s
        + rng.normal(0, p.expression_noise_sd, n)
        - (genes["gene_type"] == "lncRNA").to_numpy() * 1.0
    )
    silent = (genes["gene_type"] == "processed_pseudogene").to_numpy()
    centre = float(np.mean(s[~silent])) if (~silent).any() else 0.0  # typical sequence effect
    genes["sequence_effect"] = s
    genes["chromatin"] = chromatin
    genes["expression"] = expr
    genes["cage_lambda"] = np.where(
        silent,
        0.0,
        p.cage_reads_per_tss * np.exp(expr - (1 + p.promoter_direct_effect) * centre),
    )
    dn = chromatin + rng.normal(0, p.chromatin_noise_sd, n) - centre
    hk = chromatin + rng.normal(0, p.chromatin_noise_sd, n) - centre
    genes["dnase_lambda"] = np.where(silent, 0.0, p.cage_dnase_pairs_per_promoter * np.exp(dn))
    genes["h3k4me3_height"] = np.where(silent, 0.0, p.h3k4me3_peak_height * np.exp(hk))


def _plant_cpg_islands(world: World, genes: pd.DataFrame) -> None:
    """Give a fraction of the expressed genes a CpG island around the TSS (columns ``cpg_island``,
    ``island_start``, ``island_end``; 0/0 without one).

    An island is ``cpg_island_gc`` GC with no CpG depletion, against the depleted background: a
    dinucleotide signal that an order-2/3 one-hot sees as one feature. It starts 200-500 bp upstream
    and ends 100-400 bp downstream of the TSS (in gene orientation), so its edges are not at fixed
    positions the way the TATA and GC boxes are.
    """
    p = world.params
    rng = world.rng("cpg_islands")
    n = len(genes)
    expressed = (genes["gene_type"] != "processed_pseudogene").to_numpy()
    island = expressed & (rng.random(n) < p.promoter_cpg_island_rate)
    upstream = rng.integers(200, 501, n)
    downstream = rng.integers(100, 401, n)
    starts, ends = np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.int64)
    for i in np.flatnonzero(island).tolist():
        chrom, tss, strand = (
            genes.at[i, "chrom"],
            int(genes.at[i, "tss"]),
            int(genes.at[i, "strand"]),
        )
        codes = background_sequence(rng, int(upstream[i] + downstream[i]), p.cpg_island_gc, 0.0)
        _plant_oriented(world, chrom, tss, strand, -int(upstream[i]), codes)
        lo = tss - upstream[i] if strand > 0 else tss - downstream[i] + 1
        starts[i], ends[i] = lo, lo + len(codes)
    genes["cpg_island"] = island
    genes["island_start"] = starts
    genes["island_end"] = ends


def _plant_oriented(
    world: World, chrom: str, tss: int, strand: int, offset: int, codes: np.ndarray
) -> None:
    """Plant ``codes`` so that, read on the gene's strand, it starts ``offset`` bp from the TSS."""
    if strand > 0:
        world.plant(chrom, tss + offset, codes, 1)
    else:
        world.plant(chrom, tss - offset - len(codes) + 1, codes, -1)


def _exons(rng: np.random.Generator, start: int, end: int, strand: int) -> list[tuple[int, int]]:
    """Exons ``[(start, end), ...]`` (0-based, half-open, ascending) spanning ``[start, end)``."""
    length = end - start
    n_inner = int(min(rng.poisson(3), max(0, (length - 800) // 600)))
    first_len = int(rng.integers(100, 400))
    last_len = int(rng.integers(150, 500))
    if length < first_len + last_len + 200:
        return [(start, end)]
    exons = [(start, start + (first_len if strand > 0 else last_len))]
    inner_lo, inner_hi = exons[0][1] + 100, end - (last_len if strand > 0 else first_len) - 100
    if n_inner and inner_hi - inner_lo > 300 * n_inner:
        cuts = np.sort(
            rng.choice(np.arange(inner_lo, inner_hi - 250, 50), size=n_inner, replace=False)
        )
        for c in cuts.tolist():
            e = c + int(rng.integers(60, 200))
            if c > exons[-1][1] + 50 and e < inner_hi:
                exons.append((c, e))
    exons.append((end - (last_len if strand > 0 else first_len), end))
    return exons

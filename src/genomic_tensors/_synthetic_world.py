"""Biology of the synthetic demo world: where sites, genes, domains and variants go, and their signals.

Private helper of :mod:`genomic_tensors.synthetic`; every function takes the world being built and
draws from its own random stream, so changing one part does not move the others. Coordinates are
0-based, half-open; ``strand`` is ``+1``/``-1`` in arrays and ``+``/``-`` in files.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ._synthetic_seq import (
    MotifModel,
    Occupancy,
    background_sequence,
    read_jaspar,
    reverse_complement,
)

# name -> (JASPAR matrix, uniform padding (left, right), coupled blocks in padded coordinates)
MOTIF_SPECS: dict[str, tuple[str, tuple[int, int], tuple[tuple[int, ...], ...]]] = {
    "JUND": ("MA0491.1", (2, 2), ((0, 1), (2, 3), (12, 13, 14))),
    "CTCF": ("MA0139.1", (0, 0), ((0, 1, 2), (16, 17, 18))),
    "ZNF143": ("MA0088.2", (0, 0), ((0, 1), (13, 14))),
    "CEBPB": ("MA0466.2", (0, 0), ()),
    "MAFK": ("MA0496.1", (0, 0), ()),
    "POU5F1": ("MA1115.1", (0, 0), ()),
    "TBP": ("MA0108.2", (0, 0), ()),
    "SP1": ("MA0079.3", (2, 2), ((1, 2), (12, 13, 14))),
    "NRF1": ("MA0506.1", (0, 0), ()),
    "REST": ("MA0138.2", (0, 0), ()),
    "YY1": ("MA0095.2", (0, 0), ()),
}
# JunD core TGA[CG]TCA sits at padded positions 4..10; position 5 is the invariant G of TGA.
JUND_CORE = slice(4, 11)
JUND_KEY_POSITION = 5

DEEPSEA_TFS = ("CTCF", "CEBPB", "ZNF143", "MAFK", "POU5F1")
# probability that a site of each TF (columns as DEEPSEA_TFS) is open in each DNase "cell type"
DEEPSEA_DNASE = {
    "K562": (0.9, 0.2, 0.7, 0.85, 0.05),
    "HepG2": (0.9, 0.9, 0.5, 0.3, 0.05),
    "H1hESC": (0.8, 0.1, 0.6, 0.2, 0.9),
    "GM12878": (0.9, 0.3, 0.8, 0.3, 0.1),
}
# histone mark -> the "domain motif" planted in clusters inside its domains
DEEPSEA_HISTONE = {"H3K4me1": "NRF1", "H3K27me3": "REST", "H3K36me3": "YY1"}


def load_motifs(path: Path) -> dict[str, MotifModel]:
    """The world's motif models from the shipped JASPAR file (see ``MOTIF_SPECS``)."""
    matrices = read_jaspar(path)
    models = {}
    for name, (matrix_id, pad, blocks) in MOTIF_SPECS.items():
        if matrix_id not in matrices:
            raise ValueError(
                f"{path}: matrix {matrix_id} ({name}) missing; the file must hold "
                f"{sorted(spec[0] for spec in MOTIF_SPECS.values())}"
            )
        models[name] = MotifModel.from_counts(name, matrix_id, matrices[matrix_id][1], pad, blocks)
    return models


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
        import zlib

        return np.random.default_rng([int(self.params.seed), zlib.crc32(part.encode())])

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


def _table(rows: list[dict]) -> pd.DataFrame:
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


# --------------------------------------------------------------------------- case 1: JunD
def build_jund(world: World) -> None:
    """Clusters of JunD peaks on planted coupled sites, with decoys, indirect peaks and open-unbound DNase.

    A bound locus holds ``jund_sites_per_peak`` motif copies (homotypic sites) within
    ``k * length + (k - 1) * 40`` bp, centred on its peak summit; a decoy locus holds as many decoys.
    Truth tables (one row per motif copy, ``locus`` naming the locus): ``jund_sites`` (bound, motif
    planted), ``jund_decoys``; one row per locus: ``jund_indirect`` (peak, no motif), ``jund_open``
    (DNase only); plus ``jund_peaks`` (narrowPeak rows), ``jund_clusters``, ``jund_proto``.
    """
    p = world.params
    rng = world.rng("jund")
    motif = world.motifs["JUND"]
    L = motif.length
    clusters_occ = Occupancy(world.sizes)
    sites, indirect, decoys, opens, peaks, clusters = [], [], [], [], [], []
    n_site = n_decoy_locus = 0
    k = p.jund_sites_per_peak
    slot = k * L + (k - 1) * 40  # bound loci (and decoy loci) hold k motif copies within this span
    for chrom in world.sizes:
        if chrom == "chrM":
            continue
        lo, hi = world.usable[chrom]
        n_clusters = max(1, int(round(p.jund_clusters_per_mb * (hi - lo) / 1e6)))
        ext = 10_000
        cores = clusters_occ.place(
            rng, chrom, n_clusters, p.jund_cluster_length, lo + ext, hi - ext, margin=ext
        )
        for core in cores.tolist():
            core_end = core + p.jund_cluster_length
            clusters.append({"chrom": chrom, "start": core, "end": core_end})
            n_peaks = p.jund_peaks_per_cluster
            n_indirect = int(rng.binomial(n_peaks, p.jund_indirect_fraction))
            n_direct = n_peaks - n_indirect
            n_decoy = int(rng.poisson(p.jund_decoys_per_site * n_direct))
            kinds = ["direct"] * n_direct + ["indirect"] * n_indirect + ["decoy"] * n_decoy
            kinds += ["open"] * p.jund_open_unbound_per_cluster
            starts = world.occ.place(
                rng, chrom, len(kinds), slot, core + 300, core_end - 300, margin=150
            )
            order = rng.permutation(len(starts))
            for kind, start in zip(kinds, starts[order].tolist()):
                locus = {"chrom": chrom, "locus_start": start, "locus_end": start + slot}
                if kind in ("direct", "decoy"):
                    # k motif copies at random non-overlapping offsets inside the slot
                    cuts = np.sort(rng.integers(0, slot - k * L + 1, size=k))
                    elements = [
                        (start + int(c) + j * L, 1 if rng.random() < 0.5 else -1)
                        for j, c in enumerate(cuts)
                    ]
                if kind == "direct":
                    n_site += 1
                    weak = bool(rng.random() < p.jund_weak_dnase_fraction)
                    name = f"jund_site_{n_site:05d}"
                    for j, (e, strand) in enumerate(elements, start=1):
                        world.plant(chrom, e, motif.sample(rng, 1, coupled=True)[0], strand)
                        sites.append(
                            {
                                "chrom": chrom,
                                "start": e,
                                "end": e + L,
                                "name": f"{name}_{j}",
                                "strand": strand,
                                "locus": name,
                                **locus,
                                "weak_dnase": weak,
                            }
                        )
                    signal = 20.0 * float(rng.lognormal(0.0, 0.4)) * (0.6 if weak else 1.0)
                elif kind == "indirect":
                    name = f"jund_indirect_{len(indirect) + 1:05d}"
                    indirect.append(
                        {
                            "chrom": chrom,
                            "start": start,
                            "end": start + slot,
                            "name": name,
                            "strand": 1,
                            "locus": name,
                            **locus,
                        }
                    )
                    signal = min(14.0, 8.0 * float(rng.lognormal(0.0, 0.3)))
                elif kind == "decoy":
                    n_decoy_locus += 1
                    name = f"jund_decoy_{n_decoy_locus:05d}"
                    for j, (e, strand) in enumerate(elements, start=1):
                        world.plant(chrom, e, motif.sample(rng, 1, coupled=False)[0], strand)
                        decoys.append(
                            {
                                "chrom": chrom,
                                "start": e,
                                "end": e + L,
                                "name": f"{name}_{j}",
                                "strand": strand,
                                "locus": name,
                                **locus,
                            }
                        )
                    continue
                else:
                    name = f"jund_open_{len(opens) + 1:05d}"
                    opens.append(
                        {
                            "chrom": chrom,
                            "start": start,
                            "end": start + slot,
                            "name": name,
                            "strand": 1,
                            "locus": name,
                            **locus,
                        }
                    )
                    continue
                row = {"name": name}
                summit = start + slot // 2 + int(np.clip(rng.normal(0, 6), -15, 15))
                left, right = int(rng.integers(80, 260)), int(rng.integers(80, 260))
                peaks.append(
                    {
                        "chrom": chrom,
                        "start": summit - left,
                        "end": summit + right,
                        "name": ".",
                        "score": 1000,
                        "strand": ".",
                        "signal": round(signal, 5),
                        "pvalue": round(5 + 2 * signal, 5),
                        "qvalue": round(3 + 1.8 * signal, 5),
                        "peak": left,
                        "site": row["name"],
                    }
                )
    world.tables.update(
        jund_sites=_table(sites),
        jund_indirect=_table(indirect),
        jund_decoys=_table(decoys),
        jund_open=_table(opens),
        jund_peaks=_table(peaks),
        jund_clusters=_table(clusters),
    )
    _plant_proto_site(world, rng)


def _plant_proto_site(world: World, rng: np.random.Generator) -> None:
    """One coupled JunD site with its invariant G broken (TGA -> TTA), no peak: a variant re-creates it."""
    motif = world.motifs["JUND"]
    clusters = world.tables["jund_clusters"]
    rows = []
    if len(clusters):
        chroms = list(clusters["chrom"])
        pick = chroms.index("chr3") if "chr3" in chroms else 0
        c = clusters.iloc[pick]
        start = world.occ.place(
            rng, c["chrom"], 1, motif.length, int(c["start"]) + 300, int(c["end"]) - 300, margin=150
        )
        if len(start):
            codes = motif.sample(rng, 1, coupled=True)[0]
            codes[JUND_KEY_POSITION] = 3  # G -> T breaks TGA[CG]TCA
            world.plant(c["chrom"], int(start[0]), codes, 1)
            rows.append(
                {
                    "chrom": c["chrom"],
                    "start": int(start[0]),
                    "end": int(start[0]) + motif.length,
                    "name": "jund_proto_00001",
                    "strand": 1,
                }
            )
    world.tables["jund_proto"] = _table(rows)


# --------------------------------------------------------------------------- case 3: genes, CAGE
GENE_TYPES = ("protein_coding", "lncRNA", "processed_pseudogene")


def build_genes(world: World) -> None:
    """Genes with promoter elements (TATA box, coupled GC box) and a shared expression latent.

    Latent model per gene (natural-log scale): ``s = tata_effect * tata + gcbox_effect * functional
    GC box + cpg_island_effect * CpG island``; chromatin ``c = s + N(0, chromatin_sd)``; expression
    ``e = c + promoter_direct_effect * s + N(0, expression_noise_sd)``
    (lncRNA one unit lower, pseudogenes silent). CAGE, promoter DNase and H3K4me3 are Poisson /
    continuous read-outs of ``e``, ``c + noise``, ``c + noise``. Truth table ``genes``.
    """
    p = world.params
    rng = world.rng("genes")
    tata, gcbox = world.motifs["TBP"], world.motifs["SP1"]
    rows = []
    elements = []  # (chrom, tss, strand, offset, codes) of every planted element, re-planted over islands
    for chrom in world.sizes:
        if chrom == "chrM":
            continue
        lo, hi = world.usable[chrom]
        n = int(round(p.genes_per_mb * (hi - lo) / 1e6))
        zones = world.occ.place(rng, chrom, n, 1400, lo + 2000, hi - 2000, margin=0)
        for zone in zones.tolist():
            tss = zone + 700
            strand = 1 if rng.random() < 0.5 else -1
            u = rng.random()
            gtype = (
                "protein_coding"
                if u < p.protein_coding_fraction
                else "lncRNA"
                if u < p.protein_coding_fraction + (1 - p.protein_coding_fraction) * 0.7
                else "processed_pseudogene"
            )
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
                elements.append((chrom, tss, strand, -32, tata.sample(rng, 1, True)[0]))
            if has_gc:
                elements.append((chrom, tss, strand, -98, gcbox.sample(rng, 1, functional)[0]))
            rows.append(
                {
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
            )
    genes = _table(rows)
    n = len(genes)
    if n:
        # CpG islands, drawn from their own stream so that the gene placement above is unchanged
        _plant_cpg_islands(world, genes)
    for element in elements:
        _plant_oriented(world, *element)
    if n:
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
        genes["exons"] = [
            _exons(rng, int(a), int(b), int(st))
            for a, b, st in zip(genes["start"], genes["end"], genes["strand"])
        ]
    world.tables["genes"] = genes


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
        chrom, tss, strand = genes.at[i, "chrom"], int(genes.at[i, "tss"]), int(genes.at[i, "strand"])
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


# --------------------------------------------------------------------------- case 2: DeepSEA-like
def build_deepsea(world: World) -> None:
    """TF sites (coupled for CTCF and ZNF143, with decoys), DNase features, broad histone domains.

    Truth tables ``deepsea_sites``, ``deepsea_decoys``, ``histone_domains``, ``domain_motifs`` and
    one peak table per feature in ``deepsea_peaks`` (dict name -> DataFrame).
    """
    p = world.params
    rng = world.rng("deepsea")
    sites, decoys = [], []
    for chrom in world.sizes:
        if chrom == "chrM":
            continue
        lo, hi = world.usable[chrom]
        for tf in DEEPSEA_TFS:
            motif = world.motifs[tf]
            n = int(round(p.deepsea_sites_per_tf_per_mb * (hi - lo) / 1e6))
            coupled = bool(motif.blocks)
            n_decoy = int(round(p.deepsea_decoys_per_site * n)) if coupled else 0
            starts = world.occ.place(
                rng, chrom, n + n_decoy, motif.length, lo + 500, hi - 500, margin=20
            )
            is_site = np.zeros(len(starts), dtype=bool)
            is_site[rng.permutation(len(starts))[:n]] = True
            strands = np.where(rng.random(len(starts)) < 0.5, 1, -1)
            codes = (
                np.where(
                    is_site[:, None],
                    motif.sample(rng, len(starts), True),
                    motif.sample(rng, len(starts), False),
                )
                if len(starts)
                else np.zeros((0, motif.length))
            )
            world.plant_many(chrom, starts, codes.astype(np.uint8), strands)
            for s, st, site in zip(starts.tolist(), strands.tolist(), is_site.tolist()):
                (sites if site else decoys).append(
                    {"chrom": chrom, "start": s, "end": s + motif.length, "name": tf, "strand": st}
                )
    sites_df, decoys_df = _table(sites), _table(decoys)
    peaks: dict[str, pd.DataFrame] = {}
    # DNase features: open at a TF-dependent share of the TF sites
    for cell, probs in DEEPSEA_DNASE.items():
        prob = sites_df["name"].map(dict(zip(DEEPSEA_TFS, probs))).to_numpy()
        chosen = sites_df[rng.random(len(sites_df)) < prob]
        peaks[f"DNase_{cell}"] = _narrow_peaks(rng, chosen, (150, 350), jitter=20)
    for tf in DEEPSEA_TFS:
        peaks[f"TF_{tf}"] = _narrow_peaks(
            rng, sites_df[sites_df["name"] == tf], (200, 400), jitter=8
        )
    domains, motif_rows = [], []
    for mark, motif_name in DEEPSEA_HISTONE.items():
        motif = world.motifs[motif_name]
        dom_occ = Occupancy(world.sizes)
        mark_peaks = []
        for chrom in world.sizes:
            if chrom == "chrM":
                continue
            lo, hi = world.usable[chrom]
            n_dom = int(round(p.histone_domain_fraction * (hi - lo) / 6000))
            for _ in range(n_dom):
                length = int(rng.integers(2000, 10_001))
                got = dom_occ.place(rng, chrom, 1, length, lo + 1000, hi - 1000, margin=1000)
                if not len(got):
                    continue
                d0 = int(got[0])
                domains.append({"chrom": chrom, "start": d0, "end": d0 + length, "name": mark})
                n_mot = int(rng.poisson(length / p.histone_motif_spacing))
                m_starts = world.occ.place(
                    rng, chrom, n_mot, motif.length, d0, d0 + length, margin=5
                )
                m_strands = np.where(rng.random(len(m_starts)) < 0.5, 1, -1)
                world.plant_many(chrom, m_starts, motif.sample(rng, len(m_starts)), m_strands)
                motif_rows += [
                    {
                        "chrom": chrom,
                        "start": s,
                        "end": s + motif.length,
                        "name": f"{mark}:domain",
                        "strand": st,
                    }
                    for s, st in zip(m_starts.tolist(), m_strands.tolist())
                ]
                # tile the domain with peaks
                pos = d0
                while pos < d0 + length - 300:
                    w = min(int(rng.integers(600, 1500)), d0 + length - pos)
                    signal = round(float(rng.lognormal(1.5, 0.4)), 5)
                    mark_peaks.append(
                        {
                            "chrom": chrom,
                            "start": pos,
                            "end": pos + w,
                            "name": ".",
                            "score": int(min(1000, 100 * signal)),
                            "strand": ".",
                            "signal": signal,
                            "pvalue": round(3 + signal, 5),
                            "qvalue": round(1 + signal, 5),
                            "peak": w // 2,
                        }
                    )
                    pos += w + int(rng.integers(0, 60))
            # scattered single domain motifs outside domains: weak evidence on their own
            n_scatter = int((hi - lo) / 10_000)
            s_starts = world.occ.place(rng, chrom, n_scatter, motif.length, lo, hi, margin=5)
            s_strands = np.where(rng.random(len(s_starts)) < 0.5, 1, -1)
            world.plant_many(chrom, s_starts, motif.sample(rng, len(s_starts)), s_strands)
            motif_rows += [
                {
                    "chrom": chrom,
                    "start": s,
                    "end": s + motif.length,
                    "name": f"{mark}:scattered",
                    "strand": st,
                }
                for s, st in zip(s_starts.tolist(), s_strands.tolist())
            ]
        peaks[f"Histone_{mark}"] = _table(mark_peaks)
    world.tables.update(
        deepsea_sites=sites_df,
        deepsea_decoys=decoys_df,
        histone_domains=_table(domains),
        domain_motifs=_table(motif_rows),
    )
    world.feature_peaks = peaks


def _narrow_peaks(
    rng: np.random.Generator, sites: pd.DataFrame, width: tuple[int, int], jitter: int
) -> pd.DataFrame:
    n = len(sites)
    if n == 0:
        return pd.DataFrame()
    centre = ((sites["start"] + sites["end"]) // 2).to_numpy()
    summit = centre + np.clip(np.round(rng.normal(0, jitter, n)), -2 * jitter, 2 * jitter).astype(
        np.int64
    )
    w = rng.integers(width[0], width[1] + 1, n)
    left = (w * rng.uniform(0.35, 0.65, n)).astype(np.int64)
    signal = np.round(rng.lognormal(2.0, 0.5, n), 5)
    return pd.DataFrame(
        {
            "chrom": sites["chrom"].to_numpy(),
            "start": summit - left,
            "end": summit - left + w,
            "name": ".",
            "score": np.minimum(1000, (signal * 40).astype(int)),
            "strand": ".",
            "signal": signal,
            "pvalue": np.round(signal * 1.5, 5),
            "qvalue": np.round(signal * 1.2, 5),
            "peak": left,
        }
    )


# --------------------------------------------------------------------------- blacklist, variants
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
    chroms = [c for c in world.sizes if c != "chrM"]
    for _ in range(p.blacklist_regions - n_roi):
        chrom = chroms[int(rng.integers(0, len(chroms)))]
        lo, hi = world.usable[chrom]
        length = int(rng.integers(1000, 6000))
        start = int(rng.integers(lo, hi - length))
        rows.append({"chrom": chrom, "start": start, "end": start + length})
    order = {c: i for i, c in enumerate(world.sizes)}
    bl = _table(rows)
    if len(bl):
        bl = bl.sort_values(
            ["chrom", "start"], key=lambda s: s.map(order) if s.name == "chrom" else s
        )
        bl["name"] = "High Signal Region"
    world.tables["blacklist"] = bl.reset_index(drop=True)


def build_variants(world: World) -> pd.DataFrame:
    """SNVs: destroying planted JunD sites (test chromosome first), one creating a site from the proto
    site, one whose REF disagrees with the genome, and neutral background SNVs.

    Returns a DataFrame with 0-based ``pos``, ``ref``, ``alt``, ``effect``, ``site``, ``ref_mismatch``.
    """
    p = world.params
    rng = world.rng("variants")
    letters = "ACGT"
    rows = []
    sites = world.tables["jund_sites"]
    L = world.motifs["JUND"].length
    if len(sites):
        order = np.argsort(np.where(sites["chrom"] == "chr3", 0, 1), kind="stable")
        for i in order[: p.destroying_variants].tolist():
            r = sites.iloc[i]
            fwd_index = JUND_KEY_POSITION
            pos = int(r["start"]) + (fwd_index if r["strand"] > 0 else L - 1 - fwd_index)
            ref = int(world.genome[r["chrom"]][pos])
            alt = (
                0 if r["strand"] > 0 else 3
            )  # G -> A on the site's strand (never seen in the matrix)
            rows.append(
                {
                    "chrom": r["chrom"],
                    "pos": pos,
                    "ref": letters[ref],
                    "alt": letters[alt],
                    "effect": "destroy",
                    "site": r["name"],
                    "ref_mismatch": False,
                }
            )
    proto = world.tables["jund_proto"]
    for r in proto.itertuples():
        pos = int(r.start) + JUND_KEY_POSITION
        rows.append(
            {
                "chrom": r.chrom,
                "pos": pos,
                "ref": letters[int(world.genome[r.chrom][pos])],
                "alt": "G",
                "effect": "create",
                "site": r.name,
                "ref_mismatch": False,
            }
        )
    chroms = [c for c in world.sizes if c != "chrM"]
    for k in range(p.background_variants + 1):
        chrom = chroms[int(rng.integers(0, len(chroms)))]
        lo, hi = world.usable[chrom]
        got = world.occ.place(rng, chrom, 1, 1, lo, hi, margin=30, mark=False)
        if not len(got):
            continue
        pos = int(got[0])
        ref = int(world.genome[chrom][pos])
        if k == 0:  # the REF that disagrees with the genome
            rows.append(
                {
                    "chrom": chrom,
                    "pos": pos,
                    "ref": letters[(ref + 1) % 4],
                    "alt": letters[(ref + 2) % 4],
                    "effect": "neutral",
                    "site": ".",
                    "ref_mismatch": True,
                }
            )
        else:
            rows.append(
                {
                    "chrom": chrom,
                    "pos": pos,
                    "ref": letters[ref],
                    "alt": letters[(ref + int(rng.integers(1, 4))) % 4],
                    "effect": "neutral",
                    "site": ".",
                    "ref_mismatch": False,
                }
            )
    var = _table(rows)
    if len(var):
        rank = {c: i for i, c in enumerate(world.sizes)}
        var = (
            var.assign(_r=var["chrom"].map(rank))
            .sort_values(["_r", "pos"], kind="stable")
            .drop(columns="_r")
        )
        var = var.drop_duplicates(["chrom", "pos"]).reset_index(drop=True)
    world.tables["variants"] = var
    return var

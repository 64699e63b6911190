"""Case 1 of the synthetic demo world: clusters of JunD peaks on planted, coupled JUND sites."""

from __future__ import annotations

import numpy as np

from .motifs import JUND_KEY_POSITION
from .sequence import Occupancy
from .world import World, table

# locus kind -> (truth table of its rows, prefix of its names)
KINDS = {
    "direct": ("jund_sites", "jund_site"),
    "indirect": ("jund_indirect", "jund_indirect"),
    "decoy": ("jund_decoys", "jund_decoy"),
    "open": ("jund_open", "jund_open"),
}
TABLES = ("jund_sites", "jund_indirect", "jund_decoys", "jund_open", "jund_peaks", "jund_clusters")


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
    planter = _ClusterPlanter(world, rng)
    clusters_occ = Occupancy(world.sizes)
    for chrom in world.nuclear():
        lo, hi = world.usable[chrom]
        n_clusters = max(1, round(p.jund_clusters_per_mb * (hi - lo) / 1e6))
        ext = 10_000
        cores = clusters_occ.place(
            rng, chrom, n_clusters, p.jund_cluster_length, lo + ext, hi - ext, margin=ext
        )
        for core in cores.tolist():
            planter.cluster(chrom, core)
    world.tables.update({name: table(rows) for name, rows in planter.rows.items()})
    _plant_proto_site(world, rng)


class _ClusterPlanter:
    """Plants JunD clusters into a world, one locus at a time, and collects the truth rows."""

    def __init__(self, world: World, rng: np.random.Generator):
        self.world = world
        self.rng = rng
        self.motif = world.motifs["JUND"]
        self.k = world.params.jund_sites_per_peak
        # bound loci (and decoy loci) hold k motif copies within this span
        self.slot = self.k * self.motif.length + (self.k - 1) * 40
        self.rows: dict[str, list[dict]] = {name: [] for name in TABLES}
        self.loci = dict.fromkeys(KINDS, 0)

    def cluster(self, chrom: str, core: int) -> None:
        """One cluster ``[core, core + jund_cluster_length)``: its loci in random order."""
        p, rng = self.world.params, self.rng
        core_end = core + p.jund_cluster_length
        self.rows["jund_clusters"].append({"chrom": chrom, "start": core, "end": core_end})
        n_peaks = p.jund_peaks_per_cluster
        n_indirect = int(rng.binomial(n_peaks, p.jund_indirect_fraction))
        n_direct = n_peaks - n_indirect
        n_decoy = int(rng.poisson(p.jund_decoys_per_site * n_direct))
        kinds = ["direct"] * n_direct + ["indirect"] * n_indirect + ["decoy"] * n_decoy
        kinds += ["open"] * p.jund_open_unbound_per_cluster
        starts = self.world.occ.place(
            rng, chrom, len(kinds), self.slot, core + 300, core_end - 300, margin=150
        )
        order = rng.permutation(len(starts))
        for kind, start in zip(kinds, starts[order].tolist()):
            self.locus(kind, chrom, start)

    def locus(self, kind: str, chrom: str, start: int) -> None:
        """One locus of ``kind`` (see ``KINDS``) at ``[start, start + slot)``, with its peak if bound."""
        p, rng = self.world.params, self.rng
        table_name, prefix = KINDS[kind]
        self.loci[kind] += 1
        name = f"{prefix}_{self.loci[kind]:05d}"
        locus = {"locus": name, "locus_start": start, "locus_end": start + self.slot}
        rows = self.rows[table_name]
        if kind in ("indirect", "open"):  # no motif: the locus is the element
            rows.append(_row(chrom, start, start + self.slot, name, 1, locus))
            if kind == "open":
                return
            signal = min(14.0, 8.0 * float(rng.lognormal(0.0, 0.3)))
        else:
            copies = self.motif_copies(start)
            extra = {}
            if kind == "direct":
                extra["weak_dnase"] = bool(rng.random() < p.jund_weak_dnase_fraction)
            length = self.motif.length
            for j, (e, strand) in enumerate(copies, start=1):
                codes = self.motif.sample(rng, 1, coupled=kind == "direct")[0]
                self.world.plant(chrom, e, codes, strand)
                rows.append(_row(chrom, e, e + length, f"{name}_{j}", strand, locus, **extra))
            if kind == "decoy":
                return
            signal = 20.0 * float(rng.lognormal(0.0, 0.4)) * (0.6 if extra["weak_dnase"] else 1.0)
        self.rows["jund_peaks"].append(self.peak(chrom, start + self.slot // 2, signal, name))

    def motif_copies(self, start: int) -> list[tuple[int, int]]:
        """``(start, strand)`` of k motif copies at random non-overlapping offsets inside the slot."""
        rng, length = self.rng, self.motif.length
        cuts = np.sort(rng.integers(0, self.slot - self.k * length + 1, size=self.k))
        return [
            (start + int(c) + j * length, 1 if rng.random() < 0.5 else -1)
            for j, c in enumerate(cuts)
        ]

    def peak(self, chrom: str, centre: int, signal: float, site: str) -> dict:
        """A narrowPeak row with its summit jittered around ``centre``."""
        rng = self.rng
        summit = centre + int(np.clip(rng.normal(0, 6), -15, 15))
        left, right = int(rng.integers(80, 260)), int(rng.integers(80, 260))
        return {
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
            "site": site,
        }


def _row(chrom: str, start: int, end: int, name: str, strand: int, locus: dict, **extra) -> dict:
    """A truth row of one element; ``locus`` holds the name, start and end of its locus."""
    return {
        "chrom": chrom,
        "start": start,
        "end": end,
        "name": name,
        "strand": strand,
        **locus,
        **extra,
    }


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
    world.tables["jund_proto"] = table(rows)

"""Case 2 of the synthetic demo world: DeepSEA-like TF, DNase and histone features."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .motifs import MotifModel
from .sequence import Occupancy
from .world import World, table

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


def feature_names() -> list[str]:
    """The DeepSEA-like feature names in output order: ``DNase_*``, then ``TF_*``, then ``Histone_*``."""
    return (
        [f"DNase_{c}" for c in DEEPSEA_DNASE]
        + [f"TF_{t}" for t in DEEPSEA_TFS]
        + [f"Histone_{m}" for m in DEEPSEA_HISTONE]
    )


def build_deepsea(world: World) -> None:
    """TF sites (coupled for CTCF and ZNF143, with decoys), DNase features, broad histone domains.

    Truth tables ``deepsea_sites``, ``deepsea_decoys``, ``histone_domains``, ``domain_motifs`` and
    one peak table per feature in ``world.feature_peaks`` (dict name -> DataFrame).
    """
    rng = world.rng("deepsea")
    sites, decoys = [], []
    for chrom in world.nuclear():
        for tf in DEEPSEA_TFS:
            _plant_tf_sites(world, rng, chrom, tf, sites, decoys)
    sites_df, decoys_df = table(sites), table(decoys)
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
    domains: list[dict] = []
    motif_rows: list[dict] = []
    for mark, motif_name in DEEPSEA_HISTONE.items():
        mark_peaks = _histone_mark(world, rng, mark, world.motifs[motif_name], domains, motif_rows)
        peaks[f"Histone_{mark}"] = table(mark_peaks)
    world.tables.update(
        deepsea_sites=sites_df,
        deepsea_decoys=decoys_df,
        histone_domains=table(domains),
        domain_motifs=table(motif_rows),
    )
    world.feature_peaks = peaks


def _plant_tf_sites(
    world: World,
    rng: np.random.Generator,
    chrom: str,
    tf: str,
    sites: list[dict],
    decoys: list[dict],
) -> None:
    """Sites of ``tf`` on ``chrom`` (and, for a coupled motif, decoys), appended as BED6 rows."""
    p = world.params
    lo, hi = world.usable[chrom]
    motif = world.motifs[tf]
    n = round(p.deepsea_sites_per_tf_per_mb * (hi - lo) / 1e6)
    coupled = bool(motif.blocks)
    n_decoy = round(p.deepsea_decoys_per_site * n) if coupled else 0
    starts = world.occ.place(rng, chrom, n + n_decoy, motif.length, lo + 500, hi - 500, margin=20)
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


def _histone_mark(
    world: World,
    rng: np.random.Generator,
    mark: str,
    motif: MotifModel,
    domains: list[dict],
    motif_rows: list[dict],
) -> list[dict]:
    """Broad domains of ``mark`` marked by clusters of ``motif``, plus motifs scattered outside.

    Domains and motifs are appended to ``domains`` and ``motif_rows``; returns the peaks that tile the
    domains.
    """
    p = world.params
    dom_occ = Occupancy(world.sizes)
    mark_peaks: list[dict] = []
    for chrom in world.nuclear():
        lo, hi = world.usable[chrom]
        n_dom = round(p.histone_domain_fraction * (hi - lo) / 6000)
        for _ in range(n_dom):
            length = int(rng.integers(2000, 10_001))
            got = dom_occ.place(rng, chrom, 1, length, lo + 1000, hi - 1000, margin=1000)
            if not len(got):
                continue
            d0 = int(got[0])
            domains.append({"chrom": chrom, "start": d0, "end": d0 + length, "name": mark})
            n_mot = int(rng.poisson(length / p.histone_motif_spacing))
            motif_rows += _plant_motifs(
                world, rng, chrom, motif, n_mot, (d0, d0 + length), f"{mark}:domain"
            )
            mark_peaks += _tile_domain(rng, chrom, d0, d0 + length)
        # scattered single domain motifs outside domains: weak evidence on their own
        n_scatter = int((hi - lo) / 10_000)
        motif_rows += _plant_motifs(
            world, rng, chrom, motif, n_scatter, (lo, hi), f"{mark}:scattered"
        )
    return mark_peaks


def _plant_motifs(
    world: World,
    rng: np.random.Generator,
    chrom: str,
    motif: MotifModel,
    n: int,
    span: tuple[int, int],
    name: str,
) -> list[dict]:
    """Up to ``n`` copies of ``motif`` at free places in ``span``, on random strands; their BED6 rows."""
    starts = world.occ.place(rng, chrom, n, motif.length, span[0], span[1], margin=5)
    strands = np.where(rng.random(len(starts)) < 0.5, 1, -1)
    world.plant_many(chrom, starts, motif.sample(rng, len(starts)), strands)
    return [
        {"chrom": chrom, "start": s, "end": s + motif.length, "name": name, "strand": st}
        for s, st in zip(starts.tolist(), strands.tolist())
    ]


def _tile_domain(rng: np.random.Generator, chrom: str, start: int, end: int) -> list[dict]:
    """narrowPeak rows of 600-1500 bp, with small gaps, that tile the domain ``[start, end)``."""
    peaks = []
    pos = start
    while pos < end - 300:
        w = min(int(rng.integers(600, 1500)), end - pos)
        signal = round(float(rng.lognormal(1.5, 0.4)), 5)
        peaks.append(
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
    return peaks


def _narrow_peaks(
    rng: np.random.Generator, sites: pd.DataFrame, width: tuple[int, int], jitter: int
) -> pd.DataFrame:
    """narrowPeak rows over ``sites``: width in ``width``, summit jittered by about ``jitter`` bp."""
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

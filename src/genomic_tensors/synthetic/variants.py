"""SNVs of the synthetic demo world: destroying and creating JunD sites, and neutral background."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .motifs import JUND_KEY_POSITION
from .world import World, table

LETTERS = "ACGT"


def build_variants(world: World) -> pd.DataFrame:
    """SNVs: destroying planted JunD sites (test chromosome first), one creating a site from the proto
    site, one whose REF disagrees with the genome, and neutral background SNVs.

    Returns a DataFrame with 0-based ``pos``, ``ref``, ``alt``, ``effect``, ``site``, ``ref_mismatch``
    (also the truth table ``variants``), sorted by position, one SNV per position.
    """
    rng = world.rng("variants")
    rows = _destroying(world) + _creating(world) + _background(world, rng)
    var = table(rows)
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


def _snv(
    chrom: str, pos: int, ref: str, alt: str, effect: str, site: str, ref_mismatch: bool = False
) -> dict:
    """A row of the ``variants`` table."""
    return {
        "chrom": chrom,
        "pos": pos,
        "ref": ref,
        "alt": alt,
        "effect": effect,
        "site": site,
        "ref_mismatch": ref_mismatch,
    }


def _destroying(world: World) -> list[dict]:
    """G -> A at the invariant G of the first ``destroying_variants`` JunD sites, chr3's first."""
    sites = world.tables["jund_sites"]
    if not len(sites):
        return []
    length = world.motifs["JUND"].length
    rows = []
    order = np.argsort(np.where(sites["chrom"] == "chr3", 0, 1), kind="stable")
    for i in order[: world.params.destroying_variants].tolist():
        r = sites.iloc[i]
        fwd = r["strand"] > 0
        pos = int(r["start"]) + (JUND_KEY_POSITION if fwd else length - 1 - JUND_KEY_POSITION)
        ref = int(world.genome[r["chrom"]][pos])
        alt = 0 if fwd else 3  # G -> A on the site's strand (never seen in the matrix)
        rows.append(_snv(r["chrom"], pos, LETTERS[ref], LETTERS[alt], "destroy", r["name"]))
    return rows


def _creating(world: World) -> list[dict]:
    """T -> G at the broken position of each proto site, which completes a JunD site."""
    rows = []
    for r in world.tables["jund_proto"].itertuples():
        pos = int(r.start) + JUND_KEY_POSITION
        ref = LETTERS[int(world.genome[r.chrom][pos])]
        rows.append(_snv(r.chrom, pos, ref, "G", "create", r.name))
    return rows


def _background(world: World, rng: np.random.Generator) -> list[dict]:
    """Neutral SNVs at free positions; the first has a REF that disagrees with the genome."""
    rows = []
    chroms = world.nuclear()
    for k in range(world.params.background_variants + 1):
        chrom = chroms[int(rng.integers(0, len(chroms)))]
        lo, hi = world.usable[chrom]
        got = world.occ.place(rng, chrom, 1, 1, lo, hi, margin=30, mark=False)
        if not len(got):
            continue
        pos = int(got[0])
        ref = int(world.genome[chrom][pos])
        if k == 0:  # the REF that disagrees with the genome
            rows.append(
                _snv(
                    chrom, pos, LETTERS[(ref + 1) % 4], LETTERS[(ref + 2) % 4], "neutral", ".", True
                )
            )
        else:
            alt = LETTERS[(ref + int(rng.integers(1, 4))) % 4]
            rows.append(_snv(chrom, pos, LETTERS[ref], alt, "neutral", "."))
    return rows

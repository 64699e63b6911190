"""The data of Fig. 2d: predictions, labels, DNase counts and the DNA attribution at the locus."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from genomic_tensors.cases.jund.data import check_aligned, load_dataset
from genomic_tensors.cases.jund.locus import Locus, read_locus

__all__ = ["locus_tracks"]


def _bases_from_codes(codes: np.ndarray, order: int) -> str:
    """The bases of a window from its k-mer codes ``(L - order + 1,)`` (-1 -> N for its first letter)."""
    letters = np.array(list("ACGT"))
    codes = np.asarray(codes)
    first = np.where(codes >= 0, codes // 4 ** (order - 1), -1)
    tail = []
    last = int(codes[-1])
    for k in range(order - 2, -1, -1):  # the remaining letters of the last k-mer
        tail.append(-1 if last < 0 else (last // 4**k) % 4)
    all_codes = np.concatenate([first, np.array(tail, dtype=np.int64)])
    return "".join(letters[c] if c >= 0 else "N" for c in all_codes)


def _per_base(kmer_scores: np.ndarray, order: int) -> np.ndarray:
    """Spread k-mer attributions ``(L - order + 1,)`` evenly over their ``order`` bases -> ``(L,)``."""
    out = np.zeros(len(kmer_scores) + order - 1, dtype=np.float64)
    for shift in range(order):
        out[shift : shift + len(kmer_scores)] += kmer_scores / order
    return out


def _locus_rows(regions: pd.DataFrame, locus: Locus) -> tuple[np.ndarray, int]:
    """The rows of the bins overlapping the locus, and the row of the bin holding its summit."""
    in_locus = (
        (regions["chrom"] == locus.chrom)
        & (regions["end"] > locus.start)
        & (regions["start"] < locus.end)
    ).to_numpy()
    sel = np.flatnonzero(in_locus)
    if sel.size == 0:
        raise ValueError(
            f"no ROI bin overlaps the Fig. 2d locus {locus.chrom}:{locus.start}-{locus.end}"
        )
    starts, ends = regions.loc[sel, "start"], regions.loc[sel, "end"]
    summit_rows = sel[((starts <= locus.summit) & (ends > locus.summit)).to_numpy()]
    if summit_rows.size == 0:
        raise ValueError(
            f"the attribution centre {locus.chrom}:{locus.summit} is not in an ROI bin"
        )
    return sel, int(summit_rows[0])


def _attribution_window(locus: Locus, window_start: int, length: int) -> tuple[int, int]:
    """The attribution window as positions in the summit bin's DNA window (``length`` bp)."""
    a0 = locus.attribution_start - window_start
    a1 = locus.attribution_end - window_start
    if a0 < 0 or a1 > length:
        raise ValueError(
            f"the attribution window {locus.attribution_start}-{locus.attribution_end} exceeds the "
            f"DNA window {window_start}-{window_start + length} of the summit bin"
        )
    return a0, a1


def _model_tracks(
    models: Sequence[str | Path], x: Mapping[str, np.ndarray], k: int, order: int, steps: int
) -> tuple[np.ndarray, np.ndarray]:
    """The models' mean prediction over the locus bins and their mean per-base attribution of the DNA
    input of bin ``k`` (all-zero DNA baseline, the observed DNase held fixed)."""
    from genomic_tensors.interpret import integrated_gradients
    from genomic_tensors.training import load_model, predict

    predictions, attributions = [], []
    for path in models:
        model = load_model(path)
        predictions.append(predict(model, dict(x), batch_size=256).reshape(-1))
        one = {"dna": x["dna"][k : k + 1], "dnase": x["dnase"][k : k + 1]}
        baseline = {"dna": np.zeros_like(one["dna"]), "dnase": one["dnase"]}
        ig = integrated_gradients(model, one, baseline=baseline, steps=steps)
        ig_dna = np.asarray(ig["dna"] if isinstance(ig, Mapping) else ig)[0]
        attributions.append(_per_base(ig_dna.sum(axis=-1), order))
    return np.mean(predictions, axis=0), np.mean(attributions, axis=0)


def _dnase_tracks(counts: Any, regions: pd.DataFrame, sel: np.ndarray, j: int) -> dict[str, Any]:
    """The DNase counts of the locus bins' cores (summed over strands) at the counts' resolution."""
    core = int(regions.loc[j, "end"] - regions.loc[j, "start"])
    resolution = (core + 2 * int(counts.flank)) // counts.shape[1]
    offset = int(counts.flank) // resolution
    per_core = core // resolution
    raw = np.asarray(counts[sel], dtype=np.float64)[:, offset : offset + per_core].sum(axis=2)
    starts = regions.loc[sel, "start"].to_numpy(np.int64)
    positions = (starts[:, None] + resolution * np.arange(per_core)[None, :]).reshape(-1)
    return {
        "dnase_position": positions,
        "dnase_resolution": np.int64(resolution),
        "dnase": raw.reshape(-1, raw.shape[-1]),
        "dnase_names": np.array(list(counts.conditions), dtype=str),
    }


def locus_tracks(
    locus: str | Path | Locus,
    models: Sequence[str | Path],
    *,
    dna: str | Path,
    dnase: str | Path,
    counts: str | Path,
    labels: str | Path,
    test: Sequence[str],
    steps: int = 50,
) -> dict[str, np.ndarray]:
    """The data of Fig. 2d: predictions, labels and DNase counts over the locus bins, and the integrated-
    gradients attribution of the combined models' DNA input over the attribution window.

    Predictions and attributions are averaged over the given (combined) models; on a test chromosome
    the DNase input is swapped as at test time. The attribution is signed (input x integrated gradient,
    summed over the one-hot channels; a k-mer's value is shared evenly among its bases), with an
    all-zero DNA baseline and the observed DNase input held fixed.

    Returns
    -------
    dict of numpy arrays
        ``bin_start``, ``bin_end`` (n_bins,) int64; ``prediction``, ``label`` (n_bins,) float;
        ``dnase_position`` (n_bins * bins_per_core,) int64 starts of the DNase bins, ``dnase``
        (n_bins * bins_per_core, replicates) counts summed over strands; ``dnase_names`` (replicates,);
        ``attribution`` (attribution window length,) float; ``bases`` (str); ``locus`` (chrom, start,
        end, attribution_start, attribution_end, source) as strings.
    """
    from genomic_tensors.dataset import ReversedConditions

    if not isinstance(locus, Locus):
        locus = read_locus(locus)
    y_all = load_dataset(labels)
    dna_ds, dnase_ds, counts_ds = load_dataset(dna), load_dataset(dnase), load_dataset(counts)
    check_aligned({"labels": y_all, "dna": dna_ds, "dnase": dnase_ds, "counts": counts_ds})
    regions = y_all.regions.reset_index(drop=True)
    sel, j = _locus_rows(regions, locus)
    if locus.chrom in set(test):
        dnase_ds = ReversedConditions(dnase_ds)
    x = {
        "dna": np.asarray(dna_ds[sel], dtype=np.float32),
        "dnase": np.asarray(dnase_ds[sel], dtype=np.float32),
    }
    order = int(dna_ds.order)
    window_start = int(regions.loc[j, "start"]) - int(dna_ds.flank)
    a0, a1 = _attribution_window(locus, window_start, x["dna"].shape[1] + order - 1)
    k = int(np.flatnonzero(sel == j)[0])
    prediction, attribution = _model_tracks(models, x, k, order, steps)
    bases = _bases_from_codes(np.asarray(dna_ds.codes[np.array([j])])[0], order)[a0:a1]
    return {
        "bin_start": regions.loc[sel, "start"].to_numpy(np.int64),
        "bin_end": regions.loc[sel, "end"].to_numpy(np.int64),
        "prediction": prediction,
        "label": np.asarray(y_all[sel], dtype=np.float64).reshape(-1),
        **_dnase_tracks(counts_ds, regions, sel, j),
        "attribution": attribution[a0:a1],
        "attribution_start": np.int64(locus.attribution_start),
        "bases": np.array(bases),
        "locus": np.array(
            [locus.chrom, locus.start, locus.end, locus.attribution_start, locus.attribution_end,
             locus.source],
            dtype=str,
        ),
    }  # fmt: skip

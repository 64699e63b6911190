"""The JunD tensors: binding labels, DNA and DNase of the ROI bins, from files.

Every tensor is built from the same ROI with the same bin size, so row ``i`` of each is the same bin;
:func:`check_aligned` checks it when a job loads several.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from genomic_tensors.cases.jund.grid import NORMALIZATIONS

__all__ = [
    "build_dna",
    "build_dnase_counts",
    "build_labels",
    "check_aligned",
    "load_dataset",
    "normalize_dnase",
]


def build_labels(roi: str | Path, peaks: str | Path, *, binsize: int = 200):
    """Binding labels of the ROI bins: 1 where a (merged) peak overlaps the bin by at least 1 bp.

    Returns
    -------
    Cover
        float32 ``(n_bins, 1, 1, 1)``; regions are the 200-bp bins tiling the ROI.
    """
    from genomic_tensors.coverage import Cover

    return Cover.from_bed(
        peaks, roi, binsize=binsize, resolution=None, mode="binary", conditions=["jund"],
        strand_aware=False, storage="sparse",
    )  # fmt: skip


def build_dna(
    fasta: str | Path, roi: str | Path, *, binsize: int = 200, flank: int = 150, order: int = 1
):
    """The DNA of each ROI bin with its flanks, one-hot of ``order`` (stored as base codes).

    Returns
    -------
    Bioseq
        ``(n_bins, binsize + 2 * flank - order + 1, 4**order)`` float32 on access.
    """
    from genomic_tensors.sequence import Bioseq

    return Bioseq.from_fasta(
        fasta, roi, binsize=binsize, flank=flank, order=order, strand_aware=False
    )


def build_dnase_counts(
    bams: Sequence[str | Path],
    roi: str | Path,
    *,
    conditions: Sequence[str],
    binsize: int = 200,
    flank: int = 450,
    resolution: int = 50,
    genome: str | Path | None = None,
):
    """Stranded DNase 5'-end counts of the ROI bins, one condition per replicate (in the given order).

    ``genome`` (the genome's ``.fai``): each BAM header must give the ROI's chromosomes the genome's
    lengths (else the BAM comes from another assembly, an error).

    Returns
    -------
    Cover
        float32 ``(n_bins, (binsize + 2 * flank) // resolution, 2, len(bams))``; the paper: 22 bins of
        50 bp, strands + then -.
    """
    from genomic_tensors.coverage import Cover

    bams = [str(b) for b in bams if not str(b).endswith(".bai")]
    if len(bams) != len(conditions):
        raise ValueError(
            f"{len(bams)} DNase BAM(s) {bams} for {len(conditions)} replicate name(s) {conditions}"
        )
    return Cover.from_bam(
        bams, roi, binsize=binsize, flank=flank, resolution=resolution, stranded=True,
        conditions=list(conditions), strand_aware=False, genome=genome,
    )  # fmt: skip


def normalize_dnase(counts: Any, normalization: str):
    """The DNase tensor of one normalization, fitted per replicate on the whole ROI (all chromosomes,
    as in the paper: "computed genome-wide per replicate").

    ``none`` returns the counts; ``tpm`` and ``zscorelog`` use :mod:`genomic_tensors.normalize`.
    """
    if normalization not in NORMALIZATIONS:
        raise ValueError(
            f"unknown DNase normalization {normalization!r}; expected one of {NORMALIZATIONS}"
        )
    if normalization == "none":
        return counts
    from genomic_tensors.normalize import get_normalizer

    normalizer = get_normalizer(normalization)
    normalizer.fit(counts)
    return normalizer.transform(counts)


def load_dataset(path: str | Path):
    """A tensor file written by this case's rules (``.npz`` / ``.h5``), as its dataset class."""
    from genomic_tensors.dataset import GenomicDataset

    return GenomicDataset.load(path)


def check_aligned(named: Mapping[str, Any]) -> None:
    """Check that every tensor of a job holds the same bins in the same order (else ValueError)."""
    items = list(named.items())
    ref_name, ref = items[0]
    ref_regions = ref.regions[["chrom", "start", "end"]].reset_index(drop=True)
    for name, ds in items[1:]:
        regions = ds.regions[["chrom", "start", "end"]].reset_index(drop=True)
        if len(regions) != len(ref_regions) or not regions.equals(ref_regions):
            raise ValueError(
                f"the {name} tensor ({len(regions)} bins) and the {ref_name} tensor "
                f"({len(ref_regions)} bins) do not hold the same bins; rebuild both from the same ROI "
                "and bin size"
            )

"""Cover on real ENCODE chr19 data against independent tools (bedtools, pysam, pyBigWig).

Skipped when ``../shared/data`` is absent; the bedtools comparisons also need ``bedtools`` and
``samtools`` on PATH.
"""

from __future__ import annotations

import shutil
import subprocess
from collections import defaultdict
from pathlib import Path

import numpy as np
import pandas as pd
import pyBigWig
import pysam
import pytest

from genomic_tensors.coverage import Cover, bam_read_ends

pytestmark = pytest.mark.shared_data

KIT = "encode_hg38_chr19"
CHR19 = 58_617_616
tools = pytest.mark.skipif(
    shutil.which("bedtools") is None or shutil.which("samtools") is None,
    reason="bedtools and samtools are needed for this comparison",
)


@pytest.fixture(scope="module")
def kit(shared_data) -> Path:
    path = shared_data / KIT
    if not path.is_dir():
        pytest.skip(f"{path} not found")
    return path


def _bedgraph_bins(text: str, binsize: int, n_bins: int) -> np.ndarray:
    """Sum a bedGraph (chr19 only) into fixed bins."""
    frame = pd.read_csv(
        pd.io.common.StringIO(text), sep="\t", header=None, names=["c", "s", "e", "v"]
    )
    frame = frame[frame["c"] == "chr19"]
    lengths = (frame["e"] - frame["s"]).to_numpy()
    pos = np.repeat(frame["s"].to_numpy(), lengths) + (
        np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    )
    weights = np.repeat(frame["v"].to_numpy(), lengths)
    keep = pos < binsize * n_bins
    return np.bincount(pos[keep] // binsize, weights=weights[keep], minlength=n_bins)


@tools
@pytest.mark.parametrize("strand, channel", [("+", 0), ("-", 1)])
def test_five_prime_counts_match_bedtools_genomecov(kit, tmp_path, strand, channel):
    bam = kit / "CEBPB_A549_rep1.nodup.bam"
    # bedtools counts every record: filter the same reads as Cover (unmapped, secondary, QC-failed,
    # supplementary, duplicates) with samtools first
    filtered = tmp_path / "filtered.bam"
    subprocess.run(
        ["samtools", "view", "-b", "-F", "0xF04", "-o", str(filtered), str(bam)], check=True
    )
    cmd = ["bedtools", "genomecov", "-ibam", str(filtered), "-5", "-strand", strand, "-bg"]
    text = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    binsize, n_bins = 100, 200_000  # the first 20 Mb of chr19, 100-bp bins
    expected = _bedgraph_bins(text, binsize, n_bins)
    roi = pd.DataFrame({"chrom": ["chr19"], "start": [0], "end": [binsize * n_bins]})
    cov = Cover.from_bam(bam, roi, binsize=1_000_000, resolution=binsize)
    got = np.asarray(cov)[:, :, channel, 0].ravel()
    assert expected.sum() > 1000
    np.testing.assert_array_equal(got, expected)


def test_paired_end_midpoints_match_a_pysam_reference(kit):
    bam = kit / "ZNF143_GM12878_PE_rep1.nodup.bam"
    mates = defaultdict(list)
    with pysam.AlignmentFile(str(bam)) as handle:
        for read in handle.fetch("chr19"):
            if read.is_secondary or read.is_supplementary or read.is_qcfail or read.is_duplicate:
                continue
            if read.is_proper_pair and read.next_reference_name == "chr19":
                mates[read.query_name].append(read)
    plus, minus = [], []
    for pair in mates.values():
        if len(pair) != 2:
            continue
        start = min(r.reference_start for r in pair)
        end = max(r.reference_end for r in pair)  # fragment = outer alignment ends
        read1 = pair[0] if pair[0].is_read1 else pair[1]
        (minus if read1.is_reverse else plus).append((start + end) // 2)
    got = bam_read_ends(bam, "chr19", paired_end="midpoint")
    assert len(plus) + len(minus) > 10_000
    np.testing.assert_array_equal(got.plus, np.sort(plus))
    np.testing.assert_array_equal(got.minus, np.sort(minus))


def test_fold_change_bigwig_matches_pybigwig_stats(kit):
    path = kit / "CEBPB_rep1.fc.signal.bigwig"
    rng = np.random.default_rng(3)
    starts = np.sort(rng.choice(np.arange(0, CHR19 - 2000, 1000), 300, replace=False))
    roi = pd.DataFrame({"chrom": "chr19", "start": starts, "end": starts + 1000})
    cov = np.asarray(Cover.from_bigwig(path, roi, resolution=250))[:, :, 0, 0]
    handle = pyBigWig.open(str(path))
    checked = 0
    for i, s in enumerate(starts.tolist()):
        full = handle.stats("chr19", s, s + 1000, type="coverage", nBins=4, exact=True)
        means = handle.stats("chr19", s, s + 1000, type="mean", nBins=4, exact=True)
        for j in range(4):
            if full[j] == 1.0:  # pyBigWig averages covered bases only; compare where all are
                np.testing.assert_allclose(cov[i, j], means[j], rtol=1e-5, atol=1e-6)
                checked += 1
    handle.close()
    assert checked > 1000


@tools
@pytest.mark.parametrize("fraction", [None, 0.5])
def test_narrowpeak_labels_match_bedtools_intersect(kit, tmp_path, fraction):
    peaks = kit / "CEBPB_rep1.pval0.01.500K.narrowPeak.gz"
    span = 20_000_000
    bins = pd.DataFrame({"chrom": "chr19", "start": np.arange(0, span, 200)})
    bins["end"] = bins["start"] + 200
    bins_bed = tmp_path / "bins.bed"
    bins.to_csv(bins_bed, sep="\t", header=False, index=False)
    merged = subprocess.run(
        f"zcat {peaks} | sort -k1,1 -k2,2n | bedtools merge -i -",
        shell=True, check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    merged_bed = tmp_path / "merged.bed"
    merged_bed.write_text(merged)
    expected = np.zeros(len(bins), np.float32)
    if fraction is None:  # any overlap
        cmd = ["bedtools", "intersect", "-a", str(bins_bed), "-b", str(merged_bed), "-u"]
        hits = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
        starts = [int(line.split("\t")[1]) for line in hits.splitlines()]
    else:
        # bases of the bin inside any peak (the union: two peaks may share the half bin), as
        # `bedtools coverage` counts them; `intersect -f` would ask one peak to cover it alone
        cmd = ["bedtools", "coverage", "-a", str(bins_bed), "-b", str(merged_bed)]
        table = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
        starts = [
            int(f[1]) for f in (line.split("\t") for line in table.splitlines())
            if int(f[4]) >= fraction * 200
        ]  # fmt: skip
    expected[np.asarray(starts, np.int64) // 200] = 1
    roi = pd.DataFrame({"chrom": ["chr19"], "start": [0], "end": [span]})
    labels = Cover.from_bed(peaks, roi, binsize=200, min_overlap=fraction, storage="sparse")
    assert expected.sum() > 500
    np.testing.assert_array_equal(np.asarray(labels)[:, 0, 0, 0], expected)

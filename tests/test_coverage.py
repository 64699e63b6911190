"""Cover and the BAM reader: tiny BAM / bigWig / BED files built in the test, counts by hand."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd
import pyBigWig
import pysam
import pytest

from genomic_tensors import bamio, coverage_files
from genomic_tensors import coverage as coverage_module
from genomic_tensors.coverage import Cover, bam_read_ends, bin_positions
from genomic_tensors.dataset import GenomicDataset

CHROMS = (("chr1", 1000), ("chr2", 500))

# flags
REV, DUP, UNMAPPED, SECONDARY, QCFAIL, SUPPLEMENTARY = 0x10, 0x400, 0x4, 0x100, 0x200, 0x800
PAIRED, PROPER, MREV, R1, R2 = 0x1, 0x2, 0x20, 0x40, 0x80


def _query_length(cigar: str) -> int:
    seg = pysam.AlignedSegment()
    seg.cigarstring = cigar
    return seg.infer_query_length()


def make_bam(path: Path, reads: list[dict], chroms=CHROMS, index: bool = True) -> Path:
    """Write a sorted, indexed BAM. Each read: chrom, pos (0-based), cigar, flag, mapq, and for
    pairs mate_pos / tlen (mate on the same chromosome)."""
    header = {
        "HD": {"VN": "1.6", "SO": "coordinate"},
        "SQ": [{"SN": n, "LN": ln} for n, ln in chroms],
    }
    names = [n for n, _ in chroms]
    unsorted = path.with_name(path.stem + ".unsorted.bam")
    with pysam.AlignmentFile(str(unsorted), "wb", header=header) as out:
        for i, r in enumerate(reads):
            seg = pysam.AlignedSegment(out.header)
            seg.query_name = r.get("name", f"read{i}")
            seg.flag = r.get("flag", 0)
            seg.reference_id = names.index(r.get("chrom", "chr1"))
            seg.reference_start = r["pos"]
            seg.mapping_quality = r.get("mapq", 60)
            cigar = r.get("cigar", "10M")
            seg.cigarstring = cigar
            n = _query_length(cigar)
            seg.query_sequence = "ACGT" * (n // 4) + "A" * (n % 4)
            seg.query_qualities = pysam.qualitystring_to_array("I" * n)
            if "mate_pos" in r:
                seg.next_reference_id = seg.reference_id
                seg.next_reference_start = r["mate_pos"]
                seg.template_length = r["tlen"]
            out.write(seg)
    pysam.sort("-o", str(path), str(unsorted))
    unsorted.unlink()
    if index:
        pysam.index(str(path))
    return path


# ----------------------------------------------------------------------------------------------
# 5' ends and filters
# ----------------------------------------------------------------------------------------------
FIVE_PRIME_READS = [
    {"pos": 10, "cigar": "10M"},  # + at 10
    {"pos": 20, "cigar": "10M2D5M", "flag": REV},  # spans 17 -> - at 36
    {"pos": 50, "cigar": "3S10M2S", "flag": REV},  # soft clips not aligned -> - at 59
    {"pos": 70, "cigar": "2S8M"},  # + at 70 (clip not counted)
    {"pos": 100, "cigar": "5M100N5M", "flag": REV},  # spans 110 -> - at 209
    {"pos": 300, "cigar": "5M3I5M", "flag": REV},  # insertion does not span -> - at 309
    {"pos": 5, "cigar": "4M", "chrom": "chr2"},
]


@pytest.mark.parametrize("engine", ["numpy", "pysam"])
def test_five_prime_ends(tmp_path, engine):
    bam = make_bam(tmp_path / "a.bam", FIVE_PRIME_READS)
    ends = bam_read_ends(bam, "chr1", engine=engine)
    assert ends.plus.tolist() == [10, 70]
    assert ends.minus.tolist() == [36, 59, 209, 309]
    other = bam_read_ends(bam, "chr2", engine=engine)
    assert other.plus.tolist() == [5] and other.minus.size == 0


@pytest.mark.parametrize("engine", ["numpy", "pysam"])
def test_every_filter(tmp_path, engine):
    reads = [
        {"pos": 1},
        {"pos": 2, "flag": UNMAPPED},
        {"pos": 3, "flag": SECONDARY},
        {"pos": 4, "flag": SUPPLEMENTARY},
        {"pos": 5, "flag": QCFAIL},
        {"pos": 6, "flag": DUP},
        {"pos": 7, "mapq": 5},
        {"pos": 8, "mapq": 10},
    ]
    bam = make_bam(tmp_path / "f.bam", reads)
    assert bam_read_ends(bam, "chr1", engine=engine).plus.tolist() == [1, 7, 8]
    assert bam_read_ends(bam, "chr1", min_mapq=10, engine=engine).plus.tolist() == [1, 8]
    kept = bam_read_ends(bam, "chr1", keep_duplicates=True, engine=engine)
    assert kept.plus.tolist() == [1, 6, 7, 8]


PAIRS = [
    # pair A: read1 + at 100, read2 - at 181..191: fragment [100, 191), tlen 91 -> midpoint 145, +
    {"name": "A", "pos": 100, "flag": PAIRED | PROPER | MREV | R1, "mate_pos": 181, "tlen": 91},
    {"name": "A", "pos": 181, "flag": PAIRED | PROPER | REV | R2, "mate_pos": 100, "tlen": -91},
    # pair B: read2 + at 300 (leftmost), read1 - at 350..360: tlen 60 -> 330 on read1's strand -
    {"name": "B", "pos": 300, "flag": PAIRED | PROPER | MREV | R2, "mate_pos": 350, "tlen": 60},
    {"name": "B", "pos": 350, "flag": PAIRED | PROPER | REV | R1, "mate_pos": 300, "tlen": -60},
    # pair C: both start at 500 (10 bp): counted once, from read 1 -> 505, +
    {"name": "C", "pos": 500, "flag": PAIRED | PROPER | MREV | R1, "mate_pos": 500, "tlen": 10},
    {"name": "C", "pos": 500, "flag": PAIRED | PROPER | REV | R2, "mate_pos": 500, "tlen": -10},
    # pair D: not a proper pair -> no midpoint
    {"name": "D", "pos": 700, "flag": PAIRED | MREV | R1, "mate_pos": 790, "tlen": 100},
    {"name": "D", "pos": 790, "flag": PAIRED | REV | R2, "mate_pos": 700, "tlen": -100},
]


@pytest.mark.parametrize("engine", ["numpy", "pysam"])
def test_paired_end_modes(tmp_path, engine):
    bam = make_bam(tmp_path / "pe.bam", PAIRS)
    five = bam_read_ends(bam, "chr1", paired_end="5prime", engine=engine)
    assert five.plus.tolist() == [100, 300, 500, 700]
    assert five.minus.tolist() == [190, 359, 509, 799]
    mid = bam_read_ends(bam, "chr1", paired_end="midpoint", engine=engine)
    assert mid.plus.tolist() == [145, 505]
    assert mid.minus.tolist() == [330]


@pytest.mark.parametrize("inflater", ["default", "zlib"])
def test_numpy_engine_equals_pysam_on_many_reads_across_batches(tmp_path, monkeypatch, inflater):
    rng = np.random.default_rng(7)
    n = 3000
    pos = rng.integers(0, 990, n)
    # mostly one CIGAR operation (as short reads have), so both length paths run
    cig = rng.choice(["10M", "4M1D5M", "2S8M", "3M2I5M", "5M20N5M"], n, p=[0.6, 0.1, 0.1, 0.1, 0.1])
    flags = rng.choice([0, REV, DUP, REV | DUP, SECONDARY], n, p=[0.4, 0.4, 0.08, 0.07, 0.05])
    reads = [
        {
            "pos": int(p),
            "cigar": str(c),
            "flag": int(f),
            "mapq": int(q),
            "name": f"r{i}" * (1 + i % 7),
        }
        for i, (p, c, f, q) in enumerate(zip(pos, cig, flags, rng.integers(0, 60, n), strict=True))
    ]
    reads += [{"pos": int(p), "chrom": "chr2"} for p in rng.integers(0, 490, 200)]
    bam = make_bam(tmp_path / "many.bam", reads)
    reference = bam_read_ends(bam, "chr1", min_mapq=20, engine="pysam")
    if inflater == "zlib":  # the fallback when libdeflate (package `deflate`) is missing
        monkeypatch.setattr(bamio, "_fast_inflate", None)
    # tiny batches force records to straddle batch ends (carried over) and many chains
    monkeypatch.setattr(bamio, "_BATCH_BYTES", 1500)
    got = bam_read_ends(bam, "chr1", min_mapq=20)
    assert got.plus.size + got.minus.size > 1000
    np.testing.assert_array_equal(got.plus, reference.plus)
    np.testing.assert_array_equal(got.minus, reference.minus)
    monkeypatch.setattr(bamio, "_FEW_CHAINS", 10_000)  # the plain-loop path alone
    got = bam_read_ends(bam, "chr2")
    np.testing.assert_array_equal(got.plus, bam_read_ends(bam, "chr2", engine="pysam").plus)


def test_records_spanning_bgzf_blocks(tmp_path):
    """Writers other than htslib split records across blocks: the reader must not rely on
    records starting at block starts."""
    rng = np.random.default_rng(1)
    reads = [
        {"pos": int(p), "flag": int(f)}
        for p, f in zip(
            np.sort(rng.integers(0, 990, 4000)), rng.choice([0, REV], 4000), strict=True
        )
    ]
    tidy = make_bam(tmp_path / "tidy.bam", reads)
    with pysam.BGZFile(str(tidy), "rb") as src:
        payload = src.read()
    split = tmp_path / "split.bam"
    with pysam.BGZFile(str(split), "wb") as dst:  # fixed-size blocks, cutting records anywhere
        dst.write(payload)
    pysam.index(str(split))
    got = bam_read_ends(split, "chr1")
    want = bam_read_ends(tidy, "chr1", engine="pysam")
    np.testing.assert_array_equal(got.plus, want.plus)
    np.testing.assert_array_equal(got.minus, want.minus)
    assert got.plus.size + got.minus.size == 4000


def test_index_of_another_layout_is_an_error(tmp_path, caplog):
    reads = [{"pos": int(p)} for p in range(0, 990, 1)] * 4
    tidy = make_bam(tmp_path / "tidy.bam", reads)
    with pysam.BGZFile(str(tidy), "rb") as src:
        payload = src.read()
    split = tmp_path / "split.bam"
    with pysam.BGZFile(str(split), "wb") as dst:
        dst.write(payload)
    pysam.index(str(split))
    # same records, other block boundaries: the offsets of one index are wrong for the other
    Path(f"{tidy}.bai").write_bytes(Path(f"{split}.bai").read_bytes())
    with pytest.raises(ValueError, match=r"samtools index .*tidy\.bam"):
        bam_read_ends(tidy, "chr1")


def test_damaged_block_is_an_error_naming_the_file(tmp_path):
    bam = make_bam(tmp_path / "bad.bam", [{"pos": int(p)} for p in range(0, 900, 2)])
    raw = bytearray(bam.read_bytes())
    header_block = int.from_bytes(raw[16:18], "little") + 1
    second = header_block + int.from_bytes(raw[header_block + 16 : header_block + 18], "little")
    raw[second - 200 : second - 100] = b"\x00" * 100  # inside the deflate data of a read block
    bam.write_bytes(bytes(raw))
    with pytest.raises(ValueError, match=r"bad\.bam: damaged BGZF block"):
        bam_read_ends(bam, "chr1")


def test_index_older_than_the_bam_is_reported(tmp_path, caplog):
    import os

    bam = make_bam(tmp_path / "old.bam", [{"pos": 5}])
    os.utime(f"{bam}.bai", (1_000_000, 1_000_000))
    with caplog.at_level(logging.WARNING, logger="genomic_tensors.bamio"):
        assert bam_read_ends(bam, "chr1").plus.tolist() == [5]
    assert "index file is older than the BAM" in caplog.text


def test_chromosome_without_reads(tmp_path):
    bam = make_bam(tmp_path / "a.bam", [{"pos": 3}])
    ends = bam_read_ends(bam, "chr2")
    assert ends.plus.size == 0 and ends.minus.size == 0


def test_missing_index_says_how_to_make_one(tmp_path):
    bam = make_bam(tmp_path / "noidx.bam", [{"pos": 3}], index=False)
    with pytest.raises(FileNotFoundError, match=r"samtools index .*noidx\.bam"):
        bam_read_ends(bam, "chr1")
    roi = pd.DataFrame({"chrom": ["chr1"], "start": [0], "end": [10]})
    with pytest.raises(FileNotFoundError, match="BAM index not found"):
        Cover.from_bam(bam, roi)


def test_bad_arguments(tmp_path):
    bam = make_bam(tmp_path / "a.bam", [{"pos": 3}])
    with pytest.raises(ValueError, match="unknown paired_end mode 'center'"):
        bam_read_ends(bam, "chr1", paired_end="center")
    with pytest.raises(ValueError, match="'chrX' is not in the header"):
        bam_read_ends(bam, "chrX")
    with pytest.raises(ValueError, match="unknown engine"):
        bam_read_ends(bam, "chr1", engine="rust")


# ----------------------------------------------------------------------------------------------
# Binning kernel
# ----------------------------------------------------------------------------------------------
def test_bin_positions_by_hand():
    pos = np.array([0, 1, 1, 5, 9, 10, 11, 19])
    starts = np.array([-5, 0, 10])
    np.testing.assert_array_equal(
        bin_positions(pos, starts, 10, 5, "sum"), [[0, 3], [3, 2], [2, 1]]
    )
    np.testing.assert_array_equal(
        bin_positions(pos, starts, 10, 5, "max"), [[0, 2], [2, 1], [1, 1]]
    )
    np.testing.assert_allclose(
        bin_positions(pos, starts, 10, 5, "mean"), [[0, 0.6], [0.6, 0.4], [0.4, 0.2]]
    )
    with pytest.raises(ValueError, match="unknown collapse 'median'"):
        bin_positions(pos, starts, 10, 5, "median")


@pytest.mark.parametrize("collapse", ["sum", "mean", "max"])
@pytest.mark.parametrize("grid", [True, False])
def test_bin_positions_equals_brute_force(collapse, grid):
    """Both counting paths (one shared bin grid, or windows at any offsets) against a loop."""
    rng = np.random.default_rng(5)
    pos = np.sort(rng.integers(0, 3000, 5000))
    starts = rng.integers(-100, 3100, 300)
    if grid:
        starts -= starts % 10  # every window on the same 10-bp grid
    else:
        starts[0] = 3  # at least one window off the grid
    got = bin_positions(pos, starts, 60, 10, collapse)
    per_base = np.bincount(pos, minlength=3300)
    for i, s in enumerate(starts.tolist()):
        bases = np.array([per_base[p] if 0 <= p < 3300 else 0 for p in range(s, s + 60)], float)
        bins = bases.reshape(6, 10)
        want = {"sum": bins.sum(1), "mean": bins.mean(1), "max": bins.max(1)}[collapse]
        np.testing.assert_allclose(got[i], want, rtol=1e-6)


# ----------------------------------------------------------------------------------------------
# Cover.from_bam
# ----------------------------------------------------------------------------------------------
COVER_READS = [
    {"pos": 0},  # + 0
    {"pos": 3},  # + 3
    {"pos": 12},  # + 12
    {"pos": 30, "flag": REV},  # - 39
    {"pos": 5, "cigar": "5M", "flag": REV},  # - 9
    {"pos": 490, "chrom": "chr2"},  # + 490 (near the end of chr2, length 500)
    {"pos": 495, "cigar": "5M", "chrom": "chr2", "flag": REV},  # - 499
]


@pytest.fixture()
def cover_bam(tmp_path) -> Path:
    return make_bam(tmp_path / "cov.bam", COVER_READS)


def test_from_bam_resolution_sums_and_strands(cover_bam):
    roi = pd.DataFrame({"chrom": ["chr1"], "start": [0], "end": [40]})
    cov = Cover.from_bam(cover_bam, roi, resolution=10)
    assert cov.shape == (1, 4, 2, 1) and cov.dtype == np.float32
    np.testing.assert_array_equal(cov[0][:, 0, 0], [2, 1, 0, 0])  # + : 0, 3 | 12
    np.testing.assert_array_equal(cov[0][:, 1, 0], [1, 0, 0, 1])  # - : 9 | 39
    assert cov.conditions == ["cov"] and cov.resolution == 10 and cov.bin_length == 10
    flat = Cover.from_bam(cover_bam, roi, resolution=10, stranded=False)
    np.testing.assert_array_equal(flat[0][:, 0, 0], [3, 1, 0, 1])
    whole = Cover.from_bam(cover_bam, roi, resolution=None)
    assert whole.shape == (1, 1, 2, 1) and whole[0][0, :, 0].tolist() == [3, 2]
    base = Cover.from_bam(cover_bam, roi)  # resolution 1: one column per base
    assert base.shape == (1, 40, 2, 1) and base[0][3, 0, 0] == 1 and base[0][39, 1, 0] == 1


def test_from_bam_binsize_flank_and_padding(cover_bam):
    roi = pd.DataFrame({"chrom": ["chr1", "chr2"], "start": [0, 480], "end": [20, 520]})
    cov = Cover.from_bam(cover_bam, roi, binsize=10, flank=5, resolution=5)
    # chr1 cores [0,10), [10,20); chr2 cores [480,490), [490,500), [500,510), [510,520)
    assert cov.shape == (6, 4, 2, 1)
    # window [-5, 15): bins [-5,0) padded, [0,5): +0,+3, [5,10): -9, [10,15): +12
    np.testing.assert_array_equal(cov[0][:, 0, 0], [0, 2, 0, 1])
    np.testing.assert_array_equal(cov[0][:, 1, 0], [0, 0, 1, 0])
    # window [485, 505) on chr2 (length 500): + 490, - 499, bases >= 500 padded with 0
    np.testing.assert_array_equal(cov[3][:, 0, 0], [0, 1, 0, 0])
    np.testing.assert_array_equal(cov[3][:, 1, 0], [0, 0, 1, 0])
    # entirely beyond the chromosome end: zeros, not an error
    np.testing.assert_array_equal(cov[5], 0)
    assert cov.regions["start"].tolist() == [0, 10, 480, 490, 500, 510]


def test_minus_strand_window_is_reversed_and_strands_swapped(cover_bam):
    plus = pd.DataFrame({"chrom": ["chr1"], "start": [0], "end": [40], "strand": ["+"]})
    minus = plus.assign(strand="-")
    a = Cover.from_bam(cover_bam, plus, resolution=10)[0]
    b = Cover.from_bam(cover_bam, minus, resolution=10)[0]
    np.testing.assert_array_equal(b, a[::-1, ::-1])
    np.testing.assert_array_equal(b[:, 0, 0], [1, 0, 0, 1])  # the reads on '-', 5' -> 3'
    c = Cover.from_bam(cover_bam, minus, resolution=10, strand_aware=False)[0]
    np.testing.assert_array_equal(c, a)


def test_collapse_mean_and_max(cover_bam):
    roi = pd.DataFrame({"chrom": ["chr1"], "start": [0], "end": [20]})
    mean = Cover.from_bam(cover_bam, roi, resolution=10, collapse="mean", stranded=False)
    np.testing.assert_allclose(mean[0][:, 0, 0], [0.3, 0.1])
    doubled = make_bam(cover_bam.with_name("dup.bam"), [{"pos": 3}, {"pos": 3}, {"pos": 4}])
    mx = Cover.from_bam(doubled, roi, resolution=10, collapse="max", stranded=False)
    np.testing.assert_array_equal(mx[0][:, 0, 0], [2, 0])


def test_conditions_from_several_bams(cover_bam, tmp_path):
    other = make_bam(tmp_path / "other.bam", [{"pos": 1}])
    roi = pd.DataFrame({"chrom": ["chr1"], "start": [0], "end": [10]})
    cov = Cover.from_bam([cover_bam, other], roi, resolution=None, conditions=["a", "b"])
    assert cov.conditions == ["a", "b"] and cov[0][0, 0].tolist() == [2, 1]
    with pytest.raises(ValueError, match=r"2 BAM file\(s\) but 1 condition"):
        Cover.from_bam([cover_bam, other], roi, conditions=["a"])


def test_window_not_divisible_by_resolution(cover_bam):
    roi = pd.DataFrame({"chrom": ["chr1"], "start": [0], "end": [40]})
    with pytest.raises(ValueError, match=r"window length 50 bp .* not divisible by resolution=20"):
        Cover.from_bam(cover_bam, roi, flank=5, resolution=20)


def test_variable_windows_need_binsize_or_one_bin(cover_bam):
    roi = pd.DataFrame({"chrom": ["chr1", "chr1"], "start": [0, 0], "end": [10, 40]})
    with pytest.raises(ValueError, match="different lengths"):
        Cover.from_bam(cover_bam, roi, resolution=1)
    cov = Cover.from_bam(cover_bam, roi, resolution=None, stranded=False)
    assert np.asarray(cov)[:, 0, 0, 0].tolist() == [3, 5]
    assert cov.bin_length == 0  # no common bin length: TPM refuses it
    with pytest.raises(ValueError, match="one bin length"):
        Cover.from_bam(cover_bam, roi, resolution=None, normalizer="tpm")


def test_chromosome_names_checked_with_chr_hint(cover_bam):
    roi = pd.DataFrame({"chrom": ["1"], "start": [0], "end": [10]})
    with pytest.raises(ValueError, match="add 'chr' to the region names"):
        Cover.from_bam(cover_bam, roi)


def test_empty_roi_errors(cover_bam, tmp_path):
    empty = tmp_path / "empty.bed"
    empty.write_text("")
    with pytest.raises(ValueError, match="empty"):
        Cover.from_bam(cover_bam, empty)
    short = pd.DataFrame({"chrom": ["chr1"], "start": [0], "end": [10]})
    with pytest.raises(ValueError, match="shorter than binsize=50"):
        Cover.from_bam(cover_bam, short, binsize=50)


def test_storage_modes_agree(cover_bam):
    roi = pd.DataFrame({"chrom": ["chr1", "chr2"], "start": [0, 480], "end": [40, 500]})
    dense = Cover.from_bam(cover_bam, roi, binsize=20, resolution=5)
    for kind in ("sparse", "hdf5"):
        other = Cover.from_bam(cover_bam, roi, binsize=20, resolution=5, storage=kind)
        assert other._storage.kind == kind
        np.testing.assert_array_equal(np.asarray(other), np.asarray(dense))
    with pytest.raises(ValueError, match="unknown storage 'zarr'"):
        Cover.from_bam(cover_bam, roi, storage="zarr")


def test_normalizers_in_from_bam(cover_bam):
    roi = pd.DataFrame({"chrom": ["chr1"], "start": [0], "end": [40]})
    raw = np.asarray(Cover.from_bam(cover_bam, roi, resolution=10), dtype=np.float64)
    tpm = Cover.from_bam(cover_bam, roi, resolution=10, normalizer="tpm")
    # 5 reads in all; a bin is 10 bp = 0.01 kb
    np.testing.assert_allclose(np.asarray(tpm), raw / 0.01 / (5 / 1e6), rtol=1e-6)
    zl = Cover.from_bam(cover_bam, roi, resolution=10, normalizer="zscorelog")
    logs = np.log1p(raw)
    np.testing.assert_allclose(np.asarray(zl), (logs - logs.mean()) / logs.std(), rtol=1e-5)
    with pytest.raises(ValueError, match="unknown normalizer 'rpkm'"):
        Cover.from_bam(cover_bam, roi, normalizer="rpkm")


def test_fitted_normalizer_is_applied_not_refitted(cover_bam):
    from genomic_tensors.normalize import ZScoreLog

    train_roi = pd.DataFrame({"chrom": ["chr1"], "start": [0], "end": [40]})
    test_roi = pd.DataFrame({"chrom": ["chr2"], "start": [480], "end": [500]})
    train = Cover.from_bam(cover_bam, train_roi, resolution=10, stranded=False)
    norm = ZScoreLog().fit(train)
    test = Cover.from_bam(cover_bam, test_roi, resolution=10, stranded=False, normalizer=norm)
    # chr2 [480, 490): no read; [490, 500): + 490 and - 499
    expected = (np.log1p([0.0, 2.0]) - norm.mean[0]) / norm.std[0]
    np.testing.assert_allclose(test[0][:, 0, 0], expected, rtol=1e-6)
    # transform of a Cover returns a Cover (which saves and reloads)
    out = norm.transform(train)
    assert isinstance(out, Cover) and out.shape == train.shape


def test_cache_hit_and_rebuild_after_a_changed_bam(tmp_path, caplog):
    bam = make_bam(tmp_path / "c.bam", [{"pos": 3}, {"pos": 12}])
    roi = pd.DataFrame({"chrom": ["chr1"], "start": [0], "end": [20]})
    calls = []
    original = coverage_files.bam_read_ends

    def counting(*args, **kwargs):
        calls.append(args)
        return original(*args, **kwargs)

    cache = tmp_path / "cache"
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(coverage_files, "bam_read_ends", counting)  # where the BAM kernel finds it
        first = Cover.from_bam(bam, roi, resolution=10, cache_dir=cache)
        second = Cover.from_bam(bam, roi, resolution=10, cache_dir=cache)
        assert len(calls) == 1  # the second came from the cache
        np.testing.assert_array_equal(np.asarray(first), np.asarray(second))
        assert isinstance(second, Cover) and second.resolution == 10
        # another parameter -> another entry
        Cover.from_bam(bam, roi, resolution=5, cache_dir=cache)
        assert len(calls) == 2
        # the BAM regenerated with one read moved by one base: rebuilt, new counts
        make_bam(bam, [{"pos": 3}, {"pos": 11}])
        third = Cover.from_bam(bam, roi, resolution=10, cache_dir=cache)
        assert len(calls) == 3
        np.testing.assert_array_equal(third[0][:, 0, 0], [1, 1])


def test_save_and_load_round_trip(cover_bam, tmp_path):
    roi = pd.DataFrame({"chrom": ["chr1"], "start": [0], "end": [40], "strand": ["-"]})
    cov = Cover.from_bam(cover_bam, roi, resolution=10, flank=0)
    path = cov.save(tmp_path / "c.npz")
    back = GenomicDataset.load(path)
    assert isinstance(back, Cover)
    assert back.resolution == 10 and back.bin_length == 10 and back.strand_aware
    np.testing.assert_array_equal(np.asarray(back), np.asarray(cov))


# ----------------------------------------------------------------------------------------------
# bigWig
# ----------------------------------------------------------------------------------------------
def make_bigwig(path: Path) -> Path:
    handle = pyBigWig.open(str(path), "w")
    handle.addHeader([("chr1", 100), ("chr2", 50)])
    # chr1: 1.0 on [0,10), 3.0 on [10,20), nothing on [20,30), 2.0 on [30,100)
    handle.addEntries(
        ["chr1", "chr1", "chr1"], [0, 10, 30], ends=[10, 20, 100], values=[1.0, 3.0, 2.0]
    )
    handle.addEntries(["chr2"], [0], ends=[50], values=[5.0])
    handle.close()
    return path


def test_from_bigwig_mean_nan_and_padding(tmp_path):
    bw = make_bigwig(tmp_path / "s.bw")
    roi = pd.DataFrame(
        {"chrom": ["chr1", "chr1", "chr2"], "start": [0, 80, 30], "end": [40, 120, 70]}
    )
    cov = Cover.from_bigwig(bw, roi, resolution=10)
    assert cov.shape == (3, 4, 1, 1) and cov.conditions == ["s"]
    np.testing.assert_allclose(cov[0][:, 0, 0], [1, 3, 0, 2])  # no data -> nan_value 0
    np.testing.assert_allclose(cov[1][:, 0, 0], [2, 2, 0, 0])  # beyond chr1 end -> 0
    np.testing.assert_allclose(cov[2][:, 0, 0], [5, 5, 0, 0])  # chr2 ends at 50
    nan9 = Cover.from_bigwig(bw, roi.iloc[:1], resolution=10, nan_value=9.0)
    np.testing.assert_allclose(nan9[0][:, 0, 0], [1, 3, 9, 2])
    whole = Cover.from_bigwig(bw, roi.iloc[:1], resolution=None)
    np.testing.assert_allclose(whole[0][0, 0, 0], (10 + 30 + 0 + 20) / 40)
    mx = Cover.from_bigwig(bw, roi.iloc[:1], resolution=20, collapse="max")
    np.testing.assert_allclose(mx[0][:, 0, 0], [3, 2])
    sm = Cover.from_bigwig(bw, roi.iloc[:1], resolution=20, collapse="sum")
    np.testing.assert_allclose(sm[0][:, 0, 0], [40, 20])


def test_from_bigwig_minus_strand_and_normalizer(tmp_path):
    bw = make_bigwig(tmp_path / "s.bw")
    roi = pd.DataFrame({"chrom": ["chr1"], "start": [0], "end": [40], "strand": ["-"]})
    cov = Cover.from_bigwig(bw, roi, resolution=10)
    np.testing.assert_allclose(cov[0][:, 0, 0], [2, 0, 3, 1])
    logged = Cover.from_bigwig(bw, roi, resolution=10, normalizer="log1p")
    np.testing.assert_allclose(logged[0][:, 0, 0], np.log1p([2, 0, 3, 1]), rtol=1e-6)


def test_from_bigwig_chromosome_check(tmp_path):
    bw = make_bigwig(tmp_path / "s.bw")
    roi = pd.DataFrame({"chrom": ["1"], "start": [0], "end": [10]})
    with pytest.raises(ValueError, match=r"not in .*s\.bw.*add 'chr'"):
        Cover.from_bigwig(bw, roi)


# ----------------------------------------------------------------------------------------------
# BED / narrowPeak
# ----------------------------------------------------------------------------------------------
def _bed(path: Path, rows: list[str]) -> Path:
    path.write_text("".join(r + "\n" for r in rows))
    return path


def test_min_overlap_half_bin_inclusive(tmp_path):
    roi = pd.DataFrame(
        {"chrom": ["chr1"] * 4, "start": [0, 1000, 2000, 3000], "end": [200, 1200, 2200, 3200]}
    )
    peaks = _bed(
        tmp_path / "p.bed",
        [
            "chr1\t100\t200",  # exactly 100 of 200 bp -> 1
            "chr1\t1101\t1300",  # 99 bp -> 0
            "chr1\t2000\t2050",  # two pieces: 50 + 50 = 100 -> 1
            "chr1\t2150\t2250",
            "chr1\t3190\t3300",  # 10 bp: 0 with min_overlap, 1 by plain overlap
        ],
    )
    labels = Cover.from_bed(peaks, roi, min_overlap=0.5)
    assert labels.shape == (4, 1, 1, 1)
    assert np.asarray(labels)[:, 0, 0, 0].tolist() == [1, 0, 1, 0]
    anyhit = Cover.from_bed(peaks, roi)
    assert np.asarray(anyhit)[:, 0, 0, 0].tolist() == [1, 1, 1, 1]
    frac = Cover.from_bed(peaks, roi, collapse="mean")
    np.testing.assert_allclose(np.asarray(frac)[:, 0, 0, 0], [0.5, 0.495, 0.5, 0.05])


def test_bed_resolution_score_and_categorical(tmp_path):
    roi = pd.DataFrame({"chrom": ["chr1"], "start": [0], "end": [40], "strand": ["+"]})
    peaks = _bed(
        tmp_path / "p.bed",
        ["chr1\t5\t15\tA\t3\t+", "chr1\t12\t25\tB\t7\t+", "chr1\t35\t60\tA\t1\t+"],
    )
    binary = Cover.from_bed(peaks, roi, resolution=10)
    assert binary[0][:, 0, 0].tolist() == [1, 1, 1, 1]
    score = Cover.from_bed(peaks, roi, resolution=10, mode="score")
    assert score[0][:, 0, 0].tolist() == [3, 7, 7, 1]  # overlap 12..15 takes the larger score
    mean_score = Cover.from_bed(peaks, roi, resolution=10, mode="score", collapse="mean")
    np.testing.assert_allclose(mean_score[0][:, 0, 0], [1.5, (2 * 3 + 8 * 7) / 10, 3.5, 0.5])
    cat = Cover.from_bed(peaks, roi, resolution=10, mode="categorical")
    assert cat.conditions == ["A", "B"]
    assert cat[0][:, 0, 0].tolist() == [1, 1, 0, 1] and cat[0][:, 0, 1].tolist() == [0, 1, 1, 0]
    minus = Cover.from_bed(peaks, roi.assign(strand="-"), resolution=10, mode="score")
    assert minus[0][:, 0, 0].tolist() == [1, 7, 7, 3]


def test_bed_sparse_equals_dense_and_is_sparse(tmp_path):
    roi = pd.DataFrame({"chrom": ["chr1", "chr2"], "start": [0, 0], "end": [1000, 400]})
    a = _bed(tmp_path / "a.bed", ["chr1\t100\t300", "chr2\t0\t50"])
    b = _bed(tmp_path / "b.narrowPeak", ["chr1\t250\t260\tp\t0\t.\t1\t1\t1\t5"])
    dense = Cover.from_bed([a, b], roi, binsize=200, min_overlap=0.5)
    sparse = Cover.from_bed([a, b], roi, binsize=200, min_overlap=0.5, storage="sparse")
    # a: chr1 [100,300) covers 100 bp of bins [0,200) and [200,400); chr2 [0,50) only 50 bp;
    # b: 10 bp -> no label
    assert sparse._storage.kind == "sparse" and sparse._storage.matrix.nnz == 2
    np.testing.assert_array_equal(np.asarray(sparse), np.asarray(dense))
    assert dense.conditions == ["a", "b"]
    assert np.asarray(dense)[:, 0, 0, 0].tolist() == [1, 1, 0, 0, 0, 0, 0]
    assert np.asarray(dense)[:, 0, 0, 1].tolist() == [0] * 7


def test_bed_errors(tmp_path):
    roi = pd.DataFrame({"chrom": ["chr1"], "start": [0], "end": [200]})
    empty = _bed(tmp_path / "none.bed", [])
    with pytest.raises(ValueError, match=r"peak file .*none\.bed holds no intervals"):
        Cover.from_bed(empty, roi)
    peaks = _bed(tmp_path / "p.bed", ["chr1\t0\t10"])
    with pytest.raises(ValueError, match="unknown mode 'fuzzy'"):
        Cover.from_bed(peaks, roi, mode="fuzzy")
    with pytest.raises(ValueError, match=r"min_overlap must be a fraction in \(0, 1\]"):
        Cover.from_bed(peaks, roi, min_overlap=50)
    with pytest.raises(ValueError, match="not mode='score'"):
        Cover.from_bed(peaks, roi, mode="score", min_overlap=0.5)
    with pytest.raises(FileNotFoundError, match="BED file not found"):
        Cover.from_bed(tmp_path / "missing.bed", roi)


# ----------------------------------------------------------------------------------------------
# Export
# ----------------------------------------------------------------------------------------------
def test_predictions_to_bigwig_round_trip_exact(tmp_path):
    regions = pd.DataFrame(
        {"chrom": ["chr1", "chr1", "chr2"], "start": [0, 200, 0], "end": [200, 400, 200]}
    )
    rng = np.random.default_rng(0)
    pred = rng.random((3, 1)).astype(np.float32)
    cov = Cover.from_array(pred, regions, conditions=["jund"])
    assert cov.shape == (3, 1, 1, 1) and cov.resolution is None and cov.bin_length == 200
    (path,) = cov.to_bigwig(tmp_path / "pred.bigwig", {"chr1": 1000, "chr2": 150})
    handle = pyBigWig.open(str(path))
    values = np.asarray(handle.values("chr1", 0, 400), np.float32)
    np.testing.assert_array_equal(values[:200], pred[0, 0])
    np.testing.assert_array_equal(values[200:], pred[1, 0])
    # chr2 is 150 bp: the window is clipped to the chromosome
    np.testing.assert_array_equal(np.asarray(handle.values("chr2", 0, 150), np.float32), pred[2, 0])
    handle.close()


def test_stranded_export_per_condition_and_strand_in_genomic_orientation(tmp_path, cover_bam):
    roi = pd.DataFrame(
        {"chrom": ["chr1", "chr1"], "start": [0, 40], "end": [40, 80], "strand": ["-", "+"]}
    )
    cov = Cover.from_bam(cover_bam, roi, resolution=10, conditions=["dnase"])
    files = cov.to_bigwig(tmp_path / "tracks", {"chr1": 1000, "chr2": 500})
    assert sorted(p.name for p in files) == ["dnase.minus.bigwig", "dnase.plus.bigwig"]
    plus = pyBigWig.open(str(tmp_path / "tracks" / "dnase.plus.bigwig"))
    # genomic orientation: + reads 0, 3 (bin 0) and 12 (bin 1), whatever the window's strand
    assert plus.values("chr1", 0, 40)[::10] == [2.0, 1.0, 0.0, 0.0]
    plus.close()
    beds = cov.to_bed(tmp_path / "beds")
    table = pd.read_csv(tmp_path / "beds" / "dnase.minus.bed", sep="\t", header=None)
    assert table.iloc[:4].values.tolist() == [
        ["chr1", 0, 10, 1.0], ["chr1", 10, 20, 0.0], ["chr1", 20, 30, 0.0], ["chr1", 30, 40, 1.0]
    ]  # fmt: skip
    assert len(beds) == 2


def test_export_drops_flank_bins_and_overlaps_go_to_the_first_window(tmp_path):
    regions = pd.DataFrame({"chrom": ["chr1", "chr1"], "start": [10, 15], "end": [20, 25]})
    values = np.arange(2 * 3, dtype=np.float32).reshape(2, 3, 1, 1)  # flank 5 -> 3 bins of 10/3?
    with pytest.raises(ValueError, match="divisible by 3"):
        Cover.from_array(values, regions, flank=5)
    values = np.arange(2 * 4, dtype=np.float32).reshape(2, 4, 1, 1)  # window 20 bp, 5-bp bins
    cov = Cover.from_array(values, regions, flank=5)
    (path,) = cov.to_bed(tmp_path / "x.bed")
    table = pd.read_csv(path, sep="\t", header=None).values.tolist()
    # core bins only: window 0 -> [10,15)=1, [15,20)=2; window 1 -> [15,20)=5, [20,25)=6
    assert table == [
        ["chr1", 10, 15, 1],
        ["chr1", 15, 20, 2],
        ["chr1", 15, 20, 5],
        ["chr1", 20, 25, 6],
    ]
    (bw,) = cov.to_bigwig(tmp_path / "x.bw", {"chr1": 100})
    handle = pyBigWig.open(str(bw))
    assert handle.values("chr1", 10, 25)[::5] == [1.0, 2.0, 6.0]  # the first window keeps 15..20
    handle.close()


def test_export_errors(tmp_path):
    regions = pd.DataFrame({"chrom": ["chr1"], "start": [0], "end": [10]})
    cov = Cover.from_array(np.zeros((1, 2), np.float32), regions)
    with pytest.raises(ValueError, match="has 2 tracks .* give a folder"):
        cov.to_bigwig(tmp_path / "one.bw", {"chr1": 100})
    with pytest.raises(ValueError, match="not in the chrom sizes"):
        cov.to_bigwig(tmp_path / "d", {"chrX": 100})
    with pytest.raises(ValueError, match=r"shape \(n, bins, strands, conditions\)"):
        Cover.from_array(np.zeros((1, 2, 3)), regions)
    with pytest.raises(ValueError, match="2 rows but there are 1 regions"):
        Cover.from_array(np.zeros((2, 1)), regions)


def test_progress_logging_does_not_fail(cover_bam, caplog):
    caplog.set_level(logging.DEBUG)
    roi = pd.DataFrame({"chrom": ["chr1"], "start": [0], "end": [10]})
    assert Cover.from_bam(cover_bam, roi, resolution=None).shape == (1, 1, 2, 1)


# ----------------------------------------------------------------------------------------------
# Reads past the chromosome end, .csi indexes
# ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("engine", ["numpy", "pysam"])
def test_a_read_placed_past_the_chromosome_end_fails_naming_it(tmp_path, engine):
    # chr2 is 500 bp in the header: a read at 700 comes from another assembly (rewritten header)
    reads = [{"pos": 10, "chrom": "chr2"}, {"pos": 700, "chrom": "chr2", "name": "stray_read"}]
    bam = make_bam(tmp_path / "other_build.bam", reads)
    with pytest.raises(ValueError, match=r"other_build.bam: read stray_read is placed on chr2 at 701 "
                                         r"\(1-based\), past the end of chr2, which is 500 bp in the BAM "
                                         r"header.*another assembly"):
        bam_read_ends(bam, "chr2", engine=engine)
    roi = pd.DataFrame({"chrom": ["chr2"], "start": [0], "end": [400]})
    with pytest.raises(ValueError, match="read stray_read is placed on chr2"):
        Cover.from_bam(bam, roi, binsize=100, resolution=100)


def test_a_read_that_only_overhangs_the_end_is_logged_not_counted(tmp_path, caplog):
    reads = [{"pos": 10, "chrom": "chr2"}, {"pos": 495, "chrom": "chr2", "flag": REV}]  # ends at 504
    bam = make_bam(tmp_path / "overhang.bam", reads)
    with caplog.at_level(logging.WARNING, logger="genomic_tensors"):
        ends = bam_read_ends(bam, "chr2")
    assert list(ends.plus) == [10] and list(ends.minus) == [504]
    assert "1 read(s) overhang the end of chr2 (500 bp); their 5' ends fall outside it" in caplog.text


def test_a_csi_index_is_read_through_pysam_with_the_choice_logged(tmp_path, caplog):
    reads = [{"pos": int(p), "flag": int(f)} for p, f in zip(range(0, 900, 7), [0, REV] * 100)]
    bai_bam = make_bam(tmp_path / "with_bai.bam", reads)
    csi_bam = make_bam(tmp_path / "with_csi.bam", reads, index=False)
    pysam.index("-c", str(csi_bam))
    assert (tmp_path / "with_csi.bam.csi").exists() and not (tmp_path / "with_csi.bam.bai").exists()
    assert bamio.find_bam_index(csi_bam).suffix == ".csi"
    roi = pd.DataFrame({"chrom": ["chr1"], "start": [0], "end": [1000]})
    expected = Cover.from_bam(bai_bam, roi, binsize=100, resolution=10)
    with caplog.at_level(logging.INFO, logger="genomic_tensors"):
        got = Cover.from_bam(csi_bam, roi, binsize=100, resolution=10)
    np.testing.assert_array_equal(got[:], expected[:])
    assert "with_csi.bam has a .csi index and no .bai: reading it with pysam" in caplog.text


# ----------------------------------------------------------------------------------------------
# Assembly consistency: data files against the genome's chromosome lengths
# ----------------------------------------------------------------------------------------------
def test_a_bam_of_another_assembly_fails_naming_file_chromosome_and_both_lengths(tmp_path):
    bam = make_bam(tmp_path / "hg19.bam", [{"pos": 10}])  # chr1 is 1,000 bp in its header
    fai = tmp_path / "genome.fa.fai"
    fai.write_text("chr1\t2100\t6\t60\t61\nchr2\t500\t2200\t60\t61\n")
    roi = pd.DataFrame({"chrom": ["chr1"], "start": [0], "end": [400]})
    with pytest.raises(ValueError, match=r"hg19.bam: chr1 is 1,000 bp there but 2,100 bp in the genome "
                                         r"\(.*genome.fa.fai\)\. The file probably comes from another "
                                         r"assembly"):
        Cover.from_bam(bam, roi, binsize=100, genome=fai)
    # the same BAM against a genome that agrees; chromosomes the regions do not use are not compared
    ok = Cover.from_bam(bam, roi, binsize=100, genome={"chr1": 1000, "chr2": 9999})
    assert ok.shape == (4, 100, 2, 1)


def test_a_bigwig_of_another_assembly_fails(tmp_path):
    path = tmp_path / "signal.bw"
    bw = pyBigWig.open(str(path), "w")
    bw.addHeader([("chr1", 1000)])
    bw.addEntries(["chr1"], [0], ends=[100], values=[1.0])
    bw.close()
    roi = pd.DataFrame({"chrom": ["chr1"], "start": [0], "end": [400]})
    with pytest.raises(ValueError, match=r"signal.bw: chr1 is 1,000 bp there but 1,200 bp in the genome "
                                         r"\(the given chromosome sizes\)"):
        Cover.from_bigwig(path, roi, binsize=100, genome={"chr1": 1200})
    assert Cover.from_bigwig(path, roi, binsize=100, genome={"chr1": 1000}).shape == (4, 100, 1, 1)


def test_coverage_reexports_the_kernels():
    from genomic_tensors import binning

    assert coverage_files.bam_read_ends is bam_read_ends
    for name in binning.__all__:
        assert getattr(coverage_module, name) is getattr(binning, name)

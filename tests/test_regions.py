"""Tests of genomic_tensors.regions: ROI readers, tiling, chromosome checks, genome bins, merging
intervals."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pytest
from test_recipes import _write  # the suite's text-file writer (tests/ is on sys.path)

from genomic_tensors.regions import (
    BED_COLUMNS,
    check_chromosomes,
    genome_bins,
    merge_spans,
    read_chrom_sizes,
    read_regions,
    tile,
)


def write(path, text, compress=False):
    return _write(path, text, gz=compress)


# ---------------------------------------------------------------------------------- BED
def test_bed3_defaults_and_dtypes(tmp_path):
    bed = write(tmp_path / "a.bed", "chr1\t10\t20\nchr2\t0\t5\n")
    frame = read_regions(bed)
    assert list(frame.columns) == BED_COLUMNS
    assert frame["chrom"].tolist() == ["chr1", "chr2"]
    assert frame["start"].tolist() == [10, 0]
    assert frame["end"].tolist() == [20, 5]
    assert frame["start"].dtype == np.int64 and frame["end"].dtype == np.int64
    assert frame["name"].tolist() == [".", "."]
    assert frame["strand"].tolist() == [".", "."]
    assert frame["score"].isna().all()


def test_bed6_with_headers_gzipped(tmp_path):
    text = (
        "# comment\ntrack name=x\nbrowser position chr1\n"
        "chr1\t0\t100\tpeak1\t7.5\t-\nchr1\t200\t300\tpeak2\t.\t+\n"
    )
    frame = read_regions(write(tmp_path / "a.bed.gz", text, compress=True))
    assert frame["name"].tolist() == ["peak1", "peak2"]
    assert frame["score"].iloc[0] == 7.5 and np.isnan(frame["score"].iloc[1])
    assert frame["strand"].tolist() == ["-", "+"]
    assert frame.index.tolist() == [0, 1]


def test_narrowpeak_columns(tmp_path):
    text = "chr1\t100\t400\tp1\t0\t.\t5.5\t3.2\t2.1\t150\nchr1\t500\t600\tp2\t0\t.\t1\t2\t3\t-1\n"
    frame = read_regions(write(tmp_path / "x.narrowPeak", text))
    assert frame["signal"].tolist() == [5.5, 1.0]
    assert frame["pvalue"].tolist() == [3.2, 2.0]
    assert frame["qvalue"].tolist() == [2.1, 3.0]
    assert frame["peak"].tolist() == [150, -1]
    assert frame["peak"].dtype == np.int64


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("chr1\t0\t10\nchr1\tabc\t20\n", r"a\.bed, line 2: start and end must be integers"),
        (
            "chr1\t0\t10\nchr1\t20\n",
            r"line 2: expected at least 3 tab-separated BED columns, found 2",
        ),
        ("track x\nchr1\t0\t10\nchr1\t30\t20\n", r"line 3: expected 0 <= start < end"),
        (
            "chr1\t0\t10\tn\t0\t+\nchr1\t0\t10\tn\t0\t*\n",
            r"line 2: strand must be '\+', '-' or '\.', found '\*'",
        ),
        (
            "chr1\t0\t10\tn\t0\t+\nchr1\t0\t10\n",
            r"line 2: found 3 columns, the lines before have 6",
        ),
        ("chr1\t0\t10\tn\tx\t+\n", r"line 1: score must be a number, found 'x'"),
        ("chr1\t-5\t10\n", r"line 1: expected 0 <= start < end, found start=-5"),
    ],
)
def test_malformed_bed_names_file_and_line(tmp_path, text, match):
    with pytest.raises(ValueError, match=match):
        read_regions(write(tmp_path / "a.bed", text))


def test_malformed_narrowpeak(tmp_path):
    path = write(tmp_path / "p.narrowPeak", "chr1\t0\t10\tp\t0\t.\t1\t2\n")
    with pytest.raises(ValueError, match=r"line 1: expected at least 10 tab-separated narrowPeak"):
        read_regions(path)
    path = write(tmp_path / "q.narrowPeak", "chr1\t0\t10\tp\t0\t.\t1\t2\tNA\t5\n")
    with pytest.raises(ValueError, match=r"line 1: narrowPeak column qvalue must be a number"):
        read_regions(path)


def test_empty_roi(tmp_path):
    with pytest.raises(ValueError, match=r"empty\.bed: the ROI is empty"):
        read_regions(write(tmp_path / "empty.bed", "track name=nothing\n"))
    with pytest.raises(ValueError, match="the ROI is empty"):
        read_regions(write(tmp_path / "empty2.bed", ""))
    with pytest.raises(ValueError, match="the ROI is empty"):
        read_regions(pd.DataFrame({"chrom": [], "start": [], "end": []}))


def test_missing_file():
    with pytest.raises(FileNotFoundError, match="region file not found"):
        read_regions("/nonexistent/x.bed")


# ---------------------------------------------------------------------------------- DataFrame
def test_dataframe_normalised():
    frame = read_regions(pd.DataFrame({"chrom": ["1"], "start": [5.0], "end": [9], "gc": [0.4]}))
    assert frame["start"].dtype == np.int64 and frame["start"].iloc[0] == 5
    assert frame["strand"].iloc[0] == "." and frame["name"].iloc[0] == "."
    assert frame["gc"].iloc[0] == 0.4  # extra columns kept, after the BED columns
    assert list(frame.columns[:6]) == BED_COLUMNS


@pytest.mark.parametrize(
    ("frame", "match"),
    [
        (pd.DataFrame({"chrom": ["1"], "start": [0]}), r"lacks the column\(s\) \['end'\]"),
        (
            pd.DataFrame({"chrom": ["1"], "start": [0.5], "end": [3]}),
            "column start must hold integers",
        ),
        (
            pd.DataFrame({"chrom": ["1"], "start": [4], "end": [3]}),
            r"row 0: expected 0 <= start < end",
        ),
        (
            pd.DataFrame(
                {"chrom": ["1", "1"], "start": [0, 1], "end": [3, 4], "strand": ["+", "x"]}
            ),
            r"row 1: strand must be",
        ),
    ],
)
def test_dataframe_errors(frame, match):
    with pytest.raises(ValueError, match=match):
        read_regions(frame)


# ---------------------------------------------------------------------------------- GTF / GFF
GTF = (
    "##description: test\n"
    "chr1\tHAVANA\tgene\t11\t20\t.\t+\t.\t"
    'gene_id "G1"; gene_type "protein_coding"; gene_name "AAA";\n'
    "chr1\tHAVANA\ttranscript\t11\t20\t.\t+\t.\t"
    'gene_id "G1"; transcript_id "T1"; gene_type "protein_coding"; gene_name "AAA";\n'
    'chr2\tENSEMBL\tgene\t1\t100\t.\t-\t.\tgene_id "G2"; gene_type "lincRNA"; gene_name "BBB";\n'
)


def test_gtf_one_based_to_half_open_and_attributes(tmp_path):
    frame = read_regions(write(tmp_path / "a.gtf.gz", GTF, compress=True), feature="gene")
    assert frame["start"].tolist() == [10, 0]  # 1-based 11 -> 0-based 10
    assert frame["end"].tolist() == [20, 100]  # inclusive end stays
    assert frame["gene_id"].tolist() == ["G1", "G2"]
    assert frame["gene_name"].tolist() == ["AAA", "BBB"]
    assert frame["gene_type"].tolist() == ["protein_coding", "lincRNA"]
    assert frame["name"].tolist() == ["AAA", "BBB"]
    assert frame["strand"].tolist() == ["+", "-"]
    assert frame["feature"].tolist() == ["gene", "gene"]
    assert "transcript_id" not in frame.columns  # no gene record carries one


def test_gtf_all_features_keep_transcript_id(tmp_path):
    frame = read_regions(write(tmp_path / "a.gtf", GTF))
    assert len(frame) == 3
    assert frame["transcript_id"].tolist() == [".", "T1", "."]
    assert frame["name"].tolist() == ["AAA", "AAA", "BBB"]


def test_gff3_key_value_attributes(tmp_path):
    text = (
        "##gff-version 3\n"
        "chr1\t.\tgene\t5\t9\t.\t-\t.\tID=g1;gene_id=G1;gene_name=CCC;gene_type=miRNA\n"
    )
    frame = read_regions(write(tmp_path / "a.gff3", text))
    assert frame[["start", "end"]].values.tolist() == [[4, 9]]
    assert frame["gene_name"].iloc[0] == "CCC" and frame["gene_type"].iloc[0] == "miRNA"


def test_gtf_errors(tmp_path):
    path = write(tmp_path / "a.gtf", GTF)
    with pytest.raises(ValueError, match=r"no regions with feature 'exon' in .*a\.gtf"):
        read_regions(path, feature="exon")
    with pytest.raises(ValueError, match="applies to GTF/GFF files only"):
        read_regions(write(tmp_path / "b.bed", "chr1\t0\t5\n"), feature="gene")
    bad = write(tmp_path / "bad.gtf", 'chr1\tX\tgene\tone\t20\t.\t+\t.\tgene_id "G";\n')
    with pytest.raises(ValueError, match=r"bad\.gtf: record 1 .*non-integer start/end 'one'"):
        read_regions(bad)


# ---------------------------------------------------------------------------------- tile
def test_tile_with_step_and_remainder(caplog):
    roi = read_regions(pd.DataFrame({"chrom": ["c", "d"], "start": [0, 1000], "end": [250, 1050],
                                     "strand": ["-", "+"]}))  # fmt: skip
    with caplog.at_level(logging.INFO, logger="genomic_tensors"):
        cores = tile(roi, binsize=100, stepsize=50)
    assert cores[["start", "end"]].values.tolist() == [[0, 100], [50, 150], [100, 200], [150, 250]]
    assert (cores["strand"] == "-").all() and (cores["chrom"] == "c").all()
    assert "dropped 1 region(s) shorter than binsize" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="genomic_tensors"):
        cores = tile(roi.iloc[:1], binsize=100)
    assert cores[["start", "end"]].values.tolist() == [[0, 100], [100, 200]]
    assert "trailing remainders of 1 region(s), 50 bases" in caplog.text


def test_tile_none_keeps_regions_and_errors():
    roi = read_regions(pd.DataFrame({"chrom": ["c"], "start": [3], "end": [17]}))
    cores = tile(roi)
    assert cores[["chrom", "start", "end", "strand"]].values.tolist() == [["c", 3, 17, "."]]
    with pytest.raises(ValueError, match="stepsize=5 needs a binsize"):
        tile(roi, stepsize=5)
    with pytest.raises(ValueError, match="binsize must be a positive integer, got 0"):
        tile(roi, binsize=0)
    with pytest.raises(ValueError, match="stepsize must be a positive integer, got -1"):
        tile(roi, binsize=2, stepsize=-1)


def test_genome_bins():
    bins = genome_bins({"a": 250, "b": 99, "c": 100}, 100)
    assert bins[["chrom", "start", "end"]].values.tolist() == [
        ["a", 0, 100], ["a", 100, 200], ["c", 0, 100]]  # fmt: skip
    assert (bins["strand"] == ".").all()
    with pytest.raises(ValueError, match="binsize must be a positive integer"):
        genome_bins({"a": 10}, -3)


# ---------------------------------------------------------------------------------- sizes
def test_read_chrom_sizes_and_fai(tmp_path):
    assert read_chrom_sizes(write(tmp_path / "g.sizes", "chr1\t100\nchr2\t50\n")) == {
        "chr1": 100, "chr2": 50}  # fmt: skip
    fai = write(tmp_path / "g.fa.fai", "chr1\t100\t6\t60\t61\nchrM\t16\t200\t60\t61\n")
    assert read_chrom_sizes(fai) == {"chr1": 100, "chrM": 16}
    with pytest.raises(ValueError, match=r"bad\.sizes, line 2: expected 'name<TAB>length'"):
        read_chrom_sizes(write(tmp_path / "bad.sizes", "chr1\t100\nchr2\tx\n"))
    with pytest.raises(ValueError, match="no chromosome sizes"):
        read_chrom_sizes(write(tmp_path / "none.sizes", "# nothing\n"))


# ---------------------------------------------------------------------------------- chroms
def test_check_chromosomes_ok_and_prefix_hints():
    check_chromosomes(["chr1"], ["chr1", "chr2"], source="g.fa")
    with pytest.raises(ValueError, match=r"not in g\.fa: 1, 2; g\.fa has chr1, chr2.*add 'chr'"):
        check_chromosomes(["1", "2"], ["chr1", "chr2"], source="g.fa")
    with pytest.raises(ValueError, match=r"not in x\.bam: chr1.*remove 'chr'"):
        check_chromosomes(["chr1"], ["1", "2"], source="x.bam")


def test_check_chromosomes_no_hint_when_unrelated():
    with pytest.raises(ValueError, match=r"chrUn_x") as info:
        check_chromosomes(["chrUn_x", "chr1"], ["chr1", "chr2"], source="g.fa")
    assert "prefix" not in str(info.value)


# ---------------------------------------------------------------------------------- real data
@pytest.mark.shared_data
def test_real_gencode_genes(shared_data):
    genes = read_regions(shared_data / "gencode_v24_chr19" / "gencode.v24.annotation_chr19.gtf.gz",
                         feature="gene")  # fmt: skip
    assert len(genes) == 3010
    assert (genes["gene_type"] == "protein_coding").sum() == 1456
    first = genes.iloc[0]  # chr19 60951-71626 (1-based) WASH5P
    assert (first["start"], first["end"], first["gene_name"]) == (60950, 71626, "WASH5P")


@pytest.mark.shared_data
def test_real_narrowpeak(shared_data):
    peaks = read_regions(
        shared_data / "encode_hg38_chr19" / "CEBPB_pooled.pval0.01.500K.narrowPeak.gz"
    )
    assert len(peaks) > 1000
    assert set(peaks["chrom"]) <= {"chr19", "chrM"}
    assert (peaks["peak"] >= 0).all() and (peaks["peak"] < peaks["end"] - peaks["start"]).all()


# ---------------------------------------------------------------------------------- merge_spans
def _merged(starts, ends, **kwargs):
    got_starts, got_ends = merge_spans(np.array(starts), np.array(ends), **kwargs)
    assert got_starts.dtype == np.int64 and got_ends.dtype == np.int64
    return list(zip(got_starts.tolist(), got_ends.tolist()))


def test_merge_spans_overlapping_touching_and_nested():
    assert _merged([0, 5], [10, 15]) == [(0, 15)]  # overlapping
    assert _merged([0, 10], [10, 20]) == [(0, 20)]  # touching (book-ended)
    assert _merged([0, 10], [9, 20]) == [(0, 9), (10, 20)]  # one base apart: kept apart
    assert _merged([0, 2, 3], [100, 5, 4]) == [(0, 100)]  # nested
    assert _merged([0, 2, 50], [10, 40, 60]) == [(0, 40), (50, 60)]  # reach of a later interval


def test_merge_spans_unsorted_input_gives_sorted_spans():
    assert _merged([50, 0, 20, 5], [60, 10, 30, 12]) == [(0, 12), (20, 30), (50, 60)]


def test_merge_spans_empty_and_degenerate():
    assert _merged([], []) == []
    assert _merged([5], [5]) == [(5, 5)]  # an empty interval that nothing touches
    assert _merged([0, 5], [5, 5]) == [(0, 5)]  # ... or one that touches a span


def test_merge_spans_gap_joins_close_intervals():
    assert _merged([0, 13], [10, 20], gap=3) == [(0, 20)]
    assert _merged([0, 14], [10, 20], gap=3) == [(0, 10), (14, 20)]


def test_merge_spans_locates_every_interval():
    rng = np.random.default_rng(1)
    starts = rng.integers(0, 1_000, 200)
    ends = starts + rng.integers(1, 30, 200)
    span_starts, span_ends = merge_spans(starts, ends)
    assert np.all(span_starts[1:] > span_ends[:-1])  # disjoint, not touching
    span = np.searchsorted(span_starts, starts, side="right") - 1
    assert np.all(span_starts[span] <= starts) and np.all(ends <= span_ends[span])
    covered = np.zeros(1_100, bool)
    for a, b in zip(starts, ends):
        covered[a:b] = True
    union = np.zeros(1_100, bool)
    for a, b in zip(span_starts, span_ends):
        union[a:b] = True
    np.testing.assert_array_equal(union, covered)

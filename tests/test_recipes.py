"""Tests of genomic_tensors.recipes: the ROI of cases 1 and 3 and the interval tools on tiny hand-computed
fixtures (case 2's feature table and region set: tests/test_case_deepsea.py)."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from genomic_tensors import recipes

SIZES = {"chr1": 30_000, "chr2": 50_000}


def _write(path: Path, text: str, *, gz: bool = False) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if gz:
        with gzip.open(path, "wt") as handle:
            handle.write(text)
    else:
        path.write_text(text)
    return path


def _sizes_file(tmp_path: Path, sizes: dict[str, int] = SIZES) -> Path:
    return _write(tmp_path / "chrom.sizes", "".join(f"{c}\t{n}\n" for c, n in sizes.items()))


def _rows(frame: pd.DataFrame) -> list[tuple[str, int, int]]:
    return [
        (str(c), int(s), int(e))
        for c, s, e in frame[["chrom", "start", "end"]].itertuples(index=False)
    ]


def _np(chrom: str, start: int, end: int) -> str:
    return f"{chrom}\t{start}\t{end}\tpeak\t0\t.\t5.0\t3.0\t2.0\t50\n"


# ----------------------------------------------------------------------------------------------
# intervals


def test_merge_intervals_merges_overlapping_and_bookended() -> None:
    frame = pd.DataFrame(
        {
            "chrom": ["chr2", "chr1", "chr1", "chr1", "chr1"],
            "start": [5, 100, 250, 400, 600],
            "end": [9, 300, 400, 500, 700],
        }
    )
    assert _rows(recipes.merge_intervals(frame, ["chr1", "chr2"])) == [
        ("chr1", 100, 500),
        ("chr1", 600, 700),
        ("chr2", 5, 9),
    ]
    # an interval nested in an earlier long one does not end the run early
    nested = pd.DataFrame({"chrom": ["c"] * 3, "start": [0, 10, 50], "end": [100, 20, 60]})
    assert _rows(recipes.merge_intervals(nested)) == [("c", 0, 100)]
    assert recipes.merge_intervals(nested.iloc[:0]).empty


def test_subtract_intervals_uses_bedtools_semantics() -> None:
    frame = pd.DataFrame({"chrom": ["chr1", "chr2"], "start": [0, 0], "end": [1000, 100]})
    black = pd.DataFrame({"chrom": ["chr1", "chr1"], "start": [100, 900], "end": [200, 1500]})
    assert _rows(recipes.subtract_intervals(frame, black, ["chr1", "chr2"])) == [
        ("chr1", 0, 100),
        ("chr1", 200, 900),
        ("chr2", 0, 100),
    ]
    everything = pd.DataFrame({"chrom": ["chr1", "chr2"], "start": [0, 0], "end": [2000, 200]})
    assert recipes.subtract_intervals(frame, everything).empty


# ----------------------------------------------------------------------------------------------
# case 1


def _jund_fixture(tmp_path: Path) -> tuple[Path, Path, Path]:
    peaks = _write(
        tmp_path / "peaks.narrowPeak.gz",
        _np("chr1", 250, 400)
        + _np("chr1", 100, 300)
        + _np("chr1", 400, 500)
        + _np("chr1", 25_000, 25_100)
        + _np("chr2", 20_000, 20_050)
        + _np("chrUn_x", 10, 20),
        gz=True,
    )
    black = _write(
        tmp_path / "black.bed", "chr1\t5050\t5150\nchr1\t5300\t10200\nchr2\t29990\t30100\n"
    )
    return peaks, _sizes_file(tmp_path), black


def test_jund_roi_arithmetic(tmp_path: Path) -> None:
    peaks, sizes, black = _jund_fixture(tmp_path)
    result = recipes.jund_roi(peaks, sizes, black, extend=10_000, binsize=200)
    # sorted + merged (book-ended 400-500 joins), the unknown contig is left out
    assert _rows(result.merged) == [
        ("chr1", 100, 500),
        ("chr1", 25_000, 25_100),
        ("chr2", 20_000, 20_050),
    ]
    assert result.dropped_chroms == ("chrUn_x",)
    # +-10 kb: chr1 [0, 10500) clipped at 0, [15000, 30000) clipped at the end; chr2 [10000, 30050)
    # minus blacklist: [0,5050) [5150,5300) [10200,10500) [15000,30000); chr2 [10000,29990)
    # inward to 200: [0,5000), [5200,5200) dropped, [10200,10400), [15000,30000); [10000,29800)
    assert _rows(result.roi) == [
        ("chr1", 0, 5000),
        ("chr1", 10_200, 10_400),
        ("chr1", 15_000, 30_000),
        ("chr2", 10_000, 29_800),
    ]
    assert (result.roi["start"] % 200 == 0).all() and (result.roi["end"] % 200 == 0).all()


def test_jund_roi_without_blacklist_and_written(tmp_path: Path) -> None:
    peaks, sizes, _ = _jund_fixture(tmp_path)
    merged_out, roi_out = tmp_path / "o" / "peaks.merged.bed", tmp_path / "o" / "roi.bed"
    recipes.write_jund_roi(peaks, sizes, None, merged_out, roi_out, extend=150, binsize=200)
    assert merged_out.read_text().splitlines()[0] == "chr1\t100\t500"
    # [0,650) -> [0,600); [24850,25250) -> [25000,25200); [19850,20200) -> [20000,20200)
    assert roi_out.read_text() == "chr1\t0\t600\nchr1\t25000\t25200\nchr2\t20000\t20200\n"


def test_jund_roi_errors(tmp_path: Path) -> None:
    peaks = _write(tmp_path / "p.bed", "1\t100\t200\n2\t5\t10\n")
    with pytest.raises(ValueError, match=r"p.bed.*differ by the 'chr' prefix"):
        recipes.jund_roi(peaks, SIZES)
    with pytest.raises(ValueError, match="need binsize >= 1"):
        recipes.jund_roi(peaks, SIZES, binsize=0)


# ----------------------------------------------------------------------------------------------
# case 3

GTF = (
    "##description: tiny GENCODE-like\n"
    'chr1\tHAVANA\tgene\t1001\t2000\t.\t+\t.\tgene_id "G1.1"; gene_type "protein_coding"; '
    'gene_name "PLUS";\n'
    'chr1\tHAVANA\ttranscript\t1001\t2000\t.\t+\t.\tgene_id "G1.1"; transcript_id "T1"; '
    'gene_type "protein_coding"; gene_name "PLUS";\n'
    'chr1\tHAVANA\tgene\t3001\t4000\t.\t-\t.\tgene_id "G2.1"; gene_type "protein_coding"; '
    'gene_name "MINUS";\n'
    'chr1\tHAVANA\tgene\t6001\t7000\t.\t+\t.\tgene_id "G3.1"; gene_type "lncRNA"; '
    'gene_name "LNC";\n'
    'chr1\tHAVANA\tgene\t51\t100\t.\t+\t.\tgene_id "G4.1"; gene_type "protein_coding"; '
    'gene_name "EDGE";\n'
    'chr2\tHAVANA\tgene\t4901\t4950\t.\t-\t.\tgene_id "G5.1"; gene_type "protein_coding"; '
    'gene_name "END";\n'
)


def test_promoters_on_both_strands(tmp_path: Path) -> None:
    gtf = _write(tmp_path / "a.gtf.gz", GTF, gz=True)
    sizes = {"chr1": 10_000, "chr2": 5_000}
    out = recipes.promoters(gtf, upstream=200, chrom_sizes=sizes)
    # + gene 1-based 1001..2000: TSS 0-based 1000 -> [800, 1001);
    # - gene 1-based 3001..4000: TSS 0-based 3999 -> [3999, 4200).
    # G4 would start at -150 and G5 end at 5150 > 5000: both dropped; the lncRNA is not coding.
    assert out[
        ["chrom", "start", "end", "name", "score", "strand", "gene_name"]
    ].values.tolist() == [
        ["chr1", 800, 1001, "G1.1", 0, "+", "PLUS"],
        ["chr1", 3999, 4200, "G2.1", 0, "-", "MINUS"],
    ]
    every = recipes.promoters(gtf, upstream=10, gene_type=None)
    assert set(every["name"]) == {"G1.1", "G2.1", "G3.1", "G4.1", "G5.1"}
    assert (every["end"] - every["start"] == 11).all()
    dest = tmp_path / "out" / "promoters.bed"
    recipes.write_promoters(gtf, _sizes_file(tmp_path, sizes), dest)
    assert dest.read_text().splitlines()[1] == "chr1\t3999\t4200\tG2.1\t0\t-\tMINUS"


def test_promoter_errors(tmp_path: Path) -> None:
    gtf = _write(tmp_path / "a.gtf", GTF)
    with pytest.raises(ValueError, match="no gene with gene_type 'miRNA'"):
        recipes.promoters(gtf, gene_type="miRNA")
    with pytest.raises(ValueError, match="upstream must be >= 0"):
        recipes.promoters(gtf, upstream=-1)
    unstranded = _write(
        tmp_path / "b.gtf", GTF.replace('\t-\t.\tgene_id "G2.1"', '\t.\t.\tgene_id "G2.1"')
    )
    with pytest.raises(ValueError, match=r"gene G2.1 has strand '\.'"):
        recipes.promoters(unstranded)


def test_promoters_on_real_gencode_chr19(shared_data: Path) -> None:
    gtf = shared_data / "gencode_v24_chr19" / "gencode.v24.annotation_chr19.gtf.gz"
    out = recipes.promoters(gtf, upstream=200, chrom_sizes={"chr19": 58_617_616})
    # An independent reading of the GTF: 1-based inclusive gene records.
    expected = {}
    with gzip.open(gtf, "rt") as handle:
        for line in handle:
            fields = line.split("\t")
            if (
                len(fields) < 9
                or fields[2] != "gene"
                or 'gene_type "protein_coding"' not in fields[8]
            ):
                continue
            gene_id = re.search(r'gene_id "([^"]+)"', fields[8])[1]
            start1, end1, strand = int(fields[3]), int(fields[4]), fields[6]
            expected[gene_id] = (
                (start1 - 201, start1) if strand == "+" else (end1 - 1, end1 + 200),
                strand,
            )
    assert len(out) == len(expected) == 1456
    got = {
        n: ((s, e), st)
        for n, s, e, st in out[["name", "start", "end", "strand"]].itertuples(index=False)
    }
    assert got == expected
    assert out["start"].is_monotonic_increasing


# ----------------------------------------------------------------------------------------------
# genome files


def test_decompress_and_blacklist(tmp_path: Path) -> None:
    text = ">chr1\nACGT\n>chr2\nNNNN\n"
    gz = _write(tmp_path / "g.fa.gz", text, gz=True)
    recipes.decompress(gz, tmp_path / "out" / "genome.fa")
    assert (tmp_path / "out" / "genome.fa").read_text() == text
    recipes.decompress(tmp_path / "out" / "genome.fa", tmp_path / "plain.fa")  # plain: a copy
    assert (tmp_path / "plain.fa").read_text() == text
    (tmp_path / "bad.gz").write_bytes(gzip.compress(text.encode())[:-6])
    with pytest.raises(ValueError, match="bad.gz: could not decompress"):
        recipes.decompress(tmp_path / "bad.gz", tmp_path / "bad.fa")
    assert not (tmp_path / "bad.fa").exists() and not (tmp_path / "bad.fa.tmp").exists()

    sizes = _sizes_file(tmp_path)
    black = _write(
        tmp_path / "bl.bed.gz",
        "chr2\t10\t20\nchr1\t5\t50\nchr1\t40\t60\n" "chr1\t29990\t31000\nchrEBV\t0\t10\n",
        gz=True,
    )
    summary = recipes.prepare_blacklist(black, sizes, tmp_path / "bl.bed")
    assert (tmp_path / "bl.bed").read_text() == "chr1\t5\t60\nchr1\t29990\t30000\nchr2\t10\t20\n"
    assert (summary.intervals, summary.bases, summary.dropped_chroms) == (3, 75, ("chrEBV",))
    assert recipes.prepare_blacklist(None, sizes, tmp_path / "none.bed").intervals == 0
    assert (tmp_path / "none.bed").read_text() == ""
    _write(tmp_path / "empty.bed", "# nothing\n")
    assert (
        recipes.prepare_blacklist(tmp_path / "empty.bed", sizes, tmp_path / "e.bed").intervals == 0
    )


def test_jund_roi_on_real_peaks_matches_a_base_mask(shared_data: Path) -> None:
    kit = shared_data / "encode_hg38_chr19"
    peaks = kit / "CEBPB_pooled.pval0.01.500K.narrowPeak.gz"
    sizes_file = kit / "hg38_chr19_chrM.chrom.sizes"
    black = shared_data / "blacklists" / "hg38-blacklist.v2.bed.gz"
    result = recipes.jund_roi(peaks, sizes_file, black, extend=10_000, binsize=200)
    sizes = {c: int(n) for c, n in (line.split()[:2] for line in sizes_file.read_text().split("\n")
                                    if line.strip())}
    # An independent computation on a per-base mask of each chromosome.
    expected = []
    with gzip.open(peaks, "rt") as handle:
        rows = [line.split("\t")[:3] for line in handle]
    with gzip.open(black, "rt") as handle:
        black_rows = [line.split("\t")[:3] for line in handle]
    for chrom, size in sizes.items():
        mask = np.zeros(size + 1, dtype=bool)
        for c, s, e in rows:
            if c == chrom:
                mask[max(int(s) - 10_000, 0):min(int(e) + 10_000, size)] = True
        for c, s, e in black_rows:
            if c == chrom:
                mask[int(s):int(e)] = False
        edges = np.flatnonzero(np.diff(np.r_[False, mask[:size], False].astype(np.int8)))
        for s, e in zip(edges[::2], edges[1::2]):
            s2, e2 = -(-s // 200) * 200, (e // 200) * 200
            if e2 - s2 >= 200:
                expected.append((chrom, int(s2), int(e2)))
    assert _rows(result.roi) == expected
    assert len(result.roi) > 10 and (result.roi["end"] <= result.roi["chrom"].map(sizes)).all()

"""Tests of genomic_tensors.recipes: the ROI of the three cases on tiny hand-computed fixtures."""

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


# ----------------------------------------------------------------------------------------------
# case 2

CATEGORIES = {
    "DNase": "wgEncodeAwgDnaseUniform",
    "TF": "wgEncodeAwgTfbsUniform",
    "Histone": "narrowPeak/E[0-9]+-H",
}
UCSC = "http://hgdownload.cse.ucsc.edu/goldenPath/hg19/encodeDCC"


def test_deepsea_feature_table(tmp_path: Path) -> None:
    urls = _write(
        tmp_path / "urls.txt",
        (
            f"{UCSC}/wgEncodeAwgDnaseUniform/wgEncodeAwgDnaseDuke8988tUniPk.narrowPeak.gz\n\n"
            f"{UCSC}/wgEncodeAwgTfbsUniform/wgEncodeAwgTfbsBroadDnd41CtcfUniPk.narrowPeak.gz\n"
            "https://egg2.wustl.edu/roadmap/data/byFileType/peaks/consolidated/narrowPeak/"
            "E003-H2A.Z.narrowPeak.gz\n"
        ),
    )
    table = recipes.deepsea_features(urls, "https://raw.example/extra/urls.txt", CATEGORIES)
    assert list(table.columns) == list(recipes.FEATURE_COLUMNS)
    assert table["feature"].tolist() == [
        "wgEncodeAwgDnaseDuke8988tUniPk",
        "wgEncodeAwgTfbsBroadDnd41CtcfUniPk",
        "E003-H2A.Z",
    ]
    assert table["category"].tolist() == ["DNase", "TF", "Histone"]
    assert table["index"].tolist() == [0, 1, 2]
    assert table["path"].iloc[2] == "resources/downloads/deepsea/E003-H2A.Z.narrowPeak.gz"


def test_deepsea_feature_table_demo_style(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # local lines are looked up from the working directory
    folder = Path("results/demo/world/deepsea")
    for name in ("DNase_a", "TF_b", "Histone_c"):
        _write(folder / f"{name}.narrowPeak.gz", _np("chr1", 0, 10), gz=True)
    demo = {"DNase": "/DNase_", "TF": "/TF_", "Histone": "/Histone_"}
    base = "results/demo/world/deepsea/urls.txt"
    expected = [
        f"results/demo/world/deepsea/{n}.narrowPeak.gz" for n in ("DNase_a", "TF_b", "Histone_c")
    ]
    # lines beside the list, and lines relative to the working directory (the world generator's)
    for text in (
        "DNase_a.narrowPeak.gz\nTF_b.narrowPeak.gz\nHistone_c.narrowPeak.gz\n",
        "\n".join(expected) + "\n",
    ):
        urls = _write(folder / "urls.txt", text)
        dest = tmp_path / "features.tsv"
        recipes.write_deepsea_features(urls, base, demo, dest, download_dir="dl")
        table = pd.read_csv(dest, sep="\t")
        assert table["url"].tolist() == expected
        assert table["category"].tolist() == ["DNase", "TF", "Histone"]
        assert table["path"].tolist()[1] == "dl/TF_b.narrowPeak.gz"
    _write(folder / "urls.txt", "TF_missing.narrowPeak.gz\n")
    with pytest.raises(ValueError, match=r"line 1: peak file 'TF_missing.narrowPeak.gz' not found"):
        recipes.deepsea_features(folder / "urls.txt", base, demo)


def test_deepsea_feature_table_errors(tmp_path: Path) -> None:
    base = "http://h/x/u.txt"
    urls = _write(tmp_path / "u.txt", "TF_a.gz\nOther_b.gz\n")
    with pytest.raises(ValueError, match=r"u.txt, line 2: 'Other_b.gz' matches no category"):
        recipes.deepsea_features(urls, base, {"TF": "/TF_"})
    dup = _write(tmp_path / "d.txt", "a/TF_a.gz\nb/TF_a.gz\n")
    with pytest.raises(ValueError, match=r"d.txt, line 2: file name 'TF_a.gz' repeats line 1"):
        recipes.deepsea_features(dup, base, {"TF": "/TF_"})
    with pytest.raises(ValueError, match="bad regex for 'TF'"):
        recipes.deepsea_features(dup, base, {"TF": "(["})
    with pytest.raises(ValueError, match="no feature URLs"):
        recipes.deepsea_features(_write(tmp_path / "e.txt", "\n# none\n"), base, {"TF": "."})


def test_deepsea_features_of_the_paper(shared_data: Path) -> None:
    folder = shared_data / "deepsea"
    table = recipes.deepsea_features(
        folder / "janggu_usecases_urls.txt",
        "https://raw.githubusercontent.com/x/extra/urls.txt",
        CATEGORIES,
    )
    mapping = pd.read_csv(folder / "deepsea_919_features_mapping.tsv", sep="\t")
    assert len(table) == 919
    assert table["category"].tolist() == mapping["category"].tolist()
    assert table["category"].value_counts().to_dict() == {"TF": 690, "DNase": 125, "Histone": 104}
    assert (table["path"].str.rsplit("/", n=1).str[1] == mapping["file"]).all()


def test_tf_bins_half_bin_rule(tmp_path: Path) -> None:
    sizes = {"chr1": 1000, "chr2": 450}
    tf_a = _write(
        tmp_path / "TF_a.narrowPeak.gz",
        _np("chr1", 0, 40)
        + _np("chr1", 150, 260)  # bin0 90, bin1 60: no
        + _np("chr1", 400, 500)  # bin2 exactly half: yes
        + _np("chr1", 610, 660)
        + _np("chr1", 700, 760)  # bin3 50 + 60: yes
        + _np("chr1", 800, 870)
        + _np("chr1", 830, 880),
        gz=True,
    )  # bin4 union 80: no
    tf_b = _write(
        tmp_path / "TF_b.bed",
        "chr1\t60\t140\n"  # bin0: 80 from this file alone (files are not pooled): no
        "chr2\t0\t150\n"  # yes
        "chr2\t380\t450\n"  # bin1 20; the rest lies in the dropped partial bin
        "chrX\t0\t200\n",
    )  # not in the genome: ignored
    bins = recipes.tf_bins([tf_a, tf_b], sizes, binsize=200, min_overlap=0.5)
    assert _rows(bins) == [("chr1", 400, 600), ("chr1", 600, 800), ("chr2", 0, 200)]
    strict = recipes.tf_bins([tf_a, tf_b], sizes, binsize=200, min_overlap=0.6)
    assert _rows(strict) == [("chr2", 0, 200)]
    with pytest.raises(ValueError, match="0 < min_overlap <= 1"):
        recipes.tf_bins([tf_a], sizes, min_overlap=0)


def _grid_bins() -> pd.DataFrame:
    parts = [
        pd.DataFrame({"chrom": c, "start": np.arange(n) * 200})
        for c, n in (("chr1", 100), ("chr2", 50), ("chr8", 10), ("chr9", 5))
    ]
    bins = pd.concat(parts, ignore_index=True)
    bins["end"] = bins["start"] + 200
    return bins


def test_split_bins_blockwise_seeded() -> None:
    bins = _grid_bins()
    kwargs = {
        "test_chroms": ["chr8", "chr9"],
        "validation_fraction": 0.1,
        "block_size": 10,
        "binsize": 200,
    }
    split = recipes.split_bins(bins, seed=3, **kwargs)
    again = recipes.split_bins(bins, seed=3, **kwargs)
    assert split.validation.equals(again.validation) and split.train.equals(again.train)
    # 150 non-test bins in 15 blocks of 10: two blocks reach 10%.
    assert (len(split.train), len(split.validation), len(split.test)) == (130, 20, 15)
    assert set(split.test["chrom"]) == {"chr8", "chr9"}
    assert not {"chr8", "chr9"} & (set(split.train["chrom"]) | set(split.validation["chrom"]))
    keys = {(r.chrom, r.start) for r in split.train.itertuples()}
    vkeys = {(r.chrom, r.start) for r in split.validation.itertuples()}
    assert not keys & vkeys and len(keys | vkeys) == 150
    blocks = {(c, s // 2000) for c, s in vkeys}
    assert len(blocks) == 2 and all(
        sum(1 for c, s in vkeys if (c, s // 2000) == b) == 10 for b in blocks
    )
    others = {
        tuple(
            sorted(
                (r.chrom, r.start // 2000)
                for r in recipes.split_bins(bins, seed=s, **kwargs).validation.itertuples()
            )
        )
        for s in range(6)
    }
    assert len(others) > 1  # the seed matters
    assert split.train["start"].groupby(split.train["chrom"]).is_monotonic_increasing.all()
    four = recipes.split_bins(bins[bins["start"] < 2000], test_chroms=[], block_size=10)
    assert len(four.validation) in (5, 10) and len(four.train) + len(four.validation) == 35
    assert four.validation["chrom"].nunique() == 1  # one whole block of the four
    single = recipes.split_bins(bins.iloc[:5], test_chroms=[], block_size=10)
    assert len(single.train) == 5 and single.validation.empty  # training keeps the only block
    with pytest.raises(ValueError, match="0 < validation_fraction < 1"):
        recipes.split_bins(bins, test_chroms=[], validation_fraction=1.0)


def test_write_deepsea_regions(tmp_path: Path) -> None:
    sizes = _sizes_file(tmp_path, {"chr1": 20_000, "chr2": 10_000, "chr8": 2000, "chr9": 1000})
    bins = _grid_bins()
    bins = bins[bins["chrom"] != "chr2"]
    bins_file = tmp_path / "allTFs.pos.bed"
    bins[["chrom", "start", "end"]].to_csv(bins_file, sep="\t", header=False, index=False)
    outs = [tmp_path / "r" / f"{n}.bed" for n in ("train", "validation", "test")]
    split = recipes.write_deepsea_regions(sizes, *outs, bins_file=bins_file, block_size=10, seed=1)
    assert [len(p.read_text().splitlines()) for p in outs] == [
        len(split.train),
        len(split.validation),
        15,
    ]
    assert len(split.validation) == 10  # one block of 10 reaches 10% of 100
    peaks = _write(tmp_path / "TF_x.bed", "chr1\t0\t4000\nchr8\t0\t200\n")
    split = recipes.write_deepsea_regions(
        sizes, *outs, tf_peak_files=[peaks], block_size=5, test_chroms=["chr8"]
    )
    assert (len(split.train), len(split.validation), len(split.test)) == (15, 5, 1)
    for p in outs:
        p.unlink()
    # a test chromosome without bins (chr9 holds no TF peak) would leave part of the test set empty
    with pytest.raises(ValueError, match=r"config deepsea.regions.test: chr9 holds none of the region bins"):
        recipes.write_deepsea_regions(sizes, *outs, tf_peak_files=[peaks], block_size=5)
    assert not any(p.exists() for p in outs)
    with pytest.raises(ValueError, match="give tf_peak_files"):
        recipes.write_deepsea_regions(sizes, *outs)
    far = _write(tmp_path / "TF_far.bed", "chr5\t0\t4000\n")
    with pytest.raises(ValueError, match="no region bin"):
        recipes.write_deepsea_regions(sizes, *outs, tf_peak_files=[far])


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

"""Case 2 (genomic_tensors.cases.deepsea): feature table, region set and split, grid and widths, labels and
sequence input, evaluation, the tables, the claims, the figures, and the real config's dry run."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd
import pysam
import pytest
import yaml

from genomic_tensors.cases.deepsea import claims as ds_claims
from genomic_tensors.cases.deepsea import data, features, figures, grid, regions, tables, train
from genomic_tensors.evaluate import metrics_table
from genomic_tensors.files import file_digest
from genomic_tensors.modelcard import CardTarget, genome_entry, load_model_with_card, write_digest
from genomic_tensors.plotting import save_figure
from test_recipes import _np as narrowpeak  # the suite's narrowPeak line
from test_recipes import _write as write  # the suite's text-file writer (optionally gzipped)

REPO = Path(__file__).resolve().parents[1]
PAPER_GRID = [
    {
        "models": ["deepsea", "danq"],
        "windows": [500, 1000, 2000],
        "orders": [1, 2, 3],
        "strands": ["both"],
    },
    {"models": ["deepsea", "danq"], "windows": [1000], "orders": [1, 2, 3], "strands": ["forward"]},
]
CATEGORIES = {
    "DNase": "wgEncodeAwgDnaseUniform",
    "TF": "wgEncodeAwgTfbsUniform",
    "Histone": "narrowPeak/E[0-9]+-H",
}
UCSC = "http://hgdownload.cse.ucsc.edu/goldenPath/hg19/encodeDCC"
DOWNLOADS = "resources/downloads/deepsea"


def write_fasta(path: Path, records: dict[str, str]) -> Path:
    with open(path, "w") as fh:
        for name, seq in records.items():
            fh.write(f">{name}\n")
            for i in range(0, len(seq), 60):
                fh.write(seq[i : i + 60] + "\n")
    pysam.faidx(str(path))
    return path


def write_bed(path: Path, rows) -> Path:
    return write(path, "".join(f"{c}\t{s}\t{e}\n" for c, s, e in rows))


def frame(rows):
    return pd.DataFrame(rows, columns=["chrom", "start", "end"])


def bed_rows(table: pd.DataFrame) -> list[tuple[str, int, int]]:
    return [(str(c), int(s), int(e)) for c, s, e in table[["chrom", "start", "end"]].itertuples(index=False)]


def settings(**changes) -> regions.RegionSettings:
    values = {"binsize": 200, "min_overlap": 0.5, "test": ["chr8", "chr9"],
              "validation_fraction": 0.1, "block_size": 100, "seed": 1}  # fmt: skip
    return regions.RegionSettings(**{**values, **changes})


# ------------------------------------------------------------------------------------------ features
def test_feature_table(tmp_path: Path) -> None:
    urls = write(
        tmp_path / "urls.txt",
        (
            f"{UCSC}/wgEncodeAwgDnaseUniform/wgEncodeAwgDnaseDuke8988tUniPk.narrowPeak.gz\n\n"
            f"{UCSC}/wgEncodeAwgTfbsUniform/wgEncodeAwgTfbsBroadDnd41CtcfUniPk.narrowPeak.gz\n"
            "https://egg2.wustl.edu/roadmap/data/byFileType/peaks/consolidated/narrowPeak/"
            "E003-H2A.Z.narrowPeak.gz\n"
        ),
    )
    table = features.feature_table(
        urls, "https://raw.example/extra/urls.txt", CATEGORIES, download_dir=DOWNLOADS
    )
    assert list(table.columns) == list(features.FEATURE_COLUMNS)
    assert table["feature"].tolist() == [
        "wgEncodeAwgDnaseDuke8988tUniPk",
        "wgEncodeAwgTfbsBroadDnd41CtcfUniPk",
        "E003-H2A.Z",
    ]
    assert table["category"].tolist() == ["DNase", "TF", "Histone"]
    assert table["index"].tolist() == [0, 1, 2]
    assert table["path"].iloc[2] == f"{DOWNLOADS}/E003-H2A.Z.narrowPeak.gz"


def test_feature_table_demo_style(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # local lines are looked up from the working directory
    folder = Path("results/demo/world/deepsea")
    for name in ("DNase_a", "TF_b", "Histone_c"):
        write(folder / f"{name}.narrowPeak.gz", narrowpeak("chr1", 0, 10), gz=True)
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
        urls = write(folder / "urls.txt", text)
        dest = tmp_path / "features.tsv"
        features.write_features(urls, base, demo, dest, download_dir="dl")
        table = features.read_features(dest)
        assert table["url"].tolist() == expected
        assert table["category"].tolist() == ["DNase", "TF", "Histone"]
        assert table["path"].tolist()[1] == "dl/TF_b.narrowPeak.gz"
    write(folder / "urls.txt", "TF_missing.narrowPeak.gz\n")
    with pytest.raises(ValueError, match=r"line 1: peak file 'TF_missing.narrowPeak.gz' not found"):
        features.feature_table(folder / "urls.txt", base, demo, download_dir="dl")


def test_feature_table_errors(tmp_path: Path) -> None:
    base = "http://h/x/u.txt"

    def table(urls, categories):
        return features.feature_table(urls, base, categories, download_dir="dl")

    urls = write(tmp_path / "u.txt", "TF_a.gz\nOther_b.gz\n")
    with pytest.raises(ValueError, match=r"u.txt, line 2: 'Other_b.gz' matches no category"):
        table(urls, {"TF": "/TF_"})
    dup = write(tmp_path / "d.txt", "a/TF_a.gz\nb/TF_a.gz\n")
    with pytest.raises(ValueError, match=r"d.txt, line 2: file name 'TF_a.gz' repeats line 1"):
        table(dup, {"TF": "/TF_"})
    with pytest.raises(ValueError, match="bad regex for 'TF'"):
        table(dup, {"TF": "(["})
    with pytest.raises(ValueError, match="no feature URLs"):
        table(write(tmp_path / "e.txt", "\n# none\n"), {"TF": "."})


def test_features_of_the_paper(shared_data: Path) -> None:
    folder = shared_data / "deepsea"
    table = features.feature_table(
        folder / "janggu_usecases_urls.txt",
        "https://raw.githubusercontent.com/x/extra/urls.txt",
        CATEGORIES,
        download_dir=DOWNLOADS,
    )
    mapping = pd.read_csv(folder / "deepsea_919_features_mapping.tsv", sep="\t")
    assert len(table) == 919
    assert table["category"].tolist() == mapping["category"].tolist()
    assert table["category"].value_counts().to_dict() == {"TF": 690, "DNase": 125, "Histone": 104}
    assert (table["path"].str.rsplit("/", n=1).str[1] == mapping["file"]).all()


def test_paper_categories_classify_the_919_real_features(shared_data):
    mapping = pd.read_csv(shared_data / "deepsea" / "deepsea_919_features_mapping.tsv", sep="\t")
    urls = (shared_data / "deepsea" / "janggu_usecases_urls.txt").read_text().split()
    assert len(urls) == 919
    patterns = yaml.safe_load((REPO / "config" / "config.yaml").read_text())["deepsea"]["categories"]

    def classify(url):
        hits = [c for c, p in patterns.items() if re.search(p, url)]
        assert len(hits) == 1, (url, hits)
        return hits[0]

    found = pd.Series([classify(u) for u in urls]).value_counts().to_dict()
    assert found == {"TF": 690, "DNase": 125, "Histone": 104}
    category_col = next(c for c in mapping.columns if c.lower() == "category")
    assert mapping[category_col].value_counts().to_dict() == found


def write_feature_table(path: Path, categories=("DNase", "TF", "Histone"), paths=None) -> Path:
    pd.DataFrame(
        {
            "index": range(len(categories)),
            "feature": [f"f{i}" for i in range(len(categories))],
            "category": list(categories),
            "url": [f"u{i}" for i in range(len(categories))],
            "path": paths if paths is not None else [f"p{i}" for i in range(len(categories))],
        }
    ).to_csv(path, sep="\t", index=False)
    return path


def test_read_features_errors(tmp_path):
    good = features.read_features(write_feature_table(tmp_path / "f.tsv"))
    assert good["feature"].tolist() == ["f0", "f1", "f2"]
    with pytest.raises(ValueError, match=r"feature 'f1' has category 'Chromatin'"):
        features.read_features(write_feature_table(tmp_path / "g.tsv", ("DNase", "Chromatin")))
    bad = tmp_path / "h.tsv"
    bad.write_text("index\tfeature\n0\tx\n")
    with pytest.raises(
        ValueError, match=r"h.tsv: feature table lacks columns \['category', 'url', 'path'\]"
    ):
        features.read_features(bad)


# ------------------------------------------------------------------------------------------- regions
def test_tf_bins_half_bin_rule(tmp_path: Path) -> None:
    sizes = {"chr1": 1000, "chr2": 450}
    tf_a = write(
        tmp_path / "TF_a.narrowPeak.gz",
        narrowpeak("chr1", 0, 40)
        + narrowpeak("chr1", 150, 260)  # bin0 90, bin1 60: no
        + narrowpeak("chr1", 400, 500)  # bin2 exactly half: yes
        + narrowpeak("chr1", 610, 660)
        + narrowpeak("chr1", 700, 760)  # bin3 50 + 60: yes
        + narrowpeak("chr1", 800, 870)
        + narrowpeak("chr1", 830, 880),  # bin4 union 80: no
        gz=True,
    )
    tf_b = write(
        tmp_path / "TF_b.bed",
        "chr1\t60\t140\n"  # bin0: 80 from this file alone (files are not pooled): no
        "chr2\t0\t150\n"  # yes
        "chr2\t380\t450\n"  # bin1 20; the rest lies in the dropped partial bin
        "chrX\t0\t200\n",  # not in the genome: ignored
    )
    bins = regions.tf_bins([tf_a, tf_b], sizes, binsize=200, min_overlap=0.5)
    assert bed_rows(bins) == [("chr1", 400, 600), ("chr1", 600, 800), ("chr2", 0, 200)]
    strict = regions.tf_bins([tf_a, tf_b], sizes, binsize=200, min_overlap=0.6)
    assert bed_rows(strict) == [("chr2", 0, 200)]
    with pytest.raises(ValueError, match="0 < min_overlap <= 1"):
        regions.tf_bins([tf_a], sizes, min_overlap=0)


def grid_bins() -> pd.DataFrame:
    parts = [
        pd.DataFrame({"chrom": c, "start": np.arange(n) * 200})
        for c, n in (("chr1", 100), ("chr2", 50), ("chr8", 10), ("chr9", 5))
    ]
    bins = pd.concat(parts, ignore_index=True)
    bins["end"] = bins["start"] + 200
    return bins


def test_split_bins_blockwise_seeded() -> None:
    bins = grid_bins()
    kwargs = {
        "test_chroms": ["chr8", "chr9"],
        "validation_fraction": 0.1,
        "block_size": 10,
        "binsize": 200,
    }
    split = regions.split_bins(bins, seed=3, **kwargs)
    again = regions.split_bins(bins, seed=3, **kwargs)
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
                for r in regions.split_bins(bins, seed=s, **kwargs).validation.itertuples()
            )
        )
        for s in range(6)
    }
    assert len(others) > 1  # the seed matters
    assert split.train["start"].groupby(split.train["chrom"]).is_monotonic_increasing.all()
    four = regions.split_bins(bins[bins["start"] < 2000], test_chroms=[], block_size=10)
    assert len(four.validation) in (5, 10) and len(four.train) + len(four.validation) == 35
    assert four.validation["chrom"].nunique() == 1  # one whole block of the four
    single = regions.split_bins(bins.iloc[:5], test_chroms=[], block_size=10)
    assert len(single.train) == 5 and single.validation.empty  # training keeps the only block
    with pytest.raises(ValueError, match="0 < validation_fraction < 1"):
        regions.split_bins(bins, test_chroms=[], validation_fraction=1.0)


def test_write_regions(tmp_path: Path) -> None:
    sizes = write(tmp_path / "chrom.sizes", "chr1\t20000\nchr2\t10000\nchr8\t2000\nchr9\t1000\n")
    bins = grid_bins()
    bins = bins[bins["chrom"] != "chr2"]
    bins_file = tmp_path / "allTFs.pos.bed"
    bins[["chrom", "start", "end"]].to_csv(bins_file, sep="\t", header=False, index=False)
    outs = {n: tmp_path / "r" / f"{n}.bed" for n in ("train", "validation", "test")}
    split = regions.write_regions(sizes, outs, settings(block_size=10), bins_file=bins_file)
    lines = [len(p.read_text().splitlines()) for p in outs.values()]
    assert lines == [len(split.train), len(split.validation), 15]
    assert len(split.validation) == 10  # one block of 10 reaches 10% of 100
    peaks = write(tmp_path / "TF_x.bed", "chr1\t0\t4000\nchr8\t0\t200\n")
    split = regions.write_regions(
        sizes, outs, settings(block_size=5, test=["chr8"]), tf_peak_files=[peaks]
    )
    assert (len(split.train), len(split.validation), len(split.test)) == (15, 5, 1)
    for p in outs.values():
        p.unlink()
    # a test chromosome without bins (chr9 holds no TF peak) would leave part of the test set empty
    with pytest.raises(ValueError, match=r"config deepsea.regions.test: chr9 holds none of the region bins"):
        regions.write_regions(sizes, outs, settings(block_size=5), tf_peak_files=[peaks])
    assert not any(p.exists() for p in outs.values())
    with pytest.raises(ValueError, match="give tf_peak_files"):
        regions.write_regions(sizes, outs, settings())
    far = write(tmp_path / "TF_far.bed", "chr5\t0\t4000\n")
    with pytest.raises(ValueError, match="no region bin"):
        regions.write_regions(sizes, outs, settings(), tf_peak_files=[far])


# ---------------------------------------------------------------------------------------------- grid
def test_paper_grid_has_24_unique_runs():
    runs = grid.expand_grid(PAPER_GRID + [PAPER_GRID[0]])  # a repeated sub-grid trains nothing twice
    assert len(runs) == 24
    assert sum(r.strands == "forward" for r in runs) == 6
    assert {r.window for r in runs if r.strands == "forward"} == {1000}
    assert str(grid.RunSpec("danq", 1000, 3, "forward")) == "danq 1000 bp order 3 forward strands"


def test_grid_columns_follow_the_runs():
    sub = [{"models": ["danq", "deepsea"], "windows": [1000, 500], "orders": [3], "strands": ["both"]}]
    columns = grid.grid_columns(sub)
    assert columns == {
        "model": ["danq", "danq", "deepsea", "deepsea"],
        "window": [500, 1000, 500, 1000],
        "order": [3, 3, 3, 3],
        "strands": ["both"] * 4,
    }
    names = ["{model}_w{window}_o{order}_{strands}".format(**dict(zip(columns, row)))
             for row in zip(*columns.values())]  # fmt: skip
    assert names[0] == "danq_w500_o3_both" and len(set(names)) == 4


def test_grid_errors():
    with pytest.raises(ValueError, match=r"entry 0 lacks \['strands'\]"):
        grid.expand_grid([{"models": ["danq"], "windows": [500], "orders": [1]}])
    with pytest.raises(ValueError, match="model must be one of"):
        grid.RunSpec("basset", 500, 1, "both")
    with pytest.raises(ValueError, match="strands must be one of"):
        grid.RunSpec("danq", 500, 1, "reverse")
    with pytest.raises(ValueError, match="order must be 1, 2 or 3"):
        grid.RunSpec("danq", 500, 4, "both")


def test_config_grids_match_the_paper_and_the_demo_scales():
    paper = yaml.safe_load((REPO / "config" / "config.yaml").read_text())["deepsea"]
    assert len(grid.expand_grid(paper["grid"])) == 24
    assert paper["width"] == 1.0 and paper["epochs"] == 30 and paper["batch_size"] == 128
    demo = yaml.safe_load((REPO / "config" / "demo.yaml").read_text())["deepsea"]
    runs = grid.expand_grid(demo["grid"])
    # The demo keeps what the figures need: DanQ and DeepSEA, the shortest and longest window, order 1 and 3.
    assert {r.model for r in runs} == {"deepsea", "danq"}
    danq = {(r.window, r.order) for r in runs if r.model == "danq" and r.strands == "both"}
    windows = sorted({w for w, _ in danq})
    assert len(windows) >= 2 and {1, 3} <= {o for _, o in danq}
    assert {(w, o) for w in (windows[0], windows[-1]) for o in (1, 3)} <= danq
    assert demo["width"] < 1


def test_scaled_widths():
    assert grid.scaled_widths("deepsea") == {"filters": (320, 480, 960), "dense_units": 925}
    assert grid.scaled_widths("danq", 0.1) == {"filters": 32, "lstm_units": 32, "dense_units": 92}
    assert grid.scaled_widths("deepsea", 0.001)["filters"] == (4, 4, 4)
    with pytest.raises(ValueError, match=r"width must be in \(0, 1\]"):
        grid.scaled_widths("danq", 0)
    with pytest.raises(ValueError, match="model must be one of"):
        grid.scaled_widths("basset", 0.5)


def test_build_model_paper_scale_and_codes_input():
    full = train.build_model(grid.RunSpec("deepsea", 500, 1, "both"), 919)
    # the paper's DeepSEA (the on-device one-hot has no weights)
    assert full.count_params() == 25_315_119
    small = train.build_model(grid.RunSpec("danq", 1000, 3, "forward"), 12, width=0.05)
    assert small.inputs[0].shape == (None, 998)
    assert "int" in str(small.inputs[0].dtype)
    assert small.outputs[0].shape == (None, 12)
    assert small.get_layer("conv1").filters == 16


# ---------------------------------------------------------------------------------------------- labels
def labels_of(tmp_path: Path, bins, peak_texts, min_overlap=0.5) -> np.ndarray:
    """The dense 0/1 labels ``(bins, features)`` that the labels rule writes for these peak files."""
    bed = write_bed(tmp_path / "bins.bed", bins)
    peaks = []
    for i, text in enumerate(peak_texts):
        peaks.append(write(tmp_path / f"p{i}.narrowPeak.gz", text, gz=True))
    table = write_feature_table(tmp_path / "f.tsv", ["TF"] * len(peaks), peaks)
    data.write_labels({"s": bed}, table, peaks, {"s": tmp_path / "y.npz"}, min_overlap=min_overlap)
    labels = data.load_labels(tmp_path / "y.npz")
    assert labels.conditions == [f"f{i}" for i in range(len(peaks))]
    batch = labels[np.arange(len(labels))]
    assert batch.dtype == np.float32 and batch.shape == (len(bins), 1, 1, len(peaks))
    return batch.reshape(len(bins), -1)


def test_labels_count_the_union_of_a_features_peaks(tmp_path):
    bins = [("chr1", 0, 200), ("chr1", 200, 400), ("chr1", 400, 600), ("chr1", 600, 800),
            ("chr2", 0, 200)]  # fmt: skip
    # 150-250 and 180-300 overlap (union 150-300: 50 bp of bin 0, 100 of bin 1); 500-560 holds 510-520
    # (60 bp of bin 2); nothing on chr2; a chromosome the bins lack.
    peaks = "".join(narrowpeak(*p) for p in [("chr1", 180, 300), ("chr1", 150, 250),
                                             ("chr1", 500, 560), ("chr1", 510, 520), ("chr3", 0, 100)])
    covered = np.array([50, 100, 60, 0, 0])
    for fraction in (0.25, 0.3, 0.5, 0.55):
        got = labels_of(tmp_path, bins, [peaks], min_overlap=fraction)[:, 0]
        assert got.tolist() == (covered >= fraction * 200).astype(float).tolist(), fraction


def test_labels_half_bin_rule(tmp_path):
    bins = [("chr1", 0, 200), ("chr1", 200, 400), ("chr1", 400, 600)]
    # bin 0: 100 bp (half) -> 1; bin 1: 99 -> 0; bin 2: 100 -> 1
    a = narrowpeak("chr1", 100, 200) + narrowpeak("chr1", 301, 500)
    b = narrowpeak("chr1", 250, 400)  # bin 1: 150 bp -> 1
    assert labels_of(tmp_path, bins, [a, b]).tolist() == [[1, 0], [0, 1], [1, 0]]
    assert labels_of(tmp_path, bins, [a], min_overlap=0.75).ravel().tolist() == [0, 0, 0]
    with pytest.raises(ValueError, match=r"min_overlap must be a fraction in \(0, 1\]"):
        labels_of(tmp_path, bins, [a], min_overlap=0)


def test_write_labels_checks_the_number_of_peak_files(tmp_path):
    table = write_feature_table(tmp_path / "f.tsv")
    bed = write_bed(tmp_path / "r.bed", [("chr1", 0, 200)])
    with pytest.raises(ValueError, match="3 features but 1 peak files"):
        data.write_labels({"test": bed}, table, [bed], {"test": tmp_path / "o.npz"}, min_overlap=0.5)


# -------------------------------------------------------------------------------------------- sequence
def test_sequence_codes_pad_and_encode(tmp_path):
    fa = write_fasta(tmp_path / "g.fa", {"chr1": "ACGTACGTNNacgt", "chr2": "AAAACCCCGGGGTTTT"})
    # The last core runs past the end of chr1 (14 bp): its window 10-18 is padded with N there.
    bed = write_bed(tmp_path / "r.bed", [("chr1", 0, 4), ("chr1", 4, 8), ("chr2", 8, 12), ("chr1", 12, 16)])
    data.write_sequence(fa, bed, tmp_path / "s1.npz", window=8, order=1)
    w = data.load_sequence(tmp_path / "s1.npz")
    assert w.codes.shape == (4, 8) and w.flank == 2 and w.window_length == 8
    # Window = core +- 2 bp; outside the chromosome -> N -> -1 (padded, never shifted).
    codes = w.codes[np.arange(4)]
    assert codes.dtype == np.int32
    assert codes.tolist() == [
        [-1, -1, 0, 1, 2, 3, 0, 1],
        [2, 3, 0, 1, 2, 3, -1, -1],
        [1, 1, 2, 2, 2, 2, 3, 3],
        [0, 1, 2, 3, -1, -1, -1, -1],
    ]
    data.write_sequence(fa, bed, tmp_path / "s2.npz", window=8, order=2)
    w2 = data.load_sequence(tmp_path / "s2.npz")
    # First letter most significant: AC=1, CG=6, GT=11, TA=12; lowercase as uppercase; N k-mers -1.
    assert w2.codes[np.array([0, 1])].tolist() == [[-1, -1, 1, 6, 11, 12, 1], [11, 12, 1, 6, 11, -1, -1]]
    assert w2.codes[2].tolist() == [5, 6, 10, 10, 10, 11, 15]
    assert (w2.window_length, w2.order, w2.flank) == (8, 2, 2)
    assert w2.regions["chrom"].tolist() == ["chr1", "chr1", "chr2", "chr1"]


def test_sequence_errors(tmp_path):
    fa = write_fasta(tmp_path / "g.fa", {"chr1": "ACGT" * 10})

    def sequence(rows, window, strand=None):
        bed = tmp_path / "r.bed"
        text = "".join(f"{c}\t{s}\t{e}" + (f"\tx\t0\t{strand}" if strand else "") + "\n"
                       for c, s, e in rows)  # fmt: skip
        data.write_sequence(fa, write(bed, text), tmp_path / "s.npz", window=window, order=1)

    with pytest.raises(ValueError, match="regions must share one length"):
        sequence([("chr1", 0, 4), ("chr1", 4, 10)], 8)
    with pytest.raises(ValueError, match="must exceed the 4-bp bins by an even number"):
        sequence([("chr1", 0, 4)], 7)
    with pytest.raises(ValueError, match=r"chromosome\(s\) of the regions are not in .*g\.fa: chrX"):
        sequence([("chrX", 0, 4)], 8)
    with pytest.raises(ValueError, match="unstranded"):
        sequence([("chr1", 0, 4)], 8, strand="-")


def test_real_scale_sequence_input_memory_is_bounded_by_a_batch(tmp_path):
    """2000-bp windows at order 3 over a synthetic 6-Mb genome, one 200-bp bin every 100 bp (60,000
    windows): one-hot would take 60,000 x 1,998 x 64 x 4 B = 30.7 GB and even int32 codes for all windows
    480 MB. The input keeps ~1 byte per covered base and expands one batch at a time."""
    rng = np.random.default_rng(0)
    sizes = {"chr1": 4_000_000, "chr2": 2_000_000}
    fa = write_fasta(
        tmp_path / "big.fa", {c: "".join(rng.choice(list("ACGT"), n)) for c, n in sizes.items()}
    )
    cores = pd.concat(
        [frame([(c, s, s + 200) for s in range(0, n - 200, 100)]) for c, n in sizes.items()],
        ignore_index=True,
    )
    bed = tmp_path / "r.bed"
    cores.to_csv(bed, sep="\t", header=False, index=False)
    genome_bytes = sum(sizes.values())
    tracemalloc.start()
    try:
        seq = data.write_sequence(fa, bed, tmp_path / "s.npz", window=2000, order=3)
        _, build_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        before, _ = tracemalloc.get_traced_memory()
        batch = seq.codes[np.arange(10_000, 10_128)]
        _, batch_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    n = len(seq)
    onehot_bytes = n * (2000 - 3 + 1) * 64 * 4
    all_codes_bytes = n * (2000 - 3 + 1) * 4
    assert n > 59_000 and batch.shape == (128, 1998)
    # 1 byte per genome base the windows cover, plus ~17 bytes of window coordinates per window
    assert seq.nbytes <= genome_bytes + 24 * n
    # Building reads the covered spans (in chunks), keeps their bytes and saves them: a few bytes per genome
    # base, far below all windows' codes, let alone their one-hot.
    assert build_peak < 6 * genome_bytes + (8 << 20)
    assert build_peak < all_codes_bytes / 10 and build_peak < onehot_bytes / 1000
    # One batch costs O(batch x window): positions (int64) + bases + codes + mask, not O(windows).
    assert batch_peak - before < 128 * 2000 * 32
    # The expansion matches a direct reading of the genome.
    with pysam.FastaFile(str(fa)) as fh:
        start = int(cores.loc[10_000, "start"]) - 900
        text = fh.fetch("chr1", start, start + 2000)
    codes = np.array(["ACGT".index(ch) for ch in text])
    assert np.array_equal(batch[0], codes[:-2] * 16 + codes[1:-1] * 4 + codes[2:])


# ------------------------------------------------------------------------------------------ evaluation
def test_feature_scores_match_sklearn_and_flag_one_class_columns():
    from sklearn.metrics import average_precision_score, roc_auc_score

    y = np.array([[1, 0, 1], [0, 0, 1], [1, 0, 1], [0, 0, 1], [0, 0, 1]])
    p = np.array(
        [[0.9, 0.1, 0.5], [0.8, 0.2, 0.4], [0.3, 0.3, 0.3], [0.2, 0.4, 0.2], [0.1, 0.5, 0.1]]
    )
    out = train.feature_scores(metrics_table(y, p, metrics=("auprc", "auroc")))
    assert out["auprc"][0] == pytest.approx(average_precision_score(y[:, 0], p[:, 0]))
    assert out["auroc"][0] == pytest.approx(roc_auc_score(y[:, 0], p[:, 0]))
    # Positives score 0.9 and 0.3, negatives 0.8, 0.2, 0.1: 5 of 6 pairs ordered; precision 1 then 2/3.
    assert out["auroc"][0] == pytest.approx(5 / 6)
    assert out["auprc"][0] == pytest.approx((1 + 2 / 3) / 2)
    assert out["n_positive"].tolist() == [2, 0, 5] and out["n_positive"].dtype == np.int64
    # no positives / no negatives: neither metric
    assert out.loc[1:, ["auprc", "auroc"]].isna().all().all()


# ------------------------------------------------------------------------------------------- tables
def synthetic_metrics(rng=None) -> pd.DataFrame:
    """Per-feature auPRC with planted effects: DanQ +0.05, 2000 bp +0.1 for histone only, order 3 +0.04
    (TF1 +0.2), forward strand -0.02."""
    rng = rng or np.random.default_rng(1)
    feats = [("D1", "DNase"), ("D2", "DNase"), ("T1", "TF"), ("T2", "TF"), ("H1", "Histone"),
             ("H2", "Histone")]  # fmt: skip
    base = dict(zip([f for f, _ in feats], [0.3, 0.4, 0.5, 0.6, 0.2, 0.3]))
    rows = []
    for run in grid.expand_grid(PAPER_GRID):
        for feature, category in feats:
            v = base[feature] + (0.05 if run.model == "danq" else 0)
            v += 0.1 if (run.window == 2000 and category == "Histone") else 0
            v += (0.04 + (0.2 if feature == "T1" else 0)) * (run.order - 1) / 2
            v -= 0.02 if run.strands == "forward" else 0
            rows.append(
                (run.model, run.window, run.order, run.strands, feature, category, v, v + 0.3, 10)
            )
    return pd.DataFrame(rows, columns=tables.METRIC_COLUMNS)


def test_aggregate_metrics(tmp_path):
    m = synthetic_metrics()
    m.iloc[:6].to_csv(tmp_path / "a.tsv", sep="\t", index=False)
    m.iloc[6:12].to_csv(tmp_path / "b.tsv", sep="\t", index=False)
    out = tables.aggregate_metrics([tmp_path / "b.tsv", tmp_path / "a.tsv"])
    assert list(out.columns) == tables.METRIC_COLUMNS and len(out) == 12
    assert out[["model", "window", "order", "strands"]].apply(tuple, axis=1).is_monotonic_increasing
    m.drop(columns="auroc").to_csv(tmp_path / "c.tsv", sep="\t", index=False)
    with pytest.raises(ValueError, match=r"c.tsv: columns .* expected \['model'"):
        tables.aggregate_metrics([tmp_path / "c.tsv"])
    with pytest.raises(ValueError, match="no per-run metrics files"):
        tables.aggregate_metrics([])


def test_summary_recovers_planted_effects():
    s = tables.summarise(synthetic_metrics())
    assert list(s.columns) == tables.SUMMARY_COLUMNS

    def value(claim, statistic, category="all", **keys):
        sel = s[(s["claim"] == claim) & (s["statistic"] == statistic) & (s["category"] == category)]
        for k, v in keys.items():
            sel = sel[sel[k] == v]
        assert len(sel) == 1, (claim, statistic, category, keys)
        return sel["value"].iloc[0]

    assert value("model", "median_delta_auprc", window=500, order=1, strands="both") == (
        pytest.approx(0.05)
    )
    assert value("context", "median_delta_auprc", "Histone", model="danq", order=3) == (
        pytest.approx(0.1)
    )
    assert value("context", "median_delta_auprc", "TF", model="danq", order=3) == pytest.approx(0.0)
    assert value("order", "median_delta_auprc", "DNase", model="danq") == pytest.approx(0.04)
    # (0.24 + 0.04) / 2
    assert value("order", "median_delta_auprc", "TF", model="danq") == pytest.approx(0.14)
    assert value("order", "n_gain_above_0.1", model="danq") == 1  # only T1 gains more than 0.1
    assert value("strands", "mean_delta_auprc", model="danq", window=1000, order=2) == (
        pytest.approx(0.02)
    )
    assert value("auprc", "median_auprc", "TF", model="deepsea", window=500, order=1,
                 strands="both") == pytest.approx(0.55)  # fmt: skip
    # No forward runs at 500 bp: that comparison is left out, not filled with NaN.
    assert s[(s["claim"] == "strands") & (s["window"] == 500)].empty


# -------------------------------------------------------------------------------------------- claims
def claims_table(score) -> pd.DataFrame:
    """Two features per class; ``score(model, window, order, strands, category)`` gives the auPRC."""
    rows = []
    for model in ("deepsea", "danq"):
        for window in (500, 1000):
            for order in (1, 3):
                for strands in ("both", "forward"):
                    if strands == "forward" and (window != 1000 or model != "danq"):
                        continue
                    for category in ("DNase", "TF", "Histone"):
                        for i in range(2):
                            auprc = score(model, window, order, strands, category) + 0.01 * i
                            rows.append((model, window, order, strands, f"{category}_{i}", category,
                                         auprc, 0.5, 3))  # fmt: skip
    return pd.DataFrame(rows, columns=tables.METRIC_COLUMNS)


def paper_like(model, window, order, strands, category):
    value = 0.3
    value += 0.05 if model == "danq" else 0.0
    value += 0.04 if (category == "Histone" and window == 1000) else 0.0
    value += {"Histone": 0.01, "DNase": 0.04, "TF": 0.2}[category] if order == 3 else 0.0
    value -= 0.02 if strands == "forward" else 0.0
    return value


def by_claim(claims, text):
    (claim,) = [c for c in claims if text in c.claim]
    return claim


def test_claims_hold_on_a_table_that_follows_the_paper():
    claims = ds_claims.claims(claims_table(paper_like))
    assert len(claims) == len(ds_claims.CLAIMS) and {c.case for c in claims} == {"deepsea"}
    # The grid has orders 1 and 3 only: the order-2 strands row is NA.
    assert [c.holds for c in claims] == [True] * 7 + [None, True]
    assert (
        by_claim(claims, "DanQ beats").reproduction
        == "12/12 positive (median delta +0.050 to +0.050)"
    )
    assert by_claim(claims, "context").reproduction == "Histone +0.040, DNase +0.000, TF +0.000"
    assert by_claim(claims, "Histone features").reproduction == "+0.010"
    assert by_claim(claims, "DNase features").reproduction == "+0.040"
    assert by_claim(claims, "TF features (").reproduction == "+0.200"
    assert by_claim(claims, "handful").reproduction == "2 of 2 TF features"
    assert by_claim(claims, "order 1 (DanQ").reproduction == "+0.020"


def test_claims_fail_on_a_table_against_the_paper():
    def against(model, window, order, strands, category):
        value = 0.5 - (0.05 if model == "danq" else 0.0)
        value -= 0.03 if (category == "Histone" and window == 1000) else 0.0
        value -= 0.02 if order == 3 else 0.0
        value += 0.01 if strands == "forward" else 0.0
        return value

    claims = [c for c in ds_claims.claims(claims_table(against)) if c.holds is not None]
    assert len(claims) == 8
    assert all(c.holds is False for c in claims), claims


def test_context_claim_needs_histone_above_the_other_classes():
    def flat_gain(model, window, order, strands, category):
        return 0.3 + (0.05 if window == 1000 else 0.0)  # every class gains alike

    claim = by_claim(ds_claims.claims(claims_table(flat_gain)), "context")
    assert claim.holds is False and claim.reproduction.startswith("Histone +0.050")


def test_claims_missing_from_the_grid_are_na():
    table = claims_table(paper_like)
    claims = ds_claims.claims(table)
    assert by_claim(claims, "order 2 (DanQ").holds is None
    assert "not in the grid" in by_claim(claims, "order 2 (DanQ").note
    one_window = table[(table["window"] == 1000) & (table["strands"] == "both")]
    claims = ds_claims.claims(one_window)
    assert by_claim(claims, "context").holds is None
    assert by_claim(claims, "context").note == "needs DanQ at two windows"
    assert by_claim(claims, "order 1 (DanQ").holds is None
    assert by_claim(claims, "TF features (").holds is True
    no_deepsea = ds_claims.claims(table[table["model"] == "danq"])
    assert by_claim(no_deepsea, "DanQ beats").note == "needs DeepSEA and DanQ runs of the same setting"
    assert all(c.holds is None and c.reproduction == "NA" for c in ds_claims.claims(None))
    with pytest.raises(ValueError, match=r"deepsea metrics table lacks columns \['window'"):
        ds_claims.claims(pd.DataFrame({"model": ["danq"]}))


# ------------------------------------------------------------------------------------------- figures
@pytest.mark.parametrize("name", figures.FIGURES)
def test_figures_render(tmp_path, name):
    stem = tmp_path / name
    png, svg = save_figure(figures.plot_figure(name, synthetic_metrics()), stem, close=True)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 5000
    assert "<svg" in svg.read_text()[:2000]


def test_write_figures(tmp_path):
    metrics = tmp_path / "metrics.tsv"
    synthetic_metrics().to_csv(metrics, sep="\t", index=False)
    figures.write_figures(metrics, {"fig3c": [tmp_path / "a.png", tmp_path / "a.svg"]})
    assert (tmp_path / "a.png").stat().st_size > 5000 and "<svg" in (tmp_path / "a.svg").read_text()


def test_figure_errors():
    with pytest.raises(ValueError, match="unknown figure 'fig9'"):
        figures.plot_figure("fig9", synthetic_metrics())
    m = synthetic_metrics()
    with pytest.raises(ValueError, match="fig3a needs DanQ order 3 at 500 and 2000 bp"):
        figures.plot_figure("fig3a", m[~((m["model"] == "danq") & (m["window"] == 500))])
    with pytest.raises(ValueError, match="fig3c needs DanQ at 2000 bp with orders 1 and 3"):
        figures.plot_figure("fig3c", m[~((m["model"] == "danq") & (m["order"] == 1))])
    with pytest.raises(ValueError, match="no both-strand runs"):
        figures.plot_figure("fig3b", m[m["strands"] == "forward"])


# ------------------------------------------------------------------------------ train and evaluate, tiny
def test_train_and_evaluate_a_tiny_run(tmp_path):
    rng = np.random.default_rng(3)
    fa = write_fasta(tmp_path / "g.fa", {"chr1": "".join(rng.choice(list("ACGT"), 6000))})
    bed = write_bed(tmp_path / "r.bed", [("chr1", s, s + 200) for s in range(400, 5400, 200)])
    peaks = []
    for i, rows in enumerate(["chr1\t400\t1000\n", "chr1\t2000\t3000\nchr1\t4000\t4200\n"]):
        peaks.append(write(tmp_path / f"p{i}.bed", rows))
    table = tmp_path / "f.tsv"
    pd.DataFrame(
        {"index": [0, 1], "feature": ["a", "b"], "category": ["TF", "Histone"], "url": ["u", "v"],
         "path": peaks}
    ).to_csv(table, sep="\t", index=False)  # fmt: skip
    data.write_labels({"train": bed}, table, peaks, {"train": tmp_path / "y.npz"}, min_overlap=0.5)
    y = data.load_labels(tmp_path / "y.npz")
    assert y[np.arange(len(y))].sum(axis=(0, 1, 2)).tolist() == [3, 6]
    data.write_sequence(fa, bed, tmp_path / "x.npz", window=500, order=2)
    spec = grid.RunSpec("deepsea", 500, 2, "both")
    paths = {"train": tmp_path / "x.npz", "validation": tmp_path / "x.npz"}
    labels = {"train": tmp_path / "y.npz", "validation": tmp_path / "y.npz"}
    tiny = train.TrainSettings(width=0.02, epochs=2, batch_size=8, patience=5, seed=1)
    write_digest(fa, tmp_path / "g.fa.sha256")
    target = CardTarget(tmp_path / "run" / "model.json", "deepsea_w500_o2_both",
                        genome_entry("tiny", tmp_path / "g.fa.sha256"))  # fmt: skip
    result = train.train_run(spec, paths, labels, tmp_path / "run", tiny, card=target, features=table)
    assert (tmp_path / "run" / "model.keras").is_file() and result.epochs_run == 2
    # Every trained model has its card.
    model, card = load_model_with_card(tmp_path / "run" / "model.keras")
    assert (card.case, card.name, card.outputs) == ("deepsea", "deepsea_w500_o2_both", ["a", "b"])
    assert card.genome == {"name": "tiny", "fasta": str(fa), "sha256": file_digest(fa)}
    assert (card.window, card.flank, card.order, card.strands) == (500, 150, 2, "both")
    assert card.inputs == [{"name": "dna", "kind": "dna_codes", "shape": [499]}]
    assert tuple(model.inputs[0].shape[1:]) == (card.window - card.order + 1,)
    assert card.training["seed"] == 1 and card.training["epochs_run"] == 2
    history = pd.read_csv(tmp_path / "run" / "history.tsv", sep="\t")
    best = history.loc[history["epoch"] == result.best_epoch, "val_loss"].item()
    assert card.metrics == {"validation": {"loss": pytest.approx(best), "train_loss": pytest.approx(
        history.loc[history["epoch"] == result.best_epoch, "loss"].item()), "epoch": result.best_epoch},
        "test": None}  # fmt: skip
    with pytest.raises(ValueError, match="needs the feature table"):
        train.train_run(spec, paths, labels, tmp_path / "r3", tiny, card=target)
    rows = train.evaluate_run(
        spec, tmp_path / "run" / "model.keras", paths["train"], labels["train"], table
    )
    assert list(rows.columns) == tables.METRIC_COLUMNS
    assert rows["feature"].tolist() == ["a", "b"] and rows["n_positive"].tolist() == [3, 6]
    assert rows[["model", "window", "order", "strands"]].drop_duplicates().values.tolist() == [
        ["deepsea", 500, 2, "both"]
    ]
    assert rows["auprc"].between(0, 1).all()
    with pytest.raises(ValueError, match="run deepsea 1000 bp order 2 both strands needs window 1000"):
        train.train_run(grid.RunSpec("deepsea", 1000, 2, "both"), paths, labels, tmp_path / "r2", tiny)


# -------------------------------------------------------------------------------------------- dry run
def test_paper_dry_run_plans_24_training_jobs(tmp_path):
    """The real config's dry run (no network): one training job per point of the paper's grid, each on one
    GPU, and one evaluation per run. The 919 label columns come from the feature checkpoint at run time;
    the architectures are the paper's because `width` is 1 (see test_config_grids_...)."""
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    cmd = [
        str(Path(sys.executable).parent / "snakemake"),
        "-n",
        "--snakefile",
        str(REPO / "workflow" / "Snakefile"),
        "--configfile",
        str(REPO / "config" / "config.yaml"),
        "--directory",
        str(tmp_path),
        "--config",
        "cases=[deepsea]",
    ]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=env)
    out = result.stdout + result.stderr
    assert result.returncode == 0, out[-5000:]
    counts = dict(re.findall(r"^(deepsea_\w+)\s+(\d+)$", out, flags=re.M))
    assert counts["deepsea_train"] == "24" and counts["deepsea_evaluate"] == "24"
    assert counts["deepsea_labels"] == "1"
    assert counts["deepsea_sequence"] == "27"  # 3 windows x 3 orders x 3 splits
    blocks = re.findall(r"rule deepsea_train:\n(.*?)(?=\n\[|\Z)", out, flags=re.S)
    planned = set()
    for block in blocks:
        wc = dict(re.findall(r"(ds_\w+)=(\w+)", re.search(r"wildcards: (.*)", block).group(1)))
        planned.add((wc["ds_model"], int(wc["ds_window"]), int(wc["ds_order"]), wc["ds_strands"]))
        assert re.search(r"resources: .*gpu=1", block), block
    expected = {(r.model, r.window, r.order, r.strands) for r in grid.expand_grid(PAPER_GRID)}
    assert planned == expected
    # the metrics rule collects one evaluation per run, named by the rules' run template
    metrics = re.search(r"rule deepsea_metrics:\n\s+input: (.*)", out).group(1).split(", ")
    assert sorted(Path(p).stem for p in metrics) == sorted(
        f"{r.model}_w{r.window}_o{r.order}_{r.strands}" for r in grid.expand_grid(PAPER_GRID)
    )

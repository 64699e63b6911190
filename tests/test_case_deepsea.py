"""Case 2 glue (genomic_tensors.cases.deepsea): grid, widths, labels, streaming sequence input, metrics,
summary, figures, and the real config's dry run."""

from __future__ import annotations

import gzip
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
import scipy.sparse as sp
import yaml

from genomic_tensors.cases import deepsea as ds
from genomic_tensors.plotting import save_figure

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


def write_fasta(path: Path, records: dict[str, str]) -> Path:
    with open(path, "w") as fh:
        for name, seq in records.items():
            fh.write(f">{name}\n")
            for i in range(0, len(seq), 60):
                fh.write(seq[i : i + 60] + "\n")
    pysam.faidx(str(path))
    return path


def frame(rows):
    return pd.DataFrame(rows, columns=["chrom", "start", "end"])


# ------------------------------------------------------------------------------------------------ grid
def test_paper_grid_has_24_unique_runs():
    runs = ds.expand_grid(PAPER_GRID + [PAPER_GRID[0]])  # a repeated sub-grid trains nothing twice
    assert len(runs) == 24
    assert sum(r.strands == "forward" for r in runs) == 6
    assert {r.window for r in runs if r.strands == "forward"} == {1000}
    assert ds.RunSpec("danq", 1000, 3, "forward").tag == "danq_w1000_o3_forward"


def test_grid_errors():
    with pytest.raises(ValueError, match=r"entry 0 lacks \['strands'\]"):
        ds.expand_grid([{"models": ["danq"], "windows": [500], "orders": [1]}])
    with pytest.raises(ValueError, match="model must be one of"):
        ds.RunSpec("basset", 500, 1, "both")
    with pytest.raises(ValueError, match="strands must be one of"):
        ds.RunSpec("danq", 500, 1, "reverse")
    with pytest.raises(ValueError, match="order must be 1, 2 or 3"):
        ds.RunSpec("danq", 500, 4, "both")


def test_config_grids_match_the_paper_and_the_demo_scales():
    paper = yaml.safe_load((REPO / "config" / "config.yaml").read_text())["deepsea"]
    assert len(ds.expand_grid(paper["grid"])) == 24
    assert paper["width"] == 1.0 and paper["epochs"] == 30 and paper["batch_size"] == 128
    demo = yaml.safe_load((REPO / "config" / "demo.yaml").read_text())["deepsea"]
    runs = ds.expand_grid(demo["grid"])
    # The demo keeps what the figures need: DanQ and DeepSEA, the shortest and longest window, order 1 and 3.
    assert {r.model for r in runs} == {"deepsea", "danq"}
    danq = {(r.window, r.order) for r in runs if r.model == "danq" and r.strands == "both"}
    windows = sorted({w for w, _ in danq})
    assert len(windows) >= 2 and {1, 3} <= {o for _, o in danq}
    assert {(w, o) for w in (windows[0], windows[-1]) for o in (1, 3)} <= danq
    assert demo["width"] < 1


def test_scaled_widths():
    assert ds.scaled_widths("deepsea") == {"filters": (320, 480, 960), "dense_units": 925}
    assert ds.scaled_widths("danq", 0.1) == {"filters": 32, "lstm_units": 32, "dense_units": 92}
    assert ds.scaled_widths("deepsea", 0.001)["filters"] == (4, 4, 4)
    with pytest.raises(ValueError, match=r"width must be in \(0, 1\]"):
        ds.scaled_widths("danq", 0)
    with pytest.raises(ValueError, match="model must be one of"):
        ds.scaled_widths("basset", 0.5)


def test_build_model_paper_scale_and_codes_input():
    full = ds.build_model(ds.RunSpec("deepsea", 500, 1, "both"), 919)
    assert (
        full.count_params() == 25_315_119
    )  # the paper's DeepSEA (the on-device one-hot has no weights)
    small = ds.build_model(ds.RunSpec("danq", 1000, 3, "forward"), 12, width=0.05)
    assert small.inputs[0].shape == (None, 998)
    assert "int" in str(small.inputs[0].dtype)
    assert small.outputs[0].shape == (None, 12)
    assert small.get_layer("conv1").filters == 16


# ---------------------------------------------------------------------------------------------- labels
def test_covered_bases_counts_the_union_of_peaks():
    bins = frame(
        [
            ("chr1", 0, 200),
            ("chr1", 200, 400),
            ("chr1", 400, 600),
            ("chr1", 600, 800),
            ("chr2", 0, 200),
        ]
    )
    # 150-250 and 180-300 overlap (union 150-300); 500-560; a peak inside another; nothing on chr2.
    peaks = frame(
        [
            ("chr1", 180, 300),
            ("chr1", 150, 250),
            ("chr1", 500, 560),
            ("chr1", 510, 520),
            ("chr3", 0, 100),
        ]
    )
    assert ds.covered_bases(bins, peaks).tolist() == [50, 100, 60, 0, 0]


def test_label_matrix_half_bin_rule(tmp_path):
    bins = frame([("chr1", 0, 200), ("chr1", 200, 400), ("chr1", 400, 600)])
    a = tmp_path / "a.bed"
    a.write_text(
        "chr1\t100\t200\nchr1\t301\t500\n"
    )  # bin 0: 100 bp (half) -> 1; bin 1: 99 -> 0; bin 2: 100
    b = tmp_path / "b.narrowPeak.gz"
    with gzip.open(b, "wt") as fh:
        fh.write("chr1\t250\t400\tp\t0\t.\t5\t3\t2\t20\n")  # bin 1: 150 bp -> 1
    m = ds.label_matrix(bins, [a, b])
    assert sp.issparse(m) and m.dtype == np.uint8
    assert m.toarray().tolist() == [[1, 0], [0, 1], [1, 0]]
    assert ds.label_matrix(bins, [a], min_overlap=0.75).toarray().ravel().tolist() == [0, 0, 0]
    with pytest.raises(ValueError, match=r"min_overlap must be in \(0, 1\]"):
        ds.label_matrix(bins, [a], min_overlap=0)


def test_sparse_labels_round_trip(tmp_path):
    m = sp.csr_matrix(np.array([[0, 1, 0], [1, 0, 0], [0, 0, 0], [1, 1, 1]], dtype=np.uint8))
    labels = ds.SparseLabels(m, ["f1", "f2", "f3"])
    assert labels.shape == (4, 3) and len(labels) == 4
    batch = labels[np.array([3, 0])]
    assert batch.dtype == np.float32 and batch.tolist() == [[1, 1, 1], [0, 1, 0]]
    assert labels[1].tolist() == [1, 0, 0]
    ds.save_labels(tmp_path / "l.npz", labels)
    back = ds.load_labels(tmp_path / "l.npz")
    assert back.features == ["f1", "f2", "f3"]
    assert (back.matrix != m).nnz == 0
    with pytest.raises(ValueError, match="2 feature names"):
        ds.SparseLabels(m, ["f1", "f2"])


def write_features(path: Path, categories=("DNase", "TF", "Histone")) -> Path:
    pd.DataFrame(
        {
            "index": range(len(categories)),
            "feature": [f"f{i}" for i in range(len(categories))],
            "category": list(categories),
            "url": [f"u{i}" for i in range(len(categories))],
            "path": [f"p{i}" for i in range(len(categories))],
        }
    ).to_csv(path, sep="\t", index=False)
    return path


def test_read_features_errors(tmp_path):
    good = ds.read_features(write_features(tmp_path / "f.tsv"))
    assert good["feature"].tolist() == ["f0", "f1", "f2"]
    with pytest.raises(ValueError, match=r"feature 'f1' has category 'Chromatin'"):
        ds.read_features(write_features(tmp_path / "g.tsv", ("DNase", "Chromatin")))
    bad = tmp_path / "h.tsv"
    bad.write_text("index\tfeature\n0\tx\n")
    with pytest.raises(
        ValueError, match=r"h.tsv: feature table lacks columns \['category', 'url', 'path'\]"
    ):
        ds.read_features(bad)


def test_write_labels_checks_the_number_of_peak_files(tmp_path):
    features = write_features(tmp_path / "f.tsv")
    bed = tmp_path / "r.bed"
    bed.write_text("chr1\t0\t200\n")
    with pytest.raises(ValueError, match="3 features but 1 peak files"):
        ds.write_labels({"test": bed}, features, [bed], {"test": tmp_path / "o.npz"})


# -------------------------------------------------------------------------------------------- sequence
def test_window_codes_pad_and_encode(tmp_path):
    fa = write_fasta(tmp_path / "g.fa", {"chr1": "ACGTACGTNNacgt", "chr2": "AAAACCCCGGGGTTTT"})
    # The last core runs past the end of chr1 (14 bp): its window 10-18 is padded with N there.
    cores = frame([("chr1", 0, 4), ("chr1", 4, 8), ("chr2", 8, 12), ("chr1", 12, 16)])
    w = ds.WindowCodes.from_fasta(fa, cores, window=8, order=1)
    assert w.shape == (4, 8) and w.dtype == np.int32 and w.flank == 2
    # Window = core +- 2 bp; outside the chromosome -> N -> -1 (padded, never shifted).
    assert w[np.arange(4)].tolist() == [
        [-1, -1, 0, 1, 2, 3, 0, 1],
        [2, 3, 0, 1, 2, 3, -1, -1],
        [1, 1, 2, 2, 2, 2, 3, 3],
        [0, 1, 2, 3, -1, -1, -1, -1],
    ]
    w2 = ds.WindowCodes.from_fasta(fa, cores, window=8, order=2)
    # First letter most significant: AC=1, CG=6, GT=11, TA=12; lowercase as uppercase; N k-mers -1.
    assert w2[np.array([0, 1])].tolist() == [[-1, -1, 1, 6, 11, 12, 1], [11, 12, 1, 6, 11, -1, -1]]
    assert w2[2].tolist() == [5, 6, 10, 10, 10, 11, 15]
    w2.save(tmp_path / "s.npz")
    back = ds.WindowCodes.load(tmp_path / "s.npz")
    assert (back.window, back.order, back.flank) == (8, 2, 2)
    assert np.array_equal(back[np.arange(4)], w2[np.arange(4)])
    assert back.regions["chrom"].tolist() == ["chr1", "chr1", "chr2", "chr1"]


def test_window_codes_errors(tmp_path):
    fa = write_fasta(tmp_path / "g.fa", {"chr1": "ACGT" * 10})
    with pytest.raises(ValueError, match="regions must share one length"):
        ds.WindowCodes.from_fasta(fa, frame([("chr1", 0, 4), ("chr1", 4, 10)]), window=8)
    with pytest.raises(ValueError, match="must exceed the 4-bp bins by an even number"):
        ds.WindowCodes.from_fasta(fa, frame([("chr1", 0, 4)]), window=7)
    with pytest.raises(
        ValueError, match=r"chromosomes \['chrX'\] of the regions are not in the FASTA"
    ):
        ds.WindowCodes.from_fasta(fa, frame([("chrX", 0, 4)]), window=8)
    minus = frame([("chr1", 0, 4)]).assign(strand="-")
    with pytest.raises(ValueError, match="unstranded"):
        ds.WindowCodes.from_fasta(fa, minus, window=8)


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
    genome_bytes = sum(sizes.values())
    tracemalloc.start()
    try:
        seq = ds.WindowCodes.from_fasta(fa, cores, window=2000, order=3)
        _, build_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        before, _ = tracemalloc.get_traced_memory()
        batch = seq[np.arange(10_000, 10_128)]
        _, batch_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    n = len(seq)
    onehot_bytes = n * (2000 - 3 + 1) * 64 * 4
    all_codes_bytes = n * (2000 - 3 + 1) * 4
    assert n > 59_000 and batch.shape == (128, 1998)
    assert seq.bases.nbytes <= genome_bytes + 2 * 900 * len(sizes)  # 1 byte per base (+ N padding)
    # Building reads each chromosome once (string, bytes, codes): a few bytes per genome base, far below
    # all windows' codes, let alone their one-hot.
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
def test_feature_metrics_match_sklearn_and_flag_empty_columns():
    from sklearn.metrics import average_precision_score, roc_auc_score

    y = np.array([[1, 0, 1], [0, 0, 1], [1, 0, 1], [0, 0, 1], [0, 0, 1]])
    p = np.array(
        [[0.9, 0.1, 0.5], [0.8, 0.2, 0.4], [0.3, 0.3, 0.3], [0.2, 0.4, 0.2], [0.1, 0.5, 0.1]]
    )
    out = ds.feature_metrics(sp.csr_matrix(y), p)
    assert out["auprc"][0] == pytest.approx(average_precision_score(y[:, 0], p[:, 0]))
    assert out["auroc"][0] == pytest.approx(roc_auc_score(y[:, 0], p[:, 0]))
    # Positives score 0.9 and 0.3, negatives 0.8, 0.2, 0.1: 5 of 6 pairs ordered; precision 1 then 2/3.
    assert out["auroc"][0] == pytest.approx(5 / 6)
    assert out["auprc"][0] == pytest.approx((1 + 2 / 3) / 2)
    assert out["n_positive"].tolist() == [2, 0, 5]
    assert np.isnan(out["auprc"][1]) and np.isnan(out["auroc"][2])  # no positives / no negatives
    with pytest.raises(ValueError, match=r"labels \(5, 3\) and predictions \(5, 2\)"):
        ds.feature_metrics(y, p[:, :2])


def synthetic_metrics(rng=None) -> pd.DataFrame:
    """Per-feature auPRC with planted effects: DanQ +0.05, 2000 bp +0.1 for histone only, order 3 +0.04
    (TF1 +0.2), forward strand -0.02."""
    rng = rng or np.random.default_rng(1)
    features = [
        ("D1", "DNase"),
        ("D2", "DNase"),
        ("T1", "TF"),
        ("T2", "TF"),
        ("H1", "Histone"),
        ("H2", "Histone"),
    ]
    base = dict(zip([f for f, _ in features], [0.3, 0.4, 0.5, 0.6, 0.2, 0.3]))
    rows = []
    for run in ds.expand_grid(PAPER_GRID):
        for feature, category in features:
            v = base[feature] + (0.05 if run.model == "danq" else 0)
            v += 0.1 if (run.window == 2000 and category == "Histone") else 0
            v += (0.04 + (0.2 if feature == "T1" else 0)) * (run.order - 1) / 2
            v -= 0.02 if run.strands == "forward" else 0
            rows.append(
                (run.model, run.window, run.order, run.strands, feature, category, v, v + 0.3, 10)
            )
    return pd.DataFrame(rows, columns=ds.METRIC_COLUMNS)


def test_aggregate_metrics(tmp_path):
    m = synthetic_metrics()
    m.iloc[:6].to_csv(tmp_path / "a.tsv", sep="\t", index=False)
    m.iloc[6:12].to_csv(tmp_path / "b.tsv", sep="\t", index=False)
    out = ds.aggregate_metrics([tmp_path / "b.tsv", tmp_path / "a.tsv"])
    assert list(out.columns) == ds.METRIC_COLUMNS and len(out) == 12
    assert out[["model", "window", "order", "strands"]].apply(tuple, axis=1).is_monotonic_increasing
    m.drop(columns="auroc").to_csv(tmp_path / "c.tsv", sep="\t", index=False)
    with pytest.raises(ValueError, match=r"c.tsv: columns .* expected \['model'"):
        ds.aggregate_metrics([tmp_path / "c.tsv"])
    with pytest.raises(ValueError, match="no per-run metrics files"):
        ds.aggregate_metrics([])


def test_summary_recovers_planted_effects():
    s = ds.summarise(synthetic_metrics())
    assert list(s.columns) == ds.SUMMARY_COLUMNS

    def value(claim, statistic, category="all", **keys):
        sel = s[(s["claim"] == claim) & (s["statistic"] == statistic) & (s["category"] == category)]
        for k, v in keys.items():
            sel = sel[sel[k] == v]
        assert len(sel) == 1, (claim, statistic, category, keys)
        return sel["value"].iloc[0]

    assert value(
        "model", "median_delta_auprc", window=500, order=1, strands="both"
    ) == pytest.approx(0.05)
    assert value(
        "context", "median_delta_auprc", "Histone", model="danq", order=3
    ) == pytest.approx(0.1)
    assert value("context", "median_delta_auprc", "TF", model="danq", order=3) == pytest.approx(0.0)
    assert value("order", "median_delta_auprc", "DNase", model="danq") == pytest.approx(0.04)
    assert value("order", "median_delta_auprc", "TF", model="danq") == pytest.approx(
        0.14
    )  # (0.24+0.04)/2
    assert value("order", "n_gain_above_0.1", model="danq") == 1  # only T1 gains more than 0.1
    assert value(
        "strands", "mean_delta_auprc", model="danq", window=1000, order=2
    ) == pytest.approx(0.02)
    assert value(
        "auprc", "median_auprc", "TF", model="deepsea", window=500, order=1, strands="both"
    ) == (pytest.approx(0.55))
    # No forward runs at 500 bp: that comparison is left out, not filled with NaN.
    assert s[(s["claim"] == "strands") & (s["window"] == 500)].empty


@pytest.mark.parametrize("name", ds.FIGURES)
def test_figures_render(tmp_path, name):
    stem = tmp_path / name
    png, svg = save_figure(ds.plot_figure(name, synthetic_metrics()), stem, close=True)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 5000
    assert "<svg" in svg.read_text()[:2000]


def test_figure_errors():
    with pytest.raises(ValueError, match="unknown figure 'fig9'"):
        ds.plot_figure("fig9", synthetic_metrics())
    m = synthetic_metrics()
    with pytest.raises(ValueError, match="fig3a needs DanQ order 3 at 500 and 2000 bp"):
        ds.plot_figure("fig3a", m[~((m["model"] == "danq") & (m["window"] == 500))])
    with pytest.raises(ValueError, match="no both-strand runs"):
        ds.plot_figure("fig3b", m[m["strands"] == "forward"])


# ------------------------------------------------------------------------------ train and evaluate, tiny
def test_train_and_evaluate_a_tiny_run(tmp_path):
    rng = np.random.default_rng(3)
    fa = write_fasta(tmp_path / "g.fa", {"chr1": "".join(rng.choice(list("ACGT"), 6000))})
    bed = tmp_path / "r.bed"
    bed.write_text("".join(f"chr1\t{s}\t{s + 200}\n" for s in range(400, 5400, 200)))
    peaks = []
    for i, rows in enumerate(["chr1\t400\t1000\n", "chr1\t2000\t3000\nchr1\t4000\t4200\n"]):
        peaks.append(tmp_path / f"p{i}.bed")
        peaks[-1].write_text(rows)
    features = tmp_path / "f.tsv"
    pd.DataFrame(
        {
            "index": [0, 1],
            "feature": ["a", "b"],
            "category": ["TF", "Histone"],
            "url": ["u", "v"],
            "path": peaks,
        }
    ).to_csv(features, sep="\t", index=False)
    ds.write_labels({"train": bed}, features, peaks, {"train": tmp_path / "y.npz"})
    assert ds.load_labels(tmp_path / "y.npz").matrix.sum(axis=0).tolist() == [[3, 6]]
    ds.write_sequence(fa, bed, tmp_path / "x.npz", window=500, order=2)
    spec = ds.RunSpec("deepsea", 500, 2, "both")
    paths = {"train": tmp_path / "x.npz", "validation": tmp_path / "x.npz"}
    labels = {"train": tmp_path / "y.npz", "validation": tmp_path / "y.npz"}
    result = ds.train_run(
        spec, paths, labels, tmp_path / "run", width=0.02, epochs=2, batch_size=8, seed=1
    )
    assert (tmp_path / "run" / "model.keras").is_file() and result.epochs_run == 2
    rows = ds.evaluate_run(
        spec, tmp_path / "run" / "model.keras", paths["train"], labels["train"], features
    )
    assert list(rows.columns) == ds.METRIC_COLUMNS
    assert rows["feature"].tolist() == ["a", "b"] and rows["n_positive"].tolist() == [3, 6]
    assert rows[["model", "window", "order", "strands"]].drop_duplicates().values.tolist() == [
        ["deepsea", 500, 2, "both"]
    ]
    assert rows["auprc"].between(0, 1).all()
    with pytest.raises(ValueError, match="run deepsea_w1000_o2_both needs window 1000"):
        ds.train_run(ds.RunSpec("deepsea", 1000, 2, "both"), paths, labels, tmp_path / "r2")


# ------------------------------------------------------------------------------------ real feature list
def test_paper_categories_classify_the_919_real_features(shared_data):
    mapping = pd.read_csv(shared_data / "deepsea" / "deepsea_919_features_mapping.tsv", sep="\t")
    urls = (shared_data / "deepsea" / "janggu_usecases_urls.txt").read_text().split()
    assert len(urls) == 919
    patterns = yaml.safe_load((REPO / "config" / "config.yaml").read_text())["deepsea"][
        "categories"
    ]

    def classify(url):
        hits = [c for c, p in patterns.items() if re.search(p, url)]
        assert len(hits) == 1, (url, hits)
        return hits[0]

    found = pd.Series([classify(u) for u in urls]).value_counts().to_dict()
    assert found == {"TF": 690, "DNase": 125, "Histone": 104}
    category_col = next(c for c in mapping.columns if c.lower() == "category")
    assert mapping[category_col].value_counts().to_dict() == found


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
    expected = {(r.model, r.window, r.order, r.strands) for r in ds.expand_grid(PAPER_GRID)}
    assert planned == expected

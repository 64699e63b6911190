"""Case 1 (JunD): settings and model folders, metrics table schema, model choice, locus choice,
attribution helpers, bigWig export, figures and claims, on tiny tables and files built here."""

from __future__ import annotations

import gzip
import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest

from genomic_tensors.cases.base import write_figure
from genomic_tensors.cases.jund import attribution, claims, data, export, figures, grid, tables, train
from genomic_tensors.cases.jund.locus import Locus, parse_interval, read_locus, select_locus, write_locus
from genomic_tensors.cases.jund.grid import Setting
from genomic_tensors.cases.jund.tables import METRIC_COLUMNS
from genomic_tensors.modelcard import CardTarget, genome_entry, load_model_with_card, write_digest


# ------------------------------------------------------------------------------------------ settings
def test_setting_rows_leave_the_papers_empty_cells_empty():
    assert Setting("dna", order=2, dropout=0.2).row() == {
        "model": "dna", "order": 2, "dropout": 0.2, "normalization": None, "augment": "none",
    }
    assert Setting("dnase", normalization="tpm", augment="flip").row() == {
        "model": "dnase", "order": None, "dropout": None, "normalization": "tpm", "augment": "flip",
    }


def test_setting_from_rule_params_ignores_keys_of_other_families():
    assert Setting.from_params("dnase", {"normalization": "zscorelog", "augment": "none", "order": 3}) == Setting(
        "dnase", normalization="zscorelog"
    )
    combined = Setting.from_params(
        "combined", {"order": 3, "dropout": 0.0, "normalization": "zscorelog", "augment": "flip"}
    )
    assert combined.order == 3 and combined.augment == "flip" and combined.dropout == 0.0


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"model": "rna"}, "model must be one of"),
        ({"model": "dna", "order": 4, "dropout": 0.0}, "order in 1-3"),
        ({"model": "dnase", "normalization": "log"}, "normalization in"),
        ({"model": "dnase", "normalization": "tpm", "augment": "shift"}, "augment must be one of"),
        ({"model": "dna", "order": 1, "dropout": 0.0, "augment": "flip"}, "no normalization or augmentation"),
    ],
)
def test_setting_rejects_bad_values(kwargs, match):
    with pytest.raises(ValueError, match=match):
        Setting(**kwargs)


def test_replicate_seeds_differ_by_replicate_and_base_seed():
    assert grid.replicate_seed(1, 1) != grid.replicate_seed(1, 2) != grid.replicate_seed(2, 2)


# ------------------------------------------------------------------------------------------- metrics
def test_scores_by_hand():
    # Ranked: 0.9 (+) P=1, 0.8 (-), 0.4 (+) P=2/3, 0.1 (-): AP = (1 + 2/3) / 2; 3 of 4 pairs ordered.
    scores = train.scores(np.array([1, 0, 1, 0]), np.array([0.9, 0.8, 0.4, 0.1]))
    assert scores["auprc"] == pytest.approx((1 + 2 / 3) / 2)
    assert scores["auroc"] == pytest.approx(0.75)
    assert (scores["n_positive"], scores["n_total"]) == (2, 4)


def test_scores_without_positives_are_nan_not_an_error():
    scores = train.scores(np.zeros(5), np.linspace(0, 1, 5))
    assert math.isnan(scores["auprc"]) and math.isnan(scores["auroc"]) and scores["n_positive"] == 0


def _rows(setting, replicate, val, test):
    return tables.metric_rows(
        setting, replicate,
        {"validation": {"auprc": val, "auroc": 0.5, "n_positive": 3, "n_total": 30},
         "test": {"auprc": test, "auroc": 0.5, "n_positive": 4, "n_total": 40}},
    )


def _table(tmp_path):
    """Per-model metrics files of a small grid, written in a scrambled order."""
    specs = []
    for rep in (1, 2):
        for order, dropout, val in ((1, 0.0, 0.3), (3, 0.0, 0.5), (3, 0.2, 0.6)):
            specs.append((Setting("dna", order=order, dropout=dropout), rep, val, val - 0.05 + 0.01 * rep))
        for norm, aug, val in (("none", "none", 0.2), ("zscorelog", "flip", 0.4), ("tpm", "none", 0.35)):
            specs.append((Setting("dnase", normalization=norm, augment=aug), rep, val, val + 0.01 * rep))
        specs.append((Setting("combined", order=3, dropout=0.0, normalization="zscorelog", augment="flip"),
                      rep, 0.8, 0.78 + 0.01 * rep))
    paths = []
    for i, spec in enumerate(reversed(specs)):
        path = tmp_path / f"m{i}" / "metrics.tsv"
        path.parent.mkdir()
        _rows(*spec).to_csv(path, sep="\t", index=False)
        paths.append(path)
    return paths


def test_metrics_table_has_exactly_the_issue_columns_and_a_stable_order(tmp_path):
    metrics = tables.collect_metrics(_table(tmp_path))
    assert tuple(metrics.columns) == METRIC_COLUMNS == (
        "model", "order", "dropout", "normalization", "augment", "replicate", "split", "auprc", "auroc",
        "n_positive", "n_total",
    )
    assert len(metrics) == 2 * 7 * 2
    assert list(metrics["model"].drop_duplicates()) == ["dna", "dnase", "combined"]
    assert list(metrics["split"][:2]) == ["validation", "test"]
    dnase = metrics[metrics["model"] == "dnase"]
    assert dnase["order"].isna().all() and dnase["dropout"].isna().all()
    assert metrics.loc[metrics["model"] == "dna", "normalization"].isna().all()
    assert list(dnase["normalization"].drop_duplicates()) == ["none", "tpm", "zscorelog"]
    # Written and read back unchanged (empty cells stay empty).
    out = tmp_path / "metrics.tsv"
    metrics.to_csv(out, sep="\t", index=False)
    text = out.read_text().splitlines()
    assert text[0].split("\t") == list(METRIC_COLUMNS)
    assert text[1].split("\t")[:7] == ["dna", "1", "0.0", "", "none", "1", "validation"]
    pd.testing.assert_frame_equal(tables.read_metrics(out), metrics)


def test_metrics_with_wrong_columns_or_duplicates_are_refused(tmp_path):
    bad = tmp_path / "bad.tsv"
    pd.DataFrame({"model": ["dna"], "auprc": [0.5]}).to_csv(bad, sep="\t", index=False)
    with pytest.raises(ValueError, match=r"bad.tsv: columns \['model', 'auprc'\]; expected"):
        tables.read_metrics(bad)
    paths = _table(tmp_path)
    with pytest.raises(ValueError, match="duplicate metrics rows"):
        tables.collect_metrics([paths[0], paths[0]])
    with pytest.raises(ValueError, match="no per-model metrics"):
        tables.collect_metrics([])


def test_best_settings_use_the_validation_median(tmp_path):
    metrics = tables.collect_metrics(_table(tmp_path))
    best = tables.best_settings(metrics)
    assert best["dna"] == Setting("dna", order=3, dropout=0.2)
    assert best["dnase"] == Setting("dnase", normalization="zscorelog", augment="flip")
    assert best["combined"].model == "combined"
    # On the test split the DNase ranking is the same here, the choice follows the split asked for.
    tweaked = metrics.copy()
    tweaked.loc[(tweaked["split"] == "test") & (tweaked["normalization"] == "tpm"), "auprc"] = 0.99
    assert tables.best_settings(tweaked, split="test")["dnase"].normalization == "tpm"
    assert tables.best_settings(tweaked)["dnase"].normalization == "zscorelog"


# ---------------------------------------------------------------------------------- aligned tensors
class _Toy:
    def __init__(self, array):
        self.array = array
        self.regions = pd.DataFrame({"chrom": ["chr1"] * len(array), "start": 0, "end": 200})
        self.conditions = ["roadmap", "encode"]
        self.shape = array.shape
        self.dtype = array.dtype

    def __len__(self):
        return len(self.array)

    def __getitem__(self, idx):
        return self.array[idx]


def test_tensors_of_different_bins_are_refused():
    a, b = _Toy(np.zeros((2, 1))), _Toy(np.zeros((3, 1)))
    with pytest.raises(ValueError, match="do not hold the same bins"):
        data.check_aligned({"labels": a, "dna": b})


# ------------------------------------------------------------------------------------------- locus
def test_parse_interval():
    assert parse_interval("chr3:2,353,000-2,357,000") == ("chr3", 2353000, 2357000)
    with pytest.raises(ValueError, match="cannot read the interval"):
        parse_interval("chr3 2353000")
    with pytest.raises(ValueError, match="is empty"):
        parse_interval("chr3:10-10")


def _locus_files(tmp_path):
    roi = tmp_path / "roi.bed"
    roi.write_text("chr3\t0\t4000\nchr3\t10000\t12000\nchr2\t0\t4000\n")
    peaks = tmp_path / "peaks.narrowPeak.gz"
    lines = [
        # chrom start end name score strand signal pvalue qvalue peak
        "chr2\t1000\t1200\tp0\t0\t.\t99\t50\t5\t100",   # strongest, but not on the test chromosome
        "chr3\t1000\t1300\tp1\t0\t.\t10\t20\t5\t150",   # summit 1150
        "chr3\t10400\t10600\tp2\t0\t.\t30\t20\t5\t-1",  # strongest on chr3, summit = midpoint 10500
        "chr3\t20000\t20200\tp3\t0\t.\t80\t20\t5\t100",  # outside the ROI
    ]
    with gzip.open(peaks, "wt") as handle:
        handle.write("\n".join(lines) + "\n")
    return peaks, roi


def test_locus_defaults_to_the_strongest_test_peak_inside_the_roi(tmp_path):
    peaks, roi = _locus_files(tmp_path)
    locus = select_locus(peaks, roi, test=["chr3"], width=1000)
    assert (locus.chrom, locus.start, locus.end) == ("chr3", 10000, 11000)
    assert (locus.attribution_start, locus.attribution_end, locus.summit) == (10450, 10550, 10500)
    assert locus.source == "strongest test peak"
    write_locus(locus, tmp_path / "locus.tsv")
    assert read_locus(tmp_path / "locus.tsv") == locus


def test_locus_from_config_is_taken_as_given(tmp_path):
    peaks, roi = _locus_files(tmp_path)
    locus = select_locus(
        peaks, roi, test=["chr3"], locus={"region": "chr3:0-4,000", "attribution": "chr3:1,100-1,200"}
    )
    assert (locus.start, locus.end, locus.attribution_start, locus.attribution_end) == (0, 4000, 1100, 1200)
    assert locus.source == "config"


@pytest.mark.parametrize(
    "locus, test, match",
    [
        ({"region": "chr3:0-4000"}, ["chr3"], "needs both 'region' and 'attribution'"),
        ({"region": "chr3:0-4000", "attribution": "chr3:3950-4050"}, ["chr3"], "must lie inside the locus"),
        ({"region": "chr3:5000-9000", "attribution": "chr3:6000-6100"}, ["chr3"], "outside the ROI"),
        (None, ["chr9"], "no peak on the test chromosome"),
    ],
)
def test_locus_errors(tmp_path, locus, test, match):
    peaks, roi = _locus_files(tmp_path)
    with pytest.raises(ValueError, match=match):
        select_locus(peaks, roi, test=test, locus=locus)


# ------------------------------------------------------------------------------------- attribution
def test_kmer_attribution_is_shared_evenly_among_its_bases():
    np.testing.assert_allclose(attribution._per_base(np.array([3.0, 6.0]), 3), [1, 3, 3, 2])
    np.testing.assert_allclose(attribution._per_base(np.array([1.0, -2.0]), 1), [1, -2])


def test_bases_are_recovered_from_kmer_codes():
    # ACGTT as 2-mers: AC=1, CG=6, GT=11, TT=15; as 3-mers ACG=6, CGT=27, GTT=47.
    assert attribution._bases_from_codes(np.array([1, 6, 11, 15]), 2) == "ACGTT"
    assert attribution._bases_from_codes(np.array([6, 27, 47]), 3) == "ACGTT"
    assert attribution._bases_from_codes(np.array([0, -1, 3]), 1) == "ANT"


# -------------------------------------------------------------------------------- bigWig export
def test_export_writes_the_mean_of_the_best_settings_replicates(tmp_path):
    import pyBigWig

    paths = []
    for name, setting, rep, val, values in (
        ("a", Setting("dnase", normalization="none"), 1, 0.2, [0.1, 0.2]),
        ("b", Setting("dnase", normalization="tpm"), 1, 0.6, [0.3, 0.5]),
        ("c", Setting("dnase", normalization="tpm"), 2, 0.5, [0.5, 0.9]),
    ):
        folder = tmp_path / name
        folder.mkdir()
        _rows(setting, rep, val, val).to_csv(folder / "metrics.tsv", sep="\t", index=False)
        pd.DataFrame({"chrom": "chr3", "start": [0, 200], "end": [200, 400], "label": [0, 1],
                      "prediction": values}).to_csv(folder / "predictions.tsv", sep="\t", index=False)
        paths.append(folder / "predictions.tsv")
    table = tables.collect_metrics([p.with_name("metrics.tsv") for p in paths])
    table.to_csv(tmp_path / "metrics.tsv", sep="\t", index=False)
    sizes = tmp_path / "sizes"
    sizes.write_text("chr3\t1000\n")
    out = tmp_path / "dnase.bigwig"
    chosen = export.export_predictions(paths, tmp_path / "metrics.tsv", sizes, out, family="dnase")
    assert chosen == Setting("dnase", normalization="tpm")
    with pyBigWig.open(str(out)) as bw:
        assert bw.chroms() == {"chr3": 1000}
        np.testing.assert_allclose(bw.values("chr3", 0, 400)[::200], [0.4, 0.7], rtol=1e-6)
    with pytest.raises(ValueError, match="no dna models"):
        export.export_predictions(paths, tmp_path / "metrics.tsv", sizes, out, family="dna")
    sizes.write_text("chr1\t1000\n")
    with pytest.raises(ValueError, match=r"no size for chromosome\(s\) \['chr3'\]"):
        export.export_predictions(paths, tmp_path / "metrics.tsv", sizes, out, family="dnase")


# ------------------------------------------------------------------------------------------ figures
@pytest.mark.parametrize("plot", [figures.plot_fig2a, figures.plot_fig2b, figures.plot_fig2c])
def test_fig2abc_render_png_and_svg(tmp_path, plot):
    metrics = tables.collect_metrics(_table(tmp_path))
    fig, ax = plot(metrics)
    assert ax.get_ylabel() == "auPRC (test chromosome)"
    png, svg = tmp_path / "f.png", tmp_path / "f.svg"
    write_figure(fig, png, svg)
    assert png.read_bytes()[:4] == b"\x89PNG" and b"<svg" in svg.read_bytes()[:400]


def test_fig2a_plots_the_test_split_only(tmp_path):
    metrics = tables.collect_metrics(_table(tmp_path))
    fig, ax = figures.plot_fig2a(metrics)
    # Boxes are drawn from the test rows: every jittered point is a test auPRC.
    points = np.concatenate([c.get_offsets()[:, 1] for c in ax.collections if len(c.get_offsets())])
    test_values = metrics.loc[(metrics["model"] == "dna") & (metrics["split"] == "test"), "auprc"]
    assert sorted(np.round(points, 6)) == sorted(np.round(test_values.to_numpy(), 6))
    with pytest.raises(ValueError, match="no test rows of the dna model"):
        figures.plot_fig2a(metrics[metrics["split"] == "validation"])


def test_fig2d_renders_tracks_and_a_signed_logo(tmp_path):
    starts = np.arange(0, 1000, 200)
    tracks = {
        "bin_start": starts, "bin_end": starts + 200, "prediction": np.linspace(0, 1, 5),
        "label": np.array([0, 0, 1, 0, 0.0]), "dnase_position": np.arange(0, 1000, 50),
        "dnase_resolution": np.int64(50), "dnase": np.random.default_rng(0).poisson(3, (20, 2)),
        "dnase_names": np.array(["roadmap", "encode"]), "attribution": np.array([0.5, -0.2, 0.0, 1.0]),
        "attribution_start": np.int64(450), "bases": np.array("TGAC"),
        "locus": np.array(["chr3", "0", "1000", "450", "454", "test"]),
    }
    np.savez(tmp_path / "t.npz", **tracks)
    with np.load(tmp_path / "t.npz") as data:
        fig, axes = figures.plot_fig2d(dict(data))
    assert len(axes) == 5
    assert len(axes[-1].patches) == 3  # one letter per non-zero base
    write_figure(fig, tmp_path / "d.png", tmp_path / "d.svg")
    assert (tmp_path / "d.png").stat().st_size > 1000


# ------------------------------------------------------------------------- one training job, tiny
@pytest.fixture(scope="module")
def tiny_tensors(tmp_path_factory):
    """Labels, DNA (order 2) and DNase tensor files of 3 chromosomes x 24 bins of 100 bp (flank 50)."""
    from genomic_tensors.dataset import GenomicDataset
    from genomic_tensors.sequence import Bioseq
    from genomic_tensors.storage import make_storage

    root = tmp_path_factory.mktemp("jund_tiny")
    rng = np.random.default_rng(3)
    chroms, seqs, label_rows = ["chr1", "chr2", "chr3"], {}, []
    for chrom in chroms:
        seq = rng.choice(list("ACGT"), size=24 * 100 + 100)
        for b in range(24):
            bound = b % 4 == 0
            if bound:
                seq[50 + b * 100 + 46 : 50 + b * 100 + 53] = list("TGACTCA")
            label_rows.append((chrom, 50 + b * 100, 150 + b * 100, float(bound)))
        seqs[chrom] = "".join(seq)
    fasta = root / "genome.fa"
    fasta.write_text("".join(f">{c}\n{s}\n" for c, s in seqs.items()))
    roi = pd.DataFrame({"chrom": chroms, "start": 50, "end": 50 + 24 * 100})
    regions = pd.DataFrame(label_rows, columns=["chrom", "start", "end", "y"])
    y = regions["y"].to_numpy(np.float32)
    GenomicDataset(regions[["chrom", "start", "end"]], make_storage(y.reshape(-1, 1, 1, 1)),
                   conditions=["jund"]).save(root / "labels.npz")
    dnase = rng.poisson(1.0, (len(y), 12, 2, 2)).astype(np.float32) + 3 * y[:, None, None, None]
    GenomicDataset(regions[["chrom", "start", "end"]], make_storage(dnase), flank=100,
                   conditions=["roadmap", "encode"]).save(root / "dnase.npz")
    Bioseq.from_fasta(fasta, roi, binsize=100, flank=50, order=2).save(root / "dna.npz")
    return root


@pytest.mark.parametrize(
    "setting",
    [
        Setting("dna", order=2, dropout=0.2),
        # zscorelog names the card's normalization (the tiny tensor is trained on as given)
        Setting("dnase", normalization="zscorelog", augment="flip"),
        Setting("combined", order=2, dropout=0.0, normalization="none", augment="flip"),
    ],
    ids=["dna", "dnase", "combined"],
)
def test_one_training_job_writes_model_history_metrics_and_test_predictions(tiny_tensors, tmp_path,
                                                                             monkeypatch, setting):
    import genomic_tensors.dataset as dataset_module

    flipped, swapped = [], []
    real_flip, real_swap = dataset_module.RandomOrientation, dataset_module.ReversedConditions

    def spy_flip(ds, *, seed):
        flipped.append((ds.shape, seed))
        return real_flip(ds, seed=seed)

    def spy_swap(ds):
        swapped.append(len(ds))
        return real_swap(ds)

    monkeypatch.setattr(dataset_module, "RandomOrientation", spy_flip)
    monkeypatch.setattr(dataset_module, "ReversedConditions", spy_swap)
    fasta, digest = tiny_tensors / "genome.fa", tmp_path / "genome.fa.sha256"
    write_digest(fasta, digest)
    out = {k: tmp_path / ("model.keras" if k == "model" else f"{k}.{ext}") for k, ext in
           (("model", "keras"), ("history", "tsv"), ("metrics", "tsv"), ("predictions", "tsv"))}
    uses = {"dna": ("dna",), "dnase": ("dnase",), "combined": ("dna", "dnase")}[setting.model]
    rows = train.train_and_evaluate(
        setting, labels=tiny_tensors / "labels.npz",
        **{name: tiny_tensors / f"{name}.npz" for name in uses},
        replicate=2, seed=1, validation=["chr2"], test=["chr3"], epochs=2, batch_size=16, patience=5,
        threads=1, model_path=out["model"], history_path=out["history"], metrics_path=out["metrics"],
        predictions_path=out["predictions"],
        card=CardTarget(tmp_path / "model.json", f"{setting.model}/rep2", genome_entry("tiny", digest)),
        dnase_counts=tiny_tensors / "dnase.npz",
    )
    _check_card(tmp_path / "model.keras", setting, tiny_tensors, rows)
    assert list(rows["split"]) == ["validation", "test"]
    assert list(rows["n_total"]) == [24, 24] and list(rows["n_positive"]) == [6, 6]
    assert rows["replicate"].tolist() == [2, 2]
    pd.testing.assert_frame_equal(tables.read_metrics(out["metrics"]), rows)
    assert len(pd.read_csv(out["history"], sep="\t")) == 2
    predictions = pd.read_csv(out["predictions"], sep="\t")
    assert tuple(predictions.columns) == tables.PREDICTION_COLUMNS
    assert set(predictions["chrom"]) == {"chr3"} and len(predictions) == 24
    assert predictions["prediction"].between(0, 1).all()
    assert out["model"].stat().st_size > 0
    # Flips on the training inputs only (both inputs of the combined model, with one seed), the DNase
    # replicate swap on the test split only.
    seed = grid.replicate_seed(1, 2)
    if setting.augment == "flip":
        assert [s for _, s in flipped] == [seed] * len(uses) and all(shape[0] == 24 for shape, _ in flipped)
    else:
        assert flipped == []
    assert swapped == ([24] if "dnase" in uses else [])


def _check_card(model_path, setting, tiny_tensors, rows):
    """Every trained model has its card: genome checksum, window/order as the model input, outputs,
    seed, normalization statistics and metrics."""
    from genomic_tensors.files import file_digest
    from genomic_tensors.normalize import ZScoreLog

    model, card = load_model_with_card(model_path)
    assert card.case == "jund" and card.name == f"{setting.model}/rep2" and card.outputs == ["jund"]
    assert card.genome["sha256"] == file_digest(tiny_tensors / "genome.fa")
    assert card.training["seed"] == grid.replicate_seed(1, 2) and card.training["epochs_run"] == 2
    shapes = {t.name: tuple(t.shape[1:]) for t in model.inputs}
    if setting.model == "dnase":
        assert card.window is card.order is card.strands is None and shapes == {"dnase": (12, 2, 2)}
        expected = ZScoreLog().fit(data.load_dataset(tiny_tensors / "dnase.npz")).state()
        stats = card.normalization["dnase"]["statistics"]
        assert card.normalization["dnase"]["method"] == "zscorelog"
        np.testing.assert_allclose(stats["mean"], expected["mean"])
        np.testing.assert_allclose(stats["std"], expected["std"])
        assert len(stats["mean"]) == 2  # one per replicate
    else:
        assert (card.window, card.flank, card.order, card.strands) == (200, 50, 2, "both")
        assert shapes["dna"] == (card.window - card.order + 1, 4**card.order)
        assert card.inputs[0] == {"name": "dna", "kind": "dna_onehot", "shape": [199, 16]}
    if setting.model == "combined":
        assert card.normalization == {"dnase": {"method": "none", "statistics": None}}
    for split in ("validation", "test"):
        row = rows[rows["split"] == split].iloc[0]
        assert card.metrics[split]["auroc"] == pytest.approx(row["auroc"], abs=1e-6)
        assert card.metrics[split]["n_total"] == 24
    assert card.metrics["validation"]["loss"] > 0 and card.versions["keras"]


def test_a_job_without_its_tensor_or_with_an_empty_split_fails_clearly(tiny_tensors, tmp_path):
    kwargs = dict(replicate=1, seed=1, epochs=1, batch_size=16, patience=1, model_path=tmp_path / "m.keras",
                  history_path=tmp_path / "h", metrics_path=tmp_path / "m", predictions_path=tmp_path / "p")
    with pytest.raises(ValueError, match="a combined model needs the dnase tensor file"):
        train.train_and_evaluate(Setting("combined", order=2, dropout=0.0, normalization="none"),
                                labels=tiny_tensors / "labels.npz", dna=tiny_tensors / "dna.npz",
                                validation=["chr2"], test=["chr3"], **kwargs)
    with pytest.raises(ValueError, match="the test split is empty"):
        train.train_and_evaluate(Setting("dna", order=2, dropout=0.0), labels=tiny_tensors / "labels.npz",
                                dna=tiny_tensors / "dna.npz", validation=["chr2"], test=["chr9"], **kwargs)


def test_unknown_dnase_normalization_is_refused():
    with pytest.raises(ValueError, match="unknown DNase normalization 'log'"):
        data.normalize_dnase(np.zeros((1, 2, 2, 2)), "log")
    counts = np.ones((1, 2, 2, 2))
    assert data.normalize_dnase(counts, "none") is counts


# ------------------------------------------------------------------- the paper's plan (dry run)
def test_paper_config_plans_the_papers_training_grid(repo, tmp_path):
    """`snakemake -n` on config/config.yaml (no network): 30 DNA, 30 DNase and 5 combined jobs."""
    import os
    import re
    import subprocess
    import sys

    import yaml

    result = subprocess.run(
        [str(Path(sys.executable).parent / "snakemake"), "-n", "--snakefile", str(repo / "workflow" / "Snakefile"),
         "--configfile", str(repo / "config" / "config.yaml"), "--directory", str(tmp_path)],
        capture_output=True, text=True, timeout=300, env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2"),
    )
    assert result.returncode == 0, result.stderr[-3000:]
    counts = {m[1]: int(m[2]) for m in re.finditer(r"^(jund_\w+)\s+(\d+)\s*$", result.stdout, re.M)}
    assert counts["jund_train"] == 30 + 30 + 5
    models = set(re.findall(r"results/jund/models/(\S+)/model\.keras", result.stdout))
    families = [m.split("/")[0] for m in models]
    assert (families.count("dna"), families.count("dnase"), families.count("combined")) == (30, 30, 5)
    assert counts["jund_dna_tensor"] == 3 and counts["jund_dnase_tensor"] == 3
    assert counts["jund_dnase_counts"] == counts["jund_labels"] == counts["jund_metrics"] == 1
    assert counts["jund_export_predictions"] == 3
    assert counts["jund_figure"] == 4
    # The paper's hyper-parameters (EXPERIMENTS.md, case 1).
    paper = yaml.safe_load((repo / "config" / "config.yaml").read_text())["jund"]
    assert paper["validation"] == ["chr2"] and paper["test"] == ["chr3"] and paper["replicates"] == 5
    assert paper["roi"] == {"extend": 10000, "binsize": 200}
    assert paper["dna"] == {"flank": 150, "orders": [1, 2, 3], "dropout": [0.0, 0.2], "epochs": 30,
                            "batch_size": 64}
    assert {k: paper["dnase_model"][k] for k in ("flank", "resolution", "epochs", "batch_size")} == {
        "flank": 450, "resolution": 50, "epochs": 30, "batch_size": 64}
    assert paper["combined"]["order"] == 3 and paper["combined"]["epochs"] == 100
    assert paper["combined"]["augment"] == "flip"
    assert paper["locus"]["region"] == "chr3:2,353,000-2,357,000"


@pytest.mark.parametrize(
    "name, family, setting, replicate",
    [
        ("dna/order1_dropout0/rep1", "dna", {"order": 1, "dropout": 0.0}, 1),
        ("dna/order3_dropout0.2/rep12", "dna", {"order": 3, "dropout": 0.2}, 12),
        ("dnase/zscorelog_flip/rep2", "dnase", {"normalization": "zscorelog", "augment": "flip"}, 2),
        ("combined/rep5", "combined", {}, 5),
    ],
)
def test_model_folders_name_the_grid_point(name, family, setting, replicate):
    import re

    assert re.fullmatch(grid.MODEL_DIR_PATTERN, name)
    run = grid.parse_model_dir(name)
    assert run == (family, setting, replicate)
    assert Setting.from_params(family, {**setting, **({} if setting else {
        "order": 3, "dropout": 0.0, "normalization": "tpm", "augment": "none"})}).model == family


@pytest.mark.parametrize("name", ["dna/order1/rep1", "dnase/log_flip/rep1", "combined/rep", "rna/rep1",
                                  "combined/rep1/model.keras"])
def test_other_folders_are_not_model_folders(name):
    import re

    assert not re.fullmatch(grid.MODEL_DIR_PATTERN, name)
    with pytest.raises(ValueError, match="is not a JunD model folder"):
        grid.parse_model_dir(name)


def test_locus_tracks_average_models_and_attribute_over_the_window(tiny_tensors, tmp_path):
    from genomic_tensors.sequence import Bioseq

    models = []
    for rep in (1, 2):
        model = tmp_path / f"m{rep}.keras"
        train.train_and_evaluate(
            Setting("combined", order=2, dropout=0.0, normalization="none", augment="flip"),
            labels=tiny_tensors / "labels.npz", dna=tiny_tensors / "dna.npz", dnase=tiny_tensors / "dnase.npz",
            replicate=rep, seed=1, validation=["chr2"], test=["chr3"], epochs=1, batch_size=16, patience=1,
            model_path=model, history_path=tmp_path / "h.tsv", metrics_path=tmp_path / "m.tsv",
            predictions_path=tmp_path / "p.tsv",
        )
        models.append(model)
    # Bin 4 of chr3 ([450, 550)) holds the planted TGACTCA at 496-503.
    locus = Locus("chr3", 250, 950, 450, 550, source="test")
    tracks = attribution.locus_tracks(locus, models, dna=tiny_tensors / "dna.npz", dnase=tiny_tensors / "dnase.npz",
                               counts=tiny_tensors / "dnase.npz", labels=tiny_tensors / "labels.npz",
                               test=["chr3"], steps=8)
    np.testing.assert_array_equal(tracks["bin_start"], [250, 350, 450, 550, 650, 750, 850])
    np.testing.assert_array_equal(tracks["label"], [0, 0, 1, 0, 0, 0, 1])
    assert tracks["prediction"].shape == (7,) and ((tracks["prediction"] > 0) & (tracks["prediction"] < 1)).all()
    assert int(tracks["dnase_resolution"]) == 25 and tracks["dnase"].shape == (28, 2)
    np.testing.assert_array_equal(tracks["dnase_position"][:5], [250, 275, 300, 325, 350])
    assert tracks["attribution"].shape == (100,) and np.abs(tracks["attribution"]).sum() > 0
    genome = "".join(Path(tiny_tensors / "genome.fa").read_text().split(">chr3\n")[1].split())
    assert str(tracks["bases"]) == genome[450:550] and "TGACTCA" in str(tracks["bases"])
    with pytest.raises(ValueError, match="no ROI bin overlaps"):
        attribution.locus_tracks(Locus("chr3", 5000, 6000, 5400, 5500), models, dna=tiny_tensors / "dna.npz",
                          dnase=tiny_tensors / "dnase.npz", counts=tiny_tensors / "dnase.npz",
                          labels=tiny_tensors / "labels.npz", test=["chr3"])


# ------------------------------------------------------------------------------------------- claims
def test_claims_of_a_small_grid_by_hand(tmp_path):
    rows = claims.claims(tables.collect_metrics(_table(tmp_path)))
    assert [c.case for c in rows] == ["jund"] * 7 == ["jund"] * len(claims.CLAIMS)
    assert [c.claim for c in rows] == [spec.claim for spec in claims.CLAIMS]
    got = [(c.reproduction, c.holds) for c in rows]
    # Test medians: order 1 0.265, order 3 0.465 (dropout 0); DNase none 0.215, tpm 0.365, zscorelog
    # 0.415; combined 0.795, best DNA (order 3, dropout 0.2) 0.565.
    assert got == [
        ("NA", None),
        ("+0.200", True),
        ("NA", None),
        ("none 0.215, tpm 0.365, zscorelog 0.415", True),
        ("none 0.215, tpm 0.365, zscorelog 0.415", True),
        ("NA", None),
        ("combined 0.795; best DNA 0.565, best DNase 0.415", True),
    ]
    assert rows[0].note == "orders 1 and 2 are not both in the grid"
    assert rows[1].note == "order 1 0.265, order 3 0.465; dropout 0; paper's magnitude 0.093"
    assert rows[2].note == "needs orders 1-3, each with and without input dropout"
    assert rows[5].note == "needs DNase models with and without flip"


def test_claims_without_the_case_or_its_columns():
    rows = claims.claims(None)
    assert len(rows) == 7 and all(c.reproduction == "NA" and c.holds is None for c in rows)
    assert {c.note for c in rows} == {"case not run in this configuration"}
    with pytest.raises(ValueError, match=r"jund metrics table lacks columns \['auprc'\]"):
        claims.claims(pd.DataFrame(columns=[c for c in claims.REQUIRED if c != "auprc"]))
    empty = claims.claims(pd.DataFrame(columns=claims.REQUIRED))
    assert all(c.holds is None for c in empty)
    assert empty[0].note == "no DNA model in the metrics"


def test_grid_and_claims_import_nothing_heavy():
    import subprocess
    import sys

    code = (
        "import sys, genomic_tensors.cases.jund, genomic_tensors.cases.jund.grid, "
        "genomic_tensors.cases.jund.claims\n"
        "heavy = {'tensorflow', 'keras', 'matplotlib', 'pysam', 'pyBigWig'} & set(sys.modules)\n"
        "assert not heavy, heavy"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


# ------------------------------------------------------------------- claims on hand-made metrics tables
jund_claims = claims.claims


def jund_table(dna=None, dnase=None, combined=None) -> pd.DataFrame:
    """Test rows (plus a distracting validation row per setting) from {setting: [auprc per replicate]}."""
    rows = []

    def add(model, order, dropout, norm, aug, values):
        for rep, value in enumerate(values):
            for split, v in (("validation", 0.99), ("test", value)):
                rows.append(
                    dict(
                        model=model,
                        order=order,
                        dropout=dropout,
                        normalization=norm,
                        augment=aug,
                        replicate=rep,
                        split=split,
                        auprc=v,
                        auroc=0.5,
                        n_positive=1,
                        n_total=2,
                    )
                )

    for (order, dropout), values in (dna or {}).items():
        add("dna", order, dropout, None, "none", values)
    for (norm, aug), values in (dnase or {}).items():
        add("dnase", None, None, norm, aug, values)
    if combined:
        add("combined", 3, 0.0, "zscorelog", "flip", combined)
    return pd.DataFrame(rows)


DNA_GOOD = {
    (1, 0.0): [0.30, 0.32, 0.34],
    (2, 0.0): [0.40, 0.41, 0.42],
    (3, 0.0): [0.45, 0.45, 0.46],
    (1, 0.2): [0.25, 0.26, 0.27],
    (2, 0.2): [0.35, 0.36, 0.37],
    (3, 0.2): [0.50, 0.50, 0.50],
}
DNASE_GOOD = {
    ("none", "none"): [0.20, 0.21],
    ("none", "flip"): [0.22, 0.23],
    ("tpm", "none"): [0.30, 0.31],
    ("tpm", "flip"): [0.32, 0.33],
    ("zscorelog", "none"): [0.40, 0.41],
    ("zscorelog", "flip"): [0.42, 0.43],
}


def by_claim(claims, text):
    (hit,) = [c for c in claims if text in c.claim]
    return hit


def test_jund_claims_hold_on_a_table_that_follows_the_paper():
    claims = jund_claims(jund_table(DNA_GOOD, DNASE_GOOD, [0.6, 0.7, 0.65]))
    assert len(claims) == 7
    assert all(c.holds is True for c in claims), claims
    order2 = by_claim(claims, "order 2 beats")
    assert order2.reproduction == "+0.090"  # median 0.41 - median 0.32, dropout 0 rows only
    assert by_claim(claims, "order 3 beats").reproduction == "+0.130"
    assert (
        by_claim(claims, "dropout").reproduction == "order 1 -0.060, order 2 -0.050, order 3 +0.050"
    )
    assert by_claim(claims, "both beat").reproduction == "none 0.215, tpm 0.315, zscorelog 0.415"
    assert by_claim(claims, "flip").reproduction == "+0.020"
    assert "best DNA 0.500, best DNase 0.425" in by_claim(claims, "combined").reproduction


def test_jund_claims_fail_on_a_table_against_the_paper():
    dna = {k: [1 - v for v in vals] for k, vals in DNA_GOOD.items()}  # every ordering reversed
    dnase = {
        ("none", "none"): [0.5],
        ("none", "flip"): [0.4],
        ("tpm", "none"): [0.3],
        ("tpm", "flip"): [0.2],
        ("zscorelog", "none"): [0.45],
        ("zscorelog", "flip"): [0.35],
    }
    claims = jund_claims(jund_table(dna, dnase, [0.3, 0.3]))
    assert [c.holds for c in claims] == [False] * 7
    assert by_claim(claims, "flip").reproduction == "-0.100"


def test_jund_best_normalization_is_a_separate_claim():
    dnase = {**DNASE_GOOD, ("tpm", "none"): [0.9], ("tpm", "flip"): [0.9]}
    claims = jund_claims(jund_table(DNA_GOOD, dnase, [0.95]))
    assert by_claim(claims, "both beat").holds is True
    assert by_claim(claims, "best DNase").holds is False


def test_jund_claims_are_na_for_runs_missing_from_the_grid():
    only_order1 = {(1, 0.0): [0.3]}
    claims = jund_claims(jund_table(only_order1, None, None))
    assert all(c.holds is None and c.reproduction == "NA" for c in claims)
    assert "orders 1 and 2" in by_claim(claims, "order 2 beats").note
    assert all(c.holds is None for c in jund_claims(None))

"""Case 1 (JunD) end to end on the demo world: every rule runs, the outputs exist with the contracted
schema, and the paper's qualitative findings hold on the planted biology."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from genomic_tensors.cases.jund import tables as jund
from genomic_tensors.cases.jund.locus import read_locus

REPO = Path(__file__).resolve().parents[1]
DEMO = yaml.safe_load((REPO / "config" / "demo.yaml").read_text())
FIGURES = [f"results/figures/fig2{p}.{ext}" for p in "abcd" for ext in ("png", "svg")]
BIGWIGS = [f"results/jund/predictions/{f}.test.bigwig" for f in ("dna", "dnase", "combined")]
TARGETS = ["results/jund/metrics.tsv", *BIGWIGS, *FIGURES]


@pytest.fixture(scope="module")
def demo(demo_workflow) -> Path:
    return demo_workflow(TARGETS)


@pytest.fixture(scope="module")
def metrics(demo) -> pd.DataFrame:
    return jund.read_metrics(demo / "results" / "jund" / "metrics.tsv")


def _median(rows: pd.DataFrame) -> float:
    return float(rows["auprc"].median())


def _test(metrics: pd.DataFrame, model: str) -> pd.DataFrame:
    return metrics[(metrics["split"] == "test") & (metrics["model"] == model)]


def test_metrics_hold_every_model_on_both_splits(metrics):
    cfg = DEMO["jund"]
    reps = cfg["replicates"]
    n_dna = len(cfg["dna"]["orders"]) * len(cfg["dna"]["dropout"]) * reps
    n_dnase = len(cfg["dnase_model"]["normalizations"]) * len(cfg["dnase_model"]["augment"]) * reps
    assert tuple(metrics.columns) == jund.METRIC_COLUMNS
    assert len(metrics) == 2 * (n_dna + n_dnase + reps)
    assert metrics.groupby("split").size().to_dict() == {"test": n_dna + n_dnase + reps,
                                                          "validation": n_dna + n_dnase + reps}
    assert metrics["auprc"].between(0, 1).all() and metrics["auroc"].between(0, 1).all()
    test = metrics[metrics["split"] == "test"]
    assert test["n_total"].nunique() == 1 and (test["n_positive"] > 0).all()


def test_higher_order_encodings_beat_order_one(metrics):
    dna = _test(metrics, "dna")
    by_order = {order: _median(dna[dna["order"] == order]) for order in (1, 2, 3)}
    assert by_order[3] > by_order[1], by_order
    assert by_order[2] > by_order[1], by_order


def test_normalization_beats_raw_counts_under_the_replicate_swap(metrics):
    dnase = _test(metrics, "dnase")
    by_norm = {norm: _median(dnase[dnase["normalization"] == norm]) for norm in ("none", "tpm", "zscorelog")}
    assert by_norm["zscorelog"] > by_norm["none"], by_norm
    assert by_norm["tpm"] > by_norm["none"], by_norm


def test_combined_model_beats_every_single_modality_setting(metrics):
    best_single = max(
        max(_median(g) for _, g in _test(metrics, "dna").groupby(["order", "dropout"])),
        max(_median(g) for _, g in _test(metrics, "dnase").groupby(["normalization", "augment"])),
    )
    assert _median(_test(metrics, "combined")) > best_single


def test_attribution_peaks_over_a_planted_motif(demo):
    with np.load(demo / "results" / "jund" / "locus" / "tracks.npz") as data:
        tracks = dict(data)
    chrom = str(tracks["locus"][0])
    start = int(tracks["attribution_start"])
    attribution = np.asarray(tracks["attribution"], dtype=float)
    assert len(attribution) == 100 and len(str(tracks["bases"])) == 100
    # The strongest positive stretch (7-bp running sum, the motif's length) lies on a planted site.
    smooth = np.convolve(attribution, np.ones(7), mode="same")
    peak = start + int(np.argmax(smooth))
    sites = pd.read_csv(demo / "results" / "demo" / "world" / "truth" / "jund_sites.bed", sep="\t",
                        header=None, comment="#", usecols=[0, 1, 2], names=["chrom", "start", "end"])
    sites = sites[sites["chrom"] == chrom]
    assert ((sites["start"] - 3 <= peak) & (peak < sites["end"] + 3)).any(), (chrom, peak)


def test_predictions_are_exported_as_bigwigs_of_the_test_chromosome(demo):
    import pyBigWig

    for path in BIGWIGS:
        with pyBigWig.open(str(demo / path)) as bw:
            assert set(bw.chroms()) == set(DEMO["jund"]["test"])
            chrom = DEMO["jund"]["test"][0]
            values = np.array([v for _, _, v in bw.intervals(chrom)])
            assert len(values) > 100 and ((values >= 0) & (values <= 1)).all()


def test_figures_are_written(demo):
    for path in FIGURES:
        assert (demo / path).stat().st_size > 2000, path


def test_every_rule_runs_on_a_tiny_config(demo_workflow, demo, tmp_path):
    """The whole case with the smallest grid (one point per axis where possible), on the demo world."""
    config = yaml.safe_load((REPO / "config" / "demo.yaml").read_text())
    config["cases"] = ["jund"]
    tiny = config["jund"]
    tiny.update(replicates=1)
    tiny["dna"].update(orders=[1, 3], dropout=[0.0], epochs=1)
    tiny["dnase_model"].update(normalizations=["none", "zscorelog"], augment=["flip"], epochs=1)
    tiny["combined"].update(epochs=1)
    # A locus given in the config: the auto-chosen demo locus, written back as text.
    auto = read_locus(demo / "results" / "jund" / "locus" / "locus.tsv")
    tiny["locus"] = {"region": f"{auto.chrom}:{auto.start}-{auto.end}",
                     "attribution": f"{auto.chrom}:{auto.attribution_start}-{auto.attribution_end}"}
    configfile = tmp_path / "tiny.yaml"
    configfile.write_text(yaml.safe_dump(config))
    workdir = Path(os.environ.get("GT_DEMO_DIR", REPO / ".test-cache" / "demo")).parent / "jund-tiny"
    shutil.rmtree(workdir / "results" / "jund", ignore_errors=True)
    world = workdir / "results" / "demo" / "world"
    if not world.exists():  # reuse the shared demo run's world instead of generating it again
        world.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(demo / "results" / "demo" / "world", world)  # a copy: links would share mtimes
    demo_workflow(TARGETS, configfile=configfile, workdir=workdir)
    metrics = jund.read_metrics(workdir / "results" / "jund" / "metrics.tsv")
    assert len(metrics) == 2 * (2 + 2 + 1)
    assert read_locus(workdir / "results" / "jund" / "locus" / "locus.tsv").source == "config"

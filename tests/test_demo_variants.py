"""Variant effects end to end on the demo world: the world's VCF (planted site-destroying, site-creating and
neutral SNVs, one REF that disagrees with the genome) scored in two parts with every JunD DNA model and
every DeepSEA/DanQ run; the JunD order-3 models separate the planted classes.

Measured by hand on the previous demo run's models (auROC of -diff, destroy vs neutral, per model):
order 1 0.40-1.00 (median at dropout 0: 0.79), order 2 0.74-1.00 (0.86), order 3 0.92-0.97 (0.95).
"""

from __future__ import annotations

from pathlib import Path

import h5py
import pandas as pd
import pytest
import yaml

from genomic_tensors.cases.deepsea.grid import expand_grid
from genomic_tensors.cases.effects import JUND_COLUMNS, TOP_COLUMNS
from genomic_tensors.cases.effects_report import model_aurocs, planted_classes

REPO = Path(__file__).resolve().parents[1]
DEMO = yaml.safe_load((REPO / "config" / "demo.yaml").read_text())
RUNS = [f"{r.model}_w{r.window}_o{r.order}_{r.strands}" for r in expand_grid(DEMO["deepsea"]["grid"])]
FIGURES = [f"results/figures/variant_effects.{ext}" for ext in ("png", "svg")]
SUMMARY = "results/summary/paper_vs_reproduction.tsv"
TARGETS = ["results/variants/jund_effects.tsv", "results/variants/deepsea_top.tsv", *FIGURES, SUMMARY]


@pytest.fixture(scope="module")
def demo(demo_workflow) -> Path:
    return demo_workflow(TARGETS)


@pytest.fixture(scope="module")
def jund(demo) -> pd.DataFrame:
    return pd.read_csv(demo / "results" / "variants" / "jund_effects.tsv", sep="\t")


def test_jund_table_has_every_model_and_variant(demo, jund):
    cfg = DEMO["jund"]
    n_models = len(cfg["dna"]["orders"]) * len(cfg["dna"]["dropout"]) * cfg["replicates"]
    assert list(jund.columns) == JUND_COLUMNS
    assert jund.groupby(["order", "dropout", "replicate"]).ngroups == n_models
    assert (jund.groupby("variant_id").size() == n_models).all()
    assert jund["pos"].min() >= 1 and jund[["ref_score", "alt_score"]].stack().between(0, 1).all()


def test_order_three_separates_destroy_from_neutral(demo, jund):
    classes = planted_classes(demo / "results" / "demo" / "world" / "variants.vcf.gz")
    aurocs = model_aurocs(jund, classes)
    order3 = aurocs.loc[aurocs["order"] == 3, "auroc"]
    assert len(order3) == len(DEMO["jund"]["dna"]["dropout"]) * DEMO["jund"]["replicates"]
    assert order3.median() >= 0.9, aurocs


def test_the_ref_mismatch_is_flagged_and_scored(jund):
    flagged = jund[~jund["ref_match"]]
    assert flagged["variant_id"].nunique() == 1
    # Scored on the genome's base: real predictions, not an effect of 0 in every model.
    assert (flagged["ref_score"] > 0).all() and (flagged["diff"] != 0).any()


def test_deepsea_outputs(demo):
    for run in RUNS:
        with h5py.File(demo / "results" / "variants" / "deepsea" / f"{run}.h5") as h5:
            n, f = h5["logodds"].shape
            assert n > 0 and f == len(h5.attrs["names"]) and h5["diff"].dtype.name == "float32"
            assert h5["variants/variant_id"].shape == (n,)
    top = pd.read_csv(demo / "results" / "variants" / "deepsea_top.tsv", sep="\t")
    assert list(top.columns) == TOP_COLUMNS and set(top["run"]) == set(RUNS)
    assert set(top["rank"]) == set(range(1, DEMO["variants"]["top"] + 1))


def test_figure_and_summary_rows(demo):
    assert all((demo / f).stat().st_size > 0 for f in FIGURES)
    summary = pd.read_csv(demo / SUMMARY, sep="\t", keep_default_na=False)
    rows = summary[summary["case"] == "variants"]
    assert len(rows) == 2 and (rows["reproduction"] != "NA").all()

"""Case study 3 through the workflow: the paper's plan (dry run) and the demo world's results."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest
import yaml

from genomic_tensors.cases.cage.tables import METRIC_COLUMNS

REPO = Path(__file__).resolve().parents[1]
SNAKEMAKE = str(Path(sys.executable).parent / "snakemake")
TARGETS = [
    "results/cage/metrics.tsv",
    "results/tables/table1.tsv",
    "results/tables/table1.md",
    "results/figures/fig4.png",
    "results/figures/fig4.svg",
]


def _dry_run(configfile: Path, workdir: Path) -> str:
    result = subprocess.run(
        [
            SNAKEMAKE, "-n", "--snakefile", str(REPO / "workflow" / "Snakefile"),
            "--configfile", str(configfile), "--directory", str(workdir), "--", *TARGETS,
        ],
        capture_output=True, text=True, timeout=600,
        env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2"),
    )
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
    return result.stdout


def _training_jobs(plan: str) -> list[dict[str, str]]:
    """Wildcards and resources of every planned cage_train job of a dry run's output."""
    jobs = []
    for block in re.split(r"\n(?=(?:local)?rule )", plan):
        if not block.startswith("rule cage_train:"):
            continue
        wildcards = dict(re.findall(r"(cage_\w+)=([^,\s]+)", re.search(r"wildcards: (.*)", block)[1]))
        resources = re.search(r"resources: (.*)", block)
        wildcards["resources"] = resources[1] if resources else ""
        jobs.append(wildcards)
    return jobs


def test_paper_dry_run_plans_the_cage_grid(tmp_path):
    config = yaml.safe_load((REPO / "config" / "config.yaml").read_text())["cage"]
    # The paper's hyper-parameters and splits (Kopp et al. 2020, case 3).
    assert config["test"] == ["chr1"]
    assert config["folds"] == [f"chr{i}" for i in range(2, 23)]
    assert config["orders"] == [1, 2, 3]
    assert (config["epochs"], config["batch_size"], config["dropout"]) == (100, 64, 0.2)
    assert config["flanks"] == {"dna": 350, "cage": 400, "chromatin": 200}
    assert config["promoter"] == {"upstream": 200, "gene_type": "protein_coding"}

    plan = _dry_run(REPO / "config" / "config.yaml", tmp_path)
    jobs = _training_jobs(plan)
    per_run = Counter(job["cage_run"] for job in jobs)
    assert per_run == {
        **{f"{m}_order{k}": 21 for m in ("dna", "combined") for k in (1, 2, 3)},
        "chromatin": 21,
    }
    assert len(jobs) == 3 * 21 + 3 * 21 + 21
    assert {job["cage_fold"] for job in jobs} == set(config["folds"])
    assert all("gpu=1" in job["resources"] for job in jobs)
    # Every real source of case 3 is planned for download or preparation.
    for accession in ("ENCFF177HHM", "ENCFF591XCX", "ENCFF736LHE"):
        assert accession in plan
    for rule in ("cage_signals", "cage_metrics", "cage_table1", "cage_fig4"):
        assert re.search(rf"^rule {rule}:", plan, re.M), rule


def test_demo_dry_run_plans_the_reduced_grid(tmp_path):
    config = yaml.safe_load((REPO / "config" / "demo.yaml").read_text())["cage"]
    jobs = _training_jobs(_dry_run(REPO / "config" / "demo.yaml", tmp_path))
    runs = 2 * len(config["orders"]) + 1
    assert len(jobs) == runs * len(config["folds"])


# ------------------------------------------------------------------------------------ the demo world
@pytest.fixture(scope="module")
def demo(demo_workflow):
    return demo_workflow(TARGETS)


@pytest.mark.slow
def test_demo_outputs(demo):
    config = yaml.safe_load((REPO / "config" / "demo.yaml").read_text())["cage"]
    metrics = pd.read_csv(demo / "results/cage/metrics.tsv", sep="\t")
    assert list(metrics.columns) == METRIC_COLUMNS
    assert len(metrics) == (2 * len(config["orders"]) + 1) * len(config["folds"])
    assert metrics.loc[metrics["model"] == "chromatin", "order"].isna().all()
    assert set(metrics["fold"]) == set(config["folds"])
    assert (metrics["n_test"] > 0).all() and metrics["pearson"].notna().all()
    table = pd.read_csv(demo / "results/tables/table1.tsv", sep="\t")
    assert table["model"].tolist() == ["dna", "chromatin", "combined"]
    assert "paper" in (demo / "results/tables/table1.md").read_text()
    assert (demo / "results/figures/fig4.png").stat().st_size > 10_000
    assert "F = " in (demo / "results/figures/fig4.svg").read_text()


def _means(demo: Path) -> pd.Series:
    metrics = pd.read_csv(demo / "results/cage/metrics.tsv", sep="\t")
    return metrics.groupby(["model", metrics["order"].fillna(0).astype(int)])["pearson"].mean()


@pytest.mark.slow
def test_demo_chromatin_beats_dna(demo):
    mean = _means(demo)
    assert mean[("chromatin", 0)] > mean["dna"].max(), mean.round(3).to_dict()


@pytest.mark.slow
def test_demo_dna_order3_beats_order1(demo):
    mean = _means(demo)["dna"]
    assert mean[max(mean.index)] > mean[min(mean.index)], mean.round(3).to_dict()


@pytest.mark.slow
def test_demo_combined_at_least_chromatin(demo):
    mean = _means(demo)
    assert mean["combined"].max() >= mean[("chromatin", 0)], mean.round(3).to_dict()

"""Case 2 end to end on the demo world: the workflow builds the metrics table, the summary and Fig. 3a-c /
Supplementary Fig. 1, and the paper's qualitative findings hold on the demo features."""

from __future__ import annotations

import pandas as pd
import pytest

from genomic_tensors.cases.deepsea.features import CATEGORIES, read_features
from genomic_tensors.cases.deepsea.figures import FIGURES
from genomic_tensors.cases.deepsea.tables import METRIC_COLUMNS

pytestmark = pytest.mark.slow

TARGETS = [
    "results/deepsea/metrics.tsv",
    "results/tables/deepsea_summary.tsv",
    *[f"results/figures/{fig}.{ext}" for fig in FIGURES for ext in ("png", "svg")],
]


@pytest.fixture(scope="module")
def demo(demo_workflow):
    return demo_workflow(TARGETS)


@pytest.fixture(scope="module")
def metrics(demo) -> pd.DataFrame:
    return pd.read_csv(demo / "results/deepsea/metrics.tsv", sep="\t")


@pytest.fixture(scope="module")
def summary(demo) -> pd.DataFrame:
    return pd.read_csv(demo / "results/tables/deepsea_summary.tsv", sep="\t")


def test_outputs_exist(demo):
    for target in TARGETS:
        path = demo / target
        assert path.is_file() and path.stat().st_size > 0, target


def test_metrics_table_contract(demo, metrics):
    assert list(metrics.columns) == METRIC_COLUMNS
    features = read_features(demo / "results/deepsea/features.tsv")
    runs = metrics[["model", "window", "order", "strands"]].drop_duplicates()
    assert len(metrics) == len(runs) * len(features)
    assert set(metrics["category"]) <= set(CATEGORIES)
    assert set(metrics["model"]) == {"deepsea", "danq"}
    assert metrics["auprc"].dropna().between(0, 1).all()
    assert (metrics["n_positive"] >= 0).all()


def test_danq_beats_deepsea(metrics):
    med = metrics.groupby("model")["auprc"].median()
    assert med["danq"] >= med["deepsea"], med.to_dict()


def test_histone_gains_more_from_context_than_tf(summary):
    ctx = summary[
        (summary["claim"] == "context")
        & (summary["model"] == "danq")
        & (summary["order"] == summary["order"].max())
        & (summary["statistic"] == "median_delta_auprc")
    ].set_index("category")["value"]
    assert ctx["Histone"] > ctx["TF"], ctx.to_dict()


def test_higher_order_helps_tf_features(summary):
    gain = summary[
        (summary["claim"] == "order")
        & (summary["model"] == "danq")
        & (summary["statistic"] == "median_delta_auprc")
    ].set_index("category")["value"]
    assert gain["TF"] >= 0, gain.to_dict()

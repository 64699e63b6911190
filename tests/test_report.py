"""The HTML report of the demo run: every figure and table of the three cases, the summary and the config."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
SNAKEMAKE = str(Path(sys.executable).parent / "snakemake")
DEMO = REPO / "config" / "demo.yaml"
FIGURES = ["fig2a", "fig2b", "fig2c", "fig2d", "fig3a", "fig3b", "fig3c", "figS1", "fig4", "variant_effects"]
TABLES = [
    "results/tables/table1.tsv",
    "results/tables/deepsea_summary.tsv",
    "results/summary/paper_vs_reproduction.tsv",
    "results/summary/paper_vs_reproduction.md",
    "results/summary/config.yaml",
]


def report(workdir: Path, path: Path) -> subprocess.CompletedProcess:
    cmd = [
        SNAKEMAKE,
        "--snakefile", str(REPO / "workflow" / "Snakefile"),
        "--configfile", str(DEMO),
        "--directory", str(workdir),
        "--report", str(path),
    ]  # fmt: skip
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=600, env=env)
    if result.returncode != 0:
        pytest.fail(f"snakemake --report failed:\n{result.stdout[-3000:]}\n{result.stderr[-6000:]}")
    return result


@pytest.fixture(scope="module")
def demo_report(demo_workflow, tmp_path_factory):
    """The demo run's outputs (built when missing) and its report as a zip archive."""
    workdir = demo_workflow(["all"])
    path = tmp_path_factory.mktemp("report") / "report.zip"
    report(workdir, path)
    return workdir, path


def test_report_zip_holds_every_figure_table_and_the_config(demo_report):
    _, path = demo_report
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
    assert any(name.endswith("report.html") for name in names), names[:20]
    for fig in FIGURES:
        assert any(name.endswith(f"/{fig}.png") for name in names), fig
    for table in TABLES:  # the archive keeps base names (under one hashed folder each)
        assert any(name.endswith("/" + Path(table).name) for name in names), table
    # One category per case, plus the summary.
    with zipfile.ZipFile(path) as archive:
        html = "".join(
            archive.read(name).decode("utf-8", "replace")
            for name in names
            if name.endswith((".html", ".js"))
        )
    for category in ["Case 1: JunD", "Case 2: DeepSEA and DanQ", "Case 3: CAGE", "Variant effects", "Summary"]:
        assert category in html, category


def test_summary_and_config_of_the_demo_run(demo_report):
    workdir, _ = demo_report
    rows = (workdir / "results/summary/paper_vs_reproduction.tsv").read_text().splitlines()
    assert rows[0].split("\t") == ["case", "claim", "paper", "reproduction", "holds", "note"]
    assert len(rows) == 1 + 7 + 9 + 9 + 2  # + the variant effect rows
    # The demo runs every case: only claims whose runs the demo grid lacks are NA.
    holds = [row.split("\t")[4] for row in rows[1:]]
    assert set(holds) <= {"True", "False", "NA"} and holds.count("NA") < len(holds) // 2
    config = yaml.safe_load((workdir / "results/summary/config.yaml").read_text())
    assert config["run_name"] == "demo" and config["cases"] == ["jund", "deepsea", "cage"]
    assert config["training"]["patience"] == 5


def test_single_file_html_report(demo_report, tmp_path):
    workdir, _ = demo_report
    path = tmp_path / "report.html"
    report(workdir, path)
    text = path.read_text(errors="replace")
    assert "paper_vs_reproduction" in text and "fig4.png" in text

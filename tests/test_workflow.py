"""The workflow as a whole: config validation, lint, formatting and the demo dry run."""

from __future__ import annotations

import copy
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from snakemake.exceptions import WorkflowError
from snakemake.utils import validate

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
SNAKEMAKE = str(BIN / "snakemake")
SCHEMA = REPO / "workflow" / "schemas" / "config.schema.yaml"


def load(name: str) -> dict:
    return yaml.safe_load((REPO / "config" / name).read_text())


def run_snakemake(*args: str, cwd: Path = REPO, timeout: int = 300) -> subprocess.CompletedProcess:
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    return subprocess.run(
        [SNAKEMAKE, "--snakefile", str(REPO / "workflow" / "Snakefile"), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )


@pytest.mark.parametrize("name", ["config.yaml", "demo.yaml"])
def test_shipped_configs_are_valid(name):
    config = load(name)
    validate(config, str(SCHEMA))
    # Defaults from the schema are filled in.
    assert config["training"]["patience"] == 5
    assert config["jund"]["roi"]["binsize"] == 200


def test_demo_and_paper_configs_differ_only_in_sources_and_sizes():
    paper, demo = load("config.yaml"), load("demo.yaml")
    # `variants` is optional: the demo scores the world's VCF, the paper config shows how to add one.
    assert set(paper) - {"world"} == set(demo) - {"world", "variants"}
    assert "variants" in demo and "# variants:" in (REPO / "config" / "config.yaml").read_text()
    for case in ("jund", "deepsea", "cage"):
        assert set(demo[case]) <= set(paper[case]), f"{case}: demo has keys the paper lacks"
    # The split chromosomes of the paper exist in the demo, as config values.
    assert demo["jund"]["validation"] == paper["jund"]["validation"] == ["chr2"]
    assert demo["jund"]["test"] == paper["jund"]["test"] == ["chr3"]
    assert demo["cage"]["test"] == paper["cage"]["test"] == ["chr1"]
    assert demo["deepsea"]["regions"]["test"] == paper["deepsea"]["regions"]["test"]


@pytest.mark.parametrize(
    "path, key",
    [
        ((), "replicatez"),
        (("jund",), "replicatez"),
        (("jund", "dna"), "order"),
        (("cage",), "fold"),
        (("deepsea", "regions"), "min_overlp"),
    ],
)
def test_schema_rejects_misspelt_key_and_names_it(path, key):
    config = copy.deepcopy(load("demo.yaml"))
    node = config
    for part in path:
        node = node[part]
    node[key] = 1
    with pytest.raises(WorkflowError, match=key):
        validate(config, str(SCHEMA))


def test_schema_rejects_bad_values():
    config = load("demo.yaml")
    config["jund"]["dna"]["orders"] = [4]
    with pytest.raises(WorkflowError, match="4"):
        validate(config, str(SCHEMA))


def test_misspelt_key_stops_the_workflow_with_its_name(tmp_path):
    config = load("demo.yaml")
    config["jund"]["replicatse"] = 3
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(config))
    result = run_snakemake("-n", "--configfile", str(bad), "--directory", str(tmp_path))
    assert result.returncode != 0
    assert "replicatse" in result.stdout + result.stderr


def test_configfile_replaces_the_paper_config(tmp_path):
    """`--configfile demo.yaml` must not inherit the paper's sources or locus (no merge)."""
    result = run_snakemake(
        "-n", "--configfile", str(REPO / "config" / "demo.yaml"), "--directory", str(tmp_path),
        "--quiet", "rules",
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "ENCFF" not in result.stdout


def test_lint_is_clean(tmp_path):
    result = run_snakemake(
        "--lint", "--configfile", str(REPO / "config" / "demo.yaml"), "--directory", str(tmp_path)
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    assert "Lints for" not in output, output[-3000:]


def test_snakefmt_check_passes():
    snakefmt = shutil.which("snakefmt", path=str(BIN)) or "snakefmt"
    result = subprocess.run(
        [snakefmt, "--check", str(REPO / "workflow")], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_demo_dry_run_plans_the_world(tmp_path):
    result = run_snakemake(
        "-n", "--configfile", str(REPO / "config" / "demo.yaml"), "--directory", str(tmp_path)
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "demo_world" in result.stdout

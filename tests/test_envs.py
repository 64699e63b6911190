"""Conda environments: parse, pinned exactly, in agreement with the pip pins, and used by every rule.

Conda itself cannot run on our machines, so these checks are static.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
ENVS = sorted((REPO / "envs").glob("*.yaml"))
# Binaries and interpreters that conda provides but pip does not (the Makefile gets them from apt).
CONDA_ONLY = {"python", "pip", "bedtools", "samtools", "htslib"}


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pip_pins() -> dict[str, str]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    pins = {}
    for spec in project["dependencies"] + project["optional-dependencies"]["dev"]:
        name, _, version = spec.partition("==")
        assert version, f"pyproject.toml: {spec!r} is not pinned exactly (name==version)"
        pins[canonical(name)] = version
    return pins


def env_pins(path: Path) -> dict[str, str]:
    env = yaml.safe_load(path.read_text())
    pins = {}
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            for spec in dep.get("pip", []):
                name, _, version = spec.partition("==")
                pins[canonical(name)] = version
            continue
        name, _, version = dep.partition("=")
        pins[canonical(name)] = version
    return pins


def test_there_is_one_env_per_rule_family():
    assert {p.stem for p in ENVS} >= {"data", "train", "plot"}


@pytest.mark.parametrize("path", ENVS, ids=lambda p: p.name)
def test_env_channels_and_exact_pins(path):
    env = yaml.safe_load(path.read_text())
    assert env["channels"] == ["conda-forge", "bioconda", "nodefaults"]
    for name, version in env_pins(path).items():
        assert re.fullmatch(r"\d+(\.\d+)*", version), f"{path.name}: {name} is not pinned exactly"


@pytest.mark.parametrize("path", ENVS, ids=lambda p: p.name)
def test_env_versions_agree_with_pip_pins(path):
    pins = pip_pins()
    for name, version in env_pins(path).items():
        if name in CONDA_ONLY:
            continue
        assert name in pins, f"{path.name}: {name} is not among the pip pins of pyproject.toml"
        assert version == pins[name], f"{path.name}: {name}={version}, pyproject.toml says {pins[name]}"


def rule_blocks(text: str) -> list[tuple[str, str]]:
    """(name, body) of every rule and checkpoint in a rules file."""
    parts = re.split(r"^\s*(?:rule|checkpoint) (\w+):", text, flags=re.M)
    return list(zip(parts[1::2], parts[2::2]))


def test_every_rule_that_runs_code_names_an_existing_env():
    found = 0
    for smk in sorted((REPO / "workflow" / "rules").glob("*.smk")):
        for name, body in rule_blocks(smk.read_text()):
            if "script:" not in body and "shell:" not in body:
                continue  # pure aggregation: nothing runs
            match = re.search(r'conda:\s*\n\s*"([^"]+)"', body)
            assert match, f"{smk.name}: rule {name} has no conda: directive"
            assert (smk.parent / match.group(1)).resolve().is_file(), (
                f"{smk.name}: rule {name} names {match.group(1)}, which does not exist"
            )
            found += 1
    assert found > 0

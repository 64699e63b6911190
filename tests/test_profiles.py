"""The cluster and workstation profiles name real rules and stay out of the default profile."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]


def rule_names() -> set[str]:
    names = set()
    for smk in (REPO / "workflow" / "rules").glob("*.smk"):
        names |= set(re.findall(r"^\s*(?:rule|checkpoint) (\w+):", smk.read_text(), flags=re.M))
    return names


def test_slurm_profile_targets_existing_rules_and_the_gpu_partition():
    profile = yaml.safe_load((REPO / "profiles" / "slurm" / "config.yaml").read_text())
    assert profile["executor"] == "slurm"
    assert {"mem_mb", "runtime", "slurm_partition"} <= set(profile["default-resources"])
    unknown = set(profile["set-resources"]) - rule_names()
    assert not unknown, f"profiles/slurm names rules that do not exist: {sorted(unknown)}"
    training = {name for name in rule_names() if "_train" in name}
    assert training <= set(profile["set-resources"]), "every training rule gets the GPU partition"


def test_training_rules_declare_gpu_memory_and_runtime():
    for smk in (REPO / "workflow" / "rules").glob("*.smk"):
        blocks = re.split(r"^\s*rule (\w+):", smk.read_text(), flags=re.M)
        for name, body in zip(blocks[1::2], blocks[2::2]):
            if "_train" in name:
                for resource in ("gpu=", "mem_mb=", "runtime="):
                    assert resource in body, f"{smk.name}: rule {name} lacks {resource}"


def test_local_profile_serialises_gpu_jobs():
    profile = yaml.safe_load((REPO / "profiles" / "local" / "config.yaml").read_text())
    assert "gpu=1" in profile["resources"]


def test_no_cluster_settings_in_a_default_profile():
    default = REPO / "workflow" / "profiles" / "default" / "config.yaml"
    if default.exists():
        assert "default-resources" not in yaml.safe_load(default.read_text())

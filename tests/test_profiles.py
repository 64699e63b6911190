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


def rule_bodies() -> dict[str, str]:
    bodies = {}
    for smk in (REPO / "workflow" / "rules").glob("*.smk"):
        blocks = re.split(r"^\s*rule (\w+):", smk.read_text(), flags=re.M)
        bodies.update(zip(blocks[1::2], blocks[2::2]))
    return bodies


def gpu_rules() -> set[str]:
    """Rules that run in the TensorFlow environment chosen by training.gpus (train, evaluate, attribute)."""
    return {name for name, body in rule_bodies().items() if re.search(r"conda:\s*\n\s*TRAIN_ENV", body)}


def test_gpu_rules_are_the_ones_that_train_or_predict():
    assert {"jund_train", "deepsea_train",
            "deepsea_evaluate", "cage_train", "jund_attribution"} <= gpu_rules()


def test_gpu_rules_declare_gpu_memory_and_runtime_and_pass_the_compute_settings():
    bodies = rule_bodies()
    for name in gpu_rules() | {n for n in bodies if "_train" in n}:
        for resource in ("gpu=", "mem_mb=", "runtime=", "compute=COMPUTE"):
            assert resource in bodies[name], f"rule {name} lacks {resource}"


def test_gpu_rules_get_the_gpu_partition():
    profile = yaml.safe_load((REPO / "profiles" / "slurm" / "config.yaml").read_text())
    for name in gpu_rules():
        assert profile["set-resources"][name]["slurm_partition"] == "GPU_PARTITION", name


def test_heavy_rules_ask_for_more_memory_and_time_on_a_retry():
    bodies = rule_bodies()
    for name in gpu_rules() | {"deepsea_labels", "deepsea_sequence", "cage_signals", "jund_dnase_counts"}:
        for resource in ("mem_mb", "runtime"):
            # scaled_resource(base) (common.smk), or a named function of the rule's family that calls scaled().
            assert re.search(rf"{resource}=(scaled_resource\(\d+\)|{name}_{resource}\b)", bodies[name]), (
                f"rule {name}: {resource} does not grow with the attempt"
            )
    profile = yaml.safe_load((REPO / "profiles" / "slurm" / "config.yaml").read_text())
    assert profile["retries"] >= 1


def test_local_profile_serialises_gpu_jobs():
    profile = yaml.safe_load((REPO / "profiles" / "local" / "config.yaml").read_text())
    assert "gpu=1" in profile["resources"]


def test_no_cluster_settings_in_a_default_profile():
    default = REPO / "workflow" / "profiles" / "default" / "config.yaml"
    if default.exists():
        assert "default-resources" not in yaml.safe_load(default.read_text())

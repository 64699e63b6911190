"""The cluster test's pieces that run without Slurm: its config, its scripts, its checks.

The test itself (``make test-cluster``, tests/cluster/run.sh) needs root and starts a Slurm; here we
check that its tiny config is valid and small, that the profile still holds the placeholders run.sh
replaces, that run.sh skips cleanly for other users, and the checks of tests/cluster/check_run.py on
hand-made sacct rows, logs and run directories.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
CLUSTER = REPO / "tests" / "cluster"


def _load_check_run():
    spec = importlib.util.spec_from_file_location("check_run", CLUSTER / "check_run.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


check_run = _load_check_run()


# ---------------------------------------------------------------------------------- config, scripts
def test_tiny_config_validates_and_has_one_job_per_training_rule():
    from snakemake.utils import validate

    from genomic_tensors.synthetic import WorldParams

    config = yaml.safe_load((CLUSTER / "tiny.yaml").read_text())
    validate(config, str(REPO / "workflow" / "schemas" / "config.schema.yaml"))
    params = WorldParams.from_mapping(config["world"])
    assert len(params.chrom_sizes) == 3 and sum(params.chrom_sizes) <= 600_000
    assert config["cases"] == ["jund"]
    assert config["training"]["gpus"] == 0
    jund = config["jund"]
    assert jund["replicates"] == 1
    assert len(jund["dna"]["orders"]) * len(jund["dna"]["dropout"]) == 1
    assert len(jund["dnase_model"]["normalizations"]) * len(jund["dnase_model"]["augment"]) == 1
    # The validation and test chromosomes exist in the small world.
    assert {*config["jund"]["validation"], *config["jund"]["test"]} <= {"chr1", "chr2", "chr3"}


def test_profile_holds_the_placeholders_run_sh_replaces():
    text = (REPO / "profiles" / "slurm" / "config.yaml").read_text()
    for placeholder in ('"CPU_PARTITION"', '"GPU_PARTITION"', '"ACCOUNT"'):
        assert placeholder in text, f"run.sh replaces {placeholder} in the profile copy"
    profile = yaml.safe_load(text)
    default, per_rule = check_run.rule_partitions(profile)
    assert default == "CPU_PARTITION"
    assert {"jund_train"} <= {
        rule for rule, partition in per_rule.items() if partition == "GPU_PARTITION"
    }


@pytest.mark.parametrize("script", ["run.sh", "slurm_up.sh", "slurm_down.sh"])
def test_scripts_parse(script):
    path = CLUSTER / script
    assert os.access(path, os.X_OK), f"{path} is not executable"
    subprocess.run(["bash", "-n", str(path)], check=True)


def test_run_sh_skips_for_other_users(tmp_path):
    command = [str(CLUSTER / "run.sh")]
    if os.geteuid() == 0:
        if shutil.which("setpriv") is None:
            pytest.skip("running as root without setpriv to drop privileges")
        command = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *command]
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "CLUSTER_TEST_DIR": str(tmp_path / "w")}
    result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "SKIPPED: needs root" in result.stdout
    assert not (tmp_path / "w").exists()


def test_slurm_down_without_state_is_a_no_op(tmp_path):
    result = subprocess.run(
        [str(CLUSTER / "slurm_down.sh"), str(tmp_path)], capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 0
    assert "nothing to stop" in result.stdout


# --------------------------------------------------------------------------------------- sacct rows
SACCT = """\
1|cpu|gtest|COMPLETED|0:0|rule_demo_world
2|cpu|gtest|COMPLETED|0:0|rule_index_bam_wildcards_demo_dnase_encode
3|gpu|gtest|COMPLETED|0:0|rule_jund_train_wildcards_1_0_1
"""


def test_parse_sacct_reads_rule_names_from_comments():
    jobs = check_run.parse_sacct(SACCT + "\n")
    assert [job.rule for job in jobs] == ["demo_world", "index_bam", "jund_train"]
    assert jobs[2] == check_run.SlurmJob("3", "gpu", "gtest", "COMPLETED", "0:0", "jund_train")


def test_parse_sacct_rejects_short_rows_and_foreign_comments():
    with pytest.raises(
        ValueError, match=r"sacct line 2: 5 fields in '2\|cpu\|gtest\|COMPLETED\|0:0'"
    ):
        check_run.parse_sacct("1|cpu|gtest|COMPLETED|0:0|rule_x\n2|cpu|gtest|COMPLETED|0:0\n")
    with pytest.raises(ValueError, match=r"sacct line 1: comment '' of job 7 is not 'rule_<name>"):
        check_run.parse_sacct("7|cpu|gtest|COMPLETED|0:0|\n")


def test_check_jobs_accepts_the_expected_jobs():
    jobs = check_run.parse_sacct(SACCT)
    expected = Counter({"demo_world": 1, "index_bam": 1, "jund_train": 1})
    assert check_run.check_jobs(jobs, expected, "cpu", {"jund_train": "gpu"}, "gtest") == []


def test_check_jobs_names_every_problem():
    jobs = check_run.parse_sacct(
        "1|cpu|gtest|FAILED|1:0|rule_demo_world\n"
        "2|cpu|other|COMPLETED|0:0|rule_jund_train_wildcards_1_0_1\n"
    )
    expected = Counter({"demo_world": 1, "jund_train": 1, "jund_labels": 1})
    problems = check_run.check_jobs(jobs, expected, "cpu", {"jund_train": "gpu"}, "gtest")
    assert problems == [
        "rule jund_labels: 0 Slurm job(s) in sacct, 1 expected",
        "job 1 (demo_world): state FAILED, exit code 1:0",
        "job 2 (jund_train): partition 'cpu', expected 'gpu'",
        "job 2 (jund_train): account 'other', expected 'gtest'",
    ]


# ----------------------------------------------------------------------------- logs and local rules
def test_finished_rules_counts_jobs_of_a_snakemake_log():
    log = (
        "[Wed Nov 25 11:46:59 2026]\nFinished jobid: 29 (Rule: jund_attribution)\n"
        "Finished jobid: 3 (Rule: index_bam)\nFinished jobid: 4 (Rule: index_bam)\n"
        "Error in rule jund_labels:\n"
    )
    assert check_run.finished_rules(log) == Counter({"index_bam": 2, "jund_attribution": 1})


def test_local_rules_reads_localrules_blocks(tmp_path):
    (tmp_path / "a.smk").write_text(
        "localrules:\n    download_source,\n    download_feature,\n\n\nrule x:\n    input: 'a'\n"
    )
    (tmp_path / "b.smk").write_text("rule localrules_lookalike:\n    shell: 'true'\n")
    assert check_run.local_rules(tmp_path) == {"all", "download_source", "download_feature"}


def test_local_rules_of_the_workflow_include_the_downloads():
    assert {"all", "download_source"} <= check_run.local_rules(REPO / "workflow" / "rules")


# ----------------------------------------------------------------------------------------- outputs
def _run_dir(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def test_comparable_bytes_drops_time_columns(tmp_path):
    a = _run_dir(tmp_path / "a", {"h.tsv": "epoch\tloss\tseconds\n1\t0.5\t3.2\n"})
    b = _run_dir(tmp_path / "b", {"h.tsv": "epoch\tloss\tseconds\n1\t0.5\t9.9\n"})
    assert check_run.comparable_bytes(a / "h.tsv") == b"epoch\tloss\n1\t0.5"
    assert check_run.comparable_bytes(a / "h.tsv") == check_run.comparable_bytes(b / "h.tsv")


def test_output_digests_leave_out_volatile_files(tmp_path):
    run = _run_dir(
        tmp_path,
        {
            "results/jund/metrics.tsv": "model\tauprc\ndna\t0.5\n",
            "results/benchmarks/jund/x.tsv": "s\n1\n",
            "results/figures/fig2a.svg": "<svg/>",
            "results/figures/fig2a.png": "png",
            "results/jund/models/m/model.keras": "zip",
            "logs/x.log": "not an output",
        },
    )
    digests = check_run.output_digests(run)
    assert sorted(digests) == ["results/figures/fig2a.png", "results/jund/metrics.tsv"]
    # md5 of "model\tauprc\ndna\t0.5" (the TSV as compared: lines joined by "\n", no trailing one)
    assert digests["results/jund/metrics.tsv"] == "8462b96b89c42ae6a9217aab2ed7fa19"


def test_compare_outputs_names_missing_and_different_files():
    local = {"results/a.tsv": "1" * 32, "results/b.npz": "2" * 32, "results/c.bed": "3" * 32}
    slurm = {"results/a.tsv": "1" * 32, "results/b.npz": "f" * 32, "results/d.png": "4" * 32}
    assert check_run.compare_outputs(local, slurm) == [
        f"results/b.npz: differs (md5 {'2' * 32} local, {'f' * 32} Slurm)",
        "results/c.bed: made by the local run only",
        "results/d.png: made by the Slurm run only",
    ]


# ------------------------------------------------------------------------------------------ main()
def _fake_run(root: Path, rules: list[str], metrics: str) -> Path:
    log = "".join(f"Finished jobid: {i} (Rule: {rule})\n" for i, rule in enumerate(rules))
    return _run_dir(
        root,
        {
            ".snakemake/log/2026-01-01T000000.000000.snakemake.log": log,
            "results/jund/metrics.tsv": metrics,
        },
    )


def _main_args(tmp_path: Path, sacct: str, slurm_metrics: str) -> list[str]:
    rules = ["demo_world", "download_source", "jund_train", "all"]
    local = _fake_run(tmp_path / "local", rules, "auprc\n0.5\n")
    slurm = _fake_run(tmp_path / "slurm", rules, slurm_metrics)
    rules_dir = _run_dir(tmp_path / "rules", {"r.smk": "localrules:\n    download_source,\n"})
    (tmp_path / "sacct.txt").write_text(sacct)
    (tmp_path / "profile.yaml").write_text(
        "default-resources:\n  slurm_partition: cpu\n"
        "set-resources:\n  jund_train:\n    slurm_partition: gpu\n"
    )
    return [
        "--sacct", str(tmp_path / "sacct.txt"), "--profile", str(tmp_path / "profile.yaml"),
        "--rules-dir", str(rules_dir), "--local", str(local), "--slurm", str(slurm),
        "--account", "gtest",
    ]  # fmt: skip


GOOD_SACCT = (
    "1|cpu|gtest|COMPLETED|0:0|rule_demo_world\n2|gpu|gtest|COMPLETED|0:0|rule_jund_train\n"
)


def test_main_passes_when_jobs_and_outputs_agree(tmp_path, capsys):
    assert check_run.main(_main_args(tmp_path, GOOD_SACCT, "auprc\n0.5\n")) == 0
    out = capsys.readouterr().out
    assert "2 Slurm jobs (cpu: 1, gpu: 1), 2 jobs on the head node (all, download_source)" in out
    assert "outputs identical" in out


def test_main_fails_on_a_missing_job_or_a_different_output(tmp_path, capsys):
    sacct = "1|cpu|gtest|COMPLETED|0:0|rule_demo_world\n"
    assert check_run.main(_main_args(tmp_path, sacct, "auprc\n0.6\n")) == 1
    err = capsys.readouterr().err
    assert "rule jund_train: 0 Slurm job(s) in sacct, 1 expected" in err
    assert "results/jund/metrics.tsv: differs" in err

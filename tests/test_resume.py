"""Resume and determinism on a tiny configuration (tests/data/tiny.yaml, case 1 only).

One test kills Snakemake while a training job runs, reruns with ``--rerun-incomplete`` and checks that the
outputs are complete and that the jobs finished before the kill were not redone; a second run of the same
configuration in another directory must give byte-identical metrics tables (same seeds, CPU).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml
from snakemake.utils import validate

REPO = Path(__file__).resolve().parents[1]
TINY = REPO / "tests" / "data" / "tiny.yaml"
SNAKEMAKE = str(Path(sys.executable).parent / "snakemake")
# A training job has finished when Snakemake has written its benchmark table (after the job's outputs).
BENCHMARKS = "results/benchmarks/jund"
TRAINING_LOGS = "logs/jund/models"
SUMMARY = "results/summary/paper_vs_reproduction.tsv"
FINAL = [
    "results/jund/metrics.tsv",
    "results/figures/fig2a.png",
    "results/figures/fig2d.png",
    "results/jund/predictions/combined.test.bigwig",
    SUMMARY,
]


def command(workdir: Path, *extra: str) -> list[str]:
    return [
        SNAKEMAKE,
        "--snakefile", str(REPO / "workflow" / "Snakefile"),
        "--configfile", str(TINY),
        "--directory", str(workdir),
        "--show-failed-logs",
        *extra,
        "all",
        SUMMARY,
    ]  # fmt: skip


def env() -> dict[str, str]:
    return dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", PYTHONUNBUFFERED="1")


def run(workdir: Path, *extra: str) -> subprocess.CompletedProcess:
    result = subprocess.run(
        command(workdir, "--cores", "2", *extra),
        capture_output=True,
        text=True,
        env=env(),
        timeout=900,
    )
    if result.returncode != 0:
        pytest.fail(
            f"snakemake failed in {workdir}:\n{result.stdout[-3000:]}\n{result.stderr[-6000:]}"
        )
    return result


def finished_training(workdir: Path) -> list[Path]:
    root = workdir / BENCHMARKS
    return sorted(p for p in root.rglob("*.tsv") if p.parent != root)  # not attribution.tsv


def running_training(workdir: Path) -> list[Path]:
    """Training logs (written when a job starts) of jobs without a benchmark table (not finished)."""
    logs = (workdir / TRAINING_LOGS).rglob("*.log")
    return [
        log
        for log in logs
        if not (workdir / BENCHMARKS / log.relative_to(workdir / TRAINING_LOGS))
        .with_suffix(".tsv")
        .exists()
    ]


def descendants(pid: int) -> list[int]:
    """Process ids under ``pid`` (read from /proc), so that jobs in other process groups die too."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    out, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def kill_run(proc: subprocess.Popen) -> None:
    """SIGTERM the run's process group, then SIGKILL it and every descendant still alive."""
    victims = descendants(proc.pid)
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        pass
    for pid in [proc.pid, *victims]:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    proc.wait(timeout=30)


def test_tiny_config_is_valid():
    config = yaml.safe_load(TINY.read_text())
    validate(config, str(REPO / "workflow" / "schemas" / "config.schema.yaml"))
    assert config["cases"] == ["jund"] and config["jund"]["replicates"] == 1


@pytest.fixture(scope="module")
def interrupted_run(tmp_path_factory):
    """A run killed while its second (or later) training job runs; returns (workdir, mtimes before)."""
    workdir = tmp_path_factory.mktemp("interrupted")
    out = open(workdir.parent / "interrupted.out", "w")
    # One core: jobs run one after another, so that one training job is done while the next one runs.
    proc = subprocess.Popen(
        command(workdir, "--cores", "1"), stdout=out, stderr=subprocess.STDOUT, env=env(),
        start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 600
    try:
        while not (finished_training(workdir) and running_training(workdir)):
            if proc.poll() is not None:
                pytest.fail(
                    f"the run ended ({proc.returncode}) before it could be interrupted; see {out.name}"
                )
            if time.monotonic() > deadline:
                pytest.fail(f"no training job ran within 600 s; see {out.name}")
            time.sleep(0.5)
        time.sleep(2)  # let the running job get going (model built, epochs started)
    finally:
        kill_run(proc)
        out.close()
    finished = finished_training(workdir)
    interrupted = running_training(workdir)
    assert finished and interrupted
    # Every output of a finished training job, with its modification time at the kill.
    done = {}
    for bench in finished:
        model_dir = (
            workdir
            / "results/jund/models"
            / bench.relative_to(workdir / BENCHMARKS).with_suffix("")
        )
        for path in model_dir.iterdir():
            done[path] = path.stat().st_mtime_ns
    return workdir, done, interrupted


def test_interrupted_run_resumes_without_redoing_finished_jobs(interrupted_run):
    workdir, done, interrupted = interrupted_run
    assert done, "no finished training outputs recorded"
    assert not (workdir / "results/jund/metrics.tsv").exists()
    # Snakemake refuses to go on over the killed job's incomplete outputs unless told to rerun them...
    result = run(workdir, "--rerun-incomplete")
    for name in FINAL:
        assert (workdir / name).stat().st_size > 0, name
    # ...reruns the interrupted job to completion...
    for log in interrupted:
        bench = (workdir / BENCHMARKS / log.relative_to(workdir / TRAINING_LOGS)).with_suffix(
            ".tsv"
        )
        assert bench.exists(), f"the interrupted job behind {log} did not finish on the rerun"
    # ...and leaves the finished ones alone.
    for path, mtime in done.items():
        assert path.stat().st_mtime_ns == mtime, f"{path} was rewritten by the rerun"
    assert "jund_train" in result.stdout + result.stderr
    metrics = pd.read_csv(workdir / "results/jund/metrics.tsv", sep="\t")
    assert sorted(metrics["model"].unique()) == ["combined", "dna", "dnase"]
    assert len(metrics) == 3 * 2  # one model each, validation and test rows
    summary = pd.read_csv(workdir / SUMMARY, sep="\t", keep_default_na=False)
    # Cases 2 and 3 were not run: their rows are there, not testable.
    assert (summary.loc[summary["case"] != "jund", "holds"] == "NA").all()
    assert (summary.loc[summary["case"] == "jund", "reproduction"] != "NA").any()


def test_same_seeds_give_identical_metrics(interrupted_run, tmp_path):
    first, _, _ = interrupted_run
    if not (first / "results/jund/metrics.tsv").exists():
        pytest.skip("the resumed run did not complete (see the resume test)")
    run(tmp_path)
    for name in ["results/jund/metrics.tsv", SUMMARY]:
        assert (tmp_path / name).read_bytes() == (first / name).read_bytes(), name

"""No silent CPU fallback, through the workflow: the tiny JunD config asking for a GPU on this GPU-less
machine fails at the start of the training job, before any data are loaded, with the message that names
the missing GPU, the TensorFlow build and the fixes; with training.allow_cpu it trains on the CPU."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
TINY = REPO / "tests" / "data" / "tiny.yaml"
RUN = "results/jund/models/dna/order1_dropout0.0/rep1"
LOG = "logs/jund/models/dna/order1_dropout0.0/rep1.log"

pytestmark = pytest.mark.slow


def snakemake(workdir: Path, training: dict) -> subprocess.CompletedProcess:
    config = yaml.safe_load(TINY.read_text())
    config["training"].update(training)
    configfile = workdir / "config.yaml"
    configfile.write_text(yaml.safe_dump(config))
    cmd = [
        str(Path(sys.executable).parent / "snakemake"),
        "--snakefile", str(REPO / "workflow" / "Snakefile"),
        "--configfile", str(configfile),
        "--directory", str(workdir),
        "--cores", "2",
        f"{RUN}/model.keras",
    ]  # fmt: skip
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", PYTHONUNBUFFERED="1")
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=900)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("gpu-guard")


@pytest.fixture(scope="module")
def refused(workdir) -> tuple[subprocess.CompletedProcess, str]:
    result = snakemake(workdir, {"gpus": 1})
    return result, (workdir / LOG).read_text()


def test_a_job_that_asks_for_a_gpu_and_sees_none_fails(refused, workdir):
    result, log = refused
    assert result.returncode != 0
    assert "GPUUnavailableError" in log
    assert "asks for 1 GPU(s) (config training.gpus: 1) but TensorFlow sees no GPU" in log
    assert "CPU-only build, which never uses a GPU" in log
    assert "envs/train-gpu.yaml" in log and "CUDA module" in log and "training.allow_cpu: true" in log
    for name in ("model.keras", "history.tsv", "metrics.tsv", "predictions.tsv"):
        assert not (workdir / RUN / name).exists(), f"{name} left under its final name"


def test_it_fails_before_loading_data_or_training(refused):
    _, log = refused
    # The guard is the job's first step: the log holds its error and nothing the job did after it.
    assert log.startswith("Traceback") and "devices.prepare(" in log
    for later in ("training dna", "fit jund_dna", "epoch 1:", "genomic_tensors.cases"):
        assert later not in log, f"the log shows {later!r}: the job went on past the GPU check"


def test_a_deliberate_cpu_run_trains(refused, workdir):
    result = snakemake(workdir, {"gpus": 1, "allow_cpu": True})
    assert result.returncode == 0, result.stderr[-4000:]
    log = (workdir / LOG).read_text()
    assert "training on the CPU deliberately (training.allow_cpu: true)" in log
    assert "computing on CPU" in log and "epoch 1:" in log
    assert (workdir / RUN / "model.keras").is_file()

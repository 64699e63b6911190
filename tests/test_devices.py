"""Where a job computes: the TensorFlow build and devices, the GPU guard (no silent CPU fallback), and the
resolved speed settings. Our machines have no GPU: the GPU branches run on described builds."""

from __future__ import annotations

import logging

import pytest

from genomic_tensors import devices
from genomic_tensors.devices import BuildInfo, ComputeSettings, GPUUnavailableError, RunOptions

CPU_BUILD = BuildInfo(version="2.21.0", distribution="tensorflow-cpu")
CUDA_NO_DRIVER = BuildInfo(version="2.21.0", distribution="tensorflow", cuda="12.9", cudnn="9")
CUDA_WITH_GPU = BuildInfo(
    version="2.21.0", distribution="tensorflow", cuda="12.9", cudnn="9",
    gpus=("GPU:0 NVIDIA H200 (compute 9.0)",),
)  # fmt: skip


def test_settings_from_a_config_section_ignore_other_keys_and_check_values():
    settings = ComputeSettings.from_config({"gpus": 2, "threads": 4, "patience": 5, "precision": "mixed_bfloat16"})
    assert settings == ComputeSettings(gpus=2, precision="mixed_bfloat16")
    with pytest.raises(ValueError, match="training.precision must be one of float32, mixed_float16"):
        ComputeSettings(precision="float16")
    with pytest.raises(ValueError, match="training.jit_compile must be true, false or 'auto'"):
        ComputeSettings(jit_compile="yes")
    with pytest.raises(ValueError, match="training.gpus must be >= 0"):
        ComputeSettings(gpus=-1)


def test_a_cpu_build_asked_for_a_gpu_names_the_build_and_every_fix():
    message = devices.gpu_problem(CPU_BUILD, 1)
    assert "asks for 1 GPU(s) (config training.gpus: 1) but TensorFlow sees no GPU" in message
    assert "TensorFlow 2.21.0 (CPU-only build, package tensorflow-cpu)" in message
    assert "a CPU-only build, which never uses a GPU" in message
    assert "envs/train-gpu.yaml" in message and "make setup GPU=1" in message
    assert "CUDA module" in message
    assert "training.allow_cpu: true" in message


def test_a_cuda_build_without_a_driver_says_so(monkeypatch):
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "")
    message = devices.gpu_problem(CUDA_NO_DRIVER, 2)
    assert "CUDA 12.9 build, cuDNN 9, package tensorflow" in message
    assert "no GPU device or NVIDIA driver is visible" in message and "CUDA_VISIBLE_DEVICES=''" in message
    assert "training.allow_cpu: true" in message


def test_no_problem_when_no_gpu_is_asked_for_or_one_is_seen():
    assert devices.gpu_problem(CPU_BUILD, 0) is None
    assert devices.gpu_problem(CUDA_WITH_GPU, 1) is None


def test_resolve_fails_without_a_gpu_unless_a_cpu_run_is_deliberate():
    with pytest.raises(GPUUnavailableError, match="sees no GPU"):
        devices.resolve(ComputeSettings(gpus=1), CPU_BUILD)
    options = devices.resolve(ComputeSettings(gpus=1, allow_cpu=True), CPU_BUILD)
    assert options == RunOptions(precision="float32", jit_compile="auto", deterministic=True, device="CPU")


def test_determinism_is_on_for_cpu_jobs_and_off_for_gpu_jobs_unless_set():
    assert devices.resolve(ComputeSettings(gpus=0), CPU_BUILD).deterministic is True
    on_gpu = devices.resolve(ComputeSettings(gpus=1), CUDA_WITH_GPU)
    assert on_gpu.device == "GPU:0" and on_gpu.deterministic is False
    assert devices.resolve(ComputeSettings(gpus=1, deterministic=True), CUDA_WITH_GPU).deterministic is True
    assert devices.resolve(ComputeSettings(gpus=0, deterministic=False), CPU_BUILD).deterministic is False
    kwargs = devices.resolve(ComputeSettings(precision="mixed_float16", jit_compile=True), CPU_BUILD).fit_kwargs()
    assert kwargs == {"precision": "mixed_float16", "jit_compile": True, "deterministic": True}


def test_this_machine_is_a_cpu_build_without_gpus():
    build = devices.inspect_tensorflow()
    assert build.version and not build.gpus
    assert build.distribution == "tensorflow-cpu" and not build.cuda_build


def test_prepare_logs_the_build_and_devices_and_refuses_a_missing_gpu(caplog):
    with caplog.at_level(logging.INFO, logger="genomic_tensors.devices"):
        options = devices.prepare(ComputeSettings())
    assert options.device == "CPU" and options.deterministic is True
    line = caplog.records[-1].getMessage()
    assert "TensorFlow" in line and "CPU-only build" in line and "Keras" in line
    assert "GPUs seen: none; computing on CPU; precision float32, XLA compilation auto, op determinism on" in line
    with pytest.raises(GPUUnavailableError, match=r"(?s)sees no GPU.*CPU-only build.*allow_cpu"):
        devices.prepare(ComputeSettings(gpus=1))


def test_prepare_warns_on_a_deliberate_cpu_run(caplog):
    with caplog.at_level(logging.INFO, logger="genomic_tensors.devices"):
        devices.prepare(ComputeSettings(gpus=1, allow_cpu=True))
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("training on the CPU deliberately" in w for w in warnings)


def test_op_determinism_can_be_switched_off_and_on():
    from tensorflow.python.framework import config as tf_config

    devices.set_op_determinism(False)
    assert not tf_config.is_op_determinism_enabled()
    devices.set_op_determinism(True)
    assert tf_config.is_op_determinism_enabled()

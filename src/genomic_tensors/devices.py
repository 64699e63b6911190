"""Where a training or prediction job runs: the TensorFlow build and devices it sees, the guard against a
silent CPU fallback, and the speed settings (mixed precision, XLA compilation, op determinism).

Every job that trains or predicts calls :func:`prepare` first, before it loads any data::

    options = devices.prepare(devices.ComputeSettings.from_config(config["training"]))
    training.fit(..., **options.fit_kwargs())

:func:`prepare` logs one line with the TensorFlow version and build (CPU-only, or CUDA with its version),
the devices it sees and the one it uses, and the resolved settings. A job that asks for GPUs
(``gpus > 0``) and sees none raises :class:`GPUUnavailableError` at once, naming the build in use and the
fixes, unless ``allow_cpu`` says that a CPU run is deliberate.

This module imports TensorFlow only inside its functions; the pure parts (:func:`gpu_problem`,
:func:`resolve`) take plain values so that every branch can be tested on a machine without a GPU.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any

__all__ = [
    "PRECISIONS",
    "BuildInfo",
    "ComputeSettings",
    "GPUUnavailableError",
    "RunOptions",
    "gpu_problem",
    "inspect_tensorflow",
    "prepare",
    "resolve",
    "set_op_determinism",
]

log = logging.getLogger(__name__)

PRECISIONS = ("float32", "mixed_float16", "mixed_bfloat16")
_AUTO = "auto"
# The pip distributions that provide the `tensorflow` module, in the order they are reported.
_TF_DISTRIBUTIONS = ("tensorflow-cpu", "tensorflow", "tensorflow-gpu", "tf-nightly")


class GPUUnavailableError(RuntimeError):
    """A job asked for GPUs and TensorFlow sees none (see :func:`gpu_problem` for the message)."""


def _auto_or_bool(value: Any, key: str) -> bool | str:
    if value == _AUTO or isinstance(value, bool):
        return value
    raise ValueError(f"training.{key} must be true, false or 'auto'; got {value!r}")


@dataclass(frozen=True)
class ComputeSettings:
    """What the configuration asks of a job (the keys of the config's ``training`` section).

    Attributes
    ----------
    gpus : int
        GPUs the job asks for; 0 runs on the CPU and hides any GPU from TensorFlow.
    allow_cpu : bool
        With ``gpus > 0``: train on the CPU, with a warning, when no GPU is visible (a deliberate CPU
        run) instead of failing.
    precision : str
        ``float32``, ``mixed_float16`` or ``mixed_bfloat16`` (layers compute in 16 bits, weights and the
        output layers stay float32).
    jit_compile : bool or "auto"
        XLA compilation of the training step. ``auto`` is Keras' choice: off on the CPU, on on a GPU
        where every layer supports it and op determinism is off.
    deterministic : bool or "auto"
        TensorFlow op determinism. ``auto``: on when the job runs on the CPU (same seed and data give
        the same numbers), off on a GPU (deterministic GPU kernels are slower, some raise, and XLA is
        disabled with them).
    """

    gpus: int = 0
    allow_cpu: bool = False
    precision: str = "float32"
    jit_compile: bool | str = _AUTO
    deterministic: bool | str = _AUTO

    def __post_init__(self) -> None:
        if int(self.gpus) < 0:
            raise ValueError(f"training.gpus must be >= 0; got {self.gpus}")
        if self.precision not in PRECISIONS:
            raise ValueError(
                f"training.precision must be one of {', '.join(PRECISIONS)}; got {self.precision!r}"
            )
        _auto_or_bool(self.jit_compile, "jit_compile")
        _auto_or_bool(self.deterministic, "deterministic")

    @classmethod
    def from_config(cls, training: Mapping[str, Any]) -> ComputeSettings:
        """The settings from a config's ``training`` section (other keys there are ignored)."""
        names = cls.__dataclass_fields__
        return cls(**{k: v for k, v in training.items() if k in names})


@dataclass(frozen=True)
class RunOptions:
    """Resolved settings of one job: what :func:`genomic_tensors.training.fit` takes.

    Attributes
    ----------
    precision : str
    jit_compile : bool or "auto"
    deterministic : bool
    device : str
        ``"GPU:0"`` ... or ``"CPU"``: where the job computes.
    """

    precision: str = "float32"
    jit_compile: bool | str = _AUTO
    deterministic: bool = True
    device: str = "CPU"

    def fit_kwargs(self) -> dict[str, Any]:
        """Keyword arguments of :func:`genomic_tensors.training.fit`."""
        return {
            "precision": self.precision,
            "jit_compile": self.jit_compile,
            "deterministic": self.deterministic,
        }


@dataclass(frozen=True)
class BuildInfo:
    """The TensorFlow in use.

    Attributes
    ----------
    version : str
        ``tf.__version__``.
    distribution : str
        The pip distribution that installed it (``tensorflow-cpu``, ``tensorflow``, ...), or ``"unknown"``.
    cuda : str or None
        The CUDA version it was built against; None for a CPU-only build.
    cudnn : str or None
    gpus : tuple of str
        Visible GPUs, described (``"GPU:0 NVIDIA H200 (compute 9.0)"``).
    """

    version: str
    distribution: str
    cuda: str | None = None
    cudnn: str | None = None
    gpus: tuple[str, ...] = field(default_factory=tuple)

    @property
    def cuda_build(self) -> bool:
        return self.cuda is not None

    def describe(self) -> str:
        if self.cuda_build:
            build = f"CUDA {self.cuda} build" + (f", cuDNN {self.cudnn}" if self.cudnn else "")
        else:
            build = "CPU-only build"
        return f"TensorFlow {self.version} ({build}, package {self.distribution})"


def _distribution() -> str:
    for name in _TF_DISTRIBUTIONS:
        try:
            metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
        return name
    return "unknown"


def inspect_tensorflow() -> BuildInfo:
    """The TensorFlow build of this process and the GPUs it sees (initialises TensorFlow's devices)."""
    import tensorflow as tf

    info = dict(tf.sysconfig.get_build_info())
    cuda = info.get("cuda_version") if info.get("is_cuda_build") else None
    gpus = []
    for i, device in enumerate(tf.config.list_physical_devices("GPU")):
        try:
            details = tf.config.experimental.get_device_details(device)
        except (RuntimeError, ValueError):
            details = {}
        name = details.get("device_name", device.name)
        capability = details.get("compute_capability")
        suffix = f" (compute {capability[0]}.{capability[1]})" if capability else ""
        gpus.append(f"GPU:{i} {name}{suffix}")
    return BuildInfo(
        version=tf.__version__,
        distribution=_distribution(),
        cuda=str(cuda) if cuda else None,
        cudnn=str(info["cudnn_version"]) if cuda and info.get("cudnn_version") else None,
        gpus=tuple(gpus),
    )


def gpu_problem(build: BuildInfo, gpus_requested: int) -> str | None:
    """The message of a job that asks for GPUs and sees none; None when there is no problem.

    Names what is missing, the TensorFlow build in use (a CPU-only build, or a CUDA build that finds no
    driver or device) and the fixes: the GPU environment, the site's CUDA module or driver, or a
    deliberate CPU run.
    """
    if gpus_requested <= 0 or build.gpus:
        return None
    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    lines = [
        f"this job asks for {gpus_requested} GPU(s) (config training.gpus: {gpus_requested}) but "
        f"TensorFlow sees no GPU.",
    ]
    if build.cuda_build:
        lines.append(
            f"In use: {build.describe()} from {sys.executable}: a CUDA build, but no GPU device or NVIDIA "
            f"driver is visible to it (CUDA_VISIBLE_DEVICES={visible!r}; `nvidia-smi` shows what the "
            f"node has)."
        )
    else:
        lines.append(
            f"In use: {build.describe()} from {sys.executable}: a CPU-only build, which never uses a GPU."
        )
    lines += [
        "Fixes:",
        "  - run the training rules in the GPU environment: with --use-conda they use envs/train-gpu.yaml "
        "whenever training.gpus > 0; in a virtual environment install the gpu extra "
        "(`make setup GPU=1`, or pip install -e '.[gpu]');",
        "  - on a cluster, make sure the job is given a GPU (the profile's GPU partition and `gpus` or "
        "`gres`) and load the site's CUDA module or driver if it has one;",
        "  - or train on the CPU deliberately: set training.allow_cpu: true (or training.gpus: 0).",
    ]
    return "\n".join(lines)


def resolve(settings: ComputeSettings, build: BuildInfo) -> RunOptions:
    """The job's :class:`RunOptions` from what is asked and what is seen (raises when a GPU is missing).

    Raises
    ------
    GPUUnavailableError
        ``settings.gpus > 0``, no GPU is visible and ``settings.allow_cpu`` is false.
    """
    problem = gpu_problem(build, int(settings.gpus))
    if problem is not None and not settings.allow_cpu:
        raise GPUUnavailableError(problem)
    on_gpu = int(settings.gpus) > 0 and bool(build.gpus)
    deterministic = (not on_gpu) if settings.deterministic == _AUTO else bool(settings.deterministic)
    return RunOptions(
        precision=settings.precision,
        jit_compile=settings.jit_compile,
        deterministic=deterministic,
        device="GPU:0" if on_gpu else "CPU",
    )


def set_op_determinism(enabled: bool) -> None:
    """Turn TensorFlow's op determinism on or off for the rest of the process (no-op on other backends)."""
    import keras

    if keras.backend.backend() != "tensorflow":
        return
    import tensorflow as tf
    from tensorflow.python.framework import config as tf_config

    if enabled:
        tf.config.experimental.enable_op_determinism()
    elif tf_config.is_op_determinism_enabled():
        tf_config.disable_op_determinism()


def _hide_gpus() -> None:
    import tensorflow as tf

    try:
        tf.config.set_visible_devices([], "GPU")
    except RuntimeError:  # devices already initialised: TensorFlow keeps what it has
        log.warning("TensorFlow's devices were initialised before the GPUs could be hidden")


def _grow_gpu_memory() -> None:
    import tensorflow as tf

    for device in tf.config.list_physical_devices("GPU"):
        try:
            tf.config.experimental.set_memory_growth(device, True)
        except RuntimeError:  # already initialised
            pass


def prepare(settings: ComputeSettings | None = None) -> RunOptions:
    """Check and set up where this job computes; call it first, before loading data.

    Logs the TensorFlow build, the devices seen and the one used, and the resolved precision, XLA and
    determinism settings; raises :class:`GPUUnavailableError` when GPUs are asked for and none is
    visible (unless ``allow_cpu``). With ``gpus == 0`` any GPU is hidden, so that a CPU configuration
    computes on the CPU. GPU memory is allocated as needed (memory growth), so that peak memory is
    meaningful and a GPU can be shared.
    """
    import keras

    settings = settings or ComputeSettings()
    build = inspect_tensorflow()
    if int(settings.gpus) == 0 and build.gpus:
        _hide_gpus()
        log.info("%s; GPUs seen: %s, hidden (training.gpus is 0)", build.describe(), ", ".join(build.gpus))
        build = BuildInfo(build.version, build.distribution, build.cuda, build.cudnn, ())
    options = resolve(settings, build)
    if options.device != "CPU":
        _grow_gpu_memory()
    set_op_determinism(options.deterministic)
    if int(settings.gpus) > 0 and options.device == "CPU":
        log.warning(
            "no GPU visible: training on the CPU deliberately (training.allow_cpu: true); expect it to "
            "be much slower than on a GPU"
        )
    log.info(
        "%s, Keras %s, Python %s; GPUs seen: %s; computing on %s; precision %s, XLA compilation %s, "
        "op determinism %s",
        build.describe(), keras.__version__, sys.version.split()[0],
        ", ".join(build.gpus) or "none", options.device, options.precision,
        options.jit_compile, "on" if options.deterministic else "off",
    )
    return options

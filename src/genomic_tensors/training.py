"""Fitting Keras models on array-like genomics datasets: seeds, the paper's optimizer, early stopping,
streaming batches, and the run's outputs (saved model, per-epoch history TSV, log).

A *dataset* here is anything with ``len()`` and ``__getitem__(idx)`` for a 1-D int64 numpy array of row
indices (sorted ascending within a batch) returning a numpy array whose first axis is ``len(idx)``:
numpy arrays, the package's Bioseq and Cover datasets, HDF5-backed views, augmentation wrappers. A dataset
may define ``set_epoch(epoch)`` (called at the start of each epoch, 0-based) and ``on_epoch_end()``.
Model inputs are one dataset or a dict ``{input name: dataset}``; targets likewise.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Union

import keras
import numpy as np
import pandas as pd

from genomic_tensors.devices import PRECISIONS, set_op_determinism
from genomic_tensors.layers import ClippedAdam  # also registers the custom layers for load_model

__all__ = [
    "BatchStream",
    "ClippedAdam",
    "FitResult",
    "build_model",
    "fit",
    "load_model",
    "paper_optimizer",
    "predict",
    "seed_everything",
]

log = logging.getLogger(__name__)

Dataset = Any  # len() + __getitem__(np.ndarray[int]) -> np.ndarray
Inputs = Union[Dataset, Mapping[str, Dataset]]


# --------------------------------------------------------------------------------------------- seeds
def seed_everything(seed: int, *, deterministic: bool = True) -> None:
    """Seed Python, numpy and the backend, and (optionally) make TensorFlow ops deterministic.

    Call it before building a model: Keras draws initial weights and dropout seeds at construction.
    ``deterministic=True`` turns on TensorFlow's op determinism for the rest of the process (same seed and
    data give the same numbers on the CPU; some GPU ops become slower or unavailable, and Keras then
    compiles without XLA); ``False`` turns it off.
    """
    keras.utils.set_random_seed(int(seed))
    set_op_determinism(bool(deterministic))


# ---------------------------------------------------------------------------------------- optimizer
def paper_optimizer() -> ClippedAdam:
    """The paper's optimizer: Adam, amsgrad, learning rate 1e-3, global norm clip 1.0, value clip 0.5."""
    return ClippedAdam(learning_rate=1e-3, clip_global_norm=1.0, clip_value=0.5, amsgrad=True)


# -------------------------------------------------------------------------------------- batch stream
def _datasets(data: Inputs | None) -> list[tuple[str, Dataset]]:
    if data is None:
        return []
    if isinstance(data, Mapping):
        return [(str(k), v) for k, v in data.items()]
    return [("", data)]


def _fetch(data: Inputs, idx: np.ndarray, flatten: bool = False) -> Any:
    def one(ds: Dataset) -> np.ndarray:
        arr = np.asarray(ds[idx])
        if arr.shape[:1] != (len(idx),):
            raise ValueError(
                f"dataset {type(ds).__name__} returned shape {arr.shape} for {len(idx)} indices; "
                "expected the first axis to be the batch"
            )
        return arr.reshape(len(idx), -1) if flatten else arr

    if isinstance(data, Mapping):
        return {k: one(v) for k, v in data.items()}
    return one(data)


def _common_length(named: Sequence[tuple[str, Dataset]], what: str) -> int:
    lengths = {name: len(ds) for name, ds in named}
    if len(set(lengths.values())) != 1:
        raise ValueError(f"{what}: all datasets must have the same number of rows; got {lengths}")
    return next(iter(lengths.values()))


class BatchStream(keras.utils.PyDataset):
    """Batches drawn from array-like datasets by index, one batch in memory at a time.

    Parameters
    ----------
    x : dataset or dict of datasets
        Model inputs, ``n`` rows each.
    y : dataset or dict of datasets, optional
        Targets, ``n`` rows. With ``flatten_targets`` each target batch is reshaped to ``(batch, -1)``,
        e.g. a Cover batch ``(batch, 1, 1, outputs)`` to the model's ``(batch, outputs)``.
    batch_size : int
    shuffle : bool
        Permute rows each epoch; the permutation of epoch ``e`` depends only on ``(seed, e)``.
        Indices are sorted within each batch (friendlier to HDF5 and memory-mapped reads).
    seed : int
    workers, use_multiprocessing, max_queue_size
        As in ``keras.utils.PyDataset``: ``workers > 1`` threads fetch batches ahead into a queue of
        ``max_queue_size`` batches (default: 4 per worker, at least 10, so that a fast GPU finds batches
        waiting); ``workers=1`` fetches in TensorFlow's prefetch thread (``tf.data`` autotuned prefetch).

    Item ``i`` is ``(x_batch,)`` or ``(x_batch, y_batch)``, numpy arrays with the datasets' dtypes.
    """

    def __init__(
        self,
        x: Inputs,
        y: Inputs | None = None,
        *,
        batch_size: int = 64,
        shuffle: bool = False,
        seed: int = 0,
        flatten_targets: bool = False,
        workers: int = 1,
        use_multiprocessing: bool = False,
        max_queue_size: int | None = None,
    ) -> None:
        if max_queue_size is None:
            max_queue_size = max(10, 4 * int(workers))
        super().__init__(
            workers=workers, use_multiprocessing=use_multiprocessing, max_queue_size=max_queue_size
        )
        if int(batch_size) < 1:
            raise ValueError(f"batch_size must be >= 1; got {batch_size}")
        self.x, self.y = x, y
        self.batch_size = int(batch_size)
        self.shuffle = bool(shuffle)
        self.seed = int(seed)
        self.flatten_targets = bool(flatten_targets)
        named = [(f"inputs[{k}]" if k else "inputs", v) for k, v in _datasets(x)]
        named += [(f"targets[{k}]" if k else "targets", v) for k, v in _datasets(y)]
        self.n = _common_length(named, "inputs and targets")
        if self.n == 0:
            raise ValueError("cannot stream batches from an empty dataset (0 rows)")
        self.epoch = 0
        self._started = self._in_epoch = False
        self._order = self._permutation(0)

    def _permutation(self, epoch: int) -> np.ndarray:
        if not self.shuffle:
            return np.arange(self.n, dtype=np.int64)
        return np.random.default_rng([self.seed, epoch]).permutation(self.n).astype(np.int64)

    def __len__(self) -> int:
        return math.ceil(self.n / self.batch_size)

    def batch_indices(self, i: int) -> np.ndarray:
        """Sorted row indices of batch ``i`` in the current epoch."""
        if not 0 <= i < len(self):
            raise IndexError(f"batch {i} out of range for {len(self)} batches")
        return np.sort(self._order[i * self.batch_size : (i + 1) * self.batch_size])

    def __getitem__(self, i: int) -> tuple:
        idx = self.batch_indices(i)
        xb = _fetch(self.x, idx)
        if self.y is None:
            return (xb,)
        return xb, _fetch(self.y, idx, flatten=self.flatten_targets)

    def _each_dataset(self) -> list[Dataset]:
        return [ds for _, ds in _datasets(self.x) + _datasets(self.y)]

    def on_epoch_begin(self) -> None:
        """Start an epoch: a new permutation (after the first), then ``set_epoch`` on the datasets."""
        if self._started:
            self.epoch += 1
            self._order = self._permutation(self.epoch)
        self._started = self._in_epoch = True
        for ds in self._each_dataset():
            if hasattr(ds, "set_epoch"):
                ds.set_epoch(self.epoch)

    def on_epoch_end(self) -> None:
        """Close an epoch: ``on_epoch_end`` on the datasets. Keras also calls this once before training
        starts (an iterator reset); that call is ignored."""
        if not self._in_epoch:
            return
        self._in_epoch = False
        for ds in self._each_dataset():
            if hasattr(ds, "on_epoch_end"):
                ds.on_epoch_end()


# ------------------------------------------------------------------------------------------ callbacks
class _EpochLog(keras.callbacks.Callback):
    """Appends one TSV row per epoch (flushed at once) and logs it."""

    def __init__(self, path: Path | None) -> None:
        super().__init__()
        self.path = path
        self.rows: list[dict] = []
        self._t0 = 0.0

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self._t0 = time.perf_counter()

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        row = {"epoch": epoch + 1, **{k: float(v) for k, v in sorted((logs or {}).items())}}
        row["seconds"] = round(time.perf_counter() - self._t0, 3)
        self.rows.append(row)
        log.info("epoch %d: %s", epoch + 1, ", ".join(f"{k}={v:.6g}" for k, v in row.items()
                                                        if k != "epoch"))
        if self.path is not None:
            frame = pd.DataFrame(self.rows)
            frame.to_csv(self.path, sep="\t", index=False, float_format="%.8g")


@dataclass
class FitResult:
    """What :func:`fit` returns.

    Attributes
    ----------
    model : keras.Model
        The trained model holding the best epoch's weights.
    history : pandas.DataFrame
        One row per epoch run: ``epoch`` (1-based), ``loss``, ``val_loss`` and metrics, ``seconds``.
    best_epoch : int
        1-based epoch whose weights were restored (lowest monitored loss).
    best_loss : float
        The monitored loss at ``best_epoch``.
    monitor : str
        ``"val_loss"`` (or ``"loss"`` when no validation data were given).
    epochs_run : int
    stopped_early : bool
        True when patience ran out before ``epochs``.
    seed : int
    model_path, history_path, log_path : pathlib.Path or None
        Files written.
    """

    model: keras.Model
    history: pd.DataFrame
    best_epoch: int
    best_loss: float
    monitor: str
    epochs_run: int
    stopped_early: bool
    seed: int
    model_path: Path | None = None
    history_path: Path | None = None
    log_path: Path | None = None


def load_model(path: str | Path, *, compile: bool = False) -> keras.Model:
    """Load a ``.keras`` model saved by :func:`fit` (custom layers and optimizer are registered here)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no saved model at {path}")
    return keras.saving.load_model(path, compile=compile)


def predict(model: keras.Model, inputs: Inputs, *, batch_size: int = 256) -> np.ndarray:
    """Predictions streamed batch by batch (one batch of inputs in memory at a time).

    Parameters
    ----------
    model : keras.Model
        A model with one output.
    inputs : dataset or dict of datasets
        ``n`` rows each (see module docstring); rows are taken in order.
    batch_size : int

    Returns
    -------
    numpy.ndarray
        float32 ``(n, *output_shape)``, e.g. ``(n, outputs)``; reshape to ``(n, 1, 1, outputs)`` for a
        Cover-style export.
    """
    stream = BatchStream(inputs, batch_size=batch_size)
    parts = []
    for i in range(len(stream)):
        (xb,) = stream[i]
        out = model.predict_on_batch(xb)
        if isinstance(out, (list, tuple, dict)):
            raise ValueError(f"predict needs a model with one output; {model.name} has {len(out)}")
        parts.append(np.asarray(out, dtype=np.float32))
    return np.concatenate(parts, axis=0)


def build_model(model: keras.Model | Callable[[], keras.Model], precision: str = "float32") -> keras.Model:
    """Call a model factory under the dtype policy ``precision``; a ready model is returned as it is.

    Parameters
    ----------
    model : keras.Model or callable returning one
    precision : str
        ``"float32"``, ``"mixed_float16"`` or ``"mixed_bfloat16"``. Mixed precision needs a factory (a
        built model keeps the policy it was built under). The global policy is restored afterwards.

    Returns
    -------
    keras.Model
        Built under ``precision``; an output that is not float32 under mixed precision is logged as a
        warning (a sigmoid in 16 bits saturates early).
    """
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}; got {precision!r}")
    if isinstance(model, keras.Model):
        if model.dtype_policy.name != precision:
            raise ValueError(
                f"model {model.name} was built under dtype policy {model.dtype_policy.name}; pass a factory "
                f"to build it under {precision}"
            )
        return model
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(precision)
    try:
        built = model()
    finally:
        keras.config.set_dtype_policy(previous)
    for out in built.outputs:
        if precision != "float32" and out.dtype != "float32":
            log.warning("output %s of %s computes in %s, not float32", out.name, built.name, out.dtype)
    return built


def _resolve(explicit: str | Path | None, outdir: Path | None, name: str) -> Path | None:
    if explicit is not None:
        return Path(explicit)
    return outdir / name if outdir is not None else None


# ----------------------------------------------------------------------------------------------- fit
def fit(
    model: keras.Model | Callable[[], keras.Model],
    train: tuple[Inputs, Inputs],
    validation: tuple[Inputs, Inputs] | None = None,
    *,
    loss: Any = "binary_crossentropy",
    metrics: Sequence[Any] | None = None,
    batch_size: int = 64,
    epochs: int = 30,
    seed: int = 0,
    patience: int = 5,
    shuffle: bool = True,
    optimizer: keras.optimizers.Optimizer | None = None,
    outdir: str | Path | None = None,
    model_path: str | Path | None = None,
    history_path: str | Path | None = None,
    log_path: str | Path | None = None,
    callbacks: Sequence[keras.callbacks.Callback] = (),
    workers: int = 1,
    deterministic: bool = True,
    precision: str = "float32",
    jit_compile: bool | str = "auto",
    verbose: int = 0,
) -> FitResult:
    """Train a model with the paper's recipe and write its outputs.

    Parameters
    ----------
    model : keras.Model or callable returning one
        Pass the factory (e.g. ``functools.partial(models.jund_dna, 3)``) for reproducible replicates: it
        is called after seeding, so initial weights and dropout seeds follow ``seed``. A ready model is
        trained as it is (its initial weights then depend on how the caller seeded).
    train, validation : (inputs, targets)
        Datasets (see module docstring), or dicts ``{input name: dataset}``. Targets are reshaped per
        batch to ``(batch, -1)`` when the model output is 2-D (so Cover targets ``(n, 1, 1, k)`` fit a
        ``(batch, k)`` output). Augmentation wrappers belong on the training split only (the caller's job).
    loss, metrics
        Passed to ``model.compile``: ``"binary_crossentropy"`` (cases 1, 2) or ``"mae"`` (case 3).
    batch_size, epochs
        64 / 30 (case 1), 128 / 30 (case 2), 64 / 100 (case 3).
    seed : int
        Seeds Python, numpy and the backend (:func:`seed_everything`) and the per-epoch row permutation.
    patience : int
        Early stopping on ``val_loss`` (on ``loss`` without validation); the best epoch's weights are
        restored at the end, also when training runs to ``epochs`` without stopping.
    optimizer : keras optimizer, optional
        Defaults to :func:`paper_optimizer`.
    outdir : path, optional
        Directory for ``model.keras``, ``history.tsv`` and ``train.log``; ``model_path``, ``history_path``,
        ``log_path`` override single files. Nothing is written when all are None.
    callbacks : extra Keras callbacks.
    workers : int
        Threads fetching training batches ahead (see :class:`BatchStream`).
    deterministic : bool
        TensorFlow op determinism on or off (see :func:`seed_everything`).
    precision : str
        ``"float32"``, ``"mixed_float16"`` or ``"mixed_bfloat16"``: the Keras dtype policy the model is
        built under (needs a factory for ``model``). Layers compute in 16 bits and keep float32 weights;
        the package's architectures keep their output layers in float32; ``mixed_float16`` trains with
        loss scaling. The global policy is restored afterwards.
    jit_compile : bool or "auto"
        XLA compilation of the training step (``model.compile``); ``"auto"`` is Keras' choice (off on the
        CPU, on on a GPU unless a layer or op determinism rules it out). The effective value is logged.

    Returns
    -------
    FitResult
    """
    _check_fit_arguments(epochs, patience, train, validation)
    model_file, history_file, log_file = _output_files(outdir, model_path, history_path, log_path)
    with _log_to(log_file):
        seed_everything(seed, deterministic=deterministic)
        model = build_model(model, precision)
        flatten = len(model.outputs) == 1 and len(model.outputs[0].shape) == 2
        train_stream = BatchStream(
            train[0], train[1], batch_size=batch_size, shuffle=shuffle, seed=seed,
            flatten_targets=flatten, workers=workers,
        )
        val_stream = None
        if validation is not None:
            val_stream = BatchStream(
                validation[0], validation[1], batch_size=batch_size, flatten_targets=flatten
            )
        monitor = "val_loss" if val_stream is not None else "loss"
        log.info(
            "fit %s (%d parameters): %d training rows, %s validation rows, batch %d, at most %d "
            "epochs, patience %d on %s, seed %d",
            model.name, model.count_params(), train_stream.n,
            val_stream.n if val_stream is not None else "no", batch_size, epochs, patience, monitor, seed,
        )
        model.compile(
            optimizer=optimizer if optimizer is not None else paper_optimizer(),
            loss=loss,
            metrics=list(metrics) if metrics else None,
            jit_compile=jit_compile,
        )
        log.info(
            "precision %s, XLA compilation %s (asked: %s), op determinism %s",
            model.dtype_policy.name, "on" if model.jit_compile else "off", jit_compile,
            "on" if deterministic else "off",
        )
        stopper = keras.callbacks.EarlyStopping(
            monitor=monitor, patience=int(patience), restore_best_weights=True, mode="min"
        )
        epoch_log = _EpochLog(history_file)
        model.fit(
            train_stream,
            validation_data=val_stream,
            epochs=int(epochs),
            shuffle=False,  # BatchStream permutes rows itself, reproducibly
            callbacks=[stopper, epoch_log, *callbacks],
            verbose=verbose,
        )
        result = _fit_result(
            model, pd.DataFrame(epoch_log.rows), monitor, int(epochs), int(seed),
            (model_file, history_file, log_file),
        )  # fmt: skip
        if model_file is not None:
            model.save(model_file)
            log.info("saved model to %s", model_file)
        return result


def _check_fit_arguments(epochs: int, patience: int, train: Any, validation: Any) -> None:
    if int(epochs) < 1:
        raise ValueError(f"epochs must be >= 1; got {epochs}")
    if int(patience) < 0:
        raise ValueError(f"patience must be >= 0; got {patience}")
    for label, pair in (("train", train), ("validation", validation)):
        if pair is not None and (not isinstance(pair, (tuple, list)) or len(pair) != 2):
            raise ValueError(f"{label} must be an (inputs, targets) pair; got {type(pair).__name__}")


def _output_files(
    outdir: str | Path | None,
    model_path: str | Path | None,
    history_path: str | Path | None,
    log_path: str | Path | None,
) -> tuple[Path | None, Path | None, Path | None]:
    """The model, history and log files of :func:`fit` (None: not written), folders created."""
    out = Path(outdir) if outdir is not None else None
    model_file = _resolve(model_path, out, "model.keras")
    history_file = _resolve(history_path, out, "history.tsv")
    log_file = _resolve(log_path, out, "train.log")
    for f in (model_file, history_file, log_file):
        if f is not None:
            f.parent.mkdir(parents=True, exist_ok=True)
    if model_file is not None and model_file.suffix != ".keras":
        raise ValueError(f"model_path must end in .keras; got {model_file}")
    return model_file, history_file, log_file


@contextmanager
def _log_to(log_file: Path | None) -> Iterator[None]:
    """Copy the package's log records (INFO and up) to ``log_file`` while the block runs."""
    if log_file is None:
        yield
        return
    package_logger = logging.getLogger("genomic_tensors")
    previous_level = package_logger.level
    handler = logging.FileHandler(log_file, mode="w")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.setLevel(logging.INFO)
    package_logger.addHandler(handler)
    if package_logger.getEffectiveLevel() > logging.INFO:
        package_logger.setLevel(logging.INFO)
    try:
        yield
    finally:
        package_logger.removeHandler(handler)
        package_logger.setLevel(previous_level)
        handler.close()


def _fit_result(
    model: keras.Model,
    history: pd.DataFrame,
    monitor: str,
    epochs: int,
    seed: int,
    files: tuple[Path | None, Path | None, Path | None],
) -> FitResult:
    """The :class:`FitResult` of a run whose per-epoch rows are ``history`` (best epoch logged)."""
    if history.empty or monitor not in history:
        raise RuntimeError(f"training produced no {monitor!r} values; check the data")
    best_row = int(np.nanargmin(history[monitor].to_numpy()))
    model_file, history_file, log_file = files
    result = FitResult(
        model=model,
        history=history,
        best_epoch=int(history["epoch"].iloc[best_row]),
        best_loss=float(history[monitor].iloc[best_row]),
        monitor=monitor,
        epochs_run=len(history),
        stopped_early=len(history) < epochs,
        seed=seed,
        model_path=model_file,
        history_path=history_file,
        log_path=log_file,
    )
    log.info(
        "best epoch %d (%s=%.6g) of %d run%s; weights restored",
        result.best_epoch, monitor, result.best_loss, result.epochs_run,
        ", stopped early" if result.stopped_early else "",
    )
    return result

"""Tests of fitting: optimizer clipping, batch streaming, determinism, early stopping, outputs."""

from __future__ import annotations

import functools

import keras
import numpy as np
import pandas as pd
import pytest

from genomic_tensors import models, training
from genomic_tensors.training import BatchStream, ClippedAdam, fit, load_model, paper_optimizer


def _toy_data(n: int = 96, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3)).astype(np.float32)
    y = (x[:, 0] - x[:, 1] > 0).astype(np.float32)[:, None]
    return x, y


def _toy_model() -> keras.Model:
    inp = keras.Input((3,), name="x")
    return keras.Model(inp, keras.layers.Dense(1, activation="sigmoid", name="output")(inp))


class RecordingDataset:
    """An array-like dataset (not numpy) that records what the stream asks of it."""

    def __init__(self, array: np.ndarray) -> None:
        self.array = array
        self.requests: list[np.ndarray] = []
        self.by_epoch: dict[int | None, list[np.ndarray]] = {}
        self.epochs: list[int] = []
        self.ends = 0
        self.current: int | None = None

    def __len__(self) -> int:
        return len(self.array)

    def __getitem__(self, idx: np.ndarray) -> np.ndarray:
        self.requests.append(np.array(idx))
        self.by_epoch.setdefault(self.current, []).append(np.array(idx))
        return self.array[idx]

    def set_epoch(self, epoch: int) -> None:
        self.epochs.append(epoch)
        self.current = epoch

    def on_epoch_end(self) -> None:
        self.ends += 1


class WeightRecorder(keras.callbacks.Callback):
    def __init__(self) -> None:
        super().__init__()
        self.weights: list[list[np.ndarray]] = []

    def on_epoch_end(self, epoch, logs=None):
        self.weights.append([w.copy() for w in self.model.get_weights()])


# ----------------------------------------------------------------------------------------- optimizer
def test_keras3_rejects_both_clippings_so_we_subclass():
    with pytest.raises(ValueError, match="Only one of"):
        keras.optimizers.Adam(clipnorm=1.0, clipvalue=0.5)


def test_clipping_is_global_norm_then_value():
    opt = paper_optimizer()
    assert opt.amsgrad and float(opt.learning_rate) == pytest.approx(1e-3)
    grads = [keras.ops.convert_to_tensor([3.0, 0.0]), keras.ops.convert_to_tensor([[4.0]])]
    # global norm 5 -> scale 1/5 -> [0.6, 0], [[0.8]] -> value clip 0.5 -> [0.5, 0], [[0.5]]
    clipped = [np.asarray(g) for g in opt._clip_gradients(grads)]
    np.testing.assert_allclose(clipped[0], [0.5, 0.0], rtol=1e-6)
    np.testing.assert_allclose(clipped[1], [[0.5]], rtol=1e-6)
    small = [keras.ops.convert_to_tensor([0.3, -0.4])]  # norm 0.5 < 1: untouched, within +-0.5
    np.testing.assert_allclose(np.asarray(opt._clip_gradients(small)[0]), [0.3, -0.4], rtol=1e-6)


def test_optimizer_config_round_trip_and_errors():
    opt = ClippedAdam(2e-3, clip_global_norm=2.0, clip_value=None)
    clone = ClippedAdam.from_config(opt.get_config())
    assert (clone.clip_global_norm, clone.clip_value, clone.amsgrad) == (2.0, None, True)
    with pytest.raises(ValueError, match="clip_value must be positive"):
        ClippedAdam(clip_value=-1.0)


# -------------------------------------------------------------------------------------- batch stream
def test_stream_batches_cover_every_row_once_per_epoch():
    x = np.arange(10)[:, None].astype(np.float32)
    stream = BatchStream({"a": x, "b": x * 2}, x[:, :, None, None], batch_size=4, shuffle=True,
                         seed=1, flatten_targets=True)
    assert len(stream) == 3
    stream.on_epoch_end()  # Keras resets the iterator before the first epoch: no effect
    for _ in range(2):
        stream.on_epoch_begin()
        seen = []
        for i in range(len(stream)):
            xb, yb = stream[i]
            assert yb.shape == (len(xb["a"]), 1)
            np.testing.assert_array_equal(xb["b"], xb["a"] * 2)
            np.testing.assert_array_equal(yb, xb["a"])
            assert np.all(np.diff(xb["a"][:, 0]) > 0)  # sorted within a batch
            seen.extend(xb["a"][:, 0].tolist())
        assert sorted(seen) == list(range(10))
        stream.on_epoch_end()
    assert stream.epoch == 1  # epochs 0 and 1


def test_stream_permutation_depends_on_seed_and_epoch_only():
    a = BatchStream(np.zeros((50, 1)), batch_size=7, shuffle=True, seed=5)
    b = BatchStream(np.zeros((50, 1)), batch_size=7, shuffle=True, seed=5)
    a.on_epoch_begin()
    first = a.batch_indices(0)
    np.testing.assert_array_equal(first, b.batch_indices(0))
    a.on_epoch_end()
    a.on_epoch_begin()
    assert not np.array_equal(first, a.batch_indices(0))
    unshuffled = BatchStream(np.zeros((50, 1)), batch_size=7)
    np.testing.assert_array_equal(unshuffled.batch_indices(7), [49])


def test_stream_errors():
    with pytest.raises(ValueError, match="same number of rows"):
        BatchStream({"dna": np.zeros((5, 2)), "dnase": np.zeros((6, 2))}, np.zeros(5))
    with pytest.raises(ValueError, match="empty dataset"):
        BatchStream(np.zeros((0, 2)))
    with pytest.raises(ValueError, match="batch_size must be >= 1"):
        BatchStream(np.zeros((3, 2)), batch_size=0)
    with pytest.raises(IndexError, match="batch 3 out of range"):
        BatchStream(np.zeros((3, 2)), batch_size=1).batch_indices(3)

    class Bad(RecordingDataset):
        def __getitem__(self, idx):
            return self.array[:1]

    with pytest.raises(ValueError, match="expected the first axis to be the batch"):
        BatchStream(Bad(np.zeros((4, 2))), batch_size=2)[0]


# -------------------------------------------------------------------------------------------- fit
@pytest.mark.parametrize("workers", [1, 2])
def test_fit_streams_from_array_like_and_writes_outputs(tmp_path, workers):
    x, y = _toy_data()
    ds = RecordingDataset(x[:64])
    result = fit(_toy_model, (ds, y[:64]), (x[64:], y[64:]), batch_size=16, epochs=3, seed=0,
                 outdir=tmp_path / "run", workers=workers)
    assert result.epochs_run == 3 and result.monitor == "val_loss"
    assert ds.epochs == [0, 1, 2] and ds.ends == 3
    assert max(len(r) for r in ds.requests) == 16  # never more than one batch at a time
    orders = []
    for epoch in range(3):  # every row exactly once per epoch, in a new order each epoch
        rows = np.concatenate(ds.by_epoch[epoch])
        np.testing.assert_array_equal(np.sort(rows), np.arange(64))
        orders.append(rows)
    assert not np.array_equal(orders[0], orders[1])
    history = pd.read_csv(tmp_path / "run" / "history.tsv", sep="\t")
    assert list(history["epoch"]) == [1, 2, 3]
    assert {"loss", "val_loss", "seconds"} <= set(history.columns)
    assert "best epoch" in (tmp_path / "run" / "train.log").read_text()
    loaded = load_model(tmp_path / "run" / "model.keras")
    np.testing.assert_allclose(loaded.predict(x, verbose=0), result.model.predict(x, verbose=0),
                               rtol=1e-6)


def test_fit_same_seed_same_numbers_different_seed_different_numbers():
    x, y = _toy_data()
    factory = functools.partial(models.jund_dna, 1, 0.2, window=40, pool_size=5)
    xs = np.eye(4, dtype=np.float32)[np.random.default_rng(0).integers(0, 4, size=(96, 40))]
    runs = [fit(factory, (xs[:64], y[:64]), (xs[64:], y[64:]), batch_size=16, epochs=2, seed=s)
            for s in (7, 7, 8)]
    pd.testing.assert_frame_equal(runs[0].history.drop(columns="seconds"),
                                  runs[1].history.drop(columns="seconds"))
    for a, b in zip(runs[0].model.get_weights(), runs[1].model.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert not np.allclose(runs[0].history["loss"], runs[2].history["loss"])


@pytest.mark.parametrize(("epochs", "patience", "stops"), [(12, 1, True), (4, 10, False)])
def test_early_stopping_restores_the_best_epoch(epochs, patience, stops):
    x, y = _toy_data()
    recorder = WeightRecorder()
    # validation labels are the opposite of training labels: validation loss rises as training learns
    result = fit(_toy_model, (x[:64], y[:64]), (x[64:], 1 - y[64:]), batch_size=16, epochs=epochs,
                 patience=patience, seed=1, optimizer=keras.optimizers.Adam(0.05),
                 callbacks=[recorder])
    val = result.history["val_loss"].to_numpy()
    assert result.best_epoch == int(np.argmin(val)) + 1
    assert result.best_epoch < result.epochs_run  # the last epoch is not the best: restoring matters
    assert result.stopped_early is stops
    if stops:
        assert result.epochs_run == result.best_epoch + patience
    for restored, best in zip(result.model.get_weights(), recorder.weights[result.best_epoch - 1]):
        np.testing.assert_array_equal(restored, best)
    assert not np.array_equal(result.model.get_weights()[0], recorder.weights[-1][0])


def test_fit_dict_inputs_and_cover_shaped_targets(tmp_path):
    rng = np.random.default_rng(2)
    dna = np.eye(4, dtype=np.float32)[rng.integers(0, 4, size=(40, 120))]
    dnase = rng.normal(size=(40, 22, 2, 2)).astype(np.float32)
    y = rng.integers(0, 2, size=(40, 1, 1, 1)).astype(np.float32)
    factory = functools.partial(models.jund_combined, 1, window=120)
    result = fit(factory, ({"dna": dna, "dnase": dnase}, y), None, batch_size=8, epochs=2,
                 model_path=tmp_path / "m.keras")
    assert result.monitor == "loss" and result.model_path.is_file()
    assert result.history_path is None and result.log_path is None


def test_fit_errors(tmp_path):
    x, y = _toy_data(8)
    with pytest.raises(ValueError, match="epochs must be >= 1"):
        fit(_toy_model, (x, y), epochs=0)
    with pytest.raises(ValueError, match="patience must be >= 0"):
        fit(_toy_model, (x, y), patience=-1)
    with pytest.raises(ValueError, match="train must be an \\(inputs, targets\\) pair"):
        fit(_toy_model, x)
    with pytest.raises(ValueError, match="model_path must end in .keras"):
        fit(_toy_model, (x, y), model_path=tmp_path / "m.h5")
    with pytest.raises(ValueError, match="same number of rows"):
        fit(_toy_model, (x, y[:5]))
    with pytest.raises(FileNotFoundError, match="no saved model"):
        load_model(tmp_path / "missing.keras")


def test_seed_everything_is_reproducible():
    training.seed_everything(11)
    a = np.random.random(3)
    training.seed_everything(11)
    np.testing.assert_array_equal(a, np.random.random(3))


# ----------------------------------------------------------------- precision, XLA, determinism
def _codes_data(n: int = 64, positions: int = 199, outputs: int = 5, seed: int = 0):
    rng = np.random.default_rng(seed)
    x = rng.integers(-1, 16, size=(n, positions)).astype(np.int32)
    y = (rng.random((n, outputs)) < 0.3).astype(np.float32)
    return x, y


SPEED_MODELS = {
    "danq": functools.partial(models.danq, 200, 2, n_outputs=5, filters=8, lstm_units=4, dense_units=8,
                              input_codes=True),
    "deepsea": functools.partial(models.deepsea, 200, 2, n_outputs=5, filters=(8, 8, 8), dense_units=8,
                                 input_codes=True),
}  # fmt: skip


@pytest.mark.parametrize("jit_compile", [False, True], ids=["eager-graph", "xla"])
@pytest.mark.parametrize("precision", ["float32", "mixed_float16", "mixed_bfloat16"])
@pytest.mark.parametrize("name", sorted(SPEED_MODELS))
def test_precision_and_xla_build_train_save_and_load_on_the_cpu(name, precision, jit_compile, tmp_path):
    x, y = _codes_data()
    result = fit(
        SPEED_MODELS[name], (x, y), epochs=1, batch_size=32, seed=3, outdir=tmp_path,
        precision=precision, jit_compile=jit_compile, deterministic=not jit_compile,
    )  # fmt: skip
    model = result.model
    assert model.dtype_policy.name == precision
    assert model.jit_compile is jit_compile
    if precision == "mixed_float16":
        assert isinstance(model.optimizer, keras.optimizers.LossScaleOptimizer)
        assert isinstance(model.optimizer.inner_optimizer, ClippedAdam)
    assert np.isfinite(result.history["loss"]).all()
    assert keras.config.dtype_policy().name == "float32", "fit must restore the global policy"
    loaded = load_model(tmp_path / "model.keras")
    assert loaded.get_layer("output").dtype_policy.name == "float32"
    pred = loaded.predict_on_batch(x[:8])
    assert pred.dtype == np.float32 and pred.shape == (8, 5)
    # The same weights; XLA and 16-bit arithmetic may round differently from the loaded model's graph.
    tolerance = 1e-5 if precision == "float32" else 2e-2
    np.testing.assert_allclose(pred, model.predict_on_batch(x[:8]), rtol=tolerance, atol=tolerance)


def test_xla_is_refused_by_keras_while_op_determinism_is_on(tmp_path):
    x, y = _codes_data()
    result = fit(SPEED_MODELS["deepsea"], (x, y), epochs=1, batch_size=32, jit_compile=True,
                 deterministic=True)
    assert result.model.jit_compile is False


def test_mixed_precision_needs_a_factory():
    with pytest.raises(ValueError, match="pass a factory to build it under mixed_bfloat16"):
        training.build_model(_toy_model(), "mixed_bfloat16")
    with pytest.raises(ValueError, match="precision must be one of float32"):
        training.build_model(_toy_model, "float16")


def test_the_batch_queue_grows_with_the_workers():
    x, y = _toy_data()
    assert BatchStream(x, y, workers=1).max_queue_size == 10
    assert BatchStream(x, y, workers=8).max_queue_size == 32
    assert BatchStream(x, y, workers=8, max_queue_size=5).max_queue_size == 5

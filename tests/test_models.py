"""Tests of the paper's architectures: parameter counts, inputs, save/load round trips."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from genomic_tensors import models
from genomic_tensors.layers import BothStrandConv1D


def _one_hot_batch(n: int, positions: int, order: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    codes = rng.integers(0, 4**order, size=(n, positions))
    return np.eye(4**order, dtype=np.float32)[codes]


# ------------------------------------------------------------------------------ parameter counts
@pytest.mark.parametrize(
    ("factory", "expected"),
    [
        (lambda: models.deepsea(500, 1), 25_315_119),
        (lambda: models.danq(500, 1), 23_838_479),
        (lambda: models.jund_dna(1), 779),
        (lambda: models.jund_dna(3), 7_379),
        (models.jund_dnase, 391),
        (lambda: models.jund_combined(3), 7_379 - 9 + 391 - 6 + 14),
        (models.cage_chromatin, 11),
    ],
)
def test_parameter_counts_of_the_paper(factory, expected):
    assert factory().count_params() == expected


def test_cage_dna_parameter_count_by_hand():
    # conv 4^2*15*10+10, BN 40, conv 10*5*8+8, BN 32, dense 9
    assert models.cage_dna(2).count_params() == 2410 + 40 + 408 + 32 + 9
    assert models.cage_combined(2).count_params() == 2410 + 40 + 408 + 32 + 8 + (10 + 1)


def test_forward_strand_has_the_same_parameters():
    both = models.jund_dna(2, strands="both")
    fwd = models.jund_dna(2, strands="forward")
    assert both.count_params() == fwd.count_params()
    assert isinstance(both.get_layer("dna_conv1"), BothStrandConv1D)
    assert isinstance(fwd.get_layer("dna_conv1"), keras.layers.Conv1D)


# ---------------------------------------------------------------------------------- shapes and names
def test_input_names_and_shapes():
    m = models.jund_combined(3, window=500)
    shapes = {t.name: tuple(t.shape[1:]) for t in m.inputs}
    assert shapes == {"dna": (498, 64), "dnase": (22, 2, 2)}
    cage = models.cage_combined(1, length=901)
    assert {t.name: tuple(t.shape[1:]) for t in cage.inputs} == {
        "dna": (901, 4), "dnase": (1, 1, 1), "h3k4me3": (1, 1, 1)
    }
    assert models.deepsea(1000, 2, n_outputs=7, filters=(4, 4, 4), dense_units=5).output.shape[-1] == 7


def test_cage_dropout_default_follows_the_paper():
    names = lambda m: [layer.name for layer in m.layers]  # noqa: E731
    assert "dna_dropout" not in names(models.cage_dna(1))
    assert models.cage_dna(3).get_layer("dna_dropout").rate == pytest.approx(0.2)
    assert "dna_dropout" not in names(models.cage_dna(3, input_dropout=0.0))


def test_input_dropout_drops_whole_positions_of_the_one_hot():
    layer = models.jund_dna(3, input_dropout=0.25).get_layer("dna_dropout")
    keras.utils.set_random_seed(3)
    x = _one_hot_batch(64, 200, 3)
    out = np.asarray(layer(x, training=True))
    kept = out.sum(axis=-1)  # per position: 0 (dropped) or 1 / (1 - rate) (kept)
    assert (np.isclose(kept, 0.0) | np.isclose(kept, 1 / 0.75)).all()
    # the kept positions are the input scaled, and about a quarter are dropped, as element-wise dropout
    # would drop the single non-zero entry of a one-hot row
    assert np.allclose(out[kept > 0], x[kept > 0] / 0.75)
    assert (kept == 0).mean() == pytest.approx(0.25, abs=0.02)
    assert np.array_equal(np.asarray(layer(x, training=False)), x)
    # one draw per position, not per channel (4**order times fewer): a dense row is dropped as a whole
    dense = np.asarray(layer(np.ones((8, 50, 64), np.float32), training=True))
    assert (dense.min(axis=-1) == dense.max(axis=-1)).all()


def test_codes_input_gives_the_same_predictions_as_one_hot():
    keras.utils.set_random_seed(1)
    hot_model = models.jund_dna(2, window=200)
    code_model = models.jund_dna(2, window=200, input_codes=True)
    code_model.set_weights(hot_model.get_weights())
    rng = np.random.default_rng(0)
    codes = rng.integers(-1, 16, size=(3, 199)).astype(np.int32)
    hot = np.where(codes[..., None] >= 0, np.eye(16, dtype=np.float32)[np.maximum(codes, 0)], 0)
    np.testing.assert_allclose(
        code_model.predict(codes, verbose=0), hot_model.predict(hot, verbose=0), rtol=1e-5
    )


def test_factory_errors():
    with pytest.raises(ValueError, match="strands must be one of"):
        models.jund_dna(1, strands="reverse")
    with pytest.raises(ValueError, match="order must be >= 1"):
        models.deepsea(500, 0)
    with pytest.raises(ValueError, match="too short for order 3"):
        models.jund_dna(3, window=2)
    with pytest.raises(ValueError, match="input_dropout must be in"):
        models.jund_dna(1, 1.5)
    with pytest.raises(ValueError, match="3 filters and 3 dropout"):
        models.deepsea(500, 1, filters=(3, 3))
    with pytest.raises(ValueError, match="2 dropout rates"):
        models.danq(500, 1, dropout=(0.1,))
    with pytest.raises(ValueError, match="cannot be named 'dna'"):
        models.cage_combined(1, signals=("dna", "x"))
    with pytest.raises(ValueError, match="at least one signal"):
        models.cage_chromatin(signals=())


# ------------------------------------------------------------------------------------ save / load
def _inputs_for(model: keras.Model, n: int = 3) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(7)
    out = {}
    for t in model.inputs:
        shape = (n, *t.shape[1:])
        if t.name == "dna":
            if "int" in str(t.dtype):
                out[t.name] = rng.integers(-1, 4, size=shape).astype(np.int32)
            else:
                out[t.name] = _one_hot_batch(n, shape[1], int(np.log(shape[2]) / np.log(4) + 0.5))
        else:
            out[t.name] = rng.normal(size=shape).astype(np.float32)
    return out


SMALL = {
    "jund_dna": lambda: models.jund_dna(2, 0.2, window=120),
    "jund_dna_codes": lambda: models.jund_dna(1, window=120, input_codes=True),
    "jund_dnase": models.jund_dnase,
    "jund_combined": lambda: models.jund_combined(3, window=120),
    "deepsea": lambda: models.deepsea(
        200, 2, n_outputs=3, filters=(4, 5, 6), dense_units=7
    ),
    "deepsea_forward": lambda: models.deepsea(
        200, 1, "forward", n_outputs=2, filters=(3, 3, 3), dense_units=4
    ),
    "danq": lambda: models.danq(200, 3, n_outputs=3, filters=4, lstm_units=3, dense_units=5),
    "cage_dna": lambda: models.cage_dna(2, length=120),
    "cage_chromatin": models.cage_chromatin,
    "cage_combined": lambda: models.cage_combined(3, length=120),
}


@pytest.mark.parametrize("name", sorted(SMALL))
def test_save_load_round_trip(name, tmp_path):
    keras.utils.set_random_seed(0)
    model = SMALL[name]()
    x = _inputs_for(model)
    before = model.predict(x if len(model.inputs) > 1 else next(iter(x.values())), verbose=0)
    path = tmp_path / f"{name}.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    after = loaded.predict(x if len(model.inputs) > 1 else next(iter(x.values())), verbose=0)
    assert before.shape == (3, model.output.shape[-1])
    np.testing.assert_allclose(after, before, rtol=1e-5, atol=1e-6)
    assert loaded.count_params() == model.count_params()


# ------------------------------------------------------------------------------ mixed precision
@pytest.mark.parametrize("policy", ["mixed_float16", "mixed_bfloat16"])
@pytest.mark.parametrize("name", sorted(SMALL))
def test_output_layer_stays_float32_under_mixed_precision(name, policy):
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(policy)
    try:
        model = SMALL[name]()
    finally:
        keras.config.set_dtype_policy(previous)
    assert model.get_layer("output").dtype_policy.name == "float32"
    assert model.output.dtype == "float32"
    hidden = [layer for layer in model.layers if layer.name != "output" and layer.weights]
    assert hidden and all(layer.dtype_policy.name == policy for layer in hidden)

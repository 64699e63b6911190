"""Tests of integrated gradients: completeness, sign, baselines, several inputs, k-mer to base."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from genomic_tensors.interpret import base_attribution, integrated_gradients
from genomic_tensors.layers import BothStrandConv1D


def _linear_model(weights: np.ndarray) -> keras.Model:
    inp = keras.Input((len(weights),), name="x")
    out = keras.layers.Dense(1, use_bias=True, name="output")(inp)
    model = keras.Model(inp, out)
    model.set_weights([weights.reshape(-1, 1).astype(np.float32), np.array([0.3], np.float32)])
    return model


def test_linear_model_attribution_is_weight_times_input_with_sign():
    w = np.array([2.0, -3.0, 0.5])
    x = np.array([[1.0, 1.0, -2.0], [0.5, -1.0, 4.0]], dtype=np.float32)
    ig = integrated_gradients(_linear_model(w), x, steps=4)
    np.testing.assert_allclose(ig, x * w, rtol=1e-6)
    assert ig[0, 1] < 0  # a negative contribution stays negative (no absolute values)
    # with a baseline the attribution is w * (x - baseline)
    ig_b = integrated_gradients(_linear_model(w), x, baseline=np.ones(3, np.float32), steps=3)
    np.testing.assert_allclose(ig_b, (x - 1) * w, rtol=1e-6)


def _smooth_model(seed: int = 0) -> keras.Model:
    keras.utils.set_random_seed(seed)
    inp = keras.Input((20, 4), name="dna")
    h = BothStrandConv1D(6, 5, activation="tanh", merge="mean")(inp)  # smooth: no max kinks
    h = keras.layers.GlobalAveragePooling1D()(h)
    h = keras.layers.Dense(5, activation="tanh")(h)
    return keras.Model(inp, keras.layers.Dense(3, activation="sigmoid", name="output")(h))


@pytest.mark.parametrize("output_index", [0, 2])
def test_completeness_on_a_smooth_model(output_index):
    model = _smooth_model()
    rng = np.random.default_rng(1)
    x = np.eye(4, dtype=np.float32)[rng.integers(0, 4, size=(3, 20))] * 3.0  # scaled: a curved path
    ig = integrated_gradients(model, x, output_index=output_index, steps=64, batch_size=20)
    assert ig.shape == x.shape and ig.dtype == np.float32
    expected = (model.predict(x, verbose=0) - model.predict(np.zeros_like(x), verbose=0))[:, output_index]
    np.testing.assert_allclose(ig.reshape(3, -1).sum(axis=1), expected, atol=2e-5)
    assert np.all(ig[x == 0] == 0)  # zero baseline: absent letters get nothing
    assert (ig < 0).any() and (ig > 0).any()


def test_dict_inputs_with_one_input_held_fixed():
    a = keras.Input((3,), name="dna")
    b = keras.Input((2,), name="dnase")
    h = keras.layers.Concatenate()([a, b])
    model = keras.Model({"dna": a, "dnase": b}, keras.layers.Dense(1, activation="sigmoid")(h))
    rng = np.random.default_rng(0)
    x = {"dna": rng.normal(size=(2, 3)).astype(np.float32), "dnase": rng.normal(size=(2, 2)).astype(np.float32)}
    ig = integrated_gradients(model, x, baseline={"dnase": x["dnase"]}, steps=80)
    assert set(ig) == {"dna", "dnase"}
    np.testing.assert_array_equal(ig["dnase"], 0)
    f = lambda d: model.predict(d, verbose=0)[:, 0]  # noqa: E731
    expected = f(x) - f({"dna": np.zeros_like(x["dna"]), "dnase": x["dnase"]})
    np.testing.assert_allclose(ig["dna"].sum(axis=1), expected, atol=1e-4)


def test_integrated_gradients_errors():
    model = _linear_model(np.ones(3))
    x = np.ones((2, 3), np.float32)
    with pytest.raises(ValueError, match="steps must be >= 1"):
        integrated_gradients(model, x, steps=0)
    with pytest.raises(ValueError, match="output_index 1 out of range for 1 outputs"):
        integrated_gradients(model, x, output_index=1)
    with pytest.raises(ValueError, match="integrated gradients need float inputs"):
        integrated_gradients(model, np.ones((2, 3), np.int32))
    with pytest.raises(ValueError, match="missing \\['x'\\], unexpected \\['y'\\]"):
        integrated_gradients(model, {"y": x})
    with pytest.raises(ValueError, match="baseline for input 'x' has shape \\(4,\\)"):
        integrated_gradients(model, x, baseline=np.zeros(4, np.float32))
    with pytest.raises(ValueError, match="baseline names unknown inputs \\['z'\\]"):
        integrated_gradients(model, {"x": x}, baseline={"z": x})


def test_base_attribution_shares_kmer_values_among_letters():
    order1 = np.array([[0.5, 0, 0, 0], [0, 0, 0, -1.0]], dtype=np.float32)
    np.testing.assert_array_equal(base_attribution(order1, 1), order1)
    # order 2, sequence ACG: k-mers AC (1) and CG (6) with attributions 1 and -2
    att = np.zeros((2, 16), dtype=np.float32)
    att[0, 1], att[1, 6] = 1.0, -2.0
    per_base = base_attribution(att, 2)
    expected = np.zeros((3, 4), dtype=np.float32)
    expected[0, 0] = 0.5  # A from AC
    expected[1, 1] = 0.5 - 1.0  # C from AC and from CG
    expected[2, 2] = -1.0  # G from CG
    np.testing.assert_allclose(per_base, expected)
    assert base_attribution(att[None], 2).shape == (1, 3, 4)
    with pytest.raises(ValueError, match="expected \\(positions, 64\\) for order 3"):
        base_attribution(att, 3)

"""Tests of the both-strand convolution and the on-device one-hot layer."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from genomic_tensors.layers import (
    BothStrandConv1D,
    OneHot,
    order_from_channels,
    reverse_complement_permutation,
)

_INDEX = {"A": 0, "C": 1, "G": 2, "T": 3}
_COMP = {"A": "T", "C": "G", "G": "C", "T": "A", "N": "N"}


def _kmer_codes(seq: str, order: int) -> np.ndarray:
    """Test-local k-mer codes, first letter most significant, -1 for any N."""
    out = []
    for i in range(len(seq) - order + 1):
        kmer = seq[i : i + order]
        if "N" in kmer:
            out.append(-1)
            continue
        code = 0
        for letter in kmer:
            code = code * 4 + _INDEX[letter]
        out.append(code)
    return np.array(out, dtype=np.int32)


def _one_hot(seq: str, order: int) -> np.ndarray:
    codes = _kmer_codes(seq, order)
    hot = np.zeros((len(codes), 4**order), dtype=np.float32)
    for i, c in enumerate(codes):
        if c >= 0:
            hot[i, c] = 1.0
    return hot


def _revcomp(seq: str) -> str:
    return "".join(_COMP[b] for b in reversed(seq))


def _random_seqs(n: int, length: int, seed: int) -> list[str]:
    rng = np.random.default_rng(seed)
    return ["".join(rng.choice(list("ACGT"), size=length)) for _ in range(n)]


# ------------------------------------------------------------------------------------- permutation
def test_permutation_by_hand():
    assert reverse_complement_permutation(1).tolist() == [3, 2, 1, 0]
    perm2 = reverse_complement_permutation(2)
    assert perm2[1] == 11  # AC -> GT = 2*4 + 3
    assert perm2[4] == 14  # CA -> TG = 3*4 + 2
    assert perm2[0] == 15  # AA -> TT
    assert perm2[6] == 6  # CG is its own reverse complement


@pytest.mark.parametrize("order", [1, 2, 3])
def test_permutation_matches_reverse_complement_of_one_hot(order):
    seq = _random_seqs(1, 40, seed=order)[0]
    perm = reverse_complement_permutation(order)
    np.testing.assert_array_equal(_one_hot(seq, order)[::-1][:, perm], _one_hot(_revcomp(seq), order))
    np.testing.assert_array_equal(perm[perm], np.arange(4**order))


def test_permutation_rejects_order_zero():
    with pytest.raises(ValueError, match="order must be >= 1"):
        reverse_complement_permutation(0)


def test_order_from_channels():
    assert order_from_channels(4) == 1
    assert order_from_channels(16) == 2
    assert order_from_channels(64) == 3
    for bad in (1, 5, 8, 20, 0):
        with pytest.raises(ValueError, match="4\\*\\*order channels"):
            order_from_channels(bad)


# ------------------------------------------------------------------------------------- both-strand conv
def test_both_strand_conv_by_hand():
    """A kernel that reads 'AC' scores 1 on a forward AC and on a GT (AC on the reverse strand)."""
    layer = BothStrandConv1D(1, 2, merge="concat", kernel_initializer="zeros")
    x = _one_hot("AACGTT", 1)[None]
    layer.build(x.shape)
    kernel = np.zeros((2, 4, 1), dtype=np.float32)
    kernel[0, 0, 0] = 1.0  # A at offset 0
    kernel[1, 1, 0] = 1.0  # C at offset 1
    layer.set_weights([kernel, np.zeros(1, dtype=np.float32)])
    out = np.asarray(layer(x))[0]
    # forward windows: AA AC CG GT TT -> A-first hits 1,1,0,0,0 + C-second hits 0,1,0,0,0
    np.testing.assert_allclose(out[:, 0], [1, 2, 0, 0, 0])
    # reverse strand of window GT is AC: 2; of TT is AA: 1 ; of AA is TT: 0; of AC is GT: 0; of CG is CG: 0
    np.testing.assert_allclose(out[:, 1], [0, 0, 0, 2, 1])


@pytest.mark.parametrize("order", [1, 2, 3])
@pytest.mark.parametrize("merge", ["max", "mean", "concat"])
def test_output_for_reverse_complement_is_reversed(order, merge):
    seqs = _random_seqs(3, 37, seed=10 + order)
    x = np.stack([_one_hot(s, order) for s in seqs])
    x_rc = np.stack([_one_hot(_revcomp(s), order) for s in seqs])
    keras.utils.set_random_seed(order)
    layer = BothStrandConv1D(6, 5, activation="relu", merge=merge, bias_initializer="random_normal")
    out = np.asarray(layer(x))
    out_rc = np.asarray(layer(x_rc))
    assert out.shape == (3, 37 - order + 1 - 4, 12 if merge == "concat" else 6)
    expected = out[:, ::-1]
    if merge == "concat":
        expected = np.concatenate([expected[..., 6:], expected[..., :6]], axis=-1)
    np.testing.assert_allclose(out_rc, expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("order", [1, 2, 3])
def test_max_merge_and_global_pooling_is_strand_invariant(order):
    seqs = _random_seqs(4, 50, seed=order)
    x = np.stack([_one_hot(s, order) for s in seqs])
    x_rc = np.stack([_one_hot(_revcomp(s), order) for s in seqs])
    keras.utils.set_random_seed(0)
    inp = keras.Input((50 - order + 1, 4**order))
    h = BothStrandConv1D(8, 7, activation="relu")(inp)
    h = keras.layers.GlobalMaxPooling1D()(h)
    model = keras.Model(inp, keras.layers.Dense(2, activation="sigmoid")(h))
    np.testing.assert_allclose(model.predict(x, verbose=0), model.predict(x_rc, verbose=0), rtol=1e-5)
    # and the test can fail: a forward-only Conv1D is not invariant
    fwd = keras.Sequential([keras.Input((50 - order + 1, 4**order)), keras.layers.Conv1D(8, 7),
                            keras.layers.GlobalMaxPooling1D(), keras.layers.Dense(1)])
    assert not np.allclose(fwd.predict(x, verbose=0), fwd.predict(x_rc, verbose=0))


def test_forward_strand_equals_conv1d_and_parameter_count():
    x = np.stack([_one_hot(s, 2) for s in _random_seqs(2, 30, seed=3)])
    layer = BothStrandConv1D(5, 4, merge="concat")
    conv = keras.layers.Conv1D(5, 4)
    layer.build(x.shape)
    conv.build(x.shape)
    assert layer.count_params() == conv.count_params() == 4 * 16 * 5 + 5
    conv.set_weights(layer.get_weights())
    np.testing.assert_allclose(np.asarray(layer(x))[..., :5], np.asarray(conv(x)), rtol=1e-5, atol=1e-6)


def test_config_round_trip_and_save_load(tmp_path):
    layer = BothStrandConv1D(3, 5, activation="relu", merge="mean", name="bs")
    clone = BothStrandConv1D.from_config(layer.get_config())
    assert (clone.filters, clone.kernel_size, clone.merge) == (3, 5, "mean")
    inp = keras.Input((20, 16))
    model = keras.Model(inp, keras.layers.GlobalMaxPooling1D()(layer(inp)))
    x = np.stack([_one_hot(s, 2) for s in _random_seqs(2, 21, seed=5)])
    path = tmp_path / "m.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert isinstance(loaded.get_layer("bs"), BothStrandConv1D)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)


def test_conv_errors():
    with pytest.raises(ValueError, match="merge must be one of"):
        BothStrandConv1D(2, 3, merge="sum")
    with pytest.raises(ValueError, match="filters and kernel_size must be >= 1"):
        BothStrandConv1D(0, 3)
    with pytest.raises(ValueError, match="got 5 channels"):
        BothStrandConv1D(2, 3)(np.zeros((1, 10, 5), dtype=np.float32))


# ----------------------------------------------------------------------------------------- one-hot
def test_one_hot_layer_by_hand():
    codes = np.array([[0, 3, -1, 2]], dtype=np.int32)
    out = np.asarray(OneHot(1)(codes))
    expected = np.array([[[1, 0, 0, 0], [0, 0, 0, 1], [0, 0, 0, 0], [0, 0, 1, 0]]], dtype=np.float32)
    np.testing.assert_array_equal(out, expected)
    assert out.dtype == np.float32


@pytest.mark.parametrize("order", [2, 3])
def test_one_hot_layer_matches_encoding_with_n(order):
    seq = "ACGTNACGGT" * 3
    out = np.asarray(OneHot(order)(_kmer_codes(seq, order)[None]))[0]
    np.testing.assert_array_equal(out, _one_hot(seq, order))
    assert (out.sum(axis=1) == 0).sum() == 3 * order  # k-mers overlapping each N are zero rows


def test_one_hot_save_load(tmp_path):
    inp = keras.Input((6,), dtype="int32")
    model = keras.Model(inp, OneHot(2, name="oh")(inp))
    model.save(tmp_path / "oh.keras")
    loaded = keras.saving.load_model(tmp_path / "oh.keras")
    assert loaded.get_layer("oh").order == 2
    codes = np.array([[0, 15, -1, 4, 1, 11]], dtype=np.int32)
    np.testing.assert_array_equal(loaded.predict(codes, verbose=0), model.predict(codes, verbose=0))


def test_one_hot_errors():
    with pytest.raises(ValueError, match="order must be >= 1"):
        OneHot(0)


def test_saved_model_keeps_the_clipped_optimizer(tmp_path):
    from genomic_tensors.layers import ClippedAdam

    inp = keras.Input((8, 4))
    model = keras.Model(inp, keras.layers.Dense(1)(keras.layers.Flatten()(BothStrandConv1D(2, 3)(inp))))
    model.compile(optimizer=ClippedAdam(clip_global_norm=1.0, clip_value=0.5), loss="mse")
    model.fit(np.zeros((4, 8, 4), np.float32), np.ones((4, 1), np.float32), verbose=0)
    model.save(tmp_path / "c.keras")
    loaded = keras.saving.load_model(tmp_path / "c.keras")
    assert isinstance(loaded.optimizer, ClippedAdam)
    assert (loaded.optimizer.clip_global_norm, loaded.optimizer.clip_value) == (1.0, 0.5)
    assert loaded.optimizer.amsgrad

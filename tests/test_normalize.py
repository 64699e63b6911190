"""Normalizers: formulas by hand, fit on one dataset / apply to another, chains, errors."""

from __future__ import annotations

import numpy as np
import pytest

from genomic_tensors.normalize import (
    TPM,
    Chain,
    Log1p,
    ZScore,
    ZScoreLog,
    get_normalizer,
)


def _counts() -> np.ndarray:
    """(2 windows, 2 bins, 1 strand, 2 conditions); condition 0 sums to 10, condition 1 to 20."""
    x = np.zeros((2, 2, 1, 2), np.float32)
    x[:, :, 0, 0] = [[1, 2], [3, 4]]
    x[:, :, 0, 1] = [[2, 4], [6, 8]]
    return x


class _Holder:
    """A dataset-like object: converts to an array, knows its bin length, rebuilds itself."""

    def __init__(self, values: np.ndarray, bin_length: int = 50) -> None:
        self.values = values
        self.bin_length = bin_length

    def __array__(self, dtype=None, copy=None):
        return self.values

    def with_values(self, values: np.ndarray) -> _Holder:
        return _Holder(values, self.bin_length)


def test_tpm_by_hand():
    x = _counts()
    out = TPM(bin_length=50).fit(x).transform(x)
    # count / (50 / 1000 kb) / (total / 1e6): condition 0 total 10, condition 1 total 20
    expected0 = np.array([[1, 2], [3, 4]]) / 0.05 / (10 / 1e6)
    expected1 = np.array([[2, 4], [6, 8]]) / 0.05 / (20 / 1e6)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out[:, :, 0, 0], expected0, rtol=1e-6)
    np.testing.assert_allclose(out[:, :, 0, 1], expected1, rtol=1e-6)
    # both replicates carry the same relative signal, so TPM makes them equal
    np.testing.assert_allclose(out[..., 0], out[..., 1], rtol=1e-6)


def test_tpm_bin_length_from_the_dataset_and_fitted_totals_reused():
    train = _Holder(_counts(), bin_length=200)
    norm = get_normalizer("tpm").fit(train)
    assert norm.bin_length == 200 and norm.totals.tolist() == [10.0, 20.0]
    other = _Holder(np.ones((1, 2, 1, 2), np.float32), bin_length=200)
    out = norm.transform(other)
    assert isinstance(out, _Holder)
    # totals of the fitted data, not of `other` (which would be 2 per condition)
    np.testing.assert_allclose(out.values[0, :, 0, 0], 1 / 0.2 / (10 / 1e6), rtol=1e-6)
    np.testing.assert_allclose(out.values[0, :, 0, 1], 1 / 0.2 / (20 / 1e6), rtol=1e-6)


def test_tpm_needs_a_bin_length_and_counts():
    with pytest.raises(ValueError, match="bin length"):
        TPM().fit(_counts())
    with pytest.raises(ValueError, match="one bin length in bases, got 0"):
        TPM().fit(_Holder(_counts(), bin_length=0))
    empty = np.zeros((1, 1, 1, 2))
    empty[..., 1] = 1
    with pytest.raises(ValueError, match=r"condition\(s\) \[0\] have no counts"):
        TPM(bin_length=1).fit(empty)


def test_zscore_by_hand_population_std():
    x = _counts()
    out = ZScore().fit(x).transform(x)
    v0 = np.array([1, 2, 3, 4], float)
    np.testing.assert_allclose(out[..., 0].ravel(), (v0 - 2.5) / np.sqrt(1.25), rtol=1e-6)
    np.testing.assert_allclose(out[..., 1].ravel(), (2 * v0 - 5) / np.sqrt(5.0), rtol=1e-6)


def test_zscore_constant_condition_divides_by_one():
    x = np.full((3, 1, 1, 1), 7.0)
    np.testing.assert_array_equal(ZScore().fit(x).transform(x), 0.0)


def test_zscorelog_by_hand_and_equal_to_chain():
    x = _counts()
    out = get_normalizer("zscorelog").fit(x).transform(x)
    logs = np.log1p(np.array([1, 2, 3, 4], float))
    expected = (logs - logs.mean()) / logs.std()
    np.testing.assert_allclose(out[..., 0].ravel(), expected, rtol=1e-6)
    chain = get_normalizer(["log1p", "zscore"]).fit(x)
    assert isinstance(chain, Chain)
    np.testing.assert_allclose(chain.transform(x), out, rtol=1e-6)


def test_statistics_from_training_data_applied_to_test_data():
    train = np.arange(8, dtype=float).reshape(4, 2, 1, 1)  # 0..7: log-mean and log-std
    test = np.full((2, 2, 1, 1), 3.0)
    norm = ZScoreLog().fit(train)
    logs = np.log1p(np.arange(8.0))
    np.testing.assert_allclose(
        norm.transform(test), (np.log1p(3.0) - logs.mean()) / logs.std(), rtol=1e-6
    )


def test_chain_fits_each_step_on_the_previous_output():
    x = _counts()
    chain = Chain([TPM(bin_length=1000), ZScore()]).fit(x)
    tpm = TPM(bin_length=1000).fit(x).transform(x)
    np.testing.assert_allclose(chain.transform(x), ZScore().fit(tpm).transform(tpm), rtol=1e-6)


def test_chain_takes_the_bin_length_of_the_dataset_for_tpm():
    holder = _Holder(_counts(), bin_length=1000)
    out = get_normalizer(["tpm", "log1p"]).fit(holder).transform(holder)
    expected = np.log1p(np.array([[1, 2], [3, 4]]) / 1.0 / (10 / 1e6))
    np.testing.assert_allclose(out.values[:, :, 0, 0], expected, rtol=1e-6)


def test_log1p_stateless_and_input_untouched():
    x = _counts()
    before = x.copy()
    out = Log1p().transform(x)
    assert Log1p().is_fitted
    np.testing.assert_allclose(out, np.log1p(before), rtol=1e-6)
    np.testing.assert_array_equal(x, before)


def test_get_normalizer_accepts_names_lists_and_objects():
    assert isinstance(get_normalizer("TPM"), TPM)
    obj = ZScore()
    assert get_normalizer(obj) is obj
    assert not get_normalizer("zscore").is_fitted


def test_unknown_normalizer_errors():
    with pytest.raises(ValueError, match="unknown normalizer 'quantile'; expected one of tpm"):
        get_normalizer("quantile")
    with pytest.raises(ValueError, match="unknown normalizer 3"):
        get_normalizer(3)
    with pytest.raises(ValueError, match="empty list of normalizers"):
        get_normalizer([])


def test_transform_before_fit_and_condition_mismatch_errors():
    with pytest.raises(ValueError, match="not fitted: call fit"):
        ZScore().transform(_counts())
    norm = ZScore().fit(_counts())
    with pytest.raises(ValueError, match="fitted on 2 condition"):
        norm.transform(np.zeros((1, 2, 1, 3)))


def test_wrong_shape_and_negative_values_errors():
    with pytest.raises(ValueError, match=r"shape \(n, bins, strands, conditions\)"):
        ZScore().fit(np.zeros((3, 4)))
    with pytest.raises(ValueError, match="non-negative"):
        Log1p().transform(-np.ones((1, 1, 1, 1)))
    with pytest.raises(ValueError, match="non-negative"):
        ZScoreLog().fit(-np.ones((1, 1, 1, 1)))


def test_state_is_json_able_and_names_statistics():
    import json

    norm = get_normalizer(["tpm", "zscorelog"])
    norm.steps[0].bin_length = 10
    norm.fit(_counts())
    state = json.loads(json.dumps(norm.state()))
    assert state["steps"][0]["totals"] == [10.0, 20.0]
    assert len(state["steps"][1]["mean"]) == 2

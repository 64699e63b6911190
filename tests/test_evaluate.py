"""Tests of the metrics (hand-computed and against scikit-learn / scipy) and of streamed prediction."""

from __future__ import annotations

import keras
import numpy as np
import pandas as pd
import pytest
from scipy.stats import pearsonr
from sklearn.metrics import average_precision_score, roc_auc_score

from genomic_tensors.evaluate import (
    as_cover_array,
    average_precision,
    evaluate,
    metrics_table,
    pearson_r,
    predict,
    roc_auc,
    write_metrics,
)


def test_average_precision_by_hand():
    # ranked: 0.9 (+), 0.8 (-), 0.7 (+), 0.1 (-): precision at the positives 1 and 2/3 -> (1 + 2/3) / 2
    y = np.array([1, 0, 1, 0])
    s = np.array([0.9, 0.8, 0.7, 0.1])
    assert average_precision(y, s) == pytest.approx((1 + 2 / 3) / 2)
    # a tie between a positive and a negative counts as one threshold: precision 1/2 at recall 1
    assert average_precision([1, 0], [0.5, 0.5]) == pytest.approx(0.5)


def test_roc_auc_by_hand():
    assert roc_auc([1, 0, 1, 0], [0.9, 0.8, 0.7, 0.1]) == pytest.approx(0.75)  # 3 of 4 pairs ordered
    assert roc_auc([1, 0], [0.5, 0.5]) == pytest.approx(0.5)  # a tie counts half
    assert roc_auc([0, 1], [0.9, 0.1]) == pytest.approx(0.0)


def test_pearson_by_hand():
    assert pearson_r([1, 2, 3], [2, 4, 6]) == pytest.approx(1.0)
    assert pearson_r([1, 2, 3], [3, 2, 1]) == pytest.approx(-1.0)
    assert pearson_r([1, 2, 3, 4], [1, 3, 2, 4]) == pytest.approx(0.8)
    assert np.isnan(pearson_r([1, 2, 3], [5, 5, 5]))
    assert np.isnan(pearson_r([1], [1]))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_against_scikit_learn_and_scipy_with_ties(seed):
    rng = np.random.default_rng(seed)
    y = (rng.random(500) < 0.2).astype(float)
    s = np.round(rng.random(500) + 0.3 * y, 2)  # rounding creates many ties
    assert average_precision(y, s) == pytest.approx(average_precision_score(y, s), rel=1e-12)
    assert roc_auc(y, s) == pytest.approx(roc_auc_score(y, s), rel=1e-12)
    assert pearson_r(y, s) == pytest.approx(pearsonr(y, s)[0], rel=1e-10)


def test_columns_without_positives_give_nan():
    y = np.zeros(6)
    s = np.linspace(0, 1, 6)
    assert np.isnan(average_precision(y, s))
    assert np.isnan(roc_auc(y, s))
    assert np.isnan(roc_auc(np.ones(6), s))
    assert average_precision(np.ones(6), s) == pytest.approx(1.0)


def test_metrics_table_tidy_rows_cover_layout_and_nan():
    y = np.array([[1, 0], [0, 0], [1, 0], [0, 0]], dtype=np.float32).reshape(4, 1, 1, 2)
    p = np.array([[0.9, 0.2], [0.8, 0.1], [0.7, 0.4], [0.1, 0.3]], dtype=np.float32)
    table = metrics_table(y, p, names=["JunD", "empty"])
    assert list(table.columns) == ["output", "metric", "value", "n", "n_positive"]
    assert len(table) == 6
    got = table.set_index(["output", "metric"])["value"]
    assert got["JunD", "auprc"] == pytest.approx((1 + 2 / 3) / 2)
    assert got["JunD", "auroc"] == pytest.approx(0.75)
    assert np.isnan(got["empty", "auprc"]) and np.isnan(got["empty", "auroc"])
    assert np.isnan(got["empty", "pearson"])  # constant labels
    assert table.loc[table["output"] == "JunD", "n_positive"].iloc[0] == 2


def test_metrics_table_drops_nan_rows_per_column():
    y = np.array([[1.0], [np.nan], [0.0], [1.0]])
    p = np.array([[0.9], [0.0], [0.5], [0.2]])
    table = metrics_table(y, p, metrics=("auroc",))
    assert table["n"].iloc[0] == 3
    assert table["value"].iloc[0] == pytest.approx(roc_auc_score([1, 0, 1], [0.9, 0.5, 0.2]))


def test_metric_errors():
    with pytest.raises(ValueError, match="needs 0/1 labels; got \\[0.5\\]"):
        average_precision([0, 0.5, 1], [0.1, 0.2, 0.3])
    with pytest.raises(ValueError, match="differ in length"):
        roc_auc([0, 1], [0.1, 0.2, 0.3])
    with pytest.raises(ValueError, match="unknown metric"):
        metrics_table(np.zeros((2, 1)), np.zeros((2, 1)), metrics=("auc",))
    with pytest.raises(ValueError, match="do not give the same columns"):
        metrics_table(np.zeros((2, 3)), np.zeros((2, 2)))
    with pytest.raises(ValueError, match="expected 2 rows first"):
        metrics_table(np.zeros((2, 1)), np.zeros((3, 1)))
    with pytest.raises(ValueError, match="1 names for 2 output columns"):
        metrics_table(np.zeros((2, 2)), np.zeros((2, 2)), names=["a"])


def test_write_metrics_round_trip(tmp_path):
    table = metrics_table(np.array([[0.0], [0.0]]), np.array([[0.1], [0.2]]), names=["x"])
    path = write_metrics(table, tmp_path / "sub" / "metrics.tsv")
    back = pd.read_csv(path, sep="\t")
    assert back["value"].isna().sum() == 3  # no positives, no negatives, constant labels
    assert "NaN" in path.read_text()


def _model() -> keras.Model:
    inp = keras.Input((3,), name="x")
    model = keras.Model(inp, keras.layers.Dense(2, activation="sigmoid", name="output")(inp))
    model.set_weights([np.array([[1, 0], [0, 1], [0, 0]], dtype=np.float32), np.zeros(2, np.float32)])
    return model


class Rows:
    """A non-numpy dataset."""

    def __init__(self, array):
        self.array = array
        self.max_request = 0

    def __len__(self):
        return len(self.array)

    def __getitem__(self, idx):
        self.max_request = max(self.max_request, len(idx))
        return self.array[idx]


def test_predict_streams_in_order_and_evaluate():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(23, 3)).astype(np.float32)
    ds = Rows(x)
    pred = predict(_model(), ds, batch_size=5)
    assert ds.max_request == 5
    np.testing.assert_allclose(pred, 1 / (1 + np.exp(-x[:, :2])), rtol=1e-5)
    assert as_cover_array(pred).shape == (23, 1, 1, 2)
    y = (x[:, :2] > 0).astype(np.float32).reshape(23, 1, 1, 2)
    result = evaluate(_model(), ds, Rows(y), batch_size=7, names=["a", "b"], metrics=("auroc",))
    assert result.predictions.shape == (23, 2)
    np.testing.assert_allclose(result.metrics["value"], [1.0, 1.0])  # a perfect ranking

"""The JunD metrics: one model's rows, the case's table of every model, the best setting per family.

The table has the columns :data:`METRIC_COLUMNS`, one row per model and split (validation, test); the
setting columns a family does not use are empty (NaN).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from genomic_tensors.cases.base import collect_tables, read_table
from genomic_tensors.cases.jund.grid import AUGMENTS, FAMILIES, NORMALIZATIONS, SPLITS, Setting

__all__ = [
    "METRIC_COLUMNS",
    "PREDICTION_COLUMNS",
    "best_settings",
    "collect_metrics",
    "metric_rows",
    "read_metrics",
    "setting_of_row",
]

#: Columns of the case's metrics table (and of each model's ``metrics.tsv``), in this order.
METRIC_COLUMNS = (
    "model",
    "order",
    "dropout",
    "normalization",
    "augment",
    "replicate",
    "split",
    "auprc",
    "auroc",
    "n_positive",
    "n_total",
)
#: Columns of each model's ``predictions.tsv`` (its test bins).
PREDICTION_COLUMNS = ("chrom", "start", "end", "label", "prediction")

_SETTING_COLUMNS = {
    "dna": ["order", "dropout"],
    "dnase": ["normalization", "augment"],
    "combined": ["order", "dropout", "normalization", "augment"],
}


def metric_rows(
    setting: Setting, replicate: int, split_scores: Mapping[str, Mapping[str, float]]
) -> pd.DataFrame:
    """Metrics rows of one model, in :data:`METRIC_COLUMNS` order (one row per split)."""
    rows = [
        {**setting.row(), "replicate": int(replicate), "split": split, **scores}
        for split, scores in split_scores.items()
    ]
    return _typed(pd.DataFrame(rows, columns=list(METRIC_COLUMNS)))


def _isna(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.copy()
    frame["order"] = frame["order"].astype("Int64")
    frame["replicate"] = frame["replicate"].astype("int64")
    for col in ("n_positive", "n_total"):
        frame[col] = frame[col].astype("int64")
    for col in ("dropout", "auprc", "auroc"):
        frame[col] = frame[col].astype("float64")
    for col in ("model", "normalization", "augment", "split"):  # empty cells are NaN, as read back
        frame[col] = pd.Series(
            [np.nan if _isna(v) else str(v) for v in frame[col]], index=frame.index, dtype="object"
        )
    return frame


def read_metrics(path: str | Path) -> pd.DataFrame:
    """Read a metrics TSV, checking its columns are exactly :data:`METRIC_COLUMNS`."""
    return _typed(read_table(path, METRIC_COLUMNS))


def collect_metrics(paths: Sequence[str | Path]) -> pd.DataFrame:
    """Concatenate per-model metrics files into the case's table, sorted by model, setting, replicate
    and split (validation before test); a model given twice is an error."""
    frame = _typed(collect_tables(paths, METRIC_COLUMNS, what="per-model metrics"))
    key = frame.assign(
        _model=frame["model"].map(FAMILIES.index),
        _split=frame["split"].map(SPLITS.index),
        _norm=frame["normalization"].map(
            lambda v: NORMALIZATIONS.index(v) if v in NORMALIZATIONS else -1
        ),
        _aug=frame["augment"].map(AUGMENTS.index),
    )
    key = key.sort_values(
        ["_model", "order", "dropout", "_norm", "_aug", "replicate", "_split"],
        na_position="first", kind="stable",
    )  # fmt: skip
    dupes = key.duplicated(list(METRIC_COLUMNS[:7]))
    if dupes.any():
        raise ValueError(f"duplicate metrics rows:\n{key.loc[dupes, list(METRIC_COLUMNS[:7])]}")
    return key[list(METRIC_COLUMNS)].reset_index(drop=True)


def setting_of_row(row: Mapping[str, Any]) -> Setting:
    """The :class:`Setting` of a metrics row."""
    values = {k: (None if _isna(row[k]) else row[k]) for k in _SETTING_COLUMNS["combined"]}
    return Setting.from_params(row["model"], values)


def best_settings(metrics: pd.DataFrame, *, split: str = "validation") -> dict[str, Setting]:
    """The setting of each model family with the highest median auPRC over replicates on ``split``.

    Chosen on the validation chromosome by default, so that the test chromosome stays untouched by the
    choice (Fig. 2c and the exported bigWigs use it). Ties go to the first setting in table order.
    """
    chosen = {}
    part = metrics[metrics["split"] == split]
    for family, cols in _SETTING_COLUMNS.items():
        rows = part[part["model"] == family]
        if rows.empty:
            continue
        medians = rows.groupby(cols, dropna=False, sort=False)["auprc"].median()
        if medians.notna().any():
            best = medians.index[int(np.nanargmax(medians.to_numpy()))]
        else:
            best = medians.index[0]
        values = dict(zip(cols, best if isinstance(best, tuple) else (best,)))
        chosen[family] = Setting.from_params(
            family, {k: (None if _isna(v) else v) for k, v in values.items()}
        )
    return chosen

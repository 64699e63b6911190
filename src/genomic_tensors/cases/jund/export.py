"""The test-chromosome predictions of a JunD model family (its best setting) as a bigWig."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from genomic_tensors.cases.jund.grid import Setting
from genomic_tensors.cases.jund.tables import best_settings, read_metrics, setting_of_row

__all__ = ["export_predictions"]

log = logging.getLogger(__name__)


def _mean_predictions(predictions: Sequence[str | Path], setting: Setting) -> pd.DataFrame:
    """The mean prediction over each test bin of the models of ``setting`` (sorted by chrom, start).

    Each predictions file is recognised by the ``metrics.tsv`` that its training job wrote beside it.
    """
    frames = []
    for path in predictions:
        own = read_metrics(Path(path).with_name("metrics.tsv"))
        if setting_of_row(own.iloc[0]) == setting:
            frames.append(pd.read_csv(path, sep="\t"))
    if not frames:
        raise ValueError(
            f"no predictions of the {setting.model} setting {setting} among {len(predictions)} files"
        )
    mean = (
        pd.concat(frames)
        .groupby(["chrom", "start", "end"], sort=False)["prediction"]
        .mean()
        .reset_index()
    )
    log.info("%s: the mean of %d replicate(s)", setting.label, len(frames))
    return mean.sort_values(["chrom", "start"], kind="stable")


def _write_bigwig(mean: pd.DataFrame, chrom_sizes: str | Path, out: str | Path) -> None:
    import pyBigWig

    from genomic_tensors.regions import read_chrom_sizes

    sizes = read_chrom_sizes(chrom_sizes)
    chroms = list(dict.fromkeys(mean["chrom"]))
    missing = [c for c in chroms if c not in sizes]
    if missing:
        raise ValueError(f"{chrom_sizes}: no size for chromosome(s) {missing} of the predictions")
    bw = pyBigWig.open(str(out), "w")
    try:
        bw.addHeader([(c, int(sizes[c])) for c in chroms])
        for chrom in chroms:
            part = mean[mean["chrom"] == chrom]
            bw.addEntries(
                [chrom] * len(part), part["start"].astype(int).tolist(),
                ends=part["end"].astype(int).tolist(), values=part["prediction"].astype(float).tolist(),
            )  # fmt: skip
    finally:
        bw.close()


def export_predictions(
    predictions: Sequence[str | Path],
    metrics: str | Path,
    chrom_sizes: str | Path,
    out: str | Path,
    *,
    family: str,
) -> Setting:
    """Write the test-chromosome predictions of one model family as a bigWig.

    The family's setting is the best by median validation auPRC (:func:`.tables.best_settings`); the
    bigWig holds the mean prediction of its replicates over each test bin.

    Returns
    -------
    Setting
        The exported setting.
    """
    best = best_settings(read_metrics(metrics))
    if family not in best:
        raise ValueError(f"{metrics}: no {family} models to export")
    mean = _mean_predictions(predictions, best[family])
    _write_bigwig(mean, chrom_sizes, out)
    log.info("exported %s (%d bins) to %s", best[family].label, len(mean), out)
    return best[family]

"""Case study 3: CAGE signal at protein-coding promoters from DNA, chromatin and both (Table 1, Fig. 4).

What this case adds on top of the package:

- :func:`promoter_signals` summarises the raw signals of every promoter: CAGE 5'-end read counts summed over
  the promoter +- 400 bp, DNase 5'-end counts summed over +- 200 bp, H3K4me3 bigWig mean over +- 200 bp.
- :class:`LogZScore` is ``z-score(log(x + 1))`` with statistics fitted on the training promoters of one fold
  only, then applied to every promoter (no leakage from validation or test chromosomes).
- :func:`fold_masks` gives the per-fold split: one fixed test chromosome set (the paper: chr1), one validation
  chromosome per fold (the paper: chr2..chr22, 21 folds), training on every other chromosome.
- :func:`train_fold` trains one (model, order, fold) and writes its model, history, predictions and metrics.
- :func:`collect_metrics`, :func:`table1`, :func:`table1_markdown` aggregate the folds (Table 1), and
  :func:`fig4` draws predicted vs observed with the OLS line and its F test (Fig. 4).

Coordinates are 0-based, half-open (BED). A promoter interval ``[start, end)`` comes from the promoter ROI
(``results/cage/roi/promoters.bed``); a summary window is ``[start - flank, end + flank)``, padded with zero
outside the chromosome (never shifted). The windows are symmetric, so a summary does not depend on the
strand; the DNA window of a minus-strand promoter is reverse-complemented.
"""

from __future__ import annotations

import functools
import logging
import math
import re
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
import pandas as pd

from genomic_tensors.devices import RunOptions

if TYPE_CHECKING:  # pragma: no cover
    import matplotlib.axes
    import matplotlib.figure

__all__ = [
    "METRIC_COLUMNS",
    "MODELS",
    "PAPER_TABLE1",
    "SIGNALS",
    "FoldMasks",
    "LogZScore",
    "OlsFit",
    "Run",
    "collect_metrics",
    "fig4",
    "figure_model",
    "figure_title",
    "fold_masks",
    "ols_fit",
    "parse_run",
    "planned_runs",
    "promoter_dna",
    "promoter_signals",
    "run_seed",
    "table1",
    "table1_markdown",
    "train_fold",
    "write_fig4",
    "workflow_targets",
    "write_table1",
]

logger = logging.getLogger("genomic_tensors")

MODELS = ("dna", "chromatin", "combined")
"""The three model families of Table 1, in its row order."""

MODEL_LABELS = {"dna": "DNA", "chromatin": "chromatin", "combined": "DNA + chromatin"}

SIGNALS = ("cage", "dnase", "h3k4me3")
"""Columns of the promoter signal table: the target, then the two chromatin inputs (model input names)."""

METRIC_COLUMNS = ["model", "order", "fold", "pearson", "pearson_validation", "mae", "n_test"]
"""Columns of ``results/cage/metrics.tsv``, in this order (a contract of the workflow)."""

PAPER_TABLE1: dict[tuple[str, int], float] = {
    ("dna", 1): 0.533,
    ("dna", 2): 0.559,
    ("dna", 3): 0.585,
    ("chromatin", 1): 0.777,
    ("chromatin", 2): 0.777,
    ("chromatin", 3): 0.777,
    ("combined", 1): 0.775,
    ("combined", 2): 0.783,
    ("combined", 3): 0.784,
}
"""Kopp et al. 2020, Table 1: mean Pearson r on chr1 over 21 folds. The chromatin model does not use DNA, so
the paper prints its one value in every order column."""


# ------------------------------------------------------------------------------------------------ runs
@dataclass(frozen=True)
class Run:
    """One trained model family and DNA order; ``order`` is None for the chromatin model."""

    model: str
    order: int | None

    def __post_init__(self) -> None:
        if self.model not in MODELS:
            raise ValueError(f"unknown CAGE model {self.model!r}; expected one of {', '.join(MODELS)}")
        if self.model == "chromatin":
            if self.order is not None:
                raise ValueError("the chromatin model uses no DNA: its order must be None")
        elif self.order not in (1, 2, 3):
            raise ValueError(f"{self.model} model: order must be 1, 2 or 3, got {self.order!r}")

    @property
    def name(self) -> str:
        """The run's wildcard value: ``dna_order1``, ``chromatin``, ``combined_order3``."""
        return self.model if self.order is None else f"{self.model}_order{self.order}"

    @property
    def uses_dna(self) -> bool:
        return self.model in ("dna", "combined")

    @property
    def uses_chromatin(self) -> bool:
        return self.model in ("chromatin", "combined")


_RUN_RE = re.compile(r"^(?:(dna|combined)_order([123])|(chromatin))$")
RUN_PATTERN = r"(dna|combined)_order[123]|chromatin"
"""Regular expression of a run name (the workflow's wildcard constraint)."""


def parse_run(name: str) -> Run:
    """The :class:`Run` of a run name such as ``dna_order2``, ``chromatin`` or ``combined_order3``."""
    match = _RUN_RE.match(name)
    if match is None:
        raise ValueError(
            f"bad CAGE run name {name!r}; expected 'dna_order<k>', 'combined_order<k>' (k = 1, 2, 3) "
            "or 'chromatin'"
        )
    if match.group(3):
        return Run("chromatin", None)
    return Run(match.group(1), int(match.group(2)))


def planned_runs(orders: Sequence[int]) -> list[Run]:
    """Every run of the grid: DNA and combined at each order, and the one chromatin model.

    >>> [r.name for r in planned_runs([1, 3])]
    ['dna_order1', 'dna_order3', 'chromatin', 'combined_order1', 'combined_order3']
    """
    if len(orders) == 0:
        raise ValueError("cage.orders is empty: give at least one DNA order (1, 2 or 3)")
    orders = sorted(set(orders))
    return (
        [Run("dna", k) for k in orders]
        + [Run("chromatin", None)]
        + [Run("combined", k) for k in orders]
    )


def run_seed(seed: int, run: str, fold: str) -> int:
    """A seed for one job derived from the config seed, the run name and the fold (stable across runs)."""
    return (int(seed) * 1_000_003 + zlib.crc32(f"{run}/{fold}".encode())) % (2**31 - 1)


WORKFLOW_TARGETS = [
    "results/cage/metrics.tsv",
    "results/tables/table1.tsv",
    "results/tables/table1.md",
    "results/figures/fig4.png",
    "results/figures/fig4.svg",
]


def workflow_targets() -> list[str]:
    """The final outputs of case 3 (``rule all`` requests them when the case is enabled)."""
    return list(WORKFLOW_TARGETS)


def figure_model(cfg: Mapping) -> tuple[str, str]:
    """(run, fold) of the Fig. 4 model from the ``cage`` config section: the combined model at order 3
    (else the highest configured order) of ``figure_fold`` (default: the first fold).

    >>> figure_model({"orders": [1, 2, 3], "folds": ["chr2", "chr3"], "figure_fold": "chr3"})
    ('combined_order3', 'chr3')
    """
    folds = list(cfg["folds"])
    if not folds:
        raise ValueError("cage.folds is empty: give at least one validation chromosome")
    fold = cfg.get("figure_fold", folds[0])
    if fold not in folds:
        raise ValueError(f"cage.figure_fold {fold!r} is not one of cage.folds {folds}")
    orders = list(cfg["orders"])
    if not orders:
        raise ValueError("cage.orders is empty: give at least one DNA order (1, 2 or 3)")
    order = 3 if 3 in orders else max(orders)
    return Run("combined", order).name, fold


def figure_title(cfg: Mapping) -> str:
    """Panel title of Fig. 4, e.g. ``combined order3, validation chr2, test chr1``."""
    run, fold = figure_model(cfg)
    return f"{run.replace('_', ' ')}, validation {fold}, test {', '.join(cfg['test'])}"


# ------------------------------------------------------------------------------------- signals, splits
def promoter_signals(
    promoters: pd.DataFrame | str | Path,
    *,
    cage_bam: str | Path,
    dnase_bam: str | Path,
    h3k4me3_bigwig: str | Path,
    flanks: Mapping[str, int],
    dnase_paired_end: str = "5prime",
    min_mapq: int = 0,
    genome: str | Path | None = None,
) -> pd.DataFrame:
    """Raw signal summaries of each promoter (no transform; :class:`LogZScore` is fitted per fold later).

    Parameters
    ----------
    promoters
        The promoter ROI (BED6 path or DataFrame with chrom, start, end, name, strand), 0-based half-open.
    cage_bam, dnase_bam
        Indexed BAM files. One count per read at its 5' end (forward: first aligned base; reverse: last
        aligned base), both strands together; the DNase library is paired-end and each mate's 5' end counts
        (``dnase_paired_end="5prime"``).
    h3k4me3_bigwig
        bigWig of the H3K4me3 signal.
    flanks
        ``{"cage": 400, "chromatin": 200}``: bp added on each side of the promoter for the CAGE sum and for
        both chromatin summaries.
    genome
        The genome's ``.fai``: the BAM and bigWig headers must give the promoters' chromosomes the same
        lengths (else a file comes from another assembly, an error).

    Returns
    -------
    pandas.DataFrame
        One row per promoter in ROI order: chrom, start, end, name, strand (the promoter, without flank),
        ``cage`` (float, summed 5' counts over ``[start - flanks.cage, end + flanks.cage)``), ``dnase`` (summed
        5' counts over ``[start - flanks.chromatin, end + flanks.chromatin)``), ``h3k4me3`` (mean signal per bp
        over the same window, positions outside the chromosome or without data count as 0).
    """
    for key in ("cage", "chromatin"):
        if key not in flanks:
            raise ValueError(f"flanks must give {key!r} (bp on each side of the promoter), got {dict(flanks)}")
    from genomic_tensors.coverage import Cover
    from genomic_tensors.regions import read_regions

    roi = read_regions(promoters)
    if len(roi) == 0:
        source = "" if isinstance(promoters, pd.DataFrame) else f" {promoters}"
        raise ValueError(f"the promoter ROI{source} is empty: no promoters to summarise")
    common = dict(resolution=None, stranded=False, min_mapq=min_mapq, genome=genome)
    cage = Cover.from_bam(cage_bam, roi, flank=flanks["cage"], collapse="sum", **common)
    dnase = Cover.from_bam(
        dnase_bam, roi, flank=flanks["chromatin"], collapse="sum", paired_end=dnase_paired_end, **common
    )
    h3k4me3 = Cover.from_bigwig(
        h3k4me3_bigwig, roi, flank=flanks["chromatin"], resolution=None, collapse="mean", genome=genome
    )
    table = roi[["chrom", "start", "end", "name", "strand"]].reset_index(drop=True).copy()
    for column, cover in (("cage", cage), ("dnase", dnase), ("h3k4me3", h3k4me3)):
        values = np.asarray(cover[np.arange(len(cover))], dtype=np.float64)
        table[column] = values.reshape(len(table), -1).sum(axis=1)
    return table


@dataclass(frozen=True)
class LogZScore:
    """``z = (log(x + 1) - mean) / std`` with ``mean`` and ``std`` (population, ddof 0) of ``log(x + 1)``
    over the values it was fitted on (the training promoters of one fold)."""

    mean: float
    std: float

    @classmethod
    def fit(cls, values: np.ndarray, *, name: str = "signal") -> LogZScore:
        """Fit on a 1-D array of non-negative raw values (counts or means)."""
        values = np.asarray(values, dtype=np.float64).ravel()
        if values.size == 0:
            raise ValueError(f"cannot fit the log z-score of {name}: no training values")
        if not np.all(np.isfinite(values)) or np.any(values < 0):
            bad = values[~np.isfinite(values) | (values < 0)][0]
            raise ValueError(
                f"cannot fit the log z-score of {name}: value {bad} is negative or not finite "
                "(expected counts or mean signals >= 0)"
            )
        logged = np.log1p(values)
        std = float(logged.std())
        if std == 0.0:
            raise ValueError(
                f"cannot fit the log z-score of {name}: all {values.size} training values are equal "
                f"({values[0]}), the standard deviation is 0"
            )
        return cls(mean=float(logged.mean()), std=std)

    def transform(self, values: np.ndarray) -> np.ndarray:
        """float32 array of the same shape."""
        return ((np.log1p(np.asarray(values, dtype=np.float64)) - self.mean) / self.std).astype(np.float32)


class FoldMasks(NamedTuple):
    """Boolean row masks (n_promoters,) of one fold."""

    train: np.ndarray
    validation: np.ndarray
    test: np.ndarray


def fold_masks(chroms: Sequence[str] | pd.Series, *, validation: str, test: Sequence[str]) -> FoldMasks:
    """Split promoters by chromosome: test = ``test``, validation = ``validation``, training = the rest.

    Raises a ValueError when the validation chromosome is also a test chromosome, or when a split is empty.
    """
    chroms = np.asarray(chroms, dtype=object)
    test = list(test)
    if validation in test:
        raise ValueError(f"validation chromosome {validation!r} is also a test chromosome ({test})")
    is_test = np.isin(chroms, test)
    is_validation = chroms == validation
    is_train = ~(is_test | is_validation)
    for label, mask, wanted in (
        ("test", is_test, test),
        ("validation", is_validation, [validation]),
        ("training", is_train, ["every other chromosome"]),
    ):
        if not mask.any():
            present = sorted(set(chroms.tolist()))[:8]
            raise ValueError(
                f"no promoters in the {label} split ({', '.join(wanted)}); promoter chromosomes include "
                f"{', '.join(present)}"
            )
    return FoldMasks(is_train, is_validation, is_test)


# ------------------------------------------------------------------------------------------- training
def promoter_dna(fasta: str | Path, promoters: pd.DataFrame, *, flank: int, order: int):
    """One-hot DNA of each promoter +- ``flank`` (a :class:`~genomic_tensors.sequence.Bioseq`).

    The window of a promoter ``[start, end)`` is ``[start - flank, end + flank)``, N-padded outside the
    chromosome; a minus-strand promoter's window is reverse-complemented, so every window reads 5' to 3'
    on the gene's strand. Shape ``(n, end - start + 2 * flank - order + 1, 4**order)``, float32.
    """
    from genomic_tensors.sequence import Bioseq

    return Bioseq.from_fasta(fasta, promoters, flank=flank, order=order, strand_aware=True)


def _pearson(x: np.ndarray, y: np.ndarray) -> float:
    x = np.asarray(x, dtype=np.float64).ravel()
    y = np.asarray(y, dtype=np.float64).ravel()
    if x.size < 2 or x.std() == 0 or y.std() == 0:
        return float("nan")
    return float(np.corrcoef(x, y)[0, 1])


def train_fold(
    signals: str | Path,
    fasta: str | Path | None,
    *,
    run: str,
    fold: str,
    test: Sequence[str],
    dna_flank: int,
    epochs: int,
    batch_size: int,
    patience: int,
    seed: int,
    dropout: float,
    outdir: str | Path,
    batchnorm_momentum: float = 0.99,
    options: RunOptions | None = None,
) -> pd.DataFrame:
    """Train one (model, order, fold) and evaluate it on the test chromosomes.

    Reads the raw promoter signals (:func:`promoter_signals` table), fits :class:`LogZScore` of the target
    and of each chromatin signal on this fold's training promoters, builds the DNA windows
    (promoter +- ``dna_flank``, minus strand reverse-complemented) when the model uses DNA, trains with mean
    absolute error and early stopping on the validation chromosome, and writes into ``outdir``:
    ``model.keras``, ``history.tsv``, ``predictions.tsv`` (validation and test promoters: chrom, start, end,
    name, strand, split, observed, predicted; z-scored units) and ``metrics.tsv`` (one row,
    :data:`METRIC_COLUMNS`). Returns the metrics row.

    ``batchnorm_momentum`` is the momentum of the moving statistics of every BatchNormalization layer
    (Keras' and the paper's 0.99). At 0.99 the statistics need a few hundred batches to settle, which a
    small training set (the demo world: ~10 batches per epoch) does not give before early stopping
    restores an untrained epoch; a smaller momentum is a demo knob, not the paper's choice.

    ``options`` (from :func:`genomic_tensors.devices.prepare`) sets precision, XLA compilation and op
    determinism.
    """
    from genomic_tensors import models, training

    spec = parse_run(run)
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    table = pd.read_csv(signals, sep="\t", dtype={"chrom": str, "name": str})
    missing = [c for c in ("chrom", "start", "end", "strand", *SIGNALS) if c not in table.columns]
    if missing:
        raise ValueError(f"{signals}: missing columns {missing}; expected the cage_signals table")
    masks = fold_masks(table["chrom"], validation=fold, test=test)
    logger.info(
        "CAGE %s fold %s: %d training, %d validation, %d test promoters",
        run, fold, masks.train.sum(), masks.validation.sum(), masks.test.sum(),
    )
    target_norm = LogZScore.fit(table["cage"].to_numpy()[masks.train], name="cage")
    target = target_norm.transform(table["cage"].to_numpy()).reshape(-1, 1)

    inputs: dict[str, object] = {}
    if spec.uses_chromatin:
        for name in SIGNALS[1:]:
            norm = LogZScore.fit(table[name].to_numpy()[masks.train], name=name)
            inputs[name] = norm.transform(table[name].to_numpy()).reshape(-1, 1, 1, 1)
    length = None
    if spec.uses_dna:
        if fasta is None:
            raise ValueError(f"run {run} uses DNA: a genome FASTA is needed")
        roi = table[["chrom", "start", "end", "name", "strand"]]
        inputs["dna"] = promoter_dna(fasta, roi, flank=dna_flank, order=spec.order)
        length = int(inputs["dna"].shape[1]) + spec.order - 1

    # A factory, so that the initial weights follow the job's seed (training.fit seeds, then builds).
    rate = 0.0 if spec.order == 1 else dropout  # the paper: no input dropout at order 1
    if spec.model == "dna":
        factory = functools.partial(models.cage_dna, spec.order, rate, length=length)
    elif spec.model == "chromatin":
        factory = functools.partial(models.cage_chromatin)
    else:
        factory = functools.partial(models.cage_combined, spec.order, rate, length=length)
    if batchnorm_momentum != 0.99:
        factory = functools.partial(_with_batchnorm_momentum, factory, batchnorm_momentum)

    def take(mask: np.ndarray) -> object:
        """The inputs of the rows in ``mask``: views of Bioseq datasets, copies of small arrays; a
        single-input model (DNA) gets its one dataset rather than a dict."""
        index = np.flatnonzero(mask)
        views = {
            key: (value.subset(index) if hasattr(value, "subset") else value[index])
            for key, value in inputs.items()
        }
        return views["dna"] if spec.model == "dna" else views

    result = training.fit(
        factory,
        (take(masks.train), target[masks.train]),
        (take(masks.validation), target[masks.validation]),
        loss="mean_absolute_error",
        batch_size=batch_size,
        epochs=epochs,
        patience=patience,
        seed=seed,
        model_path=outdir / "model.keras",
        history_path=outdir / "history.tsv",
        **(options or RunOptions()).fit_kwargs(),
    )
    model = result.model
    logger.info(
        "CAGE %s fold %s: best epoch %d of %d (val MAE %.4f)",
        run, fold, result.best_epoch, result.epochs_run, result.best_loss,
    )

    rows = []
    for split, mask in (("validation", masks.validation), ("test", masks.test)):
        predicted = np.asarray(training.predict(model, take(mask), batch_size=batch_size)).reshape(-1)
        part = table.loc[mask, ["chrom", "start", "end", "name", "strand"]].copy()
        part["split"] = split
        part["observed"] = target[mask, 0]
        part["predicted"] = predicted
        rows.append(part)
    predictions = pd.concat(rows, ignore_index=True)
    predictions.to_csv(outdir / "predictions.tsv", sep="\t", index=False, float_format="%.6g")
    metrics = metrics_row(predictions, run=spec, fold=fold)
    metrics.to_csv(outdir / "metrics.tsv", sep="\t", index=False)
    return metrics


def _with_batchnorm_momentum(factory, momentum: float):
    """Build ``factory()`` and set the moving-statistics momentum of its BatchNormalization layers."""
    import keras

    if not 0.0 <= momentum < 1.0:
        raise ValueError(f"batchnorm_momentum must be in [0, 1), got {momentum}")
    model = factory()
    for layer in model.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            layer.momentum = float(momentum)
    return model


def metrics_row(predictions: pd.DataFrame, *, run: Run, fold: str) -> pd.DataFrame:
    """The one-row metrics table of a trained model from its predictions (columns ``split``, ``observed``,
    ``predicted``): Pearson r on the test and validation promoters, mean absolute error and count on test."""
    test = predictions[predictions["split"] == "test"]
    validation = predictions[predictions["split"] == "validation"]
    if len(test) == 0:
        raise ValueError(f"{run.name} fold {fold}: no test predictions")
    row = {
        "model": run.model,
        "order": run.order,
        "fold": fold,
        "pearson": _pearson(test["observed"], test["predicted"]),
        "pearson_validation": _pearson(validation["observed"], validation["predicted"]),
        "mae": float(np.mean(np.abs(test["observed"].to_numpy() - test["predicted"].to_numpy()))),
        "n_test": int(len(test)),
    }
    frame = pd.DataFrame([row], columns=METRIC_COLUMNS)
    frame["order"] = frame["order"].astype("Int64")
    return frame


# ---------------------------------------------------------------------------------------- aggregation
def _chrom_key(name: str) -> tuple[int, str]:
    match = re.match(r"^(?:chr)?(\d+)$", str(name))
    return (int(match.group(1)), "") if match else (10**6, str(name))


def collect_metrics(paths: Sequence[str | Path]) -> pd.DataFrame:
    """Concatenate one-row metrics tables into ``results/cage/metrics.tsv`` (columns :data:`METRIC_COLUMNS`,
    ``order`` empty for the chromatin model), sorted by model (Table 1 row order), order and fold
    (chromosome number)."""
    if len(paths) == 0:
        raise ValueError("no CAGE metrics files to collect")
    frames = []
    for path in paths:
        frame = pd.read_csv(path, sep="\t", dtype={"model": str, "fold": str})
        if list(frame.columns) != METRIC_COLUMNS:
            raise ValueError(f"{path}: columns {list(frame.columns)}, expected {METRIC_COLUMNS}")
        frames.append(frame)
    metrics = pd.concat(frames, ignore_index=True)
    unknown = sorted(set(metrics["model"]) - set(MODELS))
    if unknown:
        raise ValueError(f"unknown model(s) {unknown} in the metrics; expected {list(MODELS)}")
    metrics["order"] = metrics["order"].astype("Int64")
    rank = metrics["model"].map({m: i for i, m in enumerate(MODELS)})
    fold_rank = metrics["fold"].map(_chrom_key)
    metrics = (
        metrics.assign(_m=rank, _o=metrics["order"].fillna(0), _f=fold_rank)
        .sort_values(["_m", "_o", "_f"], kind="stable")
        .drop(columns=["_m", "_o", "_f"])
        .reset_index(drop=True)
    )
    return metrics


def _mean_se(values: pd.Series) -> tuple[float, float, int]:
    values = values.dropna().to_numpy(dtype=np.float64)
    n = values.size
    if n == 0:
        return float("nan"), float("nan"), 0
    se = float(values.std(ddof=1) / math.sqrt(n)) if n > 1 else float("nan")
    return float(values.mean()), se, n


def table1(metrics: pd.DataFrame, orders: Sequence[int] = (1, 2, 3)) -> pd.DataFrame:
    """Table 1: mean and standard error (sample sd / sqrt(folds)) of the test Pearson r over folds.

    Returns one row per model present (dna, chromatin, combined order) with columns ``model``, ``label``,
    then for each order k: ``order{k}_mean``, ``order{k}_se``, ``order{k}_folds``, ``order{k}_paper``. The
    chromatin model has no order: its one value fills every order column, as in the paper.
    """
    rows = []
    for model in MODELS:
        part = metrics[metrics["model"] == model]
        if len(part) == 0:
            continue
        row: dict[str, object] = {"model": model, "label": MODEL_LABELS[model]}
        for k in orders:
            sel = part if model == "chromatin" else part[part["order"] == k]
            mean, se, n = _mean_se(sel["pearson"])
            row[f"order{k}_mean"] = mean
            row[f"order{k}_se"] = se
            row[f"order{k}_folds"] = n
            row[f"order{k}_paper"] = PAPER_TABLE1.get((model, k), float("nan"))
        rows.append(row)
    if not rows:
        raise ValueError("no CAGE metrics rows to aggregate into Table 1")
    return pd.DataFrame(rows)


def table1_markdown(table: pd.DataFrame, orders: Sequence[int] = (1, 2, 3)) -> str:
    """Markdown of :func:`table1`: ``mean ± se`` of ours beside the paper's mean for each order."""
    header = ["model"]
    for k in orders:
        header += [f"order {k}", f"order {k} (paper)"]
    lines = [
        "Mean Pearson r on the test chromosome over folds (± standard error); the paper: Kopp et al. 2020, "
        "Table 1.",
        "",
        "| " + " | ".join(header) + " |",
        "|" + "|".join(["---"] + ["---:"] * (2 * len(orders))) + "|",
    ]
    for _, row in table.iterrows():
        cells = [str(row["label"])]
        for k in orders:
            mean, se, n = row[f"order{k}_mean"], row[f"order{k}_se"], row[f"order{k}_folds"]
            if n == 0 or pd.isna(mean):
                ours = "–"
            elif pd.isna(se):
                ours = f"{mean:.3f} (n={n})"
            else:
                ours = f"{mean:.3f} ± {se:.3f} (n={n})"
            paper = row[f"order{k}_paper"]
            cells += [ours, "–" if pd.isna(paper) else f"{paper:.3f}"]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def write_table1(
    metrics: str | Path, tsv: str | Path, markdown: str | Path, orders: Sequence[int] = (1, 2, 3)
) -> pd.DataFrame:
    """Read ``metrics.tsv``, write Table 1 as TSV and markdown; returns the table."""
    frame = pd.read_csv(metrics, sep="\t", dtype={"model": str, "fold": str})
    frame["order"] = frame["order"].astype("Int64")
    table = table1(frame, orders)
    table.to_csv(tsv, sep="\t", index=False, float_format="%.4f")
    Path(markdown).write_text(table1_markdown(table, orders))
    return table


# ---------------------------------------------------------------------------------------------- Fig. 4
class OlsFit(NamedTuple):
    """OLS of predicted on observed: ``predicted = intercept + slope * observed``, F test of the slope."""

    intercept: float
    slope: float
    fvalue: float
    f_pvalue: float
    r: float
    n: int


def ols_fit(observed: np.ndarray, predicted: np.ndarray) -> OlsFit:
    """statsmodels OLS of ``predicted`` on ``observed`` (with intercept) and its overall F test."""
    import statsmodels.api as sm

    observed = np.asarray(observed, dtype=np.float64).ravel()
    predicted = np.asarray(predicted, dtype=np.float64).ravel()
    if observed.shape != predicted.shape:
        raise ValueError(f"observed {observed.shape} and predicted {predicted.shape} differ in length")
    if observed.size < 3:
        raise ValueError(f"an OLS F test needs at least 3 points, got {observed.size}")
    fit = sm.OLS(predicted, sm.add_constant(observed, has_constant="add")).fit()
    return OlsFit(
        intercept=float(fit.params[0]),
        slope=float(fit.params[1]),
        fvalue=float(fit.fvalue),
        f_pvalue=float(fit.f_pvalue),
        r=_pearson(observed, predicted),
        n=int(observed.size),
    )


def format_p(p: float) -> str:
    """``P = 3.1e-05``, or ``P < 2.2e-16`` below double precision's resolution (R's convention)."""
    return "P < 2.2e-16" if p < 2.2e-16 else f"P = {p:.2g}"


def fig4(
    predictions: pd.DataFrame,
    *,
    ax: matplotlib.axes.Axes | None = None,
    title: str | None = None,
) -> tuple[matplotlib.figure.Figure, OlsFit]:
    """Predicted vs observed normalised CAGE on the test chromosome(s), with the OLS line (red) and its F
    statistic and P value in the panel. ``predictions`` has ``observed`` and ``predicted`` (and optionally a
    ``split`` column: only ``test`` rows are drawn)."""
    import seaborn as sns
    from matplotlib.figure import Figure

    if "split" in predictions.columns:
        predictions = predictions[predictions["split"] == "test"]
    fit = ols_fit(predictions["observed"], predictions["predicted"])
    if ax is None:
        fig = Figure(figsize=(4.5, 4.5))
        ax = fig.add_subplot()
    else:
        fig = ax.figure
    sns.scatterplot(
        x=predictions["observed"], y=predictions["predicted"], ax=ax, s=10, alpha=0.5, linewidth=0,
        color="0.3",
    )
    xs = np.linspace(predictions["observed"].min(), predictions["observed"].max(), 2)
    ax.plot(xs, fit.intercept + fit.slope * xs, color="red", linewidth=1.5, label="OLS")
    ax.text(
        0.03, 0.97,
        f"F = {fit.fvalue:.4g}, {format_p(fit.f_pvalue)}\nPearson r = {fit.r:.3f}, n = {fit.n}",
        transform=ax.transAxes, va="top", ha="left", fontsize=8,
    )
    ax.set_xlabel("observed CAGE (log, z-score)")
    ax.set_ylabel("predicted CAGE (log, z-score)")
    if title:
        ax.set_title(title, fontsize=9)
    sns.despine(ax=ax)
    fig.tight_layout()
    return fig, fit


def write_fig4(predictions: str | Path, png: str | Path, svg: str | Path, *, title: str | None = None) -> OlsFit:
    """Draw :func:`fig4` from a ``predictions.tsv`` and save it as PNG and SVG."""
    frame = pd.read_csv(predictions, sep="\t", dtype={"chrom": str})
    fig, fit = fig4(frame, title=title)
    for path in (png, svg):
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=150)
    logger.info("Fig. 4: F = %.4g, p = %.3g, r = %.3f, n = %d", fit.fvalue, fit.f_pvalue, fit.r, fit.n)
    return fit

"""Case study 1: JunD binding in 200-bp bins from DNA, DNase and both (Kopp et al. 2020, Fig. 2).

What this case adds on top of the package, one function per workflow rule:

- tensors: :func:`build_labels`, :func:`build_dna`, :func:`build_dnase_counts`, :func:`normalize_dnase`;
- one training job: :func:`train_and_evaluate` (fit, then auPRC/auROC on the validation and test
  chromosomes, and the test predictions);
- tables: :func:`collect_metrics` (``results/jund/metrics.tsv``), :func:`best_settings`,
  :func:`export_predictions` (test predictions of a model family as bigWig);
- Fig. 2d: :func:`select_locus`, :func:`locus_tracks`;
- figures: :func:`plot_fig2a`, :func:`plot_fig2b`, :func:`plot_fig2c`, :func:`plot_fig2d`.

Conventions: coordinates are 0-based half-open; every tensor of the case is built from the same ROI with
the same bin size, so row ``i`` of the labels, DNA and DNase tensors is the same 200-bp bin (checked when
a job loads them). The DNase replicates are the conditions, in the order of the config's ``jund.dnase``
mapping (the paper: roadmap, encode) for training and validation; the test split sees them swapped
(:class:`SwapConditions`), as in the paper.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from genomic_tensors.devices import RunOptions

__all__ = [
    "FAMILIES",
    "METRIC_COLUMNS",
    "Locus",
    "Setting",
    "SwapConditions",
    "best_settings",
    "build_dna",
    "build_dnase_counts",
    "build_labels",
    "collect_metrics",
    "export_predictions",
    "locus_tracks",
    "normalize_dnase",
    "parse_interval",
    "plot_fig2a",
    "plot_fig2b",
    "plot_fig2c",
    "plot_fig2d",
    "read_metrics",
    "replicate_seed",
    "select_locus",
    "train_and_evaluate",
    "write_figure",
]

log = logging.getLogger(__name__)

#: Columns of ``results/jund/metrics.tsv`` (and of each model's ``metrics.tsv``), in this order.
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
FAMILIES = ("dna", "dnase", "combined")
NORMALIZATIONS = ("none", "tpm", "zscorelog")
AUGMENTS = ("none", "flip")
SPLITS = ("validation", "test")
PREDICTION_COLUMNS = ("chrom", "start", "end", "label", "prediction")


# ------------------------------------------------------------------------------------------ settings
@dataclass(frozen=True)
class Setting:
    """One point of the case's model grid (the replicate aside).

    ``order`` and ``dropout`` are None for the DNase model, ``normalization`` is None for the DNA model;
    ``augment`` is ``"none"`` for the DNA model (it has no augmentation).
    """

    model: str
    order: int | None = None
    dropout: float | None = None
    normalization: str | None = None
    augment: str = "none"

    def __post_init__(self) -> None:
        if self.model not in FAMILIES:
            raise ValueError(f"model must be one of {FAMILIES}; got {self.model!r}")
        if self.model in ("dna", "combined"):
            if self.order not in (1, 2, 3) or self.dropout is None:
                raise ValueError(f"a {self.model} setting needs order in 1-3 and a dropout; got {self}")
        if self.model in ("dnase", "combined") and self.normalization not in NORMALIZATIONS:
            raise ValueError(
                f"a {self.model} setting needs normalization in {NORMALIZATIONS}; got {self.normalization!r}"
            )
        if self.augment not in AUGMENTS:
            raise ValueError(f"augment must be one of {AUGMENTS}; got {self.augment!r}")
        if self.model == "dna" and (self.normalization is not None or self.augment != "none"):
            raise ValueError(f"a dna setting takes no normalization or augmentation; got {self}")

    @classmethod
    def from_params(cls, model: str, params: Mapping[str, Any]) -> Setting:
        """Build from a rule's ``params.setting`` mapping (keys: order, dropout, normalization, augment)."""
        order = params.get("order")
        dropout = params.get("dropout")
        return cls(
            model=model,
            order=None if order is None or model == "dnase" else int(order),
            dropout=None if dropout is None or model == "dnase" else float(dropout),
            normalization=None if model == "dna" else params.get("normalization"),
            augment=params.get("augment", "none") if model != "dna" else "none",
        )

    def row(self) -> dict[str, Any]:
        """The setting columns of a metrics row (None for the empty cells)."""
        return asdict(self)

    @property
    def label(self) -> str:
        """A short name for figure axes, e.g. ``"DNA order 3, dropout 0.2"``."""
        if self.model == "dna":
            return f"DNA order {self.order}, dropout {self.dropout:g}"
        if self.model == "dnase":
            return f"DNase {self.normalization}, {self.augment}"
        return f"DNA+DNase (order {self.order}, {self.normalization}, {self.augment})"


def replicate_seed(seed: int, replicate: int) -> int:
    """The training seed of a replicate: the same for every setting, so that settings are compared on
    paired initialisations and batch orders."""
    return int(seed) * 1000 + int(replicate)


# ------------------------------------------------------------------------------------------- tensors
def build_labels(roi: str | Path, peaks: str | Path, *, binsize: int = 200):
    """Binding labels of the ROI bins: 1 where a (merged) peak overlaps the bin by at least 1 bp.

    Returns
    -------
    Cover
        float32 ``(n_bins, 1, 1, 1)``; regions are the 200-bp bins tiling the ROI.
    """
    from genomic_tensors.coverage import Cover

    return Cover.from_bed(
        peaks, roi, binsize=binsize, resolution=None, mode="binary", conditions=["jund"],
        strand_aware=False, storage="sparse",
    )


def build_dna(fasta: str | Path, roi: str | Path, *, binsize: int = 200, flank: int = 150, order: int = 1):
    """The DNA of each ROI bin with its flanks, one-hot of ``order`` (stored as base codes).

    Returns
    -------
    Bioseq
        ``(n_bins, binsize + 2 * flank - order + 1, 4**order)`` float32 on access.
    """
    from genomic_tensors.sequence import Bioseq

    return Bioseq.from_fasta(
        fasta, roi, binsize=binsize, flank=flank, order=order, strand_aware=False
    )


def build_dnase_counts(
    bams: Sequence[str | Path],
    roi: str | Path,
    *,
    conditions: Sequence[str],
    binsize: int = 200,
    flank: int = 450,
    resolution: int = 50,
    genome: str | Path | None = None,
):
    """Stranded DNase 5'-end counts of the ROI bins, one condition per replicate (in the given order).

    ``genome`` (the genome's ``.fai``): each BAM header must give the ROI's chromosomes the genome's
    lengths (else the BAM comes from another assembly, an error).

    Returns
    -------
    Cover
        float32 ``(n_bins, (binsize + 2 * flank) // resolution, 2, len(bams))``; the paper: 22 bins of
        50 bp, strands + then -.
    """
    from genomic_tensors.coverage import Cover

    bams = [str(b) for b in bams if not str(b).endswith(".bai")]
    if len(bams) != len(conditions):
        raise ValueError(f"{len(bams)} DNase BAM(s) {bams} for {len(conditions)} replicate name(s) {conditions}")
    return Cover.from_bam(
        bams, roi, binsize=binsize, flank=flank, resolution=resolution, stranded=True,
        conditions=list(conditions), strand_aware=False, genome=genome,
    )


def normalize_dnase(counts: Any, normalization: str):
    """The DNase tensor of one normalization, fitted per replicate on the whole ROI (all chromosomes,
    as in the paper: "computed genome-wide per replicate").

    ``none`` returns the counts; ``tpm`` and ``zscorelog`` use :mod:`genomic_tensors.normalize`.
    """
    if normalization not in NORMALIZATIONS:
        raise ValueError(f"unknown DNase normalization {normalization!r}; expected one of {NORMALIZATIONS}")
    if normalization == "none":
        return counts
    from genomic_tensors.normalize import get_normalizer

    normalizer = get_normalizer(normalization)
    normalizer.fit(counts)
    return normalizer.transform(counts)


def load_dataset(path: str | Path):
    """A tensor file written by this case's rules (``.npz`` / ``.h5``), as its dataset class."""
    from genomic_tensors.dataset import GenomicDataset

    return GenomicDataset.load(path)


class SwapConditions:
    """A read-only view of a dataset with the last axis (the conditions) reversed.

    The paper trains and validates on DNase channels ``[roadmap, encode]`` and tests on
    ``[encode, roadmap]``: ``SwapConditions(test_view)`` is that test input. Same ``len`` / indexing /
    ``shape`` / ``regions`` interface as the wrapped dataset.
    """

    def __init__(self, dataset: Any) -> None:
        self.dataset = dataset

    def __len__(self) -> int:
        return len(self.dataset)

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.dataset.shape)

    @property
    def dtype(self) -> np.dtype:
        return self.dataset.dtype

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def regions(self) -> pd.DataFrame:
        return self.dataset.regions

    @property
    def conditions(self) -> list[str]:
        return list(self.dataset.conditions)[::-1]

    def __getitem__(self, key: Any) -> np.ndarray:
        return np.ascontiguousarray(np.asarray(self.dataset[key])[..., ::-1])


def _check_aligned(named: Mapping[str, Any]) -> None:
    """Every tensor of a job must hold the same bins in the same order."""
    items = list(named.items())
    ref_name, ref = items[0]
    ref_regions = ref.regions[["chrom", "start", "end"]].reset_index(drop=True)
    for name, ds in items[1:]:
        regions = ds.regions[["chrom", "start", "end"]].reset_index(drop=True)
        if len(regions) != len(ref_regions) or not regions.equals(ref_regions):
            raise ValueError(
                f"the {name} tensor ({len(regions)} bins) and the {ref_name} tensor ({len(ref_regions)} bins) "
                "do not hold the same bins; rebuild both from the same ROI and bin size"
            )


# ------------------------------------------------------------------------------------------ training
def _model_factory(setting: Setting, inputs: Mapping[str, Any]):
    from genomic_tensors import models

    if "dna" in inputs:
        window = inputs["dna"].shape[1] + setting.order - 1  # k-mer positions -> bp
    if "dnase" in inputs:
        _, bins, strands, conditions = inputs["dnase"].shape
    if setting.model == "dna":
        return partial(models.jund_dna, setting.order, setting.dropout, window=window)
    if setting.model == "dnase":
        return partial(models.jund_dnase, bins=bins, strands=strands, conditions=conditions)
    return partial(
        models.jund_combined, setting.order, setting.dropout, window=window, dnase_bins=bins,
        dnase_strands=strands, dnase_conditions=conditions,
    )


def _scores(labels: np.ndarray, predictions: np.ndarray) -> dict[str, float]:
    """auPRC (average precision), auROC and counts; NaN scores when a class is absent."""
    from genomic_tensors.evaluate import average_precision, roc_auc

    y = (np.asarray(labels).reshape(-1) > 0.5).astype(np.float64)
    p = np.asarray(predictions, dtype=np.float64).reshape(-1)
    n_pos = int(y.sum())
    both = 0 < n_pos < len(y)
    return {
        "auprc": average_precision(y, p) if both else math.nan,
        "auroc": roc_auc(y, p) if both else math.nan,
        "n_positive": n_pos,
        "n_total": int(len(y)),
    }


def metric_rows(setting: Setting, replicate: int, split_scores: Mapping[str, Mapping[str, float]]) -> pd.DataFrame:
    """Metrics rows of one model, in :data:`METRIC_COLUMNS` order (one row per split)."""
    rows = [{**setting.row(), "replicate": int(replicate), "split": split, **scores}
            for split, scores in split_scores.items()]
    return _typed(pd.DataFrame(rows, columns=list(METRIC_COLUMNS)))


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.copy()
    frame["order"] = frame["order"].astype("Int64")
    frame["replicate"] = frame["replicate"].astype("int64")
    for col in ("n_positive", "n_total"):
        frame[col] = frame[col].astype("int64")
    for col in ("dropout", "auprc", "auroc"):
        frame[col] = frame[col].astype("float64")
    for col in ("model", "normalization", "augment", "split"):  # empty cells are NaN, as read back
        frame[col] = pd.Series([np.nan if _isna(v) else str(v) for v in frame[col]], index=frame.index,
                               dtype="object")
    return frame


def _limit_threads(threads: int | None) -> None:
    if not threads:
        return
    try:
        import tensorflow as tf

        tf.config.threading.set_intra_op_parallelism_threads(int(threads))
        tf.config.threading.set_inter_op_parallelism_threads(int(threads))
    except (ImportError, RuntimeError):  # already initialised, or another backend
        log.info("could not limit TensorFlow to %s thread(s)", threads)


def train_and_evaluate(
    setting: Setting,
    *,
    labels: str | Path,
    dna: str | Path | None = None,
    dnase: str | Path | None = None,
    replicate: int,
    seed: int,
    validation: Sequence[str],
    test: Sequence[str],
    epochs: int,
    batch_size: int,
    patience: int,
    model_path: str | Path,
    history_path: str | Path,
    metrics_path: str | Path,
    predictions_path: str | Path,
    threads: int | None = None,
    options: RunOptions | None = None,
) -> pd.DataFrame:
    """Train one model of the grid, then score it on the validation and test chromosomes.

    ``options`` (from :func:`genomic_tensors.devices.prepare`) sets precision, XLA compilation and op
    determinism; the default is float32, Keras' XLA choice and determinism on.

    The training split gets the flip augmentation when ``setting.augment == "flip"`` (DNase and combined
    models: every input of a sample is shown from the same random strand per epoch, the DNA as its true
    reverse complement); the test split sees the DNase replicates swapped (:class:`SwapConditions`).

    Writes ``model_path`` (.keras), ``history_path`` (one row per epoch), ``metrics_path`` (rows in
    :data:`METRIC_COLUMNS`) and ``predictions_path`` (test bins: chrom, start, end, label, prediction).

    Returns
    -------
    pandas.DataFrame
        The metrics rows.
    """
    from genomic_tensors.dataset import RandomOrientation, split_by_chromosome
    from genomic_tensors.training import BatchStream, fit

    _limit_threads(threads)
    paths = {"dna": dna, "dnase": dnase}
    needed = {"dna": ("dna",), "dnase": ("dnase",), "combined": ("dna", "dnase")}[setting.model]
    for name in needed:
        if paths[name] is None:
            raise ValueError(f"a {setting.model} model needs the {name} tensor file")
    y_all = load_dataset(labels)
    x_all = {name: load_dataset(paths[name]) for name in needed}
    _check_aligned({"labels": y_all, **x_all})

    y = split_by_chromosome(y_all, validation=validation, test=test)
    xs = {name: split_by_chromosome(ds, validation=validation, test=test) for name, ds in x_all.items()}
    for split in ("train", "validation", "test"):
        if len(getattr(y, split)) == 0:
            raise ValueError(
                f"the {split} split is empty (validation={list(validation)}, test={list(test)}; the ROI has "
                f"{sorted(set(y_all.regions['chrom']))})"
            )
    run_seed = replicate_seed(seed, replicate)

    def inputs(split: str) -> dict[str, Any]:
        out = {}
        for name, parts in xs.items():
            ds = getattr(parts, split)
            if split == "train" and setting.augment == "flip":
                ds = RandomOrientation(ds, seed=run_seed)  # same seed: the same flips for every input
            if split == "test" and name == "dnase":
                ds = SwapConditions(ds)
            out[name] = ds
        return out

    def single(x: dict[str, Any]) -> Any:
        return next(iter(x.values())) if len(x) == 1 else x

    result = fit(
        _model_factory(setting, x_all),
        (single(inputs("train")), y.train),
        (single(inputs("validation")), y.validation),
        batch_size=batch_size, epochs=epochs, seed=run_seed, patience=patience,
        model_path=model_path, history_path=history_path,
        **(options or RunOptions()).fit_kwargs(),
    )
    split_scores = {}
    for split in SPLITS:
        stream = BatchStream(single(inputs(split)), batch_size=max(batch_size, 256))
        pred = np.asarray(result.model.predict(stream, verbose=0)).reshape(-1)
        truth = np.asarray(getattr(y, split)[:]).reshape(-1)
        split_scores[split] = _scores(truth, pred)
        log.info("%s %s: %s", setting.label, split, split_scores[split])
        if split == "test":
            regions = getattr(y, split).regions
            frame = pd.DataFrame({
                "chrom": regions["chrom"].to_numpy(), "start": regions["start"].to_numpy(),
                "end": regions["end"].to_numpy(), "label": truth.astype(np.int8), "prediction": pred,
            })
            frame.to_csv(predictions_path, sep="\t", index=False, float_format="%.6g")
    rows = metric_rows(setting, replicate, split_scores)
    rows.to_csv(metrics_path, sep="\t", index=False, float_format="%.6g")
    return rows


# ---------------------------------------------------------------------------------------- metrics
def read_metrics(path: str | Path) -> pd.DataFrame:
    """Read a metrics TSV, checking its columns are exactly :data:`METRIC_COLUMNS`."""
    frame = pd.read_csv(path, sep="\t", keep_default_na=True)
    if tuple(frame.columns) != METRIC_COLUMNS:
        raise ValueError(
            f"{path}: metrics columns {list(frame.columns)} differ from the expected {list(METRIC_COLUMNS)}"
        )
    return _typed(frame)


def collect_metrics(paths: Sequence[str | Path]) -> pd.DataFrame:
    """Concatenate per-model metrics files into the case's table, sorted by model, setting, replicate
    and split (validation before test)."""
    if not paths:
        raise ValueError("no per-model metrics files to collect")
    frame = pd.concat([read_metrics(p) for p in paths], ignore_index=True)
    key = frame.assign(
        _model=frame["model"].map(FAMILIES.index),
        _split=frame["split"].map(SPLITS.index),
        _norm=frame["normalization"].map(lambda v: NORMALIZATIONS.index(v) if v in NORMALIZATIONS else -1),
        _aug=frame["augment"].map(AUGMENTS.index),
    )
    key = key.sort_values(["_model", "order", "dropout", "_norm", "_aug", "replicate", "_split"],
                          na_position="first", kind="stable")
    dupes = key.duplicated(list(METRIC_COLUMNS[:7]))
    if dupes.any():
        raise ValueError(f"duplicate metrics rows:\n{key.loc[dupes, list(METRIC_COLUMNS[:7])]}")
    return key[list(METRIC_COLUMNS)].reset_index(drop=True)


_SETTING_COLUMNS = {
    "dna": ["order", "dropout"],
    "dnase": ["normalization", "augment"],
    "combined": ["order", "dropout", "normalization", "augment"],
}


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
        best = medians.index[int(np.nanargmax(medians.to_numpy()))] if medians.notna().any() else medians.index[0]
        values = dict(zip(cols, best if isinstance(best, tuple) else (best,)))
        chosen[family] = Setting.from_params(family, {k: (None if _isna(v) else v) for k, v in values.items()})
    return chosen


def _isna(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA


def _setting_of_row(row: Mapping[str, Any]) -> Setting:
    return Setting.from_params(row["model"], {k: (None if _isna(row[k]) else row[k])
                                              for k in ("order", "dropout", "normalization", "augment")})


def export_predictions(
    predictions: Sequence[str | Path],
    metrics: str | Path,
    chrom_sizes: str | Path,
    out: str | Path,
    *,
    family: str,
) -> Setting:
    """Write the test-chromosome predictions of one model family as a bigWig.

    The family's setting is the best by median validation auPRC (:func:`best_settings`); the bigWig holds
    the mean prediction of its replicates over each test bin. Each predictions file is recognised by the
    ``metrics.tsv`` that its training job wrote beside it.

    Returns
    -------
    Setting
        The exported setting.
    """
    import pyBigWig

    from genomic_tensors.regions import read_chrom_sizes

    best = best_settings(read_metrics(metrics))
    if family not in best:
        raise ValueError(f"{metrics}: no {family} models to export")
    frames = []
    for path in predictions:
        own = read_metrics(Path(path).with_name("metrics.tsv"))
        if _setting_of_row(own.iloc[0]) == best[family]:
            frames.append(pd.read_csv(path, sep="\t"))
    if not frames:
        raise ValueError(f"no predictions of the {family} setting {best[family]} among {len(predictions)} files")
    mean = (pd.concat(frames).groupby(["chrom", "start", "end"], sort=False)["prediction"].mean().reset_index())
    mean = mean.sort_values(["chrom", "start"], kind="stable")
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
            bw.addEntries([chrom] * len(part), part["start"].astype(int).tolist(),
                          ends=part["end"].astype(int).tolist(), values=part["prediction"].astype(float).tolist())
    finally:
        bw.close()
    log.info("exported %s (%d replicate(s), %d bins) to %s", best[family].label, len(frames), len(mean), out)
    return best[family]


# -------------------------------------------------------------------------------------------- locus
@dataclass(frozen=True)
class Locus:
    """The Fig. 2d locus: the plotted region and the attribution window (0-based half-open)."""

    chrom: str
    start: int
    end: int
    attribution_start: int
    attribution_end: int
    source: str = "config"

    @property
    def summit(self) -> int:
        return (self.attribution_start + self.attribution_end) // 2


_INTERVAL = re.compile(r"^\s*([A-Za-z0-9_.]+):([0-9,]+)-([0-9,]+)\s*$")


def parse_interval(text: str) -> tuple[str, int, int]:
    """``"chr3:2,353,000-2,357,000"`` -> ``("chr3", 2353000, 2357000)`` (read as 0-based half-open)."""
    match = _INTERVAL.match(str(text))
    if not match:
        raise ValueError(f"cannot read the interval {text!r}; expected e.g. 'chr3:2,353,000-2,357,000'")
    chrom, start, end = match.group(1), int(match.group(2).replace(",", "")), int(match.group(3).replace(",", ""))
    if end <= start:
        raise ValueError(f"interval {text!r} is empty: end {end} <= start {start}")
    return chrom, start, end


def select_locus(
    peaks: str | Path,
    roi: str | Path,
    *,
    test: Sequence[str],
    locus: Mapping[str, str] | None = None,
    width: int = 4000,
    attribution: int = 100,
) -> Locus:
    """The locus of Fig. 2d.

    With ``locus`` (config keys ``region``, ``attribution``) it is taken as given (the paper's
    chr3:2,353,000-2,357,000 and chr3:2,354,950-2,355,050). Without it, the peak with the highest signal
    value (then p-value) on a test chromosome whose summit lies in the ROI is chosen: the region is
    ``width`` bp centred on its summit, the attribution window ``attribution`` bp around the summit. On
    the demo world every peak sits on a planted binding site, so this picks a planted site.
    """
    from genomic_tensors.regions import read_regions

    roi_frame = read_regions(roi)
    if locus:
        if "region" not in locus or "attribution" not in locus:
            raise ValueError(f"jund.locus needs both 'region' and 'attribution'; got {sorted(locus)}")
        chrom, start, end = parse_interval(locus["region"])
        achrom, astart, aend = parse_interval(locus["attribution"])
        if achrom != chrom or astart < start or aend > end:
            raise ValueError(
                f"the attribution window {locus['attribution']} must lie inside the locus {locus['region']}"
            )
        if chrom not in test:
            log.warning("the Fig. 2d locus %s is not on a test chromosome %s", locus["region"], list(test))
        chosen = Locus(chrom, start, end, astart, aend, source="config")
    else:
        frame = read_regions(peaks)
        frame = frame[frame["chrom"].isin(list(test))].copy()
        if frame.empty:
            raise ValueError(f"{peaks}: no peak on the test chromosome(s) {list(test)} to show in Fig. 2d")
        peak = frame["peak"] if "peak" in frame else pd.Series(-1, index=frame.index)
        frame["summit"] = np.where(peak >= 0, frame["start"] + peak, (frame["start"] + frame["end"]) // 2)
        inside = np.zeros(len(frame), dtype=bool)
        for chrom, part in roi_frame.groupby("chrom"):
            sel = (frame["chrom"] == chrom).to_numpy()
            s = frame.loc[sel, "summit"].to_numpy()
            hit = ((s[:, None] >= part["start"].to_numpy()[None, :] + attribution)
                   & (s[:, None] < part["end"].to_numpy()[None, :] - attribution)).any(axis=1)
            inside[sel] = hit
        frame = frame[inside]
        if frame.empty:
            raise ValueError(f"{peaks}: no test-chromosome peak summit lies inside the ROI {roi}")
        order_cols = [c for c in ("signal", "pvalue", "score") if c in frame]
        frame = frame.sort_values(order_cols, ascending=False, kind="stable")
        top = frame.iloc[0]
        summit = int(top["summit"])
        start = max(0, summit - width // 2)
        chosen = Locus(str(top["chrom"]), start, start + width, summit - attribution // 2,
                       summit - attribution // 2 + attribution, source="strongest test peak")
    on_roi = roi_frame[(roi_frame["chrom"] == chosen.chrom) & (roi_frame["start"] <= chosen.summit)
                       & (roi_frame["end"] > chosen.summit)]
    if on_roi.empty:
        raise ValueError(f"the Fig. 2d summit {chosen.chrom}:{chosen.summit} is outside the ROI {roi}")
    log.info("Fig. 2d locus %s:%d-%d, attribution %d-%d (%s)", chosen.chrom, chosen.start, chosen.end,
             chosen.attribution_start, chosen.attribution_end, chosen.source)
    return chosen


def write_locus(locus: Locus, path: str | Path) -> None:
    pd.DataFrame([asdict(locus)]).to_csv(path, sep="\t", index=False)


def read_locus(path: str | Path) -> Locus:
    row = pd.read_csv(path, sep="\t").iloc[0]
    return Locus(str(row["chrom"]), int(row["start"]), int(row["end"]), int(row["attribution_start"]),
                 int(row["attribution_end"]), str(row["source"]))


def _bases_from_codes(codes: np.ndarray, order: int) -> str:
    """The bases of a window from its k-mer codes ``(L - order + 1,)`` (-1 -> N for its first letter)."""
    letters = np.array(list("ACGT"))
    codes = np.asarray(codes)
    first = np.where(codes >= 0, codes // 4 ** (order - 1), -1)
    tail = []
    last = int(codes[-1])
    for k in range(order - 2, -1, -1):  # the remaining letters of the last k-mer
        tail.append(-1 if last < 0 else (last // 4**k) % 4)
    all_codes = np.concatenate([first, np.array(tail, dtype=np.int64)])
    return "".join(letters[c] if c >= 0 else "N" for c in all_codes)


def _per_base(kmer_scores: np.ndarray, order: int) -> np.ndarray:
    """Spread k-mer attributions ``(L - order + 1,)`` evenly over their ``order`` bases -> ``(L,)``."""
    out = np.zeros(len(kmer_scores) + order - 1, dtype=np.float64)
    for shift in range(order):
        out[shift : shift + len(kmer_scores)] += kmer_scores / order
    return out


def locus_tracks(
    locus: str | Path | Locus,
    models: Sequence[str | Path],
    *,
    dna: str | Path,
    dnase: str | Path,
    counts: str | Path,
    labels: str | Path,
    test: Sequence[str],
    steps: int = 50,
) -> dict[str, np.ndarray]:
    """The data of Fig. 2d: predictions, labels and DNase counts over the locus bins, and the integrated-
    gradients attribution of the combined models' DNA input over the attribution window.

    Predictions and attributions are averaged over the given (combined) models; on a test chromosome
    the DNase input is swapped as at test time. The attribution is signed (input x integrated gradient,
    summed over the one-hot channels; a k-mer's value is shared evenly among its bases), with an
    all-zero DNA baseline and the observed DNase input held fixed.

    Returns
    -------
    dict of numpy arrays
        ``bin_start``, ``bin_end`` (n_bins,) int64; ``prediction``, ``label`` (n_bins,) float;
        ``dnase_position`` (n_bins * bins_per_core,) int64 starts of the DNase bins, ``dnase``
        (n_bins * bins_per_core, replicates) counts summed over strands; ``dnase_names`` (replicates,);
        ``attribution`` (attribution window length,) float; ``bases`` (str); ``locus`` (chrom, start,
        end, attribution_start, attribution_end, source) as strings.
    """
    from genomic_tensors.interpret import integrated_gradients
    from genomic_tensors.training import load_model

    if not isinstance(locus, Locus):
        locus = read_locus(locus)
    y_all = load_dataset(labels)
    dna_ds, dnase_ds, counts_ds = load_dataset(dna), load_dataset(dnase), load_dataset(counts)
    _check_aligned({"labels": y_all, "dna": dna_ds, "dnase": dnase_ds, "counts": counts_ds})
    regions = y_all.regions.reset_index(drop=True)
    in_locus = ((regions["chrom"] == locus.chrom) & (regions["end"] > locus.start)
                & (regions["start"] < locus.end)).to_numpy()
    sel = np.flatnonzero(in_locus)
    if sel.size == 0:
        raise ValueError(f"no ROI bin overlaps the Fig. 2d locus {locus.chrom}:{locus.start}-{locus.end}")
    summit_rows = sel[((regions.loc[sel, "start"] <= locus.summit) & (regions.loc[sel, "end"] > locus.summit)).to_numpy()]
    if summit_rows.size == 0:
        raise ValueError(f"the attribution centre {locus.chrom}:{locus.summit} is not in an ROI bin")
    j = int(summit_rows[0])
    swap = locus.chrom in set(test)
    x_dna = np.asarray(dna_ds[sel], dtype=np.float32)
    x_dnase = np.asarray(dnase_ds[sel], dtype=np.float32)
    if swap:
        x_dnase = np.ascontiguousarray(x_dnase[..., ::-1])
    order = int(dna_ds.order)
    flank = int(dna_ds.flank)
    window_start = int(regions.loc[j, "start"]) - flank
    a0, a1 = locus.attribution_start - window_start, locus.attribution_end - window_start
    if a0 < 0 or a1 > x_dna.shape[1] + order - 1:
        raise ValueError(
            f"the attribution window {locus.attribution_start}-{locus.attribution_end} exceeds the DNA window "
            f"{window_start}-{window_start + x_dna.shape[1] + order - 1} of the summit bin"
        )
    k = int(np.flatnonzero(sel == j)[0])
    predictions, attributions = [], []
    for path in models:
        model = load_model(path)
        pred = model.predict({"dna": x_dna, "dnase": x_dnase}, verbose=0, batch_size=256)
        predictions.append(np.asarray(pred).reshape(-1))
        one = {"dna": x_dna[k : k + 1], "dnase": x_dnase[k : k + 1]}
        baseline = {"dna": np.zeros_like(one["dna"]), "dnase": one["dnase"]}
        ig = integrated_gradients(model, one, baseline=baseline, steps=steps)
        ig_dna = np.asarray(ig["dna"] if isinstance(ig, Mapping) else ig)[0]
        attributions.append(_per_base(ig_dna.sum(axis=-1), order))
    attribution = np.mean(attributions, axis=0)[a0:a1]
    bases = _bases_from_codes(np.asarray(dna_ds.codes[np.array([j])])[0], order)[a0:a1]

    res_bins = counts_ds.shape[1]
    window_bp = int(regions.loc[j, "end"] - regions.loc[j, "start"]) + 2 * int(counts_ds.flank)
    resolution = window_bp // res_bins
    offset = int(counts_ds.flank) // resolution
    per_core = int(regions.loc[j, "end"] - regions.loc[j, "start"]) // resolution
    raw = np.asarray(counts_ds[sel], dtype=np.float64)[:, offset : offset + per_core].sum(axis=2)
    starts = regions.loc[sel, "start"].to_numpy(np.int64)
    positions = (starts[:, None] + resolution * np.arange(per_core)[None, :]).reshape(-1)
    return {
        "bin_start": starts,
        "bin_end": regions.loc[sel, "end"].to_numpy(np.int64),
        "prediction": np.mean(predictions, axis=0),
        "label": np.asarray(y_all[sel], dtype=np.float64).reshape(-1),
        "dnase_position": positions,
        "dnase_resolution": np.int64(resolution),
        "dnase": raw.reshape(-1, raw.shape[-1]),
        "dnase_names": np.array(list(counts_ds.conditions), dtype=str),
        "attribution": attribution,
        "attribution_start": np.int64(locus.attribution_start),
        "bases": np.array(bases),
        "locus": np.array([locus.chrom, locus.start, locus.end, locus.attribution_start,
                           locus.attribution_end, locus.source], dtype=str),
    }


# ------------------------------------------------------------------------------------------- figures
def _subplots(ax: Any = None, *, figsize: tuple[float, float] = (4.5, 3.5)):
    import matplotlib.pyplot as plt

    if ax is None:
        fig, ax = plt.subplots(figsize=figsize, layout="constrained")
        return fig, ax
    return ax.figure, ax


def _test_rows(metrics: pd.DataFrame, family: str) -> pd.DataFrame:
    rows = metrics[(metrics["split"] == "test") & (metrics["model"] == family)].copy()
    if rows.empty:
        raise ValueError(f"the metrics hold no test rows of the {family} model")
    return rows


def plot_fig2a(metrics: pd.DataFrame, ax: Any = None):
    """Fig. 2a: test auPRC of the DNA model by one-hot order, boxes over replicates, hue = input dropout
    (the paper's panel showed the validation chromosome by mistake; this one shows the test chromosome)."""
    import seaborn as sns

    fig, ax = _subplots(ax)
    rows = _test_rows(metrics, "dna")
    rows["order"] = rows["order"].astype(int)
    rows["input dropout"] = rows["dropout"].map(lambda v: f"{v:g}")
    hue_order = sorted(rows["input dropout"].unique(), key=float)
    sns.boxplot(rows, x="order", y="auprc", hue="input dropout", hue_order=hue_order, ax=ax, fliersize=0)
    sns.stripplot(rows, x="order", y="auprc", hue="input dropout", hue_order=hue_order, dodge=True, ax=ax,
                  palette="dark:black", size=3, legend=False)
    ax.set(xlabel="one-hot order", ylabel="auPRC (test chromosome)", title="JunD from DNA")
    return fig, ax


def plot_fig2b(metrics: pd.DataFrame, ax: Any = None):
    """Fig. 2b: test auPRC of the DNase model by normalization, hue = flip augmentation (replicates
    swapped at test time)."""
    import seaborn as sns

    fig, ax = _subplots(ax)
    rows = _test_rows(metrics, "dnase")
    order = [n for n in NORMALIZATIONS if n in set(rows["normalization"])]
    hue_order = [a for a in AUGMENTS if a in set(rows["augment"])]
    sns.boxplot(rows, x="normalization", y="auprc", hue="augment", order=order, hue_order=hue_order, ax=ax,
                fliersize=0)
    sns.stripplot(rows, x="normalization", y="auprc", hue="augment", order=order, hue_order=hue_order,
                  dodge=True, ax=ax, palette="dark:black", size=3, legend=False)
    ax.set(xlabel="normalization", ylabel="auPRC (test chromosome)", title="JunD from DNase")
    return fig, ax


def plot_fig2c(metrics: pd.DataFrame, ax: Any = None, *, best: Mapping[str, Setting] | None = None):
    """Fig. 2c: test auPRC of the combined model beside the best DNA and the best DNase settings (best by
    median validation auPRC, see :func:`best_settings`)."""
    import seaborn as sns

    fig, ax = _subplots(ax, figsize=(5.5, 3.5))
    best = dict(best) if best is not None else best_settings(metrics)
    parts = []
    for family, name in (("dna", "DNA"), ("dnase", "DNase"), ("combined", "DNA + DNase")):
        if family not in best:
            raise ValueError(f"Fig. 2c needs {family} models in the metrics")
        rows = _test_rows(metrics, family)
        keep = rows.apply(lambda r: _setting_of_row(r) == best[family], axis=1)
        parts.append(rows[keep].assign(panel=name))
    rows = pd.concat(parts, ignore_index=True)
    sns.boxplot(rows, x="panel", y="auprc", hue="panel", ax=ax, fliersize=0, legend=False)
    sns.stripplot(rows, x="panel", y="auprc", ax=ax, color="black", size=3)
    ax.set(xlabel="", ylabel="auPRC (test chromosome)", title="JunD: combined vs best single modality")
    labels = {"DNA": best["dna"].label, "DNase": best["dnase"].label}
    ax.set_xticks(range(3), [f"{t.get_text()}\n({labels[t.get_text()][len(t.get_text()) + 1:]})"
                             if t.get_text() in labels else t.get_text() for t in ax.get_xticklabels()],
                  fontsize=7)
    return fig, ax


def plot_fig2d(tracks: Mapping[str, np.ndarray]):
    """Fig. 2d: genome tracks over the locus (predicted and true binding, one DNase track per replicate)
    and the attribution over the bases of the attribution window (a signed sequence logo)."""
    import matplotlib.pyplot as plt

    from genomic_tensors.plotting import plot_logo

    chrom, start, end, astart, aend, source = [str(v) for v in tracks["locus"]]
    start, end, astart, aend = int(start), int(end), int(astart), int(aend)
    names = [str(n) for n in tracks["dnase_names"]]
    n_rows = 2 + len(names) + 1
    fig, axes = plt.subplots(n_rows, 1, figsize=(7, 1.2 * n_rows + 0.6), layout="constrained",
                             gridspec_kw={"height_ratios": [1] * (n_rows - 1) + [1.6]})
    edges_lo, edges_hi = tracks["bin_start"], tracks["bin_end"]

    def steps(ax: Any, lo: np.ndarray, hi: np.ndarray, values: np.ndarray, colour: str, label: str) -> None:
        ax.fill_between(np.ravel(np.column_stack([lo, hi])), np.repeat(values, 2), step=None, color=colour,
                        lw=0)
        ax.set_ylabel(label, rotation=0, ha="right", va="center", fontsize=8)
        ax.set_xlim(start, end)
        ax.axvspan(astart, aend, color="grey", alpha=0.15, lw=0)

    steps(axes[0], edges_lo, edges_hi, tracks["prediction"], "#6a3d9a", "predicted")
    axes[0].set_ylim(0, 1)
    steps(axes[1], edges_lo, edges_hi, tracks["label"], "#33a02c", "true")
    axes[1].set_ylim(0, 1.05)
    res = int(tracks["dnase_resolution"])
    for i, name in enumerate(names):
        pos = tracks["dnase_position"]
        steps(axes[2 + i], pos, pos + res, tracks["dnase"][:, i], "#1f78b4", f"DNase\n{name}")
    for ax in axes[:-2]:
        ax.tick_params(labelbottom=False)
    axes[-2].set_xlabel(f"{chrom} ({source})", fontsize=8)
    bases = str(tracks["bases"])
    plot_logo(np.asarray(tracks["attribution"], dtype=float), bases=bases, start=astart, ax=axes[-1])
    axes[-1].set_ylabel("attribution", rotation=0, ha="right", va="center", fontsize=8)
    axes[-1].set_xlabel(f"{chrom}:{astart:,}-{aend:,}", fontsize=8)
    fig.suptitle("JunD: predicted vs true binding, DNase input and DNA attribution", fontsize=9)
    return fig, axes


def write_figure(fig: Any, png: str | Path, svg: str | Path) -> None:
    """Save a figure as PNG (150 dpi) and SVG, then close it."""
    import matplotlib.pyplot as plt

    fig.savefig(png, dpi=150)
    fig.savefig(svg)
    plt.close(fig)


# ---------------------------------------------------------------------------------- workflow plan
#: Final outputs of case 1 (``rule all`` requests them when the case is enabled).
WORKFLOW_TARGETS = (
    "results/jund/metrics.tsv",
    *(f"results/jund/predictions/{family}.test.bigwig" for family in FAMILIES),
    *(f"results/figures/fig2{panel}.{ext}" for panel in "abcd" for ext in ("png", "svg")),
)


def workflow_targets() -> list[str]:
    """The final outputs of case 1."""
    return list(WORKFLOW_TARGETS)


def dropout_label(rate: float) -> str:
    """An input-dropout rate as it appears in paths: ``0.0 -> "0"``, ``0.2 -> "0.2"``."""
    return f"{float(rate):g}"


def model_dirs(cfg: Mapping[str, Any], family: str, *, root: str = "results/jund") -> list[str]:
    """Directories of every training job of one family, from the validated ``jund`` config section.

    >>> model_dirs({"replicates": 1, "dna": {"orders": [1, 3], "dropout": [0.0]}}, "dna")
    ['results/jund/models/dna/order1_dropout0/rep1', 'results/jund/models/dna/order3_dropout0/rep1']
    """
    reps = range(1, int(cfg["replicates"]) + 1)
    if family == "dna":
        return [f"{root}/models/dna/order{o}_dropout{dropout_label(d)}/rep{r}"
                for o in cfg["dna"]["orders"] for d in cfg["dna"]["dropout"] for r in reps]
    if family == "dnase":
        return [f"{root}/models/dnase/{n}_{a}/rep{r}" for n in cfg["dnase_model"]["normalizations"]
                for a in cfg["dnase_model"]["augment"] for r in reps]
    if family == "combined":
        return [f"{root}/models/combined/rep{r}" for r in reps]
    raise ValueError(f"unknown model family {family!r}; expected one of {FAMILIES}")


def model_files(cfg: Mapping[str, Any], families: Sequence[str], name: str) -> list[str]:
    """The file ``name`` (e.g. ``metrics.tsv``) of every training job of the given families."""
    return [f"{d}/{name}" for family in families for d in model_dirs(cfg, family)]

"""Case study 2: DeepSEA and DanQ on chromatin features (Fig. 3a-c, Supplementary Fig. 1).

The glue between the workflow's rules and the package for this case:

- the training grid (the union of the config's sub-grids) and the width-scaled architectures;
- sparse labels of every feature on the 200-bp region set by the half-bin rule;
- a streaming sequence input (:class:`WindowCodes`) that keeps the genome as 1 byte per base and expands
  integer k-mer codes per batch (the model one-hots them on the device), never one-hot for all windows;
- training, per-feature evaluation (auPRC, auROC) on the test set, the metrics table, the summary of the
  paper's claims and the four figures.

Coordinates are 0-based, half-open (BED). Heavy imports (keras, matplotlib, seaborn) happen inside the
functions that need them, so that reading labels or metrics stays light.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from genomic_tensors.devices import RunOptions
from genomic_tensors.regions import read_regions

log = logging.getLogger("genomic_tensors")

__all__ = [
    "CATEGORIES",
    "FEATURE_COLUMNS",
    "METRIC_COLUMNS",
    "SUMMARY_COLUMNS",
    "FIGURES",
    "RunSpec",
    "SparseLabels",
    "WindowCodes",
    "aggregate_metrics",
    "build_model",
    "evaluate_run",
    "expand_grid",
    "feature_metrics",
    "label_matrix",
    "load_labels",
    "plot_figure",
    "read_features",
    "save_labels",
    "scaled_widths",
    "summarise",
    "train_run",
    "covered_bases",
    "predict",
    "sequence_input",
    "workflow_targets",
    "write_figures",
    "write_labels",
    "write_sequence",
]

CATEGORIES = ("DNase", "TF", "Histone")
FEATURE_COLUMNS = ["index", "feature", "category", "url", "path"]
METRIC_COLUMNS = [
    "model",
    "window",
    "order",
    "strands",
    "feature",
    "category",
    "auprc",
    "auroc",
    "n_positive",
]
SUMMARY_COLUMNS = [
    "claim",
    "comparison",
    "model",
    "window",
    "order",
    "strands",
    "category",
    "statistic",
    "value",
    "n_features",
]
FIGURES = ("fig3a", "fig3b", "fig3c", "figS1")
MODELS = ("deepsea", "danq")
STRANDS = ("both", "forward")


# ------------------------------------------------------------------------------------------------ grid
@dataclass(frozen=True, order=True)
class RunSpec:
    """One training run of the grid: architecture, context window (bp), one-hot order, strands."""

    model: str
    window: int
    order: int
    strands: str

    def __post_init__(self) -> None:
        if self.model not in MODELS:
            raise ValueError(f"model must be one of {MODELS}; got {self.model!r}")
        if self.strands not in STRANDS:
            raise ValueError(f"strands must be one of {STRANDS}; got {self.strands!r}")
        if int(self.order) not in (1, 2, 3):
            raise ValueError(f"order must be 1, 2 or 3; got {self.order!r}")

    @property
    def tag(self) -> str:
        """The run's directory name, e.g. ``danq_w1000_o3_both``."""
        return f"{self.model}_w{self.window}_o{self.order}_{self.strands}"


def expand_grid(grid: Sequence[Mapping[str, Sequence[Any]]]) -> list[RunSpec]:
    """The union of the config's sub-grids, each a product of ``models x windows x orders x strands``.

    Parameters
    ----------
    grid : sequence of mappings
        Each with keys ``models``, ``windows``, ``orders``, ``strands`` (lists). The paper: both strands for
        every model, window and order (18 runs) plus forward-only at 1000 bp (6 runs).

    Returns
    -------
    list of RunSpec
        Sorted, without duplicates (a run listed by two sub-grids is trained once).
    """
    runs: set[RunSpec] = set()
    for i, sub in enumerate(grid):
        missing = {"models", "windows", "orders", "strands"} - set(sub)
        if missing:
            raise ValueError(
                f"deepsea grid entry {i} lacks {sorted(missing)}; got keys {sorted(sub)}"
            )
        for m, w, o, s in itertools.product(
            sub["models"], sub["windows"], sub["orders"], sub["strands"]
        ):
            runs.add(RunSpec(str(m), int(w), int(o), str(s)))
    return sorted(runs)


def scaled_widths(model: str, width: float = 1.0) -> dict[str, Any]:
    """Layer widths of ``model`` scaled by ``width`` (1 = the paper), as factory keyword arguments.

    DeepSEA: ``filters`` (320, 480, 960) and ``dense_units`` 925; DanQ: ``filters`` 320, ``lstm_units``
    320 and ``dense_units`` 925. Each is rounded and kept at least 4 so a tiny width still trains.
    """
    if not 0 < width <= 1:
        raise ValueError(f"deepsea width must be in (0, 1]; got {width}")

    def scale(n: int) -> int:
        return max(4, int(round(n * width)))

    if model == "deepsea":
        return {"filters": tuple(scale(n) for n in (320, 480, 960)), "dense_units": scale(925)}
    if model == "danq":
        return {"filters": scale(320), "lstm_units": scale(320), "dense_units": scale(925)}
    raise ValueError(f"model must be one of {MODELS}; got {model!r}")


def build_model(spec: RunSpec, n_outputs: int, *, width: float = 1.0):
    """The run's Keras model taking int32 k-mer codes (input ``"dna"``, one-hot on the device).

    Returns a ``keras.Model`` with input ``(batch, window - order + 1)`` int32 and output
    ``(batch, n_outputs)`` sigmoid probabilities.
    """
    from genomic_tensors import models

    factory = {"deepsea": models.deepsea, "danq": models.danq}[spec.model]
    return factory(
        spec.window,
        spec.order,
        spec.strands,
        n_outputs=int(n_outputs),
        input_codes=True,
        **scaled_widths(spec.model, width),
    )


# -------------------------------------------------------------------------------------------- features
def read_features(path: str | Path) -> pd.DataFrame:
    """Read the feature table written by the feature checkpoint (``results/deepsea/features.tsv``).

    Returns
    -------
    pandas.DataFrame
        Columns ``index`` (int, output column), ``feature`` (str), ``category`` (DNase, TF or Histone),
        ``url``, ``path``, sorted by ``index``.
    """
    path = Path(path)
    table = pd.read_csv(
        path, sep="\t", dtype={"feature": str, "category": str, "url": str, "path": str}
    )
    missing = [c for c in FEATURE_COLUMNS if c not in table.columns]
    if missing:
        raise ValueError(
            f"{path}: feature table lacks columns {missing}; expected {FEATURE_COLUMNS}"
        )
    if table.empty:
        raise ValueError(f"{path}: the feature table is empty")
    bad = table.loc[~table["category"].isin(CATEGORIES), "category"]
    if len(bad):
        row = bad.index[0]
        raise ValueError(
            f"{path}: feature {table.loc[row, 'feature']!r} has category {bad.iloc[0]!r}; "
            f"expected one of {CATEGORIES}"
        )
    return table.sort_values("index").reset_index(drop=True)


# ---------------------------------------------------------------------------------------------- labels
def _merge_intervals(starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted, disjoint union of half-open intervals (touching ones merged)."""
    order = np.argsort(starts, kind="stable")
    s, e = starts[order], ends[order]
    reach = np.maximum.accumulate(e)
    new = np.ones(len(s), dtype=bool)
    new[1:] = s[1:] > reach[:-1]
    group = np.cumsum(new) - 1
    merged_s = s[new]
    merged_e = np.zeros(len(merged_s), dtype=np.int64)
    np.maximum.at(merged_e, group, e)
    return merged_s.astype(np.int64), merged_e


def covered_bases(bins: pd.DataFrame, peaks: pd.DataFrame) -> np.ndarray:
    """Base pairs of each bin that lie inside the union of the peaks.

    Parameters
    ----------
    bins, peaks : pandas.DataFrame
        Columns ``chrom``, ``start``, ``end`` (0-based, half-open).

    Returns
    -------
    numpy.ndarray
        int64 ``(len(bins),)``: for each bin, the length of its intersection with the union of the peaks on
        its chromosome (overlapping peaks count once).
    """
    out = np.zeros(len(bins), dtype=np.int64)
    groups = peaks.groupby("chrom", sort=False)
    for chrom, rows in bins.groupby("chrom", sort=False).indices.items():
        if chrom not in groups.groups:
            continue
        p = groups.get_group(chrom)
        ms, me = _merge_intervals(p["start"].to_numpy(np.int64), p["end"].to_numpy(np.int64))
        cum = np.concatenate([[0], np.cumsum(me - ms)])  # cum[k]: bases in the first k intervals

        def covered_before(x: np.ndarray) -> np.ndarray:
            k = np.searchsorted(ms, x, side="right")  # intervals starting at or before x
            last = np.maximum(k - 1, 0)
            partial = np.clip(np.minimum(x, me[last]) - ms[last], 0, None)
            return np.where(k > 0, cum[last] + partial, 0)

        starts = bins["start"].to_numpy(np.int64)[rows]
        ends = bins["end"].to_numpy(np.int64)[rows]
        out[rows] = covered_before(ends) - covered_before(starts)
    return out


def label_matrix(
    bins: pd.DataFrame, peak_files: Sequence[str | Path], *, min_overlap: float = 0.5
) -> sp.csr_matrix:
    """Labels of every bin for every feature by the half-bin rule, as a sparse matrix.

    A bin is positive for a feature when at least ``min_overlap`` of its length lies inside the union of
    the feature's peaks (DeepSEA's rule: half of the 200-bp bin).

    Parameters
    ----------
    bins : pandas.DataFrame
        The region set, columns ``chrom``, ``start``, ``end`` (0-based, half-open).
    peak_files : sequence of paths
        One BED/narrowPeak file (optionally gzipped) per feature, in output-column order.
    min_overlap : float
        Fraction of the bin length in ``(0, 1]``.

    Returns
    -------
    scipy.sparse.csr_matrix
        uint8 ``(len(bins), len(peak_files))``, 1 where positive.
    """
    if not 0 < min_overlap <= 1:
        raise ValueError(f"min_overlap must be in (0, 1]; got {min_overlap}")
    need = np.ceil(min_overlap * (bins["end"] - bins["start"]).to_numpy(np.float64) - 1e-9).astype(
        np.int64
    )
    rows, cols = [], []
    for j, path in enumerate(peak_files):
        hits = np.flatnonzero(covered_bases(bins, read_regions(path)) >= need)
        rows.append(hits)
        cols.append(np.full(len(hits), j, dtype=np.int64))
        log.info(
            "feature %d (%s): %d positive bins of %d", j, Path(path).name, len(hits), len(bins)
        )
    r = np.concatenate(rows) if rows else np.zeros(0, np.int64)
    c = np.concatenate(cols) if cols else np.zeros(0, np.int64)
    data = np.ones(len(r), dtype=np.uint8)
    return sp.csr_matrix((data, (r, c)), shape=(len(bins), len(peak_files)), dtype=np.uint8)


class SparseLabels:
    """Sparse 0/1 labels that expand to dense float32 per batch.

    ``labels[idx]`` with an int, slice or int array gives float32 ``(n, n_features)`` (int: one row
    ``(n_features,)``). ``matrix`` is the underlying CSR ``(n_bins, n_features)``.
    """

    def __init__(self, matrix: sp.spmatrix, features: Sequence[str]) -> None:
        self.matrix = sp.csr_matrix(matrix)
        self.features = list(features)
        if self.matrix.shape[1] != len(self.features):
            raise ValueError(
                f"label matrix has {self.matrix.shape[1]} columns but {len(self.features)} feature names"
            )

    def __len__(self) -> int:
        return self.matrix.shape[0]

    @property
    def shape(self) -> tuple[int, int]:
        return self.matrix.shape

    @property
    def dtype(self) -> np.dtype:
        return np.dtype(np.float32)

    def __getitem__(self, index: Any) -> np.ndarray:
        if isinstance(index, (int, np.integer)):
            return self.matrix[int(index)].toarray()[0].astype(np.float32)
        return self.matrix[index].toarray().astype(np.float32)


def save_labels(path: str | Path, labels: SparseLabels) -> None:
    """Write sparse labels to ``.npz`` (CSR arrays plus the feature names)."""
    m = labels.matrix
    np.savez_compressed(
        path,
        data=m.data,
        indices=m.indices,
        indptr=m.indptr,
        shape=np.asarray(m.shape),
        features=np.asarray(labels.features, dtype=str),
    )


def load_labels(path: str | Path) -> SparseLabels:
    """Read labels written by :func:`save_labels`."""
    with np.load(path, allow_pickle=False) as z:
        m = sp.csr_matrix((z["data"], z["indices"], z["indptr"]), shape=tuple(z["shape"]))
        return SparseLabels(m, [str(f) for f in z["features"]])


def write_labels(
    regions: Mapping[str, str | Path],
    features: str | Path,
    peak_files: Sequence[str | Path],
    outputs: Mapping[str, str | Path],
    *,
    min_overlap: float = 0.5,
) -> None:
    """Label every split's bins for every feature and write one ``.npz`` per split (the labels rule).

    ``regions`` and ``outputs`` map split names (train, validation, test) to the region BED and the label
    file; ``peak_files`` follow the order of the ``features`` table.
    """
    table = read_features(features)
    if len(peak_files) != len(table):
        raise ValueError(
            f"{features}: {len(table)} features but {len(peak_files)} peak files were given"
        )
    for split, bed in regions.items():
        bins = read_regions(bed)
        matrix = label_matrix(bins, peak_files, min_overlap=min_overlap)
        save_labels(outputs[split], SparseLabels(matrix, table["feature"]))
        log.info("%s: %d bins x %d features, %d positives", split, *matrix.shape, matrix.nnz)


# -------------------------------------------------------------------------------------------- sequence
_LUT = np.full(256, 4, dtype=np.uint8)
for _i, _b in enumerate(b"ACGT"):
    _LUT[_b] = _i
    _LUT[ord(chr(_b).lower())] = _i


class WindowCodes:
    """Streaming sequence input: integer k-mer codes of fixed-length windows from genome byte codes.

    The genome spans the windows touch are kept as 1 byte per base (A0 C1 G2 T3, N/other 4); positions
    outside a chromosome are padded with N, never shifted. ``codes[idx]`` expands only the requested
    windows, so memory is the spans plus one batch; the model one-hots the codes on the device.

    Attributes
    ----------
    regions : pandas.DataFrame
        Core windows (chrom, start, end), without the flank, 0-based half-open.
    window, order, flank : int
        Window length (bp), k-mer order and flank (bp each side of the core).
    bases : numpy.ndarray
        uint8, the concatenated spans.
    offsets : numpy.ndarray
        int64 ``(n,)``: where each window starts in ``bases``.

    ``ds[idx]`` (int array or slice) gives int32 ``(n, window - order + 1)``, the k-mer codes with the
    first letter most significant (AC -> 1 at order 2) and ``-1`` where the k-mer holds an N.
    """

    def __init__(
        self,
        regions: pd.DataFrame,
        bases: np.ndarray,
        offsets: np.ndarray,
        *,
        window: int,
        order: int,
    ) -> None:
        self.regions = regions.reset_index(drop=True)
        self.bases = bases
        self.offsets = np.asarray(offsets, dtype=np.int64)
        self.window = int(window)
        self.order = int(order)
        core = int((regions["end"] - regions["start"]).iloc[0]) if len(regions) else 0
        self.flank = (self.window - core) // 2

    @classmethod
    def from_fasta(
        cls, fasta: str | Path, regions: pd.DataFrame | str | Path, *, window: int, order: int = 1
    ) -> WindowCodes:
        """Windows of ``window`` bp centred on the equal-length cores of ``regions``, from a FASTA.

        Each chromosome is read once; only the merged spans covered by windows are kept.
        """
        import pysam

        cores = read_regions(regions)[["chrom", "start", "end", "strand"]]
        if (cores["strand"] == "-").any():
            raise ValueError("deepsea windows are unstranded; got minus-strand regions")
        lengths = (cores["end"] - cores["start"]).unique()
        if len(lengths) != 1:
            raise ValueError(f"regions must share one length; got lengths {sorted(lengths)[:5]}")
        flank2 = int(window) - int(lengths[0])
        if flank2 < 0 or flank2 % 2:
            raise ValueError(
                f"window {window} bp must exceed the {lengths[0]}-bp bins by an even number of bp"
            )
        if int(order) not in (1, 2, 3, 4, 5, 6):
            raise ValueError(f"order must be between 1 and 6; got {order}")
        flank = flank2 // 2
        offsets = np.zeros(len(cores), dtype=np.int64)
        chunks: list[np.ndarray] = []
        total = 0
        with pysam.FastaFile(str(fasta)) as fa:
            sizes = dict(zip(fa.references, fa.lengths))
            missing = sorted(set(cores["chrom"]) - set(sizes))
            if missing:
                raise ValueError(
                    f"{fasta}: chromosomes {missing[:5]} of the regions are not in the FASTA "
                    f"(it has {list(sizes)[:5]}...)"
                )
            for chrom, rows in cores.groupby("chrom", sort=False).indices.items():
                ws = cores["start"].to_numpy(np.int64)[rows] - flank
                we = ws + int(window)
                span_s, span_e = _merge_intervals(ws, we)
                span_of = np.searchsorted(span_s, ws, side="right") - 1
                seq = _LUT[np.frombuffer(fa.fetch(chrom).encode("ascii"), dtype=np.uint8)]
                starts_in_concat = np.zeros(len(span_s), dtype=np.int64)
                for k, (s, e) in enumerate(zip(span_s, span_e)):
                    piece = np.full(e - s, 4, dtype=np.uint8)
                    lo, hi = max(s, 0), min(e, sizes[chrom])
                    if hi > lo:
                        piece[lo - s : hi - s] = seq[lo:hi]
                    starts_in_concat[k] = total
                    chunks.append(piece)
                    total += e - s
                offsets[rows] = starts_in_concat[span_of] + (ws - span_s[span_of])
                del seq
        bases = np.concatenate(chunks) if chunks else np.zeros(0, np.uint8)
        return cls(cores[["chrom", "start", "end"]], bases, offsets, window=window, order=order)

    def __len__(self) -> int:
        return len(self.offsets)

    @property
    def shape(self) -> tuple[int, int]:
        return (len(self), self.window - self.order + 1)

    @property
    def dtype(self) -> np.dtype:
        return np.dtype(np.int32)

    def __getitem__(self, index: Any) -> np.ndarray:
        single = isinstance(index, (int, np.integer))
        starts = self.offsets[np.atleast_1d(index) if single else index]
        base = self.bases[starts[:, None] + np.arange(self.window)]  # (n, window) uint8
        n_pos = self.window - self.order + 1
        codes = np.zeros((len(starts), n_pos), dtype=np.int32)
        bad = np.zeros((len(starts), n_pos), dtype=bool)
        for j in range(self.order):
            part = base[:, j : j + n_pos]
            codes = codes * 4 + np.minimum(part, 3)
            bad |= part == 4
        codes[bad] = -1
        return codes[0] if single else codes

    def save(self, path: str | Path) -> None:
        """Write the byte codes, offsets and core regions to ``.npz`` (never one-hot)."""
        np.savez(
            path,
            bases=self.bases,
            offsets=self.offsets,
            chrom=self.regions["chrom"].to_numpy(str),
            start=self.regions["start"].to_numpy(np.int64),
            end=self.regions["end"].to_numpy(np.int64),
            window=self.window,
            order=self.order,
        )

    @classmethod
    def load(cls, path: str | Path) -> WindowCodes:
        """Read a file written by :meth:`save`."""
        with np.load(path, allow_pickle=False) as z:
            regions = pd.DataFrame(
                {"chrom": z["chrom"].astype(str), "start": z["start"], "end": z["end"]}
            )
            return cls(
                regions, z["bases"], z["offsets"], window=int(z["window"]), order=int(z["order"])
            )


def write_sequence(
    fasta: str | Path, regions: str | Path, output: str | Path, *, window: int, order: int
) -> None:
    """Build the streaming sequence input of one split and save it (the sequence rule)."""
    codes = WindowCodes.from_fasta(fasta, regions, window=window, order=order)
    codes.save(output)
    log.info(
        "%s: %d windows of %d bp, order %d; %d bases kept (%.2f bytes per window base)",
        output,
        len(codes),
        window,
        order,
        codes.bases.size,
        codes.bases.size / max(1, len(codes) * window),
    )


# -------------------------------------------------------------------------------------------- training
def train_run(
    spec: RunSpec,
    sequences: Mapping[str, str | Path],
    labels: Mapping[str, str | Path],
    outdir: str | Path,
    *,
    width: float = 1.0,
    epochs: int = 30,
    batch_size: int = 128,
    patience: int = 5,
    seed: int = 1,
    workers: int = 1,
    options: RunOptions | None = None,
):
    """Train one run of the grid (the training rule): the paper's recipe on streamed codes and labels.

    ``sequences`` and ``labels`` map ``train`` and ``validation`` to the files written by
    :func:`write_sequence` and :func:`write_labels`. Writes ``model.keras``, ``history.tsv`` and
    ``train.log`` under ``outdir``; returns the :class:`genomic_tensors.training.FitResult`. ``options``
    (from :func:`genomic_tensors.devices.prepare`) sets precision, XLA compilation and op determinism.
    """
    from functools import partial

    from genomic_tensors.training import fit

    data = {}
    for split in ("train", "validation"):
        x, y = WindowCodes.load(sequences[split]), load_labels(labels[split])
        if len(x) != len(y):
            raise ValueError(
                f"{sequences[split]} has {len(x)} windows but {labels[split]} has {len(y)} rows"
            )
        if (x.window, x.order) != (spec.window, spec.order):
            raise ValueError(
                f"{sequences[split]} holds window {x.window} order {x.order}; run {spec.tag} needs "
                f"window {spec.window} order {spec.order}"
            )
        data[split] = (x, y)
    n_outputs = data["train"][1].shape[1]
    log.info("run %s: %d outputs, width %.3g", spec.tag, n_outputs, width)
    return fit(
        partial(build_model, spec, n_outputs, width=width),
        data["train"],
        data["validation"],
        loss="binary_crossentropy",
        batch_size=batch_size,
        epochs=epochs,
        seed=seed,
        patience=patience,
        outdir=outdir,
        workers=workers,
        **(options or RunOptions()).fit_kwargs(),
    )


# ------------------------------------------------------------------------------------------ evaluation
def feature_metrics(y_true: np.ndarray | sp.spmatrix, y_pred: np.ndarray) -> pd.DataFrame:
    """auPRC (average precision), auROC and the number of positives per output column.

    Parameters
    ----------
    y_true : array or sparse matrix
        0/1 ``(n, n_features)``.
    y_pred : numpy.ndarray
        float ``(n, n_features)`` scores.

    Returns
    -------
    pandas.DataFrame
        One row per column: ``auprc``, ``auroc`` (NaN for a column without positives or negatives) and
        ``n_positive`` (int).
    """
    from genomic_tensors.evaluate import average_precision, roc_auc

    y = y_true.toarray() if sp.issparse(y_true) else np.asarray(y_true)
    y_pred = np.asarray(y_pred)
    if y.shape != y_pred.shape:
        raise ValueError(f"labels {y.shape} and predictions {y_pred.shape} differ in shape")
    rows = []
    for j in range(y.shape[1]):
        t = (y[:, j] > 0).astype(np.float64)
        pos = int(t.sum())
        if 0 < pos < len(t):
            rows.append((average_precision(t, y_pred[:, j]), roc_auc(t, y_pred[:, j]), pos))
        else:
            rows.append((np.nan, np.nan, pos))
    return pd.DataFrame(rows, columns=["auprc", "auroc", "n_positive"])


def predict(model: Any, inputs: Any, *, batch_size: int = 128) -> np.ndarray:
    """Model outputs for every window of ``inputs``, streamed batch by batch: float32 ``(n, n_outputs)``."""
    parts = []
    for lo in range(0, len(inputs), batch_size):
        batch = inputs[np.arange(lo, min(lo + batch_size, len(inputs)))]
        parts.append(np.asarray(model.predict_on_batch(batch), dtype=np.float32))
    return np.concatenate(parts) if parts else np.zeros((0, 0), np.float32)


def evaluate_run(
    spec: RunSpec,
    model_path: str | Path,
    sequence: str | Path,
    labels: str | Path,
    features: str | Path,
    *,
    batch_size: int = 128,
) -> pd.DataFrame:
    """Per-feature metrics of one trained model on the test set: the rows of ``metrics.tsv``."""
    from genomic_tensors.training import load_model

    table = read_features(features)
    y = load_labels(labels)
    x = WindowCodes.load(sequence)
    if len(x) != len(y):
        raise ValueError(f"{sequence} has {len(x)} windows but {labels} has {len(y)} rows")
    model = load_model(model_path)
    scores = feature_metrics(y.matrix, predict(model, x, batch_size=batch_size))
    out = pd.DataFrame(
        {
            "model": spec.model,
            "window": spec.window,
            "order": spec.order,
            "strands": spec.strands,
            "feature": table["feature"].to_numpy(),
            "category": table["category"].to_numpy(),
        }
    )
    return pd.concat([out, scores], axis=1)[METRIC_COLUMNS]


def aggregate_metrics(paths: Iterable[str | Path]) -> pd.DataFrame:
    """Concatenate per-run metrics files into the case table (columns :data:`METRIC_COLUMNS`)."""
    frames = []
    for path in paths:
        frame = pd.read_csv(path, sep="\t")
        if list(frame.columns) != METRIC_COLUMNS:
            raise ValueError(f"{path}: columns {list(frame.columns)}; expected {METRIC_COLUMNS}")
        frames.append(frame)
    if not frames:
        raise ValueError("no per-run metrics files were given")
    table = pd.concat(frames, ignore_index=True)
    return table.sort_values(["model", "window", "order", "strands"], kind="stable").reset_index(
        drop=True
    )


# ------------------------------------------------------------------------------------ claims and figures
def _pivot(metrics: pd.DataFrame, vary: str, keep: Mapping[str, Any]) -> pd.DataFrame:
    """Per-feature auPRC with one column per value of ``vary``, rows filtered by ``keep``."""
    sel = metrics
    for key, value in keep.items():
        sel = sel[sel[key] == value]
    return sel.pivot_table(
        index=["feature", "category"], columns=vary, values="auprc"
    ).reset_index()


def _delta_rows(
    metrics: pd.DataFrame,
    claim: str,
    vary: str,
    a: Any,
    b: Any,
    keep: Mapping[str, Any],
    stats=("median",),
) -> list[dict]:
    wide = _pivot(metrics, vary, keep)
    if a not in wide.columns or b not in wide.columns:
        return []
    wide = wide.dropna(subset=[a, b])
    wide["delta"] = wide[b] - wide[a]
    rows = []
    for category, grp in [("all", wide), *wide.groupby("category", sort=True)]:
        for stat in stats:
            rows.append(
                {
                    "claim": claim,
                    "comparison": f"{vary} {b} - {a}",
                    **{k: v for k, v in keep.items()},
                    "category": category,
                    "statistic": f"{stat}_delta_auprc",
                    "value": float(getattr(grp["delta"], stat)()),
                    "n_features": len(grp),
                }
            )
    if claim == "order":
        rows.append(
            {
                "claim": claim,
                "comparison": f"{vary} {b} - {a}",
                **dict(keep),
                "category": "all",
                "statistic": "n_gain_above_0.1",
                "value": float((wide["delta"] > 0.1).sum()),
                "n_features": len(wide),
            }
        )
    return rows


def summarise(metrics: pd.DataFrame) -> pd.DataFrame:
    """The medians behind each claim of the paper, as tidy rows (columns :data:`SUMMARY_COLUMNS`).

    Claims: ``auprc`` (median per run and category), ``model`` (DanQ minus DeepSEA per window, order,
    strands), ``context`` (longest minus shortest window, per model and order, both strands), ``order``
    (highest minus lowest order, per model at the longest window, with the count of features gaining more
    than 0.1), ``strands`` (both minus forward, mean and median, per model, window and order). A comparison
    whose runs are not in the grid is left out.
    """
    m = metrics.dropna(subset=["auprc"])
    rows: list[dict] = []
    for keys, grp in m.groupby(["model", "window", "order", "strands"], sort=True):
        for category, sub in [("all", grp), *grp.groupby("category", sort=True)]:
            rows.append(
                {
                    "claim": "auprc",
                    "comparison": "",
                    **dict(zip(["model", "window", "order", "strands"], keys)),
                    "category": category,
                    "statistic": "median_auprc",
                    "value": float(sub["auprc"].median()),
                    "n_features": len(sub),
                }
            )
    windows, orders = sorted(m["window"].unique()), sorted(m["order"].unique())
    for (w, o, s), _ in m.groupby(["window", "order", "strands"], sort=True):
        rows += _delta_rows(
            m, "model", "model", "deepsea", "danq", {"window": w, "order": o, "strands": s}
        )
    if len(windows) > 1:
        for (model, o), _ in m[m["strands"] == "both"].groupby(["model", "order"], sort=True):
            keep = {"model": model, "order": o, "strands": "both"}
            rows += _delta_rows(m, "context", "window", windows[0], windows[-1], keep)
    if len(orders) > 1:
        for model in sorted(m["model"].unique()):
            keep = {"model": model, "window": windows[-1], "strands": "both"}
            rows += _delta_rows(m, "order", "order", orders[0], orders[-1], keep)
    for (model, w, o), _ in m.groupby(["model", "window", "order"], sort=True):
        keep = {"model": model, "window": w, "order": o}
        rows += _delta_rows(
            m, "strands", "strands", "forward", "both", keep, stats=("mean", "median")
        )
    table = pd.DataFrame(rows, columns=SUMMARY_COLUMNS)
    for col in ("window", "order"):
        table[col] = table[col].astype("Int64")
    return table


def _figure_runs(metrics: pd.DataFrame) -> dict[str, Any]:
    windows = sorted(metrics["window"].unique())
    orders = sorted(metrics["order"].unique())
    return {"w_lo": windows[0], "w_hi": windows[-1], "o_lo": orders[0], "o_hi": orders[-1]}


def _palette() -> dict[str, str]:
    return {"DNase": "#4c72b0", "TF": "#dd8452", "Histone": "#55a868"}


def _scatter(
    wide: pd.DataFrame, x: Any, y: Any, xlabel: str, ylabel: str, ax, label_gain: float | None
):
    import seaborn as sns

    sns.scatterplot(
        data=wide,
        x=x,
        y=y,
        hue="category",
        hue_order=list(CATEGORIES),
        palette=_palette(),
        s=14,
        alpha=0.7,
        linewidth=0,
        ax=ax,
    )
    lim = [0, max(1e-3, float(np.nanmax(wide[[x, y]].to_numpy())) * 1.02) if len(wide) else 1]
    ax.plot(lim, lim, color="0.4", lw=0.8, ls="--", zorder=0)
    ax.set_xlim(lim)
    ax.set_ylim(lim)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if label_gain is not None:
        for _, row in wide[(wide[y] - wide[x]) > label_gain].iterrows():
            ax.annotate(
                str(row["feature"]).split("|")[0][:24],
                (row[x], row[y]),
                fontsize=6,
                xytext=(2, 2),
                textcoords="offset points",
            )


def plot_figure(name: str, metrics: pd.DataFrame, ax=None):
    """Draw one of the case's figures from the metrics table; returns the matplotlib figure.

    ``fig3a``: per-feature auPRC of DanQ at the highest order, shortest vs longest window (both strands),
    coloured by category, with y = x. ``fig3b``: DanQ at the longest window, lowest vs highest order,
    features gaining more than 0.1 labelled. ``fig3c``: boxplot of the per-feature delta auPRC (highest
    minus lowest order, DanQ, longest window) by category. ``figS1``: boxplots of per-feature auPRC, DanQ vs
    DeepSEA, faceted by window (columns) and category (rows), hue = order, both strands. ``ax`` is used by
    the single-panel figures (fig3a-c) when given.
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    import seaborn as sns

    if name not in FIGURES:
        raise ValueError(f"unknown figure {name!r}; expected one of {FIGURES}")
    m = metrics.dropna(subset=["auprc"])
    m = m[m["strands"] == "both"]
    if m.empty:
        raise ValueError("no both-strand runs with a finite auPRC in the metrics table")
    r = _figure_runs(m)
    if name == "figS1":
        grid = sns.catplot(
            data=m,
            kind="box",
            x="model",
            y="auprc",
            hue="order",
            col="window",
            row="category",
            row_order=[c for c in CATEGORIES if c in set(m["category"])],
            order=list(MODELS),
            height=2.4,
            aspect=1.2,
            fliersize=1.5,
            palette="viridis",
        )
        grid.set_axis_labels("", "auPRC")
        grid.set_titles("{row_name}, {col_name} bp")
        return grid.figure
    if ax is None:
        fig, ax = plt.subplots(figsize=(4.2, 4.0))
    else:
        fig = ax.figure
    danq = m[m["model"] == "danq"]
    if name == "fig3a":
        wide = _pivot(danq, "window", {"order": r["o_hi"]})
        if r["w_lo"] not in wide or r["w_hi"] not in wide:
            raise ValueError(
                f"fig3a needs DanQ order {r['o_hi']} at {r['w_lo']} and {r['w_hi']} bp"
            )
        _scatter(
            wide, r["w_lo"], r["w_hi"], f"auPRC, {r['w_lo']} bp", f"auPRC, {r['w_hi']} bp", ax, None
        )
        ax.set_title(f"DanQ, order {r['o_hi']}")
    elif name == "fig3b":
        wide = _pivot(danq, "order", {"window": r["w_hi"]})
        if r["o_lo"] not in wide or r["o_hi"] not in wide:
            raise ValueError(
                f"fig3b needs DanQ at {r['w_hi']} bp with orders {r['o_lo']} and {r['o_hi']}"
            )
        _scatter(
            wide,
            r["o_lo"],
            r["o_hi"],
            f"auPRC, order {r['o_lo']}",
            f"auPRC, order {r['o_hi']}",
            ax,
            0.1,
        )
        ax.set_title(f"DanQ, {r['w_hi']} bp")
    else:
        wide = _pivot(danq, "order", {"window": r["w_hi"]})
        if r["o_lo"] not in wide or r["o_hi"] not in wide:
            raise ValueError(
                f"fig3c needs DanQ at {r['w_hi']} bp with orders {r['o_lo']} and {r['o_hi']}"
            )
        wide["delta"] = wide[r["o_hi"]] - wide[r["o_lo"]]
        order = [c for c in CATEGORIES if c in set(wide["category"])]
        sns.boxplot(
            data=wide,
            x="category",
            y="delta",
            order=order,
            hue="category",
            hue_order=order,
            palette=_palette(),
            fliersize=1.5,
            ax=ax,
        )
        ax.axhline(0, color="0.4", lw=0.8, ls="--")
        ax.set_xlabel("")
        ax.set_ylabel(f"delta auPRC (order {r['o_hi']} - order {r['o_lo']})")
        ax.set_title(f"DanQ, {r['w_hi']} bp")
    fig.tight_layout()
    return fig


def write_figures(metrics: str | Path, stems: Mapping[str, str | Path]) -> None:
    """Draw each figure named in ``stems`` (a key of :data:`FIGURES`) from the metrics TSV and write
    ``<stem>.png`` and ``<stem>.svg`` (the figures rule)."""
    from genomic_tensors.plotting import save_figure

    table = pd.read_csv(metrics, sep="\t")
    for name, stem in stems.items():
        save_figure(plot_figure(name, table), stem, dpi=200, close=True)
        log.info("wrote %s.png and .svg", stem)


# ------------------------------------------------------------------------------------ workflow helpers
CASE_DIR = "results/deepsea"


def workflow_targets() -> list[str]:
    """The final outputs of case 2 that ``rule all`` requests: the metrics table, the summary table and
    every figure as PNG and SVG (paths relative to the workflow's working directory)."""
    return [
        f"{CASE_DIR}/metrics.tsv",
        "results/tables/deepsea_summary.tsv",
        *[f"results/figures/{fig}.{ext}" for fig in FIGURES for ext in ("png", "svg")],
    ]


def sequence_input(split: str):
    """A Snakemake input function: the ``split``'s sequence file for the job's window and order
    wildcards (``ds_window``, ``ds_order``)."""

    def path(wildcards: Any) -> str:
        return f"{CASE_DIR}/sequence/w{wildcards.ds_window}_o{wildcards.ds_order}/{split}.npz"

    return path

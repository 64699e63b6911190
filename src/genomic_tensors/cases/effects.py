"""Variant effects of a VCF's SNVs: the VCF split into parts, each part scored with every trained JunD DNA
model (one table) and every DeepSEA/DanQ run (one HDF5 per run), the parts merged, and the top table.

The scoring itself is :func:`genomic_tensors.variants.score_variants`; a model's card
(:mod:`genomic_tensors.modelcard`, ``model.json`` beside ``model.keras``) gives its window, order and output
names when there is one. Positions are the VCF's (1-based). A REF that disagrees with the genome is kept,
flagged ``ref_match`` False and scored on the genome's base (never written as an effect of 0).

Heavy libraries (pysam, h5py, Keras) are imported inside the functions; the planted classes, the auROC per
order, the figure and the claims are in :mod:`genomic_tensors.cases.effects_report`.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from genomic_tensors.cases.base import collect_tables

__all__ = [
    "JUND_COLUMNS",
    "TOP_COLUMNS",
    "merge_hdf5",
    "merge_tables",
    "score_deepsea_part",
    "score_jund_part",
    "split_vcf",
    "top_table",
    "variant_ids",
]

log = logging.getLogger(__name__)

#: Columns of ``jund_effects.tsv``, in this order.
JUND_COLUMNS = [
    "variant_id", "chrom", "pos", "ref", "alt", "ref_match", "order", "dropout", "replicate",
    "ref_score", "alt_score", "diff", "logodds",
]
#: Columns of ``deepsea_top.tsv``, in this order.
TOP_COLUMNS = [
    "variant_id", "chrom", "pos", "ref", "alt", "ref_match", "run", "rank", "feature", "category",
    "logodds", "diff",
]
_TEXT = {"variant_id": str, "chrom": str, "ref": str, "alt": str}
_SCORES = ("ref", "alt", "diff", "logodds")


# ------------------------------------------------------------------------------------------ splitting
def split_vcf(vcf: str | Path, parts: Sequence[str | Path]) -> list[int]:
    """Split a VCF (plain, bgzipped or BCF) into ``len(parts)`` plain VCFs, records in order, header kept.

    Each part gets a contiguous block of records (sizes differ by at most one; a part may be empty).

    Returns
    -------
    list of int
        The number of records in each part.
    """
    import pysam

    if not parts:
        raise ValueError("split_vcf needs at least one output part")
    if not Path(vcf).is_file():
        raise FileNotFoundError(f"VCF not found: {vcf}")
    with pysam.VariantFile(str(vcf)) as source:
        total = sum(1 for _ in source.fetch())
    sizes = [total // len(parts) + (i < total % len(parts)) for i in range(len(parts))]
    with pysam.VariantFile(str(vcf)) as source:
        records = source.fetch()
        for path, size in zip(parts, sizes):
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            with pysam.VariantFile(str(path), "w", header=source.header) as out:
                for _ in range(size):
                    out.write(next(records))
    log.info("%s: %d records in %d parts %s", vcf, total, len(parts), sizes)
    return sizes


# ------------------------------------------------------------------------------------------- scoring
def _score(model_path: str | Path, vcf: str | Path, fasta: str | Path, **kwargs: Any) -> Any:
    """:func:`score_variants` with the model read with its card (``model.json`` beside it): the card, not
    the input shape, gives the window, the order and the output names."""
    from genomic_tensors.modelcard import load_model_with_card
    from genomic_tensors.variants import score_variants

    model, card = load_model_with_card(model_path)
    kwargs.pop("order", None)
    kwargs.pop("names", None)
    return score_variants(model, vcf, fasta, card=card, **kwargs)


def variant_ids(frame: pd.DataFrame, id_column: str = "id") -> pd.Series:
    """The VCF ID, or ``chrom:pos:ref>alt`` where the ID is ``.`` or empty."""
    ids = frame[id_column].astype(str)
    made = frame["chrom"].astype(str) + ":" + frame["pos"].astype(str) + ":" + frame["ref"].astype(str)
    made = made + ">" + frame["alt"].astype(str)
    return ids.where(~ids.isin([".", "", "nan"]), made)


def score_jund_part(
    models: Sequence[str | Path], names: Sequence[str], vcf: str | Path, fasta: str | Path,
    output: str | Path,
) -> pd.DataFrame:
    """Score one VCF part with every JunD DNA model into a table of :data:`JUND_COLUMNS`.

    ``names`` are the models' folders below the case's models folder (``dna/order3_dropout0/rep1``): they
    give order, dropout and replicate (:func:`genomic_tensors.cases.jund.grid.parse_model_dir`).
    """
    from genomic_tensors.cases.jund.grid import parse_model_dir

    if len(models) != len(names):
        raise ValueError(f"{len(models)} models but {len(names)} model names")
    frames = []
    with tempfile.TemporaryDirectory() as tmp:
        for model_path, name in zip(models, names):
            run = parse_model_dir(name)
            if run.family != "dna":
                raise ValueError(f"{name}: variant effects take JunD DNA models only")
            tsv = Path(tmp) / "scores.tsv"
            _score(model_path, vcf, fasta, output_tsv=tsv, names=["jund"])
            scores = pd.read_csv(tsv, sep="\t", dtype={"chrom": str, "id": str, "ref": str, "alt": str},
                                 keep_default_na=False)
            output_name = [c for c in scores.columns if c.endswith(":ref")][0][: -len(":ref")]
            frame = scores[["chrom", "pos", "ref", "alt", "ref_match"]].copy()
            frame.insert(0, "variant_id", variant_ids(scores))
            frame["ref_match"] = frame["ref_match"].astype(str) == "True"
            frame["order"], frame["dropout"] = run.setting["order"], run.setting["dropout"]
            frame["replicate"] = run.replicate
            for column, score in zip(JUND_COLUMNS[-4:], _SCORES):
                frame[column] = pd.to_numeric(scores[f"{output_name}:{score}"])
            frames.append(frame)
    table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=JUND_COLUMNS)
    Path(output).parent.mkdir(parents=True, exist_ok=True)
    table[JUND_COLUMNS].to_csv(output, sep="\t", index=False, float_format="%.6g")
    return table


def score_deepsea_part(
    model: str | Path, vcf: str | Path, fasta: str | Path, features: str | Path, output: str | Path,
    *, order: int, batch_size: int = 256,
) -> Any:
    """Score one VCF part with one DeepSEA/DanQ run into an HDF5 (see :func:`score_variants`), its outputs
    named by the feature table (``features.tsv``; the card's names when the model has a card)."""
    names = pd.read_csv(features, sep="\t")["feature"].astype(str).tolist()
    return _score(model, vcf, fasta, output_hdf5=output, names=names, order=int(order),
                  batch_size=int(batch_size))


# -------------------------------------------------------------------------------------------- merging
def merge_tables(parts: Sequence[str | Path], output: str | Path) -> pd.DataFrame:
    """Join the JunD part tables (each checked for :data:`JUND_COLUMNS`), rows per model in VCF order."""
    table = collect_tables(parts, JUND_COLUMNS, what="variant effect", dtype=_TEXT)
    table = table.sort_values(["order", "dropout", "replicate"], kind="mergesort", ignore_index=True)
    Path(output).parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(output, sep="\t", index=False, float_format="%.6g")
    return table


def merge_hdf5(parts: Sequence[str | Path], output: str | Path) -> int:
    """Concatenate per-part HDF5 files of one run, part by part (memory stays at one part's scores).

    The output has the parts' datasets (``ref``, ``alt``, ``diff``, ``logodds`` float32 variants x
    features, ``variants/<column>``), ``variants/variant_id``, and the feature names (attribute ``names``).
    Returns the number of variants.
    """
    import h5py

    if not parts:
        raise ValueError("no HDF5 parts to merge")
    Path(output).parent.mkdir(parents=True, exist_ok=True)
    with h5py.File(output, "w") as out:
        for i, part in enumerate(parts):
            with h5py.File(part, "r") as src:
                names = [str(n) for n in src.attrs["names"]]
                if i == 0:
                    out.attrs["names"] = np.array(names, dtype=h5py.string_dtype())
                    _create_like(out, src)
                elif names != [str(n) for n in out.attrs["names"]]:
                    raise ValueError(f"{part}: feature names differ from those of {parts[0]}")
                meta = {c: _text(src[f"variants/{c}"][:]) for c in ("chrom", "pos", "id", "ref", "alt")}
                meta["pos"] = src["variants/pos"][:]
                _append(out, src, variant_ids(pd.DataFrame(meta)).to_numpy(dtype=object))
        return int(out["ref"].shape[0])


def _text(values: np.ndarray) -> np.ndarray:
    return np.array([v.decode() if isinstance(v, bytes) else str(v) for v in values], dtype=object)


def _create_like(out: Any, src: Any) -> None:
    import h5py

    n_features = src["ref"].shape[1]
    for score in _SCORES:
        out.create_dataset(score, shape=(0, n_features), maxshape=(None, n_features), dtype="f4",
                           chunks=(1024, max(n_features, 1)))
    for column, ds in src["variants"].items():
        out.create_dataset(f"variants/{column}", shape=(0,), maxshape=(None,), dtype=ds.dtype)
    out.create_dataset("variants/variant_id", shape=(0,), maxshape=(None,), dtype=h5py.string_dtype())


def _append(out: Any, src: Any, ids: np.ndarray) -> None:
    old, n = out["ref"].shape[0], src["ref"].shape[0]
    for name in [*_SCORES, *(f"variants/{c}" for c in src["variants"])]:
        out[name].resize(old + n, axis=0)
        out[name][old:] = src[name][:]
    out["variants/variant_id"].resize(old + n, axis=0)
    out["variants/variant_id"][old:] = ids


# ------------------------------------------------------------------------------------------ top table
def top_table(
    runs: Sequence[str | Path], run_names: Sequence[str], features: str | Path, output: str | Path,
    *, top: int = 3, block: int = 4096,
) -> pd.DataFrame:
    """Per variant and run, the ``top`` features with the largest absolute log odds (:data:`TOP_COLUMNS`),
    read from the merged run HDF5 files ``block`` variants at a time."""
    import h5py

    if len(runs) != len(run_names):
        raise ValueError(f"{len(runs)} run files but {len(run_names)} run names")
    if int(top) < 1:
        raise ValueError(f"top must be >= 1; got {top}")
    table = pd.read_csv(features, sep="\t")
    category = dict(zip(table["feature"].astype(str), table["category"].astype(str)))
    frames = []
    for path, run in zip(runs, run_names):
        with h5py.File(path, "r") as h5:
            names = np.array([str(n) for n in h5.attrs["names"]], dtype=object)
            k = min(int(top), len(names))
            for start in range(0, h5["logodds"].shape[0], block):
                frames.append(_top_block(h5, slice(start, start + block), names, k, run, category))
    frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=TOP_COLUMNS)
    Path(output).parent.mkdir(parents=True, exist_ok=True)
    frame[TOP_COLUMNS].to_csv(output, sep="\t", index=False, float_format="%.6g")
    return frame


def _top_block(h5: Any, rows: slice, names: np.ndarray, k: int, run: str, category: dict) -> pd.DataFrame:
    logodds, diff = h5["logodds"][rows], h5["diff"][rows]
    n = logodds.shape[0]
    best = np.argsort(-np.abs(logodds), axis=1, kind="stable")[:, :k]
    meta = {c: h5[f"variants/{c}"][rows] for c in ("variant_id", "chrom", "pos", "ref", "alt", "ref_match")}
    frame = pd.DataFrame({c: np.repeat(_text(v) if v.dtype.kind in "OS" else v, k) for c, v in meta.items()})
    frame["run"] = run
    frame["rank"] = np.tile(np.arange(1, k + 1), n)
    frame["feature"] = names[best.ravel()]
    frame["category"] = [category.get(f, "NA") for f in frame["feature"]]
    frame["logodds"] = np.take_along_axis(logodds, best, axis=1).ravel()
    frame["diff"] = np.take_along_axis(diff, best, axis=1).ravel()
    return frame

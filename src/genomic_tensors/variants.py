"""Variant effect prediction for single-nucleotide variants (SNVs) from a VCF file.

For each SNV the reference and alternative windows are cut from the genome around it, encoded in the
model's order (the whole window is encoded, then cut into k-mers: at order k a base change alters k
k-mers) and scored; the output holds ``ref``, ``alt``, ``diff = alt - ref`` and
``logodds = logit(alt) - logit(ref)`` (probabilities clipped to ``[eps, 1 - eps]``) per model output.

Conventions
-----------
- VCF ``POS`` is 1-based; internally ``pos0 = POS - 1`` (0-based). A window of ``W`` bp spans
  ``[pos0 - W // 2, pos0 - W // 2 + W)``: the variant sits at offset ``W // 2``. Bases outside the
  chromosome are N (all-zero one-hot rows), never shifted.
- With ``regions`` (a BED with strands), a variant inside a minus-strand region is scored on the
  reverse complement (the window then spans ``[pos0 - (W - 1 - W // 2), ...)`` so that the variant is
  again at offset ``W // 2``). Variants outside every region are scored on the plus strand and get
  strand ``"."`` in the output. Where regions overlap, the one with the largest start wins.
- Only SNVs are scored: REF and ALT one letter each, ALT in ACGT. Multi-allelic records are split into
  one row per ALT; other alleles (indels, ``*``, symbolic ``<DEL>``, ``.``) are skipped and counted in
  the log.
- REF that disagrees with the genome: the row is kept and flagged ``ref_match=False``; it is scored
  with the genome's base as reference (``genome_ref``) and ALT substituted into the genome window, so
  ``ref`` is the real genome's prediction. (The original silently wrote a difference of 0.)
- A chromosome missing from the FASTA, or a position past its end, is an error naming the VCF line.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import h5py
import keras
import numpy as np
import pandas as pd
import pysam

from genomic_tensors.files import open_text as _open_text
from genomic_tensors.kmers import encode_bases, kmer_codes, one_hot, reverse_complement
from genomic_tensors.layers import order_from_channels
from genomic_tensors.modelcard import ModelCard
from genomic_tensors.regions import check_assembly, read_regions

__all__ = [
    "SCORES",
    "Snv",
    "VariantSummary",
    "check_vcf_assembly",
    "read_snvs",
    "score_variants",
    "vcf_contigs",
]

log = logging.getLogger(__name__)

SCORES = ("ref", "alt", "diff", "logodds")
_META = ["chrom", "pos", "id", "ref", "alt", "genome_ref", "ref_match", "strand"]


class Snv(NamedTuple):
    """One SNV allele of a VCF record: ``pos`` is the VCF's 1-based POS; ``line`` the 1-based line."""

    chrom: str
    pos: int
    id: str
    ref: str
    alt: str
    line: int


@dataclass
class VariantSummary:
    """Counts and outputs of :func:`score_variants`."""

    n_records: int = 0
    n_scored: int = 0
    n_skipped: int = 0
    n_ref_mismatch: int = 0
    n_minus_strand: int = 0
    tsv_path: Path | None = None
    hdf5_path: Path | None = None


def read_snvs(vcf: str | Path, counts: VariantSummary | None = None) -> Iterator[Snv]:
    """Stream the SNV alleles of a VCF (plain, gzip or bgzip), one :class:`Snv` per scored allele.

    Non-SNV alleles are skipped and counted in ``counts.n_skipped``; records in ``counts.n_records``.

    Raises
    ------
    ValueError
        A data line with fewer than 5 tab-separated columns or a non-integer/non-positive POS.
    FileNotFoundError
        The file does not exist.
    """
    path = Path(vcf)
    if not path.is_file():
        raise FileNotFoundError(f"VCF not found: {path}")
    counts = counts if counts is not None else VariantSummary()
    with _open_text(path) as handle:
        for number, line in enumerate(handle, start=1):
            if line.startswith("#") or not line.strip():
                continue
            fields = line.rstrip("\n\r").split("\t")
            if len(fields) < 5:
                raise ValueError(
                    f"{path}, line {number}: expected at least 5 tab-separated VCF columns "
                    f"(CHROM POS ID REF ALT); got {len(fields)}: {line.strip()[:80]!r}"
                )
            chrom, pos_text, vid, ref, alts = fields[:5]
            try:
                pos = int(pos_text)
            except ValueError:
                raise ValueError(f"{path}, line {number}: POS {pos_text!r} is not an integer") from None
            if pos < 1:
                raise ValueError(f"{path}, line {number}: POS {pos} must be >= 1 (VCF is 1-based)")
            counts.n_records += 1
            ref = ref.upper()
            for alt in alts.split(","):
                alt = alt.upper()
                if len(ref) == 1 and len(alt) == 1 and alt in "ACGT" and ref != alt:
                    yield Snv(chrom, pos, vid, ref, alt, number)
                else:
                    counts.n_skipped += 1


def vcf_contigs(vcf: str | Path) -> dict[str, int]:
    """Contig lengths declared in a VCF header (``##contig=<ID=...,length=...>``); contigs without a
    length are left out."""
    contigs: dict[str, int] = {}
    with _open_text(Path(vcf)) as handle:
        for line in handle:
            if not line.startswith("##"):
                break
            if line.startswith("##contig=<"):
                fields = dict(
                    part.split("=", 1) for part in line.strip()[10:-1].split(",") if "=" in part
                )
                if "ID" in fields and fields.get("length", "").isdigit():
                    contigs[fields["ID"]] = int(fields["length"])
    return contigs


def check_vcf_assembly(vcf: str | Path, fasta: str | Path) -> None:
    """Compare the contig lengths a VCF header declares with the genome's (its ``.fai``).

    Raises
    ------
    ValueError
        A contig the genome also has is declared with another length: the VCF comes from another
        assembly (see :func:`genomic_tensors.regions.check_assembly`).
    """
    contigs = vcf_contigs(vcf)
    if not contigs:
        return
    with pysam.FastaFile(str(fasta)) as genome:
        sizes = dict(zip(genome.references, genome.lengths))
    check_assembly(contigs, sizes, contigs, source=str(vcf), genome=f"{fasta}.fai")


class _StrandIndex:
    """Strand of the region holding a position (largest start wins), per chromosome."""

    def __init__(self, regions: str | Path | pd.DataFrame) -> None:
        frame = read_regions(regions)
        self._by_chrom = {}
        for chrom, part in frame.groupby("chrom", sort=False):
            part = part.sort_values("start", kind="mergesort")
            ends = part["end"].to_numpy(np.int64)
            self._by_chrom[str(chrom)] = (
                part["start"].to_numpy(np.int64),
                ends,
                np.maximum.accumulate(ends),  # no region left of i reaches past max_end[i]
                part["strand"].astype(str).to_numpy(),
            )

    def strand(self, chrom: str, pos0: int) -> str:
        if chrom not in self._by_chrom:
            return "."
        starts, ends, max_end, strands = self._by_chrom[chrom]
        i = int(np.searchsorted(starts, pos0, side="right")) - 1
        while i >= 0 and max_end[i] > pos0:
            if ends[i] > pos0:
                return strands[i] if strands[i] in ("+", "-") else "."
            i -= 1
        return "."


def _window_codes(
    fasta: pysam.FastaFile, snv: Snv, width: int, strand: str, path: str
) -> tuple[np.ndarray, str]:
    """uint8 base codes ``(width,)`` of the genome window (plus-strand order) and the genome base."""
    if snv.chrom not in fasta.references:
        raise ValueError(
            f"VCF line {snv.line}: chromosome {snv.chrom!r} is not in the genome {path} "
            f"(it has {', '.join(list(fasta.references)[:5])}...); check chr prefixes"
        )
    size = fasta.get_reference_length(snv.chrom)
    pos0 = snv.pos - 1
    if pos0 >= size:
        raise ValueError(
            f"VCF line {snv.line}: {snv.chrom}:{snv.pos} lies past the chromosome end ({size} bp) in {path}"
        )
    before = width // 2 if strand != "-" else width - 1 - width // 2
    start = pos0 - before
    lo, hi = max(start, 0), min(start + width, size)
    codes = np.full(width, 4, dtype=np.uint8)
    codes[lo - start : hi - start] = encode_bases(fasta.fetch(snv.chrom, lo, hi))
    genome_base = fasta.fetch(snv.chrom, pos0, pos0 + 1).upper()
    return codes, genome_base


def _model_spec(model: keras.Model, order: int | None) -> tuple[int, int, bool]:
    if len(model.inputs) != 1:
        raise ValueError(
            f"variant scoring needs a model with one DNA input; {model.name} has "
            f"{[t.name for t in model.inputs]}"
        )
    shape = tuple(model.inputs[0].shape[1:])
    if len(shape) == 1:  # int k-mer codes
        if order is None:
            raise ValueError(f"{model.name} takes k-mer codes: pass order=")
        return shape[0] + int(order) - 1, int(order), True
    if len(shape) != 2 or shape[0] is None:
        raise ValueError(f"{model.name} input shape {shape} is not (positions, 4**order)")
    inferred = order_from_channels(shape[1])
    if order is not None and int(order) != inferred:
        raise ValueError(f"order={order} but the model input has {shape[1]} channels (order {inferred})")
    return shape[0] + inferred - 1, inferred, False


def _card_spec(model: keras.Model, card: ModelCard, order: int | None) -> tuple[int, int, bool]:
    """Window, order and codes-vs-one-hot from the card, checked against the model's input shape."""
    dna = card.dna_input()
    if card.window is None or card.order is None:
        raise ValueError(f"{card.label}: the card gives no DNA window/order (window {card.window}, "
                         f"order {card.order}); variant scoring needs a DNA model")
    width, k, codes_input = int(card.window), int(card.order), dna["kind"] == "dna_codes"
    if order is not None and int(order) != k:
        raise ValueError(f"order={order} but {card.label} gives order {k}")
    expected = (width - k + 1,) if codes_input else (width - k + 1, 4**k)
    if len(model.inputs) != 1:
        raise ValueError(
            f"variant scoring needs a model with one DNA input; {model.name} has "
            f"{[t.name for t in model.inputs]} ({card.label})"
        )
    shape = tuple(model.inputs[0].shape[1:])
    if shape != expected:
        raise ValueError(
            f"{card.label}: window {width}, order {k} and kind {dna['kind']} mean an input of shape "
            f"{expected}, but the model {model.name} takes {shape}"
        )
    return width, k, codes_input


def _encode(bases: np.ndarray, order: int, codes_input: bool) -> np.ndarray:
    codes = kmer_codes(bases, order)
    return codes if codes_input else one_hot(codes, order)


def _predict(model: keras.Model, x: np.ndarray, batch_size: int) -> np.ndarray:
    """The model's outputs ``(n, outputs)`` in float64 (the log odds are taken in double precision)."""
    from genomic_tensors.training import predict

    return predict(model, x, batch_size=batch_size).astype(np.float64).reshape(len(x), -1)


def _logit(p: np.ndarray, eps: float) -> np.ndarray:
    p = np.clip(p, eps, 1.0 - eps)
    return np.log(p) - np.log1p(-p)


def score_variants(
    model: keras.Model,
    vcf: str | Path,
    fasta: str | Path,
    *,
    card: ModelCard | None = None,
    output_tsv: str | Path | None = None,
    output_hdf5: str | Path | None = None,
    order: int | None = None,
    regions: str | Path | pd.DataFrame | None = None,
    names: Sequence[str] | None = None,
    tsv_scores: Sequence[str] = SCORES,
    chunk_size: int = 4096,
    batch_size: int = 256,
    eps: float = 1e-7,
) -> VariantSummary:
    """Score every SNV of a VCF with a one-DNA-input model, streaming in chunks.

    Parameters
    ----------
    model : keras.Model
        One input: one-hot ``(W - k + 1, 4**k)`` (order inferred from the channels) or int32 k-mer codes
        ``(W - k + 1,)`` (then ``order`` is required). The window length ``W`` follows from the input.
    card : ModelCard, optional
        The model's card (:func:`genomic_tensors.modelcard.load_model_with_card`): the window, the order,
        codes or one-hot and the output names come from it, checked against the model's input shape (a
        disagreement is a ValueError naming the card). Without one, they are inferred from the input.
    vcf : path
        VCF, plain or gzipped.
    fasta : path
        Indexed genome FASTA (``.fai``; bgzip with ``.gzi`` works).
    output_tsv, output_hdf5 : path, optional
        TSV: one row per SNV allele with columns ``chrom, pos (VCF 1-based), id, ref, alt, genome_ref,
        ref_match, strand`` and ``<output>:<score>`` for each output and each score in ``tsv_scores``.
        HDF5: datasets ``ref``, ``alt``, ``diff``, ``logodds`` float32 ``(n, outputs)``, the metadata
        columns as 1-D datasets ``variants/<column>``, and the attribute ``names``. Both grow chunk by chunk.
    order : int, optional
        Required for a codes-input model; checked against a one-hot input.
    regions : BED path or DataFrame, optional
        Regions with strands; minus-strand variants are scored on the reverse complement.
    names : output names (default: the card's outputs, else ``"0"``, ``"1"``, ...).
    tsv_scores : subset of :data:`SCORES` written to the TSV (all four by default).
    chunk_size : SNVs read, encoded and scored at a time (memory stays flat).
    batch_size : model batch size.
    eps : probability clip for the log odds.

    Returns
    -------
    VariantSummary
    """
    if output_tsv is None and output_hdf5 is None:
        raise ValueError("give output_tsv and/or output_hdf5")
    unknown = [s for s in tsv_scores if s not in SCORES]
    if unknown:
        raise ValueError(f"unknown score(s) {unknown}; choose from {SCORES}")
    if int(chunk_size) < 1:
        raise ValueError(f"chunk_size must be >= 1; got {chunk_size}")
    if card is not None:
        width, k, codes_input = _card_spec(model, card, order)
        names = card.outputs if names is None else names
    else:
        width, k, codes_input = _model_spec(model, order)
    n_out = int(np.prod(model.outputs[0].shape[1:]))
    names = [str(i) for i in range(n_out)] if names is None else [str(x) for x in names]
    if len(names) != n_out:
        raise ValueError(f"{len(names)} names for {n_out} model outputs")
    check_vcf_assembly(vcf, fasta)
    strands = _StrandIndex(regions) if regions is not None else None
    scoring = _Scoring(model, width, k, codes_input, strands, names, tsv_scores, batch_size, eps)
    finals = [Path(p) if p is not None else None for p in (output_tsv, output_hdf5)]
    with _partial_outputs(finals) as (tsv_partial, hdf5_partial):
        summary = VariantSummary(tsv_path=tsv_partial, hdf5_path=hdf5_partial)
        log.info("scoring SNVs of %s with %s: window %d bp, order %d, %d outputs", vcf, model.name,
                 width, k, n_out)
        _score_vcf(scoring, vcf, fasta, summary, int(chunk_size))
    summary.tsv_path, summary.hdf5_path = finals
    log.info(
        "%d VCF records: %d SNV alleles scored, %d non-SNV alleles skipped, %d REF mismatches with "
        "the genome (flagged ref_match=False), %d on the minus strand",
        summary.n_records, summary.n_scored, summary.n_skipped, summary.n_ref_mismatch,
        summary.n_minus_strand,
    )
    if summary.n_ref_mismatch:
        log.warning("%d variants have a REF that disagrees with the genome %s", summary.n_ref_mismatch,
                    fasta)
    return summary


@dataclass(frozen=True)
class _Scoring:
    """How :func:`score_variants` scores: the model and its input, the strands, the outputs."""

    model: keras.Model
    width: int
    order: int
    codes_input: bool
    strands: _StrandIndex | None
    names: list[str]
    tsv_scores: Sequence[str]
    batch_size: int
    eps: float


@contextmanager
def _partial_outputs(finals: Sequence[Path | None]) -> Iterator[list[Path | None]]:
    """``<name>.partial`` names for the output files (None stays None), renamed to the final names
    when the block succeeds and removed when it fails: a failure leaves nothing under a final name."""
    partials = [p.with_name(f"{p.name}.partial") if p is not None else None for p in finals]
    for p in finals:
        if p is not None:
            p.parent.mkdir(parents=True, exist_ok=True)
    done = False
    try:
        yield partials
        done = True
    finally:
        for partial, final in zip(partials, finals):
            if partial is None:
                continue
            if done:
                partial.replace(final)
            else:
                partial.unlink(missing_ok=True)


def _score_vcf(
    scoring: _Scoring, vcf: str | Path, fasta: str | Path, summary: VariantSummary, chunk_size: int
) -> None:
    """Score the SNVs of ``vcf``, ``chunk_size`` at a time, into the outputs of ``summary``."""
    h5 = h5py.File(summary.hdf5_path, "w") if summary.hdf5_path is not None else None
    try:
        if h5 is not None:
            _create_hdf5(h5, scoring.names, chunk_size)
        with pysam.FastaFile(str(fasta)) as genome:
            first = True
            batch: list[Snv] = []
            for snv in read_snvs(vcf, summary):
                batch.append(snv)
                if len(batch) == chunk_size:
                    _score_chunk(scoring, genome, str(fasta), batch, summary, h5, first)
                    first, batch = False, []
            if batch or first:
                _score_chunk(scoring, genome, str(fasta), batch, summary, h5, first)
    except ValueError as err:
        if str(err).startswith("VCF line"):  # name the file, as read_snvs's own errors do
            raise ValueError(f"{vcf}, line{str(err)[len('VCF line'):]}") from None
        raise
    finally:
        if h5 is not None:
            h5.close()


def _create_hdf5(h5: h5py.File, names: list[str], chunk_size: int) -> None:
    """The empty, growable datasets of the HDF5 output (see :func:`score_variants`)."""
    n_out = len(names)
    h5.attrs["names"] = np.array(names, dtype=h5py.string_dtype())
    for s in SCORES:
        h5.create_dataset(s, shape=(0, n_out), maxshape=(None, n_out), dtype="f4",
                          chunks=(min(chunk_size, 1024), n_out))
    for col in _META:
        dtype = np.int64 if col == "pos" else (bool if col == "ref_match" else h5py.string_dtype())
        h5.create_dataset(f"variants/{col}", shape=(0,), maxshape=(None,), dtype=dtype)


def _score_chunk(
    scoring: _Scoring, genome: pysam.FastaFile, fasta_path: str, batch: list[Snv],
    summary: VariantSummary, h5: h5py.File | None, first: bool,
) -> None:
    model, width, k, codes_input = scoring.model, scoring.width, scoring.order, scoring.codes_input
    strands, names, tsv_scores = scoring.strands, scoring.names, scoring.tsv_scores
    batch_size, eps = scoring.batch_size, scoring.eps
    n = len(batch)
    ref_bases = np.empty((n, width), dtype=np.uint8)
    meta = {col: [] for col in _META}
    for i, snv in enumerate(batch):
        strand = strands.strand(snv.chrom, snv.pos - 1) if strands is not None else "+"
        bases, genome_base = _window_codes(genome, snv, width, strand, fasta_path)
        ref_bases[i] = bases
        meta["chrom"].append(snv.chrom)
        meta["pos"].append(snv.pos)
        meta["id"].append(snv.id)
        meta["ref"].append(snv.ref)
        meta["alt"].append(snv.alt)
        meta["genome_ref"].append(genome_base)
        meta["ref_match"].append(genome_base == snv.ref)
        meta["strand"].append(strand if strands is not None else "+")
    alt_bases = ref_bases.copy()
    if n:
        centres = np.array([width // 2 if s != "-" else width - 1 - width // 2 for s in meta["strand"]])
        alt_bases[np.arange(n), centres] = encode_bases("".join(s.alt for s in batch))
        minus = np.array([s == "-" for s in meta["strand"]])
        for arr in (ref_bases, alt_bases):
            arr[minus] = reverse_complement(arr[minus])
        ref = _predict(model, _encode(ref_bases, k, codes_input), batch_size)
        alt = _predict(model, _encode(alt_bases, k, codes_input), batch_size)
    else:
        ref = alt = np.zeros((0, len(names)))
    scores = {"ref": ref, "alt": alt, "diff": alt - ref, "logodds": _logit(alt, eps) - _logit(ref, eps)}
    summary.n_scored += n
    summary.n_ref_mismatch += int(n - sum(meta["ref_match"]))
    summary.n_minus_strand += int(sum(s == "-" for s in meta["strand"]))

    if summary.tsv_path is not None:
        frame = pd.DataFrame(meta, columns=_META)
        cols = {f"{name}:{s}": scores[s][:, j] for j, name in enumerate(names) for s in tsv_scores}
        frame = pd.concat([frame, pd.DataFrame(cols, index=frame.index)], axis=1)
        frame.to_csv(summary.tsv_path, sep="\t", index=False, mode="w" if first else "a",
                     header=first, float_format="%.6g")
    if h5 is not None and n:
        old = h5["ref"].shape[0]
        for s in SCORES:
            h5[s].resize(old + n, axis=0)
            h5[s][old:] = scores[s].astype(np.float32)
        for col in _META:
            ds = h5[f"variants/{col}"]
            ds.resize(old + n, axis=0)
            ds[old:] = np.asarray(meta[col], dtype=object if ds.dtype.kind == "O" else None)

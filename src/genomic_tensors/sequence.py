"""Sequence as tensors: FASTA -> one-hot of order k (Bioseq).

The encoding (base codes, k-mer codes, one-hot, alphabets) is that of
:mod:`genomic_tensors.kmers`, whose functions this module re-exports: ``A=0, C=1, G=2, T=3``,
anything else ``4``; a k-mer's code reads its letters as base-4 digits, ``-1`` when it holds a
non-ACGT letter; one-hot of order k has ``4**k`` channels and an all-zero row for code ``-1``.

A :class:`Bioseq` never holds the one-hot: it keeps one byte per base of the genome spans its
windows touch, plus the window coordinates, and expands each requested batch on the fly
(``seq[idx]`` -> one-hot, ``seq.codes[idx]`` -> int32 k-mer codes for on-device one-hot).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pysam

from genomic_tensors.cache import cache_key, cache_manifest, cached, frame_digest
from genomic_tensors.dataset import GenomicDataset, resolve_index
from genomic_tensors.kmers import (
    _LUTS,
    ALPHABETS,
    _check_alphabet,
    complement_permutation,
    encode_bases,
    kmer_codes,
    one_hot,
    reverse_complement,
)
from genomic_tensors.progress import progress
from genomic_tensors.regions import check_chromosomes, merge_spans, read_regions, tile
from genomic_tensors.storage import Hdf5Storage, NdarrayStorage

__all__ = [
    "ALPHABETS",
    "Bioseq",
    "complement_permutation",
    "encode_bases",
    "kmer_codes",
    "one_hot",
]

logger = logging.getLogger(__name__)

_CHUNK_BASES = 1 << 22  # FASTA read chunk (4 Mbp): bounds the transient text copies
_BATCH_BASES = 1 << 22  # expansion chunk: bounds the int64 index temporaries
# What a saved Bioseq holds besides the bases and its attributes: arrays per span (all of them)
# and per window (the view's rows), in the order they are written.
_SPAN_ARRAYS = ("span_chrom", "span_start", "span_end", "span_offset")
_WINDOW_ARRAYS = ("win_start", "span_id", "reverse")


# ----------------------------------------------------------------------------------------------
# FASTA access
# ----------------------------------------------------------------------------------------------
def _open_fasta(path: str | Path) -> pysam.FastaFile:
    """Open an indexed FASTA (plain or bgzipped), creating the ``.fai`` if needed."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"FASTA file not found: {path}")
    fai = Path(str(path) + ".fai")
    if not fai.exists():
        logger.info("no index %s; creating it", fai)
        try:
            pysam.faidx(str(path))
        except pysam.SamtoolsError:
            with open(path, "rb") as handle:
                compressed = handle.read(2) == b"\x1f\x8b"
            if compressed:
                hint = (
                    f"a compressed FASTA must be bgzip-compressed: run `gunzip -c {path.name} | "
                    f"bgzip > genome.fa.gz && samtools faidx genome.fa.gz`, or decompress it"
                )
            else:
                hint = (
                    "samtools faidx needs the lines of each sequence to have equal length (the "
                    "last may be shorter) and a writable folder for the .fai"
                )
            raise ValueError(f"cannot index {path}: {hint}") from None
    try:
        return pysam.FastaFile(str(path))
    except (OSError, ValueError) as err:
        raise ValueError(f"cannot open FASTA {path}: {err}") from None


def _merge_spans(
    chrom_idx: np.ndarray, lo: np.ndarray, hi: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Merge intervals (per chromosome) into disjoint spans (:func:`merge_spans`).

    Returns ``(span_of_interval, span_chrom_idx, span_start, span_end)``; spans sorted by
    chromosome index then start; overlapping or touching intervals share a span.
    """
    span_of = np.empty(lo.size, dtype=np.int64)
    chroms, starts, ends = [], [], []
    n_spans = 0
    by_chrom = np.argsort(chrom_idx, kind="stable")
    for rows in np.split(by_chrom, np.flatnonzero(np.diff(chrom_idx[by_chrom])) + 1):
        span_start, span_end = merge_spans(lo[rows], hi[rows])
        span_of[rows] = n_spans + np.searchsorted(span_start, lo[rows], side="right") - 1
        n_spans += span_start.size
        chroms.append(np.repeat(chrom_idx[rows[:1]], span_start.size))
        starts.append(span_start)
        ends.append(span_end)
    return span_of, np.concatenate(chroms), np.concatenate(starts), np.concatenate(ends)


def _fasta_cores(
    lengths: dict[str, int],
    fasta: str | Path,
    roi: str | Path | pd.DataFrame | None,
    *,
    feature: str | None,
    binsize: int | None,
    stepsize: int | None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The ROI (every sequence of the FASTA, whole, when ``roi`` is None) and its core windows,
    checked to be on the FASTA's sequences and of one length."""
    if roi is None:
        regions = pd.DataFrame({"chrom": list(lengths), "start": 0, "end": list(lengths.values())})
        regions = read_regions(regions)
    else:
        regions = read_regions(roi, feature=feature)
    check_chromosomes(regions["chrom"], lengths, source=str(fasta))
    cores = tile(regions, binsize=binsize, stepsize=stepsize)
    if cores.empty:
        raise ValueError(
            f"no windows: every ROI interval is shorter than binsize={binsize} "
            f"({len(regions)} intervals)"
        )
    core_len = (cores["end"] - cores["start"]).to_numpy()
    if (core_len != core_len[0]).any():
        i = int(np.flatnonzero(core_len != core_len[0])[0])
        raise ValueError(
            f"ROI intervals have different lengths ({core_len[0]} for the first, "
            f"{core_len[i]} for "
            f"{cores['chrom'][i]}:{cores['start'][i]}-{cores['end'][i]}); "
            f"set binsize to tile them into equal windows, or resize the ROI"
        )
    return regions, cores


def _read_spans(
    handle: pysam.FastaFile,
    fasta: str | Path,
    span_chrom: np.ndarray,
    span_start: np.ndarray,
    span_end: np.ndarray,
    lut: bytes,
) -> tuple[np.ndarray, np.ndarray]:
    """The bases of the spans (sorted by chromosome), one code byte each (``lut``: letter -> code),
    concatenated; and the offset of each span in that buffer."""
    span_len = span_end - span_start
    span_offset = np.concatenate([[0], np.cumsum(span_len)[:-1]]).astype(np.int64)
    buffer = np.empty(int(span_len.sum()), dtype=np.uint8)
    chroms = [str(chrom) for chrom in pd.unique(span_chrom)]
    for chrom in progress(chroms, desc=f"reading {Path(fasta).name}"):
        for sp in np.flatnonzero(span_chrom == chrom):
            base = int(span_offset[sp])
            for a in range(int(span_start[sp]), int(span_end[sp]), _CHUNK_BASES):
                b = min(a + _CHUNK_BASES, int(span_end[sp]))
                text = handle.fetch(chrom, a, b).encode("ascii", errors="replace")
                if len(text) != b - a:
                    raise ValueError(
                        f"{fasta}: read {len(text)} bases of {chrom}:{a}-{b}, expected "
                        f"{b - a} (is the .fai index stale?)"
                    )
                lo = base + a - int(span_start[sp])
                buffer[lo : lo + b - a] = np.frombuffer(text.translate(lut), np.uint8)
    return buffer, span_offset


# ----------------------------------------------------------------------------------------------
# Bioseq
# ----------------------------------------------------------------------------------------------
class _Codes:
    """``seq.codes[idx]`` -> int32 k-mer codes ``(k, L - order + 1)``, -1 where a k-mer holds N."""

    def __init__(self, seq: Bioseq) -> None:
        self._seq = seq

    def __len__(self) -> int:
        return len(self._seq)

    @property
    def shape(self) -> tuple[int, int]:
        return (len(self._seq), self._seq.sample_shape[0])

    def __getitem__(self, key: Any) -> np.ndarray:
        positions, scalar = resolve_index(key, len(self._seq))
        seq = self._seq
        codes = kmer_codes(seq._base_codes(seq.base_index[positions]), seq.order, seq._n_letters)
        return codes[0] if scalar else codes


class Bioseq(GenomicDataset):
    """Sequence windows as one-hot tensors, expanded per batch from one byte per base.

    Build with :meth:`from_fasta` or :meth:`from_sequences`. ``seq[idx]`` returns float one-hot of
    shape ``(k, window_length - order + 1, 4**order)`` (protein: 20 channels); ``seq.codes[idx]``
    returns the int32 k-mer codes ``(k, window_length - order + 1)``.

    Attributes
    ----------
    order : int
        k-mer length.
    alphabet : str
        ``"dna"`` or ``"protein"``.
    window_length : int
        Bases per window, core plus both flanks.
    margin : int
        Extra bases stored around every window (for :class:`RandomShift`).
    """

    _saved_attrs = ("order", "alphabet", "window_length", "margin")  # then the dtype

    def __init__(
        self,
        regions: pd.DataFrame,
        *,
        buffer: np.ndarray | Hdf5Storage,
        span_chrom: np.ndarray,
        span_start: np.ndarray,
        span_end: np.ndarray,
        span_offset: np.ndarray,
        win_start: np.ndarray,
        span_id: np.ndarray,
        reverse: np.ndarray,
        window_length: int,
        flank: int = 0,
        order: int = 1,
        alphabet: str = "dna",
        margin: int = 0,
        dtype: Any = np.float32,
        name: str = "",
    ) -> None:
        self._n_letters = _check_alphabet(alphabet, order)
        super().__init__(regions, None, flank=flank, conditions=[], name=name)
        if window_length < order:
            raise ValueError(f"window length {window_length} is shorter than the order {order}")
        self.order = int(order)
        self.alphabet = alphabet
        self.window_length = int(window_length)
        self.margin = int(margin)
        self._dtype = np.dtype(dtype)
        self._buffer = buffer
        self._span_chrom = np.asarray(span_chrom).astype(str)
        self._span_start = np.asarray(span_start, dtype=np.int64)
        self._span_end = np.asarray(span_end, dtype=np.int64)
        self._span_offset = np.asarray(span_offset, dtype=np.int64)
        self._win_start = np.asarray(win_start, dtype=np.int64)
        self._span_id = np.asarray(span_id, dtype=np.int64)
        self._reverse = np.asarray(reverse, dtype=bool)
        n = len(self._regions)
        if not self._win_start.shape == self._span_id.shape == self._reverse.shape == (n,):
            raise ValueError(f"window arrays do not match the {n} regions")

    # ------------------------------------------------------------------ constructors
    @classmethod
    def from_fasta(
        cls,
        fasta: str | Path,
        roi: str | Path | pd.DataFrame | None,
        *,
        binsize: int | None = None,
        stepsize: int | None = None,
        flank: int = 0,
        order: int = 1,
        alphabet: str = "dna",
        strand_aware: bool = True,
        storage: str = "ndarray",
        cache_dir: str | Path | None = None,
        feature: str | None = None,
        margin: int = 0,
        dtype: Any = np.float32,
    ) -> Bioseq:
        """Sequence windows over regions of a genome.

        Parameters
        ----------
        fasta
            Genome FASTA, plain or bgzip-compressed, with ``.fai`` (created when missing and
            the folder is writable).
        roi
            Regions of interest: a BED / narrowPeak / GTF / GFF path (optionally gzipped) or a
            DataFrame with ``chrom``, ``start``, ``end`` (0-based half-open) and optionally
            ``strand``; ``None``: every sequence of the FASTA, whole.
        binsize, stepsize
            Tile each ROI interval into cores of ``binsize`` every ``stepsize`` bases (default
            ``binsize``), remainder dropped; ``binsize=None``: each interval is one core.
        flank
            Bases added on both sides: window = ``[core_start - flank, core_end + flank)``.
            Positions beyond the chromosome ends are N (all-zero rows), never shifted.
        order
            k-mer length of the one-hot (4**order channels).
        alphabet
            ``"dna"`` or ``"protein"`` (order 1, no strand).
        strand_aware
            Reverse-complement windows of minus-strand ROI intervals.
        storage
            ``"ndarray"`` (bytes in memory) or ``"hdf5"`` (bytes in an HDF5 file, read per batch;
            the cache entry when ``cache_dir`` is set, else a temporary file).
        cache_dir
            Content-addressed cache folder (key: FASTA and ROI content, every parameter,
            package version).
        feature
            GTF/GFF ROI only: the record type to keep (e.g. ``"gene"``).
        margin
            Extra genome bases stored around each window, for :class:`RandomShift`.
        dtype
            dtype of the one-hot batches.

        Returns
        -------
        Bioseq
            Of shape ``(n_windows, window_length - order + 1, 4**order)``.
        """
        _check_alphabet(alphabet, order)
        if storage not in ("ndarray", "hdf5"):
            if storage == "sparse":
                raise ValueError(
                    "storage='sparse' is meant for label tensors; a Bioseq supports 'ndarray' "
                    "(one byte per base in memory) or 'hdf5' (on disk)"
                )
            raise ValueError(f"unknown storage {storage!r}; expected 'ndarray' or 'hdf5'")
        if int(flank) < 0 or int(margin) < 0:
            raise ValueError(f"flank and margin must be >= 0, got flank={flank}, margin={margin}")

        def build() -> Bioseq:
            return cls._build(
                fasta, roi, binsize=binsize, stepsize=stepsize, flank=int(flank), order=order,
                alphabet=alphabet, strand_aware=strand_aware, feature=feature,
                margin=int(margin), dtype=dtype,
            )  # fmt: skip

        if cache_dir is None:
            seq = build()
            if storage == "hdf5":
                seq = seq._to_hdf5(None)
            return seq
        files: list[str | Path] = [fasta]
        roi_param: Any = None
        if isinstance(roi, pd.DataFrame):
            roi_param = frame_digest(roi)
        elif roi is not None:
            files.append(roi)
        params = {
            "class": "Bioseq", "roi": roi_param, "binsize": binsize, "stepsize": stepsize,
            "flank": int(flank), "order": int(order), "alphabet": alphabet,
            "strand_aware": bool(strand_aware), "storage": storage, "feature": feature,
            "margin": int(margin), "dtype": np.dtype(dtype).str,
        }  # fmt: skip
        manifest = {**cache_manifest(files, params), "kind": "Bioseq"}
        suffix = ".h5" if storage == "hdf5" else ".npz"
        key = cache_key(files, params)
        seq = cached(
            cache_dir,
            key,
            build,
            lambda obj, path: obj.save(path),
            lambda path: cls.load(path, lazy=True),
            suffix=suffix,
            manifest=manifest,
            label=f"Bioseq {Path(fasta).name}",
        )
        if storage == "hdf5" and isinstance(seq._buffer, np.ndarray):
            # just built: serve the bases from the cache entry on disk, as a hit would
            seq = cls.load(Path(cache_dir) / f"{key}{suffix}", lazy=True)
        return seq  # type: ignore[return-value]

    @classmethod
    def _build(
        cls,
        fasta: str | Path,
        roi: str | Path | pd.DataFrame | None,
        *,
        binsize: int | None,
        stepsize: int | None,
        flank: int,
        order: int,
        alphabet: str,
        strand_aware: bool,
        feature: str | None,
        margin: int,
        dtype: Any,
    ) -> Bioseq:
        handle = _open_fasta(fasta)
        try:
            lengths = dict(zip(handle.references, handle.lengths, strict=True))
            regions, cores = _fasta_cores(
                lengths, fasta, roi, feature=feature, binsize=binsize, stepsize=stepsize
            )
            window_length = int(cores["end"][0] - cores["start"][0]) + 2 * flank
            if window_length < order:
                raise ValueError(f"window length {window_length} is shorter than order {order}")
            win_start = cores["start"].to_numpy(np.int64) - flank
            chrom_names = list(lengths)
            cidx = cores["chrom"].map({c: i for i, c in enumerate(chrom_names)}).to_numpy(np.int64)
            clen = np.asarray(list(lengths.values()), dtype=np.int64)[cidx]
            lo = np.clip(win_start - margin, 0, clen)
            hi = np.clip(win_start + window_length + margin, 0, clen)
            span_id, span_cidx, span_start, span_end = _merge_spans(cidx, lo, hi)
            span_chrom = np.asarray(chrom_names, dtype=str)[span_cidx]
            logger.info(
                "Bioseq: %d windows of %d bp (order %d) from %d ROI intervals; reading %d bases "
                "of %d sequence(s) from %s",
                len(cores), window_length, order, len(regions), int((span_end - span_start).sum()),
                np.unique(span_cidx).size, fasta,
            )  # fmt: skip
            buffer, span_offset = _read_spans(
                handle, fasta, span_chrom, span_start, span_end, _LUTS[alphabet]
            )
        finally:
            handle.close()
        strands = cores["strand"].to_numpy().astype(str)
        reverse = (
            (strands == "-") if (strand_aware and alphabet == "dna") else np.zeros(len(cores), bool)
        )
        n_pad = int(((win_start < 0) | (win_start + window_length > clen)).sum())
        if n_pad:
            logger.info("Bioseq: %d window(s) reach beyond a chromosome end; padded with N", n_pad)
        return cls(
            cores,
            buffer=buffer,
            span_chrom=span_chrom,
            span_start=span_start,
            span_end=span_end,
            span_offset=span_offset,
            win_start=win_start,
            span_id=span_id,
            reverse=reverse,
            window_length=window_length,
            flank=flank,
            order=order,
            alphabet=alphabet,
            margin=margin,
            dtype=dtype,
            name=Path(fasta).name,
        )

    @classmethod
    def from_sequences(
        cls,
        sequences: str | Path | Sequence[str],
        *,
        order: int = 1,
        alphabet: str = "dna",
        dtype: Any = np.float32,
    ) -> Bioseq:
        """Windows from equal-length sequences.

        Parameters
        ----------
        sequences
            A FASTA file of sequences (plain or gzipped; no index needed) or a list of strings.
        order, alphabet, dtype
            As in :meth:`from_fasta`.

        Returns
        -------
        Bioseq
            One sample per sequence, shape ``(n, L - order + 1, channels)``; ``regions`` has the
            sequence names (``seq0, seq1, ...`` for a list) as ``chrom``, ``start=0``, ``end=L``.
        """
        _check_alphabet(alphabet, order)
        if isinstance(sequences, (str, Path)) and Path(sequences).exists():
            names, texts = [], []
            with pysam.FastxFile(str(sequences)) as handle:
                for record in handle:
                    names.append(record.name)
                    texts.append(record.sequence or "")
            source = str(sequences)
        elif isinstance(sequences, (str, Path)):
            raise FileNotFoundError(f"sequence file not found: {sequences}")
        else:
            texts = [str(s) for s in sequences]
            names = [f"seq{i}" for i in range(len(texts))]
            source = "the sequence list"
        if not texts:
            raise ValueError(f"no sequences in {source}")
        length = len(texts[0])
        for i, text in enumerate(texts):
            if len(text) != length:
                raise ValueError(
                    f"sequences must have equal lengths: {names[i]!r} (number {i}) in {source} has "
                    f"{len(text)} letters, the first ({names[0]!r}) has {length}"
                )
        if length < order:
            raise ValueError(f"sequences of length {length} are shorter than the order {order}")
        n = len(texts)
        buffer = encode_bases("".join(texts), alphabet)
        starts = np.arange(n, dtype=np.int64) * length
        regions = pd.DataFrame(
            {"chrom": names, "start": 0, "end": length, "strand": "+", "name": names}
        )
        regions["start"] = regions["start"].astype(np.int64)
        regions["end"] = regions["end"].astype(np.int64)
        return cls(
            regions,
            buffer=buffer,
            span_chrom=np.asarray(names, dtype=str),
            span_start=np.zeros(n, np.int64),
            span_end=np.full(n, length, np.int64),
            span_offset=starts,
            win_start=np.zeros(n, np.int64),
            span_id=np.arange(n, dtype=np.int64),
            reverse=np.zeros(n, bool),
            window_length=length,
            flank=0,
            order=order,
            alphabet=alphabet,
            dtype=dtype,
            name=Path(source).name if source != "the sequence list" else "",
        )

    # ------------------------------------------------------------------ shape
    @property
    def sample_shape(self) -> tuple[int, int]:
        return (self.window_length - self.order + 1, self._n_letters**self.order)

    @property
    def dtype(self) -> np.dtype:
        return self._dtype

    @property
    def codes(self) -> _Codes:
        """Indexable: ``seq.codes[idx]`` -> int32 ``(k, window_length - order + 1)``, -1 at N."""
        return _Codes(self)

    @property
    def nbytes(self) -> int:
        """Bytes held in memory: the base buffer (0 when on disk) and the window arrays."""
        arrays = (self._win_start, self._span_id, self._reverse, self._span_start,
                  self._span_end, self._span_offset)  # fmt: skip
        held = self._buffer.nbytes if isinstance(self._buffer, np.ndarray) else 0
        return held + sum(a.nbytes for a in arrays)

    # ------------------------------------------------------------------ expansion
    def _base_codes(self, index: np.ndarray, offsets: np.ndarray | None = None) -> np.ndarray:
        """uint8 letter codes ``(k, window_length)`` of source rows ``index`` (oriented)."""
        k, width = index.size, self.window_length
        out = np.empty((k, width), dtype=np.uint8)
        pad = self._n_letters
        step = max(1, _BATCH_BASES // width)
        cols = np.arange(width, dtype=np.int64)
        for a in range(0, k, step):
            rows = index[a : a + step]
            sid = self._span_id[rows]
            start = self._win_start[rows]
            if offsets is not None:
                start = start + offsets[a : a + step]
            rel0 = start - self._span_start[sid]  # window start relative to its span
            span_len = self._span_end[sid] - self._span_start[sid]
            block = out[a : a + rows.size]
            inside = (rel0 >= 0) & (rel0 + width <= span_len)
            if isinstance(self._buffer, np.ndarray):
                if inside.all():
                    gather = (self._span_offset[sid] + rel0)[:, None] + cols
                    np.take(self._buffer, gather, out=block)
                else:
                    rel = rel0[:, None] + cols
                    valid = (rel >= 0) & (rel < span_len[:, None])
                    gather = self._span_offset[sid][:, None] + np.clip(rel, 0, None)
                    gather = np.where(valid, gather, 0)
                    np.take(self._buffer, gather, out=block)
                    block[~valid] = pad
            else:
                for r in range(rows.size):
                    lo = max(0, int(rel0[r]))
                    hi = min(int(span_len[r]), int(rel0[r]) + width)
                    block[r] = pad
                    if hi > lo:
                        off = int(self._span_offset[sid[r]])
                        block[r, lo - rel0[r] : hi - rel0[r]] = self._buffer.read_range(
                            off + lo, off + hi
                        )
        rev = self._reverse[index]
        if rev.any():
            out[rev] = reverse_complement(out[rev])
        return out

    def _get_batch(self, index: np.ndarray) -> np.ndarray:
        return self._expand(self._base_codes(index))

    def _get_shifted(self, index: np.ndarray, offsets: np.ndarray) -> np.ndarray:
        """Windows moved by ``offsets`` bases along the genome (N beyond the stored spans)."""
        return self._expand(self._base_codes(index, offsets))

    def _expand(self, bases: np.ndarray) -> np.ndarray:
        codes = kmer_codes(bases, self.order, self._n_letters)
        return one_hot(codes, self.order, self._dtype, self._n_letters)

    def orientation_flip(self, batch: np.ndarray) -> np.ndarray:
        """Reverse complement of a one-hot batch ``(k, L', 4**order)``: positions reversed and
        channels permuted by :func:`complement_permutation`. Returns a new array."""
        if self.alphabet != "dna":
            raise ValueError("a protein sequence has no reverse complement")
        return batch[:, ::-1][..., complement_permutation(self.order)]

    # ------------------------------------------------------------------ save / load
    def _to_hdf5(self, path: str | Path | None) -> Bioseq:
        """A copy whose base buffer lives in an HDF5 file (temporary when ``path`` is None)."""
        import os
        import tempfile
        import weakref

        temporary = path is None
        if temporary:
            fd, name = tempfile.mkstemp(suffix=".h5", prefix="genomic_tensors_bioseq_")
            os.close(fd)
            path = name
        self.save(path)
        seq = type(self).load(path, lazy=True)
        if temporary:
            weakref.finalize(seq, _remove_quietly, str(path))
        return seq  # type: ignore[return-value]

    def _bundle_parts(self) -> tuple[dict[str, np.ndarray], dict[str, Any], dict[str, Any]]:
        rows = self.base_index
        arrays = {name: getattr(self, f"_{name}") for name in _SPAN_ARRAYS}
        arrays.update({name: getattr(self, f"_{name}")[rows] for name in _WINDOW_ARRAYS})
        buffer = self._buffer if isinstance(self._buffer, np.ndarray) else self._buffer.to_array()
        meta = {**self._saved_meta(), "dtype": self._dtype.str}
        return arrays, {"bases": NdarrayStorage(buffer)}, meta

    @classmethod
    def _from_bundle(
        cls,
        regions: pd.DataFrame,
        arrays: dict[str, np.ndarray],
        storages: dict[str, Any],
        meta: dict[str, Any],
        common: dict[str, Any],
    ) -> Bioseq:
        bases = storages["bases"]
        return cls(
            regions,
            buffer=bases.array if isinstance(bases, NdarrayStorage) else bases,
            **{name: arrays[name] for name in _SPAN_ARRAYS + _WINDOW_ARRAYS},
            **{name: meta[name] for name in cls._saved_attrs},
            dtype=np.dtype(meta["dtype"]),
            flank=common["flank"],
            name=common["name"],
        )


def _remove_quietly(path: str) -> None:
    try:
        Path(path).unlink()
    except OSError:
        pass

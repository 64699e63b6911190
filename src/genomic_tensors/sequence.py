"""Sequence as tensors: FASTA -> one-hot of order k (Bioseq).

Encoding conventions (shared by the whole project):

- Bases are stored as one byte each: ``A=0, C=1, G=2, T=3``, anything else (N, IUPAC codes,
  gaps) ``4``; lowercase reads as uppercase.
- A k-mer's integer code reads its letters as base-4 digits, the first letter most significant:
  ``AC -> 0*4 + 1 = 1``, ``CA -> 1*4 + 0 = 4``, ``TTT -> 63``. A k-mer holding any non-ACGT
  letter has code ``-1``.
- One-hot of order k: shape ``(..., L - k + 1, 4**k)``, channel = k-mer code; code ``-1`` gives an
  all-zero row.
- Protein: the 20 amino acids ``ACDEFGHIKLMNPQRSTVWY`` as codes 0..19, anything else 20;
  order 1 only, 20 channels.

A :class:`Bioseq` never holds the one-hot: it keeps one byte per base of the genome spans its
windows touch, plus the window coordinates, and expands each requested batch on the fly
(``seq[idx]`` -> one-hot, ``seq.codes[idx]`` -> int32 k-mer codes for on-device one-hot).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pysam

from genomic_tensors.cache import cache_key, cache_manifest, cached
from genomic_tensors.dataset import GenomicDataset, resolve_index
from genomic_tensors.progress import progress
from genomic_tensors.regions import check_chromosomes, read_regions, tile
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

#: Letters of each alphabet, in code order.
ALPHABETS = {"dna": "ACGT", "protein": "ACDEFGHIKLMNPQRSTVWY"}
_MAX_ORDER = 8  # 4**8 = 65,536 channels; codes stay within int32
_CHUNK_BASES = 1 << 22  # FASTA read chunk (4 Mbp): bounds the transient text copies
_BATCH_BASES = 1 << 22  # expansion chunk: bounds the int64 index temporaries


def _lut(alphabet: str) -> bytes:
    """A ``bytes.translate`` table: letter byte -> code byte (C speed, no index temporaries)."""
    letters = ALPHABETS[alphabet]
    table = np.full(256, len(letters), dtype=np.uint8)
    for code, letter in enumerate(letters):
        table[ord(letter)] = code
        table[ord(letter.lower())] = code
    return table.tobytes()


_LUTS = {name: _lut(name) for name in ALPHABETS}
_DNA_COMPLEMENT = np.array([3, 2, 1, 0, 4], dtype=np.uint8)


def _check_alphabet(alphabet: str, order: int) -> int:
    """Validate alphabet and order; return the number of letters."""
    if alphabet not in ALPHABETS:
        raise ValueError(f"unknown alphabet {alphabet!r}; expected one of {', '.join(ALPHABETS)}")
    if not isinstance(order, (int, np.integer)) or not 1 <= order <= _MAX_ORDER:
        raise ValueError(f"order must be an integer in 1..{_MAX_ORDER}, got {order!r}")
    if alphabet == "protein" and order != 1:
        raise ValueError(f"the protein alphabet supports order 1 only, got order={order}")
    return len(ALPHABETS[alphabet])


def encode_bases(seq: bytes | str, alphabet: str = "dna") -> np.ndarray:
    """Letters -> one byte code each.

    Parameters
    ----------
    seq
        The sequence (str or ASCII bytes).
    alphabet
        ``"dna"``: A0 C1 G2 T3, anything else 4. ``"protein"``: ``ACDEFGHIKLMNPQRSTVWY`` -> 0..19,
        anything else 20. Lowercase reads as uppercase.

    Returns
    -------
    numpy.ndarray
        uint8, shape ``(len(seq),)``.
    """
    if alphabet not in _LUTS:
        raise ValueError(f"unknown alphabet {alphabet!r}; expected one of {', '.join(ALPHABETS)}")
    raw = seq.encode("ascii", errors="replace") if isinstance(seq, str) else bytes(seq)
    return np.frombuffer(raw.translate(_LUTS[alphabet]), dtype=np.uint8).copy()


def kmer_codes(base_codes: np.ndarray, order: int, n_letters: int = 4) -> np.ndarray:
    """Integer codes of the k-mers along the last axis.

    Parameters
    ----------
    base_codes
        uint8, shape ``(..., L)``: letter codes ``0..n_letters-1``, any larger value a non-letter.
    order
        k, the k-mer length (``L >= order``).
    n_letters
        Alphabet size (4 for DNA, 20 for protein).

    Returns
    -------
    numpy.ndarray
        int32, shape ``(..., L - order + 1)``; position ``p`` holds
        ``sum_j base[p + j] * n_letters**(order - 1 - j)`` (first letter most significant), or
        ``-1``        when any of the k letters is a non-letter.

    Examples
    --------
    >>> kmer_codes(encode_bases("ACGTN"), 2).tolist()
    [1, 6, 11, -1]
    """
    base_codes = np.asarray(base_codes)
    length = base_codes.shape[-1]
    if length < order:
        raise ValueError(f"sequence length {length} is shorter than the order {order}")
    size = n_letters**order
    # a non-letter maps to `size`, which pushes any k-mer holding it to >= size
    values = base_codes.astype(np.int32)
    values[values >= n_letters] = size
    out_len = length - order + 1
    if order == 1:
        values[values == size] = -1
        return values
    codes = values[..., :out_len] * np.int32(n_letters ** (order - 1))
    for j in range(1, order):
        codes += values[..., j : j + out_len] * np.int32(n_letters ** (order - 1 - j))
    codes[codes >= size] = -1
    return codes


_ONE_HOT_TABLES: dict[tuple[int, str], np.ndarray] = {}


def one_hot(
    codes: np.ndarray, order: int, dtype: Any = np.float32, n_letters: int = 4
) -> np.ndarray:
    """One-hot expansion of k-mer codes.

    Parameters
    ----------
    codes
        int, shape ``(...)``: k-mer codes in ``0..n_letters**order - 1``, or ``-1``.
    order
        k.
    dtype
        Output dtype.
    n_letters
        Alphabet size.

    Returns
    -------
    numpy.ndarray
        Shape ``(..., n_letters**order)``; row ``r`` has a 1 at channel ``codes[r]``, all zeros
        where ``codes`` is ``-1``.
    """
    size = n_letters**order
    key = (size, np.dtype(dtype).str)
    table = _ONE_HOT_TABLES.get(key)
    if table is None:
        table = np.zeros((size + 1, size), dtype=dtype)
        table[:size] = np.eye(size, dtype=dtype)
        _ONE_HOT_TABLES[key] = table
    # -1 indexes the last row, the zero row
    return np.take(table, codes, axis=0)


def complement_permutation(order: int) -> np.ndarray:
    """Channel permutation that reverse-complements a DNA one-hot of order k.

    If ``x`` is the order-k one-hot of a sequence, shape ``(L', 4**k)``, the one-hot of its
    reverse complement is ``x[::-1][:, perm]`` with ``perm = complement_permutation(k)``: channel
    ``c`` of the reverse complement at position ``q`` is channel ``perm[c]`` of the original at
    position ``L' - 1 - q``. ``perm[c]`` is the code of the reverse complement of k-mer ``c``; the
    permutation is its own inverse.

    Examples
    --------
    Order 1: ``[3, 2, 1, 0]`` (A<->T, C<->G). Order 2: ``perm[1] == 11`` because AC (code 1)
    reverse-complements to GT (2*4 + 3 = 11); ``perm[5] == 10`` (CC -> GG).

    Returns
    -------
    numpy.ndarray
        int64, shape ``(4**order,)``.
    """
    _check_alphabet("dna", order)
    codes = np.arange(4**order, dtype=np.int64)
    digits = [(codes // 4 ** (order - 1 - j)) % 4 for j in range(order)]
    perm = np.zeros_like(codes)
    for j, digit in enumerate(reversed(digits)):  # reversed k-mer, complemented letters
        perm += (3 - digit) * 4 ** (order - 1 - j)
    return perm


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
    """Merge intervals (per chromosome) into disjoint spans.

    Returns ``(span_of_interval, span_chrom_idx, span_start, span_end)``; spans sorted by
    chromosome index then start; overlapping or touching intervals share a span.
    """
    order = np.lexsort((lo, chrom_idx))
    c, s, e = chrom_idx[order], lo[order], hi[order]
    n = order.size
    new = np.ones(n, dtype=bool)
    if n > 1:
        # running max of ends within a chromosome
        run_end = e.copy()
        boundaries = np.flatnonzero(np.diff(c)) + 1
        for seg_start, seg_end in zip(np.r_[0, boundaries], np.r_[boundaries, n], strict=True):
            run_end[seg_start:seg_end] = np.maximum.accumulate(e[seg_start:seg_end])
        new[1:] = (c[1:] != c[:-1]) | (s[1:] > run_end[:-1])
    span_sorted = np.cumsum(new) - 1
    n_spans = int(span_sorted[-1]) + 1 if n else 0
    span_start = s[new]
    span_end = np.zeros(n_spans, dtype=np.int64)
    np.maximum.at(span_end, span_sorted, e)
    span_chrom = c[new]
    span_of = np.empty(n, dtype=np.int64)
    span_of[order] = span_sorted
    return span_of, span_chrom, span_start, span_end


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
            roi_param = _frame_digest(roi)
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
            if roi is None:
                regions = pd.DataFrame(
                    {"chrom": list(lengths), "start": 0, "end": list(lengths.values())}
                )
                regions = read_regions(regions)
            else:
                regions = read_regions(roi, feature=feature)
            check_chromosomes(regions["chrom"], handle.references, source=str(fasta))
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
            window_length = int(core_len[0]) + 2 * flank
            if window_length < order:
                raise ValueError(f"window length {window_length} is shorter than order {order}")
            win_start = cores["start"].to_numpy(np.int64) - flank
            chrom_names = list(lengths)
            chrom_index = {c: i for i, c in enumerate(chrom_names)}
            cidx = cores["chrom"].map(chrom_index).to_numpy(np.int64)
            clen = np.asarray([lengths[c] for c in chrom_names], dtype=np.int64)[cidx]
            lo = np.clip(win_start - margin, 0, clen)
            hi = np.clip(win_start + window_length + margin, 0, clen)
            span_id, span_cidx, span_start, span_end = _merge_spans(cidx, lo, hi)
            span_len = span_end - span_start
            span_offset = np.concatenate([[0], np.cumsum(span_len)[:-1]]).astype(np.int64)
            buffer = np.empty(int(span_len.sum()), dtype=np.uint8)
            lut = _LUTS[alphabet]
            used = np.unique(span_cidx)
            logger.info(
                "Bioseq: %d windows of %d bp (order %d) from %d ROI intervals; reading %d bases "
                "of %d sequence(s) from %s",
                len(cores), window_length, order, len(regions), buffer.size, used.size, fasta,
            )  # fmt: skip
            for chrom in progress(
                [chrom_names[ci] for ci in used], desc=f"reading {Path(fasta).name}"
            ):
                ci = chrom_index[chrom]
                for sp in np.flatnonzero(span_cidx == ci):
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
            span_chrom=np.asarray(chrom_names, dtype=str)[span_cidx],
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
            out[rev] = _DNA_COMPLEMENT[out[rev, ::-1]]
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
        arrays = {
            "span_chrom": self._span_chrom,
            "span_start": self._span_start,
            "span_end": self._span_end,
            "span_offset": self._span_offset,
            "win_start": self._win_start[rows],
            "span_id": self._span_id[rows],
            "reverse": self._reverse[rows],
        }
        buffer = self._buffer if isinstance(self._buffer, np.ndarray) else self._buffer.to_array()
        meta = {
            "order": self.order,
            "alphabet": self.alphabet,
            "window_length": self.window_length,
            "margin": self.margin,
            "dtype": self._dtype.str,
        }
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
        buffer = bases.array if isinstance(bases, NdarrayStorage) else bases
        return cls(
            regions,
            buffer=buffer,
            span_chrom=arrays["span_chrom"],
            span_start=arrays["span_start"],
            span_end=arrays["span_end"],
            span_offset=arrays["span_offset"],
            win_start=arrays["win_start"],
            span_id=arrays["span_id"],
            reverse=arrays["reverse"],
            window_length=meta["window_length"],
            flank=common["flank"],
            order=meta["order"],
            alphabet=meta["alphabet"],
            margin=meta["margin"],
            dtype=np.dtype(meta["dtype"]),
            name=common["name"],
        )


def _frame_digest(frame: pd.DataFrame) -> str:
    """Content hash of a ROI DataFrame (for the cache key)."""
    hashed = pd.util.hash_pandas_object(frame.reset_index(drop=True), index=False).to_numpy()
    text = ",".join(map(str, frame.columns)).encode() + hashed.tobytes()
    return hashlib.blake2b(text, digest_size=16).hexdigest()


def _remove_quietly(path: str) -> None:
    try:
        Path(path).unlink()
    except OSError:
        pass

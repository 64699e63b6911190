"""Reading BAM files fast: 5' ends and fragment midpoints per chromosome, vectorized with numpy.

A BAM is decoded once per chromosome by a small numpy BGZF/BAM reader: the ``.bai`` index gives the
chromosome's byte range and offsets known to start records; libdeflate (the ``deflate`` package; zlib
without it) inflates 16-MB batches of blocks on a background thread while the current batch is decoded;
records are found by following the chain of record sizes from many known starts at once, and their fields
(position, flag, MAPQ, CIGAR, template length) are gathered with numpy. A per-read pysam loop costs about
0.3-0.5 us per read, several times the ``samtools view -c`` floor; ``engine="pysam"`` in
:func:`bam_read_ends` keeps it as a reference. Coordinates are 0-based.
"""

from __future__ import annotations

import functools
import logging
import struct
import zlib
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
from numpy.lib.stride_tricks import as_strided

__all__ = ["PAIRED_END_MODES", "ReadEnds", "bam_read_ends", "find_bam_index"]

logger = logging.getLogger(__name__)

try:  # libdeflate inflates BGZF blocks about twice as fast as zlib (same bytes)
    from deflate import DeflateError as _DeflateError
    from deflate import deflate_decompress as _fast_inflate
except ImportError:  # pragma: no cover - the pinned environment has it
    _fast_inflate = None
    _DeflateError = zlib.error

# ----------------------------------------------------------------------------------------------
# BAM decoding
# ----------------------------------------------------------------------------------------------
#: SAM flag bits
_PAIRED, _PROPER, _UNMAPPED, _REVERSE, _MATE_REVERSE = 0x1, 0x2, 0x4, 0x10, 0x20
_READ1, _SECONDARY, _QCFAIL, _DUPLICATE, _SUPPLEMENTARY = 0x40, 0x100, 0x200, 0x400, 0x800
_NEVER = _UNMAPPED | _SECONDARY | _QCFAIL | _SUPPLEMENTARY
#: CIGAR operations that consume the reference: M, D, N, =, X
_CONSUMES_REF = np.zeros(16, np.int64)
_CONSUMES_REF[[0, 2, 3, 7, 8]] = 1
_PSEUDO_BIN = 37450
_BAI_MAGIC = b"BAI\x01"
#: compressed bytes read per batch (about 3-6x as many once inflated; two batches in flight)
_BATCH_BYTES = 16 << 20
#: below this many concurrent record chains, follow them with a plain loop
_FEW_CHAINS = 4

PAIRED_END_MODES = ("5prime", "midpoint")


class ReadEnds(NamedTuple):
    """Sorted read positions of one chromosome, per strand.

    Each array is int64, 0-based chromosome coordinates, sorted ascending, one entry per counted
    read (or fragment); a position may repeat.
    """

    #: positions of reads (fragments) on the forward strand
    plus: np.ndarray
    #: positions of reads (fragments) on the reverse strand
    minus: np.ndarray


class _BaiReference(NamedTuple):
    """What the ``.bai`` index says about one reference sequence."""

    #: virtual offset of its first record (0 when it has none)
    begin: int
    #: virtual offset just past its last record
    end: int
    #: sorted virtual offsets known to start a record (chunk starts, linear index)
    starts: np.ndarray


def find_bam_index(path: str | Path) -> Path:
    """The index of a BAM file: its ``.bai``, else its ``.csi``.

    Parameters
    ----------
    path
        The BAM file.

    Returns
    -------
    pathlib.Path
        ``<path>.bai`` or ``<path without .bam>.bai``, else ``<path>.csi`` or ``<path without
        .bam>.csi`` (the index for chromosomes over 512 Mb), whichever exists first.

    Raises
    ------
    FileNotFoundError
        None exists; the message says how to make one (``samtools index``).
    """
    path = Path(path)
    candidates = [Path(f"{path}.bai"), path.with_suffix(".bai")]
    candidates += [Path(f"{path}.csi"), path.with_suffix(".csi")]
    for cand in candidates:
        if cand.exists():
            if cand.stat().st_mtime < path.stat().st_mtime:
                logger.warning(
                    "the index file is older than the BAM: %s (re-create it with samtools index "
                    "if the BAM changed)",
                    cand,
                )
            return cand
    raise FileNotFoundError(
        f"BAM index not found for {path}: expected {path}.bai (or .csi); create it with "
        f"`samtools index {path}` (`samtools index -c` for chromosomes over 512 Mb)"
    )


def open_bam(path: str | Path) -> Any:
    """``pysam.AlignmentFile`` of a BAM, with an error that names the file when it cannot be opened.

    Raises
    ------
    ValueError
        The file is not a readable BAM (truncated: no BGZF end-of-file block, or damaged), naming it.
    """
    import pysam

    try:
        return pysam.AlignmentFile(str(path), "rb")
    except (OSError, ValueError) as err:
        raise ValueError(
            f"{path}: cannot read the BAM ({err}); the file is probably truncated or damaged: "
            f"download or create it again"
        ) from None


@functools.lru_cache(maxsize=None)
def _note_csi(path: Path) -> None:
    logger.info(
        "%s has a .csi index and no .bai: reading it with pysam (the numpy reader reads .bai indexes)",
        path,
    )


def _check_within_chromosome(
    path: Path, chrom: str, length: int, ends: ReadEnds, paired_end: str
) -> None:
    """Fail on reads placed at or past the end of ``chrom`` (its header length); log reads that only
    overhang the end (their 5' ends or fragment midpoints fall outside and are not counted)."""
    n = sum(int(np.count_nonzero(arr >= length)) for arr in ends)
    if n == 0:
        return
    placed = _first_read_placed_past(path, chrom, length)
    if placed is not None:
        name, start = placed
        raise ValueError(
            f"{path}: read {name} is placed on {chrom} at {start + 1:,} (1-based), past the end of "
            f"{chrom}, which is {length:,} bp in the BAM header. The reads probably come from another "
            f"assembly than the header says (a rewritten header?): use a BAM aligned to the configured "
            f"genome's assembly"
        )
    what = "fragment midpoints" if paired_end == "midpoint" else "5' ends"
    logger.warning(
        "%s: %d read(s) overhang the end of %s (%s bp); their %s fall outside it and are not counted",
        path, n, chrom, f"{length:,}", what,
    )


def _first_read_placed_past(path: Path, chrom: str, length: int) -> tuple[str, int] | None:
    """(name, 0-based start) of the first read of ``chrom`` that starts at or past ``length``."""
    with open_bam(path) as bam:
        for read in bam.fetch(chrom, max(0, length - 1)):
            if read.reference_start >= length:
                return read.query_name, read.reference_start
    return None


def _read_bai(path: Path) -> list[_BaiReference]:
    """Parse a ``.bai`` file (SAM specification, section 5.2)."""
    data = path.read_bytes()
    if data[:4] != _BAI_MAGIC:
        raise ValueError(f"{path} is not a BAM index (.bai): wrong magic bytes {data[:4]!r}")
    try:
        (n_ref,) = struct.unpack_from("<i", data, 4)
        off = 8
        refs = []
        for _ in range(n_ref):
            (n_bin,) = struct.unpack_from("<i", data, off)
            off += 4
            begins, ends = [], []
            for _ in range(n_bin):
                bin_id, n_chunk = struct.unpack_from("<Ii", data, off)
                off += 8
                chunks = np.frombuffer(data, "<u8", count=2 * n_chunk, offset=off)
                off += 16 * n_chunk
                if bin_id != _PSEUDO_BIN:
                    begins.append(chunks[0::2])
                    ends.append(chunks[1::2])
            (n_intv,) = struct.unpack_from("<i", data, off)
            off += 4
            linear = np.frombuffer(data, "<u8", count=n_intv, offset=off)
            off += 8 * n_intv
            if not begins:
                refs.append(_BaiReference(0, 0, np.zeros(0, np.int64)))
                continue
            begin_arr = np.concatenate(begins)
            begin, end = int(begin_arr.min()), int(np.concatenate(ends).max())
            starts = np.unique(np.concatenate([begin_arr, linear])).astype(np.int64)
            starts = starts[(starts >= begin) & (starts < end)]
            refs.append(_BaiReference(begin, end, starts))
    except (struct.error, ValueError) as err:
        raise ValueError(
            f"{path}: damaged BAM index ({err}); re-create it with samtools index"
        ) from None
    return refs


class _Batch(NamedTuple):
    """A run of whole BGZF blocks, still compressed."""

    #: the compressed bytes
    raw: bytes
    #: per block: file offset, data start and end inside ``raw``, inflated size
    blocks: list[tuple[int, int, int, int]]
    #: whether the block holding the end of the wanted range is the last one here
    finished: bool


def _bgzf_batches(path: Path, begin: int, end: int) -> Iterator[_Batch]:
    """The BGZF blocks holding the virtual offsets ``[begin, end)``, about 8 MB at a time."""
    cbegin, cend = begin >> 16, end >> 16
    last_block = cend if end & 0xFFFF else cend - 1  # a block at or before it is wanted
    with open(path, "rb") as handle:
        handle.seek(cbegin)
        pending = b""
        file_pos = cbegin  # file offset of pending[0]
        finished = False
        while not finished:
            chunk = handle.read(_BATCH_BYTES)
            raw = pending + chunk
            blocks = []
            off = 0
            while off + 18 <= len(raw):
                if raw[off : off + 4] != b"\x1f\x8b\x08\x04":
                    raise ValueError(
                        f"{path}: no BGZF block at byte {file_pos + off}; the file is damaged, not "
                        f"a BAM, or its index is stale -- re-create it with `samtools index {path}`"
                    )
                (xlen,) = struct.unpack_from("<H", raw, off + 10)
                bsize = _bgzf_bsize(raw, off, xlen, path, file_pos)
                if off + bsize > len(raw):
                    break
                (isize,) = struct.unpack_from("<I", raw, off + bsize - 4)
                blocks.append((file_pos + off, off + 12 + xlen, off + bsize - 8, isize))
                off += bsize
                if file_pos + off > last_block:
                    finished = True
                    # the index's end must fall on this block's start (or just past its end)
                    edge = blocks[-1][0] if end & 0xFFFF else file_pos + off
                    if edge != cend:
                        raise _index_mismatch(path)
                    break
            if not chunk and not finished:
                raise ValueError(f"{path}: truncated BGZF stream near byte {file_pos + off}")
            if blocks:
                yield _Batch(raw, blocks, finished)
                raw = raw[off:]
                file_pos += off
            pending = raw


def _bgzf_bsize(raw: bytes, off: int, xlen: int, path: Path, file_pos: int) -> int:
    """Total size of the BGZF block at ``raw[off]`` (from its ``BC`` extra subfield)."""
    sub = off + 12
    while sub < off + 12 + xlen:
        si, slen = raw[sub : sub + 2], struct.unpack_from("<H", raw, sub + 2)[0]
        if si == b"BC" and slen == 2:
            return struct.unpack_from("<H", raw, sub + 4)[0] + 1
        sub += 4 + slen
    raise ValueError(f"{path}: gzip block at byte {file_pos + off} lacks the BGZF size field")


class _ChainBroken(Exception):
    """A record chain did not land on an offset believed to start a record."""


def _record_starts(data: np.ndarray, starts: np.ndarray) -> tuple[np.ndarray, int]:
    """Offsets of the complete BAM records in ``data``, following the record chain.

    Every record begins with its size, so records form a chain; it is followed from all of
    ``starts`` (sorted int64, ``starts[0] == 0`` a record start) at once with numpy, each chain
    up to the next start, then the last few chains with a plain loop. A chain must land exactly
    on the next start, else ``_ChainBroken`` is raised (a guessed start was wrong, or the data
    do not match the index).

    Returns
    -------
    (offsets, rest)
        int64 record offsets, ascending; ``rest``: offset of the first incomplete record at the
        end of ``data`` (``data.size`` when none), whose bytes continue in the next batch.
    """
    stop = data.size
    limits = np.append(starts[1:], stop).astype(np.int64)
    cur = starts.astype(np.int64)
    chain = np.arange(cur.size)
    lim = limits.copy()
    found: list[np.ndarray] = []
    owner: list[np.ndarray] = []  # the chain of each found record
    rest = stop
    quads = as_strided(data, (max(stop - 3, 0), 4), (1, 1), writeable=False)
    # `cur` stays ascending (each chain moves inside its own segment), so only the last chain
    # can reach the end of the data; the loop body is kept to a dozen numpy calls per step
    while cur.size > _FEW_CHAINS:
        if cur[-1] + 4 > stop:  # no room for the last chain's size field: incomplete record
            if lim[-1] != stop:
                raise _ChainBroken(int(chain[-1]))
            rest = int(cur[-1])
            cur, chain, lim = cur[:-1], chain[:-1], lim[:-1]
            continue
        nxt = cur + 4 + quads[cur].view("<i4")[:, 0]
        ok = (nxt <= lim) & (nxt >= cur + 36)
        if not ok.all():
            bad = np.flatnonzero(~ok)
            # only an incomplete record of the last chain, at the end of the data, is allowed
            if bad.size > 1 or bad[0] != cur.size - 1 or lim[-1] != stop or nxt[-1] < cur[-1] + 36:
                raise _ChainBroken(int(chain[bad[0]]))
            rest = int(cur[-1])
            cur, chain, lim, nxt = cur[:-1], chain[:-1], lim[:-1], nxt[:-1]
        found.append(cur)
        owner.append(chain)
        going = nxt < lim
        cur, chain, lim = nxt[going], chain[going], lim[going]
    for pos, idx in zip(cur.tolist(), chain.tolist(), strict=True):
        got, pos = _follow_chain(data, pos, int(limits[idx]))
        found.append(got)
        owner.append(np.full(got.size, idx))
        if pos != limits[idx]:
            if idx != starts.size - 1:
                raise _ChainBroken(idx)
            rest = pos
    if not found:
        return np.zeros(0, np.int64), rest
    offsets = np.concatenate(found)
    # found step by step; chain by chain is file order, which keeps later reads sequential.
    # A stable sort of 16-bit keys is a radix sort in numpy: linear time.
    if starts.size < 1 << 16:
        offsets = offsets[np.argsort(np.concatenate(owner).astype(np.uint16), kind="stable")]
    else:
        offsets.sort()
    return offsets, rest


def _follow_chain(data: np.ndarray, pos: int, limit: int) -> tuple[np.ndarray, int]:
    """Follow one record chain from ``pos`` towards ``limit`` with a plain loop."""
    got = []
    stop = data.size
    buf = memoryview(data)
    unpack = struct.Struct("<i").unpack_from
    while pos < limit and pos + 4 <= stop:
        nxt = pos + 4 + unpack(buf, pos)[0]
        if nxt > stop or nxt < pos + 36:
            break
        got.append(pos)
        pos = nxt
    return np.asarray(got, np.int64), pos


def _index_mismatch(path: Path) -> ValueError:
    return ValueError(
        f"{path}: the BAM records do not line up with the offsets in its index; the index is "
        f"stale or the file is damaged -- re-create the index with `samtools index {path}`"
    )


def _words_at(data: np.ndarray, offsets: np.ndarray, count: int = 1) -> np.ndarray:
    """The ``count`` little-endian int32 words at each byte offset of ``data`` (any alignment).

    Returns
    -------
    numpy.ndarray
        int32, shape ``(count, offsets.size)``: row ``j`` holds the word at ``offset + 4 * j``.
    """
    width = 4 * count
    rows = as_strided(data, (max(data.size - width + 1, 0), width), (1, 1), writeable=False)
    return np.ascontiguousarray(rows[offsets].view("<i4").T)


def _reference_lengths(data: np.ndarray, cigar_at: np.ndarray, n_cigar: np.ndarray) -> np.ndarray:
    """Reference bases spanned by each alignment (sum of M/D/N/=/X lengths), int64."""
    if cigar_at.size == 0:
        return np.zeros(0, np.int64)
    single = n_cigar == 1
    if single.all():
        ops = _words_at(data, cigar_at)[0].view(np.uint32).astype(np.int64)
        return (ops >> 4) * _CONSUMES_REF[ops & 0xF]
    if single.mean() > 0.5:  # most reads have one operation: only the others take the long way
        out = np.empty(cigar_at.size, np.int64)
        out[single] = _reference_lengths(data, cigar_at[single], n_cigar[single])
        out[~single] = _reference_lengths(data, cigar_at[~single], n_cigar[~single])
        return out
    n_cigar = n_cigar.astype(np.int64)
    owner = np.repeat(np.arange(cigar_at.size), n_cigar)
    first = np.repeat(np.cumsum(n_cigar) - n_cigar, n_cigar)
    at = cigar_at[owner] + 4 * (np.arange(owner.size) - first)
    ops = _words_at(data, at)[0].view(np.uint32).astype(np.int64)
    span = (ops >> 4) * _CONSUMES_REF[ops & 0xF]
    return np.bincount(owner, weights=span, minlength=cigar_at.size).astype(np.int64)


def _positions_from_records(
    data: np.ndarray,
    starts: np.ndarray,
    tid: int,
    *,
    min_mapq: int,
    keep_duplicates: bool,
    paired_end: str,
) -> tuple[np.ndarray, np.ndarray]:
    """5' ends (or fragment midpoints) of the records at ``starts``: forward, reverse."""
    # the fixed fields after block_size: ref_id, pos, l_read_name | mapq << 8 | bin << 16,
    # n_cigar | flag << 16, l_seq, next_ref_id, next_pos, tlen (SAM specification, 4.2)
    words = _words_at(data, starts + 4, 8 if paired_end == "midpoint" else 4)
    if np.any(words[0] != tid):  # a sorted BAM holds only this reference in its index range
        raise _ChainBroken(-1)
    w3 = words[3].view(np.uint32)
    flag = w3 >> 16
    keep = (flag & (_NEVER if keep_duplicates else _NEVER | _DUPLICATE)) == 0
    if min_mapq > 0:
        keep &= (words[2].view(np.uint32) >> 8 & 0xFF) >= min_mapq
    if paired_end == "midpoint":
        keep &= (flag & (_PAIRED | _PROPER)) == (_PAIRED | _PROPER)
        words, flag = words[:, keep], flag[keep]
        pos, tlen = words[1].astype(np.int64), words[7].astype(np.int64)
        read1 = (flag & _READ1) != 0
        # one count per pair: the leftmost mate (tlen > 0), or read 1 when both start together
        once = (words[5] == tid) & (tlen != 0) & np.where(words[6] == words[1], read1, tlen > 0)
        pos, tlen, flag, read1 = pos[once], np.abs(tlen[once]), flag[once], read1[once]
        where = pos + tlen // 2
        reverse = np.where(read1, flag & _REVERSE, flag & _MATE_REVERSE) != 0
        return where[~reverse], where[reverse]
    reverse = keep & ((flag & _REVERSE) != 0)
    forward = keep & ~reverse
    cigar_at = starts[reverse] + 36 + (words[2][reverse] & 0xFF)
    span = _reference_lengths(data, cigar_at, w3[reverse] & 0xFFFF)
    # the last aligned base; an alignment without reference-consuming operations spans one base
    ends = words[1][reverse].astype(np.int64) + np.maximum(span, 1) - 1
    return words[1][forward].astype(np.int64), ends


def _read_ends_numpy(
    path: Path, tid: int, *, min_mapq: int, keep_duplicates: bool, paired_end: str
) -> ReadEnds:
    index = _read_bai(find_bam_index(path))
    if tid >= len(index):
        raise _index_mismatch(path)
    ref = index[tid]
    if ref.end <= ref.begin:
        return ReadEnds(np.zeros(0, np.int64), np.zeros(0, np.int64))
    plus: list[np.ndarray] = []
    minus: list[np.ndarray] = []
    known_v = ref.starts
    carry = np.zeros(0, np.uint8)
    first_batch = True
    batches = _bgzf_batches(path, ref.begin, ref.end)
    # a pipeline: one thread inflates the next batch (zlib releases the GIL) while this one
    # decodes the current batch
    with ThreadPoolExecutor(1) as pool:
        pending: Any = pool.submit(_inflate, next(batches), path)
        while pending is not None:
            batch, inflated, ustart = pending.result()
            following = None if batch.finished else next(batches, None)
            pending = None if following is None else pool.submit(_inflate, following, path)
            n_blocks = len(batch.blocks)
            coffsets = np.fromiter((b[0] for b in batch.blocks), np.int64, n_blocks)
            buf = np.concatenate([carry, inflated]) if carry.size else inflated
            ustart = ustart + carry.size
            first = int(ustart[0]) + (ref.begin & 0xFFFF) if first_batch else 0
            last = int(ustart[-1])
            if batch.finished and ref.end & 0xFFFF:
                last = int(ustart[-2]) + (ref.end & 0xFFFF)
            data = buf[first:last]
            # record starts: those the index knows, and guesses at block starts (htslib starts
            # a new block rather than split a record), which the chain has to confirm
            blk = np.searchsorted(coffsets, known_v >> 16)
            inside = blk < n_blocks
            inside[inside] &= coffsets[blk[inside]] == known_v[inside] >> 16
            known = ustart[blk[inside]] + (known_v[inside] & 0xFFFF) - first
            guess = ustart[:-1] - first
            known = known[(known > 0) & (known < data.size)]
            guess = guess[(guess > 0) & (guess < data.size)]
            starts = np.union1d(np.concatenate([[0], known]), guess)
            try:
                offsets, rest = _record_starts(data, starts)
            except _ChainBroken:  # a guess was wrong (records span blocks): index starts only
                try:
                    offsets, rest = _record_starts(data, np.unique(np.concatenate([[0], known])))
                except _ChainBroken:
                    raise _index_mismatch(path) from None
            try:
                fwd, rev = _positions_from_records(
                    data, offsets, tid, min_mapq=min_mapq, keep_duplicates=keep_duplicates,
                    paired_end=paired_end,
                )  # fmt: skip
            except _ChainBroken:
                raise _index_mismatch(path) from None
            plus.append(fwd)
            minus.append(rev)
            carry = data[rest:].copy()
            first_batch = False
    if carry.size:
        raise ValueError(f"{path}: truncated BAM record at the end of the data of reference {tid}")
    return ReadEnds(_sorted(plus), _sorted(minus))


def _inflate(batch: _Batch, path: Path) -> tuple[_Batch, np.ndarray, np.ndarray]:
    """Inflate the blocks of ``batch``: (batch, uint8 data, int64 start of each block in the data
    followed by the data length)."""
    n = len(batch.blocks)
    sizes = np.fromiter((b[3] for b in batch.blocks), np.int64, n)
    ustart = np.concatenate([[0], np.cumsum(sizes)])
    out = np.empty(int(ustart[-1]), np.uint8)
    view = memoryview(batch.raw)
    for (offset, a, b, isize), at in zip(batch.blocks, ustart[:-1].tolist(), strict=True):
        if not isize:
            continue
        try:
            if _fast_inflate is not None:
                data = _fast_inflate(view[a:b], isize)
            else:
                data = zlib.decompress(view[a:b], -15, isize)
        except (zlib.error, _DeflateError) as err:
            raise ValueError(f"{path}: damaged BGZF block at byte {offset} ({err})") from None
        if len(data) != isize:
            raise ValueError(
                f"{path}: damaged BGZF block at byte {offset} (inflates to {len(data)} bytes, "
                f"its footer says {isize})"
            )
        out[at : at + isize] = np.frombuffer(data, np.uint8)
    return batch, out, ustart


def _sorted(parts: list[np.ndarray]) -> np.ndarray:
    out = np.concatenate(parts).astype(np.int64, copy=False) if parts else np.zeros(0, np.int64)
    if out.size > 1 and np.any(out[1:] < out[:-1]):
        out.sort(kind="stable")  # nearly sorted already: timsort is close to linear here
    return out


def _read_ends_pysam(
    path: Path, chrom: str, *, min_mapq: int, keep_duplicates: bool, paired_end: str
) -> ReadEnds:
    """Reference implementation with pysam (one Python step per read; slow, obvious)."""
    plus, minus = [], []
    with open_bam(path) as bam:
        for read in bam.fetch(chrom):
            flag = read.flag
            if flag & _NEVER or read.mapping_quality < min_mapq:
                continue
            if flag & _DUPLICATE and not keep_duplicates:
                continue
            if paired_end == "midpoint":
                if (flag & (_PAIRED | _PROPER)) != (_PAIRED | _PROPER) or read.tlen == 0:
                    continue
                if read.next_reference_name != chrom:
                    continue
                same = read.next_reference_start == read.reference_start
                if (same and not read.is_read1) or (not same and read.tlen < 0):
                    continue
                where = read.reference_start + abs(read.tlen) // 2
                rev = read.is_reverse if read.is_read1 else read.mate_is_reverse
            else:
                rev = read.is_reverse
                end = read.reference_end
                if end is None or end == read.reference_start:
                    end = read.reference_start + 1
                where = end - 1 if rev else read.reference_start
            (minus if rev else plus).append(where)
    return ReadEnds(_sorted([np.asarray(plus, np.int64)]), _sorted([np.asarray(minus, np.int64)]))


def bam_read_ends(
    path: str | Path,
    chrom: str,
    *,
    min_mapq: int = 0,
    keep_duplicates: bool = False,
    paired_end: str = "5prime",
    engine: str = "numpy",
) -> ReadEnds:
    """Where the reads of one chromosome count: their 5' ends or their fragment midpoints.

    Parameters
    ----------
    path
        A coordinate-sorted BAM file with a ``.bai`` (or ``.csi``) index.
    chrom
        A reference sequence name of the BAM header.
    min_mapq
        Reads with a lower mapping quality are not counted.
    keep_duplicates
        Count reads flagged as duplicates (0x400).
    paired_end
        ``"5prime"``: every read counts at its 5' end -- the first aligned base of a forward read
        (``reference_start``), the last aligned base of a reverse read (``reference_end - 1``);
        soft clips are not part of the alignment. ``"midpoint"``: one count per proper pair (flags
        0x1 and 0x2, mate on the same chromosome, non-zero template length) at
        ``floor((fragment_start + fragment_end) / 2)``, counted from the leftmost mate (positive
        template length; read 1 when both mates start at the same base), on the strand of read 1;
        reads outside proper pairs do not count.
    engine
        ``"numpy"`` (vectorized, the default) or ``"pysam"`` (a per-read loop, for checking).

    Returns
    -------
    ReadEnds
        Sorted int64 0-based positions on the forward and the reverse strand. Unmapped,
        secondary, supplementary and QC-failed reads never count.

    Raises
    ------
    FileNotFoundError
        The BAM or its index is missing (the message says how to index it).
    ValueError
        Unknown ``paired_end`` or ``engine``; ``chrom`` not in the header; a damaged file; a read
        placed past the end of ``chrom`` (its header length), named with its position. Reads that
        only overhang the end are logged as a warning (their positions outside are not counted).

    A BAM with a ``.csi`` index and no ``.bai`` is read by the pysam engine (logged once per file).
    """
    path = Path(path)
    if paired_end not in PAIRED_END_MODES:
        raise ValueError(
            f"unknown paired_end mode {paired_end!r}; expected one of {', '.join(PAIRED_END_MODES)}"
        )
    if not path.exists():
        raise FileNotFoundError(f"BAM file not found: {path}")
    if engine not in ("numpy", "pysam"):
        raise ValueError(f"unknown engine {engine!r}; expected 'numpy' or 'pysam'")
    index = find_bam_index(path)
    with open_bam(path) as bam:
        names = list(bam.references)
        lengths = list(bam.lengths)
    if chrom not in names:
        raise ValueError(f"chromosome {chrom!r} is not in the header of {path} (has {names[:5]})")
    kwargs = {
        "min_mapq": int(min_mapq),
        "keep_duplicates": keep_duplicates,
        "paired_end": paired_end,
    }
    if engine == "numpy" and index.suffix == ".csi":
        _note_csi(path)
        engine = "pysam"
    if engine == "numpy":
        ends = _read_ends_numpy(path, names.index(chrom), **kwargs)
    else:
        ends = _read_ends_pysam(path, chrom, **kwargs)
    _check_within_chromosome(path, chrom, lengths[names.index(chrom)], ends, paired_end)
    return ends

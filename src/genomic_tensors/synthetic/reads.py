"""Read layer of the synthetic demo world: sequencing libraries as columnar SAM records.

Positions are 0-based (written 1-based in SAM); a read's 5' end is its first aligned base on the
forward strand and its last aligned base on the reverse strand. Everything is vectorized with numpy;
:func:`.writers.write_bam` turns the records into a BAM file.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from .sequence import N_CODE

# SAM flag bits
PAIRED, PROPER, UNMAPPED, MATE_UNMAPPED = 0x1, 0x2, 0x4, 0x8
REVERSE, MATE_REVERSE, READ1, READ2 = 0x10, 0x20, 0x40, 0x80
SECONDARY, QCFAIL, DUPLICATE, SUPPLEMENTARY = 0x100, 0x200, 0x400, 0x800


@dataclass(frozen=True)
class Template:
    """A CIGAR with the reference offset of every query base (``int64 (read_length,)``)."""

    cigar: str
    offsets: np.ndarray
    mismatch: np.ndarray  # bool (read_length,): query bases that differ from the reference
    span: int  # reference bases covered


def cigar_templates(length: int) -> list[Template]:
    """The CIGARs used for reads of ``length`` bases: full match first, then clips/indels/supplementary."""
    r = np.arange(length)
    half = length // 2
    clip_l, clip_r = 3, 4
    no = np.zeros(length, dtype=bool)
    deletion = np.where(r < half, r, r + 2)
    insertion = np.where(r <= half, np.minimum(r, half - 1), r - 1)
    ins_mm = r == half
    return [
        Template(f"{length}M", r, no, length),
        Template(f"{clip_l}S{length - clip_l}M", r - clip_l, r < clip_l, length - clip_l),
        Template(f"{length - clip_r}M{clip_r}S", r, r >= length - clip_r, length - clip_r),
        Template(f"{half}M2D{length - half}M", deletion, no, length + 2),
        Template(f"{half}M1I{length - half - 1}M", insertion, ins_mm, length - 1),
        Template(f"{half}S{length - half}M", r - half, r < half, length - half),  # supplementary
    ]


FULL, CLIP_LEFT, CLIP_RIGHT, DELETION, INSERTION, SUPPLEMENT = range(6)


@dataclass
class Alignments:
    """Columnar SAM records, one row per line. ``tid``/``rnext`` -1 mean '*'; ``pos``/``pnext`` 0-based."""

    qname: np.ndarray  # int64 read (pair) number, formatted with the library prefix
    flag: np.ndarray
    tid: np.ndarray
    pos: np.ndarray
    mapq: np.ndarray
    cigar: np.ndarray  # template index, -1 for '*'
    rnext: np.ndarray
    pnext: np.ndarray
    tlen: np.ndarray

    def __len__(self) -> int:
        return len(self.flag)

    def take(self, idx: np.ndarray) -> Alignments:
        """Rows ``idx`` as a new set of records."""
        return Alignments(**{f.name: getattr(self, f.name)[idx] for f in fields(self)})

    @staticmethod
    def concat(parts: list[Alignments]) -> Alignments:
        """All rows of ``parts`` in order."""
        return Alignments(
            **{
                f.name: np.concatenate([getattr(p, f.name) for p in parts])
                for f in fields(Alignments)
            }
        )


@dataclass(frozen=True)
class Artefacts:
    """Fractions (of primary reads or pairs) of the flag classes added to every library."""

    duplicate: float = 0.03
    secondary: float = 0.01
    supplementary: float = 0.005
    qcfail: float = 0.01
    unmapped: float = 0.01
    clip: float = 0.02
    indel: float = 0.01
    improper: float = 0.01  # paired-end only
    mate_unmapped: float = 0.01  # paired-end only


def _templates_for(rng: np.random.Generator, n: int, art: Artefacts) -> np.ndarray:
    p = np.array(
        [1 - art.clip - art.indel, art.clip / 2, art.clip / 2, art.indel / 2, art.indel / 2]
    )
    return rng.choice(5, size=n, p=p / p.sum())


class Genome:
    """Concatenated base codes with chromosome offsets, for fast read-sequence lookup."""

    def __init__(self, genome: dict[str, np.ndarray]):
        self.names = list(genome)
        self.sizes = np.array([len(v) for v in genome.values()], dtype=np.int64)
        self.starts = np.concatenate([[0], np.cumsum(self.sizes)[:-1]]).astype(np.int64)
        self.flat = np.concatenate(list(genome.values()))
        self.tid = {name: i for i, name in enumerate(self.names)}

    def valid(self, tid: np.ndarray, pos: np.ndarray, span: np.ndarray) -> np.ndarray:
        """Whether each alignment ``[pos, pos + span)`` lies inside its chromosome and starts and ends
        on a base other than N (bool)."""
        inside = (pos >= 0) & (pos + span <= self.sizes[tid])
        safe_pos = np.where(inside, pos, 0)
        safe_end = np.where(inside, pos + span - 1, 0)
        flat, starts = self.flat, self.starts
        return (
            inside
            & (flat[starts[tid] + safe_pos] != N_CODE)
            & (flat[starts[tid] + safe_end] != N_CODE)
        )


def template_spans(read_length: int) -> np.ndarray:
    """Reference bases covered by each of :func:`cigar_templates`, by template index."""
    return np.array([t.span for t in cigar_templates(read_length)])


def single_end(
    rng: np.random.Generator,
    genome: Genome,
    tid: np.ndarray,
    five: np.ndarray,
    reverse: np.ndarray,
    mapq: np.ndarray,
    read_length: int,
    art: Artefacts,
) -> Alignments:
    """A single-end library from read 5' ends, plus duplicates, secondary, supplementary, QC-failed and
    unmapped reads. Reads falling off a chromosome or on N are dropped.

    ``tid``, ``five`` (0-based 5' end), ``reverse`` (bool), ``mapq`` are arrays of one length.
    """
    spans = template_spans(read_length)
    cig = _templates_for(rng, len(tid), art)
    pos = np.where(reverse, five - spans[cig] + 1, five)
    ok = genome.valid(tid, pos, spans[cig])
    tid, pos, cig, reverse, mapq = tid[ok], pos[ok], cig[ok], reverse[ok], mapq[ok]
    n = len(tid)
    none = np.full(n, -1, dtype=np.int64)
    zero = np.zeros(n, dtype=np.int64)
    prim = Alignments(
        np.arange(n), np.where(reverse, REVERSE, 0), tid, pos, mapq, cig, none, none, zero
    )
    parts, next_name = _artefacts(rng, genome, [prim], np.arange(n), art, spans)
    n_un = round(art.unmapped * n)
    parts.append(_unmapped(np.arange(next_name, next_name + n_un), UNMAPPED))
    return Alignments.concat([prim] + parts)


def paired_end(
    rng: np.random.Generator,
    genome: Genome,
    tid: np.ndarray,
    frag_start: np.ndarray,
    frag_length: np.ndarray,
    mapq: np.ndarray,
    read_length: int,
    art: Artefacts,
) -> Alignments:
    """A paired-end library from fragments ``[frag_start, frag_start + frag_length)``.

    Most pairs are proper (FR orientation, flags 99/147 or 83/163); a fraction have the mate on
    another chromosome (not proper), one mate unmapped (placed at its mate), are duplicates or
    QC-failed; some mates get a secondary or supplementary record; some pairs are unmapped and
    unplaced (at the end of the file). Fragments shorter than ``read_length`` are lengthened.
    """
    spans = template_spans(read_length)
    frag_length = np.maximum(frag_length, read_length + 10)
    n = len(tid)
    cig_f = _templates_for(rng, n, art)
    cig_r = _templates_for(rng, n, art)
    pos_f = frag_start
    pos_r = frag_start + frag_length - spans[cig_r]
    ok = genome.valid(tid, pos_f, spans[cig_f]) & genome.valid(tid, pos_r, spans[cig_r])
    fwd, rev = _proper_pairs(
        rng, tid[ok], pos_f[ok], pos_r[ok], cig_f[ok], cig_r[ok], mapq[ok], spans
    )
    n = len(fwd)
    kind = rng.random(n)
    improper = kind < art.improper
    mate_un = (kind >= art.improper) & (kind < art.improper + art.mate_unmapped)
    if improper.any() and len(genome.names) > 1:
        _move_reverse_mates(rng, genome, fwd, rev, np.flatnonzero(improper), read_length, spans)
    _unmap_reverse_mates(fwd, rev, np.flatnonzero(mate_un))
    proper = np.flatnonzero(~improper & ~mate_un)
    parts, next_name = _artefacts(rng, genome, [fwd, rev], proper, art, spans)
    n_un = round(art.unmapped * n)
    un_names = np.arange(next_name, next_name + n_un)
    for read in (READ1, READ2):
        parts.append(_unmapped(un_names.copy(), PAIRED | UNMAPPED | MATE_UNMAPPED | read))
    return Alignments.concat([fwd, rev] + parts)


def _proper_pairs(
    rng: np.random.Generator,
    tid: np.ndarray,
    pos_f: np.ndarray,
    pos_r: np.ndarray,
    cig_f: np.ndarray,
    cig_r: np.ndarray,
    mapq: np.ndarray,
    spans: np.ndarray,
) -> tuple[Alignments, Alignments]:
    """Forward and reverse mates of proper FR pairs; read 1 is the forward mate in half of them.

    The mates share arrays (a mate's ``pnext`` is the other's ``pos``), so that moving one mate
    moves its mate's pointer too.
    """
    n = len(tid)
    first_fwd = rng.random(n) < 0.5
    tlen = pos_r + spans[cig_r] - pos_f
    names = np.arange(n)
    fwd_flag = PAIRED | PROPER | MATE_REVERSE | np.where(first_fwd, READ1, READ2)
    rev_flag = PAIRED | PROPER | REVERSE | np.where(first_fwd, READ2, READ1)
    mapq_r = np.where(rng.random(n) < 0.9, mapq, rng.integers(0, 60, n))
    fwd = Alignments(names, fwd_flag, tid, pos_f, mapq, cig_f, tid.copy(), pos_r, tlen)
    rev = Alignments(
        names.copy(), rev_flag, tid.copy(), pos_r, mapq_r, cig_r, tid.copy(), pos_f, -tlen
    )
    return fwd, rev


def _move_reverse_mates(
    rng: np.random.Generator,
    genome: Genome,
    fwd: Alignments,
    rev: Alignments,
    i: np.ndarray,
    read_length: int,
    spans: np.ndarray,
) -> None:
    """Make pairs ``i`` improper: their reverse mate maps to another chromosome (where it can)."""
    n_chrom = len(genome.names)
    other = (fwd.tid[i] + 1 + rng.integers(0, n_chrom - 1, len(i))) % n_chrom
    new_pos = (rng.random(len(i)) * (genome.sizes[other] - 2 * read_length)).astype(
        np.int64
    ) + read_length
    good = genome.valid(other, new_pos, spans[rev.cigar[i]])
    i, other, new_pos = i[good], other[good], new_pos[good]
    rev.tid[i], rev.pos[i], rev.rnext[i], rev.pnext[i] = other, new_pos, fwd.tid[i], fwd.pos[i]
    fwd.rnext[i], fwd.pnext[i] = other, new_pos
    fwd.tlen[i] = 0
    rev.tlen[i] = 0
    fwd.flag[i] &= ~PROPER
    rev.flag[i] &= ~PROPER


def _unmap_reverse_mates(fwd: Alignments, rev: Alignments, i: np.ndarray) -> None:
    """Unmap the reverse mate of pairs ``i``, placed at its forward mate."""
    pos_f = fwd.pos
    fwd.flag[i] = (fwd.flag[i] & ~(PROPER | MATE_REVERSE)) | MATE_UNMAPPED
    fwd.pnext[i] = pos_f[i]
    fwd.tlen[i] = 0
    rev.flag[i] = (rev.flag[i] & ~(PROPER | REVERSE)) | UNMAPPED
    rev.pos[i], rev.pnext[i], rev.cigar[i], rev.mapq[i], rev.tlen[i] = pos_f[i], pos_f[i], -1, 0, 0


def _artefacts(
    rng: np.random.Generator,
    genome: Genome,
    mates: list[Alignments],
    pool: np.ndarray,
    art: Artefacts,
    spans: np.ndarray,
) -> tuple[list[Alignments], int]:
    """Duplicate and QC-failed copies of reads (pairs) drawn from ``pool``, and secondary and
    supplementary records of first mates elsewhere on the same chromosome.

    ``mates`` holds the primary records, one set per mate, with names ``0..n-1``; fractions are of
    ``n``. Returns the new records and the next free name.
    """
    n = len(mates[0])
    parts = []
    next_name = n
    for frac, bit in ((art.duplicate, DUPLICATE), (art.qcfail, QCFAIL)):
        idx = _pick(rng, pool, frac * n)
        for records in mates:
            rows = records.take(idx)
            rows.qname = np.arange(next_name, next_name + len(idx))
            rows.flag = rows.flag | bit
            parts.append(rows)
        next_name += len(idx)
    for frac, bit, template in (
        (art.secondary, SECONDARY, FULL),
        (art.supplementary, SUPPLEMENTARY, SUPPLEMENT),
    ):
        idx = _pick(rng, pool, frac * n)
        rows = mates[0].take(idx)
        rows.flag = rows.flag | bit
        rows.flag &= ~PROPER if bit == SECONDARY else ~0
        rows.cigar = np.full(len(idx), template)
        rows.pos = rows.pos + rng.integers(-20_000, 20_000, size=len(idx))
        rows.mapq = (
            np.zeros(len(idx), dtype=np.int64)
            if bit == SECONDARY
            else rng.integers(5, 40, len(idx))
        )
        keep = genome.valid(rows.tid, rows.pos, spans[rows.cigar])
        parts.append(rows.take(np.flatnonzero(keep)))
    return parts, next_name


def _pick(rng: np.random.Generator, pool: np.ndarray, size: float) -> np.ndarray:
    """``round(size)`` distinct elements of ``pool``, sorted."""
    if not len(pool):
        return np.zeros(0, int)
    return np.sort(rng.choice(pool, size=round(size), replace=False))


def _unmapped(names: np.ndarray, flag: int) -> Alignments:
    """Unmapped, unplaced records ``names`` with ``flag``."""
    n = len(names)
    minus = np.full(n, -1, dtype=np.int64)
    zero = np.zeros(n, dtype=np.int64)
    return Alignments(names, np.full(n, flag), minus, minus, zero, minus, minus, minus, zero)

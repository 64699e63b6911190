"""Read layer of the synthetic demo world: sequencing libraries as columnar records, BAM and bigWig.

Private helper of :mod:`genomic_tensors.synthetic`. Positions are 0-based (written 1-based in SAM);
a read's 5' end is its first aligned base on the forward strand and its last aligned base on the
reverse strand. Everything is vectorized with numpy; SAM text is joined in bulk and converted to
BAM by samtools (through pysam) without an extra ``@PG`` line, so the output is byte-identical for a
given seed.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path

import numpy as np
import pyBigWig
import pysam

from ._synthetic_seq import BASES, N_CODE

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


def _valid(
    tid: np.ndarray,
    pos: np.ndarray,
    span: np.ndarray,
    sizes: np.ndarray,
    starts: np.ndarray,
    flat: np.ndarray,
) -> np.ndarray:
    inside = (pos >= 0) & (pos + span <= sizes[tid])
    safe_pos = np.where(inside, pos, 0)
    safe_end = np.where(inside, pos + span - 1, 0)
    return (
        inside & (flat[starts[tid] + safe_pos] != N_CODE) & (flat[starts[tid] + safe_end] != N_CODE)
    )


class Genome:
    """Concatenated base codes with chromosome offsets, for fast read-sequence lookup."""

    def __init__(self, genome: dict[str, np.ndarray]):
        self.names = list(genome)
        self.sizes = np.array([len(v) for v in genome.values()], dtype=np.int64)
        self.starts = np.concatenate([[0], np.cumsum(self.sizes)[:-1]]).astype(np.int64)
        self.flat = np.concatenate(list(genome.values()))
        self.tid = {name: i for i, name in enumerate(self.names)}


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
    temps = cigar_templates(read_length)
    spans = np.array([t.span for t in temps])
    cig = _templates_for(rng, len(tid), art)
    pos = np.where(reverse, five - spans[cig] + 1, five)
    ok = _valid(tid, pos, spans[cig], genome.sizes, genome.starts, genome.flat)
    tid, pos, cig, reverse, mapq = tid[ok], pos[ok], cig[ok], reverse[ok], mapq[ok]
    n = len(tid)
    none = np.full(n, -1, dtype=np.int64)
    prim = Alignments(
        np.arange(n),
        np.where(reverse, REVERSE, 0),
        tid,
        pos,
        mapq,
        cig,
        none,
        none,
        np.zeros(n, dtype=np.int64),
    )
    parts = [prim]
    next_name = n

    def copies(frac: float) -> tuple[Alignments, np.ndarray]:
        nonlocal next_name
        idx = (
            np.sort(rng.choice(n, size=int(round(frac * n)), replace=False))
            if n
            else np.zeros(0, int)
        )
        rows = prim.take(idx)
        rows.qname = np.arange(next_name, next_name + len(idx))
        next_name += len(idx)
        return rows, idx

    dup, _ = copies(art.duplicate)
    dup.flag = dup.flag | DUPLICATE
    parts.append(dup)
    qc, _ = copies(art.qcfail)
    qc.flag = qc.flag | QCFAIL
    parts.append(qc)
    # secondary / supplementary: extra records of existing reads, elsewhere on the same chromosome
    for frac, bit, template in (
        (art.secondary, SECONDARY, FULL),
        (art.supplementary, SUPPLEMENTARY, SUPPLEMENT),
    ):
        idx = (
            np.sort(rng.choice(n, size=int(round(frac * n)), replace=False))
            if n
            else np.zeros(0, int)
        )
        rows = prim.take(idx)
        rows.flag = rows.flag | bit
        rows.cigar = np.full(len(idx), template)
        rows.pos = rows.pos + rng.integers(-20_000, 20_000, size=len(idx))
        rows.mapq = (
            np.zeros(len(idx), dtype=np.int64)
            if bit == SECONDARY
            else rng.integers(5, 40, len(idx))
        )
        keep = _valid(
            rows.tid, rows.pos, spans[rows.cigar], genome.sizes, genome.starts, genome.flat
        )
        parts.append(rows.take(np.flatnonzero(keep)))
    n_un = int(round(art.unmapped * n))
    minus = np.full(n_un, -1, dtype=np.int64)
    parts.append(
        Alignments(
            np.arange(next_name, next_name + n_un),
            np.full(n_un, UNMAPPED),
            minus,
            minus,
            np.zeros(n_un, dtype=np.int64),
            minus,
            minus,
            minus,
            np.zeros(n_un, dtype=np.int64),
        )
    )
    return Alignments.concat(parts)


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
    temps = cigar_templates(read_length)
    spans = np.array([t.span for t in temps])
    frag_length = np.maximum(frag_length, read_length + 10)
    n = len(tid)
    cig_f = _templates_for(rng, n, art)
    cig_r = _templates_for(rng, n, art)
    pos_f = frag_start
    pos_r = frag_start + frag_length - spans[cig_r]
    ok = _valid(tid, pos_f, spans[cig_f], genome.sizes, genome.starts, genome.flat) & _valid(
        tid, pos_r, spans[cig_r], genome.sizes, genome.starts, genome.flat
    )
    tid, pos_f, pos_r, cig_f, cig_r, mapq = (
        tid[ok],
        pos_f[ok],
        pos_r[ok],
        cig_f[ok],
        cig_r[ok],
        mapq[ok],
    )
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

    kind = rng.random(n)
    improper = kind < art.improper
    mate_un = (kind >= art.improper) & (kind < art.improper + art.mate_unmapped)
    # improper pairs: the reverse mate maps to another chromosome
    if improper.any() and len(genome.names) > 1:
        i = np.flatnonzero(improper)
        other = (tid[i] + 1 + rng.integers(0, len(genome.names) - 1, len(i))) % len(genome.names)
        new_pos = (rng.random(len(i)) * (genome.sizes[other] - 2 * read_length)).astype(
            np.int64
        ) + read_length
        good = _valid(other, new_pos, spans[cig_r[i]], genome.sizes, genome.starts, genome.flat)
        i, other, new_pos = i[good], other[good], new_pos[good]
        rev.tid[i], rev.pos[i], rev.rnext[i], rev.pnext[i] = other, new_pos, tid[i], pos_f[i]
        fwd.rnext[i], fwd.pnext[i] = other, new_pos
        fwd.tlen[i] = 0
        rev.tlen[i] = 0
        fwd.flag[i] &= ~PROPER
        rev.flag[i] &= ~PROPER
    # one mate unmapped: the reverse mate, placed at the forward mate
    i = np.flatnonzero(mate_un)
    fwd.flag[i] = (fwd.flag[i] & ~(PROPER | MATE_REVERSE)) | MATE_UNMAPPED
    fwd.pnext[i] = pos_f[i]
    fwd.tlen[i] = 0
    rev.flag[i] = (rev.flag[i] & ~(PROPER | REVERSE)) | UNMAPPED
    rev.pos[i], rev.pnext[i], rev.cigar[i], rev.mapq[i], rev.tlen[i] = pos_f[i], pos_f[i], -1, 0, 0

    parts = [fwd, rev]
    next_name = n
    proper = np.flatnonzero(~improper & ~mate_un)
    for frac, bit in ((art.duplicate, DUPLICATE), (art.qcfail, QCFAIL)):
        idx = np.sort(rng.choice(proper, size=int(round(frac * n)), replace=False))
        for mates in (fwd, rev):
            rows = mates.take(idx)
            rows.qname = np.arange(next_name, next_name + len(idx))
            rows.flag = rows.flag | bit
            parts.append(rows)
        next_name += len(idx)
    for frac, bit, template in (
        (art.secondary, SECONDARY, FULL),
        (art.supplementary, SUPPLEMENTARY, SUPPLEMENT),
    ):
        idx = np.sort(rng.choice(proper, size=int(round(frac * n)), replace=False))
        rows = fwd.take(idx)
        rows.flag = rows.flag | bit
        rows.flag &= ~PROPER if bit == SECONDARY else ~0
        rows.cigar = np.full(len(idx), template)
        rows.pos = rows.pos + rng.integers(-20_000, 20_000, size=len(idx))
        rows.mapq = (
            np.zeros(len(idx), dtype=np.int64)
            if bit == SECONDARY
            else rng.integers(5, 40, len(idx))
        )
        keep = _valid(
            rows.tid, rows.pos, spans[rows.cigar], genome.sizes, genome.starts, genome.flat
        )
        parts.append(rows.take(np.flatnonzero(keep)))
    n_un = int(round(art.unmapped * n))
    minus = np.full(n_un, -1, dtype=np.int64)
    zero = np.zeros(n_un, dtype=np.int64)
    un_names = np.arange(next_name, next_name + n_un)
    for bits in (
        PAIRED | UNMAPPED | MATE_UNMAPPED | READ1,
        PAIRED | UNMAPPED | MATE_UNMAPPED | READ2,
    ):
        parts.append(
            Alignments(
                un_names.copy(), np.full(n_un, bits), minus, minus, zero, minus, minus, minus, zero
            )
        )
    return Alignments.concat(parts)


def write_bam(
    path: Path,
    aln: Alignments,
    genome: Genome,
    read_length: int,
    prefix: str,
    read_group: dict[str, str],
    program: dict[str, str],
    rng: np.random.Generator,
    tmpdir: Path,
) -> None:
    """Sort records by coordinate (unplaced last), write SAM text in bulk, convert to BAM and index.

    The header has ``@HD VN:1.6 SO:coordinate``, one ``@SQ`` per chromosome, one ``@RG`` (every
    record carries ``RG:Z``) and one ``@PG``; samtools adds no ``@PG`` of its own.
    """
    temps = cigar_templates(read_length)
    tid_key = np.where(aln.tid < 0, len(genome.names), aln.tid)
    order = np.lexsort((np.arange(len(aln)), aln.flag, aln.pos, tid_key))
    aln = aln.take(order)
    n = len(aln)
    # sequences: reference bases under each query base; unmapped records get random bases
    offsets = np.stack([t.offsets for t in temps] + [np.zeros(read_length, dtype=np.int64)])
    mism = np.stack([t.mismatch for t in temps] + [np.zeros(read_length, dtype=bool)])
    cig = np.where(aln.cigar < 0, len(temps), aln.cigar)
    placed = aln.tid >= 0
    tid0 = np.where(placed, aln.tid, 0)
    pos0 = np.where(placed, aln.pos, 0)
    idx = pos0[:, None] + offsets[cig]
    idx = np.clip(idx, 0, genome.sizes[tid0][:, None] - 1) + genome.starts[tid0][:, None]
    codes = genome.flat[idx]
    codes = np.where(mism[cig] & (codes < N_CODE), (codes + 1) % 4, codes).astype(np.uint8)
    random_rows = aln.cigar < 0
    codes[random_rows] = rng.integers(
        0, 4, size=(int(random_rows.sum()), read_length), dtype=np.uint8
    )
    seq = BASES[codes].view(f"S{read_length}").ravel().astype(f"U{read_length}").tolist()

    cigar_str = np.array([t.cigar for t in temps] + ["*"])[cig].tolist()
    names = np.array(genome.names + ["*"])
    rname = names[np.where(placed, aln.tid, len(genome.names))]
    rnext = np.where(
        aln.rnext < 0, "*", np.where(aln.rnext == aln.tid, "=", names[np.maximum(aln.rnext, 0)])
    )
    width = max(len(str(int(aln.qname.max()))) if n else 1, 7)
    qname = [f"{prefix}.{q:0{width}d}" for q in aln.qname.tolist()]
    qual = "I" * read_length
    rg = f"RG:Z:{read_group['ID']}"
    columns = [
        qname,
        aln.flag.astype(str).tolist(),
        rname.tolist(),
        (np.where(placed, aln.pos, -1) + 1).astype(str).tolist(),
        aln.mapq.astype(str).tolist(),
        cigar_str,
        rnext.tolist(),
        (np.where(aln.rnext < 0, -1, aln.pnext) + 1).astype(str).tolist(),
        aln.tlen.astype(str).tolist(),
        seq,
    ]
    header = ["@HD\tVN:1.6\tSO:coordinate"]
    header += [f"@SQ\tSN:{c}\tLN:{s}" for c, s in zip(genome.names, genome.sizes.tolist())]
    header.append("@RG\t" + "\t".join(f"{k}:{v}" for k, v in read_group.items()))
    header.append("@PG\t" + "\t".join(f"{k}:{v}" for k, v in program.items()))
    sam = Path(tmpdir) / (Path(path).name + ".sam")
    with open(sam, "w") as handle:
        handle.write("\n".join(header) + "\n")
        if n:
            handle.write("\n".join("\t".join(row) + f"\t{qual}\t{rg}" for row in zip(*columns)))
            handle.write("\n")
    pysam.view("-b", "--no-PG", "-o", str(path), str(sam), catch_stdout=False)
    pysam.index(str(path))
    sam.unlink()


def write_bigwig(
    path: Path, sizes: dict[str, int], values: dict[str, np.ndarray], step: int
) -> None:
    """Write fixed-step signal as bigWig.

    ``values[chrom]`` holds one value per ``step``-bp bin, ``ceil(size / step)`` of them (the last
    bin may be shorter than ``step``); chromosomes without values are left empty.
    """
    bw = pyBigWig.open(str(path), "w")
    try:
        bw.addHeader([(c, int(s)) for c, s in sizes.items()], maxZooms=4)
        for chrom, size in sizes.items():
            if chrom not in values:
                continue
            vals = np.asarray(values[chrom], dtype=np.float64)
            n_full = size // step
            if n_full:
                bw.addEntries(chrom, 0, values=vals[:n_full].tolist(), span=step, step=step)
            if size % step and len(vals) > n_full:
                bw.addEntries(
                    [chrom], [n_full * step], ends=[int(size)], values=[float(vals[n_full])]
                )
    finally:
        bw.close()

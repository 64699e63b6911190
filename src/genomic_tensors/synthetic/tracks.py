"""Track files of the synthetic demo world: BAM from columnar SAM records, and bigWig.

SAM text is joined in bulk and converted to BAM by samtools (through pysam) without an extra ``@PG``
line, so the output is byte-identical for a given seed.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyBigWig
import pysam

from .reads import Alignments, Genome, Template, cigar_templates
from .sequence import BASES, N_CODE


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
    cig = np.where(aln.cigar < 0, len(temps), aln.cigar)  # template index, len(temps) for '*'
    seq = _read_sequences(aln, cig, genome, temps, read_length, rng)
    columns = _sam_columns(aln, cig, genome, temps, prefix) + [seq]
    header = ["@HD\tVN:1.6\tSO:coordinate"]
    header += [f"@SQ\tSN:{c}\tLN:{s}" for c, s in zip(genome.names, genome.sizes.tolist())]
    header.append("@RG\t" + "\t".join(f"{k}:{v}" for k, v in read_group.items()))
    header.append("@PG\t" + "\t".join(f"{k}:{v}" for k, v in program.items()))
    tail = f"\t{'I' * read_length}\tRG:Z:{read_group['ID']}"  # QUAL and the read group tag
    sam = Path(tmpdir) / (Path(path).name + ".sam")
    with open(sam, "w") as handle:
        handle.write("\n".join(header) + "\n")
        if len(aln):
            handle.write("\n".join("\t".join(row) + tail for row in zip(*columns)))
            handle.write("\n")
    pysam.view("-b", "--no-PG", "-o", str(path), str(sam), catch_stdout=False)
    pysam.index(str(path))
    sam.unlink()


def _read_sequences(
    aln: Alignments,
    cig: np.ndarray,
    genome: Genome,
    temps: list[Template],
    read_length: int,
    rng: np.random.Generator,
) -> list[str]:
    """SEQ of each record: the reference bases under its query bases (changed where the template
    has a mismatch); unmapped records get random bases."""
    offsets = np.stack([t.offsets for t in temps] + [np.zeros(read_length, dtype=np.int64)])
    mism = np.stack([t.mismatch for t in temps] + [np.zeros(read_length, dtype=bool)])
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
    return BASES[codes].view(f"S{read_length}").ravel().astype(f"U{read_length}").tolist()


def _sam_columns(
    aln: Alignments, cig: np.ndarray, genome: Genome, temps: list[Template], prefix: str
) -> list[list[str]]:
    """SAM columns QNAME to TLEN as text, one list per column."""
    placed = aln.tid >= 0
    names = np.array(genome.names + ["*"])
    rname = names[np.where(placed, aln.tid, len(genome.names))]
    rnext = np.where(
        aln.rnext < 0, "*", np.where(aln.rnext == aln.tid, "=", names[np.maximum(aln.rnext, 0)])
    )
    width = max(len(str(int(aln.qname.max()))) if len(aln) else 1, 7)
    return [
        [f"{prefix}.{q:0{width}d}" for q in aln.qname.tolist()],
        aln.flag.astype(str).tolist(),
        rname.tolist(),
        (np.where(placed, aln.pos, -1) + 1).astype(str).tolist(),
        aln.mapq.astype(str).tolist(),
        np.array([t.cigar for t in temps] + ["*"])[cig].tolist(),
        rnext.tolist(),
        (np.where(aln.rnext < 0, -1, aln.pnext) + 1).astype(str).tolist(),
        aln.tlen.astype(str).tolist(),
    ]


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

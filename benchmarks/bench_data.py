"""Throughput and memory of the data layer, against naive baselines measured in the same run.

Run by hand (not a test)::

    .venv/bin/python benchmarks/bench_data.py            # every benchmark
    .venv/bin/python benchmarks/bench_data.py bioseq --mbp 50

Each ``bench_*`` function builds its own synthetic inputs in a temporary folder and prints one
table; nothing is downloaded.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd
import pysam

from genomic_tensors.sequence import Bioseq


# ----------------------------------------------------------------------------------------------
# Bioseq
# ----------------------------------------------------------------------------------------------
def write_random_fasta(
    folder: Path, length: int, seed: int = 0, n_fraction: float = 0.01
) -> Path:
    """One chromosome ``chrS`` of uniform random ACGT with ``n_fraction`` N, as ``synthetic.fa`` + .fai."""
    rng = np.random.default_rng(seed)
    letters = np.frombuffer(b"ACGTN", dtype=np.uint8)
    acgt = (1.0 - n_fraction) / 4
    codes = rng.choice(5, size=length, p=[acgt, acgt, acgt, acgt, n_fraction])
    seq = letters[codes].tobytes()
    path = folder / "synthetic.fa"
    with open(path, "wb") as handle:
        handle.write(b">chrS\n")
        for i in range(0, length, 60):
            handle.write(seq[i : i + 60] + b"\n")
    pysam.faidx(str(path))
    return path


def _naive_one_hot(sequence: str, starts: np.ndarray, width: int, order: int) -> list:
    """Baseline: per-window Python loop with a dict from k-mer to channel."""
    kmers = ["".join(p) for p in _product("ACGT", order)]
    index = {k: i for i, k in enumerate(kmers)}
    out = []
    for start in starts:
        window = sequence[start : start + width].upper()
        rows = np.zeros((width - order + 1, len(kmers)), dtype=np.float32)
        for p in range(width - order + 1):
            channel = index.get(window[p : p + order])
            if channel is not None:
                rows[p, channel] = 1.0
        out.append(rows)
    return out


def _product(letters: str, order: int) -> list[tuple[str, ...]]:
    from itertools import product

    return list(product(letters, repeat=order))


def bench_bioseq(mbp: float = 50.0, window: int = 500, batch: int = 128) -> None:
    """Bioseq: one-hot expansion speed (orders 1-3) vs a per-window Python loop, peak memory of
    the build and bytes per base held by the object."""
    length = int(mbp * 1e6)
    with tempfile.TemporaryDirectory() as tmp:
        fasta = write_random_fasta(Path(tmp), length)
        roi = pd.DataFrame({"chrom": ["chrS"], "start": [0], "end": [length], "strand": ["+"]})
        sequence = pysam.FastaFile(str(fasta)).fetch("chrS")
        print(
            f"Bioseq: synthetic {mbp:g} Mbp chromosome, {window}-bp windows, batches of {batch}; "
            "rates per CPU second, peak = traced allocations during the build"
        )
        print(
            f"{'order':>5} {'build s':>8} {'peak MiB':>9} {'bytes/base':>10} "
            f"{'one-hot Mbp/s':>14} {'codes Mbp/s':>12} {'naive Mbp/s':>12} {'speed-up':>9}"
        )
        for order in (1, 2, 3):
            tracemalloc.start()
            t0 = time.perf_counter()
            seq = Bioseq.from_fasta(fasta, roi, binsize=window, order=order)
            build = time.perf_counter() - t0
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            n = len(seq)
            # CPU time of this process: stable on a machine shared with other jobs
            t0 = time.process_time()
            for a in range(0, n, batch):
                seq[a : a + batch]
            expand = time.process_time() - t0
            t0 = time.process_time()
            for a in range(0, n, batch):
                seq.codes[a : a + batch]
            codes = time.process_time() - t0
            n_naive = min(n, 400)
            starts = seq.regions["start"].to_numpy()[:n_naive]
            t0 = time.process_time()
            naive = _naive_one_hot(sequence, starts, window, order)
            naive_s = time.process_time() - t0
            assert np.array_equal(np.stack(naive), seq[:n_naive]), "naive and Bioseq disagree"
            rate = n * window / expand / 1e6
            naive_rate = n_naive * window / naive_s / 1e6
            print(
                f"{order:>5} {build:>8.2f} {peak / 2**20:>9.1f} {seq.nbytes / length:>10.3f} "
                f"{rate:>14.1f} {n * window / codes / 1e6:>12.1f} {naive_rate:>12.2f} "
                f"{rate / naive_rate:>8.0f}x"
            )
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"process peak RSS {rss:.0f} MiB (includes the {mbp:g} Mbp test string)")


# ----------------------------------------------------------------------------------------------
# Cover: BAM and bigWig
# ----------------------------------------------------------------------------------------------
def _write_synthetic_bam(folder: Path, length: int, n_reads: int, seed: int = 0) -> Path:
    """A coordinate-sorted, indexed BAM of 36-bp single-end reads on one chromosome.

    Read sequences are taken from a random genome (so the file compresses like real data);
    half the reads are reverse, 2% flagged duplicates, a few with soft clips or deletions.
    Written as SAM text piped through ``samtools view -b``.
    """
    import subprocess

    rng = np.random.default_rng(seed)
    genome = np.frombuffer(b"ACGT", np.uint8)[rng.integers(0, 4, length + 64)].tobytes().decode()
    pos = np.sort(rng.integers(0, length - 64, n_reads))
    flag = np.where(rng.random(n_reads) < 0.5, 16, 0)
    flag[rng.random(n_reads) < 0.02] |= 1024
    mapq = rng.integers(0, 61, n_reads)
    cigars = np.array(["36M", "2S34M", "20M1D16M"])[rng.choice(3, n_reads, p=[0.9, 0.05, 0.05])]
    qual = "I" * 36
    path = folder / "synthetic.bam"
    proc = subprocess.Popen(
        ["samtools", "view", "-b", "-o", str(path), "-"], stdin=subprocess.PIPE, text=True
    )
    assert proc.stdin is not None
    proc.stdin.write(f"@HD\tVN:1.6\tSO:coordinate\n@SQ\tSN:chrS\tLN:{length}\n")
    chunk = 200_000
    for lo in range(0, n_reads, chunk):
        hi = min(n_reads, lo + chunk)
        proc.stdin.writelines(
            f"r{i}\t{f}\tchrS\t{p + 1}\t{q}\t{c}\t*\t0\t0\t{genome[p : p + 36]}\t{qual}\n"
            for i, f, p, q, c in zip(
                range(lo, hi), flag[lo:hi].tolist(), pos[lo:hi].tolist(), mapq[lo:hi].tolist(),
                cigars[lo:hi].tolist(), strict=True,
            )
        )  # fmt: skip
    proc.stdin.close()
    if proc.wait():
        raise RuntimeError("samtools view -b failed")
    pysam.index(str(path))
    return path


def _naive_bam_windows(
    bam: Path, chrom: str, starts: np.ndarray, length: int, res: int
) -> np.ndarray:
    """Baseline: per window, fetch its reads with pysam and bin their 5' ends in Python."""
    out = np.zeros((starts.size, length // res, 2), np.float32)
    with pysam.AlignmentFile(str(bam)) as handle:
        for i, start in enumerate(starts.tolist()):
            for read in handle.fetch(chrom, max(start, 0), start + length):
                flag = read.flag
                if flag & 0xF04:
                    continue
                rev = read.is_reverse
                where = read.reference_end - 1 if rev else read.reference_start
                if start <= where < start + length:
                    out[i, (where - start) // res, int(rev)] += 1
    return out


def _timed(func, *args, **kwargs):
    """(result, CPU seconds of this process (all its threads), wall seconds)."""
    cpu, wall = time.process_time(), time.perf_counter()
    result = func(*args, **kwargs)
    return result, time.process_time() - cpu, time.perf_counter() - wall


def _traced_peak(func, *args, **kwargs) -> float:
    """Peak MiB of allocations traced while ``func`` runs (a separate, slower run)."""
    tracemalloc.start()
    func(*args, **kwargs)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


def bench_bam(mbp: float = 50.0, reads: int = 5_000_000) -> None:
    """Cover.from_bam (the JunD layout: 200-bp bins, 450-bp flanks, 50-bp resolution, stranded)
    vs ``samtools view -c`` on the same BAM (the decompression floor) and vs a naive per-window
    pysam loop (measured on a subset, scaled)."""
    import shutil
    import subprocess

    from genomic_tensors.coverage import Cover, bam_read_ends

    if shutil.which("samtools") is None:
        print("bench_bam: samtools not on PATH; skipped")
        return
    length = int(mbp * 1e6)
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        bam = _write_synthetic_bam(Path(tmp), length, reads)
        size = bam.stat().st_size / 2**20
        print(
            f"Cover.from_bam: synthetic {mbp:g} Mbp chromosome, {reads:,} reads of 36 bp, "
            f"BAM {size:.0f} MiB (written in {time.perf_counter() - t0:.0f} s); best of 3; "
            "CPU s counts every thread (Cover inflates on a second thread)"
        )
        floor_cpu, floor_wall = [], []
        for _ in range(3):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            wall = time.perf_counter()
            subprocess.run(["samtools", "view", "-c", str(bam)], check=True, capture_output=True)
            floor_wall.append(time.perf_counter() - wall)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            floor_cpu.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
        roi = pd.DataFrame({"chrom": ["chrS"], "start": [0], "end": [length]})
        runs = [_timed(bam_read_ends, bam, "chrS") for _ in range(3)]
        covers = [
            _timed(Cover.from_bam, bam, roi, binsize=200, flank=450, resolution=50)
            for _ in range(3)
        ]
        cover = covers[0][0]
        cover_s = min(r[2] for r in covers)
        cover_peak = _traced_peak(Cover.from_bam, bam, roi, binsize=200, flank=450, resolution=50)
        n_windows = len(cover)
        sub = 2000
        starts = cover.regions["start"].to_numpy()[:sub] - 450
        naive, naive_cpu, naive_wall = _timed(_naive_bam_windows, bam, "chrS", starts, 1100, 50)
        assert np.array_equal(naive, np.asarray(cover[np.arange(sub)])[..., 0]), "naive differs"
        scale = n_windows / sub
        floor_s = min(floor_wall)
        print(f"{'step':<44} {'wall s':>7} {'CPU s':>7} {'Mreads/s':>9} {'wall vs samtools':>17}")
        rows = [
            ("samtools view -c (1 thread, the floor)", floor_s, min(floor_cpu)),
            (
                "bam_read_ends (5' ends, one chromosome)",
                min(r[2] for r in runs),
                min(r[1] for r in runs),
            ),
            (f"Cover.from_bam ({n_windows:,} windows)", cover_s, min(r[1] for r in covers)),
            (f"naive per-window pysam (from {sub}, scaled)", naive_wall * scale, naive_cpu * scale),
        ]
        for name, wall, cpu in rows:
            print(
                f"{name:<44} {wall:>7.2f} {cpu:>7.2f} {reads / wall / 1e6:>9.2f} "
                f"{wall / floor_s:>16.2f}x"
            )
        naive_all = naive_wall * scale
        print(
            f"Cover.from_bam is {naive_all / cover_s:.0f}x faster than the naive loop; "
            f"peak traced memory {cover_peak:.0f} MiB (tensor "
            f"{np.asarray(cover).nbytes / 2**20:.0f} MiB); "
            f"process peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB"
        )


def _write_synthetic_bigwig(folder: Path, length: int, step: int = 25, seed: int = 0) -> Path:
    """One chromosome of random values in ``step``-bp runs, with a 1% no-data gap every Mbp."""
    import pyBigWig

    rng = np.random.default_rng(seed)
    path = folder / "synthetic.bigwig"
    handle = pyBigWig.open(str(path), "w")
    handle.addHeader([("chrS", length)])
    values = rng.gamma(1.0, 2.0, length // step).astype(np.float64)
    keep = (np.arange(values.size) * step) % 1_000_000 >= 10_000
    starts = (np.arange(values.size) * step)[keep]
    handle.addEntries(
        ["chrS"] * int(keep.sum()), starts.tolist(), ends=(starts + step).tolist(),
        values=values[keep].tolist(),
    )  # fmt: skip
    handle.close()
    return path


def bench_bigwig(mbp: float = 50.0, window: int = 1000, resolution: int = 50) -> None:
    """Cover.from_bigwig windows/s vs per-window ``pyBigWig.values`` calls (binned in numpy)."""
    import pyBigWig

    from genomic_tensors.coverage import Cover

    length = int(mbp * 1e6)
    with tempfile.TemporaryDirectory() as tmp:
        path = _write_synthetic_bigwig(Path(tmp), length)
        roi = pd.DataFrame({"chrom": ["chrS"], "start": [0], "end": [length]})
        runs = [
            _timed(Cover.from_bigwig, path, roi, binsize=window, resolution=resolution)
            for _ in range(3)
        ]
        cover, cover_s = runs[0][0], min(r[1] for r in runs)
        peak = _traced_peak(Cover.from_bigwig, path, roi, binsize=window, resolution=resolution)
        n = len(cover)
        sub = 5000
        starts = cover.regions["start"].to_numpy()[:sub]

        def naive() -> np.ndarray:
            handle = pyBigWig.open(str(path))
            out = np.zeros((sub, window // resolution), np.float32)
            for i, s in enumerate(starts.tolist()):
                vals = np.nan_to_num(np.asarray(handle.values("chrS", s, s + window, numpy=True)))
                out[i] = vals.reshape(-1, resolution).mean(axis=1)
            handle.close()
            return out

        base, naive_s, _ = _timed(naive)
        np.testing.assert_allclose(base, np.asarray(cover[np.arange(sub)])[:, :, 0, 0], rtol=1e-5)
        rate, naive_rate = n / cover_s, sub / naive_s
        print(
            f"Cover.from_bigwig: synthetic {mbp:g} Mbp chromosome, {window}-bp windows at "
            f"{resolution}-bp resolution; CPU seconds"
        )
        print(f"{'method':<32} {'windows/s':>12} {'speed-up':>9}")
        print(f"{'Cover.from_bigwig':<32} {rate:>12,.0f} {rate / naive_rate:>8.1f}x")
        print(f"{'per-window pyBigWig.values':<32} {naive_rate:>12,.0f} {1:>8.1f}x")
        print(f"peak traced memory {peak:.0f} MiB for {n:,} windows")


BENCHMARKS = {"bioseq": bench_bioseq, "bam": bench_bam, "bigwig": bench_bigwig}


def main(argv: list[str] | None = None) -> None:
    """Run the benchmarks named on the command line (default: all)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("which", nargs="*", help=f"any of {', '.join(BENCHMARKS)} (default: all)")
    parser.add_argument("--mbp", type=float, default=50.0, help="synthetic chromosome size")
    parser.add_argument("--reads", type=int, default=5_000_000, help="reads in the BAM benchmark")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.which) - set(BENCHMARKS))
    if unknown:
        parser.error(f"unknown benchmark(s) {unknown}; choose from {', '.join(BENCHMARKS)}")
    for name in args.which or list(BENCHMARKS):
        if name == "bioseq":
            bench_bioseq(mbp=args.mbp)
        elif name == "bam":
            bench_bam(mbp=args.mbp, reads=args.reads)
        elif name == "bigwig":
            bench_bigwig(mbp=args.mbp)
        else:
            BENCHMARKS[name]()
        print()


if __name__ == "__main__":
    main(sys.argv[1:])

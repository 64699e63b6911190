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
def _write_random_fasta(folder: Path, length: int, seed: int = 0) -> Path:
    """One chromosome of uniform random ACGT (1% N), as FASTA + .fai."""
    rng = np.random.default_rng(seed)
    letters = np.frombuffer(b"ACGTN", dtype=np.uint8)
    codes = rng.choice(5, size=length, p=[0.2475, 0.2475, 0.2475, 0.2475, 0.01])
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
        fasta = _write_random_fasta(Path(tmp), length)
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


BENCHMARKS = {"bioseq": bench_bioseq}


def main(argv: list[str] | None = None) -> None:
    """Run the benchmarks named on the command line (default: all)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("which", nargs="*", help=f"any of {', '.join(BENCHMARKS)} (default: all)")
    parser.add_argument("--mbp", type=float, default=50.0, help="Bioseq chromosome size")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.which) - set(BENCHMARKS))
    if unknown:
        parser.error(f"unknown benchmark(s) {unknown}; choose from {', '.join(BENCHMARKS)}")
    for name in args.which or list(BENCHMARKS):
        if name == "bioseq":
            bench_bioseq(mbp=args.mbp)
        else:
            BENCHMARKS[name]()
        print()


if __name__ == "__main__":
    main(sys.argv[1:])

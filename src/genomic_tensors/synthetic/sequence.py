"""Sequence layer of the synthetic demo world: base codes, background sequence, placement.

Bases are coded A=0, C=1, G=2, T=3, N=4 in ``uint8`` arrays; coordinates are 0-based, half-open.
"""

from __future__ import annotations

import numpy as np

BASES = np.frombuffer(b"ACGTN", dtype=np.uint8)
LOWER = np.frombuffer(b"acgtn", dtype=np.uint8)
N_CODE = 4
COMPLEMENT = np.array([3, 2, 1, 0, 4], dtype=np.uint8)


def background_sequence(
    rng: np.random.Generator, length: int, gc: float, cpg_depletion: float
) -> np.ndarray:
    """I.i.d. bases with GC fraction ``gc``, then a fraction of CpG turned into TpG or CpA.

    Returns ``uint8 (length,)`` codes.
    """
    p = np.array([(1 - gc) / 2, gc / 2, gc / 2, (1 - gc) / 2])
    seq = rng.choice(4, size=length, p=p).astype(np.uint8)
    cpg = np.flatnonzero((seq[:-1] == 1) & (seq[1:] == 2))
    hit = cpg[rng.random(len(cpg)) < cpg_depletion]
    to_t = rng.random(len(hit)) < 0.5
    seq[hit[to_t]] = 3  # C of CpG -> T
    seq[hit[~to_t] + 1] = 0  # G of CpG -> A
    return seq


def reverse_complement(codes: np.ndarray) -> np.ndarray:
    """Reverse complement of base codes along the last axis."""
    return COMPLEMENT[codes[..., ::-1]]


class Occupancy:
    """Which bases of each chromosome already carry a planted element (or N), to avoid overlaps."""

    def __init__(self, sizes: dict[str, int]):
        self.mask = {chrom: np.zeros(size, dtype=bool) for chrom, size in sizes.items()}

    def mark(self, chrom: str, start: int, end: int) -> None:
        """Mark ``[start, end)`` of ``chrom`` occupied (clipped to the chromosome)."""
        self.mask[chrom][max(start, 0) : max(end, 0)] = True

    def place(
        self,
        rng: np.random.Generator,
        chrom: str,
        n: int,
        length: int,
        lo: int,
        hi: int,
        margin: int = 0,
        mark: bool = True,
    ) -> np.ndarray:
        """Draw up to ``n`` free, non-overlapping starts for elements of ``length`` in ``[lo, hi)``.

        An element ``[s, s + length)`` is accepted when ``[s - margin, s + length + margin)`` is free.
        Fewer than ``n`` starts come back when the range is crowded. Returns sorted ``int64`` starts.
        """
        mask = self.mask[chrom]
        lo = max(lo, margin)
        hi = min(hi, len(mask) - margin)
        if n <= 0 or hi - lo < length:
            return np.zeros(0, dtype=np.int64)
        accepted: list[int] = []
        w_lo, w_hi = lo - margin, hi + margin  # the part of the mask any candidate can touch
        for _attempt in range(4):
            need = n - len(accepted)
            if need <= 0:
                break
            cand = rng.integers(lo, hi - length + 1, size=need * 3)
            csum = np.concatenate([[0], np.cumsum(mask[w_lo:w_hi], dtype=np.int64)])
            cand = cand[(csum[cand + length + margin - w_lo] - csum[cand - margin - w_lo]) == 0]
            for s in cand.tolist():
                if mask[max(s - margin, 0) : s + length + margin].any():
                    continue
                accepted.append(s)
                mask[max(s - margin, 0) : s + length + margin] = True
                if len(accepted) == n:
                    break
        starts = np.array(sorted(accepted), dtype=np.int64)
        if not mark:
            for s in starts.tolist():
                mask[max(s - margin, 0) : s + length + margin] = False
        return starts

"""Motif models of the synthetic demo world: JASPAR matrices whose bound sites couple neighbours.

Bases are coded A=0, C=1, G=2, T=3 in ``uint8`` arrays (see :mod:`.sequence`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import product
from pathlib import Path

import numpy as np

# Binary partitions of the four bases used to couple neighbouring motif positions:
# class of A, C, G, T under purine/pyrimidine, weak/strong and amino/keto.
PARTITIONS = {
    "RY": np.array([0, 1, 0, 1]),
    "WS": np.array([0, 1, 1, 0]),
    "MK": np.array([0, 0, 1, 1]),
}


def read_jaspar(path: Path) -> dict[str, tuple[str, np.ndarray]]:
    """Read count matrices in JASPAR format.

    Parameters
    ----------
    path
        File with records ``>ID<tab>NAME`` followed by four rows ``A [ c1 c2 ... ]`` (then C, G, T).

    Returns
    -------
    dict
        ``matrix ID -> (name, counts)`` with ``counts`` a ``float64`` array of shape ``(length, 4)``
        (columns A, C, G, T).
    """
    records: dict[str, tuple[str, np.ndarray]] = {}
    current: tuple[str, str] | None = None
    rows: dict[str, list[float]] = {}
    lines = Path(path).read_text().splitlines()

    def flush(lineno: int) -> None:
        if current is None:
            return
        if sorted(rows) != ["A", "C", "G", "T"]:
            raise ValueError(
                f"{path}: matrix {current[0]} (before line {lineno}) has rows {sorted(rows)}; "
                "expected exactly A, C, G and T"
            )
        lengths = {len(v) for v in rows.values()}
        if len(lengths) != 1:
            raise ValueError(f"{path}: matrix {current[0]} rows have different lengths {lengths}")
        counts = np.array([rows[b] for b in "ACGT"], dtype=np.float64).T
        if np.any(counts.sum(axis=1) <= 0):
            raise ValueError(f"{path}: matrix {current[0]} has a column with no counts")
        records[current[0]] = (current[1], counts)

    for lineno, line in enumerate(lines, start=1):
        line = line.strip()
        if not line:
            continue
        if line.startswith(">"):
            flush(lineno)
            parts = line[1:].split()
            if not parts:
                raise ValueError(f"{path}, line {lineno}: empty matrix header")
            current = (parts[0], parts[1] if len(parts) > 1 else parts[0])
            rows = {}
            continue
        match = re.fullmatch(r"([ACGT])\s*\[([^\]]*)\]", line)
        if match is None or current is None:
            raise ValueError(
                f"{path}, line {lineno}: expected 'A [ counts ]' after a '>' header, got {line!r}"
            )
        rows[match.group(1)] = [float(x) for x in match.group(2).split()]
    flush(len(lines) + 1)
    return records


@dataclass(frozen=True)
class MotifModel:
    """A position weight matrix whose bound sites carry dependencies between neighbouring positions.

    ``probs`` (float64, shape ``(length, 4)``) gives per-position base probabilities (uniform at the
    padding positions added around the published matrix). Each block of 2 or 3 adjacent positions
    is coupled in *sites*: every position gets the binary base partition (purine/pyrimidine,
    weak/strong or amino/keto) closest to 50:50, and only combinations with an even number of
    class-1 bases are allowed, weighted by the product of the position probabilities. *Decoys*
    draw every position independently from the sites' own per-position marginals, so a model
    of single bases (order 1) cannot tell sites from decoys while a model of di- or
    tri-nucleotides can: pairwise marginals of a parity-coupled triple are nearly independent,
    so a triple needs order 3.
    """

    name: str
    matrix_id: str
    probs: np.ndarray
    blocks: tuple[tuple[int, ...], ...] = ()
    _joint: list[tuple[tuple[int, ...], np.ndarray, np.ndarray]] = field(
        default_factory=list, compare=False, repr=False
    )

    @classmethod
    def from_counts(
        cls,
        name: str,
        matrix_id: str,
        counts: np.ndarray,
        pad: tuple[int, int] = (0, 0),
        blocks: tuple[tuple[int, ...], ...] = (),
    ) -> MotifModel:
        """Build from JASPAR counts ``(length, 4)``, adding ``pad`` uniform positions each side."""
        probs = counts / counts.sum(axis=1, keepdims=True)
        uniform = np.full((1, 4), 0.25)
        probs = np.concatenate([uniform.repeat(pad[0], 0), probs, uniform.repeat(pad[1], 0)])
        model = cls(name, matrix_id, probs, tuple(tuple(b) for b in blocks))
        for block in model.blocks:
            if len(block) not in (2, 3) or list(block) != list(
                range(block[0], block[0] + len(block))
            ):
                raise ValueError(f"motif {name}: block {block} must be 2 or 3 adjacent positions")
            if block[0] < 0 or block[-1] >= len(probs):
                raise ValueError(
                    f"motif {name}: block {block} outside the motif (length {len(probs)})"
                )
            model._joint.append(model._block_joint(block))
        return model

    @property
    def length(self) -> int:
        """Motif length in bases, padding included."""
        return int(self.probs.shape[0])

    def _block_joint(
        self, block: tuple[int, ...]
    ) -> tuple[tuple[int, ...], np.ndarray, np.ndarray]:
        classes = []
        for pos in block:
            p = self.probs[pos]
            balance = {k: min(p[v == 1].sum(), p[v == 0].sum()) for k, v in PARTITIONS.items()}
            classes.append(PARTITIONS[max(balance, key=lambda k: (balance[k], k))])
        combos = np.array(list(product(range(4), repeat=len(block))), dtype=np.uint8)
        weight = np.ones(len(combos))
        parity = np.zeros(len(combos), dtype=int)
        for j, pos in enumerate(block):
            weight *= self.probs[pos][combos[:, j]]
            parity += classes[j][combos[:, j]]
        weight[parity % 2 == 1] = 0.0
        if weight.sum() <= 0:
            raise ValueError(f"motif {self.name}: block {block} admits no site")
        return block, combos, weight / weight.sum()

    def site_marginals(self) -> np.ndarray:
        """Per-position base probabilities of sites ``(length, 4)``; decoys are drawn from these."""
        marg = self.probs.copy()
        for block, combos, joint in self._joint:
            for j, pos in enumerate(block):
                marg[pos] = np.bincount(combos[:, j], weights=joint, minlength=4)
        return marg

    def sample(self, rng: np.random.Generator, n: int, coupled: bool = True) -> np.ndarray:
        """Draw ``n`` instances as base codes ``uint8 (n, length)`` (forward orientation).

        ``coupled=True`` gives bound sites (blocks drawn jointly), ``False`` gives decoys (every
        position independent, same per-position marginals).
        """
        marg = self.site_marginals()
        cum = np.cumsum(marg, axis=1)
        cum[:, -1] = 1.0
        u = rng.random((n, self.length))
        out = (u[:, :, None] > cum[None, :, :]).sum(axis=2).astype(np.uint8)
        if coupled:
            for block, combos, joint in self._joint:
                idx = np.searchsorted(np.cumsum(joint), rng.random(n), side="right")
                idx = np.minimum(idx, len(joint) - 1)
                out[:, block[0] : block[-1] + 1] = combos[idx]
        return out

    def is_coupled(self, seqs: np.ndarray) -> np.ndarray:
        """Whether each instance ``uint8 (n, length)`` satisfies every block constraint (bool ``(n,)``)."""
        ok = np.ones(len(seqs), dtype=bool)
        for block, combos, joint in self._joint:
            allowed = {tuple(c) for c, w in zip(combos.tolist(), joint) if w > 0}
            sub = seqs[:, block[0] : block[-1] + 1]
            ok &= np.array([tuple(r) in allowed for r in sub.tolist()], dtype=bool)
        return ok


# name -> (JASPAR matrix, uniform padding (left, right), coupled blocks in padded coordinates)
MOTIF_SPECS: dict[str, tuple[str, tuple[int, int], tuple[tuple[int, ...], ...]]] = {
    "JUND": ("MA0491.1", (2, 2), ((0, 1), (2, 3), (12, 13, 14))),
    "CTCF": ("MA0139.1", (0, 0), ((0, 1, 2), (16, 17, 18))),
    "ZNF143": ("MA0088.2", (0, 0), ((0, 1), (13, 14))),
    "CEBPB": ("MA0466.2", (0, 0), ()),
    "MAFK": ("MA0496.1", (0, 0), ()),
    "POU5F1": ("MA1115.1", (0, 0), ()),
    "TBP": ("MA0108.2", (0, 0), ()),
    "SP1": ("MA0079.3", (2, 2), ((1, 2), (12, 13, 14))),
    "NRF1": ("MA0506.1", (0, 0), ()),
    "REST": ("MA0138.2", (0, 0), ()),
    "YY1": ("MA0095.2", (0, 0), ()),
}
# JunD core TGA[CG]TCA sits at padded positions 4..10; position 5 is the invariant G of TGA.
JUND_CORE = slice(4, 11)
JUND_KEY_POSITION = 5


def load_motifs(path: Path) -> dict[str, MotifModel]:
    """The world's motif models from the shipped JASPAR file (see ``MOTIF_SPECS``)."""
    matrices = read_jaspar(path)
    models = {}
    for name, (matrix_id, pad, blocks) in MOTIF_SPECS.items():
        if matrix_id not in matrices:
            raise ValueError(
                f"{path}: matrix {matrix_id} ({name}) missing; the file must hold "
                f"{sorted(spec[0] for spec in MOTIF_SPECS.values())}"
            )
        models[name] = MotifModel.from_counts(name, matrix_id, matrices[matrix_id][1], pad, blocks)
    return models

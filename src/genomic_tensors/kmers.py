"""k-mer encoding of sequences: letters -> base codes -> k-mer codes -> one-hot.

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
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = [
    "ALPHABETS",
    "DNA_COMPLEMENT",
    "complement_permutation",
    "encode_bases",
    "kmer_codes",
    "one_hot",
    "reverse_complement",
]

#: Letters of each alphabet, in code order.
ALPHABETS = {"dna": "ACGT", "protein": "ACDEFGHIKLMNPQRSTVWY"}
_MAX_ORDER = 8  # 4**8 = 65,536 channels; codes stay within int32


def _lut(alphabet: str) -> bytes:
    """A ``bytes.translate`` table: letter byte -> code byte (C speed, no index temporaries)."""
    letters = ALPHABETS[alphabet]
    table = np.full(256, len(letters), dtype=np.uint8)
    for code, letter in enumerate(letters):
        table[ord(letter)] = code
        table[ord(letter.lower())] = code
    return table.tobytes()


_LUTS = {name: _lut(name) for name in ALPHABETS}
#: Base code -> code of the complementary base (A<->T, C<->G, N stays N).
DNA_COMPLEMENT = np.array([3, 2, 1, 0, 4], dtype=np.uint8)


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


def reverse_complement(base_codes: np.ndarray) -> np.ndarray:
    """Reverse complement of DNA base codes along the last axis (a new uint8 array)."""
    return DNA_COMPLEMENT[np.asarray(base_codes)[..., ::-1]]

"""Fitted normalizers of coverage tensors: ``tpm``, ``zscore``, ``log1p``, ``zscorelog``, chains.

A normalizer learns its statistics with ``fit(data)`` on one dataset (the training chromosomes, or
the whole genome) and applies them with ``transform(data)`` to any other, so that test data never
leak into the statistics. ``data`` is a coverage array of shape ``(n, bins, strands, conditions)``
(any float or integer dtype) or a dataset object that converts to one with ``np.asarray``
(e.g. a ``Cover``); statistics are per condition (the last axis). ``transform`` returns float32 of
the same shape, or, for a dataset with a ``with_values`` method, a new dataset holding the
normalized values (the input is never modified).

Definitions (per condition ``c``; sums and moments run over windows, bins and strands):

- ``tpm``: ``x / (bin_length / 1e3) / (total_c / 1e6)`` where ``total_c`` is the sum of the
  counts of the *fitted* data (the paper fits it genome-wide per replicate) and ``bin_length``
  the bases per bin (the Cover's resolution, or its window length when a window is one bin).
- ``zscore``: ``(x - mean_c) / std_c`` (population std, ``ddof=0``; a zero std divides by 1).
- ``log1p``: ``log(x + 1)``; nothing to fit.
- ``zscorelog``: ``zscore(log(x + 1))``, the z-score fitted on the log values.
- a list: applied in order, each step fitted on the output of the steps before it.

Use :func:`get_normalizer` to turn a name, a list or an object into a normalizer.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, runtime_checkable

import numpy as np

__all__ = [
    "NORMALIZERS",
    "TPM",
    "Chain",
    "Log1p",
    "Normalizer",
    "ZScore",
    "ZScoreLog",
    "get_normalizer",
]


@runtime_checkable
class Normalizer(Protocol):
    """What a normalizer offers (any object with these methods can be passed)."""

    def fit(self, data: Any) -> Any: ...

    def transform(self, data: Any) -> Any: ...


def _values(data: Any) -> np.ndarray:
    """The coverage array of ``data`` as float64, shape ``(n, bins, strands, conditions)``."""
    array = np.asarray(data, dtype=np.float64)
    if array.ndim != 4:
        raise ValueError(
            f"a normalizer expects coverage of shape (n, bins, strands, conditions), got shape "
            f"{array.shape}"
        )
    return array


def _wrap(data: Any, values: np.ndarray) -> Any:
    """``values`` (float32) in the form of ``data``: a dataset with the values, or the array."""
    values = values.astype(np.float32)
    if hasattr(data, "with_values"):
        return data.with_values(values)
    return values


def _check_conditions(name: str, fitted: np.ndarray, array: np.ndarray) -> None:
    if fitted.size != array.shape[-1]:
        raise ValueError(
            f"{name} was fitted on {fitted.size} condition(s) but the data have "
            f"{array.shape[-1]}; fit and apply it to the same conditions"
        )


class _Base:
    """Common plumbing: ``is_fitted``, ``fit_transform``, ``state``."""

    name = ""

    @property
    def is_fitted(self) -> bool:
        """Whether the statistics are known (stateless normalizers always are)."""
        return True

    def fit(self, data: Any) -> _Base:
        """Learn the statistics from ``data``; returns ``self``."""
        return self

    def transform(self, data: Any) -> Any:  # pragma: no cover - overridden
        raise NotImplementedError

    def fit_transform(self, data: Any) -> Any:
        """``fit(data)`` then ``transform(data)``."""
        return self.fit(data).transform(data)

    def _require_fitted(self) -> None:
        if not self.is_fitted:
            raise ValueError(f"the {self.name} normalizer is not fitted: call fit(data) first")

    def state(self) -> dict[str, Any]:
        """JSON-able description (name and fitted statistics), e.g. for cache keys."""
        return {"name": self.name}

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={v}" for k, v in self.state().items() if k != "name")
        return f"{type(self).__name__}({fields})"


class TPM(_Base):
    """Counts per bin scaled to transcripts-per-million style units.

    ``x / (bin_length / 1e3) / (total / 1e6)``, ``total`` per condition from the fitted data.

    Parameters
    ----------
    bin_length
        Bases per bin; ``None`` takes it from the data's ``bin_length`` attribute (a ``Cover``
        has one) when fitting.
    """

    name = "tpm"

    def __init__(self, bin_length: int | None = None) -> None:
        self.bin_length = None if bin_length is None else int(bin_length)
        self.totals: np.ndarray | None = None

    @property
    def is_fitted(self) -> bool:
        return self.totals is not None and self.bin_length is not None

    def fit(self, data: Any) -> TPM:
        array = _values(data)
        if self.bin_length is None:
            length = getattr(data, "bin_length", None)
            if length is None:
                raise ValueError(
                    "tpm needs the bin length in bases: pass TPM(bin_length=...) or fit on a Cover"
                )
            self.bin_length = int(length)
        if self.bin_length <= 0:
            raise ValueError(
                f"tpm needs one bin length in bases, got {self.bin_length} (windows of different "
                f"lengths collapsed into one bin each have none); pass TPM(bin_length=...)"
            )
        totals = array.sum(axis=(0, 1, 2))
        if np.any(totals <= 0):
            empty = np.flatnonzero(totals <= 0).tolist()
            raise ValueError(
                f"tpm: condition(s) {empty} have no counts in the fitted data; cannot scale by "
                f"their total"
            )
        self.totals = totals
        return self

    def transform(self, data: Any) -> Any:
        self._require_fitted()
        array = _values(data)
        _check_conditions(self.name, self.totals, array)
        scale = 1.0 / (self.bin_length / 1e3) / (self.totals / 1e6)
        return _wrap(data, array * scale)

    def state(self) -> dict[str, Any]:
        totals = None if self.totals is None else self.totals.tolist()
        return {"name": self.name, "bin_length": self.bin_length, "totals": totals}


class ZScore(_Base):
    """``(x - mean) / std`` per condition (population std; a zero std divides by 1)."""

    name = "zscore"

    def __init__(self) -> None:
        self.mean: np.ndarray | None = None
        self.std: np.ndarray | None = None

    @property
    def is_fitted(self) -> bool:
        return self.mean is not None

    def _prepare(self, array: np.ndarray) -> np.ndarray:
        return array

    def fit(self, data: Any) -> ZScore:
        array = self._prepare(_values(data))
        if array.shape[0] == 0:
            raise ValueError(f"cannot fit {self.name} on an empty dataset (0 windows)")
        self.mean = array.mean(axis=(0, 1, 2))
        std = array.std(axis=(0, 1, 2))
        self.std = np.where(std > 0, std, 1.0)
        return self

    def transform(self, data: Any) -> Any:
        self._require_fitted()
        array = self._prepare(_values(data))
        _check_conditions(self.name, self.mean, array)
        return _wrap(data, (array - self.mean) / self.std)

    def state(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "mean": None if self.mean is None else self.mean.tolist(),
            "std": None if self.std is None else self.std.tolist(),
        }


class Log1p(_Base):
    """``log(x + 1)``; nothing to fit."""

    name = "log1p"

    def transform(self, data: Any) -> Any:
        array = _values(data)
        if np.any(array < 0):
            raise ValueError("log1p needs non-negative values; the data hold negative ones")
        return _wrap(data, np.log1p(array))


class ZScoreLog(ZScore):
    """``zscore(log(x + 1))``: the z-score statistics are those of the log values."""

    name = "zscorelog"

    def _prepare(self, array: np.ndarray) -> np.ndarray:
        if np.any(array < 0):
            raise ValueError("zscorelog needs non-negative values; the data hold negative ones")
        return np.log1p(array)


class Chain(_Base):
    """Normalizers applied in order; each step is fitted on the output of the steps before it.

    Parameters
    ----------
    steps
        Normalizer objects.
    """

    name = "chain"

    def __init__(self, steps: Sequence[Any]) -> None:
        self.steps = list(steps)

    @property
    def is_fitted(self) -> bool:
        return all(getattr(step, "is_fitted", True) for step in self.steps)

    def fit(self, data: Any) -> Chain:
        bin_length = getattr(data, "bin_length", None)
        current: Any = _values(data)
        for i, step in enumerate(self.steps):
            if isinstance(step, TPM) and step.bin_length is None and bin_length is not None:
                step.bin_length = int(bin_length)
            step.fit(current)
            if i < len(self.steps) - 1:
                current = np.asarray(step.transform(current))
        return self

    def transform(self, data: Any) -> Any:
        self._require_fitted()
        current: Any = _values(data)
        for step in self.steps:
            current = np.asarray(step.transform(current))
        return _wrap(data, current)

    def state(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "steps": [s.state() if hasattr(s, "state") else repr(s) for s in self.steps],
        }


#: names :func:`get_normalizer` knows
NORMALIZERS: dict[str, type[_Base]] = {
    "tpm": TPM,
    "zscore": ZScore,
    "log1p": Log1p,
    "zscorelog": ZScoreLog,
}


def get_normalizer(spec: Any) -> Any:
    """A normalizer from a name, a list or an object.

    Parameters
    ----------
    spec
        ``"tpm"``, ``"zscore"``, ``"log1p"``, ``"zscorelog"`` (case-insensitive; a new, unfitted
        instance), a list of those and/or objects (a :class:`Chain`), or an object with ``fit``
        and ``transform`` (returned as is, fitted or not).

    Returns
    -------
    object
        With ``fit(data)``, ``transform(data)`` and ``is_fitted``.

    Raises
    ------
    ValueError
        An unknown name or an object without ``fit``/``transform``.
    """
    if isinstance(spec, str):
        key = spec.lower()
        if key not in NORMALIZERS:
            raise ValueError(
                f"unknown normalizer {spec!r}; expected one of {', '.join(NORMALIZERS)}, a list "
                f"of them, or an object with fit() and transform()"
            )
        return NORMALIZERS[key]()
    if isinstance(spec, (list, tuple)):
        if not spec:
            raise ValueError("an empty list of normalizers; give at least one or None")
        return Chain([get_normalizer(s) for s in spec])
    if callable(getattr(spec, "fit", None)) and callable(getattr(spec, "transform", None)):
        return spec
    raise ValueError(
        f"unknown normalizer {spec!r}: expected a name ({', '.join(NORMALIZERS)}), a list of them, "
        f"or an object with fit() and transform()"
    )

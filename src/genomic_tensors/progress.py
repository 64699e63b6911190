"""Progress reporting for long builds: a tqdm bar on a terminal, plain log lines otherwise
(cluster jobs, Snakemake logs)."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

__all__ = ["progress"]

logger = logging.getLogger("genomic_tensors")

T = TypeVar("T")


def _label(item: Any) -> str:
    """A short name for an item: itself when it is a string or a number, the first element of a tuple
    that starts with one (a ``(chrom, rows)`` pair), else its type; never an array."""
    if isinstance(item, tuple) and item and isinstance(item[0], (str, int)):
        item = item[0]
    if isinstance(item, (str, int, float)):
        text = str(item)
        return text if len(text) <= 60 else text[:57] + "..."
    return type(item).__name__


def progress(
    iterable: Iterable[T],
    total: int | None = None,
    desc: str = "",
    *,
    tty: bool | None = None,
    label: Callable[[T], str] | None = None,
) -> Iterator[T]:
    """Iterate over ``iterable`` while reporting progress.

    Parameters
    ----------
    iterable
        Items to iterate over (e.g. chromosomes).
    total
        Number of items (default ``len(iterable)`` when it has one).
    desc
        What is being done, e.g. ``"reading hg38.fa"``.
    tty
        Force the choice: ``True`` a tqdm bar, ``False`` log lines; ``None`` (default) a bar when
        standard error is a terminal.

    Yields
    ------
    The items of ``iterable``, unchanged. Without a terminal, one INFO line per item is logged on
    the ``genomic_tensors`` logger: ``"<desc>: <i>/<total> <label>"``.
    """
    if total is None and hasattr(iterable, "__len__"):
        total = len(iterable)  # type: ignore[arg-type]
    if tty is None:
        tty = bool(getattr(sys.stderr, "isatty", lambda: False)())
    if tty:
        from tqdm.auto import tqdm

        yield from tqdm(iterable, total=total, desc=desc, leave=False)
        return
    of = f"/{total}" if total is not None else ""
    name = label or _label
    for i, item in enumerate(iterable, start=1):
        logger.info("%s: %d%s %s", desc or "progress", i, of, name(item))
        yield item

"""Progress reporting for long builds: a tqdm bar on a terminal, plain log lines otherwise
(cluster jobs, Snakemake logs)."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable, Iterator
from typing import TypeVar

__all__ = ["progress"]

logger = logging.getLogger("genomic_tensors")

T = TypeVar("T")


def progress(
    iterable: Iterable[T], total: int | None = None, desc: str = "", *, tty: bool | None = None
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
    the ``genomic_tensors`` logger: ``"<desc>: <i>/<total> <item>"``.
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
    for i, item in enumerate(iterable, start=1):
        logger.info("%s: %d%s %s", desc or "progress", i, of, item)
        yield item

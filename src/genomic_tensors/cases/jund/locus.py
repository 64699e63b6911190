"""The Fig. 2d locus: the plotted region and the attribution window, from the config or the data."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["Locus", "parse_interval", "read_locus", "select_locus", "write_locus"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Locus:
    """The Fig. 2d locus: the plotted region and the attribution window (0-based half-open)."""

    chrom: str
    start: int
    end: int
    attribution_start: int
    attribution_end: int
    source: str = "config"

    @property
    def summit(self) -> int:
        return (self.attribution_start + self.attribution_end) // 2


_INTERVAL = re.compile(r"^\s*([A-Za-z0-9_.]+):([0-9,]+)-([0-9,]+)\s*$")


def parse_interval(text: str) -> tuple[str, int, int]:
    """``"chr3:2,353,000-2,357,000"`` -> ``("chr3", 2353000, 2357000)`` (read as 0-based half-open)."""
    match = _INTERVAL.match(str(text))
    if not match:
        raise ValueError(
            f"cannot read the interval {text!r}; expected e.g. 'chr3:2,353,000-2,357,000'"
        )
    chrom = match.group(1)
    start, end = int(match.group(2).replace(",", "")), int(match.group(3).replace(",", ""))
    if end <= start:
        raise ValueError(f"interval {text!r} is empty: end {end} <= start {start}")
    return chrom, start, end


def _configured_locus(locus: Mapping[str, str], test: Sequence[str]) -> Locus:
    """The locus as the config gives it (keys ``region`` and ``attribution``)."""
    if "region" not in locus or "attribution" not in locus:
        raise ValueError(f"jund.locus needs both 'region' and 'attribution'; got {sorted(locus)}")
    chrom, start, end = parse_interval(locus["region"])
    achrom, astart, aend = parse_interval(locus["attribution"])
    if achrom != chrom or astart < start or aend > end:
        raise ValueError(
            f"the attribution window {locus['attribution']} must lie inside the locus "
            f"{locus['region']}"
        )
    if chrom not in test:
        log.warning(
            "the Fig. 2d locus %s is not on a test chromosome %s", locus["region"], list(test)
        )
    return Locus(chrom, start, end, astart, aend, source="config")


def _strongest_peak(
    peaks: str | Path, roi: str | Path, test: Sequence[str], width: int, attribution: int
) -> Locus:
    """The locus around the strongest test-chromosome peak whose summit lies inside the ROI."""
    from genomic_tensors.regions import read_regions

    roi_frame = read_regions(roi)
    frame = read_regions(peaks)
    frame = frame[frame["chrom"].isin(list(test))].copy()
    if frame.empty:
        raise ValueError(
            f"{peaks}: no peak on the test chromosome(s) {list(test)} to show in Fig. 2d"
        )
    peak = frame["peak"] if "peak" in frame else pd.Series(-1, index=frame.index)
    frame["summit"] = np.where(
        peak >= 0, frame["start"] + peak, (frame["start"] + frame["end"]) // 2
    )
    inside = np.zeros(len(frame), dtype=bool)
    for chrom, part in roi_frame.groupby("chrom"):
        sel = (frame["chrom"] == chrom).to_numpy()
        s = frame.loc[sel, "summit"].to_numpy()
        hit = (s[:, None] >= part["start"].to_numpy()[None, :] + attribution) & (
            s[:, None] < part["end"].to_numpy()[None, :] - attribution
        )
        inside[sel] = hit.any(axis=1)
    frame = frame[inside]
    if frame.empty:
        raise ValueError(f"{peaks}: no test-chromosome peak summit lies inside the ROI {roi}")
    order_cols = [c for c in ("signal", "pvalue", "score") if c in frame]
    top = frame.sort_values(order_cols, ascending=False, kind="stable").iloc[0]
    summit = int(top["summit"])
    start = max(0, summit - width // 2)
    astart = summit - attribution // 2
    return Locus(
        str(top["chrom"]), start, start + width, astart, astart + attribution,
        source="strongest test peak",
    )  # fmt: skip


def select_locus(
    peaks: str | Path,
    roi: str | Path,
    *,
    test: Sequence[str],
    locus: Mapping[str, str] | None = None,
    width: int = 4000,
    attribution: int = 100,
) -> Locus:
    """The locus of Fig. 2d.

    With ``locus`` (config keys ``region``, ``attribution``) it is taken as given (the paper's
    chr3:2,353,000-2,357,000 and chr3:2,354,950-2,355,050). Without it, the peak with the highest signal
    value (then p-value) on a test chromosome whose summit lies in the ROI is chosen: the region is
    ``width`` bp centred on its summit, the attribution window ``attribution`` bp around the summit. On
    the demo world every peak sits on a planted binding site, so this picks a planted site.
    """
    from genomic_tensors.regions import read_regions

    if locus:
        chosen = _configured_locus(locus, test)
    else:
        chosen = _strongest_peak(peaks, roi, test, width, attribution)
    roi_frame = read_regions(roi)
    on_roi = roi_frame[
        (roi_frame["chrom"] == chosen.chrom)
        & (roi_frame["start"] <= chosen.summit)
        & (roi_frame["end"] > chosen.summit)
    ]
    if on_roi.empty:
        raise ValueError(
            f"the Fig. 2d summit {chosen.chrom}:{chosen.summit} is outside the ROI {roi}"
        )
    log.info(
        "Fig. 2d locus %s:%d-%d, attribution %d-%d (%s)", chosen.chrom, chosen.start, chosen.end,
        chosen.attribution_start, chosen.attribution_end, chosen.source,
    )  # fmt: skip
    return chosen


def write_locus(locus: Locus, path: str | Path) -> None:
    """Write the locus as a one-row TSV (its fields as columns)."""
    pd.DataFrame([asdict(locus)]).to_csv(path, sep="\t", index=False)


def read_locus(path: str | Path) -> Locus:
    """Read a locus written by :func:`write_locus`."""
    row = pd.read_csv(path, sep="\t").iloc[0]
    return Locus(
        str(row["chrom"]), int(row["start"]), int(row["end"]), int(row["attribution_start"]),
        int(row["attribution_end"]), str(row["source"]),
    )  # fmt: skip

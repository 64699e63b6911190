"""Genome-track figures and small figure helpers (matplotlib; a leaf module).

Figures are built with ``matplotlib.figure.Figure`` (no pyplot state, no GUI backend, never shown); plot
functions take ``ax=None`` and return what they drew on. Coordinates are 0-based, half-open, as in BED.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["LETTER_COLOURS", "Track", "plot_genome_tracks", "plot_logo", "save_figure"]

#: Letter colours of sequence logos (A, C, G, T).
LETTER_COLOURS = {"A": "#109648", "C": "#255c99", "G": "#f7b32b", "T": "#d62839"}
_LETTERS = "ACGT"


@dataclass
class Track:
    """One panel of a genome-track figure.

    Attributes
    ----------
    name : str
        Panel label.
    values : numpy.ndarray
        ``(n_bins,)`` or ``(n_bins, n_series)`` (e.g. the conditions of a Cover, one line each).
    starts, ends : numpy.ndarray, optional
        int ``(n_bins,)`` genomic bin coordinates (0-based, half-open); default: ``n_bins`` equal bins
        over the figure's region.
    kind : {"bar", "line"}
        Filled steps or lines.
    colour : str or sequence of str
        One colour, or one per series.
    labels : sequence of str, optional
        Series names for a legend.
    ylim : (float, float), optional
    """

    name: str
    values: np.ndarray
    starts: np.ndarray | None = None
    ends: np.ndarray | None = None
    kind: str = "bar"
    colour: str | Sequence[str] = "#4c72b0"
    labels: Sequence[str] | None = None
    ylim: tuple[float, float] | None = None


def _new_axes(ax: Any, figsize: tuple[float, float]) -> Any:
    if ax is not None:
        return ax
    from matplotlib.figure import Figure

    return Figure(figsize=figsize, layout="constrained").add_subplot()


def _letter(ax: Any, letter: str, x: float, y: float, width: float, height: float) -> None:
    from matplotlib.font_manager import FontProperties
    from matplotlib.patches import PathPatch
    from matplotlib.textpath import TextPath
    from matplotlib.transforms import Affine2D

    path = TextPath((0, 0), letter, size=1, prop=FontProperties(family="DejaVu Sans", weight="bold"))
    box = path.get_extents()
    transform = (Affine2D().translate(-box.x0, -box.y0)
                 .scale(width / box.width, height / box.height).translate(x, y))
    ax.add_patch(PathPatch(transform.transform_path(path), facecolor=LETTER_COLOURS.get(letter, "grey"),
                           edgecolor="none"))


def plot_logo(
    attribution: np.ndarray,
    *,
    bases: str | None = None,
    start: int = 0,
    ax: Any = None,
    style: str = "letters",
) -> Any:
    """Signed attribution over bases as a sequence logo (letters scaled by value) or a heat strip.

    Parameters
    ----------
    attribution : numpy.ndarray
        ``(L, 4)`` per-letter values (A, C, G, T), e.g. from
        :func:`genomic_tensors.interpret.base_attribution`, or ``(L,)`` per-base values with ``bases``.
    bases : str, optional
        The ``L`` bases (needed for ``(L,)`` values; for ``(L, 4)`` the letters come from the columns).
    start : int
        Genomic coordinate of the first base (0-based); base ``i`` occupies ``[start + i, start + i + 1)``.
    style : {"letters", "heat"}
        Letters stack above zero for positive values and below for negative ones; "heat" draws a
        diverging colour strip (red positive, blue negative) with the bases written on it.

    Returns
    -------
    matplotlib.axes.Axes
    """
    values = np.asarray(attribution, dtype=float)
    if values.ndim == 1:
        if bases is None or len(bases) != len(values):
            raise ValueError(
                f"per-base attribution of length {len(values)} needs bases of the same length; "
                f"got {None if bases is None else len(bases)}"
            )
        matrix = np.zeros((len(values), 4))
        for i, b in enumerate(bases.upper()):
            if b in _LETTERS:
                matrix[i, _LETTERS.index(b)] = values[i]
    elif values.ndim == 2 and values.shape[1] == 4:
        matrix = values
    else:
        raise ValueError(f"attribution has shape {values.shape}; expected (L, 4) or (L,) with bases")
    if style not in ("letters", "heat"):
        raise ValueError(f"style must be 'letters' or 'heat'; got {style!r}")
    length = len(matrix)
    ax = _new_axes(ax, (max(4.0, length / 10), 1.6))
    if style == "heat":
        per_base = matrix.sum(axis=1)
        top = float(np.abs(per_base).max()) or 1.0
        ax.imshow(per_base[None], aspect="auto", cmap="RdBu_r", vmin=-top, vmax=top,
                  extent=(start, start + length, 0, 1), interpolation="nearest")
        letters = bases.upper() if bases else "".join(
            _LETTERS[j] if matrix[i].any() else "N" for i, j in enumerate(np.abs(matrix).argmax(1)))
        if length <= 200:
            for i, b in enumerate(letters):
                ax.text(start + i + 0.5, 0.5, b, ha="center", va="center", fontsize=6)
        ax.set_yticks([])
    else:
        for i, row in enumerate(matrix):
            pos_y, neg_y = 0.0, 0.0
            for j in np.argsort(np.abs(row)):  # small letters first, nearest the axis
                v = row[j]
                if v > 0:
                    _letter(ax, _LETTERS[j], start + i + 0.05, pos_y, 0.9, v)
                    pos_y += v
                elif v < 0:
                    neg_y += v
                    _letter(ax, _LETTERS[j], start + i + 0.05, neg_y, 0.9, -v)
        lo = min(0.0, float(np.minimum(matrix, 0).sum(axis=1).min())) if length else 0.0
        hi = max(0.0, float(np.maximum(matrix, 0).sum(axis=1).max())) if length else 1.0
        pad = 0.05 * ((hi - lo) or 1.0)
        ax.set_ylim(lo - pad, hi + pad)
        ax.axhline(0, color="black", lw=0.5)
    ax.set_xlim(start, start + length)
    return ax


def _draw_track(ax: Any, track: Track, start: int, end: int) -> None:
    values = np.asarray(track.values, dtype=float)
    if values.ndim == 1:
        values = values[:, None]
    if values.ndim != 2:
        raise ValueError(f"track {track.name!r}: values must be (n_bins,) or (n_bins, n_series); "
                         f"got {np.shape(track.values)}")
    n = len(values)
    if track.starts is None:
        edges = np.linspace(start, end, n + 1)
        lo, hi = edges[:-1], edges[1:]
    else:
        lo = np.asarray(track.starts, dtype=float)
        hi = np.asarray(track.ends, dtype=float) if track.ends is not None else lo + (lo[1] - lo[0] if n > 1 else 1)
        if len(lo) != n or len(hi) != n:
            raise ValueError(f"track {track.name!r}: {n} values but {len(lo)} starts and {len(hi)} ends")
    colours = [track.colour] * values.shape[1] if isinstance(track.colour, str) else list(track.colour)
    if len(colours) < values.shape[1]:
        raise ValueError(f"track {track.name!r}: {values.shape[1]} series but {len(colours)} colours")
    xs = np.ravel(np.column_stack([lo, hi]))
    for s in range(values.shape[1]):
        ys = np.repeat(values[:, s], 2)
        label = track.labels[s] if track.labels is not None else None
        if track.kind == "bar":
            ax.fill_between(xs, ys, color=colours[s], lw=0, alpha=0.8 if values.shape[1] > 1 else 1.0,
                            label=label)
        elif track.kind == "line":
            ax.plot(xs, ys, color=colours[s], lw=1, label=label)
        else:
            raise ValueError(f"track {track.name!r}: kind must be 'bar' or 'line'; got {track.kind!r}")
    if track.labels is not None:
        ax.legend(fontsize=6, loc="upper right", frameon=False)
    if track.ylim is not None:
        ax.set_ylim(*track.ylim)
    ax.set_ylabel(track.name, rotation=0, ha="right", va="center", fontsize=8)
    ax.set_xlim(start, end)


def plot_genome_tracks(
    chrom: str,
    start: int,
    end: int,
    tracks: Sequence[Track],
    *,
    attribution: np.ndarray | None = None,
    bases: str | None = None,
    attribution_start: int | None = None,
    logo_style: str = "letters",
    title: str | None = None,
    figsize: tuple[float, float] | None = None,
) -> tuple[Any, list]:
    """Stacked panels over ``chrom:[start, end)``: one per track (predictions, labels, coverage...),
    then optionally the attribution of a sub-window as a sequence logo.

    Parameters
    ----------
    chrom, start, end
        The region (0-based, half-open).
    tracks : sequence of :class:`Track`
    attribution, bases, attribution_start
        As :func:`plot_logo` (``attribution_start`` defaults to ``start``); the sub-window is shaded in
        the track panels.
    logo_style : {"letters", "heat"}
    title : str, optional
    figsize : (width, height) in inches, optional

    Returns
    -------
    (matplotlib.figure.Figure, list of Axes)
        Save it with :func:`save_figure`.
    """
    from matplotlib.figure import Figure

    if end <= start:
        raise ValueError(f"region {chrom}:{start}-{end} is empty (end must exceed start)")
    if not tracks and attribution is None:
        raise ValueError("nothing to plot: give tracks and/or an attribution")
    n_rows = len(tracks) + (attribution is not None)
    ratios = [1.0] * len(tracks) + ([1.6] if attribution is not None else [])
    fig = Figure(figsize=figsize or (8, 1.1 * n_rows + 0.8), layout="constrained")
    axes = list(np.atleast_1d(fig.subplots(n_rows, 1, gridspec_kw={"height_ratios": ratios})))
    a0 = start if attribution_start is None else int(attribution_start)
    a_len = len(attribution) if attribution is not None else 0
    for ax, track in zip(axes, tracks):
        _draw_track(ax, track, start, end)
        if attribution is not None:
            ax.axvspan(a0, a0 + a_len, color="grey", alpha=0.15, lw=0)
        ax.tick_params(labelbottom=False, labelsize=7)
    if tracks:
        axes[len(tracks) - 1].tick_params(labelbottom=True)
        axes[len(tracks) - 1].set_xlabel(f"{chrom}:{start:,}-{end:,}", fontsize=8)
    if attribution is not None:
        plot_logo(attribution, bases=bases, start=a0, ax=axes[-1], style=logo_style)
        axes[-1].set_ylabel("attribution", rotation=0, ha="right", va="center", fontsize=8)
        axes[-1].set_xlabel(f"{chrom}:{a0:,}-{a0 + a_len:,}", fontsize=8)
        axes[-1].tick_params(labelsize=7)
    from matplotlib.ticker import FuncFormatter

    for ax in axes:  # genomic coordinates in full, with thousands separators (no offset notation)
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{int(round(v)):,}"))
    if title:
        fig.suptitle(title, fontsize=9)
    return fig, axes


def save_figure(
    fig: Any,
    stem: str | Path,
    *,
    formats: Sequence[str] = ("png", "svg"),
    dpi: int = 150,
    close: bool = False,
) -> list[Path]:
    """Write ``<stem>.<format>`` for each format (PNG at ``dpi``); returns the paths in order.

    ``stem`` may carry a suffix, which is replaced. Parent directories are created. ``close=True`` closes
    the figure afterwards (scripts drawing many figures).
    """
    if not formats:
        raise ValueError("formats must name at least one file format, e.g. ('png', 'svg')")
    stem = Path(stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    paths = []
    for fmt in formats:
        path = stem.with_suffix(f".{fmt.lstrip('.')}")
        fig.savefig(path, dpi=dpi, bbox_inches="tight")
        paths.append(path)
    if close:
        import matplotlib.pyplot as plt

        plt.close(fig)
    return paths

"""Tests of the genome-track figure, the sequence logo and save_figure (Agg, nothing shown)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.image import imread  # noqa: E402
from matplotlib.patches import PathPatch  # noqa: E402

from genomic_tensors.plotting import Track, plot_genome_tracks, plot_logo, save_figure  # noqa: E402


def _tracks() -> list[Track]:
    rng = np.random.default_rng(0)
    starts = np.arange(1000, 1400, 50)
    return [
        Track("predicted", rng.random(20), ylim=(0, 1), colour="#6a3d9a"),
        Track("true", (rng.random(20) > 0.7).astype(float), colour="#33a02c"),
        Track("DNase", rng.poisson(3, size=(8, 2)), starts=starts, ends=starts + 50,
              colour=["#1f78b4", "#a6cee3"], labels=["rep1", "rep2"]),
        Track("coverage", rng.random(40), kind="line"),
    ]


def test_track_figure_renders_a_non_empty_png(tmp_path):
    attribution = np.zeros((30, 4))
    attribution[np.arange(30), np.arange(30) % 4] = np.sin(np.arange(30))
    fig, axes = plot_genome_tracks("chr3", 1000, 1400, _tracks(), attribution=attribution,
                                   attribution_start=1185, title="JunD locus")
    assert len(axes) == 5
    assert axes[0].get_xlim() == (1000, 1400) and axes[-1].get_xlim() == (1185, 1215)
    assert axes[0].get_ylim() == (0, 1)
    letters = [p for p in axes[-1].patches if isinstance(p, PathPatch)]
    assert len(letters) == 29  # one non-zero letter per base, except base 0 (sin(0) = 0 draws nothing)
    paths = save_figure(fig, tmp_path / "figs" / "fig2d")
    assert [p.name for p in paths] == ["fig2d.png", "fig2d.svg"]
    image = imread(paths[0])
    assert image.shape[0] > 100 and image.shape[1] > 100
    assert image[..., :3].std() > 0.05  # not a blank canvas
    assert "<svg" in paths[1].read_text()[:500]
    managed = plt.figure()
    save_figure(managed, tmp_path / "open", formats=("png",))
    assert plt.fignum_exists(managed.number)  # kept open by default
    save_figure(managed, tmp_path / "closed", formats=("png",), close=True)
    assert not plt.fignum_exists(managed.number)


def test_logo_letters_are_signed_and_scaled():
    values = np.array([[0.0, 2.0, 0.0, 0.0], [0.0, 0.0, 0.0, -1.0], [0.5, 0.0, 0.0, 0.0]])
    ax = plot_logo(values, start=10)
    patches = [p for p in ax.patches if isinstance(p, PathPatch)]
    assert len(patches) == 3
    boxes = [p.get_path().get_extents() for p in patches]
    c, t, a = boxes
    assert c.y0 == pytest.approx(0, abs=1e-6) and c.y1 == pytest.approx(2.0, rel=1e-3)
    assert t.y1 == pytest.approx(0, abs=1e-6) and t.y0 == pytest.approx(-1.0, rel=1e-3)  # below zero
    assert a.height == pytest.approx(0.5, rel=1e-3)
    assert 10 <= c.x0 < c.x1 <= 11 and 11 <= t.x0 < t.x1 <= 12
    assert ax.get_xlim() == (10, 13)


def test_logo_from_per_base_values_and_heat_strip():
    ax = plot_logo(np.array([1.0, -0.5, 0.25]), bases="GaT")
    colours = [p.get_facecolor() for p in ax.patches]
    assert len(colours) == 3
    ax = plot_logo(np.array([1.0, -0.5, 0.25]), bases="GAT", style="heat")
    assert len(ax.images) == 1 and [t.get_text() for t in ax.texts] == ["G", "A", "T"]


def test_plot_errors():
    with pytest.raises(ValueError, match="needs bases of the same length"):
        plot_logo(np.ones(3), bases="AC")
    with pytest.raises(ValueError, match="expected \\(L, 4\\)"):
        plot_logo(np.ones((3, 5)))
    with pytest.raises(ValueError, match="style must be"):
        plot_logo(np.ones((3, 4)), style="bars")
    with pytest.raises(ValueError, match="is empty"):
        plot_genome_tracks("chr1", 10, 10, _tracks())
    with pytest.raises(ValueError, match="nothing to plot"):
        plot_genome_tracks("chr1", 0, 10, [])
    with pytest.raises(ValueError, match="kind must be 'bar' or 'line'"):
        plot_genome_tracks("chr1", 0, 10, [Track("x", np.ones(3), kind="dots")])
    with pytest.raises(ValueError, match="3 values but 2 starts"):
        plot_genome_tracks("chr1", 0, 10, [Track("x", np.ones(3), starts=np.array([0, 5]))])
    with pytest.raises(ValueError, match="2 series but 1 colours"):
        plot_genome_tracks("chr1", 0, 10, [Track("x", np.ones((3, 2)), colour=["red"])])
    with pytest.raises(ValueError, match="at least one file format"):
        save_figure(None, "x", formats=())

"""Case 1: one panel of Fig. 2 (fig2a-c from the metrics table, fig2d from the locus tracks)."""

import logging
import sys

sys.stderr = open(snakemake.log[0], "w")  # noqa: F821
logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

import matplotlib  # noqa: E402

matplotlib.use("Agg")
import numpy as np  # noqa: E402

from genomic_tensors.cases import jund  # noqa: E402

sm = snakemake  # noqa: F821
panel = sm.params.panel
if panel == "fig2d":
    with np.load(sm.input[0]) as data:
        fig, _ = jund.plot_fig2d(dict(data))
else:
    plot = {"fig2a": jund.plot_fig2a, "fig2b": jund.plot_fig2b, "fig2c": jund.plot_fig2c}[panel]
    fig, _ = plot(jund.read_metrics(sm.input[0]))
jund.write_figure(fig, sm.output.png, sm.output.svg)

"""Case 1: one panel of Fig. 2 (fig2a-c from the metrics table, fig2d from the locus tracks)."""

import logging
import sys

sys.stderr = open(snakemake.log[0], "w")  # noqa: F821
logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

import matplotlib  # noqa: E402

matplotlib.use("Agg")
import numpy as np  # noqa: E402

from genomic_tensors.cases.base import write_figure  # noqa: E402
from genomic_tensors.cases.jund.figures import METRICS_PANELS, plot_fig2d  # noqa: E402
from genomic_tensors.cases.jund.tables import read_metrics  # noqa: E402

sm = snakemake  # noqa: F821
panel = sm.params.panel
if panel == "fig2d":
    with np.load(sm.input[0]) as data:
        fig, _ = plot_fig2d(dict(data))
else:
    fig, _ = METRICS_PANELS[panel](read_metrics(sm.input[0]))
write_figure(fig, sm.output.png, sm.output.svg)

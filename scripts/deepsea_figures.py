"""Fig. 3a-c and Supplementary Fig. 1 from the metrics table (PNG and SVG)."""

import sys

sys.stderr = open(snakemake.log[0], "w")  # noqa: F821

import logging

from genomic_tensors.cases.deepsea.figures import write_figures

logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(asctime)s %(message)s")
sm = snakemake  # noqa: F821
outputs = {fig: [sm.output[f"{fig}_{ext}"] for ext in sm.params.formats] for fig in sm.params.figures}
write_figures(sm.input[0], outputs)

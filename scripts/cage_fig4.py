"""Fig. 4: predicted vs observed CAGE on the test chromosome, with the OLS line and its F test."""

import sys

sys.stderr = open(snakemake.log[0], "w")

import logging

logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")

from genomic_tensors.cases.cage.figures import write_fig4

write_fig4(snakemake.input[0], snakemake.output.png, snakemake.output.svg, title=snakemake.params.title)

"""Per variant and run, the features with the largest absolute log odds (results/variants/deepsea_top.tsv)."""

import sys

sys.stderr = open(snakemake.log[0], "w")  # noqa: F821

import logging

from genomic_tensors.cases.effects import top_table

logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(asctime)s %(message)s")
sm = snakemake  # noqa: F821
table = top_table(list(sm.input.runs), sm.params.runs, sm.input.features, sm.output[0], top=sm.params.top)
logging.info("%d rows for %d runs", len(table), len(sm.params.runs))

"""Join the JunD variant effects of the VCF's parts into results/variants/jund_effects.tsv."""

import sys

sys.stderr = open(snakemake.log[0], "w")  # noqa: F821

import logging

from genomic_tensors.cases.effects import merge_tables

logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(asctime)s %(message)s")
sm = snakemake  # noqa: F821
table = merge_tables(list(sm.input), sm.output[0])
logging.info("%d rows from %d parts", len(table), len(sm.input))

"""Split the `variants` VCF into its parts (records in order, header kept), scored as parallel jobs."""

import sys

sys.stderr = open(snakemake.log[0], "w")  # noqa: F821

import logging

from genomic_tensors.cases.effects import split_vcf

logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(asctime)s %(message)s")
sm = snakemake  # noqa: F821
split_vcf(sm.input[0], list(sm.output))

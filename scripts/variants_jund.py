"""Score one part of the VCF with every trained JunD DNA model (one row per variant and model)."""

import sys

sys.stderr = open(snakemake.log[0], "w")  # noqa: F821

import logging

from genomic_tensors import devices
from genomic_tensors.cases.effects import score_jund_part

logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(asctime)s %(message)s")
sm = snakemake  # noqa: F821
devices.prepare(devices.ComputeSettings.from_config(sm.params.compute))
table = score_jund_part(list(sm.input.models), sm.params.names, sm.input.vcf, sm.input.fasta, sm.output[0])
logging.info("%d rows, %d REF mismatches", len(table), int((~table["ref_match"].astype(bool)).sum()))

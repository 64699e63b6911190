"""Score one part of the VCF with one DeepSEA/DanQ run into an HDF5 (variants x features)."""

import sys

sys.stderr = open(snakemake.log[0], "w")  # noqa: F821

import logging

from genomic_tensors import devices
from genomic_tensors.cases.effects import score_deepsea_part

logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(asctime)s %(message)s")
sm = snakemake  # noqa: F821
p, inp = sm.params, sm.input
devices.prepare(devices.ComputeSettings.from_config(p.compute))
score_deepsea_part(inp.model, inp.vcf, inp.fasta, inp.features, sm.output[0], order=p.order,
                   batch_size=p.batch_size)

"""The streaming sequence input of one split: genome byte codes of the windows, never one-hot."""

import sys

sys.stderr = open(snakemake.log[0], "w")  # noqa: F821

import logging

from genomic_tensors.cases.deepsea import write_sequence

logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(asctime)s %(message)s")
write_sequence(
    snakemake.input.fasta,  # noqa: F821
    snakemake.input.regions,  # noqa: F821
    snakemake.output[0],  # noqa: F821
    window=snakemake.params.window,  # noqa: F821
    order=snakemake.params.order,  # noqa: F821
)

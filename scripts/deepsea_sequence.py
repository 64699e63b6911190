"""The sequence input of one split: genome bases of the windows (1 byte each), read as k-mer codes."""

import sys

sys.stderr = open(snakemake.log[0], "w")  # noqa: F821

import logging

from genomic_tensors.cases.deepsea.data import write_sequence

logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(asctime)s %(message)s")
sm = snakemake  # noqa: F821
write_sequence(
    sm.input.fasta,
    sm.input.regions,
    sm.output[0],
    window=sm.params.window,
    order=sm.params.order,
)

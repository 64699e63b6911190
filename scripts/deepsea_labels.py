"""Sparse labels of every DeepSEA feature on each region split (the half-bin rule)."""

import sys

sys.stderr = open(snakemake.log[0], "w")  # noqa: F821

import logging

from genomic_tensors.cases.deepsea import write_labels

logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(asctime)s %(message)s")
splits = snakemake.params.splits  # noqa: F821
write_labels(
    dict(zip(splits, snakemake.input.regions)),  # noqa: F821
    snakemake.input.features,  # noqa: F821
    list(snakemake.input.peaks),  # noqa: F821
    dict(zip(splits, snakemake.output)),  # noqa: F821
    min_overlap=snakemake.params.min_overlap,  # noqa: F821
)

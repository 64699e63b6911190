"""Sparse labels of every DeepSEA feature on each region split (the half-bin rule)."""

import sys

sys.stderr = open(snakemake.log[0], "w")  # noqa: F821

import logging

from genomic_tensors.cases.deepsea.data import write_labels

logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(asctime)s %(message)s")
sm = snakemake  # noqa: F821
splits = sm.params.splits
write_labels(
    dict(zip(splits, sm.input.regions)),
    sm.input.features,
    list(sm.input.peaks),
    dict(zip(splits, sm.output)),
    min_overlap=sm.params.min_overlap,
)

"""Concatenate one run's per-part HDF5 files into results/variants/deepsea/<run>.h5, part by part."""

import sys

sys.stderr = open(snakemake.log[0], "w")  # noqa: F821

import logging

from genomic_tensors.cases.effects import merge_hdf5

logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(asctime)s %(message)s")
sm = snakemake  # noqa: F821
n = merge_hdf5(list(sm.input), sm.output[0])
logging.info("%d variants from %d parts", n, len(sm.input))

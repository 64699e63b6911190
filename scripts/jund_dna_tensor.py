"""Case 1: the DNA of each ROI bin with its flanks, one-hot of one order (stored as base codes)."""

import logging
import sys

sys.stderr = open(snakemake.log[0], "w")  # noqa: F821
logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

from genomic_tensors.cases.jund.data import build_dna  # noqa: E402

sm = snakemake  # noqa: F821
dna = build_dna(
    sm.input.fasta, sm.input.roi, binsize=sm.params.binsize, flank=sm.params.flank, order=sm.params.order
)
dna.save(sm.output[0])
logging.info("DNA order %d: %s", sm.params.order, dna.shape)

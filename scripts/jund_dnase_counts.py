"""Case 1: stranded DNase 5'-end counts of the ROI bins, one condition per replicate."""

import logging
import sys

sys.stderr = open(snakemake.log[0], "w")  # noqa: F821
logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

from genomic_tensors.cases.jund.data import build_dnase_counts  # noqa: E402

sm = snakemake  # noqa: F821
counts = build_dnase_counts(
    sm.input.bams,
    sm.input.roi,
    conditions=sm.params.replicates,
    binsize=sm.params.binsize,
    flank=sm.params.flank,
    resolution=sm.params.resolution,
    genome=sm.input.genome,
)
counts.save(sm.output[0])
logging.info("DNase counts %s, replicates %s", counts.shape, list(sm.params.replicates))

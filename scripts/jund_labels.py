"""Case 1: binding labels of the ROI bins (1 where a merged JunD peak overlaps the bin)."""

import logging
import sys

sys.stderr = open(snakemake.log[0], "w")  # noqa: F821
logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

from genomic_tensors.cases.jund.data import build_labels  # noqa: E402

sm = snakemake  # noqa: F821
labels = build_labels(sm.input.roi, sm.input.peaks, binsize=sm.params.binsize)
labels.save(sm.output[0])
logging.info("labels %s: %d positive of %d bins", labels.shape, int(labels[:].sum()), len(labels))

"""Case 1: the Fig. 2d locus, from the config or the strongest test-chromosome peak."""

import logging
import sys

sys.stderr = open(snakemake.log[0], "w")  # noqa: F821
logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

from genomic_tensors.cases.jund.locus import select_locus, write_locus  # noqa: E402

sm = snakemake  # noqa: F821
locus = select_locus(sm.input.peaks, sm.input.roi, test=sm.params.test, locus=sm.params.locus)
write_locus(locus, sm.output[0])

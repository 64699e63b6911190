"""Case 1: test-chromosome predictions of one model family (its best setting) as a bigWig."""

import logging
import sys

sys.stderr = open(snakemake.log[0], "w")  # noqa: F821
logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

from genomic_tensors.cases.jund.export import export_predictions  # noqa: E402

sm = snakemake  # noqa: F821
setting = export_predictions(
    list(sm.input.predictions), sm.input.metrics, sm.input.sizes, sm.output[0], family=sm.params.family
)
logging.info("exported %s", setting.label)

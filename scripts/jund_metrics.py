"""Case 1: every model's validation and test metrics in one table."""

import logging
import sys

sys.stderr = open(snakemake.log[0], "w")  # noqa: F821
logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

from genomic_tensors.cases.jund.tables import collect_metrics  # noqa: E402

sm = snakemake  # noqa: F821
metrics = collect_metrics(list(sm.input))
metrics.to_csv(sm.output[0], sep="\t", index=False, float_format="%.6g")
logging.info("%d metrics rows from %d models", len(metrics), len(sm.input))

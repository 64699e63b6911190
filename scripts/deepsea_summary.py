"""The medians behind each claim of the paper's case 2 (model, context, order, strands)."""

import sys

sys.stderr = open(snakemake.log[0], "w")  # noqa: F821

from genomic_tensors.cases.base import read_table
from genomic_tensors.cases.deepsea.tables import METRIC_COLUMNS, summarise

sm = snakemake  # noqa: F821
summary = summarise(read_table(sm.input[0], METRIC_COLUMNS))
summary.to_csv(sm.output[0], sep="\t", index=False, float_format="%.6g")
print(f"{len(summary)} summary rows", file=sys.stderr)

"""The medians behind each claim of the paper's case 2 (model, context, order, strands)."""

import sys

sys.stderr = open(snakemake.log[0], "w")  # noqa: F821

import pandas as pd

from genomic_tensors.cases.deepsea import summarise

summary = summarise(pd.read_csv(snakemake.input[0], sep="\t"))  # noqa: F821
summary.to_csv(snakemake.output[0], sep="\t", index=False, float_format="%.6g")  # noqa: F821
print(f"{len(summary)} summary rows", file=sys.stderr)

"""The case table: per-feature metrics of every trained run, one row per (run, feature)."""

import sys

sys.stderr = open(snakemake.log[0], "w")  # noqa: F821

from genomic_tensors.cases.deepsea import aggregate_metrics

table = aggregate_metrics(snakemake.input)  # noqa: F821
table.to_csv(snakemake.output[0], sep="\t", index=False, float_format="%.6g")  # noqa: F821
print(f"{len(table)} rows from {len(snakemake.input)} runs", file=sys.stderr)  # noqa: F821

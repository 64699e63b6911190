"""The case table: per-feature metrics of every trained run, one row per (run, feature)."""

import sys

sys.stderr = open(snakemake.log[0], "w")  # noqa: F821

from genomic_tensors.cases.deepsea.tables import aggregate_metrics

sm = snakemake  # noqa: F821
table = aggregate_metrics(list(sm.input))
table.to_csv(sm.output[0], sep="\t", index=False, float_format="%.6g")
print(f"{len(table)} rows from {len(sm.input)} runs", file=sys.stderr)

"""Collect the per-model metrics of case 3 into the case's metrics table."""

import sys

sys.stderr = open(snakemake.log[0], "w")

from genomic_tensors.cases.cage.tables import collect_metrics

metrics = collect_metrics(list(snakemake.input))
metrics.to_csv(snakemake.output[0], sep="\t", index=False, float_format="%.6g")
print(f"{len(metrics)} models -> {snakemake.output[0]}", file=sys.stderr)

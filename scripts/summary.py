"""The paper's claims beside this reproduction's numbers, from the metrics tables of the cases that ran and
the variant effects' auROC table when the config has a `variants` section."""

import sys

sys.stderr = open(snakemake.log[0], "w")

from genomic_tensors.cases import CASES
from genomic_tensors.cases.summary import write_summary

metrics = {case: snakemake.input[case] for case in CASES if case in snakemake.input.keys()}
variants = snakemake.input.get("variants")
table = write_summary(snakemake.output.tsv, snakemake.output.md, metrics, variants=variants)
print(table.to_string(), file=sys.stderr)

"""The paper's claims beside this reproduction's numbers, from the metrics tables of the cases that ran."""

import sys

sys.stderr = open(snakemake.log[0], "w")

from genomic_tensors.cases import CASES
from genomic_tensors.cases.summary import write_summary

metrics = {case: snakemake.input[case] for case in CASES if case in snakemake.input.keys()}
table = write_summary(snakemake.output.tsv, snakemake.output.md, metrics)
print(table.to_string(), file=sys.stderr)

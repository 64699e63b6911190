"""Table 1: mean and standard error of the test Pearson r over folds, beside the paper's values."""

import sys

sys.stderr = open(snakemake.log[0], "w")

from genomic_tensors.cases.cage.tables import write_table1

table = write_table1(
    snakemake.input[0], snakemake.output.tsv, snakemake.output.md, orders=snakemake.params.orders
)
print(table.to_string(), file=sys.stderr)

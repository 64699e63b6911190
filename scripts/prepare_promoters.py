"""Case 3: strand-aware promoters (upstream bp + the TSS) of one gene_type, BED6 + gene_name."""

import sys

sys.stderr = open(snakemake.log[0], "w")  # noqa: F821

from genomic_tensors import recipes  # noqa: E402

sm = snakemake  # noqa: F821
out = recipes.write_promoters(
    sm.input.annotation,
    sm.input.sizes,
    sm.output[0],
    upstream=sm.params.upstream,
    gene_type=sm.params.gene_type,
    splits=sm.params.splits,
)
plus, minus = int((out["strand"] == "+").sum()), int((out["strand"] == "-").sum())
print(
    f"{len(out)} promoters ({plus} on +, {minus} on -) of {sm.params.gene_type} genes,"
    f" {sm.params.upstream + 1} bp each",
    file=sys.stderr,
)

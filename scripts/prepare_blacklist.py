"""A genome's blacklist as sorted, merged BED3 on its chromosomes (empty when none)."""

import sys

sys.stderr = open(snakemake.log[0], "w")  # noqa: F821

from genomic_tensors import recipes  # noqa: E402

sm = snakemake  # noqa: F821
summary = recipes.prepare_blacklist(sm.input.get("blacklist"), sm.input.sizes, sm.output[0])
print(
    f"{summary.path}: {summary.intervals} intervals, {summary.bases} bp; chromosomes not in"
    f" the genome (dropped): {', '.join(summary.dropped_chroms) or 'none'}",
    file=sys.stderr,
)

"""Case 1: merged JunD peaks and the ROI (+-extend, minus blacklist, snapped to the grid)."""

import sys

sys.stderr = open(snakemake.log[0], "w")  # noqa: F821

from genomic_tensors import recipes  # noqa: E402

sm = snakemake  # noqa: F821
result = recipes.write_jund_roi(
    sm.input.peaks,
    sm.input.sizes,
    sm.input.blacklist,
    sm.output.merged,
    sm.output.roi,
    extend=sm.params.extension,
    binsize=sm.params.binsize,
    splits=sm.params.splits,
)
bp = int((result.roi["end"] - result.roi["start"]).sum())
dropped = ", ".join(result.dropped_chroms) or "none"
print(
    f"{len(result.merged)} merged peaks; ROI {len(result.roi)} intervals, {bp} bp"
    f" = {bp // sm.params.binsize} bins; peak chromosomes not in the genome (dropped): {dropped}",
    file=sys.stderr,
)

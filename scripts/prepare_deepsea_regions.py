"""Case 2: DeepSEA's region bins, split into train/validation/test."""

import sys

sys.stderr = open(snakemake.log[0], "w")  # noqa: F821

from genomic_tensors import recipes  # noqa: E402

sm = snakemake  # noqa: F821
p = {
    "binsize": 200,
    "min_overlap": 0.5,
    "test": ["chr8", "chr9"],
    "validation_fraction": 0.1,
    "block_size": 100,
    "seed": 1,
    **sm.params.regions,
}
peaks = sm.input.get("peaks", [])
peaks = [peaks] if isinstance(peaks, str) else list(peaks)
split = recipes.write_deepsea_regions(
    sm.input.sizes,
    sm.output.train,
    sm.output.validation,
    sm.output.test,
    tf_peak_files=peaks,
    bins_file=sm.input.get("bins"),
    binsize=p["binsize"],
    min_overlap=p["min_overlap"],
    test_chroms=p["test"],
    validation_fraction=p["validation_fraction"],
    block_size=p["block_size"],
    seed=p["seed"],
)
print(
    f"bins: train {len(split.train)}, validation {len(split.validation)}, test {len(split.test)}",
    file=sys.stderr,
)

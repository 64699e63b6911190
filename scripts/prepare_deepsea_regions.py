"""Case 2: DeepSEA's region bins, split into train/validation/test."""

import sys

sys.stderr = open(snakemake.log[0], "w")  # noqa: F821

from genomic_tensors.cases.deepsea.regions import RegionSettings, write_regions  # noqa: E402

sm = snakemake  # noqa: F821
peaks = sm.input.get("peaks", [])  # one TF peak file reads as a string
split = write_regions(
    sm.input.sizes,
    {name: sm.output[name] for name in ("train", "validation", "test")},
    RegionSettings(**sm.params.regions),
    tf_peak_files=[peaks] if isinstance(peaks, str) else list(peaks),
    bins_file=sm.input.get("bins"),
)
print(
    f"bins: train {len(split.train)}, validation {len(split.validation)}, test {len(split.test)}",
    file=sys.stderr,
)

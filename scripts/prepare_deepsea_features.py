"""Case 2 (checkpoint): the feature table (index, feature, category, url, path)."""

import sys

sys.stderr = open(snakemake.log[0], "w")  # noqa: F821

from genomic_tensors.cases.deepsea.features import write_features  # noqa: E402

sm = snakemake  # noqa: F821
table = write_features(
    sm.input[0],
    sm.params.base,
    sm.params.categories,
    sm.output[0],
    download_dir=sm.params.download_dir,
)
print(f"{len(table)} features: {table['category'].value_counts().to_dict()}", file=sys.stderr)

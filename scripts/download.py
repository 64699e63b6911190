"""Fetch one source (URL and mirrors, or a local path) to its download name, verified."""

import sys

sys.stderr = open(snakemake.log[0], "w")  # noqa: F821

from genomic_tensors import download  # noqa: E402

sm = snakemake  # noqa: F821
download.fetch(
    download.Source.from_config(sm.params.source_id, sm.params.spec),
    sm.output[0],
    encode_portal=sm.params.encode_portal,
    progress=sys.stderr,
)

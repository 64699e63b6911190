"""Decompress a genome FASTA (gzip/bgzip; plain FASTA is copied) for resources/genomes/."""

import sys

sys.stderr = open(snakemake.log[0], "w")  # noqa: F821

from genomic_tensors import recipes  # noqa: E402

sm = snakemake  # noqa: F821
recipes.decompress(sm.input[0], sm.output[0])

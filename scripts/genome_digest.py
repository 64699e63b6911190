"""The SHA-256 of a genome's uncompressed FASTA, once per genome: every model card names it.

Written as `sha256sum` writes it (`<hex>  genome.fa`), so that `sha256sum -c` checks the FASTA beside it.
"""

import sys

sys.stderr = open(snakemake.log[0], "w")  # noqa: F821

from genomic_tensors.modelcard import write_digest  # noqa: E402

sm = snakemake  # noqa: F821
digest = write_digest(sm.input[0], sm.output[0])
print(f"{sm.input[0]}: sha256 {digest}", file=sys.stderr)

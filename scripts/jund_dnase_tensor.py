"""Case 1: the DNase tensor of one normalization (none, tpm, zscorelog), fitted per replicate."""

import logging
import sys

sys.stderr = open(snakemake.log[0], "w")  # noqa: F821
logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

from genomic_tensors.cases.jund.data import load_dataset, normalize_dnase  # noqa: E402

sm = snakemake  # noqa: F821
dnase = normalize_dnase(load_dataset(sm.input[0]), sm.params.normalization)
dnase.save(sm.output[0])
logging.info("DNase %s: %s", sm.params.normalization, dnase.shape)

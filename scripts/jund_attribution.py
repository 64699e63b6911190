"""Case 1: Fig. 2d data: predictions, labels, DNase and the integrated-gradients attribution at the locus."""

import logging
import sys

sys.stderr = open(snakemake.log[0], "w")  # noqa: F821
logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

import numpy as np  # noqa: E402

from genomic_tensors import devices  # noqa: E402
from genomic_tensors.cases.jund.attribution import locus_tracks  # noqa: E402

sm = snakemake  # noqa: F821
devices.prepare(devices.ComputeSettings.from_config(sm.params.compute))
tracks = locus_tracks(
    sm.input.locus,
    list(sm.input.models),
    **{key: sm.input[key] for key in ("dna", "dnase", "counts", "labels")},
    test=sm.params.test,
    steps=sm.params.steps,
)
np.savez(sm.output[0], **tracks)

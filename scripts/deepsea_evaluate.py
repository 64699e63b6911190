"""Per-feature auPRC and auROC of one trained run on the test regions."""

import sys

sys.stderr = open(snakemake.log[0], "w")  # noqa: F821

import logging

from genomic_tensors import devices
from genomic_tensors.cases.deepsea.grid import RunSpec
from genomic_tensors.cases.deepsea.train import evaluate_run

logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(asctime)s %(message)s")
sm = snakemake  # noqa: F821
p, inp = sm.params, sm.input
devices.prepare(devices.ComputeSettings.from_config(p.compute))
rows = evaluate_run(
    RunSpec(**p.run),
    inp.model,
    inp.sequence,
    inp.labels,
    inp.features,
    batch_size=p.batch_size,
)
rows.to_csv(sm.output[0], sep="\t", index=False, float_format="%.6g")
logging.info("median auPRC %.4f over %d features", rows["auprc"].median(), len(rows))

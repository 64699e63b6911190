"""Per-feature auPRC and auROC of one trained run on the test regions."""

import sys

sys.stderr = open(snakemake.log[0], "w")  # noqa: F821

import logging

from genomic_tensors import devices
from genomic_tensors.cases.deepsea import RunSpec, evaluate_run

logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(asctime)s %(message)s")
p = snakemake.params  # noqa: F821
devices.prepare(devices.ComputeSettings.from_config(p.compute))
inp = snakemake.input  # noqa: F821
rows = evaluate_run(
    RunSpec(p.model, p.window, p.order, p.strands),
    inp.model,
    inp.sequence,
    inp.labels,
    inp.features,
    batch_size=p.batch_size,
)
rows.to_csv(snakemake.output[0], sep="\t", index=False, float_format="%.6g")  # noqa: F821
logging.info("median auPRC %.4f over %d features", rows["auprc"].median(), len(rows))

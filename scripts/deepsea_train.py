"""Train one DeepSEA/DanQ run of the grid on streamed k-mer codes and sparse labels."""

import sys

sys.stderr = open(snakemake.log[0], "w")  # noqa: F821

import logging

from genomic_tensors import devices
from genomic_tensors.cases.deepsea import RunSpec, train_run

logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(asctime)s %(message)s")
p = snakemake.params  # noqa: F821
options = devices.prepare(devices.ComputeSettings.from_config(p.compute))
inp = snakemake.input  # noqa: F821
result = train_run(
    RunSpec(p.model, p.window, p.order, p.strands),
    {"train": inp.train_sequence, "validation": inp.validation_sequence},
    {"train": inp.train_labels, "validation": inp.validation_labels},
    p.outdir,
    width=p.width,
    epochs=p.epochs,
    batch_size=p.batch_size,
    patience=p.patience,
    seed=p.seed,
    workers=snakemake.threads,  # noqa: F821
    options=options,
)
logging.info(
    "best epoch %d of %d, val_loss %.5f", result.best_epoch, result.epochs_run, result.best_loss
)

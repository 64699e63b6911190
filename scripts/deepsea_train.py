"""Train one DeepSEA/DanQ run of the grid on streamed k-mer codes and sparse labels."""

import sys

sys.stderr = open(snakemake.log[0], "w")  # noqa: F821

import logging

from genomic_tensors import devices
from genomic_tensors.cases.deepsea.grid import RunSpec
from genomic_tensors.cases.deepsea.train import TrainSettings, train_run
from genomic_tensors.modelcard import CardTarget, genome_entry

logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(asctime)s %(message)s")
sm = snakemake  # noqa: F821
p, inp = sm.params, sm.input
options = devices.prepare(devices.ComputeSettings.from_config(p.compute))
result = train_run(
    RunSpec(**p.run),
    {"train": inp.train_sequence, "validation": inp.validation_sequence},
    {"train": inp.train_labels, "validation": inp.validation_labels},
    p.outdir,
    TrainSettings(**p.settings),
    workers=sm.threads,
    options=options,
    card=CardTarget(sm.output.card, p.name, genome_entry(p.genome, inp.genome_digest)),
    features=inp.features,
)
logging.info(
    "best epoch %d of %d, val_loss %.5f", result.best_epoch, result.epochs_run, result.best_loss
)

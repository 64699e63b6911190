"""Train and evaluate one CAGE model (run x fold) of case 3."""

import sys

sys.stderr = open(snakemake.log[0], "w")

import logging
from pathlib import Path

logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")

import tensorflow as tf

tf.config.threading.set_intra_op_parallelism_threads(snakemake.threads)
tf.config.threading.set_inter_op_parallelism_threads(snakemake.threads)

from genomic_tensors import devices
from genomic_tensors.cases.cage.train import TrainSettings, train_fold
from genomic_tensors.modelcard import CardTarget, genome_entry

options = devices.prepare(devices.ComputeSettings.from_config(snakemake.params.compute))
train_fold(
    snakemake.input.signals,
    snakemake.input.get("fasta"),  # none for the chromatin model
    run=snakemake.wildcards.cage_run,
    fold=snakemake.wildcards.cage_fold,
    seed=snakemake.params.seed,
    settings=TrainSettings(**snakemake.params.settings),
    outdir=Path(snakemake.output[0]).parent,
    options=options,
    card=CardTarget(
        Path(snakemake.output[0]).with_name("model.json"),
        f"{snakemake.wildcards.cage_run}/{snakemake.wildcards.cage_fold}",
        genome_entry(snakemake.params.genome, snakemake.input.genome_digest),
    ),
)

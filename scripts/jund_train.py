"""Case 1: train one model of the grid and score it on the validation and test chromosomes."""

import logging
import sys

sys.stderr = open(snakemake.log[0], "w")  # noqa: F821
logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

from genomic_tensors import devices  # noqa: E402
from genomic_tensors.cases.jund.grid import Setting  # noqa: E402
from genomic_tensors.cases.jund.train import train_and_evaluate  # noqa: E402
from genomic_tensors.modelcard import CardTarget, genome_entry  # noqa: E402

sm = snakemake  # noqa: F821
options = devices.prepare(devices.ComputeSettings.from_config(sm.params.compute))
setting = Setting.from_params(sm.params.family, sm.params.setting)
logging.info("training %s, replicate %d", setting.label, sm.params.replicate)
model, history, metrics, predictions, card = sm.output
genome = genome_entry(sm.params.genome, sm.input.genome_digest)
train_and_evaluate(
    setting,
    labels=sm.input.labels,
    dna=sm.input.get("dna"),
    dnase=sm.input.get("dnase"),
    **{
        key: sm.params[key]
        for key in ("replicate", "seed", "validation", "test", "epochs", "batch_size", "patience")
    },
    threads=sm.threads,
    model_path=model,
    history_path=history,
    metrics_path=metrics,
    predictions_path=predictions,
    options=options,
    card=CardTarget(card, sm.wildcards.jund_model, genome),
    dnase_counts=sm.input.get("dnase_counts"),
)

"""Case 1: train one model of the grid and score it on the validation and test chromosomes."""

import logging
import sys

sys.stderr = open(snakemake.log[0], "w")  # noqa: F821
logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

from genomic_tensors import devices  # noqa: E402
from genomic_tensors.cases import jund  # noqa: E402

sm = snakemake  # noqa: F821
options = devices.prepare(devices.ComputeSettings.from_config(sm.params.compute))
setting = jund.Setting.from_params(sm.params.family, sm.params.setting)
logging.info("training %s, replicate %d", setting.label, sm.params.replicate)
model, history, metrics, predictions = sm.output
jund.train_and_evaluate(
    setting,
    labels=sm.input.labels,
    dna=sm.input.get("dna"),
    dnase=sm.input.get("dnase"),
    replicate=sm.params.replicate,
    seed=sm.params.seed,
    validation=sm.params.validation,
    test=sm.params.test,
    epochs=sm.params.epochs,
    batch_size=sm.params.batch_size,
    patience=sm.params.patience,
    threads=sm.threads,
    model_path=model,
    history_path=history,
    metrics_path=metrics,
    predictions_path=predictions,
    options=options,
)

"""The variant effects figure and the JunD models' auROC on the VCF's planted classes (for the summary)."""

import sys

sys.stderr = open(snakemake.log[0], "w")  # noqa: F821

import logging

import pandas as pd

from genomic_tensors.cases.effects import JUND_COLUMNS, TOP_COLUMNS
from genomic_tensors.cases.effects_report import model_aurocs, planted_classes, variant_figure

logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(asctime)s %(message)s")
sm = snakemake  # noqa: F821
inp, out = sm.input, sm.output
jund = pd.read_csv(inp.jund, sep="\t", dtype={"variant_id": str}) if "jund" in inp.keys() else None
top = pd.read_csv(inp.top, sep="\t", dtype={"variant_id": str}) if "top" in inp.keys() else None
classes = planted_classes(inp.vcf)
aurocs = model_aurocs(jund if jund is not None else pd.DataFrame(columns=JUND_COLUMNS), classes)
aurocs.to_csv(out.auroc, sep="\t", index=False, float_format="%.6g")
variant_figure(jund, classes, top if top is None else top[TOP_COLUMNS], out.png, out.svg)
logging.info("%d planted classes; auROC per model:\n%s", len(classes), aurocs.to_string())

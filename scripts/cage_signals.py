"""Raw CAGE, DNase and H3K4me3 summaries of every promoter (case 3)."""

import sys

sys.stderr = open(snakemake.log[0], "w")

import logging

logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")

from genomic_tensors.cases.cage.data import promoter_signals

# The inputs cage and dnase are [bam, bai] pairs.
table = promoter_signals(
    snakemake.input.promoters,
    cage_bam=snakemake.input.cage[0],
    dnase_bam=snakemake.input.dnase[0],
    h3k4me3_bigwig=snakemake.input.h3k4me3,
    flanks=snakemake.params.flanks,
    genome=snakemake.input.genome,
)
table.to_csv(snakemake.output[0], sep="\t", index=False, float_format="%.6g")
logging.getLogger("genomic_tensors").info("%d promoters -> %s", len(table), snakemake.output[0])

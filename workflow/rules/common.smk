# Configuration, validation and the target list. Input functions of each stage live beside its rules.
import os
import sys
from pathlib import Path

from snakemake.utils import validate

# The internal package, importable by the Snakefile and (through Snakemake's sys.path) by rule scripts,
# with and without --use-conda.
SRC = str(Path(workflow.basedir).parent / "src")
if SRC not in sys.path:
    sys.path.insert(0, SRC)


from genomic_tensors.cases import CASES

validate(config, "../schemas/config.schema.yaml")

SCRIPTS = Path(workflow.basedir).parent / "scripts"


# Rules that train or predict run in the CUDA TensorFlow environment whenever the config asks for GPUs,
# in the CPU build's otherwise (paths relative to the rules files, as in `conda:` directives).
TRAIN_ENV = (
    "../../envs/train-gpu.yaml"
    if config["training"]["gpus"] > 0
    else "../../envs/train.yaml"
)
# What every training or prediction job checks and sets up first (genomic_tensors.devices.prepare).
COMPUTE = {
    key: config["training"][key]
    for key in ("gpus", "allow_cpu", "precision", "jit_compile", "deterministic")
}


def scaled(base, attempt, factor=2):
    """A resource that grows with the attempt (``base``, then ``factor`` times more on each retry), so that a
    job killed for running out of memory or time can succeed when the profile retries it.
    """
    return int(base * factor ** (attempt - 1))


def scaled_resource(base, factor=2):
    """A resource function for `resources:` giving :func:`scaled` of ``base`` on each attempt."""

    def resource(wildcards, attempt):
        return scaled(base, attempt, factor)

    return resource


def case_enabled(case):
    """True when the case study is both configured and listed in `cases`."""
    return case in config and case in config["cases"]


def enabled_cases():
    """The enabled cases, in the registry's (the paper's) order."""
    return [case for case in CASES if case_enabled(case)]


# --- Paths: every output folder of the workflow is named here, and only here (the package takes paths) ---
DOWNLOADS = "resources/downloads"
DEEPSEA_DOWNLOADS = f"{DOWNLOADS}/deepsea"
GENOMES_DIR = "resources/genomes"
JUND = "results/jund"
DEEPSEA = "results/deepsea"
CAGE = "results/cage"
TABLES = "results/tables"
FIGURES = "results/figures"
SUMMARY = "results/summary"
BENCHMARKS = "results/benchmarks"

# Case 1: one folder per trained model, by family and grid point.
JUND_FAMILIES = ["dna", "dnase", "combined"]
JUND_MODEL_FILES = [
    "model.keras",
    "history.tsv",
    "metrics.tsv",
    "predictions.tsv",
    "model.json",
]
JUND_FIGURES = ["fig2a", "fig2b", "fig2c", "fig2d"]
# Case 2: one run per grid point (genomic_tensors.cases.deepsea.grid); sequence inputs per window and order.
DEEPSEA_SPLITS = ["train", "validation", "test"]
DEEPSEA_RUN = "{ds_model}_w{ds_window}_o{ds_order}_{ds_strands}"
DEEPSEA_FIGURES = ["fig3a", "fig3b", "fig3c", "figS1"]
# Case 3: one folder per (run, validation fold).
CAGE_MODEL_FILES = [
    "model.keras",
    "history.tsv",
    "predictions.tsv",
    "metrics.tsv",
    "model.json",
]


def dropout_label(rate):
    """An input-dropout rate as it appears in paths: ``0.0 -> "0"``, ``0.2 -> "0.2"``."""
    return f"{float(rate):g}"


def jund_model_dirs(family):
    """Folders of every training job of one JunD model family, from the `jund` config section."""
    cfg = config["jund"]
    reps = range(1, int(cfg["replicates"]) + 1)
    if family == "dna":
        return [
            f"{JUND}/models/dna/order{o}_dropout{dropout_label(d)}/rep{r}"
            for o in cfg["dna"]["orders"]
            for d in cfg["dna"]["dropout"]
            for r in reps
        ]
    if family == "dnase":
        return [
            f"{JUND}/models/dnase/{n}_{a}/rep{r}"
            for n in cfg["dnase_model"]["normalizations"]
            for a in cfg["dnase_model"]["augment"]
            for r in reps
        ]
    if family == "combined":
        return [f"{JUND}/models/combined/rep{r}" for r in reps]
    raise ValueError(
        f"unknown JunD model family {family!r}; expected one of {JUND_FAMILIES}"
    )


def jund_model_files(families, name):
    """The file ``name`` (e.g. ``metrics.tsv``) of every training job of the given families."""
    return [f"{d}/{name}" for family in families for d in jund_model_dirs(family)]


def deepsea_sequence_file(split):
    """An input function: the split's sequence file for the job's window and order wildcards."""

    def path(wildcards):
        return f"{DEEPSEA}/sequence/w{wildcards.ds_window}_o{wildcards.ds_order}/{split}.npz"

    return path


def model_cards(case):
    """The card (model.json) of every model a case trains: `rule all` asks for them."""
    if case == "jund":
        return jund_model_files(JUND_FAMILIES, "model.json")
    if case == "deepsea":
        return deepsea_run_files(f"{DEEPSEA}/models/{DEEPSEA_RUN}/model.json")
    return expand(
        f"{CAGE}/models/{{run}}/{{fold}}/model.json",
        run=CAGE_RUNS,
        fold=config["cage"]["folds"],
    )


def case_targets(case):
    """The final outputs of one case (its metrics table, tables and figures as PNG and SVG)."""
    figures = {"jund": JUND_FIGURES, "deepsea": DEEPSEA_FIGURES, "cage": ["fig4"]}[case]
    targets = [f"results/{case}/metrics.tsv"]
    if case == "jund":
        targets += [
            f"{JUND}/predictions/{family}.test.bigwig" for family in JUND_FAMILIES
        ]
    if case == "deepsea":
        targets += [f"{TABLES}/deepsea_summary.tsv"]
    if case == "cage":
        targets += [f"{TABLES}/table1.tsv", f"{TABLES}/table1.md"]
    targets += model_cards(case)
    return targets + [
        f"{FIGURES}/{fig}.{ext}" for fig in figures for ext in ("png", "svg")
    ]


def region_targets(case):
    """The regions (ROI) a case's region rules write."""
    if case == "jund":
        return [f"{JUND}/roi/peaks.merged.bed", f"{JUND}/roi/roi.bed"]
    if case == "cage":
        return [f"{CAGE}/roi/promoters.bed"]
    return [f"{DEEPSEA}/features.tsv"] + [
        f"{DEEPSEA}/regions/{split}.bed" for split in DEEPSEA_SPLITS
    ]


# Variant effects of the `variants` VCF (rules in variants.smk): per-part scores, merged tables, the figure.
VARIANTS = "results/variants"


def variants_enabled(case):
    """True when the `variants` section scores with a case's models (its flag is on and the case runs)."""
    return "variants" in config and config["variants"][case] and case_enabled(case)


def variants_targets():
    """The variant effect outputs (empty without a `variants` section or a case to score with)."""
    targets = [f"{VARIANTS}/jund_effects.tsv"] if variants_enabled("jund") else []
    if variants_enabled("deepsea"):
        targets += variants_deepsea_files() + [f"{VARIANTS}/deepsea_top.tsv"]
    if targets:
        targets += [f"{VARIANTS}/jund_auroc.tsv"]
        targets += [f"{FIGURES}/variant_effects.{ext}" for ext in ("png", "svg")]
    return targets


SUMMARY_FILES = [
    f"{SUMMARY}/paper_vs_reproduction.tsv",
    f"{SUMMARY}/paper_vs_reproduction.md",
    f"{SUMMARY}/config.yaml",
]


def all_targets():
    """Every final output of the configured case studies (the input of `rule all`)."""
    targets = world_outputs() if "world" in config else []
    targets += download_targets() + genome_targets()
    for case in enabled_cases():
        targets += region_targets(case) + case_targets(case)
    targets += variants_targets()
    if enabled_cases() == list(CASES):
        # Rules in summary.smk; with fewer cases, ask for results/summary/... explicitly (rows NA).
        targets += SUMMARY_FILES
    return targets


# --- The synthetic demo world (rules in world.smk) ---
WORLD = "results/demo/world"
WORLD_FILES = [
    "genome.fa",
    "genome.fa.fai",
    "genome.chrom.sizes",
    "blacklist.bed",
    "jund/peaks.narrowPeak.gz",
    "jund/dnase_roadmap.bam",
    "jund/dnase_roadmap.bam.bai",
    "jund/dnase_encode.bam",
    "jund/dnase_encode.bam.bai",
    "deepsea/urls.txt",
    "cage/annotation.gtf.gz",
    "cage/cage.bam",
    "cage/cage.bam.bai",
    "cage/dnase.bam",
    "cage/dnase.bam.bai",
    "cage/h3k4me3.bigwig",
    "variants.vcf.gz",
]


def world_outputs():
    return [f"{WORLD}/{name}" for name in WORLD_FILES]

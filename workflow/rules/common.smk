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


def script_path(name):
    """Path of a rule script in scripts/, relative to this rules file as Snakemake expects."""
    return f"../../scripts/{name}"


def case_enabled(case):
    """True when the case study is both configured and listed in `cases`."""
    return case in config and case in config["cases"]


def all_targets():
    """Every final output of the configured case studies (the input of `rule all`)."""
    targets = []
    if "world" in config:
        targets += world_outputs()
    targets += references_targets()
    for case, case_targets in (
        ("jund", jund_targets),
        ("deepsea", deepsea_targets),
        ("cage", cage_targets),
    ):
        if case_enabled(case):
            targets += case_targets()
    if all(case_enabled(case) for case in ("jund", "deepsea", "cage")):
        # Rules in summary.smk; with fewer cases, ask for results/summary/... explicitly (rows NA).
        targets += [
            "results/summary/paper_vs_reproduction.tsv",
            "results/summary/paper_vs_reproduction.md",
            "results/summary/config.yaml",
        ]
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

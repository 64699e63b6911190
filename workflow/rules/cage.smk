# Case 3: CAGE signal at protein-coding promoters of HepG2 from DNA, chromatin and both (Table 1, Fig. 4).
# Inputs: the promoter ROI (references.smk), the genome, the CAGE and DNase BAMs, the H3K4me3 bigWig
# (sources.smk). Grid: model (DNA and combined at each order, chromatin once) x validation chromosome (fold);
# the test chromosome is fixed. Statistics of the log z-score come from each fold's training promoters, so
# they are fitted inside the training job, never on the whole table.
from genomic_tensors.cases.cage import RUN_PATTERN, planned_runs, run_seed

CAGE = "results/cage"
CAGE_MODEL_FILES = ["model.keras", "history.tsv", "predictions.tsv", "metrics.tsv"]


def cage_cfg(*keys):
    """A value of the validated `cage` config section (schema defaults filled in)."""
    node = config["cage"]
    for key in keys:
        node = node[key]
    return node


def cage_runs():
    """Run names of the grid: dna_order<k>, chromatin, combined_order<k>."""
    return [run.name for run in planned_runs(cage_cfg("orders"))]


def cage_model_outputs(name):
    """One file of every trained model (run x fold)."""
    return expand(
        f"{CAGE}/models/{{run}}/{{fold}}/{name}",
        run=cage_runs(),
        fold=cage_cfg("folds"),
    )


def cage_figure_predictions():
    """Test predictions of the Fig. 4 model: combined, order 3 (else the highest order), figure fold."""
    folds = cage_cfg("folds")
    fold = cage_cfg("figure_fold") if "figure_fold" in config["cage"] else folds[0]
    if fold not in folds:
        raise ValueError(f"cage.figure_fold {fold!r} is not one of cage.folds {folds}")
    orders = cage_cfg("orders")
    order = 3 if 3 in orders else max(orders)
    return f"{CAGE}/models/combined_order{order}/{fold}/predictions.tsv"


def cage_figure_title():
    run, fold = Path(cage_figure_predictions()).parts[-3:-1]
    test = ", ".join(cage_cfg("test"))
    return f"{run.replace('_', ' ')}, validation {fold}, test {test}"


def cage_signal_inputs(wildcards):
    cage_bam, cage_bai = bam_with_index(cage_cfg("cage"))
    dnase_bam, dnase_bai = bam_with_index(cage_cfg("dnase"))
    return {
        "promoters": f"{CAGE}/roi/promoters.bed",
        "cage": cage_bam,
        "cage_index": cage_bai,
        "dnase": dnase_bam,
        "dnase_index": dnase_bai,
        "h3k4me3": source_path(cage_cfg("h3k4me3")),
    }


def cage_train_inputs(wildcards):
    """The signal table, and the genome only for runs that read DNA."""
    inputs = {"signals": f"{CAGE}/data/signals.tsv"}
    if not wildcards.cage_run.startswith("chromatin"):
        fasta = genome_fasta(cage_cfg("genome"))
        inputs.update(fasta=fasta, fasta_index=f"{fasta}.fai")
    return inputs


def cage_targets():
    """The final outputs of case 3 (requested by `rule all`)."""
    return [
        f"{CAGE}/metrics.tsv",
        "results/tables/table1.tsv",
        "results/tables/table1.md",
        "results/figures/fig4.png",
        "results/figures/fig4.svg",
    ]


wildcard_constraints:
    cage_run=RUN_PATTERN,
    cage_fold="[A-Za-z0-9_.]+",


# ------------------------------------------------------------------------------------------- signals
# Raw per-promoter summaries (CAGE +-400 bp, DNase +-200 bp, H3K4me3 +-200 bp); transforms are per fold.
rule cage_signals:
    input:
        unpack(cage_signal_inputs),
    output:
        f"{CAGE}/data/signals.tsv",
    log:
        "logs/cage/signals.log",
    benchmark:
        "results/benchmarks/cage/signals.tsv"
    conda:
        "../../envs/train.yaml"
    resources:
        # One pass over each BAM per chromosome; ~20k promoters on hg38.
        mem_mb=8000,
        runtime=60,
    params:
        flanks=cage_cfg("flanks"),
    script:
        "../../scripts/cage_signals.py"


# ------------------------------------------------------------------------------------------ training
# One job per (run, fold): trains, then predicts the validation and test promoters and writes metrics.
rule cage_train:
    input:
        unpack(cage_train_inputs),
    output:
        [
            f"{CAGE}/models/{{cage_run}}/{{cage_fold}}/{name}"
            for name in CAGE_MODEL_FILES
        ],
    log:
        "logs/cage/models/{cage_run}/{cage_fold}.log",
    benchmark:
        "results/benchmarks/cage/models/{cage_run}/{cage_fold}.tsv"
    conda:
        "../../envs/train.yaml"
    threads: config["training"]["threads"]
    resources:
        # ~20k promoters x 901 bp; at most 100 epochs of a model with a few thousand parameters.
        mem_mb=8000,
        runtime=120,
        gpu=config["training"]["gpus"],
    params:
        seed=lambda wc: run_seed(config["seed"], wc.cage_run, wc.cage_fold),
        test=cage_cfg("test"),
        dna_flank=cage_cfg("flanks", "dna"),
        dropout=cage_cfg("dropout"),
        epochs=cage_cfg("epochs"),
        batch_size=cage_cfg("batch_size"),
        patience=config["training"]["patience"],
    script:
        "../../scripts/cage_train.py"


# ---------------------------------------------------------------------------- metrics, Table 1, Fig. 4
rule cage_metrics:
    input:
        cage_model_outputs("metrics.tsv"),
    output:
        report(
            f"{CAGE}/metrics.tsv",
            caption="../report/cage_metrics.rst",
            category="Case 3: CAGE",
        ),
    log:
        "logs/cage/metrics.log",
    conda:
        "../../envs/plot.yaml"
    script:
        "../../scripts/cage_metrics.py"


rule cage_table1:
    input:
        f"{CAGE}/metrics.tsv",
    output:
        tsv=report(
            "results/tables/table1.tsv",
            caption="../report/cage_table1.rst",
            category="Case 3: CAGE",
        ),
        md=report(
            "results/tables/table1.md",
            caption="../report/cage_table1.rst",
            category="Case 3: CAGE",
        ),
    log:
        "logs/cage/table1.log",
    conda:
        "../../envs/plot.yaml"
    params:
        orders=cage_cfg("orders"),
    script:
        "../../scripts/cage_table1.py"


rule cage_fig4:
    input:
        cage_figure_predictions(),
    output:
        png=report(
            "results/figures/fig4.png",
            caption="../report/cage_fig4.rst",
            category="Case 3: CAGE",
        ),
        svg=report(
            "results/figures/fig4.svg",
            caption="../report/cage_fig4.rst",
            category="Case 3: CAGE",
        ),
    log:
        "logs/cage/fig4.log",
    conda:
        "../../envs/plot.yaml"
    params:
        title=cage_figure_title(),
    script:
        "../../scripts/cage_fig4.py"

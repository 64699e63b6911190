# Case 3: CAGE signal at protein-coding promoters of HepG2 from DNA, chromatin and both (Table 1, Fig. 4).
# Inputs: the promoter ROI (references.smk), the genome, the CAGE and DNase BAMs, the H3K4me3 bigWig
# (sources.smk). Grid: model (DNA and combined at each order, chromatin once) x validation chromosome (fold);
# the test chromosome is fixed. Statistics of the log z-score come from each fold's training promoters, so
# they are fitted inside the training job, never on the whole table. The grid, the Fig. 4 model and the
# targets are computed by genomic_tensors.cases.cage (tested there), so this file holds rules only.
from genomic_tensors.cases.cage import (
    RUN_PATTERN,
    figure_model,
    figure_title,
    planned_runs,
    run_seed,
)
from genomic_tensors.cases.cage import workflow_targets as cage_targets

CAGE = "results/cage"
CAGE_MODEL_FILES = ["model.keras", "history.tsv", "predictions.tsv", "metrics.tsv"]


if "cage" in config:
    CAGE_CFG = config["cage"]
    CAGE_RUNS = [run.name for run in planned_runs(CAGE_CFG["orders"])]
    CAGE_FASTA = genome_fasta(CAGE_CFG["genome"])

    wildcard_constraints:
        cage_run=RUN_PATTERN,
        cage_fold="[A-Za-z0-9_.]+",

    # ----------------------------------------------------------------------------------------- signals
    # Raw per-promoter summaries (CAGE +-400 bp, DNase +-200 bp, H3K4me3 +-200 bp); transforms are per fold.
    rule cage_signals:
        input:
            promoters=f"{CAGE}/roi/promoters.bed",
            cage=bam_with_index(CAGE_CFG["cage"]),
            dnase=bam_with_index(CAGE_CFG["dnase"]),
            h3k4me3=source_path(CAGE_CFG["h3k4me3"]),
            # The BAM and bigWig headers' chromosome lengths are checked against it.
            genome=f"{CAGE_FASTA}.fai",
        output:
            f"{CAGE}/data/signals.tsv",
        log:
            "logs/cage/signals.log",
        benchmark:
            "results/benchmarks/cage/signals.tsv"
        conda:
            "../../envs/data.yaml"
        resources:
            # One pass over each BAM per chromosome; ~20k promoters on hg38.
            mem_mb=lambda wc, attempt: scaled(8000, attempt),
            runtime=lambda wc, attempt: scaled(60, attempt),
        params:
            flanks=CAGE_CFG["flanks"],
        script:
            "../../scripts/cage_signals.py"

    # ---------------------------------------------------------------------------------------- training
    # One job per (run, fold): trains, then predicts the validation and test promoters, writes metrics.
    rule cage_train:
        input:
            signals=f"{CAGE}/data/signals.tsv",
            # The chromatin model reads no DNA.
            fasta=lambda wc: [] if wc.cage_run == "chromatin" else CAGE_FASTA,
            fasta_index=lambda wc: (
                [] if wc.cage_run == "chromatin" else f"{CAGE_FASTA}.fai"
            ),
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
            TRAIN_ENV
        threads: config["training"]["threads"]
        resources:
            # ~20k promoters x 901 bp; at most 100 epochs of a model with a few thousand parameters.
            mem_mb=lambda wc, attempt: scaled(8000, attempt),
            runtime=lambda wc, attempt: scaled(120, attempt),
            gpu=config["training"]["gpus"],
        params:
            compute=COMPUTE,
            seed=lambda wc: run_seed(config["seed"], wc.cage_run, wc.cage_fold),
            test=CAGE_CFG["test"],
            dna_flank=CAGE_CFG["flanks"]["dna"],
            dropout=CAGE_CFG["dropout"],
            epochs=CAGE_CFG["epochs"],
            batch_size=CAGE_CFG["batch_size"],
            patience=config["training"]["patience"],
            batchnorm_momentum=CAGE_CFG["batchnorm_momentum"],
        script:
            "../../scripts/cage_train.py"

    # ------------------------------------------------------------------------ metrics, Table 1, Fig. 4
    rule cage_metrics:
        input:
            expand(
                f"{CAGE}/models/{{run}}/{{fold}}/metrics.tsv",
                run=CAGE_RUNS,
                fold=CAGE_CFG["folds"],
            ),
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
            orders=CAGE_CFG["orders"],
        script:
            "../../scripts/cage_table1.py"

    rule cage_fig4:
        input:
            "{}/models/{}/{}/predictions.tsv".format(CAGE, *figure_model(CAGE_CFG)),
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
            title=figure_title(CAGE_CFG),
        script:
            "../../scripts/cage_fig4.py"

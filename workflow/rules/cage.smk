# Case 3: CAGE signal at protein-coding promoters of HepG2 from DNA, chromatin and both (Table 1, Fig. 4).
# Inputs: the promoter ROI (cage_promoters, below), the genome, the CAGE and DNase BAMs, the H3K4me3 bigWig
# (downloads.smk). Grid: model (DNA and combined at each order, chromatin once) x validation chromosome (fold);
# the test chromosome is fixed. Statistics of the log z-score come from each fold's training promoters, so
# they are fitted inside the training job, never on the whole table. The grid, the Fig. 4 model and the
# seeds are computed by genomic_tensors.cases.cage.grid (tested there), so this file holds rules only
# (their functions are in functions.smk).
from genomic_tensors.cases.cage.grid import (
    RUN_PATTERN,
    figure_model,
    figure_title,
    planned_runs,
)

if "cage" in config:
    CAGE_CFG = config["cage"]
    CAGE_RUNS = [run.name for run in planned_runs(CAGE_CFG["orders"])]
    CAGE_FASTA = genome_fasta(CAGE_CFG["genome"])
    # What every training job shares (genomic_tensors.cases.cage.train.TrainSettings).
    CAGE_TRAINING = dict(
        test=CAGE_CFG["test"],
        dna_flank=CAGE_CFG["flanks"]["dna"],
        dropout=CAGE_CFG["dropout"],
        epochs=CAGE_CFG["epochs"],
        batch_size=CAGE_CFG["batch_size"],
        patience=config["training"]["patience"],
        batchnorm_momentum=CAGE_CFG["batchnorm_momentum"],
    )

    wildcard_constraints:
        cage_run=RUN_PATTERN,
        cage_fold="[A-Za-z0-9_.]+",

    # ----------------------------------------------------------------------------------------- promoters
    rule cage_promoters:
        input:
            annotation=source_path(CAGE_CFG["annotation"]),
            sizes=genome_sizes(CAGE_CFG["genome"]),
        output:
            f"{CAGE}/roi/promoters.bed",
        log:
            "logs/cage/promoters.log",
        conda:
            "../../envs/data.yaml"
        params:
            upstream=CAGE_CFG["promoter"]["upstream"],
            gene_type=CAGE_CFG["promoter"]["gene_type"],
            splits=split_chromosomes("cage"),
        script:
            "../../scripts/prepare_promoters.py"

    # ----------------------------------------------------------------------------------------- signals
    # Raw per-promoter summaries (CAGE +-400 bp, DNase +-200 bp, H3K4me3 +-200 bp); transforms are per fold.
    rule cage_signals:
        input:
            promoters=f"{CAGE}/roi/promoters.bed",
            cage=bam_with_index(CAGE_CFG["cage"]),
            dnase=bam_with_index(CAGE_CFG["dnase"]),
            h3k4me3=source_path(CAGE_CFG["h3k4me3"]),
            # The BAM and bigWig headers' chromosome lengths are checked against it.
            genome=genome_fai(CAGE_CFG["genome"]),
        output:
            f"{CAGE}/data/signals.tsv",
        log:
            "logs/cage/signals.log",
        benchmark:
            f"{BENCHMARKS}/cage/signals.tsv"
        conda:
            "../../envs/data.yaml"
        resources:
            # One pass over each BAM per chromosome; ~20k promoters on hg38.
            mem_mb=scaled_resource(8000),
            runtime=scaled_resource(60),
        params:
            flanks=CAGE_CFG["flanks"],
        script:
            "../../scripts/cage_signals.py"

    # ---------------------------------------------------------------------------------------- training
    # One job per (run, fold): trains, then predicts the validation and test promoters, writes metrics.
    rule cage_train:
        input:
            unpack(cage_train_inputs),
            genome_digest=genome_digest(CAGE_CFG["genome"]),
        output:
            [
                f"{CAGE}/models/{{cage_run}}/{{cage_fold}}/{name}"
                for name in CAGE_MODEL_FILES
            ],
        log:
            "logs/cage/models/{cage_run}/{cage_fold}.log",
        benchmark:
            f"{BENCHMARKS}/cage/models/{{cage_run}}/{{cage_fold}}.tsv"
        conda:
            TRAIN_ENV
        threads: config["training"]["threads"]
        resources:
            # ~20k promoters x 901 bp; at most 100 epochs of a model with a few thousand parameters.
            mem_mb=scaled_resource(8000),
            runtime=scaled_resource(120),
            gpu=config["training"]["gpus"],
        params:
            compute=COMPUTE,
            seed=cage_seed,
            settings=CAGE_TRAINING,
            # The model card's genome entry.
            genome=CAGE_CFG["genome"],
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
            cage_report(f"{CAGE}/metrics.tsv", "metrics"),
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
            tsv=cage_report(f"{TABLES}/table1.tsv", "table1"),
            md=cage_report(f"{TABLES}/table1.md", "table1"),
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
            png=cage_report(f"{FIGURES}/fig4.png", "fig4"),
            svg=cage_report(f"{FIGURES}/fig4.svg", "fig4"),
        log:
            "logs/cage/fig4.log",
        conda:
            "../../envs/plot.yaml"
        params:
            title=figure_title(CAGE_CFG),
        script:
            "../../scripts/cage_fig4.py"

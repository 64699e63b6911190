# Case 1: JunD binding in 200-bp bins of H1-hESC from DNA, DNase and both (Fig. 2a-d).
# Inputs: the JunD ROI and merged peaks (references.smk), the genome and two DNase BAMs (sources.smk).
# Grid: DNA order x input dropout x replicate; DNase normalization x augmentation x replicate; combined x
# replicate. Each training job also evaluates its model on the validation and test chromosomes.

from genomic_tensors.cases.jund import model_files
from genomic_tensors.cases.jund import workflow_targets as jund_targets

JUND = "results/jund"
JUND_MODEL_FILES = ["model.keras", "history.tsv", "metrics.tsv", "predictions.tsv"]


if "jund" in config:
    JUND_CFG = config["jund"]
    JUND_GENOME = JUND_CFG["genome"]
    JUND_COMBINED = JUND_CFG["combined"]

    wildcard_constraints:
        jund_order="[1-9]",
        jund_dropout="[0-9.]+",
        jund_norm="none|tpm|zscorelog",
        jund_augment="none|flip",
        jund_rep="[0-9]+",
        jund_family="dna|dnase|combined",

    # ------------------------------------------------------------------------------------------- tensors
    rule jund_labels:
        input:
            roi=f"{JUND}/roi/roi.bed",
            peaks=f"{JUND}/roi/peaks.merged.bed",
        output:
            f"{JUND}/data/labels.npz",
        log:
            "logs/jund/data/labels.log",
        conda:
            "../../envs/data.yaml"
        resources:
            mem_mb=lambda wc, attempt: scaled(4000, attempt),
            runtime=lambda wc, attempt: scaled(30, attempt),
        params:
            binsize=JUND_CFG["roi"]["binsize"],
        script:
            "../../scripts/jund_labels.py"

    rule jund_dna_tensor:
        input:
            fasta=genome_fasta(JUND_GENOME),
            fai=genome_fai(JUND_GENOME),
            roi=f"{JUND}/roi/roi.bed",
        output:
            f"{JUND}/data/dna_order{{jund_order}}.npz",
        log:
            "logs/jund/data/dna_order{jund_order}.log",
        conda:
            "../../envs/data.yaml"
        resources:
            # One byte per ROI base (codes, never one-hot), plus the FASTA index.
            mem_mb=lambda wc, attempt: scaled(8000, attempt),
            runtime=lambda wc, attempt: scaled(60, attempt),
        params:
            binsize=JUND_CFG["roi"]["binsize"],
            flank=JUND_CFG["dna"]["flank"],
            order=lambda wc: int(wc.jund_order),
        script:
            "../../scripts/jund_dna_tensor.py"

    rule jund_dnase_counts:
        input:
            bams=[p for s in JUND_CFG["dnase"].values() for p in bam_with_index(s)],
            roi=f"{JUND}/roi/roi.bed",
            # The BAM headers' chromosome lengths are checked against it (another assembly fails).
            genome=genome_fai(JUND_GENOME),
        output:
            f"{JUND}/data/dnase_counts.npz",
        log:
            "logs/jund/data/dnase_counts.log",
        conda:
            "../../envs/data.yaml"
        resources:
            # The real BAMs are 1.1 and 3.5 GB; each is read once per chromosome.
            mem_mb=lambda wc, attempt: scaled(16000, attempt),
            runtime=lambda wc, attempt: scaled(180, attempt),
        params:
            replicates=list(JUND_CFG["dnase"]),
            binsize=JUND_CFG["roi"]["binsize"],
            flank=JUND_CFG["dnase_model"]["flank"],
            resolution=JUND_CFG["dnase_model"]["resolution"],
        script:
            "../../scripts/jund_dnase_counts.py"

    rule jund_dnase_tensor:
        input:
            f"{JUND}/data/dnase_counts.npz",
        output:
            f"{JUND}/data/dnase_{{jund_norm}}.npz",
        log:
            "logs/jund/data/dnase_{jund_norm}.log",
        conda:
            "../../envs/data.yaml"
        resources:
            mem_mb=lambda wc, attempt: scaled(8000, attempt),
            runtime=lambda wc, attempt: scaled(30, attempt),
        params:
            normalization="{jund_norm}",
        script:
            "../../scripts/jund_dnase_tensor.py"

    # ------------------------------------------------------------------------------------------ training
    # One job per grid point; each writes its model, its history, its validation/test metrics and its test
    # predictions (so one TensorFlow start-up serves training and evaluation).
    rule jund_train_dna:
        input:
            dna=f"{JUND}/data/dna_order{{jund_order}}.npz",
            labels=f"{JUND}/data/labels.npz",
        output:
            [
                f"{JUND}/models/dna/order{{jund_order}}_dropout{{jund_dropout}}/rep{{jund_rep}}/{name}"
                for name in JUND_MODEL_FILES
            ],
        log:
            "logs/jund/models/dna/order{jund_order}_dropout{jund_dropout}/rep{jund_rep}.log",
        benchmark:
            "results/benchmarks/jund/dna/order{jund_order}_dropout{jund_dropout}/rep{jund_rep}.tsv"
        conda:
            TRAIN_ENV
        threads: config["training"]["threads"]
        resources:
            # The real ROI holds ~1-2 M bins; at most 30 epochs of a ~7k-parameter model on one GPU.
            mem_mb=lambda wc, attempt: scaled(16000, attempt),
            runtime=lambda wc, attempt: scaled(240, attempt),
            gpu=config["training"]["gpus"],
        params:
            compute=COMPUTE,
            family="dna",
            setting=lambda wc: {
                "order": int(wc.jund_order),
                "dropout": float(wc.jund_dropout),
            },
            replicate=lambda wc: int(wc.jund_rep),
            seed=config["seed"],
            validation=JUND_CFG["validation"],
            test=JUND_CFG["test"],
            epochs=JUND_CFG["dna"]["epochs"],
            batch_size=JUND_CFG["dna"]["batch_size"],
            patience=config["training"]["patience"],
        script:
            "../../scripts/jund_train.py"

    rule jund_train_dnase:
        input:
            dnase=f"{JUND}/data/dnase_{{jund_norm}}.npz",
            labels=f"{JUND}/data/labels.npz",
        output:
            [
                f"{JUND}/models/dnase/{{jund_norm}}_{{jund_augment}}/rep{{jund_rep}}/{name}"
                for name in JUND_MODEL_FILES
            ],
        log:
            "logs/jund/models/dnase/{jund_norm}_{jund_augment}/rep{jund_rep}.log",
        benchmark:
            "results/benchmarks/jund/dnase/{jund_norm}_{jund_augment}/rep{jund_rep}.tsv"
        conda:
            TRAIN_ENV
        threads: config["training"]["threads"]
        resources:
            mem_mb=lambda wc, attempt: scaled(16000, attempt),
            runtime=lambda wc, attempt: scaled(120, attempt),
            gpu=config["training"]["gpus"],
        params:
            compute=COMPUTE,
            family="dnase",
            setting=lambda wc: {
                "normalization": wc.jund_norm,
                "augment": wc.jund_augment,
            },
            replicate=lambda wc: int(wc.jund_rep),
            seed=config["seed"],
            validation=JUND_CFG["validation"],
            test=JUND_CFG["test"],
            epochs=JUND_CFG["dnase_model"]["epochs"],
            batch_size=JUND_CFG["dnase_model"]["batch_size"],
            patience=config["training"]["patience"],
        script:
            "../../scripts/jund_train.py"

    rule jund_train_combined:
        input:
            dna=f"{JUND}/data/dna_order{JUND_COMBINED['order']}.npz",
            dnase=f"{JUND}/data/dnase_{JUND_COMBINED['normalization']}.npz",
            labels=f"{JUND}/data/labels.npz",
        output:
            [
                f"{JUND}/models/combined/rep{{jund_rep}}/{name}"
                for name in JUND_MODEL_FILES
            ],
        log:
            "logs/jund/models/combined/rep{jund_rep}.log",
        benchmark:
            "results/benchmarks/jund/combined/rep{jund_rep}.tsv"
        conda:
            TRAIN_ENV
        threads: config["training"]["threads"]
        resources:
            # Up to 100 epochs over both inputs.
            mem_mb=lambda wc, attempt: scaled(24000, attempt),
            runtime=lambda wc, attempt: scaled(600, attempt),
            gpu=config["training"]["gpus"],
        params:
            compute=COMPUTE,
            family="combined",
            setting={
                key: JUND_COMBINED[key]
                for key in ("order", "dropout", "normalization", "augment")
            },
            replicate=lambda wc: int(wc.jund_rep),
            seed=config["seed"],
            validation=JUND_CFG["validation"],
            test=JUND_CFG["test"],
            epochs=JUND_COMBINED["epochs"],
            batch_size=JUND_COMBINED["batch_size"],
            patience=config["training"]["patience"],
        script:
            "../../scripts/jund_train.py"

    # ------------------------------------------------------------------------ metrics and predictions
    rule jund_metrics:
        input:
            model_files(JUND_CFG, ["dna", "dnase", "combined"], "metrics.tsv"),
        output:
            report(
                f"{JUND}/metrics.tsv",
                caption="../report/jund_metrics.rst",
                category="Case 1: JunD",
            ),
        log:
            "logs/jund/metrics.log",
        conda:
            "../../envs/plot.yaml"
        script:
            "../../scripts/jund_metrics.py"

    rule jund_export_predictions:
        input:
            predictions=lambda wc: model_files(
                JUND_CFG, [wc.jund_family], "predictions.tsv"
            ),
            metrics=f"{JUND}/metrics.tsv",
            sizes=genome_sizes(JUND_GENOME),
        output:
            f"{JUND}/predictions/{{jund_family}}.test.bigwig",
        log:
            "logs/jund/predictions/{jund_family}.log",
        conda:
            "../../envs/data.yaml"
        params:
            family="{jund_family}",
        script:
            "../../scripts/jund_export_predictions.py"

    # ------------------------------------------------------------------------------------------- figures
    rule jund_locus:
        input:
            peaks=source_path(JUND_CFG["peaks"]),
            roi=f"{JUND}/roi/roi.bed",
        output:
            f"{JUND}/locus/locus.tsv",
        log:
            "logs/jund/locus/locus.log",
        conda:
            "../../envs/data.yaml"
        params:
            locus=JUND_CFG.get("locus"),
            test=JUND_CFG["test"],
            binsize=JUND_CFG["roi"]["binsize"],
        script:
            "../../scripts/jund_locus.py"

    rule jund_attribution:
        input:
            locus=f"{JUND}/locus/locus.tsv",
            models=model_files(JUND_CFG, ["combined"], "model.keras"),
            dna=f"{JUND}/data/dna_order{JUND_COMBINED['order']}.npz",
            dnase=f"{JUND}/data/dnase_{JUND_COMBINED['normalization']}.npz",
            counts=f"{JUND}/data/dnase_counts.npz",
            labels=f"{JUND}/data/labels.npz",
        output:
            f"{JUND}/locus/tracks.npz",
        log:
            "logs/jund/locus/tracks.log",
        benchmark:
            "results/benchmarks/jund/attribution.tsv"
        conda:
            TRAIN_ENV
        resources:
            mem_mb=lambda wc, attempt: scaled(8000, attempt),
            runtime=lambda wc, attempt: scaled(30, attempt),
            gpu=config["training"]["gpus"],
        params:
            compute=COMPUTE,
            test=JUND_CFG["test"],
            # Integration steps of integrated gradients.
            steps=50,
        script:
            "../../scripts/jund_attribution.py"

    rule jund_fig2a:
        input:
            f"{JUND}/metrics.tsv",
        output:
            png=report(
                "results/figures/fig2a.png",
                caption="../report/jund_fig2a.rst",
                category="Case 1: JunD",
            ),
            svg="results/figures/fig2a.svg",
        log:
            "logs/jund/figures/fig2a.log",
        conda:
            "../../envs/plot.yaml"
        params:
            panel="fig2a",
        script:
            "../../scripts/jund_figure.py"

    rule jund_fig2b:
        input:
            f"{JUND}/metrics.tsv",
        output:
            png=report(
                "results/figures/fig2b.png",
                caption="../report/jund_fig2b.rst",
                category="Case 1: JunD",
            ),
            svg="results/figures/fig2b.svg",
        log:
            "logs/jund/figures/fig2b.log",
        conda:
            "../../envs/plot.yaml"
        params:
            panel="fig2b",
        script:
            "../../scripts/jund_figure.py"

    rule jund_fig2c:
        input:
            f"{JUND}/metrics.tsv",
        output:
            png=report(
                "results/figures/fig2c.png",
                caption="../report/jund_fig2c.rst",
                category="Case 1: JunD",
            ),
            svg="results/figures/fig2c.svg",
        log:
            "logs/jund/figures/fig2c.log",
        conda:
            "../../envs/plot.yaml"
        params:
            panel="fig2c",
        script:
            "../../scripts/jund_figure.py"

    rule jund_fig2d:
        input:
            f"{JUND}/locus/tracks.npz",
        output:
            png=report(
                "results/figures/fig2d.png",
                caption="../report/jund_fig2d.rst",
                category="Case 1: JunD",
            ),
            svg="results/figures/fig2d.svg",
        log:
            "logs/jund/figures/fig2d.log",
        conda:
            "../../envs/plot.yaml"
        params:
            panel="fig2d",
        script:
            "../../scripts/jund_figure.py"

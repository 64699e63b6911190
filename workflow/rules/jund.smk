# Case 1: JunD binding in 200-bp bins of H1-hESC from DNA, DNase and both (Fig. 2a-d).
# Inputs: the JunD ROI and merged peaks (jund_roi, below), the genome (genomes.smk) and two DNase BAMs
# (downloads.smk).
# Grid: DNA order x input dropout x replicate; DNase normalization x augmentation x replicate; combined x
# replicate. Each training job also evaluates its model on the validation and test chromosomes.
# Paths and targets are in common.smk; the model folders are read by genomic_tensors.cases.jund.grid.
from genomic_tensors.cases.jund.grid import MODEL_DIR_PATTERN as JUND_MODEL_DIR

# Memory (MB) and runtime (min) of a training job by model family, before the retries' scaling. The real
# ROI holds ~1-2 M bins: at most 30 epochs of a ~7k-parameter DNA model, 30 of the DNase model, up to 100
# over both inputs for the combined model.
JUND_TRAIN_RESOURCES = {
    "dna": {"mem_mb": 16000, "runtime": 240},
    "dnase": {"mem_mb": 16000, "runtime": 120},
    "combined": {"mem_mb": 24000, "runtime": 600},
}

if "jund" in config:
    JUND_CFG = config["jund"]
    JUND_GENOME = JUND_CFG["genome"]
    JUND_COMBINED = JUND_CFG["combined"]

    wildcard_constraints:
        jund_order="[1-9]",
        jund_norm="none|tpm|zscorelog",
        jund_family="dna|dnase|combined",
        jund_model=JUND_MODEL_DIR,
        jund_panel="fig2[a-d]",

    # ----------------------------------------------------------------------------------------------- ROI
    rule jund_roi:
        input:
            peaks=source_path(config["jund"]["peaks"]),
            sizes=genome_sizes(config["jund"]["genome"]),
            blacklist=genome_blacklist(config["jund"]["genome"]),
        output:
            merged=f"{JUND}/roi/peaks.merged.bed",
            roi=f"{JUND}/roi/roi.bed",
        log:
            "logs/jund/roi.log",
        conda:
            "../../envs/data.yaml"
        params:
            extension=config["jund"]["roi"]["extend"],
            binsize=config["jund"]["roi"]["binsize"],
            splits=split_chromosomes("jund"),
        script:
            "../../scripts/prepare_jund_roi.py"

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
            mem_mb=scaled_resource(4000),
            runtime=scaled_resource(30),
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
            mem_mb=scaled_resource(8000),
            runtime=scaled_resource(60),
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
            mem_mb=scaled_resource(16000),
            runtime=scaled_resource(180),
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
            mem_mb=scaled_resource(8000),
            runtime=scaled_resource(30),
        params:
            normalization="{jund_norm}",
        script:
            "../../scripts/jund_dnase_tensor.py"

    # ------------------------------------------------------------------------------------------ training
    # One job per grid point (the model folder names it: dna/order<k>_dropout<d>/rep<r>,
    # dnase/<normalization>_<augment>/rep<r>, combined/rep<r>); each writes its model, its history, its
    # validation/test metrics, its test predictions (so one TensorFlow start-up serves training and
    # evaluation) and its model card model.json.
    rule jund_train:
        input:
            unpack(jund_train_input),
            genome_digest=genome_digest(JUND_GENOME),
        output:
            [f"{JUND}/models/{{jund_model}}/{name}" for name in JUND_MODEL_FILES],
        log:
            "logs/jund/models/{jund_model}.log",
        benchmark:
            f"{BENCHMARKS}/jund/{{jund_model}}.tsv"
        conda:
            TRAIN_ENV
        threads: config["training"]["threads"]
        resources:
            mem_mb=jund_train_mem_mb,
            runtime=jund_train_runtime,
            gpu=config["training"]["gpus"],
        params:
            compute=COMPUTE,
            family=jund_family,
            setting=jund_setting,
            replicate=jund_replicate,
            seed=config["seed"],
            validation=JUND_CFG["validation"],
            test=JUND_CFG["test"],
            epochs=jund_epochs,
            batch_size=jund_batch_size,
            patience=config["training"]["patience"],
            # The model card's genome entry.
            genome=JUND_GENOME,
        script:
            "../../scripts/jund_train.py"

    # ------------------------------------------------------------------------ metrics and predictions
    rule jund_metrics:
        input:
            jund_model_files(["dna", "dnase", "combined"], "metrics.tsv"),
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
            predictions=lambda wc: jund_model_files([wc.jund_family], "predictions.tsv"),
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
            models=jund_model_files(["combined"], "model.keras"),
            dna=f"{JUND}/data/dna_order{JUND_COMBINED['order']}.npz",
            dnase=f"{JUND}/data/dnase_{JUND_COMBINED['normalization']}.npz",
            counts=f"{JUND}/data/dnase_counts.npz",
            labels=f"{JUND}/data/labels.npz",
        output:
            f"{JUND}/locus/tracks.npz",
        log:
            "logs/jund/locus/tracks.log",
        benchmark:
            f"{BENCHMARKS}/jund/attribution.tsv"
        conda:
            TRAIN_ENV
        resources:
            mem_mb=scaled_resource(8000),
            runtime=scaled_resource(30),
            gpu=config["training"]["gpus"],
        params:
            compute=COMPUTE,
            test=JUND_CFG["test"],
            # Integration steps of integrated gradients.
            steps=50,
        script:
            "../../scripts/jund_attribution.py"

    rule jund_figure:
        input:
            jund_figure_input,
        output:
            png=report(
                f"{FIGURES}/{{jund_panel}}.png",
                caption="../report/jund_figure.rst",
                category="Case 1: JunD",
            ),
            svg=f"{FIGURES}/{{jund_panel}}.svg",
        log:
            "logs/jund/figures/{jund_panel}.log",
        conda:
            "../../envs/plot.yaml"
        params:
            panel="{jund_panel}",
        script:
            "../../scripts/jund_figure.py"

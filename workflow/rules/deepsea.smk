# Case 2: DeepSEA and DanQ predict chromatin features of 200-bp bins from sequence (Fig. 3a-c, Supp. Fig. 1).
# Inputs: the genome, the feature table (checkpoint) and the region splits (below).
# Labels: sparse, one column per feature (the half-bin rule). Sequence: genome byte codes per
# (window, order, split), expanded to k-mer codes per batch and one-hot on the device (never one-hot on
# disk or for all windows). Grid: the union of `deepsea.grid` (model x window x order x strands).
# Paths and targets are in common.smk; the grid is expanded by genomic_tensors.cases.deepsea.grid.

DEEPSEA_FIGURE_FORMATS = ["png", "svg"]


wildcard_constraints:
    ds_model="deepsea|danq",
    ds_window="[0-9]+",
    ds_order="[1-3]",
    ds_strands="both|forward",
    ds_split="train|validation|test",


if "deepsea" in config:

    # ------------------------------------------------------------------------------ features, regions
    checkpoint deepsea_features:
        input:
            source_path(config["deepsea"]["feature_list"]),
        output:
            f"{DEEPSEA}/features.tsv",
        log:
            "logs/deepsea/features.log",
        conda:
            "../../envs/data.yaml"
        params:
            # Relative lines of the list are resolved beside the list's own location (URL or path).
            base=SOURCES[config["deepsea"]["feature_list"]].url,
            categories=config["deepsea"]["categories"],
            download_dir=DEEPSEA_DOWNLOADS,
        script:
            "../../scripts/prepare_deepsea_features.py"

    rule deepsea_regions:
        input:
            unpack(_deepsea_region_inputs),
        output:
            train=f"{DEEPSEA}/regions/train.bed",
            validation=f"{DEEPSEA}/regions/validation.bed",
            test=f"{DEEPSEA}/regions/test.bed",
        log:
            "logs/deepsea/regions.log",
        conda:
            "../../envs/data.yaml"
        resources:
            # One boolean per 200-bp grid bin of the genome (~15 MB for hg19) plus one peak file at a time.
            mem_mb=4000,
            runtime=120,
        params:
            regions=config["deepsea"]["regions"],
        script:
            "../../scripts/prepare_deepsea_regions.py"

    # ------------------------------------------------------------------------------------------ tensors
    rule deepsea_labels:
        input:
            regions=expand(f"{DEEPSEA}/regions/{{split}}.bed", split=DEEPSEA_SPLITS),
            features=f"{DEEPSEA}/features.tsv",
            peaks=deepsea_feature_paths,
        output:
            expand(f"{DEEPSEA}/labels/{{split}}.npz", split=DEEPSEA_SPLITS),
        log:
            "logs/deepsea/labels.log",
        conda:
            "../../envs/data.yaml"
        resources:
            # 919 peak files over 2.6 million bins: sparse labels (a few % positive) and one peak file at a time.
            mem_mb=scaled_resource(16000),
            runtime=scaled_resource(240),
        params:
            splits=DEEPSEA_SPLITS,
            min_overlap=config["deepsea"]["regions"]["min_overlap"],
        script:
            "../../scripts/deepsea_labels.py"

    rule deepsea_sequence:
        input:
            fasta=genome_fasta(config["deepsea"]["genome"]),
            regions=f"{DEEPSEA}/regions/{{ds_split}}.bed",
        output:
            f"{DEEPSEA}/sequence/w{{ds_window}}_o{{ds_order}}/{{ds_split}}.npz",
        log:
            "logs/deepsea/sequence/w{ds_window}_o{ds_order}/{ds_split}.log",
        conda:
            "../../envs/data.yaml"
        resources:
            # One byte per base of the spans the windows cover (hg19 training split at 2000 bp: ~1 GB), read
            # from the FASTA in 4-Mbp chunks, plus the window coordinates (~17 bytes per window).
            mem_mb=scaled_resource(8000),
            runtime=scaled_resource(60),
        params:
            window=deepsea_window,
            order=deepsea_order,
        script:
            "../../scripts/deepsea_sequence.py"

    # ------------------------------------------------------------------------------------------ training
    rule deepsea_train:
        input:
            train_sequence=deepsea_sequence_file("train"),
            validation_sequence=deepsea_sequence_file("validation"),
            train_labels=f"{DEEPSEA}/labels/train.npz",
            validation_labels=f"{DEEPSEA}/labels/validation.npz",
            # The model card's output names and genome checksum.
            features=f"{DEEPSEA}/features.tsv",
            genome_digest=genome_digest(config["deepsea"]["genome"]),
        output:
            model=f"{DEEPSEA}/models/{DEEPSEA_RUN}/model.keras",
            history=f"{DEEPSEA}/models/{DEEPSEA_RUN}/history.tsv",
            card=f"{DEEPSEA}/models/{DEEPSEA_RUN}/model.json",
        log:
            f"logs/deepsea/models/{DEEPSEA_RUN}.log",
        benchmark:
            f"results/benchmarks/deepsea/train/{DEEPSEA_RUN}.tsv"
        conda:
            TRAIN_ENV
        threads: config["training"]["threads"]
        resources:
            # The paper's models have 25-108 million parameters; DanQ at 2000 bp, order 3 on 2.1 million
            # windows took about 1.5 h per epoch on a V100: 30 epochs fit in 72 h. Host memory holds the
            # sequence spans (~1 GB at 2000 bp) and the sparse labels, plus the prefetch queue.
            mem_mb=scaled_resource(48000),
            runtime=scaled_resource(4320),
            gpu=config["training"]["gpus"],
        params:
            compute=COMPUTE,
            run=deepsea_run,
            # genomic_tensors.cases.deepsea.train.TrainSettings
            settings={
                "width": config["deepsea"]["width"],
                "epochs": config["deepsea"]["epochs"],
                "batch_size": config["deepsea"]["batch_size"],
                "patience": config["training"]["patience"],
                "seed": config["seed"],
            },
            outdir=deepsea_model_dir,
            # The model card's name and genome entry.
            name=DEEPSEA_RUN,
            genome=config["deepsea"]["genome"],
        script:
            "../../scripts/deepsea_train.py"

    rule deepsea_evaluate:
        input:
            model=f"{DEEPSEA}/models/{DEEPSEA_RUN}/model.keras",
            sequence=deepsea_sequence_file("test"),
            labels=f"{DEEPSEA}/labels/test.npz",
            features=f"{DEEPSEA}/features.tsv",
        output:
            f"{DEEPSEA}/evaluation/{DEEPSEA_RUN}.tsv",
        log:
            f"logs/deepsea/evaluation/{DEEPSEA_RUN}.log",
        benchmark:
            f"results/benchmarks/deepsea/evaluate/{DEEPSEA_RUN}.tsv"
        conda:
            TRAIN_ENV
        threads: config["training"]["threads"]
        resources:
            # Prediction of 227,512 test windows x 919 outputs (float32, ~0.8 GB) on one GPU.
            mem_mb=scaled_resource(16000),
            runtime=scaled_resource(240),
            gpu=config["training"]["gpus"],
        params:
            compute=COMPUTE,
            run=deepsea_run,
            batch_size=config["deepsea"]["batch_size"],
        script:
            "../../scripts/deepsea_evaluate.py"

    # --------------------------------------------------------------------------------- tables and figures
    rule deepsea_metrics:
        input:
            deepsea_run_files(f"{DEEPSEA}/evaluation/{DEEPSEA_RUN}.tsv"),
        output:
            f"{DEEPSEA}/metrics.tsv",
        log:
            "logs/deepsea/metrics.log",
        conda:
            "../../envs/plot.yaml"
        script:
            "../../scripts/deepsea_metrics.py"

    rule deepsea_summary:
        input:
            f"{DEEPSEA}/metrics.tsv",
        output:
            report(
                "results/tables/deepsea_summary.tsv",
                caption="../report/deepsea_summary.rst",
                category="Case 2: DeepSEA and DanQ",
            ),
        log:
            "logs/deepsea/summary.log",
        conda:
            "../../envs/plot.yaml"
        script:
            "../../scripts/deepsea_summary.py"

    rule deepsea_figures:
        input:
            f"{DEEPSEA}/metrics.tsv",
        output:
            **{
                f"{fig}_{ext}": report(
                    f"results/figures/{fig}.{ext}",
                    caption=f"../report/deepsea_{fig}.rst",
                    category="Case 2: DeepSEA and DanQ",
                )
                for fig in DEEPSEA_FIGURES
                for ext in DEEPSEA_FIGURE_FORMATS
            },
        log:
            "logs/deepsea/figures.log",
        conda:
            "../../envs/plot.yaml"
        params:
            figures=DEEPSEA_FIGURES,
            formats=DEEPSEA_FIGURE_FORMATS,
        script:
            "../../scripts/deepsea_figures.py"

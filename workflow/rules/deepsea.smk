# Case 2: DeepSEA and DanQ predict chromatin features of 200-bp bins from sequence (Fig. 3a-c, Supp. Fig. 1).
# Inputs: the genome, the feature table (checkpoint) and the region splits (references.smk).
# Labels: sparse, one column per feature (the half-bin rule). Sequence: genome byte codes per
# (window, order, split), expanded to k-mer codes per batch and one-hot on the device (never one-hot on
# disk or for all windows). Grid: the union of `deepsea.grid` (model x window x order x strands).
# Helpers (targets, input functions, the grid) live in genomic_tensors.cases.deepsea.
from genomic_tensors.cases.deepsea import FIGURES as DEEPSEA_FIGURES
from genomic_tensors.cases.deepsea import expand_grid as deepsea_expand_grid
from genomic_tensors.cases.deepsea import sequence_input as deepsea_sequence_file
from genomic_tensors.cases.deepsea import workflow_targets as deepsea_targets

DEEPSEA = "results/deepsea"
DEEPSEA_SPLITS = ["train", "validation", "test"]


wildcard_constraints:
    ds_model="deepsea|danq",
    ds_window="[0-9]+",
    ds_order="[1-3]",
    ds_strands="both|forward",
    ds_split="train|validation|test",


DEEPSEA_RUN = "{ds_model}_w{ds_window}_o{ds_order}_{ds_strands}"


if "deepsea" in config:

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
            mem_mb=lambda wc, attempt: scaled(16000, attempt),
            runtime=lambda wc, attempt: scaled(240, attempt),
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
            # One byte per base of the spans the windows cover (hg19 training split at 2000 bp: ~1 GB) plus
            # the largest chromosome's codes while it is read.
            mem_mb=lambda wc, attempt: scaled(8000, attempt),
            runtime=lambda wc, attempt: scaled(60, attempt),
        params:
            window=lambda wc: int(wc.ds_window),
            order=lambda wc: int(wc.ds_order),
        script:
            "../../scripts/deepsea_sequence.py"

    # ------------------------------------------------------------------------------------------ training
    rule deepsea_train:
        input:
            train_sequence=deepsea_sequence_file("train"),
            validation_sequence=deepsea_sequence_file("validation"),
            train_labels=f"{DEEPSEA}/labels/train.npz",
            validation_labels=f"{DEEPSEA}/labels/validation.npz",
        output:
            model=f"{DEEPSEA}/models/{DEEPSEA_RUN}/model.keras",
            history=f"{DEEPSEA}/models/{DEEPSEA_RUN}/history.tsv",
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
            mem_mb=lambda wc, attempt: scaled(48000, attempt),
            runtime=lambda wc, attempt: scaled(4320, attempt),
            gpu=config["training"]["gpus"],
        params:
            compute=COMPUTE,
            model=lambda wc: wc.ds_model,
            window=lambda wc: int(wc.ds_window),
            order=lambda wc: int(wc.ds_order),
            strands=lambda wc: wc.ds_strands,
            width=config["deepsea"]["width"],
            epochs=config["deepsea"]["epochs"],
            batch_size=config["deepsea"]["batch_size"],
            patience=config["training"]["patience"],
            seed=config["seed"],
            outdir=lambda wc, output: str(Path(output.model).parent),
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
            mem_mb=lambda wc, attempt: scaled(16000, attempt),
            runtime=lambda wc, attempt: scaled(240, attempt),
            gpu=config["training"]["gpus"],
        params:
            compute=COMPUTE,
            model=lambda wc: wc.ds_model,
            window=lambda wc: int(wc.ds_window),
            order=lambda wc: int(wc.ds_order),
            strands=lambda wc: wc.ds_strands,
            batch_size=config["deepsea"]["batch_size"],
        script:
            "../../scripts/deepsea_evaluate.py"

    # --------------------------------------------------------------------------------- tables and figures
    rule deepsea_metrics:
        input:
            [
                f"{DEEPSEA}/evaluation/{run.tag}.tsv"
                for run in deepsea_expand_grid(config["deepsea"]["grid"])
            ],
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
                for ext in ("png", "svg")
            },
        log:
            "logs/deepsea/figures.log",
        conda:
            "../../envs/plot.yaml"
        params:
            figures=list(DEEPSEA_FIGURES),
        script:
            "../../scripts/deepsea_figures.py"

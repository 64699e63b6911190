# Variant effects of the SNVs of the `variants` VCF: the VCF split into `chunks` parts, each part scored
# with every trained JunD DNA model and every DeepSEA/DanQ run as parallel jobs, the parts merged into
# results/variants/ (the JunD table, one HDF5 per run, the DeepSEA top table), the figure and the JunD
# models' auROC on planted classes (the summary's variant rows). Paths and targets are in common.smk, the
# input functions in functions.smk; the library is genomic_tensors.cases.effects and effects_report.


wildcard_constraints:
    vpart="[0-9]+",


if "variants" in config:

    rule variants_split:
        input:
            variants_vcf(),
        output:
            variants_parts(f"{VARIANTS}/parts/part{{vpart}}.vcf"),
        log:
            "logs/variants/split.log",
        conda:
            "../../envs/data.yaml"
        script:
            "../../scripts/variants_split.py"

    rule variants_report:
        input:
            unpack(variants_report_input),
        output:
            auroc=f"{VARIANTS}/jund_auroc.tsv",
            png=report(
                f"{FIGURES}/variant_effects.png",
                caption="../report/variant_effects.rst",
                category="Variant effects",
            ),
            svg=report(
                f"{FIGURES}/variant_effects.svg",
                caption="../report/variant_effects.rst",
                category="Variant effects",
            ),
        log:
            "logs/variants/report.log",
        conda:
            "../../envs/plot.yaml"
        script:
            "../../scripts/variants_report.py"


if variants_enabled("jund"):

    rule variants_jund_part:
        input:
            vcf=f"{VARIANTS}/parts/part{{vpart}}.vcf",
            fasta=genome_fasta(config["jund"]["genome"]),
            fai=genome_fai(config["jund"]["genome"]),
            models=variants_jund_models(),
            cards=variants_jund_models("model.json"),
        output:
            f"{VARIANTS}/jund/part{{vpart}}.tsv",
        log:
            "logs/variants/jund/part{vpart}.log",
        conda:
            TRAIN_ENV
        threads: config["training"]["threads"]
        resources:
            mem_mb=scaled_resource(8000),
            runtime=scaled_resource(120),
            gpu=config["training"]["gpus"],
        params:
            compute=COMPUTE,
            names=variants_jund_names(),
        script:
            "../../scripts/variants_jund.py"

    rule variants_jund_merge:
        input:
            variants_parts(f"{VARIANTS}/jund/part{{vpart}}.tsv"),
        output:
            f"{VARIANTS}/jund_effects.tsv",
        log:
            "logs/variants/jund_effects.log",
        conda:
            "../../envs/plot.yaml"
        script:
            "../../scripts/variants_jund_merge.py"


if variants_enabled("deepsea"):

    rule variants_deepsea_part:
        input:
            vcf=f"{VARIANTS}/parts/part{{vpart}}.vcf",
            fasta=genome_fasta(config["deepsea"]["genome"]),
            fai=genome_fai(config["deepsea"]["genome"]),
            model=f"{DEEPSEA}/models/{DEEPSEA_RUN}/model.keras",
            # Its card gives the window, order and feature names.
            card=f"{DEEPSEA}/models/{DEEPSEA_RUN}/model.json",
            features=f"{DEEPSEA}/features.tsv",
        output:
            f"{VARIANTS}/deepsea/parts/{DEEPSEA_RUN}/part{{vpart}}.h5",
        log:
            f"logs/variants/deepsea/{DEEPSEA_RUN}/part{{vpart}}.log",
        conda:
            TRAIN_ENV
        threads: config["training"]["threads"]
        resources:
            mem_mb=scaled_resource(16000),
            runtime=scaled_resource(240),
            gpu=config["training"]["gpus"],
        params:
            compute=COMPUTE,
            order=deepsea_order,
            batch_size=config["deepsea"]["batch_size"],
        script:
            "../../scripts/variants_deepsea.py"

    rule variants_deepsea_merge:
        input:
            variants_parts(f"{VARIANTS}/deepsea/parts/{DEEPSEA_RUN}/part{{vpart}}.h5"),
        output:
            f"{VARIANTS}/deepsea/{DEEPSEA_RUN}.h5",
        log:
            f"logs/variants/deepsea/{DEEPSEA_RUN}.log",
        conda:
            "../../envs/data.yaml"
        script:
            "../../scripts/variants_deepsea_merge.py"

    rule variants_deepsea_top:
        input:
            runs=variants_deepsea_files(),
            features=f"{DEEPSEA}/features.tsv",
        output:
            f"{VARIANTS}/deepsea_top.tsv",
        log:
            "logs/variants/deepsea_top.log",
        conda:
            "../../envs/data.yaml"
        params:
            runs=variants_deepsea_names(),
            top=config["variants"]["top"],
        script:
            "../../scripts/variants_deepsea_top.py"

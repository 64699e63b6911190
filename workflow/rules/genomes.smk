# The rules of the data stage: downloads of every source (verified; see sources.smk for the config checks
# and input functions), BAM indexes, genomes (decompressed, faidx, chrom sizes, blacklist), the JunD ROI
# (case 1), protein-coding promoters (case 3), DeepSEA's feature table (a checkpoint: the per-feature
# downloads are known only once the list is read) and region splits (case 2). Recipes and conventions:
# genomic_tensors.download and genomic_tensors.recipes.
#
# Downloads are local rules (they run where Snakemake runs, e.g. the cluster head node), and each holds one
# unit of the `downloads` resource: `--resources downloads=4` caps parallel transfers (the profiles set it).
# An interrupted transfer keeps <file>.part and resumes with an HTTP Range request on the next run.


# ------------------------------------------------------------------------------------------ downloads
localrules:
    download_source,
    download_deepsea_feature,


rule download_source:
    input:
        _download_input,
    output:
        f"{DOWNLOADS}/{{filename}}",
    log:
        "logs/downloads/{filename}.log",
    wildcard_constraints:
        filename=_one_of(SOURCE_BY_FILE),
    conda:
        "../../envs/data.yaml"
    resources:
        downloads=1,
    params:
        source_id=lambda w: SOURCE_BY_FILE[w.filename].id,
        spec=lambda w: SOURCE_BY_FILE[w.filename].to_config(),
        encode_portal=ENCODE_PORTAL,
    script:
        "../../scripts/download.py"


rule download_deepsea_feature:
    input:
        _feature_input,
    output:
        f"{DEEPSEA_DOWNLOADS}/{{feature_file}}",
    log:
        "logs/downloads/deepsea/{feature_file}.log",
    wildcard_constraints:
        feature_file="[^/]+",
    conda:
        "../../envs/data.yaml"
    resources:
        downloads=1,
    params:
        source_id=lambda w: _feature_source(w.feature_file).id,
        spec=lambda w: _feature_source(w.feature_file).to_config(),
        encode_portal=ENCODE_PORTAL,
    script:
        "../../scripts/download.py"


rule index_bam:
    input:
        f"{DOWNLOADS}/{{name}}.bam",
    output:
        f"{DOWNLOADS}/{{name}}.bam.bai",
    log:
        "logs/downloads/{name}.bam.bai.log",
    wildcard_constraints:
        name="[^/]+",
    conda:
        "../../envs/data.yaml"
    threads: 4
    resources:
        # samtools index streams the BAM: little memory, a few minutes for a 3.5-GB BAM.
        mem_mb=1000,
        runtime=60,
    shell:
        "samtools index -@ {threads} {input} {output} 2> {log}"


# ------------------------------------------------------------------------------------------ genomes
rule genome_fasta:
    input:
        lambda w: source_path(config["genomes"][w.genome]["fasta"]),
    output:
        f"{GENOMES_DIR}/{{genome}}/genome.fa",
    log:
        "logs/genomes/{genome}/genome_fasta.log",
    wildcard_constraints:
        genome=GENOME_NAMES,
    conda:
        "../../envs/data.yaml"
    resources:
        runtime=60,
    script:
        "../../scripts/prepare_genome.py"


rule genome_faidx:
    input:
        f"{GENOMES_DIR}/{{genome}}/genome.fa",
    output:
        f"{GENOMES_DIR}/{{genome}}/genome.fa.fai",
    log:
        "logs/genomes/{genome}/faidx.log",
    wildcard_constraints:
        genome=GENOME_NAMES,
    conda:
        "../../envs/data.yaml"
    shell:
        "samtools faidx {input} 2> {log}"


rule genome_chrom_sizes:
    input:
        f"{GENOMES_DIR}/{{genome}}/genome.fa.fai",
    output:
        f"{GENOMES_DIR}/{{genome}}/chrom.sizes",
    log:
        "logs/genomes/{genome}/chrom_sizes.log",
    wildcard_constraints:
        genome=GENOME_NAMES,
    conda:
        "../../envs/data.yaml"
    shell:
        "cut -f1,2 {input} > {output} 2> {log}"


rule genome_blacklist:
    input:
        unpack(_blacklist_input),
        sizes=f"{GENOMES_DIR}/{{genome}}/chrom.sizes",
    output:
        f"{GENOMES_DIR}/{{genome}}/blacklist.bed",
    log:
        "logs/genomes/{genome}/blacklist.log",
    wildcard_constraints:
        genome=GENOME_NAMES,
    conda:
        "../../envs/data.yaml"
    script:
        "../../scripts/prepare_blacklist.py"


# ------------------------------------------------------------------------------------ case 1: JunD ROI
if "jund" in config:

    rule jund_roi:
        input:
            peaks=source_path(config["jund"]["peaks"]),
            sizes=genome_sizes(config["jund"]["genome"]),
            blacklist=genome_blacklist(config["jund"]["genome"]),
        output:
            merged="results/jund/roi/peaks.merged.bed",
            roi="results/jund/roi/roi.bed",
        log:
            "logs/jund/roi.log",
        conda:
            "../../envs/data.yaml"
        params:
            extension=_section("jund", "roi", "extend", default=10000),
            binsize=_section("jund", "roi", "binsize", default=200),
            splits=split_chromosomes("jund"),
        script:
            "../../scripts/prepare_jund_roi.py"


# ---------------------------------------------------------------------------- case 3: CAGE promoters
if "cage" in config:

    rule cage_promoters:
        input:
            annotation=source_path(config["cage"]["annotation"]),
            sizes=genome_sizes(config["cage"]["genome"]),
        output:
            "results/cage/roi/promoters.bed",
        log:
            "logs/cage/promoters.log",
        conda:
            "../../envs/data.yaml"
        params:
            upstream=_section("cage", "promoter", "upstream", default=200),
            gene_type=_section(
                "cage", "promoter", "gene_type", default="protein_coding"
            ),
            splits=split_chromosomes("cage"),
        script:
            "../../scripts/prepare_promoters.py"


# ------------------------------------------------------------------- case 2: DeepSEA features, regions
if "deepsea" in config:

    checkpoint deepsea_features:
        input:
            source_path(config["deepsea"]["feature_list"]),
        output:
            "results/deepsea/features.tsv",
        log:
            "logs/deepsea/features.log",
        conda:
            "../../envs/data.yaml"
        params:
            # Relative lines of the list are resolved beside the list's own location (URL or path).
            base=SOURCES[config["deepsea"]["feature_list"]].url,
            categories=_section(
                "deepsea",
                "categories",
                default={
                    "DNase": "wgEncodeAwgDnaseUniform",
                    "TF": "wgEncodeAwgTfbsUniform",
                    "Histone": "narrowPeak/E[0-9]+-H",
                },
            ),
            download_dir=DEEPSEA_DOWNLOADS,
        script:
            "../../scripts/prepare_deepsea_features.py"

    rule deepsea_regions:
        input:
            unpack(_deepsea_region_inputs),
        output:
            train="results/deepsea/regions/train.bed",
            validation="results/deepsea/regions/validation.bed",
            test="results/deepsea/regions/test.bed",
        log:
            "logs/deepsea/regions.log",
        conda:
            "../../envs/data.yaml"
        resources:
            # One boolean per 200-bp grid bin of the genome (~15 MB for hg19) plus one peak file at a time.
            mem_mb=4000,
            runtime=120,
        params:
            regions=_section("deepsea", "regions", default={}),
        script:
            "../../scripts/prepare_deepsea_regions.py"

# References and regions of interest: genomes (decompressed, faidx, chrom sizes, blacklist), the JunD ROI
# (case 1), protein-coding promoters (case 3), and DeepSEA's feature table (a checkpoint: the per-feature
# downloads are known only once the list is read) and region splits (case 2). Recipes and conventions:
# genomic_tensors.recipes.


def _section(case, *keys, default=None):
    node = config.get(case, {})
    for key in keys:
        if not isinstance(node, dict) or key not in node:
            return default
        node = node[key]
    return node


def _blacklist_input(wildcards):
    source_id = config["genomes"][wildcards.genome].get("blacklist")
    return {"blacklist": source_path(source_id)} if source_id else {}


def _used_genomes():
    return sorted({config[case]["genome"] for case in ("jund", "deepsea", "cage") if case_enabled(case)})


def _used_sources():
    """Source ids the enabled cases and their genomes read, in a stable order."""
    ids = []
    for genome in _used_genomes():
        ids += [config["genomes"][genome][key] for key in ("fasta", "blacklist") if key in config["genomes"][genome]]
    if case_enabled("jund"):
        ids += [config["jund"]["peaks"], *config["jund"]["dnase"].values()]
    if case_enabled("cage"):
        ids += [config["cage"][key] for key in ("annotation", "cage", "dnase", "h3k4me3")]
    if case_enabled("deepsea"):
        ids += [config["deepsea"][key] for key in ("feature_list", "tf_bins") if key in config["deepsea"]]
    return list(dict.fromkeys(ids))


def references_targets():
    """Downloads, BAM indexes, genome files and ROIs of the enabled cases (part of `rule all`)."""
    targets = []
    for source_id in _used_sources():
        path = source_path(source_id)
        targets += bam_with_index(source_id) if path.endswith(".bam") else [path]
    for genome in _used_genomes():
        targets += [genome_fasta(genome), genome_fai(genome), genome_sizes(genome), genome_blacklist(genome)]
    if case_enabled("jund"):
        targets += ["results/jund/roi/peaks.merged.bed", "results/jund/roi/roi.bed"]
    if case_enabled("cage"):
        targets += ["results/cage/roi/promoters.bed"]
    if case_enabled("deepsea"):
        targets += ["results/deepsea/features.tsv"]
        targets += expand("results/deepsea/regions/{split}.bed", split=["train", "validation", "test"])
    return targets


GENOME_NAMES = _one_of(config.get("genomes", {}))


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
    resources:
        runtime=60,
    conda:
        "../../envs/data.yaml"
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
        params:
            extension=_section("jund", "roi", "extend", default=10000),
            binsize=_section("jund", "roi", "binsize", default=200),
        conda:
            "../../envs/data.yaml"
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
        params:
            upstream=_section("cage", "promoter", "upstream", default=200),
            gene_type=_section("cage", "promoter", "gene_type", default="protein_coding"),
        conda:
            "../../envs/data.yaml"
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
        params:
            # Relative lines of the list are resolved beside the list's own location (URL or path).
            base=SOURCES[config["deepsea"]["feature_list"]].url,
            categories=_section(
                "deepsea",
                "categories",
                default={"DNase": "wgEncodeAwgDnaseUniform", "TF": "wgEncodeAwgTfbsUniform", "Histone": "narrowPeak/E[0-9]+-H"},
            ),
            download_dir=DEEPSEA_DOWNLOADS,
        conda:
            "../../envs/data.yaml"
        script:
            "../../scripts/prepare_deepsea_features.py"

    def _deepsea_region_inputs(wildcards):
        inputs = {"sizes": genome_sizes(config["deepsea"]["genome"])}
        if config["deepsea"].get("tf_bins"):
            inputs["bins"] = source_path(config["deepsea"]["tf_bins"])
        else:
            inputs["peaks"] = deepsea_tf_paths(wildcards)
        return inputs

    rule deepsea_regions:
        input:
            unpack(_deepsea_region_inputs),
        output:
            train="results/deepsea/regions/train.bed",
            validation="results/deepsea/regions/validation.bed",
            test="results/deepsea/regions/test.bed",
        log:
            "logs/deepsea/regions.log",
        params:
            regions=_section("deepsea", "regions", default={}),
        resources:
            # One boolean per 200-bp grid bin of the genome (~15 MB for hg19) plus one peak file at a time.
            mem_mb=4000,
            runtime=120,
        conda:
            "../../envs/data.yaml"
        script:
            "../../scripts/prepare_deepsea_regions.py"

# Genomes of config `genomes`: the FASTA decompressed, its index, chromosome sizes, the sorted, merged
# blacklist and the FASTA's SHA-256 (named by every model card), under resources/genomes/<genome>/. Split chromosomes of every case are checked against the
# genome here when its index is on disk as the workflow starts (so that a dry run names a wrong one), and
# again by each case's region rule.

GENOME_NAMES = _one_of(config.get("genomes", {}))

check_splits_against_genomes_on_disk()


# ---------------------------------------------------------------------------------------------- rules
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


rule genome_digest:
    input:
        f"{GENOMES_DIR}/{{genome}}/genome.fa",
    output:
        f"{GENOMES_DIR}/{{genome}}/genome.fa.sha256",
    log:
        "logs/genomes/{genome}/digest.log",
    wildcard_constraints:
        genome=GENOME_NAMES,
    conda:
        "../../envs/data.yaml"
    script:
        "../../scripts/genome_digest.py"

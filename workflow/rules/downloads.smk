# Downloads: every input file by id (config `sources`), fetched into resources/downloads/<filename> and
# verified (ENCODE portal metadata, published md5 lists, or a checksum in the config) before it gets its
# final name. A source whose url is a local path (the demo world, a user's own files) is hard-linked or
# copied by the same download job, with that path as the job's input. The config's source ids are checked
# here when the workflow loads; recipes and conventions are in genomic_tensors.download.
#
# Downloads are local rules (they run where Snakemake runs, e.g. the cluster head node), and each holds one
# unit of the `downloads` resource: `--resources downloads=4` caps parallel transfers (the profiles set it).
# An interrupted transfer keeps <file>.part and resumes with an HTTP Range request on the next run.
from genomic_tensors import download as gt_download

# Validated here, at load time: a malformed entry stops the workflow with its id and key named.
SOURCES = gt_download.parse_sources(config.get("sources"))
ENCODE_PORTAL = config.get("encode_portal", gt_download.ENCODE_PORTAL)
SOURCE_BY_FILE = {src.filename: src for src in SOURCES.values()}

_check_config_sources()


# ---------------------------------------------------------------------------------------------- rules
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

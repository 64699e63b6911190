# Sources: every input file by id (config `sources`), fetched into resources/downloads/<id><ext> and
# verified (ENCODE portal metadata, published md5 lists, or a checksum in the config) before it gets its
# final name. A source whose url is a local path (the demo world, a user's own files) is hard-linked or
# copied by the same rule, with that path as the rule's input.
#
# Downloads are local rules (they run where Snakemake runs, e.g. the cluster head node) and each holds one
# unit of the `downloads` resource: `--resources downloads=4` caps parallel transfers (profiles set it).
# Interrupted transfers keep <file>.part and resume with an HTTP Range request on the next run.
import re

import pandas as pd

from genomic_tensors import download as gt_download

DOWNLOADS = "resources/downloads"
DEEPSEA_DOWNLOADS = f"{DOWNLOADS}/deepsea"
GENOMES_DIR = "resources/genomes"

# Validated here, at load time: a malformed entry stops the workflow with its id and key named.
SOURCES = gt_download.parse_sources(config.get("sources"))
ENCODE_PORTAL = config.get("encode_portal", gt_download.ENCODE_PORTAL)
SOURCE_BY_FILE = {src.filename: src for src in SOURCES.values()}


def _check_config_sources():
    """Every source id named by `genomes` and the case sections must be a key of `sources`."""
    refs = []
    for genome, spec in config.get("genomes", {}).items():
        refs += [(f"genomes.{genome}.{key}", spec[key]) for key in ("fasta", "blacklist") if key in spec]
    for case, keys in (
        ("jund", ("peaks", "dnase")),
        ("cage", ("annotation", "cage", "dnase", "h3k4me3")),
        ("deepsea", ("feature_list", "tf_bins")),
    ):
        section = config.get(case, {})
        for key in keys:
            value = section.get(key)
            if isinstance(value, dict):
                refs += [(f"{case}.{key}.{name}", sid) for name, sid in value.items()]
            elif value is not None:
                refs.append((f"{case}.{key}", value))
        genome = section.get("genome")
        if genome is not None and genome not in config.get("genomes", {}):
            raise ValueError(
                f"config {case}.genome: genome '{genome}' is not a key of `genomes` "
                f"(has: {', '.join(config.get('genomes', {})) or 'none'})"
            )
    for where, sid in refs:
        if sid not in SOURCES:
            raise ValueError(
                f"config {where}: source id '{sid}' is not a key of `sources` "
                f"(has: {', '.join(SOURCES) or 'none'})"
            )


_check_config_sources()


# ------------------------------------------------------------------------------------ input functions
def source_path(source_id):
    """The verified local copy of a source: resources/downloads/<filename>."""
    if source_id not in SOURCES:
        raise ValueError(
            f"unknown source id '{source_id}'; config `sources` has: {', '.join(SOURCES) or 'none'}"
        )
    return f"{DOWNLOADS}/{SOURCES[source_id].filename}"


def bam_with_index(source_id):
    """[bam, bai] of a BAM source; the index is built next to the download."""
    bam = source_path(source_id)
    return [bam, f"{bam}.bai"]


def _genome(genome):
    if genome not in config.get("genomes", {}):
        raise ValueError(f"unknown genome '{genome}'; config `genomes` has: {', '.join(config.get('genomes', {}))}")
    return f"{GENOMES_DIR}/{genome}"


def genome_fasta(genome):
    """Uncompressed FASTA of a genome of config `genomes` (its .fai sits beside it)."""
    return f"{_genome(genome)}/genome.fa"


def genome_fai(genome):
    return f"{_genome(genome)}/genome.fa.fai"


def genome_sizes(genome):
    """Two-column chromosome sizes, in FASTA order."""
    return f"{_genome(genome)}/chrom.sizes"


def genome_blacklist(genome):
    """Sorted, merged BED3 of the genome's blacklist (empty when none is configured)."""
    return f"{_genome(genome)}/blacklist.bed"


def deepsea_feature_table():
    """The DeepSEA feature table (index, feature, category, url, path); waits for the checkpoint."""
    return pd.read_csv(checkpoints.deepsea_features.get().output[0], sep="\t")


def deepsea_feature_paths(wildcards=None):
    """The downloaded peak file of every DeepSEA feature, in output (feature index) order."""
    return deepsea_feature_table()["path"].tolist()


def deepsea_tf_paths(wildcards=None):
    """The peak files of the TF features (they define DeepSEA's region set)."""
    table = deepsea_feature_table()
    return table.loc[table["category"] == "TF", "path"].tolist()


def _feature_source(filename):
    table = deepsea_feature_table()
    row = table[table["path"] == f"{DEEPSEA_DOWNLOADS}/{filename}"]
    if row.empty:
        raise ValueError(f"{DEEPSEA_DOWNLOADS}/{filename} is not a file of the DeepSEA feature table")
    return gt_download.source_for_location(row["feature"].iloc[0], row["url"].iloc[0], filename=filename)


def _download_input(wildcards):
    return SOURCE_BY_FILE[wildcards.filename].local_input or []


def _feature_input(wildcards):
    # The table first (this waits for the checkpoint), then a local peak file when the list names one.
    local = _feature_source(wildcards.feature_file).local_input
    return [checkpoints.deepsea_features.get().output[0]] + ([local] if local else [])


def _one_of(names):
    """A wildcard constraint matching exactly these names (nothing when there are none)."""
    return "|".join(re.escape(n) for n in sorted(names)) if names else "(?!)"


# ------------------------------------------------------------------------------------------ rules
localrules:
    download_source,
    download_deepsea_feature,


rule download_source:
    output:
        f"{DOWNLOADS}/{{filename}}",
    input:
        _download_input,
    log:
        "logs/downloads/{filename}.log",
    wildcard_constraints:
        filename=_one_of(SOURCE_BY_FILE),
    resources:
        downloads=1,
    params:
        source_id=lambda w: SOURCE_BY_FILE[w.filename].id,
        spec=lambda w: SOURCE_BY_FILE[w.filename].to_config(),
        encode_portal=ENCODE_PORTAL,
    conda:
        "../../envs/data.yaml"
    script:
        "../../scripts/download.py"


rule download_deepsea_feature:
    output:
        f"{DEEPSEA_DOWNLOADS}/{{feature_file}}",
    input:
        _feature_input,
    log:
        "logs/downloads/deepsea/{feature_file}.log",
    wildcard_constraints:
        feature_file="[^/]+",
    resources:
        downloads=1,
    params:
        source_id=lambda w: _feature_source(w.feature_file).id,
        spec=lambda w: _feature_source(w.feature_file).to_config(),
        encode_portal=ENCODE_PORTAL,
    conda:
        "../../envs/data.yaml"
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
    threads: 4
    resources:
        # samtools index streams the BAM: little memory, a few minutes for a 3.5-GB BAM.
        mem_mb=1000,
        runtime=60,
    conda:
        "../../envs/data.yaml"
    shell:
        "samtools index -@ {threads} {input} {output} 2> {log}"

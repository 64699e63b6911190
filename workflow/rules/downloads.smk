# Sources: every input file by id (config `sources`), fetched into resources/downloads/<id><ext> and
# verified (ENCODE portal metadata, published md5 lists, or a checksum in the config) before it gets its
# final name. A source whose url is a local path (the demo world, a user's own files) is hard-linked or
# copied by the same download job, with that path as the job's input. This file holds the load-time checks
# of the config and the input functions the case rules call (source_path, genome_fasta, bam_with_index,
# deepsea_feature_paths, ...); the rules themselves are in references.smk.
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
        refs += [
            (f"genomes.{genome}.{key}", spec[key])
            for key in ("fasta", "blacklist")
            if key in spec
        ]
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
        raise ValueError(
            f"unknown genome '{genome}'; config `genomes` has: {', '.join(config.get('genomes', {}))}"
        )
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
        raise ValueError(
            f"{DEEPSEA_DOWNLOADS}/{filename} is not a file of the DeepSEA feature table"
        )
    return gt_download.source_for_location(
        row["feature"].iloc[0], row["url"].iloc[0], filename=filename
    )


def _download_input(wildcards):
    return SOURCE_BY_FILE[wildcards.filename].local_input or []


def _feature_input(wildcards):
    # The table first (this waits for the checkpoint), then a local peak file when the list names one.
    local = _feature_source(wildcards.feature_file).local_input
    return [checkpoints.deepsea_features.get().output[0]] + ([local] if local else [])


def _one_of(names):
    """A wildcard constraint matching exactly these names (nothing when there are none)."""
    return "|".join(re.escape(n) for n in sorted(names)) if names else "(?!)"


# ------------------------------------------------------------------- targets and reference inputs
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
    return sorted(
        {
            config[case]["genome"]
            for case in ("jund", "deepsea", "cage")
            if case_enabled(case)
        }
    )


def _used_sources():
    """Source ids the enabled cases and their genomes read, in a stable order."""
    ids = []
    for genome in _used_genomes():
        ids += [
            config["genomes"][genome][key]
            for key in ("fasta", "blacklist")
            if key in config["genomes"][genome]
        ]
    if case_enabled("jund"):
        ids += [config["jund"]["peaks"], *config["jund"]["dnase"].values()]
    if case_enabled("cage"):
        ids += [
            config["cage"][key] for key in ("annotation", "cage", "dnase", "h3k4me3")
        ]
    if case_enabled("deepsea"):
        ids += [
            config["deepsea"][key]
            for key in ("feature_list", "tf_bins")
            if key in config["deepsea"]
        ]
    return list(dict.fromkeys(ids))


def references_targets():
    """Downloads, BAM indexes, genome files and ROIs of the enabled cases (part of `rule all`)."""
    targets = []
    for source_id in _used_sources():
        path = source_path(source_id)
        targets += bam_with_index(source_id) if path.endswith(".bam") else [path]
    for genome in _used_genomes():
        targets += [
            genome_fasta(genome),
            genome_fai(genome),
            genome_sizes(genome),
            genome_blacklist(genome),
        ]
    if case_enabled("jund"):
        targets += ["results/jund/roi/peaks.merged.bed", "results/jund/roi/roi.bed"]
    if case_enabled("cage"):
        targets += ["results/cage/roi/promoters.bed"]
    if case_enabled("deepsea"):
        targets += ["results/deepsea/features.tsv"]
        targets += expand(
            "results/deepsea/regions/{split}.bed", split=["train", "validation", "test"]
        )
    return targets


GENOME_NAMES = _one_of(config.get("genomes", {}))


def _deepsea_region_inputs(wildcards):
    inputs = {"sizes": genome_sizes(config["deepsea"]["genome"])}
    if config["deepsea"].get("tf_bins"):
        inputs["bins"] = source_path(config["deepsea"]["tf_bins"])
    else:
        inputs["peaks"] = deepsea_tf_paths(wildcards)
    return inputs


# --- Split chromosomes: checked against the genome at the ROI rules, and already here when the genome's
# index is on disk when the workflow starts (so that a dry run names a wrong split chromosome) ---
def split_chromosomes(case):
    """``{config key: chromosomes}`` of a case's validation/test/fold splits."""
    if case == "jund":
        return {f"jund.{key}": config["jund"][key] for key in ("validation", "test")}
    if case == "cage":
        return {f"cage.{key}": config["cage"].get(key, []) for key in ("test", "folds")}
    if case == "deepsea":
        test = config["deepsea"].get("regions", {}).get("test")
        return {"deepsea.regions.test": test} if test else {}
    return {}


def check_splits_against_genomes_on_disk():
    from genomic_tensors.recipes import check_split_chromosomes

    for case in ("jund", "cage", "deepsea"):
        genome = config.get(case, {}).get("genome")
        if genome not in config.get("genomes", {}):
            continue
        fai = Path(genome_fai(genome))
        if fai.is_file() and fai.stat().st_size > 0:
            check_split_chromosomes(split_chromosomes(case), fai)


check_splits_against_genomes_on_disk()

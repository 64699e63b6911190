# The functions of the rule files (input, params and resource functions, source and genome paths, targets),
# one section per rule file. Snakemake's lint keeps functions apart from rules; paths and the target list
# are in common.smk.
import re

import pandas as pd

from genomic_tensors import download as gt_download
from genomic_tensors.cases.cage.grid import parse_run, run_seed
from genomic_tensors.cases.deepsea.grid import grid_columns as deepsea_grid_columns
from genomic_tensors.cases.jund.grid import parse_model_dir as jund_parse_model_dir


# ----------------------------------------- downloads.smk: sources, their local paths and the download targets
def case_source_keys(case):
    """``[(config key, source id)]`` of a case section's sources (values or mappings of source ids)."""
    section = config.get(case, {})
    refs = []
    for key in CASES[case].sources:
        value = section.get(key)
        if isinstance(value, dict):
            refs += [(f"{case}.{key}.{name}", sid) for name, sid in value.items()]
        elif value is not None:
            refs.append((f"{case}.{key}", value))
    return refs


def _check_config_sources():
    """Every source id named by `genomes` and the case sections must be a key of `sources`, and every
    case's genome a key of `genomes`."""
    refs = []
    for genome, spec in config.get("genomes", {}).items():
        refs += [
            (f"genomes.{genome}.{key}", spec[key])
            for key in ("fasta", "blacklist")
            if key in spec
        ]
    for case in CASES:
        refs += case_source_keys(case)
        genome = config.get(case, {}).get("genome")
        if genome is not None and genome not in config.get("genomes", {}):
            raise ValueError(
                f"config {case}.genome: genome '{genome}' is not a key of `genomes` "
                f"(has: {', '.join(config.get('genomes', {})) or 'none'})"
            )
    if "variants" in config:
        refs.append(("variants.vcf", config["variants"]["vcf"]))
    for where, sid in refs:
        if sid not in SOURCES:
            raise ValueError(
                f"config {where}: source id '{sid}' is not a key of `sources` "
                f"(has: {', '.join(SOURCES) or 'none'})"
            )


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


def _one_of(names):
    """A wildcard constraint matching exactly these names (nothing when there are none)."""
    return "|".join(re.escape(n) for n in sorted(names)) if names else "(?!)"


def _download_input(wildcards):
    return SOURCE_BY_FILE[wildcards.filename].local_input or []


def _feature_source(filename):
    """The source of one DeepSEA feature's peak file, from the feature table (deepsea.smk's checkpoint)."""
    table = deepsea_feature_table()
    row = table[table["path"] == f"{DEEPSEA_DOWNLOADS}/{filename}"]
    if row.empty:
        raise ValueError(
            f"{DEEPSEA_DOWNLOADS}/{filename} is not a file of the DeepSEA feature table"
        )
    return gt_download.source_for_location(
        row["feature"].iloc[0], row["url"].iloc[0], filename=filename
    )


def _feature_input(wildcards):
    # The table first (this waits for the checkpoint), then a local peak file when the list names one.
    local = _feature_source(wildcards.feature_file).local_input
    return [checkpoints.deepsea_features.get().output[0]] + ([local] if local else [])


def used_sources():
    """Source ids the enabled cases and their genomes read, in a stable order."""
    ids = []
    for genome in used_genomes():
        ids += [
            config["genomes"][genome][key]
            for key in ("fasta", "blacklist")
            if key in config["genomes"][genome]
        ]
    for case in enabled_cases():
        ids += [sid for _, sid in case_source_keys(case)]
    if "variants" in config:
        ids.append(config["variants"]["vcf"])
    return list(dict.fromkeys(ids))


def download_targets():
    """Every download the enabled cases read, with the index of each BAM (part of `rule all`)."""
    targets = []
    for source_id in used_sources():
        path = source_path(source_id)
        targets += bam_with_index(source_id) if path.endswith(".bam") else [path]
    return targets


# ------------------------------------------ genomes.smk: genome files, targets and the split-chromosome check
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


def genome_digest(genome):
    """SHA-256 of the uncompressed FASTA (``sha256sum`` format), computed once per genome for the
    model cards."""
    return f"{_genome(genome)}/genome.fa.sha256"


def used_genomes():
    return sorted({config[case]["genome"] for case in enabled_cases()})


def genome_targets():
    """The genome files of the enabled cases (part of `rule all`)."""
    return [
        path(genome)
        for genome in used_genomes()
        for path in (
            genome_fasta,
            genome_fai,
            genome_sizes,
            genome_blacklist,
            genome_digest,
        )
    ]


def _blacklist_input(wildcards):
    source_id = config["genomes"][wildcards.genome].get("blacklist")
    return {"blacklist": source_path(source_id)} if source_id else {}


def split_chromosomes(case):
    """``{config key: chromosomes}`` of a case's split chromosomes (the registry's ``splits`` keys that
    the config sets)."""
    splits = {}
    for dotted in CASES[case].splits:
        node = config.get(case, {})
        for key in dotted.split("."):
            node = node.get(key) if isinstance(node, dict) else None
        if node:
            splits[f"{case}.{dotted}"] = node
    return splits


def check_splits_against_genomes_on_disk():
    from genomic_tensors.recipes import check_split_chromosomes

    for case in CASES:
        genome = config.get(case, {}).get("genome")
        if genome not in config.get("genomes", {}):
            continue
        fai = Path(genome_fai(genome))
        if fai.is_file() and fai.stat().st_size > 0:
            check_split_chromosomes(split_chromosomes(case), fai)


# -------------------- jund.smk: case 1's training grid read from the model folder wildcard, and figure inputs
def jund_family(wildcards):
    """The model family of a training job (dna, dnase, combined)."""
    return jund_parse_model_dir(wildcards.jund_model).family


def jund_replicate(wildcards):
    return jund_parse_model_dir(wildcards.jund_model).replicate


def jund_setting(wildcards):
    """The grid point of a training job: from its folder, or the config's `jund.combined`."""
    run = jund_parse_model_dir(wildcards.jund_model)
    if run.family != "combined":
        return run.setting
    combined = config["jund"]["combined"]
    return {
        key: combined[key] for key in ("order", "dropout", "normalization", "augment")
    }


def jund_family_config(wildcards):
    """The config section holding a training job's epochs and batch size."""
    section = {"dna": "dna", "dnase": "dnase_model", "combined": "combined"}
    return config["jund"][section[jund_family(wildcards)]]


def jund_epochs(wildcards):
    return jund_family_config(wildcards)["epochs"]


def jund_batch_size(wildcards):
    return jund_family_config(wildcards)["batch_size"]


def jund_train_mem_mb(wildcards, attempt):
    return scaled(JUND_TRAIN_RESOURCES[jund_family(wildcards)]["mem_mb"], attempt)


def jund_train_runtime(wildcards, attempt):
    return scaled(JUND_TRAIN_RESOURCES[jund_family(wildcards)]["runtime"], attempt)


def jund_train_input(wildcards):
    """The tensors a training job reads: the DNA of its order, the DNase of its normalization, labels."""
    family, setting = jund_family(wildcards), jund_setting(wildcards)
    inputs = {}
    if family != "dnase":
        inputs["dna"] = f"{JUND}/data/dna_order{setting['order']}.npz"
    if family != "dna":
        inputs["dnase"] = f"{JUND}/data/dnase_{setting['normalization']}.npz"
        # The raw counts: the model card gives the normalization's fitted statistics.
        inputs["dnase_counts"] = f"{JUND}/data/dnase_counts.npz"
    return {**inputs, "labels": f"{JUND}/data/labels.npz"}


def jund_figure_input(wildcards):
    """Fig. 2a-c are drawn from the metrics table, Fig. 2d from the locus tracks."""
    if wildcards.jund_panel == "fig2d":
        return f"{JUND}/locus/tracks.npz"
    return f"{JUND}/metrics.tsv"


# -------------------- deepsea.smk: case 2's feature table (after its checkpoint), regions, runs and run files
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


def _deepsea_region_inputs(wildcards):
    """The genome's sizes and either DeepSEA's own bins (`tf_bins`, optional) or the TF peak files."""
    inputs = {"sizes": genome_sizes(config["deepsea"]["genome"])}
    if "tf_bins" in config["deepsea"]:
        inputs["bins"] = source_path(config["deepsea"]["tf_bins"])
    else:
        inputs["peaks"] = deepsea_tf_paths(wildcards)
    return inputs


def deepsea_window(wildcards):
    """The context window (bp) of the job's wildcards."""
    return int(wildcards.ds_window)


def deepsea_order(wildcards):
    """The one-hot order of the job's wildcards."""
    return int(wildcards.ds_order)


def deepsea_run(wildcards):
    """The job's grid point, as the fields of genomic_tensors.cases.deepsea.grid.RunSpec."""
    return {
        "model": wildcards.ds_model,
        "window": deepsea_window(wildcards),
        "order": deepsea_order(wildcards),
        "strands": wildcards.ds_strands,
    }


def deepsea_run_files(pattern):
    """`pattern` (with the DEEPSEA_RUN wildcards) filled for every run of the configured grid."""
    columns = deepsea_grid_columns(config["deepsea"]["grid"])
    return expand(
        pattern, zip, **{f"ds_{name}": values for name, values in columns.items()}
    )


def deepsea_model_dir(wildcards, output):
    """The training job's folder (model.keras, history.tsv, train.log)."""
    return str(Path(output.model).parent)


# ----------------------------------------------- cage.smk: case 3's training inputs, seeds and report entries
def cage_train_inputs(wildcards):
    """The promoter signals, and the genome FASTA and its index for a run that reads DNA (the chromatin
    model reads none)."""
    inputs = {"signals": f"{CAGE}/data/signals.tsv"}
    if parse_run(wildcards.cage_run).uses_dna:
        inputs.update(fasta=CAGE_FASTA, fasta_index=genome_fai(CAGE_CFG["genome"]))
    return inputs


def cage_seed(wildcards):
    """The training job's seed, from the config seed, the run and the fold."""
    return run_seed(config["seed"], wildcards.cage_run, wildcards.cage_fold)


def cage_report(path, caption):
    """An output shown in the report under the case's category, with ``report/cage_<caption>.rst``."""
    return report(
        path,
        caption=f"../report/cage_{caption}.rst",
        category=CASES["cage"].title,
    )


# ------------------------ variants.smk: the VCF and its parts, the models that score them, the figure inputs
def variants_vcf():
    """The verified local copy of the `variants` VCF."""
    return source_path(config["variants"]["vcf"])


def variants_parts(pattern):
    """`pattern` (with a `{vpart}` wildcard) for every part of the split VCF (1..chunks)."""
    return expand(
        pattern, vpart=range(1, config["variants"]["chunks"] + 1), allow_missing=True
    )


def variants_jund_names():
    """The JunD DNA models' folders below the case's models folder (``dna/order3_dropout0/rep1``)."""
    return [d[len(f"{JUND}/models/") :] for d in jund_model_dirs("dna")]


def variants_jund_models(name="model.keras"):
    """The file ``name`` of every JunD DNA model (the model, or its card ``model.json``)."""
    return [f"{d}/{name}" for d in jund_model_dirs("dna")]


def variants_deepsea_files():
    """The merged HDF5 of every DeepSEA/DanQ run."""
    return deepsea_run_files(f"{VARIANTS}/deepsea/{DEEPSEA_RUN}.h5")


def variants_deepsea_names():
    """The run names, in the order of :func:`variants_deepsea_files`."""
    return deepsea_run_files(DEEPSEA_RUN)


def variants_report_input(wildcards):
    """The VCF (its planted classes), the JunD effects and the DeepSEA top table of the cases scored."""
    inputs = {"vcf": variants_vcf()}
    if variants_enabled("jund"):
        inputs["jund"] = f"{VARIANTS}/jund_effects.tsv"
    if variants_enabled("deepsea"):
        inputs["top"] = f"{VARIANTS}/deepsea_top.tsv"
    return inputs


def variants_summary_input():
    """The JunD auROC table for the summary when the config has a `variants` section."""
    return {"variants": f"{VARIANTS}/jund_auroc.tsv"} if "variants" in config else {}

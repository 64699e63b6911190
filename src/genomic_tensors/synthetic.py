"""The synthetic demo world: a small genome with the biology of the three case studies, in real formats.

Nothing can be downloaded from the real data hosts in the demo, so :func:`generate_world` writes a
world that the real-data rules consume unchanged: FASTA, narrowPeak, BAM (single- and paired-end),
bigWig, GTF and VCF, plus the planted truth for tests. The generative model is described in
``docs/demo_world.md``; in short:

* background sequence (GC 41 %, CpG depleted, soft-masked repeats, N at chromosome ends);
* case 1: clusters of JunD peaks on planted JUND (JASPAR MA0491.1) sites whose neighbouring
  positions are coupled, decoy sites with the same per-position marginals but no coupling, peaks
  bound without a motif, and two DNase replicates of different depth and background;
* case 2: twelve DeepSEA-like features: TF peaks on planted motifs (coupled for CTCF and ZNF143),
  DNase peaks open at a TF-dependent share of sites, broad histone domains marked by clusters of a
  domain motif;
* case 3: genes with a TATA box, a coupled GC box and CpG islands of varying extent; a lognormal
  latent shared by CAGE, promoter DNase (paired-end) and an H3K4me3 bigWig.

Everything is deterministic given ``seed`` (byte-identical FASTA and BAMs). This module depends on
nothing else of the package. Coordinates are 0-based, half-open (GTF and VCF are written 1-based).
"""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
import json
import logging
import shutil
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pysam

from ._synthetic_libraries import cage_dnase, cage_reads, h3k4me3_signal, jund_dnase
from ._synthetic_reads import Genome, write_bam, write_bigwig
from ._synthetic_seq import Occupancy, write_fasta
from ._synthetic_world import (
    DEEPSEA_DNASE,
    DEEPSEA_HISTONE,
    DEEPSEA_TFS,
    World,
    build_background,
    build_blacklist,
    build_deepsea,
    build_genes,
    build_jund,
    build_variants,
    load_motifs,
)

__all__ = [
    "WorldParams",
    "Manifest",
    "generate_world",
    "DEFAULT_MOTIFS",
    "FORMAT_VERSION",
    "feature_names",
]

log = logging.getLogger(__name__)

# Bump whenever the same parameters give different files: the demo_world rule has it as a parameter, so
# an existing demo directory regenerates its world (and everything built from it) on the next run.
# 2: CpG islands at promoters, 400 genes per Mb.
FORMAT_VERSION = 2
DEFAULT_MOTIFS = (
    Path(__file__).resolve().parents[2] / "resources" / "motifs" / "jaspar2024_selected.jaspar"
)
H3K4ME3_STEP = 25


@dataclass(frozen=True)
class WorldParams:
    """Parameters of the demo world; every field has a default. Densities are per Mb of non-N sequence.

    Build from a config mapping with :meth:`from_mapping` (unknown keys are an error naming them).
    """

    seed: int = 7
    chrom_sizes: tuple[int, ...] = (
        903_217,
        702_391,
        651_823,
        604_159,
        598_771,
        553_087,
        547_619,
        502_533,
        497_041,
    )
    include_chrM: bool = True
    gc_content: float = 0.41
    cpg_depletion: float = 0.75
    repeat_fraction: float = 0.05
    telomere_n: int = 10_000
    # case 1: JunD
    jund_clusters_per_mb: float = 15.0
    jund_cluster_length: int = 20_000
    jund_peaks_per_cluster: int = 10
    jund_sites_per_peak: int = 2
    jund_indirect_fraction: float = 0.15
    jund_decoys_per_site: float = 0.7
    jund_open_unbound_per_cluster: int = 5
    jund_weak_dnase_fraction: float = 0.25
    dnase_site_reads: float = 25.0
    dnase_roadmap_depth: float = 4.0
    dnase_encode_background_per_kb: float = 2.0
    dnase_roadmap_background_per_kb: float = 16.0
    # case 3: genes, CAGE, chromatin
    genes_per_mb: float = 400.0
    protein_coding_fraction: float = 0.8
    promoter_tata_rate: float = 0.35
    promoter_gcbox_rate: float = 0.6
    promoter_cpg_island_rate: float = 0.5
    cpg_island_gc: float = 0.5
    tata_effect: float = 0.6
    gcbox_effect: float = 0.5
    cpg_island_effect: float = 1.0
    promoter_direct_effect: float = 0.8
    chromatin_sd: float = 0.65
    expression_noise_sd: float = 0.5
    chromatin_noise_sd: float = 0.5
    cage_reads_per_tss: float = 40.0
    cage_dnase_pairs_per_promoter: float = 20.0
    h3k4me3_peak_height: float = 15.0
    # case 2: DeepSEA-like
    deepsea_sites_per_tf_per_mb: float = 200.0
    deepsea_decoys_per_site: float = 0.5
    histone_domain_fraction: float = 0.08
    histone_motif_spacing: int = 400
    # blacklist, variants, reads
    blacklist_regions: int = 6
    destroying_variants: int = 20
    background_variants: int = 40
    single_read_length: int = 36
    paired_read_length: int = 50
    motifs: str | None = None  # JASPAR file; None = the shipped resources/motifs file

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any] | WorldParams | None) -> WorldParams:
        """Validate a config mapping (``world:`` in the config) into parameters.

        Raises
        ------
        ValueError
            On an unknown key (named, with the accepted keys), a value of the wrong type or out of range.
        """
        if isinstance(values, WorldParams):
            values.validate()
            return values
        values = dict(values or {})
        known = {f.name: f for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - set(known))
        if unknown:
            raise ValueError(
                f"unknown world parameter(s) {unknown}; accepted keys: {sorted(known)}"
            )
        kwargs: dict[str, Any] = {}
        defaults = cls()
        for key, value in values.items():
            default = getattr(defaults, key)
            try:
                if key == "chrom_sizes":
                    if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
                        raise TypeError
                    kwargs[key] = tuple(_as_int(v) for v in value)
                elif key == "motifs":
                    kwargs[key] = None if value is None else str(value)
                elif isinstance(default, bool):
                    if not isinstance(value, bool):
                        raise TypeError
                    kwargs[key] = value
                elif isinstance(default, int):
                    kwargs[key] = _as_int(value)
                else:
                    if isinstance(value, bool) or not isinstance(value, (int, float)):
                        raise TypeError
                    kwargs[key] = float(value)
            except (TypeError, ValueError):
                raise ValueError(
                    f"world parameter {key!r}: got {value!r} ({type(value).__name__}); expected "
                    f"{'a list of integers' if key == 'chrom_sizes' else type(default).__name__}"
                ) from None
        params = cls(**kwargs)
        params.validate()
        return params

    def validate(self) -> None:
        """Check ranges; raise ``ValueError`` naming the parameter and the allowed range."""
        fractions = [
            "gc_content",
            "cpg_depletion",
            "repeat_fraction",
            "jund_indirect_fraction",
            "jund_weak_dnase_fraction",
            "protein_coding_fraction",
            "promoter_tata_rate",
            "promoter_gcbox_rate",
            "promoter_cpg_island_rate",
            "cpg_island_gc",
            "histone_domain_fraction",
        ]
        for key in fractions:
            value = getattr(self, key)
            if not 0.0 <= value <= 1.0:
                raise ValueError(
                    f"world parameter {key!r} = {value}: expected a fraction in [0, 1]"
                )
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(value, (int, float)) and not isinstance(value, bool) and value < 0:
                raise ValueError(f"world parameter {f.name!r} = {value}: expected a value >= 0")
        if not self.chrom_sizes:
            raise ValueError(
                "world parameter 'chrom_sizes' is empty: expected one size per chromosome chr1..chrN"
            )
        minimum = 2 * self.telomere_n + self.jund_cluster_length + 2 * 10_000 + 2_000
        for i, size in enumerate(self.chrom_sizes, start=1):
            if size < minimum:
                raise ValueError(
                    f"world parameter 'chrom_sizes': chr{i} = {size} bp is too small; with telomere_n="
                    f"{self.telomere_n} and jund_cluster_length={self.jund_cluster_length} a chromosome "
                    f"needs at least {minimum} bp"
                )
        for key in ("single_read_length", "paired_read_length"):
            if not 20 <= getattr(self, key) <= 250:
                raise ValueError(
                    f"world parameter {key!r} = {getattr(self, key)}: expected 20..250"
                )
        if not 1 <= self.jund_sites_per_peak <= 4:
            raise ValueError(
                f"world parameter 'jund_sites_per_peak' = {self.jund_sites_per_peak}: expected 1..4"
            )
        if self.histone_motif_spacing < 50:
            raise ValueError(
                f"world parameter 'histone_motif_spacing' = {self.histone_motif_spacing}: expected >= 50"
            )

    def chromosomes(self) -> dict[str, int]:
        """Chromosome names and sizes: ``chr1..chrN`` then ``chrM`` (16,569 bp) when included."""
        sizes = {f"chr{i}": int(s) for i, s in enumerate(self.chrom_sizes, start=1)}
        if self.include_chrM:
            sizes["chrM"] = 16_569
        return sizes


def _as_int(value: Any) -> int:
    if isinstance(value, bool):
        raise TypeError
    if isinstance(value, float) and not value.is_integer():
        raise ValueError
    return int(value)


@dataclass(frozen=True)
class Manifest:
    """What :func:`generate_world` wrote: parameters, per-file md5 and size, counts of planted things.

    ``files`` maps paths relative to ``outdir`` to ``{"md5": ..., "bytes": ...}``.
    """

    outdir: Path
    params: WorldParams
    files: dict[str, dict[str, Any]] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> str:
        """The ``manifest.json`` text (no absolute paths, no time stamps)."""
        doc = {
            "generator": "genomic_tensors.synthetic",
            "format_version": FORMAT_VERSION,
            "seed": self.params.seed,
            "params": dataclasses.asdict(self.params),
            "counts": self.counts,
            "files": self.files,
        }
        return json.dumps(doc, indent=2, sort_keys=True) + "\n"


def feature_names() -> list[str]:
    """The DeepSEA-like feature names in output order: ``DNase_*``, then ``TF_*``, then ``Histone_*``."""
    return (
        [f"DNase_{c}" for c in DEEPSEA_DNASE]
        + [f"TF_{t}" for t in DEEPSEA_TFS]
        + [f"Histone_{m}" for m in DEEPSEA_HISTONE]
    )


def generate_world(
    outdir: str | Path, params: WorldParams | Mapping[str, Any] | None = None
) -> Manifest:
    """Write the demo world under ``outdir`` and return its manifest.

    Parameters
    ----------
    outdir
        Output folder (created). The DeepSEA ``urls.txt`` lists feature files as
        ``<outdir>/deepsea/<name>.narrowPeak.gz`` with ``outdir`` exactly as given, so pass it relative
        to the workflow's working directory (``results/demo/world``).
    params
        :class:`WorldParams` or a mapping of its fields (unknown keys raise ``ValueError``).

    Returns
    -------
    Manifest
        Also written as ``manifest.json``. Files: ``genome.fa`` (+ ``.fai``), ``genome.chrom.sizes``,
        ``blacklist.bed``, ``jund/peaks.narrowPeak.gz``, ``jund/dnase_{roadmap,encode}.bam`` (+ ``.bai``),
        ``deepsea/urls.txt`` and ``deepsea/<feature>.narrowPeak.gz``, ``cage/annotation.gtf.gz``,
        ``cage/cage.bam``, ``cage/dnase.bam`` (paired-end) (+ ``.bai``), ``cage/h3k4me3.bigwig``,
        ``variants.vcf.gz`` (+ ``.tbi``), ``truth/*``.
    """
    p = WorldParams.from_mapping(params)
    out = Path(outdir)
    motif_path = Path(p.motifs) if p.motifs else DEFAULT_MOTIFS
    if not motif_path.is_file():
        raise FileNotFoundError(
            f"motif matrices not found at {motif_path}; set world parameter 'motifs' "
            "to a JASPAR-format file"
        )
    for sub in ("jund", "deepsea", "cage", "truth"):
        (out / sub).mkdir(parents=True, exist_ok=True)
    tmp = out / ".tmp"
    tmp.mkdir(exist_ok=True)

    sizes = p.chromosomes()
    world = World(sizes, {}, {}, Occupancy(sizes), load_motifs(motif_path), p)
    build_background(world)
    build_jund(world)
    build_genes(world)
    build_deepsea(world)
    build_blacklist(world)
    variants = build_variants(world)
    log.info(
        "world built: %d JunD peaks, %d genes, %d TF sites",
        len(world.tables["jund_peaks"]),
        len(world.tables["genes"]),
        len(world.tables["deepsea_sites"]),
    )

    write_fasta(out / "genome.fa", world.genome, world.lower)
    pysam.faidx(str(out / "genome.fa"))
    (out / "genome.chrom.sizes").write_text("".join(f"{c}\t{s}\n" for c, s in sizes.items()))
    _write_bed(out / "blacklist.bed", world.tables["blacklist"], ["chrom", "start", "end", "name"])
    _write_narrowpeak(out / "jund" / "peaks.narrowPeak.gz", world.tables["jund_peaks"], sizes)
    urls = []
    for name in feature_names():
        path = out / "deepsea" / f"{name}.narrowPeak.gz"
        _write_narrowpeak(path, world.feature_peaks[name], sizes)
        urls.append(f"{Path(outdir).as_posix().rstrip('/')}/deepsea/{name}.narrowPeak.gz")
    (out / "deepsea" / "urls.txt").write_text("\n".join(urls) + "\n")
    _write_gtf(out / "cage" / "annotation.gtf.gz", world.tables["genes"])
    _write_vcf(out / "variants.vcf.gz", variants, sizes, tmp)

    genome = Genome(world.genome)
    program = {
        "ID": "genomic_tensors.synthetic",
        "PN": "genomic_tensors.synthetic",
        "VN": str(FORMAT_VERSION),
        "CL": f"generate_world seed={p.seed}",
    }
    libraries = [
        (
            "jund/dnase_roadmap.bam",
            "dnase_roadmap",
            lambda: jund_dnase(world, genome, "roadmap", p.single_read_length),
            p.single_read_length,
            "H1-hESC",
            "DNase-seq",
        ),
        (
            "jund/dnase_encode.bam",
            "dnase_encode",
            lambda: jund_dnase(world, genome, "encode", p.single_read_length),
            p.single_read_length,
            "H1-hESC",
            "DNase-seq",
        ),
        (
            "cage/cage.bam",
            "cage",
            lambda: cage_reads(world, genome, p.single_read_length),
            p.single_read_length,
            "HepG2",
            "CAGE",
        ),
        (
            "cage/dnase.bam",
            "dnase_pe",
            lambda: cage_dnase(world, genome, p.paired_read_length),
            p.paired_read_length,
            "HepG2",
            "DNase-seq",
        ),
    ]
    counts: dict[str, int] = {}
    for rel, prefix, make, length, sample, assay in libraries:
        aln = make()
        counts[f"records:{rel}"] = len(aln)
        rg = {
            "ID": prefix,
            "SM": f"{sample}_{prefix}",
            "LB": f"{prefix}_lib",
            "PL": "ILLUMINA",
            "DS": assay,
        }
        write_bam(
            out / rel, aln, genome, length, prefix, rg, program, world.rng(f"bam_{prefix}"), tmp
        )
    write_bigwig(
        out / "cage" / "h3k4me3.bigwig", sizes, h3k4me3_signal(world, H3K4ME3_STEP), H3K4ME3_STEP
    )

    _write_truth(out / "truth", world)
    shutil.rmtree(tmp)
    for name, table in world.tables.items():
        counts[name] = int(len(table))
    files = {}
    for path in sorted(out.rglob("*")):
        if path.is_file() and path.name != "manifest.json":
            data = path.read_bytes()
            files[path.relative_to(out).as_posix()] = {
                "md5": hashlib.md5(data).hexdigest(),
                "bytes": len(data),
            }
    manifest = Manifest(out, p, files, dict(sorted(counts.items())))
    (out / "manifest.json").write_text(manifest.to_json())
    return manifest


# --------------------------------------------------------------------------- writers
def _gzip_text(path: Path, text: str) -> None:
    """Gzip with no file name and no time stamp in the header, so equal text gives equal bytes."""
    with open(path, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as gz:
        gz.write(text.encode())


def _sorted(table: pd.DataFrame, sizes: Mapping[str, int]) -> pd.DataFrame:
    if not len(table):
        return table
    rank = {c: i for i, c in enumerate(sizes)}
    return (
        table.assign(_r=table["chrom"].map(rank))
        .sort_values(["_r", "start", "end"], kind="stable")
        .drop(columns="_r")
    )


def _write_bed(path: Path, table: pd.DataFrame, columns: list[str]) -> None:
    if not len(table):
        path.write_text("")
        return
    frame = table[columns].copy()
    if "strand" in frame and frame["strand"].dtype != object:
        frame["strand"] = np.where(frame["strand"].to_numpy() > 0, "+", "-")
    path.write_text(frame.to_csv(sep="\t", header=False, index=False))


def _write_narrowpeak(path: Path, table: pd.DataFrame, sizes: Mapping[str, int]) -> None:
    """narrowPeak (BED6+4): chrom, start, end, name, score, strand, signal, p, q, summit offset."""
    cols = [
        "chrom",
        "start",
        "end",
        "name",
        "score",
        "strand",
        "signal",
        "pvalue",
        "qvalue",
        "peak",
    ]
    if not len(table):
        _gzip_text(path, "")
        return
    table = table.copy()
    table["start"] = np.maximum(table["start"], 0)
    table["end"] = np.minimum(table["end"], table["chrom"].map(dict(sizes)))
    _gzip_text(path, _sorted(table, sizes)[cols].to_csv(sep="\t", header=False, index=False))


def _write_gtf(path: Path, genes: pd.DataFrame) -> None:
    """GENCODE-style GTF (1-based, inclusive): gene, transcript and exon rows with GENCODE attributes."""
    lines = [
        "##description: synthetic demo world annotation (genomic_tensors.synthetic), GENCODE layout",
        "##provider: genomic_tensors",
        "##contact: none",
        "##format: gtf",
        "##date: 2020-01-01",
    ]
    n_exon = 0
    rank = {}
    for g in genes.itertuples() if len(genes) else []:
        rank.setdefault(g.chrom, len(rank))
    order = sorted(
        range(len(genes)), key=lambda i: (rank[genes["chrom"].iat[i]], int(genes["start"].iat[i]))
    )
    for t_no, i in enumerate(order, start=1):
        g = genes.iloc[i]
        strand = "+" if g["strand"] > 0 else "-"
        source = "HAVANA" if t_no % 3 else "ENSEMBL"
        tx_type = g["gene_type"]
        base = f'gene_id "{g["gene_id"]}"; '
        gene_attr = f'{base}gene_type "{g["gene_type"]}"; gene_name "{g["gene_name"]}"; level 2;'
        lines.append(
            f"{g['chrom']}\t{source}\tgene\t{g['start'] + 1}\t{g['end']}\t.\t{strand}\t.\t{gene_attr}"
        )
        exons = list(g["exons"])
        transcripts = [exons]
        if len(exons) > 2:  # an isoform skipping the second exon (same TSS and end)
            transcripts.append(exons[:1] + exons[2:])
        for k, tx in enumerate(transcripts, start=1):
            tid = f"SYNT{t_no:08d}.{k}"
            tx_attr = (
                f'{base}transcript_id "{tid}"; gene_type "{g["gene_type"]}"; gene_name "{g["gene_name"]}"; '
                f'transcript_type "{tx_type}"; transcript_name "{g["gene_name"]}-20{k}"; level 2;'
            )
            lines.append(
                f"{g['chrom']}\t{source}\ttranscript\t{g['start'] + 1}\t{g['end']}\t.\t{strand}\t.\t{tx_attr}"
            )
            ordered = tx if strand == "+" else tx[::-1]
            for number, (a, b) in enumerate(ordered, start=1):
                n_exon += 1
                lines.append(
                    f"{g['chrom']}\t{source}\texon\t{a + 1}\t{b}\t.\t{strand}\t.\t{tx_attr} "
                    f'exon_number {number}; exon_id "SYNE{n_exon:08d}.1";'
                )
    _gzip_text(path, "\n".join(lines) + "\n")


def _write_vcf(path: Path, variants: pd.DataFrame, sizes: Mapping[str, int], tmp: Path) -> None:
    """bgzipped, tabix-indexed VCF 4.2 with EFFECT/SITE annotations and a REF_MISMATCH flag."""
    lines = ["##fileformat=VCFv4.2", "##source=genomic_tensors.synthetic", "##reference=genome.fa"]
    lines += [f"##contig=<ID={c},length={s}>" for c, s in sizes.items()]
    lines += [
        '##INFO=<ID=EFFECT,Number=1,Type=String,Description="Planted effect: destroy (breaks a bound JunD '
        'site), create (completes a JunD site), neutral">',
        '##INFO=<ID=SITE,Number=1,Type=String,Description="Truth site the variant touches (truth/*.bed name)">',
        '##INFO=<ID=REF_MISMATCH,Number=0,Type=Flag,Description="REF deliberately disagrees with genome.fa">',
        "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO",
    ]
    for k, v in enumerate(variants.itertuples() if len(variants) else [], start=1):
        info = f"EFFECT={v.effect};SITE={v.site}" + (";REF_MISMATCH" if v.ref_mismatch else "")
        lines.append(f"{v.chrom}\t{v.pos + 1}\tsyn_var_{k:04d}\t{v.ref}\t{v.alt}\t50\tPASS\t{info}")
    plain = tmp / "variants.vcf"
    plain.write_text("\n".join(lines) + "\n")
    pysam.tabix_compress(str(plain), str(path), force=True)
    pysam.tabix_index(str(path), preset="vcf", force=True)


def _write_truth(folder: Path, world: World) -> None:
    """Planted truth: BED6 files (0-based) and a per-gene table for tests and documentation."""
    t = world.tables
    bed6 = ["chrom", "start", "end", "name", "score", "strand"]

    def bed(name: str, table: pd.DataFrame, score: Any = 0) -> None:
        table = _sorted(table, world.sizes)
        if len(table):
            table = table.assign(score=score if not callable(score) else score(table))
        _write_bed(folder / f"{name}.bed", table, bed6)

    bed("jund_sites", t["jund_sites"], lambda x: np.where(x["weak_dnase"], 100, 1000))
    bed("jund_indirect", t["jund_indirect"])
    bed("jund_decoys", t["jund_decoys"])
    bed("jund_open_unbound", t["jund_open"])
    bed("jund_proto_sites", t["jund_proto"])
    clusters = t["jund_clusters"].assign(name="jund_cluster", strand=1)
    bed("jund_clusters", clusters)
    bed("deepsea_sites", t["deepsea_sites"])
    bed("deepsea_decoys", t["deepsea_decoys"])
    bed("domain_motifs", t["domain_motifs"])
    _write_bed(
        folder / "histone_domains.bed",
        _sorted(t["histone_domains"], world.sizes),
        ["chrom", "start", "end", "name"],
    )
    genes = t["genes"]
    if len(genes):
        tss = genes.assign(start=genes["tss"], end=genes["tss"] + 1, name=genes["gene_id"])
        bed("tss", tss)
        cols = [
            "gene_id",
            "gene_name",
            "gene_type",
            "chrom",
            "tss",
            "strand",
            "tata",
            "gcbox",
            "gcbox_functional",
            "cpg_island",
            "island_start",
            "island_end",
            "sequence_effect",
            "chromatin",
            "expression",
            "cage_lambda",
            "dnase_lambda",
            "h3k4me3_height",
        ]
        frame = _sorted(genes.assign(start=genes["tss"], end=genes["tss"]), world.sizes)[cols]
        (folder / "genes.tsv").write_text(frame.to_csv(sep="\t", index=False, float_format="%.6g"))
    else:
        (folder / "tss.bed").write_text("")
    # the Fig. 2d showcase: the strongest direct JunD site on chr3 (else the first chromosome with one)
    sites = t["jund_sites"]
    peaks = t["jund_peaks"]
    lines = []
    if len(peaks):
        direct = peaks[peaks["site"].str.startswith("jund_site")]
        on3 = direct[direct["chrom"] == "chr3"]
        top = (
            (on3 if len(on3) else direct)
            .sort_values("signal", ascending=False, kind="stable")
            .iloc[0]
        )
        summit = int(top["start"] + top["peak"])
        lines.append(f"{top['chrom']}\t{max(0, summit - 2000)}\t{summit + 2000}\tlocus\t0\t.")
        lines.append(f"{top['chrom']}\t{summit - 50}\t{summit + 50}\tattribution\t0\t.")
        del sites
    (folder / "jund_showcase.bed").write_text("".join(line + "\n" for line in lines))

"""Build the synthetic demo world and write its files (:func:`generate_world`)."""

from __future__ import annotations

import hashlib
import logging
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd
import pysam

from .deepsea import build_deepsea, feature_names
from .genes import build_genes
from .jund import build_jund
from .libraries import cage_dnase, cage_reads, h3k4me3_signal, jund_dnase
from .motifs import load_motifs
from .params import DEFAULT_MOTIFS, FORMAT_VERSION, Manifest, WorldParams
from .reads import Genome
from .sequence import Occupancy
from .tracks import write_bam, write_bigwig
from .variants import build_variants
from .world import World, build_background, build_blacklist
from .writers import (
    write_bed,
    write_fasta,
    write_gtf,
    write_narrowpeak,
    write_truth,
    write_vcf,
)

log = logging.getLogger(__name__)

H3K4ME3_STEP = 25
# BAM libraries: path in the world folder, read-name prefix (also the read group), sample, assay
LIBRARIES = (
    ("jund/dnase_roadmap.bam", "dnase_roadmap", "H1-hESC", "DNase-seq"),
    ("jund/dnase_encode.bam", "dnase_encode", "H1-hESC", "DNase-seq"),
    ("cage/cage.bam", "cage", "HepG2", "CAGE"),
    ("cage/dnase.bam", "dnase_pe", "HepG2", "DNase-seq"),
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
        to the workflow's working directory (the workflow's world folder).
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
    world, variants = build_world(p, motif_path)
    _write_annotations(out, Path(outdir).as_posix().rstrip("/"), world, variants, tmp)
    counts = _write_tracks(out, world, tmp)
    write_truth(out / "truth", world)
    shutil.rmtree(tmp)
    for name, table in world.tables.items():
        counts[name] = len(table)
    manifest = Manifest(out, p, _file_checksums(out), dict(sorted(counts.items())))
    (out / "manifest.json").write_text(manifest.to_json())
    return manifest


def build_world(p: WorldParams, motif_path: Path) -> tuple[World, pd.DataFrame]:
    """The world of parameters ``p`` in memory, and its variants (one random stream per part)."""
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
    return world, variants


def _write_annotations(
    out: Path, prefix: str, world: World, variants: pd.DataFrame, tmp: Path
) -> None:
    """FASTA (+ index), chromosome sizes, blacklist, peaks, DeepSEA features (listed in ``urls.txt``
    under ``prefix``), GTF and VCF."""
    sizes = world.sizes
    write_fasta(out / "genome.fa", world.genome, world.lower)
    pysam.faidx(str(out / "genome.fa"))
    (out / "genome.chrom.sizes").write_text("".join(f"{c}\t{s}\n" for c, s in sizes.items()))
    write_bed(out / "blacklist.bed", world.tables["blacklist"], ["chrom", "start", "end", "name"])
    write_narrowpeak(out / "jund" / "peaks.narrowPeak.gz", world.tables["jund_peaks"], sizes)
    urls = []
    for name in feature_names():
        write_narrowpeak(
            out / "deepsea" / f"{name}.narrowPeak.gz", world.feature_peaks[name], sizes
        )
        urls.append(f"{prefix}/deepsea/{name}.narrowPeak.gz")
    (out / "deepsea" / "urls.txt").write_text("\n".join(urls) + "\n")
    write_gtf(out / "cage" / "annotation.gtf.gz", world.tables["genes"])
    write_vcf(out / "variants.vcf.gz", variants, sizes, tmp)


def _write_tracks(out: Path, world: World, tmp: Path) -> dict[str, int]:
    """The four BAM libraries and the H3K4me3 bigWig; returns the record count of each BAM."""
    p = world.params
    genome = Genome(world.genome)
    single, paired = p.single_read_length, p.paired_read_length
    simulate = {  # read-name prefix -> (read length, the library's records)
        "dnase_roadmap": (single, lambda: jund_dnase(world, genome, "roadmap", single)),
        "dnase_encode": (single, lambda: jund_dnase(world, genome, "encode", single)),
        "cage": (single, lambda: cage_reads(world, genome, single)),
        "dnase_pe": (paired, lambda: cage_dnase(world, genome, paired)),
    }
    program = {
        "ID": "genomic_tensors.synthetic",
        "PN": "genomic_tensors.synthetic",
        "VN": str(FORMAT_VERSION),
        "CL": f"generate_world seed={p.seed}",
    }
    counts: dict[str, int] = {}
    for rel, prefix, sample, assay in LIBRARIES:
        length, make = simulate[prefix]
        aln = make()
        counts[f"records:{rel}"] = len(aln)
        rg = {
            "ID": prefix,
            "SM": f"{sample}_{prefix}",
            "LB": f"{prefix}_lib",
            "PL": "ILLUMINA",
            "DS": assay,
        }
        rng = world.rng(f"bam_{prefix}")
        write_bam(out / rel, aln, genome, length, prefix, rg, program, rng, tmp)
    signal = h3k4me3_signal(world, H3K4ME3_STEP)
    write_bigwig(out / "cage" / "h3k4me3.bigwig", world.sizes, signal, H3K4ME3_STEP)
    return counts


def _file_checksums(out: Path) -> dict[str, dict[str, Any]]:
    """md5 and size of every file under ``out`` but ``manifest.json``, by relative path."""
    files = {}
    for path in sorted(out.rglob("*")):
        if path.is_file() and path.name != "manifest.json":
            data = path.read_bytes()
            files[path.relative_to(out).as_posix()] = {
                "md5": hashlib.md5(data).hexdigest(),
                "bytes": len(data),
            }
    return files

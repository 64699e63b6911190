"""File writers of the synthetic demo world: FASTA, BED, narrowPeak, GTF, VCF and the planted truth.

Output is deterministic: gzip headers carry no name or time stamp, tables are sorted by chromosome
(in genome order) and position.
"""

from __future__ import annotations

import gzip
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pysam

from .sequence import BASES, LOWER
from .world import World

BED6 = ["chrom", "start", "end", "name", "score", "strand"]
# truth BED6 file name -> truth table
TRUTH_BEDS = {
    "jund_sites": "jund_sites",
    "jund_indirect": "jund_indirect",
    "jund_decoys": "jund_decoys",
    "jund_open_unbound": "jund_open",
    "jund_proto_sites": "jund_proto",
    "deepsea_sites": "deepsea_sites",
    "deepsea_decoys": "deepsea_decoys",
    "domain_motifs": "domain_motifs",
}
GENE_COLUMNS = [
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


def write_fasta(
    path: Path, genome: dict[str, np.ndarray], lower: dict[str, np.ndarray], width: int = 60
) -> None:
    """Write base codes as FASTA with ``width`` letters per line; ``lower`` masks soft-masked bases."""
    with open(path, "wb") as handle:
        for chrom, codes in genome.items():
            letters = np.where(lower[chrom], LOWER[codes], BASES[codes]).astype(np.uint8)
            handle.write(f">{chrom}\n".encode())
            n_full = len(letters) // width
            body = letters[: n_full * width].reshape(n_full, width)
            nl = np.full((n_full, 1), ord("\n"), dtype=np.uint8)
            handle.write(np.hstack([body, nl]).tobytes())
            rest = letters[n_full * width :]
            if len(rest):
                handle.write(rest.tobytes() + b"\n")


def gzip_text(path: Path, text: str) -> None:
    """Gzip with no file name and no time stamp in the header, so equal text gives equal bytes."""
    with open(path, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as gz:
        gz.write(text.encode())


def sort_table(table: pd.DataFrame, sizes: Mapping[str, int]) -> pd.DataFrame:
    """``table`` sorted by chromosome (in the order of ``sizes``), start and end."""
    if not len(table):
        return table
    rank = {c: i for i, c in enumerate(sizes)}
    return (
        table.assign(_r=table["chrom"].map(rank))
        .sort_values(["_r", "start", "end"], kind="stable")
        .drop(columns="_r")
    )


def write_bed(path: Path, table: pd.DataFrame, columns: list[str]) -> None:
    """BED of ``columns`` (no header); a numeric ``strand`` is written ``+``/``-``."""
    if not len(table):
        path.write_text("")
        return
    frame = table[columns].copy()
    if "strand" in frame and frame["strand"].dtype != object:
        frame["strand"] = np.where(frame["strand"].to_numpy() > 0, "+", "-")
    path.write_text(frame.to_csv(sep="\t", header=False, index=False))


def write_narrowpeak(path: Path, table: pd.DataFrame, sizes: Mapping[str, int]) -> None:
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
        gzip_text(path, "")
        return
    table = table.copy()
    table["start"] = np.maximum(table["start"], 0)
    table["end"] = np.minimum(table["end"], table["chrom"].map(dict(sizes)))
    gzip_text(path, sort_table(table, sizes)[cols].to_csv(sep="\t", header=False, index=False))


def write_gtf(path: Path, genes: pd.DataFrame) -> None:
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
    gzip_text(path, "\n".join(lines) + "\n")


def write_vcf(path: Path, variants: pd.DataFrame, sizes: Mapping[str, int], tmp: Path) -> None:
    """bgzipped, tabix-indexed VCF 4.2 with EFFECT/SITE annotations and a REF_MISMATCH flag."""
    lines = ["##fileformat=VCFv4.2", "##source=genomic_tensors.synthetic", "##reference=genome.fa"]
    lines += [f"##contig=<ID={c},length={s}>" for c, s in sizes.items()]
    lines += [
        (
            '##INFO=<ID=EFFECT,Number=1,Type=String,Description="Planted effect: destroy (breaks a '
            'bound JunD site), create (completes a JunD site), neutral">'
        ),
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


def write_truth(folder: Path, world: World) -> None:
    """Planted truth: BED6 files (0-based), a per-gene table and the showcase locus."""
    t = world.tables
    for name, key in TRUTH_BEDS.items():
        score = _site_score if key == "jund_sites" else 0
        _write_bed6(folder / f"{name}.bed", t[key], world.sizes, score)
    clusters = t["jund_clusters"].assign(name="jund_cluster", strand=1)
    _write_bed6(folder / "jund_clusters.bed", clusters, world.sizes)
    write_bed(
        folder / "histone_domains.bed",
        sort_table(t["histone_domains"], world.sizes),
        ["chrom", "start", "end", "name"],
    )
    genes = t["genes"]
    if len(genes):
        tss = genes.assign(start=genes["tss"], end=genes["tss"] + 1, name=genes["gene_id"])
        _write_bed6(folder / "tss.bed", tss, world.sizes)
        frame = sort_table(genes.assign(start=genes["tss"], end=genes["tss"]), world.sizes)
        (folder / "genes.tsv").write_text(
            frame[GENE_COLUMNS].to_csv(sep="\t", index=False, float_format="%.6g")
        )
    else:
        (folder / "tss.bed").write_text("")
    _write_showcase(folder / "jund_showcase.bed", t["jund_peaks"])


def _site_score(sites: pd.DataFrame) -> np.ndarray:
    """BED score of a JunD site: 100 for a weak DNase site, else 1000."""
    return np.where(sites["weak_dnase"], 100, 1000)


def _write_bed6(path: Path, table: pd.DataFrame, sizes: Mapping[str, int], score: Any = 0) -> None:
    """Sorted BED6 with ``score`` a constant or a function of the table."""
    table = sort_table(table, sizes)
    if len(table):
        table = table.assign(score=score if not callable(score) else score(table))
    write_bed(path, table, BED6)


def _write_showcase(path: Path, peaks: pd.DataFrame) -> None:
    """The Fig. 2d showcase: the strongest direct JunD site on chr3 (else on any chromosome), as a
    4-kb ``locus`` and a 100-bp ``attribution`` window around its summit."""
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
    path.write_text("".join(line + "\n" for line in lines))

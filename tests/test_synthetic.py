"""Tests of the synthetic demo world (genomic_tensors.synthetic) on a tiny world."""

from __future__ import annotations

import gzip
import json
import re
import runpy
import shutil
import subprocess
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pyBigWig
import pysam
import pytest

from genomic_tensors.synthetic import DEFAULT_MOTIFS, WorldParams, feature_names, generate_world
from genomic_tensors.synthetic.motifs import JUND_CORE, MotifModel, load_motifs, read_jaspar
from genomic_tensors.synthetic.sequence import reverse_complement

# ~0.8 Mb: one JunD cluster and ~20 genes per chromosome
SMALL = {
    "seed": 3,
    "chrom_sizes": [90_000, 80_000, 85_000, 80_000, 80_000, 80_000, 80_000, 80_000, 80_000],
    "telomere_n": 2_000,
    "jund_cluster_length": 10_000,
    "jund_peaks_per_cluster": 6,
    "jund_clusters_per_mb": 12.0,
    "blacklist_regions": 4,
    "destroying_variants": 5,
    "background_variants": 10,
}
CODE = {b: i for i, b in enumerate("ACGT")}
BAMS = ["jund/dnase_roadmap.bam", "jund/dnase_encode.bam", "cage/cage.bam", "cage/dnase.bam"]


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("world") / "world"
    generate_world(out, SMALL)
    return out


@pytest.fixture(scope="module")
def twin(tmp_path_factory) -> Path:
    """The same parameters again, in another folder."""
    out = tmp_path_factory.mktemp("twin") / "world"
    generate_world(out, SMALL)
    return out


def read_bed(
    path: Path, names=("chrom", "start", "end", "name", "score", "strand")
) -> pd.DataFrame:
    frame = pd.read_csv(path, sep="\t", header=None)
    frame.columns = list(names)[: frame.shape[1]]
    return frame


def records(path: Path) -> list[pysam.AlignedSegment]:
    with pysam.AlignmentFile(str(path)) as bam:
        return list(bam.fetch(until_eof=True))


def five_prime_counts(bam_path: Path, chrom: str, start: int, end: int) -> int:
    """Reads counted by the DESIGN rules whose 5' end lies in [start, end)."""
    n = 0
    with pysam.AlignmentFile(str(bam_path)) as bam:
        for a in bam.fetch(chrom, max(0, start - 300), end + 300):
            if (
                a.is_unmapped
                or a.is_secondary
                or a.is_supplementary
                or a.is_qcfail
                or a.is_duplicate
            ):
                continue
            five = a.reference_end - 1 if a.is_reverse else a.reference_start
            n += start <= five < end
    return n


def revcomp(seq: str) -> str:
    return seq[::-1].translate(str.maketrans("ACGT", "TGCA"))


def site_sequence(fasta: pysam.FastaFile, row) -> np.ndarray:
    codes = np.array(
        [CODE[b] for b in fasta.fetch(row.chrom, row.start, row.end).upper()], dtype=np.uint8
    )
    return codes if row.strand == "+" else reverse_complement(codes)


# ----------------------------------------------------------------------------- files and formats
def test_every_output_is_written(world):
    expected = (
        [
            "genome.fa",
            "genome.fa.fai",
            "genome.chrom.sizes",
            "blacklist.bed",
            "jund/peaks.narrowPeak.gz",
            "deepsea/urls.txt",
            "cage/annotation.gtf.gz",
            "cage/h3k4me3.bigwig",
            "variants.vcf.gz",
            "variants.vcf.gz.tbi",
            "manifest.json",
            "truth/jund_sites.bed",
            "truth/tss.bed",
            "truth/histone_domains.bed",
            "truth/jund_showcase.bed",
        ]
        + BAMS
        + [b + ".bai" for b in BAMS]
    )
    missing = [name for name in expected if not (world / name).is_file()]
    assert missing == []
    assert not (world / ".tmp").exists()


def test_genome_fasta_and_sizes(world):
    fasta = pysam.FastaFile(str(world / "genome.fa"))
    names = [f"chr{i}" for i in range(1, 10)] + ["chrM"]
    assert list(fasta.references) == names
    assert list(fasta.lengths) == SMALL["chrom_sizes"] + [16_569]
    sizes = [line.split("\t") for line in (world / "genome.chrom.sizes").read_text().splitlines()]
    assert [(c, int(s)) for c, s in sizes] == list(zip(names, SMALL["chrom_sizes"] + [16_569]))
    chr1 = fasta.fetch("chr1")
    # N at both ends (telomeres), soft-masked repeats, realistic GC and depleted CpG
    assert chr1[:2000] == "N" * 2000 and chr1[-2000:] == "N" * 2000
    body = chr1[2000:-2000]
    assert any(c.islower() for c in body)
    upper = body.upper()
    gc = (upper.count("G") + upper.count("C")) / len(upper)
    assert 0.37 < gc < 0.45
    cpg_expected = (gc / 2) ** 2 * len(upper)
    assert upper.count("CG") < 0.5 * cpg_expected
    # 60 letters per line
    lines = (world / "genome.fa").read_text().splitlines()
    assert lines[0] == ">chr1" and {len(x) for x in lines[1:50]} == {60}


def test_bams_pass_samtools_quickcheck(world):
    samtools = shutil.which("samtools")
    if samtools is None:
        pytest.skip("samtools not on PATH")
    result = subprocess.run(
        [samtools, "quickcheck", "-v", *[str(world / b) for b in BAMS]],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("name", BAMS)
def test_bam_header_and_sort_order(world, name):
    with pysam.AlignmentFile(str(world / name)) as bam:
        header = bam.header.to_dict()
        assert header["HD"]["SO"] == "coordinate"
        assert [sq["SN"] for sq in header["SQ"]] == [f"chr{i}" for i in range(1, 10)] + ["chrM"]
        assert len(header["RG"]) == 1 and len(header["PG"]) == 1
        rg = header["RG"][0]["ID"]
        assert bam.has_index()
    recs = records(world / name)
    assert all(r.get_tag("RG") == rg for r in recs)
    key = [(r.reference_id if r.reference_id >= 0 else 10**6, r.reference_start) for r in recs]
    assert key == sorted(key)
    # unplaced unmapped reads come last
    unplaced = [i for i, r in enumerate(recs) if r.reference_id < 0]
    assert unplaced and unplaced == list(range(len(recs) - len(unplaced), len(recs)))


@pytest.mark.parametrize("name", BAMS)
def test_every_flag_class_and_cigar_kind(world, name):
    recs = records(world / name)
    flags = np.array([r.flag for r in recs])
    for bit in (0x10, 0x100, 0x200, 0x400, 0x800, 0x4):
        assert (flags & bit).any(), f"{name}: no record with flag {bit:#x}"
    mapq = {r.mapping_quality for r in recs if not r.is_unmapped}
    assert 60 in mapq and 0 in mapq and len(mapq) > 10
    cigars = [r.cigarstring for r in recs if r.cigarstring]
    length = len(recs[0].query_sequence)
    assert sum(c == f"{length}M" for c in cigars) > 0.9 * len(cigars)
    for op in "SDI":
        assert any(op in c for c in cigars), f"{name}: no CIGAR with {op}"
    assert all(r.query_sequence and len(r.query_sequence) == length for r in recs)


def test_mapped_read_sequence_is_the_genome(world):
    fasta = pysam.FastaFile(str(world / "genome.fa"))
    recs = [r for r in records(world / "jund/dnase_encode.bam") if r.cigarstring == "36M"][:200]
    for r in recs:
        assert (
            r.query_sequence
            == fasta.fetch(r.reference_name, r.reference_start, r.reference_end).upper()
        )


def test_paired_end_library(world):
    recs = records(world / "cage/dnase.bam")
    assert all(r.is_paired for r in recs)
    proper = [r for r in recs if r.is_proper_pair and not r.is_secondary and not r.is_supplementary]
    assert len(proper) > 0.9 * len(recs)
    by_name: dict[str, list] = {}
    for r in proper:
        if not r.is_duplicate and not r.is_qcfail:
            by_name.setdefault(r.query_name, []).append(r)
    pairs = [v for v in by_name.values() if len(v) == 2]
    assert len(pairs) > 100
    for a, b in pairs[:300]:
        assert a.is_read1 != b.is_read1
        assert a.is_reverse != b.is_reverse
        assert (
            a.next_reference_start == b.reference_start
            and b.next_reference_start == a.reference_start
        )
        assert a.template_length == -b.template_length
        fwd, rev = (a, b) if not a.is_reverse else (b, a)
        assert fwd.template_length == rev.reference_end - fwd.reference_start > 0
    # one mate unmapped: placed at its mate; mates on different chromosomes: not proper
    placed = [r for r in recs if r.is_unmapped and r.reference_id >= 0]
    assert placed and all(r.reference_start == r.next_reference_start for r in placed)
    assert any(r.mate_is_unmapped and not r.is_unmapped for r in recs)
    other = [
        r
        for r in recs
        if not r.is_unmapped
        and not r.mate_is_unmapped
        and r.next_reference_id >= 0
        and r.next_reference_id != r.reference_id
    ]
    assert other and not any(r.is_proper_pair for r in other)


def test_manifest_matches_files(world):
    manifest = json.loads((world / "manifest.json").read_text())
    assert manifest["seed"] == SMALL["seed"]
    assert manifest["params"]["chrom_sizes"] == SMALL["chrom_sizes"]
    files = {p.relative_to(world).as_posix() for p in world.rglob("*") if p.is_file()} - {
        "manifest.json"
    }
    assert set(manifest["files"]) == files
    import hashlib

    for rel in ("genome.fa", "cage/cage.bam"):
        assert manifest["files"][rel]["md5"] == hashlib.md5((world / rel).read_bytes()).hexdigest()
    assert manifest["counts"]["jund_sites"] > 0


# ----------------------------------------------------------------------------- determinism
def test_same_seed_gives_identical_files(world, twin):
    a = json.loads((world / "manifest.json").read_text())["files"]
    b = json.loads((twin / "manifest.json").read_text())["files"]
    assert set(a) == set(b)
    # urls.txt names the output folder itself; everything else must be byte-identical
    differ = [name for name in a if a[name]["md5"] != b[name]["md5"]]
    assert differ == ["deepsea/urls.txt"]
    for name in BAMS:
        ra = [
            (r.query_name, r.reference_id, r.reference_start, r.flag) for r in records(world / name)
        ]
        rb = [
            (r.query_name, r.reference_id, r.reference_start, r.flag) for r in records(twin / name)
        ]
        assert ra == rb


# ----------------------------------------------------------------------------- case 1: JunD
def test_each_jund_peak_sits_on_a_planted_site(world):
    peaks = read_bed(
        world / "jund/peaks.narrowPeak.gz",
        ("chrom", "start", "end", "name", "score", "strand", "signal", "p", "q", "peak"),
    )
    sites = read_bed(world / "truth/jund_sites.bed")
    indirect = read_bed(world / "truth/jund_indirect.bed")
    sites["locus"] = sites["name"].str.rsplit("_", n=1).str[0]
    copies = sites.groupby("locus").size()
    assert (copies == WorldParams().jund_sites_per_peak).all()
    assert len(peaks) == len(copies) + len(indirect) and len(copies) > len(indirect) > 0
    half_slot = 2 * 15 + 40 // 2  # two 15-bp copies within 70 bp of each other
    direct_hits, indirect_hits = set(), set()
    for p in peaks.itertuples():
        summit = p.start + p.peak
        assert p.start < summit < p.end
        on_chrom = sites[sites["chrom"] == p.chrom]
        near = on_chrom[
            ((on_chrom["start"] + on_chrom["end"]) // 2 - summit).abs() <= half_slot + 20
        ]
        ind = indirect[
            (indirect["chrom"] == p.chrom)
            & (((indirect["start"] + indirect["end"]) // 2 - summit).abs() <= 20)
        ]
        assert (len(near) == 2 and near["locus"].nunique() == 1) != (len(ind) == 1), (
            f"peak {p.chrom}:{p.start}-{p.end}: expected one bound locus (two motif copies) or one "
            f"indirect locus at its summit, found {len(near)} copies and {len(ind)} indirect"
        )
        if len(near):
            direct_hits.add(near["locus"].iloc[0])
        else:
            indirect_hits.add(ind["name"].iloc[0])
    assert direct_hits == set(copies.index) and indirect_hits == set(indirect["name"])
    # the strongest peak of each chromosome is a direct site (what Fig. 2d picks)
    for chrom, part in peaks.groupby("chrom"):
        top = part.sort_values("signal").iloc[-1]
        s = top.start + top.peak
        assert (
            ((sites["start"] + sites["end"]) // 2 - s).abs()[sites["chrom"] == chrom]
            <= half_slot + 20
        ).any()
    showcase = read_bed(world / "truth/jund_showcase.bed")
    assert list(showcase["name"]) == ["locus", "attribution"] and set(showcase["chrom"]) == {"chr3"}
    assert (showcase["end"] - showcase["start"]).tolist() == [4000, 100]


def test_planted_jund_sites_match_the_motif_family(world):
    fasta = pysam.FastaFile(str(world / "genome.fa"))
    motif = load_motifs(DEFAULT_MOTIFS)["JUND"]
    sites = read_bed(world / "truth/jund_sites.bed")
    decoys = read_bed(world / "truth/jund_decoys.bed")
    core, family = re.compile("TGA[CG]TCA"), re.compile("TGA[CGT]T[CA]A")
    site_codes = np.stack([site_sequence(fasta, r) for r in sites.itertuples()])
    decoy_codes = np.stack([site_sequence(fasta, r) for r in decoys.itertuples()])
    for codes in (site_codes, decoy_codes):
        cores = ["".join("ACGT"[c] for c in row[JUND_CORE]) for row in codes]
        # the matrix allows TGA[CGT]T[CA]A in the core; TGA[CG]TCA in about 9 of 10 draws
        assert all(family.fullmatch(c) for c in cores)
        assert sum(bool(core.fullmatch(c)) for c in cores) >= 0.75 * len(cores)
        # every planted base is allowed by the published matrix
        assert (motif.probs[np.arange(motif.length), codes] > 0).all()
    assert motif.is_coupled(site_codes).all()


def test_jund_sites_and_decoys_share_marginals_but_not_couplings():
    """The design that makes order 1 blind and order 2/3 informative (large samples of the sampler)."""
    motif = load_motifs(DEFAULT_MOTIFS)["JUND"]
    rng = np.random.default_rng(0)
    sites = motif.sample(rng, 20_000, coupled=True)
    decoys = motif.sample(rng, 20_000, coupled=False)

    def freq(x):
        return np.stack([np.bincount(x[:, j], minlength=4) / len(x) for j in range(x.shape[1])])

    assert np.abs(freq(sites) - freq(decoys)).max() < 0.02
    assert motif.is_coupled(sites).all()
    assert (
        motif.is_coupled(decoys).mean() < 0.25
    )  # three blocks, each passed by about half the decoys
    # a parity-coupled triple: each adjacent pair looks independent, the triple does not
    tri = sites[:, 12:15]
    pair = np.bincount(tri[:, 0] * 4 + tri[:, 1], minlength=16) / len(tri)
    indep = np.outer(freq(tri)[0], freq(tri)[1]).ravel()
    assert np.abs(pair - indep).max() < 0.02
    triple = np.bincount(tri[:, 0] * 16 + tri[:, 1] * 4 + tri[:, 2], minlength=64) / len(tri)
    assert (triple == 0).sum() >= 24


def test_dnase_is_enriched_at_bound_sites_not_decoys(world):
    sites = read_bed(world / "truth/jund_sites.bed")
    strong = sites[sites["score"] == 1000]
    decoys = read_bed(world / "truth/jund_decoys.bed")
    assert len(strong) and len(decoys)
    for rep in ("encode", "roadmap"):
        bam = world / f"jund/dnase_{rep}.bam"

        def count(table: pd.DataFrame, bam: Path = bam) -> float:
            centres = (table["start"] + table["end"]) // 2
            return float(
                np.mean([five_prime_counts(bam, c, m - 100, m + 100) for c, m in zip(table["chrom"], centres)])
            )

        assert count(strong) > 5 * max(count(decoys), 0.5)
    encode = sum(1 for r in records(world / "jund/dnase_encode.bam") if not r.is_unmapped)
    roadmap = sum(1 for r in records(world / "jund/dnase_roadmap.bam") if not r.is_unmapped)
    assert roadmap > 3 * encode


def test_blacklist_overlaps_the_jund_roi(world):
    bl = read_bed(world / "blacklist.bed", ("chrom", "start", "end", "name"))
    clusters = read_bed(world / "truth/jund_clusters.bed")
    assert len(bl) == SMALL["blacklist_regions"]
    roi_hits = 0
    for r in bl.itertuples():
        c = clusters[clusters["chrom"] == r.chrom]
        roi_hits += bool(((c["start"] - 10_000 < r.end) & (c["end"] + 10_000 > r.start)).any())
    assert roi_hits >= 1


def test_variants(world):
    fasta = pysam.FastaFile(str(world / "genome.fa"))
    assert (world / "variants.vcf.gz.tbi").is_file()
    vcf = pysam.VariantFile(str(world / "variants.vcf.gz"))
    assert list(vcf.header.contigs) == [f"chr{i}" for i in range(1, 10)] + ["chrM"]
    variants = list(vcf.fetch())
    effects = [v.info["EFFECT"] for v in variants]
    assert effects.count("destroy") == SMALL["destroying_variants"] and effects.count("create") == 1
    mismatch = [v for v in variants if v.info.get("REF_MISMATCH", False)]
    assert len(mismatch) == 1
    assert (
        fasta.fetch(mismatch[0].chrom, mismatch[0].start, mismatch[0].stop).upper()
        != mismatch[0].ref
    )
    sites = read_bed(world / "truth/jund_sites.bed").set_index("name")
    proto = read_bed(world / "truth/jund_proto_sites.bed").set_index("name")
    core = re.compile("TGA[CGT]T[CA]A")  # what MA0491.1 allows in the core
    for v in variants:
        if v.info.get("REF_MISMATCH", False):
            continue
        assert fasta.fetch(v.chrom, v.start, v.stop).upper() == v.ref
        if v.info["EFFECT"] in ("destroy", "create"):
            site = (sites if v.info["EFFECT"] == "destroy" else proto).loc[v.info["SITE"]]
            assert site.start <= v.start < site.end
            before = fasta.fetch(v.chrom, site.start, site.end).upper()
            i = v.start - site.start
            after = before[:i] + v.alts[0] + before[i + 1 :]
            if site.strand == "-":
                before, after = revcomp(before), revcomp(after)
            was, now = (
                bool(core.fullmatch(before[JUND_CORE])),
                bool(core.fullmatch(after[JUND_CORE])),
            )
            assert (was, now) == ((True, False) if v.info["EFFECT"] == "destroy" else (False, True))


# ----------------------------------------------------------------------------- case 3: genes, CAGE
def read_gtf(path: Path) -> pd.DataFrame:
    rows = []
    with gzip.open(path, "rt") as handle:
        for line in handle:
            if line.startswith("#"):
                continue
            f = line.rstrip("\n").split("\t")
            attrs = dict(re.findall(r'(\S+) "?([^";]+)"?;', f[8]))
            rows.append(
                {
                    "chrom": f[0],
                    "feature": f[2],
                    "start": int(f[3]),
                    "end": int(f[4]),
                    "strand": f[6],
                    **attrs,
                }
            )
    return pd.DataFrame(rows)


def test_gtf_is_gencode_like_and_matches_tss_truth(world):
    gtf = read_gtf(world / "cage/annotation.gtf.gz")
    assert set(gtf["feature"]) == {"gene", "transcript", "exon"}
    genes = gtf[gtf["feature"] == "gene"].set_index("gene_id")
    assert {"protein_coding", "lncRNA"} <= set(genes["gene_type"]) and set(genes["strand"]) == {
        "+",
        "-",
    }
    assert gtf["transcript_id"].notna()[gtf["feature"] != "gene"].all()
    assert (genes["start"] <= genes["end"]).all()
    tss = read_bed(world / "truth/tss.bed").set_index("name")
    assert set(tss.index) == set(genes.index)
    g = genes.loc[tss.index]
    # 1-based inclusive: the TSS base (0-based tss.start) is the gene's first base on its strand
    expected = np.where(tss["strand"] == "+", g["start"] - 1, g["end"] - 1)
    assert (tss["start"].to_numpy() == expected).all()
    # exons lie inside their gene, the first exon (exon_number 1) starts at the TSS
    exons = gtf[gtf["feature"] == "exon"].join(
        genes[["start", "end"]], on="gene_id", rsuffix="_gene"
    )
    assert ((exons["start"] >= exons["start_gene"]) & (exons["end"] <= exons["end_gene"])).all()
    first = exons[exons["exon_number"] == "1"]
    at_tss = np.where(
        first["strand"] == "+",
        first["start"] == first["start_gene"],
        first["end"] == first["end_gene"],
    )
    assert at_tss.all()


def test_cage_reads_start_at_tss_on_the_gene_strand(world):
    genes = pd.read_csv(world / "truth/genes.tsv", sep="\t")
    top = genes.sort_values("cage_lambda", ascending=False).head(10)
    with pysam.AlignmentFile(str(world / "cage/cage.bam")) as bam:
        for g in top.itertuples():
            near, right_strand = 0, 0
            for a in bam.fetch(g.chrom, g.tss - 100, g.tss + 100):
                if a.is_secondary or a.is_supplementary or a.is_unmapped:
                    continue
                five = a.reference_end - 1 if a.is_reverse else a.reference_start
                if abs(five - g.tss) <= 60:
                    near += 1
                    right_strand += a.is_reverse == (g.strand < 0)
            assert near > 10 and right_strand >= 0.95 * near


def test_chromatin_tracks_follow_expression(world):
    genes = pd.read_csv(world / "truth/genes.tsv", sep="\t")
    genes = genes[genes["gene_type"] == "protein_coding"]
    bw = pyBigWig.open(str(world / "cage/h3k4me3.bigwig"))
    assert bw.chroms("chr1") == SMALL["chrom_sizes"][0]
    h3 = np.array([bw.stats(g.chrom, g.tss - 400, g.tss + 400)[0] for g in genes.itertuples()])
    dn = np.array(
        [
            five_prime_counts(world / "cage/dnase.bam", g.chrom, g.tss - 400, g.tss + 400)
            for g in genes.itertuples()
        ]
    )
    cage = np.array(
        [
            five_prime_counts(world / "cage/cage.bam", g.chrom, g.tss - 400, g.tss + 400)
            for g in genes.itertuples()
        ]
    )

    def r(a, b):
        return np.corrcoef(np.log1p(a), np.log1p(b))[0, 1]

    assert r(h3, cage) > 0.5 and r(dn, cage) > 0.5
    background = bw.stats("chrM")[0]  # no genes on chrM: the gamma background alone
    assert np.median(h3) > 5 * background


def _cpg_per_bp(seq: str) -> float:
    return seq.count("CG") / max(len(seq) - 1, 1)


def test_cpg_islands_are_cpg_rich_and_keep_the_promoter_elements(world):
    genes = pd.read_csv(world / "truth/genes.tsv", sep="\t")
    fasta = pysam.FastaFile(str(world / "genome.fa"))
    islands = genes[genes["cpg_island"]]
    assert 0 < len(islands) < len(genes)
    assert not genes.loc[genes["gene_type"] == "processed_pseudogene", "cpg_island"].any()
    assert (genes.loc[~genes["cpg_island"], ["island_start", "island_end"]] == 0).all().all()
    # the island spans the TSS, 300-900 bp long, starting 200-500 bp upstream in gene orientation
    spans_tss = (islands["island_start"] <= islands["tss"]) & (islands["tss"] < islands["island_end"])
    assert spans_tss.all()
    length = islands["island_end"] - islands["island_start"]
    assert length.between(300, 900).all()
    upstream = np.where(
        islands["strand"] > 0, islands["tss"] - islands["island_start"],
        islands["island_end"] - 1 - islands["tss"],
    )
    assert ((upstream >= 200) & (upstream <= 500)).all()
    inside = "".join(
        fasta.fetch(g.chrom, g.island_start, g.island_end).upper() for g in islands.itertuples()
    )
    outside = "".join(
        fasta.fetch(g.chrom, g.tss - 1000, g.tss - 600).upper()
        for g in genes[~genes["cpg_island"]].itertuples()
    )
    # undepleted CpG at 50 % GC (1/16 per bp) against the depleted 41 % GC background (~1/100)
    assert _cpg_per_bp(inside) > 0.05 and _cpg_per_bp(outside) < 0.02
    # the TATA box is planted after the island, so it is intact inside one: its bases are far more
    # likely under the motif than those of the same-length window 100 bp further upstream
    probs = load_motifs(DEFAULT_MOTIFS)["TBP"].probs
    width = len(probs)

    def log_likelihood(g, offset: int) -> float:
        if g.strand > 0:
            seq = fasta.fetch(g.chrom, g.tss + offset, g.tss + offset + width).upper()
        else:
            seq = fasta.fetch(g.chrom, g.tss - offset - width + 1, g.tss - offset + 1).upper()
            seq = seq[::-1].translate(str.maketrans("ACGT", "TGCA"))
        return float(sum(np.log(probs[i, CODE[b]] + 1e-3) for i, b in enumerate(seq)))

    tata = islands[islands["tata"]]
    assert len(tata)
    planted = np.mean([log_likelihood(g, -32) for g in tata.itertuples()])
    elsewhere = np.mean([log_likelihood(g, -132) for g in tata.itertuples()])
    assert planted > elsewhere + 3, (planted, elsewhere)
    # the island raises the sequence effect by cpg_island_effect
    effect = genes["sequence_effect"] - (
        WorldParams().tata_effect * genes["tata"]
        + WorldParams().gcbox_effect * genes["gcbox_functional"]
    )
    expected = np.where(genes["cpg_island"], WorldParams().cpg_island_effect, 0.0)
    assert np.allclose(effect, expected, atol=1e-5)


# ----------------------------------------------------------------------------- case 2: DeepSEA-like
def test_deepsea_features(world):
    names = [
        Path(u).name.removesuffix(".narrowPeak.gz")
        for u in (world / "deepsea/urls.txt").read_text().split()
    ]
    assert names == feature_names() and len(names) == 12
    classes = [n.split("_")[0] for n in names]
    assert classes == sorted(classes, key=["DNase", "TF", "Histone"].index)
    sites = read_bed(world / "truth/deepsea_sites.bed")
    for tf in ("CTCF", "CEBPB", "ZNF143", "MAFK", "POU5F1"):
        peaks = read_bed(
            world / f"deepsea/TF_{tf}.narrowPeak.gz",
            ("chrom", "start", "end", "name", "score", "strand", "signal", "p", "q", "peak"),
        )
        assert len(peaks) == (sites["name"] == tf).sum()
        assert peaks.eval("200 <= end - start <= 400").all()
    domains = read_bed(world / "truth/histone_domains.bed", ("chrom", "start", "end", "name"))
    assert domains.eval("2000 <= end - start <= 10000").all()
    motifs = read_bed(world / "truth/domain_motifs.bed")
    inside = motifs[motifs["name"].str.endswith(":domain")]
    # about one domain motif per 400 bp inside domains: a 2-kb window holds several, a 200-bp bin often none
    density = len(inside) / (domains["end"] - domains["start"]).sum()
    assert 1 / 600 < density < 1 / 250
    hist = read_bed(
        world / "deepsea/Histone_H3K27me3.narrowPeak.gz",
        ("chrom", "start", "end", "name", "score", "strand", "signal", "p", "q", "peak"),
    )
    dom = domains[domains["name"] == "H3K27me3"]
    assert (hist["end"] - hist["start"]).sum() > 0.9 * (dom["end"] - dom["start"]).sum()


def test_coupled_tf_motifs_have_dependencies():
    models = load_motifs(DEFAULT_MOTIFS)
    coupled = [name for name, m in models.items() if m.blocks]
    assert {"JUND", "CTCF", "ZNF143", "SP1"} <= set(coupled)
    assert any(len(b) == 3 for b in models["CTCF"].blocks)


# ----------------------------------------------------------------------------- parameters and errors
def test_unknown_key_is_named():
    with pytest.raises(ValueError, match=r"unknown world parameter\(s\) \['chrom_size'\]"):
        WorldParams.from_mapping({"chrom_size": [100_000]})


def test_parameter_types_and_ranges():
    assert WorldParams.from_mapping({"chrom_sizes": [70_000, 80_000], "seed": 5}).chrom_sizes == (
        70_000,
        80_000,
    )
    with pytest.raises(ValueError, match="'chrom_sizes'.*list of integers"):
        WorldParams.from_mapping({"chrom_sizes": "chr1"})
    with pytest.raises(ValueError, match="'seed'.*expected int"):
        WorldParams.from_mapping({"seed": 1.5})
    with pytest.raises(ValueError, match="'include_chrM'.*expected bool"):
        WorldParams.from_mapping({"include_chrM": "yes"})
    with pytest.raises(ValueError, match="'gc_content' = 1.5: expected a fraction"):
        WorldParams.from_mapping({"gc_content": 1.5})
    with pytest.raises(ValueError, match="'dnase_site_reads' = -1.0: expected a value >= 0"):
        WorldParams.from_mapping({"dnase_site_reads": -1})
    with pytest.raises(ValueError, match="chr2 = 1000 bp is too small"):
        WorldParams.from_mapping({"chrom_sizes": [100_000, 1000]})
    with pytest.raises(ValueError, match="'single_read_length' = 5"):
        WorldParams.from_mapping({"single_read_length": 5})


def test_missing_motif_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="motif matrices not found"):
        generate_world(tmp_path / "w", {**SMALL, "motifs": str(tmp_path / "none.jaspar")})


def test_jaspar_reader(tmp_path):
    good = tmp_path / "m.jaspar"
    good.write_text(">MA1.1\tX\nA [ 1 0 ]\nC [ 1 0 ]\nG [ 0 2 ]\nT [ 0 0 ]\n")
    name, counts = read_jaspar(good)["MA1.1"]
    assert name == "X" and counts.tolist() == [[1, 1, 0, 0], [0, 0, 2, 0]]
    bad = tmp_path / "bad.jaspar"
    bad.write_text(">MA1.1 X\nA [ 1 0 ]\nC 1 0\n")
    with pytest.raises(ValueError, match=r"bad.jaspar, line 3: expected 'A \[ counts \]'"):
        read_jaspar(bad)
    short = tmp_path / "short.jaspar"
    short.write_text(">MA1.1 X\nA [ 1 0 ]\nC [ 1 0 ]\nG [ 1 0 ]\n")
    with pytest.raises(ValueError, match="has rows"):
        read_jaspar(short)
    with pytest.raises(ValueError, match="block .* must be 2 or 3 adjacent positions"):
        MotifModel.from_counts("X", "MA1.1", counts, blocks=((0, 2),))


def test_rule_script_other_seed_and_relative_urls(tmp_path, monkeypatch, repo, world):
    """The rule script writes the world where the workflow asks; another seed gives another world."""
    import logging
    import sys

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "stderr", sys.stderr)  # the script redirects stderr to its log
    root = logging.getLogger()
    monkeypatch.setattr(root, "handlers", [])  # so that basicConfig in the script takes effect
    monkeypatch.setattr(root, "level", root.level)
    out = "results/demo/world"
    outputs = [f"{out}/genome.fa", f"{out}/manifest.json", f"{out}/cage/dnase.bam"]
    snakemake = SimpleNamespace(
        params=SimpleNamespace(world={**SMALL, "seed": 4}, outdir=out),
        output=outputs,
        log=[str(tmp_path / "world.log")],
    )
    runpy.run_path(str(repo / "scripts" / "make_world.py"), init_globals={"snakemake": snakemake})
    sys.stderr.close()
    assert all((tmp_path / p).is_file() for p in outputs)
    assert "demo world" in (tmp_path / "world.log").read_text()
    other = tmp_path / out
    assert (other / "genome.fa").read_bytes() != (world / "genome.fa").read_bytes()
    ra = [(r.reference_start, r.flag) for r in records(world / "cage/cage.bam")]
    rb = [(r.reference_start, r.flag) for r in records(other / "cage/cage.bam")]
    assert ra != rb
    urls = (other / "deepsea/urls.txt").read_text().splitlines()
    assert urls == [f"results/demo/world/deepsea/{name}.narrowPeak.gz" for name in feature_names()]
    assert all(Path(u).is_file() for u in urls)

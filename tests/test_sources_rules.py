"""Rule-level tests of workflow/rules/sources.smk and references.smk.

- The paper's config plans every real download and every ROI (dry run, no network).
- A tiny config in tmp_path runs the real rules end to end against a local HTTP server (ENCODE
  metadata, a published md5 list, a dropped connection) and local files: downloads, BAM index,
  genome preparation, JunD ROI, promoters, the DeepSEA checkpoint and regions; then a wrong
  checksum fails its job and leaves no file.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pysam
import pytest
import yaml
from test_download import Behaviour, serve

SNAKEMAKE = [sys.executable, "-m", "snakemake"]

REAL_SOURCES = [
    "ENCFF446WOD.bed.gz",
    "ENCFF059BEU.bam",
    "ENCFF546PJU.bam",
    "ENCFF177HHM.bam",
    "ENCFF591XCX.bam",
    "ENCFF736LHE.bigWig",
    "hg38_fasta.fa.gz",
    "hg19_fasta.fa.gz",
    "hg38_blacklist_v1.bed.gz",
    "hg19_blacklist_v1.bed.gz",
    "gencode_v29_annotation.gtf.gz",
    "janggu_usecases_urls.txt",
]


def _snakemake(
    repo: Path, workdir: Path, configfile: Path, *args: str
) -> subprocess.CompletedProcess:
    cmd = [
        *SNAKEMAKE,
        "--snakefile",
        str(repo / "workflow" / "Snakefile"),
        "--directory",
        str(workdir),
        "--configfile",
        str(configfile),
        "--cores",
        "1",
        *args,
    ]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300)


def test_paper_config_plans_every_download_and_roi(repo: Path, tmp_path: Path) -> None:
    run = _snakemake(repo, tmp_path, repo / "config" / "config.yaml", "-n")
    assert run.returncode == 0, run.stderr[-3000:]
    plan = run.stdout + run.stderr
    for name in REAL_SOURCES:
        assert f"resources/downloads/{name}" in plan, name
    for bam in ("ENCFF059BEU", "ENCFF546PJU", "ENCFF177HHM", "ENCFF591XCX"):
        assert f"resources/downloads/{bam}.bam.bai" in plan
    for out in (
        "resources/genomes/hg38/genome.fa.fai",
        "resources/genomes/hg19/chrom.sizes",
        "resources/genomes/hg38/blacklist.bed",
        "results/jund/roi/roi.bed",
        "results/jund/roi/peaks.merged.bed",
        "results/cage/roi/promoters.bed",
        "results/deepsea/features.tsv",
        "results/deepsea/regions/train.bed",
    ):
        assert out in plan, out
    for rule in (
        "download_source",
        "index_bam",
        "genome_fasta",
        "jund_roi",
        "cage_promoters",
        "deepsea_features",
        "deepsea_regions",
    ):
        assert f"rule {rule}:" in plan or f"checkpoint {rule}:" in plan, rule


def test_unknown_source_id_stops_the_workflow(repo: Path, tmp_path: Path) -> None:
    config = yaml.safe_load((repo / "config" / "config.yaml").read_text())
    config["jund"]["peaks"] = "ENCFF000XXX"
    del config["sources"]["hg19_fasta"]["url"]
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(config))
    run = _snakemake(repo, tmp_path, bad, "-n")
    assert run.returncode != 0
    assert "source 'hg19_fasta': key 'url' is missing" in run.stdout + run.stderr
    config["sources"]["hg19_fasta"]["url"] = "https://h/hg19.fa.gz"
    bad.write_text(yaml.safe_dump(config))
    run = _snakemake(repo, tmp_path, bad, "-n")
    assert "config jund.peaks: source id 'ENCFF000XXX' is not a key of `sources`" in (
        run.stdout + run.stderr
    )


# ----------------------------------------------------------------------------------------------
# a tiny world


GENOME = {"chr1": 3000, "chr2": 2000, "chr8": 1000, "chr9": 600}


def _fasta() -> bytes:
    lines = []
    for chrom, size in GENOME.items():
        lines.append(f">{chrom}")
        seq = ("ACGT" * (size // 4 + 1))[:size]
        lines += [seq[i : i + 60] for i in range(0, size, 60)]
    return gzip.compress(("\n".join(lines) + "\n").encode())


def _np(chrom: str, start: int, end: int) -> str:
    return f"{chrom}\t{start}\t{end}\tp\t0\t.\t5\t3\t2\t10\n"


def _bam(path: Path) -> None:
    header = {
        "HD": {"VN": "1.6", "SO": "coordinate"},
        "SQ": [{"SN": c, "LN": n} for c, n in GENOME.items()],
    }
    with pysam.AlignmentFile(str(path), "wb", header=header) as out:
        for i, pos in enumerate((100, 250, 900)):
            read = pysam.AlignedSegment(out.header)
            read.query_name, read.reference_id, read.reference_start = f"r{i}", 0, pos
            read.query_sequence, read.cigarstring, read.mapping_quality = "ACGT" * 5, "20M", 60
            read.query_qualities = pysam.qualitystring_to_array("I" * 20)
            out.write(read)


def _world(tmp_path: Path, base: str, behaviour: Behaviour) -> dict:
    """Files on the server and under tmp_path/world; returns the config."""
    fasta = _fasta()
    behaviour.files["/ucsc/tiny.fa.gz"] = fasta
    behaviour.files["/ucsc/md5sum.txt"] = f"{hashlib.md5(fasta).hexdigest()}  tiny.fa.gz\n".encode()
    behaviour.drop_once.add("/ucsc/tiny.fa.gz")
    peaks = gzip.compress((_np("chr1", 1000, 1100) + _np("chr2", 100, 200)).encode())
    acc = "ENCFF000AAA"
    behaviour.files[f"/files/{acc}/@@download/{acc}.bed.gz"] = peaks
    behaviour.files[f"/files/{acc}/"] = json.dumps(
        {"md5sum": hashlib.md5(peaks).hexdigest(), "file_size": len(peaks)}
    ).encode()

    world = tmp_path / "world"
    (world / "deepsea").mkdir(parents=True)
    black = b"chr1\t1500\t1550\n"
    (world / "blacklist.bed").write_bytes(black)
    _bam(world / "reads.bam")
    (world / "genes.gtf").write_text(
        'chr1\tX\tgene\t1001\t1500\t.\t+\t.\tgene_id "G1"; gene_type "protein_coding"; '
        'gene_name "A";\n'
        'chr2\tX\tgene\t501\t900\t.\t-\t.\tgene_id "G2"; gene_type "protein_coding"; '
        'gene_name "B";\n'
    )
    (world / "deepsea" / "urls.txt").write_text(
        "TF_a.narrowPeak.gz\nDNase_b.narrowPeak.gz\nHistone_c.narrowPeak.gz\n"
    )
    for name, text in (
        ("TF_a", _np("chr1", 0, 300) + _np("chr1", 2000, 2200) + _np("chr8", 0, 200)),
        ("DNase_b", _np("chr2", 0, 1000)),
        ("Histone_c", _np("chr9", 0, 600)),
    ):
        (world / "deepsea" / f"{name}.narrowPeak.gz").write_bytes(gzip.compress(text.encode()))
    return {
        "cases": [],
        "encode_portal": base,
        "sources": {
            "tiny_fasta": {"url": f"{base}/ucsc/tiny.fa.gz", "md5_list": "md5sum.txt"},
            "tiny_blacklist": {
                "url": "world/blacklist.bed",
                "sha256": hashlib.sha256(black).hexdigest(),
            },
            acc: {"url": f"{base}/files/{acc}/@@download/{acc}.bed.gz", "encode": acc},
            "reads": {"url": f"file://{world / 'reads.bam'}", "none": True},
            "genes": {"url": "world/genes.gtf", "none": True},
            "urls": {"url": "world/deepsea/urls.txt", "none": True},
            "wrong": {"url": "world/genes.gtf", "sha256": "0" * 64, "filename": "wrong.gtf"},
        },
        "genomes": {"tiny": {"fasta": "tiny_fasta", "blacklist": "tiny_blacklist"}},
        "jund": {
            "genome": "tiny",
            "peaks": acc,
            "dnase": {"roadmap": "reads"},
            "roi": {"extend": 500, "binsize": 200},
            # the tiny genome has chr1, chr2, chr8, chr9 (the default test chromosome chr3 would fail)
            "validation": ["chr2"],
            "test": ["chr1"],
        },
        "cage": {
            "genome": "tiny",
            "annotation": "genes",
            "cage": "reads",
            "dnase": "reads",
            "h3k4me3": "reads",
            "folds": ["chr2"],
            "figure_fold": "chr2",
        },
        "deepsea": {
            "genome": "tiny",
            "feature_list": "urls",
            "categories": {"DNase": "/DNase_", "TF": "/TF_", "Histone": "/Histone_"},
            # the TF peaks lie on chr1 and chr8: a test chromosome without bins (the default chr9) fails
            "regions": {"block_size": 1, "validation_fraction": 0.2, "seed": 1, "test": ["chr8"]},
            # the case rules (deepsea.smk) read a grid even when the case is not enabled
            "grid": [{"models": ["deepsea"], "windows": [500], "orders": [1], "strands": ["both"]}],
        },
    }


def test_rules_run_on_a_tiny_world(repo: Path, tmp_path: Path) -> None:
    behaviour = Behaviour()
    with serve(behaviour) as base:
        config = _world(tmp_path, base, behaviour)
        configfile = tmp_path / "config.yaml"
        configfile.write_text(yaml.safe_dump(config))
        targets = [
            "results/jund/roi/roi.bed",
            "results/cage/roi/promoters.bed",
            "results/deepsea/regions/train.bed",
            "resources/downloads/reads.bam.bai",
            "resources/genomes/tiny/blacklist.bed",
        ]
        run = _snakemake(repo, tmp_path, configfile, *targets)
        assert run.returncode == 0, run.stderr[-4000:]
        # The genome came over HTTP after one dropped connection, resumed with a Range request.
        ranges = [rng for path, rng in behaviour.hits if path == "/ucsc/tiny.fa.gz"]
        assert ranges[0] is None and ranges[1].startswith("bytes=")
        assert ("/files/ENCFF000AAA/?format=json", None) in behaviour.hits
        wrong = _snakemake(repo, tmp_path, configfile, "resources/downloads/wrong.gtf")

    out = tmp_path / "results"
    down = tmp_path / "resources" / "downloads"
    assert gzip.decompress((down / "tiny_fasta.fa.gz").read_bytes()).startswith(b">chr1\n")
    assert (tmp_path / "resources/genomes/tiny/chrom.sizes").read_text() == "".join(
        f"{c}\t{n}\n" for c, n in GENOME.items()
    )
    assert (tmp_path / "resources/genomes/tiny/blacklist.bed").read_text() == "chr1\t1500\t1550\n"
    assert (down / "reads.bam.bai").stat().st_size > 0
    log = (tmp_path / "logs/downloads/tiny_fasta.fa.gz.log").read_text()
    assert "retry 1" in log and "verified (md5" in log
    # JunD ROI: [500,1600) minus [1500,1550) -> [600,1400) and a dropped sliver;
    # chr2 [0,700) -> [0,600)
    assert (out / "jund/roi/peaks.merged.bed").read_text() == "chr1\t1000\t1100\nchr2\t100\t200\n"
    assert (out / "jund/roi/roi.bed").read_text() == "chr1\t600\t1400\nchr2\t0\t600\n"
    assert (out / "cage/roi/promoters.bed").read_text() == (
        "chr1\t800\t1001\tG1\t0\t+\tA\nchr2\t899\t1100\tG2\t0\t-\tB\n"
    )
    features = (out / "deepsea/features.tsv").read_text().splitlines()
    assert features[0] == "index\tfeature\tcategory\turl\tpath"
    assert features[1] == (
        "0\tTF_a\tTF\tworld/deepsea/TF_a.narrowPeak.gz\t"
        "resources/downloads/deepsea/TF_a.narrowPeak.gz"
    )
    assert (down / "deepsea" / "Histone_c.narrowPeak.gz").exists() is False  # only TF files needed
    regions = {
        s: (out / f"deepsea/regions/{s}.bed").read_text().splitlines()
        for s in ("train", "validation", "test")
    }
    assert regions["test"] == ["chr8\t0\t200"]
    assert sorted(regions["train"] + regions["validation"]) == [
        "chr1\t0\t200",
        "chr1\t200\t400",
        "chr1\t2000\t2200",
    ]
    assert len(regions["validation"]) == 1
    # The wrong checksum fails its job, names both checksums, and leaves no file.
    assert wrong.returncode != 0
    wrong_log = (tmp_path / "logs/downloads/wrong.gtf.log").read_text()
    assert f"expected sha256 {'0' * 64}" in wrong_log and "observed sha256" in wrong_log
    assert not (down / "wrong.gtf").exists() and not (down / "wrong.gtf.part").exists()


@pytest.mark.parametrize("config_name", ["demo.yaml"])
def test_demo_config_sources_are_local(repo: Path, config_name: str) -> None:
    config = yaml.safe_load((repo / "config" / config_name).read_text())
    for sid, spec in config["sources"].items():
        assert spec["url"].startswith("results/demo/world/"), sid
    # The world's declared outputs (WORLD_FILES in common.smk) cover every demo source.
    world = (repo / "workflow" / "rules" / "common.smk").read_text()
    for spec in config["sources"].values():
        assert f'"{spec["url"].removeprefix("results/demo/world/")}"' in world


def test_paper_checksums_match_the_shared_copies(repo: Path, shared_data: Path) -> None:
    sources = yaml.safe_load((repo / "config" / "config.yaml").read_text())["sources"]
    for sid, path in (
        ("hg38_blacklist_v1", "blacklists/v1_hg38-blacklist.bed.gz"),
        ("hg19_blacklist_v1", "blacklists/v1_hg19-blacklist.bed.gz"),
        ("janggu_usecases_urls", "deepsea/janggu_usecases_urls.txt"),
    ):
        data = (shared_data / path).read_bytes()
        assert sources[sid]["sha256"] == hashlib.sha256(data).hexdigest(), sid
        assert sources[sid].get("size", len(data)) == len(data), sid

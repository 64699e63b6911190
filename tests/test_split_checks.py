"""Split chromosomes (validation, test, folds) are checked at the rule that first knows the genome, and
already by the dry run once the genome's index is on disk: never hours later at training."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from genomic_tensors.recipes import check_split_chromosomes, write_jund_roi

REPO = Path(__file__).resolve().parents[1]
TINY = REPO / "tests" / "data" / "tiny.yaml"
SIZES = {"chr1": 5000, "chr2": 4000, "chr3": 3000}


def test_a_split_chromosome_the_genome_lacks_names_key_chromosome_and_genome():
    with pytest.raises(ValueError, match=r"config jund.validation: chr7 is not a chromosome of the genome "
                                         r"\(it has chr1, chr2, chr3\)"):
        check_split_chromosomes({"jund.validation": ["chr7"], "jund.test": ["chr3"]}, SIZES)


def test_a_split_chromosome_without_regions_would_be_empty():
    roi = pd.DataFrame({"chrom": ["chr1", "chr2"], "start": [0, 0], "end": [200, 200]})
    check_split_chromosomes({"jund.validation": ["chr2"]}, SIZES, roi)
    with pytest.raises(ValueError, match=r"config cage.folds: chr3 holds none of the promoters \(they are "
                                         r"on chr1, chr2\); the split would be empty"):
        check_split_chromosomes({"cage.folds": ["chr2", "chr3"]}, SIZES, roi, what="promoters")


def test_the_roi_rule_writes_nothing_when_a_split_is_empty(tmp_path):
    peaks = tmp_path / "peaks.bed"
    peaks.write_text("chr1\t1000\t1100\nchr2\t500\t600\n")
    sizes = tmp_path / "chrom.sizes"
    sizes.write_text("".join(f"{c}\t{n}\n" for c, n in SIZES.items()))
    merged, roi = tmp_path / "merged.bed", tmp_path / "roi.bed"
    with pytest.raises(ValueError, match="config jund.test: chr3 holds none of the ROI bins"):
        write_jund_roi(peaks, sizes, None, merged, roi, extend=100, binsize=100,
                       splits={"jund.validation": ["chr2"], "jund.test": ["chr3"]})
    assert not merged.exists() and not roi.exists()


def snakemake(workdir: Path, config: dict, *args: str) -> subprocess.CompletedProcess:
    configfile = workdir / "config.yaml"
    configfile.write_text(yaml.safe_dump(config))
    cmd = [
        str(Path(sys.executable).parent / "snakemake"), "--snakefile", str(REPO / "workflow" / "Snakefile"),
        "--configfile", str(configfile), "--directory", str(workdir), "--cores", "2", *args,
    ]  # fmt: skip
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600)


@pytest.mark.slow
def test_the_workflow_stops_at_the_roi_rule_and_then_already_at_the_dry_run(tmp_path):
    config = yaml.safe_load(TINY.read_text())
    config["jund"]["validation"] = ["chr7"]  # the tiny world has chr1-chr3
    first = snakemake(tmp_path, config, "results/jund/roi/roi.bed")
    assert first.returncode != 0
    log = (tmp_path / "logs" / "jund" / "roi.log").read_text()
    assert "config jund.validation: chr7 is not a chromosome of the genome (it has chr1, chr2, chr3)" in log
    assert not (tmp_path / "results" / "jund" / "roi" / "roi.bed").exists()
    assert (tmp_path / "resources" / "genomes" / "demo" / "genome.fa.fai").is_file()
    # the genome's index is on disk now: planning the run already names the problem
    dry = snakemake(tmp_path, config, "-n", "results/jund/roi/roi.bed")
    assert dry.returncode != 0
    assert "config jund.validation: chr7 is not a chromosome of the genome" in dry.stdout + dry.stderr

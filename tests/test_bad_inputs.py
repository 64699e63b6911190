"""Bad inputs a user can feed the workflow: each meets a rule, which stops with a message naming it.

One test per row of the catalogue in docs/bad_inputs.md. Each feeds a tiny bad input (built
here, in ``tmp_path``) through the package function that the rule's script in scripts/ calls --
or, where only the workflow shows the message, through a Snakemake dry run on a tiny config --
and checks

* the message (``pytest.raises(..., match=...)``): it names the file, line or value at fault, and
* that nothing is left under a final output name. Functions that write outputs get output paths in
  ``tmp_path`` that must not exist afterwards; functions that only return data (the rule script
  saves what they return, so a raise means nothing is saved) are marked so in a comment.

To add a row: append an entry to ``ROWS`` (same test name as the function), write the test function
under a ``# --- row N`` comment, and add the row to the table of docs/bad_inputs.md (above or in
place of the marked placeholder). ``test_catalogue_matches_docs`` keeps the three in step.
"""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pyBigWig
import pysam
import pytest
import yaml

from genomic_tensors import download, recipes
from genomic_tensors.cases.cage import data as cage
from genomic_tensors.cases.jund import data as jund
from genomic_tensors.cases.deepsea.regions import tf_bins
from test_coverage import make_bam  # the suite's BAM writer (tests/ is on sys.path)
from test_recipes import _write  # the suite's text-file writer (optionally gzipped)

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "docs" / "bad_inputs.md"
SNAKEMAKE = str(Path(sys.executable).parent / "snakemake")


class Row(NamedTuple):
    """One row of the catalogue: the bad input, the rules that meet it, and its tests."""

    number: int
    bad_input: str
    rules: str
    tests: tuple[str, ...]


# The catalogue, in the order of docs/bad_inputs.md. Append new rows at the end (number 15 on).
ROWS: list[Row] = [
    Row(
        1,
        "malformed BED/narrowPeak line",
        "jund_roi",
        ("test_row_malformed_line_names_file_and_line",),
    ),
    Row(
        2, "empty region/peak file", "jund_roi, jund_labels", ("test_row_empty_peak_file_names_it",)
    ),
    Row(3, "end before start in a BED line", "jund_roi", ("test_row_end_before_start_names_line",)),
    Row(
        4,
        "chromosome names differ by the 'chr' prefix (chr1 vs 1)",
        "jund_roi, jund_dna_tensor, jund_dnase_counts, cage_signals",
        ("test_row_chr_prefix_mismatch_hints_at_prefix",),
    ),
    Row(
        5,
        "truncated or damaged BAM",
        "index_bam, jund_dnase_counts, cage_signals",
        ("test_row_truncated_bam_says_truncated",),
    ),
    Row(6, "BAM without index", "jund_dnase_counts, cage_signals", ("test_row_bam_without_index",)),
    Row(
        7,
        "missing local source file",
        "download_source",
        (
            "test_row_missing_local_source_stops_the_workflow",
            "test_row_missing_local_source_names_path",
        ),
    ),
    Row(
        8,
        "wrong checksum of a source",
        "download_source",
        ("test_row_wrong_checksum_leaves_nothing",),
    ),
    Row(
        9,
        "misspelt config key",
        "(config validation, before any rule)",
        ("test_row_misspelt_config_key_stops_the_workflow",),
    ),
    Row(
        10,
        "window length not divisible by the resolution",
        "jund_dnase_counts",
        ("test_row_window_not_divisible_by_resolution",),
    ),
    Row(11, "GTF without gene_type", "cage_promoters", ("test_row_gtf_without_gene_type",)),
    Row(
        12,
        "VCF REF differs from the genome",
        "(library: variants.score_variants)",
        ("test_row_vcf_ref_mismatch_is_flagged",),
    ),
    Row(
        13,
        "VCF chromosome not in the genome",
        "(library: variants.score_variants)",
        (
            "test_row_vcf_unknown_chromosome_names_line",
            "test_row_vcf_unknown_chromosome_names_the_vcf",
            "test_row_vcf_unknown_chromosome_leaves_no_partial_output",
        ),
    ),
    Row(
        14,
        "bigWig chromosome names differ from the regions'",
        "cage_signals",
        ("test_row_bigwig_other_chromosomes_names_them",),
    ),
    Row(
        15,
        "BAM, bigWig or VCF of another assembly (chromosome lengths differ from the genome's)",
        "jund_dnase_counts, cage_signals; score_variants",
        ("test_row_assembly_lengths_bam", "test_row_assembly_lengths_bigwig",
         "test_row_assembly_lengths_vcf"),
    ),
    Row(
        16,
        "peak intervals past the chromosome end",
        "jund_roi (fails); genome_blacklist, deepsea_regions (clipped, counted in the log)",
        ("test_row_peak_past_chromosome_end_names_line", "test_row_blacklist_and_tf_peaks_are_clipped"),
    ),
    Row(17, "reads past the chromosome end", "jund_dnase_counts, cage_signals",
        ("test_row_reads_past_the_end_name_the_read",)),
    Row(
        18,
        "split chromosome missing from the genome or without regions",
        "jund_roi, cage_promoters, deepsea_regions (and the dry run)",
        ("test_row_split_chromosome_missing", "test_row_split_chromosome_empty"),
    ),
    Row(19, ".csi BAM index (chromosomes over 512 Mb)", "jund_dnase_counts, cage_signals",
        ("test_row_csi_index_is_read",)),
]


# ----------------------------------------------------------------------------------------------
# Tiny fixtures
# ----------------------------------------------------------------------------------------------
CHROMS = (("chr1", 3000), ("chr2", 2000))


def _sizes(tmp_path: Path, chroms=CHROMS) -> Path:
    return _write(tmp_path / "chrom.sizes", "".join(f"{c}\t{n}\n" for c, n in chroms))


def _np_line(chrom: str, start: int, end: int) -> str:
    return f"{chrom}\t{start}\t{end}\tpeak\t0\t.\t5.0\t3.0\t2.0\t50\n"


def _fasta(tmp_path: Path, chroms=CHROMS, name: str = "genome.fa") -> Path:
    rng = np.random.default_rng(0)
    path = tmp_path / name
    with open(path, "w") as out:
        for chrom, length in chroms:
            seq = "".join(rng.choice(list("ACGT"), size=length))
            out.write(
                f">{chrom}\n" + "\n".join(seq[i : i + 60] for i in range(0, length, 60)) + "\n"
            )
    pysam.faidx(str(path))
    return path


def _bam(path: Path, chroms=CHROMS, n_reads: int = 200, index: bool = True) -> Path:
    """A coordinate-sorted BAM, ``n_reads`` 20-bp reads per chromosome (``.bai`` if ``index``)."""
    reads = [
        {"chrom": chrom, "pos": (i * 7) % (length - 20), "cigar": "20M", "flag": 16 if i % 2 else 0,
         "name": f"r{tid}_{i}"}
        for tid, (chrom, length) in enumerate(chroms)
        for i in range(n_reads)
    ]  # fmt: skip
    return make_bam(path, reads, chroms=chroms, index=index)


def _bigwig(path: Path, chroms=CHROMS) -> Path:
    handle = pyBigWig.open(str(path), "w")
    handle.addHeader(list(chroms))
    for chrom, length in chroms:
        handle.addEntries(chrom, [0], values=[1.0], span=length)
    handle.close()
    return path


def _roi(tmp_path: Path, chroms=("chr1", "chr2"), name: str = "roi.bed") -> Path:
    """BED3 ROI, one 600-bp interval per chromosome (three 200-bp bins)."""
    return _write(tmp_path / name, "".join(f"{c}\t200\t800\n" for c in chroms))


def _promoters(tmp_path: Path, chroms=("chr1", "chr2")) -> Path:
    """BED6 + gene_name, as cage_promoters writes it."""
    lines = [
        f"{c}\t{500 + 100 * i}\t{701 + 100 * i}\tg{i}\t0\t+\tG{i}\n" for i, c in enumerate(chroms)
    ]
    return _write(tmp_path / "promoters.bed", "".join(lines))


def _no_final_outputs(*paths: Path) -> None:
    left = [str(p) for p in paths if p.exists()]
    assert not left, f"outputs left under their final names: {left}"


# ----------------------------------------------------------------------------------------------
# Rows 1-3: region and peak files
# (rule jund_roi: scripts/prepare_jund_roi.py -> recipes.write_jund_roi)
# ----------------------------------------------------------------------------------------------
def _jund_roi(tmp_path: Path, peaks: Path) -> tuple[Path, Path]:
    """Run what rule jund_roi runs; return its two outputs (which must not exist after a raise)."""
    merged, roi = tmp_path / "out" / "peaks.merged.bed", tmp_path / "out" / "roi.bed"
    blacklist = _write(tmp_path / "blacklist.bed", "")
    recipes.write_jund_roi(peaks, _sizes(tmp_path), blacklist, merged, roi, extend=100, binsize=200)
    return merged, roi


# --- row 1
@pytest.mark.parametrize(
    "name, lines, match",
    [
        (  # a narrowPeak line cut short (3 of 10 columns)
            "peaks.narrowPeak",
            [_np_line("chr1", 100, 200), "chr1\t300\t400\n", _np_line("chr2", 100, 200)],
            r"peaks\.narrowPeak, line 2: expected at least 10 tab-separated narrowPeak columns, "
            r"found 3",
        ),
        (  # spaces instead of tabs
            "peaks.bed",
            ["chr1\t100\t200\n", "chr1\t300\t400\n", "chr1 500 600\n"],
            r"peaks\.bed, line 3: expected at least 3 tab-separated BED columns, found 1",
        ),
        (  # a coordinate with a thousands separator
            "peaks.bed",
            ["chr1\t100\t200\n", "chr1\t1,000\t1200\n"],
            r"peaks\.bed, line 2: start and end must be integers, found '1,000' and '1200'",
        ),
    ],
)
def test_row_malformed_line_names_file_and_line(tmp_path, name, lines, match):
    peaks = _write(tmp_path / name, "".join(lines))
    with pytest.raises(ValueError, match=match):
        _jund_roi(tmp_path, peaks)
    _no_final_outputs(tmp_path / "out" / "peaks.merged.bed", tmp_path / "out" / "roi.bed")


# --- row 2
@pytest.mark.parametrize("gz", [False, True], ids=["plain", "gzip"])
def test_row_empty_peak_file_names_it(tmp_path, gz):
    name = "peaks.narrowPeak.gz" if gz else "peaks.narrowPeak"
    peaks = _write(tmp_path / name, "", gz=gz)
    with pytest.raises(ValueError, match=rf"no regions in \S*{re.escape(name)}: the ROI is empty"):
        _jund_roi(tmp_path, peaks)
    _no_final_outputs(tmp_path / "out" / "peaks.merged.bed", tmp_path / "out" / "roi.bed")
    # rule jund_labels (scripts/jund_labels.py -> jund.build_labels) says "peak file" in its words;
    # it returns data (the script saves it only after the call returns).
    with pytest.raises(ValueError, match=rf"peak file \S*{re.escape(name)} holds no intervals"):
        jund.build_labels(_roi(tmp_path), peaks)


# --- row 3
def test_row_end_before_start_names_line(tmp_path):
    peaks = _write(
        tmp_path / "peaks.narrowPeak",
        _np_line("chr1", 100, 200) + _np_line("chr1", 500, 400) + _np_line("chr2", 100, 200),
    )
    with pytest.raises(
        ValueError,
        match=r"peaks\.narrowPeak, line 2: expected 0 <= start < end, found start=500, end=400",
    ):
        _jund_roi(tmp_path, peaks)
    _no_final_outputs(tmp_path / "out" / "peaks.merged.bed", tmp_path / "out" / "roi.bed")


# ----------------------------------------------------------------------------------------------
# Rows 4 and 14: chromosome names of the regions vs the genome, BAM and bigWig
# ----------------------------------------------------------------------------------------------
UCSC = CHROMS  # chr1, chr2
ENSEMBL = (("1", 3000), ("2", 2000))
HINT_REMOVE = r"the names differ by the 'chr' prefix: remove 'chr' from the region names"
HINT_ADD = r"the names differ by the 'chr' prefix: add 'chr' to the region names"


# --- row 4
@pytest.mark.parametrize("data", ["genome", "fasta", "bam", "bigwig"])
def test_row_chr_prefix_mismatch_hints_at_prefix(tmp_path, data):
    if data == "genome":
        # rule jund_roi: UCSC peaks ('chr1') against an Ensembl genome ('1'); writes outputs.
        peaks = _write(tmp_path / "peaks.narrowPeak", _np_line("chr1", 100, 200))
        merged, roi = tmp_path / "out" / "peaks.merged.bed", tmp_path / "out" / "roi.bed"
        with pytest.raises(
            ValueError,
            match=rf"chr1; the genome .*, for \S*peaks\.narrowPeak has 1, 2 -- {HINT_REMOVE}",
        ):
            recipes.write_jund_roi(peaks, _sizes(tmp_path, ENSEMBL), None, merged, roi)
        _no_final_outputs(merged, roi)
    elif data == "fasta":
        # rule jund_dna_tensor (jund.build_dna): returns data, saved by the script after the call.
        fasta = _fasta(tmp_path, ENSEMBL)
        with pytest.raises(
            ValueError, match=rf"are not in \S*genome\.fa: chr1, chr2; .* has 1, 2 -- {HINT_REMOVE}"
        ):
            jund.build_dna(fasta, _roi(tmp_path), binsize=200, flank=50)
    elif data == "bam":
        # rule jund_dnase_counts (jund.build_dnase_counts): Ensembl regions, UCSC BAM; returns data.
        bam = _bam(tmp_path / "dnase.bam", UCSC)
        with pytest.raises(
            ValueError, match=rf"are not in \S*dnase\.bam: 1, 2; .* has chr1, chr2 -- {HINT_ADD}"
        ):
            jund.build_dnase_counts(
                [bam], _roi(tmp_path, ("1", "2")), conditions=["r1"], flank=0, resolution=50
            )
    else:
        # rule cage_signals (cage.promoter_signals): BAMs match, the bigWig is Ensembl. Returns
        # data.
        bam = _bam(tmp_path / "cage.bam", UCSC)
        bigwig = _bigwig(tmp_path / "h3k4me3.bigwig", ENSEMBL)
        with pytest.raises(
            ValueError,
            match=rf"are not in \S*h3k4me3\.bigwig: chr1, chr2; .* has 1, 2 -- {HINT_REMOVE}",
        ):
            cage.promoter_signals(
                _promoters(tmp_path), cage_bam=bam, dnase_bam=bam, h3k4me3_bigwig=bigwig,
                flanks={"cage": 100, "chromatin": 50},
            )  # fmt: skip


# --- row 14
def test_row_bigwig_other_chromosomes_names_them(tmp_path):
    # rule cage_signals (cage.promoter_signals): a bigWig of another assembly/naming (no 'chr' fix
    # helps). Returns data (the script writes the table after the call returns).
    bam = _bam(tmp_path / "cage.bam", UCSC)
    bigwig = _bigwig(tmp_path / "h3k4me3.bigwig", (("chrI", 3000), ("chrII", 2000)))
    with pytest.raises(
        ValueError,
        match=r"2 chromosome\(s\) of the regions are not in \S*h3k4me3\.bigwig: chr1, chr2; "
        r"\S*h3k4me3\.bigwig has chrI, chrII$",
    ):
        cage.promoter_signals(
            _promoters(tmp_path), cage_bam=bam, dnase_bam=bam, h3k4me3_bigwig=bigwig,
            flanks={"cage": 100, "chromatin": 50},
        )  # fmt: skip


# ----------------------------------------------------------------------------------------------
# Rows 5, 6, 10: BAM files and window layout (rule jund_dnase_counts -> jund.build_dnase_counts;
# cage_signals reads BAMs the same way). build_dnase_counts returns data: the script saves it only
# after the call returns, so a raise leaves no output.
# ----------------------------------------------------------------------------------------------
# --- row 5
def _cut_in_half(bam: Path) -> None:
    """Cut the file inside its read data, as a copy that broke off (no BGZF EOF block)."""
    data = bam.read_bytes()
    bam.write_bytes(data[: len(data) // 2])


def _zero_a_block(bam: Path) -> None:
    """Overwrite 100 bytes inside the deflate data of the first read block (EOF block intact)."""
    raw = bytearray(bam.read_bytes())
    header_block = int.from_bytes(raw[16:18], "little") + 1
    second = header_block + int.from_bytes(raw[header_block + 16 : header_block + 18], "little")
    raw[second - 200 : second - 100] = b"\x00" * 100
    bam.write_bytes(bytes(raw))


@pytest.mark.parametrize(
    "case",
    [
        "index_bam",
        "cut_after_indexing",
        "damaged_block",
    ],
)
def test_row_truncated_bam_says_truncated(tmp_path, capfd, case):
    bam = _bam(tmp_path / "dnase.bam", n_reads=3000, index=case != "index_bam")
    if case == "index_bam":
        # The workflow builds every .bai in rule index_bam (`samtools index`, which pysam.index
        # runs too): a cut BAM stops there; htslib's words go to the rule's log.
        _cut_in_half(bam)
        with pytest.raises(
            pysam.utils.SamtoolsError, match=r'failed to create index for "\S*dnase\.bam"'
        ):
            pysam.index(str(bam))
        assert "EOF marker is absent. The input is probably truncated" in capfd.readouterr().err
        _no_final_outputs(Path(f"{bam}.bai"))
        return
    # rule jund_dnase_counts (jund.build_dnase_counts), the .bai made before the damage. It returns
    # data: the script saves it only after the call returns.
    (_cut_in_half if case == "cut_after_indexing" else _zero_a_block)(bam)
    with pytest.raises(
        (ValueError, OSError), match=r"dnase\.bam\b.*(truncated|damaged BGZF block at byte \d+)"
    ):
        jund.build_dnase_counts([bam], _roi(tmp_path), conditions=["r1"], flank=0, resolution=50)


# --- row 6
def test_row_bam_without_index(tmp_path):
    bam = _bam(tmp_path / "dnase.bam", index=False)
    with pytest.raises(
        FileNotFoundError,
        match=r"BAM index not found for \S*dnase\.bam: expected \S*dnase\.bam\.bai\b.*; create it "
        r"with `samtools index \S*dnase\.bam`",
    ):
        jund.build_dnase_counts([bam], _roi(tmp_path), conditions=["r1"], flank=0, resolution=50)


# --- row 10
def test_row_window_not_divisible_by_resolution(tmp_path):
    bam = _bam(tmp_path / "dnase.bam")
    with pytest.raises(
        ValueError,
        match=r"the window length 260 bp \(core 200 \+ 2 x flank 30\) is not divisible by "
        r"resolution=50",
    ):
        jund.build_dnase_counts([bam], _roi(tmp_path), conditions=["r1"], flank=30, resolution=50)


# ----------------------------------------------------------------------------------------------
# Rows 7-8: sources (rule download_source: scripts/download.py -> download.fetch)
# ----------------------------------------------------------------------------------------------
def _source(url: str, **check) -> download.Source:
    return download.Source.from_config("my_peaks", {"url": url, **(check or {"none": True})})


# --- row 7
def test_row_missing_local_source_names_path(tmp_path):
    missing = tmp_path / "nowhere" / "peaks.narrowPeak.gz"
    dest = tmp_path / "downloads" / "my_peaks.narrowPeak.gz"
    with pytest.raises(
        download.DownloadError,
        match=rf"could not fetch source 'my_peaks' from any of 1 location\(s\): "
        rf"{re.escape(str(missing))}: no such file",
    ):
        download.fetch(_source(str(missing)), dest, progress=None)
    _no_final_outputs(dest, dest.with_name(dest.name + ".part"))


# --- row 8
@pytest.mark.parametrize("algorithm", ["md5", "sha256"])
def test_row_wrong_checksum_leaves_nothing(tmp_path, algorithm):
    local = _write(tmp_path / "mine" / "peaks.bed", "chr1\t100\t200\n")
    wrong = "0" * (32 if algorithm == "md5" else 64)
    dest = tmp_path / "downloads" / "my_peaks.bed"
    with pytest.raises(
        download.ChecksumError,
        match=rf"my_peaks\.bed: checksum mismatch: expected {algorithm} {wrong}, observed "
        rf"{algorithm} [0-9a-f]+ for source 'my_peaks' from .*; the download was removed and "
        rf"nothing was written under",
    ):
        download.fetch(_source(str(local), **{algorithm: wrong}), dest, progress=None)
    _no_final_outputs(dest, dest.with_name(dest.name + ".part"))


# ----------------------------------------------------------------------------------------------
# Rows 7 and 9 through the workflow: Snakemake dry runs on tests/data/tiny.yaml, changed
# ----------------------------------------------------------------------------------------------
def _dry_run(tmp_path: Path, change) -> subprocess.CompletedProcess:
    config = yaml.safe_load((REPO / "tests" / "data" / "tiny.yaml").read_text())
    change(config)
    bad = _write(tmp_path / "bad.yaml", yaml.safe_dump(config))
    workdir = tmp_path / "run"
    result = subprocess.run(
        [SNAKEMAKE, "--snakefile", str(REPO / "workflow" / "Snakefile"), "-n",
         "--configfile", str(bad), "--directory", str(workdir)],
        capture_output=True, text=True, timeout=300,
        env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2"),
    )  # fmt: skip
    assert result.returncode != 0, result.stdout[-3000:]
    # a dry run writes nothing; neither downloads nor results exist
    _no_final_outputs(workdir / "resources", workdir / "results")
    return result


# --- row 7 (workflow): the local path is the download job's input, so Snakemake stops first
def test_row_missing_local_source_stops_the_workflow(tmp_path):
    missing = tmp_path / "nowhere" / "peaks.narrowPeak.gz"

    def change(config):
        config["sources"]["demo_jund_peaks"]["url"] = str(missing)

    result = _dry_run(tmp_path, change)
    text = result.stdout + result.stderr
    assert re.search(
        r"Missing input files for rule download_source:\s+output: "
        r"resources/downloads/demo_jund_peaks\.narrowPeak\.gz.*affected files:\s+"
        + re.escape(str(missing)),
        text,
        re.S,
    ), text[-3000:]


# --- row 9
def test_row_misspelt_config_key_stops_the_workflow(tmp_path):
    def change(config):
        config["training"]["patiense"] = 3  # for: patience

    result = _dry_run(tmp_path, change)
    text = result.stdout + result.stderr
    assert "Error validating config file." in text, text[-3000:]
    assert "Additional properties are not allowed ('patiense' was unexpected)" in text, text[-3000:]
    assert "schema['properties']['training']" in text, text[-3000:]


# ----------------------------------------------------------------------------------------------
# Row 11: annotation (rule cage_promoters: scripts/prepare_promoters.py -> recipes.write_promoters)
# ----------------------------------------------------------------------------------------------
# --- row 11
def test_row_gtf_without_gene_type(tmp_path):
    # an Ensembl-style GTF that calls it gene_biotype
    gtf = _write(
        tmp_path / "annotation.gtf.gz",
        'chr1\tsrc\tgene\t1001\t2000\t.\t+\t.\tgene_id "G1"; gene_name "A"; '
        'gene_biotype "protein_coding";\n'
        'chr2\tsrc\tgene\t501\t900\t.\t-\t.\tgene_id "G2"; gene_name "B"; '
        'gene_biotype "protein_coding";\n',
        gz=True,
    )
    dest = tmp_path / "out" / "promoters.bed"
    with pytest.raises(
        ValueError, match=r"annotation\.gtf\.gz: gene records lack the attribute 'gene_type'"
    ):
        recipes.write_promoters(gtf, _sizes(tmp_path), dest, upstream=200)
    _no_final_outputs(dest)


# ----------------------------------------------------------------------------------------------
# Rows 12-13: VCF files (genomic_tensors.variants.score_variants; no workflow rule scores variants)
# ----------------------------------------------------------------------------------------------
WINDOW = 21


def _model():
    import keras

    inp = keras.Input((WINDOW, 4), name="dna")
    out = keras.layers.Dense(1, activation="sigmoid")(keras.layers.GlobalAveragePooling1D()(inp))
    return keras.Model(inp, out)


def _vcf(tmp_path: Path, records: list[tuple[str, int, str, str]]) -> Path:
    lines = ["##fileformat=VCFv4.2\n", "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"]
    lines += [f"{c}\t{p}\tv{i}\t{r}\t{a}\t.\tPASS\t.\n" for i, (c, p, r, a) in enumerate(records)]
    return _write(tmp_path / "variants.vcf", "".join(lines))


# --- row 12
def test_row_vcf_ref_mismatch_is_flagged(tmp_path, caplog):
    import pandas as pd

    from genomic_tensors.variants import score_variants

    fasta = _fasta(tmp_path)
    genome = pysam.FastaFile(str(fasta))
    base = genome.fetch("chr1", 99, 100)
    wrong = next(b for b in "ACGT" if b != base)
    alt = next(b for b in "ACGT" if b not in (base, wrong))
    vcf = _vcf(
        tmp_path, [("chr1", 100, wrong, alt), ("chr2", 50, genome.fetch("chr2", 49, 50), alt)]
    )
    out = tmp_path / "out" / "scores.tsv"
    with caplog.at_level(logging.WARNING, logger="genomic_tensors.variants"):
        summary = score_variants(_model(), vcf, fasta, output_tsv=out)
    assert summary.n_scored == 2 and summary.n_ref_mismatch == 1
    table = pd.read_csv(out, sep="\t")
    assert table["ref_match"].tolist() == [False, True]
    assert table.loc[0, "genome_ref"] == base and table.loc[0, "ref"] == wrong
    assert re.search(
        r"1 variants have a REF that disagrees with the genome \S*genome\.fa", caplog.text
    )


# --- row 13
def test_row_vcf_unknown_chromosome_names_line(tmp_path):
    from genomic_tensors.variants import score_variants

    fasta = _fasta(tmp_path)
    vcf = _vcf(tmp_path, [("chr1", 100, "A", "C"), ("chrUn_x", 50, "A", "C")])
    out = tmp_path / "out" / "scores.tsv"
    with pytest.raises(
        ValueError,
        match=r"variants\.vcf, line 4: chromosome 'chrUn_x' is not in the genome \S*genome\.fa "
        r"\(it has chr1, chr2\.\.\.\); check chr prefixes",
    ):
        score_variants(_model(), vcf, fasta, output_tsv=out)
    _no_final_outputs(out)


# --- row 13, the VCF named
def test_row_vcf_unknown_chromosome_names_the_vcf(tmp_path):
    from genomic_tensors.variants import score_variants

    fasta = _fasta(tmp_path)
    vcf = _vcf(tmp_path, [("chr1", 100, "A", "C"), ("chrUn_x", 50, "A", "C")])
    with pytest.raises(ValueError, match=r"variants\.vcf, line 4: chromosome 'chrUn_x' is not in"):
        score_variants(_model(), vcf, fasta, output_tsv=tmp_path / "out" / "scores.tsv")


# --- row 13, partial outputs
@pytest.mark.parametrize("output", ["hdf5", "tsv_second_chunk"])
def test_row_vcf_unknown_chromosome_leaves_no_partial_output(tmp_path, output):
    # outputs grow chunk by chunk under <name>.partial and are renamed only at the end
    from genomic_tensors.variants import score_variants

    fasta = _fasta(tmp_path)
    vcf = _vcf(tmp_path, [("chr1", 100, "A", "C"), ("chrUn_x", 50, "A", "C")])
    tsv, h5 = tmp_path / "out" / "scores.tsv", tmp_path / "out" / "scores.h5"
    kwargs = {"output_hdf5": h5} if output == "hdf5" else {"output_tsv": tsv, "chunk_size": 1}
    with pytest.raises(ValueError, match=r"variants\.vcf, line 4: chromosome 'chrUn_x' is not in the genome"):
        score_variants(_model(), vcf, fasta, **kwargs)
    _no_final_outputs(tsv, h5)
    assert not list((tmp_path / "out").iterdir()), "partial outputs left behind"


# ----------------------------------------------------------------------------------------------
# Rows 15-19: files against the genome (assembly, chromosome ends), split chromosomes, .csi
# ----------------------------------------------------------------------------------------------
OTHER_BUILD = (("chr1", 3500), ("chr2", 2000))  # chr1 has another length: another assembly


# --- row 15
def test_row_assembly_lengths_bam(tmp_path):
    # rule jund_dnase_counts (jund.build_dnase_counts, the genome's .fai as input); returns data
    bam = _bam(tmp_path / "dnase.bam", chroms=OTHER_BUILD)
    fai = Path(f"{_fasta(tmp_path)}.fai")
    with pytest.raises(ValueError, match=r"dnase\.bam: chr1 is 3,500 bp there but 3,000 bp in the genome "
                                         r"\(\S*genome\.fa\.fai\)\. The file probably comes from another "
                                         r"assembly"):
        jund.build_dnase_counts([bam], _roi(tmp_path), conditions=["r1"], flank=0, resolution=50,
                                genome=fai)


def test_row_assembly_lengths_bigwig(tmp_path):
    # rule cage_signals (cage.promoter_signals); returns data, saved by the script afterwards
    fai = Path(f"{_fasta(tmp_path)}.fai")
    bam = _bam(tmp_path / "cage.bam")
    bigwig = _bigwig(tmp_path / "h3k4me3.bw", chroms=OTHER_BUILD)
    with pytest.raises(ValueError, match=r"h3k4me3\.bw: chr1 is 3,500 bp there but 3,000 bp in the genome"):
        cage.promoter_signals(_promoters(tmp_path), cage_bam=bam, dnase_bam=bam, h3k4me3_bigwig=bigwig,
                              flanks={"cage": 100, "chromatin": 50}, genome=fai)


def test_row_assembly_lengths_vcf(tmp_path):
    from genomic_tensors.variants import score_variants

    fasta = _fasta(tmp_path)
    vcf = _write(tmp_path / "gwas.vcf", "##fileformat=VCFv4.2\n##contig=<ID=chr1,length=3500>\n"
                                        "#CHROM\tPOS\tID\tREF\tALT\nchr1\t100\tv\tA\tC\n")
    out = tmp_path / "out" / "scores.tsv"
    with pytest.raises(ValueError, match=r"gwas\.vcf: chr1 is 3,500 bp there but 3,000 bp in the genome"):
        score_variants(_model(), vcf, fasta, output_tsv=out)
    _no_final_outputs(out)


# --- row 16
def test_row_peak_past_chromosome_end_names_line(tmp_path):
    peaks = _write(tmp_path / "peaks.narrowPeak",
                   _np_line("chr1", 100, 200) + _np_line("chr2", 1900, 2100))  # chr2 is 2,000 bp
    with pytest.raises(ValueError, match=r"peaks\.narrowPeak, line 2: chr2:1,900-2,100 ends past the end "
                                         r"of chr2 \(2,000 bp in the genome; 1 interval\(s\) in all\)\. "
                                         r"The file probably comes from another assembly"):
        _jund_roi(tmp_path, peaks)
    _no_final_outputs(tmp_path / "out" / "peaks.merged.bed", tmp_path / "out" / "roi.bed")


def test_row_blacklist_and_tf_peaks_are_clipped(tmp_path, caplog):
    black = _write(tmp_path / "black.bed", "chr2\t1950\t2400\n")
    with caplog.at_level(logging.WARNING, logger="genomic_tensors"):
        prepared = recipes.prepare_blacklist(black, _sizes(tmp_path), tmp_path / "out" / "black.bed")
        bins = tf_bins([_write(tmp_path / "TF.bed", "chr2\t1600\t2300\n")], _sizes(tmp_path))
    assert (tmp_path / "out" / "black.bed").read_text() == "chr2\t1950\t2000\n" and prepared.intervals == 1
    assert "1 blacklist interval(s) end past their chromosome's end: clipped to it" in caplog.text
    assert "1 peak(s) end past their chromosome's end: the grid has no bin there" in caplog.text
    assert bins["end"].max() <= 2000


# --- row 17
def test_row_reads_past_the_end_name_the_read(tmp_path):
    # a BAM whose header was rewritten: chr2 is 2,000 bp in the header, its reads reach 2,800
    bam = _bam(tmp_path / "rewritten.bam", chroms=(("chr1", 3000), ("chr2", 2000)), n_reads=5)
    reads = pysam.AlignmentFile(str(bam))
    header = reads.header.to_dict()
    reads.close()
    out = tmp_path / "with_stray.bam"
    with pysam.AlignmentFile(str(out), "wb", header=header) as handle:
        seg = pysam.AlignedSegment(handle.header)
        seg.query_name, seg.reference_id, seg.reference_start = "stray", 1, 2800
        seg.cigarstring, seg.query_sequence, seg.mapping_quality = "20M", "ACGT" * 5, 60
        handle.write(seg)
    pysam.index(str(out))
    with pytest.raises(ValueError, match=r"with_stray\.bam: read stray is placed on chr2 at 2,801 \(1-based\), "
                                         r"past the end of chr2, which is 2,000 bp in the BAM header"):
        jund.build_dnase_counts([out], _roi(tmp_path), conditions=["r1"], flank=0, resolution=50)


# --- row 18
def test_row_split_chromosome_missing(tmp_path):
    peaks = _write(tmp_path / "peaks.bed", "chr1\t1000\t1100\nchr2\t1000\t1100\n")
    merged, roi = tmp_path / "out" / "merged.bed", tmp_path / "out" / "roi.bed"
    with pytest.raises(ValueError, match=r"config jund.validation: chr3 is not a chromosome of the genome "
                                         r"\(it has chr1, chr2\)"):
        recipes.write_jund_roi(peaks, _sizes(tmp_path), None, merged, roi, extend=100, binsize=200,
                               splits={"jund.validation": ["chr3"], "jund.test": ["chr2"]})
    _no_final_outputs(merged, roi)


def test_row_split_chromosome_empty(tmp_path):
    gtf = _write(tmp_path / "genes.gtf", 'chr1\tG\tgene\t1001\t1500\t.\t+\t.\tgene_id "g1"; '
                                         'gene_type "protein_coding"; gene_name "A";\n')
    out = tmp_path / "out" / "promoters.bed"
    with pytest.raises(ValueError, match=r"config cage.folds: chr2 holds none of the promoters \(they are on "
                                         r"chr1\); the split would be empty"):
        recipes.write_promoters(gtf, _sizes(tmp_path), out, splits={"cage.test": ["chr1"],
                                                                    "cage.folds": ["chr2"]})
    _no_final_outputs(out)


# --- row 19
def test_row_csi_index_is_read(tmp_path, caplog):
    bam = _bam(tmp_path / "big.bam", index=False)
    pysam.index("-c", str(bam))
    with caplog.at_level(logging.INFO, logger="genomic_tensors"):
        counts = jund.build_dnase_counts([bam], _roi(tmp_path), conditions=["r1"], flank=0,
                                         resolution=50)
    assert counts.shape == (6, 4, 2, 1) and float(np.asarray(counts[:]).sum()) > 0
    assert "big.bam has a .csi index and no .bai: reading it with pysam" in caplog.text


# ----------------------------------------------------------------------------------------------
# The catalogue, its tests and docs/bad_inputs.md agree
# ----------------------------------------------------------------------------------------------
def test_catalogue_matches_docs():
    tests = {
        name for name, obj in globals().items() if name.startswith("test_row_") and callable(obj)
    }
    rows = {test for row in ROWS for test in row.tests}
    numbers = [row.number for row in ROWS]
    assert numbers == sorted(set(numbers)), f"row numbers must be unique and ascending: {numbers}"
    assert rows == tests, f"ROWS and the test functions differ: {sorted(rows ^ tests)}"
    documented = set(re.findall(r"`(test_row_\w+)`", DOCS.read_text()))
    assert rows <= documented, f"not in {DOCS.name}: {sorted(rows - documented)}"

"""Tests of SNV effect scoring on a hand-made genome with a hand-weighted motif detector."""

from __future__ import annotations

import logging

import h5py
import keras
import numpy as np
import pandas as pd
import pysam
import pytest
from test_recipes import _write  # the suite's text-file writer (tests/ is on sys.path)

from genomic_tensors.layers import OneHot
from genomic_tensors.variants import VariantSummary, read_snvs, score_variants, vcf_contigs

MOTIF = "GATTACA"  # not its own reverse complement (TGTAATC)
WINDOW = 31
_INDEX = {"A": 0, "C": 1, "G": 2, "T": 3}
SIG_HIT, SIG_MISS = 1 / (1 + np.exp(-2.5)), 1 / (1 + np.exp(2.5))


def _revcomp(seq: str) -> str:
    return seq[::-1].translate(str.maketrans("ACGT", "TGCA"))


def _genome(tmp_path):
    """chr1 (300 bp): MOTIF at 60, GATTGCA (one base off) at 150, reverse-complement MOTIF at 230."""
    rng = np.random.default_rng(3)
    while True:
        seq = list("".join(rng.choice(list("ACGT"), size=300)))
        seq[60:67] = MOTIF
        seq[150:157] = "GATTGCA"
        seq[230:237] = _revcomp(MOTIF)
        text = "".join(seq)
        if text.count(MOTIF) == 1 and text.count(_revcomp(MOTIF)) == 1:
            break
    path = tmp_path / "genome.fa"
    path.write_text(">chr1\n" + "\n".join(text[i : i + 60] for i in range(0, 300, 60)) + "\n")
    pysam.faidx(str(path))
    return path, text


def _motif_model(order: int = 1) -> keras.Model:
    """relu(matches - (n - 1)) is 1 only for a perfect MOTIF; sigmoid(5 * max - 2.5)."""
    positions = WINDOW - order + 1
    n_kmers = len(MOTIF) - order + 1
    if order == 1:
        inp = keras.Input((positions, 4), name="dna")
        x = inp
    else:
        inp = keras.Input((positions,), dtype="int32", name="dna")
        x = OneHot(order)(inp)
    conv = keras.layers.Conv1D(1, n_kmers, activation="relu")
    h = keras.layers.GlobalMaxPooling1D()(conv(x))
    dense = keras.layers.Dense(1, activation="sigmoid")
    model = keras.Model(inp, dense(h))
    kernel = np.zeros((n_kmers, 4**order, 1), dtype=np.float32)
    for j in range(n_kmers):
        code = 0
        for letter in MOTIF[j : j + order]:
            code = code * 4 + _INDEX[letter]
        kernel[j, code, 0] = 1.0
    conv.set_weights([kernel, np.array([-(n_kmers - 1)], np.float32)])
    dense.set_weights([np.array([[5.0]], np.float32), np.array([-2.5], np.float32)])
    return model


VCF_LINES = [
    "##fileformat=VCFv4.2",
    "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO",
    "chr1\t63\tdestroy\tT\tG\t.\t.\t.",  # pos0 62 is the T of GATTACA at 60
    "chr1\t100\tdeletion\tAT\tA\t.\t.\t.",
    "chr1\t155\tcreate\tG\tA,GT\t.\t.\t.",  # GATTGCA -> GATTACA; the second allele is an insertion
    "chr1\t233\tminus\tT\tC\t.\t.\t.",  # pos0 232: the reverse-complement motif's T (TGTAATC at 230)
    "chr1\t63\tmismatch\tC\tG\t.\t.\t.",  # REF C but the genome has T
    "chr1\t3\tedge\tX\tA\t.\t.\t.",  # near the chromosome start: N padding
]


def _vcf(tmp_path, text, name="v.vcf", gz=False):
    return _write(tmp_path / name, "\n".join(VCF_LINES) + "\n", gz=gz)


def test_planted_motif_destroyed_created_and_ref_mismatch(tmp_path, caplog):
    fasta, text = _genome(tmp_path)
    assert text[62] == "T" and text[154] == "G" and text[232] == "T"
    vcf = _vcf(tmp_path, text)
    with caplog.at_level(logging.INFO, logger="genomic_tensors"):
        summary = score_variants(_motif_model(), vcf, fasta, output_tsv=tmp_path / "out.tsv",
                                 output_hdf5=tmp_path / "out.h5", names=["gattaca"], chunk_size=2)
    assert (summary.n_records, summary.n_scored, summary.n_skipped, summary.n_ref_mismatch) == (6, 5, 2, 2)
    assert "2 non-SNV alleles skipped" in caplog.text
    table = pd.read_csv(tmp_path / "out.tsv", sep="\t").set_index("id")
    assert list(table.columns[:7]) == ["chrom", "pos", "ref", "alt", "genome_ref", "ref_match", "strand"]
    assert list(table.columns[7:]) == ["gattaca:ref", "gattaca:alt", "gattaca:diff", "gattaca:logodds"]
    destroy, create = table.loc["destroy"], table.loc["create"]
    assert destroy["gattaca:ref"] == pytest.approx(SIG_HIT, rel=1e-5)
    assert destroy["gattaca:alt"] == pytest.approx(SIG_MISS, rel=1e-5)
    assert destroy["gattaca:diff"] == pytest.approx(SIG_MISS - SIG_HIT, rel=1e-5)
    assert destroy["gattaca:diff"] < 0
    assert destroy["gattaca:logodds"] == pytest.approx(-5.0, rel=1e-4)
    assert create["gattaca:diff"] == pytest.approx(SIG_HIT - SIG_MISS, rel=1e-5)
    assert create["gattaca:diff"] > 0
    assert create["gattaca:logodds"] == pytest.approx(5.0, rel=1e-4)
    # without strand information the reverse-strand motif is invisible to this forward-only detector
    assert table.loc["minus", "gattaca:diff"] == pytest.approx(0.0, abs=1e-7)
    # REF mismatch: kept, flagged, scored against the genome's base (not zeroed)
    mismatch = table.loc["mismatch"]
    assert not mismatch["ref_match"] and mismatch["genome_ref"] == "T"
    assert mismatch["gattaca:diff"] == pytest.approx(destroy["gattaca:diff"])
    assert table.loc["destroy", "ref_match"] and not table.loc["edge", "ref_match"]
    assert "REF that disagrees with the genome" in caplog.text

    with h5py.File(tmp_path / "out.h5") as h5:
        assert h5["diff"].shape == (5, 1) and h5["diff"].dtype == np.float32
        assert [x.decode() for x in h5["variants/id"][:]] == list(table.index)
        np.testing.assert_allclose(h5["logodds"][:, 0], table["gattaca:logodds"], rtol=1e-4)
        assert list(h5["variants/ref_match"][:]) == list(table["ref_match"])
        assert list(h5.attrs["names"]) == ["gattaca"]


def test_minus_strand_regions_are_scored_on_the_reverse_complement(tmp_path):
    fasta, text = _genome(tmp_path)
    vcf = _vcf(tmp_path, text)
    bed = tmp_path / "roi.bed"
    bed.write_text("chr1\t0\t120\tfwd\t0\t+\nchr1\t220\t245\trev\t0\t-\n")
    summary = score_variants(_motif_model(), vcf, fasta, output_tsv=tmp_path / "s.tsv", regions=bed)
    assert summary.n_minus_strand == 1
    table = pd.read_csv(tmp_path / "s.tsv", sep="\t").set_index("id")
    assert table.loc["minus", "strand"] == "-"
    assert table.loc["minus", "0:ref"] == pytest.approx(SIG_HIT, rel=1e-5)
    assert table.loc["minus", "0:diff"] == pytest.approx(SIG_MISS - SIG_HIT, rel=1e-5)
    assert table.loc["destroy", "strand"] == "+"
    assert table.loc["create", "strand"] == "."  # outside every region: plus strand


def test_higher_order_codes_model_and_gzipped_vcf_give_the_same_effects(tmp_path):
    fasta, text = _genome(tmp_path)
    plain = _vcf(tmp_path, text)
    gz = _vcf(tmp_path, text, name="v.vcf.gz", gz=True)
    score_variants(_motif_model(1), plain, fasta, output_tsv=tmp_path / "o1.tsv", chunk_size=100)
    score_variants(_motif_model(2), gz, fasta, output_tsv=tmp_path / "o2.tsv", order=2, chunk_size=3,
                   tsv_scores=("diff",))
    one = pd.read_csv(tmp_path / "o1.tsv", sep="\t")
    two = pd.read_csv(tmp_path / "o2.tsv", sep="\t")
    assert list(two.columns[-1:]) == ["0:diff"]
    np.testing.assert_allclose(two["0:diff"], one["0:diff"], rtol=1e-5, atol=1e-7)


def test_read_snvs_counts_and_errors(tmp_path):
    fasta, text = _genome(tmp_path)
    counts = VariantSummary()
    snvs = list(read_snvs(_vcf(tmp_path, text), counts))
    assert [s.id for s in snvs] == ["destroy", "create", "minus", "mismatch", "edge"]
    assert snvs[0].pos == 63 and snvs[0].line == 3
    assert (counts.n_records, counts.n_skipped) == (6, 2)
    bad = tmp_path / "bad.vcf"
    bad.write_text("chr1\t10\tx\n")
    with pytest.raises(ValueError, match="bad.vcf, line 1: expected at least 5"):
        list(read_snvs(bad))
    bad.write_text("#h\nchr1\tten\tx\tA\tC\n")
    with pytest.raises(ValueError, match="line 2: POS 'ten' is not an integer"):
        list(read_snvs(bad))
    with pytest.raises(FileNotFoundError, match="VCF not found"):
        list(read_snvs(tmp_path / "none.vcf"))


def test_score_variants_errors(tmp_path):
    fasta, _ = _genome(tmp_path)
    model = _motif_model()
    vcf = tmp_path / "e.vcf"
    vcf.write_text("chr2\t5\tx\tA\tC\n")
    with pytest.raises(ValueError, match="line 1: chromosome 'chr2' is not in the genome"):
        score_variants(model, vcf, fasta, output_tsv=tmp_path / "e.tsv")
    vcf.write_text("chr1\t301\tx\tA\tC\n")
    with pytest.raises(ValueError, match="chr1:301 lies past the chromosome end \\(300 bp\\)"):
        score_variants(model, vcf, fasta, output_tsv=tmp_path / "e.tsv")
    with pytest.raises(ValueError, match="output_tsv and/or output_hdf5"):
        score_variants(model, vcf, fasta)
    with pytest.raises(ValueError, match="pass order="):
        score_variants(_motif_model(2), vcf, fasta, output_tsv=tmp_path / "e.tsv")
    with pytest.raises(ValueError, match="order=2 but the model input has 4 channels"):
        score_variants(model, vcf, fasta, output_tsv=tmp_path / "e.tsv", order=2)
    with pytest.raises(ValueError, match="unknown score"):
        score_variants(model, vcf, fasta, output_tsv=tmp_path / "e.tsv", tsv_scores=("delta",))
    a, b = keras.Input((4,), name="a"), keras.Input((4,), name="b")
    two = keras.Model([a, b], keras.layers.Add()([a, b]))
    with pytest.raises(ValueError, match="one DNA input"):
        score_variants(two, vcf, fasta, output_tsv=tmp_path / "e.tsv")


def test_empty_vcf_writes_a_header_only_table(tmp_path):
    fasta, _ = _genome(tmp_path)
    vcf = tmp_path / "empty.vcf"
    vcf.write_text("##fileformat=VCFv4.2\n")
    summary = score_variants(_motif_model(), vcf, fasta, output_tsv=tmp_path / "e.tsv")
    assert summary.n_scored == 0
    assert pd.read_csv(tmp_path / "e.tsv", sep="\t").empty


def test_real_bgzipped_hg19_excerpt_with_gene_strands(tmp_path, shared_data):
    kit = shared_data / "hg19_chr22_ctcf"
    fasta = kit / "hg19_chr22_1-21000000.Npadded.fa.gz"
    genes = pd.read_csv(kit / "gencode_v28lift37_protein_coding_genes.chr22_20-21M.bed", sep="\t",
                        header=None, usecols=[0, 1, 2], names=["chrom", "start", "end"]).iloc[1:3]
    genes["strand"] = ["-", "+"]  # the excerpt carries no strands: assign them for the test
    assert (genes["start"] > 20_000_000).all()  # inside the real (not N-padded) part
    minus, plus = genes.iloc[0], genes.iloc[1]
    with pysam.FastaFile(str(fasta)) as genome:
        picks = {"in_minus_gene": int(minus["start"]) + 10, "in_plus_gene": int(plus["start"]) + 10,
                 "near_end": 20_999_990}
        bases = {k: genome.fetch("chr22", p, p + 1).upper() for k, p in picks.items()}
    alt = {b: "A" if b != "A" else "C" for b in "ACGT"}
    lines = [f"chr22\t{p + 1}\t{k}\t{bases[k]}\t{alt[bases[k]]}" for k, p in picks.items()]
    wrong = "C" if bases["in_plus_gene"] != "C" else "G"
    lines.append(f"chr22\t{picks['in_plus_gene'] + 1}\twrong_ref\t{wrong}\tT")
    vcf = tmp_path / "real.vcf"
    vcf.write_text("\n".join(lines) + "\n")
    summary = score_variants(_motif_model(), vcf, fasta, output_tsv=tmp_path / "real.tsv", regions=genes)
    table = pd.read_csv(tmp_path / "real.tsv", sep="\t").set_index("id")
    assert summary.n_scored == 4 and summary.n_ref_mismatch == 1
    assert table.loc["in_minus_gene", "strand"] == "-" and table.loc["in_plus_gene", "strand"] == "+"
    assert table.loc["near_end", "strand"] == "."
    assert list(table["genome_ref"][:3]) == [bases[k] for k in picks]
    assert not table.loc["wrong_ref", "ref_match"] and table.loc["in_plus_gene", "ref_match"]
    assert np.isfinite(table.filter(like=":").to_numpy()).all()


def test_a_vcf_of_another_assembly_fails_and_leaves_no_output(tmp_path):
    fasta, _ = _genome(tmp_path)  # chr1 is 300 bp
    vcf = tmp_path / "hg19.vcf"
    vcf.write_text("##fileformat=VCFv4.2\n##contig=<ID=chr1,length=249250621>\n##contig=<ID=chrUn,length=5>\n"
                   "#CHROM\tPOS\tID\tREF\tALT\n chr1\t63\tx\tT\tG\n".replace("\n chr1", "\nchr1"))
    assert vcf_contigs(vcf) == {"chr1": 249250621, "chrUn": 5}
    out = tmp_path / "effects.tsv"
    with pytest.raises(ValueError, match=r"hg19.vcf: chr1 is 249,250,621 bp there but 300 bp in the genome "
                                         r"\(.*genome.fa.fai\)\. The file probably comes from another assembly"):
        score_variants(_motif_model(), vcf, fasta, output_tsv=out, output_hdf5=tmp_path / "e.h5")
    assert not out.exists() and not (tmp_path / "e.h5").exists()


def test_a_failure_mid_vcf_leaves_nothing_under_a_final_name(tmp_path):
    fasta, _ = _genome(tmp_path)
    vcf = tmp_path / "v.vcf"
    vcf.write_text("chr1\t63\tok\tT\tG\nchr9\t5\tbad\tA\tC\n")
    out, h5 = tmp_path / "effects.tsv", tmp_path / "effects.h5"
    with pytest.raises(ValueError, match="line 2: chromosome 'chr9' is not in the genome"):
        score_variants(_motif_model(), vcf, fasta, output_tsv=out, output_hdf5=h5, chunk_size=1)
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("effects")) == []


# ------------------------------------------------------------------------------------ with a model card
def _motif_card(tmp_path, *, order=2, window=WINDOW, kind="dna_codes", outputs=("gattaca",)):
    from genomic_tensors.modelcard import ModelCard, read_card, write_card

    shape = [window - order + 1] if kind == "dna_codes" else [window - order + 1, 4**order]
    card = ModelCard(
        case="jund", name="dna/order2_dropout0/rep1", genome={"name": "t", "fasta": "g.fa", "sha256": "0" * 64},
        window=window, flank=12, order=order, strands="both",
        inputs=[{"name": "dna", "kind": kind, "shape": shape}], outputs=list(outputs), normalization=None,
        training={"seed": 1}, metrics={"validation": {}, "test": None}, versions={},
    )  # fmt: skip
    write_card(card, tmp_path / "model.json")
    return read_card(tmp_path / "model.json")


def test_a_card_gives_window_order_and_names(tmp_path):
    fasta, text = _genome(tmp_path)
    vcf = _vcf(tmp_path, text)
    # order 2 codes: without the card the order must be passed; with it, order and names come from it
    score_variants(_motif_model(2), vcf, fasta, card=_motif_card(tmp_path), output_tsv=tmp_path / "c.tsv")
    score_variants(_motif_model(2), vcf, fasta, order=2, names=["gattaca"], output_tsv=tmp_path / "o.tsv")
    with_card, without = pd.read_csv(tmp_path / "c.tsv", sep="\t"), pd.read_csv(tmp_path / "o.tsv", sep="\t")
    assert "gattaca:diff" in with_card.columns
    pd.testing.assert_frame_equal(with_card, without)
    destroy = with_card.set_index("id").loc["destroy"]
    assert destroy["gattaca:logodds"] == pytest.approx(-5.0, rel=1e-4)
    # one-hot card on a one-hot model; explicit names win over the card's
    card = _motif_card(tmp_path, order=1, kind="dna_onehot")
    score_variants(_motif_model(1), vcf, fasta, card=card, names=["m"], output_tsv=tmp_path / "h.tsv")
    assert pd.read_csv(tmp_path / "h.tsv", sep="\t").set_index("id").loc["destroy", "m:diff"] < 0


def test_a_card_that_disagrees_with_the_model_fails_naming_the_card(tmp_path):
    fasta, _ = _genome(tmp_path)
    vcf = tmp_path / "e.vcf"
    vcf.write_text("chr1\t63\tx\tT\tG\n")
    out = tmp_path / "e.tsv"
    card = _motif_card(tmp_path, window=WINDOW + 10)
    with pytest.raises(ValueError, match=r"model.json: window 41, order 2 and kind dna_codes mean an input of "
                                         r"shape \(40,\), but the model .* takes \(30,\)"):
        score_variants(_motif_model(2), vcf, fasta, card=card, output_tsv=out)
    card = _motif_card(tmp_path, kind="dna_onehot")
    with pytest.raises(ValueError, match=r"model.json: .*kind dna_onehot mean an input of shape \(30, 16\)"):
        score_variants(_motif_model(2), vcf, fasta, card=card, output_tsv=out)
    with pytest.raises(ValueError, match="order=3 but .*model.json gives order 2"):
        score_variants(_motif_model(2), vcf, fasta, card=_motif_card(tmp_path), order=3, output_tsv=out)
    with pytest.raises(ValueError, match="2 names for 1 model outputs"):
        score_variants(_motif_model(2), vcf, fasta, card=_motif_card(tmp_path, outputs=("a", "b")),
                       output_tsv=out)
    no_dna = _motif_card(tmp_path)
    no_dna.window = None
    with pytest.raises(ValueError, match="model.json: the card gives no DNA window/order"):
        score_variants(_motif_model(2), vcf, fasta, card=no_dna, output_tsv=out)
    assert not out.exists()

"""Tests of genomic_tensors.sequence: encodings, k-mers, reverse complement, Bioseq."""

from __future__ import annotations

import gc
import itertools
import logging

import numpy as np
import pandas as pd
import pysam
import pytest

from genomic_tensors import kmers
from genomic_tensors import sequence as sequence_module
from genomic_tensors.dataset import (
    GenomicDataset,
    RandomOrientation,
    RandomShift,
    split_by_chromosome,
)
from genomic_tensors.sequence import (
    Bioseq,
    complement_permutation,
    encode_bases,
    kmer_codes,
    one_hot,
)

CHR1 = "ACGTACGTNNacgtTTGGCCAA"  # 22 bases
CHR2 = "GGGGCCCCAAAATTTT"  # 16 bases
COMPLEMENT = str.maketrans("ACGTNacgtn", "TGCANtgcan")


def revcomp(text: str) -> str:
    return text.translate(COMPLEMENT)[::-1]


def reference_one_hot(text: str, order: int) -> np.ndarray:
    """Independent reference: dict lookup of every k-mer."""
    table = {"".join(k): i for i, k in enumerate(itertools.product("ACGT", repeat=order))}
    out = np.zeros((len(text) - order + 1, 4**order), dtype=np.float32)
    for p in range(len(text) - order + 1):
        code = table.get(text[p : p + order].upper())
        if code is not None:
            out[p, code] = 1
    return out


@pytest.fixture
def fasta(tmp_path):
    path = tmp_path / "genome.fa"
    path.write_text(f">chr1 first\n{CHR1[:11]}\n{CHR1[11:]}\n>chr2\n{CHR2}\n")
    return path


def roi(chroms, starts, ends, strands=None):
    frame = pd.DataFrame({"chrom": chroms, "start": starts, "end": ends})
    if strands is not None:
        frame["strand"] = strands
    return frame


def letters(seq: Bioseq, index) -> list[str]:
    """Windows as text, N for all-zero rows (order 1)."""
    rows = np.atleast_2d(seq.codes[index])
    return ["".join("ACGT"[c] if c >= 0 else "N" for c in row) for row in rows]


# ---------------------------------------------------------------------------------- encodings
def test_encode_bases():
    assert encode_bases("ACGTNacgtRY-").tolist() == [0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 4, 4]
    assert encode_bases(b"ca").dtype == np.uint8
    assert encode_bases("ACDWY*", "protein").tolist() == [0, 1, 2, 18, 19, 20]
    with pytest.raises(ValueError, match="unknown alphabet 'rna'; expected one of dna, protein"):
        encode_bases("ACGU", "rna")


def test_kmer_codes_first_letter_most_significant():
    assert kmer_codes(encode_bases("AC"), 2).tolist() == [1]
    assert kmer_codes(encode_bases("CA"), 2).tolist() == [4]
    assert kmer_codes(encode_bases("ACGTN"), 2).tolist() == [1, 6, 11, -1]
    assert kmer_codes(encode_bases("TTTGN"), 3).tolist() == [63, 62, -1]
    assert kmer_codes(encode_bases("ANC"), 1).tolist() == [0, -1, 1]
    batch = kmer_codes(np.stack([encode_bases("ACGA"), encode_bases("NCGT")]), 2)
    assert batch.dtype == np.int32 and batch.tolist() == [[1, 6, 8], [-1, 6, 11]]
    with pytest.raises(ValueError, match="sequence length 2 is shorter than the order 3"):
        kmer_codes(encode_bases("AC"), 3)


def test_one_hot_rows():
    out = one_hot(np.array([[2, -1, 0]]), 1)
    assert out.shape == (1, 3, 4) and out.dtype == np.float32
    assert out[0].tolist() == [[0, 0, 1, 0], [0, 0, 0, 0], [1, 0, 0, 0]]
    assert one_hot(np.array([15]), 2, dtype=np.uint8)[0].tolist() == [0] * 15 + [1]


@pytest.mark.parametrize("order", [1, 2, 3])
def test_one_hot_matches_reference(order):
    text = "ACGTNACCGTTGCAnnGGTACa"
    codes = kmer_codes(encode_bases(text), order)
    np.testing.assert_array_equal(one_hot(codes, order), reference_one_hot(text, order))


def test_complement_permutation_examples():
    assert complement_permutation(1).tolist() == [3, 2, 1, 0]
    perm = complement_permutation(2)
    assert perm[1] == 11  # AC -> GT
    assert perm[5] == 10  # CC -> GG
    assert perm[3] == 3  # AT is its own reverse complement
    for order in (1, 2, 3, 4):
        perm = complement_permutation(order)
        assert sorted(perm.tolist()) == list(range(4**order))
        np.testing.assert_array_equal(perm[perm], np.arange(4**order))  # an involution


@pytest.mark.parametrize("order", [1, 2, 3])
def test_complement_permutation_is_the_true_reverse_complement(order):
    rng = np.random.default_rng(order)
    text = "".join(rng.choice(list("ACGTN"), size=40))
    x = reference_one_hot(text, order)
    np.testing.assert_array_equal(x[::-1][:, complement_permutation(order)],
                                  reference_one_hot(revcomp(text), order))  # fmt: skip


def test_reverse_complement_of_base_codes():
    codes = encode_bases("ACGTNacgg")
    assert kmers.reverse_complement(codes).tolist() == encode_bases("CCGTNACGT").tolist()
    batch = np.stack([encode_bases("AACN"), encode_bases("GTTA")])
    assert kmers.reverse_complement(batch).tolist() == [
        encode_bases("NGTT").tolist(), encode_bases("TAAC").tolist()
    ]


def test_sequence_reexports_the_kmer_encoding():
    for name in ("ALPHABETS", "complement_permutation", "encode_bases", "kmer_codes", "one_hot"):
        assert getattr(sequence_module, name) is getattr(kmers, name)


# ---------------------------------------------------------------------------------- from_fasta
def test_from_fasta_pads_never_shifts(fasta):
    seq = Bioseq.from_fasta(fasta, roi(["chr1", "chr2", "chr1"], [0, 4, 18], [8, 12, 26]), flank=2)
    assert seq.shape == (3, 12, 4) and seq.window_length == 12 and seq.dtype == np.float32
    assert letters(seq, slice(None)) == [
        "NNACGTACGTNN",  # 2 N before the chromosome start, not shifted
        "GGCCCCAAAATT",
        "GGCCAANNNNNN",  # beyond the end of chr1 (22 bp): padded, not an error
    ]
    assert seq.regions[["chrom", "start", "end"]].values.tolist() == [
        ["chr1", 0, 8], ["chr2", 4, 12], ["chr1", 18, 26]]  # fmt: skip
    assert seq.flank == 2
    np.testing.assert_array_equal(seq[1], reference_one_hot("GGCCCCAAAATT", 1))
    assert seq[0][0].tolist() == [0, 0, 0, 0]  # N is an all-zero row


def test_minus_strand_reverse_complemented(fasta):
    frame = roi(["chr2", "chr2"], [2, 2], [14, 14], ["-", "+"])
    seq = Bioseq.from_fasta(fasta, frame)
    assert letters(seq, slice(None)) == [revcomp(CHR2[2:14]), CHR2[2:14]]
    plain = Bioseq.from_fasta(fasta, frame, strand_aware=False)
    assert letters(plain, slice(None)) == [CHR2[2:14], CHR2[2:14]]


@pytest.mark.parametrize("order", [2, 3])
def test_higher_order_shape_and_values(fasta, order):
    frame = roi(["chr1", "chr2"], [3, 0], [15, 12], ["+", "-"])
    seq = Bioseq.from_fasta(fasta, frame, flank=1, order=order)
    width = 14
    assert seq.shape == (2, width - order + 1, 4**order)
    np.testing.assert_array_equal(seq[0], reference_one_hot(CHR1[2:16], order))
    np.testing.assert_array_equal(seq[1], reference_one_hot(revcomp("N" + CHR2[0:13]), order))
    assert seq.codes[:].dtype == np.int32
    assert seq.codes.shape == (2, width - order + 1)
    np.testing.assert_array_equal(one_hot(seq.codes[:], order), seq[:])


def test_tiling_binsize_stepsize(fasta, caplog):
    with caplog.at_level(logging.INFO, logger="genomic_tensors"):
        seq = Bioseq.from_fasta(fasta, roi(["chr1"], [0], [22]), binsize=8, stepsize=6)
    assert seq.regions[["start", "end"]].values.tolist() == [[0, 8], [6, 14], [12, 20]]
    assert "trailing remainders of 1 region(s), 2 bases" in caplog.text
    assert letters(seq, 1) == [CHR1[6:14].upper()]


def test_roi_files(fasta, tmp_path):
    bed = tmp_path / "r.bed"
    bed.write_text("chr2\t0\t4\tx\t0\t-\nchr1\t4\t8\ty\t0\t+\n")
    seq = Bioseq.from_fasta(fasta, bed)
    assert letters(seq, slice(None)) == ["CCCC", "ACGT"]
    gtf = tmp_path / "g.gtf"
    gtf.write_text(
        'chr2\tX\tgene\t1\t4\t.\t+\t.\tgene_id "G";\nchr2\tX\texon\t1\t2\t.\t+\t.\tgene_id "G";\n'
    )
    seq = Bioseq.from_fasta(fasta, gtf, feature="gene")
    assert letters(seq, 0) == ["GGGG"] and seq.regions["name"].tolist() == ["G"]


def test_whole_genome_one_byte_per_base(fasta):
    seq = Bioseq.from_fasta(fasta, None, binsize=4)
    assert len(seq) == 5 + 4  # 22 // 4 + 16 // 4
    # one byte per base the windows cover (chr1's last 2 bases fall in no window), nothing more
    assert seq._buffer.nbytes == 20 + 16
    assert seq._buffer.dtype == np.uint8


def test_bgzipped_fasta_and_missing_index(fasta, tmp_path):
    gz = tmp_path / "genome.fa.gz"
    pysam.tabix_compress(str(fasta), str(gz))
    seq = Bioseq.from_fasta(gz, roi(["chr2"], [8], [16]))  # the .fai/.gzi get created
    assert letters(seq, 0) == ["AAAATTTT"]
    assert (tmp_path / "genome.fa.gz.fai").exists()


def test_plain_gzip_fasta_explains(fasta, tmp_path):
    import gzip

    bad = tmp_path / "plain.fa.gz"
    bad.write_bytes(gzip.compress(fasta.read_bytes()))
    with pytest.raises(
        ValueError, match=r"cannot index .*plain\.fa\.gz: a compressed FASTA must be bgzip"
    ):
        Bioseq.from_fasta(bad, roi(["chr1"], [0], [4]))
    ragged = tmp_path / "ragged.fa"
    ragged.write_text(">chr1\nACGTACGT\nACG\nACGTAC\n")
    with pytest.raises(
        ValueError, match=r"cannot index .*ragged\.fa: samtools faidx needs the lines"
    ):
        Bioseq.from_fasta(ragged, roi(["chr1"], [0], [4]))


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"alphabet": "rna"}, "unknown alphabet 'rna'"),
        ({"storage": "zarr"}, "unknown storage 'zarr'; expected 'ndarray' or 'hdf5'"),
        ({"storage": "sparse"}, "storage='sparse' is meant for label tensors"),
        ({"order": 0}, r"order must be an integer in 1\.\.8, got 0"),
        ({"alphabet": "protein", "order": 2}, "protein alphabet supports order 1 only"),
        ({"flank": -1}, "flank and margin must be >= 0"),
        ({"binsize": 100}, r"no windows: every ROI interval is shorter than binsize=100"),
    ],
)
def test_from_fasta_argument_errors(fasta, kwargs, match):
    with pytest.raises(ValueError, match=match):
        Bioseq.from_fasta(fasta, roi(["chr1"], [0], [8]), **kwargs)


def test_unequal_windows_and_missing_chromosomes(fasta):
    with pytest.raises(
        ValueError, match=r"different lengths \(8 for the first, 4 for chr2:0-4\).*binsize"
    ):
        Bioseq.from_fasta(fasta, roi(["chr1", "chr2"], [0, 0], [8, 4]))
    with pytest.raises(ValueError, match=r"not in .*genome\.fa: 1.*has chr1, chr2.*add 'chr'"):
        Bioseq.from_fasta(fasta, roi(["1"], [0], [4]))
    with pytest.raises(ValueError, match=r"the ROI is empty"):
        Bioseq.from_fasta(fasta, roi([], [], []))
    with pytest.raises(FileNotFoundError, match="FASTA file not found"):
        Bioseq.from_fasta(fasta.with_name("none.fa"), roi(["chr1"], [0], [4]))


# ---------------------------------------------------------------------------------- from_sequences
def test_from_sequences_list_and_file(tmp_path):
    seq = Bioseq.from_sequences(["ACGT", "nnAC"], order=2)
    assert seq.shape == (2, 3, 16)
    assert seq.codes[:].tolist() == [[1, 6, 11], [-1, -1, 1]]
    assert seq.regions["chrom"].tolist() == ["seq0", "seq1"]
    path = tmp_path / "s.fa"
    path.write_text(">a\nACGT\n>b\nTTTT\n")
    seq = Bioseq.from_sequences(path)
    assert seq.regions["chrom"].tolist() == ["a", "b"]
    np.testing.assert_array_equal(seq[1], reference_one_hot("TTTT", 1))


def test_from_sequences_errors(tmp_path):
    with pytest.raises(
        ValueError, match=r"equal lengths: 'seq1' \(number 1\).*has 3 letters.*has 4"
    ):
        Bioseq.from_sequences(["ACGT", "ACG"])
    with pytest.raises(ValueError, match="no sequences in the sequence list"):
        Bioseq.from_sequences([])
    with pytest.raises(FileNotFoundError, match="sequence file not found"):
        Bioseq.from_sequences(str(tmp_path / "absent.fa"))
    with pytest.raises(ValueError, match="shorter than the order 3"):
        Bioseq.from_sequences(["AC"], order=3)


def test_protein():
    seq = Bioseq.from_sequences(["ACDY", "WXAA"], alphabet="protein")
    assert seq.shape == (2, 4, 20)
    assert seq.codes[:].tolist() == [[0, 1, 2, 19], [18, -1, 0, 0]]
    assert seq[1][1].sum() == 0
    with pytest.raises(ValueError, match="protein sequence has no reverse complement"):
        RandomOrientation(seq, p=1.0)[:]


# ------------------------------------------------------------------------ storage, save, cache
def test_hdf5_storage_same_values(fasta):
    frame = roi(["chr1", "chr2", "chr1"], [0, 4, 18], [8, 12, 26], ["+", "-", "+"])
    mem = Bioseq.from_fasta(fasta, frame, flank=2, order=2)
    disk = Bioseq.from_fasta(fasta, frame, flank=2, order=2, storage="hdf5")
    assert not isinstance(disk._buffer, np.ndarray)
    np.testing.assert_array_equal(disk[:], mem[:])
    np.testing.assert_array_equal(disk[[2, 0]], mem[[2, 0]])
    path = disk._buffer.path
    disk._buffer.close()
    del disk
    gc.collect()
    assert not path.exists()  # the temporary file goes with the object


@pytest.mark.parametrize("suffix", [".npz", ".h5"])
def test_save_load(fasta, tmp_path, suffix):
    frame = roi(["chr1", "chr2", "chr1"], [0, 4, 18], [8, 12, 26], ["+", "-", "+"])
    seq = Bioseq.from_fasta(fasta, frame, flank=2, order=3)
    view = seq.subset([2, 1])
    back = GenomicDataset.load(view.save(tmp_path / f"s{suffix}"))
    assert type(back) is Bioseq and back.order == 3 and back.flank == 2
    np.testing.assert_array_equal(back[:], seq[[2, 1]])
    assert back.regions["start"].tolist() == [18, 4]
    assert Bioseq.load(tmp_path / f"s{suffix}").shape == (2, 10, 64)


def test_cache_hit_and_rebuilds(fasta, tmp_path, caplog, monkeypatch):
    frame = roi(["chr1", "chr2"], [0, 4], [8, 12])
    builds = []
    original = Bioseq._build.__func__

    def counting(cls, *args, **kwargs):
        builds.append(1)
        return original(cls, *args, **kwargs)

    monkeypatch.setattr(Bioseq, "_build", classmethod(counting))
    first = Bioseq.from_fasta(fasta, frame, order=2, cache_dir=tmp_path / "c")
    again = Bioseq.from_fasta(fasta, frame, order=2, cache_dir=tmp_path / "c")
    assert len(builds) == 1
    np.testing.assert_array_equal(again[:], first[:])
    with caplog.at_level(logging.INFO, logger="genomic_tensors"):
        Bioseq.from_fasta(fasta, frame, order=1, cache_dir=tmp_path / "c")
    assert len(builds) == 2 and "parameter order changed from 2 to 1" in caplog.text
    caplog.clear()
    fasta.write_text(fasta.read_text().replace("GGGGCCCC", "GGGGCCCA"))
    pysam.faidx(str(fasta))
    with caplog.at_level(logging.INFO, logger="genomic_tensors"):
        changed = Bioseq.from_fasta(fasta, frame, order=1, cache_dir=tmp_path / "c")
    assert len(builds) == 3 and "genome.fa changed" in caplog.text
    assert letters(changed, 1) == ["CCCAAAAA"]
    hdf5 = Bioseq.from_fasta(fasta, frame, order=1, storage="hdf5", cache_dir=tmp_path / "c")
    assert hdf5._buffer.path.parent == tmp_path / "c"  # read lazily from the cache entry
    np.testing.assert_array_equal(hdf5[:], changed[:])


# ---------------------------------------------------------------------------------- wrappers
@pytest.mark.parametrize("order", [1, 2, 3])
def test_random_orientation_is_true_reverse_complement(fasta, order):
    frame = roi(["chr1", "chr2"], [0, 2], [12, 14], ["+", "-"])
    seq = Bioseq.from_fasta(fasta, frame, flank=1, order=order)
    source = seq[:].copy()
    flipped = RandomOrientation(seq, seed=0, p=1.0)[:]
    texts = [("N" + CHR1[:13]), revcomp(CHR2[1:15])]
    for i, text in enumerate(texts):
        np.testing.assert_array_equal(flipped[i], reference_one_hot(revcomp(text), order))
    np.testing.assert_array_equal(seq[:], source)


def test_random_shift_reads_the_genome(fasta):
    frame = roi(["chr1", "chr1"], [6, 10], [10, 14], ["+", "-"])
    seq = Bioseq.from_fasta(fasta, frame, margin=3)
    aug = RandomShift(seq, shift=3, seed=11)
    got = ["".join("ACGT"[c] if c >= 0 else "N" for c in row) for row in aug[:].argmax(-1)]
    for i, s in enumerate(aug.offsets):
        start = int(frame["start"][i]) + int(s)
        text = CHR1[start : start + 4].upper()
        expected = text if i == 0 else revcomp(text)
        assert got[i] == expected.replace("N", "A")  # argmax of a zero row is 0


def test_split_bioseq(fasta):
    seq = Bioseq.from_fasta(fasta, None, binsize=4)
    splits = split_by_chromosome(seq, validation=["chr2"], test=[])
    assert (
        isinstance(splits.train, Bioseq) and len(splits.train) == 5 and len(splits.validation) == 4
    )
    assert splits.train._buffer is seq._buffer
    assert letters(splits.validation, 0) == ["GGGG"]


# ---------------------------------------------------------------------------------- real data
@pytest.mark.shared_data
def test_real_hg19_chr22_window(shared_data, tmp_path):
    folder = shared_data / "hg19_chr22_ctcf"
    fasta = folder / "hg19_chr22_1-21000000.Npadded.fa.gz"
    frame = roi(["chr22"] * 3, [20_500_000, 20_500_000, 100], [20_500_200, 20_500_200, 300],
                ["+", "-", "+"])  # fmt: skip
    seq = Bioseq.from_fasta(fasta, frame, flank=150, order=2)
    assert seq.shape == (3, 499, 16)
    with pysam.FastaFile(str(fasta)) as handle:
        text = handle.fetch("chr22", 20_499_850, 20_500_350)
    np.testing.assert_array_equal(seq[0], reference_one_hot(text, 2))
    np.testing.assert_array_equal(seq[1], reference_one_hot(revcomp(text), 2))
    assert seq[2].sum() == 0  # the N-padded part of the excerpt

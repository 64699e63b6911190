"""Tests of genomic_tensors.cache (content-addressed cache) and genomic_tensors.progress."""

from __future__ import annotations

import gzip
import hashlib
import json
import logging

import numpy as np
import pandas as pd
import pytest

import genomic_tensors
from genomic_tensors import cache as cache_mod
from genomic_tensors import files
from genomic_tensors.cache import cache_key, cache_manifest, cached, file_digest
from genomic_tensors.progress import progress


@pytest.fixture
def inputs(tmp_path):
    a = tmp_path / "a.bam"
    a.write_bytes(b"x" * 10_000 + b"tail")
    b = tmp_path / "b.bed"
    b.write_text("chr1\t0\t10\n")
    return a, b


class Builder:
    """Counts builds; saves/loads an int as text."""

    def __init__(self, value=7):
        self.value = value
        self.builds = 0

    def build(self):
        self.builds += 1
        return self.value

    @staticmethod
    def save(obj, path):
        path.write_text(str(obj))

    @staticmethod
    def load(path):
        return int(path.read_text())


def run(cache_dir, files, params, builder):
    manifest = {**cache_manifest(files, params), "kind": "Test"}
    return cached(cache_dir, cache_key(files, params), builder.build, builder.save, builder.load,
                  suffix=".txt", manifest=manifest, label="test")  # fmt: skip


def test_file_digest_streams_the_content(inputs, monkeypatch):
    a, _ = inputs
    monkeypatch.setattr(cache_mod, "_CHUNK", 7)  # many chunks
    cache_mod._DIGESTS.clear()
    expected = hashlib.blake2b(a.read_bytes(), digest_size=16).hexdigest()
    assert file_digest(a) == expected


def test_shared_file_helpers(tmp_path):
    plain = tmp_path / "a.txt"
    plain.write_text("one\ntwo\n")
    packed = tmp_path / "a.txt.gz"
    packed.write_bytes(gzip.compress(b"one\ntwo\n"))
    named_gz = tmp_path / "plain.gz"  # told by content, not by name
    named_gz.write_text("one\ntwo\n")
    assert [files.is_gzipped(p) for p in (plain, packed, named_gz)] == [False, True, False]
    for path in (plain, packed, named_gz):
        with files.open_text(path) as handle:
            assert handle.read() == "one\ntwo\n"
    assert files.file_digest(plain) == hashlib.sha256(b"one\ntwo\n").hexdigest()
    assert files.file_digest(plain, "md5", 3) == hashlib.md5(b"one\ntwo\n").hexdigest()
    # the cache's digest is the shared one with BLAKE2b-128 (cache keys stay as they were)
    cache_mod._DIGESTS.clear()
    assert file_digest(packed) == files.file_digest(packed, "blake2b", digest_size=16)
    with pytest.raises(FileNotFoundError):
        files.open_text(tmp_path / "missing.txt")


def test_frame_digest_ignores_the_index_but_not_the_columns():
    frame = pd.DataFrame({"chrom": ["c1", "c2"], "start": [0, 5], "end": [10, 20]})
    assert cache_mod.frame_digest(frame) == cache_mod.frame_digest(frame.set_axis([7, 3]))
    assert cache_mod.frame_digest(frame) != cache_mod.frame_digest(frame.rename(columns={"end": "e"}))
    assert cache_mod.frame_digest(frame) != cache_mod.frame_digest(frame.assign(end=[10, 21]))


def test_key_depends_on_content_params_and_version(inputs, tmp_path, monkeypatch):
    a, b = inputs
    key = cache_key([a, b], {"binsize": 200})
    copy = tmp_path / "elsewhere.bam"
    copy.write_bytes(a.read_bytes())
    assert cache_key([copy, b], {"binsize": 200}) == key  # content, not the path
    assert cache_key([a, b], {"binsize": 100}) != key
    assert cache_key([b, a], {"binsize": 200}) != key  # order of inputs matters
    assert cache_key([a, b], {"binsize": 200, "flank": 0}) != key
    monkeypatch.setattr(genomic_tensors, "__version__", "99.0")
    assert cache_key([a, b], {"binsize": 200}) != key


def test_miss_then_hit(inputs, tmp_path, caplog):
    builder = Builder()
    with caplog.at_level(logging.INFO, logger="genomic_tensors"):
        assert run(tmp_path / "c", inputs, {"k": 1}, builder) == 7
        assert "cache miss: test building (no cached entry for these inputs)" in caplog.text
        caplog.clear()
        assert run(tmp_path / "c", inputs, {"k": 1}, builder) == 7
    assert builder.builds == 1
    assert "cache hit: test loaded from" in caplog.text
    # one entry + one manifest, no temporary leftovers
    assert sorted(p.suffix for p in (tmp_path / "c").iterdir()) == [".json", ".txt"]


def test_changed_parameter_rebuilds_and_says_why(inputs, tmp_path, caplog):
    builder = Builder()
    run(tmp_path / "c", inputs, {"binsize": 200}, builder)
    with caplog.at_level(logging.INFO, logger="genomic_tensors"):
        run(tmp_path / "c", inputs, {"binsize": 100}, builder)
    assert builder.builds == 2
    assert "parameter binsize changed from 200 to 100" in caplog.text


def test_changed_input_byte_rebuilds_and_says_why(inputs, tmp_path, caplog):
    a, b = inputs
    builder = Builder()
    run(tmp_path / "c", inputs, {}, builder)
    data = bytearray(a.read_bytes())
    data[5000] ^= 1
    a.write_bytes(bytes(data))
    with caplog.at_level(logging.INFO, logger="genomic_tensors"):
        run(tmp_path / "c", inputs, {}, builder)
    assert builder.builds == 2
    assert f"input {a} changed" in caplog.text


@pytest.mark.parametrize("damage", ["flip", "truncate", "manifest"])
def test_damaged_entry_rebuilds(inputs, tmp_path, caplog, damage):
    builder = Builder(value=123456)
    run(tmp_path / "c", inputs, {}, builder)
    entry = next((tmp_path / "c").glob("*.txt"))
    if damage == "flip":
        entry.write_text("123457")  # same size, one changed byte
    elif damage == "truncate":
        entry.write_text("12")
    else:
        entry.with_suffix(".json").write_text("{not json")
    with caplog.at_level(logging.WARNING, logger="genomic_tensors"):
        assert run(tmp_path / "c", inputs, {}, builder) == 123456
    assert builder.builds == 2
    assert "is damaged" in caplog.text and "rebuilding" in caplog.text
    record = json.loads(entry.with_suffix(".json").read_text())
    assert record["manifest"]["kind"] == "Test"


def test_load_failure_counts_as_damage(inputs, tmp_path, caplog):
    builder = Builder()
    key = cache_key(inputs, {})
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / f"{key}.txt").write_text("not an int")  # no manifest: checksum unknown
    with caplog.at_level(logging.WARNING, logger="genomic_tensors"):
        value = cached(
            tmp_path / "c", key, builder.build, builder.save, builder.load, suffix=".txt"
        )
    assert value == 7 and builder.builds == 1
    assert "failed to load (ValueError" in caplog.text


def test_failed_build_or_save_leaves_nothing(inputs, tmp_path):
    def bad_save(obj, path):
        path.write_text("partial")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        cached(tmp_path / "c", "k1", lambda: 1, bad_save, Builder.load, suffix=".txt")
    assert list((tmp_path / "c").iterdir()) == []


# ---------------------------------------------------------------------------------- progress
def test_progress_logs_without_terminal(caplog):
    with caplog.at_level(logging.INFO, logger="genomic_tensors"):
        items = list(progress(["chr1", "chr2"], desc="reading x.bam", tty=False))
    assert items == ["chr1", "chr2"]
    assert "reading x.bam: 1/2 chr1" in caplog.text and "reading x.bam: 2/2 chr2" in caplog.text


def test_progress_bar_on_terminal(capsys):
    assert list(progress(iter(range(3)), total=3, desc="bins", tty=True)) == [0, 1, 2]


def test_progress_without_terminal_prints_a_short_label_never_an_array(caplog):
    groups = {"chr1": np.arange(500), "chr2": np.arange(3)}
    with caplog.at_level(logging.INFO, logger="genomic_tensors"):
        items = list(progress(groups.items(), desc="coverage", tty=False))
        list(progress([np.zeros(1000)], desc="blocks", tty=False))
        list(progress(["x" * 200], desc="long", tty=False))
    assert [k for k, _ in items] == ["chr1", "chr2"]
    lines = caplog.text.splitlines()
    assert any(line.endswith("coverage: 1/2 chr1") for line in lines)
    assert any(line.endswith("blocks: 1/1 ndarray") for line in lines)
    assert all(len(line) < 200 and "[" not in line.split(": ", 1)[-1] for line in lines)


def test_coverage_progress_log_has_one_short_line_per_chromosome(caplog, tmp_path):
    from genomic_tensors import Cover

    roi = pd.DataFrame({"chrom": ["c1", "c2"], "start": [0, 0], "end": [400, 400]})
    bed = tmp_path / "peaks.bed"
    bed.write_text("c1\t10\t50\nc2\t100\t300\n")
    with caplog.at_level(logging.INFO, logger="genomic_tensors"):
        Cover.from_bed(bed, roi, binsize=100, resolution=50)
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("coverage: ")]
    assert lines == ["coverage: 1/2 c1", "coverage: 2/2 c2"]

"""Tests of genomic_tensors.download against a local HTTP server started by the tests.

The server (``serve``, also used by test_sources_rules.py) listens on 127.0.0.1 at a free port,
supports Range requests, and can drop a connection half-way once, ignore Range, answer an error
status once, or serve bytes that do not match the published checksum. It stops when the ``with``
block ends.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
import os
from pathlib import Path

import pytest

from genomic_tensors import download as dl
from genomic_tensors.download import ChecksumError, DownloadError, Source, SourceError


@dataclass
class Behaviour:
    """What the server serves and how it misbehaves, by request path (without the query)."""

    files: dict[str, bytes] = field(default_factory=dict)
    drop_once: set[str] = field(default_factory=set)  # first GET sends half the body, then closes
    ignore_range: set[str] = field(default_factory=set)  # answers 200 with the whole file
    fail_once: dict[str, int] = field(default_factory=dict)  # first GET answers this status
    hits: list[tuple[str, str | None]] = field(default_factory=list)  # (path, Range header)


def _handler(behaviour: Behaviour) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:  # keep test output quiet
            pass

        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            path = self.path.split("?", 1)[0]
            rng = self.headers.get("Range")
            behaviour.hits.append((self.path, rng))
            if path in behaviour.fail_once:
                code = behaviour.fail_once.pop(path)
                self.send_response(code)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if path not in behaviour.files:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            body = behaviour.files[path]
            start = 0
            if rng and path not in behaviour.ignore_range:
                start = int(rng.removeprefix("bytes=").split("-")[0])
                if start >= len(body):
                    self.send_response(416)
                    self.send_header("Content-Range", f"bytes */{len(body)}")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(206)
                self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
            else:
                self.send_response(200)
            payload = body[start:]
            self.send_header("Content-Length", str(len(payload)))
            self.send_header("Accept-Ranges", "bytes")
            self.end_headers()
            if path in behaviour.drop_once:
                behaviour.drop_once.discard(path)
                self.wfile.write(payload[: len(payload) // 2])
                self.wfile.flush()
                self.close_connection = True
                return
            self.wfile.write(payload)

    return Handler


@contextmanager
def serve(behaviour: Behaviour) -> Iterator[str]:
    """Serve ``behaviour`` on 127.0.0.1 at a free port; yield the base URL; stop on exit."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(behaviour))
    server.daemon_threads = True
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


# ----------------------------------------------------------------------------------------------
# helpers

PAYLOAD = bytes(range(256)) * 400  # 102,400 bytes: several chunks at chunk_size=4096
MD5 = hashlib.md5(PAYLOAD).hexdigest()
SHA = hashlib.sha256(PAYLOAD).hexdigest()
FAST = {"retries": 3, "backoff": 0.01, "timeout": 5.0, "chunk_size": 4096}


def _src(sid: str, url: str, **check: object) -> Source:
    return Source.from_config(sid, {"url": url, **check})


@pytest.fixture
def server() -> Iterator[tuple[Behaviour, str]]:
    behaviour = Behaviour(files={"/data/file.bin": PAYLOAD})
    with serve(behaviour) as base:
        yield behaviour, base


# ----------------------------------------------------------------------------------------------
# configuration


def test_parse_sources_names_and_defaults() -> None:
    parsed = dl.parse_sources(
        {
            "ENCFF446WOD": {
                "url": "https://www.encodeproject.org/files/ENCFF446WOD/@@download/"
                "ENCFF446WOD.bed.gz",
                "encode": "ENCFF446WOD",
            },
            "gencode_v29": {
                "url": "https://ftp.ebi.ac.uk/x/gencode.v29.annotation.gtf.gz",
                "md5_list": "MD5SUMS",
                "mirrors": ["http://m/gencode.v29.annotation.gtf.gz"],
            },
            "local": {"url": "results/demo/world/genome.fa", "none": True, "size": 10},
            "named": {"url": "http://h/a/b", "sha256": SHA.upper(), "filename": "b.txt"},
        }
    )
    assert list(parsed) == ["ENCFF446WOD", "gencode_v29", "local", "named"]
    assert parsed["ENCFF446WOD"].filename == "ENCFF446WOD.bed.gz"
    assert parsed["gencode_v29"].filename == "gencode_v29.gtf.gz"
    assert parsed["gencode_v29"].value == "https://ftp.ebi.ac.uk/x/MD5SUMS"
    assert parsed["gencode_v29"].locations[1] == "http://m/gencode.v29.annotation.gtf.gz"
    assert parsed["local"].filename == "local.fa" and parsed["local"].size == 10
    assert parsed["local"].local_input == "results/demo/world/genome.fa"
    assert parsed["ENCFF446WOD"].local_input is None
    assert parsed["named"].value == SHA and parsed["named"].filename == "b.txt"
    again = Source.from_config("gencode_v29", parsed["gencode_v29"].to_config())
    assert again == parsed["gencode_v29"]
    assert dl.parse_sources(None) == {}


@pytest.mark.parametrize(
    ("spec", "match"),
    [
        ({"url": "http://h/x", "md5": MD5, "colour": 1}, r"source 'bad'.*unknown key 'colour'"),
        ({"md5": MD5}, r"source 'bad'.*key 'url' is missing"),
        ({"url": "http://h/x"}, r"source 'bad'.*exactly one of .*found none"),
        ({"url": "http://h/x", "md5": MD5, "sha256": SHA}, r"source 'bad'.*found md5, sha256"),
        ({"url": "http://h/x", "md5": "abc"}, r"source 'bad'.*key 'md5' must be 32 hex"),
        ({"url": "http://h/x", "sha256": MD5}, r"source 'bad'.*key 'sha256' must be 64 hex"),
        ({"url": "http://h/x", "encode": "FF446"}, r"source 'bad'.*key 'encode'.*accession"),
        ({"url": "http://h/x", "none": "yes"}, r"source 'bad'.*key 'none' must be true"),
        ({"url": "http://h/x", "none": True, "size": -1}, r"source 'bad'.*key 'size'"),
        ({"url": "http://h/x", "none": True, "mirrors": "http://m/x"}, r"key 'mirrors'"),
        ({"url": "http://h/x", "none": True, "filename": "a/b"}, r"key 'filename'"),
        ("http://h/x", r"source 'bad'.*expected a mapping"),
    ],
)
def test_source_errors_name_the_id_and_key(spec: object, match: str) -> None:
    with pytest.raises(SourceError, match=match):
        dl.parse_sources({"bad": spec})


def test_duplicate_filenames_and_bad_ids_are_rejected() -> None:
    with pytest.raises(SourceError, match=r"'b' and source 'a' would both be saved as 'x.bed'"):
        dl.parse_sources(
            {
                "a": {"url": "http://h/1.bed", "none": True, "filename": "x.bed"},
                "b": {"url": "http://h/2.bed", "none": True, "filename": "x.bed"},
            }
        )
    with pytest.raises(SourceError, match=r"bad source id '../x'"):
        dl.parse_sources({"../x": {"url": "http://h/1", "none": True}})
    with pytest.raises(SourceError, match="expected a mapping of source ids"):
        dl.parse_sources(["a"])  # type: ignore[arg-type]


def test_locations_and_md5_lists() -> None:
    assert dl.is_local("a/b.txt") and dl.is_local("file:///a/b") and not dl.is_local("http://h/a")
    assert dl.local_path("file:///tmp/x%20y.txt") == "/tmp/x y.txt"
    assert (
        dl.resolve_location("TF_a.gz", "results/w/deepsea/urls.txt") == "results/w/deepsea/TF_a.gz"
    )
    assert dl.resolve_location("x/y.gz", "http://h/a/urls.txt") == "http://h/a/x/y.gz"
    assert dl.resolve_location("https://o/z.gz", "results/u.txt") == "https://o/z.gz"
    text = f"# list\n{MD5}  hg38.fa.gz\n{SHA[:32]} *sub/hg38.2bit\nMD5 (MD5SUMS) = {'a' * 32}\n\n"
    assert dl.parse_md5_list(text) == {
        "hg38.fa.gz": MD5,
        "hg38.2bit": SHA[:32],
        "MD5SUMS": "a" * 32,
    }
    with pytest.raises(DownloadError, match=r"md5sum.txt, line 2: expected '<md5>  <file name>'"):
        dl.parse_md5_list(f"{MD5}  a\nnot a checksum line\n", source="md5sum.txt")


# ----------------------------------------------------------------------------------------------
# transfers


def test_good_file_lands_with_sha256(server: tuple[Behaviour, str], tmp_path: Path) -> None:
    behaviour, base = server
    dest = tmp_path / "out" / "good.bin"
    log = io.StringIO()
    result = dl.fetch(_src("good", f"{base}/data/file.bin", sha256=SHA), dest, progress=log, **FAST)
    assert dest.read_bytes() == PAYLOAD
    assert not dest.with_name("good.bin.part").exists()
    assert (result.size, result.algorithm, result.digest) == (len(PAYLOAD), "sha256", SHA)
    assert result.verified and not result.resumed and result.attempts == 1
    assert "100%" in log.getvalue() and "/s" in log.getvalue()  # the progress line


def test_wrong_checksum_fails_and_leaves_nothing(
    server: tuple[Behaviour, str], tmp_path: Path
) -> None:
    behaviour, base = server
    behaviour.files["/data/wrong.bin"] = PAYLOAD[:-1] + b"X"  # same size, one byte differs
    dest = tmp_path / "wrong.bin"
    with pytest.raises(ChecksumError) as info:
        dl.fetch(_src("wrong", f"{base}/data/wrong.bin", md5=MD5), dest, progress=None, **FAST)
    message = str(info.value)
    observed = hashlib.md5(behaviour.files["/data/wrong.bin"]).hexdigest()
    assert str(dest) in message and f"expected md5 {MD5}" in message
    assert f"observed md5 {observed}" in message and "source 'wrong'" in message
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_wrong_size_is_reported(server: tuple[Behaviour, str], tmp_path: Path) -> None:
    _, base = server
    with pytest.raises(ChecksumError, match=r"size mismatch: expected 5 bytes, observed 102400"):
        dl.fetch(
            Source.from_config("s", {"url": f"{base}/data/file.bin", "sha256": SHA, "size": 5}),
            tmp_path / "s.bin",
            progress=None,
            **FAST,
        )
    assert list(tmp_path.iterdir()) == []


def test_dropped_connection_is_resumed_with_range(
    server: tuple[Behaviour, str], tmp_path: Path
) -> None:
    behaviour, base = server
    behaviour.drop_once.add("/data/file.bin")
    dest = tmp_path / "f.bin"
    result = dl.fetch(_src("f", f"{base}/data/file.bin", md5=MD5), dest, progress=None, **FAST)
    assert dest.read_bytes() == PAYLOAD
    assert result.resumed and result.attempts == 2
    ranges = [rng for path, rng in behaviour.hits if path == "/data/file.bin"]
    assert ranges == [None, f"bytes={len(PAYLOAD) // 2}-"]


def test_server_without_range_restarts_from_zero(
    server: tuple[Behaviour, str], tmp_path: Path
) -> None:
    behaviour, base = server
    behaviour.drop_once.add("/data/file.bin")
    behaviour.ignore_range.add("/data/file.bin")
    dest = tmp_path / "f.bin"
    result = dl.fetch(_src("f", f"{base}/data/file.bin", sha256=SHA), dest, progress=None, **FAST)
    assert dest.read_bytes() == PAYLOAD and not result.resumed and result.attempts == 2


def test_stale_partial_file_from_an_earlier_run(
    server: tuple[Behaviour, str], tmp_path: Path
) -> None:
    behaviour, base = server
    dest = tmp_path / "f.bin"
    # A good prefix left by an interrupted run is continued...
    dest.with_name("f.bin.part").write_bytes(PAYLOAD[:1000])
    result = dl.fetch(_src("f", f"{base}/data/file.bin", md5=MD5), dest, progress=None, **FAST)
    assert dest.read_bytes() == PAYLOAD and result.resumed
    assert behaviour.hits[-1][1] == "bytes=1000-"
    # ...a corrupt prefix fails the checksum once, then a clean download from byte 0 succeeds.
    dest.unlink()
    dest.with_name("f.bin.part").write_bytes(b"garbage")
    result = dl.fetch(_src("f", f"{base}/data/file.bin", md5=MD5), dest, progress=None, **FAST)
    assert dest.read_bytes() == PAYLOAD and not result.resumed
    assert behaviour.hits[-1][1] is None
    # ...and a complete part file is recognised from the 416 answer.
    dest.unlink()
    dest.with_name("f.bin.part").write_bytes(PAYLOAD)
    dl.fetch(_src("f", f"{base}/data/file.bin", md5=MD5), dest, progress=None, **FAST)
    assert dest.read_bytes() == PAYLOAD


def test_transient_error_is_retried_and_404_moves_to_mirror(
    server: tuple[Behaviour, str], tmp_path: Path
) -> None:
    behaviour, base = server
    behaviour.fail_once["/data/file.bin"] = 503
    spec = {"url": f"{base}/gone/file.bin", "mirrors": [f"{base}/data/file.bin"], "md5": MD5}
    result = dl.fetch(Source.from_config("m", spec), tmp_path / "m.bin", progress=None, **FAST)
    assert result.location == f"{base}/data/file.bin" and result.attempts == 3
    assert (tmp_path / "m.bin").read_bytes() == PAYLOAD


def test_all_locations_failing_is_a_download_error(
    server: tuple[Behaviour, str], tmp_path: Path
) -> None:
    _, base = server
    spec = {"url": f"{base}/gone/a.bin", "mirrors": [f"{base}/gone/b.bin"], "md5": MD5}
    with pytest.raises(DownloadError, match=r"from any of 2 location\(s\): HTTP 404.*gone/b.bin"):
        dl.fetch(Source.from_config("x", spec), tmp_path / "x.bin", progress=None, **FAST)
    assert list(tmp_path.iterdir()) == []


def test_encode_metadata_drives_the_md5_check(
    server: tuple[Behaviour, str], tmp_path: Path
) -> None:
    behaviour, base = server
    acc = "ENCFF000AAA"
    behaviour.files[f"/files/{acc}/@@download/{acc}.bam"] = PAYLOAD
    behaviour.files[f"/files/{acc}/"] = json.dumps(
        {"accession": acc, "md5sum": MD5, "file_size": len(PAYLOAD), "status": "released"}
    ).encode()
    src = _src(acc, f"{base}/files/{acc}/@@download/{acc}.bam", encode=acc)
    result = dl.fetch(src, tmp_path / src.filename, encode_portal=base, progress=None, **FAST)
    assert result.digest == MD5 and result.verified and src.filename == f"{acc}.bam"
    assert (f"/files/{acc}/?format=json", None) in behaviour.hits
    # The portal says another md5: the same bytes are now refused.
    behaviour.files[f"/files/{acc}/"] = json.dumps(
        {"md5sum": "0" * 32, "file_size": len(PAYLOAD)}
    ).encode()
    (tmp_path / src.filename).unlink()
    with pytest.raises(ChecksumError, match=f"expected md5 {'0' * 32}, observed md5 {MD5}"):
        dl.fetch(src, tmp_path / src.filename, encode_portal=base, progress=None, **FAST)
    assert not (tmp_path / src.filename).exists()
    behaviour.files[f"/files/{acc}/"] = b'{"title": "no checksum here"}'
    with pytest.raises(DownloadError, match=f"metadata of {acc} .* lacks 'md5sum'"):
        dl.fetch(src, tmp_path / src.filename, encode_portal=base, progress=None, **FAST)
    behaviour.files[f"/files/{acc}/"] = b"<html>"
    with pytest.raises(DownloadError, match="is not JSON"):
        dl.fetch(src, tmp_path / src.filename, encode_portal=base, progress=None, **FAST)


def test_published_md5_list_is_used(server: tuple[Behaviour, str], tmp_path: Path) -> None:
    behaviour, base = server
    behaviour.files["/gp/hg38.fa.gz"] = PAYLOAD
    behaviour.files["/gp/md5sum.txt"] = f"{'1' * 32}  hg19.fa.gz\n{MD5}  hg38.fa.gz\n".encode()
    src = _src("hg38_fasta", f"{base}/gp/hg38.fa.gz", md5_list="md5sum.txt")
    assert dl.fetch(src, tmp_path / "a.fa.gz", progress=None, **FAST).digest == MD5
    behaviour.files["/gp/md5sum.txt"] = f"{'1' * 32}  hg19.fa.gz\n".encode()
    with pytest.raises(DownloadError, match=r"md5sum.txt has no entry for 'hg38.fa.gz'"):
        dl.fetch(src, tmp_path / "b.fa.gz", progress=None, **FAST)


def test_unverified_gzip_is_checked_for_integrity(
    server: tuple[Behaviour, str], tmp_path: Path
) -> None:
    behaviour, base = server
    good = gzip.compress(b"chr1\t0\t10\n" * 50)
    behaviour.files["/p/ok.bed.gz"] = good
    behaviour.files["/p/cut.bed.gz"] = good[:-9]
    result = dl.fetch(
        _src("ok", f"{base}/p/ok.bed.gz", none=True), tmp_path / "ok.bed.gz", progress=None, **FAST
    )
    assert not result.verified and result.digest == hashlib.sha256(good).hexdigest()
    with pytest.raises(
        ChecksumError, match=r"cut.bed.gz: not a complete gzip file .* nothing was written"
    ):
        dl.fetch(
            _src("cut", f"{base}/p/cut.bed.gz", none=True),
            tmp_path / "cut.bed.gz",
            progress=None,
            **FAST,
        )
    assert not (tmp_path / "cut.bed.gz").exists()


def test_local_sources_are_copied_and_verified(tmp_path: Path) -> None:
    src_file = tmp_path / "world" / "peaks.bed"
    src_file.parent.mkdir()
    src_file.write_bytes(PAYLOAD)
    dest = tmp_path / "downloads" / "peaks.bed"
    result = dl.fetch(_src("p", str(src_file), sha256=SHA), dest, progress=None)
    assert dest.read_bytes() == PAYLOAD and result.location == str(src_file)
    dest.unlink()
    dl.fetch(_src("p", src_file.as_uri(), md5=MD5), dest, progress=None)
    assert dest.read_bytes() == PAYLOAD
    dest.unlink()
    with pytest.raises(ChecksumError, match=f"expected sha256 {'0' * 64}"):
        dl.fetch(_src("p", str(src_file), sha256="0" * 64), dest, progress=None)
    assert not dest.exists() and src_file.read_bytes() == PAYLOAD  # the original is untouched
    with pytest.raises(DownloadError, match=r"missing.bed: no such file"):
        dl.fetch(_src("q", str(tmp_path / "missing.bed"), none=True), dest, progress=None)


def test_touching_a_local_download_leaves_its_source_alone(tmp_path: Path) -> None:
    """Snakemake touches outputs after each job; a linked copy would make the source look updated."""
    src_file = tmp_path / "world" / "genome.fa"
    src_file.parent.mkdir()
    src_file.write_bytes(PAYLOAD)
    os.utime(src_file, (1_000_000, 1_000_000))
    dest = tmp_path / "downloads" / "genome.fa"
    dl.fetch(_src("g", str(src_file), sha256=SHA), dest, progress=None)
    assert os.stat(dest).st_ino != os.stat(src_file).st_ino
    os.utime(dest)  # what Snakemake does to a finished job's outputs
    assert src_file.stat().st_mtime == 1_000_000


def test_file_digest(tmp_path: Path) -> None:
    path = tmp_path / "x"
    path.write_bytes(b"abc")
    assert dl.file_digest(path, "md5") == "900150983cd24fb0d6963f7d28e17f72"
    assert dl.file_digest(path) == hashlib.sha256(b"abc").hexdigest()


def test_source_for_location_picks_published_lists() -> None:
    ucsc = (
        "http://hgdownload.cse.ucsc.edu/goldenpath/hg19/encodeDCC/wgEncodeAwgTfbsUniform/"
        "wgEncodeAwgTfbsBroadDnd41CtcfUniPk.narrowPeak.gz"
    )
    src = dl.source_for_location("wgEncodeAwgTfbsBroadDnd41CtcfUniPk", ucsc)
    assert (
        src.check == "md5_list"
        and src.filename == "wgEncodeAwgTfbsBroadDnd41CtcfUniPk.narrowPeak.gz"
    )
    assert src.value == ucsc.rsplit("/", 1)[0] + "/md5sum.txt"
    roadmap = (
        "https://egg2.wustl.edu/roadmap/data/byFileType/peaks/consolidated/narrowPeak/"
        "E003-H2A.Z.narrowPeak.gz"
    )
    assert dl.source_for_location("E003-H2A.Z", roadmap).check == "none"
    local = dl.source_for_location("TF_a", "results/demo/world/deepsea/TF_a.narrowPeak.gz")
    assert local.check == "none" and local.local_input.endswith("TF_a.narrowPeak.gz")
    assert Source.from_config(src.id, src.to_config()) == src


def test_download_reexports_the_source_parsing() -> None:
    from genomic_tensors import sources

    for name in sources.__all__:
        assert getattr(dl, name) is getattr(sources, name)

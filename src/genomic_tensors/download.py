"""Verified, resumable fetching of the workflow's input files ("sources").

A *source* is one input file named by an id in the ``sources`` section of the configuration, with
a URL (or local path), optional mirrors and exactly one verification key: ``encode`` (md5 and size
from the ENCODE portal's file metadata), ``md5``, ``sha256``, ``md5_list`` (a published md5 list)
or ``none: true`` (nothing is published; a gzip file is then at least checked for integrity). The
configuration format and its parsing are :mod:`genomic_tensors.sources`, whose names this module
re-exports.

:func:`fetch` streams a source to a temporary name beside the destination, resumes an
interrupted transfer with an HTTP ``Range`` request where the server allows it, retries
with exponential back-off, tries the mirrors in order, and renames the file to its final
name only once its size and checksum match. Only the standard library is used.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import re
import shutil
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from http.client import HTTPException
from pathlib import Path, PurePosixPath
from typing import Any, TextIO

from genomic_tensors.files import file_digest, hash_file
from genomic_tensors.sources import (
    CHECK_KEYS,
    PUBLISHED_MD5_LISTS,
    Source,
    SourceError,
    _basename,
    is_local,
    local_path,
    parse_sources,
    resolve_location,
    source_for_location,
)

__all__ = [
    "CHECK_KEYS",
    "ENCODE_PORTAL",
    "PUBLISHED_MD5_LISTS",
    "ChecksumError",
    "DownloadError",
    "FetchResult",
    "Source",
    "SourceError",
    "encode_metadata",
    "fetch",
    "file_digest",
    "is_local",
    "local_path",
    "parse_md5_list",
    "parse_sources",
    "resolve_location",
    "source_for_location",
]

#: The ENCODE portal: ``/files/<ACC>/?format=json`` gives ``md5sum`` and ``file_size``.
ENCODE_PORTAL = "https://www.encodeproject.org"
_RETRY_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})
_USER_AGENT = "genomic-tensors-download/0.1 (+urllib)"


class DownloadError(RuntimeError):
    """A source could not be fetched from any of its locations."""


class ChecksumError(DownloadError):
    """The fetched bytes do not match the expected size or checksum."""


# ----------------------------------------------------------------------------------------------
# Checksums


def parse_md5_list(text: str, *, source: str = "md5 list") -> dict[str, str]:
    """Parse a published md5 list (``md5sum`` output: UCSC ``md5sum.txt``, GENCODE ``MD5SUMS``).

    Lines are ``<md5>  <name>`` (``*<name>`` in binary mode) or BSD style ``MD5 (<name>) = <md5>``;
    blank lines and ``#`` comments are skipped. Names are reduced to their last path component.

    Raises
    ------
    DownloadError
        A line of neither form (naming ``source`` and the line number).
    """
    table: dict[str, str] = {}
    bsd = re.compile(r"^MD5 ?\((?P<name>.+)\) ?= ?(?P<md5>[0-9a-fA-F]{32})$")
    gnu = re.compile(r"^(?P<md5>[0-9a-fA-F]{32}) [ *]?(?P<name>.+)$")
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        match = gnu.match(line) or bsd.match(line)
        if match is None:
            raise DownloadError(
                f"{source}, line {number}: expected '<md5>  <file name>', got {line[:80]!r}"
            )
        table[PurePosixPath(match["name"].strip()).name] = match["md5"].lower()
    return table


def encode_metadata(
    accession: str,
    *,
    portal: str = ENCODE_PORTAL,
    retries: int = 4,
    backoff: float = 1.0,
    timeout: float = 60.0,
) -> dict[str, Any]:
    """Fetch an ENCODE file's metadata (``<portal>/files/<ACC>/?format=json``).

    Returns
    -------
    dict
        The JSON object; it holds at least ``md5sum`` (str) and ``file_size`` (int).

    Raises
    ------
    DownloadError
        Unreachable portal, unparseable JSON, or metadata without ``md5sum``/``file_size``.
    """
    url = f"{portal.rstrip('/')}/files/{accession}/?format=json"
    raw = _get_small(
        url,
        retries=retries,
        backoff=backoff,
        timeout=timeout,
        headers={"Accept": "application/json"},
    )
    try:
        meta = json.loads(raw)
    except ValueError as err:
        raise DownloadError(f"ENCODE metadata of {accession} at {url} is not JSON: {err}") from err
    if (
        not isinstance(meta, dict)
        or not isinstance(meta.get("md5sum"), str)
        or not isinstance(meta.get("file_size"), int)
    ):
        raise DownloadError(
            f"ENCODE metadata of {accession} at {url} lacks 'md5sum' and 'file_size' "
            "(is the accession right?)"
        )
    return meta


@dataclass(frozen=True)
class _Expected:
    algorithm: str | None  # md5, sha256, or None (nothing published)
    digest: str | None
    size: int | None
    origin: str  # where the expectation came from, for messages


def _expected(
    source: Source,
    portal: str,
    retries: int,
    backoff: float,
    timeout: float,
    log: Callable[[str], None],
) -> _Expected:
    if source.check in ("md5", "sha256"):
        return _Expected(source.check, source.value, source.size, "the configuration")
    if source.check == "encode":
        assert source.value is not None
        meta = encode_metadata(
            source.value, portal=portal, retries=retries, backoff=backoff, timeout=timeout
        )
        status = meta.get("status")
        if status and status != "released":
            log(f"{source.id}: note: the ENCODE portal lists {source.value} as '{status}'")
        size = meta["file_size"]
        if source.size is not None and source.size != size:
            raise DownloadError(
                f"source '{source.id}': configured size {source.size} differs from the ENCODE "
                f"portal's file_size {size} for {source.value}"
            )
        return _Expected("md5", meta["md5sum"].lower(), size, f"ENCODE metadata of {source.value}")
    if source.check == "md5_list":
        assert source.value is not None
        text = _read_location(source.value, retries=retries, backoff=backoff, timeout=timeout)
        table = parse_md5_list(text.decode("utf-8", "replace"), source=source.value)
        name = _basename(source.url)
        if name not in table:
            raise DownloadError(
                f"source '{source.id}': the md5 list {source.value} has no entry for '{name}' "
                f"({len(table)} entries)"
            )
        return _Expected("md5", table[name], source.size, f"the md5 list {source.value}")
    return _Expected(None, None, source.size, "nothing published")



# ----------------------------------------------------------------------------------------------
# Transfer


@dataclass(frozen=True)
class FetchResult:
    """What :func:`fetch` delivered.

    Attributes
    ----------
    path
        The final file.
    location
        The URL or path it came from.
    size
        Its size in bytes.
    algorithm, digest
        The verified checksum (``sha256`` of the file when nothing was published).
    verified
        True when a published or configured checksum matched.
    attempts
        Transfer attempts over all locations (1 for a clean first try).
    resumed
        True when at least one attempt continued a partial file with a ``Range`` request.
    """

    path: Path
    location: str
    size: int
    algorithm: str
    digest: str
    verified: bool
    attempts: int = 1
    resumed: bool = False


class _Retryable(Exception):
    """A transient failure: try the same location again after a pause."""


class _LocationFailed(Exception):
    """This location cannot deliver the file: move to the next one."""


@dataclass
class _Progress:
    label: str
    stream: TextIO | None
    interval: float
    total: int | None = None
    started: float = field(default_factory=time.monotonic)
    last: float = field(default_factory=time.monotonic)
    start_bytes: int = 0

    def update(self, done: int, *, final: bool = False) -> None:
        now = time.monotonic()
        if self.stream is None or (not final and now - self.last < self.interval):
            return
        self.last = now
        rate = (done - self.start_bytes) / max(now - self.started, 1e-6)
        total = f" of {_human(self.total)}" if self.total else ""
        pct = f" ({100 * done / self.total:.0f}%)" if self.total else ""
        self.stream.write(f"{self.label}: {_human(done)}{total}{pct} at {_human(rate)}/s\n")
        self.stream.flush()


def _human(n: float | None) -> str:
    value = float(n or 0)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GiB"  # pragma: no cover


def _request(url: str, headers: Mapping[str, str] | None = None) -> urllib.request.Request:
    req = urllib.request.Request(url, headers={"User-Agent": _USER_AGENT})
    for key, val in (headers or {}).items():
        req.add_header(key, val)
    return req


def _classify(err: BaseException, url: str) -> Exception:
    """Map a urllib/http error to retry-here or give-up-on-this-location."""
    if isinstance(err, urllib.error.HTTPError):
        if err.code in _RETRY_STATUS:
            return _Retryable(f"HTTP {err.code} from {url}")
        return _LocationFailed(f"HTTP {err.code} {err.reason} from {url}")
    if isinstance(err, urllib.error.URLError) and isinstance(err.reason, str | FileNotFoundError):
        return _LocationFailed(f"{url}: {err.reason}")
    return _Retryable(f"{type(err).__name__} from {url}: {err}")


def _get_small(
    url: str,
    *,
    retries: int,
    backoff: float,
    timeout: float,
    headers: Mapping[str, str] | None = None,
) -> bytes:
    """GET a small document (metadata, md5 list) with retries."""
    last = ""
    for attempt in range(retries + 1):
        if attempt:
            time.sleep(min(backoff * 2 ** (attempt - 1), 60.0))
        try:
            with urllib.request.urlopen(_request(url, headers), timeout=timeout) as resp:
                return resp.read()
        except (urllib.error.URLError, HTTPException, OSError) as err:
            kind = _classify(err, url)
            last = str(kind)
            if isinstance(kind, _LocationFailed):
                break
    raise DownloadError(f"could not fetch {url}: {last}")


def _read_location(location: str, *, retries: int, backoff: float, timeout: float) -> bytes:
    if is_local(location):
        path = local_path(location)
        try:
            return Path(path).read_bytes()
        except OSError as err:
            raise DownloadError(f"could not read {path}: {err}") from err
    return _get_small(location, retries=retries, backoff=backoff, timeout=timeout)


_CONTENT_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+|\*)")


def _stream_once(
    url: str,
    part: Path,
    state: dict[str, Any],
    progress: _Progress,
    timeout: float,
    chunk_size: int,
) -> None:
    """One HTTP attempt: append to ``part`` from its current size, updating ``state["digest"]``.

    Raises ``_Retryable`` when the transfer broke off (the partial file is kept for a resume) and
    ``_LocationFailed`` when this URL cannot serve the file.
    """
    pos = part.stat().st_size if part.exists() else 0
    headers = {"Range": f"bytes={pos}-"} if pos else {}
    try:
        resp = urllib.request.urlopen(_request(url, headers), timeout=timeout)
    except urllib.error.HTTPError as err:
        if err.code == 416 and pos:
            # Range not satisfiable: either the partial file is complete, or it is stale.
            match = re.match(r"bytes \*/(\d+)", err.headers.get("Content-Range", "") or "")
            err.close()
            if match and int(match[1]) == pos:
                state["total"] = pos
                return
            _reset(part, state)
            raise _Retryable(f"{url}: range {pos}- not satisfiable; restarting from 0") from err
        raise _classify(err, url) from err
    except (urllib.error.URLError, HTTPException, OSError) as err:
        raise _classify(err, url) from err
    with resp:
        status = getattr(resp, "status", 200)
        length = resp.headers.get("Content-Length")
        if pos and status == 206:
            match = _CONTENT_RANGE.match(resp.headers.get("Content-Range", ""))
            if not match or int(match[1]) != pos:
                _reset(part, state)
                raise _Retryable(
                    f"{url}: unexpected Content-Range {resp.headers.get('Content-Range')!r}"
                )
            state["resumed"] = True
            state["total"] = int(match[3]) if match[3] != "*" else None
        else:
            if pos:  # the server ignored the Range header: start over
                _reset(part, state)
                pos = 0
            state["total"] = int(length) if length is not None else None
        progress.total = state["total"]
        done = pos
        digest = state["digest"]
        with open(part, "ab") as out:
            try:
                while chunk := resp.read(chunk_size):
                    out.write(chunk)
                    digest.update(chunk)
                    done += len(chunk)
                    progress.update(done)
            except (HTTPException, OSError) as err:
                raise _Retryable(f"{url}: connection broke off after {done} bytes ({err})") from err
    total = state["total"]
    if total is not None and done < total:
        raise _Retryable(f"{url}: connection closed after {done} of {total} bytes")
    if total is not None and done > total:
        _reset(part, state)
        raise _Retryable(f"{url}: received {done} bytes, more than the announced {total}")


def _reset(part: Path, state: dict[str, Any]) -> None:
    part.unlink(missing_ok=True)
    state["digest"] = hashlib.new(state["digest"].name)
    state["resumed"] = False


def _hash_existing(part: Path, algorithm: str) -> Any:
    """A ``hashlib`` object fed with what ``part`` already holds (nothing when it is absent)."""
    digest = hashlib.new(algorithm)
    return hash_file(part, digest) if part.exists() else digest


def _check_gzip(path: Path) -> None:
    try:
        with gzip.open(path, "rb") as handle:
            while handle.read(1 << 20):
                pass
    except (OSError, EOFError) as err:
        raise ChecksumError(f"not a complete gzip file ({err})") from err


def fetch(
    source: Source,
    dest: str | Path,
    *,
    encode_portal: str = ENCODE_PORTAL,
    retries: int = 5,
    backoff: float = 2.0,
    timeout: float = 60.0,
    chunk_size: int = 1 << 20,
    progress: TextIO | None = sys.stderr,
    progress_interval: float = 10.0,
) -> FetchResult:
    """Fetch ``source`` to ``dest``, verified, via a temporary name and an atomic rename.

    The file is written to ``<dest>.part``; an existing ``.part`` (an earlier interrupted run) is
    continued with an HTTP ``Range`` request when the server answers ``206``, else restarted. A
    broken connection or HTTP 408/429/5xx is retried up to ``retries`` times per location with a
    pause of ``backoff * 2**k`` seconds (at most 60 s); other HTTP errors move on to the next
    mirror. A local path or ``file://`` location is copied to the temporary
    name. The size and checksum are then compared with the expectation (configuration, ENCODE
    metadata or published md5 list); on a match the file is renamed to ``dest``.

    Parameters
    ----------
    source
        The source (see :meth:`Source.from_config`).
    dest
        The final path; its folder is created.
    encode_portal
        Base URL of the ENCODE portal for ``encode`` checks (tests point it at 127.0.0.1).
    progress
        Where progress lines (bytes, percentage, rate) go; ``None`` for silence.

    Returns
    -------
    FetchResult

    Raises
    ------
    ChecksumError
        The bytes from every location failed the size or checksum test; the message names the
        file, the expected and the observed checksum. Nothing is left under ``dest`` or the
        temporary name.
    DownloadError
        No location could deliver the file, or the expectation could not be fetched.
    """
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    how = _Transfer(retries, backoff, timeout, chunk_size, progress, progress_interval, source.id)
    expected = _expected(source, encode_portal, retries, min(backoff, 5.0), timeout, how.log)
    failures: list[str] = []
    mismatch: ChecksumError | None = None
    attempts = 0
    for location in source.locations:
        outcome = _fetch_location(source, location, dest, expected, how)
        attempts += outcome.attempts
        if outcome.result is not None:
            return replace(outcome.result, attempts=attempts)
        if outcome.mismatch is not None:
            mismatch = outcome.mismatch
        failures.append(outcome.failure)
    if mismatch is not None:
        others = [f for f in failures if f != str(mismatch)]
        raise ChecksumError(
            str(mismatch) + ("; other locations: " + " | ".join(others) if others else "")
        )
    raise DownloadError(
        f"{dest}: could not fetch source '{source.id}' from any of {len(source.locations)} "
        f"location(s): " + " | ".join(failures)
    )


@dataclass(frozen=True)
class _Transfer:
    """How :func:`fetch` transfers: retries and pauses, timeout, chunks, progress output."""

    retries: int
    backoff: float
    timeout: float
    chunk_size: int
    progress: TextIO | None
    interval: float
    label: str

    def log(self, message: str) -> None:
        if self.progress is not None:
            self.progress.write(message + "\n")
            self.progress.flush()


@dataclass
class _Outcome:
    """What one location gave: the result, or the reason it failed (and the last checksum
    mismatch met on the way, if any)."""

    attempts: int = 0
    result: FetchResult | None = None
    failure: str = ""
    mismatch: ChecksumError | None = None


def _fetch_location(
    source: Source, location: str, dest: Path, expected: _Expected, how: _Transfer
) -> _Outcome:
    """Deliver ``location`` to ``<dest>.part``, verify it and rename it to ``dest``.

    A resumed download that fails the check is tried once more from the start (the stale part
    may have come from another version of the file).
    """
    part = dest.with_name(dest.name + ".part")
    algorithm = expected.algorithm or "sha256"
    outcome = _Outcome()
    fresh_retry_done = False
    while True:
        state: dict[str, Any] = {"digest": None, "resumed": False, "total": None}
        try:
            outcome.attempts += _transfer(location, part, algorithm, state, how)
        except _LocationFailed as err:
            outcome.attempts += 1
            outcome.failure = str(err)
            last = location == source.locations[-1]
            how.log(f"{source.id}: {err}" + ("" if last else "; trying the next location"))
            return outcome
        observed = state["digest"].hexdigest()
        size = part.stat().st_size
        problem = _verify(expected, algorithm, observed, size)
        if problem is None and expected.algorithm is None and dest.name.endswith(".gz"):
            try:
                _check_gzip(part)
            except ChecksumError as err:
                problem = str(err)
        if problem is None:
            os.replace(part, dest)
            _log_delivery(how, source, dest, location, expected, algorithm, observed, size)
            verified = expected.algorithm is not None
            outcome.result = FetchResult(
                dest, location, size, algorithm, observed, verified, outcome.attempts,
                state["resumed"],
            )  # fmt: skip
            return outcome
        part.unlink(missing_ok=True)
        message = (
            f"{dest}: {problem} for source '{source.id}' from {location} "
            f"(expected from {expected.origin}); the download was removed and nothing was "
            f"written under {dest}"
        )
        outcome.mismatch = ChecksumError(message)
        how.log(message)
        if not state["resumed"] or fresh_retry_done:
            outcome.failure = message
            return outcome
        fresh_retry_done = True
        how.log(f"{source.id}: the download had been resumed; retrying from the start")


def _log_delivery(
    how: _Transfer,
    source: Source,
    dest: Path,
    location: str,
    expected: _Expected,
    algorithm: str,
    observed: str,
    size: int,
) -> None:
    if expected.algorithm is None:
        how.log(
            f"{source.id}: {dest} from {location}: {size} bytes, {algorithm} "
            f"{observed} (recorded; no checksum is published to verify against)"
        )
    else:
        how.log(
            f"{source.id}: {dest} verified ({algorithm} {observed}, {size} bytes, "
            f"as expected from {expected.origin}) from {location}"
        )


def _verify(expected: _Expected, algorithm: str, observed: str, size: int) -> str | None:
    if expected.size is not None and size != expected.size:
        return f"size mismatch: expected {expected.size} bytes, observed {size} bytes"
    if expected.digest is not None and observed != expected.digest:
        return (
            f"checksum mismatch: expected {algorithm} {expected.digest}, "
            f"observed {algorithm} {observed}"
        )
    return None


def _transfer(
    location: str, part: Path, algorithm: str, state: dict[str, Any], how: _Transfer
) -> int:
    """Deliver ``location`` into ``part`` (complete, unverified); return the attempts used."""
    if is_local(location):
        path = Path(local_path(location))
        if not path.is_file():
            raise _LocationFailed(f"{path}: no such file")
        part.unlink(missing_ok=True)
        # A copy, never a hard link: Snakemake touches every output after its job, and a link would
        # touch the source too (making everything built from it look outdated).
        shutil.copyfile(path, part)
        state["digest"] = _hash_existing(part, algorithm)
        return 1
    state["digest"] = _hash_existing(part, algorithm)
    if part.exists():
        how.log(f"{how.label}: continuing {part} from byte {part.stat().st_size}")
    meter = _Progress(how.label, how.progress, how.interval)
    meter.start_bytes = part.stat().st_size if part.exists() else 0
    attempt = 0
    while True:
        attempt += 1
        try:
            _stream_once(location, part, state, meter, how.timeout, how.chunk_size)
        except _Retryable as err:
            if attempt > how.retries:
                raise _LocationFailed(f"{err} (gave up after {attempt} attempts)") from err
            pause = min(how.backoff * 2 ** (attempt - 1), 60.0)
            how.log(f"{how.label}: {err}; retry {attempt} of {how.retries} in {pause:.1f} s")
            time.sleep(pause)
            continue
        meter.update(part.stat().st_size if part.exists() else 0, final=True)
        if not part.exists():  # an empty body
            part.touch()
        return attempt

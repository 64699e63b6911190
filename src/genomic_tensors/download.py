"""Verified, resumable fetching of the workflow's input files ("sources").

A *source* is one input file named by an id in the configuration::

    sources:
      ENCFF446WOD:
        url: https://www.encodeproject.org/files/ENCFF446WOD/@@download/ENCFF446WOD.bed.gz
        encode: ENCFF446WOD          # md5 and size from the ENCODE portal's file metadata
      hg38_fasta:
        url: https://hgdownload.soe.ucsc.edu/goldenPath/hg38/bigZips/hg38.fa.gz
        mirrors: [http://hgdownload.cse.ucsc.edu/goldenPath/hg38/bigZips/hg38.fa.gz]
        md5_list: md5sum.txt         # the md5 list published beside the file (relative to url)
      my_peaks:
        url: /data/my_peaks.bed.gz   # a local path (or file://...) is copied
        sha256: 0123...

Exactly one verification key is given per source: ``encode`` (an ENCODE file accession),
``md5``, ``sha256``, ``md5_list`` (URL of a published ``md5sum.txt``/``MD5SUMS`` list, absolute
or relative to ``url``) or ``none: true`` (nothing is published; a gzip file is then at least
checked for integrity). ``size`` (bytes) is optional and checked when given.

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
from dataclasses import dataclass, field
from http.client import HTTPException
from pathlib import Path, PurePosixPath
from typing import Any, TextIO

__all__ = [
    "CHECK_KEYS",
    "ENCODE_PORTAL",
    "ChecksumError",
    "DownloadError",
    "FetchResult",
    "PUBLISHED_MD5_LISTS",
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
#: The verification keys of a source; exactly one must be given.
CHECK_KEYS = ("encode", "md5", "sha256", "md5_list", "none")
_OTHER_KEYS = ("url", "mirrors", "filename", "size")
_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_FILENAME_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.+-]*$")
_HEX = {"md5": re.compile(r"^[0-9a-fA-F]{32}$"), "sha256": re.compile(r"^[0-9a-fA-F]{64}$")}
_ENCODE_ACC_RE = re.compile(r"^ENC[A-Z]{2}[0-9]{3}[A-Z]{3}$")
#: Where published md5 lists sit beside data files, by regex on the file's URL: UCSC's encodeDCC
#: folders (DeepSEA's ENCODE uniform peaks) carry ``md5sum.txt``. Files matching none (Roadmap
#: peaks) have no published checksum and get the gzip integrity check.
PUBLISHED_MD5_LISTS: dict[str, str] = {
    r"(?i)^https?://hgdownload[^/]*\.ucsc\.edu/goldenpath/[^/]+/encodeDCC/": "md5sum.txt",
}
_COMPRESSION = (".gz", ".bgz", ".bz2", ".xz", ".zip")
_RETRY_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})
_USER_AGENT = "genomic-tensors-download/0.1 (+urllib)"


class SourceError(ValueError):
    """A ``sources`` entry of the configuration is malformed."""


class DownloadError(RuntimeError):
    """A source could not be fetched from any of its locations."""


class ChecksumError(DownloadError):
    """The fetched bytes do not match the expected size or checksum."""


def is_local(location: str) -> bool:
    """True for a local path or a ``file://`` URL, False for ``http(s)://`` and ``ftp://``."""
    scheme = urllib.parse.urlsplit(location).scheme.lower()
    return scheme in ("", "file") or (len(scheme) == 1 and location[1:2] == ":")


def local_path(location: str) -> str:
    """The filesystem path of a local location (``file:///x/y`` -> ``/x/y``; a path as it is)."""
    parts = urllib.parse.urlsplit(location)
    if parts.scheme.lower() == "file":
        return (
            urllib.parse.unquote(parts.netloc + parts.path)
            if parts.netloc
            else (urllib.parse.unquote(parts.path))
        )
    return location


def resolve_location(ref: str, base: str) -> str:
    """Resolve ``ref`` (a URL, an absolute path or a relative path) against the location ``base``.

    A relative reference is taken relative to the folder holding ``base``: a URL base gives a
    URL (``urljoin``), a local base gives a local path.
    """
    if urllib.parse.urlsplit(ref).scheme.lower() in ("http", "https", "ftp", "file"):
        return ref
    if is_local(base):
        if os.path.isabs(ref):
            return ref
        return os.path.normpath(os.path.join(os.path.dirname(local_path(base)), ref))
    return urllib.parse.urljoin(base, ref)


def _extension(location: str) -> str:
    """The file extension of a location, keeping one suffix before a compression suffix.

    ``.../hg38.fa.gz`` -> ``.fa.gz``; ``.../gencode.v29.annotation.gtf.gz`` -> ``.gtf.gz``;
    ``.../x.bam`` -> ``.bam``; no suffix -> ``""``.
    """
    name = PurePosixPath(
        urllib.parse.urlsplit(location).path
        if not is_local(location)
        else local_path(location).replace(os.sep, "/")
    ).name
    suffixes = PurePosixPath(urllib.parse.unquote(name)).suffixes
    if not suffixes:
        return ""
    if suffixes[-1].lower() in _COMPRESSION and len(suffixes) >= 2:
        return "".join(suffixes[-2:])
    return suffixes[-1]


@dataclass(frozen=True)
class Source:
    """One verified input file.

    Attributes
    ----------
    id
        The configuration id (``ENCFF446WOD``, ``hg38_fasta``...).
    locations
        The URL (or local path / ``file://`` URL) first, then the mirrors, tried in this order.
    filename
        The name of the fetched file in the downloads folder (default: ``<id><extension of url>``).
    check
        One of :data:`CHECK_KEYS`.
    value
        The accession (``encode``), hex digest (``md5``/``sha256``), md5-list location
        (``md5_list``) or ``None`` (``none``).
    size
        The expected size in bytes, or ``None`` (an ``encode`` check takes it from the portal).
    """

    id: str
    locations: tuple[str, ...]
    filename: str
    check: str
    value: str | None = None
    size: int | None = None

    @property
    def url(self) -> str:
        """The primary location."""
        return self.locations[0]

    @property
    def local_input(self) -> str | None:
        """The local path of the primary location when it is local, else ``None``.

        The download rule declares it as input so that Snakemake orders the copy after the rule
        that makes the file (the demo world).
        """
        return local_path(self.url) if is_local(self.url) else None

    @classmethod
    def from_config(cls, source_id: str, spec: Mapping[str, Any]) -> Source:
        """Validate one ``sources`` entry.

        Raises
        ------
        SourceError
            Naming the source id and the bad key or value, and what was expected.
        """
        where = f"sources: source '{source_id}'"
        if not isinstance(source_id, str) or not _ID_RE.match(source_id):
            raise SourceError(
                f"sources: bad source id {source_id!r}; expected letters, digits, '_', '.', '-'"
            )
        if not isinstance(spec, Mapping):
            raise SourceError(f"{where}: expected a mapping of keys (url, ...), got {spec!r}")
        unknown = sorted(set(spec) - set(CHECK_KEYS) - set(_OTHER_KEYS))
        if unknown:
            raise SourceError(
                f"{where}: unknown key '{unknown[0]}'; expected one of "
                f"{', '.join(_OTHER_KEYS + CHECK_KEYS)}"
            )
        url = spec.get("url")
        if not isinstance(url, str) or not url.strip():
            raise SourceError(f"{where}: key 'url' is missing or empty; expected a URL or a path")
        mirrors = spec.get("mirrors", [])
        if (
            isinstance(mirrors, str)
            or not isinstance(mirrors, list | tuple)
            or not all(isinstance(m, str) and m.strip() for m in mirrors)
        ):
            raise SourceError(
                f"{where}: key 'mirrors' must be a list of URLs or paths, got {mirrors!r}"
            )
        checks = [key for key in CHECK_KEYS if key in spec]
        if len(checks) != 1:
            raise SourceError(
                f"{where}: give exactly one of {', '.join(CHECK_KEYS)} "
                f"(found {', '.join(checks) if checks else 'none of them'})"
            )
        check = checks[0]
        raw = spec[check]
        value: str | None
        if check == "none":
            if raw is not True:
                raise SourceError(f"{where}: key 'none' must be true (got {raw!r})")
            value = None
        elif check in _HEX:
            if not isinstance(raw, str) or not _HEX[check].match(raw):
                n = 32 if check == "md5" else 64
                raise SourceError(f"{where}: key '{check}' must be {n} hex digits, got {raw!r}")
            value = raw.lower()
        elif check == "encode":
            if not isinstance(raw, str) or not _ENCODE_ACC_RE.match(raw):
                raise SourceError(
                    f"{where}: key 'encode' must be an ENCODE file accession like ENCFF446WOD, "
                    f"got {raw!r}"
                )
            value = raw
        else:  # md5_list
            if not isinstance(raw, str) or not raw.strip():
                raise SourceError(f"{where}: key 'md5_list' must be a URL or path, got {raw!r}")
            value = resolve_location(raw, url)
        size = spec.get("size")
        if size is not None and (isinstance(size, bool) or not isinstance(size, int) or size < 0):
            raise SourceError(
                f"{where}: key 'size' must be a byte count (integer >= 0), got {size!r}"
            )
        filename = spec.get("filename")
        if filename is None:
            filename = source_id + _extension(url)
        elif not isinstance(filename, str) or not _FILENAME_RE.match(filename):
            raise SourceError(
                f"{where}: key 'filename' must be a plain file name (no folders), got {filename!r}"
            )
        return cls(source_id, (url, *mirrors), filename, check, value, size)

    def to_config(self) -> dict[str, Any]:
        """The configuration mapping this source was parsed from (canonical form)."""
        spec: dict[str, Any] = {"url": self.url, "filename": self.filename}
        if len(self.locations) > 1:
            spec["mirrors"] = list(self.locations[1:])
        spec[self.check] = True if self.check == "none" else self.value
        if self.size is not None:
            spec["size"] = self.size
        return spec


def parse_sources(sources: Mapping[str, Any] | None) -> dict[str, Source]:
    """Validate the ``sources`` section of the configuration.

    Parameters
    ----------
    sources
        ``{id: {url, mirrors?, filename?, size?, one of encode|md5|sha256|md5_list|none}}``;
        ``None`` or ``{}`` give no sources.

    Returns
    -------
    dict
        ``{id: Source}`` in configuration order.

    Raises
    ------
    SourceError
        A malformed entry (naming its id and key), or two sources with the same file name.
    """
    if sources is None:
        return {}
    if not isinstance(sources, Mapping):
        raise SourceError(
            f"sources: expected a mapping of source ids, got {type(sources).__name__}"
        )
    parsed: dict[str, Source] = {}
    names: dict[str, str] = {}
    for source_id, spec in sources.items():
        src = Source.from_config(source_id, spec)
        if src.filename in names:
            raise SourceError(
                f"sources: source '{source_id}' and source '{names[src.filename]}' would both be "
                f"saved as '{src.filename}'; set key 'filename' on one of them"
            )
        names[src.filename] = source_id
        parsed[source_id] = src
    return parsed


def source_for_location(
    source_id: str,
    location: str,
    *,
    filename: str | None = None,
    md5_lists: Mapping[str, str] | None = None,
) -> Source:
    """A :class:`Source` for a file known only by its location (e.g. one of DeepSEA's peak files).

    Its check is ``md5_list`` when ``location`` matches a regex of ``md5_lists`` (default
    :data:`PUBLISHED_MD5_LISTS`), the list being resolved beside the file, else ``none``.
    """
    lists = PUBLISHED_MD5_LISTS if md5_lists is None else md5_lists
    spec: dict[str, Any] = {"url": location, "filename": filename or _basename(location)}
    for pattern, list_name in lists.items():
        if re.search(pattern, location):
            spec["md5_list"] = list_name
            break
    else:
        spec["none"] = True
    return Source.from_config(source_id, spec)


# ----------------------------------------------------------------------------------------------
# Checksums


def file_digest(path: str | Path, algorithm: str = "sha256", chunk_size: int = 1 << 20) -> str:
    """Hex digest (``md5`` or ``sha256``) of a file, read in chunks."""
    digest = hashlib.new(algorithm)
    with open(path, "rb") as handle:
        while chunk := handle.read(chunk_size):
            digest.update(chunk)
    return digest.hexdigest()


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


def _basename(location: str) -> str:
    if is_local(location):
        return Path(local_path(location)).name
    return urllib.parse.unquote(PurePosixPath(urllib.parse.urlsplit(location).path).name)


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
    digest = hashlib.new(algorithm)
    if part.exists():
        with open(part, "rb") as handle:
            while chunk := handle.read(1 << 20):
                digest.update(chunk)
    return digest


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
    part = dest.with_name(dest.name + ".part")

    def log(message: str) -> None:
        if progress is not None:
            progress.write(message + "\n")
            progress.flush()

    expected = _expected(source, encode_portal, retries, min(backoff, 5.0), timeout, log)
    algorithm = expected.algorithm or "sha256"
    failures: list[str] = []
    mismatch: ChecksumError | None = None
    attempts = 0
    for location in source.locations:
        fresh_retry_done = False
        while True:
            state: dict[str, Any] = {"digest": None, "resumed": False, "total": None}
            try:
                attempts_here = _transfer(
                    location,
                    part,
                    algorithm,
                    state,
                    retries,
                    backoff,
                    timeout,
                    chunk_size,
                    progress,
                    progress_interval,
                    source.id,
                    log,
                )
                attempts += attempts_here
            except _LocationFailed as err:
                attempts += 1
                failures.append(str(err))
                log(
                    f"{source.id}: {err}; trying the next location"
                    if location != source.locations[-1]
                    else f"{source.id}: {err}"
                )
                break
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
                if expected.algorithm is None:
                    log(
                        f"{source.id}: {dest} from {location}: {size} bytes, {algorithm} "
                        f"{observed} (recorded; no checksum is published to verify against)"
                    )
                else:
                    log(
                        f"{source.id}: {dest} verified ({algorithm} {observed}, {size} bytes, "
                        f"as expected from {expected.origin}) from {location}"
                    )
                return FetchResult(
                    dest,
                    location,
                    size,
                    algorithm,
                    observed,
                    expected.algorithm is not None,
                    attempts,
                    state["resumed"],
                )
            part.unlink(missing_ok=True)
            message = (
                f"{dest}: {problem} for source '{source.id}' from {location} "
                f"(expected from {expected.origin}); the download was removed and nothing was "
                f"written under {dest}"
            )
            mismatch = ChecksumError(message)
            log(message)
            if state["resumed"] and not fresh_retry_done:
                # The stale part may have come from another version of the file: one clean try.
                fresh_retry_done = True
                log(f"{source.id}: the download had been resumed; retrying from the start")
                continue
            failures.append(message)
            break
    if mismatch is not None:
        others = [f for f in failures if f != str(mismatch)]
        raise ChecksumError(
            str(mismatch) + ("; other locations: " + " | ".join(others) if others else "")
        )
    raise DownloadError(
        f"{dest}: could not fetch source '{source.id}' from any of {len(source.locations)} "
        f"location(s): " + " | ".join(failures)
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
    location: str,
    part: Path,
    algorithm: str,
    state: dict[str, Any],
    retries: int,
    backoff: float,
    timeout: float,
    chunk_size: int,
    progress: TextIO | None,
    interval: float,
    label: str,
    log: Callable[[str], None],
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
        log(f"{label}: continuing {part} from byte {part.stat().st_size}")
    meter = _Progress(label, progress, interval)
    meter.start_bytes = part.stat().st_size if part.exists() else 0
    attempt = 0
    while True:
        attempt += 1
        try:
            _stream_once(location, part, state, meter, timeout, chunk_size)
        except _Retryable as err:
            if attempt > retries:
                raise _LocationFailed(f"{err} (gave up after {attempt} attempts)") from err
            pause = min(backoff * 2 ** (attempt - 1), 60.0)
            log(f"{label}: {err}; retry {attempt} of {retries} in {pause:.1f} s")
            time.sleep(pause)
            continue
        meter.update(part.stat().st_size if part.exists() else 0, final=True)
        if not part.exists():  # an empty body
            part.touch()
        return attempt

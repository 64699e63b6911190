"""The ``sources`` section of the configuration: verified input files named by an id.

A *source* is one input file::

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

This module parses and validates sources and their locations (URLs, local paths); fetching them
is :func:`genomic_tensors.download.fetch`. Only the standard library is used.
"""

from __future__ import annotations

import os
import re
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

__all__ = [
    "CHECK_KEYS",
    "PUBLISHED_MD5_LISTS",
    "Source",
    "SourceError",
    "is_local",
    "local_path",
    "parse_sources",
    "resolve_location",
    "source_for_location",
]

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


class SourceError(ValueError):
    """A ``sources`` entry of the configuration is malformed."""



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
        url, mirrors = _locations(spec, where)
        check, value = _check(spec, where, url)
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


def _locations(spec: Mapping[str, Any], where: str) -> tuple[str, list[str]]:
    """The ``url`` and the ``mirrors`` of a source entry, checked."""
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
    return url, list(mirrors)


def _check(spec: Mapping[str, Any], where: str, url: str) -> tuple[str, str | None]:
    """The verification key of a source entry (exactly one of :data:`CHECK_KEYS`) and its value,
    checked: ``None`` for ``none``, lower-case hex, an accession, or the resolved md5 list."""
    checks = [key for key in CHECK_KEYS if key in spec]
    if len(checks) != 1:
        raise SourceError(
            f"{where}: give exactly one of {', '.join(CHECK_KEYS)} "
            f"(found {', '.join(checks) if checks else 'none of them'})"
        )
    check = checks[0]
    raw = spec[check]
    if check == "none":
        if raw is not True:
            raise SourceError(f"{where}: key 'none' must be true (got {raw!r})")
        return check, None
    if check in _HEX:
        if not isinstance(raw, str) or not _HEX[check].match(raw):
            n = 32 if check == "md5" else 64
            raise SourceError(f"{where}: key '{check}' must be {n} hex digits, got {raw!r}")
        return check, raw.lower()
    if check == "encode":
        if not isinstance(raw, str) or not _ENCODE_ACC_RE.match(raw):
            raise SourceError(
                f"{where}: key 'encode' must be an ENCODE file accession like ENCFF446WOD, "
                f"got {raw!r}"
            )
        return check, raw
    if not isinstance(raw, str) or not raw.strip():  # md5_list
        raise SourceError(f"{where}: key 'md5_list' must be a URL or path, got {raw!r}")
    return check, resolve_location(raw, url)


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


def _basename(location: str) -> str:
    if is_local(location):
        return Path(local_path(location)).name
    return urllib.parse.unquote(PurePosixPath(urllib.parse.urlsplit(location).path).name)

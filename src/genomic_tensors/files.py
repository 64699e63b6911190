"""Small helpers on files, shared by the package: a streamed content digest and a text opener that
reads plain and gzip/bgzip-compressed files alike.

Only the standard library is used, so that any module can import this one cheaply.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import os
from pathlib import Path
from typing import Any

__all__ = ["file_digest", "hash_file", "is_gzipped", "open_text", "publish"]

_GZIP_MAGIC = b"\x1f\x8b"


def hash_file(path: str | Path, digest: Any, chunk_size: int = 1 << 20) -> Any:
    """Feed a file's content to a ``hashlib`` object in chunks of ``chunk_size`` bytes.

    Returns
    -------
    hashlib hash object
        ``digest`` itself, updated (so that a transfer can go on feeding it).
    """
    with open(path, "rb") as handle:
        while chunk := handle.read(chunk_size):
            digest.update(chunk)
    return digest


def file_digest(
    path: str | Path,
    algorithm: str = "sha256",
    chunk_size: int = 1 << 20,
    *,
    digest_size: int | None = None,
) -> str:
    """Hex digest of a file's content, read in chunks (a multi-GB file never sits in memory).

    Parameters
    ----------
    path
        The file.
    algorithm
        A :func:`hashlib.new` name: ``"sha256"`` (default), ``"md5"``, ``"blake2b"``...
    chunk_size
        Bytes read at a time.
    digest_size
        Digest length in bytes, for the algorithms that take one (``blake2b``, ``blake2s``).
    """
    options = {} if digest_size is None else {"digest_size": digest_size}
    return hash_file(path, hashlib.new(algorithm, **options), chunk_size).hexdigest()


def is_gzipped(path: str | Path) -> bool:
    """True when the file starts with the gzip magic bytes (gzip or bgzip), whatever its name."""
    with open(path, "rb") as handle:
        return handle.read(2) == _GZIP_MAGIC


def open_text(path: str | Path) -> io.TextIOBase:
    """Open a plain or gzip/bgzip-compressed UTF-8 text file for reading (told by its first bytes,
    not its name)."""
    if is_gzipped(path):
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8")
    return open(path, encoding="utf-8")


def publish(tmp: str | Path, path: str | Path) -> None:
    """Give a finished temporary file its final name atomically, with the permissions a plain ``open`` would
    have given it (``tempfile.mkstemp`` makes files private to their owner; outputs are shared like any
    other file of the run)."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)
    os.replace(tmp, path)

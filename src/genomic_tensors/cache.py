"""A content-addressed cache of built datasets.

The key of an entry is a hash of the *content* of every input file (streamed in chunks, so
multi-GB BAM/bigWig files never sit in memory), every build parameter and the package version
(``genomic_tensors.__version__``). An entry is a file ``<key><suffix>`` in the cache folder plus a
small JSON manifest ``<key>.json`` recording the inputs, the parameters and a checksum of the
entry file. A hit loads the entry; a miss (changed input byte, changed parameter, other version)
builds and stores a new entry; a damaged entry (checksum mismatch or load failure) is rebuilt.
Each decision is logged on the ``genomic_tensors`` logger, with the reason.

Entries are written atomically: a temporary file in the cache folder, then a rename.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd

from genomic_tensors.files import file_digest as _streamed_digest
from genomic_tensors.files import publish

__all__ = ["cache_key", "cache_manifest", "cached", "file_digest", "frame_digest"]

logger = logging.getLogger(__name__)

T = TypeVar("T")
_CHUNK = 1 << 22  # 4 MiB
# in-process memo of file digests: (path, size, mtime_ns, inode) -> digest
_DIGESTS: dict[tuple[str, int, int, int], str] = {}


def file_digest(path: str | Path) -> str:
    """BLAKE2b digest (hex, 32 characters) of a file's content, read in 4 MiB chunks.

    The digest is memoised for the life of the process by (path, size, modification time, inode),
    so that several datasets built from the same BAM hash it once.
    """
    path = Path(path)
    stat = path.stat()
    memo_key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns, stat.st_ino)
    if memo_key not in _DIGESTS:
        _DIGESTS[memo_key] = _entry_digest(path)
    return _DIGESTS[memo_key]


def frame_digest(frame: pd.DataFrame) -> str:
    """BLAKE2b digest (hex, 32 characters) of a DataFrame's content and column names, its index
    ignored: the cache-key stand-in of a ROI given as a table rather than a file."""
    hashed = pd.util.hash_pandas_object(frame.reset_index(drop=True), index=False).to_numpy()
    text = ",".join(map(str, frame.columns)).encode() + hashed.tobytes()
    return hashlib.blake2b(text, digest_size=16).hexdigest()


def _jsonable(value: Any) -> Any:
    """Parameters as JSON-able values (tuples -> lists, numpy scalars -> Python, paths -> str)."""
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if hasattr(value, "item") and getattr(value, "ndim", 1) == 0:
        return value.item()
    return str(value)


def cache_manifest(files: Sequence[str | Path], params: Mapping[str, Any]) -> dict[str, Any]:
    """The record a cache key is computed from.

    Returns
    -------
    dict
        ``{"version": ..., "files": [[path, digest], ...], "params": {...}}``; the key ignores the
        paths (only content counts), the manifest keeps them to explain misses.
    """
    from genomic_tensors import __version__

    return {
        "version": __version__,
        "files": [[str(Path(f)), file_digest(f)] for f in files],
        "params": _jsonable(dict(params)),
    }


def _key_of(manifest: Mapping[str, Any]) -> str:
    content = {
        "version": manifest["version"],
        "files": [digest for _, digest in manifest["files"]],
        "params": manifest["params"],
    }
    text = json.dumps(content, sort_keys=True, separators=(",", ":"))
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def cache_key(files: Sequence[str | Path], params: Mapping[str, Any]) -> str:
    """Cache key (hex, 32 characters) of input files' content, parameters and package version.

    Parameters
    ----------
    files
        Input files, in a fixed order; their content is hashed (streamed), not their names.
    params
        Every parameter of the build; values must be JSON-able (numbers, strings, lists,
        dicts; other objects are keyed by ``str()``).
    """
    return _key_of(cache_manifest(files, params))


def _explain_miss(cache_dir: Path, manifest: Mapping[str, Any]) -> str:
    """Compare with the newest entry built from the same input paths and say what differs."""
    paths = [p for p, _ in manifest["files"]]
    best = None
    for candidate in sorted(
        cache_dir.glob("*.json"), key=lambda p: p.stat().st_mtime, reverse=True
    ):
        try:
            other = json.loads(candidate.read_text())["manifest"]
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if [p for p, _ in other.get("files", [])] == paths and other.get("kind") == manifest.get(
            "kind"
        ):
            best = other
            break
    if best is None:
        return "no cached entry for these inputs"
    reasons = []
    for (path, digest), (_, old) in zip(manifest["files"], best["files"], strict=True):
        if digest != old:
            reasons.append(f"input {path} changed")
    new_p, old_p = manifest["params"], best.get("params", {})
    for name in sorted(set(new_p) | set(old_p)):
        if new_p.get(name, "<unset>") != old_p.get(name, "<unset>"):
            reasons.append(
                f"parameter {name} changed from {old_p.get(name, '<unset>')!r} to "
                f"{new_p.get(name, '<unset>')!r}"
            )
    if best.get("version") != manifest["version"]:
        reasons.append(
            f"package version changed from {best.get('version')} to {manifest['version']}"
        )
    return "; ".join(reasons) or "no cached entry for these inputs"


def cached(
    cache_dir: str | Path,
    key: str,
    build: Callable[[], T],
    save: Callable[[T, Path], None],
    load: Callable[[Path], T],
    *,
    suffix: str = ".npz",
    manifest: Mapping[str, Any] | None = None,
    label: str = "",
) -> T:
    """Return the cached object for ``key``, building and storing it on a miss.

    Parameters
    ----------
    cache_dir
        Cache folder (created if needed).
    key
        From :func:`cache_key` (or ``_key_of(manifest)``).
    build
        Makes the object on a miss.
    save
        ``save(obj, path)`` writes the object to ``path`` (which ends with ``suffix``).
    load
        ``load(path)`` reads it back; any exception counts as a damaged entry.
    suffix
        File suffix of entries (``".npz"``, ``".h5"``).
    manifest
        Optional, from :func:`cache_manifest` (plus an optional ``"kind"`` such as the class
        name): stored beside the entry so that a later miss can say *which* input or parameter
        changed.
    label
        What is built, for the log lines (e.g. ``"Bioseq hg38.fa"``).

    Returns
    -------
    T
        The loaded (hit) or freshly built (miss) object.
    """
    cache_dir = Path(cache_dir)
    cache_dir.mkdir(parents=True, exist_ok=True)
    entry = cache_dir / f"{key}{suffix}"
    sidecar = cache_dir / f"{key}.json"
    what = f"{label} " if label else ""
    if entry.exists():
        problem = None
        try:
            record = json.loads(sidecar.read_text()) if sidecar.exists() else None
        except (OSError, ValueError):
            record = None
            problem = f"its manifest {sidecar.name} is unreadable"
        if problem is None and record is not None and record.get("digest") != _entry_digest(entry):
            problem = "its checksum does not match (damaged or truncated file)"
        if problem is None:
            try:
                obj = load(entry)
            except Exception as err:  # noqa: BLE001 - any failure means a damaged entry
                problem = f"it failed to load ({type(err).__name__}: {err})"
            else:
                logger.info("cache hit: %sloaded from %s", what, entry)
                return obj
        logger.warning("cache entry %s is damaged: %s; rebuilding", entry, problem)
        _remove(entry)
        _remove(sidecar)
    else:
        reason = _explain_miss(cache_dir, manifest) if manifest else "no cached entry for this key"
        logger.info("cache miss: %sbuilding (%s)", what, reason)
    obj = build()
    fd, tmp_name = tempfile.mkstemp(dir=cache_dir, prefix=f".{key}.", suffix=suffix)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        save(obj, tmp)
        digest = _entry_digest(tmp)
        publish(tmp, entry)
    except BaseException:
        _remove(tmp)
        raise
    record = {"key": key, "digest": digest, "manifest": dict(manifest) if manifest else None}
    fd, tmp_json = tempfile.mkstemp(dir=cache_dir, prefix=f".{key}.", suffix=".json")
    with os.fdopen(fd, "w") as handle:
        json.dump(record, handle, indent=1)
    publish(tmp_json, sidecar)
    logger.info("cache store: %ssaved to %s", what, entry)
    return obj


def _entry_digest(path: Path) -> str:
    """BLAKE2b digest (hex, 32 characters) of a file, not memoised."""
    return _streamed_digest(path, "blake2b", _CHUNK, digest_size=16)


def _remove(path: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        pass

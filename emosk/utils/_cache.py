"""An on-disk cache of per-item arrays, keyed by content and parameters.

An entry is a directory holding ``manifest.json`` and one ``.npy`` file per
chunk, so long videos are written and read a chunk at a time.  Entries are
written into a temporary directory and renamed into place (atomic on POSIX),
every chunk carries a SHA-256 in the manifest, and an entry that fails any
check is reported with a :class:`CacheWarning`, removed and recomputed.
"""

import hashlib
import json
import os
import shutil
import tempfile
import uuid
import warnings
from pathlib import Path

import joblib
import numpy as np

__all__ = ["FeatureCache", "CacheWarning", "content_digest", "params_digest"]

#: Bumped whenever emosk changes what a cached entry means.
CACHE_FORMAT = 1
_HASH_CHUNK = 1 << 20
_file_digests = {}


class CacheWarning(UserWarning):
    """A cache entry was damaged and has been recomputed."""


def _sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(_HASH_CHUNK), b""):
            h.update(block)
    return h.hexdigest()


def content_digest(item):
    """SHA-256 of a file's bytes or of an array's dtype, shape and values.

    File digests are remembered per (path, size, modification time), so a
    file is read once per process unless it changes.

    Parameters
    ----------
    item : str, path-like or ndarray

    Returns
    -------
    str
        64 hex digits.
    """
    if isinstance(item, np.ndarray):
        h = hashlib.sha256(f"{item.dtype.str}{item.shape}".encode())
        h.update(np.ascontiguousarray(item).data)
        return h.hexdigest()
    path = os.path.realpath(os.fspath(item))
    stat = os.stat(path)
    key = (path, stat.st_size, stat.st_mtime_ns)
    if key not in _file_digests:
        _file_digests[key] = _sha256_file(path)
    return _file_digests[key]


def params_digest(*parts):
    """A stable digest of parameter values (anything :func:`joblib.hash` takes)."""
    return joblib.hash((CACHE_FORMAT, parts), hash_name="sha1")


class _EntryWriter:
    """Writes one entry chunk by chunk, then publishes it atomically."""

    def __init__(self, cache, key):
        self.cache, self.key = cache, key
        self.tmp = Path(tempfile.mkdtemp(prefix=f".{key[:16]}-", dir=cache.directory))
        self.chunks = []

    def add(self, **arrays):
        name = f"chunk-{len(self.chunks):05d}.npz"
        np.savez(self.tmp / name, **arrays)
        self.chunks.append({"file": name, "sha256": _sha256_file(self.tmp / name)})

    def commit(self, meta=None):
        manifest = {"format": CACHE_FORMAT, "chunks": self.chunks, "meta": meta or {}}
        (self.tmp / "manifest.json").write_text(json.dumps(manifest))
        target = self.cache._entry(self.key)
        try:
            os.rename(self.tmp, target)
        except OSError:  # another process published the same entry first
            shutil.rmtree(self.tmp, ignore_errors=True)

    def abort(self):
        shutil.rmtree(self.tmp, ignore_errors=True)


class FeatureCache:
    """A directory of cached arrays: faces and frame features of each video.

    Parameters
    ----------
    directory : str or path-like
        Created when missing (``~`` is expanded).  Several processes may share it: entries are
        published by an atomic rename, and a half-written entry is never read.

    Examples
    --------
    >>> import tempfile, numpy as np
    >>> from emosk.utils import FeatureCache
    >>> cache = FeatureCache(tempfile.mkdtemp())
    >>> cache.put("k" * 40, [{"x": np.arange(3)}])
    >>> [c["x"] for c in cache.get("k" * 40)]
    [array([0, 1, 2])]
    """

    def __init__(self, directory):
        self.directory = Path(directory).expanduser()
        self.directory.mkdir(parents=True, exist_ok=True)

    def __repr__(self):
        return f"FeatureCache({str(self.directory)!r})"

    def _entry(self, key):
        return self.directory / key

    def __contains__(self, key):
        return (self._entry(key) / "manifest.json").is_file()

    def writer(self, key):
        """Start writing the entry ``key``: ``w.add(**arrays)`` then ``w.commit()``."""
        return _EntryWriter(self, key)

    def put(self, key, chunks, meta=None):
        """Store a list of chunks (dicts of arrays) under ``key``."""
        w = self.writer(key)
        try:
            for chunk in chunks:
                w.add(**chunk)
        except BaseException:
            w.abort()
            raise
        w.commit(meta)

    def _manifest(self, key):
        try:
            manifest = json.loads((self._entry(key) / "manifest.json").read_text())
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as err:
            return self._corrupt(key, f"unreadable manifest ({err})")
        if manifest.get("format") != CACHE_FORMAT:
            return self._corrupt(key, f"format {manifest.get('format')} != {CACHE_FORMAT}")
        return manifest

    def _corrupt(self, key, why):
        warnings.warn(f"Cache entry {self._entry(key)} is damaged ({why}); "
                      "it is removed and recomputed.", CacheWarning, stacklevel=4)
        self.remove(key)
        return None

    def _read_chunk(self, key, chunk):
        path = self._entry(key) / chunk["file"]
        try:
            if _sha256_file(path) != chunk["sha256"]:
                raise ValueError(f"checksum mismatch in {chunk['file']}")
            with np.load(path, allow_pickle=False) as npz:
                return {name: npz[name] for name in npz.files}
        except (OSError, ValueError, KeyError, EOFError) as err:
            self._corrupt(key, str(err))
            return None

    def get(self, key):
        """All chunks of ``key`` (each a dict of arrays), or None when absent or damaged."""
        manifest = self._manifest(key)
        if manifest is None:
            return None
        chunks = []
        for chunk in manifest["chunks"]:
            arrays = self._read_chunk(key, chunk)
            if arrays is None:
                return None
            chunks.append(arrays)
        return chunks

    def iter_chunks(self, key):
        """Stream the chunks of ``key``; None when absent or its manifest is damaged.

        A chunk that fails its checksum while streaming raises
        :class:`CacheCorruptError` after the entry is removed, so the caller
        can start again from the source.
        """
        manifest = self._manifest(key)
        if manifest is None:
            return None
        return self._stream(key, manifest["chunks"])

    def _stream(self, key, chunks):
        for chunk in chunks:
            arrays = self._read_chunk(key, chunk)
            if arrays is None:
                raise CacheCorruptError(key)
            yield arrays

    def meta(self, key):
        """The ``meta`` dict stored with ``key`` (None when absent or damaged)."""
        manifest = self._manifest(key)
        return None if manifest is None else manifest["meta"]

    def remove(self, key):
        """Delete the entry ``key`` (no error when absent)."""
        entry = self._entry(key)
        if entry.exists():
            trash = entry.with_name(f".trash-{uuid.uuid4().hex}")
            try:
                os.rename(entry, trash)
            except OSError:
                return
            shutil.rmtree(trash, ignore_errors=True)

    def keys(self):
        """Keys of the complete entries."""
        return sorted(p.parent.name for p in self.directory.glob("*/manifest.json")
                      if not p.parent.name.startswith("."))

    def size_bytes(self):
        """Disk space the cache uses."""
        return sum(p.stat().st_size for p in self.directory.rglob("*") if p.is_file())

    def clear(self):
        """Delete every entry."""
        for key in self.keys():
            self.remove(key)


class CacheCorruptError(RuntimeError):
    """A cached chunk failed its check while it was being streamed."""

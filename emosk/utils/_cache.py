"""An on-disk cache of per-item arrays, keyed by content and parameters.

An entry is a directory holding ``manifest.json`` and one compressed ``.npz``
file per chunk, so long videos are written and read a chunk at a time.
Entries are written into a temporary directory and renamed into place (atomic
on POSIX), every chunk carries a SHA-256 in the manifest, and an entry that
fails any check is reported with a :class:`CacheWarning`, removed and
recomputed.  A lock file per key lets one worker compute an entry while the
others wait for it.
"""

import functools
import hashlib
import importlib
import io
import json
import os
import shutil
import socket
import tempfile
import threading
import time
import uuid
import warnings
from pathlib import Path

import joblib
import numpy as np

from ._digest import sha256_file

__all__ = ["FeatureCache", "CacheWarning", "content_digest", "params_digest",
           "library_versions"]

#: Bumped whenever emosk changes what a cached entry means (3: gray face crops of
#: colour frames are made gray before the warp, not after).
CACHE_FORMAT = 3
#: Seconds after which a temporary folder nobody writes to is left over.
TEMP_MAX_AGE = 3600.0
#: Seconds without a heartbeat after which a lock is abandoned.
LOCK_STALE = 120.0
_TMP = ".tmp-"
_TRASH = ".trash-"
_LOCK = ".lock-"


class CacheWarning(UserWarning):
    """A cache entry was damaged and has been recomputed."""


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
    return _file_digest(path, stat.st_size, stat.st_mtime_ns)


@functools.lru_cache(maxsize=4096)
def _file_digest(path, size, mtime_ns):
    """:func:`sha256_file`, remembered for a file of this size and modification
    time (the two arguments are the key, not read)."""
    return sha256_file(path)


def params_digest(*parts):
    """A stable digest of parameter values (anything :func:`joblib.hash` takes).

    emosk's version and the cache format are part of every digest, so a new
    release never reads what an older one stored.
    """
    from .. import __version__  # read at each call: the version of the code running

    return joblib.hash((CACHE_FORMAT, __version__, parts), hash_name="sha1")


_ABSENT = set()


def library_versions(*modules):
    """Versions of the libraries whose output a cache entry depends on.

    Parameters
    ----------
    *modules : str
        Module names (``"av"``, ``"cv2"``, ``"dlib"``, ``"torch"``...); one
        that is not installed has version None.

    Returns
    -------
    tuple of (str, str or None)
    """
    versions = []
    for name in modules:
        module = None
        if name not in _ABSENT:
            try:
                module = importlib.import_module(name)
            except ImportError:
                _ABSENT.add(name)
        version = None if module is None else str(getattr(module, "__version__", "?"))
        versions.append((name, version))
    return tuple(versions)


def _host_pid():
    return f"{socket.gethostname()}-{os.getpid()}"


def _pid_is_dead(host_pid):
    """True when ``host-pid`` names a process of this host that has ended."""
    host, _, pid = host_pid.rpartition("-")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except OSError:  # it exists, but belongs to someone else
        return False
    return False


class _EntryWriter:
    """Writes one entry chunk by chunk, then publishes it atomically."""
    def __init__(self, cache, key):
        self.cache, self.key = cache, key
        prefix = f"{_TMP}{_host_pid()}-{key[:16]}-"
        self.tmp = Path(tempfile.mkdtemp(prefix=prefix, dir=cache.directory))
        self.chunks = []

    def add(self, **arrays):
        name = f"chunk-{len(self.chunks):05d}.npz"
        buffer = io.BytesIO()
        np.savez_compressed(buffer, **arrays)
        data = buffer.getvalue()
        (self.tmp / name).write_bytes(data)
        self.chunks.append({"file": name, "sha256": hashlib.sha256(data).hexdigest()})

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

    Chunks are stored compressed (:func:`numpy.savez_compressed`), and read
    once per hit (the checksum is taken from the bytes that are loaded).

    Parameters
    ----------
    directory : str or path-like
        Created when missing (``~`` is expanded).  Several processes may share it: entries are
        published by an atomic rename, and a half-written entry is never read.
    lock_stale : float, default=120.0
        Seconds after which a lock (see :meth:`lock`) whose holder stopped
        renewing it is considered abandoned and taken over.

    Examples
    --------
    >>> import tempfile, numpy as np
    >>> from emosk.utils import FeatureCache
    >>> cache = FeatureCache(tempfile.mkdtemp())
    >>> cache.put("k" * 40, [{"x": np.arange(3)}])
    >>> [c["x"] for c in cache.get("k" * 40)]
    [array([0, 1, 2])]
    """
    def __init__(self, directory, *, lock_stale=LOCK_STALE):
        self.directory = Path(directory).expanduser()
        self.directory.mkdir(parents=True, exist_ok=True)
        self.lock_stale = lock_stale

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
            data = path.read_bytes()  # one read: checked, then loaded from memory
            if hashlib.sha256(data).hexdigest() != chunk["sha256"]:
                raise ValueError(f"checksum mismatch in {chunk['file']}")
            with np.load(io.BytesIO(data), allow_pickle=False) as npz:
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
            trash = entry.with_name(f"{_TRASH}{uuid.uuid4().hex}")
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
        """Delete every entry, and what :meth:`clean` removes."""
        for key in self.keys():
            self.remove(key)
        self.clean()

    def clean(self, max_age=TEMP_MAX_AGE):
        """Remove what interrupted runs left: temporary and trash folders, locks.

        A temporary folder is removed when the process that wrote it (on this
        host) has ended or nothing was written to it for ``max_age`` seconds,
        a trash folder (of an entry being removed) always, a lock when it is
        stale (see :meth:`lock`).  Run by
        :class:`~emosk.video.VideoFeaturizer` at ``fit``.

        Parameters
        ----------
        max_age : float, default=3600
            Seconds.

        Returns
        -------
        int
            How many were removed.
        """
        removed = 0
        now = time.time()
        for path in self.directory.glob(".*"):
            name = path.name
            try:
                if name.startswith(_LOCK):
                    if _KeyLock(path, self.lock_stale).stale():
                        path.unlink()
                        removed += 1
                    continue
                writer = name[len(_TMP):].rsplit("-", 2)[0] if name.startswith(_TMP) else ""
                if path.is_dir() and (name.startswith(_TRASH) or _pid_is_dead(writer)
                                      or now - path.stat().st_mtime > max_age):
                    shutil.rmtree(path, ignore_errors=True)
                    removed += 1
            except FileNotFoundError:  # removed meanwhile by another process
                continue
        return removed

    def lock(self, key):
        """A lock on computing ``key``, shared by the processes using this folder.

        ``with cache.lock(key):`` waits while another thread or process holds
        the lock; check for the entry again inside (it may have been stored
        meanwhile), and compute it only when it is still missing.  The lock
        is a file created atomically, renewed by its holder every
        ``lock_stale / 6`` seconds; one not renewed for ``lock_stale``
        seconds, or whose process (on this host) has ended, is taken over.
        At worst (a stale lock taken over by two workers at once), an entry
        is computed twice; it is never stored damaged.

        Parameters
        ----------
        key : str

        Returns
        -------
        context manager
        """
        return _KeyLock(self.directory / f"{_LOCK}{key}", self.lock_stale)


class CacheCorruptError(RuntimeError):
    """A cached chunk failed its check while it was being streamed."""


class _KeyLock:
    """A lock file, created with ``O_EXCL`` and kept fresh by a heartbeat thread."""
    def __init__(self, path, stale_after, poll=0.05):
        self.path, self.stale_after, self.poll = Path(path), float(stale_after), poll
        self._stop = None

    def stale(self):
        """True when the holder stopped renewing the lock or has ended."""
        try:
            age = time.time() - self.path.stat().st_mtime
            holder = self.path.read_text().strip()
        except FileNotFoundError:
            return False
        return age > self.stale_after or _pid_is_dead(holder)

    def _try_acquire(self):
        try:
            fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            return False
        with os.fdopen(fd, "w") as f:
            f.write(_host_pid())
        return True

    def __enter__(self):
        while not self._try_acquire():
            if self.stale():
                self._take_over()
            else:
                time.sleep(self.poll)
        self._stop = threading.Event()
        threading.Thread(target=self._heartbeat, args=(self._stop,), daemon=True).start()
        return self

    def _take_over(self):
        warnings.warn(f"Cache lock {self.path} is stale (its holder ended or stopped "
                      "renewing it); it is taken over.", CacheWarning, stacklevel=3)
        try:
            self.path.unlink()
        except FileNotFoundError:
            pass

    def _heartbeat(self, stop):
        while not stop.wait(self.stale_after / 6):
            try:
                os.utime(self.path)
            except OSError:
                return

    def __exit__(self, *exc):
        self._stop.set()
        try:
            self.path.unlink()
        except FileNotFoundError:
            pass
        return False

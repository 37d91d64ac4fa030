"""FeatureCache: compressed chunks, one read per hit, leftovers, locks, keys."""

import os
import subprocess
import sys
import threading
import time
import zipfile

import numpy as np
import pytest

import emosk
from emosk.utils import CacheWarning, FeatureCache
from emosk.utils._cache import _host_pid, library_versions, params_digest


def test_chunks_are_stored_compressed(tmp_path):
    cache = FeatureCache(tmp_path)
    faces = np.zeros((64, 48, 48), np.uint8)
    faces[:, 10:30, 10:30] = 200
    cache.put("k" * 40, [{"faces": faces}])
    (chunk,) = (tmp_path / ("k" * 40)).glob("*.npz")
    with zipfile.ZipFile(chunk) as z:
        assert {i.compress_type for i in z.infolist()} == {zipfile.ZIP_DEFLATED}
    assert chunk.stat().st_size < faces.nbytes / 20
    np.testing.assert_array_equal(cache.get("k" * 40)[0]["faces"], faces)


@pytest.mark.skipif(not os.path.exists("/proc/self/io"), reason="needs Linux /proc/self/io")
def test_a_hit_reads_each_chunk_once(tmp_path):
    def bytes_read():
        with open("/proc/self/io") as f:
            return int(next(line for line in f if line.startswith("rchar")).split()[1])

    cache = FeatureCache(tmp_path)
    noise = np.random.default_rng(0).integers(0, 256, 8 << 20, dtype=np.uint8)  # incompressible
    cache.put("n" * 40, [{"x": noise}])
    size = next((tmp_path / ("n" * 40)).glob("*.npz")).stat().st_size
    before = bytes_read()
    np.testing.assert_array_equal(cache.get("n" * 40)[0]["x"], noise)
    assert bytes_read() - before < 1.5 * size  # checked and loaded from one read


def test_clean_removes_what_interrupted_runs_left(tmp_path):
    cache = FeatureCache(tmp_path)
    cache.put("e" * 40, [{"x": np.arange(3)}])
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()
    host = _host_pid().rpartition("-")[0]
    leftovers = [tmp_path / f".tmp-{host}-{dead}-{'a' * 16}-x1", tmp_path / ".trash-123",
                 tmp_path / ".0123456789abcdef-old"]  # of an earlier emosk, hours old
    live = cache.writer("f" * 40)  # a live writer of this process: kept
    for path in leftovers:
        path.mkdir()
        (path / "chunk-00000.npz").write_bytes(b"partial")
    os.utime(leftovers[2], (time.time() - 7200, time.time() - 7200))
    assert cache.clean() == 3
    assert not any(p.exists() for p in leftovers)
    assert live.tmp.is_dir() and cache.keys() == ["e" * 40]
    live.abort()


def test_a_lock_makes_the_second_worker_wait_for_the_entry(tmp_path):
    cache = FeatureCache(tmp_path)
    computed = []

    def worker():
        with cache.lock("k" * 40):
            if cache.get("k" * 40) is None:
                time.sleep(0.3)
                computed.append(1)
                cache.put("k" * 40, [{"x": np.arange(3)}])

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert computed == [1]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_a_stale_lock_is_taken_over(tmp_path):
    cache = FeatureCache(tmp_path, lock_stale=5)
    path = tmp_path / (".lock-" + "k" * 40)
    path.write_text("some-other-host-123")  # no heartbeat for a minute
    os.utime(path, (time.time() - 60, time.time() - 60))
    start = time.monotonic()
    with pytest.warns(CacheWarning, match="stale"):
        with cache.lock("k" * 40):
            assert path.read_text() == _host_pid()
    assert time.monotonic() - start < 5 and not path.exists()


def test_a_fresh_lock_of_another_host_is_waited_for(tmp_path):
    cache = FeatureCache(tmp_path, lock_stale=5)
    path = tmp_path / (".lock-" + "k" * 40)
    path.write_text("some-other-host-123")
    threading.Timer(0.5, path.unlink).start()  # the other host finishes
    start = time.monotonic()
    with cache.lock("k" * 40):
        waited = time.monotonic() - start
    assert 0.4 < waited < 5


def test_a_held_lock_is_kept_fresh(tmp_path):
    cache = FeatureCache(tmp_path, lock_stale=0.6)
    path = tmp_path / (".lock-" + "k" * 40)
    with cache.lock("k" * 40):
        time.sleep(1.0)  # longer than lock_stale: the heartbeat renews it
        assert time.time() - path.stat().st_mtime < 0.6
        assert cache.clean() == 0 and path.exists()


def test_keys_carry_emosk_and_library_versions(monkeypatch):
    key = params_digest("x")
    monkeypatch.setattr(emosk, "__version__", "0.0.0+other")
    assert params_digest("x") != key
    versions = dict(library_versions("numpy", "no_such_module_for_emosk"))
    assert versions == {"numpy": np.__version__, "no_such_module_for_emosk": None}


def test_param_fingerprint_keys_files_by_content_and_functions_by_code(tmp_path):
    import threading

    from emosk.utils import estimator_fingerprint, param_fingerprint

    weights = tmp_path / "w.pt"
    weights.write_bytes(b"one")
    first = param_fingerprint(str(weights))
    weights.write_bytes(b"two")
    os.utime(weights, ns=(1, 1))  # another modification time, another content
    assert param_fingerprint(str(weights)) != first

    def detector(image):
        return image

    def other(image):
        return image[::-1]

    assert param_fingerprint(detector) != param_fingerprint(other)
    lock = threading.Lock()
    with pytest.raises(ValueError, match="cannot be keyed"):
        param_fingerprint(lambda image: lock)
    from sklearn.preprocessing import StandardScaler

    assert estimator_fingerprint(StandardScaler()) == param_fingerprint(StandardScaler())
    assert estimator_fingerprint(StandardScaler()) != estimator_fingerprint(
        StandardScaler(with_mean=False))

"""Shared fixtures: the real data sets, and one torch thread per test process.

`make test` runs two pytest-xdist workers on a two-core machine; torch's default
of one intra-op thread per core then oversubscribes the CPU, and its OpenMP
threads spin: a single forward pass of the shipped model took 8 s instead of
0.17 s.  ``OMP_NUM_THREADS`` is set (unless the caller set it) before any test
module imports torch.
"""

import os
from pathlib import Path

import pytest

os.environ.setdefault("OMP_NUM_THREADS", "1")


def _shared(variable, folder):
    """The folder named by ``variable``, else ``../shared/<folder>`` beside the
    repository if it exists, else None."""
    env = os.environ.get(variable)
    if env:
        return Path(env)
    guess = Path(__file__).resolve().parents[2] / "shared" / folder
    return guess if guess.is_dir() else None


def _shared_or_skip(variable, folder, what):
    path = _shared(variable, folder)
    if path is None or not path.is_dir():
        pytest.skip(f"{what} not found: set {variable} to their folder")
    return path


if _shared("EMOSK_WEIGHTS", "weights") is not None:  # third-party weights for every test
    os.environ.setdefault("EMOSK_WEIGHTS", str(_shared("EMOSK_WEIGHTS", "weights")))


@pytest.fixture(scope="session")
def shared_weights():
    """The folder of third-party weights (EMOSK_WEIGHTS), or skip with the reason."""
    return _shared_or_skip("EMOSK_WEIGHTS", "weights", "third-party weights")


@pytest.fixture
def offline_without_weights(tmp_path, monkeypatch):
    """No third-party weights anywhere (empty EMOSK_WEIGHTS folder and cache) and
    no network: urllib's urlopen raises as it does offline."""
    import urllib.error
    import urllib.request

    monkeypatch.setenv("EMOSK_WEIGHTS", str(tmp_path / "weights"))
    monkeypatch.setenv("EMOSK_CACHE", str(tmp_path / "cache"))

    def offline(*args, **kwargs):
        raise urllib.error.URLError("no network in this test")
    monkeypatch.setattr(urllib.request, "urlopen", offline)


@pytest.fixture(scope="session")
def shared_data():
    """The folder of real data sets (EMOSK_DATA), or skip with the reason."""
    return _shared_or_skip("EMOSK_DATA", "data", "real data sets")


@pytest.fixture(scope="session")
def two_face_video(tmp_path_factory):
    """A 6-frame video (600x300, 10 fps) of two astronauts side by side, their
    faces about 130 px wide, drifting apart by a pixel a frame."""
    av = pytest.importorskip("av")
    cv2 = pytest.importorskip("cv2")
    data = pytest.importorskip("skimage.data")
    import numpy as np

    face = cv2.resize(data.astronaut()[20:220, 120:320], (300, 300))
    path = tmp_path_factory.mktemp("two_faces") / "two.mp4"
    with av.open(str(path), "w") as out:
        stream = out.add_stream("mpeg4", rate=10)
        stream.width, stream.height, stream.pix_fmt = 600, 300, "yuv420p"
        stream.bit_rate = 4_000_000
        for i in range(6):
            frame = np.hstack([np.roll(face, -i, axis=1), np.roll(face[:, ::-1], i, axis=1)])
            out.mux(stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")))
        out.mux(stream.encode())
    return path

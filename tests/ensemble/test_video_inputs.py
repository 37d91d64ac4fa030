"""Every video estimator takes what the loaders return: a 1-D array of paths."""

import numpy as np
import pytest

from emosk.face import FaceAligner
from emosk.nn import CNNFeaturizer
from emosk.video import VideoFeaturizer, make_emotiw2017_classifier


def _write_video(path, frames, fps=10):
    import av

    with av.open(str(path), "w") as out:
        stream = out.add_stream("mpeg4", rate=fps)
        stream.height, stream.width = frames[0].shape[:2]
        stream.pix_fmt = "yuv420p"
        for f in frames:
            out.mux(stream.encode(av.VideoFrame.from_ndarray(f, format="rgb24")))
        out.mux(stream.encode())


@pytest.fixture(scope="module")
def video_paths(tmp_path_factory):
    """Eight 3-frame 48x48 videos, two classes told apart by brightness."""
    pytest.importorskip("av")
    root = tmp_path_factory.mktemp("videos")
    rng = np.random.default_rng(0)
    paths, labels = [], []
    for i in range(8):
        label = ("dark", "bright")[i % 2]
        base = 60 if label == "dark" else 190
        frames = [np.clip(base + rng.normal(0, 20, (48, 48, 3)), 0, 255).astype(np.uint8)
                  for _ in range(3)]
        path = root / f"clip{i}.mp4"
        _write_video(path, frames)
        paths.append(str(path))
        labels.append(label)
    return np.array(paths), np.array(labels)


def test_video_featurizer_takes_an_array_of_paths(video_paths):
    paths, _ = video_paths
    vf = VideoFeaturizer("passthrough", CNNFeaturizer("compact")).fit()
    from_array = vf.transform(paths[:2])
    from_list = vf.transform(list(paths[:2]))
    assert [f.shape for f in from_array] == [(3, 256), (3, 256)]
    for a, b in zip(from_array, from_list):
        np.testing.assert_array_equal(a, b)


def test_face_aligner_takes_an_array_of_paths(video_paths):
    paths, _ = video_paths
    faces = FaceAligner(mode="box", size=32).fit().transform(paths[:2])
    assert [f.shape for f in faces] == [(3, 32, 32, 3), (3, 32, 32, 3)]


def test_emotiw_system_takes_an_array_of_paths(video_paths, tmp_path):
    paths, y = video_paths
    clf = make_emotiw2017_classifier(["compact"], audio=False, aligner="passthrough",
                                     cache=tmp_path, C=(1e-3, 1e-2), cv=2, calibration_cv=2,
                                     random_state=0)
    clf.fit(paths, y)  # the cache spares the CNN a second pass in score
    assert clf.score(paths, y) >= 0.75  # seen clips, two easy classes


@pytest.mark.parametrize("bad, match", [
    ("clip.mp4", r"single path 'clip.mp4'\. Pass \['clip.mp4'\]"),
    (np.zeros((3, 48, 48, 3), np.uint8), r"array of shape \(3, 48, 48, 3\).*\[video\]"),
    (np.array([], dtype=str), r"array of shape \(0,\)"),
    ([], "non-empty list of videos"),
])
def test_video_featurizer_bad_collections_are_named(bad, match):
    vf = VideoFeaturizer("passthrough", CNNFeaturizer("compact")).fit()
    with pytest.raises(ValueError, match=match):
        vf.transform(bad)


def test_audio_featurizer_takes_an_array_of_paths(shared_data):
    pytest.importorskip("opensmile")
    from emosk.audio import AudioFeaturizer
    from emosk.datasets import load_ravdess

    files = load_ravdess(data_home=shared_data).filenames[:2]
    assert isinstance(files, np.ndarray)
    est = AudioFeaturizer().fit()
    np.testing.assert_array_equal(est.transform(files), est.transform(list(files)))

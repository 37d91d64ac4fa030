"""VideoFeaturizer, the feature cache and the EmotiW 2017 system."""

import json
import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, GroupKFold

from emosk.face import FaceAligner
from emosk.nn import CNNFeaturizer
from emosk.utils import CacheWarning, FeatureCache
from emosk.video import (
    VideoFeaturizer,
    estimator_fingerprint,
    make_emotiw2017_classifier,
)


@pytest.fixture(scope="module")
def demo_video(tmp_path_factory):
    pytest.importorskip("dlib")
    from skimage import data

    from emosk._cli import make_demo_video

    path = tmp_path_factory.mktemp("video") / "clip.mp4"
    make_demo_video(data.astronaut(), path, center=(220, 125), seconds=1.5, fps=10)
    return str(path)


class CountingFeaturizer(CNNFeaturizer):
    """The real CNNFeaturizer, counting the frames it is asked to featurise."""

    frames_seen = 0

    def transform(self, X):
        CountingFeaturizer.frames_seen += len(X)
        return super().transform(X)


def _clips(n=4, frames=3, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.integers(0, 256, (frames + i % 2, 48, 48), dtype=np.uint8) for i in range(n)]


def _vf(cache=None, **featurizer_params):
    return VideoFeaturizer("passthrough", CountingFeaturizer("compact", **featurizer_params),
                           cache=cache)


def test_features_match_the_cnn_on_the_frames():
    clips = _clips()
    feats = _vf().fit().transform(clips)
    direct = CNNFeaturizer("compact").fit().transform(np.concatenate(clips))
    assert [f.shape for f in feats] == [(3, 256), (4, 256), (3, 256), (4, 256)]
    np.testing.assert_allclose(np.concatenate(feats), direct, rtol=1e-5, atol=1e-5)


def test_second_pass_reads_the_cache_and_runs_no_cnn(tmp_path):
    clips = _clips()
    vf = _vf(tmp_path).fit()
    CountingFeaturizer.frames_seen = 0
    first = vf.transform(clips)
    assert CountingFeaturizer.frames_seen == 14
    again = clone(vf).fit().transform(clips[::-1])  # another fit, another order
    assert CountingFeaturizer.frames_seen == 14
    for a, b in zip(first, again[::-1]):
        np.testing.assert_array_equal(a, b)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no leftovers


def test_a_parameter_that_changes_features_changes_the_key(tmp_path):
    clips = _clips(2)
    _vf(tmp_path).fit().transform(clips)
    CountingFeaturizer.frames_seen = 0
    _vf(tmp_path, batch_size=3).fit().transform(clips)  # speed only: reused
    assert CountingFeaturizer.frames_seen == 0
    _vf(tmp_path, layer="output").fit().transform(clips)  # other features: recomputed
    assert CountingFeaturizer.frames_seen == 7


def test_new_content_at_the_same_place_is_recomputed(tmp_path):
    clips = _clips(1)
    vf = _vf(tmp_path).fit()
    a = vf.transform(clips)[0]
    clips[0][0, :10] = 255 - clips[0][0, :10]
    b = vf.transform(clips)[0]
    assert not np.allclose(a[0], b[0])
    np.testing.assert_allclose(a[1:], b[1:], atol=1e-5)


def test_fingerprint_follows_network_weights():
    a = CNNFeaturizer("compact").fit()
    b = CNNFeaturizer("compact").fit()
    assert estimator_fingerprint(a) == estimator_fingerprint(b)
    with __import__("torch").no_grad():
        next(b.model_.parameters()).add_(1.0)
    assert estimator_fingerprint(a) != estimator_fingerprint(b)


@pytest.mark.parametrize("damage", ["chunk", "manifest", "missing"])
def test_a_damaged_entry_is_detected_and_recomputed(tmp_path, damage):
    clips = _clips(1)
    vf = _vf(tmp_path).fit()
    good = vf.transform(clips)[0]
    (entry,) = [p for p in tmp_path.iterdir() if p.is_dir()]
    chunk = entry / json.loads((entry / "manifest.json").read_text())["chunks"][0]["file"]
    if damage == "chunk":
        raw = bytearray(chunk.read_bytes())
        raw[-5] ^= 0xFF
        chunk.write_bytes(bytes(raw))
    elif damage == "manifest":
        (entry / "manifest.json").write_text('{"format": 1, "chu')
    else:
        chunk.unlink()
    CountingFeaturizer.frames_seen = 0
    with pytest.warns(CacheWarning, match="damaged"):
        again = vf.transform(clips)[0]
    assert CountingFeaturizer.frames_seen == 3
    np.testing.assert_array_equal(good, again)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_array_equal(good, vf.transform(clips)[0])  # healthy again


def test_a_failed_computation_leaves_no_entry(tmp_path):
    vf = _vf(tmp_path).fit()
    with pytest.raises(ValueError, match="Video 1 array has shape"):
        vf.transform([_clips(1)[0], np.zeros((3, 48, 48), np.float32)])
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
    assert len(FeatureCache(tmp_path).keys()) == 1  # the good video's entry


def test_cache_put_get_and_clear(tmp_path):
    cache = FeatureCache(tmp_path / "new")
    cache.put("a" * 40, [{"x": np.arange(5)}, {"x": np.arange(2)}], meta={"n": 7})
    assert "a" * 40 in cache and cache.meta("a" * 40) == {"n": 7}
    assert [c["x"].tolist() for c in cache.get("a" * 40)] == [[0, 1, 2, 3, 4], [0, 1]]
    assert cache.get("b" * 40) is None and cache.size_bytes() > 0
    cache.clear()
    assert cache.keys() == []


def test_bad_input_is_named():
    vf = _vf().fit()
    with pytest.raises(ValueError, match="non-empty list of videos"):
        vf.transform("clip.mp4")
    with pytest.raises(ValueError, match="non-empty list of videos"):
        vf.transform([])
    with pytest.raises(Exception, match="no-such-file.mp4"):
        VideoFeaturizer(FaceAligner(), CNNFeaturizer("compact")).fit().transform(
            ["no-such-file.mp4"])


def test_video_file_faces_are_cached_and_shared(tmp_path, demo_video):
    aligner = FaceAligner(mode="fer2013", size=48, color="gray", step=3)
    a = VideoFeaturizer(aligner, CountingFeaturizer("compact"), cache=tmp_path).fit()
    feats = a.transform([demo_video])[0]
    assert feats.shape[1] == 256 and len(feats) >= 5
    assert len(FeatureCache(tmp_path).keys()) == 3  # face tracks, aligned faces, features
    # a second network on the same faces reads the aligned faces from the cache
    b = VideoFeaturizer(aligner, CountingFeaturizer("compact", layer="output"),
                        cache=tmp_path).fit()
    b.aligner_.detector_ = b.aligner_.landmarks_ = None  # detection would now fail
    assert b.transform([demo_video])[0].shape == (len(feats), 7)
    assert len(FeatureCache(tmp_path).keys()) == 4
    # another alignment mode cuts its faces along the stored tracks, detecting nothing
    chip = FaceAligner(mode="dlib-chip", size=150, step=3)
    c = VideoFeaturizer(chip, CNNFeaturizer("dlib_resnet"), cache=tmp_path).fit()
    c.aligner_.detector_ = c.aligner_.landmarks_ = None
    via_tracks = c.transform([demo_video])[0]
    fresh = VideoFeaturizer(chip, CNNFeaturizer("dlib_resnet")).fit().transform([demo_video])
    np.testing.assert_allclose(via_tracks, fresh[0], atol=1e-5)


def test_tracks_that_do_not_fit_the_video_are_recomputed(tmp_path, demo_video):
    aligner = FaceAligner(mode="fer2013", size=48, color="gray", step=3)
    VideoFeaturizer(aligner, CNNFeaturizer("compact"), cache=tmp_path).fit().transform(
        [demo_video])
    cache = FeatureCache(tmp_path)
    (tracks_key,) = [k for k in cache.keys() if set(cache.get(k)[0]) >= {"pts", "what"}]
    tracks = cache.get(tracks_key)[0]
    cache.remove(tracks_key)
    cache.put(tracks_key, [{k: v[:-1] for k, v in tracks.items()}])  # one frame short
    other = VideoFeaturizer(aligner.set_params(mode="similarity", size=64),
                            CNNFeaturizer("compact"), cache=tmp_path).fit()
    with pytest.warns(CacheWarning, match="do not match the frames"):
        feats = other.transform([demo_video])[0]
    assert len(feats) == len(tracks["frame"])


def test_system_parameters_are_reachable():
    clf = make_emotiw2017_classifier(["compact", "dlib_resnet"], audio=True, tta=True)
    params = clf.get_params()
    for key in ["estimator__video_compact__pool__stats",
                "estimator__video_dlib_resnet__features__featurizer__tta",
                "estimator__video_compact__features__aligner__mode",
                "estimator__audio__features__feature_set", "power"]:
        assert key in params, key
    assert params["estimator__video_compact__features__aligner__mode"] == "fer2013"
    assert params["estimator__video_dlib_resnet__features__aligner__mode"] == "dlib-chip"
    clf.set_params(estimator__video_compact__pool__stats="stat")
    assert clone(clf).get_params()["estimator__video_compact__pool__stats"] == "stat"
    with pytest.raises(ValueError, match="at least one backbone"):
        make_emotiw2017_classifier([], audio=False)


@pytest.fixture(scope="module")
def ck_subset(shared_data):
    from emosk.datasets import load_ckplus48

    data = load_ckplus48(data_home=shared_data)
    rng = np.random.default_rng(0)
    keep = np.sort(np.concatenate([
        rng.choice(np.flatnonzero(data.target == k), 18, replace=False)
        for k in np.unique(data.target)]))
    return ([data.images[i] for i in keep], data.target_names[data.target[keep]],
            data.groups[keep])


def test_system_on_ckplus_with_a_cached_pooling_grid(tmp_path, ck_subset):
    clips, y, groups = ck_subset
    CountingFeaturizer.frames_seen = 0
    clf = make_emotiw2017_classifier(
        {"video_a": CountingFeaturizer("compact")}, audio=False, aligner="passthrough",
        cache=tmp_path, C=(1e-4, 1e-3), cv=2, random_state=0)
    grid = GridSearchCV(clf, {"estimator__video_a__pool__stats": ["stat", "stat*"]},
                        cv=GroupKFold(3))
    grid.fit(clips, y, groups=groups)
    n_frames = sum(len(c) for c in clips)
    assert CountingFeaturizer.frames_seen == n_frames  # every frame through the CNN once
    assert grid.best_score_ > 0.5  # 6 classes: chance is 0.17
    grid.fit(clips, y, groups=groups)  # second pass: no CNN at all
    assert CountingFeaturizer.frames_seen == n_frames
    proba = grid.predict_proba(clips[:3])
    assert proba.shape == (3, 6)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)


def test_system_on_enterface_videos_with_audio(tmp_path, shared_data):
    from emosk.datasets import load_enterface05

    pytest.importorskip("opensmile")
    data = load_enterface05(data_home=shared_data)
    videos = [str(p) for p in data.filenames] * 3  # 6 clips, 3 classes: tiled so CV works
    y = np.tile(data.target_names[data.target], 3)
    aligner = FaceAligner(mode="fer2013", size=48, color="gray", fps=2)
    clf = make_emotiw2017_classifier(["compact"], aligner=aligner, cache=tmp_path, cv=2,
                                     random_state=0)
    clf.fit(videos, y)
    assert set(clf.estimator_.named_estimators_) == {"video_compact", "audio"}
    assert (clf.predict(videos[:6]) == y[:6]).mean() >= 0.5  # seen clips; chance 1/3
    assert len(FeatureCache(tmp_path).keys()) == 6 * 4  # tracks, faces, features, audio

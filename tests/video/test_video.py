"""VideoFeaturizer, the feature cache and the EmotiW 2017 system."""

import json
import threading
import time
import warnings

import numpy as np
import pytest
import torch
from joblib import parallel_config
from sklearn.base import clone
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, GroupKFold
from sklearn.pipeline import make_pipeline

import emosk
from emosk.face import FaceAligner
from emosk.io import MediaReadError
from emosk.nn import CNNClassifier, CNNFeaturizer
from emosk.pooling import StatPooling
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

    from emosk.datasets import make_demo_video

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
    with pytest.raises(MediaReadError, match="no-such-file.mp4"):
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
    (tracks_key,) = [k for k in cache.keys()
                     if set(cache.get(k)[0]) >= {"landmarks", "crop_from"}]
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
    return [data.images[i] for i in keep], data.target[keep], data.groups[keep]


@pytest.mark.slow
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


@pytest.mark.slow
def test_system_on_enterface_videos_with_audio(tmp_path, shared_data):
    from emosk.datasets import load_enterface05

    pytest.importorskip("opensmile")
    data = load_enterface05(data_home=shared_data)
    videos = [str(p) for p in data.filenames] * 3  # 6 clips, 3 classes: tiled so CV works
    y = np.tile(data.target, 3)
    aligner = FaceAligner(mode="fer2013", size=48, color="gray", fps=2)
    clf = make_emotiw2017_classifier(["compact"], aligner=aligner, cache=tmp_path, cv=2,
                                     random_state=0)
    clf.fit(videos, y)
    assert set(clf.estimator_.named_estimators_) == {"video_compact", "audio"}
    assert (clf.predict(videos[:6]) == y[:6]).mean() >= 0.5  # seen clips; chance 1/3
    assert len(FeatureCache(tmp_path).keys()) == 6 * 4  # tracks, faces, features, audio


# --- composition: a fitted classifier, threads ------------------------------


@pytest.fixture(scope="module")
def two_classifiers():
    rng = np.random.default_rng(3)
    X = rng.integers(0, 256, (24, 48, 48), dtype=np.uint8)
    y = np.repeat(["a", "b"], 12)
    return [CNNClassifier(max_epochs=1, batch_size=12, valid_fraction=0,
                          random_state=seed).fit(X, y) for seed in (0, 1)]


def test_a_fitted_classifier_inside_a_cloned_video_featurizer(two_classifiers):
    clf = two_classifiers[0]
    clips = _clips(4)
    vf = VideoFeaturizer("passthrough", CNNFeaturizer(clf))
    feats = clone(vf).fit().transform(clips)  # what pipelines and searches do
    direct = CNNFeaturizer(clf).fit().transform(clips)
    for a, b in zip(feats, direct):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_grid_search_over_a_pipeline_with_fitted_classifiers(two_classifiers):
    clips = _clips(8, seed=4)
    y = np.arange(8) % 2
    pipe = make_pipeline(VideoFeaturizer("passthrough", CNNFeaturizer(two_classifiers[0])),
                         StatPooling(), LogisticRegression())
    grid = {"videofeaturizer__featurizer__layer": ["penultimate", "output"]}
    search = GridSearchCV(pipe, grid, cv=2).fit(clips, y)
    assert len(search.cv_results_["mean_test_score"]) == 2
    assert search.predict(clips).shape == (8,)
    # several fitted classifiers as grid values: FrozenEstimator keeps them fitted
    backbones = [FrozenEstimator(c) for c in two_classifiers]
    search = GridSearchCV(pipe, {"videofeaturizer__featurizer__backbone": backbones},
                          cv=2).fit(clips, y)
    assert search.best_params_["videofeaturizer__featurizer__backbone"] in backbones


def test_threads_give_the_features_of_a_serial_run():
    clips = _clips(8, frames=2, seed=5)
    vf = VideoFeaturizer("passthrough", CNNFeaturizer("compact", tta=True))
    serial = vf.fit().transform(clips)
    threaded = clone(vf).set_params(n_jobs=4).fit()
    with parallel_config(backend="threading"):
        again = threaded.transform(clips)
    for i, (a, b) in enumerate(zip(again, serial)):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6, err_msg=f"clip {i}")


# --- callable face detectors --------------------------------------------------


def whole_image_detector(image):
    """A face detector for tests: the whole image is the face."""
    h, w = image.shape[:2]
    return np.array([[0.0, 0.0, w, h]]), np.array([1.0])


def centre_detector(image):
    """Another one: the central half."""
    h, w = image.shape[:2]
    return np.array([[w / 4, h / 4, 3 * w / 4, 3 * h / 4]]), np.array([1.0])


def _box_aligner(detector):
    return FaceAligner(detector=detector, mode="box", size=48, color="gray")


def test_a_lambda_detector_works_without_a_cache_and_is_refused_with_one(tmp_path):
    clips = _clips(2)
    lock = threading.Lock()  # what a closure may hold: nothing a key can stand for
    detector = lambda image: (lock and whole_image_detector(image))  # noqa: E731
    vf = VideoFeaturizer(_box_aligner(detector), CNNFeaturizer("compact")).fit()
    assert vf.aligner_fingerprint_ is None
    assert [f.shape for f in vf.transform(clips)] == [(3, 256), (4, 256)]
    with pytest.raises(ValueError, match=r"FaceAligner\(detector=\.\.\.\).*cannot be keyed"):
        VideoFeaturizer(_box_aligner(detector), CNNFeaturizer("compact"),
                        cache=tmp_path).fit()


def test_a_module_level_detector_is_keyed_by_its_code(tmp_path):
    clips = _clips(1)
    a = VideoFeaturizer(_box_aligner(whole_image_detector), CountingFeaturizer("compact"),
                        cache=tmp_path).fit()
    CountingFeaturizer.frames_seen = 0
    first = a.transform(clips)[0]
    np.testing.assert_array_equal(clone(a).fit().transform(clips)[0], first)
    assert CountingFeaturizer.frames_seen == 3  # the second pass read the cache
    b = clone(a).set_params(aligner=_box_aligner(centre_detector)).fit()
    assert b.aligner_fingerprint_ != a.aligner_fingerprint_
    assert not np.allclose(b.transform(clips)[0], first)
    # two lambdas without closures: keyed by their code, which differs
    one = _box_aligner(lambda image: centre_detector(image))  # noqa: E731
    other = _box_aligner(lambda image: whole_image_detector(image))  # noqa: E731
    assert (clone(a).set_params(aligner=one).fit().aligner_fingerprint_
            != clone(a).set_params(aligner=other).fit().aligner_fingerprint_)


# --- what keys the cache -------------------------------------------------------


def test_library_versions_and_emosk_version_key_the_cache(tmp_path, monkeypatch):
    clips = _clips(1)
    vf = _vf(tmp_path).fit()
    vf.transform(clips)
    CountingFeaturizer.frames_seen = 0
    monkeypatch.setattr(torch, "__version__", "0.0.0+other")
    vf.transform(clips)
    assert CountingFeaturizer.frames_seen == 3  # another torch: recomputed
    monkeypatch.setattr(emosk, "__version__", "0.0.0+other")
    vf = _vf(tmp_path).fit()
    vf.transform(clips)
    assert CountingFeaturizer.frames_seen == 6  # another emosk: recomputed


def test_a_new_face_path_revision_keys_the_cache(tmp_path, monkeypatch):
    """Faces cached before emosk changed which frames or faces a video gives
    (#24: the frames kept by fps, max_gap) are not reused."""
    from emosk.video import _featurizer

    def vf():
        aligner = FaceAligner(mode="box", size=48, color="gray", upsample=0)
        return VideoFeaturizer(aligner, CountingFeaturizer("compact"), cache=tmp_path).fit()

    clips = _clips(1)
    vf().transform(clips)
    CountingFeaturizer.frames_seen = 0
    vf().transform(clips)
    assert CountingFeaturizer.frames_seen == 0  # read from the cache
    monkeypatch.setattr(_featurizer, "FACE_PATH_REVISION", _featurizer.FACE_PATH_REVISION + 1)
    vf().transform(clips)
    assert CountingFeaturizer.frames_seen == 3  # recomputed


def counting_detector(image):
    """whole_image_detector, counting its calls."""
    counting_detector.calls += 1
    return whole_image_detector(image)


counting_detector.calls = 0


def test_tracks_stored_in_another_layout_are_recomputed_not_read(tmp_path, monkeypatch):
    """Tracks stored before their columns had names (``what``, ``pts``,
    ``n_pts``; no layout tag) sit under another key than the tracks of
    TRACKS_LAYOUT 2: they are never read, the faces are detected again."""
    from emosk.face import TRACK_COLUMNS
    from emosk.video import _featurizer

    clips = _clips(1)

    def vf():
        aligner = FaceAligner(detector=counting_detector, mode="box", size=48,
                              color="gray")
        return VideoFeaturizer(aligner, CNNFeaturizer("compact"), cache=tmp_path).fit()

    with monkeypatch.context() as m:
        m.setattr(_featurizer, "TRACKS_LAYOUT", 1)
        old_key = _featurizer._VideoJob(vf(), clips[0], 0).tracks_key
    n = len(clips[0])
    old = {"frame": np.arange(n), "time": np.full(n, np.nan), "what": np.ones(n, int),
           "found": np.ones(n, bool), "box": np.tile([0.0, 0.0, 48.0, 48.0], (n, 1)),
           "score": np.ones(n), "track": np.zeros(n, int),
           "pts": np.full((n, 68, 2), np.nan), "n_pts": np.zeros(n, int)}
    FeatureCache(tmp_path).put(old_key, [old])
    new = vf()
    new_key = _featurizer._VideoJob(new, clips[0], 0).tracks_key
    assert new_key != old_key
    counting_detector.calls = 0
    with warnings.catch_warnings():
        warnings.simplefilter("error", CacheWarning)  # not even read and refused
        feats = new.transform(clips)[0]
    assert counting_detector.calls == n  # detected again
    assert set(FeatureCache(tmp_path).get(new_key)[0]) == set(TRACK_COLUMNS)
    assert set(FeatureCache(tmp_path).get(old_key)[0]) == set(old)  # left alone
    fresh = VideoFeaturizer(new.aligner, CNNFeaturizer("compact")).fit()
    fresh = fresh.transform(clips)
    np.testing.assert_array_equal(feats, fresh[0])


def test_the_precision_used_keys_the_features(tmp_path):
    from emosk.video._featurizer import _VideoJob

    clips = _clips(1)
    _vf(tmp_path).fit().transform(clips)
    CountingFeaturizer.frames_seen = 0
    _vf(tmp_path, mixed_precision=False).fit().transform(clips)  # float32 on a CPU either way
    assert CountingFeaturizer.frames_seen == 0
    vf = _vf(tmp_path).fit()
    cpu_key = _VideoJob(vf, clips[0], 0).feats_key
    vf.featurizer_.device_ = "cuda"  # float16 autocast there
    assert _VideoJob(vf, clips[0], 0).feats_key != cpu_key
    vf.featurizer_.set_params(mixed_precision=False)
    assert _VideoJob(vf, clips[0], 0).feats_key == cpu_key


class SlowCountingFeaturizer(CountingFeaturizer):
    """Takes its time, so that two workers miss the same entry together."""

    def transform(self, X):
        time.sleep(0.3)
        return super().transform(X)


def test_workers_missing_the_same_entry_compute_it_once(tmp_path):
    clip = _clips(1)[0]
    vf = VideoFeaturizer("passthrough", SlowCountingFeaturizer("compact"), cache=tmp_path,
                         n_jobs=3).fit()
    CountingFeaturizer.frames_seen = 0
    with parallel_config(backend="threading"):
        feats = vf.transform([clip, clip.copy(), clip.copy()])
    assert CountingFeaturizer.frames_seen == 3
    for f in feats[1:]:
        np.testing.assert_array_equal(f, feats[0])
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_video_faces_and_tracks_are_computed_once_by_two_workers(tmp_path, demo_video):
    aligner = FaceAligner(mode="fer2013", size=48, color="gray", step=3)
    vf = VideoFeaturizer(aligner, CountingFeaturizer("compact"), cache=tmp_path,
                         n_jobs=2).fit()
    CountingFeaturizer.frames_seen = 0
    with parallel_config(backend="threading"):
        a, b = vf.transform([demo_video, demo_video])
    np.testing.assert_array_equal(a, b)
    assert CountingFeaturizer.frames_seen == len(a)
    assert len(FeatureCache(tmp_path).keys()) == 3  # tracks, faces, features
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_the_documented_recipe_with_a_fine_tuned_classifier(two_classifiers):
    """docs/guide/video.rst: a CNNFeaturizer around a fitted CNNClassifier as a member."""
    clips = _clips(16, frames=2, seed=6)
    y = np.repeat(["calm", "tense"], 8)
    clf = make_emotiw2017_classifier(
        {"video_mine": CNNFeaturizer(two_classifiers[0]), "video_compact": "compact"},
        audio=False, aligner="passthrough", cv=2, random_state=0)
    clf.fit(clips, y)
    assert clf.predict_proba(clips[:2]).shape == (2, 2)


class FailingFeaturizer(CNNFeaturizer):
    """Fails on the faces of the second video."""

    def transform(self, X):
        if np.asarray(X).mean() > 200:
            raise RuntimeError("featurizer failed")
        return super().transform(X)


def test_a_failure_while_computing_releases_the_locks(tmp_path):
    clips = [_clips(1)[0] // 2, np.full((3, 48, 48), 250, np.uint8)]
    vf = VideoFeaturizer(_box_aligner(whole_image_detector), FailingFeaturizer("compact"),
                         cache=tmp_path).fit()
    with pytest.raises(RuntimeError, match="featurizer failed"):
        vf.transform(clips)
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".")]
    cache = FeatureCache(tmp_path)
    assert len(cache.keys()) == 4  # video 0: tracks, faces, features; video 1: tracks


def _threaded_and_serial(vf, videos):
    serial = clone(vf).fit().transform(videos)
    with parallel_config(backend="threading"):
        threaded = clone(vf).set_params(n_jobs=3).fit().transform(videos)
    return serial, threaded


def test_threads_detecting_faces_give_the_features_of_a_serial_run(tmp_path):
    # #24 item 2: the fitted dlib detector shared by joblib's threads gave
    # other boxes, and so other features, than a serial run
    pytest.importorskip("dlib")
    from skimage import data

    from emosk.datasets import make_demo_video

    videos = [str(make_demo_video(data.astronaut(), tmp_path / f"{i}.mp4", center=c,
                                  seconds=1.2, fps=10))
              for i, c in enumerate([(220, 125), (240, 140), (200, 110), (230, 160)])]
    vf = VideoFeaturizer(FaceAligner(size=48, color="gray"), CNNFeaturizer("compact"))
    serial, threaded = _threaded_and_serial(vf, videos)
    for i, (a, b) in enumerate(zip(threaded, serial)):
        np.testing.assert_array_equal(a, b, err_msg=f"video {i}")


def test_threads_on_enterface_give_the_features_of_a_serial_run(shared_data):
    pytest.importorskip("dlib")
    from emosk.face import FACE_PATHS

    videos = [str(p) for p in sorted((shared_data / "enterface05").glob("*.avi"))]
    aligner = FaceAligner(**FACE_PATHS["fast"], mode="fer2013", size=48, color="gray",
                          max_frames=30)
    vf = VideoFeaturizer(aligner, CNNFeaturizer("compact"))
    serial, threaded = _threaded_and_serial(vf, videos)
    for path, a, b in zip(videos, threaded, serial):
        np.testing.assert_array_equal(a, b, err_msg=path)

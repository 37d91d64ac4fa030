import sys

import numpy as np
import pytest

opensmile = pytest.importorskip("opensmile")

from sklearn.model_selection import cross_val_score  # noqa: E402

from emosk.audio import AudioFeaturizer, make_audio_pipeline  # noqa: E402
from emosk.audio._opensmile import build_smile  # noqa: E402
from emosk.io import MediaReadError, NoAudioError  # noqa: E402


def _voice(freq, seconds=1.0, rate=16000, seed=0):
    """A harmonic tone with vibrato and a little noise: something pitch trackers lock on."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(rate * seconds)) / rate
    f0 = freq * (1 + 0.02 * np.sin(2 * np.pi * 5 * t))
    phase = 2 * np.pi * np.cumsum(f0) / rate
    wave = sum(0.3 / k * np.sin(k * phase) for k in range(1, 6))
    return wave + 0.01 * rng.normal(size=t.size)


def test_is10_has_1582_named_features():
    est = AudioFeaturizer().fit()
    X = est.transform([(_voice(200), 16000)])
    assert X.shape == (1, 1582) and X.dtype == np.float32
    names = est.get_feature_names_out()
    assert len(names) == 1582 and names[0] == "pcm_loudness_sma_maxPos"


def test_equal_to_calling_opensmile_directly():
    wave = _voice(150).astype(np.float32)
    ours = AudioFeaturizer().fit_transform([(wave, 16000)])[0]
    smile = opensmile.Smile(feature_set=opensmile.FeatureSet.IS10,
                            feature_level=opensmile.FeatureLevel.Functionals)
    direct = smile.process_signal(wave, 16000).to_numpy(np.float32)[0]
    np.testing.assert_array_equal(ours, direct)


def test_stereo_48k_equals_its_16k_mono_version():
    from emosk.io import as_waveform

    wave48 = _voice(180, rate=48000)
    stereo = np.stack([wave48, wave48])
    mono16, _ = as_waveform(stereo, 48000)
    est = AudioFeaturizer().fit()
    np.testing.assert_allclose(est.transform([(stereo, 48000)]),
                               est.transform([(mono16, 16000)]), rtol=1e-5, atol=1e-5)


def test_other_sets_and_lld_clips():
    X = AudioFeaturizer("eGeMAPSv02").fit_transform([(_voice(200), 16000)])
    assert X.shape == (1, 88)
    clips = AudioFeaturizer("is10", "lld").fit_transform(
        [(_voice(200, 1.0), 16000), (_voice(200, 2.0), 16000)])
    assert [c.shape[1] for c in clips] == [38, 38] and clips[1].shape[0] > clips[0].shape[0]


def test_silence_short_and_fallback():
    est = AudioFeaturizer().fit()
    with pytest.raises(NoAudioError, match="waveform 1 is silent"):
        est.transform([(_voice(200), 16000), (np.zeros(16000), 16000)])
    with pytest.raises(NoAudioError, match="too short for openSMILE"):
        est.transform([(_voice(200, seconds=0.02), 16000)])
    out = AudioFeaturizer(on_failure="nan").fit().transform(
        [(_voice(200), 16000), (np.zeros(16000), 16000)])
    assert np.isfinite(out[0]).all() and np.isnan(out[1]).all()
    with pytest.raises(ValueError, match="on_failure='nan' needs"):
        AudioFeaturizer(feature_level="lld", on_failure="nan").fit()


def test_bad_options_and_inputs(tmp_path):
    with pytest.raises(ValueError, match="Unknown openSMILE feature set 'IS99'"):
        AudioFeaturizer("IS99").fit()
    est = AudioFeaturizer().fit()
    with pytest.raises(ValueError, match="non-empty list"):
        est.transform([])
    with pytest.raises(ValueError, match="non-empty list"):
        est.transform("one.wav")
    with pytest.raises(MediaReadError, match="missing.wav"):
        est.transform([str(tmp_path / "missing.wav")])


def test_helpful_error_without_opensmile(monkeypatch):
    monkeypatch.setitem(sys.modules, "opensmile", None)
    with pytest.raises(ImportError, match=r"emosk\[audio\].*not for commercial use"):
        build_smile()


def test_audio_pipeline_learns_pitch():
    rng = np.random.default_rng(0)
    freqs = np.r_[rng.uniform(100, 140, 12), rng.uniform(260, 320, 12)]
    X = [(_voice(f, 0.6, seed=i), 16000) for i, f in enumerate(freqs)]
    y = np.repeat(["low", "high"], 12)
    pipe = make_audio_pipeline(C=(1e-3, 1e-2, 1e-1), cv=3, random_state=0)
    assert pipe.get_params()["features__feature_set"] == "IS10"
    assert pipe.named_steps["rootsift"] == "passthrough"
    assert cross_val_score(pipe, X, y, cv=3).mean() > 0.9


def test_enterface_clips_to_is10_in_one_call(shared_data):
    paths = sorted(str(p) for p in (shared_data / "enterface05").glob("*.avi"))
    X = AudioFeaturizer(n_jobs=2).fit_transform(paths)
    assert X.shape == (6, 1582) and np.isfinite(X).all()


def test_audio_pipeline_as_ensemble_member():
    from emosk.ensemble import (
        ClassPriorReweighter,
        make_clip_pipeline,
        make_score_average,
    )

    rng = np.random.default_rng(1)
    y = np.repeat(["low", "high"], 12)
    samples = [{"video": rng.normal(size=(int(rng.integers(3, 9)), 4)) + (lab == "high"),
                "audio": (_voice(120 if lab == "low" else 300, 0.6, seed=i), 16000)}
               for i, lab in enumerate(y)]
    vote = make_score_average({
        "video": make_clip_pipeline("stat*", C=(1e-2, 1), cv=3, probability=True,
                                    random_state=0),
        "audio": make_audio_pipeline(C=(1e-2, 1), cv=3, probability=True, random_state=0),
    })
    model = ClassPriorReweighter(vote).fit(samples, y)
    assert model.get_params()["estimator__audio__features__feature_set"] == "IS10"
    assert np.mean(model.predict(samples) == y) > 0.9


def test_union_of_feature_sets_is_the_sets_side_by_side(tmp_path):
    clip = [(_voice(180, 0.5), 16000)]
    union = AudioFeaturizer("eGeMAPSv02+IS10", cache=tmp_path).fit()
    X = union.transform(clip)
    ge = AudioFeaturizer("eGeMAPSv02").fit_transform(clip)
    is10 = AudioFeaturizer("IS10").fit_transform(clip)
    np.testing.assert_array_equal(X, np.hstack([ge, is10]))
    names = union.get_feature_names_out()
    assert len(names) == 88 + 1582
    assert names[0].startswith("eGeMAPSv02__") and names[-1].startswith("IS10__")
    # the union reuses each set's cached features: a lone set hits the same entries
    assert len(list(tmp_path.iterdir())) == 2
    with pytest.raises(ValueError, match="Empty feature-set name in 'IS10\\+'"):
        AudioFeaturizer("IS10+").fit()


@pytest.mark.parametrize("sets", ["IS10+eGeMAPSv02", "eGeMAPSv02+IS09+ComParE_2016"])
def test_union_of_lld_sets_keeps_the_frames_they_share(sets):
    """Frame-level sets end at different frames (IS10 gives 95 frames of a 1 s
    clip, eGeMAPSv02 96): the union keeps the frames every set has, the first
    ones, which start at the same 10 ms steps in each (#24)."""
    clip = [(_voice(200, 1.0), 16000), (_voice(160, 0.6), 16000)]
    union = AudioFeaturizer(sets, "lld").fit()
    out = union.transform(clip)
    alone = [AudioFeaturizer(name, "lld").fit_transform(clip) for name in sets.split("+")]
    for i, frames in enumerate(out):
        n = min(a[i].shape[0] for a in alone)
        assert frames.shape == (n, union.n_features_out_)
        np.testing.assert_array_equal(frames, np.hstack([a[i][:n] for a in alone]))
    assert len({a[0].shape[0] for a in alone}) > 1  # the sets do differ in length


@pytest.mark.parametrize("classifier", ["svm", "logistic"])
def test_audio_pipeline_folds_are_seeded_by_default(classifier):
    """The folds that choose C are shuffled with a fixed seed unless told
    otherwise, for either classifier (#24)."""
    search = make_audio_pipeline(classifier=classifier).named_steps["svm"]
    assert search.cv.shuffle and search.cv.random_state == 0
    other = make_audio_pipeline(classifier=classifier, random_state=3).named_steps["svm"]
    assert other.cv.random_state == 3


def test_speaker_normalised_pipeline_gets_groups_by_routing():
    import sklearn

    speakers = np.repeat(["a", "b", "c"], 8)
    base = {"a": 110, "b": 190, "c": 260}
    y = np.tile(["low", "high"], 12)
    X = [(_voice(base[s] * (0.85 if lab == "low" else 1.15), 0.5, seed=i), 16000)
         for i, (s, lab) in enumerate(zip(speakers, y))]
    pipe = make_audio_pipeline("eGeMAPSv02", speaker_norm=True, class_weight="balanced",
                               classifier="logistic", C=(0.1, 1.0), cv=2, random_state=0)
    with sklearn.config_context(enable_metadata_routing=True):
        pipe.fit(X[:16], y[:16], groups=speakers[:16])
        assert set(pipe.named_steps["norm"].group_stats_) == {"a", "b"}
        # speaker c is new: its 8 clips are standardised with their own statistics
        acc = np.mean(pipe.predict(X[16:], groups=speakers[16:]) == y[16:])
    assert acc == 1.0
    with pytest.raises(ValueError, match="classifier must be 'svm' or 'logistic'"):
        make_audio_pipeline(classifier="forest")


def test_exported_model_gives_the_pipeline_probabilities():
    from emosk.audio import audio_model_arrays, audio_model_from_arrays

    freqs = np.r_[np.linspace(100, 140, 6), np.linspace(180, 220, 6),
                  np.linspace(280, 320, 6)]
    X = [(_voice(f, 0.5, seed=i), 16000) for i, f in enumerate(freqs)]
    y = np.repeat(["low", "mid", "high"], 6)
    pipe = make_audio_pipeline("eGeMAPSv02", speaker_norm=True, classifier="logistic",
                               C=(1.0,), cv=2, random_state=0).fit(X, y)
    arrays = audio_model_arrays(pipe)
    rebuilt = audio_model_from_arrays(arrays)
    np.testing.assert_allclose(rebuilt.predict_proba(X), pipe.predict_proba(X),
                               atol=1e-6)  # the features are float32
    assert list(rebuilt.classes_) == ["high", "low", "mid"]
    svm = make_audio_pipeline("eGeMAPSv02", C=(1.0,), cv=2).fit(X, y)
    with pytest.raises(ValueError, match="Only a multinomial LogisticRegression"):
        audio_model_arrays(svm)


def test_speaker_normalised_audio_member_of_the_score_average():
    import sklearn

    from emosk.ensemble import make_clip_pipeline, make_score_average

    speakers = np.repeat(["a", "b", "c"], 8)
    base = {"a": 110, "b": 190, "c": 260}
    y = np.tile(["low", "high"], 12)
    samples = [{"video": np.full((3, 2), float(lab == "high")) + 0.1 * i % 1,
                "audio": (_voice(base[s] * (0.85 if lab == "low" else 1.15), 0.5, seed=i),
                          16000)}
               for i, (s, lab) in enumerate(zip(speakers, y))]
    vote = make_score_average({
        "video": make_clip_pipeline("mean", C=(1.0,), cv=2, probability=True,
                                    calibration_cv=2, random_state=0),
        "audio": make_audio_pipeline("eGeMAPSv02", speaker_norm=True, C=(0.1,), cv=2,
                                     classifier="logistic", random_state=0),
    })
    with sklearn.config_context(enable_metadata_routing=True):
        vote.fit(samples, y, groups=speakers)
    norm = vote.named_estimators_["audio"].named_steps["norm"]
    assert set(norm.group_stats_) == {"a", "b", "c"}
    assert vote.get_params()["audio__norm__min_group_size"] == 2

"""The shipped audio model: checksum, loading, and what it says on real speech."""

import hashlib
import shutil

import numpy as np
import pytest
import sklearn

from emosk.nn import _registry
from emosk.pretrained import PRETRAINED, available_models, load, weights_path

CLASSES = ["angry", "disgust", "fear", "happy", "neutral", "sad", "surprise"]


def test_audio_model_file_small_and_checksummed():
    path = weights_path("ravdess_audio")
    assert path.stat().st_size <= 1e6
    assert hashlib.sha256(path.read_bytes()).hexdigest() == PRETRAINED["ravdess_audio"].sha256
    assert available_models("audio") == ["ravdess_audio"]
    assert "ravdess_audio" not in available_models("face")


def test_damaged_audio_model_is_refused(tmp_path, monkeypatch):
    damaged = tmp_path / "ravdess_audio.npz"
    shutil.copy(weights_path("ravdess_audio"), damaged)
    with open(damaged, "r+b") as f:
        f.seek(500)
        byte = f.read(1)
        f.seek(500)
        f.write(bytes([byte[0] ^ 0xFF]))
    monkeypatch.setattr(_registry, "WEIGHTS_DIR", tmp_path)
    with pytest.raises(OSError, match="Checksum mismatch"):
        load("ravdess_audio")


def test_audio_model_needs_no_face_aligner():
    from emosk.pretrained import face_aligner

    with pytest.raises(ValueError, match="'ravdess_audio' reads audio, not faces"):
        face_aligner("ravdess_audio")


def test_audio_model_loads_as_a_fitted_pipeline():
    pytest.importorskip("opensmile")
    model = load("ravdess_audio")
    assert list(model.classes_) == CLASSES
    assert model.named_steps["features"].feature_set == "IS10"
    assert model.named_steps["norm"].group_stats_ == {}
    t = np.arange(16000) / 16000
    tone = (0.3 * np.sin(2 * np.pi * 220 * t) * (1 + 0.2 * np.sin(2 * np.pi * 3 * t)), 16000)
    proba = model.predict_proba([tone])
    assert proba.shape == (1, 7)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)


@pytest.mark.slow
def test_audio_model_on_real_speech_with_speaker_normalisation(shared_data):
    """Two RAVDESS actors, 16 clips each (its training data: a check of the whole path,
    not an accuracy figure; those are in benchmarks/results/audio.md)."""
    pytest.importorskip("opensmile")
    from emosk.datasets import load_ravdess

    data = load_ravdess(data_home=shared_data)
    keep = np.concatenate([np.flatnonzero(data.groups == a)[::3][:16] for a in (1, 2)])
    paths, y, actors = data.filenames[keep], data.target[keep], data.groups[keep]
    model = load("ravdess_audio")
    with sklearn.config_context(enable_metadata_routing=True):
        pred = model.predict(paths, groups=actors)
    assert np.mean(pred == y) > 0.5

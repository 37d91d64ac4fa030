"""Late fusion of faces and voice over their shared classes."""

import numpy as np
import pytest

from emosk.ensemble import fuse_probabilities, prior_weights, shared_classes

FACE = ["angry", "disgust", "fear", "happy", "neutral", "sad", "surprise"]
VOICE = ["angry", "calm", "happy", "sad"]


def test_fused_rows_are_probabilities_over_the_shared_classes():
    face = np.array([[0.1, 0.1, 0.1, 0.4, 0.1, 0.1, 0.1]])
    voice = np.array([[0.5, 0.3, 0.1, 0.1]])
    fused, shared = fuse_probabilities([face, voice], [FACE, VOICE])
    assert shared.tolist() == ["angry", "happy", "sad"]
    face_part = np.array([0.1, 0.4, 0.1]) / 0.6
    voice_part = np.array([0.5, 0.1, 0.1]) / 0.7
    np.testing.assert_allclose(fused[0], (face_part + voice_part) / 2)
    np.testing.assert_allclose(fused.sum(axis=1), 1.0)


def test_weight_moves_the_answer_between_modalities():
    face, voice = np.array([0.8, 0.2]), np.array([0.1, 0.9])
    classes = [["angry", "happy"], ["angry", "happy"]]
    only_face, _ = fuse_probabilities([face, voice], classes, weights=[1, 0])
    only_voice, _ = fuse_probabilities([face, voice], classes, weights=[0, 1])
    np.testing.assert_allclose(only_face[0], face)
    np.testing.assert_allclose(only_voice[0], voice)


def test_prior_reweighting_applies_to_the_fused_row():
    face, voice = np.array([0.5, 0.5]), np.array([0.5, 0.5])
    classes = [["angry", "happy"], ["happy", "angry"]]
    priors = {"angry": 1, "happy": 3}
    fused, shared = fuse_probabilities([face, voice], classes, priors=priors)
    w = prior_weights(priors, shared, power=0.5)
    np.testing.assert_allclose(fused[0], w / w.sum())


def test_disjoint_classes_are_refused_naming_both_lists():
    with pytest.raises(ValueError, match=r"share no class.*faces: \['angry'\].*audio"):
        fuse_probabilities([np.ones((1, 1)), np.ones((1, 1))], [["angry"], ["calm"]],
                           names=["faces", "audio"])
    with pytest.raises(ValueError, match="share no class"):
        shared_classes(["a", "b"], ["c"])


@pytest.mark.parametrize("weights", [[-1, 2], [0, 0], [1, 2, 3], [np.nan, 1]])
def test_bad_weights_are_refused(weights):
    with pytest.raises(ValueError, match="weights must be 2 non-negative"):
        fuse_probabilities([np.ones(2) / 2, np.ones(2) / 2], [["a", "b"]] * 2,
                           weights=weights)


def test_shape_mismatch_names_the_model():
    with pytest.raises(ValueError, match=r"audio: probabilities of shape \(1, 3\)"):
        fuse_probabilities([np.ones((1, 2)) / 2, np.ones((1, 3)) / 3],
                           [["a", "b"], ["a", "b"]], names=["faces", "audio"])

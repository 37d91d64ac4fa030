"""Late fusion of faces and voice over their shared classes."""

import re

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


# ------------------------------------------- one video's answer: faces and voice
# A happy face (margin 0.3 over fear) and a voice sure of fear: the eNTERFACE case
# of #24 item 5, where one clip's voice alone said fear on every clip.
HAPPY_FACE = np.array([0.05, 0.02, 0.25, 0.55, 0.05, 0.05, 0.03])
FEARFUL_VOICE = np.array([0.005, 0.005, 0.97, 0.005, 0.005, 0.005, 0.005])


def test_one_clip_s_voice_does_not_override_the_faces_by_default():
    """By default the voice is fused only when speaker-normalised (#24 item 5)."""
    from emosk.ensemble import fuse_face_and_voice

    alone = fuse_face_and_voice(HAPPY_FACE, FEARFUL_VOICE, face_classes=FACE,
                                voice_classes=FACE)
    assert alone["voice_used"] is False and alone["voice_weight"] == 0.0
    assert alone["emotion"] == "happy"
    assert alone["status"] == "faces only: voice not speaker-normalised"
    assert alone["classes"] == FACE
    np.testing.assert_allclose(alone["probabilities"], HAPPY_FACE)
    normalised = fuse_face_and_voice(HAPPY_FACE, FEARFUL_VOICE, face_classes=FACE,
                                     voice_classes=FACE, speaker_normalised=True)
    assert normalised["voice_used"] and normalised["voice_weight"] == 0.5
    assert normalised["status"] == "ok" and normalised["emotion"] == "fear"
    np.testing.assert_allclose(normalised["probabilities"], (HAPPY_FACE + FEARFUL_VOICE) / 2)


def test_a_voice_fused_without_speaker_normalisation_weighs_less():
    """fuse="always": a clip's voice alone weighs VOICE_WEIGHTS["alone"] (0.2), so
    a voice sure of one class overturns the faces only where their top two
    classes are within 0.25 of each other."""
    from emosk.ensemble import VOICE_WEIGHTS, fuse_face_and_voice

    assert VOICE_WEIGHTS == {"speaker-normalised": 0.5, "alone": 0.2}
    asked = fuse_face_and_voice(HAPPY_FACE, FEARFUL_VOICE, face_classes=FACE,
                                voice_classes=FACE, fuse="always")
    assert asked["voice_used"] and asked["voice_weight"] == 0.2
    np.testing.assert_allclose(asked["probabilities"], 0.8 * HAPPY_FACE + 0.2 * FEARFUL_VOICE)
    assert asked["emotion"] == "happy"  # margin 0.30 > 0.25: the faces keep it
    unsure = HAPPY_FACE + np.array([0, 0, 0.1, -0.1, 0, 0, 0])  # margin 0.10
    assert fuse_face_and_voice(unsure, FEARFUL_VOICE, face_classes=FACE, voice_classes=FACE,
                               fuse="always")["emotion"] == "fear"
    weighed = fuse_face_and_voice(HAPPY_FACE, FEARFUL_VOICE, face_classes=FACE,
                                  voice_classes=FACE, fuse="always", voice_weight=0.25)
    assert weighed["voice_weight"] == 0.25


def test_fusion_over_the_classes_both_models_know():
    from emosk.ensemble import fuse_face_and_voice

    face = np.array([0.1, 0.1, 0.1, 0.4, 0.1, 0.1, 0.1])
    voice = np.array([0.5, 0.2, 0.2, 0.1])
    fused = fuse_face_and_voice(face, voice, face_classes=FACE, voice_classes=VOICE,
                                speaker_normalised=True, voice_weight=0.25)
    assert fused["classes"] == ["angry", "happy", "sad"]
    expected = 0.75 * np.array([0.1, 0.4, 0.1]) / 0.6 + 0.25 * np.array([0.5, 0.2, 0.1]) / 0.8
    np.testing.assert_allclose(fused["probabilities"], expected)
    assert fused["emotion"] == "happy"


@pytest.mark.parametrize("face, voice, options, status, emotion", [
    (None, FEARFUL_VOICE, {"speaker_normalised": True}, "audio only: no face", "fear"),
    (None, FEARFUL_VOICE, {}, "no face, voice not speaker-normalised", None),
    (None, None, {}, "no face, no audio", None),
    (HAPPY_FACE, None, {"fuse": "always"}, "faces only: no audio", "happy"),
    (HAPPY_FACE, FEARFUL_VOICE, {"fuse": "never", "speaker_normalised": True},
     "faces only: fusion off", "happy"),
    (None, FEARFUL_VOICE, {"fuse": "never"}, "no face, fusion off", None),
])
def test_what_each_case_gives_and_says(face, voice, options, status, emotion):
    from emosk.ensemble import fuse_face_and_voice

    got = fuse_face_and_voice(face, voice, face_classes=FACE, voice_classes=FACE, **options)
    assert (got["status"], got["emotion"]) == (status, emotion)
    assert got["voice_used"] == (status == "audio only: no face")
    assert (got["probabilities"] is None) == (emotion is None)


@pytest.mark.parametrize("options, says", [
    ({"fuse": "sometimes"}, "fuse must be one of ('same-speaker', 'always', 'never'); "
                            "got 'sometimes'"),
    ({"voice_weight": 1.5}, "voice_weight must be a number in [0, 1]; got 1.5"),
])
def test_bad_fusion_options_are_refused(options, says):
    from emosk.ensemble import fuse_face_and_voice

    with pytest.raises(ValueError, match=re.escape(says)):
        fuse_face_and_voice(HAPPY_FACE, FEARFUL_VOICE, face_classes=FACE,
                            voice_classes=FACE, **options)


def test_scores_that_are_not_probabilities_are_refused_naming_the_model():
    """Counts or scores were renormalised into plausible probabilities: a face row
    [5, 2, 1] fused as [0.625, 0.25, 0.125]."""
    with pytest.raises(ValueError, match="faces: each row of probabilities must sum to 1 "
                                         "over its classes; row 1 sums to 8"):
        fuse_probabilities([np.array([[0.5, 0.5], [5.0, 3.0]]), np.full((2, 2), 0.5)],
                           [["a", "b"]] * 2, names=["faces", "voice"])
    fused, _ = fuse_probabilities([np.array([0.5, 0.5 + 2e-4]), np.array([0.3, 0.7])],
                                  [["a", "b"]] * 2)  # float32 rounding passes
    np.testing.assert_allclose(fused.sum(), 1)

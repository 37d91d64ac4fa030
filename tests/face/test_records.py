"""The public records of the face path: Face, FaceFinder, the columns of face tracks."""

import numpy as np
import pytest

pytest.importorskip("dlib")

from emosk.face import (  # noqa: E402
    TRACK_COLUMNS,
    Face,
    FaceAligner,
    FaceFinder,
    TrackMismatchError,
    crop_color,
    iter_aligned_faces,
    to_gray,
)


def test_face_fields_by_name_and_as_a_tuple():
    box = np.array([1.0, 2.0, 30.0, 40.0])
    face = Face(box=box, score=0.5, landmarks=np.zeros((68, 2)))
    assert Face._fields == ("box", "score", "landmarks")
    assert face.box is box and face.score == 0.5 and face.landmarks.shape == (68, 2)
    got_box, score, landmarks = face  # existing unpacking keeps working
    assert got_box is box and score == 0.5 and landmarks is face.landmarks
    assert face[0] is box and Face(box, 0.1).landmarks is None


def test_finder_alone_on_a_photo(astronaut):
    aligner = FaceAligner(size=64).fit()
    finder = FaceFinder(aligner)
    assert finder.aligner is aligner and finder.detector is aligner.detector_
    assert finder.landmark_predictor is aligner.landmarks_
    faces = finder.find(astronaut)
    assert faces and all(isinstance(f, Face) for f in faces)
    face = finder.pick(faces)
    x0, y0, x1, y1 = face.box
    assert 160 < (x0 + x1) / 2 < 280 and 60 < (y0 + y1) / 2 < 180  # her face
    assert np.isfinite(face.score) and face.landmarks.shape == (68, 2)
    assert finder.passes_fit_check(face.landmarks, face.box)
    assert not finder.passes_fit_check(np.zeros((68, 2)), face.box)  # eyes off the box
    # the crop is the aligner's, pixel for pixel
    np.testing.assert_array_equal(finder.crop(astronaut, face),
                                  aligner.transform(astronaut[None])[0])
    assert finder.crop_whole(astronaut).shape == (64, 64, 3)
    # the previous frame's face is followed first, whatever its size
    assert finder.pick(faces, previous_box=face.box) is face


def test_finder_of_an_unfitted_aligner_and_of_box_mode(astronaut):
    unfitted = FaceFinder(FaceAligner(mode="ng2015", size=32))
    assert unfitted.color == "gray"
    face = unfitted.pick(unfitted.find(astronaut))
    assert unfitted.crop(astronaut, face).shape == (32, 32)
    box = FaceFinder(FaceAligner(mode="box", size=32))
    assert box.landmark_predictor is None
    assert all(f.landmarks is None for f in box.find(astronaut))
    assert box.passes_fit_check(None, face.box)  # nothing to check without landmarks


def test_one_gray_rule():
    assert crop_color("ng2015", "rgb") == crop_color("fer2013", "gray") == "gray"
    assert crop_color("similarity", "rgb") == "rgb"
    rgb = np.random.default_rng(0).integers(0, 256, (5, 6, 3), dtype=np.uint8)
    expected = np.round(rgb @ np.array([0.299, 0.587, 0.114]))
    np.testing.assert_allclose(to_gray(rgb), expected, atol=1)
    gray = to_gray(rgb)
    assert gray.dtype == np.uint8 and to_gray(gray) is gray


def _video(astronaut):
    """Four frames: the photo, a black frame, the photo twice."""
    black = np.zeros_like(astronaut)
    return np.stack([astronaut, black, astronaut, astronaut])


@pytest.mark.parametrize("on_missing", ["frame", "drop", "last"])
def test_track_columns_by_name(astronaut, on_missing):
    aligner = FaceAligner(size=32, on_missing=on_missing).fit()
    stored = []
    video = _video(astronaut)
    pairs = list(iter_aligned_faces(video, aligner, on_tracks=stored.append))
    (tracks,) = stored
    assert set(tracks) == set(TRACK_COLUMNS)
    assert tracks.frame is tracks["frame"]  # a Bunch
    np.testing.assert_array_equal(tracks.frame, [0, 1, 2, 3])
    np.testing.assert_array_equal(tracks.found, [True, False, True, True])
    crop_from = {"frame": 0, "drop": 2, "last": 1}[on_missing]  # the black frame's
    np.testing.assert_array_equal(tracks.crop_from, [1, crop_from, 1, 1])
    repeated = 0 if on_missing == "last" else -1  # the black frame's track
    np.testing.assert_array_equal(tracks.track, [0, repeated, 0, 0])
    with_face = tracks.crop_from == 1
    assert (tracks.n_landmarks[with_face] == 68).all()
    assert (tracks.n_landmarks[~with_face] == 0).all()
    assert np.isnan(tracks.landmarks[~with_face]).all()
    assert np.isfinite(tracks.landmarks[with_face]).all()
    assert np.isnan(tracks.box[~with_face]).all()
    assert np.isnan(tracks.score[~with_face]).all()
    np.testing.assert_array_equal(tracks.box[tracks.found],
                                  [rec["box"] for _, rec in pairs if rec["found"]])
    assert np.isnan(tracks.time).all()  # arrays have no time stamps
    # replayed, the tracks give the same faces without detecting
    replayed = list(iter_aligned_faces(video, aligner, tracks=tracks))
    for (a, rec_a), (b, rec_b) in zip(pairs, replayed, strict=True):
        assert (a is None) == (b is None)
        if a is not None:
            np.testing.assert_array_equal(a, b)
        assert rec_a["track"] == rec_b["track"] and rec_a["found"] == rec_b["found"]


def test_tracks_of_another_layout_are_refused(astronaut):
    aligner = FaceAligner(size=32).fit()
    stored = []
    list(iter_aligned_faces(_video(astronaut), aligner, on_tracks=stored.append))
    old = {"what" if k == "crop_from" else k: v for k, v in stored[0].items()}
    with pytest.raises(TrackMismatchError, match=r"lack the columns \['crop_from'\]"):
        list(iter_aligned_faces(_video(astronaut), aligner, tracks=old))

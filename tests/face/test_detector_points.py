"""Faces framed by the detector's own five points (landmarks="detector"), and
RetinaFace run by ONNX Runtime or torch."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from emosk.face import (  # noqa: E402
    EYE_LAYOUTS,
    FaceAligner,
    FaceDetector,
    FaceFinder,
    align_face,
    eye_centers,
    plausible_face,
)

# eye centres, nose tip, mouth corners of an upright face in a 100 px box
_TEMPLATE = np.array([[35.0, 40], [65, 40], [50, 55], [38, 72], [62, 72]])
_BOX = np.array([10.0, 5, 90, 100])


def test_template_points_give_their_eyes():
    left, right = eye_centers(_TEMPLATE, layout="template")
    np.testing.assert_array_equal(left, [35, 40])
    np.testing.assert_array_equal(right, [65, 40])
    # read as dlib's 5-point layout, the same array means other eyes
    assert not np.allclose(eye_centers(_TEMPLATE)[0], left)
    with pytest.raises(ValueError, match="layout must be one of"):
        eye_centers(_TEMPLATE, layout="ibug")
    with pytest.raises(ValueError, match=r"shape \(5, 2\)"):
        eye_centers(np.zeros((68, 2)), layout="template")


def test_fit_check_of_template_points():
    assert plausible_face(_TEMPLATE, _BOX, layout="template")
    upside_down = _TEMPLATE.copy()
    upside_down[3:, 1] = 20  # mouth above the eyes
    assert not plausible_face(upside_down, _BOX, layout="template")


def test_fer2013_framing_from_template_points():
    image = np.zeros((120, 120), np.uint8)
    for x, y in _TEMPLATE[:2].astype(int):
        image[y - 1:y + 2, x - 1:x + 2] = 255
    crop = align_face(image, box=_BOX, landmarks=_TEMPLATE, mode="fer2013", size=100,
                      color="gray", layout="template")
    ys, xs = np.nonzero(crop > 100)
    layout = EYE_LAYOUTS["fer2013"]
    left_x = 100 * layout["left"] / layout["width"]
    assert abs(xs.min() - left_x) < 3 and abs(ys.mean() - 100 * layout["top"]
                                                / layout["height"]) < 3
    with pytest.raises(ValueError, match="dlib-chip"):
        align_face(image, box=_BOX, landmarks=_TEMPLATE, mode="dlib-chip",
                   layout="template")


def test_detector_points_need_retinaface_and_not_dlib_chip():
    with pytest.raises(ValueError, match="detector='retinaface'"):
        FaceAligner("dlib-hog", landmarks="detector").fit()
    with pytest.raises(ValueError, match="dlib-chip"):
        FaceAligner("retinaface", landmarks="detector", mode="dlib-chip").fit()


def test_aligner_frames_faces_by_retinafaces_points(shared_weights, astronaut):
    aligner = FaceAligner("retinaface", threshold=None, landmarks="detector",
                          mode="fer2013", size=64).fit()
    finder = FaceFinder(aligner)
    assert finder.landmark_predictor is None and finder.layout == "template"
    faces = finder.find(astronaut)
    boxes, scores, points = FaceDetector("retinaface").detect_with_landmarks(astronaut)
    assert len(faces) == len(boxes) >= 1
    face = faces[0]  # best first, as the detector orders them
    np.testing.assert_allclose(face.landmarks, points[0])
    assert face.score == pytest.approx(scores[0])
    assert 150 < face.box[0] < face.box[2] < 290  # Eileen Collins's face
    crop = finder.crop(astronaut, face)
    expected = align_face(astronaut, box=face.box, landmarks=points[0], mode="fer2013",
                          size=64, layout="template")
    np.testing.assert_array_equal(crop, expected)
    faces, report = aligner.transform_with_report(astronaut[None])
    assert faces.shape == (1, 64, 64, 3) and report["found"].all()


def test_no_face_no_whole_image_fit(shared_weights):
    aligner = FaceAligner("retinaface", landmarks="detector", assume_face=True).fit()
    assert FaceFinder(aligner).find(np.full((96, 96), 128, np.uint8)) == []


@pytest.mark.parametrize("image", ["astronaut", "gray_photo"])
def test_onnxruntime_and_torch_find_the_same_faces(shared_weights, astronaut, image):
    pytest.importorskip("onnxruntime")
    photo = astronaut if image == "astronaut" else astronaut[::3, ::3].mean(-1).astype(np.uint8)
    fast = FaceDetector("retinaface", runtime="onnxruntime").detect_with_landmarks(photo)
    slow = FaceDetector("retinaface", runtime="torch").detect_with_landmarks(photo)
    assert len(fast[0]) == len(slow[0]) >= 1
    for got, want in zip(fast, slow, strict=True):
        np.testing.assert_allclose(got, want, atol=1e-3)


def test_unknown_runtime_is_refused_at_once():
    with pytest.raises(ValueError, match="runtime must be one of"):
        FaceDetector("retinaface", runtime="tflite")


def test_detect_many_batches_same_size_photos_with_the_same_answers(shared_weights,
                                                                    astronaut):
    detector = FaceDetector("retinaface", border=0.1)
    photos = [astronaut[::4, ::4], astronaut[::4, ::4, 0], np.zeros((128, 128), np.uint8),
              astronaut[100:300, 100:400], astronaut[::-4, ::4]]
    many = detector.detect_many(photos)
    assert len(many) == len(photos)
    for photo, got in zip(photos, many, strict=True):
        want = detector.detect_with_landmarks(photo)
        assert len(got[0]) == len(want[0])
        for a, b in zip(got, want, strict=True):
            np.testing.assert_allclose(a, b, atol=1e-3)
    assert len(many[0][0]) >= 1 and len(many[2][0]) == 0
    finder = FaceFinder(FaceAligner("retinaface", threshold=None,
                                    landmarks="detector").fit())
    assert [len(f) for f in finder.find_many(photos)] == [len(finder.find(p))
                                                           for p in photos]

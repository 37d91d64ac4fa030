"""align_face, similarity_matrix and resize_faces refuse what they would crop into
nonsense without an error."""

import numpy as np
import pytest
from skimage import data

from emosk.face import align_face, resize_faces, similarity_matrix

IMAGE = data.astronaut()
BOX = np.array([170.0, 70.0, 270.0, 190.0])
POINTS = np.array([[190.0, 100], [250, 100], [220, 130], [195, 160], [245, 160]])


def _five_point(**kw):
    args = dict(box=BOX, landmarks=POINTS, mode="five-point", size=80, layout="template")
    return align_face(IMAGE, **{**args, **kw})


@pytest.mark.parametrize("size", [0, -4, 2.5, True, None])
def test_a_size_that_is_not_a_positive_integer_is_refused(size):
    # size=0 returned the whole 512x512 photo in box mode
    with pytest.raises(ValueError, match=f"size must be a positive integer .*got {size!r}"):
        align_face(IMAGE, box=BOX, mode="box", size=size)
    with pytest.raises(ValueError, match="size must be a positive integer"):
        resize_faces(IMAGE[None], size)


def test_boxes_and_landmarks_that_are_not_finite_are_refused():
    # a NaN or empty box gave a crop of the photo's corner in box mode; NaN landmarks
    # a LinAlgError ("SVD did not converge")
    for box in (np.full(4, np.nan), [1, 2, 3]):
        with pytest.raises(ValueError, match="box must be 4 finite numbers"):
            align_face(IMAGE, box=box, mode="box", size=80)
    with pytest.raises(ValueError, match=r"x1 > x0 and y1 > y0; got \[0.0, 0.0, 0.0, 0.0\]"):
        align_face(IMAGE, box=np.zeros(4), mode="box", size=80)
    with pytest.raises(ValueError, match="landmarks must be finite"):
        _five_point(landmarks=np.full((5, 2), np.nan))


def test_images_that_are_not_uint8_or_have_no_pixels_are_refused():
    # a float image gave a float64 "crop"
    with pytest.raises(TypeError, match="align_face takes uint8 images; got float64 "
                                        ".*images_to_uint8"):
        align_face(IMAGE / 255.0, box=BOX, mode="box", size=80)
    with pytest.raises(ValueError, match=r"with pixels; got shape \(0, 0, 3\)"):
        align_face(np.zeros((0, 0, 3), np.uint8), box=BOX, mode="box", size=80)
    crop = _five_point()
    assert crop.shape == (80, 80, 3) and crop.dtype == np.uint8


def test_similarity_matrix_refuses_points_it_cannot_map():
    with pytest.raises(ValueError, match=r"same \(k, 2\) finite points.*\(3, 2\) and \(5, 2\)"):
        similarity_matrix(POINTS[:3], POINTS)  # said "Incompatible dimensions"
    with pytest.raises(ValueError, match="all coincide"):
        similarity_matrix(np.zeros((5, 2)), POINTS)  # a matrix of scale 0
    np.testing.assert_allclose(similarity_matrix(POINTS, POINTS), [[1, 0, 0], [0, 1, 0]],
                               atol=1e-9)


def test_face_detector_refuses_images_it_would_find_nothing_in_silently(shared_weights):
    """A float image in [0, 1] gave no face without an error (RetinaFace read it as
    black); an image without pixels failed inside ONNX Runtime."""
    from emosk.face import FaceDetector

    detector = FaceDetector("retinaface")
    for call in (detector, detector.detect_with_landmarks,
                 lambda image: detector.detect_many([IMAGE, image])):
        with pytest.raises(TypeError, match="uint8 images; got float64"):
            call(IMAGE / 255.0)
        with pytest.raises(ValueError, match=r"with pixels; got shape \(0, 0, 3\)"):
            call(np.zeros((0, 0, 3), np.uint8))
    boxes, scores = detector(IMAGE)
    assert len(boxes) >= 1 and scores[0] > 0.9

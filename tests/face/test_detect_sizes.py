"""Detection on copies of several sizes (``FaceDetector(max_side=(640, 1280))``,
the photo path's ``detect_size``): large faces from the small copy, small faces
from the large one, one face for a face larger than RetinaFace's anchors."""

import cv2
import numpy as np
import pytest

from emosk.face import SMALLEST_FACE, FaceAligner, FaceDetector, box_iou, shrink


def _sized_faces(image):
    """A detector whose faces depend on the copy's size: in a copy of 100 px
    one large face (60 px) and one small one (4 px, too small to trust); in a
    larger copy a fragment inside the large face, and the small face again."""
    side = max(image.shape[:2])
    k = side / 100
    boxes = [(20 * k, 20 * k, 80 * k, 80 * k), (90 * k, 90 * k, 94 * k, 94 * k)]
    scores = [0.9, 0.6]
    if side > 100:
        boxes.append((30 * k, 30 * k, 40 * k, 40 * k))  # an eye of the large face
        scores.append(0.95)
    return boxes, scores


@pytest.fixture
def big_gray():
    return np.zeros((400, 300), np.uint8)


def test_one_size_is_one_copy(big_gray):
    det = FaceDetector(_sized_faces, max_side=100)
    boxes, scores = det(big_gray)
    # the 100 px copy's two faces, mapped back by the scale 4
    np.testing.assert_allclose(boxes, [[80, 80, 320, 320], [360, 360, 376, 376]])
    np.testing.assert_allclose(scores, [0.9, 0.6])


def test_a_larger_copy_adds_only_small_faces_outside_kept_ones(big_gray):
    det = FaceDetector(_sized_faces, max_side=(100, 200))
    boxes, scores = det(big_gray)
    # the large face from the small copy; from the larger copy the small face
    # again (inside itself: kept once) and not the fragment inside the large one
    np.testing.assert_allclose(boxes, [[80, 80, 320, 320], [360, 360, 376, 376]])
    np.testing.assert_allclose(scores, [0.9, 0.6])
    # a face missed by the small copy and small there is added
    def misses_small(image):
        boxes, scores = _sized_faces(image)
        return (boxes[:1], scores[:1]) if max(image.shape[:2]) <= 100 else (boxes, scores)
    boxes, scores = FaceDetector(misses_small, max_side=(100, 200))(big_gray)
    np.testing.assert_allclose(boxes, [[80, 80, 320, 320], [360, 360, 376, 376]])
    np.testing.assert_allclose(scores, [0.9, 0.6])  # best first over both copies


def test_copies_stop_at_the_image_size():
    seen = []

    def record(image):
        seen.append(image.shape)
        return [], []
    FaceDetector(record, max_side=(100, 200, 400))(np.zeros((250, 200), np.uint8))
    # the image itself (250 px) is less than twice the 200 px copy: left out
    assert seen == [(100, 80), (200, 160)]
    seen.clear()
    FaceDetector(record, max_side=(100, 400))(np.zeros((210, 168), np.uint8))
    assert seen == [(100, 80), (210, 168)]  # twice the 100 px copy: detected in
    seen.clear()
    FaceDetector(record, max_side=(100, 200))(np.zeros((60, 50), np.uint8))
    assert seen == [(60, 50)]


def test_small_face_threshold_follows_the_detector():
    assert FaceDetector("retinaface")._small_face() == 2 * SMALLEST_FACE["retinaface"] == 32
    assert FaceDetector("dlib-hog", upsample=1)._small_face() == 80
    assert FaceDetector("dlib-hog", upsample=0)._small_face() == 160
    assert FaceDetector("opencv-haar")._small_face() == 40
    assert FaceDetector(_sized_faces)._small_face() == 32


@pytest.mark.parametrize("bad", [(1280, 640), (640, 640), (8,), (), "640", True, (640, None),
                                 [640, 12.0]])
def test_bad_sizes_are_refused(bad):
    with pytest.raises(ValueError, match="max_side must be None"):
        FaceDetector(max_side=bad)


def test_aligner_takes_sizes_and_refuses_bad_ones():
    assert FaceAligner(detect_size=[640, 1280]).fit().detector_.max_side == [640, 1280]
    with pytest.raises(ValueError, match=r"max_side must be None.*\(1280, 640\)"):
        FaceAligner(detect_size=(1280, 640)).fit()
    with pytest.raises(ValueError, match="detect_size"):
        FaceAligner(detect_size="640").fit()


# ------------------------------------------------------------ real RetinaFace


def _closeup(astronaut, side):
    """The astronaut's face filling nine tenths of a ``side`` px square."""
    crop = astronaut[48:182, 158:292]  # around her face (about 120 px)
    return cv2.resize(crop, (side, side), interpolation=cv2.INTER_CUBIC)


@pytest.fixture(scope="module")
def retina_sizes(shared_weights):
    return FaceDetector("retinaface", max_side=(640, 1280))


def test_a_face_larger_than_the_anchors_is_one_face(shared_weights, astronaut, retina_sizes):
    photo = _closeup(astronaut, 3000)
    full, _ = FaceDetector("retinaface")(photo)
    assert len(full) > 1  # at full size: eyes, mouth... reported as faces
    boxes, scores, points = retina_sizes.detect_with_landmarks(photo)
    assert len(boxes) == 1 and scores[0] > 0.9
    # the face of the 640 px copy, mapped back to the photo
    small, scale = shrink(photo, 640)
    ref, _, ref_points = FaceDetector("retinaface").detect_with_landmarks(small)
    assert box_iou(boxes[0], ref[0] / scale) > 0.99
    np.testing.assert_allclose(points[0], ref_points[0] / scale, atol=1)


def test_small_faces_of_a_large_group_come_from_the_larger_copy(astronaut, retina_sizes):
    k = 10  # 100 faces of about 70 px in 4000 px: 11 px in 640, 22 px in 1280
    group = cv2.resize(np.tile(astronaut, (k, k, 1)), (4000, 4000),
                       interpolation=cv2.INTER_AREA)
    assert len(FaceDetector("retinaface", max_side=640)(group)[0]) < 10
    boxes, scores = retina_sizes(group)
    assert len(boxes) == k * k and np.all(np.diff(scores) <= 0)
    centres = (boxes[:, :2] + boxes[:, 2:]) / 2
    cells = np.unique((centres // 400).astype(int), axis=0)
    assert len(cells) == k * k  # one face in each tile


def test_detect_many_matches_one_by_one(astronaut, retina_sizes):
    photos = [_closeup(astronaut, 1500), cv2.resize(astronaut, (1024, 1024)),
              _closeup(astronaut, 1500)[::2, ::2].copy(), astronaut]
    many = retina_sizes.detect_many(photos)
    for photo, (boxes, scores, points) in zip(photos, many, strict=True):
        b, s, p = retina_sizes.detect_with_landmarks(photo)
        np.testing.assert_allclose(boxes, b, atol=1e-3)
        np.testing.assert_allclose(scores, s, atol=1e-5)
        np.testing.assert_allclose(points, p, atol=1e-3)
        assert len(boxes) == 1

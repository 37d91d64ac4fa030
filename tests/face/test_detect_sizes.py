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


# ------------------------------------------------ small images: min_side


def _needs_60_px(image):
    """A detector that finds the face only in an image of 60 px or more."""
    side = max(image.shape[:2])
    if side < 60:
        return [], []
    return [(0.25 * side, 0.25 * side, 0.75 * side, 0.75 * side)], [0.9]


def test_a_small_image_without_a_face_is_detected_in_again_enlarged():
    seen = []

    def record(image):
        seen.append(image.shape)
        return _needs_60_px(image)
    boxes, scores = FaceDetector(record, min_side=80)(np.zeros((40, 30), np.uint8))
    assert seen == [(40, 30), (80, 60)]
    np.testing.assert_allclose(boxes, [[10, 10, 30, 30]])  # mapped back by the scale 2
    np.testing.assert_allclose(scores, [0.9])
    # found as it is: no retry; large enough: no retry; None: no retry
    seen.clear()
    FaceDetector(record, min_side=128)(np.zeros((70, 70), np.uint8))
    FaceDetector(record, min_side=80)(np.zeros((50, 90), np.uint8))
    FaceDetector(record)(np.zeros((40, 30), np.uint8))
    assert seen == [(70, 70), (50, 90), (40, 30)]


def test_the_retry_counts_the_border_and_maps_it_back():
    boxes, _ = FaceDetector(_needs_60_px, border=0.25, min_side=80)(np.zeros((40, 40), np.uint8))
    # 40 px + 10 px of border on each side = 60 px, found without a retry
    np.testing.assert_allclose(boxes, [[5, 5, 35, 35]])
    boxes, _ = FaceDetector(_needs_60_px, border=0.25, min_side=120)(np.zeros((30, 30), np.uint8))
    # 30 + 2 * 8 = 46 px padded, enlarged to 120: the box of the padded copy, mapped back
    np.testing.assert_allclose(boxes, [[3.5, 3.5, 26.5, 26.5]])


@pytest.mark.parametrize("bad", [8, 600, True, "96", 0])
def test_bad_min_sides_are_refused(bad):
    with pytest.raises(ValueError, match="min_side must be None"):
        FaceDetector(max_side=(480, 1280), min_side=bad)


def test_enlarge_mirrors_shrink():
    from emosk.face import enlarge

    image = np.arange(30 * 20, dtype=np.uint8).reshape(30, 20)
    large, scale = enlarge(image, 90)
    assert large.shape == (90, 60) and scale == pytest.approx(3.0)
    same, one = enlarge(image, 30)
    assert same is image and one == 1.0


def test_thumbnails_without_a_face_are_found_enlarged(shared_data, shared_weights):
    from emosk.datasets import load_fer2013

    thumbs = load_fer2013(subset="PublicTest", data_home=shared_data).images[:200]  # 48 px
    plain = FaceDetector("retinaface").detect_many(list(thumbs))
    retry = FaceDetector("retinaface", min_side=128)
    many = retry.detect_many(list(thumbs))
    found_plain = np.mean([len(b) > 0 for b, _, _ in plain])
    found_retry = np.mean([len(b) > 0 for b, _, _ in many])
    assert found_plain < 0.6 and found_retry > 0.9
    for thumb, (b0, _, _), (boxes, scores, points) in zip(thumbs, plain, many, strict=True):
        if len(b0):  # found as it is: kept as it is
            np.testing.assert_allclose(boxes, b0, atol=1e-3)
        b, s, p = retry.detect_with_landmarks(thumb)  # one by one: the same
        np.testing.assert_allclose(boxes, b, atol=1e-3)
        np.testing.assert_allclose(points, p, atol=1e-3)
        assert np.all((boxes[:, 2:] > 0) & (boxes[:, :2] < 48))  # in the thumbnail's pixels


def test_aligner_passes_min_size_and_old_pickles_keep_working():
    import pickle

    aligner = FaceAligner(detect_min_size=96).fit()
    assert aligner.detector_.min_side == 96
    with pytest.raises(ValueError, match="min_side must be None"):
        FaceAligner(detect_size=64, detect_min_size=96).fit()
    old = FaceAligner()
    del old.__dict__["detect_min_size"]  # as pickled before the option
    restored = pickle.loads(pickle.dumps(old))
    assert restored.get_params()["detect_min_size"] is None


def test_box_inside_is_a_share_of_the_first_box():
    from emosk.face._boxes import box_inside

    assert box_inside((2, 2, 4, 4), (0, 0, 10, 10))  # wholly inside
    assert box_inside((8, 0, 12, 10), (0, 0, 10, 10))  # half inside
    assert not box_inside((9, 0, 13, 10), (0, 0, 10, 10))  # a quarter
    assert not box_inside((0, 0, 10, 10), (2, 2, 4, 4))  # the other way round
    assert not box_inside((5, 5, 5, 9), (0, 0, 10, 10))  # no area

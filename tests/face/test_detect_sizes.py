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


def _small_face(detector):
    """The width under which a box counts as too small for a copy of scale 1."""
    widths = np.arange(1, 400, 0.5)
    boxes = np.stack([np.zeros_like(widths), np.zeros_like(widths), widths, widths], axis=1)
    return widths[~detector._too_small_for(boxes, 1.0)][0]


def test_small_face_threshold_follows_the_detector():
    assert _small_face(FaceDetector("retinaface")) == 2 * SMALLEST_FACE["retinaface"] == 32
    assert _small_face(FaceDetector("dlib-hog", upsample=1)) == 80
    assert _small_face(FaceDetector("dlib-hog", upsample=0)) == 160
    assert _small_face(FaceDetector("opencv-haar")) == 40
    assert _small_face(FaceDetector(_sized_faces)) == 32
    # in a copy of half the size, a box must be twice as wide to count
    box = np.array([[0.0, 0.0, 50.0, 50.0]])
    assert FaceDetector("retinaface")._too_small_for(box, 0.5)
    assert not FaceDetector("retinaface")._too_small_for(box, 1.0)


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


@pytest.mark.parametrize("param, side, good, bad, message", [
    ("detect_min_size", "min_side", {"detect_min_size": 96},
     {"detect_size": 64, "detect_min_size": 96}, "min_side must be None"),
    ("detect_retry_size", "retry_side", {"detect_size": 320, "detect_retry_size": 640},
     {"detect_size": 640, "detect_retry_size": 8}, "'detect_retry_size' parameter of"),
    ("min_face_size", None, {"min_face_size": 24}, {"min_face_size": 0},
     "'min_face_size' parameter of"),
])
def test_aligner_passes_retries_and_old_pickles_keep_working(param, side, good, bad, message):
    import pickle

    aligner = FaceAligner(**good).fit()
    if side is not None:
        assert getattr(aligner.detector_, side) == good[param]
    with pytest.raises(ValueError, match=message):
        FaceAligner(**bad).fit()
    old = FaceAligner()
    del old.__dict__[param]  # as pickled before the option
    restored = pickle.loads(pickle.dumps(old))
    assert restored.get_params()[param] is None


def test_box_inside_is_a_share_of_the_first_box():
    from emosk.face._boxes import box_inside

    assert box_inside((2, 2, 4, 4), (0, 0, 10, 10))  # wholly inside
    assert box_inside((8, 0, 12, 10), (0, 0, 10, 10))  # half inside
    assert not box_inside((9, 0, 13, 10), (0, 0, 10, 10))  # a quarter
    assert not box_inside((0, 0, 10, 10), (2, 2, 4, 4))  # the other way round
    assert not box_inside((5, 5, 5, 9), (0, 0, 10, 10))  # no area


# detecting again in a larger copy where the working copy has no face (retry_side,
# the RetinaFace video path's 640 px after 320 px)

def _needs_500_px(image, size=0.025):
    """A detector that finds the face (``size`` of the image: 16 px in a 640 px
    copy, too small for one of 320) only in a copy of 500 px or more."""
    side = max(image.shape[:2])
    if side < 500:
        return [], []
    return [(0.4 * side, 0.4 * side, (0.4 + size) * side, (0.4 + size) * side)], [0.9]


def test_a_large_image_without_a_face_is_detected_in_again_in_a_larger_copy():
    seen = []

    def record(image):
        seen.append(image.shape)
        return _needs_500_px(image)
    det = FaceDetector(record, max_side=320, retry_side=640)
    boxes, scores = det(np.zeros((1280, 1000), np.uint8))
    assert seen == [(320, 250), (640, 500)]
    np.testing.assert_allclose(boxes, [[512, 512, 544, 544]])  # mapped back by the scale 2
    np.testing.assert_allclose(scores, [0.9])
    # a face in the working copy: no retry
    seen.clear()
    det = FaceDetector(lambda im: (seen.append(im.shape) or _needs_60_px(im)),
                       max_side=320, retry_side=640)
    boxes, _ = det(np.zeros((1280, 1000), np.uint8))
    assert seen == [(320, 250)]
    np.testing.assert_allclose(boxes, [[320, 320, 960, 960]])


def test_the_larger_copy_stops_at_the_image():
    seen = []

    def record(image):
        seen.append(image.shape)
        return _needs_500_px(image)
    # 560 px: the retry is the image itself, scale 1
    boxes, _ = FaceDetector(record, max_side=320, retry_side=640)(np.zeros((560, 400), np.uint8))
    assert seen == [(320, 229), (560, 400)]
    np.testing.assert_allclose(boxes, [[224, 224, 238, 238]])
    # an image no larger than the working copy, or a largest copy as large as
    # retry_side: nothing to retry in
    seen.clear()
    FaceDetector(record, max_side=320, retry_side=640)(np.zeros((300, 200), np.uint8))
    FaceDetector(record, max_side=(320, 640), retry_side=640)(np.zeros((400, 2000), np.uint8))
    FaceDetector(record, max_side=320)(np.zeros((1280, 1000), np.uint8))
    assert seen == [(300, 200), (64, 320), (128, 640), (320, 250)]


def test_the_larger_copy_counts_the_border_and_maps_it_back():
    # 800 px + 200 px of border on each side = 1200 px: copies of 320 and 640 px
    det = FaceDetector(_needs_500_px, border=0.25, max_side=320, retry_side=640)
    boxes, _ = det(np.zeros((800, 800), np.uint8))
    # the padded image's 480 to 510, less the border
    np.testing.assert_allclose(boxes, [[280, 280, 310, 310]])


def test_the_larger_copy_adds_no_face_the_working_copy_would_have_found():
    """A face of a fifth of the image (64 px in the 320 px copy) found only in
    the larger copy is a part of a face too large for the detector (as
    RetinaFace's eyes and mouth in a face over 512 px): left out."""
    def large_only(image):
        return _needs_500_px(image, size=0.2)
    det = FaceDetector(large_only, max_side=320, retry_side=640)
    boxes, scores, points = det.detect_with_landmarks(np.zeros((1280, 1000), np.uint8))
    assert boxes.shape == (0, 4) and scores.shape == (0,) and points is None
    assert len(det.detect_many([np.zeros((1280, 1000), np.uint8)])[0][0]) == 0


def test_detect_many_retries_as_one_by_one():
    images = [np.zeros((1280, 1000), np.uint8), np.zeros((300, 200), np.uint8),
              np.zeros((560, 400), np.uint8), np.zeros((40, 30), np.uint8)]

    def both(image):
        return _needs_500_px(image) if max(image.shape[:2]) > 100 else _needs_60_px(image)
    det = FaceDetector(both, max_side=320, min_side=80, retry_side=640)
    for (b, s, _), image in zip(det.detect_many(images), images, strict=True):
        b1, s1, _ = det.detect_with_landmarks(image)
        np.testing.assert_allclose(b, b1)
        np.testing.assert_allclose(s, s1)
    assert [len(b) for b, _, _ in det.detect_many(images)] == [1, 0, 1, 1]


@pytest.mark.parametrize("bad", [8, True, "640", 0, -640])
def test_bad_retry_sides_are_refused(bad):
    with pytest.raises(ValueError, match="retry_side must be None"):
        FaceDetector(max_side=320, retry_side=bad)


def test_a_retry_side_no_larger_than_the_copies_is_never_used():
    seen = []

    def record(image):
        seen.append(image.shape)
        return [], []
    image = np.zeros((1280, 1000), np.uint8)
    for max_side, retry_side in [(None, 640), (640, 320), (640, 640)]:
        FaceDetector(record, max_side=max_side, retry_side=retry_side)(image)
    assert seen == [(1280, 1000), (640, 500), (640, 500)]


def test_small_faces_in_real_frames_are_found_in_the_larger_copy(shared_data, shared_weights):
    """eNTERFACE'05 frames shrunk by 12 on a black 720x576 canvas (faces of about
    22 px): RetinaFace's 320 px copy finds none, the 640 px retry finds them
    where detection at full size does, and the frames with a larger face cost
    no retry."""
    from emosk.datasets import load_enterface05
    from emosk.io import iter_frames

    path = load_enterface05(data_home=shared_data).filenames[0]
    frames = [f for _, _, f in iter_frames(path, step=25)][:4]
    small = []
    for frame in frames:
        canvas = np.zeros_like(frame)
        shrunk = cv2.resize(frame, (60, 48), interpolation=cv2.INTER_AREA)
        canvas[200:248, 300:360] = shrunk
        small.append(canvas)
    working = FaceDetector("retinaface", max_side=320)
    retry = FaceDetector("retinaface", max_side=320, retry_side=640)
    full = FaceDetector("retinaface")
    assert all(len(working(img)[0]) == 0 for img in small)
    for img, (boxes, _, points) in zip(small, retry.detect_many(small), strict=True):
        truth, _ = full(img)
        assert len(boxes) and len(truth)
        assert box_iou(boxes[0], truth[0]) > 0.6
        assert np.all((points[0] > [300, 200]) & (points[0] < [360, 248]))
        b, _, _ = retry.detect_with_landmarks(img)
        np.testing.assert_allclose(boxes, b, atol=1e-3)
    for frame in frames:  # the face of the frame itself: the working copy's answer
        np.testing.assert_allclose(retry(frame)[0], working(frame)[0])


def test_a_detector_pickled_before_retry_side_does_not_retry():
    import pickle

    detector = FaceDetector(max_side=320)
    del detector.__dict__["retry_side"]
    assert pickle.loads(pickle.dumps(detector))._larger(
        [(np.zeros((320, 250)), 0.25)], np.zeros((1280, 1000))) is None


# faces too small to read (FaceAligner's min_face_size)

def _two_sizes(image):
    """A face 20 px wide and one 30 px wide, with five points each."""
    boxes = np.array([[10.0, 10.0, 30.0, 30.0], [50.0, 10.0, 80.0, 40.0]])
    points = np.array([[[x0 + 0.3 * w, y0 + 0.4 * w], [x0 + 0.7 * w, y0 + 0.4 * w],
                        [x0 + 0.5 * w, y0 + 0.6 * w], [x0 + 0.35 * w, y0 + 0.8 * w],
                        [x0 + 0.65 * w, y0 + 0.8 * w]]
                       for x0, y0, x1, _ in boxes for w in [x1 - x0]])
    return boxes, np.array([0.9, 0.8]), points


@pytest.mark.parametrize("landmarks", ["detector", None])
def test_faces_narrower_than_min_face_size_are_left_out(landmarks):
    from emosk.face import FaceFinder

    image = np.zeros((100, 100), np.uint8)
    params = ({"landmarks": "detector", "detector": "retinaface"} if landmarks
              else {"mode": "box"})
    for smallest, widths in [(None, [20, 30]), (24, [30]), (30, [30]), (31, [])]:
        aligner = FaceAligner(**params, min_face_size=smallest).fit()
        aligner.detector_ = FaceDetector(_two_sizes)  # the callable in place of RetinaFace
        finder = FaceFinder(aligner)
        found = finder.find(image)
        assert [f.box[2] - f.box[0] for f in found] == widths
        if landmarks:
            (many,) = finder.find_many([image])
            assert [f.box[2] - f.box[0] for f in many] == widths


def test_the_video_path_leaves_out_a_face_too_small_to_read(shared_data, shared_weights):
    """An eNTERFACE'05 frame shrunk by 12 (a face box of about 18 px) on a
    720x576 canvas: RetinaFace in a 640 px copy finds the face, the RetinaFace
    path leaves it out; shrunk by 8 (a box of about 28 px), the path keeps it."""
    from emosk.datasets import load_enterface05
    from emosk.face import FACE_PATHS, FaceFinder
    from emosk.io import iter_frames

    path = load_enterface05(data_home=shared_data).filenames[0]
    frame = next(iter(iter_frames(path)))[2]
    finder = FaceFinder(FaceAligner(**FACE_PATHS["retinaface"]).fit())
    for k, kept in [(12, False), (8, True)]:
        canvas = np.zeros_like(frame)
        small = cv2.resize(frame, None, fx=1 / k, fy=1 / k, interpolation=cv2.INTER_AREA)
        canvas[200:200 + small.shape[0], 300:300 + small.shape[1]] = small
        boxes, _ = FaceDetector("retinaface", threshold=0.3, max_side=640)(canvas)
        assert len(boxes) and ((boxes[0, 2] - boxes[0, 0]) >= 24) == kept
        assert bool(finder.find(canvas)) == kept

"""RetinaFace (MobileNet-0.25) as a FaceDetector backend: real weights, real faces."""

import pickle
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from emosk.face import (  # noqa: E402
    FaceDetector,
    add_border,
    align_face,
    box_iou,
    shrink,
)
from emosk.face._retinaface import (  # noqa: E402
    decode_boxes,
    decode_landmarks,
    detect_batch,
    load_retinaface,
    prior_boxes,
)

_MIRROR = [1, 0, 2, 4, 3]  # the points' order after a left-right flip


@pytest.fixture(scope="module")
def retina(shared_weights):
    return FaceDetector("retinaface")


@pytest.fixture(scope="module")
def astro_found(retina, astronaut):
    return retina.detect_with_landmarks(astronaut)


@pytest.fixture(scope="module")
def dlib_five(astronaut):
    """The astronaut's five points from dlib's 68 landmarks in dlib's box."""
    pytest.importorskip("dlib")
    from emosk.face import LandmarkPredictor, five_points

    box = FaceDetector("dlib-hog")(astronaut)[0][0]
    return five_points(LandmarkPredictor()(astronaut, box))


# ------------------------------------------------------- anchors and coding


def test_prior_boxes_follow_the_networks_grid():
    priors = prior_boxes(512, 512)
    assert priors.shape == ((64 * 64 + 32 * 32 + 16 * 16) * 2, 4)
    np.testing.assert_array_equal(priors[:4], [[4, 4, 16, 16], [4, 4, 32, 32],
                                               [12, 4, 16, 16], [12, 4, 32, 32]])
    np.testing.assert_array_equal(priors[-1], [496, 496, 512, 512])  # (15 + 0.5) * 32
    # odd sizes: the stride-2 convolutions round up
    assert len(prior_boxes(33, 17)) == (5 * 3 + 3 * 2 + 2 * 1) * 2


def test_zero_offsets_decode_to_the_anchors():
    priors = np.array([[10.0, 20.0, 16.0, 16.0], [50.0, 40.0, 64.0, 64.0]])
    np.testing.assert_allclose(decode_boxes(np.zeros((2, 4)), priors),
                               [[2, 12, 18, 28], [18, 8, 82, 72]])
    np.testing.assert_allclose(decode_landmarks(np.zeros((2, 10)), priors),
                               np.repeat(priors[:, None, :2], 5, axis=1))
    # one unit of offset moves the centre by 0.1 anchor side; size grows by exp(0.2)
    box = decode_boxes(np.array([[1.0, 0.0, 1.0, 0.0]]), priors[:1])[0]
    assert (box[0] + box[2]) / 2 == pytest.approx(11.6)
    assert box[2] - box[0] == pytest.approx(16 * np.exp(0.2))


def test_a_wrong_architecture_fails_loudly(shared_weights, tmp_path):
    state = torch.load(shared_weights / "retinaface_mnet025.pth", map_location="cpu",
                       weights_only=True)
    del state["ssh3.conv7x7_3.1.running_var"]
    path = tmp_path / "cut.pth"
    torch.save(state, path)
    with pytest.raises(RuntimeError, match="conv7x7_3"):
        load_retinaface(path)
    with pytest.raises(ValueError, match=r"\(n, H, W, 3\); got shape \(4, 4\)"):
        detect_batch(load_retinaface(shared_weights / "retinaface_mnet025.pth"),
                     np.zeros((4, 4), np.uint8))


# ---------------------------------------------------------------- detection


def test_retinaface_finds_the_astronaut_with_landmarks_near_dlibs(astro_found, dlib_five):
    boxes, scores, points = astro_found
    assert boxes.shape == (1, 4) and scores[0] > 0.9 and points.shape == (1, 5, 2)
    x0, y0, x1, y1 = boxes[0]
    assert 160 < (x0 + x1) / 2 < 280 and 60 < (y0 + y1) / 2 < 180  # her face
    assert 70 < x1 - x0 < 130 and 90 < y1 - y0 < 150
    # eyes, nose tip, mouth corners within 6 px of those from dlib's 68 points
    # (eye distance 43 px), image-left eye first
    np.testing.assert_allclose(points[0], dlib_five, atol=6)
    assert points[0, 0, 0] < points[0, 1, 0] and points[0, 3, 0] < points[0, 4, 0]


def test_its_points_drive_five_point_alignment(astronaut, astro_found, dlib_five):
    boxes, _, points = astro_found
    crop = align_face(astronaut, box=boxes[0], landmarks=points[0], mode="five-point",
                      size=112).astype(float)
    ref = align_face(astronaut, box=boxes[0], landmarks=dlib_five, mode="five-point",
                     size=112).astype(float)
    assert crop.shape == (112, 112, 3)
    assert np.corrcoef(crop.ravel(), ref.ravel())[0, 1] > 0.85  # 0.93 measured


def test_gray_and_rgba_images(retina, astronaut, astro_found):
    gray = astronaut.mean(axis=-1).astype(np.uint8)
    rgba = np.dstack([astronaut, np.full(astronaut.shape[:2], 255, np.uint8)])
    for image in (gray, rgba):
        boxes, scores = retina(image)
        assert len(boxes) == 1 and box_iou(boxes[0], astro_found[0][0]) > 0.9


@pytest.mark.parametrize("kind", ["grey", "noise"])
def test_no_face_in_grey_or_noise(retina, kind):
    rng = np.random.default_rng(0)
    image = (np.full((480, 640, 3), 128, np.uint8) if kind == "grey"
             else rng.integers(0, 256, (480, 640, 3), dtype=np.uint8))
    boxes, scores, points = retina.detect_with_landmarks(image)
    assert boxes.shape == (0, 4) and scores.shape == (0,) and points.shape == (0, 5, 2)


def test_border_and_max_side_map_boxes_back(retina, astronaut, astro_found):
    det = FaceDetector("retinaface", border=0.25, max_side=300)
    boxes, scores, points = det.detect_with_landmarks(astronaut)
    # the same as detecting in the padded, shrunk copy and mapping by hand
    padded, p = add_border(astronaut, 0.25)
    small, scale = shrink(padded, 300)
    b, s, pts = retina.detect_with_landmarks(small)
    np.testing.assert_allclose(boxes, b / scale - p)
    np.testing.assert_allclose(points, pts / scale - p)
    np.testing.assert_allclose(scores, s)
    # and close to the detection at full size
    assert box_iou(boxes[0], astro_found[0][0]) > 0.8
    np.testing.assert_allclose(points[0], astro_found[2][0], atol=6)


def test_a_mirrored_image_gives_mirrored_faces(retina, astronaut, astro_found):
    width = astronaut.shape[1]
    boxes, scores, points = retina.detect_with_landmarks(np.ascontiguousarray(
        astronaut[:, ::-1]))
    assert len(boxes) == 1 and scores[0] > 0.9
    back = np.c_[width - boxes[:, 2], boxes[:, 1], width - boxes[:, 0], boxes[:, 3]]
    np.testing.assert_allclose(back, astro_found[0], atol=5)
    pts = points[0, _MIRROR].copy()
    pts[:, 0] = width - pts[:, 0]
    np.testing.assert_allclose(pts, astro_found[2][0], atol=4)


def test_threshold_is_the_face_probability(retina, astronaut):
    low = FaceDetector("retinaface", threshold=0.02)
    boxes, scores = low(astronaut)
    assert len(boxes) > 1 and scores.min() > 0.02 and np.all(np.diff(scores) <= 0)
    assert len(retina(astronaut)[0]) == int(np.sum(scores > retina._threshold()))


def test_pickling_and_threads(retina, astronaut, astro_found):
    retina(astronaut)  # built: the network is not pickled with it
    copy = pickle.loads(pickle.dumps(retina))
    # nothing built travels: the first thread that detects builds the network,
    # which the others share (it keeps no state between calls)
    assert "_shared" in retina.__dict__ and "_shared" not in copy.__dict__
    assert copy.detector == "retinaface"
    images = [astronaut, np.ascontiguousarray(astronaut[::-1]), astronaut[:300, :300]]
    with ThreadPoolExecutor(3) as pool:
        together = list(pool.map(copy.detect_with_landmarks, images * 2))
        built = set(pool.map(lambda _: id(copy._impl()), range(6)))
    assert built == {id(copy._shared)}
    alone = [copy.detect_with_landmarks(im) for im in images]
    for one, other in zip(alone * 2, together, strict=True):
        for a, b in zip(one, other, strict=True):
            np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(alone[0][0], astro_found[0])


def test_other_detectors_give_no_landmarks(astronaut):
    fixed = FaceDetector(lambda image: ([(0, 0, 10, 10)], [1.0]))
    assert fixed.detect_with_landmarks(astronaut)[2] is None
    pts = np.arange(10, dtype=float).reshape(1, 5, 2)
    with_points = FaceDetector(lambda image: ([(0, 0, 10, 10)], [1.0], pts), border=0.5)
    p = add_border(astronaut, 0.5)[1]
    np.testing.assert_array_equal(with_points.detect_with_landmarks(astronaut)[2], pts - p)


def test_missing_weights_offline_name_the_url(astronaut, offline_without_weights):
    with pytest.raises(FileNotFoundError, match="github.com/biubug6/Pytorch_Retinaface"):
        FaceDetector("retinaface")(astronaut)


def test_face_aligner_with_retinaface(shared_weights, astronaut, astro_found):
    pytest.importorskip("dlib")
    from emosk.face import FaceAligner

    aligner = FaceAligner("retinaface", threshold=None, mode="fer2013", size=48).fit()
    faces, rep = aligner.transform_with_report(astronaut[None])
    assert faces.shape == (1, 48, 48, 3) and rep["found"].all()
    assert rep["score"][0] == pytest.approx(astro_found[1][0])
    np.testing.assert_allclose(rep["box"][0], astro_found[0][0])

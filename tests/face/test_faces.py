import pickle

import numpy as np
import pytest

pytest.importorskip("dlib")
skdata = pytest.importorskip("skimage.data")

from emosk.face import (  # noqa: E402
    FaceAligner,
    FaceDetector,
    FaceFinder,
    LandmarkPredictor,
    add_border,
    align_face,
    dlib_model_path,
    eye_centers,
    minmax_stretch,
    plausible_face,
)
from emosk.io import MediaReadError, iter_frames, video_info  # noqa: E402


@pytest.fixture(scope="module")
def astro_face(astronaut):
    boxes, scores = FaceDetector()(astronaut)
    pts = LandmarkPredictor()(astronaut, boxes[0])
    return boxes[0], pts


@pytest.mark.parametrize("detector", ["dlib-hog", "opencv-haar"])
def test_detectors_find_the_astronaut(astronaut, detector):
    boxes, scores = FaceDetector(detector)(astronaut)
    assert len(boxes) >= 1 and np.all(np.diff(scores) <= 0)
    x0, y0, x1, y1 = boxes[0]
    assert 160 < (x0 + x1) / 2 < 280 and 60 < (y0 + y1) / 2 < 180  # her face


def test_low_threshold_finds_more_and_callable_detector(astronaut):
    assert len(FaceDetector(threshold=-0.5)(astronaut)[0]) > len(FaceDetector()(astronaut)[0])
    fixed = FaceDetector(lambda img: ([(0, 0, 10, 10), (5, 5, 50, 50)], [0.5, 2.0]))
    boxes, scores = fixed(astronaut)
    assert list(scores) == [2.0, 0.5] and boxes[0, 2] == 50
    with pytest.raises(ValueError, match="Unknown detector 'mtcnn'"):
        FaceDetector("mtcnn")


@pytest.mark.parametrize("size", [64, 128, 200])
def test_similarity_puts_the_eyes_on_the_template(astronaut, astro_face, size):
    box, pts = astro_face
    crop = align_face(astronaut, box=box, landmarks=pts, mode="similarity", size=size)
    # map the original eye centres through the same geometry: re-fit landmarks on the crop
    b2, _ = FaceDetector(upsample=2)(crop)
    left, right = eye_centers(LandmarkPredictor()(crop, b2[0]))
    np.testing.assert_allclose(left, [0.3 * size, 0.4 * size], atol=0.03 * size + 1)
    np.testing.assert_allclose(right, [0.7 * size, 0.4 * size], atol=0.03 * size + 1)


def test_ng2015_crop_is_gray_stretched_and_eyes_level(astronaut, astro_face):
    box, pts = astro_face
    crop = align_face(astronaut, box=box, landmarks=pts, mode="ng2015", size=256)
    assert crop.shape == (256, 256) and crop.dtype == np.uint8
    assert crop.min() == 0 and crop.max() == 255
    b2, _ = FaceDetector()(crop)
    left, right = eye_centers(LandmarkPredictor()(crop, b2[0]))
    assert abs(left[1] - right[1]) < 4  # eyes level
    np.testing.assert_allclose([left[0], right[0]], [0.62 / 2.24 * 256, 1.62 / 2.24 * 256], atol=8)
    np.testing.assert_allclose(left[1], 0.9 / 2.25 * 256, atol=8)


def test_dlib_chip_equals_dlib(astronaut, astro_face):
    import dlib

    box, pts = astro_face
    ours = align_face(astronaut, box=box, landmarks=pts, mode="dlib-chip", size=150)
    det = dlib.get_frontal_face_detector()(astronaut, 1)[0]
    sp = dlib.shape_predictor(str(dlib_model_path("shape_predictor_68")))
    np.testing.assert_array_equal(ours, dlib.get_face_chip(astronaut, sp(astronaut, det), 150, 0.25))


def test_plausibility_rejects_nonsense(astro_face):
    box, pts = astro_face
    assert plausible_face(pts, box)
    assert not plausible_face(pts, box + 300)              # landmarks outside the box
    upside_down = pts.copy()
    upside_down[:, 1] = 2 * pts[:, 1].mean() - pts[:, 1]
    assert not plausible_face(upside_down, box)           # mouth above the eyes


def test_minmax_stretch():
    np.testing.assert_array_equal(minmax_stretch(np.array([[10, 20], [30, 10]])),
                                  [[0, 128], [255, 0]])
    assert minmax_stretch(np.full((2, 2), 7)).max() == 0


def test_aligner_on_images_and_missing_faces(astronaut):
    blank = np.full_like(astronaut, 127)
    X = np.stack([astronaut, blank])
    faces, rep = FaceAligner(size=64).fit().transform_with_report(X)
    assert faces.shape == (2, 64, 64, 3) and list(rep["found"]) == [True, False]
    assert np.isnan(rep["box"][1]).all()
    np.testing.assert_array_equal(faces[1], 127)  # whole frame resized
    dropped = FaceAligner(size=64, on_missing="drop").fit_transform(X)
    assert dropped.shape == (1, 64, 64, 3)
    with pytest.raises(RuntimeError, match="No face found in image 1"):
        FaceAligner(on_missing="raise").fit_transform(X)
    gray = FaceAligner(size=32, color="gray").fit_transform(X.astype(np.float32) / 255)
    assert gray.shape == (2, 32, 32)


def test_select_all_returns_every_face(astronaut):
    faces = FaceAligner(size=32, select="all", threshold=-0.6, check_fit=False,
                        mode="box").fit_transform(astronaut[None])
    assert isinstance(faces, list) and faces[0].shape[0] >= 2


def test_bad_inputs(astronaut):
    est = FaceAligner().fit()
    with pytest.raises(ValueError, match=r"got shape \(5, 5\)"):
        est.transform(np.zeros((5, 5)))
    with pytest.raises(ValueError, match="4 channels|2 channels"):
        est.transform(np.zeros((1, 8, 8, 2), dtype=np.uint8))
    with pytest.raises(TypeError, match="int64"):
        est.transform(np.zeros((1, 8, 8), dtype=np.int64))
    with pytest.raises(ValueError, match="at least one image"):
        est.transform(np.zeros((0, 8, 8), dtype=np.uint8))
    with pytest.raises(ValueError, match="non-empty list"):
        est.transform([])
    with pytest.raises(ValueError, match=r"Video 0 array has shape \(4, 4\)"):
        est.transform([np.zeros((4, 4), dtype=np.uint8)])
    faces, rep = FaceAligner(select="all", size=16).fit().transform_with_report(
        [np.zeros((2, 8, 8, 3), np.uint8)])  # no face: one whole-frame row per frame
    assert faces[0].shape == (2, 16, 16, 3) and list(rep[0]["track"]) == [-1, -1]
    with pytest.raises(ValueError, match="mode"):
        FaceAligner(mode="affine").fit()


def test_float_images_become_uint8_by_the_one_rule(astronaut):
    """img / 255 (and float [0, 255]) give the same faces as the uint8 image;
    NaN and values off both scales raise a ValueError naming them (#24)."""
    est = FaceAligner(upsample=0, size=32).fit()
    ref, ref_rep = est.transform_with_report(astronaut[None])
    for images in (astronaut[None] / 255, astronaut[None].astype(np.float64),
                   [astronaut / 255, astronaut[:400] / 255]):
        faces, rep = est.transform_with_report(images)
        np.testing.assert_array_equal(faces[0], ref[0])
        np.testing.assert_array_equal(rep["box"][0], ref_rep["box"][0])
    with pytest.raises(ValueError, match=r"values in \[-1, 1\]"):
        est.transform(astronaut[None] / 127.5 - 1)
    with pytest.raises(ValueError, match="Image 1 contains NaN"):
        est.transform(np.stack([astronaut, np.full_like(astronaut, np.nan, float)]) / 255)


def _write_video(path, frames, fps=25):
    import av

    with av.open(str(path), "w") as out:
        stream = out.add_stream("mpeg4", rate=fps)
        stream.height, stream.width = frames[0].shape[:2]
        stream.pix_fmt = "yuv420p"
        for f in frames:
            out.mux(stream.encode(av.VideoFrame.from_ndarray(f, format="rgb24")))
        out.mux(stream.encode())


def test_video_array_and_file_follow_the_face(astronaut, tmp_path):
    small = astronaut[::2, ::2].copy()  # 256 x 256
    frames = [small, np.roll(small, 6, axis=1), np.full_like(small, 90), small]
    faces, rep = FaceAligner(size=48, on_missing="last").fit().transform_with_report(
        [np.stack(frames)])
    assert faces[0].shape == (4, 48, 48, 3)
    assert list(rep[0]["found"]) == [True, True, False, True]
    path = tmp_path / "astro.avi"
    _write_video(path, frames)
    info = video_info(path)
    assert (info.width, info.height, info.n_frames, info.has_audio) == (256, 256, 4, False)
    faces, rep = FaceAligner(size=48, on_missing="drop").fit().transform_with_report([str(path)])
    assert faces[0].shape == (3, 48, 48, 3) and rep[0]["source"] == str(path)
    assert list(rep[0]["frame"]) == [0, 1, 2, 3]


def test_corrupt_truncated_and_empty_videos(astronaut, tmp_path):
    good = tmp_path / "good.avi"
    _write_video(good, [astronaut[::4, ::4].copy()] * 20)
    corrupt = tmp_path / "corrupt.avi"
    corrupt.write_bytes(b"\x00garbage" * 1000)
    truncated = tmp_path / "truncated.avi"
    truncated.write_bytes(good.read_bytes()[:400])
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    for bad in (corrupt, truncated, empty):
        with pytest.raises(MediaReadError, match=bad.name):
            list(iter_frames(bad))
        with pytest.raises(MediaReadError, match=bad.name):
            FaceAligner().fit().transform([str(bad)])


def test_pickle_and_parallel_videos(astronaut):
    est = FaceAligner(size=32, n_jobs=2).fit()
    videos = [np.stack([astronaut[::2, ::2]] * 2)] * 2
    again = pickle.loads(pickle.dumps(est))
    out = again.transform(videos)
    assert [v.shape for v in out] == [(2, 32, 32, 3)] * 2
    np.testing.assert_array_equal(out[0], est.transform(videos)[0])


def test_lfw_subset_detection_rates():
    lfw = skdata.lfw_subset()  # 100 faces then 100 non-faces, 25 x 25
    images = (lfw * 255).astype(np.uint8)
    det = FaceDetector("dlib-hog", upsample=3)
    found = np.array([len(det(im)[0]) > 0 for im in images])
    assert found[:100].mean() > 0.5 and found[100:].mean() < 0.1


@pytest.mark.slow
def test_enterface_every_frame(shared_data):
    paths = sorted(str(p) for p in (shared_data / "enterface05").glob("*.avi"))
    faces, reps = FaceAligner(size=64).fit().transform_with_report(paths)
    found = np.concatenate([r["found"] for r in reps])
    assert len(found) == sum(video_info(p).n_frames for p in paths)
    assert found.mean() >= 0.95


def test_five_point_landmarks_align_too(astronaut):
    box = FaceDetector()(astronaut)[0][0]
    pts = LandmarkPredictor(5)(astronaut, box)
    assert pts.shape == (5, 2) and plausible_face(pts, box)
    left68, right68 = eye_centers(LandmarkPredictor(68)(astronaut, box))
    left5, right5 = eye_centers(pts)
    # the 5-point model marks eye corners; their midpoints are the eye centres within a few px
    assert np.hypot(*(left5 - left68)) < 6 and np.hypot(*(right5 - right68)) < 6
    crop = FaceAligner(landmarks=5, size=64).fit_transform(astronaut[None])
    assert crop.shape == (1, 64, 64, 3)


# --------------------------------------------------- faces that fill the image
# The astronaut's dlib box (175, 76, 265, 166), cut tighter: SFEW-like crops.
_ASTRO_BOX = (175, 76, 265, 166)


def _tight_crop(astronaut, top=0, bottom=0, side=0):
    x0, y0, x1, y1 = _ASTRO_BOX
    return astronaut[y0 + top:y1 - bottom, x0 + side:x1 - side], (x0 + side, y0 + top)


def _eyes_in_photo(astronaut):
    box = np.array(_ASTRO_BOX, dtype=float)
    return np.array(eye_centers(LandmarkPredictor()(astronaut, box)))


@pytest.mark.parametrize("detector", ["dlib-hog", "opencv-haar"])
def test_detect_border_finds_a_face_that_fills_the_image(astronaut, detector):
    crop, offset = _tight_crop(astronaut, side=15)  # 90 x 60: cheeks cut off
    assert len(FaceDetector(detector)(crop)[0]) == 0  # the old default misses it
    boxes, _ = FaceDetector(detector, border=0.25)(crop)
    assert len(boxes) == 1
    assert boxes[0, 0] < 0 and boxes[0, 2] > crop.shape[1]  # mapped back: past the edges
    faces, rep = FaceAligner(detector, detect_border=0.25, size=32).fit() \
        .transform_with_report(crop[None])
    assert rep["found"].all() and not rep["assumed"].any() and np.isfinite(rep["score"]).all()
    finder = FaceFinder(FaceAligner(detector, detect_border=0.25).fit())
    eyes = np.array(eye_centers(finder.find(crop)[0].landmarks)) + offset
    np.testing.assert_allclose(eyes, _eyes_in_photo(astronaut), atol=4)


def test_assume_face_where_no_detector_finds_it(astronaut):
    crop, offset = _tight_crop(astronaut, top=15, bottom=5, side=10)  # 70 x 70
    for detector in ("dlib-hog", "opencv-haar"):
        ng = FaceAligner(detector, detect_border=0.25, mode="ng2015", size=64).fit()
        assert not ng.transform_with_report(crop[None])[1]["found"].any()
    ng.set_params(assume_face=True).fit()
    faces, rep = ng.transform_with_report(crop[None])
    assert faces.shape == (1, 64, 64) and faces.min() == 0 and faces.max() == 255
    assert rep["found"].all() and rep["assumed"].all() and rep["n_faces"][0] == 0
    assert np.isnan(rep["score"][0])
    np.testing.assert_array_equal(rep["box"][0], [0, 0, 69, 69])
    eyes = np.array(eye_centers(FaceFinder(ng).find(crop)[0].landmarks)) + offset
    np.testing.assert_allclose(eyes, _eyes_in_photo(astronaut), atol=4)


def test_assume_face_is_for_face_crops_only():
    # dlib fits a face-shaped set of points anywhere: a blank image passes too
    blank = np.full((1, 90, 70, 3), 127, dtype=np.uint8)
    rep = FaceAligner(assume_face=True, size=32).fit().transform_with_report(blank)[1]
    assert rep["assumed"].all()
    rep = FaceAligner(size=32).fit().transform_with_report(blank)[1]
    assert not rep["found"].any() and not rep["assumed"].any()


def test_tight_crop_settings_key_the_caches():
    from emosk.utils import estimator_fingerprint
    from emosk.video._featurizer import tracking_fingerprint

    base = FaceAligner()
    for params in ({"detect_border": 0.25}, {"assume_face": True}):
        other = FaceAligner().set_params(**params)
        assert estimator_fingerprint(other) != estimator_fingerprint(base)
        assert tracking_fingerprint(other) != tracking_fingerprint(base)
    with pytest.raises(ValueError, match="detect_border"):
        FaceAligner(detect_border=-0.1).fit()


def test_add_border():
    img = np.arange(6, dtype=np.uint8).reshape(2, 3)
    padded, p = add_border(img, 0.5)
    assert p == 2 and padded.shape == (6, 7)
    np.testing.assert_array_equal(padded[p:-p, p:-p], img)
    assert padded.sum() == img.sum()  # black
    same, p = add_border(np.zeros((4, 4, 3), np.uint8), 0.0)
    assert p == 0 and same.shape == (4, 4, 3)
    with pytest.raises(ValueError, match="-1"):
        add_border(img, -1)

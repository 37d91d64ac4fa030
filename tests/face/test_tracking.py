"""The fast face path: shrunk detection, landmark tracking, track ids, prefetching."""

import threading

import numpy as np
import pytest

pytest.importorskip("dlib")

from emosk.face import (  # noqa: E402
    FACE_PATHS,
    FaceAligner,
    FaceDetector,
    box_iou,
    face_path_params,
    iter_aligned_faces,
    shrink,
)
from emosk.face._follow import box_from_landmarks  # noqa: E402
from emosk.io import iter_frames, prefetched  # noqa: E402
from emosk.video import default_aligner, estimator_fingerprint  # noqa: E402
from emosk.video._featurizer import tracking_fingerprint  # noqa: E402


def _write_video(path, frames, fps=25):
    import av

    with av.open(str(path), "w") as out:
        stream = out.add_stream("mpeg4", rate=fps)
        stream.height, stream.width = frames[0].shape[:2]
        stream.pix_fmt = "yuv420p"
        stream.bit_rate = 4_000_000
        for f in frames:
            out.mux(stream.encode(av.VideoFrame.from_ndarray(f, format="rgb24")))
        out.mux(stream.encode())
    return str(path)


def _moving(astronaut, n, dx=3):
    """``n`` frames of the astronaut sliding right by ``dx`` pixels a frame."""
    return np.stack([np.roll(astronaut, i * dx, axis=1) for i in range(n)])


def test_shrink_and_detection_on_a_shrunk_copy(astronaut):
    small, scale = shrink(astronaut, 256)
    assert small.shape == (256, 256, 3) and scale == pytest.approx(0.5)
    same, one = shrink(astronaut, 1024)
    assert same is astronaut and one == 1.0
    full = FaceDetector(upsample=1)(astronaut)[0][0]
    shrunk = FaceDetector(upsample=1, max_side=256)(astronaut)[0]
    assert len(shrunk) and box_iou(full, shrunk[0]) > 0.6  # mapped back to full size
    with pytest.raises(ValueError, match="max_side"):
        FaceDetector(max_side=4)


def test_box_from_landmarks_moves_and_scales_with_the_points():
    pts = np.array([[0.0, 0.0], [10.0, 0.0], [5.0, 10.0]])
    box = np.array([-5.0, -5.0, 15.0, 15.0])
    assert np.allclose(box_from_landmarks(pts + 7, box, pts), box + 7)
    centre = pts.mean(0)
    doubled = box_from_landmarks(centre + 2 * (pts - centre), box, pts)
    assert doubled[2] - doubled[0] == pytest.approx(2 * (box[2] - box[0]))


def test_tracking_follows_a_moving_face_with_few_detections(astronaut):
    frames = _moving(astronaut, 12)
    calls = []
    hog = FaceDetector(upsample=0)._build()

    def counting(image):
        calls.append(1)
        return hog(image)

    tracked = FaceAligner(counting, upsample=0, detect_every=5, size=48).fit()
    faces, rep = tracked.transform_with_report([frames])
    paper = FaceAligner(upsample=0, size=48).fit().transform_with_report([frames])[1]
    assert faces[0].shape == (12, 48, 48, 3)
    assert rep[0]["found"].all() and set(rep[0]["track"]) == {0}
    assert len(calls) == 3  # frames 0, 5 and 10; landmarks in between
    ious = [box_iou(a, b) for a, b in zip(rep[0]["box"], paper[0]["box"])]
    assert min(ious) > 0.6 and np.median(ious) > 0.85  # on the detector's box
    shifts = rep[0]["box"][:, 0] - rep[0]["box"][0, 0]
    followed = [i for i in range(1, 12) if i not in (5, 10)]  # not detection frames
    assert np.allclose(np.diff(shifts)[np.array(followed) - 1], 3, atol=0.6)  # 3 px a frame


def test_lost_face_is_detected_again_at_once(astronaut):
    blank = np.full_like(astronaut, 40)
    frames = np.stack([astronaut, astronaut, blank, blank, astronaut, astronaut])
    al = FaceAligner(upsample=0, detect_every=10, max_gap=0, size=32).fit()
    rep = al.transform_with_report([frames])[1][0]
    assert list(rep["found"]) == [True, True, False, False, True, True]
    assert list(rep["track"]) == [0, 0, -1, -1, 1, 1]  # gap longer than max_gap: new id
    rep = al.set_params(max_gap=5).transform_with_report([frames])[1][0]
    assert list(rep["track"]) == [0, 0, -1, -1, 0, 0]  # a short gap keeps the id


@pytest.mark.parametrize("max_gap", [0, 1, 2])
def test_a_face_missing_max_gap_frames_keeps_its_id_one_more_does_not(astronaut, max_gap):
    """Shown, hidden for k frames, shown again: the same id for k <= max_gap, a
    new one for k = max_gap + 1 (it was kept one frame too long, #24)."""
    blank = np.full_like(astronaut, 40)
    al = FaceAligner(upsample=0, max_gap=max_gap, size=32).fit()
    for hidden, same in [(max_gap, True), (max_gap + 1, False)]:
        frames = np.stack([astronaut] * 2 + [blank] * hidden + [astronaut])
        rep = al.transform_with_report([frames])[1][0]
        assert list(rep["found"]) == [True, True] + [False] * hidden + [True]
        assert list(rep["track"][-1:]) == [0 if same else 1], (max_gap, hidden)


def test_two_faces_give_two_tracks_numbered_left_to_right(astronaut, tmp_path):
    frames = np.stack([np.hstack([f, f[:, ::-1]]) for f in _moving(astronaut, 8, dx=2)])
    path = _write_video(tmp_path / "two.mp4", list(frames))
    al = FaceAligner(upsample=0, threshold=0.5, detect_every=4, select="all", size=32).fit()
    rows = list(iter_aligned_faces(path, al))
    assert len(rows) == 16  # two faces in each of the 8 frames
    by_track = {}
    for crop, rec in rows:
        assert crop.shape == (32, 32, 3) and rec["found"]
        by_track.setdefault(rec["track"], []).append(rec)
    assert sorted(by_track) == [0, 1]
    left = np.array([r["box"][0] for r in by_track[0]])
    right = np.array([r["box"][0] for r in by_track[1]])
    assert (left < 512).all() and (right >= 512).all()  # ids kept, left first
    assert [r["frame"] for r in by_track[0]] == list(range(8))
    faces, rep = al.transform_with_report([frames])
    assert faces[0].shape == (16, 32, 32, 3) and sorted(set(rep[0]["track"])) == [0, 1]


def test_tracking_keeps_one_id_through_a_real_clip(shared_data):
    clip = str(shared_data / "enterface05" / "s1_ha_1.avi")
    fast = FaceAligner(**FACE_PATHS["fast"], mode="fer2013", size=48, color="gray").fit()
    paper = fast.set_params(**FACE_PATHS["paper"])
    rep_fast = [rec for _, rec in iter_aligned_faces(clip, fast.fit())]
    rep_paper = [rec for _, rec in iter_aligned_faces(clip, paper.fit())]
    assert len(rep_fast) == len(rep_paper) > 50
    assert all(r["found"] for r in rep_fast) and {r["track"] for r in rep_fast} == {0}
    ious = [box_iou(a["box"], b["box"]) for a, b in zip(rep_fast, rep_paper)]
    assert np.median(ious) > 0.7 and min(ious) > 0.4


def test_new_parameters_key_the_caches():
    base = FaceAligner()
    for name, value in [("detect_size", 480), ("detect_size", (480, 1280)),
                        ("detect_min_size", 96), ("detect_retry_size", 640),
                        ("min_face_size", 24),
                        ("detect_every", 5), ("max_gap", 3)]:
        changed = FaceAligner().set_params(**{name: value})
        assert tracking_fingerprint(changed) != tracking_fingerprint(base), name
        assert estimator_fingerprint(changed) != estimator_fingerprint(base), name
    quiet = FaceAligner(prefetch=0)  # decoding ahead does not change the output
    assert tracking_fingerprint(quiet) == tracking_fingerprint(base)
    assert estimator_fingerprint(quiet) == estimator_fingerprint(base)


def test_face_paths_and_default_aligner():
    assert face_path_params("paper") == {"detect_size": None, "upsample": 1, "detect_every": 1}
    fast = default_aligner("compact")
    assert (fast.detect_every, fast.detect_size, fast.upsample) == (10, 640, 0)
    paper = default_aligner("compact", face_path="paper").get_params()
    assert all(paper[k] == FaceAligner().get_params()[k] for k in FACE_PATHS["paper"])
    with pytest.raises(ValueError, match="face_path must be one of"):
        default_aligner("compact", face_path="quick")
    # the RetinaFace path frames faces by its points, except for dlib's chips
    retina = default_aligner("compact", face_path="retinaface")
    assert (retina.detector, retina.landmarks, retina.detect_every) == ("retinaface",
                                                                       "detector", 1)
    chips = default_aligner("dlib_resnet", face_path="retinaface")
    assert (chips.detector, chips.landmarks, chips.mode) == ("retinaface", 68, "dlib-chip")
    from emosk.__main__ import FACE_PATHS as CLI_CHOICES

    assert sorted(CLI_CHOICES) == sorted(FACE_PATHS)  # the CLI's light copy


def test_videofeaturizer_refuses_every_face():
    from emosk.video import VideoFeaturizer

    with pytest.raises(ValueError, match="one person per clip"):
        VideoFeaturizer(FaceAligner(select="all")).fit()


def test_prefetched_keeps_order_raises_and_stops(astronaut, tmp_path):
    assert list(prefetched(range(50), 4)) == list(range(50))
    assert list(prefetched(iter("abc"), 0)) == ["a", "b", "c"]

    def failing():
        yield 1
        raise OSError("broken at item 2")

    got = []
    with pytest.raises(OSError, match="broken at item 2"):
        for item in prefetched(failing(), 2):
            got.append(item)
    assert got == [1]
    path = _write_video(tmp_path / "a.mp4", list(_moving(astronaut[::2, ::2], 20)))
    before = threading.active_count()
    stream = prefetched(iter_frames(path), 3)
    first = next(stream)
    stream.close()  # stops and joins the reader thread
    assert first[0] == 0 and threading.active_count() == before
    whole = [f for _, _, f in prefetched(iter_frames(path), 3)]
    plain = [f for _, _, f in iter_frames(path)]
    assert len(whole) == 20 and all(np.array_equal(a, b) for a, b in zip(whole, plain))


# Issue #24, item 1: a followed face must not outlive the face.


def _framed(astronaut):
    """The astronaut's head and shoulders, enlarged 1.5 times, in a grey
    640x480 frame (her face about 150 px wide; her whole picture would give
    dlib a second, false face on her suit)."""
    import cv2

    frame = np.full((480, 640, 3), 128, np.uint8)
    frame[15:465, 95:545] = cv2.resize(astronaut[:300, 100:400], (450, 450),
                                       interpolation=cv2.INTER_AREA)
    return frame


def _scene(image):
    """Another picture, as a 640x480 RGB frame."""
    import cv2

    image = image if image.ndim == 3 else np.stack([image] * 3, axis=-1)
    return cv2.resize(image[..., :3], (640, 480), interpolation=cv2.INTER_AREA)


def _fast(**params):
    return FaceAligner(**FACE_PATHS["fast"], size=48, **params).fit()


@pytest.mark.parametrize("shot", ["grey", "coffee", "chelsea"])
def test_a_cut_to_a_shot_without_a_face_loses_it_at_once(astronaut, tmp_path, shot):
    skdata = pytest.importorskip("skimage.data")
    after = (np.full((480, 640, 3), 128, np.uint8) if shot == "grey"
             else _scene(getattr(skdata, shot)()))
    path = _write_video(tmp_path / "cut.mp4", [_framed(astronaut)] * 25 + [after] * 25)
    rep = _fast().transform_with_report([path])[1][0]
    assert rep["found"][:25].all()
    # the paper's path finds nothing from frame 25 on; the fast one may keep
    # the face one frame at most
    assert not rep["found"][26:].any(), np.flatnonzero(rep["found"])


def test_a_steady_face_stays_found_in_every_frame(astronaut, tmp_path):
    rng = np.random.default_rng(0)
    frames = []
    for i in range(50):  # a face that sways, flickers and is noisy, as a camera's
        frame = np.roll(_framed(astronaut), int(round(4 * np.sin(i / 4))), axis=1)
        frame = frame.astype(float) * (1 + 0.08 * np.sin(i / 3)) + rng.normal(0, 3, frame.shape)
        frames.append(np.clip(frame, 0, 255).astype(np.uint8))
    rep = _fast().transform_with_report([_write_video(tmp_path / "steady.mp4", frames)])[1][0]
    assert rep["found"].all() and set(rep["track"]) == {0}


def _retina(**params):
    return FaceAligner(**{**FACE_PATHS["retinaface"], "mode": "fer2013", "size": 48,
                          **params}).fit()


@pytest.mark.parametrize("shot", ["grey", "coffee", "chelsea"])
def test_the_retinaface_path_loses_a_face_at_the_cut(astronaut, tmp_path, shot, shared_weights):
    skdata = pytest.importorskip("skimage.data")
    after = (np.full((480, 640, 3), 128, np.uint8) if shot == "grey"
             else _scene(getattr(skdata, shot)()))
    path = _write_video(tmp_path / "cut.mp4", [_framed(astronaut)] * 25 + [after] * 25)
    rep = _retina().transform_with_report([path])[1][0]
    # detected in every frame: found up to the cut, not one frame after it
    assert rep["found"][:25].all() and not rep["found"][25:].any()
    assert set(rep["track"][:25]) == {0}


def test_the_retinaface_path_keeps_a_steady_face_and_its_track(astronaut, tmp_path,
                                                              shared_weights):
    rng = np.random.default_rng(0)
    frames = []
    for i in range(30):
        frame = np.roll(_framed(astronaut), int(round(4 * np.sin(i / 4))), axis=1)
        frame = frame.astype(float) * (1 + 0.08 * np.sin(i / 3)) + rng.normal(0, 3, frame.shape)
        frames.append(np.clip(frame, 0, 255).astype(np.uint8))
    aligner = _retina()
    assert aligner.detector_.max_side == 320 and aligner.landmarks_ is None  # its own points
    rep = aligner.transform_with_report([_write_video(tmp_path / "steady.mp4", frames)])[1][0]
    assert rep["found"].all() and set(rep["track"]) == {0}


def test_the_retinaface_path_finds_small_faces_in_a_larger_copy(astronaut, tmp_path,
                                                                shared_weights):
    """The astronaut's face at about 30 px in a 720 px wide shot: too small for
    the 320 px copy (no face in any frame without the retry), found in every
    frame and followed on one track with the 640 px retry."""
    import cv2

    rng = np.random.default_rng(0)
    head = cv2.resize(astronaut[:300, 100:400], (100, 100), interpolation=cv2.INTER_AREA)
    frames = []
    for i in range(20):
        frame = np.full((540, 720, 3), 90, np.uint8)
        x = 300 + i  # walking slowly to the right
        frame[250:350, x:x + 100] = head
        frames.append(np.clip(frame + rng.normal(0, 2, frame.shape), 0, 255).astype(np.uint8))
    path = _write_video(tmp_path / "wide.mp4", frames)
    without = _retina(detect_retry_size=None).transform_with_report([path])[1][0]
    assert not without["found"].any()
    rep = _retina().transform_with_report([path])[1][0]
    assert rep["found"].all() and set(rep["track"]) == {0}
    assert np.all((rep["box"][:, 0] > 295) & (rep["box"][:, 2] < 410))


def _cover(box, rect):
    """Share of ``box`` under the rectangle ``rect``."""
    iw = max(0.0, min(box[2], rect[2]) - max(box[0], rect[0]))
    ih = max(0.0, min(box[3], rect[3]) - max(box[1], rect[1]))
    return iw * ih / ((box[2] - box[0]) * (box[3] - box[1]))


@pytest.mark.parametrize("occluder", ["front head", "coffee"])
def test_an_occluded_face_is_not_followed_on_what_hides_it(astronaut, occluder):
    import cv2

    skdata = pytest.importorskip("skimage.data")
    head = astronaut[20:260, 110:330]
    back = np.array([134.0, 184.0, 220.0, 270.0])  # the head's face box, seen alone
    if occluder == "front head":  # a nearer person walks past, in front
        front, top, speed = cv2.resize(head[:, ::-1], None, fx=1.4, fy=1.4), 200, 6
        front_face = np.array([79.0, 79.0, 203.0, 203.0])  # in `front`
    else:  # a picture slides over the face
        front, top, speed = skdata.coffee()[:300, :300], 100, 8
        front_face = None
    frames, rects = [], []
    for i in range(60):
        frame = np.full((480, 640, 3), 90, np.uint8)
        frame[120:360, 60:280] = head
        x = 640 - front.shape[1] - i * speed
        h = min(front.shape[0], 480 - top)
        frame[top:top + h, max(x, 0):x + front.shape[1]] = front[:h, max(-x, 0):]
        frames.append(frame)
        rects.append((x, top, x + front.shape[1], top + front.shape[0]))
    rep = _fast(select="all").transform_with_report([np.stack(frames)])[1][0]
    hidden = [_cover(back, r) > 0.75 for r in rects]  # eyes and mouth hidden
    assert any(hidden)
    for i, found, box in zip(rep["frame"], rep["found"], rep["box"]):
        if not found:
            continue
        x, y = rects[i][:2]
        on_front = front_face is not None and box_iou(box, front_face + [x, y, x, y]) > 0.5
        # a face found where the back face is, at most two frames after it was hidden
        on_back = box_iou(box, back) > 0.5 and not all(hidden[max(i - 2, 0): i + 1])
        assert on_front or on_back, (i, box)


def test_a_followed_face_ends_where_a_detection_round_misses_it(astronaut):
    hog = FaceDetector(upsample=0)._build()
    calls = []

    def first_frame_only(image):  # the detector finds the face once, then never
        calls.append(1)
        return hog(image) if len(calls) == 1 else ([], [])

    frames = np.stack([astronaut] * 10)
    al = FaceAligner(first_frame_only, upsample=0, detect_every=2, max_gap=4, size=32)
    rep = al.fit().transform_with_report([frames])[1][0]
    # followed in frame 1; the detection round of frame 2 does not confirm it
    assert list(rep["found"]) == [True] * 2 + [False] * 8


def test_enterface_clips_keep_every_face_on_the_fast_path(shared_data):
    al = FaceAligner(**FACE_PATHS["fast"], mode="fer2013", size=48, color="gray").fit()
    for clip in sorted((shared_data / "enterface05").glob("*.avi")):
        found = [rec["found"] for _, rec in iter_aligned_faces(str(clip), al)]
        assert len(found) > 50 and all(found), clip.name


# Issue #24, item 2: threads sharing a fitted aligner detect as a serial run.


def _varied(astronaut, n):
    """``n`` views of the astronaut: turned, zoomed and moved a little."""
    import cv2

    views = []
    for i in range(n):
        m = cv2.getRotationMatrix2D((256.0, 200.0), 8 * np.sin(i), 0.7 + 0.03 * i)
        m[:, 2] += (5 * (i % 4), 3 * (i % 5))
        views.append(cv2.warpAffine(astronaut, m, (512, 512), borderMode=cv2.BORDER_REFLECT))
    return views


@pytest.mark.parametrize("detector", ["dlib-hog", "opencv-haar"])
def test_threads_sharing_a_detector_find_what_a_serial_run_finds(astronaut, detector):
    from concurrent.futures import ThreadPoolExecutor

    frames = _varied(astronaut, 24)
    detect = FaceDetector(detector)
    serial = [detect(f) for f in frames]
    with ThreadPoolExecutor(3) as pool:
        threaded = list(pool.map(detect, frames))
    for i, ((b1, s1), (b2, s2)) in enumerate(zip(serial, threaded)):
        np.testing.assert_array_equal(b1, b2, err_msg=f"frame {i}")
        np.testing.assert_array_equal(s1, s2, err_msg=f"frame {i}")


def test_aligner_threads_give_the_report_of_a_serial_run(astronaut):
    from joblib import parallel_config

    frames = _varied(astronaut, 24)
    videos = [np.stack(frames[i::4]) for i in range(4)]
    aligner = FaceAligner(size=48).fit()
    faces, serial = aligner.transform_with_report(videos)
    with parallel_config(backend="threading"):
        again, threaded = aligner.set_params(n_jobs=3).transform_with_report(videos)
    for i in range(4):
        assert serial[i]["found"].all(), i
        np.testing.assert_array_equal(serial[i]["box"], threaded[i]["box"], err_msg=str(i))
        np.testing.assert_array_equal(serial[i]["score"], threaded[i]["score"])
        np.testing.assert_array_equal(faces[i], again[i])

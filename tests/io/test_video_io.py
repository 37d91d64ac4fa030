"""Reading video files: which frames ``iter_frames(fps=...)`` keeps (#24 item 3), and
phone clips stored sideways come out upright (#24 item 4)."""

import numpy as np
import pytest

av = pytest.importorskip("av")

from emosk.io import iter_frames, video_info  # noqa: E402

SOURCE_FPS, SECONDS = 25, 4


@pytest.fixture(scope="module")
def clip_25fps(tmp_path_factory):
    """A 4 s, 25 fps MPEG-4 clip of 64x64 frames whose grey level is the frame
    number, written with PyAV (time stamps 0, 0.04, ..., 3.96 s)."""
    path = tmp_path_factory.mktemp("video") / "count.mp4"
    with av.open(str(path), "w") as out:
        stream = out.add_stream("mpeg4", rate=SOURCE_FPS)
        stream.width = stream.height = 64
        stream.pix_fmt = "yuv420p"
        for i in range(SOURCE_FPS * SECONDS):
            frame = np.full((64, 64, 3), 2 * i, np.uint8)
            out.mux(stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")))
        out.mux(stream.encode())
    return path


@pytest.mark.parametrize("fps", [1, 5, 10, 12.5, 20, 24, 25, 30, 60])
def test_fps_keeps_that_many_frames_a_second(clip_25fps, fps):
    """N fps keeps N frames a second within one frame, never more than the clip
    has, spread evenly: each kept frame is the first at or after its due time."""
    kept = list(iter_frames(clip_25fps, fps=fps))
    times = np.array([t for _, t, _ in kept])
    expected = min(fps, SOURCE_FPS) * SECONDS
    assert abs(len(kept) - expected) <= 1, (fps, len(kept), expected)
    assert len(set(i for i, _, _ in kept)) == len(kept)  # no frame twice
    if fps < SOURCE_FPS:
        due = np.arange(len(kept)) / fps
        assert np.all(times >= due - 1e-6)
        assert np.all(times < due + 1 / SOURCE_FPS - 1e-6)  # within a source frame


def test_fps_counts_from_the_first_frame_of_a_clip_that_starts_late(tmp_path):
    """Time stamps that start at 2 s: the due times start there too, rather than
    every frame being kept until 2 s of due times have been caught up."""
    path = tmp_path / "late.mp4"
    with av.open(str(path), "w") as out:
        stream = out.add_stream("mpeg4", rate=SOURCE_FPS)
        stream.width = stream.height = 64
        stream.pix_fmt = "yuv420p"
        for i in range(SOURCE_FPS * 2):
            frame = av.VideoFrame.from_ndarray(np.zeros((64, 64, 3), np.uint8),
                                               format="rgb24")
            frame.pts = 2 * SOURCE_FPS + i
            out.mux(stream.encode(frame))
        out.mux(stream.encode())
    kept = list(iter_frames(path, fps=5))
    first = kept[0][1]
    assert abs(len(kept) - 10) <= 1
    assert np.allclose(np.diff([t for _, t, _ in kept]), 0.2, atol=1 / SOURCE_FPS)
    assert first == pytest.approx(2.0, abs=0.05)



def _portrait():
    """An upright 512x384 (H x W) portrait of the astronaut."""
    skdata = pytest.importorskip("skimage.data")
    return np.ascontiguousarray(skdata.astronaut()[:, 64:448])


def _write_turned(path, upright, rotation, n=10):
    """A clip as a phone writes one: each frame stored turned, with a display
    matrix saying to turn it ``rotation`` degrees counter-clockwise to show it."""
    stream_frame = np.ascontiguousarray(np.rot90(upright, -rotation // 90))
    with av.open(str(path), "w") as out:
        stream = out.add_stream("mpeg4", rate=25)
        stream.height, stream.width = stream_frame.shape[:2]
        stream.pix_fmt, stream.bit_rate = "yuv420p", 4_000_000
        if rotation:
            stream.set_display_rotation(rotation)
        for _ in range(n):
            out.mux(stream.encode(av.VideoFrame.from_ndarray(stream_frame, format="rgb24")))
        out.mux(stream.encode())
    return str(path)


@pytest.fixture
def turnable():
    if not hasattr(av.video.stream.VideoStream, "set_display_rotation"):
        pytest.skip(f"PyAV {av.__version__} cannot write a display rotation")


@pytest.mark.parametrize("rotation", [-90, 90, 180])
def test_frames_stored_sideways_come_out_upright(tmp_path, turnable, rotation):
    upright = _portrait()
    path = _write_turned(tmp_path / "phone.mp4", upright, rotation)
    frames = [f for _, _, f in iter_frames(path)]
    assert len(frames) == 10
    for frame in frames:
        assert frame.shape == upright.shape and frame.flags.c_contiguous
        error = float(np.abs(frame.astype(int) - upright).mean())
        assert error < 6, error  # the codec's error only
    gray = next(iter_frames(path, color="gray"))[2]
    assert gray.shape == upright.shape[:2]
    info = video_info(path)
    assert (info.height, info.width, info.rotation) == (512, 384, rotation % 360)


def test_a_sideways_phone_clip_has_its_face_found(tmp_path, turnable):
    pytest.importorskip("dlib")
    from emosk.face import FACE_PATHS, FaceAligner

    upright = _portrait()
    sideways = _write_turned(tmp_path / "phone.mp4", upright, -90)
    plain = _write_turned(tmp_path / "plain.mp4", upright, 0)
    aligner = FaceAligner(**FACE_PATHS["fast"], size=48).fit()
    reports = aligner.transform_with_report([sideways, plain])[1]
    assert reports[1]["found"].all()  # upright: a face in each of the 10 frames
    assert reports[0]["found"].sum() == 10, reports[0]["found"]
    np.testing.assert_allclose(reports[0]["box"], reports[1]["box"], atol=4)

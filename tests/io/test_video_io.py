"""Reading video files: phone clips stored sideways come out upright (#24 item 4)."""

import numpy as np
import pytest

from emosk.io import iter_frames, video_info

av = pytest.importorskip("av")


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

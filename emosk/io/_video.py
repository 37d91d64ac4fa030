"""Streaming the frames of video files with bounded memory."""

import queue
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ._errors import MediaReadError, reason

__all__ = ["VideoInfo", "video_info", "iter_frames", "prefetched"]

#: Time stamps are rounded from the stream's time base: a frame this many
#: periods of ``fps`` before its due time is taken as on time.
_TIME_SLACK = 1e-6


@dataclass(frozen=True)
class VideoInfo:
    """Metadata of a video file.

    Attributes
    ----------
    path : str
    fps : float
        Average frame rate.
    n_frames : int
        Frame count from the container, or estimated from duration and fps
        when the container does not store it (0 if unknown).
    duration : float
        Seconds.
    width, height : int
        Size in pixels of the frames :func:`iter_frames` yields: upright,
        so the stored size swapped when ``rotation`` is 90 or 270.
    has_audio : bool
        Whether the file has an audio track.
    rotation : int
        Degrees (0, 90, 180 or 270) the stored frames are turned
        counter-clockwise to show them upright: the display matrix that
        phones write instead of turning portrait video (a clip the old
        ``rotate=90`` tag marks has 270).
    """

    path: str
    fps: float
    n_frames: int
    duration: float
    width: int
    height: int
    has_audio: bool
    rotation: int = 0


def _open(path):
    import av

    try:
        container = av.open(str(path))
    except (av.error.FFmpegError, OSError) as err:
        raise MediaReadError(f"Cannot open video {path}: {reason(err)}.") from err
    if not container.streams.video:
        container.close()
        raise MediaReadError(f"{path} has no video track.")
    return container


def _rotation(frame, stream):
    """Counter-clockwise degrees (0, 90, 180 or 270) that show a frame upright.

    From the frame's display matrix (``VideoFrame.rotation``, in PyAV
    versions that have it), else from the stream's ``rotate`` tag, which
    older FFmpeg versions set (clockwise degrees).
    """
    angle = getattr(frame, "rotation", None)
    if angle is None:
        try:
            angle = -float(stream.metadata.get("rotate", 0))
        except ValueError:
            angle = 0
    return int(round(angle / 90)) % 4 * 90


def _upright(array, rotation):
    """The decoded frame turned ``rotation`` degrees counter-clockwise."""
    if not rotation:
        return array
    return np.ascontiguousarray(np.rot90(array, rotation // 90))


def video_info(path):
    """Read a video's metadata, decoding its first frame only (for the rotation).

    Parameters
    ----------
    path : str or path-like
        The video file.

    Returns
    -------
    VideoInfo

    Raises
    ------
    MediaReadError
        If the file cannot be opened or has no video track.
    """
    import av

    with _open(path) as container:
        stream = container.streams.video[0]
        fps = float(stream.average_rate or stream.guessed_rate or 0)
        if stream.duration is not None and stream.time_base is not None:
            duration = float(stream.duration * stream.time_base)
        else:
            duration = (container.duration or 0) / 1e6
        n_frames = stream.frames or int(round(duration * fps))
        width, height = stream.codec_context.width, stream.codec_context.height
        rotation = 0
        try:
            first = next(container.decode(stream), None)
        except av.error.FFmpegError:  # iter_frames says what is wrong
            first = None
        if first is not None:
            rotation = _rotation(first, stream)
        if rotation in (90, 270):
            width, height = height, width
        return VideoInfo(str(path), fps, int(n_frames), duration, width, height,
                         bool(container.streams.audio), rotation)


def _keep_frame(index, time, state, fps, step):
    """Whether frame ``index`` (at ``time`` seconds) is kept.

    With ``fps``, the frames due are at ``t0 + k / fps`` (``t0`` the first
    frame's time stamp, k = 0, 1, ...): each due time keeps the first frame at
    or after it.  The next due time is counted from the previous one, not from
    the frame kept, so N fps keeps N frames a second (every frame when the
    video has fewer); due times that a jump in the time stamps passed are
    skipped, not caught up with a burst of frames.  Frames without a time
    stamp are kept.
    """
    if step is not None:
        return index % step == 0
    if fps is None or time is None:
        return True
    if state["start"] is None:
        state["start"] = time
    elapsed = (time - state["start"]) * fps  # due times passed, in periods
    if elapsed + _TIME_SLACK < state["due"]:
        return False
    state["due"] = int(np.floor(elapsed + _TIME_SLACK)) + 1
    return True


def iter_frames(path, *, fps=None, step=None, max_frames=None, color="rgb"):
    """Yield a video's frames one at a time; memory does not grow with length.

    Parameters
    ----------
    path : str or path-like
        The video file.
    fps : float, default=None
        Keep this many frames per second, by time stamps: the first frame at
        or after each of the times ``t0 + k / fps`` (``t0`` the first
        frame's), so a 25 fps video keeps 20 frames a second with ``fps=20``
        and all 25 with ``fps=30``.  All frames when None.
    step : int, default=None
        Keep every ``step``-th frame instead (exclusive with ``fps``).
    max_frames : int, default=None
        Stop after this many kept frames.
    color : {"rgb", "gray"}, default="rgb"
        ``(H, W, 3)`` RGB or ``(H, W)`` grayscale uint8 frames.

    Notes
    -----
    Frames come out upright: a clip stored turned with a display rotation
    (as phones write portrait video) is turned back, as players show it
    (see :attr:`VideoInfo.rotation`).  Face detectors find no face in a
    portrait clip read sideways.

    Yields
    ------
    index : int
        Position of the frame in the decoded stream.
    time : float or None
        Its timestamp in seconds.
    frame : ndarray of uint8

    Raises
    ------
    MediaReadError
        If the file cannot be opened, has no video track, yields no frame at
        all, or breaks off mid-way (the message says after which frame).
    ValueError
        On bad options.
    """
    import av

    if fps is not None and step is not None:
        raise ValueError("Give fps or step, not both.")
    if step is not None and (int(step) != step or step < 1):
        raise ValueError(f"step must be a positive integer; got {step!r}.")
    if fps is not None and not fps > 0:
        raise ValueError(f"fps must be positive; got {fps!r}.")
    if color not in ("rgb", "gray"):
        raise ValueError(f"color must be 'rgb' or 'gray'; got {color!r}.")
    fmt = "rgb24" if color == "rgb" else "gray"
    state, kept, index = {"start": None, "due": 0}, 0, -1
    with _open(path) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        try:
            for index, frame in enumerate(container.decode(stream)):
                if max_frames is not None and kept >= max_frames:
                    return
                if _keep_frame(index, frame.time, state, fps, step):
                    kept += 1
                    array = frame.to_ndarray(format=fmt)
                    yield index, frame.time, _upright(array, _rotation(frame, stream))
        except av.error.FFmpegError as err:
            raise MediaReadError(
                f"Decoding {path} failed after {index + 1} frames: {reason(err)}.") from err
    if index < 0:
        raise MediaReadError(f"{path} contains no decodable video frame.")


_END = object()


def _fill(items, slots, stop):
    """Put ``(item, None)`` pairs, then ``(_END, error or None)``, until ``stop``."""
    def put(pair):
        while not stop.is_set():
            try:
                slots.put(pair, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    error = None
    try:
        for item in items:
            if not put((item, None)):
                return
    except BaseException as err:  # handed to the consumer, raised there
        error = err
    finally:
        close = getattr(items, "close", None)
        if close is not None:
            close()  # a generator's clean-up (the open file) runs in its own thread
    put((_END, error))


def prefetched(items, depth):
    """Iterate over ``items`` in a background thread, up to ``depth`` ahead.

    Decoding a video frame and working on the previous one then overlap (the
    decoder, OpenCV, dlib and torch release the GIL).  An exception raised
    while producing an item is raised by the consumer, at that item.
    Stopping early (``close``, ``break``) stops and joins the thread.

    Parameters
    ----------
    items : iterable
        E.g. :func:`iter_frames`.
    depth : int
        Items produced ahead at most; 0 iterates in the calling thread.

    Yields
    ------
    The items of ``items``, in order.
    """
    if depth <= 0:
        yield from items
        return
    slots, stop = queue.Queue(maxsize=depth), threading.Event()
    worker = threading.Thread(target=_fill, args=(iter(items), slots, stop), daemon=True,
                              name="emosk-prefetch")
    worker.start()
    try:
        while True:
            item, error = slots.get()
            if item is _END:
                if error is not None:
                    raise error
                return
            yield item
    finally:
        stop.set()
        worker.join()


def as_frames(video, *, index=None):
    """Check a ``(T, H, W, C)`` or ``(T, H, W)`` uint8 video array."""
    arr = np.asarray(video)
    where = "" if index is None else f" {index}"
    if arr.ndim not in (3, 4) or arr.shape[0] == 0 or arr.dtype != np.uint8:
        raise ValueError(
            f"Video{where} array has shape {arr.shape} and dtype {arr.dtype}; expected "
            "a non-empty (T, H, W, C) or (T, H, W) uint8 array.")
    return arr


def is_video_path(item):
    """True for str and path-like inputs."""
    return isinstance(item, (str, Path))

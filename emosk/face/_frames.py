"""The frames of a video that a FaceAligner looks at."""

import numpy as np

from ..io import as_frames, is_video_path, iter_frames, prefetched

__all__ = ["kept_frames"]


def kept_frames(video, *, fps=None, step=None, max_frames=None, prefetch=0, index=None):
    """The frames kept of a video file or an array of frames.

    Parameters
    ----------
    video : str, path-like or ndarray of shape (T, H, W[, C])
        A video file or frames.
    fps : float, default=None
        Video files: frames kept per second (see :func:`~emosk.io.iter_frames`);
        arrays have no timestamps and refuse it.
    step : int, default=None
        Keep every ``step``-th frame (all when None).
    max_frames : int, default=None
        Keep at most this many frames.
    prefetch : int, default=0
        Video files: frames decoded ahead in a background thread.
    index : int, default=None
        Position of the video in a collection, for error messages.

    Yields
    ------
    frame_index : int
        Index of the frame in the video.
    time : float or None
        Its time stamp in seconds; None for arrays.
    frame : ndarray of shape (H, W[, C]), uint8
    """
    if is_video_path(video):
        frames = iter_frames(video, fps=fps, step=step, max_frames=max_frames)
        yield from prefetched(frames, prefetch)
        return
    if fps is not None:
        raise ValueError(
            f"fps={fps} needs timestamps, which video {index} (an array of "
            f"shape {np.shape(video)}) does not have; use step= for arrays.")
    frames = as_frames(video, index=index)
    kept = range(0, len(frames), step or 1)
    if max_frames is not None:
        kept = kept[:max_frames]
    for i in kept:
        yield i, None, frames[i]

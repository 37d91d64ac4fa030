"""A short video made from one photo, for demonstrations and tests."""

from pathlib import Path

import numpy as np

__all__ = ["make_demo_video"]


def make_demo_video(image, path, *, center, seconds=3.0, fps=10, size=320):
    """Write a short video made from one photo: a slow zoom and a sway.

    The photo turns by up to +-12 degrees around ``center`` while zooming
    from 0.8 to 1.3; the last 30% of the frames are mirrored.  ``emosk demo``
    makes its video this way from ``skimage.data.astronaut()``.

    Parameters
    ----------
    image : ndarray of shape (H, W, 3), uint8
        An RGB photo.
    path : str or path-like
        The video file to write (MPEG-4 through PyAV; an existing file is
        replaced).
    center : tuple of float
        The point ``(x, y)`` kept at the centre of the frame (e.g. a face's
        centre).
    seconds : float, default=3.0
    fps : int, default=10
    size : int, default=320
        Side of the square frames.

    Returns
    -------
    path : str or path-like
        ``path``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from skimage import data
    >>> from emosk.datasets import make_demo_video
    >>> from emosk.io import video_info
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "demo.mp4"
    >>> _ = make_demo_video(data.astronaut(), out, center=(230, 110), seconds=1)
    >>> video_info(out).n_frames
    10
    """
    import av
    import cv2

    image = np.asarray(image)
    if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
        raise ValueError(f"image must be an RGB uint8 array of shape (H, W, 3); got "
                         f"shape {image.shape} and dtype {image.dtype}.")
    n = int(seconds * fps)
    with av.open(str(Path(path)), "w") as container:
        stream = container.add_stream("mpeg4", rate=fps)
        stream.width = stream.height = size
        stream.pix_fmt = "yuv420p"
        for i in range(n):
            u = i / max(n - 1, 1)
            angle, scale = 12 * np.sin(2 * np.pi * u), 0.8 + 0.5 * u
            m = cv2.getRotationMatrix2D(tuple(map(float, center)), angle, scale)
            m[:, 2] += np.array([size / 2, size / 2]) - np.asarray(center)
            frame = cv2.warpAffine(image, m, (size, size), borderMode=cv2.BORDER_REFLECT)
            if u > 0.7:
                frame = frame[:, ::-1].copy()
            container.mux(stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")))
        container.mux(stream.encode())
    return path

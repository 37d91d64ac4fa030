"""Reading image files."""

from pathlib import Path

import numpy as np

from ._errors import MediaReadError
from ._media import IMAGE_SUFFIXES

__all__ = ["IMAGE_SUFFIXES", "read_image"]


def _decode(data, path):
    """OpenCV's decoding of an image file's bytes (None if it cannot), its own
    errors (a header claiming too many pixels...) raised as MediaReadError."""
    import cv2

    try:
        return cv2.imdecode(data, cv2.IMREAD_COLOR)
    except cv2.error as err:
        reason = str(err).strip().splitlines()[-1].split("error: ")[-1]
        if "CV_IO_MAX_IMAGE_PIXELS" in reason:
            why = ("its header claims more pixels than OpenCV decodes (2^30 unless the "
                   "environment variable OPENCV_IO_MAX_IMAGE_PIXELS says otherwise)")
        else:
            why = f"OpenCV cannot decode it ({reason})"
        raise MediaReadError(f"Cannot read image {path}: {why}.") from err


def read_image(path):
    """An image file as an RGB uint8 array.

    Parameters
    ----------
    path : str or path-like
        A file in a format OpenCV decodes (the formats of
        :data:`IMAGE_SUFFIXES`, whatever the file's suffix).

    Returns
    -------
    ndarray of shape (H, W, 3), uint8
        RGB (a gray image is repeated in the three channels).

    Raises
    ------
    MediaReadError
        If the file is missing or not an image OpenCV can decode (also when
        its header claims more pixels than OpenCV accepts); the message names
        the file.
    """
    import cv2

    path = Path(path)
    data = np.fromfile(path, dtype=np.uint8) if path.is_file() else None
    image = None if data is None or data.size == 0 else _decode(data, path)
    if image is None:
        why = "no such file" if data is None else "not a decodable image"
        raise MediaReadError(f"Cannot read image {path}: {why}.")
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)

"""Whether a file is an image or a video, from its suffix and header only."""

import os
from pathlib import Path

from ._errors import MediaReadError
from ._media import IMAGE_SUFFIXES, VIDEO_SUFFIXES
from ._video import video_info

__all__ = ["media_kind", "media_kinds"]


def _has_image_signature(path):
    """Whether the file starts like an image format OpenCV decodes (its header only)."""
    import cv2

    try:
        return bool(cv2.haveImageReader(str(path)))
    except cv2.error:
        return False


def media_kind(path):
    """Whether a file is an image or a video, without decoding it.

    A suffix in :data:`IMAGE_SUFFIXES` or :data:`VIDEO_SUFFIXES` says which it
    is; any other file is an image if it starts like an image format OpenCV
    decodes, else a video if FFmpeg opens it and finds a video track.

    Parameters
    ----------
    path : str or path-like

    Returns
    -------
    {"image", "video"}

    Raises
    ------
    MediaReadError
        Naming the file: missing, not a readable file, an image suffix on a
        file that is no image, a video FFmpeg cannot open (with FFmpeg's
        reason), or a file that is "not an image or video file".
    """
    path = Path(path)
    if not path.exists():
        raise MediaReadError(f"Cannot read {path}: no such file.")
    if not path.is_file() or not os.access(path, os.R_OK):
        raise MediaReadError(f"Cannot read {path}: not a readable file.")
    suffix = path.suffix.lower()
    if suffix in IMAGE_SUFFIXES:
        if not _has_image_signature(path):
            raise MediaReadError(f"Cannot read image {path}: not a decodable image.")
        return "image"
    if suffix not in VIDEO_SUFFIXES and _has_image_signature(path):
        return "image"
    try:
        video_info(path)
    except MediaReadError:
        if suffix in VIDEO_SUFFIXES:
            raise
        raise MediaReadError(f"Cannot read {path}: not an image or video file.") from None
    return "video"


def media_kinds(paths):
    """Each file's :func:`media_kind`, or the MediaReadError that rules it out.

    Nothing is decoded and no model is loaded: what ``emosk predict`` and
    :func:`emosk.pretrained.predict_files` check before any work.

    Parameters
    ----------
    paths : iterable of str or path-like

    Returns
    -------
    dict
        Each path (as given) to ``"image"``, ``"video"`` or a MediaReadError
        naming the file.
    """
    kinds = {}
    for path in paths:
        try:
            kinds[path] = media_kind(path)
        except MediaReadError as err:
            kinds[path] = err
    return kinds

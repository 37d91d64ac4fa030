"""File suffixes of images and videos, without any import (the command line's
parser reads them, and must stay instant)."""

#: Suffixes of image files (lower case): a path with one is read as one photo by
#: :class:`~emosk.face.FaceAligner` and ``emosk predict``.
IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp",
                            ".pgm", ".ppm"})

#: Suffixes of the videos ``emosk predict`` takes from a folder (a file named on
#: the command line is tried whatever its suffix).
VIDEO_SUFFIXES = frozenset({".mp4", ".avi", ".mov", ".mkv", ".webm", ".mpg", ".mpeg",
                            ".m4v", ".wmv", ".flv"})


def has_image_suffix(path):
    """Whether ``path`` (str or path-like) ends in one of :data:`IMAGE_SUFFIXES`."""
    import os

    return os.path.splitext(os.fspath(path))[1].lower() in IMAGE_SUFFIXES

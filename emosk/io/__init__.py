"""Reading media: image files, video frames (streamed, upright, at a chosen rate) and
audio tracks, with one error type (:class:`MediaReadError`) that names the file.

The names below are imported on first use (PEP 562): the file suffixes
(:data:`IMAGE_SUFFIXES`, :data:`VIDEO_SUFFIXES`) need only the standard
library, and the command line's parser reads them without loading numpy.
"""

import importlib

# public name -> the private module that defines it
_LAZY = {
    "as_waveform": "_audio",
    "load_audio": "_audio",
    "read_audio": "_audio",
    "MediaReadError": "_errors",
    "NoAudioError": "_errors",
    "read_image": "_image",
    "media_kind": "_kind",
    "IMAGE_SUFFIXES": "_media",
    "VIDEO_SUFFIXES": "_media",
    "has_image_suffix": "_media",
    "VideoInfo": "_video",
    "as_frames": "_video",
    "is_video_path": "_video",
    "iter_frames": "_video",
    "prefetched": "_video",
    "video_info": "_video",
}

__all__ = sorted(_LAZY)


def __getattr__(name):
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted({*globals(), *_LAZY})

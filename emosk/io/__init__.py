"""Reading media: image files, video frames (streamed, upright, at a chosen rate) and
audio tracks, with one error type (:class:`MediaReadError`) that names the file.

The names below are imported on first use (PEP 562): the file suffixes
(:data:`IMAGE_SUFFIXES`, :data:`VIDEO_SUFFIXES`) need only the standard
library, and the command line's parser reads them without loading numpy.
"""

import lazy_loader

# module -> the public names it defines, imported on first use
_LAZY = {
    "_audio": ["as_waveform", "load_audio", "read_audio"],
    "_errors": ["MediaReadError", "NoAudioError"],
    "_image": ["read_image"],
    "_kind": ["media_kind", "media_kinds"],
    "_media": ["IMAGE_SUFFIXES", "VIDEO_SUFFIXES", "has_image_suffix"],
    "_video": ["VideoInfo", "as_frames", "is_video_path", "iter_frames", "prefetched",
        "video_info"],
}

__getattr__, __dir__, __all__ = lazy_loader.attach(__name__, submod_attrs=_LAZY)

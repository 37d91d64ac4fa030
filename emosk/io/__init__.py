"""Reading media: image files, video frames (streamed) and audio tracks."""

from ._audio import as_waveform, load_audio, read_audio
from ._errors import MediaReadError, NoAudioError
from ._image import IMAGE_SUFFIXES, read_image
from ._video import VideoInfo, iter_frames, prefetched, video_info

__all__ = [
    "IMAGE_SUFFIXES",
    "MediaReadError",
    "NoAudioError",
    "VideoInfo",
    "as_waveform",
    "iter_frames",
    "prefetched",
    "load_audio",
    "read_audio",
    "read_image",
    "video_info",
]

"""Reading media: video frames (streamed) and audio tracks."""

from ._audio import as_waveform, load_audio, read_audio
from ._errors import MediaReadError, NoAudioError
from ._video import VideoInfo, iter_frames, prefetched, video_info

__all__ = [
    "MediaReadError",
    "NoAudioError",
    "VideoInfo",
    "as_waveform",
    "iter_frames",
    "prefetched",
    "load_audio",
    "read_audio",
    "video_info",
]

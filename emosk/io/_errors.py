"""Errors raised when media cannot be used."""

__all__ = ["MediaReadError", "NoAudioError", "reason"]


class MediaReadError(ValueError):
    """A media file is unreadable, empty or truncated; the message names it."""


class NoAudioError(MediaReadError):
    """A media file or waveform has no usable audio (no track, silence, too short)."""


def reason(err):
    """What an OS or FFmpeg error says went wrong, without its error number and
    the file name repeated: ``Invalid data found when processing input`` for
    PyAV's ``[Errno 1094995529] Invalid data found when processing input: 'x.mp4'``.
    """
    return getattr(err, "strerror", None) or str(err)

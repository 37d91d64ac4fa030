"""Errors raised when media cannot be used."""

__all__ = ["MediaReadError", "NoAudioError"]


class MediaReadError(ValueError):
    """A media file is unreadable, empty or truncated; the message names it."""


class NoAudioError(MediaReadError):
    """A media file or waveform has no usable audio (no track, silence, too short)."""

"""Reading audio tracks of audio and video files, and normalising waveforms."""

from math import gcd
from pathlib import Path

import numpy as np
from scipy.signal import resample_poly

from ._errors import MediaReadError, NoAudioError, reason

__all__ = ["read_audio", "as_waveform", "load_audio"]


def read_audio(path, *, sampling_rate=16000, mono=True):
    """Decode the audio track of an audio or video file as a float waveform.

    Any container FFmpeg reads works (wav, flac, mp3, avi, mp4, mkv ...); the
    track is decoded with PyAV and resampled by FFmpeg.

    Parameters
    ----------
    path : str or path-like
        The file.
    sampling_rate : int or None, default=16000
        Output rate in Hz; None keeps the file's rate.
    mono : bool, default=True
        Mix all channels down to one.

    Returns
    -------
    waveform : ndarray of float32, shape (n_samples,) or (n_channels, n_samples)
        Samples in [-1, 1] (resampling may overshoot slightly).
    sampling_rate : int
        The waveform's rate.

    Raises
    ------
    MediaReadError
        If the file is missing, unreadable or truncated before any audio.
    NoAudioError
        If the file has no audio track or it decodes to no samples.
    """
    import av

    path = Path(path)
    try:
        container = av.open(str(path))
    except (av.error.FFmpegError, OSError) as err:
        raise MediaReadError(f"Cannot open {path}: {reason(err)}.") from err
    with container:
        if not container.streams.audio:
            raise NoAudioError(f"{path} has no audio track.")
        stream = container.streams.audio[0]
        rate = sampling_rate or stream.rate
        resampler = av.AudioResampler(
            format="fltp", layout="mono" if mono else stream.layout.name, rate=rate
        )
        chunks = []
        try:
            for frame in container.decode(stream):
                chunks += [f.to_ndarray() for f in resampler.resample(frame)]
        except av.error.FFmpegError as err:
            if not chunks:
                raise MediaReadError(
                    f"Cannot decode the audio of {path}: {reason(err)}.") from err
        chunks += [f.to_ndarray() for f in resampler.resample(None)]
    if not chunks or sum(c.shape[1] for c in chunks) == 0:
        raise NoAudioError(f"The audio track of {path} decodes to no samples.")
    wave = np.concatenate(chunks, axis=1).astype(np.float32, copy=False)
    return (wave[0] if mono else wave), int(rate)


def as_waveform(waveform, rate, *, sampling_rate=16000, mono=True, name="waveform"):
    """Check a waveform, convert it to float, mix it down and resample it.

    Parameters
    ----------
    waveform : array-like of shape (n_samples,) or 2-D
        Samples; integer types are scaled to [-1, 1].  A 2-D waveform holds
        channels along its shorter axis (``(n_channels, n_samples)`` or
        ``(n_samples, n_channels)``).
    rate : int
        Its sampling rate in Hz.
    sampling_rate : int or None, default=16000
        Output rate; None keeps ``rate``.
    mono : bool, default=True
        Average the channels.
    name : str, default="waveform"
        How errors refer to this input.

    Returns
    -------
    waveform : ndarray of float32
        ``(n_samples,)`` when mono, else ``(n_channels, n_samples)``.
    sampling_rate : int

    Raises
    ------
    ValueError
        On a non-positive rate, more than 2 dimensions, NaN or no samples.
    """
    x = np.asarray(waveform)
    if not (np.issubdtype(type(rate), np.integer) and rate > 0):
        raise ValueError(f"{name}: the sampling rate must be a positive int; got {rate!r}.")
    if x.ndim not in (1, 2) or x.size == 0:
        raise ValueError(f"{name} has shape {x.shape}; expected (n_samples,) or 2-D with "
                         "channels along the shorter axis, and at least one sample.")
    if np.issubdtype(x.dtype, np.integer):
        x = x / float(np.iinfo(x.dtype).max + 1)
    elif not np.issubdtype(x.dtype, np.floating):
        raise ValueError(f"{name} has dtype {x.dtype}; expected integer or float samples.")
    if not np.isfinite(x).all():
        raise ValueError(f"{name} contains NaN or infinity.")
    x = np.atleast_2d(x).astype(np.float32, copy=False)
    if x.shape[0] > x.shape[1]:
        x = x.T
    if mono:
        x = x.mean(axis=0, keepdims=True)
    target = sampling_rate or int(rate)
    if target != rate:
        g = gcd(int(rate), int(target))
        x = resample_poly(x, target // g, int(rate) // g, axis=1).astype(np.float32)
    return (x[0] if mono else x), int(target)


def load_audio(item, *, sampling_rate=16000, mono=True, index=None):
    """A waveform from a file path or a ``(waveform, rate)`` pair.

    Parameters
    ----------
    item : str, path-like or tuple (array-like, int)
        An audio or video file, or a waveform with its rate.
    sampling_rate : int or None, default=16000
        Output rate.
    mono : bool, default=True
        Mix down to one channel.
    index : int, default=None
        Position of ``item`` in a collection, for error messages.

    Returns
    -------
    waveform : ndarray of float32
    sampling_rate : int
    """
    if isinstance(item, (str, Path)):
        return read_audio(item, sampling_rate=sampling_rate, mono=mono)
    if isinstance(item, tuple) and len(item) == 2:
        name = "waveform" if index is None else f"waveform {index}"
        return as_waveform(item[0], item[1], sampling_rate=sampling_rate, mono=mono, name=name)
    where = "" if index is None else f" {index}"
    raise TypeError(
        f"Audio input{where} is a {type(item).__name__}; expected a file path or a "
        "(waveform, sampling_rate) tuple."
    )

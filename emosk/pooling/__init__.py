"""Pooling of variable-length clips of frame features into one row per clip."""

from ._fft import FFTPooling, fft_pool
from ._stat import STAT_PRESETS, StatPooling, stat_pool

__all__ = ["FFTPooling", "StatPooling", "fft_pool", "stat_pool", "STAT_PRESETS"]

"""Pooling of variable-length clips of frame features into one row per clip, and of
frame probabilities into one clip answer."""

from ._fft import FFTPooling, fft_pool
from ._probs import CLIP_METHODS, pool_probabilities
from ._stat import STAT_PRESETS, StatPooling, stat_pool

__all__ = ["FFTPooling", "StatPooling", "fft_pool", "stat_pool", "STAT_PRESETS",
           "CLIP_METHODS", "pool_probabilities"]

"""Validation (the data contract), the feature cache and its digests, third-party
weights, progress reporting and estimator checks.

The names below are imported on first use (PEP 562): the digests
(:func:`sha256_file`, :func:`check_sha256`) need only the standard library,
and the registry of shipped weights reads them without loading numpy.
"""

import importlib

# public name -> the module that defines it
_LAZY = {
    "CacheCorruptError": "_cache",
    "CacheWarning": "_cache",
    "FeatureCache": "_cache",
    "content_digest": "_cache",
    "library_versions": "_cache",
    "params_digest": "_cache",
    "check_sha256": "_digest",
    "sha256_file": "_digest",
    "progress": "_progress",
    "progress_bar": "_progress",
    "WEIGHTS": "_weights",
    "WeightsSource": "_weights",
    "fetch_weights": "_weights",
    "get_weights_home": "_weights",
    "check_clips": "validation",
    "check_images": "validation",
    "check_media": "validation",
    "images_to_uint8": "validation",
    "is_clip_collection": "validation",
    "validate_clips": "validation",
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

"""Validation (the data contract), the feature cache and its digests, third-party
weights, progress reporting and estimator checks.

The names below are imported on first use (PEP 562): the digests
(:func:`sha256_file`, :func:`check_sha256`) need only the standard library,
and the registry of shipped weights reads them without loading numpy.
"""

import lazy_loader

# module -> the public names it defines, imported on first use
_LAZY = {
    "_cache": ["CacheCorruptError", "CacheWarning", "FeatureCache", "content_digest",
        "library_versions", "params_digest"],
    "_digest": ["check_sha256", "sha256_file"],
    "_fingerprint": ["estimator_fingerprint", "param_fingerprint"],
    "_onnx": ["RUNTIMES", "OnnxModule", "get_onnx_home", "onnx_copy", "onnx_graph",
        "onnxruntime_available", "quantize_graph", "resolve_runtime"],
    "_progress": ["progress", "progress_bar"],
    "_weights": ["WEIGHTS", "WeightsSource", "fetch_weights", "get_weights_home"],
    "validation": ["check_clips", "check_images", "check_media", "images_to_uint8",
        "is_clip_collection", "validate_clips"],
}

__getattr__, __dir__, __all__ = lazy_loader.attach(__name__, submod_attrs=_LAZY)

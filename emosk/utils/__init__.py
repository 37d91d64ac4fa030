"""Validation (the data contract), the feature cache, third-party weights and estimator
checks."""

from ._cache import CacheWarning, FeatureCache
from ._weights import (
           WEIGHTS,
           WeightsSource,
           fetch_weights,
           get_weights_home,
           sha256_file,
)
from .validation import check_clips, check_images, is_clip_collection, validate_clips

__all__ = ["WEIGHTS", "CacheWarning", "FeatureCache", "WeightsSource", "check_clips", "check_images",
           "fetch_weights", "get_weights_home", "is_clip_collection", "sha256_file",
           "validate_clips"]

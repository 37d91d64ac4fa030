"""Validation (the data contract), the feature cache and estimator checks."""

from ._cache import CacheWarning, FeatureCache
from .validation import check_clips, check_images, is_clip_collection, validate_clips

__all__ = ["CacheWarning", "FeatureCache", "check_clips", "check_images",
           "is_clip_collection", "validate_clips"]

"""Validation (the data contract) and estimator checks."""

from .validation import check_clips, check_images, is_clip_collection, validate_clips

__all__ = ["check_clips", "check_images", "is_clip_collection", "validate_clips"]

"""The whole video system: video files to per-frame features (cached) to emotions."""

from ._emotiw import make_emotiw2017_classifier
from ._featurizer import VideoFeaturizer, default_aligner, estimator_fingerprint

__all__ = ["VideoFeaturizer", "default_aligner", "estimator_fingerprint",
           "make_emotiw2017_classifier"]

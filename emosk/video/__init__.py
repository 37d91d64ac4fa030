"""The whole video system: video files to per-frame features (cached) to emotions."""

from ._emotiw import default_aligner, make_emotiw2017_classifier
from ._featurizer import VideoFeaturizer, estimator_fingerprint

__all__ = ["VideoFeaturizer", "default_aligner", "estimator_fingerprint",
           "make_emotiw2017_classifier"]

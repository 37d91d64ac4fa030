"""emosk: emotion recognition in the wild, as scikit-learn estimators.

Subpackages: :mod:`emosk.pooling`, :mod:`emosk.preprocessing`,
:mod:`emosk.ensemble`, :mod:`emosk.face`, :mod:`emosk.nn`, :mod:`emosk.audio`, :mod:`emosk.io`,
:mod:`emosk.datasets`, :mod:`emosk.metrics`, :mod:`emosk.pretrained`, :mod:`emosk.video`,
:mod:`emosk.utils`.
"""

from .audio import AudioFeaturizer, make_audio_pipeline
from .ensemble import (
    ClassPriorReweighter,
    make_clip_pipeline,
    make_pooling,
    make_score_average,
)
from .face import FaceAligner
from .nn import CNNClassifier, CNNFeaturizer, FrameLSTMClassifier
from .pooling import FFTPooling, StatPooling
from .preprocessing import RootSIFT, SourceSelector
from .video import VideoFeaturizer, make_emotiw2017_classifier

__version__ = "0.1.0.dev0"

__all__ = [
    "AudioFeaturizer",
    "make_audio_pipeline",
    "CNNClassifier",
    "CNNFeaturizer",
    "ClassPriorReweighter",
    "FaceAligner",
    "FrameLSTMClassifier",
    "FFTPooling",
    "RootSIFT",
    "SourceSelector",
    "StatPooling",
    "make_clip_pipeline",
    "make_pooling",
    "make_score_average",
    "VideoFeaturizer",
    "make_emotiw2017_classifier",
    "__version__",
]

"""emosk: emotion recognition in the wild, as scikit-learn estimators.

Subpackages: :mod:`emosk.pooling`, :mod:`emosk.preprocessing`,
:mod:`emosk.ensemble`, :mod:`emosk.datasets`, :mod:`emosk.metrics`,
:mod:`emosk.utils`.
"""

from .ensemble import (
    ClassPriorReweighter,
    make_clip_pipeline,
    make_pooling,
    make_score_average,
)
from .pooling import FFTPooling, StatPooling
from .preprocessing import RootSIFT, SourceSelector

__version__ = "0.1.0.dev0"

__all__ = [
    "ClassPriorReweighter",
    "FFTPooling",
    "RootSIFT",
    "SourceSelector",
    "StatPooling",
    "make_clip_pipeline",
    "make_pooling",
    "make_score_average",
    "__version__",
]

"""emosk: emotion recognition in the wild, as scikit-learn estimators.

Subpackages: :mod:`emosk.pooling`, :mod:`emosk.preprocessing`,
:mod:`emosk.ensemble`, :mod:`emosk.face`, :mod:`emosk.nn`, :mod:`emosk.audio`, :mod:`emosk.io`,
:mod:`emosk.datasets`, :mod:`emosk.metrics`, :mod:`emosk.pretrained`, :mod:`emosk.video`,
:mod:`emosk.utils`.

The names below are imported on first use (PEP 562), so that ``import emosk``
and ``emosk --help`` do not load torch.
"""

import importlib

__version__ = "0.1.0.dev0"

# public name -> the subpackage that defines it
_LAZY = {
    "AudioFeaturizer": "audio",
    "make_audio_pipeline": "audio",
    "CNNClassifier": "nn",
    "CNNFeaturizer": "nn",
    "ClassPriorReweighter": "ensemble",
    "FaceAligner": "face",
    "FrameLSTMClassifier": "nn",
    "FFTPooling": "pooling",
    "GroupStandardScaler": "preprocessing",
    "HOGFeaturizer": "preprocessing",
    "RootSIFT": "preprocessing",
    "SourceSelector": "preprocessing",
    "StatPooling": "pooling",
    "make_clip_pipeline": "ensemble",
    "make_pooling": "ensemble",
    "make_score_average": "ensemble",
    "VideoFeaturizer": "video",
    "make_emotiw2017_classifier": "video",
}
_SUBPACKAGES = ("audio", "datasets", "ensemble", "face", "io", "metrics", "nn", "pooling",
                "preprocessing", "pretrained", "utils", "video")

__all__ = [*_LAZY, "__version__"]


def __getattr__(name):
    if name in _LAZY:
        value = getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    elif name in _SUBPACKAGES:
        value = importlib.import_module(f".{name}", __name__)
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__():
    return sorted({*globals(), *_LAZY, *_SUBPACKAGES})

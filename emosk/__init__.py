"""emosk: emotion recognition in the wild, as scikit-learn estimators.

Subpackages: :mod:`emosk.pooling`, :mod:`emosk.preprocessing`,
:mod:`emosk.ensemble`, :mod:`emosk.face`, :mod:`emosk.nn`, :mod:`emosk.audio`, :mod:`emosk.io`,
:mod:`emosk.datasets`, :mod:`emosk.metrics`, :mod:`emosk.pretrained`, :mod:`emosk.video`,
:mod:`emosk.utils`.

The names below are imported on first use (PEP 562), so that ``import emosk``
and ``emosk --help`` do not load torch.
"""

import lazy_loader

__version__ = "0.1.0.dev0"

_SUBPACKAGES = ["audio", "datasets", "ensemble", "face", "io", "metrics", "nn", "pooling",
                "preprocessing", "pretrained", "utils", "video"]
# subpackage -> the estimators and makers importable from ``emosk`` itself
_LAZY = {
    "audio": ["AudioFeaturizer", "make_audio_pipeline"],
    "ensemble": ["ClassPriorReweighter", "make_clip_pipeline", "make_pooling",
                 "make_score_average"],
    "face": ["FaceAligner"],
    "nn": ["CNNClassifier", "CNNFeaturizer", "FrameLSTMClassifier"],
    "pooling": ["FFTPooling", "StatPooling"],
    "preprocessing": ["GroupStandardScaler", "HOGFeaturizer", "RootSIFT", "SourceSelector"],
    "video": ["VideoFeaturizer", "make_emotiw2017_classifier"],
}

__getattr__, _lazy_dir, _lazy_all = lazy_loader.attach(__name__, submodules=_SUBPACKAGES,
                                                      submod_attrs=_LAZY)
__all__ = [*_lazy_all, "__version__"]


def __dir__():
    return [*_lazy_dir(), "__version__"]

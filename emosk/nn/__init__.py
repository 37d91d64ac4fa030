"""CNNs: backbones (dlib's face-recognition ResNet, AlexNet, VGG-CNN-M-2048, VGG-Face,
MobileFaceNet, a compact FER network), CNNFeaturizer, the skorch-based CNNClassifier and
FrameLSTMClassifier, and the registry of named weights (``_registry``).

The names below are imported on first use (PEP 562), so that the registry,
which needs only the standard library, can be read without loading torch
(``emosk --help``, :mod:`emosk.pretrained`'s listings).
"""

import importlib

# public name -> the private module that defines it
_LAZY = {
    "BACKBONES": "_backbones",
    "BackboneSpec": "_backbones",
    "available_backbones": "_backbones",
    "build_backbone": "_backbones",
    "RECIPES": "_classifier",
    "CNNClassifier": "_classifier",
    "classifier_from_weights": "_classifier",
    "DLIB_RGB_MEAN": "_dlib_resnet",
    "DlibResNet": "_dlib_resnet",
    "read_dlib_resnet": "_dlib_resnet",
    "CNNFeaturizer": "_featurizer",
    "resolve_device": "_featurizer",
    "InputAdapter": "_input",
    "fuse_batchnorm": "_fuse",
    "inference_copy": "_fuse",
    "DEFAULT_MODEL": "_registry",
    "PRETRAINED": "_registry",
    "PretrainedModel": "_registry",
    "available_models": "_registry",
    "get_model": "_registry",
    "shipped_weights_for": "_registry",
    "weights_path": "_registry",
    "tta_views": "_input",
    "FrameLSTMClassifier": "_lstm",
    "MobileFaceNet": "_mobilefacenet",
    "shuffle_within_lengths": "_lstm",
}

__all__ = sorted(_LAZY)


def __getattr__(name):
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted({*globals(), *_LAZY})

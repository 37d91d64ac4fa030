"""CNNs: backbones (dlib's face-recognition ResNet, AlexNet, VGG-CNN-M-2048, VGG-Face,
a compact FER network), CNNFeaturizer, the skorch-based CNNClassifier and
FrameLSTMClassifier."""

from ._backbones import BACKBONES, BackboneSpec, available_backbones, build_backbone
from ._classifier import RECIPES, CNNClassifier
from ._dlib_resnet import DLIB_RGB_MEAN, DlibResNet, read_dlib_resnet
from ._featurizer import CNNFeaturizer, resolve_device
from ._input import InputAdapter, tta_views
from ._lstm import FrameLSTMClassifier, shuffle_within_lengths

__all__ = [
    "BACKBONES",
    "BackboneSpec",
    "CNNClassifier",
    "CNNFeaturizer",
    "DLIB_RGB_MEAN",
    "DlibResNet",
    "FrameLSTMClassifier",
    "InputAdapter",
    "RECIPES",
    "available_backbones",
    "build_backbone",
    "read_dlib_resnet",
    "resolve_device",
    "shuffle_within_lengths",
    "tta_views",
]

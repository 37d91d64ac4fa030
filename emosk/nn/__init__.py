"""CNNs: backbones (dlib's face-recognition ResNet, AlexNet, VGG-CNN-M-2048, VGG-Face,
MobileFaceNet, a compact FER network), CNNFeaturizer, the skorch-based CNNClassifier and
FrameLSTMClassifier, and the registry of named weights (``_registry``).

The names below are imported on first use (PEP 562), so that the registry,
which needs only the standard library, can be read without loading torch
(``emosk --help``, :mod:`emosk.pretrained`'s listings).
"""

import lazy_loader

# module -> the public names it defines, imported on first use
_LAZY = {
    "_backbones": ["BACKBONES", "BackboneSpec", "available_backbones",
        "build_backbone"],
    "_classifier": ["CNNClassifier", "RECIPES", "classifier_from_weights"],
    "_dlib_resnet": ["DLIB_RGB_MEAN", "DlibResNet", "read_dlib_resnet"],
    "_featurizer": ["CNNFeaturizer", "resolve_device"],
    "_input": ["InputAdapter", "random_erase", "tta_views", "video_degrade"],
    "_fuse": ["fuse_batchnorm", "inference_copy"],
    "_registry": ["DEFAULT_MODEL", "PRECISIONS", "PRETRAINED", "PretrainedModel", "available_models",
        "get_model", "int8_path", "shipped_weights_for", "weights_path"],
    "_lstm": ["FrameLSTMClassifier", "shuffle_within_lengths"],
    "_mobilefacenet": ["MobileFaceNet"],
    "_quantize": ["quantize"],
    "_threads": ["runs_onnxruntime", "small_batch_threads", "worker_threads"],
}

__getattr__, __dir__, __all__ = lazy_loader.attach(__name__, submod_attrs=_LAZY)

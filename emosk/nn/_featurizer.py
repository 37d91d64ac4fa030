"""CNNFeaturizer: images or face stacks in, per-frame CNN features out."""

import copy
from numbers import Integral

import numpy as np
import torch
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context, clone
from sklearn.exceptions import NotFittedError
from sklearn.frozen import FrozenEstimator
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import check_is_fitted
from torch import nn

from ._backbones import BACKBONES, build_backbone, with_input_size
from ._input import InputAdapter, prepare_images, tta_views
from ._registry import shipped_weights_for

__all__ = ["CNNFeaturizer", "resolve_device", "extract_features"]

#: weights="auto" for backbones with face-recognition weights
_AUTO_WEIGHTS = {"dlib_resnet": "dlib", "mobilefacenet": "ms1m"}


def resolve_device(device):
    """``"auto"`` -> ``"cuda"`` when available, else ``"cpu"``; other values unchanged."""
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return device


def map_devices_on_load(net):
    """``net`` (a skorch net) with every attribute that may hold tensors pickled
    through skorch's device mapping, which loads them on the CPU where CUDA is
    absent.

    skorch maps only its fitted ``module_``, ``criterion_`` and
    ``optimizer_``.  A network passed to it as an instance (``module``, the
    object ``module_`` is) and the callbacks (a learning-rate scheduler holds
    the optimizer and its momentum buffers) would otherwise go through plain
    pickle, which keeps each tensor's device: a classifier fitted on CUDA
    could then not be loaded without a GPU.
    """
    net.cuda_dependent_attributes_ = [*net.cuda_dependent_attributes_, "module",
                                      "callbacks"]
    return net


class _Tapped(Exception):
    """Carries the activation of the tapped layer out of a forward pass."""

    def __init__(self, value):
        super().__init__()
        self.value = value


def _stop_with_input(module, args):
    raise _Tapped(args[0])


def _stop_with_output(module, args, output):
    raise _Tapped(output)


class _LayerTap(nn.Module):
    """A backbone that returns the activations of one of its layers.

    The hook that stops the forward pass at the tapped layer is registered
    once, here, on the featurizer's own copy of the backbone, and hands the
    activation over by raising: a call writes no state, so threads can share
    the module.  Picklable (the hooks are module-level functions).

    Parameters
    ----------
    backbone : torch.nn.Module
        Owned by this module from now on (hooks are added to it).
    layer : str
        ``"output"``, ``"penultimate"`` (the input of ``head``) or a module
        name (its output, the first time it is called in a forward pass).
    head : str
        Name of the backbone's last layer.
    """

    def __init__(self, backbone, layer, head):
        super().__init__()
        self.backbone = backbone
        self.tapped = layer != "output"
        if not self.tapped:
            return
        modules = dict(backbone.named_modules())
        name = head if layer == "penultimate" else layer
        if name not in modules:
            raise ValueError(f"Layer {layer!r} not found; modules are "
                             f"{[n for n in modules if n][:40]} ...")
        if layer == "penultimate":
            modules[name].register_forward_pre_hook(_stop_with_input)
        else:
            modules[name].register_forward_hook(_stop_with_output)

    def forward(self, x):
        """``(n, d)`` features: 4-D activations are averaged over space."""
        try:
            out = self.backbone(x)
        except _Tapped as tap:
            out = tap.value
        if self.tapped and out.dim() == 4:
            out = out.mean(dim=(2, 3))
        return out.flatten(1)


def _viewed(adapter, view):
    """A shallow copy of ``adapter`` showing one test-time ``view``.

    The copy shares the adapter's buffers; the adapter itself is not changed,
    so threads can share it.
    """
    if view is None and adapter.view is None:
        return adapter
    twin = copy.copy(adapter)
    twin.view = view
    return twin


def extract_features(model, adapter, images, *, batch_size, device, views=(None,),
                     amp=False):
    """Features of uint8 images, averaged over test-time views.

    Nothing shared is modified: ``model`` and ``adapter`` may be used by
    several threads at once.

    Parameters
    ----------
    model : torch.nn.Module
        Maps the adapter's output to ``(n, d)`` features (see ``_LayerTap``),
        in eval mode on ``device``.
    adapter : InputAdapter
        Its input stage, in eval mode on ``device``.
    images : ndarray of uint8, shape (n, H, W[, C])
    batch_size : int
    device : str
    views : sequence of (flip, angle, scale) or None
    amp : bool
        float16 autocast (CUDA only).

    Returns
    -------
    ndarray of float32, shape (n, d)
    """
    stages = [_viewed(adapter, view) for view in views]
    chunks = []
    with torch.inference_mode(), torch.autocast("cuda", torch.float16, enabled=amp):
        for start in range(0, len(images), batch_size):
            batch = torch.from_numpy(images[start:start + batch_size]).to(device)
            total = 0
            for stage in stages:
                total = total + model(stage(batch)).float()
            chunks.append((total / len(stages)).cpu().numpy())
    return np.concatenate(chunks).astype(np.float32, copy=False)


def _fitted_classifier(backbone):
    """The fitted classifier behind ``backbone`` (a FrozenEstimator is unwrapped),
    or None when ``backbone`` is not a fitted network."""
    if isinstance(backbone, FrozenEstimator):
        backbone = backbone.estimator
    if isinstance(backbone, str) or not hasattr(backbone, "net_"):
        return None
    return backbone


class CNNFeaturizer(TransformerMixin, BaseEstimator):
    """Per-frame features from a pretrained or fine-tuned CNN.

    Input: images ``(n, H, W[, C])`` (uint8, or float in [0, 1] / [0, 255]),
    or a list of face stacks ``(T_i, H, W[, C])`` (what
    :class:`~emosk.face.FaceAligner` returns for videos).  Output: ``(n, d)``,
    or a list of ``(T_i, d)`` clips for the pooling transformers.  All frames
    of all clips are batched together; images are resized, converted to the
    backbone's colour and normalised on the device.

    Parameters
    ----------
    backbone : str, fitted CNNClassifier or FrozenEstimator, default="dlib_resnet"
        A name from :func:`~emosk.nn.available_backbones`, or a fitted
        :class:`CNNClassifier` (bare or wrapped in
        :class:`sklearn.frozen.FrozenEstimator`) whose network is used.  The
        classifier is only read: ``fit`` copies its network.
    weights : "auto", None, "dlib", "ms1m", "fer2013", "download" or path, default="auto"
        See :func:`~emosk.nn.build_backbone`; ``"auto"`` is ``"dlib"`` for
        ``dlib_resnet``, ``"ms1m"`` for ``mobilefacenet``, ``"fer2013"`` (the model shipped with emosk) for
        ``compact``, and an error for backbones without offline weights.
    layer : str, default="penultimate"
        ``"penultimate"`` (the input of the last layer), ``"output"``, or a
        module name such as ``"classifier.0"`` (VGG fc6) or ``"blocks.12"``
        (its output the first time it runs in a forward pass); 4-D
        activations are averaged over space.
    input_size : int, default=None
        Side of the network's input; None: the backbone's own, or, for a
        fitted :class:`CNNClassifier`, the side it was trained at.  Give the
        side used in training when loading weights trained at another one.
    tta : bool, default=False
        Average the features of 18 views of each frame (flips, rotations of
        +-10 degrees, scalings of 0.9 and 1.1), as Knyazev et al. (2017).
    batch_size : int, default=64
        Frames per forward pass.
    device : str, default="auto"
        ``"auto"``: CUDA when present, else CPU.
    mixed_precision : bool, default=True
        float16 autocast on CUDA (ignored on CPU).

    Attributes
    ----------
    device_ : str
        The device used.
    model_ : torch.nn.Module
        This featurizer's own copy of the backbone, in eval mode on
        ``device_``, that returns the features of ``layer``.
    adapter_ : InputAdapter
        The input stage (resize, colour, normalisation) on ``device_``.
    n_features_out_ : int
        Feature dimension.

    See Also
    --------
    CNNClassifier : Fine-tune a backbone on labelled faces.

    Notes
    -----
    Knyazev et al. (2017) take features of networks pretrained on face
    recognition and fine-tuned on FER2013 for every frame, average them over
    18 test-time views, pool them per clip and feed linear SVMs.  With the
    default backbone, emosk uses dlib's face-recognition ResNet (trained on
    about 3 million faces); give it 150x150 ``FaceAligner(mode="dlib-chip",
    size=150)`` crops to match its training input.

    **Cloning.** A featurizer never trains its ``backbone``, so
    :func:`sklearn.base.clone` keeps a fitted classifier given as
    ``backbone`` as it is (the clone shares it) instead of returning an
    unfitted copy: ``VideoFeaturizer(..., CNNFeaturizer(clf))``, pipelines and
    grid searches around it work.  To search over several fitted classifiers
    (``param_grid={"...__backbone": [...]}``, whose values are cloned too),
    wrap each in :class:`sklearn.frozen.FrozenEstimator`.

    **Threads.** ``transform`` modifies nothing shared (no hooks added, no
    view or mode switched per call), so one fitted featurizer can serve
    several threads, e.g. ``VideoFeaturizer(n_jobs=4)`` under joblib's
    threading backend.

    Examples
    --------
    >>> import numpy as np
    >>> from emosk.nn import CNNFeaturizer
    >>> faces = np.zeros((2, 150, 150, 3), dtype=np.uint8)
    >>> CNNFeaturizer().fit_transform(faces).shape
    (2, 256)
    """

    _parameter_constraints = {
        "backbone": [StrOptions(set(BACKBONES)), HasMethods(["fit", "predict_proba"])],
        "weights": "no_validation",
        "layer": [str],
        "input_size": [Interval(Integral, 8, None, closed="left"), None],
        "tta": ["boolean"],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "device": [str],
        "mixed_precision": ["boolean"],
    }
    _emosk_input = "images"

    def __init__(self, backbone="dlib_resnet", *, weights="auto", layer="penultimate",
                 input_size=None, tta=False, batch_size=64, device="auto",
                 mixed_precision=True):
        self.backbone = backbone
        self.weights = weights
        self.layer = layer
        self.input_size = input_size
        self.tta = tta
        self.batch_size = batch_size
        self.device = device
        self.mixed_precision = mixed_precision

    def __sklearn_clone__(self):
        if _fitted_classifier(self.backbone) is None:
            return super().__sklearn_clone__()
        params = self.get_params(deep=False)
        twin = type(self)(**{k: v if k == "backbone" else clone(v, safe=False)
                             for k, v in params.items()})
        for name in ("_metadata_request", "_sklearn_output_config"):  # as clone() does
            if name in vars(self):
                setattr(twin, name, copy.deepcopy(vars(self)[name]))
        return twin

    def _model_and_spec(self):
        if isinstance(self.backbone, str):
            model, spec = self._named_backbone()
            name = self.backbone
        else:
            clf = _fitted_classifier(self.backbone)
            if clf is None:
                raise NotFittedError(
                    f"CNNFeaturizer needs a fitted CNNClassifier as backbone; "
                    f"{type(self.backbone).__name__} is not fitted: call its fit first.")
            # a copy: the classifier's own network stays where and as it is
            model, spec = copy.deepcopy(clf.backbone_module_()), clf.spec_
            name = clf.backbone
        return model, with_input_size(spec, self.input_size, model, name)

    def _named_backbone(self):
        weights = self.weights
        if weights == "auto":
            weights = _AUTO_WEIGHTS.get(self.backbone) or shipped_weights_for(self.backbone)
            if weights is None:
                raise ValueError(
                    f"Backbone {self.backbone!r} has no offline weights: pass weights= "
                    "(a state-dict path or 'download'), or a fitted CNNClassifier.")
        return build_backbone(self.backbone, weights=weights)

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X=None, y=None):
        """Copy or load the backbone; nothing is learnt from ``X``.

        Parameters
        ----------
        X : images or list of face stacks, default=None
            Ignored.
        y : None
            Ignored.

        Returns
        -------
        self : object
        """
        self.device_ = resolve_device(self.device)
        model, spec = self._model_and_spec()
        self.model_ = _LayerTap(model, self.layer, spec.head).to(self.device_).eval()
        self.adapter_ = InputAdapter(spec.input_size, spec.channels, spec.mean,
                                     spec.std).to(self.device_).eval()
        probe = np.zeros((1, spec.input_size, spec.input_size, spec.channels), np.uint8)
        self.n_features_out_ = self._run(probe).shape[1]
        return self

    def _amp(self):
        return self.mixed_precision and self.device_.startswith("cuda")

    def _precision(self):
        """The float type the features are computed in (part of cache keys)."""
        return "float16" if self._amp() else "float32"

    def _run(self, images):
        return extract_features(
            self.model_, self.adapter_, images, batch_size=self.batch_size,
            device=self.device_, views=tta_views() if self.tta else (None,),
            amp=self._amp())

    def transform(self, X):
        """Features of every image, or of every frame of every face stack.

        Parameters
        ----------
        X : ndarray of shape (n, H, W[, C]), or list of (T_i, H, W[, C]) arrays

        Returns
        -------
        ndarray of shape (n, d), or list of ndarray of shape (T_i, d)
        """
        check_is_fitted(self)
        if isinstance(X, np.ndarray):
            return self._run(prepare_images(X))
        if not isinstance(X, (list, tuple)) or len(X) == 0:
            raise ValueError("X must be an image array (n, H, W[, C]) or a non-empty list of "
                             f"face stacks (T, H, W[, C]); got {type(X).__name__}.")
        stacks = [prepare_images(s, name=f"face stack {i}") for i, s in enumerate(X)]
        shapes = {s.shape[1:] for s in stacks}
        if len(shapes) > 1:
            raise ValueError(f"Face stacks have different frame shapes {sorted(shapes)}; "
                             "align them to one size first.")
        feats = self._run(np.concatenate(stacks))
        return np.split(feats, np.cumsum([len(s) for s in stacks])[:-1])

    def get_feature_names_out(self, input_features=None):
        """``cnn0, cnn1, ...``."""
        check_is_fitted(self)
        return np.asarray([f"cnn{i}" for i in range(self.n_features_out_)], dtype=object)

    def __getstate__(self):
        state = self.__dict__.copy()
        for key in ("model_", "adapter_"):
            if key in state:  # a CPU copy: the live modules stay on their device
                state[key] = copy.deepcopy(state[key]).cpu()
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        if "device_" in state:
            if self.device_.startswith("cuda") and not torch.cuda.is_available():
                self.device_ = "cpu"
            self.model_.to(self.device_)
            self.adapter_.to(self.device_)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.three_d_array = True
        tags.non_deterministic = False
        tags.transformer_tags.preserves_dtype = []  # float32 features of any image
        return tags

    @classmethod
    def get_test_params(cls):
        """Parameter sets that emosk's common tests instantiate.

        The default network, and the compact one at its smallest input side.
        """
        return [{}, {"backbone": "compact", "input_size": 16}]

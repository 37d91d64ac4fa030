"""CNNClassifier: fine-tune a backbone on labelled faces, through skorch."""

import os
import weakref
from numbers import Integral, Real
from pathlib import Path

import numpy as np
import torch
from scipy.special import softmax
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, column_or_1d
from skorch import NeuralNetClassifier
from skorch.callbacks import EarlyStopping, Freezer, LRScheduler
from skorch.dataset import ValidSplit
from torch import nn

from ..utils import RUNTIMES, OnnxModule, onnx_copy, onnxruntime_available, resolve_runtime
from ..utils.validation import check_targets_match_classes
from ._backbones import BACKBONES, build_backbone, with_input_size
from ._callbacks import NewHead
from ._checkpoint import TrainingCheckpoint, read_checkpoint
from ._featurizer import _viewed, map_devices_on_load, resolve_device
from ._fuse import inference_copy
from ._input import InputAdapter, prepare_images, tta_views
from ._registry import PRETRAINED
from ._threads import _SMALL_BATCH_THREADS, _WORKER_THREADS

__all__ = ["CNNClassifier", "RECIPES", "classifier_from_weights"]

#: Images per forward pass in ``predict_proba`` (all test-time views included).
_INFERENCE_BATCH = 128

#: Training recipes of the two papers; a parameter left at None takes the
#: recipe's value.
RECIPES = {
    # Knyazev et al. (2017): Nesterov SGD, lr 1e-4..5e-4, weight decay 5e-4,
    # momentum 0.9, batch 32, polynomial learning-rate decay
    "knyazev2017": {"lr": 5e-4, "momentum": 0.9, "weight_decay": 5e-4, "batch_size": 32,
                    "lr_schedule": "poly", "nesterov": True},
    # Ng et al. (2015): SGD, lr 1e-3, momentum 0.9, weight decay 5e-4, lr / 10
    # every 10 epochs
    "ng2015": {"lr": 1e-3, "momentum": 0.9, "weight_decay": 5e-4, "batch_size": 32,
               "lr_schedule": "step", "nesterov": False},
}


def _autocast(device, enabled):
    """bf16 autocast on a CUDA ``device`` when ``enabled``; a no-op elsewhere."""
    return torch.autocast("cuda", torch.bfloat16,
                          enabled=bool(enabled) and torch.device(device).type == "cuda")


class _Net(nn.Module):
    """The input stage (resize, colour, normalise, augment) followed by the backbone.

    With ``mixed_precision``, the backbone runs under bf16 autocast on CUDA and
    its output is cast back to float32, so the loss and the input stage stay
    in float32.  With ``channels_last``, the backbone's weights and its input
    are in torch's channels-last memory format (:meth:`set_channels_last`).
    """
    def __init__(self, adapter, backbone, *, mixed_precision=False, channels_last=False):
        super().__init__()
        self.input = adapter
        self.backbone = backbone
        self.mixed_precision = mixed_precision
        self.set_channels_last(channels_last)

    def set_channels_last(self, channels_last):
        """The backbone's weights in channels-last memory format, or back in
        the contiguous one (in place: the optimizer's parameters stay), and
        ``forward`` converting its input to match; returns the network."""
        fmt = torch.channels_last if channels_last else torch.contiguous_format
        self.backbone.to(memory_format=fmt)
        self.channels_last = bool(channels_last)
        return self

    def forward(self, x):
        x = self.input(x)
        # networks pickled before the option existed lack the attribute
        if getattr(self, "channels_last", False):
            x = x.contiguous(memory_format=torch.channels_last)
        with _autocast(x.device, getattr(self, "mixed_precision", False)):
            out = self.backbone(x)
        return out.float()


#: Faces from which ONNX Runtime runs a network on torch's threads, their idle
#: threads sleeping; fewer faces (one photo's) run on one thread, or on the
#: spinning threads :func:`~emosk.nn.small_batch_threads` asks for.
_PARALLEL_BATCH = 16

# classifier -> (int8 graph, {(threads, spin): OnnxModule}); sessions cannot be pickled
_INT8_SESSIONS = weakref.WeakKeyDictionary()


def _onnx_threads(n_images):
    """ONNX Runtime's threads for a forward pass on ``n_images`` and whether they
    spin: torch's thread count, sleeping, on big batches (the pipelines find the
    next faces meanwhile); on a few faces, :func:`~emosk.nn.small_batch_threads`'
    count (one by default, at most torch's), spinning when more than one;
    within :func:`~emosk.nn.worker_threads`, its count (at most torch's),
    sleeping, whatever the batch."""
    threads = torch.get_num_threads()
    fixed = _WORKER_THREADS.get()
    if fixed is not None:
        return min(threads, fixed), False
    if n_images >= _PARALLEL_BATCH:
        return threads, False
    threads = min(threads, _SMALL_BATCH_THREADS.get())
    return threads, threads > 1


def _int8_session(clf, graph, n_threads, spin):
    """The ONNX Runtime session of ``clf``'s int8 ``graph`` (:func:`~emosk.nn.quantize`),
    made once per classifier, graph, thread count and ``spin``."""
    # a pickled int8 classifier unpickled without the onnx extra says what to install
    resolve_runtime("onnxruntime")
    kept_graph, sessions = _INT8_SESSIONS.get(clf, (None, {}))
    if kept_graph is not graph:
        sessions = {}
    if (n_threads, spin) not in sessions:
        sessions[n_threads, spin] = OnnxModule(graph, n_threads, spin)
    _INT8_SESSIONS[clf] = (graph, sessions)
    return sessions[n_threads, spin]


def _replace_head(backbone, head_name, n_classes, *, force=False):
    """A new last layer with ``n_classes`` outputs, unless the current one has
    that many and ``force`` is False."""
    parent_name, _, attr = head_name.rpartition(".")
    parent = backbone.get_submodule(parent_name) if parent_name else backbone
    old = getattr(parent, attr)
    if force or old.out_features != n_classes:
        setattr(parent, attr, nn.Linear(old.in_features, n_classes))


def _check_soft_targets(soft_targets, n_samples, classes):
    """Validate class-probability targets; return them as float32 rows that
    sum to 1."""
    proba = np.asarray(soft_targets, dtype=np.float64)
    expected = (n_samples, len(classes))
    if proba.shape != expected:
        raise ValueError(
            f"soft_targets has shape {proba.shape}; expected {expected}: one row per "
            f"image, one column per class of y in the order of classes_ {list(classes)}."
        )
    checks = ((~np.isfinite(proba), "a non-finite value"), (proba < 0, "a negative value"))
    for bad, what in checks:
        if bad.any():
            row, col = np.argwhere(bad)[0]
            raise ValueError(f"soft_targets has {what} ({proba[row, col]}) at row {row}, "
                             f"column {col}; class probabilities are finite and >= 0.")
    sums = proba.sum(axis=1)
    off = np.flatnonzero(np.abs(sums - 1) > 1e-3)
    if off.size:
        raise ValueError(f"soft_targets rows must sum to 1; row {off[0]} sums to "
                         f"{sums[off[0]]:.6g} ({off.size} row(s) off by more than 1e-3).")
    return (proba / sums[:, None]).astype(np.float32)


def _soft_accuracy(net, X, y):
    """skorch scoring: accuracy against hard labels or the most probable class
    of probability targets."""
    y = np.asarray(y)
    if y.ndim == 2:
        y = y.argmax(axis=1)
    return float(np.mean(net.predict(X) == y))


class _HardLabelSplit:
    """A skorch train split that stratifies on the hard labels while the
    dataset carries probability targets."""
    def __init__(self, split, labels):
        self.split = split
        self.labels = labels

    def __call__(self, dataset, y=None, groups=None):
        return self.split(dataset, self.labels, groups=groups)


class CNNClassifier(ClassifierMixin, BaseEstimator):
    """Fine-tune a CNN on face images: a scikit-learn classifier around skorch.

    A skorch :class:`~skorch.classifier.NeuralNetClassifier` is built in
    ``fit`` around the backbone, whose last layer is replaced by one sized
    from ``y``.  Input: images ``(n, H, W[, C])``; they are resized, converted
    and normalised on the device, and augmented in training (flips, rotations
    up to 10 degrees, scalings 0.9-1.1) when ``augment=True``.

    Parameters
    ----------
    backbone : str, default="compact"
        A name from :func:`available_backbones`.
    weights : None, "dlib", "ms1m", "fer2013", "download" or path, default=None
        Initial weights, see :func:`build_backbone`.  The head of shipped
        weights (``"fer2013"``) is kept only when ``y``'s classes are the
        shipped model's, in its order (``emosk.pretrained.load(name).classes_``);
        otherwise a new head is trained.  ``new_head=True`` re-initialises
        the head in every case.
    recipe : {"knyazev2017", "ng2015"}, default="knyazev2017"
        Supplies ``lr``, ``momentum``, ``weight_decay``, ``batch_size`` and
        ``lr_schedule`` left at None, and whether SGD uses Nesterov momentum.
    lr, momentum, weight_decay : float, default=None
        SGD settings (from the recipe when None).
    batch_size : int, default=None
        Mini-batch size (from the recipe when None).
    max_epochs : int, default=10
        Training epochs.
    input_size : int, default=None
        Side of the network's square input in pixels; None: the backbone's
        own (``spec.input_size``, e.g. 224 for ``alexnet``), or with
        ``warm_start`` the side of the previous fit.  The backbones end in
        adaptive pooling, so they accept smaller sides, which cut the cost of
        the convolutions with the pixel count: FER2013's faces are 48x48, so
        224 spends most of it on interpolated pixels.  A side the architecture
        cannot take raises a ``ValueError`` in ``fit``.
    lr_schedule : {"poly", "step", "constant"}, default=None
        Linear (power 1) polynomial decay to 0 over ``max_epochs``; / 10 every
        10 epochs; or none.
    freeze : list of str, default=None
        Parameter-name patterns of the backbone kept fixed (fnmatch, e.g.
        ``["conv1.*", "blocks.[0-5].*"]``).
    new_head : bool, default=False
        Re-initialise the backbone's classifier layer when fitting, even when
        the starting weights already have a head of the right size (Ng et
        al. 2015's cascade: FER2013 weights, then a new head trained on the
        target set).  It is reset when training begins, with the layer's own
        initialisation (``reset_parameters``); with ``warm_start`` every fit
        resets it, and a fit resumed from ``checkpoint`` restores the saved
        head afterwards.
    augment : bool, "video" or "occlusion", default=True
        Training-time augmentation (flips, rotations, scalings, shifts);
        ``"video"`` adds random degradations of video frames: lost
        resolution, blur, dim or harsh light and noise
        (:func:`~emosk.nn.video_degrade`); ``"occlusion"`` adds random
        erasing, a rectangle of noise over part of half the faces
        (:func:`~emosk.nn.random_erase`).
    tta : bool, default=False
        Test-time augmentation in ``predict_proba``: the probabilities of the
        18 views of Knyazev et al. (2017) (:func:`tta_views`: flipped or not,
        rotated by -10/0/+10 degrees, scaled by 0.9/1.0/1.1) are averaged;
        18 times the inference cost.
    valid_fraction : float, default=0.1
        Stratified share of the training data held out; the weights of the
        epoch with the lowest validation loss are kept.  0 disables it.
    class_weight : "balanced" or None, default=None
        Weight the loss by inverse class frequency.
    warm_start : bool, default=False
        Continue from the current network when already fitted (cascade
        fine-tuning: FER2013, then a target set).  The head is kept only for
        the same classes; other classes (even as many) get a new head.  The
        current ``freeze``, ``augment``, ``input_size`` and training settings
        apply: layers frozen in an earlier fit are trainable again unless
        ``freeze`` names them.  ``weights`` is not read again; another
        ``backbone`` starts a new network.
    device : str or None, default="auto"
        ``"auto"``: CUDA when present, else CPU; None leaves placement to
        the net (what skorch's ``AccelerateMixin`` needs).
    mixed_precision : bool, default=False
        Run the backbone under bf16 autocast on CUDA, in training and in
        ``predict_proba`` (ignored on CPU).  The weights, the optimizer, the
        input stage and the loss stay in float32; bf16 has float32's exponent
        range, so no gradient scaling is needed.  See Notes for float16.
    channels_last : bool, default=False
        Train (and run ``predict_proba`` under torch) with the backbone's
        weights and input in torch's channels-last memory format (NHWC),
        which oneDNN's CPU kernels and CUDA's tensor cores read faster:
        training MobileFaceNet at 64 px went from 119 to 161 faces a second
        on this project's 2-core Xeon (batch 32; 77 to 101 at 80 px), dlib's
        ResNet did not gain (``benchmarks/results/train_speed.md``).  The
        answers are the same to float rounding; the saved weights are
        ordinary tensors.
    runtime : {"torch", "onnxruntime", "auto"}, default="torch"
        What runs the network in ``predict_proba`` on a CPU: torch (batch
        norm folded, :func:`~emosk.nn.inference_copy`), or ONNX Runtime on
        a copy exported once per fitted network
        (:func:`~emosk.utils.onnx_copy`, the ``onnx`` extra): 3.5 times
        faster on one face at a time (MobileFaceNet at 64 px: 0.75 ms instead
        of 2.6 ms, one thread; 0.42 ms on two spinning threads where a core
        is free, see :func:`~emosk.nn.small_batch_threads`;
        faces already at the network's side reach it without torch:
        :meth:`~emosk.nn.InputAdapter.numpy_forward`), 1.7
        times on batches of 16 faces or more (run on torch's threads: 0.57
        ms a face instead of 0.98 on 2 cores),
        the same probabilities to float32 rounding.  The export takes seconds
        (cached on disk by the weights' digest), so it pays for a model used
        many times, such as a shipped one; ``"auto"`` uses ONNX Runtime when
        it is installed.
        Training and CUDA always use torch.
    checkpoint : str, path-like or None, default=None
        File where, after every epoch, the training state is saved: module
        weights, optimizer and LR-scheduler states, the best epoch so far,
        the epoch count, the torch / CUDA / numpy / Python RNG states and the
        skorch history, with the classes and the settings they belong to
        (``backbone``, number of classes, input side).  It is written to a
        temporary file then renamed, so an interruption never leaves half a
        checkpoint.  None: nothing is saved.
    resume : bool, default=False
        When ``checkpoint`` exists, ``fit`` restores its state and continues
        at the next epoch up to ``max_epochs`` (nothing is trained when the
        checkpoint has them all); an interrupted ``fit`` resumed with the same
        parameters ends with the weights of an uninterrupted one.  The
        polynomial schedule is that of the current ``max_epochs``, so a fit
        can also be extended.  A checkpoint made with other classes, another
        ``backbone`` or another input side raises a ``ValueError``.  When the
        file does not exist, ``fit`` starts afresh.
    random_state : int, RandomState instance or None, default=None
        Seeds torch and the validation split.
    verbose : int, default=0
        skorch's epoch table when > 0.
    net_params : dict, default=None
        Extra keyword arguments of ``NeuralNetClassifier`` (the escape hatch,
        e.g. ``{"iterator_train__num_workers": 4}``).  A ``train_split`` given
        here (e.g. ``skorch.helper.predefined_split`` of a fixed validation
        set, labels encoded as indices into the sorted classes) replaces
        ``valid_fraction`` and also enables best-epoch restoring.  Extra
        ``callbacks`` are added after emosk's own.  ``net_class`` replaces
        ``NeuralNetClassifier`` itself, e.g. a class built on skorch's
        ``AccelerateMixin`` for multi-GPU training (see the user guide's
        scaling page).

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    net_ : skorch.NeuralNetClassifier
        The fitted skorch net; ``net_.history`` has the training curves.
    spec_ : BackboneSpec
        Input conventions of the backbone (``input_size`` as trained).
    device_ : str
    int8_graph_ : bytes
        Only on a copy made by :func:`~emosk.nn.quantize` (or
        ``emosk.pretrained.load(precision="int8")``): the int8 ONNX graph of
        the backbone that ``predict_proba`` runs on a CPU instead of the
        float network.  ``fit`` removes it.

    See Also
    --------
    CNNFeaturizer : Features of a fitted CNNClassifier's backbone.
    quantize : An int8 copy of a fitted classifier, for ONNX Runtime.

    Notes
    -----
    Knyazev et al. (2017) fine-tune face-recognition networks on FER2013 with
    Nesterov SGD (``recipe="knyazev2017"``); Ng et al. (2015) fine-tune
    ImageNet networks on FER2013 and then on the target set
    (``recipe="ng2015"``, ``warm_start=True`` for the second stage).

    ``mixed_precision`` offers bf16 only: float16 needs a gradient scaler
    between the backward pass and the optimizer step, which a plain skorch
    net has no place for; train in float16 through skorch's
    ``AccelerateMixin`` instead (``net_params``, see the user guide's scaling
    page), whose ``Accelerator(mixed_precision="fp16")`` scales the loss.

    A classifier fitted on CUDA and unpickled where there is none runs on the
    CPU (``device_`` becomes ``"cpu"``; skorch warns).

    Examples
    --------
    >>> import numpy as np
    >>> from emosk.nn import CNNClassifier
    >>> rng = np.random.default_rng(0)
    >>> X = rng.integers(0, 255, size=(20, 48, 48), dtype=np.uint8)
    >>> y = np.repeat(["happy", "sad"], 10)
    >>> clf = CNNClassifier(max_epochs=1, valid_fraction=0, random_state=0).fit(X, y)
    >>> clf.predict_proba(X).shape
    (20, 2)
    """
    _parameter_constraints = {
        "backbone": [StrOptions(set(BACKBONES))],
        "weights": "no_validation",
        "recipe": [StrOptions(set(RECIPES))],
        "lr": [Interval(Real, 0, None, closed="neither"), None],
        "momentum": [Interval(Real, 0, 1, closed="left"), None],
        "weight_decay": [Interval(Real, 0, None, closed="left"), None],
        "batch_size": [Interval(Integral, 1, None, closed="left"), None],
        "max_epochs": [Interval(Integral, 0, None, closed="left")],
        "input_size": [Interval(Integral, 8, None, closed="left"), None],
        "lr_schedule": [StrOptions({"poly", "step", "constant"}), None],
        "freeze": [list, tuple, None],
        "new_head": ["boolean"],
        "augment": ["boolean", StrOptions({"video", "occlusion"})],
        "tta": ["boolean"],
        "valid_fraction": [Interval(Real, 0, 1, closed="left")],
        "class_weight": [StrOptions({"balanced"}), None],
        "warm_start": ["boolean"],
        "device": [str, None],
        "mixed_precision": ["boolean"],
        "channels_last": ["boolean"],
        "runtime": [StrOptions(set(RUNTIMES))],
        "checkpoint": [str, os.PathLike, None],
        "resume": ["boolean"],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
        "net_params": [dict, None],
    }
    _emosk_input = "images"

    def __init__(self, backbone="compact", *, weights=None, recipe="knyazev2017", lr=None,
                 momentum=None, weight_decay=None, batch_size=None, max_epochs=10,
                 input_size=None, lr_schedule=None, freeze=None, new_head=False,
                 augment=True, tta=False,
                 valid_fraction=0.1, class_weight=None, warm_start=False, device="auto",
                 mixed_precision=False, channels_last=False, runtime="torch",
                 checkpoint=None, resume=False,
                 random_state=None, verbose=0, net_params=None):
        self.backbone = backbone
        self.weights = weights
        self.recipe = recipe
        self.lr = lr
        self.momentum = momentum
        self.weight_decay = weight_decay
        self.batch_size = batch_size
        self.max_epochs = max_epochs
        self.input_size = input_size
        self.lr_schedule = lr_schedule
        self.freeze = freeze
        self.new_head = new_head
        self.augment = augment
        self.tta = tta
        self.valid_fraction = valid_fraction
        self.class_weight = class_weight
        self.warm_start = warm_start
        self.device = device
        self.mixed_precision = mixed_precision
        self.channels_last = channels_last
        self.runtime = runtime
        self.checkpoint = checkpoint
        self.resume = resume
        self.random_state = random_state
        self.verbose = verbose
        self.net_params = net_params

    def _setting(self, name):
        value = getattr(self, name)
        return RECIPES[self.recipe][name] if value is None else value

    def _module(self, n_classes, previous_classes=None, *, require_head=False):
        if previous_classes is not None:
            return self._warm_module(previous_classes)
        # built with a head of n_classes outputs, so that a weights file whose
        # head has as many keeps it (a saved fine-tuned network reloads whole)
        backbone, spec = build_backbone(self.backbone, weights=self.weights,
                                        num_classes=n_classes,
                                        require_head=require_head)
        _replace_head(backbone, spec.head, n_classes, force=not self._shipped_head_fits())
        spec = with_input_size(spec, self.input_size, backbone, self.backbone)
        self.spec_ = spec
        adapter = InputAdapter(spec.input_size, spec.channels, spec.mean, spec.std,
                               augment=self.augment)
        self._fitted_backbone = self.backbone
        return _Net(adapter, backbone, mixed_precision=self.mixed_precision,
                    channels_last=self.channels_last)

    def _shipped_head_fits(self):
        """False when ``weights`` names shipped weights whose outputs are other
        classes than ``classes_`` (or in another order): their head then cannot
        be kept, even with as many outputs (integer FER2013 labels, say, are in
        another order than the shipped model's names)."""

        if not isinstance(self.weights, str) or self.weights not in PRETRAINED:
            return True
        shipped = [str(c) for c in PRETRAINED[self.weights].classes]
        return [str(c) for c in self.classes_] == shipped

    def _warm_module(self, previous_classes):
        """The fitted module, reset to what the current parameters say."""
        module = self.net_.module_
        same_classes = (len(previous_classes) == len(self.classes_)
                        and np.array_equal(previous_classes, self.classes_))
        _replace_head(module.backbone, self.spec_.head, len(self.classes_),
                      force=not same_classes)
        module.requires_grad_(True)  # the Freezer freezes again what `freeze` names
        module.input.augment = self.augment
        self.spec_ = with_input_size(self.spec_, self.input_size, module.backbone,
                                     self.backbone)
        module.input.size = self.spec_.input_size
        module.mixed_precision = self.mixed_precision
        return module.set_channels_last(self.channels_last).cpu()

    def _fingerprint(self):
        """The settings a checkpoint must share to be resumed by this fit."""
        return {"backbone": self.backbone, "n_classes": len(self.classes_),
                "input_size": int(self.spec_.input_size), "classes": self.classes_.tolist()}

    def _resume(self, net):
        """Epochs left to train: ``max_epochs``, less those of the checkpoint
        when resuming (its state then goes to the net's checkpoint callback)."""

        if not self.resume:
            return self.max_epochs
        path = Path(self.checkpoint).expanduser()
        if not path.exists():
            return self.max_epochs
        state = read_checkpoint(path, fingerprint=self._fingerprint())
        if state["epoch"] > self.max_epochs:
            raise ValueError(f"Cannot resume from {path}: it holds {state['epoch']} epochs, "
                             f"more than max_epochs={self.max_epochs}.")
        callbacks = (c[1] if isinstance(c, tuple) else c for c in net.callbacks)
        callback = next(c for c in callbacks if isinstance(c, TrainingCheckpoint))
        callback.resume_from = state
        return self.max_epochs - state["epoch"]

    def _callbacks(self, has_valid):


        callbacks = []
        if self.new_head:  # first: a checkpoint resumed from restores its head after
            callbacks.append(("new_head", NewHead(self.spec_.head)))
        schedule = self._setting("lr_schedule")
        if schedule == "poly":
            callbacks.append(("lr", LRScheduler(policy=torch.optim.lr_scheduler.PolynomialLR,
                                                total_iters=max(self.max_epochs, 1), power=1.0)))
        elif schedule == "step":
            callbacks.append(("lr", LRScheduler(policy=torch.optim.lr_scheduler.StepLR,
                                                step_size=10, gamma=0.1)))
        if self.freeze:
            callbacks.append(("freeze", Freezer([f"backbone.{p}" for p in self.freeze])))
        if has_valid and self.max_epochs > 0:  # nothing to restore after no epoch
            callbacks.append(("best", EarlyStopping(monitor="valid_loss",
                                                    patience=self.max_epochs + 1,
                                                    load_best=True)))
        if self.checkpoint is not None:  # last: it saves the state of those above
            callbacks.append(("checkpoint", TrainingCheckpoint(
                Path(self.checkpoint).expanduser(), self._fingerprint())))
        return callbacks

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, soft_targets=None):
        """Fine-tune the network.

        Parameters
        ----------
        X : array-like of shape (n, H, W[, C])
            Face images, uint8 (or float in [0, 1] / [0, 255]).
        y : array-like of shape (n,)
            Labels: they give ``classes_``, the stratification of the
            validation split and the class weights.
        soft_targets : array-like of shape (n, n_classes), default=None
            Class probabilities to train on instead of ``y`` (soft labels,
            e.g. the shares of the FER+ annotators' votes): cross-entropy
            against the distribution.  Columns in the order of ``classes_``
            (the sorted unique ``y``); rows are >= 0 and sum to 1.

        Returns
        -------
        self : object
        """
        images = prepare_images(X)
        y = column_or_1d(y, warn=True)
        check_classification_targets(y)
        if len(y) != len(images):
            raise ValueError(f"X has {len(images)} images but y has {len(y)} labels.")
        # an int8 graph (quantize) belongs to the weights being replaced
        self.__dict__.pop("int8_graph_", None)
        if self.resume and self.checkpoint is None:
            raise ValueError("resume=True needs checkpoint, the path of the file to resume from.")
        previous = self._warm_classes()
        encoder = LabelEncoder().fit(y)
        self.classes_ = encoder.classes_
        target = encoder.transform(y).astype(np.int64)
        soft = None if soft_targets is None else _check_soft_targets(
            soft_targets, len(target), self.classes_)
        seed = check_random_state(self.random_state).randint(2**31 - 1)
        torch.manual_seed(seed)
        self.device_ = resolve_device(self.device)
        self.net_ = self._make_net(target, seed, previous, soft=soft is not None)
        epochs = self._resume(self.net_)
        self.net_.fit(images, target if soft is None else soft, epochs=epochs)
        return self

    def _warm_classes(self):
        """The classes of the network to continue from (None: start afresh)."""
        if not (self.warm_start and hasattr(self, "net_")):
            return None
        if getattr(self, "_fitted_backbone", self.backbone) != self.backbone:
            return None  # another architecture: a new network
        return self.classes_

    def _make_net(self, target, seed, previous_classes=None, *, soft=False,
                  require_head=False):
        """The skorch net around the (new or warm-started) module; ``target``
        (encoded labels) sizes the head and the class weights; ``previous_classes``
        (warm start) are those of the network continued from; ``soft``: the net
        is trained on class probabilities, split and scored on ``target``;
        ``require_head``: the weights' head must have ``len(classes_)`` outputs."""

        module = self._module(len(self.classes_), previous_classes,
                              require_head=require_head)
        extra = dict(self.net_params or {})
        has_valid = self.valid_fraction > 0 or extra.get("train_split") is not None
        split = None
        if self.valid_fraction > 0:
            split = ValidSplit(self.valid_fraction, stratified=True, random_state=seed)
            if soft:
                split = _HardLabelSplit(split, target)
        params = dict(
            module=module,
            criterion=nn.CrossEntropyLoss,
            optimizer=torch.optim.SGD,
            lr=self._setting("lr"),
            optimizer__momentum=self._setting("momentum"),
            optimizer__weight_decay=self._setting("weight_decay"),
            optimizer__nesterov=RECIPES[self.recipe]["nesterov"],
            batch_size=self._setting("batch_size"),
            max_epochs=self.max_epochs,
            train_split=split,
            callbacks=self._callbacks(has_valid),
            iterator_train__shuffle=True,
            device=self.device_,
            verbose=self.verbose,
        )
        if self.class_weight == "balanced" and target is not None:
            weights = compute_class_weight("balanced", classes=np.arange(len(self.classes_)),
                                           y=target)
            params["criterion__weight"] = torch.tensor(weights, dtype=torch.float32)
        if soft:
            params["callbacks__valid_acc__scoring"] = _soft_accuracy
        params["callbacks"] += list(extra.pop("callbacks", []))
        net_class = extra.pop("net_class", NeuralNetClassifier)
        params.update(extra)
        return map_devices_on_load(net_class(**params))

    def predict_proba(self, X):
        """Class probabilities (softmax of the network's output).

        Parameters
        ----------
        X : array-like of shape (n, H, W[, C])

        Returns
        -------
        ndarray of shape (n, n_classes)
        """
        check_is_fitted(self)
        if self.net_.module_.training:  # eval() walks every module: only when needed
            self.net_.module_.eval()
        images = prepare_images(X)
        return self._views_proba(images, tta_views() if self.tta else [None])

    def _views_proba(self, images, views):
        """Softmax of the network averaged over test-time ``views``.

        The network is called directly (not through skorch's data loader, whose
        set-up costs more than the network on a few faces), with every view of
        a chunk of images in one batch.  The views are set on copies of the
        input stage, so the fitted network is not modified and threads can
        share it.  Without views, faces of the network's side whose backbone
        runs in ONNX Runtime on a CPU skip torch (:meth:`_numpy_proba`).
        """
        module = self.net_.module_
        device = next(module.parameters()).device
        if views == [None] and device.type == "cpu" and self._runs_onnx():
            proba = self._numpy_proba(module, images)
            if proba is not None:
                return proba
        stages = [_viewed(module.input, view) for view in views]
        chunk = max(1, max(self.net_.batch_size, _INFERENCE_BATCH) // len(stages))
        out = []
        with torch.inference_mode():
            for start in range(0, len(images), chunk):
                batch = torch.from_numpy(images[start:start + chunk]).to(device)
                views = torch.cat([stage(batch) for stage in stages])
                backbone = self._inference_backbone(module.backbone, views)
                with _autocast(device, self.mixed_precision):
                    logits = backbone(views)
                proba = torch.softmax(logits.float(), dim=1)
                out.append(proba.view(len(stages), len(batch), -1).mean(0).cpu().numpy())
        return np.concatenate(out).astype(np.float64)

    def _runs_onnx(self):
        """Whether the backbone runs in ONNX Runtime on a CPU: the int8 graph,
        or ``runtime`` resolved to ``"onnxruntime"``."""
        runtime = getattr(self, "runtime", "torch")  # pickled before the option
        return (getattr(self, "int8_graph_", None) is not None
                or resolve_runtime(runtime) == "onnxruntime")

    def _numpy_proba(self, module, images):
        """Softmax of the backbone's ONNX Runtime copy on the input stage's numpy
        output (:meth:`InputAdapter.numpy_forward`), torch left out: on one
        64 px face torch's tensors and operations around the network cost
        about 0.1 ms, a seventh of MobileFaceNet's 0.7 ms.  None where the
        input stage needs torch (faces of another side)."""
        chunk = max(self.net_.batch_size, _INFERENCE_BATCH)
        out = []
        for start in range(0, len(images), chunk):
            x = module.input.numpy_forward(images[start:start + chunk])
            if x is None:
                return None
            backbone = self._inference_backbone(module.backbone, torch.from_numpy(x))
            out.append(softmax(backbone.run(x)[0], axis=1))
        return np.concatenate(out).astype(np.float64)

    def _inference_backbone(self, backbone, views):
        """What runs ``backbone`` on ``views`` in ``predict_proba``: its ONNX
        Runtime copy (``runtime``, on a CPU) or its fused torch copy, each
        made once."""
        if views.device.type != "cpu" or not self._runs_onnx():
            return inference_copy(backbone)  # batch norm folded, made once
        graph = getattr(self, "int8_graph_", None)
        threads, spin = _onnx_threads(len(views))
        if graph is not None:
            return _int8_session(self, graph, threads, spin)
        return onnx_copy(backbone, views, n_threads=threads, spin=spin)

    def predict(self, X):
        """Most probable class of every image.

        Parameters
        ----------
        X : array-like of shape (n, H, W[, C])
            Face images, as for :meth:`predict_proba`.

        Returns
        -------
        ndarray of shape (n,)
            The class of ``classes_`` with the highest probability.
        """
        proba = self.predict_proba(X)  # first: it raises NotFittedError before classes_
        return self.classes_[np.argmax(proba, axis=1)]

    def score(self, X, y, sample_weight=None):
        """Accuracy on faces ``X`` with labels ``y``.

        Parameters
        ----------
        X : array-like of shape (n, H, W[, C])
        y : array-like of shape (n,)
            Labels of the kind of ``classes_``: class names for the shipped
            models, as emosk's loaders give them by default.  Integer codes
            against named classes are refused with a message that says what
            to pass.
        sample_weight : array-like of shape (n,), default=None

        Returns
        -------
        float
        """
        check_is_fitted(self)
        check_targets_match_classes(y, self.classes_, what=f"this {type(self).__name__}")
        return super().score(X, y, sample_weight=sample_weight)

    def backbone_module_(self):
        """The fitted backbone (without the input stage), for :class:`CNNFeaturizer`."""
        check_is_fitted(self)
        return self.net_.module_.backbone

    def __setstate__(self, state):
        # skorch moves the unpickled network to the CPU where CUDA is missing;
        # device_ says so too
        super().__setstate__(state)
        device = getattr(self, "device_", None)
        if isinstance(device, str) and device.startswith("cuda") \
                and not torch.cuda.is_available():
            self.device_ = "cpu"

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.three_d_array = True
        tags.non_deterministic = True
        return tags

    @classmethod
    def get_test_params(cls):
        """Parameter sets that emosk's common tests instantiate.

        The compact network at its smallest input side, one epoch; again with
        ``runtime="onnxruntime"`` where ONNX Runtime is installed (the shipped
        models' default on a CPU).
        """
        base = {"input_size": 16, "max_epochs": 1, "valid_fraction": 0.0, "random_state": 0}
        return [base, {**base, "runtime": "onnxruntime"}] if onnxruntime_available() \
            else [base]


def classifier_from_weights(backbone, weights, classes, *, input_size=None, tta=False,
                            device="auto", batch_size=None, runtime="torch"):
    """A fitted :class:`CNNClassifier` from trained weights, without training.

    Parameters
    ----------
    backbone : str
        A name from :func:`~emosk.nn.available_backbones`.
    weights : str or path-like
        A state dict of that backbone whose head has ``len(classes)`` outputs
        (what ``torch.save(clf.net_.module_.backbone.state_dict(), path)``
        writes), or the name of a shipped model.
    classes : sequence of str
        The classes of the head's outputs, in their order.
    input_size : int, default=None
        The side the network was trained at (None: the backbone's own).
    tta : bool, default=False
        Test-time augmentation in ``predict_proba`` (see :class:`CNNClassifier`).
    device : str, default="auto"
    batch_size : int, default=None
        Faces per forward pass in ``predict_proba`` (the recipe's when None).
    runtime : {"torch", "onnxruntime", "auto"}, default="torch"
        What runs the network on a CPU (see :class:`CNNClassifier`).

    Returns
    -------
    CNNClassifier
        Fitted: ``predict`` and ``predict_proba`` take faces; its parameters
        name ``weights``, so ``clone(clf).fit(X, y)`` fine-tunes them.

    Raises
    ------
    ValueError
        When the weights' head does not have ``len(classes)`` outputs.
    """
    clf = CNNClassifier(backbone, weights=weights, tta=tta, device=device,
                        input_size=input_size, batch_size=batch_size, runtime=runtime)
    clf.classes_ = np.asarray(classes)
    clf.device_ = resolve_device(device)
    # the file's head must have len(classes) outputs
    clf.net_ = clf._make_net(None, 0, require_head=True).initialize()
    clf.net_.module_.eval()
    return clf

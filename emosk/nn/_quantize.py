"""int8 copies of fitted face classifiers, run by ONNX Runtime on the CPU.

On one face at a time the network is most of a photo's cost; ONNX Runtime's
int8 kernels run MobileFaceNet at 64 px in 0.34 ms instead of 0.73 ms (one
thread).  Static quantisation changes answers: the ranges of the activations
are fixed from calibration faces, and the most probable class of a face near
a decision boundary can change (about 5% of faces for the shipped model),
so the int8 copy is an opt-in model of its own, with its own figures.
"""

import copy

import torch
from sklearn.utils.validation import check_is_fitted

from ..utils import onnx_graph, quantize_graph
from ._classifier import CNNClassifier
from ._input import prepare_images

__all__ = ["quantize"]


def _network_inputs(module, images, batch_size):
    """The backbone's inputs for ``images``: the fitted input stage's output
    (resized, converted, normalised), in batches."""
    with torch.inference_mode():
        for start in range(0, len(images), batch_size):
            batch = torch.from_numpy(images[start:start + batch_size])
            yield module.input(batch).float().numpy()


def quantize(clf, X, *, batch_size=64):
    """An int8 copy of a fitted :class:`~emosk.nn.CNNClassifier`.

    The backbone is exported to ONNX and quantised statically
    (:func:`~emosk.utils.quantize_graph`: int8 weights per output channel,
    uint8 activations whose ranges come from ``X``).  The copy's
    ``predict_proba`` runs that graph with ONNX Runtime on a CPU; on CUDA it
    runs the float network.  ``clf`` is left unchanged.

    Parameters
    ----------
    clf : CNNClassifier
        Fitted.
    X : array-like of shape (n, H, W[, C])
        Calibration faces, aligned as the classifier's input faces and like
        the ones it will classify (a few hundred to a thousand; the shipped
        int8 model used 600 FER2013 and 600 NHFI training faces).
    batch_size : int, default=64
        Faces per calibration pass.

    Returns
    -------
    CNNClassifier
        A fitted copy with ``int8_graph_`` set and ``runtime="onnxruntime"``.

    Raises
    ------
    NotFittedError
        If ``clf`` is not fitted.
    TypeError
        If ``clf`` is not a CNNClassifier (it has no input stage and backbone).
    ImportError
        Without ONNX Runtime (the ``onnx`` extra).
    ValueError
        If ``X`` holds no face or is not a batch of images.

    Notes
    -----
    Check the copy on held-out faces before using it.  The shipped default
    model's int8 copy (``emosk.pretrained.load(precision="int8")``) gives the
    float model's answer on 95.3% of FER2013 PublicTest's faces, and its
    accuracy is 1.5 points lower to 0.5 points higher on the sets of
    ``benchmarks/real_faces.py``.

    Examples
    --------
    >>> import numpy as np
    >>> from emosk.nn import CNNClassifier, quantize
    >>> rng = np.random.default_rng(0)
    >>> X = rng.integers(0, 255, size=(40, 48, 48), dtype=np.uint8)
    >>> y = np.repeat(["happy", "sad"], 20)
    >>> clf = CNNClassifier(max_epochs=1, valid_fraction=0, random_state=0).fit(X, y)
    >>> fast = quantize(clf, X)
    >>> fast.predict_proba(X).shape
    (40, 2)
    """
    if not isinstance(clf, CNNClassifier):
        raise TypeError(f"quantize takes a fitted CNNClassifier; got {type(clf).__name__}.")
    check_is_fitted(clf)
    images = prepare_images(X)  # names the shape of an empty or malformed X
    module = clf.net_.module_
    was_training = module.training
    module.eval()
    try:
        module.to("cpu")
        inputs = list(_network_inputs(module, images, batch_size))
        graph = quantize_graph(onnx_graph(module.backbone, torch.from_numpy(inputs[0][:2])),
                               inputs)
    finally:
        module.to(clf.device_)
        module.train(was_training)
    out = copy.deepcopy(clf)
    out.set_params(runtime="onnxruntime")
    out.int8_graph_ = graph
    return out

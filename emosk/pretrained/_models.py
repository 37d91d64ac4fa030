"""Loading the shipped models as fitted estimators; the registry itself is
:mod:`emosk.nn` (re-exported here)."""

import numpy as np

from ..audio import audio_model_from_arrays
from ..face import FaceAligner
from ..nn import (
    DEFAULT_MODEL,
    PRECISIONS,
    PRETRAINED,
    PretrainedModel,
    available_models,
    get_model,
    int8_path,
    weights_path,
)
from ..utils import RUNTIMES

__all__ = ["PRETRAINED", "PRECISIONS", "PretrainedModel", "available_models", "weights_path",
           "load", "face_aligner"]


def load(name=DEFAULT_MODEL, *, tta="auto", device="auto", runtime="auto",
         precision="float32", cache=None):
    """A shipped model as a fitted scikit-learn classifier.

    Parameters
    ----------
    name : str, default="mobilefacenet80_fer_nhfi"
        One of :func:`available_models`.
    tta : "auto" or bool, default="auto"
        Average the probabilities of the 18 test-time views of Knyazev et al.
        (2017) (flips, rotations, scalings), at 18 times the inference cost.
        ``"auto"``: the model's own setting (``PRETRAINED[name].tta``), on
        where the views improved its measured figures: ``"fer2013"`` (0.684
        instead of 0.668 PublicTest accuracy), not the MobileFaceNet models
        (the default's views lower UAR on NHFI's photos by 0.8 points and on
        CK+'s clips by 1.2), so ``load()`` gives the same answers as
        :func:`predict_image` with the model's name.  Face models only.
    device : str, default="auto"
        Where the network runs (``"auto"``: CUDA when present).  Face models
        only.
    runtime : {"auto", "torch", "onnxruntime"}, default="auto"
        What runs the network on a CPU (``CNNClassifier``'s ``runtime``):
        ``"auto"`` uses ONNX Runtime when the ``onnx`` extra is installed
        (3 times faster on one face at a time; exported once per machine,
        about 4 s), else torch.  Face models only.
    precision : {"float32", "int8"}, default="float32"
        ``"int8"``: the model's shipped int8 graph
        (:func:`emosk.nn.quantize`, calibrated on 1,200 training faces), run
        by ONNX Runtime on the CPU, also where CUDA is present.  Twice as
        fast on one face (MobileFaceNet at 64 px: 0.34 ms instead of
        0.73 ms), but its most probable class differs from the float
        model's on about 5% of faces (``benchmarks/results/real_faces.md``
        has its figures).  Needs the ``onnx`` extra; models that ship one
        have ``int8_filename`` in :data:`PRETRAINED`.
    cache : str, path-like or None, default=None
        Feature cache folder of an audio model's
        :class:`~emosk.audio.AudioFeaturizer`.  Audio models only.

    Returns
    -------
    emosk.nn.CNNClassifier or sklearn.pipeline.Pipeline
        Fitted.  A face model (``"fer2013"``) is a
        :class:`~emosk.nn.CNNClassifier` whose ``predict`` /
        ``predict_proba`` take aligned faces (see :func:`face_aligner`); its
        parameters name the shipped weights (``weights=name``), so
        ``clone(model).fit(X, y)`` fine-tunes them on new data.  An audio
        model (``"ravdess_audio"``, needs the ``audio`` extra) is a pipeline
        whose ``predict_proba`` takes audio or video file paths (or
        ``(waveform, rate)`` tuples); with
        ``sklearn.set_config(enable_metadata_routing=True)``, ``groups=``
        passed to ``predict_proba`` standardises the clips of each speaker
        together (see :class:`~emosk.preprocessing.GroupStandardScaler`).

    Raises
    ------
    ValueError
        For an unknown ``name``, ``tta``, ``precision`` or ``runtime``, a
        ``device`` torch does not know, ``cache`` with a face model, or an
        int8 graph the model does not ship.

    Examples
    --------
    >>> from emosk.pretrained import load
    >>> model = load("fer2013")
    >>> model.classes_.tolist()
    ['angry', 'disgust', 'fear', 'happy', 'neutral', 'sad', 'surprise']
    >>> model.tta, load().tta  # "auto": the views where they help the model
    (True, False)
    """
    spec = get_model(name)
    tta = _resolve_tta(tta, spec)
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {PRECISIONS}; got {precision!r}.")
    if spec.kind == "audio":
        if precision != "float32":
            raise ValueError(f"precision={precision!r} is for face models; {name!r} is an "
                             "audio model.")
        with np.load(weights_path(name), allow_pickle=False) as arrays:
            return audio_model_from_arrays(arrays, cache=cache)
    from ..nn import classifier_from_weights

    _check_face_options(name, device=device, runtime=runtime, cache=cache)
    if precision == "int8":
        graph = _int8_graph(name, device, runtime)
        device, runtime = "cpu", "onnxruntime"
    clf = classifier_from_weights(spec.backbone, name, spec.classes, tta=tta, device=device,
                                  input_size=spec.input_size, runtime=runtime)
    if precision == "int8":
        clf.int8_graph_ = graph
    return clf


def _check_face_options(name, *, device, runtime, cache):
    """Refuse a face model's options at load time rather than at its first
    prediction (a runtime) or in torch's words (a device)."""
    if runtime not in RUNTIMES:
        raise ValueError(f"runtime must be one of {RUNTIMES}; got {runtime!r}.")
    if cache is not None:
        raise ValueError(f"cache is the feature cache of audio models; {name!r} is a face "
                         "model.")
    if device != "auto":
        import torch

        try:
            torch.device(device)
        except (RuntimeError, TypeError) as err:
            raise ValueError(f"device must be 'auto' or a torch device such as 'cpu', 'cuda' "
                             f"or 'cuda:1'; got {device!r}.") from err


def _resolve_tta(tta, spec):
    """``tta`` as a bool: ``"auto"`` is the model's own setting."""
    if isinstance(tta, str) and tta == "auto":
        return spec.tta
    if isinstance(tta, (bool, np.bool_)):
        return bool(tta)
    raise ValueError(f"tta must be 'auto', True or False; got {tta!r}.")


def _int8_graph(name, device, runtime):
    """The bytes of a shipped int8 graph, once the settings allow running it."""
    from ..utils import resolve_runtime

    if runtime == "torch":
        raise ValueError("precision='int8' runs the model's int8 graph with ONNX Runtime; "
                         "it cannot be combined with runtime='torch'.")
    resolve_runtime("onnxruntime")  # ImportError without the onnx extra
    if device not in ("auto", "cpu"):
        raise ValueError(f"precision='int8' runs on the CPU (device='auto' or 'cpu'); got "
                         f"device={device!r}.")
    return int8_path(name).read_bytes()


def face_aligner(name=DEFAULT_MODEL, **params):
    """A :class:`~emosk.face.FaceAligner` that makes the faces a model expects.

    Parameters
    ----------
    name : str, default="mobilefacenet80_fer_nhfi"
    **params
        Other FaceAligner parameters (``detector``, ``fps``, ``n_jobs``...).

    Returns
    -------
    emosk.face.FaceAligner
        Unfitted.
    """
    spec = get_model(name)
    if spec.kind != "face":
        raise ValueError(f"Pretrained model {name!r} reads {spec.kind}, not faces; it "
                         "needs no face aligner.")
    return FaceAligner(**{**spec.align, **params})

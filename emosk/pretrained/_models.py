"""The registry of shipped models, checksum-verified loading."""

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = ["PRETRAINED", "PretrainedModel", "available_models", "weights_path", "load",
           "face_aligner"]

_HERE = Path(__file__).parent


@dataclass(frozen=True)
class PretrainedModel:
    """A model shipped with emosk.

    Attributes
    ----------
    filename : str
        Weights file inside ``emosk/pretrained``: a torch state dict for a
        face model, the arrays of :func:`emosk.audio.audio_model_arrays` for
        an audio model.
    sha256 : str
        Its expected SHA-256.
    backbone : str or None
        Name of the backbone in :func:`emosk.nn.available_backbones` (None for
        an audio model).
    classes : tuple of str
        Class names, in the order of the model's outputs.
    align : dict
        :class:`~emosk.face.FaceAligner` settings that produce the faces the
        model was trained on (empty for an audio model).
    description : str
        One line on the data and the recipe.
    kind : {"face", "audio"}
        What the model reads: aligned faces, or audio and video files.
    """

    filename: str
    sha256: str
    backbone: str
    classes: tuple
    align: dict
    description: str = ""
    kind: str = "face"


#: The models that ship with emosk.
PRETRAINED = {
    "fer2013": PretrainedModel(
        filename="compact_fer2013.pt",
        sha256="efcad72dd8a06eb1f93f04d9a9e5803fe6ee18c877a07c906d972a0fcb14ad6f",
        backbone="compact",
        classes=("angry", "disgust", "fear", "happy", "neutral", "sad", "surprise"),
        align={"mode": "fer2013", "size": 48, "color": "gray"},
        description="emosk's compact CNN trained on FER2013 Training (28,709 faces, "
                    "48x48 gray) by benchmarks/fer2013.py; the best epoch chosen on "
                    "PublicTest.",
    ),
    "ravdess_audio": PretrainedModel(
        filename="ravdess_audio.npz",
        sha256="141603442821fa3fce09ba610c61b207f2f41b54b4577ab0e73034207b2b56b8",
        backbone=None,
        classes=("angry", "disgust", "fear", "happy", "neutral", "sad", "surprise"),
        align={},
        description="openSMILE functionals, speaker normalisation and a class-balanced "
                    "softmax layer, trained on all 1,248 RAVDESS speech clips of 24 "
                    "actors (calm dropped) by scripts/train_audio_model.py.",
        kind="audio",
    ),
}


def available_models(kind=None):
    """Names of the models shipped with emosk.

    Parameters
    ----------
    kind : {"face", "audio"} or None, default=None
        Only the models of this kind.

    Returns
    -------
    list of str
    """
    return sorted(n for n, s in PRETRAINED.items() if kind is None or s.kind == kind)


def _spec(name):
    if name not in PRETRAINED:
        raise ValueError(f"Unknown pretrained model {name!r}; available: "
                         f"{available_models()}.")
    return PRETRAINED[name]


def _sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def weights_path(name="fer2013", *, verify=True):
    """Path of a shipped model's weights file, checked against its SHA-256.

    Parameters
    ----------
    name : str, default="fer2013"
        One of :func:`available_models`.
    verify : bool, default=True
        Check the file's SHA-256.

    Returns
    -------
    pathlib.Path

    Raises
    ------
    FileNotFoundError
        If the file is missing from the installation.
    OSError
        If its checksum does not match (a damaged or replaced file).
    """
    spec = _spec(name)
    path = _HERE / spec.filename
    if not path.is_file():
        raise FileNotFoundError(f"The weights of pretrained model {name!r} ({path}) are "
                                "missing; reinstall emosk.")
    if verify:
        found = _sha256(path)
        if found != spec.sha256:
            raise OSError(f"Checksum mismatch for {path}: SHA-256 {found}, expected "
                          f"{spec.sha256}. The file is damaged or was replaced; "
                          "reinstall emosk.")
    return path


def load(name="fer2013", *, tta=True, device="auto", cache=None):
    """A shipped model as a fitted scikit-learn classifier.

    Parameters
    ----------
    name : str, default="fer2013"
        One of :func:`available_models`.
    tta : bool, default=True
        Average the probabilities of the 18 test-time views of Knyazev et al.
        (2017) (flips, rotations, scalings): 0.685 instead of 0.668 PublicTest
        accuracy for the FER2013 model, at 18 times the inference cost.  Face
        models only.
    device : str, default="auto"
        Where the network runs (``"auto"``: CUDA when present).  Face models
        only.
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

    Examples
    --------
    >>> from emosk.pretrained import load
    >>> model = load("fer2013")
    >>> model.classes_.tolist()
    ['angry', 'disgust', 'fear', 'happy', 'neutral', 'sad', 'surprise']
    """
    spec = _spec(name)
    if spec.kind == "audio":
        from ..audio import audio_model_from_arrays

        with np.load(weights_path(name), allow_pickle=False) as arrays:
            return audio_model_from_arrays(arrays, cache=cache)
    from ..nn import CNNClassifier

    clf = CNNClassifier(spec.backbone, weights=name, tta=tta, device=device)
    return clf._from_weights(spec.classes)


def face_aligner(name="fer2013", **params):
    """A :class:`~emosk.face.FaceAligner` that makes the faces a model expects.

    Parameters
    ----------
    name : str, default="fer2013"
    **params
        Other FaceAligner parameters (``detector``, ``fps``, ``n_jobs``...).

    Returns
    -------
    emosk.face.FaceAligner
        Unfitted.
    """
    from ..face import FaceAligner

    spec = _spec(name)
    if spec.kind != "face":
        raise ValueError(f"Pretrained model {name!r} reads {spec.kind}, not faces; it "
                         "needs no face aligner.")
    return FaceAligner(**{**spec.align, **params})

"""The registry of shipped models, checksum-verified loading."""

import hashlib
from dataclasses import dataclass
from pathlib import Path

__all__ = ["PRETRAINED", "PretrainedModel", "available_models", "weights_path", "load",
           "face_aligner"]

_HERE = Path(__file__).parent


@dataclass(frozen=True)
class PretrainedModel:
    """A model shipped with emosk.

    Attributes
    ----------
    filename : str
        Weights file (a torch state dict) inside ``emosk/pretrained``.
    sha256 : str
        Its expected SHA-256.
    backbone : str
        Name of the backbone in :func:`emosk.nn.available_backbones`.
    classes : tuple of str
        Class names, in the order of the network's outputs.
    align : dict
        :class:`~emosk.face.FaceAligner` settings that produce the faces the
        model was trained on.
    description : str
    """

    filename: str
    sha256: str
    backbone: str
    classes: tuple
    align: dict
    description: str = ""


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
}


def available_models():
    """Names of the models shipped with emosk."""
    return sorted(PRETRAINED)


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


def load(name="fer2013", *, tta=True, device="auto"):
    """A shipped model as a fitted scikit-learn classifier.

    Parameters
    ----------
    name : str, default="fer2013"
        One of :func:`available_models`.
    tta : bool, default=True
        Average the probabilities of the 18 test-time views of Knyazev et al.
        (2017) (flips, rotations, scalings): 0.685 instead of 0.668 PublicTest
        accuracy for the FER2013 model, at 18 times the inference cost.
    device : str, default="auto"
        Where the network runs (``"auto"``: CUDA when present).

    Returns
    -------
    emosk.nn.CNNClassifier
        Fitted: ``predict`` / ``predict_proba`` take aligned faces (see
        :func:`face_aligner`).  Its parameters name the shipped weights
        (``weights=name``), so ``clone(model).fit(X, y)`` fine-tunes them on
        new data.

    Examples
    --------
    >>> from emosk.pretrained import load
    >>> model = load("fer2013")
    >>> list(model.classes_)
    ['angry', 'disgust', 'fear', 'happy', 'neutral', 'sad', 'surprise']
    """
    from ..nn import CNNClassifier

    spec = _spec(name)
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

    return FaceAligner(**{**_spec(name).align, **params})

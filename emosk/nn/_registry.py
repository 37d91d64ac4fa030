"""The registry of named weights that ship with emosk, and their checksums.

Each entry says which backbone reads the weights, the classes of its outputs
and the face crops it expects, so that :func:`~emosk.nn.build_backbone`,
:class:`~emosk.nn.CNNFeaturizer`, :mod:`emosk.pretrained`, :mod:`emosk.video`
and the command line read these facts from one place.  Only the standard
library is imported here: ``emosk --help`` lists the shipped models without
loading torch.  The weights files themselves are package data in
``emosk/pretrained/``, each model's card beside them
(``model_card_<name>.rst``: data, recipe, results, known limits).
"""

from dataclasses import dataclass
from pathlib import Path

from ..utils import check_sha256

__all__ = ["DEFAULT_MODEL", "PRECISIONS", "PRETRAINED", "PretrainedModel", "available_models",
           "get_model", "int8_path", "shipped_weights_for", "weights_path"]

#: The precisions a shipped face model loads in (``emosk.pretrained.load``):
#: its float network, or its int8 graph where it ships one.
PRECISIONS = ("float32", "int8")

#: Where the weights files are installed (package data of :mod:`emosk.pretrained`).
WEIGHTS_DIR = Path(__file__).resolve().parent.parent / "pretrained"


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
    input_size : int or None
        The side the network was trained at (None: the backbone's own).
    int8_filename : str or None
        An int8 ONNX graph of the network inside ``emosk/pretrained``, made
        by ``scripts/quantize_face_model.py`` (:func:`emosk.nn.quantize`);
        loaded by ``emosk.pretrained.load(name, precision="int8")``.
    int8_sha256 : str or None
        Its expected SHA-256.
    tta : bool
        Whether :func:`emosk.pretrained.load` averages the 18 test-time views
        by default (``tta="auto"``): True only where they improved the
        model's measured figures (``"fer2013"``: 0.684 instead of 0.668
        PublicTest accuracy).  False for the MobileFaceNet models: on the
        two measured (``..._soup`` and ``..._soup3``,
        ``benchmarks/results/real_faces.md``) the views lowered UAR on NHFI's
        photos and CK+'s clips by 0.5 to 1.2 points, raised it by 0.6 to 2.5
        on SFEW's movie faces, and cost 18 times the network.
    """

    filename: str
    sha256: str
    backbone: str
    classes: tuple
    align: dict
    description: str = ""
    kind: str = "face"
    input_size: int = None
    int8_filename: str = None
    int8_sha256: str = None
    tta: bool = False


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
        tta=True,
    ),
    "mobilefacenet_fer_nhfi": PretrainedModel(
        filename="mobilefacenet_fer_nhfi.pt",
        sha256="9d06569d2785dab4e824e8012239014813a5600e32b12b5e4182580eaa8088ed",
        backbone="mobilefacenet",
        classes=("angry", "disgust", "fear", "happy", "neutral", "sad", "surprise"),
        align={"mode": "fer2013", "size": 64, "color": "gray"},
        description="MobileFaceNet from its MS-Celeb-1M face-recognition weights, "
                    "fine-tuned on FER2013 Training and NHFI's in-the-wild photos "
                    "(64x64 gray) by scripts/train_face_model.py; the best epoch chosen "
                    "on PublicTest.",
        input_size=64,
    ),
    "mobilefacenet_fer_nhfi_aligned": PretrainedModel(
        filename="mobilefacenet_fer_nhfi_aligned.pt",
        sha256="8000d6a4a999215a51f1932ba0c9e23638f2a8a9af22446b89768eb275523119",
        backbone="mobilefacenet",
        classes=("angry", "disgust", "fear", "happy", "neutral", "sad", "surprise"),
        align={"mode": "fer2013", "size": 64, "color": "gray"},
        description="mobilefacenet_fer_nhfi fine-tuned 5 more epochs on FER2013 "
                    "Training and NHFI's photos aligned as the photo path aligns them "
                    "(RetinaFace's five points, FER2013's framing, 64x64 gray) by "
                    "scripts/train_face_model.py --nhfi-faces retinaface; the best "
                    "epoch chosen on PublicTest.",
        input_size=64,
    ),
    "mobilefacenet_fer_nhfi_soup": PretrainedModel(
        filename="mobilefacenet_fer_nhfi_soup.pt",
        sha256="efe533c8c3ee2a41594d11c335f470b05bb37a73cdad06e4a2e209c20d87a201",
        backbone="mobilefacenet",
        classes=("angry", "disgust", "fear", "happy", "neutral", "sad", "surprise"),
        align={"mode": "fer2013", "size": 64, "color": "gray"},
        description="The average of the weights of mobilefacenet_fer_nhfi_aligned and of "
                    "its fine-tune with NHFI's aligned photos three times in each epoch "
                    "(scripts/train_face_model.py --nhfi-repeat 3, then "
                    "scripts/average_weights.py --alpha 0.5).",
        input_size=64,
        int8_filename="mobilefacenet_fer_nhfi_soup.int8.onnx",
        int8_sha256="c50f0aeb1f0ad4ec480e565f38c9fd6426f0f0800494dfaa5f42b2d4df28d2e5",
    ),
    "mobilefacenet_fer_nhfi_soup3": PretrainedModel(
        filename="mobilefacenet_fer_nhfi_soup3.pt",
        sha256="b9c4337f84f6a15c06606e0fc0eaa37107f78dce68670c5393f862a9c112703a",
        backbone="mobilefacenet",
        classes=("angry", "disgust", "fear", "happy", "neutral", "sad", "surprise"),
        align={"mode": "fer2013", "size": 64, "color": "gray"},
        description="The uniform average of the weights of three fine-tunes of one "
                    "network: mobilefacenet_fer_nhfi_aligned, its fine-tune with NHFI's "
                    "aligned photos three times in each epoch, and the same fine-tune "
                    "with a class-balanced loss (scripts/train_face_model.py "
                    "--nhfi-repeat 3 [--class-weight balanced], then "
                    "scripts/average_weights.py).",
        input_size=64,
        int8_filename="mobilefacenet_fer_nhfi_soup3.int8.onnx",
        int8_sha256="12248a7ade6d82e728f19bba5b07ae760254250096cbf8e712a7aba2d9d6544a",
    ),
    "mobilefacenet80_fer_nhfi": PretrainedModel(
        filename="mobilefacenet80_fer_nhfi.pt",
        sha256="5b494c82a5c5e283c7042454086289de5074fa5dd29dc16376a9da33fd451758",
        backbone="mobilefacenet",
        classes=("angry", "disgust", "fear", "happy", "neutral", "sad", "surprise"),
        align={"mode": "fer2013", "size": 80, "color": "gray"},
        description="The average of the weights of two networks at 80x80 gray: "
                    "MobileFaceNet from its MS-Celeb-1M face-recognition weights "
                    "fine-tuned 8 epochs on FER2013 Training and NHFI's photos aligned "
                    "as the photo path aligns them, three times in each epoch "
                    "(scripts/train_face_model.py --side 80 --nhfi-faces retinaface "
                    "--nhfi-repeat 3), and its 2-epoch fine-tune with a class-balanced "
                    "loss (--class-weight balanced), then scripts/average_weights.py "
                    "--alpha 0.5.",
        input_size=80,
        int8_filename="mobilefacenet80_fer_nhfi.int8.onnx",
        int8_sha256="f801cf7e7afea04c4a0d894cb14fc1422c872ae4350b0574793a80973eb93ce4",
    ),
    "mobilefacenet80_fer_nhfi_kd": PretrainedModel(
        filename="mobilefacenet80_fer_nhfi_kd.pt",
        sha256="bf726be520c6d38f144c69c67a81074bfd6970c88e1420a8218491df81f19f5c",
        backbone="mobilefacenet",
        classes=("angry", "disgust", "fear", "happy", "neutral", "sad", "surprise"),
        align={"mode": "fer2013", "size": 80, "color": "gray"},
        description="mobilefacenet80_fer_nhfi's recipe with an ensemble as the teacher: "
                    "two 3-epoch fine-tunes of it towards 0.7 times the mean of its own "
                    "and mobilefacenet_fer_nhfi_soup3's probabilities plus 0.3 times the "
                    "labels, one with the plain loss and one class-balanced "
                    "(scripts/train_face_model.py --teacher given twice [--class-weight "
                    "balanced]), then scripts/average_weights.py --alpha 0.5.",
        input_size=80,
        int8_filename="mobilefacenet80_fer_nhfi_kd.int8.onnx",
        int8_sha256="c92df118e744e2f1b129e8da34611663aa214be84ba501c3a3944f0bf02a971f",
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

#: The face model used when none is named (``load()``, ``predict_image``, the CLI).
DEFAULT_MODEL = "mobilefacenet80_fer_nhfi"


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


def get_model(name):
    """The registry entry of a shipped model; a ValueError lists the names."""
    if name not in PRETRAINED:
        raise ValueError(f"Unknown pretrained model {name!r}; available: "
                         f"{available_models()}.")
    return PRETRAINED[name]


def shipped_weights_for(backbone):
    """Name of the shipped face model that is ``backbone``'s offline weights, or None.

    The default model when it is of that backbone, else the first such model
    by name.
    """
    names = [n for n in available_models("face") if PRETRAINED[n].backbone == backbone]
    if DEFAULT_MODEL in names:
        return DEFAULT_MODEL
    return names[0] if names else None


def int8_path(name=DEFAULT_MODEL, *, verify=True):
    """Path of a shipped model's int8 ONNX graph, checked against its SHA-256.

    Parameters
    ----------
    name : str, default="mobilefacenet80_fer_nhfi"
        A face model of :func:`available_models` that ships one
        (``PRETRAINED[name].int8_filename``).
    verify : bool, default=True
        Check the file's SHA-256.

    Returns
    -------
    pathlib.Path

    Raises
    ------
    ValueError
        If the model ships no int8 graph.
    FileNotFoundError
        If the file is missing from the installation.
    OSError
        If its checksum does not match.
    """
    spec = get_model(name)
    if spec.int8_filename is None:
        with_int8 = sorted(n for n, s in PRETRAINED.items() if s.int8_filename)
        raise ValueError(f"Pretrained model {name!r} ships no int8 graph; these do: "
                         f"{with_int8}.")
    return _installed(spec.int8_filename, spec.int8_sha256, verify,
                      f"The int8 graph of pretrained model {name!r}")


def _installed(filename, sha256, verify, what):
    """The path of a file of ``emosk/pretrained``, present and (``verify``) checked."""
    path = WEIGHTS_DIR / filename
    if not path.is_file():
        raise FileNotFoundError(f"{what}: {path} is missing; reinstall emosk.")
    if verify:
        check_sha256(path, sha256, "The file is damaged or was replaced; reinstall emosk.")
    return path


def weights_path(name=DEFAULT_MODEL, *, verify=True):
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
    spec = get_model(name)
    return _installed(spec.filename, spec.sha256, verify,
                      f"The weights of pretrained model {name!r}")

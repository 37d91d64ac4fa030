"""Emotions of the faces in an image or a video, with a shipped or fitted model."""

import os
from pathlib import Path

import numpy as np

from ..nn._registry import DEFAULT_MODEL

__all__ = ["predict_image", "predict_video", "plot_faces", "plot_timeline",
           "image_aligner", "NoFaceError", "NO_FACE_OPTIONS"]

#: dlib-HOG score threshold for faces in photos: every face is reported there, so
#: weak detections (badges, patterns) are left out; videos keep the low threshold
#: of Knyazev et al. (2017) since one person is followed.
IMAGE_THRESHOLD = 0.5

#: What :func:`predict_image` and :func:`predict_video` do where no face is found.
NO_FACE_OPTIONS = ("skip", "whole-image", "error")


class NoFaceError(ValueError):
    """No face was found in an image (or in any frame of a video) and
    ``no_face="error"`` was asked for."""


def _check_no_face(no_face):
    if no_face not in NO_FACE_OPTIONS:
        raise ValueError(f"no_face must be one of {NO_FACE_OPTIONS}; got {no_face!r}.")


def image_aligner(name=DEFAULT_MODEL, **params):
    """The FaceAligner :func:`predict_image` uses by default: every face
    (``select="all"``) with detector threshold ``IMAGE_THRESHOLD`` (0.5)."""
    from ._models import face_aligner

    return face_aligner(name, **{"select": "all", "threshold": IMAGE_THRESHOLD, **params})


def _model_and_aligner(model, aligner, make_aligner):
    from ._models import load

    if isinstance(model, str):
        name, model = model, load(model)
        aligner = aligner if aligner is not None else make_aligner(name)
    elif aligner is None:
        raise ValueError("With a model that is not a shipped one, pass the FaceAligner "
                         "that makes its input faces as aligner=.")
    if not hasattr(aligner, "detector_"):
        aligner = aligner.fit()
    return model, aligner


def read_image(path):
    """An image file as an RGB uint8 array.

    Raises
    ------
    MediaReadError
        If the file is missing or not an image OpenCV can decode.
    """
    import cv2

    from ..io import MediaReadError

    path = Path(path)
    data = np.fromfile(path, dtype=np.uint8) if path.is_file() else None
    image = None if data is None or data.size == 0 else cv2.imdecode(data, cv2.IMREAD_COLOR)
    if image is None:
        why = "no such file" if data is None else "not a decodable image"
        raise MediaReadError(f"Cannot read image {path}: {why}.")
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)


def _left_to_right(faces):
    """Faces ordered by the left edge of their box, then its top edge."""
    return sorted(faces, key=lambda f: (float(f[0][0]), float(f[0][1])))


def predict_image(image, *, model=DEFAULT_MODEL, aligner=None, no_face="skip"):
    """Emotion probabilities of every face in one image.

    Parameters
    ----------
    image : str, path-like or ndarray of shape (H, W[, 3]), uint8
        An image file or an RGB (or gray) array.
    model : str or fitted classifier, default="fer2013"
        A shipped model's name (see :func:`available_models`), or a fitted
        classifier of aligned faces, then with ``aligner``.
    aligner : FaceAligner, default=None
        Makes the model's input faces; by default :func:`image_aligner`.
    no_face : {"skip", "whole-image", "error"}, default="skip"
        What to do when no face is detected: return an empty list
        (``"skip"``), classify the whole image as if it were a face and mark
        it ``found=False`` (``"whole-image"``), or raise :class:`NoFaceError`
        (``"error"``).

    Returns
    -------
    list of dict
        One per face, numbered left to right (by the left edge of the box,
        then its top edge): ``face`` (that number, from 0), ``found`` (False
        only for the ``"whole-image"`` fallback), ``box`` ``(x0, y0, x1, y1)``,
        ``score`` (detector's; NaN for the fallback), ``emotion`` (the most
        probable class) and ``probabilities`` (class -> probability).  Empty
        when no face is found and ``no_face="skip"``.

    Raises
    ------
    MediaReadError
        If ``image`` is a file that is missing or cannot be decoded.
    NoFaceError
        If no face is found and ``no_face="error"``.
    ValueError
        If ``no_face`` is not one of the three options, or the image array
        has a shape or dtype images cannot have.

    Examples
    --------
    >>> import numpy as np
    >>> from emosk.pretrained import predict_image
    >>> predict_image(np.full((60, 80, 3), 128, np.uint8))  # a gray card: no face
    []
    >>> [f["found"] for f in predict_image(np.full((60, 80, 3), 128, np.uint8),
    ...                                    no_face="whole-image")]
    [False]
    """
    from ..face._aligner import _FaceStep
    from ..utils.validation import check_images

    _check_no_face(no_face)
    rgb = read_image(image) if isinstance(image, (str, Path)) else np.asarray(image)
    if rgb.ndim not in (2, 3):
        raise ValueError(f"image must have shape (H, W) or (H, W, C); got shape {rgb.shape}. "
                         "For a batch of images use the aligner and the model directly.")
    rgb = check_images(rgb[None])[0]
    model, aligner = _model_and_aligner(model, aligner, image_aligner)
    step = _FaceStep(aligner)
    faces = _left_to_right(step.candidates(rgb))
    if not faces:
        where = f" in {image}" if isinstance(image, (str, Path)) else " in the image"
        if no_face == "error":
            raise NoFaceError(f"No face found{where}.")
        if no_face == "skip":
            return []
    crops = [step.crop(rgb, f) for f in faces] or [step.whole(rgb)]
    probs = model.predict_proba(np.stack(crops))
    h, w = rgb.shape[:2]
    boxes = [tuple(float(v) for v in f[0]) for f in faces] or [(0.0, 0.0, float(w), float(h))]
    scores = [f[1] for f in faces] or [float("nan")]
    return [{"face": i, "found": bool(faces), "box": boxes[i], "score": scores[i],
             "emotion": str(model.classes_[np.argmax(p)]),
             "probabilities": dict(zip(map(str, model.classes_), map(float, p)))}
            for i, p in enumerate(probs)]


def predict_video(video, *, model=DEFAULT_MODEL, aligner=None, fps=None, batch_size=256,
                  no_face="skip"):
    """Per-frame and per-clip emotion probabilities of the main face of a video.

    Frames are streamed (never loaded whole) and classified in batches.

    Parameters
    ----------
    video : str or path-like
        A video file PyAV can read.
    model : str or fitted classifier, default="fer2013"
        As in :func:`predict_image`.
    aligner : FaceAligner, default=None
        As in :func:`predict_image`; it follows one person through the video.
    fps : float, default=None
        Frames per second to analyse (None: every frame).  With a shipped
        model's name and no ``aligner``; otherwise set the aligner's ``fps``.
    batch_size : int, default=256
        Faces per forward pass.
    no_face : {"skip", "whole-image", "error"}, default="skip"
        Frames without a face: ``"skip"`` leaves their probabilities NaN,
        ``"whole-image"`` classifies the whole frame; either way they are
        left out of the clip's mean while some frame has a face.  When no
        frame has one, ``"skip"`` gives a NaN clip and ``emotion`` None,
        ``"whole-image"`` the mean over all (whole) frames, and ``"error"``
        raises :class:`NoFaceError` (with ``"error"``, frames without a face
        are otherwise treated as with ``"skip"``).

    Returns
    -------
    dict
        ``source``; ``classes``; ``time``, ``frame``, ``found`` (arrays over
        the analysed frames), ``box`` ``(n, 4)``, ``probabilities``
        ``(n, n_classes)``; ``clip_probabilities``: the mean over frames with
        a face, and ``emotion``, its most probable class (see ``no_face``).

    Raises
    ------
    MediaReadError
        If the file cannot be decoded or has no frames.
    NoFaceError
        If no frame has a face and ``no_face="error"``.
    TypeError
        If ``video`` is not a file path.
    ValueError
        If ``fps`` is given with a custom ``aligner``, or ``no_face`` is not
        one of the three options.
    """
    from ..face import iter_aligned_faces
    from ..io import MediaReadError
    from ._models import face_aligner

    _check_no_face(no_face)
    if not isinstance(video, (str, os.PathLike)):
        what = (f"an array of shape {np.shape(video)}" if isinstance(video, np.ndarray)
                else f"a {type(video).__name__}")
        raise TypeError(f"video must be a file path; got {what}. For frames in memory, "
                        "use the aligner and the model directly (see FaceAligner).")
    if fps is not None and aligner is not None:
        raise ValueError("fps applies to a shipped model's default aligner; with a custom "
                         "aligner, set its fps (aligner.set_params(fps=...)).")
    model, aligner = _model_and_aligner(
        model, aligner, lambda name: face_aligner(name, fps=fps))
    records, probs, batch = [], [], []
    for crop, rec in iter_aligned_faces(str(video), aligner):
        records.append(rec)
        batch.append(crop)
        if len(batch) == batch_size:
            probs.append(model.predict_proba(np.stack(batch)))
            batch = []
    if batch:
        probs.append(model.predict_proba(np.stack(batch)))
    if not records:
        raise MediaReadError(f"Video {video} has no frames.")
    probs = np.concatenate(probs)
    found = np.array([r["found"] for r in records])
    if not found.any() and no_face == "error":
        raise NoFaceError(f"No face found in any of the {len(found)} analysed frames of "
                          f"{video}.")
    if no_face != "whole-image":
        probs[~found] = np.nan
    if found.any():
        clip = probs[found].mean(0)
    elif no_face == "whole-image":
        clip = probs.mean(0)
    else:
        clip = np.full(probs.shape[1], np.nan)
    emotion = str(model.classes_[np.argmax(clip)]) if np.isfinite(clip).all() else None
    return {"source": str(video), "classes": [str(c) for c in model.classes_],
            "frame": np.array([r["frame"] for r in records]),
            "time": np.array([r["time"] for r in records], dtype=float),
            "found": found, "box": np.array([r["box"] for r in records], dtype=float),
            "probabilities": probs, "clip_probabilities": clip, "emotion": emotion}


def plot_faces(image, faces, path=None):
    """Draw each face's box, its number and its emotion probabilities on the image.

    Parameters
    ----------
    image : str, path-like or ndarray
        The image given to :func:`predict_image`.
    faces : list of dict
        What :func:`predict_image` returned.  An empty list (no face found,
        ``no_face="skip"``) draws "no face found" across the image; the
        ``"whole-image"`` fallback is drawn in orange and says so.
    path : str or path-like, default=None
        Where to save the PNG.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    rgb = read_image(image) if isinstance(image, (str, Path)) else np.asarray(image)
    h, w = rgb.shape[:2]
    fig, ax = plt.subplots(figsize=(8, 8 * h / w))
    ax.imshow(rgb, cmap="gray")
    if not faces:
        ax.text(w / 2, h / 2, "no face found", color="black", fontsize=14, ha="center",
                va="center", bbox={"facecolor": "orange", "alpha": 0.8, "pad": 4})
    for face in faces:
        x0, y0, x1, y1 = face["box"]
        color = "lime" if face["found"] else "orange"
        ax.add_patch(Rectangle((x0, y0), x1 - x0, y1 - y0, fill=False, lw=2, ec=color))
        top = sorted(face["probabilities"].items(), key=lambda kv: -kv[1])[:3]
        label = "\n".join([f"face {face['face']}"] + [f"{k} {v:.2f}" for k, v in top])
        if not face["found"]:
            label = "no face found: whole image\n" + label
        ax.text(x0, max(y0 - 4, 0), label, color="black", fontsize=10, va="bottom",
                bbox={"facecolor": color, "alpha": 0.8, "pad": 2})
    ax.set_axis_off()
    fig.tight_layout()
    if path is not None:
        fig.savefig(path, dpi=100)
    return fig


def plot_timeline(result, path=None):
    """Per-frame emotion probabilities of a video over time.

    Frames without a face are shaded grey (their probabilities are NaN with
    ``no_face="skip"``, so the curves break there).

    Parameters
    ----------
    result : dict
        What :func:`predict_video` returned.
    path : str or path-like, default=None
        Where to save the PNG.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    t = result["time"] if np.isfinite(result["time"]).all() else result["frame"]
    fig, ax = plt.subplots(figsize=(9, 3.5))
    for k, name in enumerate(result["classes"]):
        # markers: a frame with a face between two without one still shows
        ax.plot(t, result["probabilities"][:, k], label=name, lw=1.5, marker=".", ms=5)
    half = 0.5 * _spacing(t)
    for ti in t[~result["found"]]:
        ax.axvspan(ti - half, ti + half, color="0.85", lw=0)
    ax.set_xlabel("seconds" if t is result["time"] else "frame")
    ax.set_ylabel("probability")
    ax.set_ylim(0, 1)
    emotion = result["emotion"] or "no face found"
    ax.set_title(f"{Path(result['source']).name}: {emotion} (grey: no face)", fontsize=10)
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=9)
    fig.tight_layout()
    if path is not None:
        fig.savefig(path, dpi=100)
    return fig


def _spacing(t):
    return float(np.median(np.diff(t))) if len(t) > 1 else 1.0

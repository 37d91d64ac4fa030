"""Emotions of the faces in an image or a video, with a shipped or fitted model."""

from pathlib import Path

import numpy as np

__all__ = ["predict_image", "predict_video", "plot_faces", "plot_timeline",
           "image_aligner"]

#: dlib-HOG score threshold for faces in photos: every face is reported there, so
#: weak detections (badges, patterns) are left out; videos keep the low threshold
#: of Knyazev et al. (2017) since one person is followed.
IMAGE_THRESHOLD = 0.5


def image_aligner(name="fer2013", **params):
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


def predict_image(image, *, model="fer2013", aligner=None):
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

    Returns
    -------
    list of dict
        One per face, largest first: ``face`` (index), ``found`` (False for
        the whole-image fallback when no face is detected), ``box``
        ``(x0, y0, x1, y1)``, ``score`` (detector's), ``emotion`` (the most
        probable class) and ``probabilities`` (class -> probability).
    """
    from ..face._aligner import _FaceStep
    from ..utils.validation import check_images

    rgb = read_image(image) if isinstance(image, (str, Path)) else image
    rgb = check_images(np.asarray(rgb)[None])[0]
    model, aligner = _model_and_aligner(model, aligner, image_aligner)
    step = _FaceStep(aligner)
    faces = sorted(step.candidates(rgb), key=lambda f: -(f[0][2] - f[0][0]))
    crops = [step.crop(rgb, f) for f in faces] or [step.whole(rgb)]
    probs = model.predict_proba(np.stack(crops))
    h, w = rgb.shape[:2]
    boxes = [tuple(float(v) for v in f[0]) for f in faces] or [(0.0, 0.0, float(w), float(h))]
    scores = [f[1] for f in faces] or [float("nan")]
    return [{"face": i, "found": bool(faces), "box": boxes[i], "score": scores[i],
             "emotion": str(model.classes_[np.argmax(p)]),
             "probabilities": dict(zip(map(str, model.classes_), map(float, p)))}
            for i, p in enumerate(probs)]


def predict_video(video, *, model="fer2013", aligner=None, fps=None, batch_size=256):
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
        Frames per second to analyse (None: every frame).
    batch_size : int, default=256
        Faces per forward pass.

    Returns
    -------
    dict
        ``source``; ``classes``; ``time``, ``frame``, ``found`` (arrays over
        the analysed frames), ``box`` ``(n, 4)``, ``probabilities``
        ``(n, n_classes)``; ``clip_probabilities``: the mean over frames with
        a face (over all frames when none has one) and ``emotion``, its most
        probable class.

    Raises
    ------
    MediaReadError
        If the file cannot be decoded or has no frames.
    """
    from ..face import iter_aligned_faces
    from ..io import MediaReadError
    from ._models import face_aligner

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
    clip = probs[found].mean(0) if found.any() else probs.mean(0)
    return {"source": str(video), "classes": [str(c) for c in model.classes_],
            "frame": np.array([r["frame"] for r in records]),
            "time": np.array([r["time"] for r in records], dtype=float),
            "found": found, "box": np.array([r["box"] for r in records], dtype=float),
            "probabilities": probs, "clip_probabilities": clip,
            "emotion": str(model.classes_[np.argmax(clip)])}


def plot_faces(image, faces, path=None):
    """Draw each face's box and its emotion probabilities on the image.

    Parameters
    ----------
    image : str, path-like or ndarray
        The image given to :func:`predict_image`.
    faces : list of dict
        What :func:`predict_image` returned.
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
    for face in faces:
        x0, y0, x1, y1 = face["box"]
        color = "lime" if face["found"] else "orange"
        ax.add_patch(Rectangle((x0, y0), x1 - x0, y1 - y0, fill=False, lw=2, ec=color))
        top = sorted(face["probabilities"].items(), key=lambda kv: -kv[1])[:3]
        label = "\n".join(f"{k} {v:.2f}" for k, v in top)
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
        ax.plot(t, result["probabilities"][:, k], label=name, lw=1.5)
    half = 0.5 * _spacing(t)
    for ti in t[~result["found"]]:
        ax.axvspan(ti - half, ti + half, color="0.85", lw=0)
    ax.set_xlabel("seconds" if t is result["time"] else "frame")
    ax.set_ylabel("probability")
    ax.set_ylim(0, 1)
    ax.set_title(f"{Path(result['source']).name}: {result['emotion']} "
                 "(grey: no face, whole frame used)", fontsize=10)
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=9)
    fig.tight_layout()
    if path is not None:
        fig.savefig(path, dpi=100)
    return fig


def _spacing(t):
    return float(np.median(np.diff(t))) if len(t) > 1 else 1.0

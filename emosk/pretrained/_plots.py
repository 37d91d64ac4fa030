"""Pictures of the answers: faces on a photo, a video's timeline."""

from pathlib import Path

import numpy as np

from ._predict import _one_image

__all__ = ["plot_faces", "plot_timeline"]


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

    Raises
    ------
    ValueError
        If ``faces`` is not :func:`predict_image`'s list (one face's dict,
        or :func:`predict_video`'s result, which :func:`plot_timeline`
        draws, is named).
    MediaReadError
        If ``image`` is a file that cannot be read.
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    _check_faces(faces)
    rgb = _one_image(image)
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


#: The keys of a face of :func:`predict_image` that :func:`plot_faces` draws.
_FACE_KEYS = ("face", "found", "box", "probabilities")

#: The keys of :func:`predict_video`'s result that :func:`plot_timeline` draws.
_VIDEO_KEYS = ("source", "classes", "time", "frame", "found", "probabilities", "emotion")


def _check_faces(faces):
    """Refuse what is not :func:`predict_image`'s list of faces, saying what it is."""
    if isinstance(faces, dict):
        what = ("predict_video's result: draw it with plot_timeline" if "frame" in faces
                else "one face: pass [face]")
        raise ValueError(f"faces must be the list predict_image returned; got a dict ({what}).")
    if not isinstance(faces, (list, tuple)) or not all(
            isinstance(f, dict) and all(k in f for k in _FACE_KEYS) for f in faces):
        raise ValueError("faces must be the list predict_image returned (dicts with keys "
                         f"{_FACE_KEYS}); got {type(faces).__name__}.")


def _check_video_result(result):
    """Refuse what is not :func:`predict_video`'s result, saying what it is."""
    if isinstance(result, list):
        raise ValueError("result must be the dict predict_video returned; got a list (the "
                         "faces of predict_image? draw them with plot_faces).")
    missing = [k for k in _VIDEO_KEYS if k not in result] if isinstance(result, dict) else None
    if missing is None or missing:
        got = type(result).__name__ if missing is None else f"a dict without {missing}"
        raise ValueError(f"result must be the dict predict_video returned; got {got}.")


def _track_view(result, track):
    """``result`` restricted to one followed face (``faces="all"``)."""
    tracks = {t["track"]: t for t in result.get("tracks", [])}
    if track not in tracks:
        raise ValueError(f"No track {track!r} in the result; it has tracks "
                         f"{sorted(tracks)} (predict_video(..., faces='all') gives them).")
    t = tracks[track]
    return {"source": result["source"], "classes": result["classes"], "time": t["time"],
            "frame": t["frame"], "probabilities": t["probabilities"],
            "found": np.ones(t["n_frames"], dtype=bool), "emotion": t["emotion"]}


def plot_timeline(result, path=None, *, track=None, fusion=None):
    """Per-frame emotion probabilities of a video over time.

    Frames without a face are shaded grey (their probabilities are NaN with
    ``no_face="skip"``, so the curves break there).  The title states the
    video's answer: the faces' clip emotion, or with ``fusion`` the answer
    it holds, saying whether the voice went in.

    Parameters
    ----------
    result : dict
        What :func:`predict_video` returned.
    path : str or path-like, default=None
        Where to save the PNG.
    track : int, default=None
        With a result of ``faces="all"``: plot this face's track (the frames
        it was found in) instead of the main face's.
    fusion : dict, default=None
        :func:`~emosk.ensemble.fuse_face_and_voice`'s answer for this video
        (its main face): the title gives its emotion when the voice went in
        ("fear (faces + voice, voice weight 0.5; faces alone: happy)"), else
        the faces' and why the voice stayed out.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ValueError
        If ``result`` is not :func:`predict_video`'s dict (the list of
        :func:`predict_image`, which :func:`plot_faces` draws, is named), or
        ``track`` is not one of its tracks.
    """
    import matplotlib.pyplot as plt

    _check_video_result(result)
    title = ""
    if track is not None:
        result, title = _track_view(result, track), f", face {track}"
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
    answer = _answer_title(result, None if track is not None else fusion)
    ax.set_title(f"{Path(result['source']).name}{title}: {answer} (grey: no face)",
                 fontsize=10)
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=9)
    fig.tight_layout()
    if path is not None:
        fig.savefig(path, dpi=100)
    return fig


def _answer_title(result, fusion):
    """The answer a timeline's title states (see :func:`plot_timeline`)."""
    faces = result["emotion"] or "no face found"
    if fusion is None:
        return faces
    if not fusion["voice_used"]:
        return f"{faces} ({fusion['status']})"
    if result["emotion"] is None:
        return f"{fusion['emotion']} (voice only: no face)"
    return (f"{fusion['emotion']} (faces + voice, voice weight "
            f"{fusion['voice_weight']:g}; faces alone: {faces})")


def _spacing(t):
    return float(np.median(np.diff(t))) if len(t) > 1 else 1.0

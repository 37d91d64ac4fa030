"""Image and video files in, one table of answers out: what ``emosk predict`` writes.

:func:`predict_files` runs the face model on every file (and, with an audio
model, the voice of every video), fuses faces and voice
(:func:`~emosk.ensemble.fuse_face_and_voice`) and returns the rows of the
table, one dict per row with the keys of :data:`ROW_KEYS`, and the same as a
pandas DataFrame.  The command line only parses its arguments, calls it, and
writes the table and the plots.
"""

import importlib.util
import os

import numpy as np
from sklearn.utils import Bunch

from ..audio import speaker_probabilities
from ..ensemble import check_fusion_options, fuse_face_and_voice, shared_classes
from ..face import face_path_params
from ..io import NoAudioError, media_kinds
from ..nn import DEFAULT_MODEL, PRECISIONS, PRETRAINED
from ..utils import progress
from ._models import load
from ._predict import (
    FILE_ERRORS,
    _check_clip,
    _check_faces,
    _check_fps,
    _check_no_face,
    image_aligner,
    predict_images,
    predict_video,
    video_aligner,
)

__all__ = ["FILE_ERRORS", "ROW_KEYS", "STATUSES", "load_audio_model", "load_model_file",
           "predict_files", "results_table"]

#: Values of the ``status`` column.
OK, NO_FACE, WHOLE_IMAGE, WHOLE_FRAME, NO_AUDIO, ERROR = (
    "ok", "no face", "no face: whole image used", "no face: whole frame used", "no audio",
    "error")
STATUSES = (OK, NO_FACE, WHOLE_IMAGE, WHOLE_FRAME, NO_AUDIO, ERROR)


#: The keys of every row, in order; a row without a value for one (an image has
#: no time, an audio row no box) holds None.  ``answer`` is True on the rows to
#: read: each image's face rows, each video's clip row (one per followed face),
#: or its fused row instead of the main face's clip row when the voice went in,
#: and each error row; False on frame and audio rows.
ROW_KEYS = ("source", "kind", "index", "track", "status", "answer", "time", "found", "box",
            "score", "emotion", "probabilities", "error")

#: The shipped audio model ``load_audio_model("auto")`` uses.
DEFAULT_AUDIO_MODEL = "ravdess_audio"


# ------------------------------------------------------------------- rows
def make_row(**values):
    """A row with every key of :data:`ROW_KEYS`, None where ``values`` has none."""
    unknown = set(values) - set(ROW_KEYS)
    if unknown:
        raise ValueError(f"Unknown row keys {sorted(unknown)}; rows have {ROW_KEYS}.")
    return {key: values.get(key) for key in ROW_KEYS}


def _fmt(v):
    """A number rounded to 4 decimals; None for None and NaN."""
    return None if v is None or (isinstance(v, float) and not np.isfinite(v)) else round(v, 4)


def _box(box, digits=4):
    """A box as 4 rounded numbers, or None when there is none (NaN)."""
    if box is None or not np.isfinite(np.asarray(box, dtype=float)).all():
        return None
    return [round(float(v), digits) for v in box]


def _probabilities(classes, p):
    """class -> rounded probability, or None where there is none (NaN)."""
    p = np.asarray(p, dtype=float)
    return dict(zip(classes, np.round(p, 4).tolist())) if np.isfinite(p).all() else None


def image_rows(path, faces):
    """Rows of one image's faces (numbered left to right); one row with
    status 'no face' and no emotion when the image has none."""
    if not faces:
        return [make_row(source=str(path), kind="face", status=NO_FACE, answer=True,
                         found=False)]
    return [make_row(source=str(path), kind="face", index=f["face"], answer=True,
                     status=OK if f["found"] else WHOLE_IMAGE, found=f["found"],
                     box=_box(f["box"], 1), score=_fmt(f["score"]), emotion=f["emotion"],
                     probabilities={k: round(v, 4) for k, v in f["probabilities"].items()})
            for f in faces]


def _frame_row(source, classes, frame, time, found, box, score, p, track):
    known = bool(np.isfinite(p).all())
    return make_row(source=source, kind="frame", index=int(frame), answer=False,
                    track=int(track) if found else None,
                    status=OK if found else (WHOLE_FRAME if known else NO_FACE),
                    time=_fmt(time), found=bool(found), box=_box(box),
                    score=_fmt(float(score)) if found else None,
                    emotion=classes[int(np.argmax(p))] if known else None,
                    probabilities=_probabilities(classes, p))


def _clip_row(source, classes, found, emotion, clip, track=None):
    return make_row(source=source, kind="clip", track=track, answer=True,
                    status=OK if found else (WHOLE_FRAME if emotion else NO_FACE),
                    found=found, emotion=emotion or None,
                    probabilities=_probabilities(classes, clip))


def video_rows(result):
    """Rows of one video (:func:`predict_video`'s ``result``): one per analysed
    frame, then the clip's.

    With every face followed (a result with ``tracks``): one row per face
    per frame (``track`` says whose; a frame without any face has one row
    without a track), then one clip row per face, the main face's first.
    """
    source, classes = result["source"], result["classes"]
    if "tracks" not in result:
        rows = [_frame_row(source, classes, result["frame"][i], result["time"][i],
                           result["found"][i], result["box"][i], result["score"][i],
                           result["probabilities"][i], result["track"][i])
                for i in range(len(result["frame"]))]
        any_face = bool(result["found"].any())
        return rows + [_clip_row(source, classes, any_face, result["emotion"],
                                 result["clip_probabilities"])]
    frames = []
    for t in result["tracks"]:
        frames += [(int(t["frame"][i]), t["track"], t["time"][i], t["box"][i],
                    t["score"][i], t["probabilities"][i]) for i in range(t["n_frames"])]
    faceless = ~np.isin(result["frame"], [f[0] for f in frames])
    for i in np.flatnonzero(faceless):
        frames.append((int(result["frame"][i]), -1, result["time"][i], result["box"][i],
                       np.nan, result["probabilities"][i]))
    rows = [_frame_row(source, classes, f, time, track >= 0, box, score, p, track)
            for f, track, time, box, score, p in sorted(frames, key=lambda r: r[:2])]
    tracks = sorted(result["tracks"], key=lambda t: t["track"] != result["main_track"])
    rows += [_clip_row(source, classes, True, t["emotion"], t["clip_probabilities"],
                       t["track"]) for t in tracks]
    if not tracks:
        rows.append(_clip_row(source, classes, False, result["emotion"],
                              result["clip_probabilities"]))
    return rows


def voice_rows(source, fusion, voice, voice_classes):
    """The audio model's row and the fused row of one video.

    ``fusion`` is :func:`~emosk.ensemble.fuse_face_and_voice`'s answer: the
    fused row holds it, its status says what went in, and it is the video's
    ``answer`` only when the voice did (else the clip row is).  ``voice`` is
    None for a video without sound (the audio row then says ``no audio``).
    """
    if voice is None:
        audio_row = make_row(source=str(source), kind="audio", status=NO_AUDIO,
                             answer=False)
    else:
        audio_row = make_row(source=str(source), kind="audio", status=OK, answer=False,
                             emotion=voice_classes[int(np.argmax(voice))],
                             probabilities=_probabilities(voice_classes, voice))
    known = fusion["probabilities"] is not None
    fused_row = make_row(source=str(source), kind="fused", status=fusion["status"],
                         answer=fusion["voice_used"], emotion=fusion["emotion"],
                         probabilities=_probabilities(fusion["classes"],
                                                      fusion["probabilities"])
                         if known else None)
    return [audio_row, fused_row]


def error_row(path, err):
    """The row of a file that failed: its error, and no other value."""
    return make_row(source=str(path), kind="error", status=ERROR, answer=True,
                    error=f"{type(err).__name__}: {err}")


def flat_rows(rows, classes):
    """Rows with the box as ``x0, y0, x1, y1`` and one column per class: the
    columns of the CSV table and of :func:`results_table`."""
    fields = ["source", "kind", "index", "track", "status", "answer", "time", "found",
              "x0", "y0", "x1", "y1", "score", "emotion", *classes, "error"]
    flat = []
    for r in rows:
        row = {k: r.get(k) for k in fields}
        row.update(dict(zip(["x0", "y0", "x1", "y1"], r["box"] or [None] * 4)))
        row.update(r["probabilities"] or {})
        flat.append(row)
    return fields, flat


def results_table(rows, classes):
    """The rows as a pandas DataFrame, one column per class (NaN where none).

    Parameters
    ----------
    rows : list of dict
        Rows with the keys of :data:`ROW_KEYS` (``predict_files(...).rows``).
    classes : sequence of str
        The probability columns, in order.

    Returns
    -------
    pandas.DataFrame
    """
    import pandas as pd

    fields, flat = flat_rows(rows, classes)
    return pd.DataFrame(flat, columns=fields)


# ----------------------------------------------------------------- models
def load_model_file(path, what="model"):
    """A fitted classifier saved with joblib, bare or as ``{"model": estimator,
    ...}`` (what ``emosk train-audio`` writes).

    Unpickling runs code: load only trusted files.

    Parameters
    ----------
    path : str or path-like
    what : str, default="model"
        What the file holds, for error messages ("audio model").

    Returns
    -------
    estimator
        With ``predict_proba``.

    Raises
    ------
    FileNotFoundError, ValueError
        Naming the file: missing, unreadable, or without a fitted classifier.
    """
    import joblib

    try:
        saved = joblib.load(path)
    except FileNotFoundError as err:
        raise FileNotFoundError(f"{what.capitalize()} {path} not found.") from err
    except Exception as err:  # noqa: BLE001 - any unpickling failure
        raise ValueError(f"Cannot read {what} {path}: {err}") from err
    model = saved.get("model") if isinstance(saved, dict) else saved
    if not hasattr(model, "predict_proba"):
        raise ValueError(f"{path} holds no fitted classifier with predict_proba.")
    return model


def load_audio_model(name):
    """An audio model by name: None for ``"none"`` (and for ``"auto"`` without
    the audio extra), a shipped audio model (``"auto"``: ``"ravdess_audio"``),
    or a classifier saved by ``emosk train-audio`` (:func:`load_model_file`)."""
    if name in (None, "none"):
        return None
    if name == "auto":
        if importlib.util.find_spec("opensmile") is None:
            return None
        name = DEFAULT_AUDIO_MODEL
    if getattr(PRETRAINED.get(name), "kind", None) == "audio":
        return load(name)
    return load_model_file(name, "audio model")


class _Models:
    """The face model, its two aligners (made on first use: a run on images
    loads no video aligner) and the audio model of one run."""

    def __init__(self, model, *, audio_model, fps, faces, face_path, tta,
                 precision="float32"):
        self.name, self.fps, self.faces, self.face_path = model, fps, faces, face_path
        # images and videos: the 18 test-time views only when asked for
        self.clf = load(model, tta=tta, precision=precision)
        self.classes = [str(c) for c in self.clf.classes_]
        self.audio = audio_model
        self.audio_classes = ([] if audio_model is None
                              else [str(c) for c in audio_model.classes_])
        self._aligners = {}
        if audio_model is not None:
            shared_classes(self.classes, self.audio_classes,
                           names=["face model", "audio model"])

    def aligner(self, kind):
        if kind not in self._aligners:
            made = (image_aligner(self.name) if kind == "image" else
                    video_aligner(self.name, face_path=self.face_path, faces=self.faces,
                                  fps=self.fps))
            self._aligners[kind] = made.fit()
        return self._aligners[kind]


def _voice(audio_model, path):
    """The probabilities of a file's sound, or None when it has none."""
    try:
        return audio_model.predict_proba([str(path)])[0]
    except NoAudioError:
        return None


def _fusion(result, voice, models, *, fuse, voice_weight, speaker_normalised):
    clip = result["clip_probabilities"]
    face = clip if np.isfinite(clip).all() else None
    return fuse_face_and_voice(face, voice, face_classes=list(result["classes"]),
                               voice_classes=models.audio_classes,
                               speaker_normalised=speaker_normalised, fuse=fuse,
                               voice_weight=voice_weight)


def _kinds(paths, kinds):
    """Each file's kind, "image" or "video", or the MediaReadError ruling it out
    (those not in ``kinds`` checked now)."""
    kinds = dict(kinds or {})
    kinds.update(media_kinds([p for p in paths if p not in kinds]))
    return kinds


def _video_rows(path, result, voice, models, options):
    rows, fusion = video_rows(result), None
    if models.audio is not None:
        fusion = _fusion(result, voice, models, **options)
        if fusion["voice_used"]:  # the fused row answers for the main face
            next(r for r in rows if r["kind"] == "clip")["answer"] = False
        rows += voice_rows(path, fusion, voice, models.audio_classes)
    return rows, fusion


def _check_options(paths, *, audio_model, fps, faces, face_path, no_face, fuse, voice_weight,
                   precision, clip):
    """Refuse :func:`predict_files`' options before any file is read or model
    loaded: an option wrong for every file is the caller's error, not one error
    row per file."""
    if isinstance(paths, (str, os.PathLike)):  # not read as its characters
        raise ValueError(f"paths must be a sequence of files; got one path {str(paths)!r}. "
                         "Pass [path].")
    _check_clip(clip)
    _check_no_face(no_face)
    _check_faces(faces)
    _check_fps(fps)
    if face_path is not None:
        face_path_params(face_path)
    check_fusion_options(fuse, voice_weight)
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {PRECISIONS}; got {precision!r}.")
    if audio_model is not None and not (hasattr(audio_model, "predict_proba")
                                        and hasattr(audio_model, "classes_")):
        raise ValueError("audio_model must be a fitted classifier of file paths (see "
                         f"load_audio_model) or None; got {audio_model!r}.")


def predict_files(paths, *, model=DEFAULT_MODEL, audio_model=None, fps=None, faces="main",
                  face_path=None, tta=False, no_face="skip", same_speaker=False,
                  fuse="same-speaker", voice_weight=None, kinds=None, verbose=False,
                  on_error=None, precision="float32", clip="mean"):
    """Emotions in image and video files, faces and voice, as one table.

    Each file is sorted into image or video from its suffix and header
    (:func:`~emosk.io.media_kind`) before any model loads; when no file is
    usable, none is loaded.  Images go through :func:`predict_images` (every
    face, 18 test-time views, the faces of all the photos classified in
    batches), videos through :func:`predict_video`.  A file
    that fails (unreadable, malformed, no face with ``no_face="error"``: the
    errors of :data:`FILE_ERRORS`) becomes an error row and the others run.

    With ``audio_model``, every video's sound is classified too (row
    ``audio``) and fused with the main face's clip (row ``fused``,
    :func:`~emosk.ensemble.fuse_face_and_voice` with ``fuse`` and
    ``voice_weight``).  With ``same_speaker``, the voices of the videos whose
    faces were found without error are standardised together
    (:func:`~emosk.audio.speaker_probabilities`) and count as
    speaker-normalised when there are two or more.  The ``answer`` key marks
    the row to read: the fused row when the voice went in, else the clip row.

    Parameters
    ----------
    paths : sequence of str or path-like
        Image and video files.
    model : str, default="mobilefacenet80_fer_nhfi"
        A shipped face model (see :func:`available_models`).
    audio_model : estimator, default=None
        A fitted classifier of file paths (:func:`load_audio_model`), or None
        for faces only.
    fps : float, default=None
        Frames a second analysed in videos (None: every frame).
    faces : {"main", "all"}, default="main"
        Follow the main face of a video, or every face (see
        :func:`video_aligner`).
    face_path : {"retinaface", "fast", "paper"} or None, default=None
        The videos' face path (:func:`video_aligner`; None: ``"retinaface"``
        where RetinaFace's weights are at hand, else ``"fast"``).
    tta : bool, default=False
        Average 18 test-time views of each face, in images and in video
        frames (see :func:`predict_image`).
    no_face : {"skip", "whole-image", "error"}, default="skip"
        Passed to :func:`predict_image` and :func:`predict_video`.
    same_speaker : bool, default=False
        Whether the videos' voices are one speaker's.
    fuse : {"same-speaker", "always", "never"}, default="same-speaker"
    voice_weight : float in [0, 1], default=None
    kinds : dict, default=None
        Each path's kind ("image", "video") or the exception that rules it
        out, when already known; errors given here are not passed to
        ``on_error``.
    verbose : bool, default=False
        Progress bars on stderr: over the files when there are several, and
        over each video's frames.
    on_error : callable, default=None
        Called as ``on_error(path, error)`` when a file fails.
    precision : {"float32", "int8"}, default="float32"
        The face model's float network or its shipped int8 graph (see
        :func:`load`).
    clip : {"mean", "log-mean", "confidence", "expressive"}, default="mean"
        How a video's frame probabilities make its clip's (see
        :func:`predict_video`).

    Returns
    -------
    Bunch
        ``rows`` (list of dict with the keys of :data:`ROW_KEYS`, files in
        the order given), ``table`` (the same as a DataFrame,
        :func:`results_table`), ``file_rows`` (path to its rows),
        ``results`` (path to :func:`predict_image`'s faces or
        :func:`predict_video`'s result), ``fusions`` (video path to its
        fusion, with an audio model), ``failed`` (path to the exception) and
        ``classes`` (the probability columns: the face model's, then the
        audio model's others).

    Raises
    ------
    ValueError
        Before any file is read or model loaded: if ``paths`` is one path (a
        string or path-like) instead of a sequence of them, or an option is
        not one it takes (``clip``, ``no_face``, ``faces``, ``fps``,
        ``face_path``, ``fuse``, ``voice_weight``, ``precision``, an
        ``audio_model`` that is not a fitted classifier).

    Examples
    --------
    >>> import tempfile, pathlib, cv2
    >>> from skimage import data
    >>> from emosk.pretrained import predict_files
    >>> photo = pathlib.Path(tempfile.mkdtemp()) / "astronaut.png"
    >>> _ = cv2.imwrite(str(photo), cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR))
    >>> out = predict_files([photo])
    >>> out.table[["kind", "status", "emotion"]].values.tolist()
    [['face', 'ok', 'happy']]
    """
    _check_options(paths, audio_model=audio_model, fps=fps, faces=faces,
                   face_path=face_path, no_face=no_face, fuse=fuse, voice_weight=voice_weight,
                   precision=precision, clip=clip)
    given = {p: k for p, k in (kinds or {}).items() if not isinstance(k, str)}
    kinds = _kinds(paths, kinds)
    usable = [p for p in paths if isinstance(kinds[p], str)]
    file_rows, results, fusions, failed = {}, {}, {}, {}

    def fail(path, err):
        file_rows[path] = [error_row(path, err)]
        failed[path] = err
        results.pop(path, None)
        if on_error is not None and given.get(path) is not err:
            on_error(path, err)

    for path in paths:
        if not isinstance(kinds[path], str):
            fail(path, kinds[path])
    if not usable:  # nothing to run a model on: none is loaded
        classes = [str(c) for c in PRETRAINED[model].classes]
        return _bunch(paths, file_rows, results, fusions, failed, classes)
    models = _Models(model, audio_model=audio_model, fps=fps, faces=faces,
                     face_path=face_path, tta=tta, precision=precision)
    images = [p for p in usable if kinds[p] == "image"]
    if images:  # all photos at once: the network runs on batches of their faces
        found = predict_images(images, model=models.clf, aligner=models.aligner("image"),
                               no_face=no_face,
                               on_error=lambda i, err: fail(images[i], err))
        for path, faces_of in zip(images, found, strict=True):
            if faces_of is not None:
                results[path] = faces_of
                file_rows[path] = image_rows(path, faces_of)
    voices = {}
    videos = [p for p in usable if kinds[p] == "video"]
    for path in progress(videos, "emosk predict", verbose and len(videos) > 1):
        try:
            results[path] = predict_video(path, model=models.clf,
                                          aligner=models.aligner("video"), no_face=no_face,
                                          faces=models.faces, clip=clip, verbose=verbose)
            if models.audio is not None and not same_speaker:
                voices[path] = _voice(models.audio, path)
        except FILE_ERRORS as err:
            fail(path, err)
    videos = [p for p in videos if p in results]
    if models.audio is not None and same_speaker and videos:
        voices = speaker_probabilities(models.audio, videos)
    options = {"fuse": fuse, "voice_weight": voice_weight,
               "speaker_normalised": same_speaker
               and sum(voices.get(p) is not None for p in videos) >= 2}
    for path in videos:
        try:
            file_rows[path], fusion = _video_rows(path, results[path], voices.get(path),
                                                  models, options)
        except FILE_ERRORS as err:
            fail(path, err)
        else:
            if fusion is not None:
                fusions[path] = fusion
    classes = models.classes + [c for c in models.audio_classes if c not in models.classes]
    return _bunch(paths, file_rows, results, fusions, failed, classes)


def _bunch(paths, file_rows, results, fusions, failed, classes):
    rows = [row for path in paths for row in file_rows[path]]
    return Bunch(rows=rows, table=results_table(rows, classes), file_rows=file_rows,
                 results=results, fusions=fusions, failed=failed, classes=classes)

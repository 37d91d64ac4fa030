"""Faces followed through a video: the faces each frame uses, stored as tracks
and replayed, and the stream of aligned faces made of them."""

from typing import NamedTuple

import numpy as np
from sklearn.utils import Bunch

from ..io import is_video_path
from ._face import Face
from ._finder import FaceFinder
from ._follow import FaceFollower
from ._frames import kept_frames

__all__ = ["TRACKING_PARAMS", "TRACK_COLUMNS", "TrackMismatchError",
           "iter_aligned_faces"]

#: FaceAligner parameters that decide which face (box, landmarks) each frame
#: uses; the others (mode, size, margin, padding, color) only crop it.
TRACKING_PARAMS = ("detector", "upsample", "threshold", "detect_border", "detect_size",
                   "detect_min_size", "detect_retry_size", "min_face_size", "detect_every",
                   "max_gap", "assume_face", "landmarks", "check_fit", "select",
                   "on_missing", "fps", "step", "max_frames")

#: The columns of face tracks (what :func:`iter_aligned_faces` gives
#: ``on_tracks`` and takes as ``tracks``), one row per face used in a kept
#: frame (or per kept frame without a face): ``frame`` (int, index in the
#: video), ``time`` (float seconds, NaN for arrays), ``crop_from`` (int: 0
#: the whole frame, 1 the face of the row, 2 nothing, the frame is dropped),
#: ``found`` (bool: the face was detected or followed in this frame),
#: ``track`` (int id of the followed face, -1 without a face), ``box``
#: (``(n, 4)`` floats ``x0, y0, x1, y1``, NaN without a face), ``score``
#: (float, NaN without a face), ``landmarks`` (``(n, 68, 2)`` floats, the
#: first ``n_landmarks`` points of each row used, NaN after them) and
#: ``n_landmarks`` (int, 0 without landmarks).
TRACK_COLUMNS = ("frame", "time", "crop_from", "found", "track", "box", "score",
                 "landmarks", "n_landmarks")

# what a row's crop is cut from (the ``crop_from`` column)
FROM_FRAME, FROM_FACE, NO_CROP = 0, 1, 2
_MAX_LANDMARKS = 68
_NAN_BOX = np.full(4, np.nan)


class TrackMismatchError(ValueError):
    """Stored face tracks do not fit the frames the video decodes to."""


class UsedFace(NamedTuple):
    """What one row of a kept frame uses: a followed face, or none."""

    track: int  # the followed face's id; -1 without a face
    face: Face | None  # None unless crop_from is FROM_FACE
    crop_from: int  # FROM_FRAME, FROM_FACE or NO_CROP
    found: bool  # detected or followed in this frame (False: repeated or none)


class FrameFaces(NamedTuple):
    """A kept frame and the faces it uses (at least one row)."""

    index: int
    time: float | None
    image: np.ndarray
    used: list[UsedFace]


class TrackRow(NamedTuple):
    """One row of the stored tracks (see :data:`TRACK_COLUMNS`)."""

    frame: int
    time: float
    crop_from: int
    found: bool
    track: int
    face: Face | None


def _frames(video, aligner, index):
    return kept_frames(video, fps=aligner.fps, step=aligner.step,
                       max_frames=aligner.max_frames, prefetch=aligner.prefetch,
                       index=index)


def _where(video, index):
    return video if is_video_path(video) else f"video {index}"


def follow_faces(video, aligner, finder, index):
    """The :class:`FrameFaces` of each kept frame: one row per face followed in
    it, or one row without a face (``on_missing``) when there is none."""
    follower = FaceFollower(finder, detect_every=aligner.detect_every,
                            max_gap=aligner.max_gap, multi=aligner.select == "all")
    last = None
    for frame_index, time, frame in _frames(video, aligner, index):
        tracked = follower(frame)
        if tracked:
            last = tracked[-1]
            used = [UsedFace(t.track, t.face, FROM_FACE, True) for t in tracked]
        elif aligner.on_missing == "raise":
            raise RuntimeError(
                f"No face found in frame {frame_index} of {_where(video, index)}.")
        elif aligner.on_missing == "last" and last is not None:
            used = [UsedFace(last.track, last.face, FROM_FACE, False)]
        elif aligner.on_missing == "drop":
            used = [UsedFace(-1, None, NO_CROP, False)]
        else:
            used = [UsedFace(-1, None, FROM_FRAME, False)]
        yield FrameFaces(frame_index, time, frame, used)


def tracks_to_columns(rows):
    """:class:`TrackRow` records as the columns of :data:`TRACK_COLUMNS`."""
    n = len(rows)
    faces = [Face(_NAN_BOX, np.nan, None) if r.face is None else r.face for r in rows]
    landmarks = np.full((n, _MAX_LANDMARKS, 2), np.nan)
    n_landmarks = np.zeros(n, dtype=int)
    for i, face in enumerate(faces):
        if face.landmarks is not None and face.landmarks.size:
            landmarks[i, : len(face.landmarks)] = face.landmarks
            n_landmarks[i] = len(face.landmarks)
    return Bunch(
        frame=np.array([r.frame for r in rows], dtype=int),
        time=np.array([r.time for r in rows], dtype=float),
        crop_from=np.array([r.crop_from for r in rows], dtype=int),
        found=np.array([r.found for r in rows], dtype=bool),
        track=np.array([r.track for r in rows], dtype=int),
        box=np.array([f.box for f in faces], dtype=float).reshape(n, 4),
        score=np.array([f.score for f in faces], dtype=float),
        landmarks=landmarks, n_landmarks=n_landmarks)


def _stored_use(tracks, i):
    """Row ``i`` of stored tracks as a :class:`UsedFace`."""
    crop_from = int(tracks["crop_from"][i])
    face = None
    if crop_from == FROM_FACE:
        k = int(tracks["n_landmarks"][i])
        face = Face(tracks["box"][i], float(tracks["score"][i]),
                    tracks["landmarks"][i, :k] if k else None)
    return UsedFace(int(tracks["track"][i]), face, crop_from, bool(tracks["found"][i]))


def replay_tracks(video, aligner, tracks, index):
    """The :class:`FrameFaces` of an earlier pass (stored ``tracks``) on freshly
    decoded frames."""
    mismatch = f"stored face tracks do not match the frames of {video!r:.80}"
    missing = sorted(set(TRACK_COLUMNS) - set(tracks))
    if missing:
        raise TrackMismatchError(f"{mismatch}: they lack the columns {missing}")
    n, i = len(tracks["frame"]), 0
    for frame_index, time, frame in _frames(video, aligner, index):
        used = []
        while i < n and tracks["frame"][i] == frame_index:
            used.append(_stored_use(tracks, i))
            i += 1
        if not used:
            raise TrackMismatchError(mismatch)
        yield FrameFaces(frame_index, time, frame, used)
    if i != n:
        raise TrackMismatchError(mismatch)


def _crop(finder, image, use):
    if use.crop_from == FROM_FACE:
        return finder.crop(image, use.face)
    return None if use.crop_from == NO_CROP else finder.crop_whole(image)


def _record(frame_index, time, use):
    return {"frame": frame_index, "time": time, "found": use.found,
            "box": use.face.box if use.found else _NAN_BOX,
            "score": use.face.score if use.found else np.nan, "track": use.track,
            "repeated": use.crop_from == FROM_FACE and not use.found}


def iter_aligned_faces(video, aligner, *, index=None, tracks=None, on_tracks=None,
                       allow_empty=False):
    """Stream one video's aligned faces, following the same person (or everyone).

    Faces are detected every ``aligner.detect_every`` frames (and when a
    followed face is lost); in between, the landmark predictor is fitted
    where the face was in the previous frame (see :class:`FaceAligner`).
    Frames are decoded in a background thread, ``aligner.prefetch`` ahead.

    Parameters
    ----------
    video : str, path-like or ndarray of shape (T, H, W[, C])
        A video file or frames.
    aligner : FaceAligner
        Supplies the settings; a fitted one also its loaded models.
    index : int, default=None
        Position of the video in a collection, for error messages.
    tracks : dict of ndarray, default=None
        Face tracks of an earlier pass over the same video with the same
        :data:`TRACKING_PARAMS` (what ``on_tracks`` received; the columns
        of :data:`TRACK_COLUMNS`): faces are cut from them without
        detecting again, in any alignment mode.
    on_tracks : callable, default=None
        Called once, after the last frame, with the tracks of this pass: a
        :class:`~sklearn.utils.Bunch` of the arrays named in
        :data:`TRACK_COLUMNS`, one row per pair yielded.
    allow_empty : bool, default=False
        With ``on_missing="drop"``, end quietly when no frame had a face
        (every crop None) instead of raising; for callers that report a
        video without a face themselves (:func:`emosk.pretrained.predict_video`).

    Yields
    ------
    face : ndarray of uint8, or None
        The aligned crop; None for a dropped frame (``on_missing="drop"``).
    record : dict
        ``frame`` (index in the stream), ``time`` (seconds; NaN for arrays),
        ``found`` (bool: a face was detected or followed in this frame),
        ``box`` (4 floats, NaN when none), ``score`` (of the detection the
        face was last matched to), ``track`` (the followed face's id,
        from 0 in order of appearance; -1 for a frame without a face) and
        ``repeated`` (True where ``on_missing="last"`` cut the last face
        found, at its place, from a frame without one: ``found`` is then
        False, the crop is not None and ``track`` is that face's).
        With ``select="all"`` a frame gives one pair per face in it (by
        ``track``), and one pair with ``track=-1`` when it has none.

    Raises
    ------
    RuntimeError
        With ``on_missing="raise"``, at the first frame without a face; with
        ``on_missing="drop"``, after the last frame when none had a face
        (unless ``allow_empty``).
    TrackMismatchError
        When ``tracks`` do not match the video's frames, or lack a column
        of :data:`TRACK_COLUMNS` (a ValueError).
    """
    finder = FaceFinder(aligner)
    if tracks is not None:
        stream = replay_tracks(video, aligner, tracks, index)
    else:
        stream = follow_faces(video, aligner, finder, index)
    rows, n_crops = [], 0
    for frame in stream:
        time = np.nan if frame.time is None else float(frame.time)
        for use in frame.used:
            n_crops += use.crop_from != NO_CROP
            crop = _crop(finder, frame.image, use)
            if on_tracks is not None:
                rows.append(TrackRow(frame.index, time, use.crop_from, use.found,
                                     use.track, use.face))
            yield crop, _record(frame.index, time, use)
    if not n_crops and not allow_empty:
        raise RuntimeError(
            f"No face found in any frame of {_where(video, index)}: on_missing='drop' "
            "left it without frames. Use on_missing='frame' (whole frames) for clips "
            "that may show no face.")
    if on_tracks is not None:
        on_tracks(tracks_to_columns(rows))

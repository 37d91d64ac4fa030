"""FaceAligner: images or videos in, aligned face crops out."""

from numbers import Integral, Real

import numpy as np
from joblib import Parallel, delayed
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ..io import as_frames, is_video_path, iter_frames, prefetched, read_image
from ..utils import check_images, check_media, images_to_uint8, progress
from ._align import (
    ALIGN_MODES,
    LandmarkPredictor,
    align_face,
    plausible_face,
    whole_frame,
)
from ._detect import DETECTORS, FaceDetector, box_iou
from ._track import FaceFollower

__all__ = ["FaceAligner", "iter_aligned_faces", "TRACKING_PARAMS", "FACE_PATHS",
           "face_path_params"]

_NAN_BOX = np.full(4, np.nan)

#: FaceAligner settings of the two face paths for videos.  ``"fast"``, the
#: default of the video entry points (:func:`emosk.pretrained.predict_video`,
#: ``emosk predict``, :func:`emosk.video.default_aligner` and so
#: :func:`emosk.video.make_emotiw2017_classifier`): detection on a copy
#: shrunk to 640 pixels without upsampling (faces down to about an eighth of
#: the frame's longer side, 67 px in a 720x576 frame), every 10th frame, the
#: faces followed by their landmarks in between.  ``"paper"``: detection at
#: full size with upsampling in every frame (Knyazev et al. 2017; faces down
#: to about 40 px), the FaceAligner defaults.  Measured on eNTERFACE'05 in
#: ``benchmarks/results/video_speed.md``.
FACE_PATHS = {
    "fast": {"detect_size": 640, "upsample": 0, "detect_every": 10},
    "paper": {"detect_size": None, "upsample": 1, "detect_every": 1},
}


def face_path_params(face_path):
    """The FaceAligner parameters of a face path.

    Parameters
    ----------
    face_path : {"fast", "paper"}
        See :data:`FACE_PATHS`.

    Returns
    -------
    dict
        A copy of ``FACE_PATHS[face_path]``.
    """
    if face_path not in FACE_PATHS:
        raise ValueError(f"face_path must be one of {sorted(FACE_PATHS)}; got {face_path!r}.")
    return dict(FACE_PATHS[face_path])


class _FaceStep:
    """Detect, fit landmarks, check, pick and align the face(s) of one image."""

    def __init__(self, aligner):
        self.a = aligner
        if hasattr(aligner, "detector_"):  # fitted: reuse the models loaded once
            self.detect, self.landmarks = aligner.detector_, aligner.landmarks_
        else:
            self.detect, self.landmarks = _build_models(aligner)

    def candidates(self, image):
        """Detected faces that pass the fit check; else, with ``assume_face``,
        the whole image as the face (score NaN) if it passes."""
        boxes, scores = self.detect(image)
        faces = [self.checked(image, box, float(score)) for box, score in zip(boxes, scores)]
        faces = [f for f in faces if f is not None]
        if not faces and self.a.assume_face:
            h, w = image.shape[:2]
            whole = self.checked(image, np.array([0.0, 0.0, w - 1.0, h - 1.0]), np.nan)
            faces = [] if whole is None else [whole]
        return faces

    def checked(self, image, box, score):
        """``(box, score, landmarks)``, or None when the landmarks fail the check."""
        pts = None if self.landmarks is None else self.landmarks(image, box)
        if pts is None or not self.a.check_fit or plausible_face(pts, box):
            return box, score, pts
        return None

    def pick(self, faces, previous):
        if not faces:
            return None
        if previous is not None:
            ious = [box_iou(f[0], previous) for f in faces]
            if max(ious) > 0.2:
                return faces[int(np.argmax(ious))]
        if self.a.select == "confident":
            return max(faces, key=lambda f: f[1])
        return max(faces, key=lambda f: (f[0][2] - f[0][0]) * (f[0][3] - f[0][1]))

    def crop(self, image, face):
        return align_face(image, box=face[0], landmarks=face[2], mode=self.a.mode,
                          size=self.a.size, margin=self.a.margin, padding=self.a.padding,
                          color=self._color())

    def whole(self, image):
        return whole_frame(image, size=self.a.size, color=self._color())

    def _color(self):
        return "gray" if self.a.mode == "ng2015" else self.a.color


def _build_models(aligner):
    detect = FaceDetector(aligner.detector, upsample=aligner.upsample,
                          threshold=aligner.threshold, border=aligner.detect_border,
                          max_side=aligner.detect_size)
    landmarks = None if aligner.mode == "box" else LandmarkPredictor(aligner.landmarks)
    return detect, landmarks


def _frames_of(video, aligner, index):
    if is_video_path(video):
        yield from prefetched(iter_frames(video, fps=aligner.fps, step=aligner.step,
                                          max_frames=aligner.max_frames), aligner.prefetch)
        return
    if aligner.fps is not None:
        raise ValueError(
            f"fps={aligner.fps} needs timestamps, which video {index} (an array of "
            f"shape {np.shape(video)}) does not have; use step= for arrays.")
    frames = as_frames(video, index=index)
    step = aligner.step or 1
    kept = range(0, len(frames), step)
    if aligner.max_frames is not None:
        kept = kept[: aligner.max_frames]
    for i in kept:
        yield i, None, frames[i]


#: FaceAligner parameters that decide which face (box, landmarks) each frame
#: uses; the others (mode, size, margin, padding, color) only crop it.
TRACKING_PARAMS = ("detector", "upsample", "threshold", "detect_border", "detect_size",
                   "detect_every", "max_gap", "assume_face", "landmarks", "check_fit",
                   "select", "on_missing", "fps", "step", "max_frames")
_WHOLE, _FACE, _DROP = 0, 1, 2
_MAX_POINTS = 68


class TrackMismatchError(ValueError):
    """Stored face tracks do not fit the frames the video decodes to."""


def _track(video, aligner, step, index):
    """Per kept frame: ``(frame index, time, frame, rows)``, each row ``(track id,
    face used or None, what, found)``: one per face followed in the frame, or
    one row without a face (``on_missing``) when there is none."""
    follower = FaceFollower(step, detect_every=aligner.detect_every,
                            max_gap=aligner.max_gap, multi=aligner.select == "all")
    last = None
    for frame_index, time, frame in _frames_of(video, aligner, index):
        faces = follower(frame)
        if faces:
            last = faces[-1][:2]
            yield frame_index, time, frame, [(tid, face, _FACE, True) for tid, face, _ in faces]
        elif aligner.on_missing == "raise":
            where = video if is_video_path(video) else f"video {index}"
            raise RuntimeError(f"No face found in frame {frame_index} of {where}.")
        elif aligner.on_missing == "last" and last is not None:
            yield frame_index, time, frame, [(last[0], last[1], _FACE, False)]
        elif aligner.on_missing == "drop":
            yield frame_index, time, frame, [(-1, None, _DROP, False)]
        else:
            yield frame_index, time, frame, [(-1, None, _WHOLE, False)]


def _tracks_to_arrays(rows):
    """Rows ``(frame, time, what, found, box, landmarks, score, track)`` as arrays."""
    n = len(rows)
    pts = np.full((n, _MAX_POINTS, 2), np.nan)
    n_pts = np.zeros(n, dtype=int)
    for i, row in enumerate(rows):
        if row[5] is not None and row[5].size:
            pts[i, : len(row[5])] = row[5]
            n_pts[i] = len(row[5])
    return {"frame": np.array([r[0] for r in rows], dtype=int),
            "time": np.array([r[1] for r in rows], dtype=float),
            "what": np.array([r[2] for r in rows], dtype=int),
            "found": np.array([r[3] for r in rows], dtype=bool),
            "box": np.array([r[4] for r in rows], dtype=float).reshape(n, 4),
            "score": np.array([r[6] for r in rows], dtype=float),
            "track": np.array([r[7] for r in rows], dtype=int),
            "pts": pts, "n_pts": n_pts}


def _stored_face(tracks, i):
    k = int(tracks["n_pts"][i])
    return (tracks["box"][i], float(tracks["score"][i]), tracks["pts"][i, :k] if k else None)


def _replay(video, aligner, tracks, index):
    """The tracked faces of an earlier pass, on freshly decoded frames (same
    per-frame rows as :func:`_track`)."""
    n, i = len(tracks["frame"]), 0
    for frame_index, time, frame in _frames_of(video, aligner, index):
        rows = []
        while i < n and tracks["frame"][i] == frame_index:
            what = int(tracks["what"][i])
            face = _stored_face(tracks, i) if what == _FACE else None
            rows.append((int(tracks["track"][i]), face, what, bool(tracks["found"][i])))
            i += 1
        if not rows:
            raise TrackMismatchError(
                f"stored face tracks do not match the frames of {video!r:.80}")
        yield frame_index, time, frame, rows
    if i != n:
        raise TrackMismatchError(
            f"stored face tracks do not match the frames of {video!r:.80}")


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
        :data:`TRACKING_PARAMS` (what ``on_tracks`` received): faces are cut
        from them without detecting again, in any alignment mode.
    on_tracks : callable, default=None
        Called once, after the last frame, with the tracks of this pass.
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
        When ``tracks`` do not match the video's frames (a ValueError).
    """
    step = _FaceStep(aligner)
    rows = []
    if tracks is not None:
        stream = _replay(video, aligner, tracks, index)
    else:
        stream = _track(video, aligner, step, index)
    kept = 0
    for frame_index, time, frame, faces in stream:
        time = np.nan if time is None else float(time)
        for track, face, what, found in faces:
            kept += what != _DROP
            if what == _FACE:
                crop = step.crop(frame, face)
            else:
                crop = None if what == _DROP else step.whole(frame)
            box = face[0] if found else _NAN_BOX
            score = face[1] if found else np.nan
            if on_tracks is not None:
                used = face if face is not None else (_NAN_BOX, np.nan, None)
                rows.append((frame_index, time, what, found, used[0], used[2], used[1],
                             track))
            yield crop, {"frame": frame_index, "time": time, "found": found,
                         "box": box, "score": score, "track": track,
                         "repeated": what == _FACE and not found}
    if not kept and not allow_empty:
        where = video if is_video_path(video) else f"video {index}"
        raise RuntimeError(
            f"No face found in any frame of {where}: on_missing='drop' left it "
            "without frames. Use on_missing='frame' (whole frames) for clips "
            "that may show no face.")
    if on_tracks is not None:
        on_tracks(_tracks_to_arrays(rows))


def _align_video(video, aligner, index):
    crops, records = [], []
    for crop, rec in iter_aligned_faces(video, aligner, index=index):
        records.append(rec)
        if crop is not None:
            crops.append(crop)
    shape = (aligner.size, aligner.size) + (() if _gray_out(aligner) else (3,))
    stack = np.stack(crops) if crops else np.zeros((0, *shape), dtype=np.uint8)
    report = _report(records, video if is_video_path(video) else index)
    report["track"] = np.array([r["track"] for r in records], dtype=int)
    return stack, report


def _align_image(image, aligner, step, index):
    faces = step.candidates(image)
    if aligner.select == "all":
        crops = [step.crop(image, f) for f in faces]
        if not faces and aligner.on_missing == "frame":
            crops = [step.whole(image)]
        chosen = faces
    else:
        face = step.pick(faces, None)
        chosen = [] if face is None else [face]
        if face is not None:
            crops = [step.crop(image, face)]
        elif aligner.on_missing == "raise":
            raise RuntimeError(f"No face found in image {index}.")
        elif aligner.on_missing == "drop":
            crops = []
        else:
            crops = [step.whole(image)]
    detected = sum(np.isfinite(f[1]) for f in faces)
    return crops, {"frame": index, "found": bool(chosen), "n_faces": int(detected),
                   "assumed": len(faces) > detected,
                   "box": chosen[0][0] if chosen else _NAN_BOX,
                   "score": chosen[0][1] if chosen else np.nan}


def _report(records, source):
    return {
        "source": source,
        "frame": np.array([r["frame"] for r in records], dtype=int),
        "found": np.array([r["found"] for r in records], dtype=bool),
        "box": np.array([r["box"] for r in records], dtype=float).reshape(-1, 4),
        "score": np.array([r["score"] for r in records], dtype=float),
    }


def _gray_out(aligner):
    return aligner.mode == "ng2015" or aligner.color == "gray"


class FaceAligner(TransformerMixin, BaseEstimator):
    """Find, check and align faces in images and videos.

    Input: images ``(n, H, W)`` or ``(n, H, W, C)`` (uint8, or float in [0, 1]
    or [0, 255], one scale for the whole batch:
    :func:`~emosk.utils.validation.images_to_uint8`), or a list of ``(H, W,
    C)`` photos of any sizes; or a list (or 1-D array) of image file paths
    (suffix in :data:`~emosk.io.IMAGE_SUFFIXES`, any case), each read as one
    photo; or a list (or 1-D array) of videos, each a file path (any other
    suffix) or a ``(T, H, W[, C])`` uint8 array.  One ``(H, W, C)`` photo
    without the batch axis is refused (pass ``photo[None]``), and so is a list
    that mixes photos, image files and videos.  Output: aligned faces
    ``(n, size, size[, 3])`` for images and image files
    (a list of ``(k_i, size, size[, 3])`` with ``select="all"``); a list of
    face stacks ``(T_i, size, size[, 3])`` for videos (with ``select="all"``
    the faces of every track, frame by frame; the report's ``track`` says
    whose each one is).

    Parameters
    ----------
    detector : {"dlib-hog", "dlib-cnn", "opencv-haar", "retinaface"} or callable, \
            default="dlib-hog"
        Face detector, see :class:`FaceDetector`.  The landmarks are dlib's
        with every detector (RetinaFace's own five points are not used).
    upsample : int, default=1
        dlib upsampling (finds faces down to about 40 px at 1).
    threshold : float or None, default=0.0
        Detection score threshold; lower finds more faces (Knyazev et al.
        2017 lowered dlib's).  With ``"retinaface"`` the score is a face
        probability: pass None for its default
        (:data:`~emosk.face.RETINAFACE_THRESHOLD`) or a probability; 0.0
        keeps every candidate.
    detect_border : float, default=0.0
        Black border added on each side of every image (frame) before
        detection, as a fraction of its longer side; boxes and landmarks are
        mapped back to the image (a box may then extend past its edges).
        For face crops, where the face fills the image and detectors miss
        it: on the 859 SFEW Train crops (143x181), 0.25 raises the share of
        faces found from 52% to 68% with dlib HOG and from 7% to 78% with
        Viola-Jones (``benchmarks/results/sfew.md``).  Detection on the
        larger image costs more time.
    assume_face : bool, default=False
        Where no detected face passes the fit check, take the whole image as
        the face box, fit the landmarks in it and use them if they pass
        ``check_fit`` (any face, in ``box`` mode).  Only for images known to
        be face crops (SFEW, FER2013): dlib's shape predictor fits a
        face-shaped set of points in any box, even of a blank image, and the
        fit check rarely rejects it.  Such faces count as ``found``, with
        score NaN; the report of images marks them in ``assumed``.
    landmarks : {68, 5} or str, default=68
        dlib shape predictor (or a ``.dat`` path); unused in ``box`` mode.
    mode : {"similarity", "ng2015", "fer2013", "dlib-chip", "box"}, default="similarity"
        Alignment, see :func:`align_face`.
    size : int, default=128
        Output side in pixels (Ng et al. used 256 with ``ng2015``).
    margin : float, default=0.2
        ``box`` mode margin.
    padding : float, default=0.25
        ``dlib-chip`` padding.
    color : {"rgb", "gray"}, default="rgb"
        Output colour (``ng2015`` is always gray).
    select : {"largest", "confident", "all"}, default="largest"
        Which face of an image, and which face a video follows when it has
        none yet (or lost it): the face overlapping the previous frame's is
        followed first.  ``"all"``: every face; in videos each face is
        followed as its own track, with an id in the report's ``track``.
    on_missing : {"frame", "drop", "last", "raise"}, default="frame"
        No face in a frame: the whole frame resized (the paper's choice), drop
        the frame, reuse the last face's box and landmarks (videos), or raise.
        A video in which ``"drop"`` leaves no frame raises a RuntimeError
        naming it, rather than giving an empty clip that fails later.
    check_fit : bool, default=True
        Reject detections (and assumed faces) whose landmarks fail
        :func:`plausible_face`.
    detect_size : int or None, default=None
        Videos and images: detect on a copy shrunk so that its longer side
        is at most this many pixels (see :class:`FaceDetector`'s
        ``max_side``); boxes are mapped back, landmarks and crops use the
        full frame.  None: full size (the paper's).
    detect_every : int, default=1
        Videos: run the detector on every ``detect_every``-th frame only;
        in between, each face is followed by fitting the landmark predictor
        in its previous box (a few milliseconds instead of a detection).  A
        followed face that fails the fit check, leaves the frame, changes
        scale by more than 25% since its last detection, or no longer looks
        like it (its grey patch near-uniform, or correlating by less than
        0.5 with the detection's) is lost, and the frame is detected in at
        once; a face that a detection round does not find again ends there.
        So a cut or an occlusion loses the face within a frame or two, as
        in the paper's path.  1: detect in every frame (the paper's).  Not
        in ``box`` mode (no landmarks).
    max_gap : int, default=25
        Videos: frames a face may be missing and still keep its track id
        when found again where it was (IoU > 0.2); missing one frame more, it
        gets a new id.
    prefetch : int, default=8
        Video files: frames decoded ahead in a background thread, so
        decoding overlaps with detection and alignment; 0 decodes in the
        calling thread.  Does not change the output.
    fps : float, default=None
        Video files: frames kept per second, by time stamps (at most all of
        them; see :func:`~emosk.io.iter_frames`); all when None.  Array videos
        have no timestamps: with ``fps`` set they raise a ValueError (use
        ``step``).
    step : int, default=None
        Videos: keep every ``step``-th frame.
    max_frames : int, default=None
        Videos: at most this many frames.
    n_jobs : int, default=None
        Videos processed in parallel (joblib).  Processes and threads
        (joblib's threading backend) give the faces of a serial run: each
        thread builds its own detector (see :class:`FaceDetector`).
    verbose : bool, default=False
        Progress bar over the collection (tqdm).

    Attributes
    ----------
    detector_ : FaceDetector
        The detector, built in ``fit``; its model loads on first use, once.
    landmarks_ : LandmarkPredictor or None
        The shape predictor (None in ``box`` mode), likewise loaded once.

    See Also
    --------
    FaceAligner.transform_with_report : Also returns what was found per frame.
    iter_aligned_faces : Streams one long video with bounded memory.

    Notes
    -----
    Knyazev et al. (2017) detect faces with dlib at a lowered threshold and
    use the whole frame when none is found.  Ng et al. (2015) detect with
    Viola-Jones (frontal and profile), fit landmarks, reject poor fits, and
    crop around the eyes: 0.62 e2e beside, 0.9 above, 1.35 below, gray,
    256x256, min-max stretched (``mode="ng2015", size=256``).  On the
    organisers' tight SFEW crops that needs ``detect_border`` (and
    ``assume_face`` for the faces Viola-Jones still misses).

    Examples
    --------
    >>> from skimage import data
    >>> from emosk.face import FaceAligner
    >>> faces = FaceAligner(size=64).fit_transform(data.astronaut()[None])
    >>> faces.shape
    (1, 64, 64, 3)

    The fast settings for long videos (the defaults of
    :func:`emosk.pretrained.predict_video`): detection on a 480-pixel copy
    every 5th frame, landmark tracking in between:

    >>> fast = FaceAligner(detect_size=480, detect_every=5)
    """

    _parameter_constraints = {
        "detector": [StrOptions(set(DETECTORS)), callable],
        "upsample": [Interval(Integral, 0, None, closed="left")],
        "threshold": [Real, None],
        "detect_border": [Interval(Real, 0, None, closed="left")],
        "assume_face": ["boolean"],
        "landmarks": [StrOptions({"68", "5"}), Integral, str],
        "mode": [StrOptions(set(ALIGN_MODES))],
        "size": [Interval(Integral, 8, None, closed="left")],
        "margin": [Interval(Real, 0, None, closed="left")],
        "padding": [Interval(Real, 0, None, closed="left")],
        "color": [StrOptions({"rgb", "gray"})],
        "select": [StrOptions({"largest", "confident", "all"})],
        "on_missing": [StrOptions({"frame", "drop", "last", "raise"})],
        "check_fit": ["boolean"],
        "detect_size": [Interval(Integral, 16, None, closed="left"), None],
        "detect_every": [Interval(Integral, 1, None, closed="left")],
        "max_gap": [Interval(Integral, 0, None, closed="left")],
        "prefetch": [Interval(Integral, 0, None, closed="left")],
        "fps": [Interval(Real, 0, None, closed="neither"), None],
        "step": [Interval(Integral, 1, None, closed="left"), None],
        "max_frames": [Interval(Integral, 1, None, closed="left"), None],
        "n_jobs": [Integral, None],
        "verbose": ["boolean"],
    }
    _emosk_input = "media"

    def __init__(self, detector="dlib-hog", *, upsample=1, threshold=0.0, detect_border=0.0,
                 assume_face=False, landmarks=68, mode="similarity", size=128, margin=0.2,
                 padding=0.25, color="rgb", select="largest", on_missing="frame",
                 check_fit=True, detect_size=None, detect_every=1, max_gap=25, prefetch=8,
                 fps=None, step=None, max_frames=None, n_jobs=None, verbose=False):
        self.detector = detector
        self.upsample = upsample
        self.threshold = threshold
        self.detect_border = detect_border
        self.assume_face = assume_face
        self.landmarks = landmarks
        self.mode = mode
        self.size = size
        self.margin = margin
        self.padding = padding
        self.color = color
        self.select = select
        self.on_missing = on_missing
        self.check_fit = check_fit
        self.detect_size = detect_size
        self.detect_every = detect_every
        self.max_gap = max_gap
        self.prefetch = prefetch
        self.fps = fps
        self.step = step
        self.max_frames = max_frames
        self.n_jobs = n_jobs
        self.verbose = verbose

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X=None, y=None):
        """Check the settings and build the detector; nothing is learnt.

        Parameters
        ----------
        X : images or list of videos, default=None
            Ignored.
        y : None
            Ignored.

        Returns
        -------
        self : object
        """
        if self.fps is not None and self.step is not None:
            raise ValueError("Give fps or step, not both.")
        if self.mode == "five-point" and self.landmarks == 5:
            raise ValueError("mode='five-point' needs the eye centres, nose tip and mouth "
                             "corners, which dlib's 5-point predictor does not give; use "
                             "landmarks=68.")
        self.detector_, self.landmarks_ = _build_models(self)
        return self

    def transform(self, X):
        """Aligned faces of every image, or face stacks of every video.

        Parameters
        ----------
        X : ndarray of shape (n, H, W[, C]), list of photos, image files or videos
            Images, image file paths (one photo each), or video paths /
            ``(T, H, W[, C])`` uint8 arrays.

        Returns
        -------
        ndarray or list of ndarray
            See the class description.
        """
        return self.transform_with_report(X)[0]

    def transform_with_report(self, X):
        """Like :meth:`transform`, also returning what was found.

        Parameters
        ----------
        X : ndarray of shape (n, H, W[, C]), list of photos, image files or videos
            As :meth:`transform`.

        Returns
        -------
        faces : ndarray or list of ndarray
            As :meth:`transform`.
        report : dict or list of dict
            Images: one dict of arrays over the images (``found``, ``box``,
            ``score``, ``frame`` = image index, ``n_faces`` detected and
            passing the fit check, ``assumed``: the face is the whole image,
            see ``assume_face``; ``source``: the file names for image
            files, else None).  Videos: one such dict per
            video, over its kept frames, plus ``source`` and ``track`` (see
            :func:`iter_aligned_faces`; with ``select="all"`` a frame has one
            row per face, in the order of the faces of the stack).
        """
        check_is_fitted(self)
        kind, data = check_media(X)
        if kind == "image files":
            return self._image_files(data)
        return self._images(data) if kind == "images" else self._videos(data)

    def _image_files(self, paths):
        """Each file read as one photo (:func:`~emosk.io.read_image`), then as
        :meth:`_images`; the report's ``source`` names the files."""
        faces, report = self._images([read_image(p) for p in paths])
        report["source"] = np.array([str(p) for p in paths])
        return faces, report

    def _images(self, X):
        images = images_to_uint8(check_images(X, ragged=True))
        step = _FaceStep(self)
        crops, records = [], []
        for i, image in enumerate(progress(images, "FaceAligner", self.verbose)):
            c, rec = _align_image(image[..., 0] if image.ndim == 3 and
                                  image.shape[-1] == 1 else image, self, step, i)
            crops.append(c)
            records.append(rec)
        report = _report(records, None)
        report["n_faces"] = np.array([r["n_faces"] for r in records])
        report["assumed"] = np.array([r["assumed"] for r in records], dtype=bool)
        if self.select == "all":
            return [self._stack(c) for c in crops], report
        return self._stack([c for cs in crops for c in cs]), report

    def _videos(self, videos):
        results = Parallel(n_jobs=self.n_jobs)(
            delayed(_align_video)(v, self, i)
            for i, v in enumerate(progress(videos, "FaceAligner", self.verbose)))
        return [r[0] for r in results], [r[1] for r in results]

    def _stack(self, crops):
        shape = (self.size, self.size) + (() if _gray_out(self) else (3,))
        return np.stack(crops) if crops else np.zeros((0, *shape), dtype=np.uint8)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.three_d_array = True
        tags.requires_fit = True
        tags.transformer_tags.preserves_dtype = []  # uint8 faces of any image
        return tags

    @classmethod
    def get_test_params(cls):
        """Parameter sets that emosk's common tests instantiate."""
        return [{}, {"mode": "ng2015", "size": 64},
                {"detect_border": 0.25, "assume_face": True, "size": 32}]

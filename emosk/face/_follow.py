"""Following faces through a video: full detection every few frames, the
landmark predictor fitted in the previous box in between, an id per person."""

from typing import NamedTuple

import numpy as np

from ._boxes import box_iou
from ._color import to_gray
from ._face import Face

__all__ = ["FaceFollower", "TrackedFace", "box_from_landmarks", "face_patch",
           "patch_correlation"]

#: Largest change of the landmarks' spread since the face's last detection
#: still taken as the same face (a zoom of 25% within the 0.4 s between two
#: detection rounds is a bad fit, not a camera move).
_MAX_SCALE_CHANGE = 1.25
#: IoU above which a detection is the continuation of a track.
_MATCH_IOU = 0.2
#: Side, in pixels, of the grey patches in which a followed face is compared
#: with the face of its last detection.
_PATCH_SIDE = 24
#: Least normalised correlation of a followed face's patch with its last
#: detection's: a cut or an occluder gives about 0; the same face, in the
#: frames up to the next detection round, 0.70 at the least and 0.98 in the
#: median over the 421 followed frames of the six eNTERFACE'05 clips (#24).
_MIN_CORRELATION = 0.5
#: Least standard deviation, in grey levels, of a followed face's patch: a
#: flatter patch is a uniform surface, on which dlib's shape predictor still
#: returns its mean face and :func:`plausible_face` accepts it.
_MIN_CONTRAST = 4.0


def _spread(pts):
    """Centre and root-mean-square radius of a set of points."""
    centre = pts.mean(axis=0)
    return centre, float(np.sqrt(((pts - centre) ** 2).sum(axis=1).mean()))


def box_from_landmarks(pts, ref_box, ref_pts):
    """The box that stands to ``pts`` as ``ref_box`` stood to ``ref_pts``.

    Parameters
    ----------
    pts : ndarray of shape (k, 2)
        Landmarks in the current frame.
    ref_box : array-like of 4 floats
        The detector's box ``(x0, y0, x1, y1)`` in the frame of its detection.
    ref_pts : ndarray of shape (k, 2)
        The landmarks fitted in that box.

    Returns
    -------
    ndarray of shape (4,)
        The box moved with the landmarks' centre and scaled with their spread,
        so it frames the face as the detector would.
    """
    c0, s0 = _spread(ref_pts)
    c, s = _spread(pts)
    k = s / s0 if s0 > 0 else 1.0
    x0, y0, x1, y1 = np.asarray(ref_box, dtype=float)
    return np.array([c[0] + (x0 - c0[0]) * k, c[1] + (y0 - c0[1]) * k,
                     c[0] + (x1 - c0[0]) * k, c[1] + (y1 - c0[1]) * k])


def face_patch(image, box, *, side=_PATCH_SIDE):
    """The grey pixels inside a box, resampled to a small square.

    Parameters
    ----------
    image : ndarray of shape (H, W) or (H, W, C)
        A uint8 frame, gray or RGB.
    box : array-like of 4 floats
        ``(x0, y0, x1, y1)``; parts outside the image repeat its edge pixels.
    side : int, default=24
        Side of the patch in pixels.

    Returns
    -------
    ndarray of shape (side, side), float32
        Area-averaged grey levels (0-255) of the box.
    """
    import cv2

    h, w = image.shape[:2]
    x0, y0, x1, y1 = (int(round(v)) for v in box)
    x1, y1 = max(x1, x0 + 1), max(y1, y0 + 1)
    # the part of the box inside the image, at least one pixel
    cx0, cy0 = min(max(x0, 0), w - 1), min(max(y0, 0), h - 1)
    cx1, cy1 = max(min(x1, w), cx0 + 1), max(min(y1, h), cy0 + 1)
    crop = to_gray(np.ascontiguousarray(image[cy0:cy1, cx0:cx1]))
    crop = cv2.copyMakeBorder(crop, cy0 - y0 if y0 < cy0 else 0, max(0, y1 - cy1),
                              cx0 - x0 if x0 < cx0 else 0, max(0, x1 - cx1),
                              cv2.BORDER_REPLICATE)
    patch = cv2.resize(crop, (side, side), interpolation=cv2.INTER_AREA)
    return patch.astype(np.float32)


def patch_correlation(a, b):
    """Normalised (Pearson) correlation of two patches of the same shape.

    Invariant to brightness and contrast; 0 when either patch is uniform.
    """
    a = a.astype(float).ravel() - a.mean()
    b = b.astype(float).ravel() - b.mean()
    norm = np.sqrt((a @ a) * (b @ b))
    return float(a @ b / norm) if norm > 0 else 0.0


def _inside_share(box, shape):
    """Share of the box's area that lies inside an image of ``shape``."""
    h, w = shape[:2]
    iw = max(0.0, min(box[2], w) - max(box[0], 0.0))
    ih = max(0.0, min(box[3], h) - max(box[1], 0.0))
    area = (box[2] - box[0]) * (box[3] - box[1])
    return iw * ih / area if area > 0 else 0.0


class TrackedFace(NamedTuple):
    """A face of one frame, as :class:`FaceFollower` gives it.

    Attributes
    ----------
    track : int
        The followed face's id, from 0 in order of appearance.
    face : Face
        Its box, score and landmarks in this frame.
    detected : bool
        Whether a detection found it in this frame (else its landmarks were
        fitted in its previous box).
    """

    track: int
    face: Face
    detected: bool


class _Track:
    """One followed face: its id, current face and the detection it hangs on."""

    def __init__(self, track_id, face, patch):
        self.id = track_id
        self.ended_at = None  # frame number where it was lost
        self.reset(face, patch)

    def reset(self, face, patch):
        """Take a detected :class:`Face` and its :func:`face_patch` (None when
        faces are not followed) as the new reference."""
        self.face = face
        self.ref_box, self.score, self.ref_pts = face.box, face.score, face.landmarks
        self.ref_patch = patch
        self.ended_at = None


class FaceFollower:
    """Faces of successive frames, detected every ``detect_every`` frames and
    followed by their landmarks in between.

    Parameters
    ----------
    finder : FaceFinder
        Finds the faces of a frame (``find``, ``pick``), fits the landmarks
        (``landmark_predictor``, None in ``box`` mode) and checks them
        (``passes_fit_check``).
    detect_every : int, default=1
        Frames between full detections; 1 detects in every frame.
    max_gap : int, default=0
        Frames a face may be missing (undetected and not followed) and still
        keep its track id when it is found again near where it was: missing
        for ``max_gap`` frames it keeps its id, for ``max_gap + 1`` it gets a
        new one (0: any missing frame ends the track).
    multi : bool, default=False
        Follow every face (``select="all"``) or only one.

    Notes
    -----
    Calling with a frame returns a list of :class:`TrackedFace`, one per
    face in the frame, ordered by track id.  A followed face must pass the
    finder's fit check (:func:`plausible_face`, with ``check_fit``), keep
    at least half its box inside the frame, change its landmarks' spread
    by at most 25% since its last detection, and look like that detection:
    the grey patch in its box (:func:`face_patch`) must not be near-uniform
    and must correlate with the detection's patch by at least 0.5
    (:func:`patch_correlation`).
    Else it is lost and the frame is detected in at once.  At every
    detection, a face that no detection confirms ends there: landmark fits
    alone never carry a face across a detection round, so a cut or an
    occlusion loses it within a frame or two, as detecting in every frame
    would.  Without a landmark predictor (``box`` mode) every frame is
    detected.
    """

    def __init__(self, finder, *, detect_every=1, max_gap=0, multi=False):
        self.finder = finder
        self.detect_every = detect_every
        self.max_gap = max_gap
        self.multi = multi
        self.active, self.ended = [], []
        self.next_id = 0
        self.since = None  # frames since the last detection
        self.frame = -1  # number of the current frame

    def __call__(self, frame):
        self.frame += 1
        predictor = self.finder.landmark_predictor
        can_follow = predictor is not None and self.detect_every > 1
        due = (self.since is None or self.since + 1 >= self.detect_every
               or not self.active)
        if can_follow and not due:
            followed = [self._follow(t, frame) for t in self.active]
            if all(f is not None for f in followed):
                self.since += 1
                for t, face in zip(self.active, followed, strict=True):
                    t.face = face
                return [TrackedFace(t.id, t.face, False) for t in self.active]
        return self._detect(frame, can_follow)

    def _patch(self, frame, face, can_follow):
        return face_patch(frame, face.box) if can_follow else None

    def _follow(self, track, frame):
        """The track's face in this frame by its landmarks, or None if lost."""
        fit = self.finder.landmark_predictor
        box = track.face.box
        pts = fit(frame, box)
        moved = box_from_landmarks(pts, track.ref_box, track.ref_pts)
        if box_iou(moved, box) < 0.7:  # a large move: fit once more where it went
            pts = fit(frame, moved)
            moved = box_from_landmarks(pts, track.ref_box, track.ref_pts)
        ratio = _spread(pts)[1] / max(_spread(track.ref_pts)[1], 1e-6)
        if not (1 / _MAX_SCALE_CHANGE <= ratio <= _MAX_SCALE_CHANGE):
            return None
        if _inside_share(moved, frame.shape) < 0.5:
            return None
        if not self.finder.passes_fit_check(pts, moved):
            return None
        patch = face_patch(frame, moved)
        if patch.std() < _MIN_CONTRAST:  # a blank wall, a grey shot
            return None
        if patch_correlation(patch, track.ref_patch) < _MIN_CORRELATION:
            return None  # another picture: a cut, an occluder
        return Face(moved, track.score, pts)

    def _detect(self, frame, can_follow):
        self.since = 0
        faces = self.finder.find(frame)
        pairs = self._match(self.active, faces)
        matched = {id(t) for t, _ in pairs}
        used = {i for _, i in pairs}
        for t, i in pairs:
            t.reset(faces[i], self._patch(frame, faces[i], can_follow))
        kept = [t for t, _ in pairs]
        for t in self.active:  # not confirmed by a detection: it ends here
            if id(t) not in matched:
                t.ended_at = self.frame
                self.ended.append(t)
        # new faces numbered left to right
        rest = sorted((i for i in range(len(faces)) if i not in used),
                      key=lambda i: float(faces[i].box[0]))
        if self.multi:
            kept += [self._start(faces[i], frame, can_follow) for i in rest]
        elif not kept and rest:
            face = self.finder.pick([faces[i] for i in rest])
            kept = [self._start(face, frame, can_follow)]
        self.active = sorted(kept, key=lambda t: t.id)
        self._age_ended()
        return [TrackedFace(t.id, t.face, True) for t in self.active]

    def _match(self, tracks, faces):
        """Greedy IoU matching of tracks to detections: ``(track, face index)``
        pairs."""
        scored = sorted(((box_iou(t.face.box, f.box), k, i)
                         for k, t in enumerate(tracks) for i, f in enumerate(faces)),
                        reverse=True)
        pairs, seen_t, seen_f = [], set(), set()
        for iou, k, i in scored:
            if iou <= _MATCH_IOU or k in seen_t or i in seen_f:
                continue
            pairs.append((tracks[k], i))
            seen_t.add(k)
            seen_f.add(i)
        return pairs

    def _start(self, face, frame, can_follow):
        """A track for a new face: an ended one that was near and missing for at
        most ``max_gap`` frames, or a new id."""
        patch = self._patch(frame, face, can_follow)
        back = [t for t in self.ended if self.frame - t.ended_at <= self.max_gap]
        pairs = self._match(back, [face])
        if pairs:
            track, _ = pairs[0]
            self.ended.remove(track)
            track.reset(face, patch)
            return track
        track = _Track(self.next_id, face, patch)
        self.next_id += 1
        return track

    def _age_ended(self):
        """Forget the ended tracks that can no longer come back.

        A track lost at frame ``ended_at`` (the first frame without it) and
        found at frame ``f`` was missing ``f - ended_at`` frames, and keeps its
        id if that is at most ``max_gap``; the earliest it can be found now
        is the next frame.
        """
        self.ended = [t for t in self.ended
                      if self.frame + 1 - t.ended_at <= self.max_gap]

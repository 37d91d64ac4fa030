"""The face record: where a face is, how sure its detection was, its landmarks."""

from typing import NamedTuple

import numpy as np

__all__ = ["Face"]


class Face(NamedTuple):
    """One face in an image: its box, detection score and landmarks.

    A named tuple, so ``box, score, landmarks = face`` unpacks it.

    Attributes
    ----------
    box : ndarray of shape (4,)
        ``(x0, y0, x1, y1)`` in pixels of the image; it may extend past the
        image's edges (see ``FaceAligner``'s ``detect_border``).
    score : float
        The score of the detection the face comes from (see
        :class:`FaceDetector`'s ``threshold``); NaN for a face assumed
        rather than detected (``FaceAligner``'s ``assume_face``).  A face
        followed between detections keeps the score of its last detection.
    landmarks : ndarray of shape (k, 2) or None
        ``(x, y)`` pixel coordinates of the landmarks fitted in the box
        (:class:`LandmarkPredictor`, 68 or 5 points); None without a
        landmark predictor (``mode="box"``).

    Examples
    --------
    >>> import numpy as np
    >>> from emosk.face import Face
    >>> face = Face(box=np.array([10.0, 20.0, 50.0, 70.0]), score=0.8, landmarks=None)
    >>> face.score, float(face.box[2] - face.box[0])
    (0.8, 40.0)
    >>> box, score, landmarks = face
    """

    box: np.ndarray
    score: float
    landmarks: np.ndarray | None = None

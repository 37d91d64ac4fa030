"""FaceFinder: the faces of one image, found, checked, picked and cropped as a
FaceAligner does."""

import numpy as np

from ._boxes import box_iou
from ._crop import align_face, crop_color, whole_frame
from ._detect import FaceDetector
from ._face import Face
from ._landmarks import LandmarkPredictor, plausible_face

__all__ = ["FaceFinder"]

#: IoU with the previous frame's face above which a face is picked as its
#: continuation, whatever ``select`` says.
_CONTINUATION_IOU = 0.2


def build_models(aligner):
    """The detector and landmark predictor (None in ``box`` mode) of a FaceAligner's
    settings; their models load on first use."""
    detector = FaceDetector(aligner.detector, upsample=aligner.upsample,
                            threshold=aligner.threshold, border=aligner.detect_border,
                            max_side=aligner.detect_size,
                            min_side=aligner.detect_min_size,
                            retry_side=aligner.detect_retry_size)
    fitted = aligner.mode != "box" and not _detector_points(aligner)
    predictor = LandmarkPredictor(aligner.landmarks) if fitted else None
    return detector, predictor


def _detector_points(aligner):
    """Whether the faces' landmarks are the detector's own five points."""
    return aligner.landmarks == "detector"


def _area(face):
    x0, y0, x1, y1 = face.box
    return (x1 - x0) * (y1 - y0)


class FaceFinder:
    """The faces of one image: detected, checked, picked and cropped.

    What a :class:`FaceAligner` does in every image (and in every video frame
    where it detects), with its settings: detect (``detector``,
    ``upsample``, ``threshold``, ``detect_border``, ``detect_size``,
    ``detect_min_size``, ``detect_retry_size``), leave out the faces under
    ``min_face_size``, fit
    the landmarks in each box, keep the faces that pass the fit check
    (``check_fit``), fall back on the whole image (``assume_face``), pick
    one (``select``) and crop it (``mode``, ``size``, ``margin``,
    ``padding``, ``color``).  :func:`iter_aligned_faces` follows faces
    through a video with it, and :func:`emosk.pretrained.predict_image`
    crops every face of a photo with it.

    Parameters
    ----------
    aligner : FaceAligner
        Supplies the settings.  A fitted one also its detector and landmark
        predictor, which are then shared (their models load once); for an
        unfitted one they are built here (and load on first use).

    Attributes
    ----------
    aligner : FaceAligner
        The aligner given.
    detector : FaceDetector
        Called with an image, returns its boxes and scores.
    landmark_predictor : LandmarkPredictor or None
        Called with an image and a box, returns the landmarks; None in
        ``box`` mode.

    See Also
    --------
    FaceAligner : Images and videos in, aligned faces out.
    Face : The record of one face that the methods take and return.

    Examples
    --------
    >>> from skimage import data
    >>> from emosk.face import FaceAligner, FaceFinder
    >>> finder = FaceFinder(FaceAligner(size=64).fit())
    >>> image = data.astronaut()
    >>> faces = finder.find(image)
    >>> face = finder.pick(faces)
    >>> face.landmarks.shape, finder.crop(image, face).shape
    ((68, 2), (64, 64, 3))
    """

    def __init__(self, aligner):
        self.aligner = aligner
        if hasattr(aligner, "detector_"):  # fitted: reuse the models loaded once
            self.detector = aligner.detector_
            self.landmark_predictor = aligner.landmarks_
        else:
            self.detector, self.landmark_predictor = build_models(aligner)

    def find(self, image):
        """The detected faces that pass the fit check, best detection first.

        With ``assume_face``, when none passes, the whole image as the face
        (score NaN) if its landmarks pass.

        Parameters
        ----------
        image : ndarray of shape (H, W) or (H, W, C), uint8
            Gray, RGB or RGBA image.

        Returns
        -------
        list of Face
        """
        if self.layout == "template":
            return self._pointed_faces(self.detector.detect_with_landmarks(image))
        boxes, scores = self.detector(image)
        faces = [self.checked_face(image, box, float(score))
                 for box, score in zip(boxes, scores, strict=True)
                 if self.large_enough(box)]
        faces = [face for face in faces if face is not None]
        if not faces and self.aligner.assume_face:
            h, w = image.shape[:2]
            box = np.array([0.0, 0.0, w - 1.0, h - 1.0])
            whole = self.checked_face(image, box, np.nan)
            faces = [] if whole is None else [whole]
        return faces

    def find_many(self, images):
        """:meth:`find` of each image, faster on many photos of one size.

        With the detector's own points (``landmarks="detector"``) the
        detector takes the images together (:meth:`FaceDetector.detect_many`:
        RetinaFace in batches); otherwise the images are taken one by one.

        Parameters
        ----------
        images : sequence of ndarray of shape (H, W) or (H, W, C), uint8

        Returns
        -------
        list of list of Face
        """
        if self.layout != "template":
            return [self.find(image) for image in images]
        return [self._pointed_faces(found) for found in self.detector.detect_many(images)]

    def _pointed_faces(self, found):
        """The faces of a detection with the detector's own points, those that pass
        the fit check (there are no points to fit in the whole image)."""
        boxes, scores, points = found
        if points is None:
            raise ValueError("landmarks='detector' needs a detector that gives five "
                             "landmarks (retinaface).")
        return [Face(box, float(score), pts)
                for box, score, pts in zip(boxes, scores, points, strict=True)
                if self.large_enough(box) and self.passes_fit_check(pts, box)]

    def large_enough(self, box):
        """Whether a detected box is at least the aligner's ``min_face_size`` wide.

        Parameters
        ----------
        box : array-like of 4 floats
            ``(x0, y0, x1, y1)``.

        Returns
        -------
        bool
            True without ``min_face_size``.
        """
        smallest = self.aligner.min_face_size
        return smallest is None or box[2] - box[0] >= smallest

    def checked_face(self, image, box, score):
        """The face in a box, with its landmarks, if they pass the fit check.

        Parameters
        ----------
        image : ndarray of shape (H, W) or (H, W, C), uint8
        box : ndarray of shape (4,)
            ``(x0, y0, x1, y1)``.
        score : float
            The detection's score (NaN for an assumed face).

        Returns
        -------
        Face or None
            None when the landmarks fail :meth:`passes_fit_check`.
        """
        predictor = self.landmark_predictor
        landmarks = None if predictor is None else predictor(image, box)
        if not self.passes_fit_check(landmarks, box):
            return None
        return Face(box, score, landmarks)

    def passes_fit_check(self, landmarks, box):
        """Whether landmarks fitted in a box are taken as a face.

        Parameters
        ----------
        landmarks : ndarray of shape (68, 2) or (5, 2), or None
        box : array-like of 4 floats
            ``(x0, y0, x1, y1)``.

        Returns
        -------
        bool
            :func:`plausible_face` with the aligner's ``check_fit``; True
            without ``check_fit`` or without landmarks (``box`` mode).
        """
        if landmarks is None or not self.aligner.check_fit:
            return True
        return plausible_face(landmarks, box, layout=self.layout)

    @property
    def layout(self):
        """How the faces' landmarks are read (:data:`LANDMARK_LAYOUTS`):
        ``"template"`` with the detector's points (``landmarks="detector"``),
        else ``"dlib"``."""
        return "template" if _detector_points(self.aligner) else "dlib"

    def pick(self, faces, previous_box=None):
        """The one face to use (``select="largest"`` or ``"confident"``).

        Parameters
        ----------
        faces : list of Face
            What :meth:`find` returned.
        previous_box : array-like of 4 floats, default=None
            The box of the face used in the previous frame: the face that
            overlaps it most (IoU above 0.2) is picked first.

        Returns
        -------
        Face or None
            The largest box, or the best score with ``select="confident"``;
            None when ``faces`` is empty.
        """
        if not faces:
            return None
        if previous_box is not None:
            ious = [box_iou(face.box, previous_box) for face in faces]
            if max(ious) > _CONTINUATION_IOU:
                return faces[int(np.argmax(ious))]
        if self.aligner.select == "confident":
            return max(faces, key=lambda face: face.score)
        return max(faces, key=_area)

    @property
    def color(self):
        """The colour of the crops: :func:`crop_color` of the aligner's settings."""
        return crop_color(self.aligner.mode, self.aligner.color)

    def crop(self, image, face):
        """The aligned crop of a face (:func:`align_face` with the aligner's settings).

        Parameters
        ----------
        image : ndarray of shape (H, W) or (H, W, C), uint8
        face : Face

        Returns
        -------
        ndarray of uint8, shape (size, size, 3) or (size, size)
        """
        settings = self.aligner
        return align_face(image, box=face.box, landmarks=face.landmarks,
                          mode=settings.mode, size=settings.size,
                          margin=settings.margin, padding=settings.padding,
                          color=self.color, layout=self.layout)

    def crop_whole(self, image):
        """The whole image resized as a crop: the fallback without a face.

        Parameters
        ----------
        image : ndarray of shape (H, W) or (H, W, C), uint8

        Returns
        -------
        ndarray of uint8, shape (size, size, 3) or (size, size)
        """
        return whole_frame(image, size=self.aligner.size, color=self.color)

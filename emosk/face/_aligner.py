"""FaceAligner: images or videos in, aligned face crops out."""

from numbers import Integral, Real

import numpy as np
from joblib import Parallel, delayed
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ..io import read_image
from ..utils import check_images, check_media, images_to_uint8, progress
from ._crop import ALIGN_MODES
from ._detect import DETECTORS
from ._finder import FaceFinder, build_models
from ._reports import align_image, align_video, crop_stack, images_report

__all__ = ["FaceAligner"]


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
        with every detector, unless ``landmarks="detector"`` takes
        RetinaFace's own five points.
    upsample : int, default=1
        dlib upsampling (finds faces down to about 40 px at 1).
    threshold : float or None, default=None
        Detection score threshold; lower finds more faces (Knyazev et al.
        2017 lowered dlib's).  None: the detector's own default (0.0 for
        dlib and OpenCV, :data:`~emosk.face.RETINAFACE_THRESHOLD` for
        RetinaFace, whose score is a face probability: 0.0 would keep every
        candidate).
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
    landmarks : {68, 5, "detector"} or str, default=68
        dlib shape predictor (or a ``.dat`` path); unused in ``box`` mode.
        ``"detector"``: the detector's own five points (``retinaface``: eye
        centres, nose tip, mouth corners), read as template points
        (:data:`LANDMARK_LAYOUTS`), with no landmark model run: 0.8 ms less
        per face than dlib's 68 points.  Every face is then detected (no
        following between detections, ``detect_every`` is not used), the
        whole-image fallback of ``assume_face`` has no points to fit and
        finds nothing, and ``dlib-chip`` mode is not available.
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
        Check the landmarks fitted in each box with :func:`plausible_face`
        and drop the face when they fail: the two eye centres inside the
        box widened by a tenth of its width (and height) on each side, their
        distance 20% to 75% of the box width, the line between them tilted
        by at most 45 degrees, and, with 68 points, the mouth's centre below
        that line.  Checked are every
        detection, the whole image taken with ``assume_face``, and in videos
        every face followed between detections (one that fails is lost).
        False keeps every detection as it is.  No effect in ``box`` mode
        (no landmarks are fitted).  See :meth:`FaceFinder.passes_fit_check`.
    detect_size : int, sequence of int or None, default=None
        Videos and images: detect on a copy shrunk so that its longer side
        is at most this many pixels (see :class:`FaceDetector`'s
        ``max_side``); boxes are mapped back, landmarks and crops use the
        full frame.  Increasing sizes such as ``(480, 1280)`` detect in a
        copy of each size, large faces from the smaller, small faces from
        the larger (the photo path's setting).  None: full size (the
        paper's).
    detect_min_size : int or None, default=None
        Where the detector finds no face in an image or frame smaller than
        this (longer side), detect again on a copy enlarged to it (see
        :class:`FaceDetector`'s ``min_side``): detectors miss faces that
        fill a small image.  None: no retry.
    min_face_size : float or None, default=None
        Detected faces whose box is narrower than this many pixels (in the
        image or frame) are left out, as too small to read: the same SFEW
        and NHFI faces shrunk to a 24 px box cost the default model 4 to 6
        points of accuracy, to 20 px 8 to 11 points, more of its answers
        turning into *sad* (``benchmarks/results/face_sizes.md``; the photo
        and RetinaFace video paths use 24).
        Checked on every detection, before the landmarks are fitted; faces
        followed between detections and the whole image of ``assume_face``
        are not.  None: every face the detector finds.
    detect_retry_size : int or None, default=None
        Where the detector finds no face in the ``detect_size`` copy of an
        image or frame, detect again in a copy shrunk to at most this size
        (see :class:`FaceDetector`'s ``retry_side``): faces too small for
        the working copy are found, at the larger copy's cost in those frames
        only.  None: no retry.
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
    FaceFinder : The faces of one image, found and cropped with these settings.

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

    The fast settings for long videos (:data:`FACE_PATHS` ``"fast"``, the
    default of :func:`emosk.video.default_aligner`): detection on a 640-pixel
    copy every 10th frame, landmark tracking in between:

    >>> fast = FaceAligner(detect_size=640, upsample=0, detect_every=10)
    """

    _parameter_constraints = {
        "detector": [StrOptions(set(DETECTORS)), callable],
        "upsample": [Interval(Integral, 0, None, closed="left")],
        "threshold": [Real, None],
        "detect_border": [Interval(Real, 0, None, closed="left")],
        "assume_face": ["boolean"],
        "landmarks": [StrOptions({"68", "5", "detector"}), Integral, str],
        "mode": [StrOptions(set(ALIGN_MODES))],
        "size": [Interval(Integral, 8, None, closed="left")],
        "margin": [Interval(Real, 0, None, closed="left")],
        "padding": [Interval(Real, 0, None, closed="left")],
        "color": [StrOptions({"rgb", "gray"})],
        "select": [StrOptions({"largest", "confident", "all"})],
        "on_missing": [StrOptions({"frame", "drop", "last", "raise"})],
        "check_fit": ["boolean"],
        "detect_size": [Interval(Integral, 16, None, closed="left"), "array-like", None],
        "detect_min_size": [Interval(Integral, 16, None, closed="left"), None],
        "detect_retry_size": [Interval(Integral, 16, None, closed="left"), None],
        "min_face_size": [Interval(Real, 0, None, closed="neither"), None],
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

    def __init__(self, detector="dlib-hog", *, upsample=1, threshold=None,
                 detect_border=0.0, assume_face=False, landmarks=68, mode="similarity",
                 size=128, margin=0.2, padding=0.25, color="rgb", select="largest",
                 on_missing="frame", check_fit=True, detect_size=None, detect_min_size=None,
                 detect_retry_size=None, min_face_size=None, detect_every=1, max_gap=25,
                 prefetch=8, fps=None, step=None, max_frames=None, n_jobs=None,
                 verbose=False):
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
        self.detect_min_size = detect_min_size
        self.detect_retry_size = detect_retry_size
        self.min_face_size = min_face_size
        self.detect_every = detect_every
        self.max_gap = max_gap
        self.prefetch = prefetch
        self.fps = fps
        self.step = step
        self.max_frames = max_frames
        self.n_jobs = n_jobs
        self.verbose = verbose

    def __setstate__(self, state):
        # pickled before detect_min_size, detect_retry_size or min_face_size
        # existed: it behaves as it did (no retry, every face)
        for name in ("detect_min_size", "detect_retry_size", "min_face_size"):
            state.setdefault(name, None)
        super().__setstate__(state)

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
        if self.landmarks == "detector":
            if self.detector != "retinaface":
                raise ValueError("landmarks='detector' takes the detector's five points: "
                                 f"use detector='retinaface' (got {self.detector!r}).")
            if self.mode == "dlib-chip":
                raise ValueError("mode='dlib-chip' needs dlib's landmarks; with "
                                 "landmarks='detector' use another mode.")
        if self.mode == "five-point" and self.landmarks == 5:
            raise ValueError("mode='five-point' needs the eye centres, nose tip and "
                             "mouth corners, which dlib's 5-point predictor does not "
                             "give; use landmarks=68.")
        self.detector_, self.landmarks_ = build_models(self)
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
        finder = FaceFinder(self)
        crops, records = [], []
        for i, image in enumerate(progress(images, "FaceAligner", self.verbose)):
            if image.ndim == 3 and image.shape[-1] == 1:
                image = image[..., 0]
            image_crops, record = align_image(image, self, finder, i)
            crops.append(image_crops)
            records.append(record)
        report = images_report(records)
        if self.select == "all":
            return [crop_stack(c, self) for c in crops], report
        flat = [c for image_crops in crops for c in image_crops]
        return crop_stack(flat, self), report

    def _videos(self, videos):
        results = Parallel(n_jobs=self.n_jobs)(
            delayed(align_video)(v, self, i)
            for i, v in enumerate(progress(videos, "FaceAligner", self.verbose)))
        return [r[0] for r in results], [r[1] for r in results]

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

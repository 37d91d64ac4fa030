"""Face detection backends behind one interface: image -> boxes and scores."""

import threading
from numbers import Real

import numpy as np

from ..utils import fetch_weights, onnx_copy, resolve_runtime
from ._boxes import box_inside, box_iou, non_max_suppression
from ._color import as_rgb, check_uint8_image, to_gray
from ._models import dlib_model_path, require_dlib

__all__ = ["FaceDetector", "DETECTORS", "RETINAFACE_THRESHOLD", "SMALLEST_FACE",
           "add_border", "box_iou", "enlarge", "non_max_suppression", "shrink"]

DETECTORS = ("dlib-hog", "dlib-cnn", "opencv-haar", "retinaface")
#: Default face-probability threshold of ``FaceDetector("retinaface")``.
RETINAFACE_THRESHOLD = 0.8
#: Most images of one size RetinaFace detects in at once
#: (:meth:`FaceDetector.detect_many`).
BATCH = 16
#: About the smallest face (pixels, in the image it runs on) each detector
#: finds: RetinaFace's smallest anchor, dlib's 80 px windows (halved by each
#: ``upsample``), the cascades' ``minSize``.  With several ``max_side`` sizes
#: (:class:`FaceDetector`) a larger copy adds only the faces below twice this
#: size in the copy before it, where that copy misses faces; a callable
#: detector counts as RetinaFace.
SMALLEST_FACE = {"retinaface": 16, "dlib-hog": 80, "dlib-cnn": 80, "opencv-haar": 20}


def add_border(image, fraction):
    """Surround an image with a black border.

    Parameters
    ----------
    image : ndarray of shape (H, W) or (H, W, C)
        The image.
    fraction : float
        Border width on each side, as a fraction of ``max(H, W)`` (rounded to
        whole pixels).

    Returns
    -------
    padded : ndarray of shape (H + 2p, W + 2p[, C])
        The image with the border (``image`` itself when ``p`` is 0).
    p : int
        Border width in pixels: a point ``(x, y)`` of ``padded`` is
        ``(x - p, y - p)`` in ``image``.

    Examples
    --------
    >>> import numpy as np
    >>> from emosk.face import add_border
    >>> padded, p = add_border(np.ones((4, 2), dtype=np.uint8), 0.5)
    >>> padded.shape, p
    ((8, 6), 2)
    """
    if fraction < 0:
        raise ValueError(f"The border fraction must be >= 0; got {fraction}.")
    p = int(round(fraction * max(image.shape[:2])))
    if p == 0:
        return image, 0
    widths = ((p, p), (p, p)) + ((0, 0),) * (image.ndim - 2)
    return np.pad(image, widths, mode="constant"), p


def shrink(image, max_side):
    """The image shrunk so that its longer side is at most ``max_side`` pixels.

    Parameters
    ----------
    image : ndarray of shape (H, W) or (H, W, C)
    max_side : int or None
        None keeps the image as it is.

    Returns
    -------
    small : ndarray
        The shrunk image (``image`` itself when it is small enough).
    scale : float
        ``small``'s size over ``image``'s (1.0 when not shrunk): a point
        ``(x, y)`` of ``small`` is ``(x / scale, y / scale)`` in ``image``.
    """
    if max_side is None or max(image.shape[:2]) <= max_side:
        return image, 1.0
    return _resized(image, max_side, "area")


def enlarge(image, min_side):
    """The image enlarged so that its longer side is at least ``min_side`` pixels.

    Parameters
    ----------
    image : ndarray of shape (H, W) or (H, W, C)
    min_side : int

    Returns
    -------
    large : ndarray
        The enlarged image (bilinear; ``image`` itself when large enough).
    scale : float
        ``large``'s size over ``image``'s, as :func:`shrink` gives it.
    """
    if max(image.shape[:2]) >= min_side:
        return image, 1.0
    return _resized(image, min_side, "linear")


def _resized(image, side, interpolation):
    """The image resized so that its longer side is ``side`` pixels (OpenCV's
    ``"area"`` or ``"linear"`` interpolation), and the scale applied."""
    import cv2

    h, w = image.shape[:2]
    scale = side / max(h, w)
    size = (max(1, int(round(w * scale))), max(1, int(round(h * scale))))
    flag = cv2.INTER_AREA if interpolation == "area" else cv2.INTER_LINEAR
    out = cv2.resize(image, size, interpolation=flag)
    # the scale actually applied on each axis differs from `scale` by rounding;
    # their mean maps boxes back within half a pixel of the resized image
    return out, (size[0] / w + size[1] / h) / 2


class FaceDetector:
    """A face detector, built once and called on many images.

    Parameters
    ----------
    detector : {"dlib-hog", "dlib-cnn", "opencv-haar", "retinaface"} or callable
        ``dlib-hog``: dlib's HOG + linear SVM frontal detector;
        ``dlib-cnn``: dlib's MMOD CNN (accurate, slow on a CPU);
        ``opencv-haar``: Viola-Jones frontal and profile cascades, the profile
        one also on the mirrored image;
        ``retinaface``: RetinaFace with a MobileNet-0.25 body (Deng et al.
        2019; needs torch and its weights, see Notes), which also gives five
        landmarks (:meth:`detect_with_landmarks`);
        a callable ``image -> (boxes, scores)`` or
        ``image -> (boxes, scores, landmarks)``.
    upsample : int, default=1
        Times the image is doubled before detection (dlib only); finds
        smaller faces.
    threshold : float or None, default=None
        Keep detections scoring above this.  For dlib-hog the SVM score
        (Knyazev et al. lower it below 0 to find more faces), for dlib-cnn the
        MMOD confidence, for opencv-haar the cascade's level weight, for
        retinaface the face probability (0 to 1).  None: 0.0 for dlib,
        opencv-haar and callables, :data:`RETINAFACE_THRESHOLD` for
        retinaface.
    border : float, default=0.0
        Black border added on each side of the image before detection, as a
        fraction of its longer side (see :func:`add_border`).  Detectors miss
        faces that fill the image, as in tight face crops; a border gives
        them the context they were trained with.  Boxes are returned in the
        coordinates of the image without the border, so they may extend past
        its edges.
    max_side : int, sequence of int or None, default=None
        Detect on a copy of the image shrunk (OpenCV's area interpolation) so
        that its longer side (border included) is at most this many pixels;
        boxes are mapped back to the full image.  The cost of detection falls
        with the pixel count, and the smallest face found grows by the same
        factor: dlib's HOG finds faces down to about 80 px without
        upsampling and 40 px with ``upsample=1``, in the shrunk copy,
        RetinaFace down to about 16 px.  None (or an image already that
        small) detects at full size.

        Increasing sizes, such as ``(480, 1280)``: detect in a copy of each
        size, smallest first, up to the first that is the image itself; that
        one only if it is at least twice the size of the copy before it (a
        900 px photo is detected in its 480 px copy alone).  The smallest
        copy gives every face it finds; each larger one adds
        the faces below twice the detector's smallest face
        (:data:`SMALLEST_FACE`, 32 px for RetinaFace) in the copy before it
        and not inside a face already kept (half their box or more).  So
        large faces come from a small copy and small ones from a large
        copy, for the cost of the copies, not of the full image.  This is
        the photo path's setting (:data:`emosk.pretrained.IMAGE_FACE_PATH`):
        at full size a face larger than RetinaFace's anchors (512 px) was
        reported as several faces, and a 4000 px photo took 0.7-0.9 s.
    min_side : int or None, default=None
        Where no face is found in an image smaller than this (longer side,
        border included), detect again on a copy enlarged to it (bilinear);
        boxes are mapped back.  Detectors miss faces that fill a small
        image: RetinaFace finds a face in 43% of FER2013's 48 px thumbnails
        as they are, in 97% with this retry at 128 px (the photo path's
        setting, :data:`emosk.pretrained.IMAGE_FACE_PATH`).  Faces found at
        the image's own size are kept as they are: on CK+'s thumbnails, where
        it finds 99%, detecting in the enlarged copy instead cost 2 points of
        accuracy.  At most the smallest ``max_side``.  None: no retry.
    retry_side : int or None, default=None
        Where no face is found in the copies of ``max_side``, detect again in
        a larger copy, shrunk so that its longer side (border included) is at
        most this many pixels (the image itself when it is smaller); boxes are
        mapped back.  Only the faces too small for the largest copy before
        (as a larger ``max_side`` copy adds them) are kept: a larger face
        found only now is a part of a face the detector cannot take whole (a
        face over RetinaFace's 512 px anchors).  No retry when the largest
        copy already detected in is the image itself or at least this size.
        So faces too small for the working copy are found where it has
        none, for the cost of the larger copy in those images only: the
        RetinaFace video path (:data:`FACE_PATHS`) detects in a 320 px copy
        of every frame, which finds faces down to about 45 px in a 720x576
        frame (a sixteenth of its longer side), and again at 640 px where it
        finds none (down to about 22 px).  None: no retry.
    runtime : {"auto", "torch", "onnxruntime"}, default="auto"
        What runs RetinaFace: torch, or ONNX Runtime on a copy exported once
        per machine (:func:`~emosk.utils.onnx_copy`, the ``onnx`` extra;
        ``"auto"``: when installed).  ONNX Runtime detects in a 96 px photo
        in 0.4 ms instead of 2 ms; boxes, scores and landmarks agree to
        float32 rounding.  Other detectors ignore it.

    See Also
    --------
    emosk.utils.fetch_weights : Where the RetinaFace weights are looked for.

    Notes
    -----
    Calling returns ``(boxes, scores)``: a float array ``(k, 4)`` of
    ``(x0, y0, x1, y1)`` pixel boxes and ``(k,)`` scores, best first.

    Each thread that calls a detector builds its own dlib or OpenCV object,
    on its first call: dlib's HOG detector and OpenCV's cascades keep
    working state between calls, and one object called from several
    threads at once (joblib's threading backend) returned other boxes and
    scores than a serial run (#24).  RetinaFace keeps none (ONNX Runtime's
    sessions and a torch network in eval mode may be called from several
    threads at once): it is built once, by the first thread that detects,
    and shared, so a new thread neither loads it again nor runs torch's
    threads of its own to do so.  A callable ``detector`` is shared as it
    is.

    :meth:`detect_with_landmarks` also returns the five landmarks of
    RetinaFace.

    RetinaFace's weights (``retinaface_mnet025``, 1.7 MB, MIT licence, from
    biubug6/Pytorch_Retinaface, trained on WIDER FACE) are not in the
    package: they are downloaded once into the user cache and SHA-256
    checked, or read from the folder named by ``EMOSK_WEIGHTS``.  Its boxes
    follow WIDER FACE's convention, forehead to chin, taller than dlib's.
    The model is evaluated in ``torch.inference_mode`` with no state kept
    between calls.

    Examples
    --------
    >>> import numpy as np
    >>> from emosk.face import FaceDetector
    >>> fixed = FaceDetector(lambda image: ([(10, 10, 30, 30), (0, 0, 8, 8)], [0.2, 0.9]),
    ...                      border=0.25)
    >>> boxes, scores = fixed(np.zeros((40, 40), np.uint8))
    >>> boxes, scores
    (array([[-10., -10.,  -2.,  -2.],
           [  0.,   0.,  20.,  20.]]), array([0.9, 0.2]))
    """
    def __init__(self, detector="dlib-hog", *, upsample=1, threshold=None, border=0.0,
                 max_side=None, min_side=None, retry_side=None, runtime="auto"):
        if not callable(detector) and detector not in DETECTORS:
            raise ValueError(f"Unknown detector {detector!r}; use one of {DETECTORS} "
                             "or a callable returning (boxes, scores).")
        self.detector = detector
        self.upsample = upsample
        self.threshold = threshold
        self.border = border
        sizes = _detect_sizes(max_side)  # a bad value fails here, not on the first image
        if min_side is not None and not (_is_size(min_side)
                                         and min_side <= (sizes[0] or np.inf)):
            raise ValueError("min_side must be None or a size of at least 16 pixels and at "
                             f"most the smallest max_side ({max_side!r}); got {min_side!r}.")
        if retry_side is not None and not _is_size(retry_side):
            raise ValueError("retry_side must be None or a size of at least 16 pixels; "
                             f"got {retry_side!r}.")
        self.max_side = max_side
        self.min_side = min_side
        self.retry_side = retry_side
        resolve_runtime(runtime)  # a bad name fails here, not on the first image
        self.runtime = runtime
        self._local = threading.local()

    def _threshold(self):
        if self.threshold is not None:
            return self.threshold
        return RETINAFACE_THRESHOLD if self.detector == "retinaface" else 0.0

    def _build(self):
        if callable(self.detector):
            return self.detector
        if self.detector == "opencv-haar":
            return _haar_detector()
        if self.detector == "retinaface":
            return _retinaface_detector(self._threshold, resolve_runtime(self.runtime))
        dlib = require_dlib()
        if self.detector == "dlib-hog":
            hog = dlib.get_frontal_face_detector()

            def run(img):
                rects, scores, _ = hog.run(as_rgb(img), self.upsample, self._threshold())
                return [(r.left(), r.top(), r.right(), r.bottom()) for r in rects], scores
            return run
        cnn = dlib.cnn_face_detection_model_v1(str(dlib_model_path("mmod")))

        def run_cnn(img):
            dets = cnn(as_rgb(img), self.upsample)
            return ([(d.rect.left(), d.rect.top(), d.rect.right(), d.rect.bottom())
                     for d in dets], [d.confidence for d in dets])
        return run_cnn

    def _impl(self):
        """This thread's detector, built on its first call; RetinaFace, which
        keeps no state between calls, built once and shared by the threads."""
        if self.detector == "retinaface":
            return self._shared_impl()
        impl = getattr(self._local, "impl", None)
        if impl is None:
            impl = self._local.impl = self._build()
        return impl

    def _shared_impl(self):
        impl = self.__dict__.get("_shared")
        if impl is None:
            with _BUILD_LOCK:  # one build, however many threads ask at once
                impl = self.__dict__.get("_shared")
                if impl is None:
                    impl = self._shared = self._build()
        return impl

    def __call__(self, image):
        boxes, scores, _ = self.detect_with_landmarks(image)
        return boxes, scores

    def detect_with_landmarks(self, image):
        """Boxes, scores and, where the detector gives them, five landmarks.

        Parameters
        ----------
        image : ndarray of shape (H, W) or (H, W, C), uint8
            Gray, RGB or RGBA image.

        Returns
        -------
        boxes : ndarray of shape (k, 4)
            ``(x0, y0, x1, y1)`` in pixels of ``image``, best first.
        scores : ndarray of shape (k,)
        landmarks : ndarray of shape (k, 5, 2) or None
            RetinaFace's points (image-left eye, image-right eye, nose tip,
            image-left and image-right mouth corner: the order of
            :func:`five_points`, so they go to ``align_face(...,
            mode="five-point")`` as they are), in pixels of ``image``; None
            for detectors without landmarks.

        Raises
        ------
        TypeError
            If ``image`` is not a uint8 array (a float image in [0, 1] would
            read as black: convert it with
            :func:`~emosk.utils.validation.images_to_uint8`).
        ValueError
            If ``image`` has no pixels or is not ``(H, W[, C])``.
        """
        check_uint8_image(image, "FaceDetector")  # a float one reads as black
        copies, offset, padded = self._prepare(image)
        impl = self._impl()
        found = self._merge([self._finish(impl(small), scale, offset)
                             for small, scale in copies], copies)
        retry = self._retry(copies, found, padded)
        if retry is None:
            return found
        return self._found_again(impl(retry[0]), retry, copies, offset)

    def detect_many(self, images):
        """:meth:`detect_with_landmarks` of each image, faster on many.

        RetinaFace runs on same-size images (after ``border`` and
        ``max_side``) in batches of up to :data:`BATCH`, which costs about
        half as much a photo as one at a time; other detectors take the
        images one by one.  The results are those of
        :meth:`detect_with_landmarks` on each image, to float32 rounding.

        Parameters
        ----------
        images : sequence of ndarray of shape (H, W) or (H, W, C), uint8

        Returns
        -------
        list of (boxes, scores, landmarks)
            One per image, as :meth:`detect_with_landmarks` returns them.
        """
        for image in images:
            check_uint8_image(image, "FaceDetector")
        prepared = [self._prepare(image) for image in images]
        # every copy of every image, detected one by one or in same-size batches
        copies = [(i, level, small) for i, (image_copies, _, _) in enumerate(prepared)
                  for level, (small, _) in enumerate(image_copies)]
        per_image = [[] for _ in prepared]
        for (i, level, _), out in zip(copies, self._run([c[2] for c in copies]), strict=True):
            image_copies, offset, _ = prepared[i]
            per_image[i].append(self._finish(out, image_copies[level][1], offset))
        found = [self._merge(levels, image_copies)
                 for levels, (image_copies, _, _) in zip(per_image, prepared, strict=True)]
        # images without a face: again, enlarged (min_side) or larger (retry_side)
        retries = [(i, retry) for i, ((image_copies, _, padded), faces)
                   in enumerate(zip(prepared, found, strict=True))
                   if (retry := self._retry(image_copies, faces, padded)) is not None]
        outs = self._run([retry[0] for _, retry in retries])
        for (i, retry), out in zip(retries, outs, strict=True):
            found[i] = self._found_again(out, retry, prepared[i][0], prepared[i][1])
        return found

    def _run(self, smalls):
        """The detector's raw output on each image of ``smalls``, RetinaFace's on
        same-size images in batches of up to :data:`BATCH`."""
        impl = self._impl()
        # RetinaFace's runner also takes a batch of same-size images
        batch = impl.batch if self.detector == "retinaface" else None
        if batch is None:
            return [impl(small) for small in smalls]
        found = [None] * len(smalls)
        groups = {}
        for k, small in enumerate(smalls):
            groups.setdefault(small.shape[:2], []).append(k)
        for members in groups.values():
            for start in range(0, len(members), BATCH):
                chunk = members[start:start + BATCH]
                for k, out in zip(chunk, batch([smalls[k] for k in chunk]), strict=True):
                    found[k] = out
        return found

    def _retry(self, copies, found, padded):
        """Where ``found`` holds no face: the copy to detect in again, its
        scale and whether it is a larger copy of a large image
        (:meth:`_enlarged`, else :meth:`_larger`); else None."""
        if len(found[0]):
            return None
        enlarged = self._enlarged(copies)
        if enlarged is not None:
            return (*enlarged, False)
        larger = self._larger(copies, padded)
        return None if larger is None else (*larger, True)

    def _found_again(self, out, retry, copies, offset):
        """The faces of a retry: every face of an enlarged small image; of a
        larger copy, those too small for the largest copy before it (a face
        the copies would have found is, found only now, a part of a face
        larger than the detector's anchors), as :meth:`_merge` adds them."""
        _, scale, larger = retry
        boxes, scores, points = self._finish(out, scale, offset)
        if not larger:
            return boxes, scores, points
        keep = self._too_small_for(boxes, copies[-1][1])
        return boxes[keep], scores[keep], None if points is None else points[keep]

    def _enlarged(self, copies):
        """Where the image (border included) is smaller than ``min_side``: the
        copy enlarged to it, and its scale; else None.  Such an image is
        smaller than every ``max_side``, so its one copy (:meth:`_prepare`)
        is the image itself."""
        padded, scale = copies[0]
        if self.min_side is None or scale != 1.0 or max(padded.shape[:2]) >= self.min_side:
            return None
        return enlarge(padded, self.min_side)

    def _larger(self, copies, padded):
        """Where the largest copy detected in is shrunk below ``retry_side``:
        ``padded`` (the image with its border) shrunk to ``retry_side``, and
        its scale; else None."""
        last, scale = copies[-1]
        if self.retry_side is None or scale == 1.0 or max(last.shape[:2]) >= self.retry_side:
            return None
        return shrink(padded, self.retry_side)

    def _prepare(self, image):
        """The copies the detector runs on (border added, shrunk to each
        size, up to the first that is not shrunk) with their scales, the
        border's offset, and the image with its border."""
        padded, offset = add_border(image, self.border)
        copies, last = [], 0
        for side in _detect_sizes(self.max_side):
            small, scale = shrink(padded, side)
            longest = max(small.shape[:2])
            if scale == 1.0 and copies and longest < 2 * last:
                break  # the image itself, too close to the last copy to add faces
            copies.append((small, scale))
            if scale == 1.0:
                break
            last = longest
        return copies, offset, padded

    def _finish(self, found, scale, offset):
        """A detector's raw output mapped back to the image, thresholded, best first."""
        boxes, scores = found[0], found[1]
        points = found[2] if len(found) > 2 else None
        boxes = np.asarray(boxes, dtype=float).reshape(-1, 4) / scale - offset
        scores = np.asarray(scores, dtype=float).reshape(-1)
        if len(boxes) != len(scores):
            raise ValueError(f"The detector returned {len(boxes)} boxes and "
                             f"{len(scores)} scores.")
        if points is not None:
            points = np.asarray(points, dtype=float).reshape(len(boxes), 5, 2) / scale - offset
        keep = scores > self._threshold()
        order = np.argsort(-scores[keep], kind="stable")
        boxes, scores = boxes[keep][order], scores[keep][order]
        return boxes, scores, None if points is None else points[keep][order]

    def _too_small_for(self, boxes, scale):
        """Which boxes (in the image's pixels) are under twice the smallest face
        this detector finds (:data:`SMALLEST_FACE`) in a copy of ``scale``:
        faces that copy may miss."""
        smallest = SMALLEST_FACE["retinaface" if callable(self.detector) else self.detector]
        if str(self.detector).startswith("dlib"):
            smallest /= 2 ** self.upsample
        return np.max(boxes[:, 2:] - boxes[:, :2], axis=1) * scale < 2 * smallest

    def _merge(self, levels, copies):
        """The faces of each copy (``levels``, mapped back to the image) merged:
        all of the first, then, from each larger copy, those too small for the
        copy before it (:meth:`_too_small_for`) and not inside a face kept;
        best first."""
        boxes, scores, points = levels[0]
        for (b, s, p), (_, previous_scale) in zip(levels[1:], copies[:-1], strict=True):
            small = self._too_small_for(b, previous_scale)
            new = [k for k in np.flatnonzero(small)
                   if not any(box_inside(b[k], kept) for kept in boxes)]
            if not new:
                continue
            boxes, scores = np.vstack([boxes, b[new]]), np.concatenate([scores, s[new]])
            if points is not None:
                points = np.concatenate([points, p[new]])
        if len(levels) > 1:  # best first over all copies
            order = np.argsort(-scores, kind="stable")
            boxes, scores = boxes[order], scores[order]
            points = None if points is None else points[order]
        return boxes, scores, points

    def __getstate__(self):
        state = self.__dict__.copy()
        del state["_local"]  # dlib, OpenCV and torch models are rebuilt after unpickling
        state.pop("_shared", None)
        return state

    def __setstate__(self, state):
        # pickled before these options: they behave as they did
        self.__dict__.update({"runtime": "auto", "min_side": None, "retry_side": None,
                              **state})
        self._local = threading.local()


#: Held while a detector shared by threads (RetinaFace) is built.
_BUILD_LOCK = threading.Lock()


def _is_size(value):
    """Whether ``value`` is a number of pixels the detector can work at (16 or more)."""
    return isinstance(value, Real) and not isinstance(value, bool) and value >= 16


def _detect_sizes(max_side):
    """``max_side`` as a tuple of increasing sizes ((None,) for full size),
    or a ValueError naming the value."""
    if max_side is None:
        return (None,)
    sizes = tuple(max_side) if isinstance(max_side, (list, tuple)) else (max_side,)
    ok = len(sizes) > 0 and all(_is_size(v) for v in sizes)
    if not ok or any(a >= b for a, b in zip(sizes, sizes[1:], strict=False)):
        raise ValueError("max_side must be None, a size of at least 16 pixels, or "
                         f"increasing sizes of at least 16 pixels; got {max_side!r}.")
    return sizes


#: The axes of RetinaFace's input that change from call to call (batch, height,
#: width), with their smallest sizes, for its ONNX Runtime copy.
_RETINAFACE_DYNAMIC = {0: 1, 2: 16, 3: 16}


def _retinaface_detector(threshold, runtime):
    """``image -> (boxes, scores, landmarks)`` keeping faces above ``threshold()``,
    RetinaFace run by ``runtime`` ("torch" or "onnxruntime")."""
    import torch

    from ._retinaface import detect_batch, load_retinaface

    net = load_retinaface(fetch_weights("retinaface_mnet025"))
    if runtime == "onnxruntime":
        net = onnx_copy(net, torch.zeros(2, 3, 64, 64), dynamic=_RETINAFACE_DYNAMIC)

    def run(img):
        (found,) = detect_batch(net, as_rgb(img)[None], threshold=threshold())
        return found

    def batch(imgs):  # same-size images
        return detect_batch(net, np.stack([as_rgb(img) for img in imgs]),
                            threshold=threshold())
    run.batch = batch
    return run


def _haar_detector():
    import cv2

    if not hasattr(cv2, "CascadeClassifier"):
        raise ImportError("This OpenCV has no CascadeClassifier (OpenCV 5 removed it); "
                          "install opencv-python-headless<5.")
    frontal = cv2.CascadeClassifier(cv2.data.haarcascades + "haarcascade_frontalface_default.xml")
    profile = cv2.CascadeClassifier(cv2.data.haarcascades + "haarcascade_profileface.xml")

    def cascade(clf, gray):
        boxes, _, weights = clf.detectMultiScale3(
            gray, scaleFactor=1.1, minNeighbors=4, minSize=(20, 20), outputRejectLevels=True)
        if len(boxes) == 0:
            return np.zeros((0, 4)), np.zeros(0)
        b = np.asarray(boxes, dtype=float)
        return np.c_[b[:, :2], b[:, :2] + b[:, 2:]], np.asarray(weights, dtype=float).ravel()

    def run(img):
        gray = to_gray(img)
        width = gray.shape[1]
        fb, fs = cascade(frontal, gray)
        pb, ps = cascade(profile, gray)
        mb, ms = cascade(profile, np.ascontiguousarray(gray[:, ::-1]))
        if len(mb):
            mb = np.c_[width - mb[:, 2], mb[:, 1], width - mb[:, 0], mb[:, 3]]
        boxes = np.vstack([fb, pb, mb])
        scores = np.concatenate([fs, ps, ms])
        keep = non_max_suppression(boxes, scores)
        return boxes[keep], scores[keep]
    return run

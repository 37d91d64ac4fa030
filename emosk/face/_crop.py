"""Aligned face crops: the geometry of each alignment mode, and the crop's colour."""

from numbers import Integral

import numpy as np

from ._color import as_rgb, check_uint8_image, to_gray
from ._landmarks import eye_centers, five_points
from ._models import require_dlib

__all__ = ["ALIGN_MODES", "EYE_LAYOUTS", "FIVE_POINT_TEMPLATE", "align_face",
           "crop_color", "minmax_stretch", "resize_faces", "similarity_matrix",
           "whole_frame"]

#: Eye-based crop layouts, in units of the eye distance e2e: the crop starts
#: ``left`` e2e left of the (image-)left eye centre and ``top`` e2e above the
#: eyes, and is ``width`` by ``height`` e2e.
EYE_LAYOUTS = {
    # eyes at 30% and 70% of the width and 40% of the height
    "similarity": {"left": 0.75, "top": 1.0, "width": 2.5, "height": 2.5},
    # Ng et al. (2015): 0.62 e2e beside each eye, 0.9 above and 1.35 below
    "ng2015": {"left": 0.62, "top": 0.9, "width": 2.24, "height": 2.25},
    # the framing of FER2013's 48x48 faces: medians of dlib's eye centres on 420
    # PublicTest faces (eyes at 31% and 68% of the width, 39% of the height)
    "fer2013": {"left": 0.85, "top": 1.07, "width": 2.73, "height": 2.73},
}
ALIGN_MODES = ("similarity", "ng2015", "fer2013", "dlib-chip", "box", "five-point")

#: The five-point template of face-recognition networks (ArcFace, MobileFaceNet):
#: eye centres (image-left first), nose tip, mouth corners (image-left first), in
#: a 112x112 crop.
FIVE_POINT_TEMPLATE = np.array([(38.2946, 51.6963), (73.5318, 51.5014),
                                (56.0252, 71.7366), (41.5493, 92.3655),
                                (70.7299, 92.2041)])


def similarity_matrix(src, dst):
    """The 2x3 similarity transform (rotation, uniform scale, shift) taking ``src``
    to ``dst`` in the least-squares sense.

    Parameters
    ----------
    src, dst : ndarray of shape (k, 2), k >= 2

    Returns
    -------
    ndarray of shape (2, 3)

    Raises
    ------
    ValueError
        If ``src`` and ``dst`` are not the same ``(k, 2)`` shape with
        ``k >= 2`` finite points, or the points of ``src`` all coincide (no
        scale or rotation maps them).
    """
    src, dst = np.asarray(src, dtype=float), np.asarray(dst, dtype=float)
    if src.shape != dst.shape or src.ndim != 2 or src.shape[1:] != (2,) or len(src) < 2 \
            or not (np.isfinite(src).all() and np.isfinite(dst).all()):
        raise ValueError(f"src and dst must be the same (k, 2) finite points, k >= 2; got "
                         f"shapes {src.shape} and {dst.shape}.")
    if np.ptp(src, axis=0).max() == 0:
        raise ValueError("The points of src all coincide: no similarity maps them.")
    # x' = a x - b y + tx,  y' = b x + a y + ty: linear in (a, b, tx, ty)
    ones, zeros = np.ones(len(src)), np.zeros(len(src))
    rows = np.vstack([np.c_[src[:, 0], -src[:, 1], ones, zeros],
                      np.c_[src[:, 1], src[:, 0], zeros, ones]])
    (a, b, tx, ty), *_ = np.linalg.lstsq(rows, np.r_[dst[:, 0], dst[:, 1]], rcond=None)
    return np.array([[a, -b, tx], [b, a, ty]])


#: Most times a crop is drawn larger than asked, then averaged down, to shrink
#: a large face without aliasing (``_warp_crop``).
MAX_SUPERSAMPLE = 8


#: Pixels around the part of the image a crop reads that its gray copy keeps
#: (:func:`_gray_source`): bilinear reads reach one pixel past a sample point.
_SOURCE_MARGIN = 2


def _gray_source(image, matrix, size):
    """The part of a colour ``image`` that a ``size`` crop by ``matrix`` reads,
    made gray, and the matrix that maps it onto the same crop.

    Only that part is converted (a face of a 1080p frame, not the frame), so
    the warp that follows reads one channel instead of three.  The part is
    the box around the crop's corners (its pixels' outer edges) mapped back
    into the image, with :data:`_SOURCE_MARGIN` pixels around it, clipped to
    the image: where it is clipped the crop reaches past the image, whose
    replicated border is then the part's own.
    """
    import cv2

    h, w = image.shape[:2]
    # a crop pixel's footprint reaches half a pixel past its centre, and the
    # supersampled drawing samples all of it
    lo, hi = -0.5, size - 0.5
    corners = np.array([[[lo, lo], [hi, lo], [lo, hi], [hi, hi]]])
    points = cv2.transform(corners, cv2.invertAffineTransform(matrix))[0]
    x0, y0 = np.clip(np.floor(points.min(axis=0)) - _SOURCE_MARGIN, 0, [w - 1, h - 1])
    x1, y1 = np.clip(np.ceil(points.max(axis=0)) + _SOURCE_MARGIN + 1, [x0 + 1, y0 + 1],
                     [w, h])
    x0, y0, x1, y1 = (int(v) for v in (x0, y0, x1, y1))
    shifted = matrix.copy()
    shifted[:, 2] += matrix[:, :2] @ [x0, y0]  # part pixel (x, y) is image (x + x0, y + y0)
    return to_gray(image[y0:y1, x0:x1]), shifted


def _warp_crop(image, matrix, size, *, gray=False):
    """The ``size`` x ``size`` crop that the affine ``matrix`` maps ``image`` onto,
    without aliasing where it shrinks the face.

    ``cv2.warpAffine`` reads each crop pixel from the 2x2 image pixels around
    its source point, whatever the scale, so a face shrunk several times (a
    270 px face of a 720x576 frame into an 80 px crop) comes out aliased: sharp,
    grainy and moved by a pixel's shift of the landmarks, unlike the blurred
    faces the networks learn from.  Where the matrix shrinks by ``s < 1``, the
    crop is drawn ``k = ceil(1 / s)`` times larger (at most
    :data:`MAX_SUPERSAMPLE`) and each ``k`` x ``k`` block averaged
    (``cv2.INTER_AREA``), the block centres on the crop's pixel centres: each
    crop pixel is then the mean of the image over its own footprint.  A crop
    that does not shrink (scale 1 or more) is the plain bilinear warp.

    Parameters
    ----------
    image : ndarray of shape (H, W) or (H, W, C), uint8
    matrix : array-like of shape (2, 3)
        Image coordinates to crop coordinates (``cv2.warpAffine``'s forward
        map).
    size : int
        Side of the crop in pixels.
    gray : bool, default=False
        Make the crop gray: a colour image's part that the crop reads is
        made gray first (:func:`_gray_source`), so the warp and the
        averaging work on one channel instead of three (on SFEW's 143x181
        photos a crop took about a third of the time).

    Returns
    -------
    ndarray of shape (size, size) or (size, size, C), uint8
        Image borders are replicated where the crop reaches past them.
    """
    import cv2

    matrix = np.asarray(matrix, dtype=float)
    scale = float(np.sqrt(abs(np.linalg.det(matrix[:, :2]))))
    if gray and image.ndim == 3 and scale > 0 and np.isfinite(matrix).all():
        image, matrix = _gray_source(image, matrix, size)
    elif gray:  # a matrix with no inverse reads no one part: the whole image made gray
        image = to_gray(image)
    k = min(int(np.ceil(1.0 / scale - 1e-9)), MAX_SUPERSAMPLE) if 0 < scale < 1 else 1
    if k == 1:
        return cv2.warpAffine(image, matrix, (size, size), flags=cv2.INTER_LINEAR,
                              borderMode=cv2.BORDER_REPLICATE)
    large = matrix * k
    large[:, 2] += (k - 1) / 2  # crop pixel i's centre: k * i + (k - 1) / 2 in the drawing
    drawn = cv2.warpAffine(image, large, (size * k, size * k), flags=cv2.INTER_LINEAR,
                           borderMode=cv2.BORDER_REPLICATE)
    return cv2.resize(drawn, (size, size), interpolation=cv2.INTER_AREA)


def _five_point_warp(image, landmarks, size, gray):
    template = FIVE_POINT_TEMPLATE * (size / 112.0)
    return _warp_crop(image, similarity_matrix(five_points(landmarks), template), size,
                      gray=gray)


def minmax_stretch(image):
    """Stretch intensities linearly to the full range [0, 255] (uint8)."""
    img = np.asarray(image, dtype=np.float32)
    lo, hi = float(img.min()), float(img.max())
    if hi - lo < 1e-6:
        return np.zeros(img.shape, dtype=np.uint8)
    return np.round((img - lo) * (255.0 / (hi - lo))).astype(np.uint8)


def _eye_warp(image, left, right, layout, size, gray):
    import cv2

    u = (right - left) / np.hypot(*(right - left))
    v = np.array([-u[1], u[0]])  # image "down" when the eyes are level
    e2e = float(np.hypot(*(right - left)))
    origin = left - layout["left"] * e2e * u - layout["top"] * e2e * v
    sx, sy = size / (layout["width"] * e2e), size / (layout["height"] * e2e)
    # output (x, y) -> image origin + x/sx u + y/sy v
    inverse = np.array([[u[0] / sx, v[0] / sy, origin[0]],
                        [u[1] / sx, v[1] / sy, origin[1]]])
    return _warp_crop(image, cv2.invertAffineTransform(inverse), size, gray=gray)


def _box_crop(image, box, size, margin, gray):
    x0, y0, x1, y1 = box
    side = max(x1 - x0, y1 - y0) * (1 + 2 * margin)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    scale = size / side
    matrix = np.array([[scale, 0, size / 2 - scale * cx],
                       [0, scale, size / 2 - scale * cy]])
    return _warp_crop(image, matrix, size, gray=gray)


def _dlib_chip(image, landmarks, box, size, padding):
    dlib = require_dlib()
    rect = dlib.rectangle(*[int(round(v)) for v in box])
    parts = [dlib.point(int(round(x)), int(round(y))) for x, y in landmarks]
    shape = dlib.full_object_detection(rect, parts)
    return dlib.get_face_chip(as_rgb(image), shape, size=size, padding=padding)


def crop_color(mode, color):
    """The colour of the crops of an alignment mode: the one gray rule.

    Parameters
    ----------
    mode : {"similarity", "ng2015", "fer2013", "dlib-chip", "box", "five-point"}
        Alignment mode (see :func:`align_face`).
    color : {"rgb", "gray"}
        The colour asked for.

    Returns
    -------
    {"rgb", "gray"}
        ``"gray"`` when ``color`` is ``"gray"`` or ``mode`` is ``"ng2015"``
        (Ng et al. 2015 work on gray faces), else ``"rgb"``.  Gray crops are
        ``(size, size)`` arrays (:func:`~emosk.face.to_gray`'s pixels), RGB
        ones ``(size, size, 3)``.

    Examples
    --------
    >>> from emosk.face import crop_color
    >>> crop_color("ng2015", "rgb"), crop_color("similarity", "rgb")
    ('gray', 'rgb')
    """
    return "gray" if mode == "ng2015" or color == "gray" else "rgb"


def _check_size(size):
    if not (isinstance(size, Integral) and not isinstance(size, bool) and size >= 1):
        raise ValueError(f"size must be a positive integer (pixels); got {size!r}.")


def _check_crop_inputs(image, box, landmarks, size, mode):
    """Refuse what :func:`align_face` would crop into nonsense without an error: a
    non-uint8 or empty image, a box or landmarks that are not finite, a box
    without area in ``box`` mode, a size that is not a positive integer."""
    _check_size(size)
    check_uint8_image(image, "align_face")
    corners = np.asarray(box, dtype=float)
    if corners.shape != (4,) or not np.isfinite(corners).all():
        raise ValueError(f"box must be 4 finite numbers (x0, y0, x1, y1); got {box!r}.")
    if mode == "box" and (corners[2] <= corners[0] or corners[3] <= corners[1]):
        raise ValueError(f"box (x0, y0, x1, y1) must have x1 > x0 and y1 > y0; got "
                         f"{corners.tolist()}.")
    if landmarks is not None and not np.isfinite(np.asarray(landmarks, dtype=float)).all():
        raise ValueError("landmarks must be finite; got NaN or infinite values.")


def align_face(image, *, box, landmarks=None, mode="similarity", size=128, margin=0.2,
               padding=0.25, color="rgb", layout="dlib"):
    """Crop and align one face.

    Parameters
    ----------
    image : ndarray of shape (H, W, 3) or (H, W), uint8
        RGB or gray image.
    box : array-like of 4 floats
        Detected face box ``(x0, y0, x1, y1)``.
    landmarks : ndarray of shape (68, 2) or (5, 2), default=None
        Needed by every mode but ``"box"``.
    mode : {"similarity", "ng2015", "fer2013", "dlib-chip", "box", "five-point"}, \
            default="similarity"
        ``similarity``: rotate and scale so the eye centres land at 30% and
        70% of the width, 40% of the height; ``ng2015``: eyes level, 0.62 e2e
        beside each eye, 0.9 e2e above and 1.35 e2e below, gray, min-max
        stretched (Ng et al. 2015); ``fer2013``: the framing of FER2013's
        faces (eyes at 31% / 68% of the width, 39% of the height), the input
        of emosk's pretrained model; ``dlib-chip``: dlib's ``get_face_chip``
        (the input of dlib's face-recognition ResNet at size 150, padding
        0.25); ``box``: the box enlarged by ``margin`` on each side;
        ``five-point``: the similarity transform that best maps the eye
        centres, nose tip and mouth corners (:func:`five_points`) onto
        :data:`FIVE_POINT_TEMPLATE` (the input of MobileFaceNet and other
        face-recognition networks at size 112).
    size : int, default=128
        Output side in pixels.
    margin : float, default=0.2
        ``box`` mode: margin as a fraction of the box side.
    padding : float, default=0.25
        ``dlib-chip`` mode: dlib's padding.
    color : {"rgb", "gray"}, default="rgb"
        Output colour (``ng2015`` is always gray).  A gray crop of a colour
        image is warped from the image's part it reads, made gray first: the
        same crop as the image's gray copy gives, at a third of the warp's
        cost.
    layout : {"dlib", "template"}, default="dlib"
        How ``landmarks`` are read (see :data:`~emosk.face.LANDMARK_LAYOUTS`):
        dlib's points, or five template points (RetinaFace's), which every
        mode but ``dlib-chip`` takes.

    Returns
    -------
    ndarray of uint8, shape (size, size, 3) or (size, size)
        A face larger than the crop is averaged over each crop pixel's
        footprint, not read at one point (every mode but ``dlib-chip``): the
        crop is drawn up to 8 times larger, then shrunk by area.  A 270 px
        face of a 720x576 frame then gives the crop the same face filmed at
        80 px would, not an aliased one whose pixels jump with each shift of
        the landmarks.  On close-ups of 43 eNTERFACE frames enlarged to 1500
        and 3000 px, the default model's answer matched its answer on the
        720x576 frame in 86% and 88% of them, against 77% and 72% with
        plain bilinear crops (``benchmarks/results/large_photos.md``); a
        crop costs about 0.1 ms more.

    Raises
    ------
    TypeError
        If ``image`` is not a uint8 array.
    ValueError
        For an unknown ``mode``, a mode without the landmarks it needs, an
        image without pixels, a ``box`` that is not 4 finite numbers (or,
        in ``box`` mode, has no area), landmarks that are not finite, or a
        ``size`` that is not a positive integer.
    """
    if mode not in ALIGN_MODES:
        raise ValueError(f"Unknown alignment mode {mode!r}; use one of {ALIGN_MODES}.")
    if mode != "box" and landmarks is None:
        raise ValueError(f"Alignment mode {mode!r} needs landmarks.")
    _check_crop_inputs(image, box, landmarks, size, mode)
    if mode == "dlib-chip" and layout == "template":
        raise ValueError("Alignment mode 'dlib-chip' needs dlib's landmarks, not five "
                         "template points.")
    gray = crop_color(mode, color) == "gray"  # a colour image's face made gray first
    if mode == "box":
        out = _box_crop(image, box, size, margin, gray)
    elif mode == "dlib-chip":
        out = _dlib_chip(image, landmarks, box, size, padding)
    elif mode == "five-point":
        out = _five_point_warp(image, landmarks, size, gray)
    else:
        left, right = eye_centers(landmarks, layout=layout)
        out = _eye_warp(image, left, right, EYE_LAYOUTS[mode], size, gray)
    if mode == "ng2015":
        return minmax_stretch(to_gray(out))
    return to_gray(out) if gray else as_rgb(out)


def resize_faces(images, size):
    """A stack of face crops resized to ``size`` x ``size`` (area interpolation when
    shrinking, bilinear when enlarging).

    Parameters
    ----------
    images : ndarray of shape (n, H, W) or (n, H, W, C), uint8
    size : int

    Returns
    -------
    ndarray of shape (n, size, size[, C])
        ``images`` itself when already of that side.
    """
    import cv2

    _check_size(size)
    images = np.asarray(images)
    if images.ndim not in (3, 4) or len(images) == 0:
        raise ValueError(f"Expected a non-empty stack (n, H, W[, C]) of images; got "
                         f"shape {images.shape}.")
    if images.shape[1:3] == (size, size):
        return images
    shrink_ = images.shape[1] * images.shape[2] > size * size
    flag = cv2.INTER_AREA if shrink_ else cv2.INTER_LINEAR
    return np.stack([cv2.resize(img, (size, size), interpolation=flag)
                     for img in images])


def whole_frame(image, *, size, color="rgb"):
    """The whole image resized to ``size`` x ``size`` (the fallback without a face),
    in ``color`` (the crops', :func:`crop_color`)."""
    import cv2

    out = cv2.resize(image, (size, size), interpolation=cv2.INTER_AREA)
    return to_gray(out) if color == "gray" else as_rgb(out)

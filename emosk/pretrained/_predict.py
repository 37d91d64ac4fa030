"""Emotions of the faces in an image or a video, with a shipped or fitted model."""

import collections
import os
import warnings
from concurrent.futures import ThreadPoolExecutor
from numbers import Integral, Real
from pathlib import Path

import numpy as np

from ..face import FaceFinder, face_path_params, iter_aligned_faces
from ..io import MediaReadError, prefetched, read_image, video_info
from ..nn import (
    DEFAULT_MODEL,
    PRETRAINED,
    runs_onnxruntime,
    small_batch_threads,
    worker_threads,
)
from ..pooling import CLIP_METHODS, pool_probabilities
from ..utils import check_images, fetch_weights, images_to_uint8, progress_bar
from ._models import face_aligner, load

__all__ = ["predict_image", "predict_images", "predict_video", "clear_loaded",
           "image_aligner", "video_aligner", "NoFaceError", "NO_FACE_OPTIONS",
           "IMAGE_FACE_PATH", "IMAGE_FALLBACK_PATH", "IMAGE_THRESHOLD"]

#: dlib-HOG score threshold for faces in photos (with ``detector="dlib-hog"``):
#: every face is reported there, so weak detections (badges, patterns) are left
#: out; videos keep the low threshold of Knyazev et al. (2017) since one person
#: is followed.
IMAGE_THRESHOLD = 0.5

#: The face path of photos (:func:`image_aligner`): RetinaFace, whose own five
#: points frame each face (no landmark model), every face reported.  It finds a
#: face in 97% of NHFI's tight 96 px photos where dlib's HOG finds 16%, and with
#: ONNX Runtime costs 0.4 ms a photo instead of 2.5 ms
#: (``benchmarks/results/photo_speed.md``).  Photos larger than 480 px are
#: detected in a copy of 480 px and, for the faces too small there, in the
#: photo itself or a copy of 1280 px from 960 px on (``detect_size``, see
#: :class:`~emosk.face.FaceDetector`'s ``max_side``): at full size a face
#: larger than RetinaFace's anchors (512 px) came out as several faces (SFEW's
#: faces enlarged to 715x905: 2.5 "faces" a photo, accuracy 0.26 instead of
#: 0.48) and a 4000 px photo took 0.7-0.9 s
#: (``benchmarks/results/large_photos.md``).  A photo smaller than 128 px
#: where RetinaFace finds no face is detected in again on a copy enlarged to
#: 128 px (``detect_min_size``): a face is then found in 96% of FER2013's 48 px
#: thumbnails instead of 43% (``benchmarks/results/small_photos.md``).  A photo
#: of 480 to 960 px without a face in its 480 px copy is detected in again at
#: its own size (``detect_retry_size``), for the faces too small for the copy
#: (16-32 px).  Faces narrower than 24 px are left out
#: (``min_face_size``): below that the default model loses 8 to 14 points of
#: accuracy on the same faces, more of its answers turning into *sad*
#: (``benchmarks/results/face_sizes.md``).  RetinaFace's weights are not in the
#: package: :func:`image_aligner` falls back on :data:`IMAGE_FALLBACK_PATH` where
#: they can be neither found nor downloaded.
IMAGE_FACE_PATH = {"detector": "retinaface", "landmarks": "detector", "threshold": None,
                   "select": "all", "detect_size": (480, 1280), "detect_min_size": 128,
                   "detect_retry_size": 1280, "min_face_size": 24}

#: The photo path without RetinaFace's weights (offline, no ``EMOSK_WEIGHTS``):
#: dlib's HOG, upsampled, and its 68 landmarks, every face above
#: :data:`IMAGE_THRESHOLD`, large and small photos detected in the same copies; it
#: finds fewer faces in tight crops and costs about 3 ms a photo instead of 0.4.
IMAGE_FALLBACK_PATH = {"detector": "dlib-hog", "threshold": IMAGE_THRESHOLD,
                       "select": "all", "detect_size": (480, 1280),
                       "detect_min_size": 128}

#: What one image or file may raise and still leave the others to run: unreadable
#: or malformed media (MediaReadError is a ValueError), no face with
#: ``no_face="error"``, and a frame or image too large for memory.
FILE_ERRORS = (OSError, ValueError, RuntimeError, MemoryError)

#: What :func:`predict_image` and :func:`predict_video` do where no face is found.
NO_FACE_OPTIONS = ("skip", "whole-image", "error")


class NoFaceError(ValueError):
    """No face was found in an image (or in any frame of a video) and
    ``no_face="error"`` was asked for."""


def _check_no_face(no_face):
    if no_face not in NO_FACE_OPTIONS:
        raise ValueError(f"no_face must be one of {NO_FACE_OPTIONS}; got {no_face!r}.")


def _check_faces(faces):
    if faces not in ("main", "all"):
        raise ValueError(f"faces must be 'main' or 'all'; got {faces!r}.")


def _check_fps(fps):
    if fps is not None and (isinstance(fps, bool) or not isinstance(fps, Real) or fps <= 0):
        raise ValueError(f"fps must be None (every frame) or a positive number of frames a "
                         f"second; got {fps!r}.")


def _positive_int(value):
    return isinstance(value, Integral) and not isinstance(value, bool) and value >= 1


def _check_batch_size(batch_size):
    if not _positive_int(batch_size):
        raise ValueError(f"batch_size must be a positive integer; got {batch_size!r}.")


def _check_clip(clip):
    if clip not in CLIP_METHODS:
        raise ValueError(f"clip must be one of {CLIP_METHODS}; got {clip!r}.")


def image_aligner(name=DEFAULT_MODEL, **params):
    """The FaceAligner :func:`predict_image` uses by default.

    :data:`IMAGE_FACE_PATH`: RetinaFace and its five points, every face
    with a face probability above
    :data:`~emosk.face.RETINAFACE_THRESHOLD` (``select="all"``), the
    model's crops (:func:`face_aligner`).  Another
    ``detector`` fits dlib's landmarks instead, with the dlib threshold
    :data:`IMAGE_THRESHOLD` unless ``threshold`` is given.

    RetinaFace's weights are downloaded on first use (or read from
    ``EMOSK_WEIGHTS``, see :func:`~emosk.utils.fetch_weights`).  Where they
    can be neither found nor downloaded and no ``detector`` is named, the
    aligner takes :data:`IMAGE_FALLBACK_PATH` (dlib's HOG and 68
    landmarks) and a ``RuntimeWarning`` says so, naming where to put the
    file.

    Parameters
    ----------
    name : str, default="mobilefacenet80_fer_nhfi"
        The shipped model whose input faces it makes.
    **params
        Other :class:`~emosk.face.FaceAligner` parameters.

    Returns
    -------
    emosk.face.FaceAligner
        Unfitted.
    """
    if "detector" not in params:
        base = dict(IMAGE_FACE_PATH if _retinaface_at_hand(
            "Photos go through dlib's HOG and 68 landmarks instead "
            "(emosk.pretrained.IMAGE_FALLBACK_PATH), which find fewer faces in tight "
            "crops.") else IMAGE_FALLBACK_PATH)
    elif params["detector"] == "retinaface":
        base = dict(IMAGE_FACE_PATH)
    else:
        base = dict(IMAGE_FALLBACK_PATH)
    return face_aligner(name, **{**base, **params})


def _retinaface_at_hand(fallback):
    """Whether RetinaFace's weights are at hand (found or downloaded); if not, a
    RuntimeWarning that says why and then ``fallback`` (what is used instead)."""
    try:
        fetch_weights("retinaface_mnet025")
    except FileNotFoundError as err:
        warnings.warn(f"{err} {fallback}", RuntimeWarning, stacklevel=3)  # the caller's
        return False
    return True


#: Shipped models and fitted default aligners, loaded once per process (keyed by
#: their settings), as ``predict_image`` / ``predict_video`` in a loop need them.
_LOADED = {}


def _loaded(key, make):
    """``make()``'s result, made once per process for ``key``."""
    if key not in _LOADED:
        _LOADED[key] = make()
    return _LOADED[key]


def clear_loaded():
    """Forget the shipped models and default aligners kept for this process."""
    _LOADED.clear()


def _shipped_name(model):
    """The shipped model a fitted classifier was loaded from, or None."""
    weights = getattr(model, "weights", None)
    return weights if isinstance(weights, str) and weights in PRETRAINED else None


def _model_and_aligner(model, aligner, make_aligner, *, tta=False, key=()):
    """The fitted model and the fitted aligner a prediction uses.

    A shipped model's name is loaded once per process (with ``tta``); a
    classifier loaded from a shipped model (``load(name)``) gets that model's
    default aligner; any other classifier needs ``aligner``.  ``tta=True``
    with a classifier that has no test-time views is refused rather than
    ignored.  Default aligners are fitted once per process for each ``key``
    (their settings).
    """
    name = model if isinstance(model, str) else _shipped_name(model)
    if tta and not isinstance(model, str) and not getattr(model, "tta", False):
        raise ValueError(
            "tta=True applies to a shipped model's name; the classifier passed as model "
            "has no test-time views, and it is not changed here. Load it with them "
            "(emosk.pretrained.load(name, tta=True)) or pass the model's name.")
    if isinstance(model, str):
        model = _loaded(("model", name, bool(tta)), lambda: load(name, tta=tta))
    if aligner is None:
        if name is None:
            raise ValueError(
                "With a classifier that is not a shipped model, pass the FaceAligner that "
                "makes its input faces as aligner= (e.g. emosk.pretrained.image_aligner"
                "(name, ...) for photos, video_aligner(name, ...) for videos, with the "
                "settings of the faces it was trained on).")
        return model, _loaded(("aligner", name, *key), lambda: make_aligner(name).fit())
    if not hasattr(aligner, "detector_"):
        aligner = aligner.fit()
    return model, aligner


def _one_image(image):
    """The image of :func:`predict_image` as an ``(H, W[, C])`` uint8 array: a file
    read, an array checked and, if floating point, converted by the one rule
    (:func:`~emosk.utils.validation.images_to_uint8`)."""
    if isinstance(image, (list, tuple)) and image and all(
            isinstance(item, (str, Path, np.ndarray)) for item in image):
        raise ValueError(f"predict_image takes one image; got a {type(image).__name__} of "
                         f"{len(image)} images or files. {_MANY}")
    rgb = read_image(image) if isinstance(image, (str, Path)) else np.asarray(image)
    if rgb.ndim not in (2, 3):
        raise ValueError(f"image must have shape (H, W) or (H, W, C); got shape {rgb.shape}. "
                         f"{_MANY}")
    return images_to_uint8(check_images(rgb[None]))[0]


#: What the error of :func:`predict_image` given many images says to use instead.
_MANY = ("For many images use predict_images, which returns one list of faces per image "
         "and classifies them in batches.")


def _left_to_right(faces):
    """Faces ordered by the left edge of their box, then its top edge."""
    return sorted(faces, key=lambda face: (float(face.box[0]), float(face.box[1])))


def predict_image(image, *, model=DEFAULT_MODEL, aligner=None, no_face="skip", tta=False):
    """Emotion probabilities of every face in one image.

    Parameters
    ----------
    image : str, path-like or ndarray of shape (H, W[, 3])
        An image file or an RGB (or gray) array: uint8, or floating point in
        [0, 1] or [0, 255] (converted by
        :func:`~emosk.utils.validation.images_to_uint8`).
    model : str or fitted classifier, default="mobilefacenet80_fer_nhfi"
        A shipped model's name (see :func:`available_models`), a model
        returned by :func:`load` (``load(precision="int8")``: the default
        model's int8 graph, faster on a CPU), or another fitted classifier
        of aligned faces, then with ``aligner``.  Shipped models and their
        default aligners are loaded once per process and kept
        (:func:`clear_loaded` forgets them), so calls in a loop cost only the
        work on the image.
    aligner : FaceAligner, default=None
        Makes the model's input faces; by default :func:`image_aligner`.
    no_face : {"skip", "whole-image", "error"}, default="skip"
        What to do when no face is detected: return an empty list
        (``"skip"``), classify the whole image as if it were a face and mark
        it ``found=False`` (``"whole-image"``), or raise :class:`NoFaceError`
        (``"error"``).
    tta : bool, default=False
        With a shipped model's name: average the 18 test-time views of each
        face (flips, rotations, scalings), at 18 times the network's cost
        (about 10 times a photo's); a classifier passed as ``model`` keeps
        its own setting (``load(name, tta=True)``), and ``tta=True`` with
        one that has no views raises ``ValueError``.  For the default model
        they changed UAR on real photos and clips by -1.2 to +2.5 points
        (NHFI's photos -0.9, SFEW's movie faces +2.5, CK+ clips -1.2) and
        added 1.3 points of accuracy on FER2013's thumbnails
        (``benchmarks/results/real_faces.md``).

    Returns
    -------
    list of dict
        One per face, numbered left to right (by the left edge of the box,
        then its top edge): ``face`` (that number, from 0), ``found`` (False
        only for the ``"whole-image"`` fallback), ``box`` ``(x0, y0, x1, y1)``,
        ``score`` (detector's; NaN for the fallback), ``emotion`` (the most
        probable class) and ``probabilities`` (class -> probability).  Empty
        when no face is found and ``no_face="skip"``.

    Raises
    ------
    MediaReadError
        If ``image`` is a file that is missing or cannot be decoded.
    NoFaceError
        If no face is found and ``no_face="error"``.
    ValueError
        If ``no_face`` is not one of the three options, or the image array
        has a shape images cannot have, holds NaN, or is floating point with
        values in neither [0, 1] nor [0, 255]; also for many images (a list
        of arrays or files, or an ``(n, H, W[, C])`` batch), which
        :func:`predict_images` takes.
    TypeError
        If the image array is neither uint8 nor floating point.

    Examples
    --------
    >>> import numpy as np
    >>> from emosk.pretrained import predict_image
    >>> predict_image(np.full((60, 80, 3), 128, np.uint8))  # a gray card: no face
    []
    >>> [f["found"] for f in predict_image(np.full((60, 80, 3), 128, np.uint8),
    ...                                    no_face="whole-image")]
    [False]
    """
    _check_no_face(no_face)
    model, aligner = _model_and_aligner(model, aligner, image_aligner, tta=tta,
                                        key=("image",))
    rgb, faces, crops = _image_crops(image, FaceFinder(aligner), no_face)
    if not crops:
        return []
    return _face_records(rgb.shape[:2], faces, model.predict_proba(np.stack(crops)),
                         model.classes_)


def _image_crops(image, finder, no_face):
    """One image's pixels, its faces (left to right) and their crops; the
    whole image's crop when it has none and ``no_face="whole-image"``."""
    rgb = _one_image(image)
    return (rgb, *_faces_and_crops(image, rgb, finder.find(rgb), finder, no_face))


def _faces_and_crops(image, rgb, found, finder, no_face):
    """The faces ``found`` in ``rgb`` left to right and their crops, or the
    ``no_face`` answer (raised, none, or the whole image's crop)."""
    faces = _left_to_right(found)
    if not faces:
        where = f" in {image}" if isinstance(image, (str, Path)) else " in the image"
        if no_face == "error":
            raise NoFaceError(f"No face found{where}.")
        if no_face == "skip":
            return faces, []
    crops = [finder.crop(rgb, face) for face in faces] or [finder.crop_whole(rgb)]
    return faces, crops


def _face_records(size, faces, probs, classes):
    """The dicts :func:`predict_image` returns, one per row of ``probs``, for an
    image of ``size`` ``(height, width)``."""
    h, w = size
    whole = (0.0, 0.0, float(w), float(h))
    boxes = [tuple(float(v) for v in face.box) for face in faces] or [whole]
    scores = [face.score for face in faces] or [float("nan")]
    return [{"face": i, "found": bool(faces), "box": boxes[i], "score": scores[i],
             "emotion": str(classes[np.argmax(p)]),
             "probabilities": dict(zip(map(str, classes), map(float, p)))}
            for i, p in enumerate(probs)]


#: Images whose faces :func:`predict_images` finds together
#: (:meth:`~emosk.face.FaceFinder.find_many`: RetinaFace in one batch).
_FIND_CHUNK = 16


#: Pixels of the images whose faces are found together (a chunk of large
#: photos goes in smaller groups): a group closes once it holds 16 million,
#: sixteen 1000x1000 photos or two 12-megapixel ones, so that a worker holds
#: about 50 MB of decoded pixels plus one photo, however large the photos
#: (``benchmarks/results/photo_memory.md``).
_FIND_PIXELS = 16_000_000


def _crops_of_images(images, finder, no_face, catch):
    """:func:`_crops_of_chunk` of each chunk of ``_FIND_CHUNK`` images."""
    for chunk in _chunks(images, _FIND_CHUNK):
        yield from _crops_of_chunk(chunk, finder, no_face, catch)


def _crops_of_chunk(images, finder, no_face, catch):
    """``(size, faces, crops)`` of each image, as :func:`_image_crops` gives
    them but with the image's ``(height, width)`` for its pixels, the faces
    of consecutive images found together until they hold
    :data:`_FIND_PIXELS`; with ``catch``, an image that fails with one of
    those errors gives ``(None, error, [])`` instead of raising."""
    read, pixels = [], 0
    for image in images:
        try:
            rgb = _one_image(image)
        except catch as err:
            read.append((image, None, err))
            continue
        read.append((image, rgb, None))
        pixels += rgb.shape[0] * rgb.shape[1]
        if pixels >= _FIND_PIXELS:  # large photos: found and let go a few at a time
            yield from _found_and_cropped(read, finder, no_face, catch)
            read, pixels = [], 0
    yield from _found_and_cropped(read, finder, no_face, catch)


def _found_and_cropped(read, finder, no_face, catch):
    """The faces of the images ``read`` (``(image, rgb or None, error or
    None)``) found together, as :func:`_crops_of_chunk` yields them."""
    found = iter(finder.find_many([rgb for _, rgb, err in read if err is None]))
    for image, rgb, err in read:
        if err is not None:
            yield None, err, []
            continue
        faces = next(found)
        try:
            # the size, not the pixels: an image waiting for its answers holds
            # only its crops
            yield (rgb.shape[:2], *_faces_and_crops(image, rgb, faces, finder, no_face))
        except catch as error:
            yield None, error, []


def predict_images(images, *, model=DEFAULT_MODEL, aligner=None, no_face="skip", tta=False,
                   batch_size=64, on_error=None, n_workers=None):
    """Emotion probabilities of every face in many images, the network in batches.

    The same answers as :func:`predict_image` on each image, faster on many.
    With a network run by ONNX Runtime on the CPU (the shipped models where
    the ``onnx`` extra is installed, see :func:`~emosk.nn.runs_onnxruntime`)
    and no test-time views, worker threads (``n_workers``, one more than
    torch's thread count) each read, find, crop and classify 16 images at a
    time on one ONNX Runtime thread (:func:`~emosk.nn.worker_threads`), a
    few chunks ahead of the results: on this project's 2 cores, 9-28% less
    time a photo than the pipeline below in two runs
    (``benchmarks/results/photo_speed.md``).  Otherwise (or with
    ``n_workers=1``) faces are found in a background thread
    (:func:`~emosk.io.prefetched`) while the network classifies the faces of
    earlier images, ``batch_size`` faces at a time, on torch's threads.
    Either way an image's pixels are let go once its faces are cropped, and
    large photos are found a few at a time, so memory does not grow with
    their size: on 64 JPEG files of 12 megapixels the process grew by 560
    MB with the workers and 243 MB with one thread (49 MB for one
    :func:`predict_image` call at a time), and the workers ran 1.43 times
    as fast as those calls (``benchmarks/results/photo_memory.md``).

    Parameters
    ----------
    images : iterable of str, path-like or ndarray
        Image files or arrays, as :func:`predict_image` takes them.
    model, aligner, no_face, tta
        As for :func:`predict_image`.
    batch_size : int, default=64
        Faces per forward pass, at most (a worker's pass holds the faces of
        its 16 images).
    on_error : callable, default=None
        Called as ``on_error(index, error)`` for an image that cannot be read
        or used (the errors of :data:`FILE_ERRORS`: unreadable, wrong shape
        or dtype, no face with ``no_face="error"``); its entry in the output
        is then None and the other images go on.  By default the error is
        raised.
    n_workers : int, default=None
        Worker threads that each read, find, crop and classify 16 images at a
        time, a network run by ONNX Runtime on one thread in each (1: the
        pipeline of one thread finding faces while the network runs on
        torch's threads).
        None: one more than torch's thread count for a network run by ONNX
        Runtime on the CPU without test-time views, else 1.

    Returns
    -------
    list of list of dict
        For each image, what :func:`predict_image` returns (None for an image
        given to ``on_error``).

    Raises
    ------
    NoFaceError
        With ``no_face="error"``, at the first image without a face (unless
        ``on_error``).
    MediaReadError
        Naming the first image file that cannot be read (unless ``on_error``).
    ValueError
        If ``no_face`` is not one of the three options, ``batch_size`` is
        not a positive integer or ``n_workers`` is not None or one; or if
        ``images`` is one image (a file name, or an ``(H, W[, C])`` array),
        which :func:`predict_image` takes.

    Examples
    --------
    >>> import numpy as np
    >>> from skimage import data
    >>> from emosk.pretrained import predict_images
    >>> out = predict_images([data.astronaut(), np.full((60, 80, 3), 128, np.uint8)])
    >>> [[f["emotion"] for f in faces] for faces in out]
    [['happy'], []]
    """
    _check_no_face(no_face)
    _check_batch_size(batch_size)
    if n_workers is not None and not _positive_int(n_workers):
        raise ValueError(f"n_workers must be None or a positive integer; got {n_workers!r}.")
    _check_many(images)
    model, aligner = _model_and_aligner(model, aligner, image_aligner, tta=tta,
                                        key=("image",))
    finder = FaceFinder(aligner)
    catch = FILE_ERRORS if on_error is not None else ()
    workers = _image_workers(model) if n_workers is None else int(n_workers)
    if workers > 1:
        found = _classified_in_workers(images, model, finder, no_face, catch, batch_size,
                                       workers)
    else:
        found = _classified_in_pipeline(images, model, finder, no_face, catch, batch_size)
    out = []
    for index, (size, faces, probs) in enumerate(found):
        if size is None:  # faces holds the error
            on_error(index, faces)
            out.append(None)
        else:
            out.append(_face_records(size, faces, probs, model.classes_) if len(probs) else [])
    return out


def _check_many(images):
    """Refuse one image given to :func:`predict_images` as if it were many: a file
    name (not read as its characters) or one ``(H, W[, C])`` array (not read as
    its rows); an array of images must be a batch (:func:`~emosk.utils.check_images`)."""
    if isinstance(images, (str, Path)):
        raise ValueError(f"predict_images takes many images; got one file name {str(images)!r}. "
                         "Pass [path], or use predict_image.")
    if isinstance(images, np.ndarray):
        try:
            check_images(images)
        except ValueError as err:
            raise ValueError(f"predict_images takes many images: {err} For one image use "
                             "predict_image.") from err


def _image_workers(model):
    """Threads :func:`predict_images` finds and classifies faces in side by
    side: one more than torch's thread count for a network run by ONNX
    Runtime on the CPU without test-time views (while one holds Python's
    lock, the others' ONNX Runtime and OpenCV work goes on: on 2 cores, 3
    workers took 6-8% less time a photo than 2 and 3-7% less than 4), else 1
    (one thread finds faces while the network runs on torch's threads)."""
    if not runs_onnxruntime(model) or getattr(model, "tta", False):
        return 1
    import torch  # loaded with the model

    return torch.get_num_threads() + 1


def _classified_in_pipeline(images, model, finder, no_face, catch, batch_size):
    """``(size, faces, probabilities)`` of each image in order (``None``, the
    error and no probabilities for an image that failed with one of
    ``catch``): the faces found a batch ahead in a background thread while
    the network classifies ``batch_size`` faces at a time on torch's
    threads."""
    found = prefetched(_crops_of_images(images, finder, no_face, catch), batch_size)
    waiting, crops = [], []
    # the next faces are found meanwhile: a few faces (the last batch) on one
    # thread, whatever the caller's small_batch_threads
    with small_batch_threads(1):
        for size, faces, image_crops in found:
            waiting.append((size, faces, len(image_crops)))
            crops += image_crops
            if len(crops) >= batch_size:
                yield from _split(waiting, model.predict_proba(np.stack(crops)))
                waiting, crops = [], []
        if waiting:
            probs = model.predict_proba(np.stack(crops)) if crops else np.empty((0, 0))
            yield from _split(waiting, probs)


def _split(waiting, probs):
    """``(size, faces, n)`` of consecutive images and their crops' ``probs`` as
    ``(size, faces, probabilities of its n crops)``."""
    start = 0
    for size, faces, n in waiting:
        yield size, faces, probs[start:start + n]
        start += n


def _classified_in_workers(images, model, finder, no_face, catch, batch_size, workers):
    """What :func:`_classified_in_pipeline` yields, each chunk of
    ``_FIND_CHUNK`` images read, found, cropped and classified by one of
    ``workers`` threads on one ONNX Runtime thread (:func:`_classified_chunk`),
    at most two chunks a worker ahead of the caller."""
    # threads of this call only: torch's threads that a worker starts (a first
    # ONNX export) end with it, instead of slowing the process's own torch
    # work for good (a persistent pool tripled torch's time on one face)
    pool = ThreadPoolExecutor(workers, thread_name_prefix="emosk-photos")
    pending = collections.deque()
    try:
        for chunk in _chunks(images, _FIND_CHUNK):
            pending.append(pool.submit(_classified_chunk, chunk, model, finder, no_face,
                                       catch, batch_size))
            if len(pending) > 2 * workers:
                yield from pending.popleft().result()
        while pending:
            yield from pending.popleft().result()
    finally:  # stopped early or failed: what has not started is not run
        pool.shutdown(wait=True, cancel_futures=True)


def _classified_chunk(chunk, model, finder, no_face, catch, batch_size):
    """A worker's share: ``(size, faces, probabilities)`` of each image of ``chunk``,
    its crops classified ``batch_size`` at a time on one ONNX Runtime thread."""
    with worker_threads(1):
        found = list(_crops_of_chunk(chunk, finder, no_face, catch))
        crops = [crop for _, _, image_crops in found for crop in image_crops]
        probs = [model.predict_proba(np.stack(crops[i:i + batch_size]))
                 for i in range(0, len(crops), batch_size)]
    probs = np.concatenate(probs) if probs else np.empty((0, 0))
    return list(_split([(size, faces, len(c)) for size, faces, c in found], probs))


def _chunks(items, size):
    """Lists of ``size`` consecutive items (the last one fewer)."""
    chunk = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def video_aligner(name=DEFAULT_MODEL, *, face_path=None, faces="main", **params):
    """The FaceAligner :func:`predict_video` uses by default.

    Parameters
    ----------
    name : str, default="mobilefacenet80_fer_nhfi"
        The shipped model whose input faces it makes.
    face_path : {"retinaface", "fast", "paper"} or None, default=None
        Detection settings, see :data:`emosk.face.FACE_PATHS`.  None:
        ``"retinaface"`` (RetinaFace and its five points in every frame)
        where RetinaFace's weights are at hand (found or downloaded), else
        ``"fast"`` (dlib's HOG and 68 landmarks) with a ``RuntimeWarning``
        naming where to put the file.
    faces : {"main", "all"}, default="main"
        Follow one face, or every face as its own track (``select="all"``).
    **params
        Other :class:`~emosk.face.FaceAligner` parameters (``fps``...).

    Returns
    -------
    emosk.face.FaceAligner
        Unfitted.
    """
    _check_faces(faces)
    select = {"select": "all"} if faces == "all" else {}
    if face_path is None:
        face_path = "retinaface" if _retinaface_at_hand(
            "Videos go through the 'fast' face path instead (dlib's HOG and 68 "
            "landmarks, emosk.face.FACE_PATHS).") else "fast"
    path = face_path_params(face_path)
    return face_aligner(name, **{**path, **select, **params})


def _face_batches(aligned, batch_size):
    """The records of :func:`~emosk.face.iter_aligned_faces` in groups that hold
    ``batch_size`` crops (the last one fewer): ``(records, has_crop, crops)``,
    ``crops`` stacked, or None when the group has none."""
    records, has_crop, crops = [], [], []
    for crop, rec in aligned:
        records.append(rec)
        has_crop.append(crop is not None)
        if crop is not None:
            crops.append(crop)
        if len(crops) == batch_size:
            yield records, has_crop, np.stack(crops)
            records, has_crop, crops = [], [], []
    if records:
        yield records, has_crop, np.stack(crops) if crops else None


def _clip(probs, faced, no_face, method="mean", classes=None):
    """Clip probabilities: pooled over the frames with a face (found or
    repeated); when there is none, over the classified whole frames with
    ``no_face="whole-image"``, else NaN."""
    use = faced
    if not faced.any() and no_face == "whole-image":
        use = np.isfinite(probs).all(axis=1)  # frames dropped by the aligner: none
    if use.any():
        return pool_probabilities(probs[use], method=method, classes=classes)
    return np.full(probs.shape[1], np.nan)


def _emotion(classes, clip):
    return str(classes[np.argmax(clip)]) if np.isfinite(clip).all() else None


def _track_results(classes, frames, times, tracks, found, boxes, scores, probs, method):
    """One dict per followed face, in the order of their ids."""
    out = []
    for tid in np.unique(tracks[tracks >= 0]):
        rows = (tracks == tid) & found
        clip = pool_probabilities(probs[rows], method=method, classes=classes)
        out.append({"track": int(tid), "frame": frames[rows], "time": times[rows],
                    "box": boxes[rows], "score": scores[rows], "probabilities": probs[rows],
                    "clip_probabilities": clip, "emotion": _emotion(classes, clip),
                    "n_frames": int(rows.sum())})
    return out


def _main_rows(frames, tracks, found, main):
    """Per analysed frame, the row of the main track (else the frame's first row)."""
    chosen = {}
    for i, (f, t) in enumerate(zip(frames, tracks)):
        if f not in chosen or (t == main and found[i]):
            chosen[f] = i
    return np.array(sorted(chosen.values()), dtype=int)


def predict_video(video, *, model=DEFAULT_MODEL, aligner=None, fps=None, batch_size=64,
                  no_face="skip", faces="main", face_path=None, tta=False, clip="mean",
                  verbose=False):
    """Per-frame and per-clip emotion probabilities of the faces of a video.

    Frames are streamed (never loaded whole; decoded ahead in a background
    thread) and classified in batches in a worker thread, so decoding, face
    finding and the network overlap.

    Parameters
    ----------
    video : str or path-like
        A video file PyAV can read.
    model : str or fitted classifier, default="mobilefacenet80_fer_nhfi"
        As in :func:`predict_image` (loaded once per process).
    aligner : FaceAligner, default=None
        Makes the model's faces; by default :func:`video_aligner` with
        ``face_path`` and ``faces``.  Its ``on_missing`` decides what a
        frame without a face gives: ``"frame"`` (the default) the whole
        frame, classified only with ``no_face="whole-image"``; ``"drop"``
        no crop at all, so the frame stays in the result with
        ``found=False`` and NaN probabilities whatever ``no_face``;
        ``"last"`` the last face found, cut at its place from this frame,
        classified and kept (``repeated=True``, counted in the clip);
        ``"raise"`` a RuntimeError.
    fps : float, default=None
        Frames per second to analyse (None: every frame).  With a shipped
        model's name and no ``aligner``; otherwise set the aligner's ``fps``.
    batch_size : int, default=64
        Faces per forward pass.
    no_face : {"skip", "whole-image", "error"}, default="skip"
        Frames without a face: ``"skip"`` leaves their probabilities NaN,
        ``"whole-image"`` classifies the whole frame; either way they are
        left out of the clip's mean while some frame has a face.  When no
        frame has one, ``"skip"`` gives a NaN clip and ``emotion`` None,
        ``"whole-image"`` the mean over all (whole) frames, and ``"error"``
        raises :class:`NoFaceError` (with ``"error"``, frames without a face
        are otherwise treated as with ``"skip"``).
    faces : {"main", "all"}, default="main"
        Follow one face, or every face as its own track (also give
        ``tracks`` in the result).  A custom ``aligner`` must then have
        ``select="all"``.
    face_path : {"retinaface", "fast", "paper"} or None, default=None
        Detection settings of the default aligner
        (:data:`emosk.face.FACE_PATHS`).  None: ``"retinaface"`` where
        RetinaFace's weights are at hand, else ``"fast"`` with a warning
        (:func:`video_aligner`).
    tta : bool, default=False
        With a shipped model's name: average the 18 test-time views of each
        face (18 times the network's cost; in videos the frames are averaged
        anyway).  A classifier passed as ``model`` keeps its own setting;
        ``tta=True`` with one that has no views raises ``ValueError``.
    clip : {"mean", "log-mean", "confidence", "expressive"}, default="mean"
        How the frames' probabilities make the clip's, see
        :func:`emosk.pooling.pool_probabilities` (compared on CK+ and
        eNTERFACE'05 in ``benchmarks/results/clip_pooling.md``).
    verbose : bool, default=False
        Draw a progress bar over the analysed frames on stderr (tqdm; its
        total is estimated from the container before the first frame).

    Returns
    -------
    dict
        ``source``; ``classes``; ``time``, ``frame``, ``found``, ``track``
        (arrays over the analysed frames, for the main face: the face
        followed in the most frames), ``repeated`` (True where an aligner
        with ``on_missing="last"`` repeated the last face found: ``found``
        is False there, the probabilities are kept), ``box`` ``(n, 4)``,
        ``score`` (the face detector's score of the detection the face was
        last matched to: RetinaFace's face probability on its path, dlib's
        or OpenCV's detection score on the others; NaN where ``found`` is
        False), ``probabilities`` ``(n, n_classes)``; ``clip_probabilities``:
        pooled (``clip``) over frames with a face (found or repeated), and
        ``emotion``, its most probable class (see ``no_face``).
        With ``faces="all"``, also ``tracks``: one dict per followed face
        (``track`` id, ``frame``, ``time``, ``box``, ``score``, ``probabilities`` over
        the frames it was found in, ``clip_probabilities``, ``emotion``,
        ``n_frames``), and ``main_track``, the id of the main face.

    Raises
    ------
    MediaReadError
        If the file cannot be decoded or has no frames.
    NoFaceError
        If no frame has a face and ``no_face="error"``.
    TypeError
        If ``video`` is not a file path.
    ValueError
        If ``fps`` is given with a custom ``aligner``, an option is not one
        of those listed, or ``faces="all"`` with an aligner that follows one
        face.
    """
    _check_no_face(no_face)
    _check_clip(clip)
    _check_batch_size(batch_size)
    if not isinstance(video, (str, os.PathLike)):
        what = (f"an array of shape {np.shape(video)}" if isinstance(video, np.ndarray)
                else f"a {type(video).__name__}")
        raise TypeError(f"video must be a file path; got {what}. For frames in memory, "
                        "use the aligner and the model directly (see FaceAligner).")
    if fps is not None and aligner is not None:
        raise ValueError("fps applies to a shipped model's default aligner; with a custom "
                         "aligner, set its fps (aligner.set_params(fps=...)).")
    model, aligner = _model_and_aligner(
        model, aligner, lambda name: video_aligner(name, face_path=face_path, faces=faces,
                                                   fps=fps),
        tta=tta, key=("video", face_path, faces, fps))
    if faces == "all" and aligner.select != "all":
        raise ValueError("faces='all' needs an aligner with select='all'; got "
                         f"select={aligner.select!r}.")
    records, probs = _classify_frames(video, model, aligner, batch_size, verbose)
    frames = np.array([r["frame"] for r in records])
    times = np.array([r["time"] for r in records], dtype=float)
    tracks = np.array([r["track"] for r in records], dtype=int)
    found = np.array([r["found"] for r in records])
    repeated = np.array([r.get("repeated", False) for r in records], dtype=bool)
    boxes = np.array([r["box"] for r in records], dtype=float).reshape(-1, 4)
    scores = np.array([r["score"] for r in records], dtype=float)  # NaN without a face
    if not found.any() and no_face == "error":
        raise NoFaceError(f"No face found in any of the {len(set(frames))} analysed frames "
                          f"of {video}.")
    if no_face != "whole-image":
        probs[~found & ~repeated] = np.nan
    classes = model.classes_
    counts = np.bincount(tracks[found & (tracks >= 0)], minlength=1)
    main = int(np.argmax(counts))
    result = {"source": str(video), "classes": [str(c) for c in classes]}
    if faces == "all":
        result["tracks"] = _track_results(classes, frames, times, tracks, found, boxes, scores,
                                          probs, clip)
        result["main_track"] = main if found.any() else None
        rows = _main_rows(frames, tracks, found | repeated, main)
        frames, times, tracks, boxes, scores, probs = (
            a[rows] for a in (frames, times, tracks, boxes, scores, probs))
        found, repeated = (a[rows] & (tracks == main) for a in (found, repeated))
        # another person's face, not the main one
        probs[~found & ~repeated & (tracks >= 0)] = np.nan
        boxes[~found] = np.nan
        scores[~found] = np.nan
    pooled = _clip(probs, found | repeated, no_face, clip, classes)
    result.update({"frame": frames, "time": times, "found": found, "repeated": repeated,
                   "track": tracks, "box": boxes, "score": scores, "probabilities": probs,
                   "clip_probabilities": pooled, "emotion": _emotion(classes, pooled)})
    return result


def _expected_frames(video, aligner):
    """About how many frames ``aligner`` analyses in ``video`` (a progress bar's
    total), from the container's frame count and duration; None if unknown."""
    try:
        info = video_info(video)
    except (OSError, ValueError):
        return None  # the frames loop reports it
    n = info.n_frames
    if aligner.fps is not None and info.duration > 0:
        n = int(np.ceil(info.duration * min(aligner.fps, info.fps or aligner.fps)))
    elif aligner.step:
        n = -(-n // aligner.step)
    if aligner.max_frames is not None:
        n = min(n, aligner.max_frames)
    return n or None


def _classify_frames(video, model, aligner, batch_size, verbose=False):
    """Every analysed frame's record (:func:`~emosk.face.iter_aligned_faces`)
    and its face's probabilities, ``(n_records, n_classes)``: NaN for a frame
    the aligner dropped (``on_missing="drop"``: no crop to classify).  With
    ``verbose``, a progress bar over the frames on stderr."""
    records, has_crop, probs = [], [], []
    total = _expected_frames(video, aligner) if verbose else None
    aligned = iter_aligned_faces(str(video), aligner, allow_empty=True)
    with progress_bar(Path(video).name, verbose, total=total, unit="frames") as bar:
        # faces are found in a background thread while the network classifies
        # the previous batch (io.prefetched, as for decoding the frames)
        batches = prefetched(_face_batches(aligned, batch_size), 2)
        # a few faces (a video's last batch) on one thread, whatever the caller's
        # small_batch_threads: the next are found meanwhile
        with small_batch_threads(1):
            for recs, crops_of, crops in batches:
                for rec in recs:
                    if not records or rec["frame"] != records[-1]["frame"]:
                        bar.update()  # a frame, whatever its number of faces
                    records.append(rec)
                has_crop += crops_of
                if crops is not None:
                    probs.append(model.predict_proba(crops))
    if not records:
        raise MediaReadError(f"Video {video} has no frames.")
    out = np.full((len(records), len(model.classes_)), np.nan)
    if probs:
        out[np.array(has_crop)] = np.concatenate(probs)
    return records, out

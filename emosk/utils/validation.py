"""The one data contract of emosk, checked in one place.

Clips
    A *clip* is the sequence of per-frame feature vectors of one video (or one
    image sequence, or one utterance): a float array of shape ``(T, d)`` with
    ``T >= 1`` frames and ``d`` features.  A *collection* of clips is either a
    list (or tuple) of such arrays, whose lengths ``T`` may differ, or a 3-D
    array ``(n_clips, T, d)``.  A plain 2-D array ``(n, d)`` means ``n`` clips of
    length 1; this is what lets clip transformers pass scikit-learn's checks and
    sit after per-clip feature extractors.

Images
    ``(n, H, W)`` (grayscale) or ``(n, H, W, C)`` with ``C`` in 1, 3 or 4,
    ``uint8`` or floating point.  A 3-D array whose last axis has 1, 3 or 4
    entries is one ``(H, W, C)`` photo without its batch axis, not a batch of
    images 1, 3 or 4 pixels wide: it is refused (pass ``photo[None]``).
    Floating-point images become ``uint8`` by one rule,
    :func:`images_to_uint8`: the scale is decided once for everything passed
    together (a batch, a list of photos), never image by image.

Image files
    Paths whose suffixes are image suffixes (``.jpg``, ``.png``...), in a
    list, a tuple or a 1-D array: one photo each.

Videos
    File paths (any other suffix), or ``(T, H, W, C)`` / ``(T, H, W)`` uint8
    arrays, collected in a list, a tuple or a 1-D array (what the loaders'
    ``filenames`` are).

Class probabilities
    Rows of non-negative numbers summing to 1, to :data:`PROBABILITY_TOLERANCE`
    (float32 softmax rounding); scores, logits or counts are not, and the
    functions that pool or fuse probabilities refuse them rather than
    renormalise them into a plausible-looking answer
    (:func:`first_non_probability_row`).

Multi-source samples
    A mapping from a source name (``"video_a"``, ``"audio"``) to that source's
    data for one sample; see :class:`emosk.preprocessing.SourceSelector`.
"""

import os

import numpy as np
from sklearn.utils.validation import check_array, validate_data

from ..io import has_image_suffix

__all__ = [
    "PROBABILITY_TOLERANCE",
    "check_clips",
    "check_images",
    "check_media",
    "check_targets_match_classes",
    "check_videos",
    "first_non_probability_row",
    "images_to_uint8",
    "is_clip_collection",
    "validate_clips",
]


def is_clip_collection(X):
    """Tell whether ``X`` is a collection of clips rather than a 2-D table.

    Parameters
    ----------
    X : object
        Candidate input.

    Returns
    -------
    bool
        True for a 3-D array, and for a list or tuple whose first element is
        2-D (a clip).  False for everything else, including 2-D arrays, which
        the contract reads as clips of length 1.
    """
    if isinstance(X, np.ndarray):
        return X.ndim == 3
    if isinstance(X, (list, tuple)) and len(X) > 0:
        return np.ndim(X[0]) == 2
    return False


def _check_one_clip(clip, index, *, dtype, ensure_all_finite, ensure_min_frames):
    if np.ndim(clip) != 2:
        raise ValueError(
            f"Clip {index} has shape {np.shape(clip)}; every clip must be a "
            "2-D array of shape (n_frames, n_features)."
        )
    if np.shape(clip)[0] < ensure_min_frames:
        raise ValueError(
            f"Clip {index} has shape {np.shape(clip)}: it has "
            f"{np.shape(clip)[0]} frames, at least {ensure_min_frames} required."
        )
    try:
        return check_array(
            clip,
            dtype=dtype,
            ensure_all_finite=ensure_all_finite,
            ensure_min_samples=ensure_min_frames,
            input_name=f"clip {index}",
        )
    except (TypeError, ValueError) as err:
        if f"clip {index}" in str(err):
            raise
        raise ValueError(f"Clip {index} of shape {np.shape(clip)}: {err}") from err


def _reject_empty(X):
    if isinstance(X, (list, tuple)) and len(X) == 0:
        raise ValueError("Expected at least one clip, got an empty collection.")


def check_clips(
    X, *, dtype=(np.float64, np.float32), ensure_all_finite=True, ensure_min_frames=1
):
    """Validate a collection of clips and return it as a list of 2-D arrays.

    Parameters
    ----------
    X : list of array-like of shape (T_i, d), ndarray of shape (n, T, d) \
            or array-like of shape (n, d)
        The clips.  A 2-D array is read as ``n`` clips of one frame each.
    dtype : dtype or tuple of dtypes, default=(float64, float32)
        Accepted dtypes; other numeric inputs are converted to the first.
    ensure_all_finite : bool, default=True
        Raise on NaN or infinity.
    ensure_min_frames : int, default=1
        Minimal number of frames per clip.

    Returns
    -------
    clips : list of ndarray of shape (T_i, d)
        Validated clips, all with the same ``d``.

    Raises
    ------
    ValueError
        If the collection is empty, a clip is not 2-D, is too short, holds NaN,
        or its number of features differs from the first clip's.  The message
        names the clip's index and shape.
    """
    _reject_empty(X)
    if isinstance(X, np.ndarray) and X.ndim == 3:
        clips = list(X)
    elif is_clip_collection(X):
        clips = list(X)
    else:
        X2 = check_array(X, dtype=dtype, ensure_all_finite=ensure_all_finite)
        return list(X2[:, None, :])
    if len(clips) == 0:
        raise ValueError("Expected at least one clip, got an empty collection.")
    out = [
        _check_one_clip(
            c,
            i,
            dtype=dtype,
            ensure_all_finite=ensure_all_finite,
            ensure_min_frames=ensure_min_frames,
        )
        for i, c in enumerate(clips)
    ]
    d = out[0].shape[1]
    for i, c in enumerate(out):
        if c.shape[1] != d:
            raise ValueError(
                f"Clip {i} has shape {c.shape} but clip 0 has {d} features; all "
                "clips of a collection must have the same number of features."
            )
    return out


def validate_clips(estimator, X, *, reset, ensure_all_finite=True):
    """Validate clips for an estimator and record or check ``n_features_in_``.

    A 2-D array goes through :func:`sklearn.utils.validation.validate_data`, so
    feature names of DataFrames and scikit-learn's error messages are kept.

    Parameters
    ----------
    estimator : estimator instance
        The estimator receiving ``X``.
    X : clips
        See :func:`check_clips`.
    reset : bool
        True in ``fit`` (record ``n_features_in_``), False afterwards (check it).
    ensure_all_finite : bool, default=True
        Raise on NaN or infinity.

    Returns
    -------
    clips : list of ndarray of shape (T_i, d)
    """
    _reject_empty(X)
    if not is_clip_collection(X):
        X2 = validate_data(
            estimator,
            X,
            reset=reset,
            dtype=(np.float64, np.float32),
            ensure_all_finite=ensure_all_finite,
        )
        return list(X2[:, None, :])
    clips = check_clips(X, ensure_all_finite=ensure_all_finite)
    d = clips[0].shape[1]
    if reset:
        estimator.n_features_in_ = d
        if hasattr(estimator, "feature_names_in_"):
            del estimator.feature_names_in_
    elif d != estimator.n_features_in_:
        raise ValueError(
            f"X has {d} features, but {type(estimator).__name__} is expecting "
            f"{estimator.n_features_in_} features as input."
        )
    return clips


def _photo_shape(shape):
    """True for the shape of one ``(H, W, C)`` image (``C`` in 1, 3, 4)."""
    return len(shape) == 3 and shape[2] in (1, 3, 4)


def _check_image_batch(images):
    if images.ndim not in (3, 4):
        raise ValueError(
            f"Images must have shape (n, H, W) or (n, H, W, C); got shape "
            f"{images.shape}."
        )
    if _photo_shape(images.shape):
        raise ValueError(
            f"Got an array of shape {images.shape}: this is one (H, W, C) image "
            "without its batch axis, not a batch of images "
            f"{images.shape[2]} pixel(s) wide. Pass image[None] (or [image]) "
            "for a batch of one."
        )
    if images.ndim == 4 and images.shape[3] not in (1, 3, 4):
        raise ValueError(
            f"Images of shape {images.shape} have {images.shape[3]} channels; "
            "expected 1, 3 or 4."
        )


def _check_image_values(images, first=0):
    if images.dtype != np.uint8 and not np.issubdtype(images.dtype, np.floating):
        raise TypeError(
            f"Images must be uint8 or floating point; got dtype {images.dtype}."
        )
    if np.issubdtype(images.dtype, np.floating):
        bad = ~np.isfinite(images.reshape(len(images), -1)).all(axis=1)
        if bad.any():
            raise ValueError(
                f"Image {first + int(np.flatnonzero(bad)[0])} contains NaN or infinity."
            )


def _ragged_images(X):
    """A list of images of different sizes, each checked; None if they share one."""
    if not isinstance(X, (list, tuple)) or len(X) < 2:
        return None
    shapes = [np.shape(x) for x in X]
    if len(set(shapes)) == 1:
        return None
    out = []
    for i, (x, shape) in enumerate(zip(X, shapes)):
        if len(shape) != 2 and not _photo_shape(shape):
            raise ValueError(
                f"Image {i} has shape {shape}; each image of a list must be (H, W) "
                "or (H, W, C) with C in 1, 3 or 4."
            )
        one = np.asarray(x)[None]
        _check_image_values(one, first=i)
        out.append(one[0])
    return out


def check_images(X, *, allow_empty=False, ragged=False):
    """Validate a batch of images.

    Parameters
    ----------
    X : array-like of shape (n, H, W) or (n, H, W, C), or list of images
        Grayscale or colour images, ``uint8`` or floating point.  ``C`` must be
        1, 3 or 4.  A 3-D array whose last axis has 1, 3 or 4 entries is one
        ``(H, W, C)`` image that lacks the batch axis, and is refused.
    allow_empty : bool, default=False
        Accept ``n == 0``.
    ragged : bool, default=False
        Accept a list of images of different sizes (each ``(H, W)`` or
        ``(H, W, C)``), as :class:`~emosk.face.FaceAligner` does; they are
        returned as a list.  When False such a list is an error.

    Returns
    -------
    images : ndarray, or list of ndarray
        The images as an array (no copy when possible); a list only for
        images of different sizes with ``ragged=True``.

    Raises
    ------
    ValueError
        On a wrong number of dimensions, a single image without its batch
        axis, a channel count, an empty batch, images of different sizes
        (unless ``ragged``) or NaN; the message names the shape or the
        offending image's index.
    TypeError
        On a dtype that is neither unsigned 8-bit nor floating point.

    Examples
    --------
    >>> import numpy as np
    >>> from emosk.utils import check_images
    >>> check_images(np.zeros((2, 48, 48), np.uint8)).shape
    (2, 48, 48)
    >>> check_images(np.zeros((48, 64, 3), np.uint8))
    Traceback (most recent call last):
        ...
    ValueError: Got an array of shape (48, 64, 3): this is one (H, W, C) image ...
    """
    listed = _ragged_images(X)
    if listed is not None:
        if not ragged:
            shapes = [np.shape(x) for x in X]
            i = next(k for k, s in enumerate(shapes) if s != shapes[0])
            raise ValueError(
                f"Image {i} has shape {shapes[i]} but image 0 has shape "
                f"{shapes[0]}; images of one batch must share one size. Resize "
                "them, or pass them through a FaceAligner, which takes a list of "
                "photos of different sizes and returns crops of one size."
            )
        return listed
    images = np.asarray(X)
    _check_image_batch(images)
    if images.shape[0] == 0 and not allow_empty:
        raise ValueError(f"Expected at least one image; got shape {images.shape}.")
    _check_image_values(images)
    return images


def images_to_uint8(images):
    """The one rule that turns floating-point images into ``uint8``.

    ``uint8`` images are returned unchanged.  For floating-point images the
    scale is decided once for everything passed together (a whole batch, a
    whole list of photos, a whole video), never image by image: when the
    largest value is at most 1 the images are read on the [0, 1] scale and
    multiplied by 255, otherwise they are read on the [0, 255] scale.  Values
    are then rounded to the nearest grey level; a value that does not round
    into [0, 255] raises an error rather than being clipped silently (clip
    first if that is what you mean).

    Parameters
    ----------
    images : ndarray, or list of ndarray
        Validated images (see :func:`check_images`).

    Returns
    -------
    ndarray of uint8, or list of ndarray of uint8
        Of the same shapes.

    Raises
    ------
    ValueError
        If values lie clearly outside the scale, e.g. standardised images
        with negative values; the message gives the range found.

    Examples
    --------
    >>> import numpy as np
    >>> from emosk.utils.validation import images_to_uint8
    >>> images_to_uint8(np.array([[[0.0, 0.5, 1.0]]]))
    array([[[  0, 128, 255]]], dtype=uint8)
    >>> images_to_uint8(np.array([[[0.0, 0.5, 200.0]]]))
    array([[[  0,   0, 200]]], dtype=uint8)
    """
    items = images if isinstance(images, list) else [images]
    floats = [np.asarray(x) for x in items if np.asarray(x).dtype != np.uint8]
    if not floats or all(f.size == 0 for f in floats):
        return images
    low = min(float(f.min()) for f in floats if f.size)
    high = max(float(f.max()) for f in floats if f.size)
    scale = 255.0 if high <= 1.0 else 1.0
    if low * scale < -0.5 or high * scale > 255.5:
        raise ValueError(
            f"Floating-point images have values in [{low:.4g}, {high:.4g}]; "
            "expected [0, 1] or [0, 255] (standardised images must be undone "
            "first, other ranges converted to uint8)."
        )

    def convert(x):
        x = np.asarray(x)
        if x.dtype == np.uint8:
            return x
        return np.clip(np.round(x * scale), 0, 255).astype(np.uint8)

    out = [convert(x) for x in items]
    return out if isinstance(images, list) else out[0]


#: How far a row of class probabilities may be below 0, or its sum from 1
#: (float32 softmax rounding), and still be probabilities.
PROBABILITY_TOLERANCE = 1e-3


def first_non_probability_row(proba):
    """The index of the first row of ``proba`` that is not a probability
    distribution, or None when every row is one.

    Parameters
    ----------
    proba : ndarray of shape (n, n_classes)
        Finite values.

    Returns
    -------
    int or None
        The first row with a value below ``-PROBABILITY_TOLERANCE`` or a sum
        off 1 by more than :data:`PROBABILITY_TOLERANCE`.

    Examples
    --------
    >>> import numpy as np
    >>> from emosk.utils.validation import first_non_probability_row
    >>> first_non_probability_row(np.array([[0.2, 0.8], [5.0, 2.0]]))
    1
    >>> first_non_probability_row(np.array([[0.2, 0.8]])) is None
    True
    """
    proba = np.asarray(proba, dtype=float)
    bad = ((proba < -PROBABILITY_TOLERANCE).any(axis=1)
           | (np.abs(proba.sum(axis=1) - 1) > PROBABILITY_TOLERANCE))
    return int(np.argmax(bad)) if bad.any() else None


def _is_path(item):
    return isinstance(item, (str, os.PathLike))


def check_videos(X):
    """Validate a collection of videos and return it as a list.

    Parameters
    ----------
    X : list, tuple or 1-D ndarray of videos
        Each video a file path (str or path-like) or a ``(T, H, W[, C])``
        uint8 array.  A 1-D array of paths is what the loaders'
        ``filenames`` are (:func:`~emosk.datasets.load_enterface05`).

    Returns
    -------
    list
        The videos; array elements of a 1-D array of paths become ``str``.

    Raises
    ------
    ValueError
        For a single path or a single video array instead of a collection,
        an empty collection, or any other array; the message names the
        input or its shape.

    Examples
    --------
    >>> import numpy as np
    >>> from emosk.utils.validation import check_videos
    >>> check_videos(np.array(["a.avi", "b.avi"]))
    ['a.avi', 'b.avi']
    """
    if _is_path(X) or isinstance(X, bytes):
        raise ValueError(
            "X must be a non-empty list of videos (paths or (T, H, W[, C]) uint8 "
            f"arrays); got the single path {X!r:.80}. Pass [{X!r:.80}]."
        )
    if isinstance(X, np.ndarray):
        if X.ndim == 1 and X.dtype.kind in "UO" and len(X):
            return [str(v) if isinstance(v, str) else v for v in X.tolist()]
        raise ValueError(
            "X must be a non-empty list of videos (paths or (T, H, W[, C]) uint8 "
            f"arrays), or a 1-D array of paths; got an array of shape {X.shape} "
            f"and dtype {X.dtype}. For one video array, pass [video]."
        )
    if not hasattr(X, "__len__") or len(X) == 0:
        raise ValueError(
            "X must be a non-empty list of videos (paths or (T, H, W[, C]) uint8 "
            f"arrays); got {X!r:.80}."
        )
    return list(X)


def _media_item_kind(item):
    """"image file", "video" (a path or an array) or "image" (one photo array)."""
    if _is_path(item):
        return "image file" if has_image_suffix(item) else "video"
    return "image" if _photo_shape(np.shape(item)) else "video"


def _describe_item(item, kind):
    if kind == "image":
        return f"has the shape {np.shape(item)} of one photo"
    what = "an image file" if kind == "image file" else "a video"
    return f"is {what} ({item if _is_path(item) else np.shape(item)})"


def check_media(X):
    """Tell images from videos in the input of :class:`~emosk.face.FaceAligner`.

    Parameters
    ----------
    X : ndarray of shape (n, H, W[, C]), list of photos, image files or videos
        A numeric array is a batch of images; a list whose items are all
        ``(H, W, C)`` photos (sizes may differ) is a list of images; a
        collection (list, tuple or 1-D array) of paths whose suffixes are all
        image suffixes (:data:`~emosk.io.IMAGE_SUFFIXES`, any case) is a list
        of image files, one photo each; any other collection (of paths or
        ``(T, H, W[, C])`` arrays) is a collection of videos.

    Returns
    -------
    kind : {"images", "image files", "videos"}
        What ``X`` holds.
    data : ndarray, list of ndarray, or list
        The images as :func:`check_images` returns them (``ragged=True``), or
        the image files or videos as :func:`check_videos` returns them.
        Nothing is read.

    Raises
    ------
    ValueError
        For a single photo without its batch axis, a collection that mixes
        photos, image files and videos (naming the first item of two kinds),
        or what :func:`check_images` and :func:`check_videos` refuse.
    """
    if isinstance(X, np.ndarray) and X.dtype.kind not in "UO":
        return "images", check_images(X)
    items = check_videos(X)
    kinds = [_media_item_kind(v) for v in items]
    if len(set(kinds)) > 1:
        a, b = [k for k in _KIND_WORDS if k in kinds][:2]
        i, j = kinds.index(a), kinds.index(b)
        raise ValueError(
            f"X mixes {_KIND_WORDS[a]} and {_KIND_WORDS[b]}: item {i} "
            f"{_describe_item(items[i], a)}, item {j} {_describe_item(items[j], b)}. "
            "Pass photos (arrays, or image files) and videos separately."
        )
    if kinds[0] == "image":
        return "images", check_images(items, ragged=True)
    return ("image files" if kinds[0] == "image file" else "videos"), items


#: How :func:`check_media`'s errors call the kinds of item.
_KIND_WORDS = {"image": "photo arrays", "image file": "image files", "video": "videos"}


def check_targets_match_classes(y, classes, *, what="the model"):
    """Refuse integer codes as labels of a model whose classes are names.

    emosk's data-set loaders give class names by default; with
    ``as_names=False`` they give integer codes into ``target_names``, which a
    model trained on names (every shipped model) cannot compare with its
    predictions.  scikit-learn would say only "Mix of label input types".

    Parameters
    ----------
    y : array-like of shape (n,)
        The true labels passed to ``score``.
    classes : array-like
        The model's ``classes_``.
    what : str, default="the model"
        How the message calls the model.

    Raises
    ------
    ValueError
        If ``y`` holds numbers and ``classes`` holds strings; the message
        names both and says what to pass.
    """
    y, classes = np.asarray(y), np.asarray(classes)
    numeric = y.dtype.kind in "iuf" or (
        y.dtype == object and len(y) and all(isinstance(v, (int, np.integer)) for v in y))
    if numeric and classes.dtype.kind in "UO" and all(isinstance(c, str) for c in classes):
        shown = np.unique(y)[:8].tolist()
        raise ValueError(
            f"y holds integer codes ({shown}) but the classes of {what} are names "
            f"{classes.tolist()}. Pass class names: the emosk data-set loaders give them "
            "by default (as_names=True; an as_names=False Bunch gives them as "
            "data.target_names[y]).")

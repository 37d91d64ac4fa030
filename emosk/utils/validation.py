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
    ``uint8`` or floating point.

Videos
    File paths, or ``(T, H, W, C)`` arrays.

Multi-source samples
    A mapping from a source name (``"video_a"``, ``"audio"``) to that source's
    data for one sample; see :class:`emosk.preprocessing.SourceSelector`.
"""

import numpy as np
from sklearn.utils.validation import check_array, validate_data

__all__ = ["check_clips", "check_images", "validate_clips", "is_clip_collection"]


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


def check_images(X, *, allow_empty=False):
    """Validate a batch of images.

    Parameters
    ----------
    X : array-like of shape (n, H, W) or (n, H, W, C)
        Grayscale or colour images, ``uint8`` or floating point.  ``C`` must be
        1, 3 or 4.
    allow_empty : bool, default=False
        Accept ``n == 0``.

    Returns
    -------
    images : ndarray
        The images as an array (no copy when possible).

    Raises
    ------
    ValueError
        On a wrong number of dimensions, channel count, empty batch or NaN; the
        message names the shape or the offending image's index.
    TypeError
        On a dtype that is neither unsigned 8-bit nor floating point.
    """
    images = np.asarray(X)
    if images.ndim not in (3, 4):
        raise ValueError(
            f"Images must have shape (n, H, W) or (n, H, W, C); got shape "
            f"{images.shape}."
        )
    if images.ndim == 4 and images.shape[3] not in (1, 3, 4):
        raise ValueError(
            f"Images of shape {images.shape} have {images.shape[3]} channels; "
            "expected 1, 3 or 4."
        )
    if images.shape[0] == 0 and not allow_empty:
        raise ValueError(f"Expected at least one image; got shape {images.shape}.")
    if images.dtype != np.uint8 and not np.issubdtype(images.dtype, np.floating):
        raise TypeError(
            f"Images must be uint8 or floating point; got dtype {images.dtype}."
        )
    if np.issubdtype(images.dtype, np.floating):
        bad = ~np.isfinite(images.reshape(len(images), -1)).all(axis=1)
        if bad.any():
            raise ValueError(
                f"Image {int(np.flatnonzero(bad)[0])} contains NaN or infinity."
            )
    return images

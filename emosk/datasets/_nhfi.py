"""NHFI: Natural Human Face Images for Emotion Recognition, in-the-wild face photos."""

import numpy as np

from ._base import find_dataset, make_bunch

__all__ = ["load_nhfi", "nhfi_holdout"]

_URL = ("https://www.kaggle.com/datasets/sudarshanvaidya/random-images-for-face-emotion-"
        "recognition (a public copy: https://github.com/tungxd96/facial-emotion-recognition)")
_CLASSES = ("angry", "contempt", "disgust", "fear", "happy", "neutral", "sad", "surprise")
_SUBSETS = ("train", "test")
_DESCR = """NHFI (Natural Human Face Images for Emotion Recognition): internet photos
from Google, Flickr and Unsplash, cropped to the face by their sources and stored
as 96x96 gray (padded to square and resized; not aligned).  8 classes: the seven
of FER2013 and contempt.  Age, pose, light and make-up vary, unlike FER2013's
thumbnails.  `groups` holds identity / near-copy groups: evaluate with folds
grouped by them.  Licence: the photos belong to their owners; research use."""


def load_nhfi(*, subset="train", data_home=None, drop_contempt=False, return_X_y=False,
              as_names=True):
    """Load the NHFI in-the-wild face photos.

    Read from ``<data home>/nhfi/nhfi_<subset>.npz`` (keys ``images``,
    ``labels``, ``group``, ``source``).

    Parameters
    ----------
    subset : {"train", "test"}, default="train"
        The part of the data set.
    data_home : str or path-like, default=None
        See :func:`get_data_home`.
    drop_contempt : bool, default=False
        Leave out the contempt faces, keeping FER2013's seven classes.
    return_X_y : bool, default=False
        Return ``(images, target)`` instead of a Bunch.
    as_names : bool, default=True
        ``target`` holds the class names (what emosk's shipped models
        predict); False gives integer codes into ``target_names``.

    Returns
    -------
    data : Bunch
        ``images`` (n, 96, 96) uint8, ``target``, ``target_names``,
        ``groups`` (n,) int (identity / near-copy group), ``source`` (n,)
        str and ``DESCR``.
    (images, target) : tuple
        With ``return_X_y=True``.

    Raises
    ------
    DatasetNotFoundError
        When the file is not under the data home.
    ValueError
        For an unknown subset, or a file without the expected keys or with
        unknown labels.
    """
    if subset not in _SUBSETS:
        raise ValueError(f"Unknown NHFI subset {subset!r}; use one of {_SUBSETS}.")
    path = find_dataset(f"NHFI ({subset})", [f"nhfi/nhfi_{subset}.npz"],
                        data_home=data_home, url=_URL,
                        expect=f"put nhfi_{subset}.npz in <data home>/nhfi/.")
    with np.load(path, allow_pickle=False) as data:
        missing = {"images", "labels", "group"} - set(data.files)
        if missing:
            raise ValueError(f"{path} lacks the keys {sorted(missing)}; found "
                             f"{sorted(data.files)}.")
        images, labels = data["images"], data["labels"].astype(str)
        groups = data["group"].astype(np.int64)
        source = data["source"].astype(str) if "source" in data.files else \
            np.full(len(images), "", dtype=str)
    unknown = sorted(str(c) for c in set(labels) - set(_CLASSES))
    if unknown:
        raise ValueError(f"{path}: unknown labels {unknown}; expected among {_CLASSES}.")
    if images.ndim != 3 or images.dtype != np.uint8 or len(images) != len(labels):
        raise ValueError(f"{path}: images of shape {images.shape} and dtype {images.dtype} "
                         f"with {len(labels)} labels; expected (n, H, W) uint8, one label "
                         "each.")
    if drop_contempt:
        keep = labels != "contempt"
        images, labels, groups, source = images[keep], labels[keep], groups[keep], \
            source[keep]
    names = np.array([c for c in _CLASSES if c in set(labels)])
    target = np.searchsorted(names, labels)
    return make_bunch(_DESCR, return_X_y, "images", as_names=as_names, images=images,
                      target=target, target_names=names, groups=groups, source=source)


def nhfi_holdout(groups, *, test_size=0.2, random_state=0):
    """emosk's grouped hold-out split of NHFI's training part.

    The split that emosk's models are trained and evaluated with: a share of
    the identity groups held out, so no person is on both sides.

    Parameters
    ----------
    groups : array-like of shape (n,)
        ``load_nhfi().groups`` (after any filtering).
    test_size : float, default=0.2
        Share of the groups held out.
    random_state : int, default=0

    Returns
    -------
    train, test : ndarray of int
        Indices into ``groups``.
    """
    from sklearn.model_selection import GroupShuffleSplit

    groups = np.asarray(groups)
    split = GroupShuffleSplit(n_splits=1, test_size=test_size, random_state=random_state)
    return next(split.split(np.zeros((len(groups), 1)), groups=groups))

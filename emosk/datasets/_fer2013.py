"""FER2013 (Goodfellow et al. 2013)."""

import csv

import numpy as np

from ._base import EMOTIONS, find_dataset, make_bunch

__all__ = ["load_fer2013"]

_URL = (
    "https://www.kaggle.com/c/"
    "challenges-in-representation-learning-facial-expression-recognition-challenge"
)
_SUBSETS = ("Training", "PublicTest", "PrivateTest")
_DESCR = """FER2013 (Goodfellow et al. 2013): 48x48 grayscale faces found by
Google image search, 7 classes in the order angry, disgust, fear, happy, sad,
surprise, neutral. Parts: Training (28,709), PublicTest (3,589, the usual
validation set) and PrivateTest (3,589, the usual test set)."""


def _read_csv(path):
    images, labels, usage = [], [], []
    with open(path, newline="") as f:
        reader = csv.DictReader(f)
        missing = {"emotion", "pixels", "Usage"} - set(reader.fieldnames or ())
        if missing:
            raise ValueError(
                f"{path} lacks the column(s) {sorted(missing)} of the original "
                "fer2013.csv (emotion, pixels, Usage)."
            )
        for line, row in enumerate(reader, start=2):
            pix = np.array(row["pixels"].split(), dtype=np.uint8)
            if pix.size != 48 * 48:
                raise ValueError(
                    f"{path}, line {line}: {pix.size} pixel values, expected 2304."
                )
            images.append(pix.reshape(48, 48))
            labels.append(int(row["emotion"]))
            usage.append(row["Usage"])
    return np.stack(images), np.array(labels, dtype=np.int64), np.array(usage)


def _read_npz(path):
    with np.load(path, allow_pickle=False) as d:
        return d["images"], d["labels"].astype(np.int64), d["usage"].astype(str)


def load_fer2013(*, data_home=None, subset="all", return_X_y=False, as_names=False):
    """Load FER2013 from the original ``fer2013.csv`` or emosk's ``.npz``.

    Looks for ``fer2013/fer2013.npz``, ``fer2013/fer2013.csv`` and
    ``fer2013.csv`` under the data home, in that order.

    Parameters
    ----------
    data_home : str or path-like, default=None
        See :func:`get_data_home`.
    subset : {"all", "Training", "PublicTest", "PrivateTest"} or list, \
            default="all"
        Part(s) to return.
    return_X_y : bool, default=False
        Return ``(images, target)`` instead of a Bunch.
    as_names : bool, default=False
        Return ``target`` as class names (``"happy"``), the labels of emosk's
        shipped models (:func:`emosk.pretrained.load`) and of any classifier
        trained on names, instead of indices into ``target_names``.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        ``images`` (n, 48, 48) uint8, ``target`` (n,) int64 in
        :data:`EMOTIONS` order (class names with ``as_names``),
        ``target_names``, ``usage`` (the part of each image), ``DESCR``.

    Raises
    ------
    DatasetNotFoundError
        If no file is found; the message says where emosk looked.
    ValueError
        On an unknown subset or a malformed CSV.
    """
    wanted = _SUBSETS if subset == "all" else (
        (subset,) if isinstance(subset, str) else tuple(subset)
    )
    bad = [s for s in wanted if s not in _SUBSETS]
    if bad:
        raise ValueError(f"Unknown FER2013 subset(s) {bad}; use 'all' or {_SUBSETS}.")
    path = find_dataset(
        "FER2013",
        ["fer2013/fer2013.npz", "fer2013/fer2013.csv", "fer2013.csv"],
        data_home=data_home,
        url=_URL,
        expect="put fer2013.csv in <data home>/fer2013/.",
    )
    images, target, usage = _read_npz(path) if path.suffix == ".npz" else _read_csv(path)
    keep = np.isin(usage, wanted)
    return make_bunch(
        _DESCR,
        return_X_y,
        "images",
        as_names=as_names,
        images=images[keep],
        target=target[keep],
        target_names=np.array(EMOTIONS),
        usage=usage[keep],
    )

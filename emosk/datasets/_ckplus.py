"""CK+48: the last frames of the Cohn-Kanade+ posed-expression sequences."""

import re

import numpy as np

from ._base import encode_labels, find_dataset, make_bunch

__all__ = ["load_ckplus48"]

_URL = "https://www.jeffcohn.net/Resources/ (CK+); 48x48 crops: the Kaggle 'CK+48' set"
_NAME = re.compile(r"(S\d+)_(\d+)_(\d+)\.png$")
_LABELS = {
    "anger": "angry",
    "contempt": "contempt",
    "disgust": "disgust",
    "fear": "fear",
    "happy": "happy",
    "sadness": "sad",
    "surprise": "surprise",
}
_DESCR = """CK+48: the last three frames of 327 labelled Cohn-Kanade+ sequences
(Lucey et al. 2010), 48x48 grayscale, 118 subjects. Grouped here into one clip
per sequence. Classes: angry, disgust, fear, happy, sad, surprise, and contempt
when include_contempt=True. No neutral class. Evaluate subject-independently
(use `groups`)."""


def _read_npz(path):
    with np.load(path, allow_pickle=False) as d:
        return d["images"], d["original_label"].astype(str), d["filenames"].astype(str)


def _read_png_tree(root):
    import cv2

    images, labels, names = [], [], []
    for png in sorted(root.glob("*/*.png")):
        img = cv2.imread(str(png), cv2.IMREAD_GRAYSCALE)
        if img is None:
            raise ValueError(f"Cannot read image {png}.")
        images.append(img)
        labels.append(png.parent.name)
        names.append(png.name)
    if not images:
        raise ValueError(f"No <emotion>/*.png images under {root}.")
    return np.stack(images), np.array(labels), np.array(names)


def _group_sequences(images, original, filenames, include_contempt):
    seqs = {}
    for i, (lab, fname) in enumerate(zip(original, filenames)):
        m = _NAME.search(fname)
        if m is None:
            raise ValueError(f"CK+ file name {fname!r} is not S<subject>_<seq>_<frame>.png")
        if lab not in _LABELS:
            raise ValueError(f"Unknown CK+ label {lab!r} for {fname!r}.")
        if lab == "contempt" and not include_contempt:
            continue
        key = (m.group(1), m.group(2))
        seqs.setdefault(key, (_LABELS[lab], []))[1].append((int(m.group(3)), i))
    keys = sorted(seqs)
    clips = [images[[i for _, i in sorted(seqs[k][1])]] for k in keys]
    return keys, clips, [seqs[k][0] for k in keys]


def load_ckplus48(*, data_home=None, include_contempt=False, return_X_y=False,
                  as_names=True):
    """Load CK+48 as clips: one stack of frames per expression sequence.

    Reads ``ckplus48/ck_plus_48.npz`` (keys ``images``, ``original_label``,
    ``filenames``) or the Kaggle folder layout ``CK+48/<emotion>/S###_###_#.png``
    (looked for under ``ckplus48/`` and the data home).

    Parameters
    ----------
    data_home : str or path-like, default=None
        See :func:`get_data_home`.
    include_contempt : bool, default=False
        Keep the 18 contempt sequences as an eighth class.
    return_X_y : bool, default=False
        Return ``(images, target)`` instead of a Bunch.
    as_names : bool, default=True
        Return ``target`` as class names (``"happy"``), the labels of emosk's
        shipped models (:func:`emosk.pretrained.load`), so that
        ``model.score(X, y)`` works as loaded; False gives integer indices
        into ``target_names`` (``target_names[target]`` are the names).

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        ``images``: list of (T, 48, 48) uint8 arrays, one per sequence, frames
        in time order; ``target`` (n,): class names (int64 indices into
        ``target_names`` with ``as_names=False``); ``target_names``; ``groups``
        (subject id per clip, for subject-independent folds); ``sequences``
        (``"S010_004"`` ids); ``DESCR``.

    Raises
    ------
    DatasetNotFoundError
        If the data set is not found; the message says where emosk looked.
    """
    path = find_dataset(
        "CK+48",
        ["ckplus48/ck_plus_48.npz", "ckplus48/CK+48", "CK+48"],
        data_home=data_home,
        url=_URL,
        expect="put ck_plus_48.npz or the CK+48/<emotion>/*.png folders in "
        "<data home>/ckplus48/.",
    )
    raw = _read_npz(path) if path.suffix == ".npz" else _read_png_tree(path)
    keys, clips, labels = _group_sequences(*raw, include_contempt)
    target, names = encode_labels(labels, extra=("contempt",))
    return make_bunch(
        _DESCR,
        return_X_y,
        "images",
        as_names=as_names,
        images=clips,
        target=target,
        target_names=names,
        groups=np.array([k[0] for k in keys]),
        sequences=np.array([f"{s}_{q}" for s, q in keys]),
    )

"""SFEW 2.0: the static faces of the EmotiW challenge, one folder per emotion."""

import csv
from pathlib import Path

import numpy as np

from ._base import EMOTIONS, find_dataset, make_bunch

__all__ = ["load_sfew"]

_URL = ("https://cs.anu.edu.au/few/ and https://sites.google.com/site/emotiwchallenge/ "
        "(on request, from the EmotiW organisers; a public copy: "
        "https://github.com/Caterina1996/SFEW_dataset)")
_SUBSETS = ("Train", "Val", "Test")
_SUFFIXES = {".png", ".jpg", ".jpeg"}
_FOLDERS = {
    "angry": "angry", "anger": "angry", "disgust": "disgust", "fear": "fear",
    "happy": "happy", "happiness": "happy", "neutral": "neutral", "sad": "sad",
    "sadness": "sad", "surprise": "surprise",
}
_DESCR = """SFEW 2.0 (Dhall et al.), the static image sub-challenge of EmotiW:
faces in movie frames, 7 classes, in the organisers' aligned crops (143x181
RGB), with pose, light, blur and occlusion.  The Train split of the public
copy has 859 faces (Angry 172, Disgust 49, Fear 76, Happy 176, Neutral 142,
Sad 151, Surprise 93); published results are on Val and Test, and the Test
labels were never released.  Frames of one movie scene are near-duplicates:
evaluate with folds grouped by movie (`groups`).  Ng et al. (2015):
challenge baseline 35.96% on Val; their best 48.5% on Val, 55.6% on Test."""


def _subset_root(subset, data_home):
    if subset not in _SUBSETS:
        raise ValueError(f"Unknown SFEW subset {subset!r}; use one of {_SUBSETS}.")
    return find_dataset(
        f"SFEW ({subset})",
        [f"{top}/{sub}" for top in ("sfew", "SFEW", "SFEW_2")
         for sub in (subset, f"{subset}_Aligned_Faces")],
        data_home=data_home,
        url=_URL,
        expect=f"put the {subset}/<Emotion>/*.png folders in <data home>/sfew/.",
    )


def _movie_of(path):
    """Movie of an SFEW file, from its name ``<Movie>_<time>_<frame>.png``.

    Parameters
    ----------
    path : str or path-like

    Returns
    -------
    str
        The name up to the first underscore.
    """
    return Path(path).stem.split("_")[0]


def _label_of_folder(path):
    return _FOLDERS.get(Path(path).parent.name.lower())


def _records_from_csv(root, table):
    records = []
    with open(table, newline="") as f:
        for line, row in enumerate(csv.DictReader(f), start=2):
            path = root / row["path"]
            if not path.is_file():
                raise ValueError(f"{table}, line {line}: image {path} does not exist.")
            label = (row.get("label7") or "").strip() or None
            if label is not None and label not in EMOTIONS:
                raise ValueError(f"{table}, line {line}: unknown label {label!r}; "
                                 f"expected one of {EMOTIONS} or empty.")
            records.append({"path": str(path), "label": label,
                            "original_label": row.get("original_label") or "",
                            "movie": row.get("movie") or _movie_of(path)})
    return records


def _records_from_folders(root, subset):
    records = []
    for path in sorted(root.rglob("*")):
        if path.suffix.lower() not in _SUFFIXES or not path.is_file():
            continue
        label = _label_of_folder(path)
        if label is None and subset != "Test":
            continue  # not in an emotion folder
        records.append({"path": str(path), "label": label,
                        "original_label": path.parent.name if label else "",
                        "movie": _movie_of(path)})
    return records


def _read_images(paths):
    import cv2

    images = []
    for path in paths:
        img = cv2.imread(path, cv2.IMREAD_COLOR)
        if img is None:
            raise ValueError(f"Cannot read image {path}.")
        images.append(cv2.cvtColor(img, cv2.COLOR_BGR2RGB))
    if len({im.shape for im in images}) == 1:
        return np.stack(images)
    return images


def load_sfew(*, data_home=None, subset="Train", load_images=True, return_X_y=False,
              as_names=True):
    """Load SFEW 2.0 (EmotiW static faces): images, labels and movies.

    Expects ``<data home>/sfew/<subset>/<Emotion>/*.png`` (also ``SFEW/``,
    ``SFEW_2/`` and ``<subset>_Aligned_Faces`` folder names); emotion folders
    are Angry, Disgust, Fear, Happy, Neutral, Sad and Surprise
    (case-insensitive).  A ``labels.csv`` in the subset folder (columns
    ``path,label7,original_label,movie``, ``path`` relative to that folder)
    is used when present: it lists the images, their labels (``label7``
    empty: unlabelled) and movies.  ``Test`` may be a flat folder of
    unlabelled images.

    Parameters
    ----------
    data_home : str or path-like, default=None
        See :func:`get_data_home`.
    subset : {"Train", "Val", "Test"} or list of them, default="Train"
        Part(s) to load.
    load_images : bool, default=True
        Read the images; otherwise only list their files.
    return_X_y : bool, default=False
        Return ``(images, target)`` (``(filenames, target)`` without
        ``load_images``) instead of a Bunch.
    as_names : bool, default=True
        Return ``target`` as class names (``"happy"``), the labels of emosk's
        shipped models (:func:`emosk.pretrained.load`), so that
        ``model.score(X, y)`` works as loaded; False gives integer indices
        into ``target_names`` (``target_names[target]`` are the names);
        unlabelled images get ``""``.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        ``images``: ``(n, H, W, 3)`` uint8 RGB (a list of ``(H, W, 3)``
        arrays when the sizes differ; absent without ``load_images``), the
        input of :class:`~emosk.face.FaceAligner`; ``filenames``;
        ``target`` (n,): class names, ``""`` for an unlabelled image
        (Test) (with ``as_names=False``, int64 indices into
        ``target_names``, -1 for an unlabelled image); ``target_names``: the seven
        :data:`EMOTIONS`, always, so that the targets of every subset
        agree; ``groups``: the movie of each face, for folds grouped by
        movie; ``original_label`` (the folder name); ``subset``;
        ``DESCR``.

    Raises
    ------
    DatasetNotFoundError
        If a subset is not found; the message says where emosk looked and
        where SFEW is published (from the EmotiW organisers).
    ValueError
        For an unknown subset, a subset without images, or a ``labels.csv``
        naming a missing file or an unknown label.

    Notes
    -----
    The organisers' crops are tight: face detectors miss many of them.
    Align them with ``FaceAligner(detect_border=0.25, assume_face=True)``
    (see :class:`~emosk.face.FaceAligner`).
    """
    subsets = (subset,) if isinstance(subset, str) else tuple(subset)
    records = []
    for name in subsets:
        root = _subset_root(name, data_home)
        table = root / "labels.csv"
        found = (_records_from_csv(root, table) if table.is_file()
                 else _records_from_folders(root, name))
        if not found:
            raise ValueError(f"No SFEW images (<Emotion>/*.png) under {root}.")
        records += [{**r, "subset": name} for r in found]
    index = {c: i for i, c in enumerate(EMOTIONS)}
    target = np.array([-1 if r["label"] is None else index[r["label"]] for r in records],
                      dtype=np.int64)
    if as_names:
        target = np.array(["" if r["label"] is None else r["label"] for r in records])
    filenames = np.array([r["path"] for r in records])
    fields = {"images": _read_images(filenames)} if load_images else {}
    return make_bunch(
        _DESCR,
        return_X_y,
        "images" if load_images else "filenames",
        **fields,
        filenames=filenames,
        target=target,
        target_names=np.array(EMOTIONS),
        groups=np.array([r["movie"] for r in records]),
        original_label=np.array([r["original_label"] for r in records]),
        subset=np.array([r["subset"] for r in records]),
    )

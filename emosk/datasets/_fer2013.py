"""FER2013 (Goodfellow et al. 2013)."""

import csv

import numpy as np

from ._base import EMOTIONS, DatasetNotFoundError, find_dataset, make_bunch

__all__ = ["load_fer2013"]

_URL = (
    "https://www.kaggle.com/c/"
    "challenges-in-representation-learning-facial-expression-recognition-challenge"
)
_FERPLUS_URL = "https://github.com/microsoft/FERPlus"
_SUBSETS = ("Training", "PublicTest", "PrivateTest")
_LABELS = ("fer2013", "ferplus-majority", "ferplus-votes")
#: The FER+ vote column of each of emosk's classes (EMOTIONS order); FER+'s
#: contempt, unknown and NF (not a face) have no counterpart.
_FERPLUS_NAMES = {"angry": "anger", "disgust": "disgust", "fear": "fear",
                  "happy": "happiness", "sad": "sadness", "surprise": "surprise",
                  "neutral": "neutral"}
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


def _read_ferplus(data_home, n_rows, usage):
    """The FER+ votes (n, 10) and their column names, and the rows whose votes
    are uncertain, read from ``ferplus.npz`` (row-aligned with ``fer2013.npz``)."""
    path = find_dataset(
        "FER+ votes", ["fer2013/ferplus.npz"], data_home=data_home, url=_FERPLUS_URL,
        expect="put ferplus.npz, row-aligned with fer2013.npz, in <data home>/fer2013/.",
    )
    with np.load(path, allow_pickle=False) as d:
        votes, names = d["votes"].astype(np.int64), d["vote_names"].astype(str)
        ambiguous, plus_usage = d["ambiguous"].astype(bool), d["usage"].astype(str)
    if len(votes) != n_rows or not np.array_equal(plus_usage, usage):
        raise ValueError(f"{path} has {len(votes)} rows that do not align with the "
                         f"{n_rows} rows of fer2013.npz (row i must be the same face).")
    return votes, names, ambiguous


def _ferplus_targets(votes, vote_names):
    """FER+ majority labels and vote shares in emosk's seven classes.

    Parameters
    ----------
    votes : array-like of shape (n, n_vote_names)
        Annotator vote counts per face.
    vote_names : sequence of str
        FER+ column names (``neutral``, ``happiness``, ``surprise``,
        ``sadness``, ``anger``, ``disgust``, ``fear``, ``contempt``,
        ``unknown``, ``NF``).

    Returns
    -------
    majority : ndarray of shape (n,), int64
        Index into :data:`EMOTIONS` of the category with the most votes, or
        -1 when that category is contempt, unknown or NF, or when two
        categories tie for the most votes.
    proba : ndarray of shape (n, 7), float64
        Shares of the votes for the seven emotions, in :data:`EMOTIONS` order
        (votes for contempt, unknown and NF are ignored); rows without such a
        vote are 0.
    """
    votes = np.asarray(votes, dtype=np.float64)
    names = list(vote_names)
    columns = [names.index(_FERPLUS_NAMES[e]) for e in EMOTIONS]
    top = votes.argmax(axis=1)
    unique = (votes == votes.max(axis=1, keepdims=True)).sum(axis=1) == 1
    to_emotion = np.full(votes.shape[1], -1)
    to_emotion[columns] = np.arange(len(EMOTIONS))
    majority = np.where(unique, to_emotion[top], -1).astype(np.int64)
    emotion_votes = votes[:, columns]
    total = emotion_votes.sum(axis=1, keepdims=True)
    proba = np.divide(emotion_votes, total, out=np.zeros_like(emotion_votes), where=total > 0)
    return majority, proba


def _check_parts_present(subset, wanted, usage, path):
    """A named part the file does not hold is missing, not empty (copies without
    PrivateTest exist); ``"all"`` is every part the file holds."""
    present = [s for s in _SUBSETS if s in set(usage.tolist())]
    missing = [s for s in wanted if s not in present]
    if subset != "all" and missing:
        raise DatasetNotFoundError(
            f"FER2013's {', '.join(missing)} part is not in {path}, which holds "
            f"{', '.join(present) or 'no face'}; the original fer2013.csv has all three "
            f"parts ({_URL}).")


def load_fer2013(*, data_home=None, subset="all", return_X_y=False, as_names=True,
                 labels="fer2013"):
    """Load FER2013 from the original ``fer2013.csv`` or emosk's ``.npz``,
    with its own labels or Microsoft's FER+ relabelling.

    Looks for ``fer2013/fer2013.npz``, ``fer2013/fer2013.csv`` and
    ``fer2013.csv`` under the data home, in that order.

    FER+ (Barsoum et al. 2016) had 10 annotators vote on every face among
    neutral, happiness, surprise, sadness, anger, disgust, fear, contempt,
    unknown and NF (not a face).  With FER+ labels, only the faces whose most
    voted category is one of emosk's seven classes, and the only one with that
    many votes, are returned: faces with a majority of contempt, unknown or
    NF, or a tie at the top, are dropped, as are the 47 ``ambiguous`` rows
    whose votes may belong to a near-duplicate image.  About 30,000 of the
    32,298 faces remain; their FER+ majority equals the FER2013 label for
    about 66% of them.

    Parameters
    ----------
    data_home : str or path-like, default=None
        See :func:`get_data_home`.
    subset : {"all", "Training", "PublicTest", "PrivateTest"} or list, \
            default="all"
        Part(s) to return.
    return_X_y : bool, default=False
        Return ``(images, target)`` instead of a Bunch.
    as_names : bool, default=True
        Return ``target`` as class names (``"happy"``), the labels of emosk's
        shipped models (:func:`emosk.pretrained.load`), so that
        ``model.score(X, y)`` works as loaded; False gives integer indices
        into ``target_names`` (``target_names[target]`` are the names).
    labels : {"fer2013", "ferplus-majority", "ferplus-votes"}, \
            default="fer2013"
        ``"fer2013"``: the original labels.  ``"ferplus-majority"``: ``target``
        is the FER+ majority (see above).  ``"ferplus-votes"``: the same faces
        and ``target``, plus ``target_proba``, the shares of the votes for the
        seven emotions (votes for contempt, unknown and NF ignored), the soft
        labels of :meth:`emosk.nn.CNNClassifier.fit`.  FER+ labels need
        ``fer2013/fer2013.npz`` and ``fer2013/ferplus.npz`` (row-aligned).

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        ``images`` (n, 48, 48) uint8, ``target`` (n,): class names (int64
        indices in :data:`EMOTIONS` order with ``as_names=False``),
        ``target_names``, ``usage`` (the part of each image), ``DESCR``.
        With FER+ labels also ``fer2013_target`` (the original labels, coded
        like ``target``), ``votes`` (n, 10) and ``vote_names``; with
        ``"ferplus-votes"`` also ``target_proba`` (n, 7), its columns in
        ``target_names`` order (a classifier fitted on class names sorts them:
        pass ``target_proba[:, np.argsort(target_names)]``).

    Raises
    ------
    DatasetNotFoundError
        If no file is found; the message says where emosk looked.  Also
        when a part asked for by name is not in the file found (a copy
        without PrivateTest); ``subset="all"`` gives the parts it holds.
    ValueError
        On an unknown subset or ``labels``, a malformed CSV, FER+ labels
        without ``fer2013.npz``, or a ``ferplus.npz`` that does not align.
    """
    if labels not in _LABELS:
        raise ValueError(f"Unknown FER2013 labels {labels!r}; use one of {_LABELS}.")
    if not isinstance(subset, (str, list, tuple)):
        raise ValueError(f"subset must be 'all', one of {_SUBSETS} or a list of them; got "
                         f"{subset!r}.")
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
    _check_parts_present(subset, wanted, usage, path)
    keep = np.isin(usage, wanted)
    fields = {}
    if labels != "fer2013":
        if path.suffix != ".npz":
            raise ValueError(f"FER+ labels need fer2013/fer2013.npz, whose rows ferplus.npz "
                             f"follows; found only {path}.")
        votes, vote_names, ambiguous = _read_ferplus(data_home, len(images), usage)
        majority, proba = _ferplus_targets(votes, vote_names)
        keep &= (majority >= 0) & ~ambiguous
        names = np.array(EMOTIONS)
        fields = dict(fer2013_target=names[target[keep]] if as_names else target[keep],
                      votes=votes[keep], vote_names=vote_names)
        if labels == "ferplus-votes":
            fields["target_proba"] = proba[keep]
        target = majority
    return make_bunch(
        _DESCR,
        return_X_y,
        "images",
        as_names=as_names,
        images=images[keep],
        target=target[keep],
        target_names=np.array(EMOTIONS),
        usage=usage[keep],
        **fields,
    )

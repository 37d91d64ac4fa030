"""Shared helpers of the data-set loaders: where data lives, labels, errors."""

import os
from pathlib import Path

import numpy as np
from sklearn.utils import Bunch

__all__ = ["EMOTIONS", "DatasetNotFoundError", "get_data_home"]

#: emosk's seven emotion classes, in the FER2013 order.
EMOTIONS = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")


class DatasetNotFoundError(FileNotFoundError):
    """A data set is not where emosk looked for it."""


def get_data_home(data_home=None):
    """Folder that holds emosk's data sets.

    Parameters
    ----------
    data_home : str or path-like, default=None
        Used as is when given.  Otherwise the ``EMOSK_DATA`` environment
        variable, else ``~/emosk_data``.

    Returns
    -------
    pathlib.Path
    """
    if data_home is not None:
        return Path(data_home).expanduser()
    env = os.environ.get("EMOSK_DATA")
    if env:
        return Path(env).expanduser()
    return Path("~/emosk_data").expanduser()


def find_dataset(name, candidates, *, data_home, url, expect):
    """Return the first existing path among ``candidates`` under the data home.

    Parameters
    ----------
    name : str
        Human-readable data-set name for the error message.
    candidates : list of str
        Relative paths to try, in order.
    data_home : str, path-like or None
        See :func:`get_data_home`.
    url : str
        Where the data set is published.
    expect : str
        What the user should put where.

    Returns
    -------
    pathlib.Path

    Raises
    ------
    DatasetNotFoundError
        Naming every path tried, the publisher and the expected layout.
    """
    home = get_data_home(data_home)
    tried = [home / c for c in candidates]
    for path in tried:
        if path.exists():
            return path
    raise DatasetNotFoundError(
        f"{name} was not found. emosk looked for: "
        + ", ".join(str(p) for p in tried)
        + f". The data set is published at {url} (licence: research use); "
        f"{expect} Point emosk at it with data_home=... or the EMOSK_DATA "
        "environment variable."
    )


def encode_labels(labels, extra=()):
    """Encode string labels as integers in emosk's class order.

    Parameters
    ----------
    labels : sequence of str
        One of :data:`EMOTIONS` or ``extra`` per sample.
    extra : sequence of str, default=()
        Data-set specific classes, ordered after the seven emotions.

    Returns
    -------
    target : ndarray of int64
        Indices into ``target_names``.
    target_names : ndarray of str
        The classes present, in the order of ``EMOTIONS + extra``.
    """
    order = list(EMOTIONS) + [e for e in extra if e not in EMOTIONS]
    labels = np.asarray(labels, dtype=object)
    unknown = sorted(set(labels) - set(order))
    if unknown:
        raise ValueError(f"Unknown labels {unknown}; expected among {order}.")
    names = [c for c in order if c in set(labels)]
    index = {c: i for i, c in enumerate(names)}
    return np.array([index[lab] for lab in labels], dtype=np.int64), np.array(names)


def make_bunch(descr, return_X_y, x_key, *, as_names=False, **fields):
    """Return a Bunch, or ``(fields[x_key], fields["target"])``.

    With ``as_names`` the integer ``target`` is replaced by the class names
    ``target_names[target]``.
    """
    if as_names:
        fields["target"] = np.asarray(fields["target_names"])[fields["target"]]
    if return_X_y:
        return fields[x_key], fields["target"]
    return Bunch(DESCR=descr, **fields)

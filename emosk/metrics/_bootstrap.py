"""Paired bootstrap of a metric's difference between two systems."""

import numpy as np
from scipy.stats import bootstrap
from sklearn.metrics import accuracy_score
from sklearn.utils import check_random_state

from ._metrics import unweighted_average_recall

__all__ = ["paired_bootstrap"]


#: The metrics :func:`paired_bootstrap` knows by name.
METRICS = {"accuracy": accuracy_score, "uar": unweighted_average_recall}


def paired_bootstrap(y_true, y_pred, y_pred_reference, *, metric="uar", groups=None,
                     n_resamples=2000, confidence_level=0.95, random_state=None):
    """How much a system beats a reference on the same samples, with a
    bootstrap confidence interval of the difference.

    Both systems' predictions are resampled together (a paired bootstrap), so
    the interval reflects how much the difference would move on another draw
    of data like this, not each system's own spread.  With ``groups``, whole
    groups are drawn (a cluster bootstrap): use it when samples of one group
    (a person, a movie scene, a clip) are not independent, as the interval
    is otherwise too narrow.  The resampling is scipy's
    :func:`scipy.stats.bootstrap` (percentile interval) over the samples or
    groups.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True labels.
    y_pred, y_pred_reference : array-like of shape (n_samples,)
        Predictions of the system and of the reference, on the same samples.
    metric : {"uar", "accuracy"} or callable, default="uar"
        ``"uar"``: :func:`unweighted_average_recall` (over the classes of each
        resample); ``"accuracy"``; or ``metric(y_true, y_pred) -> float``,
        called with the labels as given.
    groups : array-like of shape (n_samples,), default=None
        Group of each sample; whole groups are resampled.  None: every sample
        is its own group.
    n_resamples : int, default=2000
        Bootstrap resamples.
    confidence_level : float, default=0.95
        Of the two-sided interval, in (0, 1).
    random_state : int, RandomState instance or None, default=None
        Seeds the resampling.

    Returns
    -------
    dict
        ``difference`` (the metric of ``y_pred`` minus that of
        ``y_pred_reference`` on all samples), ``low`` and ``high`` (the
        interval's ends), ``confidence_level``, ``n_resamples`` and
        ``n_units`` (samples or groups drawn from).

    Raises
    ------
    ValueError
        If the three arrays (and ``groups``) are not 1-d of one length, there
        are fewer than two samples or groups, ``metric`` is an unknown name,
        or ``n_resamples`` or ``confidence_level`` is out of range.

    Examples
    --------
    >>> from emosk.metrics import paired_bootstrap
    >>> y = ["happy", "sad"] * 20
    >>> better = ["happy", "sad"] * 18 + ["sad", "sad"] * 2
    >>> worse = ["happy", "happy"] * 20
    >>> result = paired_bootstrap(y, better, worse, metric="accuracy", random_state=0)
    >>> round(result["difference"], 3), result["low"] > 0
    (0.45, True)
    """
    score = _metric(metric)
    y_true, y_pred, y_ref = (np.asarray(a) for a in (y_true, y_pred, y_pred_reference))
    if y_true.ndim != 1 or not y_true.shape == y_pred.shape == y_ref.shape:
        raise ValueError(f"y_true, y_pred and y_pred_reference must be 1-d and of one "
                         f"length; got shapes {y_true.shape}, {y_pred.shape} and "
                         f"{y_ref.shape}.")
    units, members = _units(groups, len(y_true))
    if len(units) < 2:
        raise ValueError(f"paired_bootstrap needs at least two samples or groups; got "
                         f"{len(units)}.")
    if not (isinstance(n_resamples, (int, np.integer)) and n_resamples >= 1):
        raise ValueError(f"n_resamples must be a positive int; got {n_resamples!r}.")
    if not 0 < confidence_level < 1:
        raise ValueError(f"confidence_level must be in (0, 1); got {confidence_level!r}.")
    # named metrics score integer codes (the same values, faster); a callable
    # gets the labels as given
    t, p, r = (y_true, y_pred, y_ref) if callable(metric) else _codes(y_true, y_pred, y_ref)

    def difference(drawn):
        idx = members(drawn)
        return score(t[idx], p[idx]) - score(t[idx], r[idx])

    seed = check_random_state(random_state).randint(2**31 - 1)
    result = bootstrap((units,), difference, n_resamples=n_resamples, vectorized=False,
                       confidence_level=confidence_level, method="percentile",
                       rng=np.random.default_rng(seed))
    return {"difference": float(score(t, p) - score(t, r)),
            "low": float(result.confidence_interval.low),
            "high": float(result.confidence_interval.high),
            "confidence_level": confidence_level, "n_resamples": int(n_resamples),
            "n_units": len(units)}


def _metric(metric):
    if callable(metric):
        return metric
    if metric not in METRICS:
        raise ValueError(f"metric must be one of {sorted(METRICS)} or a callable; got "
                         f"{metric!r}.")
    return METRICS[metric]


def _codes(*labels):
    """The labels as integer codes of one shared vocabulary (faster to score
    thousands of times than strings); the same metric values."""
    _, inverse = np.unique(np.concatenate([a.astype(str) for a in labels]),
                           return_inverse=True)
    return np.split(inverse, np.cumsum([len(a) for a in labels])[:-1])


def _units(groups, n):
    """The resampling units (group numbers) and a function from drawn units to
    the indices of their samples."""
    if groups is None:
        return np.arange(n), lambda drawn: drawn
    groups = np.asarray(groups)
    if groups.shape != (n,):
        raise ValueError(f"groups must have one entry per sample, shape ({n},); got "
                         f"shape {groups.shape}.")
    _, code = np.unique(groups, return_inverse=True)
    order = np.argsort(code, kind="stable")
    sizes = np.bincount(code)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])

    def members(drawn):
        # the samples of each drawn group, a group drawn twice counted twice
        size = sizes[drawn]
        shift = np.repeat(starts[drawn] - np.concatenate([[0], np.cumsum(size)[:-1]]),
                          size)
        return order[np.arange(size.sum()) + shift]

    return np.arange(len(sizes)), members

"""Statistical pooling of frame features (Knyazev et al. 2017, "STAT")."""

import re

import numpy as np

from ._base import BasePooling, pool_by_length

__all__ = ["StatPooling", "stat_pool", "STAT_PRESETS"]

STAT_PRESETS = {
    "stat": ("mean", "std", "min", "max"),
    "stat*": ("mean", "std", "min"),
}

_STAT_FUNCS = {
    "mean": lambda a: a.mean(axis=1),
    "std": lambda a: a.std(axis=1),
    "min": lambda a: a.min(axis=1),
    "max": lambda a: a.max(axis=1),
    "median": lambda a: np.median(a, axis=1),
}
_QUANTILE = re.compile(r"^q(\d{1,3})$")


def resolve_stats(stats):
    """Turn a ``stats`` parameter into a tuple of valid statistic names.

    Parameters
    ----------
    stats : str or sequence of str
        ``"stat"`` (mean, std, min, max), ``"stat*"`` (mean, std, min), or
        names among ``mean, std, min, max, median`` and ``qNN`` (the NN-th
        percentile, 0 to 100).

    Returns
    -------
    tuple of str

    Raises
    ------
    ValueError
        On an unknown name, an empty list or a repeated name; the message
        names the value.
    """
    if isinstance(stats, str):
        key = stats.lower()
        if key not in STAT_PRESETS:
            raise ValueError(
                f"Unknown stats preset {stats!r}; use one of {sorted(STAT_PRESETS)} "
                "or a sequence of statistic names."
            )
        return STAT_PRESETS[key]
    stats = tuple(stats)
    if not stats:
        raise ValueError("stats must name at least one statistic; got an empty list.")
    for s in stats:
        m = _QUANTILE.match(s) if isinstance(s, str) else None
        if s not in _STAT_FUNCS and not (m and int(m.group(1)) <= 100):
            raise ValueError(
                f"Unknown statistic {s!r} in stats={stats!r}; use any of "
                f"{sorted(_STAT_FUNCS)} or 'qNN' for the NN-th percentile."
            )
    if len(set(stats)) != len(stats):
        raise ValueError(f"stats={stats!r} names a statistic twice.")
    return stats


def _batched_stats(a, stats):
    blocks = []
    for s in stats:
        if s in _STAT_FUNCS:
            blocks.append(_STAT_FUNCS[s](a))
        else:
            blocks.append(np.percentile(a, float(s[1:]), axis=1))
    return np.concatenate(blocks, axis=1).astype(a.dtype, copy=False)


def stat_pool(clip, *, stats=("mean", "std", "min")):
    """Pool one clip's frame features into per-feature statistics.

    Parameters
    ----------
    clip : ndarray of shape (T, d)
        Frame features of one clip, ``T >= 1``.
    stats : str or sequence of str, default=("mean", "std", "min")
        Statistics to compute, see :func:`resolve_stats`.

    Returns
    -------
    ndarray of shape (len(stats) * d,)
        The statistics, statistic-major: all means, then all standard
        deviations, and so on.  ``std`` is the population standard deviation
        (0 for a single frame).

    Examples
    --------
    >>> import numpy as np
    >>> from emosk.pooling import stat_pool
    >>> stat_pool(np.array([[0.0, 1.0], [2.0, 3.0]]), stats=("mean", "max"))
    array([1., 2., 2., 3.])
    """
    clip = np.asarray(clip)
    return _batched_stats(clip[None], resolve_stats(stats))[0]


class StatPooling(BasePooling):
    """Pool each clip's frame features into per-feature statistics.

    The "STAT" features of Knyazev et al. (2017): the mean, standard deviation,
    minimum and maximum of every frame-feature dimension over the frames of a
    clip, concatenated statistic by statistic.  "STAT*" drops the maximum.

    Input: clips (list of ``(T_i, d)`` arrays, a ``(n, T, d)`` array, or an
    ``(n, d)`` array of single-frame clips).  Output: ``(n, len(stats) * d)``.

    Parameters
    ----------
    stats : str or tuple of str, default=("mean", "std", "min")
        ``"stat"``, ``"stat*"`` or any subset of ``mean``, ``std``, ``min``,
        ``max``, ``median`` and ``qNN`` percentiles (e.g. ``"q90"``), in the
        order the output blocks should have.

    Attributes
    ----------
    n_features_in_ : int
        Number of frame features ``d`` seen during ``fit``.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during ``fit`` (only for DataFrame input).

    See Also
    --------
    FFTPooling : Average Fourier magnitude of each feature over time.
    stat_pool : The function behind this transformer, for one clip.

    Notes
    -----
    Knyazev et al. (2017), "Convolutional neural networks pretrained on large
    face recognition datasets for emotion classification from video", report
    that STAT* pooling of fine-tuned face-recognition CNN features, followed by
    scaling, RootSIFT and a linear SVM, reached 60.03% on the EmotiW 2017 test
    set as part of their ensemble.

    Examples
    --------
    >>> import numpy as np
    >>> from emosk.pooling import StatPooling
    >>> clips = [np.zeros((3, 2)), np.ones((5, 2))]
    >>> StatPooling(stats=("mean", "max")).fit_transform(clips)
    array([[0., 0., 0., 0.],
           [1., 1., 1., 1.]])
    """

    _parameter_constraints = {"stats": [str, list, tuple]}

    def __init__(self, stats=("mean", "std", "min")):
        self.stats = stats

    def _check_params(self):
        resolve_stats(self.stats)

    def _prefixes(self):
        return list(resolve_stats(self.stats))

    def _pool(self, clips):
        stats = resolve_stats(self.stats)
        return pool_by_length(clips, lambda a: _batched_stats(a, stats))

    @classmethod
    def get_test_params(cls):
        """Parameter sets that emosk's common tests instantiate."""
        return [{}, {"stats": "stat"}, {"stats": ("median", "q90")}]



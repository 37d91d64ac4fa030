"""Standardisation per group: speaker normalisation of acoustic features."""

from numbers import Integral

import numpy as np
from sklearn.base import (
    BaseEstimator,
    OneToOneFeatureMixin,
    TransformerMixin,
    _fit_context,
)
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_is_fitted, validate_data

__all__ = ["GroupStandardScaler", "group_statistics"]


def _mean_scale(X):
    """Column means and standard deviations (ddof 0); a zero deviation becomes 1."""
    mean = X.mean(axis=0)
    scale = X.std(axis=0)
    return mean, np.where(scale > np.finfo(X.dtype).eps * 10, scale, 1.0)


def group_statistics(X, groups):
    """Mean and standard deviation of every feature within each group.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        Feature rows.
    groups : array-like of shape (n_samples,)
        Group label of each row (a speaker, a session, a file set).

    Returns
    -------
    dict
        Group label to ``(mean, scale, count)``: two ``(n_features,)`` arrays
        and the group's number of rows.  A feature with zero deviation in a
        group gets scale 1, as in :class:`~sklearn.preprocessing.StandardScaler`.

    Examples
    --------
    >>> import numpy as np
    >>> from emosk.preprocessing import group_statistics
    >>> stats = group_statistics(np.array([[0.0], [2.0], [5.0]]), ["a", "a", "b"])
    >>> stats["a"][0], stats["a"][1], stats["b"][2]
    (array([1.]), array([1.]), 1)
    """
    groups = np.asarray(groups)
    out = {}
    for g in np.unique(groups):
        rows = X[groups == g]
        out[g.item() if hasattr(g, "item") else g] = (*_mean_scale(rows), len(rows))
    return out


def _check_groups(groups, n_samples):
    groups = np.asarray(groups)
    if groups.ndim != 1 or len(groups) != n_samples:
        raise ValueError(
            f"groups must have one label per row: got shape {groups.shape} for "
            f"{n_samples} rows."
        )
    return groups


class GroupStandardScaler(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """Standardise features within each group: speaker normalisation.

    Every row is centred and scaled with the mean and standard deviation of
    its own group (a speaker, a recording session, any set of files), so that
    what is left is how a clip differs from that speaker's usual voice rather
    than who is speaking.  The standard remedy for speaker-independent speech
    emotion recognition.

    Which statistics a row gets:

    1. its group was seen in ``fit``: that group's statistics from ``fit``;
    2. a new group with at least ``min_group_size`` rows in the data being
       transformed: the statistics of those rows (the group's own data);
    3. otherwise (no ``groups`` given, or a new group with too few rows, such
       as one clip of an unknown speaker): the global statistics of all
       training rows, i.e. plain standardisation.

    ``groups`` reaches the scaler through scikit-learn's metadata routing:
    it is requested by default for ``fit`` and ``transform``, so with
    ``sklearn.set_config(enable_metadata_routing=True)`` a ``groups=`` passed to
    a :class:`~sklearn.pipeline.Pipeline` or
    :class:`~sklearn.model_selection.GridSearchCV` reaches it (and the
    cross-validation splitter).  Without routing, pass it as a step parameter
    (``pipe.fit(X, y, norm__groups=g)``) or call the scaler directly.

    Input and output: ``(n_samples, n_features)`` arrays.

    Parameters
    ----------
    min_group_size : int, default=2
        Fewest rows a group unseen in ``fit`` needs, in the data being
        transformed, for its own statistics to be used; smaller groups fall
        back to the global statistics.

    Attributes
    ----------
    mean_ : ndarray of shape (`n_features_in_`,)
        Global mean of the training rows (the fallback).
    scale_ : ndarray of shape (`n_features_in_`,)
        Global standard deviation of the training rows (1 where it is 0).
    group_stats_ : dict
        Training group label to ``(mean, scale, count)``; empty when ``fit``
        had no groups.
    n_features_in_ : int
        Number of features seen during ``fit``.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during ``fit`` (only for DataFrame input).

    See Also
    --------
    group_statistics : The per-group statistics.
    sklearn.preprocessing.StandardScaler : The same without groups.

    Notes
    -----
    Speaker-level z-normalisation of acoustic functionals is the usual first
    step of speaker-independent speech emotion recognition (e.g. Schuller et
    al., "Speaker independent speech emotion recognition by ensemble
    classification", ICME 2005).  The group of a test clip is needed at
    prediction time too; scikit-learn's cross-validation helpers route
    metadata to ``fit`` but not to ``predict``, so their held-out rows fall
    back to the global statistics (rule 3): evaluate with an explicit loop that
    passes the held-out groups, as ``benchmarks/audio.py`` does.

    Examples
    --------
    >>> import numpy as np
    >>> from emosk.preprocessing import GroupStandardScaler
    >>> X = np.array([[1.0], [3.0], [10.0], [14.0]])
    >>> GroupStandardScaler().fit_transform(X, groups=["a", "a", "b", "b"]).ravel()
    array([-1.,  1., -1.,  1.])
    """

    _parameter_constraints = {
        "min_group_size": [Interval(Integral, 2, None, closed="left")],
    }
    __metadata_request__fit = {"groups": True}
    __metadata_request__transform = {"groups": True}

    def __init__(self, *, min_group_size=2):
        self.min_group_size = min_group_size

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None, groups=None):
        """Learn the global and the per-group statistics.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training rows.
        y : None
            Ignored.
        groups : array-like of shape (n_samples,), default=None
            Group (speaker) of each row; None learns the global statistics only.

        Returns
        -------
        self : object
        """
        X = validate_data(self, X, dtype=(np.float64, np.float32))
        self.mean_, self.scale_ = _mean_scale(X)
        self.group_stats_ = (
            {} if groups is None else group_statistics(X, _check_groups(groups, len(X)))
        )
        return self

    def transform(self, X, groups=None):
        """Standardise each row with the statistics its group gets.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to scale.
        groups : array-like of shape (n_samples,), default=None
            Group of each row; None scales every row with the global statistics.

        Returns
        -------
        ndarray of shape (n_samples, n_features)
        """
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=(np.float64, np.float32))
        if groups is None:
            return (X - self.mean_) / self.scale_
        groups = _check_groups(groups, len(X))
        out = np.empty_like(X)
        for g in np.unique(groups):
            rows = groups == g
            mean, scale = self._stats_for(g.item() if hasattr(g, "item") else g, X[rows])
            out[rows] = (X[rows] - mean) / scale
        return out

    def fit_transform(self, X, y=None, groups=None):
        """Fit, then transform the same rows with their groups.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training rows.
        y : None
            Ignored.
        groups : array-like of shape (n_samples,), default=None
            Group (speaker) of each row.

        Returns
        -------
        ndarray of shape (n_samples, n_features)
        """
        return self.fit(X, y, groups=groups).transform(X, groups=groups)

    def _stats_for(self, group, rows):
        if group in self.group_stats_:
            return self.group_stats_[group][:2]
        if len(rows) >= self.min_group_size:
            return _mean_scale(rows)
        return self.mean_, self.scale_

    @classmethod
    def get_test_params(cls):
        """Parameter sets for the common estimator tests."""
        return [{}, {"min_group_size": 3}]

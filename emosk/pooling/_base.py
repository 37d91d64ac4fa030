"""Shared machinery of the clip-pooling transformers."""

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils.validation import _check_feature_names_in, check_is_fitted

from ..utils.validation import validate_clips


def pool_by_length(clips, func):
    """Apply a batched pooling function to clips of possibly different lengths.

    Clips of equal length are stacked and pooled in one call, so a collection of
    same-length clips costs one vectorised call.

    Parameters
    ----------
    clips : list of ndarray of shape (T_i, d)
        Validated clips.
    func : callable
        Maps an array ``(n, T, d)`` to ``(n, k)``.

    Returns
    -------
    ndarray of shape (n_clips, k)
    """
    lengths = np.array([len(c) for c in clips])
    out = None
    for T in np.unique(lengths):
        idx = np.flatnonzero(lengths == T)
        pooled = func(np.stack([clips[i] for i in idx]))
        if out is None:
            out = np.empty((len(clips), pooled.shape[1]), dtype=pooled.dtype)
        out[idx] = pooled
    return out


class BasePooling(TransformerMixin, BaseEstimator):
    """Base class: clips in, one row per clip out.

    Subclasses implement ``_check_params()``, ``_pool(clips)`` and
    ``_prefixes()`` (the output block names, in order).
    """

    _emosk_input = "clips"

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Check parameters and record the number of features.

        Parameters
        ----------
        X : list of array-like of shape (T_i, d), ndarray of shape (n, T, d) \
                or array-like of shape (n, d)
            Clips of frame features (see :ref:`data_contract`).
        y : None
            Ignored.

        Returns
        -------
        self : object
            Fitted transformer.
        """
        self._check_params()
        validate_clips(self, X, reset=True)
        return self

    def transform(self, X):
        """Pool each clip into one feature vector.

        Parameters
        ----------
        X : list of array-like of shape (T_i, d), ndarray of shape (n, T, d) \
                or array-like of shape (n, d)
            Clips of frame features with the ``d`` seen in ``fit``.

        Returns
        -------
        ndarray of shape (n_clips, n_features_out)
            One row per clip.
        """
        check_is_fitted(self)
        clips = validate_clips(self, X, reset=False)
        return self._pool(clips)

    def get_feature_names_out(self, input_features=None):
        """Names of the pooled features, ``<block>__<input feature>``.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Input feature names; ``x0, x1, ...`` when not given and not seen
            in ``fit``.

        Returns
        -------
        ndarray of str objects
        """
        check_is_fitted(self, "n_features_in_")
        names = _check_feature_names_in(self, input_features)
        return np.asarray(
            [f"{p}__{n}" for p in self._prefixes() for n in names], dtype=object
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = True
        tags.input_tags.three_d_array = True
        return tags

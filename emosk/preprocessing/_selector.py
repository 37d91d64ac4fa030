"""Selecting one feature source out of multi-source samples."""

from collections.abc import Mapping
from numbers import Integral

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils.validation import check_is_fitted, validate_data

__all__ = ["SourceSelector", "select_source"]


def _is_column_key(source):
    if isinstance(source, (Integral, slice)) and not isinstance(source, bool):
        return True
    return (
        isinstance(source, (list, tuple, np.ndarray))
        and len(source) > 0
        and all(isinstance(s, Integral) and not isinstance(s, bool) for s in source)
    )


def _stack_if_vectors(values):
    if all(isinstance(v, np.ndarray) and v.ndim == 1 for v in values):
        lengths = {len(v) for v in values}
        if len(lengths) == 1:
            return np.stack([np.asarray(v) for v in values])
    return list(values)


def select_source(X, source):
    """Take one feature source out of a collection of multi-source samples.

    Parameters
    ----------
    X : list of mappings, or pandas DataFrame
        One mapping per sample from source name to that source's data (a
        ``(T, d)`` clip of frame features, a ``(d,)`` vector, a file path ...),
        or a DataFrame with one column per source.
    source : hashable
        The source's name (key or column).

    Returns
    -------
    list or ndarray
        A 2-D array ``(n, d)`` when every sample's value is a 1-D ndarray of the
        same length, else a list with one value per sample (clips, file paths,
        ``(waveform, rate)`` pairs ...).

    Raises
    ------
    KeyError
        If a sample lacks ``source``; the message names the sample's index and
        the sources it has.
    TypeError
        If ``X`` is neither a sequence of mappings nor a DataFrame.
    """
    if _is_dataframe(X):
        if not _hashable_in(source, X.columns):
            raise KeyError(
                f"Source {source!r} is not a column; columns are {list(X.columns)}."
            )
        return _stack_if_vectors(list(X[source]))
    if isinstance(X, Mapping) or isinstance(X, (str, bytes)):
        raise TypeError(
            "Multi-source samples must be a list of mappings (one per sample) or a "
            f"DataFrame; got a {type(X).__name__}."
        )
    values = []
    for i, sample in enumerate(X):
        if not isinstance(sample, Mapping):
            raise TypeError(
                f"Sample {i} is a {type(sample).__name__}, not a mapping from "
                "source names to data."
            )
        if source not in sample:
            raise KeyError(
                f"Sample {i} has no source {source!r}; it has {sorted(map(str, sample))}."
            )
        values.append(sample[source])
    return _stack_if_vectors(values)


class SourceSelector(TransformerMixin, BaseEstimator):
    """Pick one feature source from samples that carry several.

    The first step of each member of a score-averaging ensemble: every member
    of a :class:`~sklearn.ensemble.VotingClassifier` receives the same samples,
    and this transformer hands it only its own source (a CNN's frame features,
    the audio features ...).

    Input: a list of mappings (one per sample, source name to data) or a
    DataFrame with a column per source; output: that source, as a 2-D array
    when every value is a vector of one length, else a list (e.g. of clips).
    A 2-D array input with an integer, slice or list-of-int ``source`` selects
    those columns, like :class:`~sklearn.compose.ColumnTransformer`.

    Parameters
    ----------
    source : hashable, int, slice or list of int
        The source name, or the columns of a 2-D array.

    Attributes
    ----------
    n_features_in_ : int
        Number of columns seen during ``fit`` (2-D array input only).

    See Also
    --------
    emosk.ensemble.make_score_average : Builds the ensemble with one selector
        per member.

    Examples
    --------
    >>> import numpy as np
    >>> from emosk.preprocessing import SourceSelector
    >>> X = [{"video": np.zeros((4, 3)), "audio": np.ones(2)},
    ...      {"video": np.ones((2, 3)), "audio": np.zeros(2)}]
    >>> SourceSelector("audio").fit_transform(X)
    array([[1., 1.],
           [0., 0.]])
    """

    _parameter_constraints = {"source": "no_validation"}

    def __init__(self, source=0):
        self.source = source

    def _uses_columns(self, X):
        if _is_dataframe(X) and _hashable_in(self.source, X.columns):
            return False
        if isinstance(X, (list, tuple)) and len(X) > 0 and isinstance(X[0], Mapping):
            return False
        return _is_column_key(self.source)

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Check that every sample carries the source.

        Parameters
        ----------
        X : list of mappings, DataFrame or array-like of shape (n, d)
            Multi-source samples.
        y : None
            Ignored.

        Returns
        -------
        self : object
        """
        if self._uses_columns(X):
            validate_data(self, X, ensure_all_finite=False, dtype=None)
        else:
            select_source(X, self.source)
        self.is_fitted_ = True
        return self

    def transform(self, X):
        """Return the selected source.

        Parameters
        ----------
        X : list of mappings, DataFrame or array-like of shape (n, d)
            Multi-source samples.

        Returns
        -------
        list or ndarray
            The source's data, one entry or row per sample.
        """
        check_is_fitted(self)
        if self._uses_columns(X):
            X = validate_data(self, X, reset=False, ensure_all_finite=False, dtype=None)
            out = X[:, self.source]
            return out[:, None] if out.ndim == 1 else out
        return select_source(X, self.source)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.input_tags.string = True
        tags.requires_fit = False
        return tags

    @classmethod
    def get_test_params(cls):
        """Parameter sets that emosk's common tests instantiate."""
        return [{"source": 0}, {"source": [0, 1]}]


def _is_dataframe(X):
    return hasattr(X, "columns") and hasattr(X, "iloc")


def _hashable_in(key, container):
    try:
        return key in container
    except TypeError:
        return False

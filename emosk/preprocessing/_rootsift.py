"""RootSIFT normalisation (Arandjelovic & Zisserman 2012)."""

import numpy as np
from sklearn.base import (
    BaseEstimator,
    OneToOneFeatureMixin,
    TransformerMixin,
    _fit_context,
)
from sklearn.utils.validation import check_is_fitted, validate_data

__all__ = ["RootSIFT", "root_sift"]


def root_sift(X):
    """Apply RootSIFT to each row: ``sign(x) * sqrt(|x| / ||x||_1)``.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        Feature vectors, one per row.

    Returns
    -------
    ndarray of shape (n_samples, n_features)
        A new array.  Each non-zero row has unit L2 norm; zero rows stay zero.

    Examples
    --------
    >>> import numpy as np
    >>> from emosk.preprocessing import root_sift
    >>> root_sift(np.array([[1.0, -3.0], [0.0, 0.0]]))
    array([[ 0.5      , -0.8660254],
           [ 0.       ,  0.       ]])
    """
    X = np.asarray(X)
    l1 = np.abs(X).sum(axis=1, keepdims=True)
    l1 = np.where(l1 > 0, l1, 1)
    return np.sign(X) * np.sqrt(np.abs(X) / l1)


class RootSIFT(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """Signed square root of L1-normalised features, row by row.

    ``x -> sign(x) * sqrt(|x| / ||x||_1)``: a Hellinger-kernel mapping that
    damps large components, so that a linear SVM on the output behaves like a
    Hellinger-kernel SVM on the input.  Rows of zeros are left as zeros.
    Stateless: ``fit`` only checks the input.

    Input and output: ``(n_samples, n_features)`` arrays.

    Attributes
    ----------
    n_features_in_ : int
        Number of features seen during ``fit``.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during ``fit`` (only for DataFrame input).

    See Also
    --------
    root_sift : The function behind this transformer.
    sklearn.preprocessing.Normalizer : Plain L1 or L2 row normalisation.

    Notes
    -----
    Arandjelovic and Zisserman (2012), "Three things everyone should know to
    improve object retrieval", introduced RootSIFT; Knyazev et al. (2017)
    apply it to pooled CNN features before standardisation and a linear SVM.

    Examples
    --------
    >>> import numpy as np
    >>> from emosk.preprocessing import RootSIFT
    >>> RootSIFT().fit_transform(np.array([[4.0, 0.0, -12.0]]))
    array([[ 0.5      ,  0.       , -0.8660254]])
    """

    _parameter_constraints = {}

    def __init__(self):
        pass

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Check ``X`` and record the number of features.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Feature vectors.
        y : None
            Ignored.

        Returns
        -------
        self : object
        """
        validate_data(self, X, dtype=(np.float64, np.float32))
        return self

    def transform(self, X):
        """Apply RootSIFT to each row.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Feature vectors.

        Returns
        -------
        ndarray of shape (n_samples, n_features)
        """
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=(np.float64, np.float32))
        return root_sift(X)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = False
        return tags

"""Class-prior reweighting of a classifier's probabilities (Knyazev et al. 2017)."""

from collections.abc import Mapping
from numbers import Integral, Real

import numpy as np
from sklearn.base import (
    BaseEstimator,
    ClassifierMixin,
    MetaEstimatorMixin,
    _fit_context,
    clone,
)
from sklearn.linear_model import LogisticRegression
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, column_or_1d

from ._folds import check_class_counts

__all__ = [
    "ClassPriorReweighter",
    "prior_weights",
    "reweight_probabilities",
    "EMOTIW2017_TEST_COUNTS",
]

#: Class counts of the EmotiW 2017 (AFEW 7.0) test set used by Knyazev et al.
#: (2017) as expected class frequencies; the square roots of these weights moved
#: their ensemble from 54.98% to 60.03% test accuracy.
EMOTIW2017_TEST_COUNTS = {
    "angry": 98,
    "disgust": 40,
    "fear": 70,
    "happy": 144,
    "neutral": 193,
    "sad": 80,
    "surprise": 28,
}


def _integer_classes(classes):
    if np.issubdtype(classes.dtype, np.integer):
        return True
    return classes.dtype == object and all(
        isinstance(c, Integral) and not isinstance(c, bool) for c in classes.tolist()
    )


def _array_priors(priors, classes):
    values = np.asarray(priors, dtype=float).ravel()
    if not _integer_classes(classes):
        raise ValueError(
            f"priors is an array but the classes {classes.tolist()} are not "
            "integers, so which value goes with which class is ambiguous "
            "(classes_ is sorted; data sets list their classes in another "
            "order). Give a mapping from class to prior instead, e.g. "
            f"{dict(zip(classes.tolist()[:2], values.tolist()[:2]))}."
        )
    if values.shape != classes.shape:
        raise ValueError(
            f"priors has {values.size} values but there are {classes.size} "
            f"classes {list(classes)}."
        )
    return values


def prior_weights(priors, classes, *, y=None, power=0.5):
    """Per-class weights ``(prior / sum(prior)) ** power``, aligned with ``classes``.

    Parameters
    ----------
    priors : dict, array-like of shape (n_classes,), "train" or None
        Expected class frequencies or counts: a mapping from class label to
        value (every class must be present; extra keys are ignored); an array
        in the order of ``classes``, accepted only for integer classes (for
        other labels the order is ambiguous and a mapping is required);
        ``"train"`` for the frequencies in ``y``; or None for no reweighting
        (all weights 1).
    classes : ndarray of shape (n_classes,)
        The classifier's ``classes_``.
    y : array-like of shape (n_samples,), default=None
        Training labels, needed when ``priors="train"``.
    power : float, default=0.5
        Exponent; 0.5 is the paper's square root, 0 disables reweighting.

    Returns
    -------
    ndarray of shape (n_classes,)

    Raises
    ------
    ValueError
        If a class is missing from a dict, an array is given for non-integer
        classes (the message names them) or has the wrong length, or a prior
        is negative, NaN or all are zero.

    Examples
    --------
    >>> from emosk.ensemble import prior_weights
    >>> prior_weights({"a": 1, "b": 3}, ["a", "b"], power=1.0)
    array([0.25, 0.75])
    >>> prior_weights(None, ["a", "b"])
    array([1., 1.])
    """
    classes = np.asarray(classes)
    if priors is None:
        return np.ones(len(classes))
    if isinstance(priors, str):
        if priors != "train":
            raise ValueError(
                f"priors must be a mapping, an array, 'train' or None; got {priors!r}."
            )
        if y is None:
            raise ValueError("priors='train' needs the training labels y.")
        y = np.asarray(y)
        values = np.array([np.sum(y == c) for c in classes], dtype=float)
    elif isinstance(priors, Mapping):
        missing = [c for c in classes.tolist() if c not in priors]
        if missing:
            raise ValueError(
                f"priors has no value for class(es) {missing}; it has keys "
                f"{list(priors)}."
            )
        values = np.array([priors[c] for c in classes.tolist()], dtype=float)
    else:
        values = _array_priors(priors, classes)
    if np.any(~np.isfinite(values)) or np.any(values < 0) or values.sum() == 0:
        raise ValueError(
            f"priors must be finite, non-negative and not all zero; got {values}."
        )
    return (values / values.sum()) ** power


def reweight_probabilities(proba, weights):
    """Multiply class probabilities by weights and renormalise each row.

    Parameters
    ----------
    proba : ndarray of shape (n_samples, n_classes)
        Class probabilities.
    weights : ndarray of shape (n_classes,)
        Non-negative class weights.

    Returns
    -------
    ndarray of shape (n_samples, n_classes)
        Rows sum to one.  A row whose weighted sum is zero keeps its original
        probabilities.

    Raises
    ------
    ValueError
        If ``proba`` is not a 2-D array of finite non-negative values, or
        ``weights`` not ``n_classes`` finite non-negative numbers.

    Examples
    --------
    >>> import numpy as np
    >>> from emosk.ensemble import reweight_probabilities
    >>> reweight_probabilities(np.array([[0.5, 0.5]]), np.array([1.0, 3.0]))
    array([[0.25, 0.75]])
    """
    proba, weights = np.asarray(proba, dtype=float), np.asarray(weights, dtype=float)
    if proba.ndim != 2 or not np.isfinite(proba).all() or (proba < 0).any():
        raise ValueError("proba must be a 2-D array of finite non-negative probabilities; "
                         f"got shape {proba.shape} with values in "
                         f"[{np.nanmin(proba) if proba.size else 0:.4g}, "
                         f"{np.nanmax(proba) if proba.size else 0:.4g}].")
    if weights.shape != (proba.shape[1],) or not np.isfinite(weights).all() \
            or (weights < 0).any():
        raise ValueError(f"weights must be {proba.shape[1]} finite non-negative numbers, one "
                         f"per class; got {weights.tolist()}.")
    weighted = proba * weights
    total = weighted.sum(axis=1, keepdims=True)
    ok = total[:, 0] > 0
    out = np.array(proba, dtype=float, copy=True)
    out[ok] = weighted[ok] / total[ok]
    return out


class ClassPriorReweighter(MetaEstimatorMixin, ClassifierMixin, BaseEstimator):
    """Reweight a classifier's class probabilities by expected class frequencies.

    The wrapped classifier is fitted as usual; at prediction time its class
    probabilities are multiplied by ``(prior / sum(prior)) ** power``,
    renormalised, and the class of highest reweighted probability is predicted.
    Useful when the class frequencies of the data to be classified are known
    or can be guessed and differ from a balanced decision rule.

    ``X`` is passed to the wrapped estimator untouched, so any input it takes
    (a 2-D array, clips, multi-source samples, video paths) is accepted.
    Before the wrapped estimator is fitted, the training labels are checked
    against every cross-validation inside it (searches, calibration): a
    class with fewer samples than they need raises at once, before any
    expensive feature extraction, with the minimum per class.

    Parameters
    ----------
    estimator : estimator object with ``predict_proba``, default=None
        The classifier to wrap; ``LogisticRegression()`` when None.
    priors : dict, array-like of shape (n_classes,), "train" or None, \
            default=None
        Expected class frequencies or counts of the data to be classified.
        A mapping from class label to value (extra keys are ignored); an
        array in the order of ``classes_``, accepted only for integer labels
        (for string labels the order is ambiguous and a mapping is
        required); ``"train"`` for the training-label frequencies; None for
        no reweighting (the wrapped estimator's probabilities unchanged).
    power : float, default=0.5
        Exponent applied to the normalised priors; 0.5 is the paper's square
        root, 0 leaves the probabilities unchanged.

    Attributes
    ----------
    estimator_ : estimator object
        The fitted clone of ``estimator``.
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    class_weights_ : ndarray of shape (n_classes,)
        Weights applied to the probabilities, aligned with ``classes_``.
    n_features_in_ : int
        Number of features seen by ``estimator_`` (when it records one).

    See Also
    --------
    prior_weights : How the weights are computed.
    EMOTIW2017_TEST_COUNTS : The test-set class counts used in the paper.

    Notes
    -----
    Knyazev et al. (2017) multiplied the averaged SVM scores of their ensemble
    by the square roots of the EmotiW 2017 test class counts (98, 40, 70, 144,
    193, 80, 28 for angry, disgust, fear, happy, neutral, sad, surprise),
    raising test accuracy from 54.98% to 60.03%: ``priors=EMOTIW2017_TEST_COUNTS,
    power=0.5``.

    The default, ``priors=None``, is neutral.  A calibrated classifier's
    probabilities already carry the training class frequencies, so
    multiplying them by those frequencies again (``priors="train"``, the
    default of emosk 0.1) double-counts them and pushes predictions towards
    the frequent classes; reweight only by frequencies expected at test time
    that differ from the training ones.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from emosk.ensemble import ClassPriorReweighter
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]])
    >>> y = np.array(["a", "a", "b", "b"])
    >>> clf = ClassPriorReweighter(LogisticRegression(), priors={"a": 1, "b": 9})
    >>> clf.fit(X, y).predict([[1.4]])
    array(['b'], dtype='<U1')
    """

    _parameter_constraints = {
        "estimator": [HasMethods(["fit", "predict_proba"]), None],
        "priors": [Mapping, "array-like", StrOptions({"train"}), None],
        "power": [Interval(Real, 0, None, closed="left")],
    }

    def __init__(self, estimator=None, *, priors=None, power=0.5):
        self.estimator = estimator
        self.priors = priors
        self.power = power

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, **fit_params):
        """Fit the wrapped classifier and compute the class weights.

        Parameters
        ----------
        X : object
            Training input, in whatever form ``estimator`` accepts.
        y : array-like of shape (n_samples,)
            Class labels.
        **fit_params : dict
            Passed to ``estimator.fit`` (e.g. ``sample_weight``).

        Returns
        -------
        self : object

        Raises
        ------
        ValueError
            If a class has fewer samples than the cross-validations inside
            ``estimator`` need (checked before fitting it), or for priors that
            do not fit the classes (see :func:`prior_weights`).
        """
        y_flat = column_or_1d(y, warn=True)
        check_classification_targets(y_flat)
        check_class_counts(self._base_estimator(), y_flat, prefix="estimator__")
        self.estimator_ = clone(self._base_estimator()).fit(X, y, **fit_params)
        self.classes_ = self.estimator_.classes_
        self.class_weights_ = prior_weights(
            self.priors, self.classes_, y=y_flat, power=self.power
        )
        return self

    def _base_estimator(self):
        return LogisticRegression() if self.estimator is None else self.estimator

    @property
    def n_features_in_(self):
        """Number of features seen by the wrapped estimator."""
        return self.estimator_.n_features_in_

    def predict_proba(self, X):
        """Reweighted class probabilities.

        Parameters
        ----------
        X : object
            Input, in whatever form ``estimator`` accepts.

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
        """
        check_is_fitted(self)
        proba = self.estimator_.predict_proba(X)
        return reweight_probabilities(proba, self.class_weights_)

    def predict_log_proba(self, X):
        """Logarithm of :meth:`predict_proba`."""
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    def predict(self, X):
        """Class of highest reweighted probability.

        Parameters
        ----------
        X : object
            Input, in whatever form ``estimator`` accepts.

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        check_is_fitted(self)
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        inner = self._base_estimator().__sklearn_tags__()
        tags.input_tags = inner.input_tags
        return tags

    @classmethod
    def get_test_params(cls):
        """Parameter sets that emosk's common tests instantiate."""
        return [{}, {"priors": "train", "power": 1.0}]

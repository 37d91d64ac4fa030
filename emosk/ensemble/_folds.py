"""How many samples per class the cross-validations inside a model need."""

import math
from numbers import Integral

import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import StackingClassifier
from sklearn.model_selection._search import BaseSearchCV

__all__ = ["check_class_counts", "min_samples_per_class"]

#: Estimators whose ``cv=None`` means 5 folds.
_FIVE_BY_DEFAULT = (BaseSearchCV, CalibratedClassifierCV, StackingClassifier)


def _n_folds(estimator, params):
    """Stratified folds of the estimator's own ``cv``; 0 when it has none that bind.

    An integer means stratified folds for a classifier.  Of splitter objects,
    only stratified ones bind a search (``KFold`` or ``GroupKFold`` make no
    promise per class); calibration checks its fold count for any splitter.
    """
    if "cv" not in params:
        return 0
    cv = params["cv"]
    if cv is None:
        return 5 if isinstance(estimator, _FIVE_BY_DEFAULT) else 0
    if isinstance(cv, Integral) and not isinstance(cv, bool):
        return int(cv)
    n_splits = getattr(cv, "n_splits", None)
    if not isinstance(n_splits, Integral):
        return 0
    binds = isinstance(estimator, CalibratedClassifierCV) or "Stratified" in type(cv).__name__
    return int(n_splits) if binds else 0


def _children(params):
    """``(name, estimator)`` of the sub-estimators among a model's parameters."""
    for name, value in params.items():
        if hasattr(value, "get_params") and not isinstance(value, type):
            yield name, value
        elif isinstance(value, (list, tuple)):
            for item in value:
                if (isinstance(item, tuple) and len(item) >= 2
                        and hasattr(item[1], "get_params")):
                    yield item[0], item[1]


def _smallest_count(n_folds, inner):
    """Fewest members of a class that ``n_folds`` stratified folds split so that
    every test fold holds one and every training fold holds ``inner``."""
    m = max(n_folds, inner)
    while m - math.ceil(m / n_folds) < inner:
        m += 1
    return m


def min_samples_per_class(estimator, *, prefix=""):
    """Fewest samples per class that every cross-validation inside a model can split.

    Walks the model's sub-estimators (pipeline steps, ensemble members,
    searches, calibration) and, for each one with a ``cv`` of k folds,
    requires that stratified k-fold splitting leaves every test fold at least
    one sample of each class and every training fold what the estimators
    inside need.  Unstratified splitters (``KFold``, ``GroupKFold``, a list
    of splits) add no requirement of their own, except in a calibration,
    which checks its fold count whatever the splitter.

    Parameters
    ----------
    estimator : estimator object
        The model, unfitted.
    prefix : str, default=""
        Prepended to the parameter paths of the explanation.

    Returns
    -------
    n_min : int
        At least 1.
    chain : list of str
        The nested cross-validations that set ``n_min``, outermost first,
        each as ``"<parameter path>: k-fold <class>"``.

    Examples
    --------
    >>> from emosk.ensemble import make_clip_pipeline
    >>> from emosk.ensemble._folds import min_samples_per_class
    >>> min_samples_per_class(make_clip_pipeline(cv=5, probability=True))
    (5, ['svm: 5-fold GridSearchCV', 'svm__estimator: 3-fold CalibratedClassifierCV'])
    """
    if not hasattr(estimator, "get_params"):
        return 1, []
    params = estimator.get_params(deep=False)
    need, chain = 1, []
    for name, child in _children(params):
        n, c = min_samples_per_class(child, prefix=f"{prefix}{name}__")
        if n > need:
            need, chain = n, c
    k = _n_folds(estimator, params)
    if k >= 2:
        where = prefix[:-2] if prefix.endswith("__") else prefix
        chain = [f"{where or 'the model'}: {k}-fold {type(estimator).__name__}", *chain]
        need = _smallest_count(k, need)
    return need, chain


def check_class_counts(estimator, y, *, prefix=""):
    """Raise before fitting when a class is too small for the model's inner CVs.

    Parameters
    ----------
    estimator : estimator object
        The model about to be fitted.
    y : array-like of shape (n_samples,)
        Its training labels.
    prefix : str, default=""
        See :func:`min_samples_per_class`.

    Raises
    ------
    ValueError
        Naming the classes that are too small, their counts, the minimum per
        class and the cross-validations that set it.
    """
    need, chain = min_samples_per_class(estimator, prefix=prefix)
    if need <= 1:
        return
    classes, counts = np.unique(np.asarray(y), return_counts=True)
    low = counts < need
    if low.any():
        few = ", ".join(f"{c!r} has {n}" for c, n in zip(classes[low].tolist(), counts[low]))
        raise ValueError(
            f"Too few samples for the cross-validations inside this model: it needs "
            f"at least {need} samples per class ({' inside '.join(chain)}), but "
            f"{few}. Add samples, lower those folds (for make_emotiw2017_classifier: "
            "cv= and calibration_cv=) or leave the small classes out."
        )

"""A fitted linear audio model as plain arrays, and back: how emosk ships one.

A pickled scikit-learn pipeline is tied to the library versions that wrote it
(and unpickling runs code).  The linear audio model is therefore stored as the
numbers that define it, in an ``.npz`` file: the feature set, the global
statistics of the speaker normalisation, and one softmax layer into which the
``MinMaxScaler`` and ``StandardScaler`` steps are folded (both are per-feature
affine maps, so ``W (a * x + c) + b = (W * a) x + (W c + b)``).
"""

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline

from ..preprocessing import GroupStandardScaler
from ._opensmile import AudioFeaturizer

__all__ = ["audio_model_arrays", "audio_model_from_arrays"]


def _step(pipe, name):
    est = pipe.named_steps[name]
    return est.best_estimator_ if isinstance(est, GridSearchCV) else est


def _affine(est):
    """``(a, c)`` with ``est.transform(x) == a * x + c``; identity for passthrough."""
    if est == "passthrough" or est is None:
        return 1.0, 0.0
    if hasattr(est, "data_range_"):  # MinMaxScaler
        return est.scale_, est.min_
    return 1.0 / est.scale_, -est.mean_ / est.scale_  # StandardScaler


def audio_model_arrays(pipe):
    """The arrays of a fitted ``make_audio_pipeline(..., classifier="logistic")``.

    Parameters
    ----------
    pipe : sklearn.pipeline.Pipeline
        Fitted, with steps ``features``, ``norm``, ``pool`` (passthrough),
        ``minmax``, ``rootsift`` (passthrough), ``scale`` and ``svm`` (a
        multinomial logistic regression, or a search over one).

    Returns
    -------
    dict of str to ndarray
        ``feature_set``, ``sampling_rate``, ``classes``, ``norm_mean``,
        ``norm_scale`` (identity when the pipeline has no normalisation),
        ``coef`` and ``intercept`` of the folded softmax layer.

    Raises
    ------
    ValueError
        If a step cannot be folded (RootSIFT, pooling, a non-logistic model).
    """
    clf = _step(pipe, "svm")
    if not isinstance(clf, LogisticRegression) or len(clf.classes_) < 3:
        raise ValueError("Only a multinomial LogisticRegression (3 or more classes) "
                         f"can be exported; the pipeline ends in {clf!r}.")
    for name in ("pool", "rootsift"):
        if pipe.named_steps[name] != "passthrough":
            raise ValueError(f"Step {name!r} is not linear and cannot be folded.")
    a1, c1 = _affine(pipe.named_steps["minmax"])
    a2, c2 = _affine(pipe.named_steps["scale"])
    a, c = a2 * a1, a2 * c1 + c2  # scale(minmax(x)) == a * x + c
    coef = clf.coef_ * a
    intercept = clf.intercept_ + clf.coef_ @ np.broadcast_to(c, clf.coef_.shape[1])
    features = pipe.named_steps["features"]
    norm = pipe.named_steps["norm"]
    d = coef.shape[1]
    has_norm = norm != "passthrough"
    return {
        "feature_set": np.asarray(features.feature_set),
        "sampling_rate": np.asarray(features.sampling_rate),
        "classes": np.asarray(clf.classes_).astype(str),
        "norm_mean": norm.mean_ if has_norm else np.zeros(d),
        "norm_scale": norm.scale_ if has_norm else np.ones(d),
        "coef": coef,
        "intercept": intercept,
    }


def audio_model_from_arrays(arrays, *, cache=None):
    """A fitted audio pipeline rebuilt from :func:`audio_model_arrays`.

    Parameters
    ----------
    arrays : mapping of str to ndarray
        What :func:`audio_model_arrays` returned (or an opened ``.npz``).
    cache : str, path-like or None, default=None
        Feature cache of the :class:`AudioFeaturizer`.

    Returns
    -------
    sklearn.pipeline.Pipeline
        Fitted steps ``features`` (:class:`AudioFeaturizer`), ``norm``
        (:class:`~emosk.preprocessing.GroupStandardScaler` with the training
        set's global statistics and no known speakers, so a new speaker's
        clips are standardised with their own statistics when their ``groups``
        are routed to ``predict``, and with the global ones otherwise) and
        ``clf`` (:class:`~sklearn.linear_model.LogisticRegression`).
    """
    features = AudioFeaturizer(str(arrays["feature_set"]),
                               sampling_rate=int(arrays["sampling_rate"]),
                               cache=cache).fit()
    coef = np.asarray(arrays["coef"], dtype=float)
    if coef.shape[1] != features.n_features_out_:
        raise ValueError(f"The model has {coef.shape[1]} weights per class but feature "
                         f"set {features.feature_set!r} gives {features.n_features_out_} "
                         "features; it was made with another openSMILE version.")
    norm = GroupStandardScaler()
    norm.mean_ = np.asarray(arrays["norm_mean"], dtype=float)
    norm.scale_ = np.asarray(arrays["norm_scale"], dtype=float)
    norm.group_stats_ = {}
    norm.n_features_in_ = coef.shape[1]
    clf = LogisticRegression()
    clf.classes_ = np.asarray(arrays["classes"]).astype(object)
    clf.coef_ = coef
    clf.intercept_ = np.asarray(arrays["intercept"], dtype=float)
    clf.n_features_in_ = coef.shape[1]
    clf.n_iter_ = np.zeros(1, dtype=np.int32)
    return Pipeline([("features", features), ("norm", norm), ("clf", clf)])

"""Class counts against the cross-validations inside a model, checked before any
feature is computed; the calibration folds and progress of the EmotiW system."""

import numpy as np
import pytest
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.model_selection import GridSearchCV, StratifiedKFold

from emosk.ensemble import ClassPriorReweighter, make_clip_pipeline
from emosk.ensemble._folds import min_samples_per_class
from emosk.video import make_emotiw2017_classifier


class ExplodingFeaturizer(TransformerMixin, BaseEstimator):
    """A frame featurizer that must not be reached."""

    def fit(self, X=None, y=None):
        raise AssertionError("the featurising pass started")

    def transform(self, X):
        raise AssertionError("the featurising pass started")


def _table(per_class, n_classes=3, d=5, seed=0):
    rng = np.random.default_rng(seed)
    y = np.repeat(np.array(["angry", "happy", "sad"][:n_classes]), per_class)
    return rng.normal(size=(len(y), d)) + (np.arange(len(y)) % n_classes)[:, None], y


@pytest.mark.parametrize("cv, calibration_cv, expected", [
    (5, 3, 5), (2, 3, 6), (3, 2, 3), (2, 2, 4), (10, 3, 10),
])
def test_minimum_follows_nested_folds(cv, calibration_cv, expected):
    pipe = make_clip_pipeline(None, cv=cv, probability=True, calibration_cv=calibration_cv)
    n, chain = min_samples_per_class(pipe)
    assert n == expected
    assert chain == [f"svm: {cv}-fold GridSearchCV",
                     f"svm__estimator: {calibration_cv}-fold CalibratedClassifierCV"]


@pytest.mark.parametrize("cv, calibration_cv", [(5, 3), (2, 3), (2, 2)])
def test_the_minimum_is_exactly_what_fits(cv, calibration_cv):
    """One sample fewer than the minimum fails inside scikit-learn; the minimum fits."""
    pipe = make_clip_pipeline(None, C=(1.0,), cv=cv, probability=True,
                              calibration_cv=calibration_cv, random_state=0)
    n, _ = min_samples_per_class(pipe)
    X, y = _table(n)
    ClassPriorReweighter(pipe).fit(X, y)  # fits
    X, y = _table(n - 1)
    with pytest.raises(ValueError, match=f"at least {n} samples per class"):
        ClassPriorReweighter(pipe).fit(X, y)
    with pytest.raises(ValueError):  # what the check spares the user, later and vaguer
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            pipe.fit(X, y)


def test_message_names_small_classes_and_the_folds():
    X, y = _table(6)
    X, y = X[2:], y[2:]  # 'angry' keeps 4
    model = ClassPriorReweighter(make_clip_pipeline(None, cv=5, probability=True))
    with pytest.raises(ValueError, match=r"at least 5 samples per class \(estimator__svm: "
                       r"5-fold GridSearchCV inside estimator__svm__estimator: 3-fold "
                       r"CalibratedClassifierCV\), but 'angry' has 4\."):
        model.fit(X, y)


def test_folds_that_cannot_be_counted_add_no_requirement():
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GroupKFold

    assert min_samples_per_class(LogisticRegression()) == (1, [])
    assert min_samples_per_class(GridSearchCV(LogisticRegression(), {}))[0] == 5  # cv=None
    assert min_samples_per_class(GridSearchCV(LogisticRegression(), {},
                                              cv=StratifiedKFold(4)))[0] == 4
    listed = GridSearchCV(make_clip_pipeline(None, cv=3), {},
                          cv=[(np.arange(3), np.arange(3, 6))])
    assert min_samples_per_class(listed) == (3, ["estimator__svm: 3-fold GridSearchCV"])
    assert min_samples_per_class(GridSearchCV(LogisticRegression(), {},
                                              cv=GroupKFold(3)))[0] == 1
    calibrated = CalibratedClassifierCV(LogisticRegression(), cv=GroupKFold(3))
    assert min_samples_per_class(calibrated)[0] == 3  # calibration checks any splitter


def test_emotiw_system_checks_counts_before_featurising():
    videos = [np.zeros((2, 48, 48), np.uint8)] * 12
    y = np.repeat(["angry", "happy", "sad"], 4)
    clf = make_emotiw2017_classifier({"video_x": ExplodingFeaturizer()}, audio=False,
                                     aligner="passthrough")
    with pytest.raises(ValueError, match=r"at least 5 samples per class .* 'angry' has 4, "
                                         r"'happy' has 4, 'sad' has 4"):
        clf.fit(videos, y)
    clf = make_emotiw2017_classifier({"video_x": ExplodingFeaturizer()}, audio=False,
                                     aligner="passthrough", cv=2, calibration_cv=3)
    with pytest.raises(ValueError, match="at least 6 samples per class"):
        clf.fit(videos, y)
    # with folds that 4 per class can split, the featurising pass starts
    clf = make_emotiw2017_classifier({"video_x": ExplodingFeaturizer()}, audio=False,
                                     aligner="passthrough", cv=2, calibration_cv=2)
    with pytest.raises(AssertionError, match="featurising pass started"):
        clf.fit(videos, y)


def test_emotiw_calibration_folds_and_verbose_are_parameters():
    clf = make_emotiw2017_classifier(["compact"], audio=True, calibration_cv=2,
                                     verbose=True)
    params = clf.get_params()
    assert params["estimator__video_compact__svm__estimator__cv"] == 2
    assert params["estimator__audio__svm__estimator__cv"] == 2
    assert params["estimator__video_compact__features__verbose"] is True
    assert params["estimator__verbose"] is True
    assert params["priors"] is None  # no reweighting unless asked for
    default = make_emotiw2017_classifier(["compact"], audio=False).get_params()
    assert default["estimator__video_compact__svm__estimator__cv"] == 3
    assert default["estimator__video_compact__features__verbose"] is False


def test_emotiw_verbose_reports_progress(capsys):
    rng = np.random.default_rng(0)
    videos = [rng.integers(0, 256, (2, 48, 48), dtype=np.uint8) for _ in range(8)]
    y = np.repeat(["angry", "happy"], 4)
    clf = make_emotiw2017_classifier(["compact"], audio=False, aligner="passthrough",
                                     C=(1e-3,), cv=2, calibration_cv=2, verbose=True,
                                     random_state=0)
    clf.fit(videos, y)
    err = capsys.readouterr()
    out = err.out + err.err
    assert "VideoFeaturizer" in out  # progress bar over the videos
    assert "video_compact" in out  # VotingClassifier's per-member timing

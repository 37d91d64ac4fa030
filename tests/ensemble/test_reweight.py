import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression

from emosk.ensemble import (
    EMOTIW2017_TEST_COUNTS,
    ClassPriorReweighter,
    prior_weights,
    reweight_probabilities,
)


def test_prior_weights_forms_agree():
    classes = np.array(["a", "b", "c"])
    w_dict = prior_weights({"a": 1, "b": 4, "c": 4, "z": 100}, classes)
    w_arr = prior_weights([1, 4, 4], classes)
    w_y = prior_weights(None, classes, y=["a", "b", "b", "b", "b", "c", "c", "c", "c"])
    np.testing.assert_allclose(w_dict, np.sqrt([1 / 9, 4 / 9, 4 / 9]))
    np.testing.assert_allclose(w_arr, w_dict)
    np.testing.assert_allclose(w_y, w_dict)
    np.testing.assert_allclose(prior_weights([1, 4, 4], classes, power=0), 1.0)


@pytest.mark.parametrize("priors, match", [
    ({"a": 1}, r"no value for class\(es\) \['b'\]"),
    ([1, 2, 3], "3 values but there are 2 classes"),
    ([1, -1], "non-negative"),
    ([0, 0], "not all zero"),
    ([1, np.nan], "finite"),
])
def test_bad_priors(priors, match):
    with pytest.raises(ValueError, match=match):
        prior_weights(priors, np.array(["a", "b"]))


def test_reweighting_matches_hand_computation():
    X, y = make_classification(n_samples=200, n_classes=3, n_informative=4, random_state=0)
    base = LogisticRegression().fit(X, y)
    clf = ClassPriorReweighter(LogisticRegression(), priors=[1, 1, 16]).fit(X, y)
    w = np.sqrt(np.array([1, 1, 16]) / 18)
    expected = base.predict_proba(X) * w
    expected /= expected.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(clf.predict_proba(X), expected)
    assert np.mean(clf.predict(X) == 2) > np.mean(base.predict(X) == 2)


def test_power_zero_is_identity():
    X, y = make_classification(n_samples=100, random_state=1)
    a = ClassPriorReweighter(LogisticRegression(), priors=[1, 9], power=0).fit(X, y)
    np.testing.assert_allclose(a.predict_proba(X), LogisticRegression().fit(X, y).predict_proba(X))


def test_paper_counts_with_string_labels():
    rng = np.random.default_rng(0)
    labels = np.array(sorted(EMOTIW2017_TEST_COUNTS))
    y = rng.choice(labels, size=350)
    X = rng.normal(size=(350, 5))
    clf = ClassPriorReweighter(LogisticRegression(), priors=EMOTIW2017_TEST_COUNTS).fit(X, y)
    counts = np.array([EMOTIW2017_TEST_COUNTS[c] for c in clf.classes_], dtype=float)
    np.testing.assert_allclose(clf.class_weights_, np.sqrt(counts / counts.sum()))
    # on noise the reweighted classifier favours the frequent classes
    pred = clf.predict(X)
    assert np.mean(pred == "neutral") > np.mean(pred == "surprise")


def test_zero_weighted_row_falls_back():
    out = reweight_probabilities(np.array([[1.0, 0.0]]), np.array([0.0, 1.0]))
    np.testing.assert_array_equal(out, [[1.0, 0.0]])


def test_requires_predict_proba():
    from sklearn.svm import LinearSVC

    with pytest.raises(ValueError, match="predict_proba"):
        ClassPriorReweighter(LinearSVC()).fit(np.zeros((4, 2)), [0, 1, 0, 1])


def test_clone_keeps_params():
    clf = ClassPriorReweighter(LogisticRegression(C=3), priors={"x": 1}, power=1.0)
    c2 = clone(clf)
    assert c2.get_params()["estimator__C"] == 3 and c2.priors == {"x": 1}

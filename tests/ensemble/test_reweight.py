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
    w_arr = prior_weights([1, 4, 4], np.array([0, 1, 2]))
    w_y = prior_weights("train", classes, y=["a", "b", "b", "b", "b", "c", "c", "c", "c"])
    np.testing.assert_allclose(w_dict, np.sqrt([1 / 9, 4 / 9, 4 / 9]))
    np.testing.assert_allclose(w_arr, w_dict)
    np.testing.assert_allclose(w_y, w_dict)
    np.testing.assert_allclose(prior_weights({"a": 1, "b": 4, "c": 4}, classes, power=0), 1.0)
    np.testing.assert_allclose(prior_weights(None, classes), 1.0)


@pytest.mark.parametrize("priors, match", [
    ({0: 1}, r"no value for class\(es\) \[1\]"),
    ([1, 2, 3], "3 values but there are 2 classes"),
    ([1, -1], "non-negative"),
    ([0, 0], "not all zero"),
    ([1, np.nan], "finite"),
    ("test", "'train' or None; got 'test'"),
])
def test_bad_priors(priors, match):
    with pytest.raises(ValueError, match=match):
        prior_weights(priors, np.array([0, 1]))


def test_array_priors_with_string_classes_need_a_mapping():
    """classes_ is sorted; a data set's target_names is not: an array is ambiguous."""
    with pytest.raises(ValueError, match=r"classes \['angry', 'happy'\] are not integers"):
        prior_weights([3, 1], np.array(["angry", "happy"]))
    X = np.random.default_rng(0).normal(size=(20, 2))
    y = np.repeat(["sad", "angry"], 10)  # in "data set order"; classes_ sorts them
    with pytest.raises(ValueError, match=r"\['angry', 'sad'\].*mapping"):
        ClassPriorReweighter(LogisticRegression(), priors=[9, 1]).fit(X, y)
    # object arrays of Python ints keep the array form
    w = prior_weights([1, 3], np.array([4, 7], dtype=object), power=1.0)
    np.testing.assert_allclose(w, [0.25, 0.75])


def test_default_is_neutral_for_a_calibrated_model():
    """priors=None changes nothing: the probabilities already carry the training
    frequencies (the former default multiplied by them once more)."""
    X, y = make_classification(n_samples=300, weights=[0.8, 0.2], random_state=0)
    base = LogisticRegression().fit(X, y)
    clf = ClassPriorReweighter(LogisticRegression()).fit(X, y)
    np.testing.assert_array_equal(clf.class_weights_, [1.0, 1.0])
    np.testing.assert_allclose(clf.predict_proba(X), base.predict_proba(X))
    np.testing.assert_array_equal(clf.predict(X), base.predict(X))
    # the former behaviour stays one explicit setting away
    old = ClassPriorReweighter(LogisticRegression(), priors="train").fit(X, y)
    np.testing.assert_allclose(old.class_weights_, np.sqrt(np.bincount(y) / len(y)))


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


def test_reweight_probabilities_refuses_what_it_cannot_reweight():
    """Negative scores came back as 'probabilities' ([[5, -2, 1]] gave [[1.25, -0.5,
    0.25]]); weights of another length broadcast or failed inside numpy."""
    with pytest.raises(ValueError, match=r"proba must be .* shape \(1, 3\) with values in "
                                         r"\[-2, 5\]"):
        reweight_probabilities(np.array([[5.0, -2.0, 1.0]]), np.ones(3))
    with pytest.raises(ValueError, match=r"weights must be 2 .* got \[1.0, 1.0, 1.0\]"):
        reweight_probabilities(np.array([[0.5, 0.5]]), np.ones(3))
    with pytest.raises(ValueError, match="weights must be 2"):
        reweight_probabilities(np.array([[0.5, 0.5]]), np.array([1.0, -1.0]))
    np.testing.assert_allclose(reweight_probabilities([[0.5, 0.5]], [1.0, 3.0]), [[0.25, 0.75]])

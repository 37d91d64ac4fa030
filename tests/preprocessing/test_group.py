"""GroupStandardScaler: speaker normalisation, its fallbacks and metadata routing."""

import numpy as np
import pytest
import sklearn
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, GroupKFold
from sklearn.pipeline import make_pipeline

from emosk.preprocessing import GroupStandardScaler, group_statistics


def _data(seed=0):
    rng = np.random.default_rng(seed)
    groups = np.repeat(["ann", "bob", "cy"], [5, 6, 7])
    offsets = {"ann": 0.0, "bob": 10.0, "cy": -4.0}
    shift = np.array([offsets[g] for g in groups])[:, None]
    X = rng.normal(size=(18, 3)) * [1, 2, 3] + shift
    return X, groups


def test_per_group_statistics_equal_a_hand_computation():
    X, groups = _data()
    out = GroupStandardScaler().fit_transform(X, groups=groups)
    for g in ("ann", "bob", "cy"):
        rows = X[groups == g]
        mean = rows.sum(axis=0) / len(rows)
        std = np.sqrt(((rows - mean) ** 2).sum(axis=0) / len(rows))
        np.testing.assert_allclose(out[groups == g], (rows - mean) / std)
    stats = group_statistics(X, groups)
    assert stats["bob"][2] == 6
    np.testing.assert_allclose(stats["cy"][0], X[groups == "cy"].mean(axis=0))


def test_seen_group_keeps_its_training_statistics():
    X, groups = _data()
    scaler = GroupStandardScaler().fit(X, groups=groups)
    one = X[groups == "bob"][:1]
    rows = X[groups == "bob"]
    np.testing.assert_allclose(scaler.transform(one, groups=["bob"]),
                               (one - rows.mean(0)) / rows.std(0))


def test_unseen_group_uses_its_own_rows_then_falls_back_to_global():
    X, groups = _data()
    scaler = GroupStandardScaler(min_group_size=3).fit(X[groups != "cy"],
                                                      groups=groups[groups != "cy"])
    new = X[groups == "cy"]
    np.testing.assert_allclose(scaler.transform(new, groups=["zoe"] * len(new)),
                               (new - new.mean(0)) / new.std(0))
    # two rows of an unknown speaker: fewer than min_group_size -> global statistics
    train = X[groups != "cy"]
    expected = (new[:2] - train.mean(0)) / train.std(0)
    np.testing.assert_allclose(scaler.transform(new[:2], groups=["zoe", "zoe"]), expected)
    # no groups at all -> global statistics
    np.testing.assert_allclose(scaler.transform(new[:2]), expected)


def test_constant_feature_in_a_group_is_not_divided_by_zero():
    X = np.array([[1.0, 5.0], [3.0, 5.0], [2.0, 7.0], [4.0, 7.0]])
    out = GroupStandardScaler().fit_transform(X, groups=[0, 0, 1, 1])
    np.testing.assert_array_equal(out[:, 1], 0.0)
    assert np.isfinite(out).all()


def test_groups_of_the_wrong_length_are_refused():
    X, groups = _data()
    with pytest.raises(ValueError, match=r"one label per row: got shape \(17,\) for 18"):
        GroupStandardScaler().fit(X, groups=groups[:-1])
    scaler = GroupStandardScaler().fit(X, groups=groups)
    with pytest.raises(ValueError, match=r"shape \(2,\) for 18 rows"):
        scaler.transform(X, groups=["a", "b"])


def test_groups_are_routed_through_a_pipeline_to_fit_and_predict():
    X, groups = _data()
    y = np.tile([0, 1, 2], 6)
    pipe = make_pipeline(GroupStandardScaler(), LogisticRegression())
    with sklearn.config_context(enable_metadata_routing=True):
        pipe.fit(X, y, groups=groups)
        scaler = pipe.named_steps["groupstandardscaler"]
        assert set(scaler.group_stats_) == {"ann", "bob", "cy"}
        new = X[:5] + 100.0  # a new speaker far from everyone else
        with_groups = pipe.predict_proba(new, groups=["zoe"] * 5)
        without = pipe.predict_proba(new)
    clf = pipe.named_steps["logisticregression"]
    np.testing.assert_allclose(
        with_groups, clf.predict_proba((new - new.mean(0)) / new.std(0)))
    np.testing.assert_allclose(without, clf.predict_proba(scaler.transform(new)))
    assert not np.allclose(with_groups, without)


def test_groups_are_routed_by_grid_search_to_splitter_and_scaler():
    X, groups = _data()
    y = np.tile([0, 1], 9)
    pipe = make_pipeline(GroupStandardScaler(), LogisticRegression())
    search = GridSearchCV(pipe, {"logisticregression__C": [0.1, 1.0]},
                          cv=GroupKFold(n_splits=3))
    with sklearn.config_context(enable_metadata_routing=True):
        search.fit(X, y, groups=groups)
    best = search.best_estimator_.named_steps["groupstandardscaler"]
    assert set(best.group_stats_) == {"ann", "bob", "cy"}
    assert len(search.cv_results_["split2_test_score"]) == 2

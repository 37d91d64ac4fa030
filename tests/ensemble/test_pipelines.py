import pickle

import numpy as np
import pytest
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import FeatureUnion

from emosk.ensemble import (
    ClassPriorReweighter,
    make_clip_pipeline,
    make_pooling,
    make_score_average,
)
from emosk.pooling import FFTPooling, StatPooling

C_GRID = (1e-2, 1e-1, 1)


def _clips(n=90, d=6, seed=0):
    """Classes differ in frame variability only: mean pooling cannot see it."""
    rng = np.random.default_rng(seed)
    y = np.repeat(["calm", "agitated", "mid"], n // 3)
    scale = {"calm": 0.2, "mid": 1.0, "agitated": 3.0}
    clips = [rng.normal(scale=scale[c], size=(int(rng.integers(5, 25)), d)) for c in y]
    return [c - c.mean(axis=0) for c in clips], y  # every clip's mean is exactly 0


def test_make_pooling_specs():
    assert make_pooling(None) == "passthrough"
    assert isinstance(make_pooling("fft"), FFTPooling)
    assert make_pooling("stat*").stats == "stat*"
    union = make_pooling("stat*+fft+median")
    assert isinstance(union, FeatureUnion)
    assert [n for n, _ in union.transformer_list] == ["stat_star", "fft", "median"]
    est = StatPooling()
    assert make_pooling(est) is est


def test_clip_pipeline_needs_more_than_mean_pooling():
    clips, y = _clips()
    search = GridSearchCV(
        make_clip_pipeline(C=C_GRID, cv=3, random_state=0),
        {"pool": [StatPooling(stats=("mean",)), StatPooling(stats="stat*"), FFTPooling(),
                  FeatureUnion([("stat", StatPooling(stats="stat*")), ("fft", FFTPooling())])]},
        cv=StratifiedKFold(3, shuffle=True, random_state=0),
    ).fit(clips, y)
    scores = dict(zip(range(4), search.cv_results_["mean_test_score"]))
    assert scores[0] < 0.5 and scores[1] > 0.9, scores  # std separates what mean cannot
    assert search.best_score_ > 0.9
    inner = search.best_estimator_.named_steps["svm"]
    assert inner.best_params_["C"] in C_GRID


@pytest.mark.parametrize("probability", [False, True])
def test_clip_pipeline_fits_are_reproducible_by_default(probability):
    """No seed given: the inner folds choosing C and the SVM are still seeded, so
    two fits of the same data give the same C and the same coefficients (#24)."""
    rng = np.random.default_rng(1)
    y = np.repeat(["a", "b", "c"], 20)
    X = rng.normal(size=(60, 40)) + 0.4 * (y[:, None] == "a")  # weak signal: C matters

    def fitted():
        pipe = make_clip_pipeline(None, rootsift=False, C=(1e-3, 1e-2, 1e-1, 1, 10),
                                  probability=probability).fit(X, y)
        search = pipe.named_steps["svm"]
        est = search.best_estimator_
        svms = [c.estimator for c in est.calibrated_classifiers_] if probability else [est]
        return search.cv_results_["mean_test_score"], [s.coef_ for s in svms]

    for _ in range(3):
        (scores, coefs), (again, coefs_again) = fitted(), fitted()
        np.testing.assert_array_equal(scores, again)
        for a, b in zip(coefs, coefs_again):
            np.testing.assert_array_equal(a, b)
    assert make_clip_pipeline().get_params()["svm__cv"].random_state == 0


def test_pipeline_parameters_are_reachable():
    pipe = make_clip_pipeline("stat*+fft", probability=True)
    params = pipe.get_params()
    assert params["pool__stat_star__stats"] == "stat*"
    assert "svm__estimator__estimator__C" in params
    assert params["svm__param_grid"] == {"estimator__C": list(make_clip_pipeline().get_params()["svm__param_grid"]["C"])}
    pipe.set_params(pool__fft__n_bins=3)
    assert pipe.named_steps["pool"].transformer_list[1][1].n_bins == 3


def test_score_average_members_read_their_own_source():
    clips, y = _clips(seed=1)
    rng = np.random.default_rng(1)
    audio = rng.normal(size=(len(y), 11)) + (y == "agitated")[:, None]
    samples = [{"video": c, "audio": a} for c, a in zip(clips, audio)]
    vote = make_score_average({
        "video": make_clip_pipeline("stat*", C=C_GRID, cv=3, probability=True, random_state=0),
        "audio": make_clip_pipeline(None, rootsift=False, C=C_GRID, cv=3, probability=True,
                                    random_state=0),
    })
    model = ClassPriorReweighter(vote, priors={"calm": 1, "mid": 1, "agitated": 1})
    model.fit(samples, y)
    fitted = model.estimator_.named_estimators_
    assert fitted["video"].named_steps["pool"].n_features_in_ == 6
    assert fitted["audio"].named_steps["minmax"].n_features_in_ == 11
    assert "rootsift" in fitted["video"].named_steps
    assert fitted["audio"].named_steps["rootsift"] == "passthrough"
    proba = model.predict_proba(samples)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    # uniform priors: the reweighter returns the plain average of member probabilities
    members = [fitted[n].predict_proba(samples) for n in ("video", "audio")]
    np.testing.assert_allclose(proba, np.mean(members, axis=0))
    assert np.mean(model.predict(samples) == y) > 0.85
    again = pickle.loads(pickle.dumps(model))
    np.testing.assert_allclose(again.predict_proba(samples), proba)


def test_score_average_explicit_sources_and_nested_names():
    vote = make_score_average(
        {"net_stat": make_clip_pipeline("stat*", probability=True),
         "net_fft": make_clip_pipeline("fft", probability=True)},
        sources={"net_stat": "net", "net_fft": "net"},
    )
    params = vote.get_params()
    assert params["net_stat__select__source"] == "net"
    assert params["net_fft__select__source"] == "net"
    assert params["net_stat__pool__stats"] == "stat*"


def test_missing_source_fails_clearly():
    vote = make_score_average({"video": make_clip_pipeline(probability=True)})
    with pytest.raises(KeyError, match="Sample 0 has no source 'video'"):
        vote.fit([{"audio": np.zeros(3)}, {"audio": np.ones(3)}], ["a", "b"])

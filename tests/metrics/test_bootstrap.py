import numpy as np
import pytest

from emosk.metrics import paired_bootstrap, unweighted_average_recall

CLASSES = np.array(["angry", "happy", "neutral", "sad"])


def _systems(n=400, right=(0.8, 0.6), seed=0):
    """Labels and two systems' predictions, right on about the given shares."""
    rng = np.random.default_rng(seed)
    y = CLASSES[rng.integers(0, len(CLASSES), n)]
    preds = [np.where(rng.random(n) < share, y, CLASSES[rng.integers(0, len(CLASSES), n)])
             for share in right]
    return y, *preds


@pytest.mark.parametrize("metric", ["uar", "accuracy"])
def test_difference_is_the_metrics_difference_on_all_samples(metric):
    y, a, b = _systems()
    score = (unweighted_average_recall if metric == "uar"
             else lambda t, p: float(np.mean(t == p)))
    out = paired_bootstrap(y, a, b, metric=metric, n_resamples=200, random_state=0)
    assert out["difference"] == pytest.approx(score(y, a) - score(y, b))
    assert out["low"] < out["difference"] < out["high"]
    assert out["n_units"] == len(y) and out["n_resamples"] == 200


def test_a_clear_gain_and_a_clear_loss_exclude_zero():
    y, a, b = _systems()
    gain = paired_bootstrap(y, a, b, n_resamples=300, random_state=0)
    loss = paired_bootstrap(y, b, a, n_resamples=300, random_state=0)
    assert gain["low"] > 0 and loss["high"] < 0
    assert loss["difference"] == pytest.approx(-gain["difference"])


def test_equal_systems_differ_by_nothing():
    y, a, _ = _systems()
    out = paired_bootstrap(y, a, a.copy(), n_resamples=100, random_state=0)
    assert out["difference"] == out["low"] == out["high"] == 0


def test_systems_as_good_as_each_other_straddle_zero():
    y, a, b = _systems(right=(0.7, 0.7), seed=3)
    out = paired_bootstrap(y, a, b, n_resamples=500, random_state=0)
    assert out["low"] < 0 < out["high"]


def test_a_wider_level_gives_a_wider_interval_and_seeds_repeat():
    y, a, b = _systems()
    narrow = paired_bootstrap(y, a, b, n_resamples=300, confidence_level=0.5,
                              random_state=1)
    wide = paired_bootstrap(y, a, b, n_resamples=300, confidence_level=0.99,
                            random_state=1)
    assert wide["low"] < narrow["low"] and wide["high"] > narrow["high"]
    assert paired_bootstrap(y, a, b, n_resamples=300, confidence_level=0.5,
                            random_state=1) == narrow


def test_groups_are_drawn_whole():
    # groups of 1, 2 and 3 samples: a resample holds whole groups, so its size is
    # a sum of three group sizes; without groups every resample has all six
    y = np.array(["a", "b", "b", "a", "a", "b"])
    groups = np.array([0, 1, 1, 2, 2, 2])
    sizes = []

    def metric(t, p):
        sizes.append(len(t))
        return float(np.mean(t == p))

    out = paired_bootstrap(y, y, y[::-1], metric=metric, groups=groups, n_resamples=200,
                           random_state=0)
    assert set(sizes) <= {3, 4, 5, 6, 7, 8, 9} and len(set(sizes)) > 2
    assert out["n_units"] == 3
    sizes.clear()
    paired_bootstrap(y, y, y[::-1], metric=metric, n_resamples=50, random_state=0)
    assert set(sizes) == {6}


def test_a_callable_metric_sees_the_labels_as_given():
    y, a, b = _systems(n=60)
    seen = set()

    def sad_recall(t, p):
        seen.update(np.unique(t).tolist())
        return float(np.mean(p[t == "sad"] == "sad"))

    out = paired_bootstrap(y, a, b, metric=sad_recall, n_resamples=50, random_state=0)
    assert seen == set(CLASSES)
    assert out["difference"] == pytest.approx(sad_recall(y, a) - sad_recall(y, b))


def test_groups_widen_the_interval_of_correlated_samples():
    # every sample copied five times: counted as independent, the copies make the
    # interval too narrow; drawn as groups, it is that of the 80 originals
    y, a, b = _systems(n=80, right=(0.75, 0.6), seed=2)
    copies = [np.repeat(v, 5) for v in (y, a, b)]
    groups = np.repeat(np.arange(80), 5)
    naive = paired_bootstrap(*copies, n_resamples=500, random_state=0)
    grouped = paired_bootstrap(*copies, groups=groups, n_resamples=500, random_state=0)
    original = paired_bootstrap(y, a, b, n_resamples=500, random_state=0)
    width = {k: v["high"] - v["low"] for k, v in
             {"naive": naive, "grouped": grouped, "original": original}.items()}
    assert width["grouped"] > 1.7 * width["naive"]
    assert width["grouped"] == pytest.approx(width["original"], rel=0.25)


@pytest.mark.parametrize("kwargs, match", [
    ({"y_pred": ["a"] * 5}, r"1-d and of one length; got shapes \(6,\), \(5,\)"),
    ({"groups": [0, 1]}, r"one entry per sample, shape \(6,\); got shape \(2,\)"),
    ({"groups": [7] * 6}, "at least two samples or groups; got 1"),
    ({"metric": "f1"}, "metric must be one of .*'f1'"),
    ({"n_resamples": 0}, "n_resamples must be a positive int; got 0"),
    ({"confidence_level": 95}, r"confidence_level must be in \(0, 1\); got 95"),
])
def test_bad_arguments_are_named(kwargs, match):
    args = {"y_true": ["a", "b"] * 3, "y_pred": ["a"] * 6, "y_pred_reference": ["b"] * 6}
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        paired_bootstrap(args.pop("y_true"), args.pop("y_pred"), args.pop("y_pred_reference"),
                         **args)

import numpy as np
import pytest
from sklearn.pipeline import FeatureUnion

from emosk.pooling import FFTPooling, StatPooling, fft_pool, stat_pool


def test_stat_pool_hand_computed():
    clip = np.array([[1.0, 10.0], [3.0, 20.0], [5.0, 60.0]])
    out = stat_pool(clip, stats="stat")
    expected_std = [np.sqrt(8 / 3), np.sqrt(((10 - 30) ** 2 + 10**2 + 30**2) / 3)]
    np.testing.assert_allclose(
        out, [3, 30, *expected_std, 1, 10, 5, 60]
    )
    np.testing.assert_allclose(stat_pool(clip, stats=("median", "q0", "q100")),
                               [3, 20, 1, 10, 5, 60])


def test_stat_presets():
    assert StatPooling(stats="stat*").fit(np.zeros((2, 3))).get_feature_names_out()[-1] == "min__x2"
    names = StatPooling(stats="STAT").fit(np.zeros((2, 1))).get_feature_names_out()
    assert list(names) == ["mean__x0", "std__x0", "min__x0", "max__x0"]


@pytest.mark.parametrize("stats, match", [
    (("mean", "mode"), "Unknown statistic 'mode'"),
    ("stat**", "Unknown stats preset 'stat\\*\\*'"),
    ((), "at least one"),
    (("q101",), "q101"),
    (("mean", "mean"), "twice"),
])
def test_unknown_stat_names_the_value(stats, match):
    with pytest.raises(ValueError, match=match):
        StatPooling(stats=stats).fit(np.zeros((2, 2)))


def test_single_frame_clip_has_zero_std():
    out = StatPooling(stats=("mean", "std")).fit_transform([np.array([[2.0, -1.0]])])
    np.testing.assert_array_equal(out, [[2.0, -1.0, 0.0, 0.0]])


def test_fft_pool_hand_computed():
    # x = [1, 2, 3]: rfft = [6, -1.5+0.866j]; |.| = [6, sqrt(3)]; mean / T
    out = fft_pool(np.array([[1.0], [2.0], [3.0]]))
    np.testing.assert_allclose(out, [(6 + np.sqrt(3)) / 2 / 3])


@pytest.mark.parametrize("T", [1, 2, 3, 10])
def test_fft_short_clips_and_bins(T):
    rng = np.random.default_rng(T)
    clip = rng.normal(size=(T, 3))
    assert fft_pool(clip).shape == (3,)
    binned = fft_pool(clip, n_bins=4)
    assert binned.shape == (12,)
    # bin 0 is the 0 frequency: |mean| of each feature
    np.testing.assert_allclose(binned[:3], np.abs(clip.mean(axis=0)))
    # the last bin is the Nyquist frequency: |sum (-1)^t x_t| / T
    signs = (-1.0) ** np.arange(T)
    np.testing.assert_allclose(binned[9:], np.abs(signs @ clip) / T)


def test_fft_detects_oscillation_frequency():
    t = np.arange(32)[:, None]
    slow = np.sin(2 * np.pi * t / 32)
    fast = np.sin(2 * np.pi * t * 15 / 32)
    out = FFTPooling(n_bins=3).fit_transform([slow, fast])  # 0, 0.25, 0.5 cycles/frame
    assert out[0, 0] < out[0, 1] and out[1, 2] > out[1, 1]


def test_fft_feature_names():
    est = FFTPooling(n_bins=2).fit(np.zeros((3, 2)))
    assert list(est.get_feature_names_out()) == ["fft0__x0", "fft0__x1", "fft1__x0", "fft1__x1"]


def test_pandas_output_and_feature_names():
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame({"au12": [0.0, 1.0], "au4": [2.0, 3.0]})
    out = StatPooling(stats=("mean",)).set_output(transform="pandas").fit_transform(df)
    assert list(out.columns) == ["mean__au12", "mean__au4"]


def test_feature_union_of_poolings_on_ragged_clips():
    clips = [np.ones((t, 2)) * t for t in (1, 2, 5)]
    union = FeatureUnion([("stat", StatPooling()), ("fft", FFTPooling())])
    out = union.fit_transform(clips)
    assert out.shape == (3, 8)
    np.testing.assert_allclose(out[:, 0], [1, 2, 5])


def test_float32_is_kept():
    out = StatPooling().fit_transform([np.zeros((3, 2), dtype=np.float32)])
    assert out.dtype == np.float32


def test_clip_with_wrong_feature_count_after_fit():
    est = StatPooling().fit([np.zeros((3, 2))])
    with pytest.raises(ValueError, match="X has 5 features, but StatPooling is expecting 2"):
        est.transform([np.zeros((3, 5))])


def test_pool_probabilities_refuses_scores_that_are_not_probabilities():
    """Logits, decision scores or counts were renormalised into a plausible-looking
    clip answer: [[5, 2, 1]] gave [0.625, 0.25, 0.125], [[1.5, -0.5, 0]] a
    'probability' of -0.5."""
    from emosk.pooling import CLIP_METHODS, pool_probabilities

    frames = np.array([[np.nan] * 3, [0.7, 0.2, 0.1], [5.0, 2.0, 1.0]])
    for method in CLIP_METHODS:
        with pytest.raises(ValueError, match=r"row 2 is \[5.0, 2.0, 1.0\], summing to 8"):
            pool_probabilities(frames, method=method)
    with pytest.raises(ValueError, match="row 0 is .*-0.5"):
        pool_probabilities([[1.5, -0.5, 0.0]])
    # float32 softmax rounding passes
    p = np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]], dtype=np.float32) * (1 + 2e-4)
    assert np.isclose(pool_probabilities(p).sum(), 1)


def test_empty_collection():
    with pytest.raises(ValueError, match="empty"):
        StatPooling().fit([])


def test_pool_probabilities_methods_by_hand():
    from emosk.pooling import CLIP_METHODS, pool_probabilities

    p = np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8], [0.2, 0.6, 0.2], [np.nan] * 3])
    assert np.allclose(pool_probabilities(p), p[:3].mean(0))  # NaN rows left out
    geo = np.exp(np.log(p[:3]).mean(0))
    assert np.allclose(pool_probabilities(p, method="log-mean"), geo / geo.sum())
    h = -(p[:3] * np.log(p[:3])).sum(1)
    w = 1 - h / np.log(3)
    conf = (w[:, None] * p[:3]).sum(0)
    assert np.allclose(pool_probabilities(p, method="confidence"), conf / conf.sum())
    # expressive: the third of the frames most sure of a class other than neutral
    names = ["happy", "neutral", "sad"]
    assert np.allclose(pool_probabilities(p, method="expressive", classes=names), p[1])
    assert np.allclose(pool_probabilities(p, method="expressive"), p[1])  # 0.8 is highest
    neutralish = np.array([[0.05, 0.9, 0.05], [0.3, 0.4, 0.3]])
    assert np.allclose(pool_probabilities(neutralish, method="expressive", classes=names,
                                          share=0.5), neutralish[1])
    for method in CLIP_METHODS:
        out = pool_probabilities(p, method=method, classes=names)
        assert out.shape == (3,) and np.isclose(out.sum(), 1)
        assert np.isnan(pool_probabilities(np.full((2, 3), np.nan), method=method)).all()
    with pytest.raises(ValueError, match="method must be one of"):
        pool_probabilities(p, method="median")
    with pytest.raises(ValueError, match=r"shape \(3,\)"):
        pool_probabilities(np.ones(3))

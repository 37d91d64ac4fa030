import pickle

import numpy as np
import pytest
import torch
from sklearn.model_selection import GridSearchCV

from emosk.nn import FrameLSTMClassifier, shuffle_within_lengths

from ._pickling import plainly_pickled_tensors


def _order_clips(n, seed):
    """Classes that differ only in frame ORDER: rising vs falling ramps."""
    rng = np.random.default_rng(seed)
    y = np.where(rng.random(n) < 0.5, "rising", "falling")
    clips = []
    for label in y:
        t = int(rng.integers(4, 15))
        ramp = np.linspace(-1, 1, t)[:, None] * (1 if label == "rising" else -1)
        clips.append(np.hstack([ramp, rng.normal(scale=0.1, size=(t, 3))]))
    return clips, y


def _spread_clips(n, seed):
    """Classes that differ in the spread of frames, whatever their order."""
    rng = np.random.default_rng(seed)
    y = np.where(rng.random(n) < 0.5, "calm", "agitated")
    return [rng.normal(scale=2.0 if c == "agitated" else 0.3,
                       size=(int(rng.integers(4, 20)), 5)) for c in y], y


def test_shuffle_keeps_padding_and_frames():
    x = torch.arange(2 * 5 * 1, dtype=torch.float32).view(2, 5, 1)
    lengths = torch.tensor([3, 5])
    gen = torch.Generator().manual_seed(0)
    out = shuffle_within_lengths(x, lengths, gen)
    assert sorted(out[0, :3, 0].tolist()) == [0, 1, 2]
    assert out[0, 3:, 0].tolist() == [3, 4]  # padding untouched, at the end
    assert sorted(out[1, :, 0].tolist()) == [5, 6, 7, 8, 9]
    outs = {tuple(shuffle_within_lengths(x, lengths, gen)[1, :, 0].tolist())
            for _ in range(10)}
    assert len(outs) > 1


def test_learns_ragged_clips_and_generalises():
    clips, y = _spread_clips(120, 0)
    test_clips, test_y = _spread_clips(60, 1)
    clf = FrameLSTMClassifier(hidden_size=16, max_epochs=15, random_state=0).fit(clips, y)
    assert clf.score(test_clips, test_y) > 0.8  # chance: 0.5


def test_order_is_learnable_only_without_shuffling():
    clips, y = _order_clips(160, 0)
    test_clips, test_y = _order_clips(80, 1)
    kw = dict(hidden_size=16, max_epochs=25, random_state=0)
    ordered = FrameLSTMClassifier(shuffle_frames=False, **kw).fit(clips, y)
    shuffled = FrameLSTMClassifier(shuffle_frames=True, **kw).fit(clips, y)
    assert ordered.score(test_clips, test_y) > 0.9
    # with shuffled training the LSTM cannot rely on the ramp's direction
    assert shuffled.score(test_clips, test_y) < ordered.score(test_clips, test_y) - 0.2


def test_padding_does_not_change_predictions():
    clips, y = _spread_clips(40, 2)
    clf = FrameLSTMClassifier(hidden_size=8, max_epochs=3, random_state=0).fit(clips, y)
    alone = clf.predict_proba([clips[0]])
    with_long = clf.predict_proba([clips[0], np.zeros((60, 5))])[:1]
    np.testing.assert_allclose(alone, with_long, atol=1e-5)


def test_grid_search_pickle_and_bad_input():
    clips, y = _spread_clips(60, 3)
    search = GridSearchCV(FrameLSTMClassifier(max_epochs=3, random_state=0),
                          {"hidden_size": [4, 8]}, cv=2).fit(clips, y)
    best = search.best_params_["hidden_size"]
    scores = search.cv_results_["mean_test_score"]
    assert best == [4, 8][int(np.argmax(scores))] and np.all(np.isfinite(scores))
    clf = search.best_estimator_
    assert clf.net_.module_.lstm.hidden_size == best  # the grid value reached the network
    assert plainly_pickled_tensors(clf) == []  # loads without a GPU if fitted on one
    again = pickle.loads(pickle.dumps(clf))
    np.testing.assert_allclose(again.predict_proba(clips[:3]), clf.predict_proba(clips[:3]))
    bad = [c.copy() for c in clips[:4]]
    bad[2][0, 0] = np.nan
    with pytest.raises(ValueError, match="clip 2"):
        clf.predict(bad)
    with pytest.raises(ValueError, match="5 features|has 3 features"):
        clf.predict([np.zeros((4, 3))])

"""FER+ labels of FER2013: majority and vote shares (the soft labels of CNNClassifier)."""

import numpy as np
import pytest


def test_ferplus_targets_rules():
    from emosk.datasets._fer2013 import _ferplus_targets

    names = ["neutral", "happiness", "surprise", "sadness", "anger", "disgust", "fear",
             "contempt", "unknown", "NF"]
    votes = np.array([
        [1, 8, 0, 0, 0, 0, 0, 1, 0, 0],  # happy
        [4, 4, 0, 0, 0, 0, 0, 0, 2, 0],  # tie: dropped
        [2, 0, 0, 0, 0, 0, 0, 6, 2, 0],  # contempt: dropped, shares from 2 votes
        [0, 0, 0, 0, 0, 0, 0, 0, 0, 10],  # not a face
        [0, 0, 0, 3, 6, 0, 1, 0, 0, 0],  # angry
    ])
    majority, proba = _ferplus_targets(votes, names)
    assert majority.tolist() == [3, -1, -1, -1, 0]
    np.testing.assert_allclose(proba[0], [0, 0, 0, 8 / 9, 0, 0, 1 / 9])
    np.testing.assert_allclose(proba[2], [0, 0, 0, 0, 0, 0, 1])
    np.testing.assert_allclose(proba[3], 0)
    np.testing.assert_allclose(proba[4], [0.6, 0, 0.1, 0, 0.3, 0, 0])


def test_real_ferplus_labels(shared_data):
    from emosk.datasets import EMOTIONS, load_fer2013

    if not (shared_data / "fer2013" / "ferplus.npz").exists():
        pytest.skip("fer2013/ferplus.npz not in the data folder")
    full = load_fer2013(data_home=shared_data, subset="PublicTest")
    major = load_fer2013(data_home=shared_data, subset="PublicTest", labels="ferplus-majority",
                         as_names=False)
    votes = load_fer2013(data_home=shared_data, subset="PublicTest", labels="ferplus-votes",
                         as_names=False)
    assert 3000 < len(major.target) < len(full.target) == 3589
    assert tuple(major.target_names) == EMOTIONS and major.target.min() >= 0
    np.testing.assert_array_equal(major.target, votes.target)
    np.testing.assert_array_equal(major.images, votes.images)
    assert votes.target_proba.shape == (len(votes.target), 7)
    np.testing.assert_allclose(votes.target_proba.sum(axis=1), 1)
    np.testing.assert_array_equal(votes.target_proba.argmax(axis=1), votes.target)
    agree = np.mean(major.target == major.fer2013_target)
    assert 0.55 < agree < 0.8  # FER+ relabels about a third of the faces
    # the majority has the most votes of the ten FER+ categories
    columns = [list(major.vote_names).index(n) for n in
               ["anger", "disgust", "fear", "happiness", "sadness", "surprise", "neutral"]]
    top = major.votes[np.arange(len(major.votes)), np.array(columns)[major.target]]
    assert np.all(top == major.votes.max(axis=1))
    X, y = load_fer2013(data_home=shared_data, subset="Training", labels="ferplus-majority",
                        return_X_y=True)
    assert len(X) == len(y) > 25000 and set(y) == set(EMOTIONS)
    with pytest.raises(ValueError, match="Unknown FER2013 labels 'ferplus'"):
        load_fer2013(data_home=shared_data, labels="ferplus")


def test_ferplus_labels_need_the_npz(tmp_path):
    from emosk.datasets import load_fer2013

    (tmp_path / "fer2013.csv").write_text(
        "emotion,pixels,Usage\n3," + " ".join(["0"] * 2304) + ",Training\n")
    with pytest.raises(ValueError, match="FER\\+ labels need fer2013/fer2013.npz"):
        load_fer2013(data_home=tmp_path, labels="ferplus-majority")

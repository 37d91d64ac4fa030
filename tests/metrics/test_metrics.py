import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from emosk.metrics import (  # noqa: E402
    cost_sensitive_accuracy,
    per_class_recall,
    plot_confusion_matrix,
    similarity_cost_matrix,
    unweighted_average_recall,
)


def test_recalls_hand_computed():
    y = ["happy"] * 4 + ["sad"] * 2
    p = ["happy", "happy", "happy", "sad", "sad", "happy"]
    assert per_class_recall(y, p) == {"happy": 0.75, "sad": 0.5}
    assert unweighted_average_recall(y, p) == pytest.approx(0.625)


def test_uar_ignores_classes_only_predicted():
    assert unweighted_average_recall(["a", "a"], ["a", "b"]) == 0.5


def test_cost_sensitive_accuracy():
    y = ["fear", "fear", "happy", "sad"]
    p = ["surprise", "fear", "angry", "neutral"]
    # fear->surprise and sad->neutral cost 0.5, happy->angry costs 1
    assert cost_sensitive_accuracy(y, p) == pytest.approx(1 - 2 / 4)
    labels = ["angry", "fear", "happy", "neutral", "sad", "surprise"]
    zero_one = 1 - np.eye(6)
    assert cost_sensitive_accuracy(y, p, labels=labels, cost_matrix=zero_one) == 0.25


def test_cost_matrix_shape_error():
    with pytest.raises(ValueError, match=r"shape \(2, 2\)"):
        cost_sensitive_accuracy(["a", "b", "c"], ["a", "b", "c"], cost_matrix=np.zeros((2, 2)))


def test_similarity_cost_matrix_bounds():
    with pytest.raises(ValueError, match="1.5"):
        similarity_cost_matrix(["a"], similar_cost=1.5)


def test_plot_confusion_matrix():
    disp = plot_confusion_matrix(["a", "b", "b"], ["a", "a", "b"])
    np.testing.assert_allclose(disp.confusion_matrix, [[1, 0], [0.5, 0.5]])

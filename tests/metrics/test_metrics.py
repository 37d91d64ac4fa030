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


def test_cost_sensitive_accuracy_refuses_labels_outside_its_labels():
    """A sample whose true or predicted label was not in labels was dropped, with its
    mistake: a prediction of an unlisted class raised the accuracy."""
    y, p = ["fear", "happy", "sad"], ["fear", "contempt", "sad"]
    labels = ["fear", "happy", "sad"]
    with pytest.raises(ValueError, match=r"not in labels: \['contempt'\]"):
        cost_sensitive_accuracy(y, p, labels=labels, cost_matrix=1 - np.eye(3))
    assert cost_sensitive_accuracy(y, p, cost_matrix=1 - np.eye(4)) == pytest.approx(2 / 3)


def test_cost_matrix_shape_error():
    with pytest.raises(ValueError, match=r"shape \(2, 2\)"):
        cost_sensitive_accuracy(["a", "b", "c"], ["a", "b", "c"], cost_matrix=np.zeros((2, 2)))


def test_similarity_cost_matrix_bounds():
    with pytest.raises(ValueError, match="1.5"):
        similarity_cost_matrix(["a"], similar_cost=1.5)


def test_confusion_matrix_can_leave_out_classes_absent_from_the_truth():
    """A class only predicted (neutral on CK+, which has none) gets a column but
    no all-zero row with omit_absent_rows (#24)."""
    import matplotlib

    matplotlib.use("Agg")
    y_true = ["happy", "happy", "sad", "sad", "sad"]
    y_pred = ["happy", "neutral", "sad", "neutral", "happy"]
    labels = ["happy", "neutral", "sad"]
    full = plot_confusion_matrix(y_true, y_pred, labels=labels)
    assert full.confusion_matrix.shape == (3, 3)
    disp = plot_confusion_matrix(y_true, y_pred, labels=labels, omit_absent_rows=True)
    assert disp.confusion_matrix.shape == (2, 3)
    np.testing.assert_allclose(disp.confusion_matrix,
                               [[1 / 2, 1 / 2, 0], [1 / 3, 1 / 3, 1 / 3]])
    ax = disp.ax_
    assert [t.get_text() for t in ax.get_yticklabels()] == ["happy", "sad"]
    assert [t.get_text() for t in ax.get_xticklabels()] == labels
    assert disp.text_.shape == (2, 3) and disp.text_[1, 2].get_text() == "0.33"
    counts = plot_confusion_matrix(y_true, y_pred, labels=labels, normalize=None,
                                   omit_absent_rows=True)
    assert counts.confusion_matrix.tolist() == [[1, 1, 0], [1, 1, 1]]
    assert counts.text_[0, 0].get_text() == "1"
    same = plot_confusion_matrix(y_true, y_pred, labels=["happy", "sad"],
                                 omit_absent_rows=True)
    assert same.confusion_matrix.shape == (2, 2)  # nothing to leave out: square


def test_plot_confusion_matrix():
    disp = plot_confusion_matrix(["a", "b", "b"], ["a", "a", "b"])
    np.testing.assert_allclose(disp.confusion_matrix, [[1, 0], [0.5, 0.5]])


def test_evaluation_report_counts_and_rates():
    from emosk.metrics import evaluation_report

    y = ["happy", "happy", "sad", "sad", "angry"]
    pred = ["happy", "sad", "sad", "sad", "fear"]
    report = evaluation_report(y, pred)
    assert report["n"] == 5 and report["accuracy"] == 0.6
    assert report["uar"] == round((1 + 0.5 + 0) / 3, 4)
    assert report["per_class_recall"] == {"angry": 0.0, "happy": 0.5, "sad": 1.0}
    cm = report["confusion_matrix"]
    assert cm["rows"] == ["angry", "happy", "sad"]  # fear is never true: no row
    assert cm["columns"] == ["angry", "fear", "happy", "sad"]
    assert cm["counts"] == [[0, 1, 0, 0], [0, 0, 1, 1], [0, 0, 0, 2]]
    with pytest.raises(ValueError, match=r"shapes \(5,\) and \(4,\)"):
        evaluation_report(y, pred[:4])

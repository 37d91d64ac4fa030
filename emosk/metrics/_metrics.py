"""Metrics of emotion classification."""

import numpy as np
from sklearn.metrics import ConfusionMatrixDisplay, confusion_matrix, recall_score
from sklearn.utils.multiclass import unique_labels

__all__ = [
    "per_class_recall",
    "unweighted_average_recall",
    "plot_confusion_matrix",
    "similarity_cost_matrix",
    "cost_sensitive_accuracy",
    "EMOTION_SIMILAR_PAIRS",
]

#: Pairs of emotions that are often confused because their facial displays
#: overlap; emosk's default for :func:`similarity_cost_matrix`.  This is
#: emosk's choice, not a list taken from a paper: pass your own pairs.
EMOTION_SIMILAR_PAIRS = (
    ("angry", "disgust"),
    ("fear", "surprise"),
    ("sad", "neutral"),
    ("fear", "sad"),
)


def per_class_recall(y_true, y_pred, *, labels=None):
    """Recall of every class: the share of its samples predicted correctly.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_samples,)
        True and predicted labels.
    labels : array-like, default=None
        Classes to report, in order; all labels seen when None.

    Returns
    -------
    dict
        Class label to recall; a class absent from ``y_true`` gets NaN.

    Examples
    --------
    >>> from emosk.metrics import per_class_recall
    >>> per_class_recall(["a", "a", "b"], ["a", "b", "b"])
    {'a': 0.5, 'b': 1.0}
    """
    labels = unique_labels(y_true, y_pred) if labels is None else np.asarray(labels)
    values = recall_score(
        y_true, y_pred, labels=labels, average=None, zero_division=np.nan
    )
    return {lab.item() if hasattr(lab, "item") else lab: float(v)
            for lab, v in zip(labels, values)}


def unweighted_average_recall(y_true, y_pred):
    """Mean of the per-class recalls over the classes present in ``y_true``.

    The usual headline figure for imbalanced emotion data sets (UAR), equal
    to :func:`sklearn.metrics.balanced_accuracy_score`.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_samples,)
        True and predicted labels.

    Returns
    -------
    float

    Examples
    --------
    >>> from emosk.metrics import unweighted_average_recall
    >>> unweighted_average_recall(["a", "a", "b"], ["a", "b", "b"])
    0.75
    """
    present = unique_labels(y_true)
    return float(recall_score(y_true, y_pred, labels=present, average="macro"))


def plot_confusion_matrix(y_true, y_pred, *, labels=None, normalize="true", ax=None,
                          omit_absent_rows=False, **kwargs):
    """Plot a confusion matrix with rows normalised to recalls by default.

    A thin wrapper of
    :meth:`sklearn.metrics.ConfusionMatrixDisplay.from_predictions`.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_samples,)
        True and predicted labels.
    labels : array-like, default=None
        Class order of the axes.
    normalize : {"true", "pred", "all"} or None, default="true"
        See :func:`sklearn.metrics.confusion_matrix`.
    ax : matplotlib Axes, default=None
        Axes to draw on; a new figure when None.
    omit_absent_rows : bool, default=False
        Leave out the rows of the labels that never occur in ``y_true``: a
        class the model knows but the data lacks (neutral in CK+) would
        show an all-zero row, with no recall to read.  The columns keep
        every label, so predictions of that class still show.
    **kwargs
        Passed to ``from_predictions`` (``cmap``, ``values_format`` ...);
        with rows left out, ``cmap``, ``values_format``,
        ``xticks_rotation``, ``colorbar``, ``include_values``, ``im_kw`` and
        ``text_kw``.

    Returns
    -------
    sklearn.metrics.ConfusionMatrixDisplay
        Its ``confusion_matrix`` is ``(n_rows, n_labels)``: square unless
        rows were left out.
    """
    kwargs.setdefault("values_format", ".2f" if normalize else "d")
    kwargs.setdefault("xticks_rotation", 45)
    labels = unique_labels(y_true, y_pred) if labels is None else np.asarray(labels)
    present = np.isin(labels, np.unique(np.asarray(y_true)))
    if not omit_absent_rows or present.all():
        return ConfusionMatrixDisplay.from_predictions(
            y_true, y_pred, labels=labels, normalize=normalize, ax=ax, **kwargs
        )
    cm = confusion_matrix(y_true, y_pred, labels=labels, normalize=normalize)
    return _draw_matrix(cm[present], labels[present], labels, ax=ax, **kwargs)


def _draw_matrix(cm, row_labels, col_labels, *, ax=None, cmap="viridis",
                 values_format=".2f", xticks_rotation=45, colorbar=True,
                 include_values=True, im_kw=None, text_kw=None):
    """Draw a confusion matrix whose rows and columns differ, as
    :class:`~sklearn.metrics.ConfusionMatrixDisplay` draws a square one."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots() if ax is None else (ax.figure, ax)
    im = ax.imshow(cm, interpolation="nearest", cmap=cmap, **(im_kw or {}))
    text = None
    if include_values:
        text = np.empty(cm.shape, dtype=object)
        middle = (cm.max() + cm.min()) / 2.0
        for i, j in np.ndindex(cm.shape):
            color = im.cmap(1.0) if cm[i, j] < middle else im.cmap(0)
            text[i, j] = ax.text(j, i, format(cm[i, j], values_format), ha="center",
                                 va="center", color=color, **(text_kw or {}))
    if colorbar:
        fig.colorbar(im, ax=ax)
    ax.set(xticks=np.arange(cm.shape[1]), yticks=np.arange(cm.shape[0]),
           xticklabels=list(col_labels), yticklabels=list(row_labels),
           xlabel="Predicted label", ylabel="True label")
    ax.set_ylim((cm.shape[0] - 0.5, -0.5))
    plt.setp(ax.get_xticklabels(), rotation=xticks_rotation)
    disp = ConfusionMatrixDisplay(cm, display_labels=list(col_labels))
    disp.im_, disp.text_, disp.ax_, disp.figure_ = im, text, ax, fig
    return disp


def similarity_cost_matrix(labels, *, similar_pairs=EMOTION_SIMILAR_PAIRS,
                           similar_cost=0.5):
    """Cost matrix that charges less for confusing similar classes.

    Parameters
    ----------
    labels : sequence
        Classes, in the order of the matrix rows (true) and columns
        (predicted).
    similar_pairs : sequence of (label, label), default=EMOTION_SIMILAR_PAIRS
        Unordered pairs whose confusion costs ``similar_cost``; pairs naming a
        class not in ``labels`` are ignored.
    similar_cost : float, default=0.5
        Cost of confusing a similar pair, between 0 and 1.

    Returns
    -------
    ndarray of shape (n_classes, n_classes)
        0 on the diagonal, ``similar_cost`` for similar pairs, 1 elsewhere.

    Examples
    --------
    >>> from emosk.metrics import similarity_cost_matrix
    >>> similarity_cost_matrix(["sad", "neutral", "happy"])
    array([[0. , 0.5, 1. ],
           [0.5, 0. , 1. ],
           [1. , 1. , 0. ]])
    """
    if not 0 <= similar_cost <= 1:
        raise ValueError(f"similar_cost must be in [0, 1]; got {similar_cost}.")
    labels = list(labels)
    index = {lab: i for i, lab in enumerate(labels)}
    cost = 1.0 - np.eye(len(labels))
    for a, b in similar_pairs:
        if a in index and b in index:
            cost[index[a], index[b]] = cost[index[b], index[a]] = similar_cost
    return cost


def cost_sensitive_accuracy(y_true, y_pred, *, labels=None, cost_matrix=None):
    """Accuracy that gives partial credit for confusing similar classes.

    ``1 - mean(cost[true_i, pred_i])``: with a 0/1 cost matrix this is plain
    accuracy; with :func:`similarity_cost_matrix` a confusion between, say,
    fear and surprise costs half a mistake.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_samples,)
        True and predicted labels.
    labels : array-like, default=None
        Class order of ``cost_matrix``; all labels seen when None.  Every
        label of ``y_true`` and ``y_pred`` must be among them.
    cost_matrix : ndarray of shape (n_classes, n_classes), default=None
        Cost of predicting column j for true row i, in [0, 1], 0 on the
        diagonal; ``similarity_cost_matrix(labels)`` when None.

    Returns
    -------
    float

    Raises
    ------
    ValueError
        If ``cost_matrix`` is not ``(n_classes, n_classes)`` for ``labels``,
        or a label of ``y_true`` or ``y_pred`` is not among ``labels`` (its
        samples' cost is unknown).

    Notes
    -----
    Ng et al. (2015) argue that confusions between emotions with similar
    facial displays should weigh less than others.  This metric is emosk's
    general form of that idea: the cost matrix is an input, and the default
    similar pairs (:data:`EMOTION_SIMILAR_PAIRS`) are emosk's choice.

    Examples
    --------
    >>> from emosk.metrics import cost_sensitive_accuracy
    >>> cost_sensitive_accuracy(["fear", "happy"], ["surprise", "happy"])
    0.75
    """
    labels = unique_labels(y_true, y_pred) if labels is None else np.asarray(labels)
    cost = (similarity_cost_matrix(labels) if cost_matrix is None
            else np.asarray(cost_matrix, dtype=float))
    if cost.shape != (len(labels), len(labels)):
        raise ValueError(
            f"cost_matrix has shape {cost.shape}; expected "
            f"({len(labels)}, {len(labels)}) for labels {list(labels)}."
        )
    outside = np.setdiff1d(unique_labels(y_true, y_pred), labels)
    if len(outside):  # confusion_matrix would drop those samples, and their mistakes
        raise ValueError(f"y_true and y_pred hold labels that are not in labels: "
                         f"{outside.tolist()}; the cost of their samples is unknown.")
    counts = confusion_matrix(y_true, y_pred, labels=labels)
    return float(1.0 - (counts * cost).sum() / counts.sum())


def evaluation_report(y_true, y_pred, *, digits=4):
    """Accuracy, UAR, per-class recall and confusion counts, as ``emosk evaluate``
    prints them.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n,)
        Class names (or labels).
    digits : int, default=4
        Rounding of the rates.

    Returns
    -------
    dict
        ``n``, ``accuracy``, ``uar`` (:func:`unweighted_average_recall`),
        ``per_class_recall`` (over the classes present in ``y_true``) and
        ``confusion_matrix``: ``rows`` (the classes of ``y_true``: a class the
        data lacks would be an all-zero row), ``columns`` (those of ``y_true``
        or ``y_pred``) and ``counts`` (lists of ints).

    Examples
    --------
    >>> from emosk.metrics import evaluation_report
    >>> report = evaluation_report(["happy", "sad", "sad"], ["happy", "sad", "fear"])
    >>> report["accuracy"], report["uar"], report["confusion_matrix"]["columns"]
    (0.6667, 0.75, ['fear', 'happy', 'sad'])
    """
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if y_true.shape != y_pred.shape or y_true.ndim != 1:
        raise ValueError(f"y_true and y_pred must be 1-d and of one length; got shapes "
                         f"{y_true.shape} and {y_pred.shape}.")
    rows = sorted(map(str, set(y_true.tolist())))
    columns = sorted(map(str, set(y_true.tolist()) | set(y_pred.tolist())))
    counts = confusion_matrix(y_true.astype(str), y_pred.astype(str), labels=columns)
    recall = per_class_recall(y_true, y_pred, labels=sorted(set(y_true.tolist())))
    return {"n": int(len(y_true)),
            "accuracy": round(float(np.mean(y_true == y_pred)), digits),
            "uar": round(float(unweighted_average_recall(y_true, y_pred)), digits),
            "per_class_recall": {k: round(float(v), digits) for k, v in recall.items()},
            "confusion_matrix": {"rows": rows, "columns": columns,
                                 "counts": counts[np.isin(columns, rows)].tolist()}}

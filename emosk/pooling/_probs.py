"""One clip answer from the class probabilities of its frames."""

import numpy as np

from ..utils.validation import first_non_probability_row

__all__ = ["pool_probabilities", "CLIP_METHODS"]

#: Ways of making a clip's probabilities from its frames', see
#: :func:`pool_probabilities`.
CLIP_METHODS = ("mean", "log-mean", "confidence", "expressive")


def _expressive_rows(probs, neutral, share):
    """Indices of the ``share`` of frames most confident in an emotion other than
    neutral (at least one frame)."""
    others = np.delete(probs, neutral, axis=1) if neutral is not None else probs
    k = max(1, int(np.ceil(share * len(probs))))
    return np.argsort(-others.max(axis=1), kind="stable")[:k]


def _check_probabilities(p, rows):
    """Refuse ``rows`` of ``p`` that are not probabilities (scores, logits,
    counts): their pooling would be renormalised into a plausible-looking answer."""
    first = first_non_probability_row(p[rows])
    if first is not None:
        row = p[rows[first]]
        raise ValueError(f"probs must hold probabilities (each row in [0, 1], summing to 1); "
                         f"row {rows[first]} is {np.round(row, 4).tolist()}, summing to "
                         f"{row.sum():.4g}. Scores or logits need a softmax first.")


def pool_probabilities(probs, *, method="mean", classes=None, neutral="neutral",
                       share=1 / 3):
    """Class probabilities of a clip from those of its frames.

    Parameters
    ----------
    probs : array-like of shape (n_frames, n_classes)
        Each frame's class probabilities (rows summing to 1).  Rows with a NaN
        (frames without a face) are left out.
    method : {"mean", "log-mean", "confidence", "expressive"}, default="mean"
        ``"mean"``: the mean of the probabilities.  ``"log-mean"``: the mean
        of their logarithms, renormalised (a geometric mean: a class one
        frame rules out stays unlikely).  ``"confidence"``: the mean weighted
        by each frame's confidence, one minus its entropy over the entropy
        of the uniform distribution.  ``"expressive"``: the mean over the
        ``share`` of frames whose most probable class other than neutral is
        most probable (the expressive moments of a clip that is mostly
        neutral).
    classes : array-like of shape (n_classes,), default=None
        Class names, to find ``neutral`` (``"expressive"`` only; without it
        every class counts).
    neutral : str, default="neutral"
        The neutral class's name.
    share : float, default=1/3
        ``"expressive"``: share of the frames kept (at least one).

    Returns
    -------
    ndarray of shape (n_classes,)
        Sums to 1; all NaN when no frame has probabilities.

    Raises
    ------
    ValueError
        For an unknown ``method``, ``probs`` not of shape ``(n_frames,
        n_classes)``, or rows that are not probabilities (a negative value or
        a sum off 1 by more than 0.001: scores, logits or counts).

    Examples
    --------
    >>> import numpy as np
    >>> from emosk.pooling import pool_probabilities
    >>> p = np.array([[0.9, 0.1], [0.4, 0.6], [0.5, 0.5]])
    >>> pool_probabilities(p).round(3)
    array([0.6, 0.4])
    >>> pool_probabilities(p, method="expressive", classes=["happy", "neutral"]).round(3)
    array([0.9, 0.1])
    """
    if method not in CLIP_METHODS:
        raise ValueError(f"method must be one of {CLIP_METHODS}; got {method!r}.")
    p = np.asarray(probs, dtype=float)
    if p.ndim != 2 or p.shape[1] == 0:
        raise ValueError(f"probs must have shape (n_frames, n_classes); got shape {p.shape}.")
    rows = np.flatnonzero(np.isfinite(p).all(axis=1))
    if len(rows) == 0:
        return np.full(np.shape(probs)[1], np.nan)
    _check_probabilities(p, rows)
    p = p[rows]
    if method == "mean":
        out = p.mean(axis=0)
    elif method == "log-mean":
        logs = np.log(np.clip(p, 1e-12, None)).mean(axis=0)
        out = np.exp(logs - logs.max())
    elif method == "confidence":
        k = p.shape[1]
        entropy = -(p * np.log(np.clip(p, 1e-12, None))).sum(axis=1)
        weights = 1 - entropy / np.log(k) if k > 1 else np.ones(len(p))
        weights = np.clip(weights, 0, None) + 1e-12
        out = (weights[:, None] * p).sum(axis=0)
    else:
        idx = None
        if classes is not None and neutral in list(classes):
            idx = list(classes).index(neutral)
        out = p[_expressive_rows(p, idx, share)].mean(axis=0)
    return out / out.sum()

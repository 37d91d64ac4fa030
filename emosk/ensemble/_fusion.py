"""Late fusion of modalities: weighted averaging of class probabilities."""

from numbers import Real

import numpy as np

from ._reweight import prior_weights, reweight_probabilities

__all__ = ["fuse_probabilities", "shared_classes"]


def shared_classes(*class_lists, names=None):
    """The classes every model knows, in the order of the first.

    Parameters
    ----------
    *class_lists : array-like of str
        Each model's ``classes_``.
    names : sequence of str, default=None
        How errors call the models (``"faces"``, ``"audio"``).

    Returns
    -------
    ndarray
        The shared classes.

    Raises
    ------
    ValueError
        If the models have no class in common.
    """
    first = [c for c in np.asarray(class_lists[0]).tolist()]
    common = set(first).intersection(*(np.asarray(c).tolist() for c in class_lists[1:]))
    if not common:
        names = names or [f"model {i}" for i in range(len(class_lists))]
        described = "; ".join(f"{n}: {list(np.asarray(c).tolist())}"
                              for n, c in zip(names, class_lists))
        raise ValueError(f"The models share no class, so they cannot be fused ({described}).")
    return np.asarray([c for c in first if c in common])


def _restrict(proba, classes, keep, name):
    proba = np.asarray(proba, dtype=float)
    if proba.ndim == 1:
        proba = proba[None]
    classes = np.asarray(classes).tolist()
    if proba.ndim != 2 or proba.shape[1] != len(classes):
        raise ValueError(
            f"{name}: probabilities of shape {proba.shape} do not match its "
            f"{len(classes)} classes."
        )
    if not np.isfinite(proba).all() or (proba < 0).any():
        raise ValueError(f"{name}: probabilities must be finite and non-negative.")
    cols = proba[:, [classes.index(c) for c in keep.tolist()]]
    total = cols.sum(axis=1, keepdims=True)
    uniform = np.full_like(cols, 1.0 / cols.shape[1])
    return np.where(total > 0, cols / np.where(total > 0, total, 1.0), uniform)


def fuse_probabilities(probas, classes, *, weights=None, priors=None, power=0.5,
                       names=None):
    """Fuse several models' class probabilities into one probability.

    The late fusion of Knyazev et al. (2017): each model's probabilities are
    restricted to the classes all models share and renormalised there, then
    averaged with ``weights``, then (optionally) multiplied by the class-prior
    weights ``(prior / sum) ** power`` and renormalised, as
    :class:`ClassPriorReweighter` does.  Each output row sums to one over the
    shared classes.

    Parameters
    ----------
    probas : sequence of array-like of shape (n_samples, n_classes_i)
        Each model's probabilities (a 1-D array is one sample).
    classes : sequence of array-like
        Each model's classes, in the order of its columns.
    weights : sequence of float, default=None
        Non-negative weight of each model (uniform when None), e.g.
        ``(1 - w, w)`` for faces and voice.
    priors : dict, default=None
        Expected class frequencies, class to value; None skips reweighting.
    power : float, default=0.5
        Exponent of the reweighting (0.5: the paper's square root).
    names : sequence of str, default=None
        How error messages call the models.

    Returns
    -------
    fused : ndarray of shape (n_samples, n_shared)
        The fused probabilities.
    shared : ndarray of shape (n_shared,)
        Their classes, in the order of the first model's.

    Raises
    ------
    ValueError
        If the models share no class, the shapes disagree, or a weight is
        negative or all are zero.

    Examples
    --------
    >>> import numpy as np
    >>> from emosk.ensemble import fuse_probabilities
    >>> face = np.array([0.6, 0.2, 0.2])                  # angry, happy, neutral
    >>> voice = np.array([0.1, 0.3, 0.6])                 # angry, happy, calm
    >>> fused, shared = fuse_probabilities(
    ...     [face, voice], [["angry", "happy", "neutral"], ["angry", "happy", "calm"]])
    >>> shared.tolist(), fused.round(3).tolist()
    (['angry', 'happy'], [[0.5, 0.5]])
    """
    if len(probas) != len(classes) or len(probas) < 1:
        raise ValueError(
            f"Give one class list per model: {len(probas)} probability arrays, "
            f"{len(classes)} class lists."
        )
    names = names or [f"model {i}" for i in range(len(probas))]
    shared = shared_classes(*classes, names=names)
    parts = [_restrict(p, c, shared, n) for p, c, n in zip(probas, classes, names)]
    if len({p.shape[0] for p in parts}) != 1:
        raise ValueError(f"The models give different numbers of rows: "
                         f"{[p.shape[0] for p in parts]}.")
    w = np.ones(len(parts)) if weights is None else np.asarray(weights, dtype=float)
    if (w.shape != (len(parts),) or not np.isfinite(w).all() or (w < 0).any()
            or w.sum() == 0):
        raise ValueError(f"weights must be {len(parts)} non-negative numbers, not all "
                         f"zero; got {weights!r}.")
    fused = sum(wi * p for wi, p in zip(w / w.sum(), parts))
    if priors is not None:
        if not isinstance(power, Real):
            raise ValueError(f"power must be a number; got {power!r}.")
        fused = reweight_probabilities(fused, prior_weights(priors, shared, power=power))
    return fused, shared

"""Late fusion of modalities: weighted averaging of class probabilities."""

from numbers import Real

import numpy as np

from ..utils.validation import first_non_probability_row
from ._reweight import prior_weights, reweight_probabilities

__all__ = ["FUSE_OPTIONS", "VOICE_WEIGHTS", "check_fusion_options", "fuse_face_and_voice",
           "fuse_probabilities", "shared_classes"]


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
    row = first_non_probability_row(proba)  # scores or counts would be renormalised
    if row is not None:
        raise ValueError(f"{name}: each row of probabilities must sum to 1 over its classes; "
                         f"row {row} sums to {proba[row].sum():.4g}. Scores need a softmax "
                         "first.")
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


#: When :func:`fuse_face_and_voice` lets the voice into a video's answer.
FUSE_OPTIONS = ("same-speaker", "always", "never")

#: The default weight of the voice in :func:`fuse_face_and_voice`, by whether
#: the clip was standardised with its speaker's statistics (several clips of one
#: speaker) or alone with the training set's.  Figures of the model cards: with
#: speaker normalisation the shipped audio model reaches 0.689 UAR on unseen
#: RAVDESS actors, the face model 0.632 on FER2013 PublicTest, as much above
#: chance (0.143) each, hence equal weights, the score averaging of Knyazev et
#: al. (2017).  A clip alone was near chance on recordings unlike RAVDESS (0 of
#: the 6 eNTERFACE'05 clips, every one *fear* with 0.87-0.9996): at 0.2 a voice
#: sure of one class overturns the faces only where their two most probable
#: classes are within 0.25 of each other.
VOICE_WEIGHTS = {"speaker-normalised": 0.5, "alone": 0.2}


def check_fusion_options(fuse, voice_weight):
    """Refuse a ``fuse`` or ``voice_weight`` that :func:`fuse_face_and_voice` cannot take.

    For callers that fuse later (after reading files) and want to refuse
    them first.

    Parameters
    ----------
    fuse : str
        One of :data:`FUSE_OPTIONS`.
    voice_weight : float in [0, 1] or None

    Raises
    ------
    ValueError
        Naming the option and the value given.

    Examples
    --------
    >>> from emosk.ensemble import check_fusion_options
    >>> check_fusion_options("always", 0.3)
    >>> check_fusion_options("sometimes", None)
    Traceback (most recent call last):
    ...
    ValueError: fuse must be one of ('same-speaker', 'always', 'never'); got 'sometimes'.
    """
    if fuse not in FUSE_OPTIONS:
        raise ValueError(f"fuse must be one of {FUSE_OPTIONS}; got {fuse!r}.")
    if voice_weight is not None and not (isinstance(voice_weight, Real)
                                         and 0 <= voice_weight <= 1):
        raise ValueError(f"voice_weight must be a number in [0, 1]; got {voice_weight!r}.")


def _why_not_the_voice(voice, fuse, speaker_normalised):
    """Why the voice stays out of the answer, or None when it goes in."""
    if voice is None:
        return "no audio"
    if fuse == "never":
        return "fusion off"
    if fuse == "same-speaker" and not speaker_normalised:
        return "voice not speaker-normalised"
    return None


def fuse_face_and_voice(face, voice, *, face_classes, voice_classes,
                        speaker_normalised=False, fuse="same-speaker", voice_weight=None):
    """One video's answer from its faces' and its voice's probabilities.

    What ``emosk predict`` writes in a video's ``fused`` row.  The voice is
    weighed by how far it can be trusted: the shipped audio model is as
    accurate as the face model when the clips of one speaker are
    standardised together, and near chance on one clip alone from
    recordings unlike its training data (see :data:`VOICE_WEIGHTS` and the
    audio model card).  So by default (``fuse="same-speaker"``) the voice
    enters the answer only when it is speaker-normalised; otherwise the
    answer is the faces'.

    Parameters
    ----------
    face : array-like of shape (n_face_classes,) or None
        The faces' clip probabilities; None when no frame had a face.
    voice : array-like of shape (n_voice_classes,) or None
        The voice's probabilities; None when the video has no sound.
    face_classes, voice_classes : sequence of str
        The classes of the two models, in the order of their columns.
    speaker_normalised : bool, default=False
        Whether ``voice`` comes from clips of one speaker standardised
        together (``emosk predict --same-speaker`` with two or more videos
        with sound); a clip alone is not.
    fuse : {"same-speaker", "always", "never"}, default="same-speaker"
        When the voice goes in: only when ``speaker_normalised``, whenever
        there is one, or never.
    voice_weight : float in [0, 1], default=None
        The voice's weight when it goes in (the faces get ``1 -
        voice_weight``); by default ``VOICE_WEIGHTS["speaker-normalised"]``
        (0.5) or ``VOICE_WEIGHTS["alone"]`` (0.2).

    Returns
    -------
    dict
        ``probabilities`` (ndarray, or None when there is no answer) over
        ``classes`` (list of str): the fusion over the classes both models
        know (:func:`fuse_probabilities`) when the voice goes in with a
        face, else the faces' alone, or the voice's alone when there is no
        face; ``emotion`` (the most probable class, or None);
        ``voice_used`` (bool); ``voice_weight`` (the weight it had, 0.0 when
        not used); ``status``: ``"ok"`` (faces and voice), ``"audio only:
        no face"``, ``"faces only: <why>"`` or ``"no face, <why>"``, why
        being ``"no audio"``, ``"fusion off"`` or ``"voice not
        speaker-normalised"``.

    Raises
    ------
    ValueError
        If ``fuse`` is not one of :data:`FUSE_OPTIONS`, ``voice_weight`` is
        outside [0, 1], or the models share no class.

    Examples
    --------
    >>> from emosk.ensemble import fuse_face_and_voice
    >>> classes = ["angry", "fear", "happy"]
    >>> face, voice = [0.1, 0.3, 0.6], [0.0, 1.0, 0.0]
    >>> fuse_face_and_voice(face, voice, face_classes=classes,
    ...                     voice_classes=classes)["status"]
    'faces only: voice not speaker-normalised'
    >>> both = fuse_face_and_voice(face, voice, face_classes=classes,
    ...                            voice_classes=classes, speaker_normalised=True)
    >>> both["emotion"], both["probabilities"].round(2).tolist()
    ('fear', [0.05, 0.65, 0.3])
    """
    check_fusion_options(fuse, voice_weight)
    why = _why_not_the_voice(voice, fuse, speaker_normalised)
    if voice_weight is None:
        voice_weight = VOICE_WEIGHTS["speaker-normalised" if speaker_normalised else "alone"]
    if why is None and face is not None:
        proba, classes = fuse_probabilities(
            [face, voice], [face_classes, voice_classes],
            weights=[1 - voice_weight, voice_weight], names=["faces", "voice"])
        proba, classes, status = proba[0], classes.tolist(), "ok"
    elif why is None:
        proba, classes, status = voice, voice_classes, "audio only: no face"
    elif face is not None:
        proba, classes, status = face, face_classes, f"faces only: {why}"
    else:
        proba, classes, status = None, None, f"no face, {why}"
    proba = None if proba is None else np.asarray(proba, dtype=float)
    return {"probabilities": proba, "classes": None if classes is None else list(classes),
            "emotion": None if proba is None else str(classes[int(np.argmax(proba))]),
            "voice_used": why is None, "voice_weight": float(voice_weight) if why is None
            else 0.0, "status": status}

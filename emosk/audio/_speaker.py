"""The voices of several clips of one speaker, standardised together."""

import os

import numpy as np
import sklearn

from ..io import MediaReadError, NoAudioError
from ..preprocessing import GroupStandardScaler

__all__ = ["speaker_probabilities"]


def speaker_probabilities(audio_model, paths):
    """The audio probabilities of videos that share one speaker, normalised together.

    Each video's features are extracted alone (one without sound gets None);
    those with sound go through the rest of the model as one group, so the
    speaker normalisation uses their joint statistics (what ``emosk predict
    --same-speaker`` does).

    Parameters
    ----------
    audio_model : Pipeline
        A fitted pipeline whose steps are ``features`` (an
        :class:`AudioFeaturizer`) and ``norm`` (a
        :class:`~emosk.preprocessing.GroupStandardScaler`), then the
        classifier: the shipped audio model (``emosk.pretrained.load
        ("ravdess_audio")``) or one trained by ``emosk train-audio``.
    paths : sequence of str or path-like
        Audio or video files of one speaker.

    Returns
    -------
    dict
        Each path to its probabilities (ndarray over ``audio_model.classes_``),
        or to None for a file without sound.

    Raises
    ------
    ValueError
        When ``audio_model`` has no speaker normalisation, or ``paths`` is
        one path (a string or path-like) instead of a sequence of them.
    """
    if isinstance(paths, (str, os.PathLike)):  # not read as its characters
        raise ValueError(f"paths must be a sequence of files of one speaker; got one path "
                         f"{str(paths)!r}. Pass [path].")
    steps = getattr(audio_model, "named_steps", {})
    if not isinstance(steps.get("norm"), GroupStandardScaler) or "features" not in steps:
        raise ValueError("Speaker normalisation needs an audio model with the steps "
                         "features -> norm (GroupStandardScaler) -> classifier, such as "
                         "the shipped one.")
    rows = {}
    for path in paths:
        try:
            rows[path] = steps["features"].transform([str(path)])[0]
        except (NoAudioError, MediaReadError):
            rows[path] = None
    voiced = [p for p, r in rows.items() if r is not None]
    out = dict.fromkeys(paths)
    if voiced:
        rest = audio_model[1:]
        with sklearn.config_context(enable_metadata_routing=True):
            proba = rest.predict_proba(np.stack([rows[p] for p in voiced]),
                                       groups=np.zeros(len(voiced), dtype=int))
        out.update(zip(voiced, proba))
    return out

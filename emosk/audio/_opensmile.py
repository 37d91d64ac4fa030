"""openSMILE acoustic features (IS10 and the other sets the opensmile package ships)."""

import os
from numbers import Integral

import numpy as np
from joblib import Parallel, delayed
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import Pipeline
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ..ensemble import make_clip_pipeline
from ..io import NoAudioError, load_audio
from ..preprocessing import GroupStandardScaler
from ..utils import (
    FeatureCache,
    content_digest,
    library_versions,
    params_digest,
)

__all__ = ["AudioFeaturizer", "make_audio_pipeline", "smile_features"]

#: Peak amplitude under which a waveform counts as silent.
SILENCE_PEAK = 1e-4

_LEVELS = {"functionals": "Functionals", "lld": "LowLevelDescriptors",
           "lld_deltas": "LowLevelDescriptors_Deltas"}


def _require_opensmile():
    try:
        import opensmile
    except ImportError as err:
        raise ImportError(
            "Audio features need the 'opensmile' package: pip install 'emosk[audio]'. "
            "openSMILE is free for research and education but not for commercial use "
            "(audEERING licence)."
        ) from err
    return opensmile


def build_smile(feature_set="IS10", feature_level="functionals"):
    """An ``opensmile.Smile`` for a feature-set name, any case (``"is10"``)."""
    opensmile = _require_opensmile()
    names = {f.name.lower(): f for f in opensmile.FeatureSet}
    if feature_set.lower() not in names:
        raise ValueError(
            f"Unknown openSMILE feature set {feature_set!r}; the opensmile package "
            f"ships {sorted(f.name for f in opensmile.FeatureSet)}."
        )
    level = getattr(opensmile.FeatureLevel, _LEVELS[feature_level])
    return opensmile.Smile(feature_set=names[feature_set.lower()], feature_level=level)


def smile_features(waveform, sampling_rate, smile, *, name="waveform"):
    """openSMILE features of one mono waveform.

    Parameters
    ----------
    waveform : ndarray of shape (n_samples,)
        Mono float samples.
    sampling_rate : int
        Their rate in Hz.
    smile : opensmile.Smile
        The extractor.
    name : str, default="waveform"
        How errors refer to this input (e.g. its file name).

    Returns
    -------
    ndarray of float32
        ``(n_features,)`` for functionals, ``(n_frames, n_features)`` for
        low-level descriptors.

    Raises
    ------
    NoAudioError
        If the waveform is silent or too short for openSMILE (it returns NaN).
    """
    peak = float(np.max(np.abs(waveform))) if waveform.size else 0.0
    seconds = waveform.size / sampling_rate
    if peak < SILENCE_PEAK:
        raise NoAudioError(f"{name} is silent (peak amplitude {peak:.2g}, {seconds:.2f} s).")
    values = smile.process_signal(waveform, sampling_rate).to_numpy(np.float32)
    if values.size == 0 or np.isnan(values).all():
        raise NoAudioError(f"{name} is too short for openSMILE ({seconds:.3f} s).")
    return values[0] if smile.feature_level.name == "Functionals" else values


def split_feature_sets(feature_set):
    """The openSMILE set names in a ``"+"``-joined union (``"IS10+eGeMAPSv02"``)."""
    names = [part.strip() for part in feature_set.split("+")]
    if not all(names):
        raise ValueError(f"Empty feature-set name in {feature_set!r}.")
    return names


def _item_key(item, settings):
    if isinstance(item, tuple):
        wave, rate = item
        content = content_digest(np.asarray(wave)), float(rate)
    else:
        content = content_digest(item)
    return params_digest("audio", content, settings)


def _cached_set(item, index, smile, name, est, cache):
    """One clip's features of one set, read from or written to the cache.

    The key holds the clip's content, the settings and the versions of
    openSMILE and PyAV (decoding and resampling); workers missing the same
    entry compute it once (the cache's lock).
    """
    key = _item_key(item, (name.lower(), est.feature_level, est.sampling_rate,
                           est.on_failure, library_versions("opensmile", "av")))
    hit = cache.get(key)
    if hit is None:
        with cache.lock(key):
            hit = cache.get(key)  # another worker may have stored it meanwhile
            if hit is None:
                out = _one_set(item, index, smile, est.sampling_rate, est.on_failure)
                cache.put(key, [{"features": out}])
                return out
    return hit[0]["features"]


def _one_set(item, index, smile, sampling_rate, on_failure):
    label = str(item) if not isinstance(item, tuple) else f"waveform {index}"
    try:
        wave, rate = load_audio(item, sampling_rate=sampling_rate, index=index)
        return smile_features(wave, rate, smile, name=label)
    except NoAudioError:
        if on_failure == "raise":
            raise
        return np.full(len(smile.feature_names), np.nan, dtype=np.float32)


def _side_by_side(parts):
    """One clip's features of several sets, side by side.

    Frame-level descriptors ``(T_i, d_i)`` are cut to the frames every set
    has, the first ``min(T_i)``: openSMILE's sets all step 10 ms from the
    start of the clip and differ only in how many frames they give at its
    end (their window lengths and smoothing; IS10 gives 95 frames of a 1 s
    clip, eGeMAPSv02 96), so frame ``t`` of each set covers the same moment.

    Parameters
    ----------
    parts : list of ndarray
        Each ``(d_i,)`` (functionals) or ``(T_i, d_i)`` (frame level).

    Returns
    -------
    ndarray of shape (sum(d_i),) or (min(T_i), sum(d_i))
    """
    if len(parts) == 1:
        return parts[0]
    if parts[0].ndim == 2:
        n_frames = min(len(p) for p in parts)
        parts = [p[:n_frames] for p in parts]
    return np.concatenate(parts, axis=-1)


def _one_item(item, index, est, cache):
    """One clip's features: every set of the union, side by side."""
    parts = []
    for name, smile in zip(split_feature_sets(est.feature_set), est.smiles_):
        if cache is None:
            parts.append(_one_set(item, index, smile, est.sampling_rate, est.on_failure))
        else:
            parts.append(_cached_set(item, index, smile, name, est, cache))
    return _side_by_side(parts)


class AudioFeaturizer(TransformerMixin, BaseEstimator):
    """openSMILE features of audio or video files, or of waveforms.

    Input: a list of file paths (audio, or video with an audio track) or of
    ``(waveform, sampling_rate)`` tuples; stereo and any rate are mixed down
    and resampled first.  Output: ``(n, d)`` per-clip functionals, or a list of
    ``(T, d)`` frame-level descriptor clips that emosk's pooling takes.

    Parameters
    ----------
    feature_set : str, default="IS10"
        Any set the opensmile package ships: ``"IS10"`` (1582 features, the
        EmotiW baseline), ``"eGeMAPSv02"`` (88), ``"ComParE_2016"`` (6373),
        ``"IS09"``, ``"emobase"`` ... (case-insensitive), or several joined by
        ``"+"`` (``"IS10+eGeMAPSv02"``): their union, side by side, each
        feature named ``<set>__<name>``.  At the frame level the union keeps
        the frames every set has: the sets all step 10 ms from the start of
        a clip but end a few frames apart (IS10 gives 95 frames of a 1 s
        clip, eGeMAPSv02 96), so each clip is cut to its shortest set's.
    feature_level : {"functionals", "lld", "lld_deltas"}, default="functionals"
        Per-clip statistics, or the frame-level descriptors (10 ms hop).
    sampling_rate : int, default=16000
        Rate every input is resampled to before extraction.
    on_failure : {"raise", "nan"}, default="raise"
        For a clip without a usable signal (silent, or too short for
        openSMILE): raise :class:`~emosk.io.NoAudioError` naming it, or return
        a row of NaN (functionals only) for an imputer to fill.  Unreadable
        files and files without an audio track always raise.
    cache : str, path-like or None, default=None
        Directory of a :class:`~emosk.utils.FeatureCache`: each clip's
        features are stored under the SHA-256 of its file (or waveform) and
        the settings above, and reused by later fits and grid points.
    n_jobs : int, default=None
        Clips processed in parallel (joblib).

    Attributes
    ----------
    smiles_ : list of opensmile.Smile
        One extractor per feature set of ``feature_set``.
    feature_names_ : ndarray of str
        openSMILE's feature names.
    n_features_out_ : int
        Number of features per row (or frame).

    See Also
    --------
    make_audio_pipeline : The audio SVM of Knyazev et al. (2017).

    Notes
    -----
    Knyazev et al. (2017) use the 1582 IS10 functionals of each clip's audio
    (the EmotiW baseline set, 35.0% alone on AFEW validation) in a fifth
    linear SVM.  openSMILE is free for research but not for commercial use;
    it is installed by the optional ``emosk[audio]`` extra.

    Examples
    --------
    >>> import numpy as np
    >>> from emosk.audio import AudioFeaturizer
    >>> t = np.arange(16000) / 16000
    >>> tone = (0.3 * np.sin(2 * np.pi * 220 * t), 16000)
    >>> AudioFeaturizer().fit_transform([tone]).shape
    (1, 1582)
    """

    _parameter_constraints = {
        "feature_set": [str],
        "feature_level": [StrOptions(set(_LEVELS))],
        "sampling_rate": [Interval(Integral, 1000, None, closed="left")],
        "on_failure": [StrOptions({"raise", "nan"})],
        "cache": [str, os.PathLike, None],
        "n_jobs": [Integral, None],
    }
    _emosk_input = "audio"

    def __init__(self, feature_set="IS10", feature_level="functionals", *,
                 sampling_rate=16000, on_failure="raise", cache=None, n_jobs=None):
        self.feature_set = feature_set
        self.feature_level = feature_level
        self.sampling_rate = sampling_rate
        self.on_failure = on_failure
        self.cache = cache
        self.n_jobs = n_jobs

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X=None, y=None):
        """Build the extractor; nothing is learnt from ``X``.

        Parameters
        ----------
        X : list of paths or (waveform, rate) tuples, default=None
            Ignored.
        y : None
            Ignored.

        Returns
        -------
        self : object
        """
        if self.on_failure == "nan" and self.feature_level != "functionals":
            raise ValueError("on_failure='nan' needs feature_level='functionals'.")
        names = split_feature_sets(self.feature_set)
        self.smiles_ = [build_smile(name, self.feature_level) for name in names]
        if len(names) == 1:
            feature_names = list(self.smiles_[0].feature_names)
        else:
            feature_names = [f"{name}__{f}" for name, smile in zip(names, self.smiles_)
                             for f in smile.feature_names]
        self.feature_names_ = np.asarray(feature_names, dtype=object)
        self.n_features_out_ = len(self.feature_names_)
        return self

    def transform(self, X):
        """Extract features of every clip.

        Parameters
        ----------
        X : list of paths or (waveform, rate) tuples
            The clips.

        Returns
        -------
        ndarray of shape (n, d), or list of ndarray of shape (T_i, d)
        """
        check_is_fitted(self)
        if isinstance(X, (str, tuple)) or len(X) == 0:
            raise ValueError(
                "X must be a non-empty list of file paths or (waveform, rate) tuples; "
                f"got {X!r:.80}."
            )
        cache = None if self.cache is None else FeatureCache(self.cache)
        rows = Parallel(n_jobs=self.n_jobs)(
            delayed(_one_item)(item, i, self, cache) for i, item in enumerate(X)
        )
        return np.stack(rows) if self.feature_level == "functionals" else rows

    def get_feature_names_out(self, input_features=None):
        """openSMILE's feature names."""
        check_is_fitted(self)
        return self.feature_names_.copy()

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.string = True
        tags.transformer_tags.preserves_dtype = []  # openSMILE's own float type
        return tags


#: Values of C searched for the logistic-regression classifier (standardised features).
LOGISTIC_C_GRID = (1e-4, 3e-4, 1e-3, 3e-3, 1e-2)


def _logistic_step(class_weight, *, cv=5, random_state=0, n_jobs=None,
                   C=LOGISTIC_C_GRID):
    clf = LogisticRegression(class_weight=class_weight, max_iter=3000)
    folds = StratifiedKFold(n_splits=cv, shuffle=True, random_state=random_state)
    return GridSearchCV(clf, {"C": list(C)}, cv=folds, n_jobs=n_jobs)


def make_audio_pipeline(feature_set="IS10", *, speaker_norm=False, class_weight=None,
                        classifier="svm", cache=None, n_jobs=None,
                        **clip_pipeline_params):
    """The audio SVM of Knyazev et al. (2017): openSMILE -> scaling -> linear SVM.

    ``AudioFeaturizer`` -> (``GroupStandardScaler``) -> ``MinMaxScaler(-1, 1)``
    -> ``StandardScaler`` -> ``LinearSVC`` with C by stratified 5-fold CV (no
    RootSIFT for audio).

    Parameters
    ----------
    feature_set : str, default="IS10"
        See :class:`AudioFeaturizer` (``"+"`` joins sets into their union).
    speaker_norm : bool, default=False
        Standardise the features per speaker first
        (:class:`~emosk.preprocessing.GroupStandardScaler`, step ``norm``); the
        speaker of each clip is the ``groups`` metadata, routed to ``fit`` and
        ``predict`` with ``sklearn.set_config(enable_metadata_routing=True)``.
        Clips without groups fall back to the training set's global statistics.
    class_weight : dict, "balanced" or None, default=None
        The classifier's class weights; ``"balanced"`` evens out unequal class
        counts.
    classifier : {"svm", "logistic"}, default="svm"
        ``"svm"``: the paper's ``LinearSVC`` (``probability=True`` adds sigmoid
        calibration); ``"logistic"``: a multinomial
        :class:`~sklearn.linear_model.LogisticRegression`, whose
        ``predict_proba`` is a softmax of one linear map (what the shipped
        audio model uses), C searched in ``LOGISTIC_C_GRID`` unless ``C`` is
        given.
    cache : str, path-like or None, default=None
        Feature cache directory, see :class:`AudioFeaturizer`.
    n_jobs : int, default=None
        Parallel feature extraction.
    **clip_pipeline_params
        Passed to :func:`emosk.ensemble.make_clip_pipeline` (``C``, ``cv``,
        ``probability``, ``random_state``: 0 unless given, for the folds
        that choose ``C`` of either classifier).

    Returns
    -------
    sklearn.pipeline.Pipeline
        Steps ``features``, ``norm`` (passthrough unless ``speaker_norm``),
        ``pool`` (passthrough), ``minmax``, ``rootsift`` (passthrough),
        ``scale``, ``svm``.

    Examples
    --------
    >>> from emosk.audio import make_audio_pipeline
    >>> pipe = make_audio_pipeline("eGeMAPSv02", speaker_norm=True, class_weight="balanced")
    >>> list(pipe.named_steps)
    ['features', 'norm', 'pool', 'minmax', 'rootsift', 'scale', 'svm']
    """
    if classifier not in ("svm", "logistic"):
        raise ValueError(f"classifier must be 'svm' or 'logistic'; got {classifier!r}.")
    rest = make_clip_pipeline(None, rootsift=False, class_weight=class_weight,
                              **clip_pipeline_params)
    steps = rest.steps
    if classifier == "logistic":
        params = {k: v for k, v in clip_pipeline_params.items()
                  if k not in ("probability", "calibration_cv")}
        steps = [*steps[:-1], ("svm", _logistic_step(class_weight, **params))]
    features = AudioFeaturizer(feature_set, cache=cache, n_jobs=n_jobs)
    norm = GroupStandardScaler() if speaker_norm else "passthrough"
    return Pipeline([("features", features), ("norm", norm), *steps])

"""Ready-made pipelines: one feature source to an SVM, several sources averaged."""

from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import VotingClassifier
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import MinMaxScaler, StandardScaler
from sklearn.svm import LinearSVC

from ..pooling import STAT_PRESETS, FFTPooling, StatPooling
from ..preprocessing import RootSIFT, SourceSelector

__all__ = ["make_clip_pipeline", "make_score_average", "make_pooling", "KNYAZEV2017_C_GRID"]

#: Values of the SVM's C searched by the authors' code of Knyazev et al. (2017).
KNYAZEV2017_C_GRID = (5e-6, 1e-5, 5e-5, 1e-4, 5e-4, 1e-3)


def _one_pooling(name):
    key = name.strip().lower()
    if key == "fft":
        return "fft", FFTPooling()
    if key in STAT_PRESETS:
        return key.replace("*", "_star"), StatPooling(stats=key)
    return key, StatPooling(stats=(key,))


def make_pooling(spec="stat*"):
    """Build a pooling step from a short description.

    Parameters
    ----------
    spec : str, estimator or None, default="stat*"
        ``"stat"``, ``"stat*"``, ``"fft"``, a single statistic (``"mean"``,
        ``"median"`` ...), several of these joined by ``+`` (a
        :class:`~sklearn.pipeline.FeatureUnion`, e.g. ``"stat*+fft"``), a
        transformer (returned as is), or None / ``"passthrough"`` for inputs
        that already have one row per clip.

    Returns
    -------
    transformer or "passthrough"

    Raises
    ------
    ValueError
        For an unknown statistic name (raised when the step is fitted).
    """
    if spec is None or spec == "passthrough":
        return "passthrough"
    if not isinstance(spec, str):
        return spec
    parts = [_one_pooling(p) for p in spec.split("+")]
    return parts[0][1] if len(parts) == 1 else FeatureUnion(parts)


def _svm_step(C, cv, probability, random_state, n_jobs, class_weight=None,
              calibration_cv=3):
    svc = LinearSVC(class_weight=class_weight, random_state=random_state)
    if probability:
        est = CalibratedClassifierCV(svc, method="sigmoid", cv=calibration_cv)
        grid = {"estimator__C": list(C)}
    else:
        est, grid = svc, {"C": list(C)}
    folds = StratifiedKFold(n_splits=cv, shuffle=True, random_state=random_state)
    return GridSearchCV(est, grid, cv=folds, n_jobs=n_jobs)


def make_clip_pipeline(
    pooling="stat*",
    *,
    rootsift=True,
    C=KNYAZEV2017_C_GRID,
    cv=5,
    probability=False,
    calibration_cv=3,
    class_weight=None,
    random_state=0,
    n_jobs=None,
):
    """Pipeline for one feature source: pooling, scaling, RootSIFT, linear SVM.

    The per-network classifier of Knyazev et al. (2017): clips of frame
    features are pooled, each pooled feature scaled to [-1, 1]
    (:class:`~sklearn.preprocessing.MinMaxScaler`), mapped by RootSIFT,
    standardised (:class:`~sklearn.preprocessing.StandardScaler`) and
    classified by a :class:`~sklearn.svm.LinearSVC` whose ``C`` is chosen by
    stratified k-fold cross-validation.

    Parameters
    ----------
    pooling : str, transformer or None, default="stat*"
        See :func:`make_pooling`; None for per-clip features (audio).
    rootsift : bool, default=True
        Include the RootSIFT step (the paper skips it for audio).
    C : sequence of float, default=KNYAZEV2017_C_GRID
        Values of ``C`` searched.
    cv : int, default=5
        Number of stratified folds for choosing ``C``.
    probability : bool, default=False
        Wrap the SVM in ``CalibratedClassifierCV(method="sigmoid",
        cv=calibration_cv)`` so the pipeline has ``predict_proba`` (needed for
        soft voting), as the authors' published code does.
    calibration_cv : int, default=3
        Folds of the calibration (with ``probability``), run inside each
        training fold of the search over ``C``: with ``cv=5`` and
        ``calibration_cv=3`` every class needs at least 5 samples.
    class_weight : dict, "balanced" or None, default=None
        The SVM's class weights; ``"balanced"`` weighs each class by the
        inverse of its frequency in the training data.
    random_state : int, RandomState instance or None, default=0
        Seeds the shuffling of the folds that choose ``C`` and the SVM, so
        two fits of the same data give the same model; None draws a new
        shuffle (and possibly another ``C``) on every fit.
    n_jobs : int, default=None
        Parallel jobs of the search over ``C``.

    Returns
    -------
    sklearn.pipeline.Pipeline
        Steps ``pool``, ``minmax``, ``rootsift``, ``scale``, ``svm``; the
        ``svm`` step is a :class:`~sklearn.model_selection.GridSearchCV`.

    Examples
    --------
    >>> from emosk.ensemble import make_clip_pipeline
    >>> pipe = make_clip_pipeline("stat*+fft")
    >>> list(pipe.named_steps)
    ['pool', 'minmax', 'rootsift', 'scale', 'svm']
    """
    return Pipeline(
        [
            ("pool", make_pooling(pooling)),
            ("minmax", MinMaxScaler(feature_range=(-1, 1))),
            ("rootsift", RootSIFT() if rootsift else "passthrough"),
            ("scale", StandardScaler()),
            ("svm", _svm_step(C, cv, probability, random_state, n_jobs, class_weight,
                              calibration_cv)),
        ]
    )


def _with_selector(source, estimator):
    steps = estimator.steps if isinstance(estimator, Pipeline) else [("clf", estimator)]
    return Pipeline([("select", SourceSelector(source)), *steps])


def make_score_average(members, *, sources=None, weights=None, n_jobs=None):
    """Average the class probabilities of classifiers that read different sources.

    Each member becomes ``Pipeline([("select", SourceSelector(source)), ...])``
    inside a soft-voting :class:`~sklearn.ensemble.VotingClassifier`, so all
    members receive the same multi-source samples (mappings from source name
    to data) and each reads its own source.  Wrap the result in
    :class:`ClassPriorReweighter` for the paper's final step.

    Parameters
    ----------
    members : dict of str to estimator
        Member name to classifier with ``predict_proba`` (e.g.
        ``make_clip_pipeline(probability=True)``).  A Pipeline is flattened
        so its steps are reachable as ``<name>__<step>__<param>``.
    sources : dict of str to hashable, default=None
        Member name to the source it reads; by default a member reads the
        source of its own name.
    weights : sequence of float, default=None
        Member weights of the average (uniform when None).
    n_jobs : int, default=None
        Members fitted in parallel.

    Returns
    -------
    sklearn.ensemble.VotingClassifier

    Examples
    --------
    >>> from emosk.ensemble import make_clip_pipeline, make_score_average
    >>> vote = make_score_average({
    ...     "video": make_clip_pipeline(probability=True),
    ...     "audio": make_clip_pipeline(None, rootsift=False, probability=True)})
    >>> vote.get_params()["video__pool__stats"]
    'stat*'
    """
    sources = sources or {}
    estimators = [
        (name, _with_selector(sources.get(name, name), est))
        for name, est in members.items()
    ]
    return VotingClassifier(estimators, voting="soft", weights=weights, n_jobs=n_jobs)

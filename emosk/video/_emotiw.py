"""The EmotiW 2017 video system of Knyazev et al. as one scikit-learn estimator."""

from sklearn.ensemble import VotingClassifier
from sklearn.pipeline import Pipeline

from ..audio import make_audio_pipeline
from ..ensemble import KNYAZEV2017_C_GRID, ClassPriorReweighter, make_clip_pipeline
from ..nn import CNNFeaturizer
from ._featurizer import VideoFeaturizer, default_aligner

__all__ = ["make_emotiw2017_classifier"]


def _video_sources(backbones):
    if isinstance(backbones, str):
        backbones = (backbones,)
    if not isinstance(backbones, dict):
        backbones = {f"video_{b}": b for b in backbones}
    if not backbones:
        raise ValueError("Give at least one backbone.")
    return backbones


def _video_member(spec, aligner, tta, cache, device, n_jobs, clip_params, pooling,
                  verbose, face_path="fast"):
    if isinstance(spec, str) or not hasattr(spec, "transform"):
        featurizer = CNNFeaturizer(spec, tta=tta, device=device)
        backbone = spec
    else:  # a configured CNNFeaturizer, or any frame-feature transformer
        featurizer = spec
        backbone = getattr(spec, "backbone", None)
    align = default_aligner(backbone, face_path=face_path) if aligner == "auto" else aligner
    features = VideoFeaturizer(align, featurizer, cache=cache, n_jobs=n_jobs,
                               verbose=verbose)
    clip = make_clip_pipeline(pooling, probability=True, **clip_params)
    return Pipeline([("features", features), *clip.steps])


def _audio_member(cache, n_jobs, clip_params):
    return make_audio_pipeline("IS10", cache=cache, n_jobs=n_jobs, probability=True,
                               **clip_params)


def make_emotiw2017_classifier(
    backbones=("dlib_resnet", "compact"),
    *,
    audio=True,
    pooling="stat*",
    tta=False,
    priors=None,
    power=0.5,
    aligner="auto",
    face_path="fast",
    cache=None,
    C=KNYAZEV2017_C_GRID,
    cv=5,
    calibration_cv=3,
    device="auto",
    n_jobs=None,
    random_state=0,
    verbose=False,
):
    """The EmotiW 2017 system of Knyazev et al.: videos in, emotions out.

    One estimator that takes a list of videos (file paths, or ``(T, H, W[,
    C])`` uint8 frame arrays) as ``X``.  For each backbone a pipeline
    ``features`` (:class:`VideoFeaturizer`: :class:`~emosk.face.FaceAligner`
    -> :class:`~emosk.nn.CNNFeaturizer`) -> ``pool`` -> ``minmax`` ->
    ``rootsift`` -> ``scale`` -> ``svm`` (linear SVM, C by stratified k-fold
    CV, sigmoid-calibrated); with ``audio`` an IS10 openSMILE SVM on the
    videos' sound; their probabilities averaged in a soft
    :class:`~sklearn.ensemble.VotingClassifier`; the average reweighted by
    :class:`~emosk.ensemble.ClassPriorReweighter` when ``priors`` is given.
    ``fit`` first checks the training labels against every cross-validation
    inside (``cv`` and ``calibration_cv``) and raises, naming the small
    classes and the minimum per class, before any video is featurised.

    Parameters
    ----------
    backbones : sequence of str, or dict of str to str or transformer, \
            default=("dlib_resnet", "compact")
        One video member per backbone, named ``video_<backbone>``; a dict
        gives the member names and either backbone names, configured
        :class:`~emosk.nn.CNNFeaturizer` objects (e.g. with a fine-tuned
        :class:`~emosk.nn.CNNClassifier` as backbone), or any transformer
        mapping ``(n, H, W[, C])`` uint8 faces to ``(n, d)`` features.
    audio : bool, default=True
        Add the ``audio`` member (needs ``emosk[audio]``; the videos must
        have a sound track).
    pooling : str or transformer, default="stat*"
        Per-clip pooling, see :func:`~emosk.ensemble.make_pooling`.
    tta : bool, default=False
        Average each frame's features over the paper's 18 views (18 times
        the CNN work).
    priors : dict, array-like, "train" or None, default=None
        Expected class frequencies of the data to be classified, for the
        final reweighting (see :class:`~emosk.ensemble.ClassPriorReweighter`;
        use a dict from class name to count or frequency).  None: no
        reweighting.  The paper's setting, the square roots of the EmotiW
        2017 test-set counts, is ``priors=EMOTIW2017_TEST_COUNTS``
        (:data:`~emosk.ensemble.EMOTIW2017_TEST_COUNTS`) with the default
        ``power=0.5``.
    power : float, default=0.5
        Exponent of the priors (0.5: the paper's square root; 0: no
        reweighting).  Unused when ``priors`` is None.
    aligner : "auto", "passthrough" or FaceAligner, default="auto"
        Face step of every video member; ``"auto"`` picks the crops each
        backbone expects (:func:`default_aligner`); ``"passthrough"`` for
        frames that are already faces.
    face_path : {"fast", "paper"}, default="fast"
        Detection settings of the ``"auto"`` aligners
        (:data:`emosk.face.FACE_PATHS`): ``"fast"`` detects on a 640-pixel
        copy every 10th frame and follows the faces by their landmarks in
        between; ``"paper"`` detects at full size, upsampled, in every frame
        (the paper's, several times slower).
    cache : str, path-like or None, default=None
        Feature cache directory shared by all members (faces, frame
        features, audio features).  Strongly advised for cross-validation
        and grid searches: after the first pass no video is decoded and no
        CNN is run again.
    C : sequence of float, default=KNYAZEV2017_C_GRID
        Values of each SVM's ``C``, chosen by ``cv``-fold CV.
    cv : int, default=5
        Folds for choosing ``C``.
    calibration_cv : int, default=3
        Folds of each SVM's sigmoid calibration, run inside every training
        fold of the search over ``C``.  Together with ``cv`` they set the
        fewest training videos per class (5 for ``cv=5, calibration_cv=3``;
        6 for ``cv=2``); fewer raise a ValueError saying so before any video
        is featurised.
    device : str, default="auto"
        CNN device (CUDA when present).
    n_jobs : int, default=None
        Videos featurised in parallel (joblib, so also on Dask).
    random_state : int or None, default=0
        Seeds the folds that choose each SVM's ``C`` and the SVMs, so two
        fits of the same features give the same model (None: a new shuffle
        every fit).
    verbose : bool, default=False
        Progress of the featurising pass: a progress bar over the videos of
        each video member, and the time of each member's fit.

    Returns
    -------
    ClassPriorReweighter
        Wrapping the VotingClassifier; inner parameters are reached as
        ``estimator__video_compact__pool__stats``,
        ``estimator__video_dlib_resnet__features__featurizer__tta``,
        ``estimator__audio__svm__cv`` and so on.

    See Also
    --------
    VideoFeaturizer : The face and CNN step of each video member.
    emosk.ensemble.make_score_average : Score averaging over precomputed sources.

    Notes
    -----
    Knyazev et al. (2017) used four face CNNs (pretrained on face
    recognition data, fine-tuned on FER2013), STAT/FFT pooling, one linear
    SVM per network plus the IS10 audio SVM, and averaged the five SVMs'
    scores: 54.98% on the EmotiW 2017 test set, 60.03% after the prior
    reweighting (``priors=EMOTIW2017_TEST_COUNTS``).  emosk's default uses
    the two networks whose weights ship offline (dlib's face-recognition
    ResNet and emosk's FER2013 model); pass fine-tuned ones as CNNFeaturizer
    objects.

    Examples
    --------
    >>> from emosk.video import make_emotiw2017_classifier
    >>> clf = make_emotiw2017_classifier(["compact"], audio=False)
    >>> clf.get_params()["estimator__video_compact__pool__stats"]
    'stat*'
    """
    clip_params = {"C": C, "cv": cv, "calibration_cv": calibration_cv,
                   "random_state": random_state}
    members = [
        (name, _video_member(spec, aligner, tta, cache, device, n_jobs, clip_params, pooling,
                             verbose, face_path))
        for name, spec in _video_sources(backbones).items()
    ]
    if audio:
        members.append(("audio", _audio_member(cache, n_jobs, clip_params)))
    vote = VotingClassifier(members, voting="soft", verbose=verbose)
    return ClassPriorReweighter(vote, priors=priors, power=power)

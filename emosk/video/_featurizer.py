"""VideoFeaturizer: video files in, per-frame CNN features out, cached per file."""

import contextlib
import os
import warnings
from numbers import Integral

import numpy as np
from joblib import Parallel, delayed
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context, clone
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ..face import (
    TRACK_COLUMNS,
    TRACKING_PARAMS,
    FaceAligner,
    TrackMismatchError,
    crop_color,
    face_path_params,
    iter_aligned_faces,
)
from ..io import as_frames, is_video_path, iter_frames
from ..nn import BACKBONES, PRETRAINED, CNNFeaturizer, shipped_weights_for
from ..utils import (
    CacheCorruptError,
    CacheWarning,
    FeatureCache,
    content_digest,
    estimator_fingerprint,
    library_versions,
    param_fingerprint,
    params_digest,
    progress,
)
from ..utils.validation import check_videos

__all__ = ["VideoFeaturizer", "default_aligner", "estimator_fingerprint"]

# Parameters that change how fast, not what, a step computes; and
# mixed_precision, replaced in the key by the precision actually used.
# Libraries whose versions key the cached faces (decoding, detection,
# alignment) and features (the network).
_FACE_LIBRARIES = ("av", "cv2", "dlib")
_FEATURE_LIBRARIES = ("torch",)
#: Raised when emosk itself changes which frames or faces a video gives under
#: the same settings, so that faces and tracks cached before are not reused
#: (2: the frames ``fps`` keeps, and ``max_gap`` no longer one frame too long, #24).
FACE_PATH_REVISION = 2
#: Raised when the layout of stored face tracks changes, so that tracks stored
#: in another layout are recomputed, never misread (2: the named columns of
#: :data:`emosk.face.TRACK_COLUMNS`; 1, untagged: ``what``, ``pts``, ``n_pts``).
TRACKS_LAYOUT = 2


def default_aligner(backbone, *, face_path="fast"):
    """The :class:`~emosk.face.FaceAligner` whose crops a backbone expects.

    A backbone with shipped weights (``compact``): the crops in their
    registry entry (:data:`emosk.nn.PRETRAINED`), FER2013-like 48x48 gray
    faces (as :func:`emosk.pretrained.face_aligner` makes); any other: the
    crops its own published weights read (:attr:`emosk.nn.BackboneSpec.align`):
    dlib's 150x150 face chips for ``dlib_resnet``, 112x112 RGB five-point
    crops for ``"mobilefacenet"`` by name (its face-recognition weights),
    224x224 similarity-aligned RGB crops for the ImageNet networks and any
    backbone emosk does not know.

    Parameters
    ----------
    backbone : str or estimator
        A backbone name; for a fitted :class:`~emosk.nn.CNNClassifier` its
        ``backbone`` parameter is used.
    face_path : {"fast", "retinaface", "paper"}, default="fast"
        Detection settings (:data:`emosk.face.FACE_PATHS`): ``"fast"``
        detects on a 640-pixel copy every 10th frame and follows the faces
        by their landmarks in between; ``"retinaface"`` detects with
        RetinaFace on a 320-pixel copy of every frame and frames the faces
        by its five points (dlib's 68 landmarks fitted in its boxes for
        ``dlib_resnet``'s face chips, which need them); ``"paper"`` detects
        at full size, upsampled, in every frame.

    Returns
    -------
    FaceAligner
        Unfitted.
    """
    path = face_path_params(face_path)
    if backbone == "mobilefacenet":  # by name: its face-recognition weights ("auto")
        return FaceAligner(**_crops_with_path(BACKBONES["mobilefacenet"].align, path))
    name = backbone if isinstance(backbone, str) else getattr(backbone, "backbone", None)
    shipped = shipped_weights_for(name)
    if shipped is not None:
        return FaceAligner(**_crops_with_path(PRETRAINED[shipped].align, path))
    # a backbone emosk does not know reads the crops of the ImageNet networks
    spec = BACKBONES.get(name, BACKBONES["vgg16"])
    return FaceAligner(**_crops_with_path(spec.align, path))


def _crops_with_path(align, path):
    """A backbone's crop settings with a face path's detection settings; dlib's
    face chips keep dlib's 68 landmarks (fitted in the detector's boxes) where
    the path would frame faces by the detector's own points."""
    params = {**align, **path}
    if params.get("mode") == "dlib-chip" and params.get("landmarks") == "detector":
        params["landmarks"] = 68
    return params


def tracking_fingerprint(aligner):
    """Digest of the FaceAligner parameters that decide which face each frame uses,
    and of the layout its stored tracks have (:data:`TRACKS_LAYOUT`)."""
    params = aligner.get_params(deep=False)
    return params_digest("tracks", ("layout", TRACKS_LAYOUT, TRACK_COLUMNS),
                         [(k, param_fingerprint(params[k])) for k in TRACKING_PARAMS],
                         params["mode"] == "box")


def _chunks(pairs, size):
    faces, frames, found = [], [], []
    for face, record in pairs:
        if face is None:
            continue
        faces.append(face)
        frames.append(record["frame"])
        found.append(record["found"])
        if len(faces) == size:
            yield {"faces": np.stack(faces), "frame": np.asarray(frames),
                   "found": np.asarray(found)}
            faces, frames, found = [], [], []
    if faces:
        yield {"faces": np.stack(faces), "frame": np.asarray(frames), "found": np.asarray(found)}


def _raw_frames(video, index):
    if is_video_path(video):
        for i, _, frame in iter_frames(video):
            yield frame, {"frame": i, "found": True}
        return
    for i, frame in enumerate(as_frames(video, index=index)):
        yield frame, {"frame": i, "found": True}


def _precision_of(featurizer):
    """The float type a fitted featurizer computes in, where it says."""
    precision = getattr(featurizer, "_precision", None)
    return precision() if callable(precision) else None


class _VideoJob:
    """Faces and features of one video, through the cache when there is one.

    With a cache, each entry is computed under its lock (features, then
    faces, then face tracks: always in this order), so workers missing the
    same entry compute it once.
    """

    def __init__(self, vf, video, index):
        self.vf, self.video, self.index = vf, video, index
        self.cache = FeatureCache(vf.cache) if vf.cache is not None else None
        if self.cache is not None:
            content = content_digest(video)
            decoding = (library_versions(*_FACE_LIBRARIES), FACE_PATH_REVISION) \
                if vf.aligner_ != "passthrough" or is_video_path(video) else ()
            self.faces_key = params_digest("faces", content, vf.aligner_fingerprint_,
                                           decoding)
            if vf.aligner_ != "passthrough":
                self.tracks_key = params_digest(content, tracking_fingerprint(vf.aligner_),
                                                decoding)
            self.feats_key = params_digest(
                "features", self.faces_key, vf.featurizer_fingerprint_,
                _precision_of(vf.featurizer_), library_versions(*_FEATURE_LIBRARIES))

    def _computed_faces(self):
        vf = self.vf
        if vf.aligner_ == "passthrough":
            pairs = _raw_frames(self.video, self.index)
        elif self.cache is None:
            pairs = iter_aligned_faces(self.video, vf.aligner_, index=self.index)
        else:
            pairs = self._tracked_faces()
        return _chunks(pairs, vf.chunk_frames)

    def _tracked_faces(self):
        """Faces cut along stored face tracks (another alignment mode of the same
        detections: no detection), or detected now and their tracks stored."""
        aligner = self.vf.aligner_
        hit = self.cache.get(self.tracks_key)
        if hit is not None:
            return iter_aligned_faces(self.video, aligner, index=self.index, tracks=hit[0])
        return iter_aligned_faces(
            self.video, aligner, index=self.index,
            on_tracks=lambda tracks: self.cache.put(self.tracks_key, [tracks]))

    def _tracks_lock(self):
        """The lock of the face tracks while they are missing (else none: readers
        of stored tracks need not wait for each other)."""
        if self.tracks_key in self.cache:
            return contextlib.nullcontext()
        return self.cache.lock(self.tracks_key)

    def _face_chunks(self):
        if self.cache is None or self.vf.aligner_ == "passthrough":
            yield from self._computed_faces()
            return
        cached = self.cache.iter_chunks(self.faces_key)
        if cached is None:
            # held in this generator, which _compute_features closes: released
            # even when the consumer fails
            with self.cache.lock(self.faces_key), self._tracks_lock():
                cached = self.cache.iter_chunks(self.faces_key)  # stored meanwhile?
                if cached is None:
                    yield from self._stored_faces()
                    return
        yield from cached

    def _stored_faces(self):
        writer = self.cache.writer(self.faces_key)
        try:
            for chunk in self._computed_faces():
                writer.add(**chunk)
                yield chunk
        except BaseException:
            writer.abort()
            raise
        writer.commit()

    def _compute_features(self):
        featurizer = self.vf.featurizer_
        chunks = self._face_chunks()
        try:  # close the generator now, releasing its locks, even on an error
            out = [featurizer.transform(c["faces"]).astype(np.float32, copy=False)
                   for c in chunks if len(c["faces"])]
        finally:
            chunks.close()
        if not out:
            return np.zeros((0, self.vf.n_features_out_), dtype=np.float32)
        return np.concatenate(out)

    def features(self):
        if self.cache is None:
            return self._compute_features()
        cached = self.cache.get(self.feats_key)
        if cached is None:
            with self.cache.lock(self.feats_key):
                cached = self.cache.get(self.feats_key)  # stored while we waited?
                if cached is None:
                    feats = self._features_to_store()
                    self.cache.put(self.feats_key, [{"features": feats}])
                    return feats
        return cached[0]["features"]

    def _features_to_store(self):
        try:
            return self._compute_features()
        except CacheCorruptError:  # a faces chunk broke while streaming: start over
            return self._compute_features()
        except TrackMismatchError as err:  # e.g. another decoder version: detect again
            warnings.warn(f"{err}; they are removed and recomputed.", CacheWarning,
                          stacklevel=2)
            self.cache.remove(self.tracks_key)
            return self._compute_features()


def _features_of(vf, video, index):
    return _VideoJob(vf, video, index).features()


class VideoFeaturizer(TransformerMixin, BaseEstimator):
    """Video files in, per-frame CNN features out: align, featurise, cache.

    Each video is streamed in chunks of frames (memory does not grow with its
    length): faces are found and aligned by ``aligner``, and ``featurizer``
    maps every aligned face to a feature vector.  With ``cache`` set, the
    aligned faces and the features of each video are stored on disk under
    the SHA-256 of the file's (or array's) content and a digest of the
    parameters (and network weights) that can change them; a later fit, CV
    fold or grid point reuses them without decoding or running the CNN.
    The face tracks (the box and landmarks each frame uses, in the columns
    of :data:`emosk.face.TRACK_COLUMNS`) are stored too, so another
    alignment mode or network on the same videos decodes them again but
    detects no face.

    Parameters
    ----------
    aligner : FaceAligner, "passthrough" or None, default=None
        Face step; ``"passthrough"`` uses the frames as they are (already
        cropped faces, as CK+48).  None: ``FaceAligner(mode="dlib-chip",
        size=150)``, the input of dlib's face-recognition ResNet.
    featurizer : transformer, default=None
        Maps ``(n, H, W[, C])`` uint8 faces to ``(n, d)``; None:
        ``CNNFeaturizer()``.
    cache : str, path-like or None, default=None
        Directory of the feature cache (:class:`~emosk.utils.FeatureCache`);
        None computes everything every time.  With a cache, every setting of
        ``aligner`` and ``featurizer`` must be keyable (see
        :func:`estimator_fingerprint`); ``fit`` raises a ``ValueError``
        naming one that is not.
    chunk_frames : int, default=256
        Frames aligned and featurised together; bounds memory on long videos.
    n_jobs : int, default=None
        Videos processed in parallel (joblib; any joblib backend, e.g. Dask).
    verbose : bool, default=False
        Progress bar over the videos.

    Attributes
    ----------
    aligner_ : FaceAligner or "passthrough"
        Fitted clone of ``aligner``.
    featurizer_ : transformer
        Fitted clone of ``featurizer``.
    aligner_fingerprint_, featurizer_fingerprint_ : str or None
        Digests that key the cache (see :func:`estimator_fingerprint`); None
        without a cache.
    n_features_out_ : int
        Features per frame.

    See Also
    --------
    make_emotiw2017_classifier : The whole system built on this step.
    emosk.utils.FeatureCache : The cache's storage.

    Notes
    -----
    The cache key ignores ``n_jobs``, ``verbose``, ``batch_size`` and
    ``device``; features computed on a GPU and on a CPU agree to float
    precision, not bit for bit.  It includes emosk's version, the versions
    of the libraries that decode, detect and align (``av``, ``cv2``,
    ``dlib``) and of ``torch``, and the precision the features are computed
    in (float16 under CUDA autocast, else float32).  A damaged entry is
    detected by its checksum, reported with
    :class:`~emosk.utils.CacheWarning`, removed and recomputed.  Workers
    (threads, processes, Dask workers) that miss the same entry compute it
    once: the others wait on its lock file (:meth:`FeatureCache.lock
    <emosk.utils.FeatureCache.lock>`), then read it.  ``fit`` removes the
    temporary folders of interrupted runs (:meth:`FeatureCache.clean
    <emosk.utils.FeatureCache.clean>`).

    ``transform`` shares the fitted steps between threads (joblib's
    threading backend); :class:`~emosk.nn.CNNFeaturizer` computes features
    without modifying its network, and the aligner's
    :class:`~emosk.face.FaceDetector` builds one dlib or OpenCV detector per
    thread, so faces and features are the same as in a serial run.

    Examples
    --------
    >>> import numpy as np
    >>> from emosk.nn import CNNFeaturizer
    >>> from emosk.video import VideoFeaturizer
    >>> clips = [np.zeros((3, 48, 48), np.uint8), np.zeros((5, 48, 48), np.uint8)]
    >>> vf = VideoFeaturizer("passthrough", CNNFeaturizer("compact")).fit(clips)
    >>> [f.shape for f in vf.transform(clips)]
    [(3, 256), (5, 256)]
    """

    _parameter_constraints = {
        "aligner": [HasMethods(["fit", "transform"]), StrOptions({"passthrough"}), None],
        "featurizer": [HasMethods(["fit", "transform"]), None],
        "cache": [str, os.PathLike, None],
        "chunk_frames": [Interval(Integral, 1, None, closed="left")],
        "n_jobs": [Integral, None],
        "verbose": ["boolean"],
    }
    _emosk_input = "videos"

    def __init__(self, aligner=None, featurizer=None, *, cache=None, chunk_frames=256,
                 n_jobs=None, verbose=False):
        self.aligner = aligner
        self.featurizer = featurizer
        self.cache = cache
        self.chunk_frames = chunk_frames
        self.n_jobs = n_jobs
        self.verbose = verbose

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X=None, y=None):
        """Build the face and feature steps; nothing is learnt from ``X``.

        Parameters
        ----------
        X : list of videos, default=None
            Ignored.
        y : None
            Ignored.

        Returns
        -------
        self : object
        """
        if self.aligner == "passthrough":
            self.aligner_ = "passthrough"
        else:
            base = default_aligner("dlib_resnet") if self.aligner is None else self.aligner
            if getattr(base, "select", None) == "all":
                raise ValueError(
                    "VideoFeaturizer pools the faces of one person per clip; its aligner "
                    "has select='all' (every face). Use select='largest' or "
                    "'confident', or emosk.pretrained.predict_video(faces='all') for "
                    "per-face answers.")
            self.aligner_ = clone(base).fit()
        featurizer = CNNFeaturizer() if self.featurizer is None else self.featurizer
        self.featurizer_ = clone(featurizer).fit(self._blank_face())
        self.n_features_out_ = int(getattr(self.featurizer_, "n_features_out_", 0)) or None
        self.aligner_fingerprint_ = self.featurizer_fingerprint_ = None
        if self.cache is not None:  # only a cache needs keys
            self.aligner_fingerprint_ = params_digest("passthrough") \
                if self.aligner_ == "passthrough" else estimator_fingerprint(self.aligner_)
            self.featurizer_fingerprint_ = estimator_fingerprint(self.featurizer_)
            FeatureCache(self.cache).clean()  # created now (fail early), leftovers removed
        return self

    def _blank_face(self):
        """One black face of the aligner's output shape: what the featurizer is
        "fitted" on (emosk's CNNFeaturizer ignores it; a FunctionTransformer needs X)."""
        a = self.aligner_
        if a == "passthrough":
            return np.zeros((1, 64, 64, 3), np.uint8)
        gray = crop_color(a.mode, a.color) == "gray"
        return np.zeros((1, a.size, a.size) + (() if gray else (3,)), np.uint8)

    def transform(self, X):
        """Per-frame features of every video.

        Parameters
        ----------
        X : list of videos
            File paths, or ``(T, H, W[, C])`` uint8 arrays.

        Returns
        -------
        list of ndarray of float32, shape (T_i, d)
            ``T_i`` counts the frames kept by the aligner (all of them unless
            it drops frames without a face).
        """
        check_is_fitted(self)
        videos = check_videos(X)
        items = enumerate(progress(videos, "VideoFeaturizer", self.verbose))
        jobs = (delayed(_features_of)(self, v, i) for i, v in items)
        return Parallel(n_jobs=self.n_jobs)(jobs)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.three_d_array = True
        tags.non_deterministic = False
        tags.transformer_tags.preserves_dtype = []  # float32 features of uint8 videos
        return tags

    @classmethod
    def get_test_params(cls):
        """Parameter sets that emosk's common tests instantiate."""
        return [{"aligner": "passthrough", "featurizer": CNNFeaturizer("compact")}]

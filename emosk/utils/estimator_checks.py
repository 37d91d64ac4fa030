"""emosk's own estimator checks, run beside scikit-learn's, and scikit-learn's
checks run on the estimators of media.

scikit-learn's ``check_estimator`` only feeds 2-D arrays.  The checks here cover
what emosk adds: clip collections of unequal lengths, the equivalence of the
three clip layouts, feature names, and that nothing the user passed is changed.

scikit-learn skips every check of an estimator whose tags say it does not take
2-D arrays: emosk's estimators of images, videos and audio.
:func:`sklearn_media_checks` runs scikit-learn's own checks on them all the
same, each check's table turned into the estimator's input by
:func:`media_from_table` (see :func:`media_inputs`); :func:`left_out_checks`
says which checks cannot apply, and why.
"""

import importlib
import inspect
import pkgutil
from contextlib import contextmanager
from functools import partial
from unittest import mock

import numpy as np
from sklearn.base import BaseEstimator, clone

__all__ = ["all_estimators", "emosk_checks", "estimator_instances", "media_from_table",
           "media_inputs", "left_out_checks", "sklearn_media_checks"]


def all_estimators():
    """Every public estimator class of emosk, found by walking its subpackages.

    Returns
    -------
    list of (str, type)
        ``(name, class)`` pairs sorted by name; a class counts when a
        subpackage exports it in ``__all__`` and it derives from
        :class:`~sklearn.base.BaseEstimator`.
    """
    import emosk

    found = {}
    for info in pkgutil.iter_modules(emosk.__path__, "emosk."):
        if info.name.rsplit(".", 1)[-1].startswith("_") or not info.ispkg:
            continue
        module = importlib.import_module(info.name)
        for name in getattr(module, "__all__", ()):
            obj = getattr(module, name)
            if inspect.isclass(obj) and issubclass(obj, BaseEstimator):
                found[name] = obj
    return sorted(found.items())


def estimator_instances(cls):
    """Instances of ``cls`` for the common tests, from ``cls.get_test_params()``."""
    params = cls.get_test_params() if hasattr(cls, "get_test_params") else [{}]
    return [cls(**p) for p in params]


def _ragged_clips(rng, d=4):
    return [rng.normal(size=(t, d)) for t in (1, 2, 3, 7, 7, 12)]


def _fit_clips(estimator, clips):
    """Fit a clip transformer, or a clip classifier on alternating labels."""
    est = clone(estimator)
    if hasattr(est, "transform"):
        return est.fit(clips)
    return est.fit(clips, np.arange(len(clips)) % 2)


def _clip_output(est, clips):
    return est.transform(clips) if hasattr(est, "transform") else est.predict_proba(clips)


def check_clip_layouts(name, estimator):
    """Ragged lists, 3-D arrays and 2-D arrays agree with clip-by-clip results."""
    rng = np.random.default_rng(0)
    clips = _ragged_clips(rng)
    est = _fit_clips(estimator, clips)
    together = _clip_output(est, clips)
    one_by_one = np.vstack([_clip_output(est, [c]) for c in clips])
    np.testing.assert_allclose(together, one_by_one, err_msg=name, atol=1e-6)
    cube = rng.normal(size=(5, 6, 4))
    np.testing.assert_allclose(_clip_output(est, cube), _clip_output(est, list(cube)),
                               atol=1e-6)
    flat = rng.normal(size=(5, 4))
    np.testing.assert_allclose(
        _clip_output(est, flat), _clip_output(est, [row[None] for row in flat]), atol=1e-6
    )


def check_clips_unchanged(name, estimator):
    """Fitting and transforming leave the caller's clips untouched."""
    rng = np.random.default_rng(1)
    clips = _ragged_clips(rng)
    copies = [c.copy() for c in clips]
    _clip_output(_fit_clips(estimator, clips), clips)
    for c, k in zip(clips, copies):
        np.testing.assert_array_equal(c, k, err_msg=f"{name} changed its input")


def check_feature_names_match_output(name, estimator):
    """``get_feature_names_out`` has one unique name per output column."""
    rng = np.random.default_rng(2)
    X = rng.normal(size=(8, 3))
    est = clone(estimator).fit(X)
    out = est.transform(X)
    names = est.get_feature_names_out()
    assert len(names) == out.shape[1], name
    assert len(set(names)) == len(names), name


def check_clip_errors_name_index(name, estimator):
    """A bad clip in a collection is reported by its index and shape."""
    import pytest

    good = np.zeros((3, 4))
    for bad, pattern in [
        (np.zeros((2, 5)), r"Clip 1 has shape \(2, 5\)"),
        (np.full((2, 4), np.nan), r"clip 1"),
        (np.zeros((0, 4)), r"Clip 1 has shape \(0, 4\)"),
        (np.zeros(4), r"Clip 1 has shape \(4,\)"),
    ]:
        with pytest.raises(ValueError, match=pattern):
            _fit_clips(estimator, [good, bad])


def check_audio_roundtrip(name, estimator):
    """Tones in, one row each; pickling keeps the output; inputs are untouched."""
    import pickle

    t = np.arange(16000) / 16000
    tones = [(0.3 * np.sin(2 * np.pi * f * t), 16000) for f in (180.0, 320.0)]
    copies = [w.copy() for w, _ in tones]
    est = clone(estimator).fit(tones)
    out = est.transform(tones)
    assert len(out) == 2, name
    again = pickle.loads(pickle.dumps(est)).transform(tones)
    for a, b in zip(out, again):
        np.testing.assert_allclose(a, b, err_msg=name)
    for (w, _), k in zip(tones, copies):
        np.testing.assert_array_equal(w, k, err_msg=f"{name} changed its input")


def check_image_roundtrip(name, estimator):
    """A real photograph in; pickling keeps the output; the input is untouched."""
    import pickle

    from skimage import data

    images = data.astronaut()[None]
    copy = images.copy()
    est = clone(estimator).fit(images)
    out = est.transform(images)
    again = pickle.loads(pickle.dumps(est)).transform(images)
    np.testing.assert_array_equal(out, again, err_msg=name)
    np.testing.assert_array_equal(images, copy, err_msg=f"{name} changed its input")


def check_video_roundtrip(name, estimator):
    """Two short videos (frame arrays) in, one ``(T, d)`` array each; pickling
    keeps the output; the inputs are untouched."""
    import pickle

    from skimage import data

    photo = data.astronaut()
    videos = [np.stack([photo, photo[:, ::-1]]), np.stack([photo] * 3)]
    copies = [v.copy() for v in videos]
    est = clone(estimator).fit(videos)
    out = est.transform(videos)
    assert [len(o) for o in out] == [2, 3], name
    again = pickle.loads(pickle.dumps(est)).transform(videos)
    for a, b in zip(out, again):
        np.testing.assert_array_equal(a, b, err_msg=name)
    for v, k in zip(videos, copies):
        np.testing.assert_array_equal(v, k, err_msg=f"{name} changed its input")


def check_media_nan_inf(name, estimator):
    """NaN or infinity in one item of media raises a ValueError naming the item.

    In ``fit`` (classifiers) and in ``predict`` or ``transform``: what
    scikit-learn's ``check_estimators_nan_inf`` checks of tables, with media
    made by :func:`media_from_table` (videos are uint8, so a float video is
    refused as such).

    Parameters
    ----------
    name : str
        The estimator's name, for messages.
    estimator : estimator instance
        An estimator of media (its ``_emosk_input``).
    """
    import pytest
    from sklearn.base import is_classifier

    rng = np.random.default_rng(3)
    table = rng.uniform(size=(6, 3))
    y = np.arange(6) % 2
    est = clone(estimator).fit(media_from_table(estimator, table), y)
    method = est.predict if hasattr(est, "predict") else est.transform
    pattern = r"(?i)(image|waveform|video) 2\b.*(nan|infinity|uint8)"
    for bad in (np.nan, np.inf):
        broken = table.copy()
        broken[2, 1] = bad
        X = media_from_table(estimator, broken)
        if is_classifier(estimator):
            with pytest.raises(ValueError, match=pattern):
                clone(estimator).fit(X, y)
        with pytest.raises(ValueError, match=pattern):
            method(X)


# ---------------------------------------------------------------------------
# scikit-learn's own checks on the estimators of media
# ---------------------------------------------------------------------------

#: The values of an estimator's ``_emosk_input`` that are media (not tables or clips).
MEDIA_INPUTS = ("images", "media", "videos", "audio")

#: Side of the images a check's table rows become: the smallest input of the
#: compact network (four 2x2 poolings), so the test networks run fast.
MEDIA_SIDE = 16

_AUDIO_RATE = 16000
_AUDIO_SAMPLES = 8000  # half a second: openSMILE's 10 ms frames, several pitch periods


def _is_media_estimator(estimator):
    return getattr(estimator, "_emosk_input", None) in MEDIA_INPUTS


def _unit(X):
    """Table values mapped into [0, 1] by a logistic; NaN and infinities kept."""
    X = np.asarray(X)
    dtype = X.dtype if np.issubdtype(X.dtype, np.floating) else np.float64
    X = X.astype(dtype, copy=False)
    with np.errstate(over="ignore", invalid="ignore"):
        unit = 1.0 / (1.0 + np.exp(-X))
    return np.where(np.isfinite(X), unit, X).astype(dtype, copy=False)


def _row_images(X):
    """``(n, d)`` -> ``(n, MEDIA_SIDE, MEDIA_SIDE)``: each row's values in
    [0, 1], repeated in reading order to fill its image."""
    pixels = _unit(X)
    cycle = np.arange(MEDIA_SIDE * MEDIA_SIDE) % X.shape[1]
    return pixels[:, cycle].reshape(len(pixels), MEDIA_SIDE, MEDIA_SIDE)


def _row_videos(X):
    """Each row as a ``(2, MEDIA_SIDE, MEDIA_SIDE)`` uint8 video: its image,
    then the image mirrored."""
    videos = []
    for image in _row_images(X):
        frames = np.stack([image, image[:, ::-1]])
        if np.isfinite(frames).all():
            frames = np.round(frames * 255).astype(np.uint8)
        videos.append(frames)  # a non-finite row stays float: the estimator refuses it
    return videos


def _row_waveforms(X):
    """Each row as a ``(waveform, 16000)`` tuple: half a second of a 150 Hz
    tone whose harmonics have the row's values (in [0, 1]) as amplitudes."""
    t = np.arange(_AUDIO_SAMPLES) / _AUDIO_RATE
    harmonics = np.sin(2 * np.pi * 150.0 * np.arange(1, X.shape[1] + 1)[:, None] * t)
    amplitude = 0.3 / X.shape[1]
    with np.errstate(invalid="ignore"):  # an infinite value times sin(0)
        return [(amplitude * (row[:, None] * harmonics).sum(axis=0), _AUDIO_RATE)
                for row in _unit(X).astype(np.float64)]


def media_from_table(estimator, X):
    """The input an estimator of media takes, made from a check's 2-D table.

    scikit-learn's checks make their data as ``(n_samples, n_features)``
    tables.  Each row becomes one item of the estimator's own input, by a
    fixed rule of that row alone, so that a subset or a permutation of the
    rows gives the same subset or permutation of items, and NaN or infinite
    values reach the estimator.  The values are first mapped into [0, 1] by
    a logistic.

    - images (:class:`~emosk.nn.CNNClassifier`, :class:`~emosk.nn.CNNFeaturizer`,
      :class:`~emosk.face.FaceAligner`): a ``(n, 16, 16)`` float array, each
      image the row's values repeated in reading order;
    - videos (:class:`~emosk.video.VideoFeaturizer`): a list of
      ``(2, 16, 16)`` uint8 videos (the image and its mirror);
    - audio (:class:`~emosk.audio.AudioFeaturizer`): a list of
      ``(waveform, 16000)`` tuples, half a second of a 150 Hz tone whose
      harmonics have the row's values as amplitudes.

    Parameters
    ----------
    estimator : estimator instance
        Its ``_emosk_input`` says which input it takes.
    X : array-like
        A 2-D table; anything else (1-D, empty, sparse, object arrays) is
        returned unchanged, for the checks of input validation.

    Returns
    -------
    ndarray or list
        The estimator's input, one item per row of ``X``.
    """
    kind = getattr(estimator, "_emosk_input", None)
    if kind not in MEDIA_INPUTS or not isinstance(X, np.ndarray):
        return X
    if X.ndim != 2 or X.size == 0 or X.dtype.kind not in "biuf":
        return X
    if kind == "videos":
        return _row_videos(X)
    if kind == "audio":
        return _row_waveforms(X)
    return _row_images(X)


@contextmanager
def media_inputs():
    """Within this block, scikit-learn's checks give emosk's media their input.

    scikit-learn adapts each check's table to what an estimator's tags say
    it takes (positive values, pairwise kernels, 1-D input) in one private
    function, ``_enforce_estimator_tags_X``; this wraps it with
    :func:`media_from_table` for estimators whose ``_emosk_input`` is media.
    Other estimators get scikit-learn's tables unchanged.

    Yields
    ------
    None
        Nothing; scikit-learn's module is restored on leaving the block.
    """
    from sklearn.utils import estimator_checks as ec

    enforce = ec._enforce_estimator_tags_X

    def enforce_media(estimator, X, X_test=None, **kwargs):
        if X_test is None:
            return media_from_table(estimator, enforce(estimator, X, **kwargs))
        X, X_test = enforce(estimator, X, X_test=X_test, **kwargs)
        return media_from_table(estimator, X), media_from_table(estimator, X_test)

    with mock.patch.object(ec, "_enforce_estimator_tags_X", enforce_media):
        yield


#: scikit-learn checks that assume a table in a way no input adaptation can
#: change; none of them runs on an estimator of media.
NOT_APPLICABLE = {
    "check_n_features_in": "images, videos and audio have no feature columns to count",
    "check_n_features_in_after_fitting": "n_features_in_ counts the columns of a table",
    "check_transformer_general": "unpacks X.shape into (n_samples, n_features)",
    "check_transformer_data_not_an_array": "unpacks X.shape as (n_samples, n_features)",
    "check_methods_subset_invariance": "reshapes each sample to (1, n_features)",
    "check_classifier_data_not_an_array": "builds pandas DataFrames (2-D only) from X",
    "check_estimators_nan_inf": "its NaN and inf tables are not adapted; emosk's "
                                "check_media_nan_inf does it with media",
    "check_complex_data": "a complex table, not adapted",
    "check_dtype_object": "an object-dtype table (emosk's images are uint8 or float)",
    "check_estimators_empty_data_messages": "expects the messages of table validation",
    "check_fit1d": "a 1-D table, not adapted",
    "check_fit2d_predict1d": "expects the message about a 1-D table",
    "check_supervised_y_no_nan": "fits on a table that is not adapted",
    "check_estimator_sparse_tag": "sparse data are tables",
    "check_estimator_sparse_array": "sparse data are tables",
    "check_estimator_sparse_matrix": "sparse data are tables",
    "check_array_api_input": "array-API data are tables",
}

#: Checks that use the adapted X as a table themselves, so that they apply
#: to images in an array but not to collections given as lists (videos,
#: audio clips).
_ARRAY_X = {
    "check_dont_overwrite_parameters": "makes y from X[:, 0]",
    "check_dict_unchanged": "makes y from X[:, 0]",
    "check_f_contiguous_array_estimator": "makes y from X[:, 0] (X Fortran-ordered)",
    "check_fit2d_1sample": "makes y from X[:, 0]",
    "check_fit2d_1feature": "makes y from X[:, 0]",
    "check_methods_sample_order_invariance": "makes y from X[:, 0]",
    "check_positive_only_tag_during_fit": "subtracts X.mean() from X",
    "check_estimators_dtypes": "casts X with X.astype",
}

#: Of those, the checks whose y (``X[:, 0]``, a row of pixels per image once X
#: is images) is refused by a classifier, as a 2-D target.
_Y_FROM_X = {name for name, why in _ARRAY_X.items() if "y from" in why}


def _check_names(estimator):
    """scikit-learn's checks for ``estimator``, as ``_yield_all_checks`` picks
    them for a table estimator of the same kind (classifier, transformer,
    sample weights, deterministic or not), in its order."""
    from sklearn.base import is_classifier
    from sklearn.utils import get_tags
    from sklearn.utils.validation import has_fit_parameter

    tags = get_tags(estimator)
    classifier = is_classifier(estimator)
    deterministic = not tags.non_deterministic
    names = [
        "check_estimator_cloneable", "check_estimator_tags_renamed",
        "check_valid_tag_types", "check_estimator_repr",
        "check_no_attributes_set_in_init", "check_fit_score_takes_y",
        "check_estimators_overwrite_params", "check_dont_overwrite_parameters",
        "check_estimators_fit_returns_self", "check_readonly_memmap_input",
        # (for a transformer, which has no predict, it tests nothing:
        # check_transformers_unfitted does, below)
        "check_estimators_unfitted" if classifier and tags.requires_fit else None,
        "check_do_not_raise_errors_in_init_or_set_params",
        "check_n_features_in_after_fitting", "check_mixin_order",
        "check_positive_only_tag_during_fit",
        # the legacy checks of any estimator
        "check_estimators_dtypes", "check_complex_data", "check_dtype_object",
        "check_estimators_empty_data_messages",
        "check_pipeline_consistency" if deterministic else None,
        "check_estimators_nan_inf", "check_estimator_sparse_tag",
        "check_estimator_sparse_array", "check_estimator_sparse_matrix",
        "check_estimators_pickle",
        ("check_estimators_pickle", {"readonly_memmap": True}),
        "check_array_api_input", "check_f_contiguous_array_estimator",
    ]
    if has_fit_parameter(estimator, "sample_weight"):  # none of emosk's takes one
        raise NotImplementedError("the sample-weight checks are not adapted to media")
    if classifier:
        names += [
            "check_classifier_data_not_an_array", "check_classifiers_one_label",
            "check_classifiers_classes", "check_classifiers_train",
            ("check_classifiers_train", {"readonly_memmap": True}),
            ("check_classifiers_train",
             {"readonly_memmap": True, "X_dtype": "float32"}),
            "check_classifiers_regression_target", "check_supervised_y_no_nan",
            "check_supervised_y_2d",
        ]
    if hasattr(estimator, "transform"):
        names += [
            "check_transformer_data_not_an_array", "check_transformer_general",
            ("check_transformer_general", {"readonly_memmap": True}),
            "check_transformers_unfitted" if tags.requires_fit
            else "check_transformers_unfitted_stateless",
        ]
        if tags.transformer_tags.preserves_dtype:
            names.append("check_transformer_preserve_dtypes")
    names += ["check_parameters_default_constructible"]
    if deterministic:
        names += ["check_methods_sample_order_invariance",
                  "check_methods_subset_invariance"]
    names += ["check_fit2d_1sample", "check_fit2d_1feature",
              "check_get_params_invariance", "check_set_params", "check_dict_unchanged",
              "check_fit_idempotent", "check_fit_check_is_fitted",
              "check_n_features_in", "check_fit1d", "check_fit2d_predict1d"]
    if classifier and tags.target_tags.required:
        names.append("check_requires_y_none")
    # scikit-learn's checks of n_iter_, decision_function, partial_fit and
    # max_iter do nothing for estimators without them: not listed.
    return [(n, {}) if isinstance(n, str) else n for n in names if n is not None]


def left_out_checks(estimator):
    """scikit-learn's checks that do not run on an estimator of media, with why.

    Parameters
    ----------
    estimator : estimator instance
        An estimator whose ``_emosk_input`` is one of :data:`MEDIA_INPUTS`.

    Returns
    -------
    dict of str to str
        Check name to the reason it does not apply.
    """
    from sklearn.base import is_classifier

    kind = getattr(estimator, "_emosk_input", None)
    left_out = {}
    for name, _ in _check_names(estimator):
        if name in NOT_APPLICABLE:
            left_out[name] = NOT_APPLICABLE[name]
        elif name in _ARRAY_X and kind in ("videos", "audio"):
            left_out[name] = f"{_ARRAY_X[name]}; {kind} are a list here"
        elif name in _Y_FROM_X and is_classifier(estimator):
            left_out[name] = (f"{_ARRAY_X[name]}: once X is images that is a row of "
                              "pixels per image, a 2-D y")
    return left_out


def sklearn_media_checks(estimator):
    """scikit-learn's own checks that apply to an estimator of media.

    scikit-learn runs no check of an estimator whose tags say it does not
    take 2-D arrays (a ``SkipTestWarning``).  These are the checks it runs
    for a table estimator of the same kind, in its order, less those of
    :func:`left_out_checks`; each runs inside :func:`media_inputs`, so the
    data it makes is the estimator's own input.

    Parameters
    ----------
    estimator : estimator instance
        An estimator whose ``_emosk_input`` is one of :data:`MEDIA_INPUTS`.

    Yields
    ------
    callable
        ``check(estimator)``, raising on failure; its ``check_name`` (with
        the keyword arguments of a variant) names it in test ids.
    """
    if not _is_media_estimator(estimator):
        raise ValueError(f"{type(estimator).__name__} does not take media; give it to "
                         "scikit-learn's parametrize_with_checks.")
    left_out = left_out_checks(estimator)
    for check, kwargs in _check_names(estimator):
        if check not in left_out:
            yield _on_media(type(estimator).__name__, check, kwargs)


def _on_media(name, check, kwargs):
    from sklearn.utils import estimator_checks as ec

    bound = partial(getattr(ec, check), name, **kwargs)

    def run(estimator):
        with media_inputs():
            bound(estimator)

    args = ", ".join(f"{k}={v!r}" for k, v in kwargs.items())
    run.check_name = f"{check}({args})" if args else check
    run.__name__ = check
    return run


def emosk_checks(estimator):
    """Yield the emosk checks that apply to ``estimator``.

    Parameters
    ----------
    estimator : estimator instance

    Yields
    ------
    callable
        Each takes ``(name, estimator)`` and raises on failure.
    """
    if _is_media_estimator(estimator):
        yield check_media_nan_inf
    if getattr(estimator, "_emosk_input", None) == "audio":
        yield check_audio_roundtrip
        return
    if getattr(estimator, "_emosk_input", None) == "media":
        yield check_image_roundtrip
        return
    if getattr(estimator, "_emosk_input", None) == "videos":
        yield check_video_roundtrip
        return
    if getattr(estimator, "_emosk_input", None) == "images":
        if not hasattr(estimator, "predict"):
            yield check_image_roundtrip
        return
    if getattr(estimator, "_emosk_input", None) == "clips":
        yield check_clip_layouts
        yield check_clips_unchanged
        yield check_clip_errors_name_index
    if hasattr(estimator, "get_feature_names_out") and hasattr(estimator, "transform"):
        if getattr(estimator, "_emosk_input", "table") in ("clips", "table"):
            yield check_feature_names_match_output

"""emosk's own estimator checks, run beside scikit-learn's.

scikit-learn's ``check_estimator`` only feeds 2-D arrays.  The checks here cover
what emosk adds: clip collections of unequal lengths, the equivalence of the
three clip layouts, feature names, and that nothing the user passed is changed.
"""

import importlib
import inspect
import pkgutil

import numpy as np
from sklearn.base import BaseEstimator, clone

__all__ = ["all_estimators", "emosk_checks", "estimator_instances"]


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


def api_checks():
    """scikit-learn checks that need no numeric input, for media estimators.

    scikit-learn skips every check of an estimator that does not take 2-D
    arrays; these API checks still apply to it.
    """
    from sklearn.utils import estimator_checks as ec

    return [
        ec.check_estimator_cloneable,
        ec.check_estimator_repr,
        ec.check_no_attributes_set_in_init,
        ec.check_parameters_default_constructible,
        ec.check_get_params_invariance,
        ec.check_set_params,
        ec.check_do_not_raise_errors_in_init_or_set_params,
    ]


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

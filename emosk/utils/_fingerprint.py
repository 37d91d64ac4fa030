"""Fingerprints of estimators: digests of everything in a step that can change its
output, the keys of :class:`FeatureCache` entries."""

import hashlib
import inspect
import os
import types

from sklearn.base import BaseEstimator

from ._cache import content_digest, params_digest

__all__ = ["estimator_fingerprint", "param_fingerprint"]

#: Parameters that change how fast a step runs, never what it outputs.
_NO_EFFECT = {"n_jobs", "verbose", "batch_size", "device", "mixed_precision", "prefetch"}


def _module_digest(module):
    h = hashlib.sha256()
    for name, tensor in module.state_dict().items():
        h.update(name.encode())
        h.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    return h.hexdigest()


class _Unkeyable(ValueError):
    """A parameter value that no cache key can stand for."""


def _joblib_key(value):
    try:
        return params_digest(value)
    except Exception as err:  # joblib pickles: lambdas, locks, open files fail
        raise _Unkeyable(f"{value!r:.80} cannot be keyed ({type(err).__name__}: "
                         f"{err!s:.120})") from err


def _code_key(code):
    h = hashlib.sha256(code.co_code)
    h.update(repr(code.co_names).encode())
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            h.update(_code_key(const).encode())
        else:
            h.update(_joblib_key(const).encode())
    return h.hexdigest()


def _callable_key(fn):
    """A function by its name, code, defaults and closure; a method with its
    object; other callables by their pickled state."""
    if inspect.ismethod(fn):
        return ("method", _callable_key(fn.__func__), param_fingerprint(fn.__self__))
    if not isinstance(fn, types.FunctionType):
        return ("callable", _joblib_key(fn))
    cells = [cell.cell_contents for cell in fn.__closure__ or ()]
    return ("function", fn.__module__, fn.__qualname__, _code_key(fn.__code__),
            _joblib_key(fn.__defaults__), _joblib_key(fn.__kwdefaults__),
            [param_fingerprint(c) for c in cells])


def param_fingerprint(value):
    """The cache key of one parameter value: an estimator by
    :func:`estimator_fingerprint`, a weights file (``.pt``, ``.pth``,
    ``.dat``) by its contents, a function by its code, anything else by
    :func:`params_digest`; a ValueError when it cannot be keyed."""
    if isinstance(value, BaseEstimator):
        return estimator_fingerprint(value)
    if isinstance(value, str) and value.endswith((".pt", ".pth", ".dat")) \
            and os.path.isfile(value):
        return ("file", content_digest(value))
    if callable(value) and not isinstance(value, type):
        return _callable_key(value)
    return _joblib_key(value)


def estimator_fingerprint(estimator):
    """A digest of everything in a step that can change its output.

    Its parameters (except ``n_jobs``, ``verbose``, ``batch_size``,
    ``device`` and ``mixed_precision``), the contents of weight files it
    names, and, for a fitted network, its weights.  A function given as a
    parameter (e.g. a face detector) is keyed by its module, name, code,
    defaults and closure variables; other callables by their pickled state.

    Parameters
    ----------
    estimator : estimator object

    Returns
    -------
    str

    Raises
    ------
    ValueError
        When a parameter cannot be keyed (e.g. a lambda that closes over an
        object that cannot be pickled); the message names it.
    """
    params = estimator.get_params(deep=False)
    parts = [type(estimator).__module__, type(estimator).__qualname__]
    for name, value in sorted(params.items()):
        if name in _NO_EFFECT:
            continue
        try:
            parts.append((name, param_fingerprint(value)))
        except _Unkeyable as err:
            raise ValueError(f"{type(estimator).__name__}({name}=...): {err}. A feature "
                             "cache needs a key for every setting: give a module-level "
                             "function, or use cache=None.") from None
    if hasattr(getattr(estimator, "model_", None), "state_dict"):  # fitted CNNFeaturizer
        parts.append(("model_", _module_digest(estimator.model_)))
    if hasattr(estimator, "backbone_module_") and hasattr(estimator, "net_"):
        parts.append(("backbone", _module_digest(estimator.backbone_module_())))
    return params_digest(*parts)

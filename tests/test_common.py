"""Every public emosk estimator through scikit-learn's checks and emosk's own.

scikit-learn runs its checks only on estimators that take 2-D arrays
(``TABLE``).  The estimators of media (images, videos, audio: ``MEDIA``)
run the same checks in ``test_sklearn_checks_on_media``, with each check's
data turned into their own input (:func:`emosk.utils.estimator_checks.media_inputs`);
the test ids name every check that runs, and
:func:`~emosk.utils.estimator_checks.left_out_checks` says why the others do
not apply.
"""

import re

import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

import emosk
from emosk.utils.estimator_checks import (
    MEDIA_INPUTS,
    all_estimators,
    emosk_checks,
    estimator_instances,
    left_out_checks,
    sklearn_media_checks,
)

INSTANCES = [est for _, cls in all_estimators() for est in estimator_instances(cls)]
TABLE = [est for est in INSTANCES if est.__sklearn_tags__().input_tags.two_d_array]
MEDIA = [est for est in INSTANCES if not est.__sklearn_tags__().input_tags.two_d_array]

_INT_IMAGES = ("emosk takes uint8 or floating-point images; the check's int32 and "
               "int64 copies of them raise emosk's TypeError")

#: Checks expected to fail, with the reason; keyed by class name.
EXPECTED_FAILED_CHECKS = {
    "CNNClassifier": {
        "check_estimators_dtypes": _INT_IMAGES,
        "check_positive_only_tag_during_fit": (
            "pixels are not negative: images with negative values raise emosk's "
            "ValueError, which gives the range found (the positive_only tag would "
            "have the check expect scikit-learn's wording instead)"),
        "check_classifiers_train": (
            "one epoch of the test network on 16x16 images made of blobs stays under "
            "the check's 0.83 accuracy; and X.T of a batch of images is a batch of "
            "other-sized images, which a CNN resizes and classifies, not an error"),
    },
    "CNNFeaturizer": {
        "check_estimators_dtypes": _INT_IMAGES,
        "check_methods_sample_order_invariance": (
            "float32 convolutions: an image's features change by rounding (up to "
            "about 1e-6) with its place in the batch; the check allows 1e-9"),
    },
    "FaceAligner": {"check_estimators_dtypes": _INT_IMAGES},
    "HOGFeaturizer": {"check_estimators_dtypes": _INT_IMAGES},
}


def _expected_failed(estimator):
    return EXPECTED_FAILED_CHECKS.get(type(estimator).__name__, {})


@parametrize_with_checks(TABLE, expected_failed_checks=_expected_failed)
def test_sklearn_compatible(estimator, check):
    check(estimator)


def _estimator_id(estimator):
    return re.sub(r"\s", "", str(estimator))


def _media_params():
    params = []
    for est in MEDIA:
        for check in sklearn_media_checks(est):
            reason = _expected_failed(est).get(check.__name__)
            marks = [pytest.mark.xfail(reason=reason)] if reason else []
            params.append(pytest.param(est, check, marks=marks,
                                       id=f"{_estimator_id(est)}-{check.check_name}"))
    return params


@pytest.mark.parametrize("estimator, check", _media_params())
def test_sklearn_checks_on_media(estimator, check):
    check(estimator)


@pytest.mark.parametrize("estimator", MEDIA, ids=_estimator_id)
def test_media_estimators_run_sklearn_checks(estimator):
    """The estimators scikit-learn skips are checked by it here: most of its
    checks run, and each one left out has a reason."""
    assert getattr(estimator, "_emosk_input", None) in MEDIA_INPUTS
    names = [check.__name__ for check in sklearn_media_checks(estimator)]
    assert len(names) >= 20, names
    for name in ("check_estimators_pickle", "check_fit_idempotent",
                 "check_estimators_overwrite_params", "check_fit_check_is_fitted"):
        assert name in names
    left_out = left_out_checks(estimator)
    assert not set(left_out) & set(names)
    assert all(reason for reason in left_out.values())
    stale = set(_expected_failed(estimator)) - set(names)
    assert not stale, f"expected failures of checks that do not run: {sorted(stale)}"


@pytest.mark.parametrize(
    "estimator, check",
    [(est, chk) for est in INSTANCES for chk in emosk_checks(est)],
    ids=lambda x: getattr(x, "__name__", None) or repr(x),
)
def test_emosk_checks(estimator, check):
    check(type(estimator).__name__, estimator)


def test_every_estimator_has_estimator_instances_and_is_exported():
    names = {name for name, _ in all_estimators()}
    assert names, "no estimator found"
    missing = names - set(emosk.__all__)
    assert not missing, f"not importable from the top level: {sorted(missing)}"


def test_scikit_learn_skips_none_of_the_table_estimators():
    """A SkipTestWarning would mean an estimator of media slipped into TABLE,
    where scikit-learn checks nothing but that it clones."""
    import warnings

    from sklearn.exceptions import SkipTestWarning
    from sklearn.utils.estimator_checks import estimator_checks_generator

    with warnings.catch_warnings():
        warnings.simplefilter("error", SkipTestWarning)
        for est in TABLE:
            assert len(list(estimator_checks_generator(est))) > 20, est

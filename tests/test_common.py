"""Every public emosk estimator through scikit-learn's checks and emosk's own."""

import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

import emosk
from emosk.utils.estimator_checks import (
    all_estimators,
    api_checks,
    emosk_checks,
    estimator_instances,
)

INSTANCES = [est for _, cls in all_estimators() for est in estimator_instances(cls)]

#: Checks expected to fail, with the reason; keyed by class name.
EXPECTED_FAILED_CHECKS = {}


def _expected_failed(estimator):
    return EXPECTED_FAILED_CHECKS.get(type(estimator).__name__, {})


@parametrize_with_checks(INSTANCES, expected_failed_checks=_expected_failed)
def test_sklearn_compatible(estimator, check):
    check(estimator)


@pytest.mark.parametrize(
    "estimator, check",
    [(est, chk) for est in INSTANCES for chk in emosk_checks(est)],
    ids=lambda x: getattr(x, "__name__", None) or repr(x),
)
def test_emosk_checks(estimator, check):
    check(type(estimator).__name__, estimator)


MEDIA = [est for est in INSTANCES if not est.__sklearn_tags__().input_tags.two_d_array]


@pytest.mark.parametrize(
    "estimator, check",
    [(est, chk) for est in MEDIA for chk in api_checks()],
    ids=lambda x: getattr(x, "__name__", None) or repr(x),
)
def test_media_estimators_api(estimator, check):
    """scikit-learn skips estimators that take media; its API checks still apply."""
    check(type(estimator).__name__, estimator)


def test_every_estimator_has_estimator_instances_and_is_exported():
    names = {name for name, _ in all_estimators()}
    assert names, "no estimator found"
    missing = names - set(emosk.__all__)
    assert not missing, f"not importable from the top level: {sorted(missing)}"

"""Fixtures of the face tests: a real photograph with one face."""

import pytest


@pytest.fixture(scope="module")
def astronaut():
    """scikit-image's photograph of Eileen Collins (RGB, 512x512, one face)."""
    skdata = pytest.importorskip("skimage.data")
    return skdata.astronaut()

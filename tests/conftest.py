"""Shared fixtures: the real data sets, and one torch thread per test process.

`make test` runs two pytest-xdist workers on a two-core machine; torch's default
of one intra-op thread per core then oversubscribes the CPU, and its OpenMP
threads spin: a single forward pass of the shipped model took 8 s instead of
0.17 s.  ``OMP_NUM_THREADS`` is set (unless the caller set it) before any test
module imports torch.
"""

import os
from pathlib import Path

import pytest

os.environ.setdefault("OMP_NUM_THREADS", "1")


def _shared_data():
    env = os.environ.get("EMOSK_DATA")
    if env:
        return Path(env)
    guess = Path(__file__).resolve().parents[2] / "shared" / "data"
    return guess if guess.is_dir() else None


@pytest.fixture(scope="session")
def shared_data():
    """The folder of real data sets, or skip with the reason."""
    path = _shared_data()
    if path is None or not path.is_dir():
        pytest.skip("real data sets not found: set EMOSK_DATA to the data folder")
    return path

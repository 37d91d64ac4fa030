import os
from pathlib import Path

import pytest


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

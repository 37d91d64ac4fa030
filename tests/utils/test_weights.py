"""fetch_weights: where third-party weights are looked for, checksums, offline errors."""

import hashlib
import shutil
import urllib.error
import urllib.request

import pytest

from emosk.utils import WEIGHTS, fetch_weights, get_weights_home, sha256_file

_NAME = "retinaface_mnet025"
_FILE = WEIGHTS[_NAME].filename


@pytest.fixture
def no_weights(tmp_path, monkeypatch):
    """EMOSK_WEIGHTS and the user cache pointed at empty folders, the network cut."""
    monkeypatch.setenv("EMOSK_WEIGHTS", str(tmp_path / "env"))
    monkeypatch.setenv("EMOSK_CACHE", str(tmp_path / "cache"))

    def offline(*args, **kwargs):
        raise urllib.error.URLError("no network in this test")
    monkeypatch.setattr(urllib.request, "urlopen", offline)
    return tmp_path


def test_sha256_file_and_weights_home(tmp_path, monkeypatch):
    path = tmp_path / "x.bin"
    path.write_bytes(b"emosk" * 1000)
    assert sha256_file(path) == hashlib.sha256(b"emosk" * 1000).hexdigest()
    monkeypatch.setenv("EMOSK_CACHE", str(tmp_path / "c"))
    assert get_weights_home() == tmp_path / "c" / "weights"
    for source in WEIGHTS.values():
        assert len(source.sha256) == 64 and source.url.startswith("https://")
        assert source.licence


def test_unknown_name(no_weights):
    with pytest.raises(ValueError, match="'nope'.*mobilefacenet_ms1m"):
        fetch_weights("nope")


def test_found_first_in_folder_then_env_then_cache(no_weights, shared_weights):
    real = shared_weights / _FILE
    for place in ("cache/weights", "env", "folder"):
        (no_weights / place).mkdir(parents=True)
        shutil.copy(real, no_weights / place / _FILE)
        expected = no_weights / place / _FILE
        got = fetch_weights(_NAME, folder=no_weights / "folder" if place == "folder" else None)
        assert got == expected


def test_a_wrong_file_raises_oserror_naming_it(no_weights):
    bogus = no_weights / "folder" / _FILE
    bogus.parent.mkdir()
    bogus.write_bytes(b"not a state dict")
    with pytest.raises(OSError, match="Checksum mismatch") as err:
        fetch_weights(_NAME, folder=bogus.parent)
    assert str(bogus) in str(err.value) and WEIGHTS[_NAME].sha256 in str(err.value)
    assert not isinstance(err.value, FileNotFoundError)


def test_missing_offline_raises_filenotfound_naming_the_url(no_weights):
    url = WEIGHTS[_NAME].url
    with pytest.raises(FileNotFoundError, match="no network in this test") as err:
        fetch_weights(_NAME)
    assert url in str(err.value) and "EMOSK_WEIGHTS" in str(err.value)
    cache = no_weights / "cache" / "weights"
    assert not any(cache.iterdir())  # no partial download left behind
    with pytest.raises(FileNotFoundError, match="not found in") as err:
        fetch_weights(_NAME, download=False)
    assert url in str(err.value) and str(no_weights / "env") in str(err.value)

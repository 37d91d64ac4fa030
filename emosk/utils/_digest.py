"""The one SHA-256 of a file's bytes and its check, with the standard library only (the registry of
shipped weights, the third-party weights and the feature cache all use it)."""

import hashlib

_CHUNK = 1 << 20


def sha256_file(path):
    """SHA-256 of a file's bytes, as 64 hex digits."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(_CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def check_sha256(path, expected, advice):
    """``path`` when its SHA-256 is ``expected``; else an OSError ending in ``advice``."""
    found = sha256_file(path)
    if found != expected:
        raise OSError(f"Checksum mismatch for {path}: SHA-256 {found}, expected "
                      f"{expected}. {advice}")
    return path

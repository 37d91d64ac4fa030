"""Third-party pretrained weights: where they come from, where they are kept, checks.

emosk fine-tunes and detects with networks that others trained (a face-recognition
network, a face detector).  Their files are not shipped in the wheel; they are
downloaded once into a user cache, SHA-256 checked, or taken from a local folder
named by the ``EMOSK_WEIGHTS`` environment variable (machines without network,
shared folders, CI).  Only the standard library is imported here.
"""

import os
import shutil
import tempfile
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from ._digest import check_sha256, sha256_file

__all__ = ["WEIGHTS", "WeightsSource", "fetch_weights", "get_weights_home", "sha256_file"]

_CHUNK = 1 << 20  # download block size


@dataclass(frozen=True)
class WeightsSource:
    """A published weights file.

    Attributes
    ----------
    filename : str
        Name of the file in the weights folder and the cache.
    url : str
        Where the file is downloaded from (a fixed commit of its repository).
    sha256 : str
        Its expected SHA-256.
    licence : str
        The licence of the code and the weights, and the training data's terms.
    description : str
        What the network is.
    """

    filename: str
    url: str
    sha256: str
    licence: str
    description: str = ""


#: The third-party weights emosk knows, by name.
WEIGHTS = {
    "mobilefacenet_ms1m": WeightsSource(
        filename="mobilefacenet_ms1m.pt",
        url="https://github.com/foamliu/MobileFaceNet/raw/"
            "408e13c0bcd1c10b666f00b07efcc2eab3c5d195/weights/mobilefacenet.pt",
        sha256="90a00ba1d8b0b688af3deb731ed53dca582e6106805d1bc3cfdef55f570493f4",
        licence="Apache-2.0 (foamliu/MobileFaceNet); trained on a refined MS-Celeb-1M, "
                "a data set released for research only",
        description="MobileFaceNet (Chen et al. 2018) face recognition, 128-d embedding, "
                    "112x112 RGB aligned faces; 99.48% on LFW",
    ),
    "retinaface_mnet025": WeightsSource(
        filename="retinaface_mnet025.pth",
        url="https://github.com/biubug6/Pytorch_Retinaface/raw/"
            "3c31dcd0049aff7fce28394ca96257be0657d17c/weights/Final_Retinaface.pth",
        sha256="78b0533ceea681a290e98efca85e3a2815b22310f1fe7e287788e7f55f0743a9",
        licence="MIT (biubug6/Pytorch_Retinaface); trained on WIDER FACE",
        description="RetinaFace (Deng et al. 2019) with a MobileNet-0.25 body: face boxes, "
                    "scores and five landmarks",
    ),
}


def get_weights_home():
    """The user cache of downloaded weights.

    ``$EMOSK_CACHE/weights`` when ``EMOSK_CACHE`` is set, else
    ``~/.cache/emosk/weights``.

    Returns
    -------
    pathlib.Path
    """
    root = os.environ.get("EMOSK_CACHE")
    base = Path(root).expanduser() if root else Path("~/.cache/emosk").expanduser()
    return base / "weights"


def _checked(path, source):
    return check_sha256(path, source.sha256,
                        f"It should be {source.filename} from {source.url}; the file is "
                        "damaged or another one: delete it to download it again.")


def _download(source, target):
    """Download to a temporary file beside ``target``, check it, then rename it."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".part-", suffix=target.suffix)
    try:
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(source.url, timeout=60) as r:
            shutil.copyfileobj(r, out, _CHUNK)
        _checked(Path(tmp), source)
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return target


def fetch_weights(name, *, folder=None, download=True):
    """Path of a third-party weights file, downloaded once and SHA-256 checked.

    Looked for, in order: in ``folder``; in the folder named by the
    ``EMOSK_WEIGHTS`` environment variable; in the user cache
    (:func:`get_weights_home`).  When none has it and ``download`` is True,
    it is downloaded from its source into the user cache.

    Parameters
    ----------
    name : str
        A key of :data:`WEIGHTS`.
    folder : str or path-like, default=None
        A folder holding the file under its ``filename``.
    download : bool, default=True
        Download a missing file.

    Returns
    -------
    pathlib.Path

    Raises
    ------
    ValueError
        For an unknown name.
    FileNotFoundError
        When the file is found nowhere and cannot be downloaded; the message
        names the places looked at and the URL.
    OSError
        When a file found or downloaded has the wrong SHA-256.
    """
    if name not in WEIGHTS:
        raise ValueError(f"Unknown weights {name!r}; known: {sorted(WEIGHTS)}.")
    source = WEIGHTS[name]
    places = [Path(p).expanduser() for p in (folder, os.environ.get("EMOSK_WEIGHTS"))
              if p]
    places.append(get_weights_home())
    for place in places:
        path = place / source.filename
        if path.is_file():
            return _checked(path, source)
    if not download:
        raise FileNotFoundError(
            f"Weights {name!r} ({source.filename}) not found in "
            f"{', '.join(map(str, places))}; download them from {source.url} or set "
            "EMOSK_WEIGHTS to a folder that holds the file.")
    try:
        return _download(source, places[-1] / source.filename)
    except OSError as err:
        if "Checksum mismatch" in str(err):
            raise
        raise FileNotFoundError(
            f"Could not download weights {name!r} from {source.url} ({err}). Put "
            f"{source.filename} in {places[-1]}, or in a folder named by EMOSK_WEIGHTS."
        ) from err

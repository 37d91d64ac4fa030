"""Loaders for emotion data sets in their published layouts.

Every loader gives its targets as class names (``"happy"``) by default, the
labels emosk's shipped models predict, so that
``load("fer2013").score(*load_fer2013(subset="PublicTest", return_X_y=True))``
works as it reads; ``as_names=False`` gives integer indices into
``target_names`` instead.
"""

from ._base import EMOTIONS, DatasetNotFoundError, get_data_home
from ._ckplus import load_ckplus48
from ._demo import make_demo_video
from ._fer2013 import load_fer2013
from ._files import load_afew, load_emodb, load_enterface05, load_ravdess, load_tess
from ._nhfi import load_nhfi, nhfi_holdout
from ._sfew import load_sfew

__all__ = [
    "EMOTIONS",
    "DatasetNotFoundError",
    "get_data_home",
    "load_afew",
    "load_ckplus48",
    "load_emodb",
    "load_enterface05",
    "load_fer2013",
    "load_nhfi",
    "load_ravdess",
    "load_sfew",
    "load_tess",
    "make_demo_video",
    "nhfi_holdout",
]

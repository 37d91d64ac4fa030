"""Loaders for emotion data sets in their published layouts."""

from ._base import EMOTIONS, DatasetNotFoundError, get_data_home
from ._ckplus import load_ckplus48
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
    "nhfi_holdout",
]

"""Feature normalisation, source selection, and HOG features of images (a baseline)."""

from ._group import GroupStandardScaler, group_statistics
from ._hog import HOGFeaturizer, hog
from ._rootsift import RootSIFT, root_sift
from ._selector import SourceSelector, select_source

__all__ = ["GroupStandardScaler", "HOGFeaturizer", "RootSIFT", "SourceSelector",
           "group_statistics", "hog", "root_sift", "select_source"]

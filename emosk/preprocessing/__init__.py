"""Feature normalisation and source selection."""

from ._group import GroupStandardScaler, group_statistics
from ._rootsift import RootSIFT, root_sift
from ._selector import SourceSelector, select_source

__all__ = ["GroupStandardScaler", "RootSIFT", "SourceSelector", "group_statistics",
           "root_sift", "select_source"]

"""Feature normalisation and source selection."""

from ._rootsift import RootSIFT, root_sift
from ._selector import SourceSelector, select_source

__all__ = ["RootSIFT", "SourceSelector", "root_sift", "select_source"]

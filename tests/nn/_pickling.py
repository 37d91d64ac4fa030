"""What a fitted estimator leaves to plain pickle."""

import io
import pickle

import torch


def plainly_pickled_tensors(obj):
    """The tensors and storages of ``obj`` that plain pickle writes (keeping
    their device), not skorch's device-mapped part (already bytes by then)."""
    seen = []

    class Recorder(pickle.Pickler):
        def persistent_id(self, item):
            if isinstance(item, (torch.Tensor, torch.UntypedStorage, torch.TypedStorage)):
                seen.append(type(item).__name__)
            return None  # pickled as usual

    Recorder(io.BytesIO()).dump(obj)
    return seen

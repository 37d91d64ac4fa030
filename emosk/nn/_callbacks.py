"""skorch callbacks of CNNClassifier (its options, not public names)."""

from skorch.callbacks import Callback

__all__ = ["NewHead"]


class NewHead(Callback):
    """Re-initialise the backbone's layer ``head`` when training begins.

    Parameters
    ----------
    head : str
        The layer's name in the backbone (``BackboneSpec.head``); it is reset
        by its own ``reset_parameters``, drawing from torch's generator.
    """

    def __init__(self, head):
        self.head = head

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        net.module_.backbone.get_submodule(self.head).reset_parameters()

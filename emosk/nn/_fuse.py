"""Faster inference copies of a network: batch norm folded into the convolution
before it, and on a CPU the channels-last memory layout."""

import copy
import weakref

import torch
from torch import nn
from torch.nn.utils.fusion import fuse_conv_bn_eval

__all__ = ["fuse_batchnorm", "inference_copy"]


def _fuse_sequential(seq):
    """Fold each BatchNorm2d that directly follows a Conv2d in ``seq``."""
    items = list(seq)
    for i in range(len(items) - 1):
        conv, bn = items[i], items[i + 1]
        if isinstance(conv, nn.Conv2d) and isinstance(bn, nn.BatchNorm2d):
            seq[i] = fuse_conv_bn_eval(conv, bn)
            seq[i + 1] = nn.Identity()


def _fuse_named_pairs(module):
    """Fold the (convolution, batch norm) attribute pairs a module declares in
    ``conv_bn_pairs``: those its ``forward`` applies one after the other."""
    for conv_name, bn_name in getattr(module, "conv_bn_pairs", ()):
        conv, bn = getattr(module, conv_name), getattr(module, bn_name)
        if isinstance(conv, nn.Conv2d) and isinstance(bn, nn.BatchNorm2d):
            setattr(module, conv_name, fuse_conv_bn_eval(conv, bn))
            setattr(module, bn_name, nn.Identity())


def fuse_batchnorm(module):
    """A copy of a network for inference, each batch norm folded into its convolution.

    A ``BatchNorm2d`` that directly follows a ``Conv2d`` in an
    ``nn.Sequential``, or that a module names with its convolution in its
    ``conv_bn_pairs`` attribute, becomes part of the convolution's weights
    and bias (:func:`torch.nn.utils.fusion.fuse_conv_bn_eval`): the same
    outputs up to float rounding, with one pass over the data less per pair.
    The network itself is left as it is.

    Parameters
    ----------
    module : torch.nn.Module

    Returns
    -------
    torch.nn.Module
        A copy in evaluation mode; not for training (the batch norms are gone).

    Examples
    --------
    >>> import torch
    >>> from emosk.nn import MobileFaceNet, fuse_batchnorm
    >>> net = MobileFaceNet(num_classes=7).eval()
    >>> x = torch.randn(2, 3, 64, 64)
    >>> with torch.no_grad():
    ...     same = torch.allclose(net(x), fuse_batchnorm(net)(x), atol=1e-4)
    >>> same, sum(isinstance(m, torch.nn.BatchNorm2d) for m in fuse_batchnorm(net).modules())
    (True, 0)
    """
    fused = copy.deepcopy(module).eval()
    for sub in list(fused.modules()):
        if isinstance(sub, nn.Sequential):
            _fuse_sequential(sub)
        _fuse_named_pairs(sub)
    return fused


class _ChannelsLast(nn.Module):
    """A network in channels-last layout, its input moved to that layout too."""

    def __init__(self, network):
        super().__init__()
        self.network = network.to(memory_format=torch.channels_last)

    def forward(self, x):
        return self.network(x.contiguous(memory_format=torch.channels_last))


# network -> (its tensors, their versions, device, the inference copy); weak keys, so a
# network that is no longer used takes its copy with it
_COPIES = weakref.WeakKeyDictionary()


def _tensors(module):
    return (*module.parameters(), *module.buffers())


def inference_copy(module):
    """The fused inference copy of ``module`` (:func:`fuse_batchnorm`), made
    once and remade when one of its weights changes in place (torch counts
    in-place writes: optimiser steps, ``load_state_dict``); on a CPU in
    channels-last layout, which oneDNN's convolutions run faster.  ``module``
    in training mode is returned as it is.  Replacing a submodule is not
    seen: make a new network instead (as ``fit`` does)."""
    if module.training:
        return module
    cached = _COPIES.get(module)
    if cached is not None:
        tensors, versions, device, fused = cached
        if tensors[0].device == device and all(
                t._version == v for t, v in zip(tensors, versions, strict=True)):
            return fused
    tensors = _tensors(module)
    device = tensors[0].device
    fused = fuse_batchnorm(module)
    if device.type == "cpu":
        fused = _ChannelsLast(fused)
    _COPIES[module] = (tensors, tuple(t._version for t in tensors), device, fused)
    return fused

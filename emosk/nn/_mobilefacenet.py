"""MobileFaceNet (Chen et al. 2018, arXiv 1804.07573) in torch, for face-recognition weights.

The paper's network: a 3x3/2 convolution with 64 filters, a 3x3 depthwise
separable convolution, inverted-residual bottlenecks (expansion t, output
channels c, repeats n, first stride s) of (2, 64, 5, 2), (4, 128, 1, 2),
(2, 128, 6, 1), (4, 128, 1, 2) and (2, 128, 2, 1), a 1x1 convolution to 512
channels, a 7x7 global depthwise convolution (GDConv, linear) and a linear 1x1
convolution to the 128-d embedding, batch-normalised.  Input: 112x112 RGB faces
aligned on five landmarks.  Module names follow the keys of the published state
dict (``conv1``, ``dw_conv``, ``features.N.conv``, ``conv2``, ``gdconv``,
``conv3``, ``bn``) so that it loads as it is; the activations are ReLU6, as in
MobileNetV2 whose blocks the published model reuses.

emosk adds ``fc``, a linear layer on the embedding (the classifier head), and
lets the network read inputs of other sizes: the last feature map is read as if
resized to the 7x7 that GDConv's kernel covers, the resize folded into the
kernel.
"""

import functools

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["MobileFaceNet"]

# (expansion t, output channels c, repeats n, first stride s)
_BOTTLENECKS = ((2, 64, 5, 2), (4, 128, 1, 2), (2, 128, 6, 1), (4, 128, 1, 2),
                (2, 128, 2, 1))


def _conv_bn_relu(inp, out, kernel=3, stride=1, groups=1):
    return nn.Sequential(
        nn.Conv2d(inp, out, kernel, stride, (kernel - 1) // 2, groups=groups, bias=False),
        nn.BatchNorm2d(out), nn.ReLU6(inplace=True))


class _DepthwiseSeparable(nn.Module):
    """3x3 depthwise then 1x1 pointwise convolution, each batch-normalised, ReLU6."""

    conv_bn_pairs = (("depthwise", "bn1"), ("pointwise", "bn2"))

    def __init__(self, channels):
        super().__init__()
        self.depthwise = nn.Conv2d(channels, channels, 3, 1, 1, groups=channels, bias=False)
        self.bn1 = nn.BatchNorm2d(channels)
        self.pointwise = nn.Conv2d(channels, channels, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(channels)

    def forward(self, x):
        x = F.relu6(self.bn1(self.depthwise(x)))
        return F.relu6(self.bn2(self.pointwise(x)))


class _Bottleneck(nn.Module):
    """Inverted residual: 1x1 expansion, 3x3 depthwise, linear 1x1 projection."""

    def __init__(self, inp, out, stride, expansion):
        super().__init__()
        hidden = inp * expansion
        self.residual = stride == 1 and inp == out
        self.conv = nn.Sequential(
            _conv_bn_relu(inp, hidden, 1),
            _conv_bn_relu(hidden, hidden, 3, stride, groups=hidden),
            nn.Conv2d(hidden, out, 1, bias=False), nn.BatchNorm2d(out))

    def forward(self, x):
        return x + self.conv(x) if self.residual else self.conv(x)


@functools.lru_cache(maxsize=32)
def _resize_matrix(n, side):
    """The ``(side, n)`` matrix of a bilinear resize of ``n`` samples to ``side``.

    The rule of ``F.interpolate(mode="bilinear", align_corners=False)``:
    output ``i`` reads the input at ``(i + 0.5) * n / side - 0.5`` (at least
    0), between its two nearest samples.  Computed in numpy, not by running
    torch's resize: under ``torch.export`` (the ONNX exporter) torch's
    operations give traced tensors, not numbers.  The tests check it against
    ``F.interpolate``.  Read-only, kept for the sizes seen.
    """
    source = np.maximum((np.arange(side) + 0.5) * (n / side) - 0.5, 0.0)
    low = np.minimum(source.astype(np.int64), n - 1)
    high = np.minimum(low + 1, n - 1)
    frac = source - low
    matrix = np.zeros((side, n))
    rows = np.arange(side)
    np.add.at(matrix, (rows, low), 1.0 - frac)
    np.add.at(matrix, (rows, high), frac)
    matrix.flags.writeable = False
    return matrix


class _GDConv(nn.Module):
    """Global depthwise convolution over the 7x7 map, batch-normalised, linear.

    A map of another size (inputs other than 112x112) is read as if resized
    bilinearly to 7x7, but the resize is folded into the kernel: resizing is
    linear, so the 7x7 kernel ``W`` of a channel becomes the ``h x w`` kernel
    ``A_h.T @ W @ A_w`` (``A``: :func:`_resize_matrix`).  The answer is the
    resize-then-convolve one to float rounding, with no resized map (the
    exported graph has no Resize node and a smaller convolution).
    """

    conv_bn_pairs = (("depthwise", "bn"),)

    def __init__(self, channels, side=7):
        super().__init__()
        self.side = side
        self.depthwise = nn.Conv2d(channels, channels, side, groups=channels, bias=False)
        self.bn = nn.BatchNorm2d(channels)

    def extra_repr(self):
        # part of the ONNX cache's digest: graphs exported before the fold differ
        return f"side={self.side}, resize=folded"

    def forward(self, x):
        h, w = x.shape[-2:]
        if (h, w) == (self.side, self.side):
            return self.bn(self.depthwise(x))
        weight = self.depthwise.weight
        rows, cols = (torch.tensor(_resize_matrix(n, self.side), dtype=weight.dtype,
                                   device=weight.device) for n in (h, w))
        kernel = torch.einsum("ip,cij,jq->cpq", rows, weight[:, 0], cols)
        return self.bn(F.conv2d(x, kernel.unsqueeze(1), self.depthwise.bias,
                                groups=self.depthwise.groups))


class MobileFaceNet(nn.Module):
    """MobileFaceNet with an optional classifier head.

    Parameters
    ----------
    num_classes : int or None, default=None
        Outputs of the head ``fc`` on the 128-d embedding; None returns the
        embedding itself (face recognition).
    dropout : float, default=0.2
        Dropout before the head (training only).
    """

    conv_bn_pairs = (("conv3", "bn"),)  # for emosk.nn.fuse_batchnorm

    def __init__(self, num_classes=None, dropout=0.2):
        super().__init__()
        self.conv1 = _conv_bn_relu(3, 64, 3, 2)
        self.dw_conv = _DepthwiseSeparable(64)
        blocks, inp = [], 64
        for t, c, n, s in _BOTTLENECKS:
            for i in range(n):
                blocks.append(_Bottleneck(inp, c, s if i == 0 else 1, t))
                inp = c
        self.features = nn.Sequential(*blocks)
        self.conv2 = _conv_bn_relu(inp, 512, 1)
        self.gdconv = _GDConv(512)
        self.conv3 = nn.Conv2d(512, 128, 1)
        self.bn = nn.BatchNorm2d(128)
        self.dropout = nn.Dropout(dropout)
        self.fc = nn.Identity() if num_classes is None else nn.Linear(128, num_classes)

    def embed(self, x):
        """The 128-d embedding of a normalised ``(n, 3, H, W)`` batch."""
        x = self.features(self.dw_conv(self.conv1(x)))
        x = self.bn(self.conv3(self.gdconv(self.conv2(x))))
        return x.flatten(1)

    def forward(self, x):
        return self.fc(self.dropout(self.embed(x)))

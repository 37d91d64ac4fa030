"""dlib's face-recognition ResNet (``dlib_face_recognition_resnet_model_v1.dat``) in torch.

The network (dlib's ``dnn_face_recognition_ex``): a 7x7/2 convolution with 32
filters, an affine layer (frozen batch norm), ReLU, 3x3/2 max pooling, then
residual stages of 3x32, 4x64, 3x128, 3x256 and 1x256 filters (each stage after
the first starts with a down-sampling block whose shortcut is 2x2/2 average
pooling), global average pooling and a 128-d fully connected layer without
bias: 29 convolutions in all.  Input: a 150x150 RGB face chip.

dlib adds a residual branch and its shortcut even when their shapes differ,
zero-extending the smaller one (top-left aligned); :class:`DlibResNet` does the
same, which matters where 3x3 meets 4x4 and 1x1 meets 2x2.
"""

from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["DlibResNet", "read_dlib_resnet", "DLIB_RGB_MEAN"]

#: dlib's input_rgb_image subtracts these and divides by 256.
DLIB_RGB_MEAN = (122.782, 117.001, 104.298)

# (filters, number of blocks, first block downsamples), input side first
_STAGES = [(32, 3, False), (64, 4, True), (128, 3, True), (256, 3, True), (256, 1, True)]


def _read_int(buf, pos):
    """dlib's packed integer: a byte with the length (and sign in bit 7), then LE bytes."""
    head = buf[pos]
    size, negative = head & 0x0F, bool(head & 0x80)
    if size > 8:
        raise ValueError(f"Not a dlib integer at byte {pos} (length byte {head:#x}).")
    value = int.from_bytes(buf[pos + 1:pos + 1 + size], "little")
    return (-value if negative else value), pos + 1 + size


def _find_tensor(buf, pos, size, limit=256):
    """Position of the next tensor header (version 2, n, k, nr, nc) holding ``size`` floats."""
    for start in range(pos, min(pos + limit, len(buf) - 2)):
        if buf[start] != 1 or buf[start + 1] != 2:
            continue
        try:
            p, dims = start + 2, []
            for _ in range(4):
                v, p = _read_int(buf, p)
                dims.append(v)
        except (ValueError, IndexError):
            continue
        if min(dims) > 0 and int(np.prod(dims)) == size:
            return p, dims
    raise ValueError(f"No parameter tensor of {size} values within {limit} bytes of "
                     f"byte {pos}; is this dlib_face_recognition_resnet_model_v1.dat?")


def _layer_specs():
    """(kind, parameter count, shape info) of every parameterised layer, input first."""
    specs = [("con_", 32 * 3 * 7 * 7 + 32, (32, 3, 7)), ("affine_", 64, (32,))]
    channels = 32
    for filters, blocks, _ in _STAGES:
        for _ in range(blocks):
            specs += [("con_", filters * channels * 9 + filters, (filters, channels, 3)),
                      ("affine_", 2 * filters, (filters,)),
                      ("con_", filters * filters * 9 + filters, (filters, filters, 3)),
                      ("affine_", 2 * filters, (filters,))]
            channels = filters
    specs.append(("fc_", 256 * 128, (256, 128)))
    return specs


def read_dlib_resnet(path):
    """Read the parameters of dlib's face-recognition ResNet from its ``.dat`` file.

    Parameters
    ----------
    path : str or path-like
        ``dlib_face_recognition_resnet_model_v1.dat`` (shipped by the PyPI
        package ``face-recognition-models``, CC0).

    Returns
    -------
    list of (str, ndarray)
        ``("con_", weights (out, in, k, k), bias (out,))``,
        ``("affine_", gamma (c,), beta (c,))`` and ``("fc_", weights (256, 128))``
        entries, from the input to the output.

    Raises
    ------
    ValueError
        If the file does not have the expected layers.
    """
    buf = Path(path).read_bytes()
    pos, layers = 0, []
    for kind, size, shape in _layer_specs():
        at = buf.find(kind.encode(), pos)
        if at < 0:
            raise ValueError(f"{path}: expected a {kind} layer after byte {pos}.")
        start, _ = _find_tensor(buf, at + len(kind), size)
        values = np.frombuffer(buf, dtype="<f4", count=size, offset=start).astype(np.float32)
        pos = start + 4 * size
        if kind == "con_":
            out, inp, k = shape
            w = values[: out * inp * k * k].reshape(out, inp, k, k)
            layers.append((kind, w, values[out * inp * k * k:]))
        elif kind == "affine_":
            layers.append((kind, values[: shape[0]], values[shape[0]:]))
        else:
            layers.append((kind, values.reshape(shape), None))
    return layers


def _add_zero_extended(a, b):
    """a + b, the smaller zero-extended to the larger in channels and space (top-left)."""
    if a.shape == b.shape:
        return a + b
    shape = [max(x, y) for x, y in zip(a.shape, b.shape)]
    out = a.new_zeros(shape)
    out[:, : a.shape[1], : a.shape[2], : a.shape[3]] += a
    out[:, : b.shape[1], : b.shape[2], : b.shape[3]] += b
    return out


class _Affine(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(channels))
        self.bias = nn.Parameter(torch.zeros(channels))

    def forward(self, x):
        return x * self.weight[:, None, None] + self.bias[:, None, None]


class _Block(nn.Module):
    def __init__(self, inp, filters, down):
        super().__init__()
        stride = 2 if down else 1
        self.conv1 = nn.Conv2d(inp, filters, 3, stride, padding=0 if down else 1)
        self.bn1 = _Affine(filters)
        self.conv2 = nn.Conv2d(filters, filters, 3, 1, padding=1)
        self.bn2 = _Affine(filters)
        self.down = down

    def forward(self, x):
        y = self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x)))))
        shortcut = F.avg_pool2d(x, 2, 2) if self.down else x
        return F.relu(_add_zero_extended(y, shortcut))


class DlibResNet(nn.Module):
    """dlib's 29-layer face-recognition ResNet as a torch module.

    Parameters
    ----------
    weights : str, path-like or None, default=None
        A ``dlib_face_recognition_resnet_model_v1.dat`` file to load; None
        leaves the module randomly initialised.

    Notes
    -----
    ``forward`` takes ``(n, 3, 150, 150)`` float RGB input already
    normalised the dlib way (``(x - DLIB_RGB_MEAN) / 256``, see
    :meth:`normalize`) and returns ``(n, 128)`` descriptors.  ``features``
    returns the 256-d pooled features before the last layer.
    """

    def __init__(self, weights=None):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 32, 7, 2, padding=0)
        self.bn1 = _Affine(32)
        blocks, inp = [], 32
        for filters, n, down in _STAGES:
            for b in range(n):
                blocks.append(_Block(inp, filters, down and b == 0))
                inp = filters
        self.blocks = nn.Sequential(*blocks)
        self.fc = nn.Linear(256, 128, bias=False)
        if weights is not None:
            self.load_dlib(weights)

    @staticmethod
    def normalize(images):
        """uint8 RGB ``(n, H, W, 3)`` array or tensor -> normalised ``(n, 3, H, W)`` float tensor."""
        x = torch.as_tensor(np.asarray(images), dtype=torch.float32)
        mean = torch.tensor(DLIB_RGB_MEAN, dtype=torch.float32)
        return ((x - mean) / 256.0).permute(0, 3, 1, 2).contiguous()

    def features(self, x):
        """256-d globally pooled features."""
        x = F.max_pool2d(F.relu(self.bn1(self.conv1(x))), 3, 2)
        return self.blocks(x).mean(dim=(2, 3))

    def forward(self, x):
        return self.fc(self.features(x))

    def load_dlib(self, path):
        """Copy the parameters of a dlib ``.dat`` file into this module; returns self."""
        layers = iter(read_dlib_resnet(path))
        convs = [self.conv1] + [c for b in self.blocks for c in (b.conv1, b.conv2)]
        affines = [self.bn1] + [a for b in self.blocks for a in (b.bn1, b.bn2)]
        with torch.no_grad():
            for conv, affine in zip(convs, affines):
                _, w, bias = next(layers)
                conv.weight.copy_(torch.from_numpy(w))
                conv.bias.copy_(torch.from_numpy(bias))
                _, gamma, beta = next(layers)
                affine.weight.copy_(torch.from_numpy(gamma))
                affine.bias.copy_(torch.from_numpy(beta))
            _, fc, _ = next(layers)
            self.fc.weight.copy_(torch.from_numpy(fc.T.copy()))
        return self

"""RetinaFace with a MobileNet-0.25 body: face boxes, scores and five landmarks.

Deng et al. (2019), "RetinaFace: Single-stage Dense Face Localisation in the
Wild" (arXiv 1905.00641).  The layer names follow the state dict of the MIT
licensed weights of biubug6/Pytorch_Retinaface (``retinaface_mnet025`` in
:data:`emosk.utils.WEIGHTS`), so that file loads strictly: a module that
differs from it in any name or shape fails to load.

Every activation is a plain ReLU.  The source repository's code puts
leaky ReLUs (slope 0.1) in the body, the FPN and the SSH modules, but with
this weight file they scatter the boxes: on the 53 of 80 faces (40 NHFI,
40 SFEW, with a black border of 25%) that dlib's HOG finds, the five
points' median distance to those taken from dlib's 68 landmarks is 0.57 of
the eye distance with leaky ReLUs everywhere, 0.15 with ReLUs in the FPN
and SSH only, and 0.08 with ReLUs throughout; the twelve best anchors on ``skimage.data.astronaut()`` then
decode to boxes whose coordinates vary by 0.9 pixels (standard deviation;
21 pixels with the leaky ReLUs).  The weights were evidently trained with
plain ReLUs.

This module imports torch; :mod:`emosk.face` imports it only when a
``FaceDetector("retinaface")`` first detects.
"""

import functools

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from ..utils import OnnxModule
from ._boxes import non_max_suppression

__all__ = ["RetinaFaceNet", "load_retinaface", "prior_boxes", "decode_boxes",
           "decode_landmarks", "detect_batch", "BGR_MEAN"]

#: The mean subtracted from BGR pixels (0-255) before the network.
BGR_MEAN = (104.0, 117.0, 123.0)
#: Anchor sides in pixels at each pyramid level, and the level strides.
MIN_SIZES = ((16, 32), (64, 128), (256, 512))
STEPS = (8, 16, 32)
#: SSD box-coding variances (centre, size).
VARIANCE = (0.1, 0.2)


# ------------------------------------------------------------------ layers


def _conv_bn(inp, out, *, stride=1, kernel=3, relu=True):
    """``[conv, bn(, ReLU)]``: keys ``.0`` and ``.1``."""
    layers = [nn.Conv2d(inp, out, kernel, stride, padding=kernel // 2, bias=False),
              nn.BatchNorm2d(out)]
    if relu:
        layers.append(nn.ReLU(inplace=True))
    return nn.Sequential(*layers)


def _conv_dw(inp, out, stride):
    """Depthwise-separable block ``[dw, bn, relu, pw, bn, relu]``: keys 0, 1, 3, 4."""
    return nn.Sequential(
        nn.Conv2d(inp, inp, 3, stride, padding=1, groups=inp, bias=False),
        nn.BatchNorm2d(inp),
        nn.ReLU(inplace=True),
        nn.Conv2d(inp, out, 1, 1, padding=0, bias=False),
        nn.BatchNorm2d(out),
        nn.ReLU(inplace=True),
    )


class _MobileNet025(nn.Module):
    """MobileNetV1 x0.25 up to stride 32: three stages of 64, 128 and 256 channels."""

    def __init__(self):
        super().__init__()
        self.stage1 = nn.Sequential(  # stride 8
            _conv_bn(3, 8, stride=2), _conv_dw(8, 16, 1), _conv_dw(16, 32, 2),
            _conv_dw(32, 32, 1), _conv_dw(32, 64, 2), _conv_dw(64, 64, 1))
        self.stage2 = nn.Sequential(  # stride 16
            _conv_dw(64, 128, 2), *[_conv_dw(128, 128, 1) for _ in range(5)])
        self.stage3 = nn.Sequential(  # stride 32
            _conv_dw(128, 256, 2), _conv_dw(256, 256, 1))

    def forward(self, x):
        c1 = self.stage1(x)
        c2 = self.stage2(c1)
        return c1, c2, self.stage3(c2)


class _FPN(nn.Module):
    """Each stage to 64 channels, top-down nearest upsampling and addition, 3x3 merges."""

    def __init__(self, in_channels=(64, 128, 256), out=64):
        super().__init__()
        self.output1 = _conv_bn(in_channels[0], out, kernel=1)
        self.output2 = _conv_bn(in_channels[1], out, kernel=1)
        self.output3 = _conv_bn(in_channels[2], out, kernel=1)
        self.merge1 = _conv_bn(out, out)
        self.merge2 = _conv_bn(out, out)

    def forward(self, features):
        c1, c2, c3 = features
        p3 = self.output3(c3)
        p2 = self.output2(c2) + F.interpolate(p3, size=c2.shape[-2:], mode="nearest")
        p2 = self.merge2(p2)
        p1 = self.output1(c1) + F.interpolate(p2, size=c1.shape[-2:], mode="nearest")
        return self.merge1(p1), p2, p3


class _SSH(nn.Module):
    """Single-stage headless context module: 3x3, 5x5 and 7x7 receptive fields
    (stacked 3x3 convs) concatenated, then ReLU."""

    def __init__(self, inp=64, out=64):
        super().__init__()
        self.conv3X3 = _conv_bn(inp, out // 2, relu=False)
        self.conv5X5_1 = _conv_bn(inp, out // 4)
        self.conv5X5_2 = _conv_bn(out // 4, out // 4, relu=False)
        self.conv7X7_2 = _conv_bn(out // 4, out // 4)
        self.conv7x7_3 = _conv_bn(out // 4, out // 4, relu=False)

    def forward(self, x):
        branch5 = self.conv5X5_1(x)
        branch7 = self.conv7X7_2(branch5)
        return F.relu(torch.cat(
            [self.conv3X3(x), self.conv5X5_2(branch5), self.conv7x7_3(branch7)], dim=1))


class _Head(nn.Module):
    """A 1x1 conv giving ``k`` values per anchor, as ``(n, H * W * anchors, k)``."""

    def __init__(self, k, inp=64, anchors=2):
        super().__init__()
        self.k = k
        self.conv1x1 = nn.Conv2d(inp, anchors * k, 1)

    def forward(self, x):
        out = self.conv1x1(x).permute(0, 2, 3, 1)
        return out.reshape(out.shape[0], -1, self.k)


class RetinaFaceNet(nn.Module):
    """RetinaFace, MobileNet-0.25 body.

    Input: ``(n, 3, H, W)`` float, BGR minus :data:`BGR_MEAN`, any size.
    Output: box offsets ``(n, A, 4)``, class logits ``(n, A, 2)``
    (background, face) and landmark offsets ``(n, A, 10)``, one row per
    anchor of :func:`prior_boxes` ``(H, W)``.
    """

    def __init__(self):
        super().__init__()
        self.body = _MobileNet025()
        self.fpn = _FPN()
        self.ssh1, self.ssh2, self.ssh3 = _SSH(), _SSH(), _SSH()
        self.ClassHead = nn.ModuleList(_Head(2) for _ in STEPS)
        self.BboxHead = nn.ModuleList(_Head(4) for _ in STEPS)
        self.LandmarkHead = nn.ModuleList(_Head(10) for _ in STEPS)

    def forward(self, x):
        p1, p2, p3 = self.fpn(self.body(x))
        levels = (self.ssh1(p1), self.ssh2(p2), self.ssh3(p3))

        def heads(modules):
            return torch.cat([m(f) for m, f in zip(modules, levels, strict=True)], dim=1)
        return heads(self.BboxHead), heads(self.ClassHead), heads(self.LandmarkHead)


def load_retinaface(path):
    """RetinaFaceNet with the weights of ``path`` (strictly), in eval mode, no grad."""
    net = RetinaFaceNet()
    state = torch.load(path, map_location="cpu", weights_only=True)
    net.load_state_dict(state, strict=True)
    net.eval()
    for p in net.parameters():
        p.requires_grad_(False)
    return net


# ------------------------------------------------------- anchors and coding


@functools.lru_cache(maxsize=64)
def prior_boxes(height, width):
    """The anchors of an ``height`` x ``width`` input, in the network's order.

    Kept for the last 64 sizes (photos of one camera share one), read-only.

    Returns
    -------
    ndarray of shape (A, 4)
        ``(cx, cy, w, h)`` in pixels: per level, row by row, column by
        column, two square anchors per cell centred at
        ``((j + 0.5) * step, (i + 0.5) * step)``.
    """
    rows = []
    for step, sizes in zip(STEPS, MIN_SIZES, strict=True):
        fh, fw = -(-height // step), -(-width // step)  # the convs' ceil division
        cy, cx = np.meshgrid((np.arange(fh) + 0.5) * step, (np.arange(fw) + 0.5) * step,
                             indexing="ij")
        centres = np.repeat(np.c_[cx.ravel(), cy.ravel()], len(sizes), axis=0)
        sides = np.tile(np.asarray(sizes, dtype=float), fh * fw)
        rows.append(np.c_[centres, sides, sides])
    priors = np.vstack(rows)
    priors.flags.writeable = False  # shared between calls
    return priors


def decode_boxes(loc, priors):
    """SSD box decoding: offsets ``(k, 4)`` and anchors ``(k, 4)`` to boxes
    ``(k, 4)`` ``(x0, y0, x1, y1)``."""
    centre = priors[:, :2] + loc[:, :2] * VARIANCE[0] * priors[:, 2:]
    size = priors[:, 2:] * np.exp(loc[:, 2:] * VARIANCE[1])
    return np.concatenate([centre - size / 2, centre + size / 2], axis=1)


def decode_landmarks(ldm, priors):
    """Landmark offsets ``(k, 10)`` and anchors ``(k, 4)`` to points ``(k, 5, 2)``."""
    offsets = ldm.reshape(-1, 5, 2) * VARIANCE[0] * priors[:, None, 2:]
    return priors[:, None, :2] + offsets


# ------------------------------------------------------------- detection


def _to_input(images):
    """``(n, H, W, 3)`` RGB uint8 to the network's ``(n, 3, H, W)`` float32 array."""
    # one copy, straight into the contiguous (n, 3, H, W) layout ONNX Runtime reads
    bgr = np.ascontiguousarray(images[..., ::-1].transpose(0, 3, 1, 2), dtype=np.float32)
    bgr -= np.asarray(BGR_MEAN, dtype=np.float32)[:, None, None]
    return bgr


def _outputs(net, x):
    """The network's three outputs on ``x`` as numpy arrays; an ONNX Runtime
    copy runs on them directly, without torch's tensors."""
    if isinstance(net, OnnxModule):
        return net.run(x)
    with torch.inference_mode():
        return [out.numpy() for out in net(torch.from_numpy(x))]


def detect_batch(net, images, *, threshold=0.5, iou=0.4, top_k=5000):
    """Faces of a batch of same-size images.

    Parameters
    ----------
    net : RetinaFaceNet or OnnxModule
        In eval mode (:func:`load_retinaface`), or its ONNX Runtime copy
        (:func:`~emosk.utils.onnx_copy`).
    images : ndarray of shape (n, H, W, 3), uint8
        RGB images.
    threshold : float, default=0.5
        Keep anchors whose face probability exceeds this (before NMS).
    iou : float, default=0.4
        NMS overlap (the reference detector's).
    top_k : int, default=5000
        At most this many best anchors enter NMS.

    Returns
    -------
    list of (boxes, scores, landmarks)
        Per image: ``(k, 4)`` boxes ``(x0, y0, x1, y1)``, ``(k,)`` face
        probabilities and ``(k, 5, 2)`` points (image-left eye, image-right
        eye, nose tip, image-left and image-right mouth corner), in pixels,
        best first.
    """
    images = np.asarray(images)
    if images.ndim != 4 or images.shape[-1] != 3:
        raise ValueError(f"RetinaFace takes a batch of RGB images (n, H, W, 3); got shape "
                         f"{images.shape}.")
    loc, logits, ldm = _outputs(net, _to_input(images))
    # the face class's softmax probability of two classes, in numpy: a torch
    # op here would wake torch's threads for a few hundred numbers
    probs = 1.0 / (1.0 + np.exp(logits[..., 0] - logits[..., 1]))
    priors = prior_boxes(*images.shape[1:3])
    return [_faces_of(loc[i], probs[i], ldm[i], priors,
                      threshold=threshold, iou=iou, top_k=top_k)
            for i in range(len(images))]


def _faces_of(loc, probs, ldm, priors, *, threshold, iou, top_k):
    """Threshold, decode and suppress the anchors of one image."""
    cand = np.flatnonzero(probs > threshold)
    cand = cand[np.argsort(-probs[cand], kind="stable")[:top_k]]
    boxes = decode_boxes(loc[cand].astype(float), priors[cand])
    scores = probs[cand].astype(float)
    keep = np.asarray(non_max_suppression(boxes, scores, iou=iou), dtype=int)
    points = decode_landmarks(ldm[cand[keep]].astype(float), priors[cand[keep]])
    return boxes[keep], scores[keep], points

"""Turning uint8 images into a backbone's input on the device: resize, colour, normalise,
augment (training) and the test-time views of Knyazev et al. (2017)."""

import math
from itertools import product

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ..utils import check_images, images_to_uint8

__all__ = ["InputAdapter", "prepare_images", "random_erase", "tta_views", "video_degrade"]


def tta_views(*, angles=(-10.0, 0.0, 10.0), scales=(0.9, 1.0, 1.1), flips=(False, True)):
    """The test-time augmentations: every (flip, angle, scale) combination.

    The default gives the paper's 18 versions of each frame: horizontal flip
    or not, rotations of -10, 0 and +10 degrees, scalings of 0.9, 1.0, 1.1.

    Returns
    -------
    list of (bool, float, float)
    """
    return list(product(flips, angles, scales))


def _affine(batch, angle, scale):
    if angle == 0.0 and scale == 1.0:
        return batch
    a = math.radians(angle)
    theta = torch.tensor([[math.cos(a) / scale, -math.sin(a) / scale, 0.0],
                          [math.sin(a) / scale, math.cos(a) / scale, 0.0]],
                         dtype=batch.dtype, device=batch.device)
    grid = F.affine_grid(theta.expand(len(batch), 2, 3), list(batch.shape), align_corners=False)
    return F.grid_sample(batch, grid, padding_mode="border", align_corners=False)


def _blur(x, sigma):
    """Separable Gaussian blur of a ``(n, c, h, w)`` batch, one ``sigma`` (px)."""
    radius = max(1, math.ceil(2 * sigma))
    taps = torch.arange(-radius, radius + 1, dtype=x.dtype, device=x.device)
    kernel = torch.exp(-0.5 * (taps / sigma) ** 2)
    kernel = (kernel / kernel.sum()).repeat(x.shape[1], 1, 1, 1)
    x = F.conv2d(F.pad(x, (radius, radius, 0, 0), mode="replicate"),
                 kernel.view(-1, 1, 1, len(taps)), groups=x.shape[1])
    return F.conv2d(F.pad(x, (0, 0, radius, radius), mode="replicate"),
                    kernel.view(-1, 1, len(taps), 1), groups=x.shape[1])


def video_degrade(x, generator=None):
    """Random degradations of video frames on a batch of faces (0-255 scale).

    Four degradations, each given to each face with probability one half:
    lost resolution (down to 35-90% of the side and back, as a small face in
    a frame), a Gaussian blur (sigma 0.5-1.5 px, motion and focus), a change
    of light (gamma 0.67-1.5, contrast 0.6-1.2, brightness -40 to +20: dim
    rooms, backlight) and sensor or compression noise (standard deviation
    2-8 levels).  The resolution and the blur's sigma are drawn once per
    batch (one resize and one convolution for all), the light and the noise
    per face.  The faces' shape is kept and values are clipped to 0-255.

    Parameters
    ----------
    x : torch.Tensor of shape (n, c, h, w)
        Float faces on the 0-255 scale.
    generator : torch.Generator, default=None
        Source of the random draws (torch's global one when None).

    Returns
    -------
    torch.Tensor
        The degraded faces, a new tensor.
    """
    n, dev = len(x), x.device

    def draw(*shape):
        return torch.rand(*shape, device=dev, generator=generator)

    def some():
        return (draw(n) < 0.5).view(-1, 1, 1, 1)

    h, w = x.shape[-2:]
    factor = 0.35 + 0.55 * float(draw(1))
    small = F.interpolate(x, size=(max(2, round(h * factor)), max(2, round(w * factor))),
                          mode="area")
    x = torch.where(some(), F.interpolate(small, size=(h, w), mode="bilinear",
                                          align_corners=False), x)
    x = torch.where(some(), _blur(x, 0.5 + float(draw(1))), x)
    gamma = torch.exp((draw(n) * 2 - 1) * math.log(1.5)).view(-1, 1, 1, 1)
    contrast = (0.6 + 0.6 * draw(n)).view(-1, 1, 1, 1)
    brightness = (-40 + 60 * draw(n)).view(-1, 1, 1, 1)
    lit = 255 * (x.clamp(0, 255) / 255) ** gamma
    mean = lit.mean(dim=(1, 2, 3), keepdim=True)
    x = torch.where(some(), (lit - mean) * contrast + mean + brightness, x)
    noise = torch.randn(x.shape, device=dev, generator=generator)
    noise = noise * (2 + 6 * draw(n)).view(-1, 1, 1, 1)
    x = torch.where(some(), x + noise, x)
    return x.clamp(0, 255)


def random_erase(x, generator=None, *, p=0.5, area=(0.02, 0.25), aspect=(0.3, 3.3)):
    """Random erasing (Zhong et al. 2020) on a batch of faces (0-255 scale).

    Each face, with probability ``p``, gets one rectangle filled with uniform
    noise: its area a share of the face drawn from ``area``, its height over
    width drawn log-uniformly from ``aspect``, its place uniform inside the
    face.  A hand, a microphone or hair over part of a face in the wild; the
    network learns not to rely on one region.  (Three epochs of it from the
    default face model did not help on this project's real faces:
    ``mfn64_occ`` in ``benchmarks/results/real_faces.md``.)

    Parameters
    ----------
    x : torch.Tensor of shape (n, c, h, w)
        Float faces on the 0-255 scale.
    generator : torch.Generator, default=None
        Source of the random draws (torch's global one when None).
    p : float, default=0.5
        Probability that a face is erased.
    area : (float, float), default=(0.02, 0.25)
        Range of the rectangle's share of the face's area.
    aspect : (float, float), default=(0.3, 3.3)
        Range of its height over width.

    Returns
    -------
    torch.Tensor
        The faces, a new tensor.

    Raises
    ------
    ValueError
        If ``x`` is not 4-D, ``p`` is outside [0, 1], or ``area`` or
        ``aspect`` is not an increasing pair of positive values (``area``
        at most 1).
    """
    if x.dim() != 4:
        raise ValueError(f"random_erase takes faces of shape (n, c, h, w); got shape "
                         f"{tuple(x.shape)}.")
    if not 0 <= p <= 1:
        raise ValueError(f"p must be in [0, 1]; got {p!r}.")
    if not 0 < area[0] <= area[1] <= 1:
        raise ValueError(f"area must be (low, high) with 0 < low <= high <= 1; got {area!r}.")
    if not 0 < aspect[0] <= aspect[1]:
        raise ValueError(f"aspect must be (low, high) with 0 < low <= high; got {aspect!r}.")
    n, (h, w), dev = len(x), x.shape[-2:], x.device

    def draw(*shape):
        return torch.rand(*shape, device=dev, generator=generator)

    share = area[0] + (area[1] - area[0]) * draw(n)
    ratio = torch.exp(math.log(aspect[0]) + (math.log(aspect[1]) - math.log(aspect[0]))
                      * draw(n))
    eh = (torch.sqrt(share * ratio) * h).clamp(1, h)
    ew = (torch.sqrt(share / ratio) * w).clamp(1, w)
    top, left = draw(n) * (h - eh), draw(n) * (w - ew)
    rows = torch.arange(h, device=dev, dtype=x.dtype).view(1, h, 1)
    cols = torch.arange(w, device=dev, dtype=x.dtype).view(1, 1, w)
    inside = ((rows >= top.view(-1, 1, 1)) & (rows < (top + eh).view(-1, 1, 1))
              & (cols >= left.view(-1, 1, 1)) & (cols < (left + ew).view(-1, 1, 1)))
    erased = inside & (draw(n) < p).view(-1, 1, 1)
    noise = 255 * torch.rand(x.shape, device=dev, generator=generator, dtype=x.dtype)
    return torch.where(erased.unsqueeze(1), noise, x)


class InputAdapter(nn.Module):
    """uint8 ``(n, H, W[, C])`` images -> normalised ``(n, c, s, s)`` float input.

    Parameters
    ----------
    size : int
        Side of the backbone's input.
    channels : {1, 3}
        Gray or RGB input of the backbone; the images are converted.
    mean, std : sequence of float
        Per-channel normalisation, on the 0-255 scale.
    augment : bool, "video" or "occlusion", default=False
        In training mode: random horizontal flips, rotations of up to 10
        degrees, scalings of 0.9-1.1 and shifts of up to 8% of the side;
        ``"video"`` adds the degradations of video frames
        (:func:`video_degrade`), ``"occlusion"`` random erasing
        (:func:`random_erase`).
    view : (bool, float, float) or None, default=None
        A fixed (flip, angle, scale) applied in every mode (test-time views).
    """
    def __init__(self, size, channels, mean, std, *, augment=False, view=None):
        super().__init__()
        self.size, self.channels, self.augment, self.view = size, channels, augment, view
        self.register_buffer("mean", torch.tensor(mean, dtype=torch.float32).view(1, -1, 1, 1))
        self.register_buffer("std", torch.tensor(std, dtype=torch.float32).view(1, -1, 1, 1))

    def forward(self, x):
        x = x.to(self.mean.device)
        if x.dim() == 3:
            x = x.unsqueeze(-1)
        x = x.permute(0, 3, 1, 2).float()
        if x.shape[1] == 4:
            x = x[:, :3]
        if self.channels == 1 and x.shape[1] == 3:
            x = (x * torch.tensor([0.299, 0.587, 0.114], device=x.device).view(1, 3, 1, 1)
                 ).sum(1, keepdim=True)
        elif self.channels == 3 and x.shape[1] == 1:
            x = x.expand(-1, 3, -1, -1)
        if x.shape[-2:] != (self.size, self.size):
            x = F.interpolate(x, size=(self.size, self.size), mode="bilinear",
                              align_corners=False, antialias=True)
        if self.view is not None:
            flip, angle, scale = self.view
            x = _affine(torch.flip(x, dims=[3]) if flip else x, angle, scale)
        elif self.training and self.augment:
            x = self._random_augment(x)
            if self.augment == "video":
                x = video_degrade(x)
            elif self.augment == "occlusion":
                x = random_erase(x)
        return (x - self.mean) / self.std

    def numpy_forward(self, images):
        """:meth:`forward` in numpy, where it is only a change of layout, colour
        and scale: in eval mode, without a view, on images of the input's side.

        Small batches go through it without torch's per-operation cost.  The
        result is :meth:`forward`'s, to float32 rounding (the same float32
        operations; a colour image made gray may sum in another order).

        Parameters
        ----------
        images : ndarray of shape (n, H, W) or (n, H, W, C), uint8

        Returns
        -------
        ndarray of shape (n, c, size, size), float32, or None
            None where :meth:`forward` would do more (resize, view, augment).
        """
        if (self.training or self.view is not None
                or images.shape[1:3] != (self.size, self.size)):
            return None
        x = images[..., None] if images.ndim == 3 else images
        x = x[..., :3].transpose(0, 3, 1, 2)  # a view: no copy until the arithmetic
        if self.channels == 1 and x.shape[1] == 3:
            x = (x.astype(np.float32) * np.array([0.299, 0.587, 0.114], np.float32)
                 .reshape(1, 3, 1, 1)).sum(1, keepdims=True)
        mean, std = self.mean.detach().cpu().numpy(), self.std.detach().cpu().numpy()
        # forward's float32 (x - mean) / std written once into the output; a gray
        # face meets a 3-channel normalisation by broadcasting, as forward expands it
        out = np.empty((len(x), max(x.shape[1], mean.shape[1]), *x.shape[2:]), np.float32)
        np.subtract(x, mean, out=out, dtype=np.float32)
        return np.divide(out, std, out=out)

    def _random_augment(self, x):
        n = len(x)
        flip = torch.rand(n, device=x.device) < 0.5
        x = torch.where(flip.view(-1, 1, 1, 1), torch.flip(x, dims=[3]), x)
        a = (torch.rand(n, device=x.device) * 2 - 1) * math.radians(10)
        s = 0.9 + 0.2 * torch.rand(n, device=x.device)
        theta = torch.zeros(n, 2, 3, device=x.device)
        theta[:, 0, 0] = torch.cos(a) / s
        theta[:, 0, 1] = -torch.sin(a) / s
        theta[:, 1, 0] = torch.sin(a) / s
        theta[:, 1, 1] = torch.cos(a) / s
        theta[:, :, 2] = (torch.rand(n, 2, device=x.device) * 2 - 1) * 0.16
        grid = F.affine_grid(theta, list(x.shape), align_corners=False)
        return F.grid_sample(x, grid, padding_mode="border", align_corners=False)


def prepare_images(X, *, name="X"):
    """Validate images for a CNN and make them ``uint8``.

    Parameters
    ----------
    X : array-like of shape (n, H, W) or (n, H, W, C)
        ``uint8``, or floating point turned into ``uint8`` by the one rule of
        :func:`emosk.utils.validation.images_to_uint8` (the scale is decided
        once for the whole of ``X``).
    name : str, default="X"
        What to call ``X`` in error messages.

    Returns
    -------
    ndarray of uint8

    Raises
    ------
    ValueError
        For what :func:`emosk.utils.check_images` refuses (the message
        starts with ``name``), images smaller than 8x8 pixels, or float
        values outside both scales.
    """
    try:
        images = check_images(X)
    except ValueError as err:
        raise ValueError(f"{name}: {err}") from err
    if min(images.shape[1:3]) < 8:
        raise ValueError(f"{name}: images of shape {images.shape} are smaller than 8x8 pixels.")
    return images_to_uint8(images)

"""Histograms of oriented gradients (Dalal & Triggs 2005) of whole images, by OpenCV."""

from numbers import Integral

import cv2
import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_is_fitted

from ..face import resize_faces
from ..utils.validation import check_images, images_to_uint8

__all__ = ["HOGFeaturizer", "hog"]


def _check_geometry(height, width, *, cell_size, block_size, block_stride):
    """Raise a ValueError unless blocks of cells tile an ``height x width`` image."""
    if block_size % cell_size:
        raise ValueError(f"block_size={block_size} is not a multiple of "
                         f"cell_size={cell_size}.")
    if block_stride % cell_size:
        raise ValueError(f"block_stride={block_stride} is not a multiple of "
                         f"cell_size={cell_size}.")
    for side, name in ((height, "height"), (width, "width")):
        if side < block_size or (side - block_size) % block_stride:
            raise ValueError(
                f"Images of {height}x{width} pixels cannot be tiled by HOG blocks of "
                f"{block_size} pixels every {block_stride}: the {name} must be "
                f"block_size + k * block_stride ({block_size}, "
                f"{block_size + block_stride}, {block_size + 2 * block_stride}...). "
                "Resize the images first.")


def _n_features(height, width, *, cell_size, block_size, block_stride, n_bins):
    blocks = ((height - block_size) // block_stride + 1) * \
        ((width - block_size) // block_stride + 1)
    return blocks * (block_size // cell_size) ** 2 * n_bins


def _as_hog_input(images):
    """Validated images as uint8 ``(n, H, W)`` or ``(n, H, W, 3)`` (alpha dropped)."""
    images = images_to_uint8(check_images(images))
    if images.ndim == 4:
        images = images[..., 0] if images.shape[3] == 1 else images[..., :3]
    return images


def hog(images, *, cell_size=8, block_size=16, block_stride=8, n_bins=9):
    """HOG features of whole images, as OpenCV's ``HOGDescriptor`` computes them.

    The detection window is the whole image: gradients are binned by
    orientation (unsigned, 0-180 degrees) into cells of ``cell_size``
    pixels, cells are grouped into overlapping blocks of ``block_size``
    pixels every ``block_stride`` pixels, and each block is normalised
    (L2-Hys, OpenCV's defaults for everything not set here).

    Parameters
    ----------
    images : array-like of shape (n, H, W) or (n, H, W, C)
        uint8 images, or floating-point ones in [0, 1] or [0, 255] (made
        uint8 by :func:`~emosk.utils.images_to_uint8`).  Colour images
        (``C`` of 3, or 4 with the alpha dropped) take at each pixel the
        gradient of the channel where it is strongest, as OpenCV does; a gray
        image repeated in three channels gives the gray image's features.
    cell_size : int, default=8
        Side of a square cell, in pixels.
    block_size : int, default=16
        Side of a square block, a multiple of ``cell_size``.
    block_stride : int, default=8
        Step between blocks, a multiple of ``cell_size``; ``H`` and ``W``
        must each be ``block_size`` plus a multiple of it.
    n_bins : int, default=9
        Orientation bins of a cell.

    Returns
    -------
    ndarray of shape (n, d), float64
        ``d = blocks * (block_size / cell_size) ** 2 * n_bins``: 900 for
        48x48 images with the defaults.

    Raises
    ------
    ValueError
        On images the blocks cannot tile (the message gives their size and
        the sides that fit), and on what :func:`~emosk.utils.check_images`
        refuses (wrong shape, NaN).
    TypeError
        On a dtype that is neither uint8 nor floating point.

    Examples
    --------
    >>> import numpy as np
    >>> from emosk.preprocessing import hog
    >>> hog(np.zeros((2, 48, 48), dtype=np.uint8)).shape
    (2, 900)
    """
    images = _as_hog_input(images)
    height, width = images.shape[1:3]
    _check_geometry(height, width, cell_size=cell_size, block_size=block_size,
                    block_stride=block_stride)
    descriptor = cv2.HOGDescriptor((width, height), (block_size, block_size),
                                   (block_stride, block_stride), (cell_size, cell_size),
                                   n_bins)
    n_features = _n_features(height, width, cell_size=cell_size, block_size=block_size,
                             block_stride=block_stride, n_bins=n_bins)
    out = np.empty((len(images), n_features), dtype=np.float64)
    for i, image in enumerate(images):
        out[i] = descriptor.compute(np.ascontiguousarray(image)).ravel()
    return out


class HOGFeaturizer(TransformerMixin, BaseEstimator):
    """HOG features of face images: a baseline that CNN features must beat.

    Each image is resized to ``size`` x ``size`` pixels (when it has another
    size; :func:`~emosk.face.resize_faces`: area interpolation when
    shrinking, bilinear when enlarging), then its histograms of oriented
    gradients are computed over the whole image by OpenCV's
    ``HOGDescriptor`` (see :func:`hog`).  Input: images ``(n, H, W[, C])``,
    uint8 or float in [0, 1] / [0, 255].  Output: ``(n, d)`` float64
    features.  Stateless: ``fit`` checks the images and the parameters.

    Parameters
    ----------
    size : int, default=48
        Side of the square images the features are computed on; it must be
        ``block_size`` plus a multiple of ``block_stride``.
    cell_size : int, default=8
        Side of a square cell, in pixels.
    block_size : int, default=16
        Side of a square block, a multiple of ``cell_size``.
    block_stride : int, default=8
        Step between blocks, a multiple of ``cell_size``.
    n_bins : int, default=9
        Orientation bins of a cell.

    Attributes
    ----------
    n_features_out_ : int
        Feature dimension (900 with the defaults).

    See Also
    --------
    hog : The function behind this transformer.
    emosk.nn.CNNFeaturizer : CNN features of the same images.

    Notes
    -----
    Dalal and Triggs (2005), "Histograms of oriented gradients for human
    detection", introduced the descriptor.  emosk's benchmarks use it with
    the defaults (48x48 faces, 900-d) as the per-frame baseline of CK+48,
    SFEW and the video system; on CK+48 clips it reaches 0.92 accuracy
    (``benchmarks/results/ckplus_clips.md``).

    Examples
    --------
    >>> import numpy as np
    >>> from emosk.preprocessing import HOGFeaturizer
    >>> faces = np.zeros((3, 64, 64), dtype=np.uint8)
    >>> HOGFeaturizer().fit_transform(faces).shape
    (3, 900)
    """

    _parameter_constraints = {
        "size": [Interval(Integral, 1, None, closed="left")],
        "cell_size": [Interval(Integral, 1, None, closed="left")],
        "block_size": [Interval(Integral, 1, None, closed="left")],
        "block_stride": [Interval(Integral, 1, None, closed="left")],
        "n_bins": [Interval(Integral, 1, None, closed="left")],
    }
    _emosk_input = "images"

    def __init__(self, *, size=48, cell_size=8, block_size=16, block_stride=8,
                 n_bins=9):
        self.size = size
        self.cell_size = cell_size
        self.block_size = block_size
        self.block_stride = block_stride
        self.n_bins = n_bins

    def _geometry(self):
        return {"cell_size": self.cell_size, "block_size": self.block_size,
                "block_stride": self.block_stride}

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Check the images, and ``size`` against the cells and blocks.

        Parameters
        ----------
        X : array-like of shape (n, H, W) or (n, H, W, C)
            Images.
        y : None
            Ignored.

        Returns
        -------
        self : object
        """
        check_images(X)
        _check_geometry(self.size, self.size, **self._geometry())
        self.n_features_out_ = _n_features(self.size, self.size, n_bins=self.n_bins,
                                           **self._geometry())
        return self

    def transform(self, X):
        """HOG features of every image, at ``size`` x ``size`` pixels.

        Parameters
        ----------
        X : array-like of shape (n, H, W) or (n, H, W, C)
            Images.

        Returns
        -------
        ndarray of shape (n, ``n_features_out_``), float64
        """
        check_is_fitted(self)
        images = resize_faces(_as_hog_input(X), self.size)
        return hog(images, n_bins=self.n_bins, **self._geometry())

    def get_feature_names_out(self, input_features=None):
        """``hog0, hog1, ...``."""
        check_is_fitted(self)
        names = [f"hog{i}" for i in range(self.n_features_out_)]
        return np.asarray(names, dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.three_d_array = True
        tags.transformer_tags.preserves_dtype = []  # float64 features of any image
        return tags

"""Fourier pooling of frame features (Knyazev et al. 2017, "FFT")."""

from numbers import Integral

import numpy as np
from sklearn.utils._param_validation import Interval

from ._base import BasePooling, pool_by_length

__all__ = ["FFTPooling", "fft_pool"]


def _batched_fft(a, n_bins):
    n, T, d = a.shape
    if n_bins is None:
        mag = np.abs(np.fft.rfft(a, axis=1))
        return (mag.mean(axis=1) / T).astype(a.dtype, copy=False)
    freqs = np.linspace(0.0, 0.5, n_bins)
    basis = np.exp(-2j * np.pi * np.outer(freqs, np.arange(T)))
    mag = np.abs(np.einsum("kt,ntd->nkd", basis, a)) / T
    return mag.reshape(n, n_bins * d).astype(a.dtype, copy=False)


def fft_pool(clip, *, n_bins=None):
    """Pool one clip by the magnitude of each feature's Fourier transform.

    Parameters
    ----------
    clip : ndarray of shape (T, d)
        Frame features of one clip, ``T >= 1``.
    n_bins : int or None, default=None
        ``None``: the magnitude spectrum ``|rfft(x_j)|`` of each feature ``j``
        over time, averaged over its ``T // 2 + 1`` frequencies (one value per
        feature, the paper's pooling).  An integer ``K``: the magnitudes at
        ``K`` fixed frequencies evenly spaced from 0 to 0.5 cycles per frame
        (the Nyquist frequency), the same frequencies for every clip length.

    Returns
    -------
    ndarray of shape (d,) or (n_bins * d,)
        Magnitudes divided by ``T``, so that clips of different lengths are
        comparable (the 0-frequency value is then ``|mean(x_j)|``).  With
        ``n_bins`` the output is frequency-major.

    Examples
    --------
    >>> import numpy as np
    >>> from emosk.pooling import fft_pool
    >>> fft_pool(np.array([[1.0], [-1.0]]))  # rfft = [0, 2]; mean 1, / T=2
    array([0.5])
    """
    clip = np.asarray(clip)
    return _batched_fft(clip[None], n_bins)[0]


class FFTPooling(BasePooling):
    """Pool each clip by the average Fourier magnitude of each feature.

    The "FFT" pooling of Knyazev et al. (2017): for every frame-feature
    dimension, the 1-D discrete Fourier transform over the clip's frames, its
    magnitude averaged over frequencies.  Clips of length 1 and 2 work.

    Input: clips (list of ``(T_i, d)`` arrays, a ``(n, T, d)`` array, or an
    ``(n, d)`` array of single-frame clips).  Output: ``(n, d)``, or
    ``(n, n_bins * d)`` with ``n_bins``.

    Parameters
    ----------
    n_bins : int or None, default=None
        ``None`` for the averaged spectrum (one value per feature); an integer
        for that many magnitudes at fixed frequencies from 0 to 0.5 cycles per
        frame, see :func:`fft_pool`.

    Attributes
    ----------
    n_features_in_ : int
        Number of frame features ``d`` seen during ``fit``.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during ``fit`` (only for DataFrame input).

    See Also
    --------
    StatPooling : Mean, standard deviation, minimum and maximum over time.
    fft_pool : The function behind this transformer, for one clip.

    Notes
    -----
    Knyazev et al. (2017) combine STAT* and FFT pooling of per-frame CNN
    features; each statistic is scaled, the blocks are concatenated, then
    RootSIFT and standardisation precede a linear SVM.  Magnitudes are
    divided by the clip length here so that clips of different lengths are
    on one scale.

    Examples
    --------
    >>> import numpy as np
    >>> from emosk.pooling import FFTPooling
    >>> FFTPooling().fit_transform([np.array([[1.0], [-1.0]]), np.ones((3, 1))])
    array([[0.5],
           [0.5]])
    """

    _parameter_constraints = {
        "n_bins": [Interval(Integral, 1, None, closed="left"), None],
    }

    def __init__(self, n_bins=None):
        self.n_bins = n_bins

    def _check_params(self):
        pass

    def _prefixes(self):
        if self.n_bins is None:
            return ["fft"]
        return [f"fft{k}" for k in range(self.n_bins)]

    def _pool(self, clips):
        return pool_by_length(clips, lambda a: _batched_fft(a, self.n_bins))

    @classmethod
    def get_test_params(cls):
        """Parameter sets that emosk's common tests instantiate."""
        return [{}, {"n_bins": 4}]

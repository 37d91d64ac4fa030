"""How many threads ONNX Runtime runs a few faces on.  No torch import: the
pipelines of :mod:`emosk.pretrained` set it before any model loads."""

import contextlib
import contextvars
from numbers import Integral

__all__ = ["small_batch_threads"]

#: Threads of ONNX Runtime on fewer than 16 faces in CNNClassifier's
#: predict_proba (at most torch's count; more than one spin between calls),
#: as :func:`small_batch_threads` sets it.
_SMALL_BATCH_THREADS = contextvars.ContextVar("emosk_small_batch_threads", default=1)


@contextlib.contextmanager
def small_batch_threads(n_threads):
    """ONNX Runtime's threads on a few faces, within a ``with`` block.

    :class:`~emosk.nn.CNNClassifier`'s ``predict_proba`` on a CPU with ONNX
    Runtime runs fewer than 16 faces (a photo's) on one thread by default;
    within this block, on ``n_threads`` (at most torch's thread count) that
    spin between calls.  Two threads make one face faster where a core is
    free, slower where the machine is shared: on this project's 2-core
    machine, while its second core was free, MobileFaceNet at 64 px took
    0.42 ms on one face instead of 0.69 ms and a
    :func:`~emosk.pretrained.predict_image` call 0.98-1.07 ms instead of
    1.27-1.30 on NHFI's 96 px photos; in the phases where the host kept that
    core busy, 0.83 ms instead of 0.75 and 1.89 ms a photo instead of 1.44
    (``benchmarks/results/photo_speed.md`` has a row with two threads).
    :func:`~emosk.pretrained.predict_images` and
    :func:`~emosk.pretrained.predict_video` keep one inside it: their other
    threads find the next faces meanwhile.  Batches of 16 faces or more run
    on torch's thread count, their idle threads sleeping, whatever this
    says.  The setting is the calling thread's (a context variable),
    restored on leaving the block.

    Parameters
    ----------
    n_threads : int
        At least 1; more than one spin between calls.

    Yields
    ------
    None

    Raises
    ------
    ValueError
        If ``n_threads`` is not a positive integer.

    Examples
    --------
    >>> import numpy as np
    >>> from emosk.nn import small_batch_threads
    >>> from emosk.pretrained import predict_image
    >>> with small_batch_threads(2):  # a free core: one photo at a time, faster
    ...     faces = predict_image(np.full((60, 80, 3), 128, np.uint8))
    """
    if isinstance(n_threads, bool) or not isinstance(n_threads, Integral) or n_threads < 1:
        raise ValueError(f"n_threads must be a positive integer; got {n_threads!r}.")
    token = _SMALL_BATCH_THREADS.set(int(n_threads))
    try:
        yield
    finally:
        _SMALL_BATCH_THREADS.reset(token)

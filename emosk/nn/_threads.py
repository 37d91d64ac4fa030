"""How many threads ONNX Runtime runs faces on, and which classifiers it runs.
No torch import: the pipelines of :mod:`emosk.pretrained` set it before any
model loads."""

import contextlib
import contextvars
import sys
from numbers import Integral

__all__ = ["runs_onnxruntime", "small_batch_threads", "worker_threads"]

#: Threads of ONNX Runtime on fewer than 16 faces in CNNClassifier's
#: predict_proba (at most torch's count; more than one spin between calls),
#: as :func:`small_batch_threads` sets it.
_SMALL_BATCH_THREADS = contextvars.ContextVar("emosk_small_batch_threads", default=1)
#: Threads of ONNX Runtime on every batch, whatever its size, as
#: :func:`worker_threads` sets it; None: the defaults above.
_WORKER_THREADS = contextvars.ContextVar("emosk_worker_threads", default=None)


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
    :func:`~emosk.pretrained.predict_video` and the one-thread pipeline of
    :func:`~emosk.pretrained.predict_images` keep one inside it: their other
    threads find the next faces meanwhile; the workers of
    :func:`~emosk.pretrained.predict_images` run on one each
    (:func:`worker_threads`).  Batches of 16 faces or more run
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
    with _threads_set(_SMALL_BATCH_THREADS, n_threads):
        yield


@contextlib.contextmanager
def worker_threads(n_threads):
    """ONNX Runtime's threads on every batch, within a ``with`` block.

    For a worker thread among several that each run a network:
    :class:`~emosk.nn.CNNClassifier`'s ``predict_proba`` on a CPU with ONNX
    Runtime then runs any batch on ``n_threads`` (at most torch's thread
    count) that sleep between calls, instead of torch's thread count on
    batches of 16 faces or more and :func:`small_batch_threads`' count on
    fewer.  :func:`~emosk.pretrained.predict_images` runs its workers on one
    each: on this project's 2 cores, three workers that each find and
    classify 16 photos at a time on one thread took 9-28% less time a photo
    than one thread finding faces while the network ran on two, in two runs
    (``benchmarks/results/photo_speed.md``).  The setting is the calling
    thread's (a context variable), restored on leaving the block.

    Parameters
    ----------
    n_threads : int
        At least 1.

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
    >>> from emosk.nn import worker_threads
    >>> from emosk.pretrained import load
    >>> model = load()
    >>> with worker_threads(1):  # this thread's share of the cores
    ...     proba = model.predict_proba(np.zeros((20, 80, 80, 3), np.uint8))
    >>> proba.shape
    (20, 7)
    """
    with _threads_set(_WORKER_THREADS, n_threads):
        yield


@contextlib.contextmanager
def _threads_set(setting, n_threads):
    """``setting`` (a context variable) at ``n_threads`` within the block."""
    if isinstance(n_threads, bool) or not isinstance(n_threads, Integral) or n_threads < 1:
        raise ValueError(f"n_threads must be a positive integer; got {n_threads!r}.")
    token = setting.set(int(n_threads))
    try:
        yield
    finally:
        setting.reset(token)


def runs_onnxruntime(model):
    """Whether a fitted classifier's ``predict_proba`` runs its network in ONNX
    Runtime on the CPU.

    True for a :class:`~emosk.nn.CNNClassifier` on the CPU whose ``runtime``
    resolves to ``"onnxruntime"`` or that holds an int8 graph
    (``load(precision="int8")``); its ONNX Runtime threads then follow
    :func:`small_batch_threads` and :func:`worker_threads`, so threads that
    each run it share the cores without torch's threads among them.  False
    for any other model.  Never loads torch itself.

    Parameters
    ----------
    model : object

    Returns
    -------
    bool

    Examples
    --------
    >>> from emosk.nn import runs_onnxruntime
    >>> from emosk.pretrained import load
    >>> runs_onnxruntime(load(runtime="onnxruntime")), runs_onnxruntime(load(runtime="torch"))
    (True, False)
    """
    classifier = sys.modules.get("emosk.nn._classifier")  # not loaded: no CNNClassifier
    if classifier is None or not isinstance(model, classifier.CNNClassifier) \
            or not hasattr(model, "net_"):
        return False
    device = next(model.net_.module_.parameters()).device
    return device.type == "cpu" and model._runs_onnx()

"""ONNX Runtime copies of torch networks: the same function, run by onnxruntime.

A small network called on one face or one photo spends most of its time in
torch's per-operation dispatch (MobileFaceNet at batch 1: about 2.6 ms, of
which the arithmetic is a fifth); ONNX Runtime runs the same graph, exported
once, at a fraction of that.  The exported graph is kept in memory per
network and on disk per content (``$EMOSK_CACHE/onnx``), so a shipped model
is exported once per machine.
"""

import functools
import hashlib
import importlib.util
import logging
import operator
import os
import tempfile
import threading
import warnings
import weakref
from pathlib import Path

import numpy as np

from ._weights import get_weights_home

__all__ = ["RUNTIMES", "OnnxModule", "get_onnx_home", "onnx_copy", "onnx_graph",
           "onnxruntime_available", "quantize_graph", "resolve_runtime"]

#: Runtime names accepted by the ``runtime`` settings that use :func:`onnx_copy`.
RUNTIMES = ("auto", "torch", "onnxruntime")

_COPIES = weakref.WeakKeyDictionary()
#: Held while a copy is made: threads that ask for one at once (the workers of
#: ``predict_images`` on a machine's first run) export it once, one at a time.
_MAKING = threading.RLock()
_VERSION = operator.attrgetter("_version")


@functools.lru_cache(maxsize=1)
def onnxruntime_available():
    """Whether ONNX Runtime and the ONNX exporter's dependency (onnxscript) are
    installed (the ``onnx`` extra: ``pip install emosk[onnx]``).

    Returns
    -------
    bool
    """
    return all(importlib.util.find_spec(name) is not None
               for name in ("onnxruntime", "onnxscript"))


def resolve_runtime(runtime):
    """``"auto"`` made concrete: ``"onnxruntime"`` when installed, else ``"torch"``.

    Parameters
    ----------
    runtime : {"auto", "torch", "onnxruntime"}

    Returns
    -------
    str
        ``"torch"`` or ``"onnxruntime"``.

    Raises
    ------
    ValueError
        For another name.
    ImportError
        For ``"onnxruntime"`` when it is not installed.
    """
    if runtime not in RUNTIMES:
        raise ValueError(f"runtime must be one of {RUNTIMES}; got {runtime!r}.")
    if runtime == "auto":
        return "onnxruntime" if onnxruntime_available() else "torch"
    if runtime == "onnxruntime" and not onnxruntime_available():
        raise ImportError("runtime='onnxruntime' needs onnxruntime and onnxscript: "
                          "pip install 'emosk[onnx]' (or use runtime='torch').")
    return runtime


def get_onnx_home():
    """The folder of exported graphs: ``$EMOSK_CACHE/onnx`` when ``EMOSK_CACHE``
    is set, else ``~/.cache/emosk/onnx``.

    Returns
    -------
    pathlib.Path
    """
    return get_weights_home().parent / "onnx"


class OnnxModule:
    """A torch network exported to ONNX and run by ONNX Runtime on the CPU.

    Made by :func:`onnx_copy`.  Called like the network: torch tensors in,
    a tensor (or a tuple of them, as the network returns) out, on the CPU;
    :meth:`run` takes and returns numpy arrays.
    Threads may share it: ONNX Runtime's ``run`` is thread-safe.

    Parameters
    ----------
    model : bytes or str
        The ONNX graph, or the path of its file.
    n_threads : int, default=1
        Threads of the session (see :func:`onnx_copy`).
    spin : bool, default=False
        With several threads, whether they spin-wait for the next work
        (ONNX Runtime's default) instead of sleeping (see :func:`onnx_copy`).

    Attributes
    ----------
    session : onnxruntime.InferenceSession
    """

    def __init__(self, model, n_threads=1, spin=False):
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = n_threads
        options.inter_op_num_threads = 1
        # without spin, idle threads sleep instead of spinning: the other core
        # is then left to the thread that finds the next faces
        options.add_session_config_entry("session.intra_op.allow_spinning",
                                         "1" if spin else "0")
        options.log_severity_level = 3  # errors only
        self.session = ort.InferenceSession(model, options,
                                            providers=["CPUExecutionProvider"])
        self._inputs = [i.name for i in self.session.get_inputs()]
        self._single = len(self.session.get_outputs()) == 1

    def __call__(self, *inputs):
        import torch  # loaded by then: the inputs are torch tensors

        out = self.run(*(x.detach().cpu().numpy() for x in inputs))
        out = [torch.from_numpy(o) for o in out]
        return out[0] if self._single else tuple(out)

    def run(self, *inputs):
        """The graph on numpy arrays, without torch.

        Parameters
        ----------
        *inputs : ndarray
            One per input of the graph, converted to contiguous float32.

        Returns
        -------
        list of ndarray
            The graph's outputs, float32.

        Raises
        ------
        ValueError
            For another number of inputs.
        """
        if len(inputs) != len(self._inputs):
            raise ValueError(f"This network takes {len(self._inputs)} input(s); got "
                             f"{len(inputs)}.")
        feeds = {name: np.ascontiguousarray(x, dtype=np.float32)
                 for name, x in zip(self._inputs, inputs, strict=True)}
        return self.session.run(None, feeds)


def _tensors(module):
    return (*module.parameters(), *module.buffers())


def _digest(module, shape, dynamic):
    """What the exported graph depends on: the network's code (its repr), its
    weights, the input shape apart from the dynamic axes, and torch's version."""
    import torch

    h = hashlib.sha256()
    fixed = tuple(None if i in dynamic else s for i, s in enumerate(shape))
    h.update(repr((type(module).__qualname__, repr(module), fixed, sorted(dynamic.items()),
                   torch.__version__)).encode())
    for name, tensor in module.state_dict().items():
        h.update(name.encode())
        h.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    return h.hexdigest()


def _export(module, example, dynamic):
    """The ONNX graph of ``module`` (torch's exporter), as bytes."""
    import torch

    dims = {axis: torch.export.Dim(f"d{axis}", min=low) for axis, low in dynamic.items()}
    quiet = [logging.getLogger(name) for name in ("torch.onnx", "torch.export",
                                                  "torch._dynamo", "onnxscript")]
    levels = [log.level for log in quiet]
    try:
        for log in quiet:
            log.setLevel(logging.ERROR)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            program = torch.onnx.export(module, (example,), dynamic_shapes=(dims,),
                                        dynamo=True, verbose=False)
    finally:
        for log, level in zip(quiet, levels, strict=True):
            log.setLevel(level)
    return program.model_proto.SerializeToString()


def _example_batch(example, dynamic):
    """``example`` on the CPU in float32, a batch of one repeated to two when the
    batch axis is free (the exporter fixes an axis of size 1)."""
    import torch

    if 0 in dynamic and example.shape[0] < 2:
        example = example.expand(2, *example.shape[1:]).contiguous()
    return example.detach().to("cpu", torch.float32)


def _exportable(module, dynamic, who):
    """The free axes (``{0: 1}`` when None) of a network that can be exported
    here: ONNX Runtime and onnxscript installed, the network in eval mode."""
    resolve_runtime("onnxruntime")
    if module.training:
        raise ValueError(f"{who} needs a network in eval mode (call .eval()): an "
                         "exported graph keeps one mode.")
    return {0: 1} if dynamic is None else dict(dynamic)


def onnx_graph(module, example, *, dynamic=None):
    """The ONNX graph of a torch network, exported by torch's exporter.

    Parameters
    ----------
    module : torch.nn.Module
        In eval mode; its forward takes one tensor.
    example : torch.Tensor
        An input of the shape to run (values do not matter).
    dynamic : dict of {int: int}, default=None
        The axes whose size may change, each with its smallest size.  None:
        the batch axis, ``{0: 1}``.

    Returns
    -------
    bytes
        The serialised ONNX model; its input is named ``"x"``.

    Raises
    ------
    ImportError
        Without onnxscript (the ``onnx`` extra).
    ValueError
        For a network in training mode.
    """
    dynamic = _exportable(module, dynamic, "Exporting")
    return _export(module, _example_batch(example, dynamic), dynamic)


class _Batches:
    """ONNX Runtime's calibration reader over arrays of the graph's one input."""

    def __init__(self, name, batches):
        self.name = name
        self.batches = iter(batches)

    def get_next(self):
        batch = next(self.batches, None)
        return None if batch is None else {self.name: np.ascontiguousarray(batch,
                                                                          dtype=np.float32)}


def quantize_graph(graph, batches):
    """An int8 copy of an ONNX graph, calibrated on example inputs.

    ONNX Runtime's static quantisation: weights in int8 per output channel,
    activations in uint8 with ranges taken from the calibration inputs (their
    minimum and maximum), written as QuantizeLinear / DequantizeLinear pairs
    that ONNX Runtime runs as int8 kernels.  MobileFaceNet at 64 px runs in
    0.34 ms instead of 0.73 ms on one face and one thread; its most probable
    class changes on about 5% of faces (:func:`emosk.nn.quantize`).

    Parameters
    ----------
    graph : bytes
        A float32 ONNX model with one input (e.g. from :func:`onnx_graph`).
    batches : iterable of ndarray
        Calibration inputs, each ``(n, ...)`` as the graph takes them: faces
        like the ones it will see, a few hundred at least.

    Returns
    -------
    bytes
        The int8 model.

    Raises
    ------
    ImportError
        Without onnxruntime (the ``onnx`` extra).
    ValueError
        When ``batches`` holds no input.
    """
    resolve_runtime("onnxruntime")
    import onnxruntime as ort
    from onnxruntime.quantization import (
        CalibrationMethod,
        QuantFormat,
        QuantType,
        quantize_static,
    )
    from onnxruntime.quantization.shape_inference import quant_pre_process

    batches = [b for b in batches if len(b)]
    if not batches:
        raise ValueError("quantize_graph needs calibration inputs; got none.")
    name = ort.InferenceSession(graph, providers=["CPUExecutionProvider"]) \
        .get_inputs()[0].name
    with tempfile.TemporaryDirectory(prefix="emosk-int8-") as tmp:
        src, ready, out = (Path(tmp) / f for f in ("float.onnx", "ready.onnx", "int8.onnx"))
        src.write_bytes(graph)
        quant_pre_process(str(src), str(ready), skip_symbolic_shape=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            quantize_static(str(ready), str(out), _Batches(name, batches),
                            quant_format=QuantFormat.QDQ, per_channel=True,
                            activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8,
                            calibrate_method=CalibrationMethod.MinMax)
        return out.read_bytes()


def _stored(path, make):
    """The bytes of ``path``, made by ``make()`` and written (atomically) when
    missing; an unwritable cache folder only costs the export next time."""
    if path.is_file():
        return path.read_bytes()
    data = make()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".part-", suffix=".onnx")
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, path)
    except OSError:
        pass
    return data


def onnx_copy(module, example, *, dynamic=None, cache=True, n_threads=1, spin=False):
    """The ONNX Runtime copy of a torch network, exported once.

    The network (in eval mode) is exported with torch's exporter
    (``torch.onnx.export(dynamo=True)``) for inputs shaped like ``example``,
    the ``dynamic`` axes free, and run by ONNX Runtime on the CPU.  Its
    outputs match the network's to float32 rounding (about 1e-5).  The copy
    is kept in memory for the network and remade when one of its weights
    changes in place (replacing a submodule is not seen: make a new network
    instead, as ``fit`` does); the graph is also stored in :func:`get_onnx_home`
    under the digest of the network's code, weights and input shape, so
    another process loads it instead of exporting again (MobileFaceNet takes
    about 4 s to export, RetinaFace 8 s).

    Parameters
    ----------
    module : torch.nn.Module
        In eval mode; its forward takes one tensor.
    example : torch.Tensor
        An input of the shape to run (values do not matter).  A batch of one
        is repeated to two, so that the batch axis stays free.
    dynamic : dict of {int: int}, default=None
        The axes whose size may change from call to call, each with its
        smallest size.  None: the batch axis, ``{0: 1}``.
    cache : bool, default=True
        Store and reuse the graph on disk.
    n_threads : int, default=1
        Threads of the ONNX Runtime session.
        :func:`~emosk.pretrained.predict_video` runs the detector and the
        network in two threads and gives the network torch's thread count on
        batches of 16 faces or more, their idle threads sleeping
        (``spin=False``); :func:`~emosk.pretrained.predict_images` runs
        worker threads that each find and classify faces on one
        (:func:`~emosk.nn.worker_threads`); :class:`~emosk.nn.CNNClassifier`
        runs fewer faces (one photo's) on one thread, or on the spinning
        threads :func:`~emosk.nn.small_batch_threads` asks for.
    spin : bool, default=False
        With several threads, whether the idle ones spin-wait for the next
        work (ONNX Runtime's default) rather than sleep.  Spinning pays on a
        small input run on its own: MobileFaceNet at 64 px on one face took
        0.42 ms on two spinning threads, 1.1 ms on two sleeping ones and
        0.69 ms on one while this project's second core was free, but
        0.83 ms against 0.75 in the phases where the host kept it busy;
        sleeping leaves the cores to other threads' work between calls.  The
        copies with and without it are kept apart.

    Returns
    -------
    OnnxModule

    Raises
    ------
    ImportError
        Without onnxruntime and onnxscript (the ``onnx`` extra).
    ValueError
        For a network in training mode.

    Examples
    --------
    >>> import torch
    >>> from emosk.utils import onnx_copy
    >>> net = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.ReLU()).eval()
    >>> x = torch.rand(2, 3, 16, 16)
    >>> fast = onnx_copy(net, x, cache=False)
    >>> bool(torch.allclose(fast(x), net(x), atol=1e-5))
    True
    """
    dynamic = _exportable(module, dynamic, "onnx_copy")
    shape = tuple(example.shape)
    key = (tuple(None if i in dynamic else s for i, s in enumerate(shape)), n_threads,
           bool(spin))
    copy = _kept_copy(module, key)
    if copy is not None:
        return copy
    with _MAKING:
        copy = _kept_copy(module, key)  # made by another thread meanwhile
        return copy if copy is not None else _make_copy(
            module, example, dynamic, shape, key, cache, n_threads, spin)


def _kept_copy(module, key):
    """The copy of ``module`` kept for ``key`` and its current weights, or None.
    The network's tensors are listed once (walking the modules costs more than
    a small network's forward pass); their versions count in-place writes and
    only grow, so their sum changes when any of them does."""
    tensors, copies = _COPIES.get(module, (None, []))
    if tensors is None:
        return None
    versions = sum(map(_VERSION, tensors))
    for kept_key, kept_versions, copy in copies:
        if kept_key == key and kept_versions == versions:
            return copy
    return None


def _make_copy(module, example, dynamic, shape, key, cache, n_threads, spin):
    """A new copy of ``module`` (exported, or read from the disk cache), kept."""
    tensors, copies = _COPIES.get(module, (None, []))
    if tensors is None:
        tensors = _tensors(module)
    versions = sum(map(_VERSION, tensors))
    example = _example_batch(example, dynamic)

    def export():
        return _export(module, example, dynamic)

    if not cache:
        copy = OnnxModule(export(), n_threads, spin)
    else:
        path = Path(get_onnx_home()) / f"{_digest(module, shape, dynamic)}.onnx"
        try:
            copy = OnnxModule(_stored(path, export), n_threads, spin)
        except Exception:  # noqa: BLE001 - onnxruntime's own errors: a damaged file
            path.unlink(missing_ok=True)
            copy = OnnxModule(_stored(path, export), n_threads, spin)
    kept = [entry for entry in copies if entry[1] == versions]
    _COPIES[module] = (tensors, [*kept, (key, versions, copy)])
    return copy

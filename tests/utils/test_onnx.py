"""ONNX Runtime copies of torch networks (emosk.utils.onnx_copy): same outputs,
made once, stored on disk by content, remade when the weights change."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("onnxruntime")
pytest.importorskip("onnxscript")

import emosk.utils._onnx as onnx_module  # noqa: E402
from emosk.utils import (  # noqa: E402
    OnnxModule,
    get_onnx_home,
    onnx_copy,
    onnxruntime_available,
    resolve_runtime,
)


def _net():
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.BatchNorm2d(4),
                               torch.nn.ReLU(), torch.nn.AdaptiveAvgPool2d(1),
                               torch.nn.Flatten(), torch.nn.Linear(4, 3)).eval()


@pytest.fixture
def cache_home(tmp_path, monkeypatch):
    monkeypatch.setenv("EMOSK_CACHE", str(tmp_path))
    return tmp_path / "onnx"


def test_outputs_match_torch_at_any_batch_size(cache_home):
    net = _net()
    fast = onnx_copy(net, torch.rand(1, 3, 16, 16))
    assert isinstance(fast, OnnxModule)
    for n in (1, 2, 7):
        x = torch.rand(n, 3, 16, 16)
        with torch.no_grad():
            np.testing.assert_allclose(fast(x).numpy(), net(x).numpy(), atol=1e-5)


def test_made_once_and_stored_by_content(cache_home, monkeypatch):
    net = _net()
    x = torch.rand(2, 3, 16, 16)
    fast = onnx_copy(net, x)
    assert onnx_copy(net, x[:1]) is fast  # the batch axis is free
    files = list(cache_home.glob("*.onnx"))
    assert len(files) == 1 and get_onnx_home() == cache_home
    # another network with the same code and weights loads the stored graph
    monkeypatch.setattr(onnx_module, "_export", lambda *a: pytest.fail("exported again"))
    again = onnx_copy(_net(), x)
    with torch.no_grad():
        np.testing.assert_allclose(again(x).numpy(), net(x).numpy(), atol=1e-5)


def test_another_input_side_is_another_graph(cache_home):
    net = _net()
    onnx_copy(net, torch.rand(2, 3, 16, 16))
    onnx_copy(net, torch.rand(2, 3, 20, 20))
    assert len(list(cache_home.glob("*.onnx"))) == 2


def test_changed_weights_make_a_new_copy(cache_home):
    net = _net()
    x = torch.rand(2, 3, 16, 16)
    first = onnx_copy(net, x)
    with torch.no_grad():
        net[0].weight.mul_(2)
        expected = net(x).numpy()
    second = onnx_copy(net, x)
    assert second is not first
    np.testing.assert_allclose(second(x).numpy(), expected, atol=1e-5)
    assert len(list(cache_home.glob("*.onnx"))) == 2


def test_a_damaged_stored_graph_is_exported_again(cache_home):
    x = torch.rand(2, 3, 16, 16)
    onnx_copy(_net(), x)
    (path,) = cache_home.glob("*.onnx")
    path.write_bytes(b"not an onnx graph")
    net = _net()
    fast = onnx_copy(net, x)
    with torch.no_grad():
        np.testing.assert_allclose(fast(x).numpy(), net(x).numpy(), atol=1e-5)
    assert path.read_bytes() != b"not an onnx graph"


def test_cache_false_writes_nothing(cache_home):
    onnx_copy(_net(), torch.rand(2, 3, 16, 16), cache=False)
    assert not cache_home.exists()


def test_several_outputs_and_free_spatial_axes(cache_home):
    class TwoHeads(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = torch.nn.Conv2d(3, 2, 3, padding=1)

        def forward(self, x):
            y = self.conv(x)
            return y, y.mean(dim=(2, 3))

    net = TwoHeads().eval()
    fast = onnx_copy(net, torch.rand(2, 3, 32, 32), dynamic={0: 1, 2: 8, 3: 8})
    x = torch.rand(3, 3, 24, 40)
    out = fast(x)
    assert isinstance(out, tuple) and out[0].shape == (3, 2, 24, 40)
    with torch.no_grad():
        for got, want in zip(out, net(x), strict=True):
            np.testing.assert_allclose(got.numpy(), want.numpy(), atol=1e-5)
    with pytest.raises(ValueError, match="takes 1 input"):
        fast(x, x)
    # run: the same graph on numpy arrays (float64 is converted), numpy out
    arrays = fast.run(x.numpy().astype(np.float64))
    assert all(isinstance(a, np.ndarray) and a.dtype == np.float32 for a in arrays)
    for got, want in zip(arrays, out, strict=True):
        np.testing.assert_array_equal(got, want.numpy())
    with pytest.raises(ValueError, match="takes 1 input"):
        fast.run()


def test_a_network_in_training_mode_is_refused(cache_home):
    with pytest.raises(ValueError, match="eval mode"):
        onnx_copy(_net().train(), torch.rand(2, 3, 16, 16))


def test_resolve_runtime():
    assert onnxruntime_available()
    assert resolve_runtime("auto") == "onnxruntime"
    assert resolve_runtime("torch") == "torch"
    with pytest.raises(ValueError, match="runtime must be one of"):
        resolve_runtime("tensorrt")


def test_without_onnxruntime_auto_falls_back_and_onnxruntime_says_what_to_install(
        monkeypatch):
    monkeypatch.setattr(onnx_module, "onnxruntime_available", lambda: False)  # not installed
    assert resolve_runtime("auto") == "torch"
    with pytest.raises(ImportError, match=r"emosk\[onnx\]"):
        resolve_runtime("onnxruntime")


@pytest.mark.parametrize("threads, spin", [(1, False), (2, False), (2, True)])
def test_threads_and_spinning_are_the_sessions_and_kept_apart(cache_home, threads, spin):
    """n_threads and spin reach ONNX Runtime's session; each pair is its own copy,
    with the same outputs."""
    net = _net()
    x = torch.rand(3, 3, 16, 16)
    fast = onnx_copy(net, x, n_threads=threads, spin=spin)
    options = fast.session.get_session_options()
    assert options.intra_op_num_threads == threads
    assert options.get_session_config_entry("session.intra_op.allow_spinning") == (
        "1" if spin else "0")
    assert onnx_copy(net, x, n_threads=threads, spin=spin) is fast
    other = onnx_copy(net, x, n_threads=threads, spin=not spin)
    assert other is not fast
    np.testing.assert_allclose(fast(x).numpy(), other(x).numpy(), atol=1e-6)


def test_threads_asking_at_once_get_one_copy_exported_once(cache_home, monkeypatch):
    """Threads that ask for the same copy at the same time (predict_images'
    workers on a machine's first run) wait for one export instead of each
    running torch's exporter, which is not made to run in several threads."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    exported, real = [], onnx_module._export

    def counted(*args):
        exported.append(threading.current_thread().name)
        return real(*args)

    monkeypatch.setattr(onnx_module, "_export", counted)
    net, x = _net(), torch.rand(1, 3, 16, 16)
    start = threading.Barrier(4)

    def ask(_):
        start.wait()
        return onnx_copy(net, x)

    with ThreadPoolExecutor(4) as pool:
        copies = list(pool.map(ask, range(4)))
    assert len(exported) == 1 and len({id(c) for c in copies}) == 1
    with torch.no_grad():
        np.testing.assert_allclose(copies[0](x).numpy(), net(x).numpy(), atol=1e-5)

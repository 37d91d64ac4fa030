"""InputAdapter.numpy_forward: the input stage in numpy where it is only layout,
colour and scale, equal to the torch forward; and CNNClassifier's use of it."""

import numpy as np
import pytest
import torch

from emosk.nn import InputAdapter


@pytest.mark.parametrize("channels", [1, 3])
@pytest.mark.parametrize("layout", [(), (1,), (3,), (4,)])
def test_numpy_forward_equals_forward(channels, layout):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (5, 24, 24, *layout), dtype=np.uint8)
    mean, std = [100.0, 120.0, 140.0][:channels], [50.0, 60.0, 70.0][:channels]
    adapter = InputAdapter(24, channels, mean, std).eval()
    got = adapter.numpy_forward(images)
    with torch.no_grad():
        want = adapter(torch.from_numpy(images)).numpy()
    assert got.dtype == np.float32 and got.shape == want.shape == (5, channels, 24, 24)
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-6)


def test_numpy_forward_declines_what_needs_torch():
    images = np.zeros((2, 24, 24, 3), np.uint8)
    adapter = InputAdapter(24, 3, [0.0] * 3, [1.0] * 3).eval()
    assert adapter.numpy_forward(np.zeros((2, 30, 30, 3), np.uint8)) is None  # a resize
    assert adapter.numpy_forward(np.zeros((2, 24, 30, 3), np.uint8)) is None
    assert InputAdapter(24, 3, [0.0] * 3, [1.0] * 3,
                        view=(True, 0.0, 1.0)).eval().numpy_forward(images) is None
    assert adapter.train().numpy_forward(images) is None  # training augments
    assert adapter.eval().numpy_forward(images) is not None


def test_classifier_takes_the_numpy_path_only_where_it_applies(tmp_path, monkeypatch):
    """ONNX Runtime without TTA on faces of the network's side skips torch; faces
    of another side, TTA or the torch runtime do not, and all agree."""
    pytest.importorskip("onnxruntime")
    pytest.importorskip("onnxscript")
    from emosk.pretrained import load

    monkeypatch.setenv("EMOSK_CACHE", str(tmp_path))
    rng = np.random.default_rng(1)
    fast = load("fer2013", tta=False, runtime="onnxruntime")
    slow = load("fer2013", tta=False, runtime="torch")
    module = fast.net_.module_
    side = module.input.size
    same = rng.integers(0, 256, (3, side, side), dtype=np.uint8)
    other = rng.integers(0, 256, (3, side + 12, side + 12), dtype=np.uint8)
    assert fast._numpy_proba(module, same) is not None
    assert fast._numpy_proba(module, other) is None
    for faces in (same, other, same[:1]):
        proba = fast.predict_proba(faces)
        np.testing.assert_allclose(proba, slow.predict_proba(faces), atol=1e-5)
        np.testing.assert_allclose(proba.sum(1), 1.0, atol=1e-6)
    assert not slow._runs_onnx()


def test_a_few_faces_run_on_one_thread_unless_told_otherwise(tmp_path, monkeypatch):
    """predict_proba on fewer than 16 faces runs ONNX Runtime on one thread, or on
    small_batch_threads(n) spinning threads (at most torch's count); 16 faces or
    more on torch's threads, sleeping; the answers are the same."""
    pytest.importorskip("onnxruntime")
    pytest.importorskip("onnxscript")
    from emosk.nn import small_batch_threads
    from emosk.nn._classifier import _onnx_threads
    from emosk.pretrained import load

    monkeypatch.setenv("EMOSK_CACHE", str(tmp_path))
    monkeypatch.setattr(torch, "get_num_threads", lambda: 4)
    assert _onnx_threads(1) == (1, False)
    assert _onnx_threads(16) == (4, False)
    with small_batch_threads(2):
        assert _onnx_threads(15) == (2, True)
        assert _onnx_threads(64) == (4, False)
        with small_batch_threads(8):
            assert _onnx_threads(3) == (4, True)  # at most torch's
        assert _onnx_threads(3) == (2, True)
    assert _onnx_threads(3) == (1, False)
    monkeypatch.setattr(torch, "get_num_threads", lambda: 1)
    with small_batch_threads(2):
        assert _onnx_threads(1) == (1, False)
    monkeypatch.undo()
    monkeypatch.setenv("EMOSK_CACHE", str(tmp_path))

    clf = load("fer2013", tta=False, runtime="onnxruntime")
    module = clf.net_.module_
    side = module.input.size
    faces = np.random.default_rng(2).integers(0, 256, (3, side, side), dtype=np.uint8)
    x = torch.from_numpy(module.input.numpy_forward(faces))
    one = clf.predict_proba(faces)
    options = clf._inference_backbone(module.backbone, x).session.get_session_options()
    assert options.intra_op_num_threads == 1
    with small_batch_threads(2):
        two = clf.predict_proba(faces)
        options = clf._inference_backbone(module.backbone, x).session.get_session_options()
    assert options.intra_op_num_threads == min(2, torch.get_num_threads())
    np.testing.assert_allclose(one, two, atol=1e-6)


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, "2", None])
def test_small_batch_threads_refuses_what_is_not_a_thread_count(bad):
    from emosk.nn import small_batch_threads

    with pytest.raises(ValueError, match="n_threads must be a positive integer"):
        with small_batch_threads(bad):
            pass


def test_worker_threads_set_every_batch_and_leave_the_defaults_after(monkeypatch):
    """Within worker_threads(n), every batch, few faces or many, runs on n
    sleeping threads (at most torch's); small_batch_threads does not override
    it; leaving the block restores the defaults."""
    from emosk.nn import small_batch_threads, worker_threads
    from emosk.nn._classifier import _onnx_threads

    monkeypatch.setattr(torch, "get_num_threads", lambda: 4)
    with worker_threads(1):
        assert _onnx_threads(1) == (1, False)
        assert _onnx_threads(64) == (1, False)
        with small_batch_threads(2):
            assert _onnx_threads(3) == (1, False)
    with worker_threads(8):
        assert _onnx_threads(100) == (4, False)  # at most torch's
    assert _onnx_threads(64) == (4, False)
    assert _onnx_threads(1) == (1, False)


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, "2", None])
def test_worker_threads_refuses_what_is_not_a_thread_count(bad):
    from emosk.nn import worker_threads

    with pytest.raises(ValueError, match="n_threads must be a positive integer"):
        with worker_threads(bad):
            pass


def test_runs_onnxruntime_says_which_classifiers_run_onnx_runtime(tmp_path, monkeypatch):
    pytest.importorskip("onnxruntime")
    pytest.importorskip("onnxscript")
    from emosk.nn import runs_onnxruntime
    from emosk.pretrained import load

    monkeypatch.setenv("EMOSK_CACHE", str(tmp_path))
    assert runs_onnxruntime(load("fer2013", tta=False, runtime="onnxruntime"))
    assert not runs_onnxruntime(load("fer2013", tta=False, runtime="torch"))
    assert not runs_onnxruntime(object())
    from emosk.nn import CNNClassifier

    assert not runs_onnxruntime(CNNClassifier(runtime="onnxruntime"))  # not fitted

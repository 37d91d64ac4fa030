"""Inference copies with batch norm folded in: same answers, made once, remade
when the weights change."""

import numpy as np
import pytest
import torch
from torch import nn

from emosk.nn import MobileFaceNet, build_backbone, fuse_batchnorm, inference_copy


@pytest.mark.parametrize("name", ["compact", "mobilefacenet"])
def test_fused_network_gives_the_same_outputs_without_batch_norm(name):
    torch.manual_seed(0)
    net = build_backbone(name, weights=None, num_classes=7)[0]
    # batch norm statistics that are not the identity, as after training
    for m in net.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.uniform_(-0.5, 0.5)
            m.running_var.uniform_(0.5, 2.0)
            m.weight.data.uniform_(0.5, 1.5)
    net.eval()
    x = torch.randn(3, 3 if name == "mobilefacenet" else 1, 64, 64)
    fused = fuse_batchnorm(net)
    with torch.no_grad():
        np.testing.assert_allclose(fused(x).numpy(), net(x).numpy(), atol=1e-4)
    n_bn = sum(isinstance(m, nn.BatchNorm2d) for m in fused.modules())
    if name == "mobilefacenet":
        assert n_bn == 0
    assert n_bn < sum(isinstance(m, nn.BatchNorm2d) for m in net.modules())
    assert any(isinstance(m, nn.BatchNorm2d) for m in net.modules())  # left as it was


def test_inference_copy_is_made_once_and_remade_when_weights_change():
    torch.manual_seed(0)
    net = MobileFaceNet(num_classes=7).eval()
    x = torch.randn(2, 3, 64, 64)
    first = inference_copy(net)
    assert inference_copy(net) is first
    with torch.no_grad():
        before = first(x)
        net.fc.weight.add_(1.0)  # an optimiser step writes in place like this
        again = inference_copy(net)
        assert again is not first
        np.testing.assert_allclose(again(x).numpy(), net(x).numpy(), atol=1e-4)
        assert not torch.allclose(again(x), before)
    net.train()
    assert inference_copy(net) is net  # training needs the real thing


def test_onnxruntime_runtime_gives_torchs_probabilities(tmp_path, monkeypatch):
    """CNNClassifier(runtime="onnxruntime"): the shipped networks run by ONNX
    Runtime give torch's probabilities, one face or many, with and without TTA."""
    pytest.importorskip("onnxruntime")
    pytest.importorskip("onnxscript")
    from sklearn.base import clone

    from emosk.pretrained import load

    monkeypatch.setenv("EMOSK_CACHE", str(tmp_path))
    rng = np.random.default_rng(0)
    faces = rng.integers(0, 256, (5, 48, 48), dtype=np.uint8)
    torch_model = load("fer2013", tta=False, runtime="torch")
    fast = load("fer2013", tta=False, runtime="onnxruntime")
    assert fast.get_params()["runtime"] == "onnxruntime"
    for batch in (faces[:1], faces):
        np.testing.assert_allclose(fast.predict_proba(batch),
                                   torch_model.predict_proba(batch), atol=1e-5)
    torch_model.set_params(tta=True)
    fast.set_params(tta=True)
    np.testing.assert_allclose(fast.predict_proba(faces[:2]),
                               torch_model.predict_proba(faces[:2]), atol=1e-5)
    assert len(list((tmp_path / "onnx").glob("*.onnx"))) == 1  # one input side
    assert clone(fast).get_params()["runtime"] == "onnxruntime"
    # a big batch runs on torch's threads (a session of two here), same graph
    many = rng.integers(0, 256, (40, 48, 48), dtype=np.uint8)
    torch_model.set_params(tta=False)
    fast.set_params(tta=False)
    threads = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        np.testing.assert_allclose(fast.predict_proba(many),
                                   torch_model.predict_proba(many), atol=1e-5)
    finally:
        torch.set_num_threads(threads)
    assert len(list((tmp_path / "onnx").glob("*.onnx"))) == 1

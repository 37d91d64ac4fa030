"""CNNClassifier and CNNFeaturizer on a CUDA device, against the CPU (issue #27).

Run with ``pytest -m gpu``.  Without a CUDA device every test here is skipped
with the reason.  ``EMOSK_TEST_GPU=cpu`` runs them on the CPU instead, a dry
run of the tests themselves (each comparison is then CPU against CPU);
``EMOSK_TEST_GPU=cuda:1`` picks another GPU.  No dlib or PyAV is needed, so
they run on a machine that has only torch, skorch and scikit-learn.

Tolerances: cuDNN convolutions use TF32 by default (about 1e-3 relative),
float16 / bf16 autocast about 1e-2; networks trained on two devices differ
also by their dropout and augmentation draws, which come from each device's
own generator, so trained networks are compared by accuracy.
"""

import os
import pickle
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import torch
from skorch.callbacks import Callback

from emosk.nn import CNNClassifier, CNNFeaturizer

DEVICE = os.environ.get("EMOSK_TEST_GPU") or ("cuda" if torch.cuda.is_available() else None)

pytestmark = [
    pytest.mark.gpu,
    pytest.mark.cuda,
    pytest.mark.skipif(DEVICE is None, reason="no CUDA device (torch.cuda.is_available() "
                       "is False); EMOSK_TEST_GPU=cpu runs these tests on the CPU"),
]


@pytest.fixture(scope="module")
def fer(shared_data):
    """512 FER2013 Training faces (seeded draw) and 512 PublicTest faces, with
    class names."""
    from emosk.datasets import load_fer2013

    train = load_fer2013(data_home=shared_data, subset="Training", as_names=True)
    test = load_fer2013(data_home=shared_data, subset="PublicTest", as_names=True)
    rng = np.random.default_rng(0)
    tr = rng.choice(len(train.target), 512, replace=False)
    te = rng.choice(len(test.target), 512, replace=False)
    return (train.images[tr], np.asarray(train.target)[tr],
            test.images[te], np.asarray(test.target)[te])


def _compact(device, **params):
    settings = dict(max_epochs=3, lr=0.02, batch_size=64, augment=False, valid_fraction=0,
                    random_state=0)
    return CNNClassifier("compact", device=device, **{**settings, **params})


def _on(module):
    return next(module.parameters()).device


def test_untrained_network_answers_alike_on_both_devices(fer):
    X, y, Xt, _ = fer
    cpu = _compact("cpu", max_epochs=0).fit(X, y)
    gpu = _compact(DEVICE, max_epochs=0).fit(X, y)
    assert _on(gpu.net_.module_).type == torch.device(DEVICE).type
    np.testing.assert_allclose(gpu.predict_proba(Xt), cpu.predict_proba(Xt), atol=2e-3)


def test_fit_on_gpu_matches_the_cpu_run(fer):
    X, y, Xt, yt = fer
    cpu = _compact("cpu").fit(X, y)
    gpu = _compact(DEVICE).fit(X, y)
    assert gpu.device_ == DEVICE and _on(gpu.net_.module_).type == torch.device(DEVICE).type
    loss_cpu = np.array(cpu.net_.history[:, "train_loss"])
    loss_gpu = np.array(gpu.net_.history[:, "train_loss"])
    np.testing.assert_allclose(loss_gpu, loss_cpu, rtol=0.1)
    assert loss_gpu[-1] < loss_gpu[0]
    pred = gpu.predict(Xt)
    assert isinstance(pred, np.ndarray) and set(pred) <= set(y)
    acc_cpu, acc_gpu = np.mean(cpu.predict(Xt) == yt), np.mean(pred == yt)
    assert abs(acc_gpu - acc_cpu) < 0.1, (acc_gpu, acc_cpu)
    assert acc_gpu > 0.2  # 7 classes; the majority class (happy) is a quarter


class _DtypeProbe(Callback):
    """Records the dtype of the first convolution's output in every forward pass."""

    def initialize(self):
        self.seen = []
        return self

    def on_train_begin(self, net, **kwargs):
        net.module_.backbone.features[0].register_forward_hook(self._record)

    def _record(self, module, args, output):
        self.seen.append(output.dtype)


def test_mixed_precision_trains_the_backbone_in_bf16(fer):
    X, y, Xt, yt = fer
    probe = _DtypeProbe()
    clf = _compact(DEVICE, mixed_precision=True, max_epochs=2,
                   net_params={"callbacks": [("probe", probe)]}).fit(X, y)
    probe = dict(clf.net_.callbacks_)["probe"]
    expected = torch.bfloat16 if torch.device(DEVICE).type == "cuda" else torch.float32
    assert probe.seen and set(probe.seen) == {expected}
    assert all(p.dtype == torch.float32 for p in clf.net_.module_.parameters())
    proba = clf.predict_proba(Xt)
    assert proba.dtype == np.float64 and np.allclose(proba.sum(1), 1)
    plain = _compact(DEVICE, max_epochs=2).fit(X, y)
    assert abs(np.mean(clf.predict(Xt) == yt) - np.mean(plain.predict(Xt) == yt)) < 0.1


def test_gpu_fitted_classifier_predicts_in_a_cpu_only_process(fer, tmp_path):
    X, y, Xt, _ = fer
    clf = _compact(DEVICE, max_epochs=1).fit(X, y)
    expected = clf.predict_proba(Xt)
    (tmp_path / "clf.pkl").write_bytes(pickle.dumps(clf))
    np.save(tmp_path / "faces.npy", Xt)
    script = textwrap.dedent("""
        import pickle, sys, warnings
        from pathlib import Path
        import numpy as np
        import torch
        folder = Path(sys.argv[1])
        assert not torch.cuda.is_available()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # skorch: CUDA requested, loading on the CPU
            clf = pickle.loads((folder / "clf.pkl").read_bytes())
        assert clf.device_ == "cpu", clf.device_
        assert next(clf.net_.module_.parameters()).device.type == "cpu"
        np.save(folder / "proba.npy", clf.predict_proba(np.load(folder / "faces.npy")))
    """)
    root = str(Path(__file__).resolve().parents[2])
    env = {**os.environ, "CUDA_VISIBLE_DEVICES": "",
           "PYTHONPATH": os.pathsep.join([root, os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "-c", script, str(tmp_path)], env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    proba = np.load(tmp_path / "proba.npy")
    np.testing.assert_allclose(proba, expected, atol=1e-2)
    assert np.mean(proba.argmax(1) == expected.argmax(1)) > 0.98


@pytest.mark.parametrize("backbone", ["compact", "mobilefacenet"])
def test_featurizer_batches_on_gpu_match_the_cpu(fer, backbone, request):
    if backbone == "mobilefacenet":
        request.getfixturevalue("shared_weights")  # its ms1m weights, or skip
    faces = fer[2][:128]
    cpu = CNNFeaturizer(backbone, device="cpu", batch_size=64).fit_transform(faces)
    exact = CNNFeaturizer(backbone, device=DEVICE, batch_size=64, mixed_precision=False).fit()
    half = CNNFeaturizer(backbone, device=DEVICE, batch_size=64).fit()
    scale = np.abs(cpu).max()
    np.testing.assert_allclose(exact.transform(faces), cpu, atol=1e-2 * scale)
    np.testing.assert_allclose(half.transform(faces), cpu, atol=5e-2 * scale)
    # one batch of everything, or one face at a time: the same features
    whole = exact.set_params(batch_size=128).transform(faces)
    single = exact.set_params(batch_size=1).transform(faces[:16])
    np.testing.assert_allclose(single, whole[:16], atol=1e-2 * scale)
    stacks = exact.transform([faces[:5], faces[5:12]])
    assert [s.shape[0] for s in stacks] == [5, 7]
    np.testing.assert_allclose(np.concatenate(stacks), whole[:12], atol=1e-2 * scale)


def test_accelerate_trains_on_gpu(fer):
    """skorch's AccelerateMixin, as the scaling guide shows, on one device in bf16."""
    accelerate = pytest.importorskip("accelerate")
    from skorch import NeuralNetClassifier
    from skorch.hf import AccelerateMixin

    class AcceleratedNet(AccelerateMixin, NeuralNetClassifier):
        pass

    try:  # an Accelerator made earlier in this process fixes the precision
        from accelerate.state import AcceleratorState

        AcceleratorState._reset_state(reset_partial_state=True)
    except (ImportError, AttributeError):
        pass
    on_cuda = torch.device(DEVICE).type == "cuda"
    accelerator = (accelerate.Accelerator(mixed_precision="bf16") if on_cuda
                   else accelerate.Accelerator(cpu=True))
    X, y, Xt, _ = fer
    clf = CNNClassifier("compact", max_epochs=1, batch_size=64, valid_fraction=0, device=None,
                        random_state=0, net_params={"net_class": AcceleratedNet,
                                                    "accelerator": accelerator})
    clf.fit(X, y)
    assert isinstance(clf.net_, AcceleratedNet)
    assert _on(clf.net_.module_).type == ("cuda" if on_cuda else "cpu")
    proba = clf.predict_proba(Xt[:8])
    assert proba.shape == (8, len(np.unique(y))) and np.allclose(proba.sum(1), 1)

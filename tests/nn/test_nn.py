import pickle
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.frozen import FrozenEstimator
from sklearn.model_selection import GridSearchCV
from sklearn.utils.class_weight import compute_class_weight
from skorch.callbacks import Callback

from emosk.nn import (
    CNNClassifier,
    CNNFeaturizer,
    DlibResNet,
    InputAdapter,
    available_backbones,
    build_backbone,
    tta_views,
)

from ._pickling import plainly_pickled_tensors

dlib = pytest.importorskip("dlib")
skdata = pytest.importorskip("skimage.data")


def _descriptor_pairs(chips):
    from emosk.face import dlib_model_path

    ref_net = dlib.face_recognition_model_v1(str(dlib_model_path("resnet")))
    ref = np.array([np.array(ref_net.compute_face_descriptor(c)) for c in chips])
    net = DlibResNet(dlib_model_path("resnet")).eval()
    with torch.no_grad():
        ours = net(DlibResNet.normalize(np.stack(chips))).numpy()
    return ours, ref


def _assert_parity(ours, ref):
    cos = np.sum(ours * ref, 1) / np.linalg.norm(ours, axis=1) / np.linalg.norm(ref, axis=1)
    assert np.abs(ours - ref).max() < 1e-3, np.abs(ours - ref).max()
    assert cos.mean() > 0.99999


def test_dlib_resnet_parity_astronaut_and_lfw():
    from emosk.face import FaceAligner

    chips = list(FaceAligner(mode="dlib-chip", size=150).fit_transform(skdata.astronaut()[None]))
    lfw = (skdata.lfw_subset()[:20] * 255).astype(np.uint8)
    import cv2

    chips += [np.stack([cv2.resize(f, (150, 150))] * 3, -1) for f in lfw]
    _assert_parity(*_descriptor_pairs(chips))


@pytest.mark.slow
def test_dlib_resnet_parity_enterface(shared_data):
    from emosk.face import FaceAligner

    paths = sorted(str(p) for p in (shared_data / "enterface05").glob("*.avi"))
    stacks = FaceAligner(mode="dlib-chip", size=150, step=40).fit_transform(paths)
    chips = [f for s in stacks for f in s]
    assert len(chips) >= 12
    _assert_parity(*_descriptor_pairs(chips))


@pytest.mark.parametrize("name", available_backbones())
def test_backbones_build_with_new_heads(name):
    model, spec = build_backbone(name, num_classes=5)
    x = torch.zeros(1, spec.channels, spec.input_size, spec.input_size)
    assert model.eval()(x).shape == (1, 5)


def test_weights_files_and_errors(tmp_path):
    model, _ = build_backbone("compact", num_classes=7)
    torch.save(model.state_dict(), tmp_path / "w.pt")
    loaded, _ = build_backbone("compact", weights=tmp_path / "w.pt", num_classes=3)
    np.testing.assert_array_equal(loaded.features[0].weight.detach(),
                                  model.features[0].weight.detach())
    assert loaded.classifier[1].out_features == 3  # other head size: a fresh head
    with pytest.raises(FileNotFoundError, match="nowhere.pt"):
        build_backbone("compact", weights=tmp_path / "nowhere.pt")
    with pytest.raises(ValueError, match="no downloadable weights"):
        build_backbone("vgg_cnn_m_2048", weights="download")
    with pytest.raises(ValueError, match="Unknown backbone 'resnet9000'"):
        build_backbone("resnet9000")
    torch.save(build_backbone("alexnet")[0].state_dict(), tmp_path / "alex.pt")
    with pytest.raises(ValueError, match="lack"):
        build_backbone("compact", weights=tmp_path / "alex.pt")


@pytest.fixture(scope="module")
def faces():
    rng = np.random.default_rng(0)
    return rng.integers(0, 255, size=(6, 150, 150, 3), dtype=np.uint8)


def test_featurizer_shapes_layers_and_determinism(faces):
    est = CNNFeaturizer().fit()
    a = est.transform(faces)
    assert a.shape == (6, 256) and a.dtype == np.float32
    np.testing.assert_array_equal(a, est.transform(faces))
    clips = est.transform([faces[:2], faces[2:]])
    assert [c.shape for c in clips] == [(2, 256), (4, 256)]
    np.testing.assert_allclose(np.vstack(clips), a, atol=1e-5)
    assert CNNFeaturizer(layer="output").fit_transform(faces[:1]).shape == (1, 128)
    assert CNNFeaturizer(layer="blocks.3").fit_transform(faces[:1]).shape == (1, 64)
    gray = CNNFeaturizer().fit_transform(faces[:2, :, :, 0].astype(np.float32) / 255)
    assert gray.shape == (2, 256)


def _manual_tta_features(est, images):
    """The mean over the 18 views of the featurizer's network, each view computed
    by an InputAdapter built for it."""
    a = est.adapter_
    total = 0
    for view in tta_views():
        adapter = InputAdapter(a.size, a.channels, a.mean.flatten().tolist(),
                               a.std.flatten().tolist(), view=view).eval()
        with torch.no_grad():
            total = total + est.model_(adapter(torch.from_numpy(images))).numpy()
    return total / 18


def test_featurizer_tta_is_the_mean_of_the_18_views(faces):
    assert len(tta_views()) == 18 and len(set(tta_views())) == 18
    images = faces[:2, ::3, ::3]  # 50x50: cheap
    est = CNNFeaturizer("compact", tta=True).fit()
    tta = est.transform(images)
    np.testing.assert_allclose(tta, _manual_tta_features(est, images), rtol=1e-4, atol=1e-5)
    plain = CNNFeaturizer("compact").fit().transform(images)
    assert not np.allclose(tta, plain, atol=1e-3)


def test_featurizer_threads_give_the_serial_features():
    """Hooks and test-time views are not set on the shared network per call."""
    rng = np.random.default_rng(1)
    batches = [rng.integers(0, 256, (2, 48, 48), dtype=np.uint8) for _ in range(4)]
    est = CNNFeaturizer("compact", layer="features.3", tta=True, batch_size=1).fit()
    serial = [est.transform(b) for b in batches]
    with ThreadPoolExecutor(4) as pool:
        threaded = list(pool.map(est.transform, batches * 2))
    for got, want in zip(threaded, serial * 2):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_featurizer_bad_inputs(faces):
    est = CNNFeaturizer().fit()
    with pytest.raises(ValueError, match="2 channels"):
        est.transform(np.zeros((1, 32, 32, 2), np.uint8))
    with pytest.raises(ValueError, match="smaller than 8x8"):
        est.transform(np.zeros((2, 4, 6), np.uint8))
    with pytest.raises(ValueError, match="at least one image"):
        est.transform(np.zeros((0, 32, 32), np.uint8))
    with pytest.raises(ValueError, match="non-empty list"):
        est.transform([])
    with pytest.raises(ValueError, match="different frame shapes"):
        est.transform([faces[:1], faces[:1, :64, :64]])
    with pytest.raises(ValueError, match="Layer 'fc7' not found"):
        CNNFeaturizer(layer="fc7").fit()
    with pytest.raises(ValueError, match="no offline weights"):
        CNNFeaturizer("alexnet").fit()


class _Snapshots(Callback):
    """Copies of the module's weights at the start of training and after each epoch."""

    def initialize(self):
        self.states = []
        return self

    def _snap(self, net):
        self.states.append({k: v.detach().clone() for k, v in net.module_.state_dict().items()})

    def on_train_begin(self, net, **kwargs):
        self._snap(net)

    def on_epoch_end(self, net, **kwargs):
        self._snap(net)


def _stripes(n, seed):
    """Noisy horizontal ('top') or vertical ('bottom') stripes of random phase and period."""
    rng = np.random.default_rng(seed)
    y = np.where(rng.random(n) < 0.5, "top", "bottom")
    grid = np.arange(48)
    X = np.empty((n, 48, 48), dtype=np.uint8)
    for i, lab in enumerate(y):
        wave = np.sin(2 * np.pi * grid / rng.uniform(4, 8) + rng.uniform(0, 6.3))
        img = np.repeat(wave[:, None], 48, 1) if lab == "top" else np.repeat(wave[None], 48, 0)
        X[i] = np.clip(128 + 60 * img + rng.normal(0, 30, (48, 48)), 0, 255)
    return X, y


def test_classifier_learns_and_round_trips():
    X, y = _stripes(160, 0)
    Xt, yt = _stripes(60, 1)
    clf = CNNClassifier(max_epochs=2, lr=0.05, batch_size=16, random_state=0).fit(X, y)
    assert set(clf.classes_) == {"bottom", "top"}
    assert np.mean(clf.predict(Xt) == yt) > 0.9
    assert len(clf.net_.history) == 2 and "valid_acc" in clf.net_.history[-1]
    again = pickle.loads(pickle.dumps(clf))
    np.testing.assert_allclose(again.predict_proba(Xt), clf.predict_proba(Xt), atol=1e-6)
    feats = CNNFeaturizer(clf).fit_transform(Xt[:3])
    assert feats.shape == (3, 256)


def test_mixed_precision_is_ignored_on_cpu():
    X, y = _stripes(32, 3)
    settings = dict(max_epochs=1, batch_size=16, valid_fraction=0, random_state=0,
                    device="cpu")
    plain = CNNClassifier(**settings).fit(X, y)
    mixed = CNNClassifier(mixed_precision=True, **settings).fit(X, y)
    assert mixed.net_.module_.mixed_precision
    np.testing.assert_array_equal(mixed.predict_proba(X), plain.predict_proba(X))


def _first_conv_input_is_channels_last(clf, X):
    """Whether the backbone's first convolution of several input channels and a
    kernel wider than 1 (where the two layouts differ) receives a channels-last
    tensor in a training forward pass, and whether its weight is stored so."""
    seen = []
    conv = next(m for m in clf.net_.module_.backbone.modules()
                if isinstance(m, torch.nn.Conv2d) and m.in_channels > 1
                and m.kernel_size[0] > 1)
    hook = conv.register_forward_hook(lambda m, i, o: seen.append(
        i[0].is_contiguous(memory_format=torch.channels_last)
        and not i[0].is_contiguous()))
    module = clf.net_.module_.train()
    with torch.no_grad():
        module(torch.from_numpy(X[:4]))
    module.eval()
    hook.remove()
    weight = conv.weight.is_contiguous(memory_format=torch.channels_last) and \
        not conv.weight.is_contiguous()
    return seen[0], weight


def test_channels_last_trains_in_that_format_with_the_same_answers():
    X, y = _stripes(160, 0)
    Xt, yt = _stripes(60, 1)
    settings = dict(max_epochs=2, lr=0.05, batch_size=16, random_state=0, device="cpu")
    plain = CNNClassifier(**settings).fit(X, y)
    last = CNNClassifier(channels_last=True, **settings).fit(X, y)
    assert _first_conv_input_is_channels_last(last, X) == (True, True)
    assert _first_conv_input_is_channels_last(plain, X) == (False, False)
    # the same training in another memory layout: float rounding apart
    assert np.mean(last.predict(Xt) == yt) > 0.9
    np.testing.assert_allclose(last.predict_proba(Xt), plain.predict_proba(Xt), atol=1e-3)
    # the weights save, pickle and load as ordinary tensors
    fresh = CNNClassifier(**settings).fit(X, y)
    fresh.net_.module_.load_state_dict(last.net_.module_.state_dict())
    np.testing.assert_allclose(fresh.predict_proba(Xt), last.predict_proba(Xt), atol=1e-6)
    again = pickle.loads(pickle.dumps(last))
    np.testing.assert_allclose(again.predict_proba(Xt), last.predict_proba(Xt), atol=1e-6)
    # a warm start follows the current setting, both ways
    last.set_params(channels_last=False, warm_start=True, max_epochs=1).fit(X, y)
    assert _first_conv_input_is_channels_last(last, X) == (False, False)
    plain.set_params(channels_last=True, warm_start=True, max_epochs=1).fit(X, y)
    assert _first_conv_input_is_channels_last(plain, X) == (True, True)


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks a machine without CUDA")
def test_unpickled_cuda_classifier_says_it_runs_on_the_cpu():
    X, y = _stripes(16, 4)
    clf = CNNClassifier(max_epochs=1, batch_size=16, valid_fraction=0, random_state=0,
                        device="cpu").fit(X, y)
    clf.device_ = "cuda"  # as fitted on a GPU; the network itself is on the CPU here
    again = pickle.loads(pickle.dumps(clf))
    assert again.device_ == "cpu"
    np.testing.assert_allclose(again.predict_proba(X), clf.predict_proba(X), atol=1e-6)


def test_every_tensor_of_a_fitted_classifier_pickles_with_skorchs_device_mapping():
    """skorch maps the tensors it pickles itself to the CPU where CUDA is absent;
    a tensor pickled by plain pickle keeps its device, and one on CUDA cannot be
    loaded on a CPU-only machine (found by the GPU tests on an H100: the network
    passed as `module` and the learning-rate scheduler's optimizer were both
    pickled that way).  Here: no tensor or storage reaches plain pickle."""
    X, y = _stripes(32, 5)
    clf = CNNClassifier(max_epochs=1, batch_size=16, valid_fraction=0, random_state=0,
                        device="cpu").fit(X, y)
    assert plainly_pickled_tensors(clf) == []
    again = pickle.loads(pickle.dumps(clf))
    np.testing.assert_allclose(again.predict_proba(X), clf.predict_proba(X), atol=1e-6)
    # one copy of each: the network passed is the one fitted, and the scheduler
    # steps the optimizer that trains it
    assert again.net_.module is again.net_.module_
    schedulers = [cb.lr_scheduler_ for _, cb in again.net_.callbacks_
                  if hasattr(cb, "lr_scheduler_")]
    assert schedulers and all(s.optimizer is again.net_.optimizer_ for s in schedulers)


def test_input_size_is_trained_and_carried_to_the_featurizer():
    X, y = _stripes(160, 0)
    Xt, yt = _stripes(60, 1)
    clf = CNNClassifier(max_epochs=2, lr=0.05, batch_size=16, input_size=32,
                        random_state=0).fit(X, y)
    assert clf.spec_.input_size == 32 and clf.net_.module_.input.size == 32
    assert np.mean(clf.predict(Xt) == yt) > 0.9
    seen = []
    hook = clf.net_.module_.backbone.features[0].register_forward_hook(
        lambda m, i, o: seen.append(tuple(i[0].shape[-2:])))
    feats = CNNFeaturizer(clf).fit(Xt[:3])
    hook.remove()
    assert feats.adapter_.size == 32 and seen == [(32, 32)]
    assert feats.transform(Xt[:3]).shape == (3, 256)
    clf.set_params(warm_start=True, max_epochs=0).fit(X, y)  # None keeps the trained side
    assert clf.spec_.input_size == 32 and clf.net_.module_.input.size == 32
    clf.set_params(input_size=40).fit(X, y)
    assert clf.spec_.input_size == 40 and clf.net_.module_.input.size == 40


def test_input_size_of_a_named_backbone_and_sides_it_cannot_take(faces):
    small = CNNFeaturizer(input_size=112).fit()
    assert small.adapter_.size == 112
    full = CNNFeaturizer().fit()
    assert small.transform(faces[:2]).shape == full.transform(faces[:2]).shape
    assert not np.allclose(small.transform(faces[:2]), full.transform(faces[:2]))
    with pytest.raises(ValueError, match="'alexnet' cannot take input_size=32"):
        CNNClassifier("alexnet", input_size=32).fit(np.zeros((2, 48, 48), np.uint8),
                                                     ["a", "b"])
    with pytest.raises(ValueError, match="input_size"):
        CNNFeaturizer(input_size=4).fit()


def test_featurizer_pickling_leaves_the_live_model_in_place(faces):
    est = CNNFeaturizer().fit()
    before = est.transform(faces[:2])
    device = next(est.model_.parameters()).device
    again = pickle.loads(pickle.dumps(est))
    assert next(est.model_.parameters()).device == device
    assert next(again.model_.parameters()).device.type == again.device_.split(":")[0]
    np.testing.assert_allclose(again.transform(faces[:2]), before, atol=1e-5)


def test_classifier_grid_search_over_lr():
    X, y = _stripes(64, 2)
    search = GridSearchCV(CNNClassifier(max_epochs=2, batch_size=16, valid_fraction=0,
                                        augment=False, random_state=0),
                          {"lr": [1e-7, 0.05]}, cv=2, refit=False).fit(X, y)
    scores = dict(zip(search.cv_results_["param_lr"], search.cv_results_["mean_test_score"]))
    assert search.best_params_["lr"] == 0.05, scores  # 1e-7 does not move the weights
    assert scores[0.05] > scores[1e-7] + 0.15, scores  # 1e-7: chance (0.5)


def test_cascade_warm_start_keeps_the_backbone():
    X, y = _stripes(40, 3)
    clf = CNNClassifier(max_epochs=1, valid_fraction=0, random_state=0,
                        recipe="ng2015").fit(X, y)
    before = clf.net_.module_.backbone.features[0].weight.detach().clone()
    y3 = np.array(["a", "b", "c"] * 14)[:40]
    clf.set_params(warm_start=True, max_epochs=0).fit(X, y3)
    assert clf.net_.module_.backbone.classifier[1].out_features == 3
    np.testing.assert_array_equal(clf.net_.module_.backbone.features[0].weight.detach(), before)


def test_classifier_freezing_and_class_weights():
    X, y = _stripes(40, 4)
    y = np.where(np.arange(40) < 30, "a", "b")  # 30 against 10
    snaps = _Snapshots()
    clf = CNNClassifier(max_epochs=1, valid_fraction=0, freeze=["features.*"],
                        class_weight="balanced", random_state=0,
                        net_params={"callbacks": [("snaps", snaps)]})
    clf.fit(X, y)
    trainable = [n for n, p in clf.net_.module_.named_parameters() if p.requires_grad]
    assert trainable == ["backbone.classifier.1.weight", "backbone.classifier.1.bias"]
    start, end = snaps.states[0], snaps.states[-1]
    assert torch.equal(start["backbone.features.0.weight"], end["backbone.features.0.weight"])
    assert not torch.equal(start["backbone.classifier.1.weight"],
                           end["backbone.classifier.1.weight"])
    np.testing.assert_allclose(clf.net_.criterion_.weight.numpy(), [40 / 60, 40 / 20])
    np.testing.assert_allclose(clf.net_.criterion_.weight.numpy(),
                               compute_class_weight("balanced", classes=clf.classes_, y=y))
    plain = CNNClassifier(max_epochs=1, valid_fraction=0, random_state=0).fit(X, y)
    assert plain.net_.criterion_.weight is None


def test_classifier_bad_input():
    with pytest.raises(ValueError, match="has 3 images but y has 2"):
        CNNClassifier().fit(np.zeros((3, 16, 16), np.uint8), ["a", "b"])
    with pytest.raises(ValueError, match="recipe"):
        CNNClassifier(recipe="adam2020").fit(np.zeros((2, 16, 16), np.uint8), ["a", "b"])


@pytest.mark.slow
def test_dlib_features_separate_fer2013_classes(shared_data):
    from sklearn.linear_model import LogisticRegression

    from emosk.datasets import load_fer2013

    d = load_fer2013(data_home=shared_data, subset="Training")
    rng = np.random.default_rng(0)
    idx = np.r_[rng.choice(np.flatnonzero(d.target == "happy"), 400, replace=False),
                rng.choice(np.flatnonzero(d.target == "surprise"), 400, replace=False)]
    rng.shuffle(idx)
    F = CNNFeaturizer().fit_transform(d.images[idx])
    y = d.target[idx]
    score = LogisticRegression(max_iter=3000).fit(F[:600], y[:600]).score(F[600:], y[600:])
    assert score > 0.65, score  # balanced happy vs surprise, 200 test images: chance 0.5


@pytest.mark.gpu
@pytest.mark.cuda
def test_featurizer_on_cuda_matches_cpu(faces):
    if not torch.cuda.is_available():
        pytest.skip("no CUDA device")
    cpu = CNNFeaturizer(device="cpu").fit_transform(faces)
    gpu = CNNFeaturizer(device="cuda").fit_transform(faces)
    np.testing.assert_allclose(gpu, cpu, rtol=2e-2, atol=2e-2)


class _SpoilFromEpoch(Callback):
    """Scrambles the head at the start of every epoch from ``epoch`` on, so that
    these epochs end worse than the ones before."""

    def __init__(self, epoch):
        self.epoch = epoch

    def on_epoch_begin(self, net, **kwargs):
        if len(net.history) >= self.epoch:
            head = net.module_.backbone.classifier[1]
            with torch.no_grad():
                head.weight.copy_(torch.randn_like(head.weight) * 50)


@pytest.mark.parametrize("split", ["predefined", "valid_fraction"])
def test_validation_split_restores_the_best_epoch(split):
    from skorch.dataset import Dataset
    from skorch.helper import predefined_split

    X, y = _stripes(48, 5)
    snaps = _Snapshots()
    extra = {"callbacks": [("spoil", _SpoilFromEpoch(2)), ("snaps", snaps)]}
    if split == "predefined":
        Xv, yv = _stripes(24, 6)
        codes = {"bottom": 0, "top": 1}
        valid = Dataset(Xv, np.array([codes[c] for c in yv], dtype=np.int64))
        extra["train_split"] = predefined_split(valid)
    clf = CNNClassifier(max_epochs=2, lr=0.05, batch_size=16, random_state=0,
                        valid_fraction=0.25 if split == "valid_fraction" else 0,
                        net_params=extra).fit(X, y)
    losses = clf.net_.history[:, "valid_loss"]
    assert np.argmin(losses) == 0, losses  # epoch 2 starts from a spoilt head
    final = clf.net_.module_.state_dict()
    for name, value in snaps.states[1].items():  # after epoch 1
        torch.testing.assert_close(final[name], value, msg=name)
    assert not torch.equal(final["backbone.classifier.1.weight"],
                           snaps.states[-1]["backbone.classifier.1.weight"])


def test_accelerate_net_class_trains_through_accelerate():
    """Multi-GPU recipe of the docs, run with one CPU process: the same code path."""
    accelerate = pytest.importorskip("accelerate")
    from skorch import NeuralNetClassifier
    from skorch.hf import AccelerateMixin

    class AcceleratedNet(AccelerateMixin, NeuralNetClassifier):
        pass

    rng = np.random.default_rng(0)
    faces = rng.integers(0, 256, (24, 48, 48), dtype=np.uint8)
    y = np.repeat(["a", "b", "c"], 8)
    clf = CNNClassifier("compact", max_epochs=1, batch_size=8, valid_fraction=0,
                        device=None, net_params={
                            "net_class": AcceleratedNet,
                            "accelerator": accelerate.Accelerator(cpu=True)})
    clf.fit(faces, y)
    assert isinstance(clf.net_, AcceleratedNet)
    assert clf.predict_proba(faces[:2]).shape == (2, 3)


@pytest.fixture(scope="module")
def small_classifier():
    X, y = _stripes(32, 7)
    return CNNClassifier(max_epochs=1, batch_size=16, valid_fraction=0,
                         random_state=0).fit(X, y)


def test_a_fitted_classifier_survives_clone_inside_the_featurizer(small_classifier):
    X, _ = _stripes(4, 8)
    est = CNNFeaturizer(small_classifier)
    expected = est.fit_transform(X)
    twin = clone(est)
    assert twin.backbone is small_classifier and not hasattr(twin, "model_")
    np.testing.assert_allclose(twin.fit_transform(X), expected, rtol=1e-6)
    frozen = clone(CNNFeaturizer(FrozenEstimator(small_classifier), tta=True))
    assert frozen.backbone.estimator is small_classifier
    assert frozen.fit_transform(X).shape == (4, 256)
    unfitted = clone(CNNFeaturizer(CNNClassifier()))
    with pytest.raises(NotFittedError, match="needs a fitted CNNClassifier"):
        unfitted.fit()


def test_the_featurizer_copies_the_network_of_the_classifier(small_classifier):
    module = small_classifier.net_.module_
    module.train()
    X, _ = _stripes(4, 9)
    est = CNNFeaturizer(small_classifier).fit()
    before = est.transform(X)
    assert module.training and module.backbone.training  # not switched to eval
    ours = {p.data_ptr() for p in est.model_.parameters()}
    assert ours.isdisjoint(p.data_ptr() for p in module.parameters())
    with torch.no_grad():  # training the classifier on does not change the features
        module.backbone.features[0].weight.add_(1.0)
    try:
        np.testing.assert_array_equal(est.transform(X), before)
    finally:
        with torch.no_grad():
            module.backbone.features[0].weight.sub_(1.0)
        module.eval()


def test_classifier_tta_is_the_mean_of_the_18_views(small_classifier):
    X, _ = _stripes(5, 10)
    clf = small_classifier
    plain = clf.predict_proba(X)
    backbone, spec = clf.net_.module_.backbone.eval(), clf.spec_
    manual = 0
    for view in tta_views():
        adapter = InputAdapter(spec.input_size, spec.channels, spec.mean, spec.std,
                               view=view).eval()
        with torch.no_grad():
            manual = manual + torch.softmax(backbone(adapter(torch.from_numpy(X))), 1).numpy()
    try:
        tta = clf.set_params(tta=True).predict_proba(X)
    finally:
        clf.set_params(tta=False)
    np.testing.assert_allclose(tta, manual / 18, rtol=1e-5, atol=1e-6)
    assert clf.net_.module_.input.view is None
    assert np.abs(plain - tta).max() > 1e-5  # the views do differ from the plain image


def test_warm_start_new_classes_of_the_same_count_get_a_new_head():
    X, y = _stripes(32, 11)
    clf = CNNClassifier(max_epochs=1, batch_size=16, valid_fraction=0, random_state=0,
                        warm_start=True).fit(X, y)
    head = clf.net_.module_.backbone.classifier[1]
    clf.set_params(max_epochs=0).fit(X, y)  # the same classes: the same head
    assert clf.net_.module_.backbone.classifier[1] is head
    relabelled = np.where(y == "top", "left", "right")
    clf.fit(X, relabelled)  # two other classes: a new head
    new = clf.net_.module_.backbone.classifier[1]
    assert new is not head and not torch.equal(new.weight, head.weight)
    assert list(clf.classes_) == ["left", "right"]


def test_warm_start_unfreezes_and_follows_a_new_augment():
    X, y = _stripes(32, 12)
    snaps = _Snapshots()
    clf = CNNClassifier(max_epochs=1, batch_size=16, valid_fraction=0, random_state=0,
                        freeze=["features.*"], warm_start=True,
                        net_params={"callbacks": [("snaps", snaps)]}).fit(X, y)
    assert not clf.net_.module_.backbone.features[0].weight.requires_grad
    assert clf.net_.module_.input.augment
    clf.set_params(freeze=None, augment=False, lr=0.05).fit(X, y)
    assert all(p.requires_grad for p in clf.net_.module_.parameters())
    assert not clf.net_.module_.input.augment
    start, end = snaps.states[0], snaps.states[-1]  # snapshots of the second fit
    assert not torch.equal(start["backbone.features.0.weight"],
                           end["backbone.features.0.weight"])
    clf.set_params(freeze=["features.*"], max_epochs=1).fit(X, y)  # frozen again
    assert not clf.net_.module_.backbone.features[0].weight.requires_grad


def test_warm_start_with_another_backbone_starts_afresh():
    X, y = _stripes(16, 13)
    clf = CNNClassifier(max_epochs=0, valid_fraction=0, warm_start=True).fit(X, y)
    clf.set_params(backbone="alexnet", input_size=64).fit(X, y)
    assert clf.spec_.channels == 3 and clf.net_.module_.input.channels == 3
    assert clf.net_.module_.backbone.classifier[-1].in_features == 4096  # AlexNet's fc7

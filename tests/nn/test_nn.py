import pickle

import numpy as np
import pytest
import torch
from sklearn.model_selection import GridSearchCV

from emosk.nn import (
    CNNClassifier,
    CNNFeaturizer,
    DlibResNet,
    available_backbones,
    build_backbone,
    tta_views,
)

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


def test_featurizer_tta_averages_18_views(faces):
    assert len(tta_views()) == 18
    plain = CNNFeaturizer().fit_transform(faces[:2])
    tta = CNNFeaturizer(tta=True).fit_transform(faces[:2])
    assert tta.shape == plain.shape and not np.allclose(tta, plain)
    cos = np.sum(tta * plain, 1) / np.linalg.norm(tta, axis=1) / np.linalg.norm(plain, axis=1)
    assert cos.min() > 0.8


def test_featurizer_bad_inputs(faces):
    est = CNNFeaturizer().fit()
    with pytest.raises(ValueError, match="2 channels"):
        est.transform(np.zeros((1, 32, 32, 2), np.uint8))
    with pytest.raises(ValueError, match="smaller than 8x8"):
        est.transform(np.zeros((1, 4, 4), np.uint8))
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
    X, y = _stripes(48, 2)
    search = GridSearchCV(CNNClassifier(max_epochs=1, batch_size=16, valid_fraction=0,
                                        random_state=0),
                          {"lr": [1e-4, 0.05]}, cv=2).fit(X, y)
    assert search.best_params_["lr"] in (1e-4, 0.05)
    assert len(search.cv_results_["mean_test_score"]) == 2


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
    clf = CNNClassifier(max_epochs=1, valid_fraction=0, freeze=["features.*"],
                        class_weight="balanced", random_state=0)
    clf.fit(X, y)
    trainable = [n for n, p in clf.net_.module_.named_parameters() if p.requires_grad]
    assert trainable == ["backbone.classifier.1.weight", "backbone.classifier.1.bias"]


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
    idx = np.r_[rng.choice(np.flatnonzero(d.target == 3), 400, replace=False),
                rng.choice(np.flatnonzero(d.target == 5), 400, replace=False)]
    rng.shuffle(idx)
    F = CNNFeaturizer().fit_transform(d.images[idx])
    y = d.target[idx]
    score = LogisticRegression(max_iter=3000).fit(F[:600], y[:600]).score(F[600:], y[600:])
    assert score > 0.65, score  # balanced happy vs surprise, 200 test images: chance 0.5


@pytest.mark.cuda
def test_featurizer_on_cuda_matches_cpu(faces):
    if not torch.cuda.is_available():
        pytest.skip("no CUDA device")
    cpu = CNNFeaturizer(device="cpu").fit_transform(faces)
    gpu = CNNFeaturizer(device="cuda").fit_transform(faces)
    np.testing.assert_allclose(gpu, cpu, rtol=2e-2, atol=2e-2)


def test_predefined_validation_split_restores_best_epoch():
    from skorch.dataset import Dataset
    from skorch.helper import predefined_split

    X, y = _stripes(48, 5)
    Xv, yv = _stripes(24, 6)
    codes = {"bottom": 0, "top": 1}
    valid = Dataset(Xv, np.array([codes[c] for c in yv], dtype=np.int64))
    clf = CNNClassifier(max_epochs=2, valid_fraction=0, random_state=0,
                        net_params={"train_split": predefined_split(valid)}).fit(X, y)
    assert "valid_loss" in clf.net_.history[-1]
    assert "best" in dict(clf.net_.callbacks_)


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

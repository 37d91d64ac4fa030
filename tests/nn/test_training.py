"""CNNClassifier training features: resumable checkpoints and soft labels."""

import numpy as np
import pytest
import torch
from skorch.callbacks import Callback

from emosk.nn import CNNClassifier

PARAMS = dict(backbone="compact", max_epochs=2, valid_fraction=0, random_state=0,
              augment=True, lr_schedule="poly", batch_size=8, input_size=24)


class _StopAfterFirstEpoch(Callback):
    """Interrupt training as Ctrl-C would (skorch stops on KeyboardInterrupt)."""

    def on_epoch_end(self, net, **kwargs):
        if len(net.history) == 1:
            raise KeyboardInterrupt


class _CountEpochs(Callback):
    def initialize(self):
        self.epochs_ = 0
        return self

    def on_epoch_begin(self, net, **kwargs):
        self.epochs_ += 1


def _data(n=32, side=24, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.integers(0, 256, size=(n, side, side), dtype=np.uint8)
    y = np.repeat(["happy", "sad"], n // 2)
    return X, y


def _weights(clf):
    return {k: v.detach().cpu().float() for k, v in clf.net_.module_.state_dict().items()}


def _assert_same_weights(a, b, atol=1e-6):
    wa, wb = _weights(a), _weights(b)
    assert wa.keys() == wb.keys()
    for key in wa:
        assert torch.allclose(wa[key], wb[key], rtol=0, atol=atol), key


# ----------------------------------------------------------- checkpoints
def test_interrupted_and_resumed_fit_equals_uninterrupted(tmp_path):
    X, y = _data()
    path = tmp_path / "run.ckpt"
    full = CNNClassifier(**PARAMS).fit(X, y)

    cut = CNNClassifier(**PARAMS, checkpoint=path,
                        net_params={"callbacks": [("stop", _StopAfterFirstEpoch())]}).fit(X, y)
    assert len(cut.net_.history) == 1 and path.exists()
    counter = _CountEpochs()
    resumed = CNNClassifier(**PARAMS, checkpoint=path, resume=True,
                            net_params={"callbacks": [("count", counter)]}).fit(X, y)

    assert counter.epochs_ == 1  # only the second epoch was trained
    assert len(resumed.net_.history) == len(full.net_.history) == 2
    assert resumed.net_.history[:, "event_lr"] == full.net_.history[:, "event_lr"]
    np.testing.assert_allclose(resumed.net_.history[:, "train_loss"],
                               full.net_.history[:, "train_loss"], rtol=1e-6)
    _assert_same_weights(full, resumed)
    assert not list(tmp_path.glob("*.tmp"))  # atomic writes leave no temporary file


def test_resume_extends_a_shorter_fit(tmp_path):
    # 1 epoch of a 1-epoch schedule, extended to 2: the poly decay follows the
    # resumed max_epochs, so the result is that of 2 epochs in one go
    X, y = _data()
    path = tmp_path / "run.ckpt"
    full = CNNClassifier(**PARAMS).fit(X, y)
    CNNClassifier(**dict(PARAMS, max_epochs=1), checkpoint=path).fit(X, y)
    resumed = CNNClassifier(**PARAMS, checkpoint=path, resume=True).fit(X, y)
    _assert_same_weights(full, resumed)
    # a finished checkpoint resumes to a no-op fit with its weights
    again = CNNClassifier(**PARAMS, checkpoint=path, resume=True).fit(X, y)
    _assert_same_weights(resumed, again, atol=0)
    assert len(again.net_.history) == 2


def test_resume_without_file_starts_afresh(tmp_path):
    X, y = _data()
    path = tmp_path / "sub" / "new.ckpt"
    plain = CNNClassifier(**dict(PARAMS, max_epochs=1)).fit(X, y)
    fresh = CNNClassifier(**dict(PARAMS, max_epochs=1), checkpoint=path, resume=True).fit(X, y)
    _assert_same_weights(plain, fresh, atol=0)
    assert path.exists()


def test_resume_restores_best_epoch_with_validation(tmp_path):
    X, y = _data(n=40)
    params = dict(PARAMS, valid_fraction=0.2, max_epochs=3)
    path = tmp_path / "run.ckpt"
    full = CNNClassifier(**params).fit(X, y)
    CNNClassifier(**params, checkpoint=path,
                  net_params={"callbacks": [("stop", _StopAfterFirstEpoch())]}).fit(X, y)
    resumed = CNNClassifier(**params, checkpoint=path, resume=True).fit(X, y)
    _assert_same_weights(full, resumed)
    assert (resumed.net_.history[:, "valid_loss_best"]
            == full.net_.history[:, "valid_loss_best"])


@pytest.mark.parametrize("change, named", [
    (dict(y=np.repeat(["angry", "sad"], 16)), "classes"),
    (dict(input_size=32), "input_size"),
    (dict(backbone="dlib_resnet", input_size=None), "backbone"),
])
def test_mismatched_checkpoint_is_refused(tmp_path, change, named):
    X, y = _data()
    path = tmp_path / "run.ckpt"
    CNNClassifier(**dict(PARAMS, max_epochs=1), checkpoint=path).fit(X, y)
    y2 = change.pop("y", y)
    clf = CNNClassifier(**dict(PARAMS, **change), checkpoint=path, resume=True)
    with pytest.raises(ValueError, match="Cannot resume") as info:
        clf.fit(X, y2)
    assert str(path) in str(info.value) and named in str(info.value)


def test_checkpoint_errors(tmp_path):
    X, y = _data()
    with pytest.raises(ValueError, match="resume=True needs checkpoint"):
        CNNClassifier(**PARAMS, resume=True).fit(X, y)
    path = tmp_path / "run.ckpt"
    CNNClassifier(**PARAMS, checkpoint=path).fit(X, y)
    with pytest.raises(ValueError, match="2 epochs, more than max_epochs=1"):
        CNNClassifier(**dict(PARAMS, max_epochs=1), checkpoint=path, resume=True).fit(X, y)
    junk = tmp_path / "junk.ckpt"
    junk.write_bytes(b"not a checkpoint")
    with pytest.raises(ValueError, match="junk.ckpt"):
        CNNClassifier(**PARAMS, checkpoint=junk, resume=True).fit(X, y)


# ----------------------------------------------------------- soft labels
def _brightness_task(n=64, side=16, seed=0):
    rng = np.random.default_rng(seed)
    bright = np.arange(n) % 2 == 1
    base = np.where(bright, 190, 60)[:, None, None]
    X = np.clip(base + rng.normal(0, 25, size=(n, side, side)), 0, 255).astype(np.uint8)
    y = np.where(bright, "happy", "sad")
    return X, y


def test_soft_labels_learn_a_synthetic_task():
    X, y = _brightness_task()
    soft = np.where((y == "happy")[:, None], [0.8, 0.2], [0.2, 0.8])  # columns: happy, sad
    clf = CNNClassifier(max_epochs=6, valid_fraction=0, random_state=0, augment=False,
                        lr=0.01, batch_size=8, input_size=16, lr_schedule="constant")
    clf.fit(X, y, soft_targets=soft)
    Xt, yt = _brightness_task(seed=1)
    assert np.mean(clf.predict(Xt) == yt) >= 0.85
    proba = clf.predict_proba(Xt)
    assert proba.shape == (len(Xt), 2)


@pytest.mark.parametrize("valid_fraction", [0, 0.25])
def test_one_hot_soft_targets_equal_hard_labels(valid_fraction):
    X, y = _data()
    params = dict(PARAMS, valid_fraction=valid_fraction)
    hard = CNNClassifier(**params).fit(X, y)
    one_hot = (y[:, None] == np.unique(y)[None, :]).astype(float)
    soft = CNNClassifier(**params).fit(X, y, soft_targets=one_hot)
    _assert_same_weights(hard, soft, atol=1e-5)
    if valid_fraction:
        np.testing.assert_allclose(soft.net_.history[:, "valid_acc"],
                                   hard.net_.history[:, "valid_acc"])


@pytest.mark.parametrize("soft, message", [
    (np.full((32, 3), 1 / 3), r"shape \(32, 3\); expected \(32, 2\)"),
    (np.full((31, 2), 0.5), r"shape \(31, 2\)"),
    (np.where(np.arange(64).reshape(32, 2) == 5, np.nan, 0.5),
     r"non-finite value \(nan\) at row 2"),
    (np.tile([1.2, -0.2], (32, 1)), r"negative value \(-0.2\) at row 0, column 1"),
    (np.tile([0.7, 0.2], (32, 1)), r"row 0 sums to 0.9 \(32 row"),
])
def test_bad_soft_targets(soft, message):
    X, y = _data()
    with pytest.raises(ValueError, match=message):
        CNNClassifier(**PARAMS).fit(X, y, soft_targets=soft)


def test_video_degrade_keeps_shape_and_range_and_degrades():
    from emosk.nn import video_degrade

    rng = np.random.default_rng(0)
    x = torch.from_numpy(rng.integers(0, 256, size=(64, 1, 32, 32)).astype(np.float32))
    gen = torch.Generator().manual_seed(1)
    out = video_degrade(x, generator=gen)
    assert out.shape == x.shape and out.dtype == x.dtype
    assert float(out.min()) >= 0 and float(out.max()) <= 255
    changed = (out - x).abs().flatten(1).amax(1) > 1e-3
    # each of the four degradations hits a face with probability 1/2: all
    # four miss a face with probability 1/16
    assert 0.75 < float(changed.float().mean()) < 1.0
    again = video_degrade(x, generator=torch.Generator().manual_seed(1))
    torch.testing.assert_close(out, again)  # the generator makes the draws
    # faces that none of the four degradations hit are left exactly as they were
    assert torch.equal(out[~changed], x[~changed])


def test_random_erase_fills_one_rectangle_of_noise_in_the_chosen_faces():
    from emosk.nn import random_erase

    x = torch.full((400, 1, 40, 30), 100.0)
    out = random_erase(x, torch.Generator().manual_seed(3))
    assert out.shape == x.shape and out.dtype == x.dtype and x.eq(100).all()
    changed = out != 100
    erased = changed.flatten(1).any(1)
    assert 0.4 < float(erased.float().mean()) < 0.6  # p=0.5
    assert torch.equal(out[~erased], x[~erased])
    shares = []
    for face in changed[erased][:, 0]:
        rows, cols = torch.nonzero(face.any(1)), torch.nonzero(face.any(0))
        h, w = int(rows.max() - rows.min() + 1), int(cols.max() - cols.min() + 1)
        # one rectangle (noise equal to 100 leaves a rare pixel unchanged)
        assert h * w - int(face.sum()) <= 0.02 * h * w
        shares.append(h * w / 1200)
    # areas drawn from 2-25% of the face (whole pixels: up to a row and a column more)
    assert max(shares) <= 0.25 + (40 + 30 + 1) / 1200
    assert 0.11 < np.mean(shares) < 0.17
    assert float(out.min()) >= 0 and float(out.max()) <= 255
    torch.testing.assert_close(out, random_erase(x, torch.Generator().manual_seed(3)))
    assert torch.equal(random_erase(x, p=0.0), x)
    assert (random_erase(x, p=1.0) != 100).flatten(1).any(1).all()


@pytest.mark.parametrize("kwargs, message", [
    ({"x": torch.zeros(2, 8, 8)}, r"shape \(n, c, h, w\); got shape \(2, 8, 8\)"),
    ({"p": 1.5}, r"p must be in \[0, 1\]; got 1.5"),
    ({"area": (0.3, 0.1)}, r"area must be .* got \(0.3, 0.1\)"),
    ({"area": (0.0, 0.1)}, r"area must be .* got \(0.0, 0.1\)"),
    ({"aspect": (2.0, 0.5)}, r"aspect must be .* got \(2.0, 0.5\)"),
])
def test_random_erase_refuses_bad_settings(kwargs, message):
    from emosk.nn import random_erase

    kwargs = {"x": torch.zeros(2, 1, 8, 8), **kwargs}
    with pytest.raises(ValueError, match=message):
        random_erase(kwargs.pop("x"), **kwargs)


@pytest.mark.parametrize("augment", ["video", "occlusion"])
def test_video_and_occlusion_augment_only_in_training(augment):
    from emosk.nn import InputAdapter

    X = torch.from_numpy(np.random.default_rng(0).integers(0, 256, size=(8, 24, 24),
                                                            dtype=np.uint8))
    adapter = InputAdapter(24, 1, [128.0], [64.0], augment=augment)
    geometric = InputAdapter(24, 1, [128.0], [64.0], augment=True)
    plain = InputAdapter(24, 1, [128.0], [64.0], augment=False)
    torch.testing.assert_close(adapter.eval()(X), plain.eval()(X))
    torch.manual_seed(0)
    moved = geometric.train()(X)
    torch.manual_seed(0)
    changed = adapter.train()(X)
    # the same geometric draws, then the degradations or rectangles of noise on
    # some faces; the others are the geometric ones
    differs = (changed != moved).flatten(1).any(1)
    assert differs.any()
    torch.testing.assert_close(changed[~differs], moved[~differs])


@pytest.mark.parametrize("augment", ["video", "occlusion"])
def test_classifier_trains_with_video_augment_and_refuses_unknown(augment):
    X, y = _data()
    clf = CNNClassifier(**{**PARAMS, "augment": augment}).fit(X, y)
    assert clf.predict_proba(X).shape == (len(X), 2)
    assert clf.net_.module_.input.augment == augment
    with pytest.raises(ValueError, match="augment"):  # sklearn's InvalidParameterError
        CNNClassifier(**{**PARAMS, "augment": "blur"}).fit(X, y)

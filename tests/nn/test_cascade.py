"""Cascade fine-tuning (Ng et al. 2015): FER2013, then a target set.

The second stage starts from the shipped FER2013 network, either through
``weights="fer2013"`` or by warm-starting the fitted model of
``emosk.pretrained.load``.  A probe callback reads the network when training
begins, so these tests see what the second stage starts from, not what one
epoch made of it.
"""

import numpy as np
import pytest
import torch
from sklearn.base import clone
from skorch.callbacks import Callback

from emosk.nn import CNNClassifier, build_backbone
from emosk.pretrained import PRETRAINED, load

SHIPPED_CLASSES = list(PRETRAINED["fer2013"].classes)
HEAD = "classifier.1."
FIT = dict(max_epochs=1, batch_size=8, valid_fraction=0, random_state=0, device="cpu")


class _AtTrainBegin(Callback):
    """The backbone's state dict (parameters and batch-norm buffers) when
    training begins."""

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        self.state_ = {k: v.detach().clone()
                       for k, v in net.module_.backbone.state_dict().items()}


def _faces(y, seed=0):
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, size=(len(y), 48, 48), dtype=np.uint8)


@pytest.fixture(scope="module")
def shipped():
    """The shipped FER2013 network's state dict, read straight from its weights file."""
    model, _ = build_backbone("compact", weights="fer2013")
    return model.state_dict()


def _assert_body_is(state, shipped):
    body = [k for k in shipped if not k.startswith(HEAD)]
    assert body and set(body) == {k for k in state if not k.startswith(HEAD)}
    for key in body:
        assert torch.equal(state[key], shipped[key]), key


def _warm(probe):
    """The shipped model, set to continue training as a cascade's second stage."""
    model = load("fer2013", tta=False, device="cpu")
    return model.set_params(warm_start=True, **FIT,
                            net_params={"callbacks": [("probe", probe)]})


def _second_stage(start, y):
    """Fit a cascade's second stage on ``y``, started from the shipped FER2013
    network by ``weights="fer2013"`` or by warm-starting ``load("fer2013")``."""
    probe = _AtTrainBegin()
    if start == "weights":
        clf = CNNClassifier("compact", weights="fer2013", **FIT,
                            net_params={"callbacks": [("probe", probe)]})
    else:
        clf = _warm(probe)
    return clf.fit(_faces(y), y), probe


@pytest.mark.parametrize("start", ["weights", "warm_start"])
def test_cascade_keeps_the_fer2013_body_and_replaces_the_head(shipped, start):
    y = np.repeat(["pos", "neg"], 8)
    clf, probe = _second_stage(start, y)
    _assert_body_is(probe.state_, shipped)
    assert probe.state_[HEAD + "weight"].shape == (2, 256)
    assert probe.state_[HEAD + "bias"].shape == (2,)
    assert list(clf.classes_) == ["neg", "pos"]
    trained = clf.net_.module_.backbone.state_dict()  # the epoch moved the body
    assert not torch.equal(trained["features.0.weight"], shipped["features.0.weight"])


@pytest.mark.parametrize("start", ["weights", "warm_start"])
def test_the_same_seven_classes_keep_the_fer2013_head(shipped, start):
    """SFEW's case: its seven emotions are the shipped model's, so the second
    stage starts from the FER2013 classifier too (sorted names = its order)."""
    y = np.array(SHIPPED_CLASSES * 3)
    clf, probe = _second_stage(start, y)
    assert list(clf.classes_) == SHIPPED_CLASSES
    _assert_body_is(probe.state_, shipped)
    for key in (HEAD + "weight", HEAD + "bias"):
        assert torch.equal(probe.state_[key], shipped[key]), key


@pytest.mark.parametrize("start", ["weights", "warm_start"])
@pytest.mark.parametrize("labels", ["names", "fer-codes"])
def test_seven_other_classes_get_a_new_head(shipped, start, labels):
    """The class names are compared, not only their number: FER2013's integer
    codes (0 angry ... 6 neutral) are in another order than the shipped names."""
    y = np.array([f"c{i}" for i in range(7)] * 3) if labels == "names" \
        else np.arange(7).repeat(3)
    _, probe = _second_stage(start, y)
    _assert_body_is(probe.state_, shipped)
    assert probe.state_[HEAD + "weight"].shape == (7, 256)
    assert not torch.equal(probe.state_[HEAD + "weight"], shipped[HEAD + "weight"])


@pytest.mark.parametrize("start", ["weights", "warm_start"])
def test_new_head_replaces_a_head_of_the_right_classes(shipped, start):
    """Ng et al.'s cascade: a new head although the shipped one has the classes."""
    y = np.array(SHIPPED_CLASSES * 3)
    probe = _AtTrainBegin()
    if start == "weights":
        clf = CNNClassifier("compact", weights="fer2013", new_head=True, **FIT,
                            net_params={"callbacks": [("probe", probe)]})
    else:
        clf = _warm(probe).set_params(new_head=True)
    clf.fit(_faces(y), y)
    _assert_body_is(probe.state_, shipped)
    assert probe.state_[HEAD + "weight"].shape == (7, 256)
    for key in (HEAD + "weight", HEAD + "bias"):
        assert not torch.equal(probe.state_[key], shipped[key]), key


def test_new_head_after_fit_without_epochs(shipped):
    y = np.array(SHIPPED_CLASSES * 2)
    kept = CNNClassifier("compact", weights="fer2013", **{**FIT, "max_epochs": 0})
    new = clone(kept).set_params(new_head=True)
    for clf, same_head in ((kept, True), (new, False)):
        state = clf.fit(_faces(y), y).net_.module_.backbone.state_dict()
        _assert_body_is(state, shipped)
        head = state[HEAD + "weight"]
        assert torch.equal(head, shipped[HEAD + "weight"]) == same_head


def test_new_head_is_a_parameter():
    clf = CNNClassifier(new_head=True)
    assert clf.get_params()["new_head"] is True
    assert clone(clf).new_head is True
    assert clf.set_params(new_head=False).new_head is False
    assert CNNClassifier().get_params()["new_head"] is False
    with pytest.raises(ValueError, match="new_head"):
        CNNClassifier(new_head="yes", **FIT).fit(_faces([0, 1]), [0, 1])

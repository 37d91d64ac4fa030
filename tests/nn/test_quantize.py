"""int8 copies of face classifiers (emosk.nn.quantize, load(precision="int8")):
real int8 graphs calibrated on real faces, close to the float model's answers."""

import pickle

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("onnxruntime")
pytest.importorskip("onnxscript")
onnx = pytest.importorskip("onnx")

from sklearn.exceptions import NotFittedError  # noqa: E402

from emosk.nn import CNNClassifier, quantize  # noqa: E402
from emosk.pretrained import load  # noqa: E402


@pytest.fixture(scope="module")
def public_faces(shared_data):
    from emosk.datasets import load_fer2013

    test = load_fer2013(data_home=shared_data, subset="PublicTest")
    return test.images[:900], test.target[:900]


def _ops(graph):
    return {node.op_type for node in onnx.load_from_string(graph).graph.node}


def test_quantize_makes_an_int8_copy_that_answers_like_the_float_model(public_faces,
                                                                        tmp_path,
                                                                        monkeypatch):
    monkeypatch.setenv("EMOSK_CACHE", str(tmp_path))
    faces, labels = public_faces
    model = load("fer2013", tta=False, runtime="torch")
    fast = quantize(model, faces[:300])  # calibrated on faces the check does not use
    assert not hasattr(model, "int8_graph_")  # the float model is left as it was
    assert fast.get_params()["runtime"] == "onnxruntime"
    ops = _ops(fast.int8_graph_)
    assert {"QuantizeLinear", "DequantizeLinear"} <= ops
    held = faces[300:]
    float_answers, int8_answers = model.predict(held), fast.predict(held)
    assert np.mean(float_answers == int8_answers) >= 0.85
    # the int8 copy is a good model, not only one that copies answers
    assert np.mean(int8_answers == labels[300:]) >= np.mean(float_answers == labels[300:]) - 0.03
    proba = fast.predict_proba(held[:5])
    assert not np.allclose(proba, model.predict_proba(held[:5]), atol=1e-5)  # really int8
    again = pickle.loads(pickle.dumps(fast))
    np.testing.assert_allclose(again.predict_proba(held[:5]), proba, atol=1e-6)


def test_fitting_again_drops_the_int8_graph():
    rng = np.random.default_rng(0)
    X = rng.integers(0, 256, (16, 48, 48), dtype=np.uint8)
    y = np.repeat(["happy", "sad"], 8)
    clf = CNNClassifier(max_epochs=1, valid_fraction=0, random_state=0).fit(X, y)
    fast = quantize(clf, X)
    assert hasattr(fast, "int8_graph_")
    fast.fit(X, y)
    assert not hasattr(fast, "int8_graph_")


def test_quantize_refuses_what_it_cannot_quantize():
    from sklearn.linear_model import LogisticRegression

    with pytest.raises(TypeError, match="CNNClassifier; got LogisticRegression"):
        quantize(LogisticRegression(), np.zeros((2, 48, 48), np.uint8))
    with pytest.raises(NotFittedError):
        quantize(CNNClassifier(), np.zeros((2, 48, 48), np.uint8))
    model = load("fer2013", tta=False, runtime="torch")
    with pytest.raises(ValueError, match="at least one image; got shape \\(0, 48, 48\\)"):
        quantize(model, np.zeros((0, 48, 48), np.uint8))


def test_shipped_int8_default_model_answers_like_the_float_one(public_faces):
    faces, labels = public_faces
    model = load(tta=False)
    fast = load(tta=False, precision="int8")
    assert {"QuantizeLinear", "DequantizeLinear"} <= _ops(fast.int8_graph_)
    float_answers, int8_answers = model.predict(faces), fast.predict(faces)
    assert np.mean(float_answers == int8_answers) >= 0.9
    assert np.mean(int8_answers == labels) >= np.mean(float_answers == labels) - 0.02
    assert fast.get_params()["weights"] == model.get_params()["weights"]


def test_shipped_int8_model_in_predict_image():
    from skimage import data

    from emosk.pretrained import predict_image

    fast = load(tta=False, precision="int8")
    faces = predict_image(data.astronaut(), model=fast)  # the shipped model's aligner
    assert len(faces) == 1 and faces[0]["found"]
    assert np.isclose(sum(faces[0]["probabilities"].values()), 1.0)


def test_load_int8_settings_that_cannot_run_are_refused():
    with pytest.raises(ValueError, match="precision must be one of"):
        load(precision="float16")
    with pytest.raises(ValueError, match="runtime='torch'"):
        load(precision="int8", runtime="torch")
    with pytest.raises(ValueError, match="runs on the CPU"):
        load(precision="int8", device="cuda")
    with pytest.raises(ValueError, match="ships no int8 graph"):
        load("fer2013", precision="int8")
    with pytest.raises(ValueError, match="for face models"):
        load("ravdess_audio", precision="int8")


def test_an_int8_classifier_without_onnxruntime_says_what_to_install(monkeypatch):
    import emosk.utils._onnx as onnx_module

    fast = load("fer2013", tta=False)
    fast.int8_graph_ = quantize(fast, np.full((4, 48, 48), 128, np.uint8)).int8_graph_
    monkeypatch.setattr(onnx_module, "onnxruntime_available", lambda: False)
    with pytest.raises(ImportError, match=r"emosk\[onnx\]"):
        fast.predict_proba(np.full((1, 48, 48), 128, np.uint8))

"""MobileFaceNet: the published face-recognition weights load and are the trained ones."""

import numpy as np
import pytest
import torch

from emosk.nn import (
    CNNClassifier,
    CNNFeaturizer,
    build_backbone,
    classifier_from_weights,
)


@pytest.fixture(scope="module")
def sfew_faces(shared_data):
    """112x112 five-point-aligned faces of SFEW frames from 16 different movies."""
    cv2 = pytest.importorskip("cv2")
    pd = pytest.importorskip("pandas")
    from emosk.face import FaceDetector, LandmarkPredictor, align_face

    root = shared_data / "sfew" / "Train"
    if not (root / "labels.csv").is_file():
        pytest.skip("SFEW Train not in the data folder")
    table = pd.read_csv(root / "labels.csv").drop_duplicates("movie")
    detect, fit = FaceDetector("dlib-hog", border=0.3), LandmarkPredictor(68)
    faces = []
    for path in table["path"]:
        image = cv2.cvtColor(cv2.imread(str(root / path)), cv2.COLOR_BGR2RGB)
        boxes, _ = detect(image)
        if len(boxes):
            faces.append(align_face(image, box=boxes[0], landmarks=fit(image, boxes[0]),
                                    mode="five-point", size=112))
        if len(faces) == 16:
            break
    return np.stack(faces)


def _cosines(model, faces):
    """Mean cosine of each face with its mirror image, and between different faces."""
    _, spec = build_backbone("mobilefacenet")
    mean = torch.tensor(spec.mean).view(1, 3, 1, 1)
    std = torch.tensor(spec.std).view(1, 3, 1, 1)

    def embed(x):
        x = torch.from_numpy(np.ascontiguousarray(x)).permute(0, 3, 1, 2).float()
        with torch.no_grad():
            return torch.nn.functional.normalize(model.embed((x - mean) / std), dim=1)

    e, m = embed(faces), embed(faces[:, :, ::-1])
    pairs = (e @ e.T).numpy()[~np.eye(len(faces), dtype=bool)]
    return float((e * m).sum(1).mean()), float(pairs.mean())


def test_published_weights_recognise_faces(shared_weights, sfew_faces):
    model, _ = build_backbone("mobilefacenet", weights="ms1m")
    mirror, others = _cosines(model.eval(), sfew_faces)
    assert mirror > 0.85  # a face and its mirror image: the same person
    assert others < 0.35  # faces of different movies: other people
    torch.manual_seed(0)
    random, _ = build_backbone("mobilefacenet")
    r_mirror, r_others = _cosines(random.eval(), sfew_faces)
    assert r_mirror - r_others < 0.2  # random weights tell nobody apart
    assert mirror - others > 3 * (r_mirror - r_others)


def test_smaller_inputs_and_featurizer(shared_weights):
    feat = CNNFeaturizer("mobilefacenet", input_size=64, device="cpu").fit()
    assert feat.weights == "auto" and feat.n_features_out_ == 128
    out = feat.transform(np.random.default_rng(0).integers(0, 255, (3, 64, 64), np.uint8))
    assert out.shape == (3, 128) and np.isfinite(out).all()


def test_ms1m_only_for_mobilefacenet():
    with pytest.raises(ValueError, match="mobilefacenet"):
        build_backbone("compact", weights="ms1m")


def test_fine_tune_and_reload(shared_weights, tmp_path):
    rng = np.random.default_rng(0)
    X = rng.integers(0, 255, (24, 48, 48), np.uint8)
    y = np.array(["happy", "sad", "angry"] * 8)
    clf = CNNClassifier("mobilefacenet", weights="ms1m", input_size=56, max_epochs=1,
                        valid_fraction=0, batch_size=8, random_state=0, device="cpu").fit(X, y)
    path = tmp_path / "mfn.pt"
    torch.save(clf.net_.module_.backbone.state_dict(), path)
    again = classifier_from_weights("mobilefacenet", path, clf.classes_, input_size=56,
                                    device="cpu")
    np.testing.assert_allclose(again.predict_proba(X), clf.predict_proba(X), atol=1e-5)
    with pytest.raises(ValueError, match="3 outputs; 7 classes"):
        classifier_from_weights("mobilefacenet", path, list("abcdefg"), input_size=56)


@pytest.mark.parametrize("side", [32, 48, 64, 96, 112, 128])
def test_gdconv_fold_matches_resize_then_convolve(side):
    """The resize to 7x7 folded into GDConv's kernel gives the answer of resizing
    the map and convolving it, forward and backward, at every input side."""
    import torch.nn.functional as F

    torch.manual_seed(0)
    model, _ = build_backbone("mobilefacenet")
    gd = model.gdconv.eval()
    torch.nn.init.normal_(gd.bn.running_mean)
    x = torch.randn(3, 512, side // 16, side // 16, requires_grad=True)
    folded = gd(x)
    ref = gd.bn(gd.depthwise(F.interpolate(x, size=(7, 7), mode="bilinear",
                                           align_corners=False)))
    assert folded.shape == ref.shape == (3, 512, 1, 1)
    torch.testing.assert_close(folded, ref, atol=1e-5, rtol=1e-5)
    grads = [torch.autograd.grad(out.square().sum(), (x, gd.depthwise.weight))
             for out in (folded, ref)]
    for a, b in zip(*grads, strict=True):
        torch.testing.assert_close(a, b, atol=1e-4, rtol=1e-4)


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 6, 7, 8, 9, 13])
def test_resize_matrix_is_torchs_bilinear_resize(n):
    """Each column of the matrix is torch's bilinear resize of a unit vector."""
    import torch.nn.functional as F

    from emosk.nn._mobilefacenet import _resize_matrix

    units = torch.eye(n, dtype=torch.float64).view(n, 1, n, 1)
    for side in (1, 3, 7, 10):
        resized = F.interpolate(units, size=(side, 1), mode="bilinear", align_corners=False)
        np.testing.assert_allclose(_resize_matrix(n, side), resized[:, 0, :, 0].T.numpy(),
                                   atol=1e-12)


def test_export_at_a_side_never_run_before():
    """The exporter traces GDConv at a side whose resize matrix is not yet kept
    (its first forward pass happens under torch.export)."""
    pytest.importorskip("onnxruntime")
    from emosk.nn._mobilefacenet import _resize_matrix
    from emosk.utils import onnx_copy

    torch.manual_seed(0)
    model, _ = build_backbone("mobilefacenet")
    model.eval()
    _resize_matrix.cache_clear()
    x = torch.rand(2, 3, 80, 80)
    fast = onnx_copy(model, x, cache=False)
    with torch.no_grad():
        torch.testing.assert_close(fast(x), model(x), atol=1e-4, rtol=1e-4)


def test_exported_graph_has_no_resize():
    pytest.importorskip("onnxruntime")
    onnx = pytest.importorskip("onnx")
    from emosk.utils import onnx_copy, onnx_graph

    torch.manual_seed(0)
    model, _ = build_backbone("mobilefacenet")
    model.eval()
    x = torch.rand(2, 3, 64, 64)
    ops = {node.op_type for node in onnx.load_from_string(onnx_graph(model, x)).graph.node}
    assert "Resize" not in ops and "Conv" in ops
    with torch.no_grad():
        torch.testing.assert_close(onnx_copy(model, x, cache=False)(x), model(x),
                                   atol=1e-4, rtol=1e-4)

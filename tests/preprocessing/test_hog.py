import cv2
import numpy as np
import pytest
from sklearn.base import clone

from emosk.face import resize_faces
from emosk.preprocessing import HOGFeaturizer, hog


def _opencv_hog_48(frames):
    """What benchmarks/ckplus_clips.py computed before HOGFeaturizer existed."""
    descriptor = cv2.HOGDescriptor((48, 48), (16, 16), (8, 8), (8, 8), 9)
    return np.stack([descriptor.compute(f).ravel() for f in frames]).astype(np.float64)


def _faces(n=4, side=48, seed=0):
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, size=(n, side, side), dtype=np.uint8)


@pytest.mark.parametrize("params, dim", [
    ({}, 900),
    ({"size": 64}, 1764),
    ({"size": 16}, 36),
    ({"cell_size": 4, "block_size": 8, "block_stride": 4, "n_bins": 6},
     11 * 11 * 4 * 6),
])
def test_shape(params, dim):
    est = HOGFeaturizer(**params).fit(_faces())
    out = est.transform(_faces(n=3, side=100))
    assert out.shape == (3, dim) and out.dtype == np.float64
    assert est.n_features_out_ == dim


def test_other_sizes_resized_as_resize_faces():
    faces = _faces(side=96)
    np.testing.assert_array_equal(HOGFeaturizer().fit_transform(faces),
                                  hog(resize_faces(faces, 48)))
    np.testing.assert_array_equal(HOGFeaturizer().fit_transform(faces[:, :40, :40]),
                                  hog(resize_faces(faces[:, :40, :40], 48)))
    np.testing.assert_array_equal(HOGFeaturizer(size=96).fit_transform(faces),
                                  hog(faces))


def test_equals_the_benchmarks_opencv_hog_on_ckplus(shared_data, monkeypatch):
    from emosk.datasets import load_ckplus48

    monkeypatch.setenv("EMOSK_DATA", str(shared_data))
    frames = np.concatenate(load_ckplus48().images[:40])
    np.testing.assert_array_equal(HOGFeaturizer().fit_transform(frames),
                                  _opencv_hog_48(frames))


def test_colour_channels_and_float_scales():
    faces = _faces()
    gray = hog(faces)
    np.testing.assert_array_equal(hog(np.stack([faces] * 3, axis=-1)), gray)
    np.testing.assert_array_equal(hog(faces[..., None]), gray)
    np.testing.assert_array_equal(hog(np.stack([faces] * 4, axis=-1)), gray)
    np.testing.assert_array_equal(hog(faces / 255.0), gray)
    np.testing.assert_array_equal(hog(faces.astype(np.float32)), gray)


def test_feature_names_and_clone():
    est = HOGFeaturizer(size=16, n_bins=6).fit(_faces())
    names = est.get_feature_names_out()
    assert len(names) == 24 and names[0] == "hog0"
    assert clone(est).get_params() == est.get_params()


@pytest.mark.parametrize("side", [20, 50, 8])
def test_size_the_blocks_cannot_tile_names_it(side):
    with pytest.raises(ValueError, match=rf"{side}x{side} pixels.*16, 24, 32"):
        HOGFeaturizer(size=side).fit(_faces())
    with pytest.raises(ValueError, match=rf"{side}x{side} pixels"):
        hog(_faces(side=side))


def test_bad_cells_and_blocks():
    with pytest.raises(ValueError, match="block_size=12 is not a multiple of cell_si"):
        HOGFeaturizer(block_size=12).fit(_faces())
    with pytest.raises(ValueError, match="block_stride=4 is not a multiple"):
        hog(_faces(), block_stride=4)
    with pytest.raises(ValueError, match="n_bins"):
        HOGFeaturizer(n_bins=0).fit(_faces())


@pytest.mark.parametrize("X, error, pattern", [
    (np.zeros((2, 48, 48), np.int32), TypeError, "floating point; got dtype int32"),
    (np.zeros((48, 48), np.uint8), ValueError, r"got shape \(48, 48\)"),
    (np.zeros((48, 48, 3), np.uint8), ValueError, r"one \(H, W, C\) image"),
    (np.zeros((2, 48, 48, 2), np.uint8), ValueError, "2 channels"),
    (np.full((2, 48, 48), np.nan), ValueError, "Image 0 contains NaN"),
    (np.full((2, 48, 48), -3.0), ValueError, r"values in \[-3, -3\]"),
])
def test_bad_images_name_shape_or_dtype(X, error, pattern):
    with pytest.raises(error, match=pattern):
        hog(X)
    with pytest.raises(error, match=pattern):
        HOGFeaturizer().fit(_faces()).transform(X)

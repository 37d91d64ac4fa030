import numpy as np
import pytest

from emosk.utils import check_clips, check_images, is_clip_collection


def test_layouts():
    assert len(check_clips(np.zeros((4, 3)))) == 4
    assert check_clips(np.zeros((2, 5, 3)))[0].shape == (5, 3)
    assert [c.shape for c in check_clips([np.zeros((1, 3)), np.zeros((7, 3))])] == [(1, 3), (7, 3)]
    assert not is_clip_collection([[1.0, 2.0]])
    assert is_clip_collection([[[1.0, 2.0]]])


@pytest.mark.parametrize("clips, match", [
    ([np.zeros((3, 2)), np.zeros((3, 4))], r"Clip 1 has shape \(3, 4\) but clip 0 has 2"),
    ([np.zeros((3, 2)), np.zeros((0, 2))], r"Clip 1 has shape \(0, 2\)"),
    ([np.zeros((3, 2)), np.array([[np.nan, 0.0]])], "NaN"),
    ([], "empty"),
])
def test_bad_clips(clips, match):
    with pytest.raises(ValueError, match=match):
        check_clips(clips)


def test_wrong_dtype_clip():
    with pytest.raises(ValueError, match="Clip 0 of shape \\(1, 2\\)"):
        check_clips([np.array([["a", "b"]])])


def test_four_d_input_is_not_clips():
    with pytest.raises(ValueError, match="Found array with dim 4"):
        check_clips(np.zeros((2, 3, 4, 5)))


@pytest.mark.parametrize("images, err, match", [
    (np.zeros((2, 8)), ValueError, r"got shape \(2, 8\)"),
    (np.zeros((2, 8, 8, 2)), ValueError, "2 channels"),
    (np.zeros((0, 8, 8)), ValueError, "at least one image"),
    (np.zeros((1, 8, 8), dtype=np.int32), TypeError, "int32"),
    (np.full((2, 4, 4), np.nan), ValueError, "Image 0"),
])
def test_bad_images(images, err, match):
    with pytest.raises(err, match=match):
        check_images(images)


def test_good_images():
    assert check_images(np.zeros((2, 8, 8, 3), dtype=np.uint8)).shape == (2, 8, 8, 3)

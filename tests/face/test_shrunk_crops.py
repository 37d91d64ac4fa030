"""Crops of large faces: averaged over each crop pixel's footprint, not aliased."""

import numpy as np
import pytest

from emosk.face import align_face
from emosk.face._crop import MAX_SUPERSAMPLE, _warp_crop

cv2 = pytest.importorskip("cv2")


def _plain(image, matrix, size):
    return cv2.warpAffine(image, matrix, (size, size), flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_REPLICATE)


def test_one_pixel_stripes_shrunk_five_times_come_out_grey():
    stripes = np.tile(np.array([0, 255], np.uint8), (400, 200))
    matrix = np.array([[0.2, 0, 0], [0, 0.2, 0]])
    assert np.ptp(_plain(stripes, matrix, 80)) == 255  # what warpAffine alone gives
    crop = _warp_crop(stripes, matrix, 80)
    assert crop.shape == (80, 80)
    inner = crop[1:-1, 1:-1]  # the first column's footprint reaches past the border
    assert 100 < inner.min() and inner.max() < 155


def test_each_crop_pixel_is_the_mean_of_its_block():
    """A 60x60 image enlarged 6 times by repetition, cropped back at 1/6: the
    block centres fall on the crop's pixel centres, so every pixel comes back."""
    image = np.random.default_rng(0).integers(0, 256, (60, 60)).astype(np.uint8)
    large = np.kron(image, np.ones((6, 6), np.uint8))
    # large pixel x (centre) -> crop (x - 2.5) / 6
    matrix = np.array([[1 / 6, 0, -2.5 / 6], [0, 1 / 6, -2.5 / 6]])
    np.testing.assert_array_equal(_warp_crop(large, matrix, 60), image)


def test_a_smooth_image_is_cropped_where_warpaffine_crops_it():
    y, x = np.mgrid[0:400, 0:400]
    ramp = (0.5 * x + 0.1 * y).astype(np.float32)
    rotation = np.radians(10)
    matrix = 0.3 * np.array([[np.cos(rotation), -np.sin(rotation), 0],
                             [np.sin(rotation), np.cos(rotation), 0]])
    matrix[:, 2] = (5.0, 2.0)
    ours, plain = _warp_crop(ramp, matrix, 80), _plain(ramp, matrix, 80)
    np.testing.assert_allclose(ours[8:-8, 8:-8], plain[8:-8, 8:-8], atol=0.05)


@pytest.mark.parametrize("scale", [1.0, 1.7])
def test_a_crop_that_does_not_shrink_is_the_plain_warp(scale):
    image = np.random.default_rng(1).integers(0, 256, (50, 50, 3)).astype(np.uint8)
    matrix = np.array([[scale, 0, -3.0], [0, scale, 4.0]])
    np.testing.assert_array_equal(_warp_crop(image, matrix, 40), _plain(image, matrix, 40))


def test_the_drawing_is_at_most_max_supersample_times_larger():
    stripes = np.tile(np.array([0, 255], np.uint8), (1000, 500))
    crop = _warp_crop(stripes, np.array([[0.05, 0, 0], [0, 0.05, 0]]), 40)  # 1/20
    assert MAX_SUPERSAMPLE < 20 and crop.shape == (40, 40)
    inner = crop[1:-1, 1:-1]
    assert 90 < inner.min() and inner.max() < 165  # 8x8 blocks of stripes: still grey


@pytest.mark.parametrize("mode", ["fer2013", "five-point", "box"])
def test_a_face_crops_the_same_from_a_photo_four_times_larger(astronaut, mode):
    """The astronaut's face, and the same photo enlarged 4 times by repetition
    (a sharper camera): the two 80 px crops agree, as averages of the same
    pixels, where warpAffine alone reads every fourth pixel of the large one."""
    gray = cv2.cvtColor(astronaut, cv2.COLOR_RGB2GRAY)[:256, 96:352]
    points = np.array([(90.0, 110.0), (138.0, 108.0), (117.0, 138.0),
                       (95.0, 165.0), (135.0, 163.0)])
    box = (60.0, 60.0, 180.0, 200.0)
    large = np.kron(gray, np.ones((4, 4), np.uint8))
    # a pixel centre x of the photo is at 4 x + 1.5 in the large copy
    small = align_face(gray, box=box, landmarks=points, mode=mode, size=80,
                       layout="template", color="gray")
    crop = align_face(large, box=tuple(4 * v + 1.5 for v in box), landmarks=4 * points + 1.5,
                      mode=mode, size=80, layout="template", color="gray")
    diff = np.abs(small.astype(float) - crop.astype(float))
    assert diff[4:-4, 4:-4].mean() < 2.0

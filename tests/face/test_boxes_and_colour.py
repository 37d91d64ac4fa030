"""Small helpers of the face path: non-maximum suppression and the RGB copy."""

import numpy as np

from emosk.face._boxes import non_max_suppression
from emosk.face._color import as_rgb


def test_nms_of_none_one_and_overlapping_boxes():
    assert non_max_suppression(np.zeros((0, 4)), np.zeros(0)) == []
    assert non_max_suppression([[0, 0, 10, 10]], [0.3]) == [0]
    boxes = [[0, 0, 10, 10], [1, 1, 11, 11], [20, 20, 30, 30]]
    # the second overlaps the better first (IoU 0.68) and is dropped
    assert non_max_suppression(boxes, [0.9, 0.8, 0.5], iou=0.4) == [0, 2]
    assert non_max_suppression(boxes, [0.7, 0.8, 0.5], iou=0.4) == [1, 2]
    assert non_max_suppression(boxes, [0.9, 0.8, 0.5], iou=0.9) == [0, 1, 2]


def test_as_rgb_of_gray_rgb_rgba_and_views():
    rng = np.random.default_rng(0)
    gray = rng.integers(0, 256, size=(7, 9), dtype=np.uint8)
    for image in (gray, gray[:, ::2], gray.T):  # contiguous and strided views
        rgb = as_rgb(image)
        assert rgb.shape == (*image.shape, 3) and rgb.dtype == np.uint8
        assert rgb.flags.c_contiguous
        for c in range(3):
            np.testing.assert_array_equal(rgb[..., c], image)
    rgba = rng.integers(0, 256, size=(5, 4, 4), dtype=np.uint8)
    np.testing.assert_array_equal(as_rgb(rgba), rgba[..., :3])
    assert as_rgb(rgba).flags.c_contiguous

"""Gray crops of colour images: the face's part made gray first, then warped."""

import numpy as np
import pytest

from emosk.face import align_face, to_gray
from emosk.face._crop import _gray_source, _warp_crop

cv2 = pytest.importorskip("cv2")


def _photo(h, w, seed=0):
    """A smooth random colour image (camera-like: neighbouring pixels correlate)."""
    noise = np.random.default_rng(seed).integers(0, 256, (h, w, 3), dtype=np.uint8)
    return cv2.GaussianBlur(noise, (0, 0), 2)


def _eyes(cx, cy, e2e, angle=0.0):
    """Five template points around a centre (eyes e2e apart, turned by angle)."""
    c, s = np.cos(angle), np.sin(angle)
    offsets = np.array([[-0.5, 0], [0.5, 0], [0, 0.45], [-0.4, 0.95], [0.4, 0.95]]) * e2e
    return offsets @ np.array([[c, s], [-s, c]]) + (cx, cy)


# (image size, face centre, eye distance, angle): a face inside the image, shrunk
# several times (supersampled), enlarged, turned, and crops reaching past each edge
CASES = [((576, 720), (360, 280), 90, 0.0), ((576, 720), (300, 250), 200, 0.3),
         ((181, 143), (70, 80), 30, -0.2), ((120, 160), (5, 60), 40, 0.0),
         ((120, 160), (150, 115), 40, 0.5), ((1080, 1920), (960, 540), 400, 0.1),
         ((64, 64), (32, 32), 10, 0.0)]


@pytest.mark.parametrize("mode", ["fer2013", "similarity", "ng2015", "five-point", "box"])
@pytest.mark.parametrize("case", CASES)
def test_a_colour_photo_and_its_gray_copy_give_the_same_gray_crop(mode, case):
    (h, w), (cx, cy), e2e, angle = case
    rgb = _photo(h, w)
    points = _eyes(cx, cy, e2e, angle)
    box = (cx - e2e, cy - e2e, cx + e2e, cy + 1.5 * e2e)
    kwargs = {"box": box, "landmarks": points, "mode": mode, "size": 80, "color": "gray",
              "layout": "template"}
    crop = align_face(rgb, **kwargs)
    assert crop.shape == (80, 80) and crop.dtype == np.uint8
    np.testing.assert_array_equal(crop, align_face(to_gray(rgb), **kwargs))


def test_only_the_part_the_crop_reads_is_made_gray():
    frame = _photo(1080, 1920)
    scale = 80 / 300  # a 300 px face of a 1080p frame into an 80 px crop
    matrix = np.array([[scale, 0, 40 - scale * 960], [0, scale, 40 - scale * 540]])
    part, shifted = _gray_source(frame, matrix, 80)
    assert part.ndim == 2 and part.shape[0] < 310 and part.shape[1] < 310  # not the frame
    # the part, through the shifted matrix, is the crop of the frame made gray
    np.testing.assert_array_equal(_warp_crop(part, shifted, 80),
                                  _warp_crop(to_gray(frame), matrix, 80))


def test_a_crop_past_the_corner_keeps_the_replicated_border():
    rgb = _photo(100, 100, seed=3)
    matrix = np.array([[0.5, 0, 30.0], [0, 0.5, 30.0]])  # the image's corner at (30, 30)
    crop = _warp_crop(rgb, matrix, 80, gray=True)
    np.testing.assert_array_equal(crop, _warp_crop(to_gray(rgb), matrix, 80))
    assert len(np.unique(crop[:25, :25])) == 1  # left of and above the corner: its pixel


def test_rgb_crops_are_left_in_colour():
    rgb = _photo(200, 200, seed=4)
    crop = align_face(rgb, box=(50, 50, 150, 150), mode="box", size=64, color="rgb")
    assert crop.shape == (64, 64, 3)
    gray_crop = align_face(rgb, box=(50, 50, 150, 150), mode="box", size=64, color="gray")
    # the two orders of rounding differ by at most a grey level or two
    assert np.abs(to_gray(crop).astype(int) - gray_crop).max() <= 2


def test_a_matrix_without_inverse_gives_the_crop_of_the_gray_image():
    rgb = _photo(60, 60, seed=5)
    flat = np.array([[0.0, 0, 10], [0, 0.0, 10]])  # every crop pixel reads one point
    np.testing.assert_array_equal(_warp_crop(rgb, flat, 20, gray=True),
                                  _warp_crop(to_gray(rgb), flat, 20))

"""Five-point alignment (the input of face-recognition networks) and face resizing."""

import numpy as np
import pytest

from emosk.face import (
    FIVE_POINT_TEMPLATE,
    FaceAligner,
    align_face,
    five_points,
    resize_faces,
    similarity_matrix,
)


def test_similarity_matrix_recovers_a_similarity():
    rng = np.random.default_rng(0)
    src = rng.uniform(0, 100, (5, 2))
    angle, scale, shift = np.radians(20), 1.7, np.array([3.0, -8.0])
    rot = scale * np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    dst = src @ rot.T + shift
    np.testing.assert_allclose(similarity_matrix(src, dst), np.c_[rot, shift], atol=1e-9)


def test_five_points_from_68_landmarks():
    pts = np.zeros((68, 2))
    pts[36:42] = (10, 20)
    pts[42:48] = (30, 20)
    pts[30], pts[48], pts[54] = (20, 30), (12, 40), (28, 40)
    np.testing.assert_allclose(five_points(pts), [(10, 20), (30, 20), (20, 30), (12, 40),
                                                  (28, 40)])
    with pytest.raises(ValueError, match="shape \\(4, 2\\)"):
        five_points(np.zeros((4, 2)))


def test_five_point_crop_puts_the_points_on_the_template():
    """A synthetic face whose five points are bright dots lands them on the template."""
    cv2 = pytest.importorskip("cv2")
    image = np.zeros((300, 400), np.uint8)
    points = np.array([(150, 120), (230, 110), (195, 160), (160, 205), (225, 200)], float)
    for x, y in points:
        cv2.circle(image, (int(x), int(y)), 3, 255, -1)
    crop = align_face(image, box=(100, 60, 300, 260), landmarks=points, mode="five-point",
                      size=112, color="gray")
    assert crop.shape == (112, 112)
    for tx, ty in FIVE_POINT_TEMPLATE:
        window = crop[int(ty) - 6:int(ty) + 7, int(tx) - 6:int(tx) + 7]
        assert window.max() > 100  # the dot is within 6 px of its template point


def test_five_point_refuses_dlibs_5_point_predictor():
    with pytest.raises(ValueError, match="landmarks=68"):
        FaceAligner(mode="five-point", landmarks=5).fit()


def test_resize_faces():
    faces = np.arange(2 * 48 * 48, dtype=np.uint8).reshape(2, 48, 48)
    assert resize_faces(faces, 64).shape == (2, 64, 64)
    assert resize_faces(faces, 48) is faces
    rgb = np.zeros((3, 96, 96, 3), np.uint8)
    assert resize_faces(rgb, 64).shape == (3, 64, 64, 3)
    with pytest.raises(ValueError, match="shape \\(48, 48\\)"):
        resize_faces(faces[0], 64)

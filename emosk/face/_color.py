"""Pixel colour conversions shared by detection, landmarks, tracking and crops."""

import numpy as np

__all__ = ["as_rgb", "to_gray"]


def as_rgb(image):
    """RGB(A) or gray uint8 image to a contiguous RGB image."""
    if image.ndim == 2:
        import cv2

        return cv2.cvtColor(image, cv2.COLOR_GRAY2RGB)  # 1 us on 96 px; numpy's stack 9
    return np.ascontiguousarray(image[..., :3])


def to_gray(image):
    """RGB(A) or gray uint8 image to gray (OpenCV's ITU-R BT.601 weights, rounded).

    Parameters
    ----------
    image : ndarray of shape (H, W) or (H, W, C), uint8
        Gray (returned as it is), RGB or RGBA (alpha ignored).

    Returns
    -------
    ndarray of shape (H, W), uint8
    """
    import cv2

    if image.ndim == 2:
        return image
    return cv2.cvtColor(image[..., :3], cv2.COLOR_RGB2GRAY)

"""Pixel colour conversions shared by detection, landmarks, tracking and crops."""

import numpy as np

__all__ = ["as_rgb", "to_gray"]


def check_uint8_image(image, who):
    """Refuse what ``who`` (a function's name, for the message) cannot read as one
    image: not a uint8 array (a float image in [0, 1] reads as black), or not
    ``(H, W[, C])`` with pixels."""
    if not isinstance(image, np.ndarray) or image.dtype != np.uint8:
        what = image.dtype if isinstance(image, np.ndarray) else type(image).__name__
        raise TypeError(f"{who} takes uint8 images; got {what} (convert floats with "
                        "emosk.utils.images_to_uint8).")
    if image.ndim not in (2, 3) or image.shape[0] == 0 or image.shape[1] == 0:
        raise ValueError(f"{who} takes (H, W) or (H, W, C) images with pixels; got shape "
                         f"{image.shape}.")


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

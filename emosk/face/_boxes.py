"""Boxes: overlap and non-maximum suppression."""

import numpy as np

__all__ = ["box_iou", "box_inside", "non_max_suppression"]


def _intersection(a, b):
    """Area shared by two boxes ``(x0, y0, x1, y1)``."""
    iw = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    ih = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    return iw * ih


def box_iou(a, b):
    """Intersection over union of two boxes ``(x0, y0, x1, y1)``."""
    inter = _intersection(a, b)
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def box_inside(box, other, fraction=0.5):
    """Whether at least ``fraction`` of ``box``'s area lies inside ``other``."""
    area = (box[2] - box[0]) * (box[3] - box[1])
    return area > 0 and _intersection(box, other) >= fraction * area


def non_max_suppression(boxes, scores, *, iou=0.3):
    """Indices of boxes kept by greedy non-maximum suppression, best first.

    Parameters
    ----------
    boxes : array-like of shape (k, 4)
        ``(x0, y0, x1, y1)``.
    scores : array-like of shape (k,)
    iou : float, default=0.3
        A box is dropped when its IoU (:func:`box_iou`) with a better box
        already kept exceeds this.

    Returns
    -------
    list of int
    """
    boxes = np.asarray(boxes, dtype=float).reshape(-1, 4)
    order = np.argsort(-np.asarray(scores, dtype=float), kind="stable")
    area = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    keep = []
    while len(order):
        best, rest = order[0], order[1:]
        keep.append(int(best))
        lo = np.maximum(boxes[best, :2], boxes[rest, :2])
        hi = np.minimum(boxes[best, 2:], boxes[rest, 2:])
        inter = np.prod(np.clip(hi - lo, 0, None), axis=1)
        union = area[best] + area[rest] - inter
        overlap = np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)
        order = rest[overlap <= iou]
    return keep

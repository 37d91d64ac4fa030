"""Faces: detection (dlib HOG, dlib MMOD CNN, OpenCV Viola-Jones, RetinaFace), landmarks,
alignment."""

from ._align import (
    ALIGN_MODES,
    EYE_LAYOUTS,
    FIVE_POINT_TEMPLATE,
    LandmarkPredictor,
    align_face,
    as_rgb,
    eye_centers,
    five_points,
    minmax_stretch,
    plausible_face,
    resize_faces,
    similarity_matrix,
)
from ._aligner import (
    FACE_PATHS,
    TRACKING_PARAMS,
    FaceAligner,
    TrackMismatchError,
    face_path_params,
    iter_aligned_faces,
)
from ._detect import (
    DETECTORS,
    RETINAFACE_THRESHOLD,
    FaceDetector,
    add_border,
    box_iou,
    non_max_suppression,
    shrink,
)
from ._models import dlib_model_path

__all__ = [
    "ALIGN_MODES",
    "DETECTORS",
    "EYE_LAYOUTS",
    "FIVE_POINT_TEMPLATE",
    "FACE_PATHS",
    "FaceAligner",
    "FaceDetector",
    "LandmarkPredictor",
    "RETINAFACE_THRESHOLD",
    "TRACKING_PARAMS",
    "TrackMismatchError",
    "add_border",
    "align_face",
    "as_rgb",
    "box_iou",
    "dlib_model_path",
    "eye_centers",
    "five_points",
    "face_path_params",
    "iter_aligned_faces",
    "minmax_stretch",
    "non_max_suppression",
    "plausible_face",
    "resize_faces",
    "shrink",
    "similarity_matrix",
]

"""Faces: detection (dlib HOG, dlib MMOD CNN, OpenCV Viola-Jones, RetinaFace),
landmarks, alignment."""

# One module per job: _face (the Face record), _detect and
# _boxes (detectors, box overlap), _landmarks (dlib's shape predictor and
# the fit check), _crop (the geometry and colour of aligned crops),
# _color (pixel conversions), _finder (FaceFinder: the faces of
# one image), _follow (following faces between detections), _frames
# (the frames of a video that are looked at), _tracks (per-frame faces,
# stored tracks and their replay, iter_aligned_faces), _presets
# (FACE_PATHS), _reports (the crops and report of each image or
# video) and _aligner (the FaceAligner estimator).

from ._aligner import FaceAligner
from ._color import as_rgb, to_gray
from ._crop import (
    ALIGN_MODES,
    EYE_LAYOUTS,
    FIVE_POINT_TEMPLATE,
    align_face,
    crop_color,
    minmax_stretch,
    resize_faces,
    similarity_matrix,
)
from ._detect import (
    DETECTORS,
    RETINAFACE_THRESHOLD,
    SMALLEST_FACE,
    FaceDetector,
    add_border,
    box_iou,
    enlarge,
    non_max_suppression,
    shrink,
)
from ._face import Face
from ._finder import FaceFinder
from ._landmarks import (
    LANDMARK_LAYOUTS,
    LandmarkPredictor,
    eye_centers,
    five_points,
    plausible_face,
)
from ._models import dlib_model_path
from ._presets import FACE_PATHS, face_path_params
from ._tracks import (
    TRACK_COLUMNS,
    TRACKING_PARAMS,
    TrackMismatchError,
    iter_aligned_faces,
)

__all__ = [
    "ALIGN_MODES",
    "DETECTORS",
    "EYE_LAYOUTS",
    "LANDMARK_LAYOUTS",
    "FIVE_POINT_TEMPLATE",
    "FACE_PATHS",
    "Face",
    "FaceAligner",
    "FaceDetector",
    "FaceFinder",
    "LandmarkPredictor",
    "RETINAFACE_THRESHOLD",
    "SMALLEST_FACE",
    "TRACK_COLUMNS",
    "TRACKING_PARAMS",
    "TrackMismatchError",
    "add_border",
    "align_face",
    "as_rgb",
    "box_iou",
    "enlarge",
    "crop_color",
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
    "to_gray",
]

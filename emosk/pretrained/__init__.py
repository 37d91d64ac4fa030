"""Pretrained models that ship inside emosk and work offline.

``load()`` returns the default face model, ``mobilefacenet80_fer_nhfi``
(MobileFaceNet fine-tuned at 80x80 on FER2013 and on NHFI photos aligned by
RetinaFace's five points, as photos are aligned here; the average of such a
run's weights and of its class-balanced fine-tune's), as a fitted
:class:`~emosk.nn.CNNClassifier`, and ``load(precision="int8")`` its int8
graph for ONNX Runtime.  The defaults before it stay loadable:
``load("mobilefacenet_fer_nhfi_soup3")`` (the same recipe at 64x64, faster),
``load("mobilefacenet_fer_nhfi_soup")``, ``load("mobilefacenet_fer_nhfi_aligned")``,
``load("mobilefacenet_fer_nhfi")``, and ``load("fer2013")``, emosk's
compact network trained by ``benchmarks/fer2013.py`` on FER2013.  Each weights
file is inside the package; its SHA-256 is checked whenever it is loaded.
The backbone is also available to :class:`~emosk.nn.CNNFeaturizer` and as a
fine-tuning start, as ``weights="fer2013"`` with ``backbone="compact"``.

The registry of these models (:data:`PRETRAINED`, :func:`available_models`,
:func:`weights_path`) lives in ``emosk.nn._registry``, below the networks that
read it, and is re-exported here; this package adds the user-facing layer.
"""

from ._files import (
    FILE_ERRORS,
    ROW_KEYS,
    STATUSES,
    error_row,
    flat_rows,
    load_audio_model,
    load_model_file,
    predict_files,
    results_table,
)
from ._models import (
    PRECISIONS,
    PRETRAINED,
    PretrainedModel,
    available_models,
    face_aligner,
    load,
    weights_path,
)
from ._plots import plot_faces, plot_timeline
from ._predict import (
    IMAGE_FACE_PATH,
    IMAGE_FALLBACK_PATH,
    IMAGE_THRESHOLD,
    NO_FACE_OPTIONS,
    NoFaceError,
    clear_loaded,
    image_aligner,
    predict_image,
    predict_images,
    predict_video,
    video_aligner,
)

__all__ = [
    "FILE_ERRORS",
    "ROW_KEYS",
    "STATUSES",
    "error_row",
    "flat_rows",
    "load_audio_model",
    "load_model_file",
    "predict_files",
    "results_table",
    "IMAGE_FACE_PATH",
    "IMAGE_FALLBACK_PATH",
    "IMAGE_THRESHOLD",
    "NO_FACE_OPTIONS",
    "NoFaceError",
    "PRECISIONS",
    "PRETRAINED",
    "PretrainedModel",
    "available_models",
    "clear_loaded",
    "face_aligner",
    "image_aligner",
    "load",
    "plot_faces",
    "plot_timeline",
    "predict_image",
    "predict_images",
    "predict_video",
    "video_aligner",
    "weights_path",
]

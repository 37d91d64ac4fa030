"""What a FaceAligner gives for each image or video: its crops and its report."""

import numpy as np

from ..io import is_video_path
from ._crop import crop_color
from ._tracks import iter_aligned_faces

__all__ = ["align_image", "align_video", "crop_stack", "images_report"]

_NAN_BOX = np.full(4, np.nan)


def crop_stack(crops, aligner):
    """Crops as one uint8 array ``(n, size, size[, 3])``, also when there is none."""
    gray = crop_color(aligner.mode, aligner.color) == "gray"
    shape = (aligner.size, aligner.size) + (() if gray else (3,))
    return np.stack(crops) if crops else np.zeros((0, *shape), dtype=np.uint8)


def _report(records, source):
    return {
        "source": source,
        "frame": np.array([r["frame"] for r in records], dtype=int),
        "found": np.array([r["found"] for r in records], dtype=bool),
        "box": np.array([r["box"] for r in records], dtype=float).reshape(-1, 4),
        "score": np.array([r["score"] for r in records], dtype=float),
    }


def align_video(video, aligner, index):
    """The crop stack and the report of one video."""
    crops, records = [], []
    for crop, rec in iter_aligned_faces(video, aligner, index=index):
        records.append(rec)
        if crop is not None:
            crops.append(crop)
    report = _report(records, video if is_video_path(video) else index)
    report["track"] = np.array([r["track"] for r in records], dtype=int)
    return crop_stack(crops, aligner), report


def _chosen_crops(image, faces, aligner, finder, index):
    """The faces used in an image and their crops (``on_missing`` where none)."""
    if aligner.select == "all":
        crops = [finder.crop(image, face) for face in faces]
        if not faces and aligner.on_missing == "frame":
            crops = [finder.crop_whole(image)]
        return faces, crops
    face = finder.pick(faces)
    if face is not None:
        return [face], [finder.crop(image, face)]
    if aligner.on_missing == "raise":
        raise RuntimeError(f"No face found in image {index}.")
    if aligner.on_missing == "drop":
        return [], []
    return [], [finder.crop_whole(image)]


def align_image(image, aligner, finder, index):
    """The crops of one image (a list) and its record."""
    faces = finder.find(image)
    chosen, crops = _chosen_crops(image, faces, aligner, finder, index)
    detected = sum(np.isfinite(face.score) for face in faces)
    return crops, {"frame": index, "found": bool(chosen), "n_faces": int(detected),
                   "assumed": len(faces) > detected,
                   "box": chosen[0].box if chosen else _NAN_BOX,
                   "score": chosen[0].score if chosen else np.nan}


def images_report(records):
    """The report of a collection of images, from :func:`align_image`'s records."""
    report = _report(records, None)
    report["n_faces"] = np.array([r["n_faces"] for r in records])
    report["assumed"] = np.array([r["assumed"] for r in records], dtype=bool)
    return report

"""Small photos: faces found in face thumbnails by the photo path, as they are
and, where none is found, again on a copy enlarged for detection
(``IMAGE_FACE_PATH``'s ``detect_min_size``).

    EMOSK_DATA=../shared/data EMOSK_WEIGHTS=../shared/weights \\
        python benchmarks/small_photos.py

The photos are FER2013's PublicTest faces (3,589 gray thumbnails of 48x48)
and the last (peak) frame of each CK+48 clip (48x48), each a face that fills
the photo.
Each photo path (:func:`emosk.pretrained.image_aligner` with the
``detect_min_size`` of ``PATHS``) runs :func:`~emosk.pretrained.predict_images`
on them with the default model, the whole photo classified where no face is
found (``no_face="whole-image"``).  Reported: photos with a face found (with
the default ``no_face="skip"`` the others get no answer), accuracy and UAR
over all photos and accuracy over those with a face found, and photos per
second.  For reference, the network on each whole thumbnail without
detection (what the FER2013 rows of ``real_faces.md`` measure).
"""

import time

import numpy as np
from _common import markdown_table, write_result

from emosk.datasets import load_ckplus48, load_fer2013
from emosk.metrics import unweighted_average_recall
from emosk.pretrained import image_aligner, load, predict_images

#: The photo paths compared: label -> FaceAligner ``detect_min_size``.
PATHS = {
    "as they are (before)": None,
    "as they are, where no face: enlarged to 96 px": 96,
    "as they are, where no face: enlarged to 128 px (default)": 128,
}


def photo_sets():
    fer = load_fer2013(subset="PublicTest")
    ck = load_ckplus48()
    peaks = np.stack([clip[-1] for clip in ck.images])
    return {"FER2013 PublicTest (3,589, 48x48)": (fer.images, np.asarray(fer.target, str)),
            f"CK+48 peak frames ({len(peaks)}, 48x48)": (peaks, np.asarray(ck.target, str))}


def _row(label, path, truth, emotions, found, seconds):
    right = emotions == truth
    return [label, path, f"{np.mean(found):.3f}" if found is not None else "",
            f"{np.mean(right):.3f} / {unweighted_average_recall(truth, emotions):.3f}",
            f"{np.mean(right[found]):.3f}" if found is not None else "",
            f"{len(truth) / seconds:.0f}"]


def main():
    model = load(tta=False)
    rows = []
    for label, (images, truth) in photo_sets().items():
        t0 = time.perf_counter()
        direct = model.predict(images)
        rows.append(_row(label, "no detection: the network on the whole thumbnail", truth,
                         np.asarray(direct, str), None, time.perf_counter() - t0))
        for path, size in PATHS.items():
            aligner = image_aligner(detect_min_size=size).fit()
            predict_images(list(images[:64]), model=model, aligner=aligner)  # warm up
            t0 = time.perf_counter()
            out = predict_images(list(images), model=model, aligner=aligner,
                                 no_face="whole-image")
            seconds = time.perf_counter() - t0
            found = np.asarray([any(f["found"] for f in faces) for faces in out])
            best = [max(faces, key=lambda f: np.nan_to_num(f["score"], nan=-1.0))
                    for faces in out]
            emotions = np.asarray([f["emotion"] for f in best])
            rows.append(_row(label, path, truth, emotions, found, seconds))
    body = (__doc__.split("\n\n", 2)[2].strip() + "\n\n"
            + markdown_table(["photos", "photo path", "face found",
                              "accuracy / UAR (all photos)", "accuracy (face found)",
                              "photos/s"], rows))
    write_result("small_photos", "Small photos: faces found in thumbnails", body)


if __name__ == "__main__":
    main()

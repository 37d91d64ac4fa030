"""Which points frame the default model's faces best: RetinaFace's own five, or
dlib's 68 landmarks fitted in RetinaFace's boxes (the points of the ``fast``
video path).

    EMOSK_DATA=../shared/data EMOSK_WEIGHTS=../shared/weights \\
        python benchmarks/face_points.py

The photos of NHFI's hold-out part (804, 96 px) and SFEW Train (859 movie
faces, 143x181) go through :func:`~emosk.pretrained.predict_images` with the
default model and the photo path's aligner, once with ``landmarks="detector"``
(RetinaFace's points, the photo path and the ``retinaface`` video path) and
once with ``landmarks=68``; the same boxes, the same ``fer2013`` crops.
Scored on the photos where both find a face (the best-scoring one).
"""

import numpy as np
from _common import markdown_table, write_result

from emosk.datasets import load_nhfi, load_sfew, nhfi_holdout
from emosk.metrics import unweighted_average_recall
from emosk.pretrained import image_aligner, load, predict_images

POINTS = {"RetinaFace's five points": "detector", "dlib's 68 landmarks in its boxes": 68}


def photo_sets():
    nhfi = load_nhfi(drop_contempt=True)
    _, test = nhfi_holdout(nhfi.groups)
    sfew = load_sfew(subset="Train")
    return {"NHFI hold-out (804, 96 px)": (nhfi.images[test], nhfi.target[test]),
            "SFEW Train (859, 143x181)": (sfew.images, sfew.target)}


def main():
    model = load(tta=False)
    rows = []
    for label, (images, target) in photo_sets().items():
        truth = np.asarray(target, str)
        emotions = {}
        for name, landmarks in POINTS.items():
            out = predict_images(list(images), model=model,
                                 aligner=image_aligner(landmarks=landmarks).fit())
            emotions[name] = np.asarray([max(faces, key=lambda f: f["score"])["emotion"]
                                         if faces else "" for faces in out])
        both = np.all([e != "" for e in emotions.values()], axis=0)
        for name, em in emotions.items():
            rows.append([label, name, f"{np.mean(em != ''):.3f}", f"{both.sum()}",
                         f"{np.mean(em[both] == truth[both]):.3f}",
                         f"{unweighted_average_recall(truth[both], em[both]):.3f}"])
    body = (__doc__.split("\n\n", 2)[2].strip() + "\n\n"
            + markdown_table(["photos", "points", "face found", "found by both",
                              "accuracy", "UAR"], rows))
    write_result("face_points", "Face points: RetinaFace's five or dlib's 68", body)


if __name__ == "__main__":
    main()

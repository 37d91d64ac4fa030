"""Which face sizes each detection setting finds, and at what cost: the choice
of the fast and RetinaFace face paths' working sizes.

Every 12th frame of the six eNTERFACE'05 clips (720x576; the face is about
270 px wide) is also shrunk by 1/2, 1/3, 1/4, 1/6 and 1/8 and pasted on a
black 720x576 canvas (faces about 135, 90, 67, 45 and 34 px wide).  Each
setting of dlib's HOG detector and of RetinaFace
(``FaceDetector(detector, upsample=..., max_side=...)``: detection on a copy
whose longer side is at most ``max_side``, boxes mapped back) is run on every
image: share of images with a face, and milliseconds per 720x576 frame (one
process, one thread).

    EMOSK_DATA=/path/to/data python benchmarks/face_sizes.py
"""

import time

import cv2
import numpy as np
from _common import markdown_table, write_result

from emosk.datasets import load_enterface05
from emosk.face import FaceDetector
from emosk.io import iter_frames

SCALES = (1.0, 0.5, 1 / 3, 0.25, 1 / 6, 1 / 8)
SETTINGS = [  # (detector, max_side, upsample, note)
    ("dlib-hog", None, 1, "the paper's (Knyazev et al. 2017), FaceAligner's default"),
    ("dlib-hog", None, 0, ""),
    ("dlib-hog", 640, 0, "the fast path (FACE_PATHS['fast'])"),
    ("dlib-hog", 480, 0, ""),
    ("dlib-hog", 360, 0, ""),
    ("dlib-hog", 480, 1, ""),
    ("dlib-hog", 360, 1, ""),
    ("retinaface", 320, 0, "the RetinaFace path (FACE_PATHS['retinaface']), every frame"),
    ("retinaface", 400, 0, ""),
    ("retinaface", 480, 0, ""),
]


def _placed(frame, scale):
    h, w = frame.shape[:2]
    small = cv2.resize(frame, (int(w * scale), int(h * scale)), interpolation=cv2.INTER_AREA)
    out = np.zeros_like(frame)
    out[: small.shape[0], : small.shape[1]] = small
    return out


def main():
    cv2.setNumThreads(1)
    paths = load_enterface05().filenames
    frames = [f for p in paths for _, _, f in iter_frames(p, step=12)]
    sets = {s: [_placed(f, s) for f in frames] for s in SCALES}
    rows = []
    for detector, max_side, upsample, note in SETTINGS:
        detect = FaceDetector(detector, upsample=upsample, max_side=max_side)
        detect(frames[0])  # load the model, untimed
        t0 = time.perf_counter()
        found = {s: np.mean([len(detect(img)[0]) > 0 for img in imgs])
                 for s, imgs in sets.items()}
        ms = 1000 * (time.perf_counter() - t0) / sum(len(v) for v in sets.values())
        rows.append([detector, max_side or "full (720)",
                     upsample if detector != "retinaface" else "", f"{ms:.1f}",
                     *(f"{found[s]:.2f}" for s in SCALES), note])
    body = (f"{len(frames)} eNTERFACE'05 frames at six face sizes.\n\n"
            + markdown_table(["detector", "longer side of the copy", "upsample",
                              "ms per frame", "face ~270 px", "~135 px", "~90 px", "~67 px",
                              "~45 px", "~34 px", ""], rows)
            + "\n\nDetection runs on every 10th frame in the fast path, so its cost per "
              "frame is a tenth of the column above; the RetinaFace path detects in "
              "every frame (ONNX Runtime, one thread).")
    write_result("face_sizes", "Face sizes found by each detection setting", body)


if __name__ == "__main__":
    main()

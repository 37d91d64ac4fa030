"""Which face sizes each detection setting finds, and at what cost: the choice
of the fast and RetinaFace face paths' working sizes.

Every 12th frame of the six eNTERFACE'05 clips (720x576; the face is about
270 px wide) is also shrunk by 1/2, 1/3, 1/4, 1/6, 1/8, 1/12 and 1/16 and
pasted on a black 720x576 canvas (faces about 135, 90, 67, 45, 34, 22 and
17 px wide).  Each setting of dlib's HOG detector and of RetinaFace
(``FaceDetector(detector, upsample=..., max_side=..., retry_side=...)``:
detection on a copy whose longer side is at most ``max_side``, boxes mapped
back, and again in a copy of at most ``retry_side`` where none is found) is
run on every image: share of images with a face, and milliseconds per
720x576 frame (one process, one thread), over all the images and over
those shrunk by 1/32 (faces of about 8 px, which no setting finds: the cost
of a frame without a face).

    EMOSK_DATA=/path/to/data python benchmarks/face_sizes.py
"""

import time

import cv2
import numpy as np
from _common import markdown_table, write_result

from emosk.datasets import load_enterface05
from emosk.face import FaceDetector
from emosk.io import iter_frames

SCALES = (1.0, 0.5, 1 / 3, 0.25, 1 / 6, 1 / 8, 1 / 12, 1 / 16)
NO_FACE = 1 / 32  # faces of about 8 px: the cost of a frame where none is found
SETTINGS = [  # (detector, max_side, retry_side, upsample, note)
    ("dlib-hog", None, None, 1, "the paper's (Knyazev et al. 2017), FaceAligner's default"),
    ("dlib-hog", None, None, 0, ""),
    ("dlib-hog", 640, None, 0, "the fast path (FACE_PATHS['fast'])"),
    ("dlib-hog", 480, None, 0, ""),
    ("dlib-hog", 360, None, 0, ""),
    ("dlib-hog", 480, None, 1, ""),
    ("dlib-hog", 360, None, 1, ""),
    ("retinaface", 320, 640, 0,
     "the RetinaFace path (FACE_PATHS['retinaface']), every frame"),
    ("retinaface", 320, None, 0, "the RetinaFace path before the retry at 640 px"),
    ("retinaface", 400, None, 0, ""),
    ("retinaface", 480, None, 0, ""),
    ("retinaface", 640, None, 0, ""),
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
    empty = [_placed(f, NO_FACE) for f in frames]
    rows = []
    for detector, max_side, retry_side, upsample, note in SETTINGS:
        detect = FaceDetector(detector, upsample=upsample, max_side=max_side,
                              retry_side=retry_side)
        detect(frames[0])  # load the model, untimed
        t0 = time.perf_counter()
        found = {s: np.mean([len(detect(img)[0]) > 0 for img in imgs])
                 for s, imgs in sets.items()}
        ms = 1000 * (time.perf_counter() - t0) / sum(len(v) for v in sets.values())
        t0 = time.perf_counter()
        for img in empty:
            detect(img)
        ms_empty = 1000 * (time.perf_counter() - t0) / len(empty)
        rows.append([detector, max_side or "full (720)", retry_side or "",
                     upsample if detector != "retinaface" else "", f"{ms:.1f}",
                     f"{ms_empty:.1f}", *(f"{found[s]:.2f}" for s in SCALES), note])
    sizes = [f"~{round(270 * s)} px" for s in SCALES]
    sizes[0] = "face " + sizes[0]
    body = (f"{len(frames)} eNTERFACE'05 frames at {len(SCALES)} face sizes.\n\n"
            + markdown_table(["detector", "longer side of the copy",
                              "again where none, at", "upsample", "ms per frame",
                              "ms per frame without a face", *sizes, ""], rows)
            + "\n\nDetection runs on every 10th frame in the fast path, so its cost per "
              "frame is a tenth of the columns above; the RetinaFace path detects in "
              "every frame (ONNX Runtime, one thread), and again in a 640 px copy "
              "where the 320 px copy has no face.")
    write_result("face_sizes", "Face sizes found by each detection setting", body)


if __name__ == "__main__":
    main()

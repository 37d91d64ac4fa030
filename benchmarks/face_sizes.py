"""Which face sizes each detection setting finds, and at what cost: the choice
of the fast face path's working size.

Every 12th frame of the six eNTERFACE'05 clips (720x576; the face is about
270 px wide) is also shrunk by 1/2, 1/3 and 1/4 and pasted on a black
720x576 canvas (faces about 135, 90 and 67 px wide).  Each setting of dlib's
HOG detector (``FaceDetector(upsample=..., max_side=...)``: detection on a
copy whose longer side is at most ``max_side``, boxes mapped back) is run on
every image: share of images with a face, and milliseconds per 720x576 frame
(one process, one thread).

    EMOSK_DATA=/path/to/data python benchmarks/face_sizes.py
"""

import time

import cv2
import numpy as np
from _common import markdown_table, write_result

from emosk.datasets import load_enterface05
from emosk.face import FaceDetector
from emosk.io import iter_frames

SCALES = (1.0, 0.5, 1 / 3, 0.25)
SETTINGS = [  # (max_side, upsample, note)
    (None, 1, "the paper's (Knyazev et al. 2017), FaceAligner's default"),
    (None, 0, ""),
    (640, 0, "the fast path (FACE_PATHS['fast'])"),
    (480, 0, ""),
    (360, 0, ""),
    (480, 1, ""),
    (360, 1, ""),
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
    for max_side, upsample, note in SETTINGS:
        detect = FaceDetector(upsample=upsample, max_side=max_side)
        t0 = time.perf_counter()
        found = {s: np.mean([len(detect(img)[0]) > 0 for img in imgs])
                 for s, imgs in sets.items()}
        ms = 1000 * (time.perf_counter() - t0) / sum(len(v) for v in sets.values())
        rows.append([max_side or "full (720)", upsample, f"{ms:.0f}",
                     *(f"{found[s]:.2f}" for s in SCALES), note])
    body = (f"{len(frames)} eNTERFACE'05 frames at four face sizes.\n\n"
            + markdown_table(["longer side of the copy", "upsample", "ms per frame",
                              "face ~270 px", "~135 px", "~90 px", "~67 px", ""], rows)
            + "\n\nDetection runs on every 10th frame in the fast path, so its cost per "
              "frame is a tenth of the column above.")
    write_result("face_sizes", "Face sizes found by each detection setting", body)


if __name__ == "__main__":
    main()

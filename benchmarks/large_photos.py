"""Large photos: the faces the photo path reports, and at what cost, at
full size and on the shrunk copies of ``IMAGE_FACE_PATH``'s ``detect_size``.

    EMOSK_DATA=../shared/data EMOSK_WEIGHTS=../shared/weights \\
        python benchmarks/large_photos.py

Every 12th frame of the six eNTERFACE'05 clips (720x576, one person, the
face about 270 px wide) is a photo with one face, as it is and enlarged 2
and 4 times (1440x1152, 2880x2304: a camera's resolution, bicubic; an
enlarged frame is blurrier than a photo taken at that size).  Close-ups:
each frame cropped to a square around its face, the face 80% of the side,
enlarged to 1500 and 3000 px (a selfie).  Groups: grids of 4x4 and 8x8
frames (16 and 64 faces) shrunk to 2880 and 4000 px.  Labelled: SFEW Train's
859 movie faces enlarged 5 times (715x905), scored by accuracy and UAR (the
emotion of the best-scoring face, of the whole photo where none is found).

Each photo path (:func:`emosk.pretrained.image_aligner` with the
``detect_size`` of ``PATHS``) runs :func:`~emosk.pretrained.predict_image`
on every photo, the default model and the aligner loaded once, each path in
its own process (its peak memory is that process's).  Reported: photos with
the right number of faces, faces reported per photo, photos per second,
how often the emotion of a one-face frame is that of the full-size path on
the 720x576 frames, and SFEW's accuracy / UAR.
"""

import argparse
import json
import resource
import subprocess
import sys
import time

import cv2
import numpy as np
from _common import markdown_table, write_result

from emosk.datasets import load_enterface05, load_sfew
from emosk.io import iter_frames
from emosk.metrics import unweighted_average_recall
from emosk.pretrained import image_aligner, load, predict_image

#: The photo paths compared: label -> FaceAligner ``detect_size``.
PATHS = {
    "full size (before)": None,
    "480 only": 480,
    "640, then 1280 for small faces": (640, 1280),
    "480, then 1280 for small faces (default)": (480, 1280),
}


SFEW = "SFEW Train enlarged 5x (715x905)"


def _frames():
    paths = load_enterface05().filenames
    return [f for p in paths for _, _, f in iter_frames(p, step=12)]


def _closeup(frame, box, side, fraction=0.8):
    """A square around ``box`` where the face is ``fraction`` of the side,
    enlarged to ``side`` px (black beyond the frame)."""
    x0, y0, x1, y1 = box
    half = max(x1 - x0, y1 - y0) / fraction / 2
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    m = np.float32([[side / (2 * half), 0, side / 2 - cx * side / (2 * half)],
                    [0, side / (2 * half), side / 2 - cy * side / (2 * half)]])
    return cv2.warpAffine(frame, m, (side, side), flags=cv2.INTER_CUBIC)


def _grid(frames, k, side, rng):
    picks = rng.choice(len(frames), k * k, replace=len(frames) < k * k)
    rows = [np.concatenate([frames[i] for i in picks[r * k:(r + 1) * k]], axis=1)
            for r in range(k)]
    grid = np.concatenate(rows, axis=0)
    h, w = grid.shape[:2]
    scale = side / max(h, w)
    return cv2.resize(grid, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA)


def photo_sets(frames, boxes):
    """label -> (photos, faces in each)."""
    rng = np.random.default_rng(0)
    big = {f"eNTERFACE frames x{k} ({720 * k}x{576 * k})":
           [cv2.resize(f, None, fx=k, fy=k, interpolation=cv2.INTER_CUBIC) for f in frames]
           for k in (2, 4)}
    close = {f"close-ups, face 80% of {s} px": [_closeup(f, b, s) for f, b in
                                                zip(frames, boxes, strict=True)]
             for s in (1500, 3000)}
    sets = {"eNTERFACE frames (720x576)": (frames, 1)}
    sets.update({k: (v, 1) for k, v in big.items()})
    sets.update({k: (v, 1) for k, v in close.items()})
    sets["groups of 4x4 frames, 2880 px"] = ([_grid(frames, 4, 2880, rng) for _ in range(6)],
                                             16)
    sets["groups of 8x8 frames, 4000 px"] = ([_grid(frames, 8, 4000, rng) for _ in range(4)],
                                             64)
    return sets


def sfew_x5():
    sfew = load_sfew(subset="Train")
    return ([cv2.resize(im, None, fx=5, fy=5, interpolation=cv2.INTER_CUBIC)
             for im in sfew.images], [str(t) for t in sfew.target])


def run_path(detect_size):
    """Every set through one photo path: counts, emotions, seconds, peak memory."""
    cv2.setNumThreads(1)
    frames = _frames()
    model = load(tta=False)
    reference = image_aligner(detect_size=None).fit()
    # the faces of the close-ups are placed by the full-size path on the frames
    boxes = [max(predict_image(f, model=model, aligner=reference),
                 key=lambda r: r["score"])["box"] for f in frames]
    aligner = image_aligner(detect_size=detect_size).fit()
    sets = photo_sets(frames, boxes)
    sets[SFEW] = (sfew_x5()[0], 1)
    out = {}
    for label, (photos, expected) in sets.items():
        predict_image(photos[0], model=model, aligner=aligner)  # warm up this size
        t0 = time.perf_counter()
        results = [predict_image(p, model=model, aligner=aligner, no_face="whole-image")
                   for p in photos]
        seconds = time.perf_counter() - t0
        out[label] = {"n": len(photos), "expected": expected,
                      "counts": [sum(f["found"] for f in r) for r in results],
                      "emotions": [max(r, key=lambda f: np.nan_to_num(f["score"]))["emotion"]
                                   for r in results],
                      "seconds": seconds}
    out["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        print(json.dumps(run_path(json.loads(args.child))))
        return
    runs = {}
    for label, size in PATHS.items():
        done = subprocess.run([sys.executable, __file__, "--child", json.dumps(size)],
                              check=True, capture_output=True, text=True)
        runs[label] = json.loads(done.stdout.strip().splitlines()[-1])
    full = runs["full size (before)"]["eNTERFACE frames (720x576)"]["emotions"]
    truth = sfew_x5()[1]
    rows = []
    for label in runs["full size (before)"]:
        if label == "peak_mb":
            continue
        for path, run in runs.items():
            r = run[label]
            counts = np.asarray(r["counts"])
            right = np.mean(counts == r["expected"])
            if label == SFEW:
                acc = np.mean(np.asarray(r["emotions"]) == np.asarray(truth))
                same = (f"SFEW accuracy {acc:.3f}, UAR "
                        f"{unweighted_average_recall(truth, r['emotions']):.3f}")
            elif r["expected"] == 1:
                same = f"{np.mean([e == f for e, f in zip(r['emotions'], full, strict=True)]):.2f}"
            else:
                same = ""
            rows.append([label, path, f"{r['n']}", f"{right:.2f}",
                         f"{counts.mean():.2f} (of {r['expected']})",
                         f"{r['n'] / r['seconds']:.1f}", same])
    peaks = ", ".join(f"{path}: {run['peak_mb']:.0f} MB" for path, run in runs.items())
    body = (__doc__.split("\n\n", 2)[2].strip() + "\n\n"
            + markdown_table(["photos", "photo path (`detect_size`)", "n",
                              "right number of faces", "faces reported per photo",
                              "photos/s", "emotion as full size on the 720x576 frame (or SFEW's scores)"],
                             rows)
            + f"\n\nPeak memory of each path's process (all sets): {peaks}.")
    write_result("large_photos", "Large photos: faces reported and cost by detection size",
                 body)


if __name__ == "__main__":
    main()

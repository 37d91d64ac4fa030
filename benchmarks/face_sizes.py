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

How small a face the default model still reads: NHFI's hold-out photos and
SFEW Train, each photo's best face found at full size (RetinaFace's points),
the photo then shrunk so that the face's box is a given width and the face
cropped from it with its points shrunk alike (no second detection), so each
row is the same faces at a lower resolution: accuracy, UAR and the share of
*sad* answers.  This sets the photo and video paths' ``min_face_size``.

The six clips are also re-encoded as wide shots (every frame shrunk by 1/4,
1/8 and 1/12 on the black canvas) and run through
:func:`emosk.pretrained.predict_video` with the default model on the
RetinaFace face path, with and without its 640 px retry: frames with a face,
the clip answers against those of the clips themselves, and frames per second.

    EMOSK_DATA=/path/to/data python benchmarks/face_sizes.py
"""

import tempfile
import time
from pathlib import Path

import av
import cv2
import numpy as np
from _common import markdown_table, write_result

from emosk.datasets import load_enterface05, load_nhfi, load_sfew, nhfi_holdout
from emosk.face import Face, FaceDetector, FaceFinder
from emosk.io import iter_frames
from emosk.metrics import unweighted_average_recall
from emosk.nn import DEFAULT_MODEL
from emosk.pretrained import image_aligner, load, predict_video, video_aligner

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


def _wide_shot(src, dst, scale):
    """The clip ``src`` with every frame shrunk by ``scale`` on a black canvas of
    its size (mpeg4, 25 fps)."""
    with av.open(str(dst), "w") as out:
        stream = None
        for _, _, frame in iter_frames(src):
            if stream is None:
                stream = out.add_stream("mpeg4", rate=25)
                stream.height, stream.width = frame.shape[:2]
                stream.pix_fmt, stream.bit_rate = "yuv420p", 2_000_000
            out.mux(stream.encode(av.VideoFrame.from_ndarray(_placed(frame, scale),
                                                             format="rgb24")))
        out.mux(stream.encode())


#: Widths of the face boxes the faces are shrunk to (None: as they are).
BOX_WIDTHS = (None, 48, 36, 28, 24, 20, 16)


def _shrunk_crop(finder, image, face, width):
    """The face cropped from the image shrunk so that its box is ``width`` px
    wide (as it is when already smaller), its box and points shrunk alike."""
    k = 1.0 if width is None else min(1.0, width / (face.box[2] - face.box[0]))
    if k < 1.0:
        image = cv2.resize(image, None, fx=k, fy=k, interpolation=cv2.INTER_AREA)
        face = Face(face.box * k, face.score, face.landmarks * k)
    return finder.crop(image, face)


def readable_rows():
    """The default model's figures on the same faces at smaller box widths."""
    model = load(DEFAULT_MODEL, tta=False)
    finder = FaceFinder(image_aligner(DEFAULT_MODEL, min_face_size=None).fit())
    nhfi = load_nhfi(drop_contempt=True)
    _, test = nhfi_holdout(nhfi.groups)
    sfew = load_sfew(subset="Train")
    rows = []
    for name, images, target in (("NHFI hold-out", nhfi.images[test], nhfi.target[test]),
                                 ("SFEW Train", sfew.images, sfew.target)):
        found = [(image, max(faces, key=lambda f: f.score), label)
                 for image, label in zip(images, target, strict=True)
                 if (faces := finder.find(image))]
        truth = np.array([label for _, _, label in found])
        widths = np.array([face.box[2] - face.box[0] for _, face, _ in found])
        for width in BOX_WIDTHS:
            crops = np.stack([_shrunk_crop(finder, image, face, width)
                              for image, face, _ in found])
            pred = model.predict(crops)
            rows.append([f"{name} ({len(found)} faces, median box {np.median(widths):.0f} px)",
                         "as found" if width is None else f"{width} px",
                         f"{np.mean(pred == truth):.3f}",
                         f"{unweighted_average_recall(truth, pred):.3f}",
                         f"{np.mean(pred == 'sad'):.2f}"])
    return rows


WIDE_SCALES = (1.0, 0.25, 1 / 8, 1 / 12)


def wide_shot_rows(paths):
    """predict_video on the clips and on wide shots of them, with and without
    the RetinaFace path's retry."""
    model = load(DEFAULT_MODEL, tta=False)
    aligners = {"RetinaFace path (320 px, 640 px where none)": video_aligner(DEFAULT_MODEL),
                "320 px only (before the retry)":
                    video_aligner(DEFAULT_MODEL).set_params(detect_retry_size=None)}
    predict_video(paths[0], model=model, aligner=aligners["320 px only (before the retry)"])
    rows, reference = [], None
    with tempfile.TemporaryDirectory() as tmp:
        for scale in WIDE_SCALES:
            clips = list(map(str, paths))
            if scale != 1.0:
                clips = [str(Path(tmp) / f"{Path(p).stem}_{round(1 / scale)}.mp4") for p in paths]
                for src, dst in zip(paths, clips, strict=True):
                    _wide_shot(src, dst, scale)
            for label, aligner in aligners.items():
                t0 = time.perf_counter()
                results = [predict_video(c, model=model, aligner=aligner) for c in clips]
                seconds = time.perf_counter() - t0
                frames = sum(len(r["found"]) for r in results)
                found = sum(int(np.sum(r["found"])) for r in results) / frames
                answers = [r["emotion"] or "-" for r in results]
                reference = reference or answers
                same = sum(a == b for a, b in zip(answers, reference, strict=True))
                rows.append([f"~{round(270 * scale)} px", label, f"{found:.2f}",
                             f"{same}/{len(clips)}", " ".join(answers),
                             f"{frames / seconds:.1f}"])
    return rows


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
    body += ("\n\nThe same faces at smaller sizes (each photo shrunk until its best face's "
             "box is the width given; the default model, no TTA):\n\n"
             + markdown_table(["faces", "box width", "accuracy", "UAR", "share of sad answers"],
                              readable_rows()))
    body += ("\n\nThe six clips as wide shots, through `predict_video` (default model "
             f"`{DEFAULT_MODEL}`, no TTA; `-` where no frame has a face); the answers are "
             "compared with those of the clips themselves on the RetinaFace path.  The "
             "face widths are those of the first table; RetinaFace's boxes are about "
             "four fifths of them (28 px for ~34, 18 px for ~22, under the paths' "
             "`min_face_size` of 24):\n\n"
             + markdown_table(["face", "video face path", "frames with a face",
                               "clip answers as the clips'", "clip answers", "frames/s"],
                              wide_shot_rows(paths)))
    write_result("face_sizes", "Face sizes found by each detection setting", body)


if __name__ == "__main__":
    main()

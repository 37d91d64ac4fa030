"""The fer peer (fer 25.10.3) on the inputs of ``real_faces.py``, in fer's own venv.

Run by ``real_faces.py`` with the peer's interpreter (``--fer-python``); it
imports only fer, OpenCV and numpy, never emosk.

    FER_VENV/bin/python benchmarks/fer_peer.py IN.npz OUT.npz

``IN.npz`` holds ``kind`` ("crops": each image is a face, given to fer's emotion
network as fer prepares a face (gray, 64x64, scaled to [-1, 1]) without fer's box
margins, which would add a black border around a face crop;
"photos": fer's own face detection, the largest face, the whole image when
none is found; "videos": file paths, every frame, the mean over frames with a
face) and ``images`` (an object array of uint8 images) or ``paths``.
``OUT.npz`` gets ``proba`` (n, 7) in the order of ``classes`` (emosk's
seven names), ``found`` (n,) and ``seconds``.
"""

import sys
import time

import cv2
import numpy as np
from fer.fer import FER

CLASSES = ("angry", "disgust", "fear", "happy", "neutral", "sad", "surprise")


def _bgr(image):
    """fer reads BGR (or gray) arrays."""
    image = np.asarray(image, dtype=np.uint8)
    return cv2.cvtColor(image, cv2.COLOR_GRAY2BGR if image.ndim == 2 else cv2.COLOR_RGB2BGR)


def _crops(detector, images):
    """fer's network on whole face crops, prepared as ``detect_emotions`` prepares a face."""
    faces = []
    for image in images:
        gray = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
        faces.append(cv2.resize(gray, (64, 64)))
    faces = (np.array(faces, dtype="float32") / 255.0 - 0.5) * 2.0
    order = list(detector._get_labels().values())
    proba = np.asarray(detector._classify_emotions(faces), dtype=float)
    return [(proba[i, [order.index(c) for c in CLASSES]], True) for i in range(len(faces))]


def _proba(faces):
    """Probabilities of the largest face of fer's answer, or None."""
    if not faces:
        return None
    face = max(faces, key=lambda f: f["box"][2] * f["box"][3])
    return np.array([face["emotions"][c] for c in CLASSES], dtype=float)


def _photo(detector, image):
    """The largest face fer finds; else fer on the whole photo (found False)."""
    bgr = _bgr(image)
    h, w = bgr.shape[:2]
    p = _proba(detector.detect_emotions(bgr))
    if p is not None:
        return p, True
    return _proba(detector.detect_emotions(bgr, face_rectangles=[(0, 0, w, h)])), False


def _video(detector, path):
    cap = cv2.VideoCapture(str(path))
    probs = []
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        p = _proba(detector.detect_emotions(frame))
        if p is not None:
            probs.append(p)
    cap.release()
    if not probs:
        return np.full(len(CLASSES), np.nan), False
    return np.mean(probs, axis=0), True


def main():
    source, target = sys.argv[1:3]
    data = np.load(source, allow_pickle=True)
    kind = str(data["kind"])
    detector = FER(mtcnn=False)
    items = data["paths"] if kind == "videos" else data["images"]
    t0 = time.perf_counter()
    if kind == "crops":
        out = _crops(detector, items)
    else:
        out = [_video(detector, item) if kind == "videos" else _photo(detector, item)
               for item in items]
    seconds = time.perf_counter() - t0
    np.savez(target, proba=np.stack([p for p, _ in out]), found=np.array([f for _, f in out]),
             seconds=seconds, classes=np.array(CLASSES))


if __name__ == "__main__":
    main()

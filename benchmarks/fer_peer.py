"""The fer peer (fer 25.10.3) on the inputs of ``real_faces.py``, in fer's own venv.

Run by ``real_faces.py`` with the peer's interpreter (``--fer-python``); it
imports only fer, OpenCV and numpy, never emosk.

    FER_VENV/bin/python benchmarks/fer_peer.py IN.npz OUT.npz

``IN.npz`` holds ``kind`` ("crops": each image is a face, classified whole;
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


def _rgb(image):
    image = np.asarray(image, dtype=np.uint8)
    return cv2.cvtColor(image, cv2.COLOR_GRAY2RGB) if image.ndim == 2 else image


def _proba(faces):
    """Probabilities of the largest face of fer's answer, or None."""
    if not faces:
        return None
    face = max(faces, key=lambda f: f["box"][2] * f["box"][3])
    return np.array([face["emotions"][c] for c in CLASSES], dtype=float)


def _image(detector, image, kind):
    rgb = _rgb(image)
    h, w = rgb.shape[:2]
    whole = [(0, 0, w, h)]
    if kind == "photos":
        p = _proba(detector.detect_emotions(rgb))
        if p is not None:
            return p, True
    return _proba(detector.detect_emotions(rgb, face_rectangles=whole)), kind == "crops"


def _video(detector, path):
    cap = cv2.VideoCapture(str(path))
    probs = []
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        p = _proba(detector.detect_emotions(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)))
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
    out = [_video(detector, item) if kind == "videos" else _image(detector, item, kind)
           for item in items]
    seconds = time.perf_counter() - t0
    np.savez(target, proba=np.stack([p for p, _ in out]), found=np.array([f for _, f in out]),
             seconds=seconds, classes=np.array(CLASSES))


if __name__ == "__main__":
    main()

"""Real video, fast: emosk's face path against fer 25.10.3, in one run.

On the six eNTERFACE'05 clips (720x576, 25 fps, 472 frames), every frame:

- fer 25.10.3 (OpenCV Haar cascade + its mini-Xception, ``FER().detect_emotions``
  on every frame read by ``cv2.VideoCapture``), in its own virtual environment
  (it needs TensorFlow);
- emosk's ``predict_video`` with the default RetinaFace face path (RetinaFace
  on a 320-pixel copy of every frame, its five points framing the face) and
  with the fast face path before it (dlib HOG on a 640-pixel copy every 10th
  frame, landmark tracking in between), decoding and face finding in
  background threads while the network classifies, with the default model,
  the 64 px default before it (``PREVIOUS_DEFAULT``, on the RetinaFace path)
  and the compact ``fer2013`` one, and emosk's first path: dlib HOG
  upsampled on every full frame, with and without the 18-view test-time
  augmentation (what ``emosk predict`` did at first);
- the whole EmotiW 2017 system's first pass: the frame features of its two
  networks (dlib's ResNet on 150x150 chips, emosk's FER2013 network) and the
  IS10 audio features, into an empty feature cache, against the clips'
  duration (real-time factor);
- peak memory of ``predict_video`` on a 1-minute and a 10-minute video made
  by looping the clips (each in a fresh process).

Frames per second are wall-clock, loading of the models excluded, every
library with its default threads; the ratio column divides by fer's
frames/s in the same run.

    EMOSK_DATA=/path/to/data python benchmarks/video_speed.py \
        [--fer-python ~/fer-venv/bin/python | --install-fer ~/fer-venv] [--no-memory]

fer's environment: ``python -m venv DIR && DIR/bin/pip install tensorflow-cpu
h5py "opencv-python-headless<5" pandas pillow tqdm && DIR/bin/pip install
--no-deps fer==25.10.3`` (``--install-fer DIR`` runs exactly that).  Without
one, fer's row says so and the other rows are still measured.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import av
from _common import PREVIOUS_DEFAULT, markdown_table, write_result

from emosk.audio import AudioFeaturizer
from emosk.datasets import load_enterface05
from emosk.io import iter_frames, video_info
from emosk.nn import DEFAULT_MODEL, CNNFeaturizer
from emosk.pretrained import load, predict_video, video_aligner
from emosk.video import VideoFeaturizer, default_aligner

FER_VERSION = "25.10.3"
FER_PACKAGES = ["tensorflow-cpu", "h5py", "opencv-python-headless<5", "pandas", "pillow",
                "tqdm"]

# Run inside fer's environment: frames/s, frames with a face and clip answers.
FER_SCRIPT = r"""
import json, sys, time
import cv2
import numpy as np
from fer.fer import FER

detector = FER(mtcnn=False)
detector.detect_emotions(np.zeros((64, 64, 3), np.uint8))  # load the model first
out = []
for path in sys.argv[1:]:
    cap = cv2.VideoCapture(path)
    t0 = time.perf_counter()
    frames, with_face, sums = 0, 0, {}
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        faces = detector.detect_emotions(frame)
        frames += 1
        if faces:
            with_face += 1
            for k, v in faces[0]["emotions"].items():
                sums[k] = sums.get(k, 0.0) + v
    seconds = time.perf_counter() - t0
    emotion = max(sums, key=sums.get) if sums else None
    out.append({"path": path, "frames": frames, "with_face": with_face,
                "seconds": seconds, "emotion": emotion})
print(json.dumps(out))
"""

# Run in a fresh process of this environment: peak memory of predict_video.
MEMORY_SCRIPT = r"""
import json, resource, sys, time
from emosk.pretrained import load, predict_video, video_aligner
model, aligner = load("fer2013", tta=False), video_aligner("fer2013").fit()
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t0 = time.perf_counter()
result = predict_video(sys.argv[1], model=model, aligner=aligner)
seconds = time.perf_counter() - t0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"frames": len(result["frame"]), "seconds": seconds,
                  "found": float(result["found"].mean()),
                  "peak_mb": peak / 1024, "before_mb": base / 1024}))
"""


def install_fer(venv):
    """Make fer's virtual environment at ``venv``; its python."""
    venv = Path(venv).expanduser()
    python = venv / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = [str(python), "-m", "pip", "install", "-q"]
    subprocess.run(pip + FER_PACKAGES, check=True)
    subprocess.run(pip + ["--no-deps", f"fer=={FER_VERSION}"], check=True)
    return python


def run_fer(python, paths):
    """fer's per-clip results, or None (with the reason printed) without fer."""
    if python is None:
        print("fer: no environment given (--fer-python or --install-fer); its row is left "
              "out.")
        return None
    done = subprocess.run([str(python), "-c", FER_SCRIPT, *map(str, paths)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        print(f"fer failed in {python}:\n{done.stderr[-2000:]}")
        return None
    return json.loads(done.stdout.strip().splitlines()[-1])


def run_emosk(paths, *, face_path, tta, model_name=DEFAULT_MODEL, precision="float32"):
    """emosk's per-clip results with ``predict_video``, models loaded beforehand
    (as fer's are: the landmark model, which loads on first use, and torch's
    first pass are warmed up on the first clip, untimed)."""
    model = load(model_name, tta=tta, precision=precision)
    aligner = video_aligner(model_name, face_path=face_path).fit()
    predict_video(paths[0], model=model, aligner=aligner)
    out = []
    for path in paths:
        t0 = time.perf_counter()
        r = predict_video(path, model=model, aligner=aligner)
        out.append({"path": str(path), "frames": len(r["frame"]),
                    "with_face": int(r["found"].sum()),
                    "seconds": time.perf_counter() - t0, "emotion": r["emotion"]})
    return out


def whole_system(paths, duration):
    """Seconds of the EmotiW 2017 system's first pass (two networks + audio)."""
    rows = {}
    with tempfile.TemporaryDirectory() as cache:
        members = [VideoFeaturizer(default_aligner(b), CNNFeaturizer(b), cache=cache).fit()
                   for b in ("dlib_resnet", "compact")]
        t0 = time.perf_counter()
        for vf in members:
            vf.transform(list(map(str, paths)))
        rows["faces + two networks"] = time.perf_counter() - t0
        try:
            audio = AudioFeaturizer("IS10", cache=cache).fit()
            t1 = time.perf_counter()
            audio.transform(list(map(str, paths)))
            rows["IS10 audio"] = time.perf_counter() - t1
        except ImportError as err:
            print(f"audio member left out: {err}")
    rows["whole system"] = sum(rows.values())
    return [(name, f"{s:.1f}", f"{duration / s:.2f}") for name, s in rows.items()]


def looped_video(paths, path, seconds):
    """A video of ``seconds`` made by looping the clips' frames (mpeg4, 25 fps)."""
    frames = [f for p in paths for _, _, f in iter_frames(p)]
    n = int(seconds * 25)
    with av.open(str(path), "w") as out:
        stream = out.add_stream("mpeg4", rate=25)
        stream.height, stream.width = frames[0].shape[:2]
        stream.pix_fmt, stream.bit_rate = "yuv420p", 2_000_000
        for i in range(n):
            out.mux(stream.encode(av.VideoFrame.from_ndarray(frames[i % len(frames)],
                                                             format="rgb24")))
        out.mux(stream.encode())


def memory_rows(paths):
    """Peak memory of predict_video on a 1- and a 10-minute video."""
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for minutes in (1, 10):
            video = Path(tmp) / f"loop_{minutes}min.mp4"
            looped_video(paths, video, 60 * minutes)
            done = subprocess.run([sys.executable, "-c", MEMORY_SCRIPT, str(video)],
                                  capture_output=True, text=True, check=True)
            r = json.loads(done.stdout.strip().splitlines()[-1])
            rows.append((minutes, r))
    base = rows[0][1]["peak_mb"]
    return [[f"{m} min", r["frames"], f"{r['frames'] / r['seconds']:.1f}",
             f"{r['found']:.3f}", f"{r['peak_mb']:.0f}", f"{r['peak_mb'] / base:.3f}"]
            for m, r in rows]


def speed_row(name, results, fer_fps):
    frames = sum(r["frames"] for r in results)
    seconds = sum(r["seconds"] for r in results)
    fps = frames / seconds
    ratio = f"{fps / fer_fps:.2f}" if fer_fps else "n/a"
    with_face = sum(r["with_face"] for r in results) / frames
    answers = " ".join(r["emotion"] or "-" for r in results)
    return [name, frames, f"{fps:.1f}", ratio, f"{with_face:.3f}", answers]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--fer-python", default=None, help="python of fer's environment")
    parser.add_argument("--install-fer", default=None, metavar="DIR",
                        help="make fer's environment in DIR (if needed) and use it")
    parser.add_argument("--no-memory", action="store_true",
                        help="skip the 1- and 10-minute memory runs")
    parser.add_argument("--no-paper-tta", action="store_true",
                        help="skip the slowest row (the first path with TTA)")
    args = parser.parse_args()
    data = load_enterface05()
    paths = [str(p) for p in data.filenames]
    labels = [str(t) for t in data.target]
    python = install_fer(args.install_fer) if args.install_fer else args.fer_python
    fer = run_fer(python, paths)
    fer_fps = (sum(r["frames"] for r in fer) / sum(r["seconds"] for r in fer)) if fer else None
    runs = [(f"emosk predict_video, RetinaFace face path, default model `{DEFAULT_MODEL}` "
             "(the default)", "retinaface", False, DEFAULT_MODEL, "float32"),
            ("emosk predict_video, RetinaFace face path, the default model's int8 graph "
             "(`load(precision=\"int8\")`)", "retinaface", False, DEFAULT_MODEL, "int8"),
            ("emosk predict_video, RetinaFace face path, the 64 px default before it "
             f"`{PREVIOUS_DEFAULT}`", "retinaface", False, PREVIOUS_DEFAULT, "float32"),
            ("emosk predict_video, RetinaFace face path, compact `fer2013` model",
             "retinaface", False, "fer2013", "float32"),
            (f"emosk predict_video, fast face path (dlib HOG every 10th frame, the default "
             f"before), default model `{DEFAULT_MODEL}`", "fast", False, DEFAULT_MODEL,
             "float32"),
            ("emosk predict_video, fast face path, compact `fer2013` model", "fast", False,
             "fer2013", "float32"),
            ("emosk, first path: HOG upsampled on every full frame, `fer2013`", "paper",
             False, "fer2013", "float32")]
    if not args.no_paper_tta:
        runs.append(("emosk, first path + 18-view TTA (old `emosk predict`), `fer2013`",
                     "paper", True, "fer2013", "float32"))
    rows = [] if fer is None else [speed_row(f"fer {FER_VERSION} (Haar + mini-Xception)",
                                             fer, fer_fps)]
    for name, face_path, tta, model_name, precision in runs:
        rows.append(speed_row(name, run_emosk(paths, face_path=face_path, tta=tta,
                                              model_name=model_name, precision=precision),
                              fer_fps))
    duration = sum(video_info(p).duration for p in paths)
    system = whole_system(paths, duration)
    body = (
        f"Six eNTERFACE'05 clips ({len(paths)} files, 720x576, 25 fps, {duration:.1f} s), "
        "every frame. Labels: " + " ".join(labels) + ". frames/s is wall-clock with the "
        "models loaded beforehand; ratio = frames/s / fer's in this run.\n\n"
        + markdown_table(["system", "frames", "frames/s", "ratio to fer", "frames with a face",
                          "clip answers"], rows)
        + "\n\nThe whole EmotiW 2017 system's first pass (`make_emotiw2017_classifier` "
        "features with the default fast face path: dlib ResNet 150x150 chips and the "
        "FER2013 network, faces tracked once and shared through an empty feature cache, "
        "plus IS10 audio); real-time factor = seconds of video / seconds of work:\n\n"
        + markdown_table(["part", "seconds", "real-time factor"], system))
    if not args.no_memory:
        body += ("\n\nPeak memory (resident set, MB) of `predict_video` in a fresh process "
                 "on videos made by looping the clips (mpeg4 720x576, 25 fps):\n\n"
                 + markdown_table(["video", "frames", "frames/s", "frames with a face",
                                   "peak MB", "ratio to 1 min"], memory_rows(paths)))
    if fer is None:
        body += "\n\nfer was not run (no environment given), so there is no ratio."
    write_result("video_speed", "Video speed: emosk's face path against fer", body)
    print(f"max RSS of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}")


if __name__ == "__main__":
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    main()

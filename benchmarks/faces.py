"""Face detectors on real frames: speed, hit rate, LFW rates, streaming memory.

* Speed and share of frames with a face on the eNTERFACE'05 clips (720x576),
  every frame for the fast detectors and every 25th for dlib's MMOD CNN;
  frames per second is reported as a ratio to OpenCV Haar in the same run.
* skimage's lfw_subset: 100 faces and 100 non-faces (25x25, enlarged 4x to
  100x100 with bicubic interpolation for every detector).
* Peak memory (RSS) while FaceAligner's streaming path runs over a 10-minute
  video made by looping one eNTERFACE clip (packets copied, not re-encoded).

    EMOSK_DATA=/path/to/data python benchmarks/faces.py
"""

import argparse
import tempfile
import time
from pathlib import Path

import av
import cv2
import numpy as np
from _common import markdown_table, write_result
from skimage import data as skdata

from emosk.datasets import load_enterface05
from emosk.face import FaceAligner, FaceDetector, iter_aligned_faces
from emosk.io import iter_frames, video_info

DETECTORS = {
    "opencv-haar": dict(detector="opencv-haar"),
    "dlib-hog (upsample 0)": dict(detector="dlib-hog", upsample=0),
    "dlib-hog (upsample 1)": dict(detector="dlib-hog", upsample=1),
    "dlib-cnn (MMOD, upsample 0)": dict(detector="dlib-cnn", upsample=0),
}


def rss_mb():
    """Current resident memory of this process in MiB."""
    with open("/proc/self/status") as f:
        line = next(ln for ln in f if ln.startswith("VmRSS"))
    return int(line.split()[1]) / 1024


def frame_rows(paths):
    frames = [f for p in paths for _, _, f in iter_frames(p)]
    rows, base_fps = [], None
    for name, opts in DETECTORS.items():
        det = FaceDetector(**opts)
        sample = frames[::25] if "cnn" in name else frames
        det(sample[0])  # build the model outside the timing
        t0 = time.perf_counter()
        hits = [len(det(f)[0]) > 0 for f in sample]
        fps = len(sample) / (time.perf_counter() - t0)
        base_fps = base_fps or fps
        rows.append([name, len(sample), f"{fps:.1f}", f"{fps / base_fps:.2f}",
                     f"{np.mean(hits):.3f}"])
        print(rows[-1], flush=True)
    return rows, len(frames)


def lfw_rows():
    lfw = (skdata.lfw_subset() * 255).astype(np.uint8)
    big = np.stack([cv2.resize(im, (100, 100), interpolation=cv2.INTER_CUBIC) for im in lfw])
    rows = []
    for name, opts in DETECTORS.items():
        det = FaceDetector(**opts)
        found = np.array([len(det(im)[0]) > 0 for im in big])
        rows.append([name, f"{found[:100].mean():.2f}", f"{found[100:].mean():.2f}"])
        print(rows[-1], flush=True)
    return rows


def loop_video(src, dst, minutes):
    """Write ``dst`` by repeating the packets of ``src`` for about ``minutes``."""
    length = video_info(src).duration
    repeats = int(np.ceil(minutes * 60 / length))
    with av.open(str(src)) as inp, av.open(str(dst), "w") as out:
        vin = inp.streams.video[0]
        vout = out.add_stream_from_template(vin)
        packets = [p for p in inp.demux(vin) if p.dts is not None]
        span = packets[-1].pts - packets[0].pts + (packets[1].pts - packets[0].pts)
        for k in range(repeats):
            for p in packets:
                p.pts += span if k else 0
                p.dts += span if k else 0
                p.stream = vout
                out.mux(p)
    return repeats * length


def memory_rows(src, minutes):
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "long.avi"
        seconds = loop_video(src, path, minutes)
        aligner = FaceAligner(detector="dlib-hog", upsample=0, size=128, fps=1.0)
        start = rss_mb()
        marks, n, peak = {}, 0, start
        total = int(seconds)  # one aligned face per second of video
        t0 = time.perf_counter()
        for face, rec in iter_aligned_faces(str(path), aligner):
            n += 1
            peak = max(peak, rss_mb())
            for frac in (0.1, 0.5, 1.0):
                if frac not in marks and n >= frac * total - 1:
                    marks[frac] = rss_mb()
        elapsed = time.perf_counter() - t0
        rows.append([f"{seconds / 60:.1f} min video, 1 face/s aligned ({n} faces)",
                     f"{start:.0f}", f"{marks.get(0.1, float('nan')):.0f}",
                     f"{marks.get(0.5, float('nan')):.0f}",
                     f"{marks.get(1.0, float('nan')):.0f}", f"{peak:.0f}",
                     f"{seconds / elapsed:.1f}"])
        print(rows[-1], flush=True)
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    args = parser.parse_args()
    paths = list(load_enterface05().filenames)
    frames_table, n_frames = frame_rows(paths)
    lfw_table = lfw_rows()
    mem_table = memory_rows(paths[0], args.minutes)
    body = (
        f"## Detectors on eNTERFACE'05 frames\n\n{n_frames} frames of 6 clips, 720x576; "
        "dlib-cnn on every 25th frame. fps: frames per second of one process; "
        "ratio: fps / OpenCV Haar fps in the same run.\n\n"
        + markdown_table(["detector", "frames", "fps", "ratio to Haar",
                          "frames with a face"], frames_table)
        + "\n\n## skimage lfw_subset (100 faces, 100 non-faces, enlarged to 100x100)\n\n"
        + markdown_table(["detector", "detection rate", "false-positive rate"], lfw_table)
        + "\n\n## Memory while streaming a long video\n\nResident memory (MiB) of the "
        "process at the start, after 10%, 50% and 100% of the video, and its peak; "
        "FaceAligner(dlib-hog, upsample 0, fps=1) through iter_aligned_faces.\n\n"
        + markdown_table(["input", "start", "10%", "50%", "100%", "peak",
                          "video s per wall s"], mem_table)
    )
    write_result("faces", "Face detection and alignment", body)


if __name__ == "__main__":
    main()

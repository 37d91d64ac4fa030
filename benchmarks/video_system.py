"""The whole video system (make_emotiw2017_classifier) on real data.

Parts (each can be run alone with --part):

* ``ckplus``: CK+48 clips (3 frames each), subject-independent 10-fold CV,
  CNN frame features through the EmotiW 2017 system, next to the OpenCV HOG
  baseline computed in the same run.
* ``cache``: a GridSearchCV over pooling choices on CK+48, first pass (empty
  cache) against second pass (cache filled); the ratio of the two.
* ``throughput``: seconds of video per second of wall time on the six
  eNTERFACE'05 clips (720x576, 25 fps, with audio): decoding, faces, each CNN
  and the audio features.
* ``enterface``: ``emosk train-audio`` (RAVDESS) then ``emosk predict
  --audio-model`` on the six eNTERFACE'05 clips with their audio.
* ``memory``: peak resident memory of featurising a 10-minute video, against
  a 1-minute one (each in a fresh process).

    EMOSK_DATA=/path/to/data python benchmarks/video_system.py [--part ckplus]
"""

import argparse
import csv
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from _common import markdown_table, write_result
from ckplus_clips import C_GRID
from skimage import data as skdata
from sklearn.model_selection import (
    GridSearchCV,
    StratifiedGroupKFold,
    cross_val_predict,
)

from emosk.audio import AudioFeaturizer
from emosk.datasets import load_ckplus48, load_enterface05, make_demo_video
from emosk.face import FaceAligner
from emosk.io import iter_frames, video_info
from emosk.metrics import unweighted_average_recall
from emosk.nn import DEFAULT_MODEL, CNNFeaturizer
from emosk.preprocessing import HOGFeaturizer
from emosk.video import VideoFeaturizer, default_aligner, make_emotiw2017_classifier

HERE = Path(__file__).resolve().parent


def _ck_systems(cache):
    hog = HOGFeaturizer()
    common = {"audio": False, "aligner": "passthrough", "cache": cache, "C": C_GRID,
              "random_state": 0}
    return {
        "HOG baseline (same system, HOG frame features)": {"video_hog": hog},
        "compact (emosk's FER2013 CNN)": ["compact"],
        "compact, 18-view TTA": {"video_compact_tta": CNNFeaturizer("compact", tta=True)},
        "dlib_resnet (face recognition)": ["dlib_resnet"],
        "compact + dlib_resnet (score average)": ["compact", "dlib_resnet"],
        "compact + dlib_resnet + HOG (score average)":
            {"video_compact": "compact", "video_dlib_resnet": "dlib_resnet",
             "video_hog": hog},
    }, common


def part_ckplus(cache):
    data = load_ckplus48()
    y = data.target
    clips = list(data.images)
    folds = StratifiedGroupKFold(n_splits=10, shuffle=True, random_state=0)
    systems, common = _ck_systems(cache)
    rows = []
    for name, backbones in systems.items():
        clf = make_emotiw2017_classifier(backbones, power=0.0, **common)
        t0 = time.perf_counter()
        pred = cross_val_predict(clf, clips, y, groups=data.groups, cv=folds)
        rows.append([name, f"{np.mean(pred == y):.3f}",
                     f"{unweighted_average_recall(y, pred):.3f}",
                     f"{time.perf_counter() - t0:.0f}"])
        print(rows[-1], flush=True)
    return (
        f"### CK+48, {len(y)} clips of 3 frames, 6 classes, {len(set(data.groups))} subjects\n\n"
        "Subject-independent 10-fold CV (StratifiedGroupKFold, seed 0). Every row is "
        "`make_emotiw2017_classifier(..., aligner='passthrough', audio=False, power=0)`: "
        "STAT* pooling -> MinMaxScaler -> RootSIFT -> StandardScaler -> calibrated "
        f"LinearSVC (C in {list(C_GRID)} by inner 5-fold CV) per frame-feature source, "
        "probabilities averaged. CK+48 frames are already 48x48 gray face crops, so no "
        "face detection. Seconds include the first computation of each source's "
        "features (later rows read earlier rows' features from the cache).\n\n"
        + markdown_table(["frame features", "accuracy", "UAR", "seconds"], rows))


def part_cache(cache):
    rows = []
    # 1. featurising video files: the work one grid point would redo without a cache
    videos = [str(p) for p in load_enterface05().filenames]
    vf = VideoFeaturizer(FaceAligner(mode="fer2013", size=48, color="gray", fps=5),
                         CNNFeaturizer("compact"), cache=Path(cache) / "enterface").fit()
    times = [_timed(lambda: vf.transform(videos))[1] for _ in range(2)]
    rows += [["6 eNTERFACE'05 videos -> frame features (faces + CNN, 5 frames/s)",
              f"{times[0]:.2f}", f"{times[1]:.3f}", f"{times[1] / times[0]:.4f}"]]
    print(rows[-1], flush=True)
    # 2. a whole pooling grid search of the system on CK+48
    data = load_ckplus48()
    y = data.target
    clips = list(data.images)
    clf = make_emotiw2017_classifier(["compact"], audio=False, aligner="passthrough",
                                     tta=True, cache=Path(cache) / "ck", cv=3,
                                     random_state=0)
    grid = {"estimator__video_compact__pool__stats": ["stat", "stat*"]}
    times = []
    for _ in range(2):
        search = GridSearchCV(clf, grid, cv=StratifiedGroupKFold(3, shuffle=True,
                                                                 random_state=0))
        times.append(_timed(lambda: search.fit(clips, y, groups=data.groups))[1])
        print(times[-1], search.best_params_, search.best_score_, flush=True)
    rows += [["GridSearchCV over pooling, CK+48 (309 clips), compact with 18-view TTA",
              f"{times[0]:.1f}", f"{times[1]:.1f}", f"{times[1] / times[0]:.2f}"]]
    return (
        "### The feature cache: second pass against first\n\n"
        "First pass with an empty cache, second pass with the cache filled, in the same "
        "run. Row 1: `VideoFeaturizer` on the six eNTERFACE'05 clips (decoding, dlib "
        "face detection, alignment and the CNN), the per-frame work that every fit, "
        "fold and grid point of a search would otherwise repeat. Row 2: a whole "
        "`GridSearchCV` over the pooling of `make_emotiw2017_classifier(['compact'], "
        "tta=True)` (2 candidates x 3 subject-independent folds + refit); its second "
        "pass runs no CNN at all, what remains is the SVM fitting (C by inner 3-fold "
        "CV, calibration).\n\n"
        + markdown_table(["work", "first pass (s)", "second pass (s)", "ratio"], rows)
        + f"\n\nBest pooling: {search.best_params_}, CV accuracy {search.best_score_:.3f}.")


def _timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def part_throughput():
    data = load_enterface05()
    videos = [str(p) for p in data.filenames]
    seconds = sum(video_info(v).duration for v in videos)
    n_frames = sum(video_info(v).n_frames for v in videos)
    rows = []

    def add(name, fn, subset):
        _, wall = _timed(fn)
        secs = sum(video_info(v).duration for v in subset)
        rows.append([name, f"{len(subset)} ({secs:.1f} s)", f"{wall:.1f}",
                     f"{secs / wall:.2f}"])
        print(rows[-1], flush=True)

    add("decode every frame (PyAV)",
        lambda: [sum(1 for _ in iter_frames(v)) for v in videos], videos)
    for fps, subset in ((None, videos[:2]), (5, videos)):
        label = "every frame (25/s), the default" if fps is None else f"{fps} frames/s"
        for backbone in ("compact", "dlib_resnet"):
            vf = VideoFeaturizer(default_aligner(backbone).set_params(fps=fps),
                                 CNNFeaturizer(backbone)).fit()
            add(f"faces (dlib HOG) + {backbone} features, {label}",
                lambda: vf.transform(subset), subset)
    audio = AudioFeaturizer().fit()
    add("IS10 audio features (openSMILE)", lambda: audio.transform(videos), videos)
    with tempfile.TemporaryDirectory() as cache:  # empty: a first pass
        members = [VideoFeaturizer(default_aligner(b), CNNFeaturizer(b), cache=cache).fit()
                   for b in ("compact", "dlib_resnet")]
        audio_cached = AudioFeaturizer(cache=cache).fit()
        add("**the default system's features**: both networks and audio, first pass, "
            "every frame (faces detected once: the second network reads the face tracks "
            "from the cache)",
            lambda: [m.transform(videos[:2]) for m in [*members, audio_cached]], videos[:2])
    return (
        f"### Throughput: eNTERFACE'05 clips ({len(videos)} clips, {seconds:.1f} s, "
        f"{n_frames} frames of 720x576 at 25 fps), one process\n\n"
        "Seconds of video processed per second of wall time (higher is faster; 1.0 is "
        "real time). The default system runs faces + dlib_resnet, faces + compact and "
        "audio on every frame; the last row times exactly that, with a (first-pass) "
        "cache through which the two networks share the face detection. "
        "Every-frame rows use the first 2 clips to save time. No GPU was lent to this "
        "session: there are no GPU rows.\n\n"
        + markdown_table(["step", "clips (video seconds)", "wall seconds",
                          "video seconds per wall second"], rows))


def _make_long_video(path, minutes):
    make_demo_video(skdata.astronaut(), path, center=(220, 125), seconds=60 * minutes,
                    fps=25, size=256)


_MEMORY_CHILD = """
import resource, sys, time
from emosk.face import FaceAligner
from emosk.nn import CNNFeaturizer
from emosk.video import VideoFeaturizer
vf = VideoFeaturizer(FaceAligner(mode="fer2013", size=48, color="gray", fps=2),
                     CNNFeaturizer("compact")).fit()
t0 = time.perf_counter()
feats = vf.transform([sys.argv[1]])[0]
print(len(feats), time.perf_counter() - t0,
      resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""


def part_memory():
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for minutes in (1, 10):
            path = Path(tmp) / f"video_{minutes}min.mp4"
            _, make_s = _timed(lambda: _make_long_video(path, minutes))
            out = subprocess.run([sys.executable, "-c", _MEMORY_CHILD, str(path)],
                                 capture_output=True, text=True, check=True)
            n, wall, peak = out.stdout.split()[-3:]
            rows.append([f"{minutes} min ({minutes * 1500} frames)", n, f"{float(wall):.0f}",
                         f"{float(peak):.0f}"])
            print(rows[-1], f"(made in {make_s:.0f} s)", flush=True)
    ratio = float(rows[1][3]) / float(rows[0][3])
    return (
        "### Peak memory: a 10-minute video against a 1-minute one\n\n"
        "A 256x256 video at 25 fps, MPEG-4, generated from a photo; every frame is "
        "decoded, 2 frames/s go through dlib face detection + fer2013 alignment + the "
        "compact CNN (`VideoFeaturizer`, chunks of 256 frames), each length in a fresh "
        "process; peak resident set size from `getrusage`.\n\n"
        + markdown_table(["video", "frames featurised", "wall seconds", "peak RSS (MiB)"],
                         rows)
        + f"\n\nRatio of peak memory, 10 min / 1 min: **{ratio:.2f}** (the video is "
        "streamed: memory does not grow with its length).")


def part_enterface(work):
    """``emosk train-audio`` then ``emosk predict --audio-model`` on the six clips.

    Outputs are kept in ``work`` and reused when present (they take minutes)."""
    work = Path(work)
    work.mkdir(parents=True, exist_ok=True)
    model, table = work / "ravdess_is10.joblib", work / "enterface_pred.csv"
    emosk = [sys.executable, "-m", "emosk"]
    timings = {}
    if not model.exists():
        t0 = time.perf_counter()
        subprocess.run([*emosk, "train-audio", "--out", str(model), "--cache",
                        str(work / "cache")], check=True)
        timings["train-audio"] = time.perf_counter() - t0
    data = load_enterface05()
    if not table.exists():
        videos = [str(p) for p in data.filenames]
        t0 = time.perf_counter()
        subprocess.run([*emosk, "predict", *videos, "--audio-model", str(model),
                        "--audio-weight", "0.5", "-o", str(table)], check=True)
        timings["predict"] = time.perf_counter() - t0
    truth = dict(zip(map(str, data.filenames), data.target))
    rows, hits = [], {"clip": 0, "audio": 0, "fused": 0}
    by_source = {}
    for r in csv.DictReader(table.open()):
        if r["kind"] in hits:
            by_source.setdefault(r["source"], {})[r["kind"]] = r["emotion"]
    for source, pred in sorted(by_source.items()):
        for kind in hits:
            hits[kind] += pred[kind] == truth[source]
        rows.append([Path(source).name, truth[source], pred["clip"], pred["audio"],
                     pred["fused"]])
    rows.append(["**correct**", "", *(f"{hits[k]}/{len(by_source)}" for k in hits)])
    timing = ", ".join(f"{k} {v:.0f} s" for k, v in timings.items()) or "reused outputs"
    return (
        "### `emosk predict` on the six eNTERFACE'05 clips, faces and audio\n\n"
        "`emosk train-audio --out ravdess_is10.joblib` (IS10 + calibrated linear SVM on "
        "all 1248 RAVDESS utterances), then `emosk predict s1_*.avi --audio-model "
        "ravdess_is10.joblib --audio-weight 0.5 -o enterface_pred.csv`: every frame "
        "through `emosk predict`'s default face path (RetinaFace) and face model "
        f"(`{DEFAULT_MODEL}`, no test-time views; the clip row: the mean of the main "
        "face's frames), the sound track through "
        "the audio model (audio row), and their mean (fused row). Six clips of one "
        f"subject are not an accuracy figure; they show the whole path works ({timing}).\n\n"
        + markdown_table(["clip", "label", "faces (clip)", "audio", "fused"], rows))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--part", action="append",
                        choices=["ckplus", "cache", "throughput", "memory", "enterface"])
    parser.add_argument("--work", default=None,
                        help="folder for the enterface part's model and predictions "
                             "(reused when present; a temporary folder by default)")
    args = parser.parse_args()
    parts = args.part or ["ckplus", "cache", "throughput", "memory", "enterface"]
    sections = {}
    results_json = HERE / "results" / "video_system.json"
    if results_json.exists():
        sections = json.loads(results_json.read_text())
    with tempfile.TemporaryDirectory() as ck_cache, tempfile.TemporaryDirectory() as grid_cache:
        run = {"ckplus": lambda: part_ckplus(ck_cache), "cache": lambda: part_cache(grid_cache),
               "throughput": part_throughput, "memory": part_memory,
               "enterface": lambda: part_enterface(args.work or Path(ck_cache) / "work")}
        for part in parts:
            sections[part] = run[part]()
            results_json.write_text(json.dumps(sections, indent=1))
    order = ["ckplus", "cache", "enterface", "throughput", "memory"]
    body = "\n\n".join(sections[p] for p in order if p in sections)
    write_result("video_system", "The whole video system (Knyazev et al. 2017)", body)


if __name__ == "__main__":
    main()

"""Every class of bad input against every entry point, and what emosk does with it.

One test per case, each run in a fresh folder holding links to good and bad
media files.  A case passes when emosk either stops with a specific error
whose message names the offending file, shape, dtype, option or value (Python
API: the exception; command line: exit status 2 for a usage error or 1 for a
failed input, a one-line message and no traceback), or takes the documented
fallback (e.g. no face: an empty list, a row with status ``no face``).  A
usage error must also leave no output behind.

Each test records its row (entry point, class of bad input, what was given,
what was expected, what happened, whether it was handled) as the user
property ``bad_input``: ``benchmarks/bad_inputs.py`` runs this file and writes
``benchmarks/results/bad_inputs.md`` from those rows.
"""

import contextlib
import csv
import io
import os
import re
import struct
import wave
import zlib
from dataclasses import dataclass
from pathlib import Path

import cv2
import joblib
import matplotlib
import numpy as np
import pytest
from skimage import data as skdata

from emosk import pretrained
from emosk.__main__ import main
from emosk.audio import AudioFeaturizer
from emosk.datasets import make_demo_video
from emosk.face import FaceAligner
from emosk.io import read_audio
from emosk.nn import CNNClassifier, classifier_from_weights
from emosk.pretrained import (
    PRETRAINED,
    load,
    predict_image,
    predict_video,
    weights_path,
)

matplotlib.use("Agg")  # the command line's --plot, without a display

# what a case expects
ERROR, FALLBACK, USAGE, FAILED_INPUT = "error", "fallback", "usage error (2)", "failed (1)"


@dataclass
class Case:
    entry: str
    kind: str
    given: str
    run: object  # callable(folder) -> outcome
    expect: str
    names: tuple = ()  # strings the message must contain
    error_types: tuple = (ValueError, TypeError, OSError)
    fallback: object = None  # callable(result) -> bool: FALLBACK's check, else one more
    setup: object = None  # callable(folder), run before the folder is listed
    once: tuple = ()  # command line: strings stderr must contain exactly once


class SoundOnlyModel:
    """A stand-in for a model saved by `emosk train-audio`: it reads each file's
    sound (so a file without one raises NoAudioError, as the real pipeline does)."""

    classes_ = np.array(["angry", "happy"])

    def predict_proba(self, paths):
        for path in paths:
            read_audio(path)
        return np.array([[0.8, 0.2]] * len(paths))


class CliResult(dict):
    """What one run of the command line gave: status, stderr, stdout."""


def _first_line(text):
    lines = [ln for ln in str(text).strip().splitlines() if ln.strip()]
    return lines[0] if lines else ""


# ---------------------------------------------------------------- input files

def make_inputs(folder):
    """Good and bad media files in ``folder``."""
    photo = skdata.astronaut()
    cv2.imwrite(str(folder / "good.png"), cv2.cvtColor(photo, cv2.COLOR_RGB2BGR))
    cv2.imwrite(str(folder / "gray.png"), np.full((120, 160, 3), 128, np.uint8))
    make_demo_video(photo, folder / "good.mp4", center=(220, 125), seconds=1.0, fps=4)
    make_demo_video(np.full((200, 200, 3), 90, np.uint8), folder / "wall.mp4",
                    center=(100, 100), seconds=0.5, fps=4)
    rng = np.random.default_rng(0)
    for name in ("corrupt.png", "corrupt.mp4", "corrupt.wav"):
        (folder / name).write_bytes(rng.integers(0, 256, 4096, dtype=np.uint8).tobytes())
    for name in ("empty.png", "empty.mp4", "empty.wav"):
        (folder / name).write_bytes(b"")
    for good, cut in (("good.png", "truncated.png"), ("good.mp4", "truncated.mp4")):
        raw = (folder / good).read_bytes()
        (folder / cut).write_bytes(raw[: len(raw) // 3])
    t = np.arange(16000) / 16000
    tone = 0.3 * np.sin(2 * np.pi * 220 * t) * (1 + 0.5 * np.sin(3 * t))
    _write_wav(folder / "tone.wav", tone)
    _write_wav(folder / "silent.wav", np.zeros(16000))
    (folder / "no_data").mkdir()
    raw = (folder / "tone.wav").read_bytes()
    (folder / "truncated.wav").write_bytes(raw[:30])  # the header, cut short
    (folder / "huge.png").write_bytes(_huge_png(200_000, 200_000))
    (folder / "notes.txt").write_text("not an image, not a video\n")


def _huge_png(width, height):
    """A PNG whose valid header claims ``width`` x ``height`` RGB pixels, with a
    tiny IDAT: a few hundred bytes asking a decoder for 120 GB."""
    def chunk(kind, payload):
        crc = zlib.crc32(kind + payload) & 0xFFFFFFFF
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b""))


def _write_wav(path, samples, rate=16000):
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes((np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes())


# ---------------------------------------------------------------- shared models

def _astronaut():
    return skdata.astronaut()


_CACHE = {}


def model():
    if "model" not in _CACHE:
        _CACHE["model"] = load("fer2013", tta=False)
    return _CACHE["model"]


def image_aligner():
    if "image" not in _CACHE:
        _CACHE["image"] = pretrained.image_aligner("fer2013").fit()
    return _CACHE["image"]


def video_aligner():
    if "video" not in _CACHE:
        _CACHE["video"] = pretrained.face_aligner("fer2013").fit()
    return _CACHE["video"]


def audio_featurizer(**params):
    pytest.importorskip("opensmile", reason="the audio extra is not installed")
    return AudioFeaturizer(**params).fit()


# ---------------------------------------------------------------- the cases

def predict_image_cases():
    def on(x, **kw):
        def run(folder):
            arg = folder / x if isinstance(x, str) else x
            return predict_image(arg, model=model(), aligner=image_aligner(), **kw)
        return run

    e = "predict_image"
    nan = np.full((64, 64, 3), np.nan)
    photo = _astronaut()
    return [
        Case(e, "corrupt", "random bytes as .png", on("corrupt.png"), ERROR, ("corrupt.png",)),
        Case(e, "truncated", "a third of a PNG", on("truncated.png"), ERROR,
             ("truncated.png",)),
        Case(e, "empty", "0-byte .png", on("empty.png"), ERROR, ("empty.png",)),
        Case(e, "empty", "missing file", on("missing.png"), ERROR, ("missing.png",)),
        Case(e, "no-face", "uniform gray photo (default no_face='skip')", on("gray.png"),
             FALLBACK, fallback=lambda r: r == []),
        Case(e, "no-face", "gray photo, no_face='error'", on("gray.png", no_face="error"),
             ERROR, ("gray.png", "No face")),
        Case(e, "wrong shape", "array (100,)", on(np.zeros(100, np.uint8)), ERROR,
             ("(100,)",)),
        Case(e, "wrong shape", "array (8, 8, 7)", on(np.zeros((8, 8, 7), np.uint8)), ERROR,
             ("7",)),
        Case(e, "wrong dtype", "complex array", on(np.zeros((64, 64, 3), complex)), ERROR,
             ("complex",)),
        Case(e, "wrong dtype", "array of str", on(np.full((64, 64), "a")), ERROR, ("<U1",)),
        Case(e, "many images", "a list of two file names",
             lambda f: predict_image([f / "good.png", f / "gray.png"], model=model(),
                                     aligner=image_aligner()), ERROR,
             ("list of 2", "predict_images")),
        Case(e, "many images", "a batch array (2, 64, 64, 3)",
             on(np.zeros((2, 64, 64, 3), np.uint8)), ERROR, ("(2, 64, 64, 3)", "predict_images")),
        Case(e, "NaN", "float image of NaN", on(nan), ERROR, ("NaN",)),
        Case(e, "float image", "the photo / 255 (floats in [0, 1])", on(photo / 255),
             FALLBACK, fallback=lambda r: [f["emotion"] for f in r] == ["happy"]),
        Case(e, "float image", "the photo / 127.5 - 1 (floats in [-1, 1])",
             on(photo / 127.5 - 1), ERROR, ("[-1, 1]",)),
        Case(e, "oversized", "PNG header claiming 200000x200000 pixels", on("huge.png"),
             ERROR, ("huge.png", "pixels")),
        Case(e, "unknown option", "no_face='ignore'", on("good.png", no_face="ignore"), ERROR,
             ("'ignore'",)),
        Case(e, "unknown option", "model='affectnet'",
             lambda f: predict_image(f / "good.png", model="affectnet"), ERROR,
             ("'affectnet'",)),
        Case(e, "loaded model", "model=load('fer2013') without an aligner (#24 item 12)",
             lambda f: predict_image(photo, model=model()), FALLBACK,
             fallback=lambda r: [x["emotion"] for x in r] == ["happy"]),
        Case(e, "custom model", "a classifier that is no shipped model, no aligner",
             lambda f: predict_image(photo, model=_custom_model()), ERROR,
             ("aligner=", "image_aligner", "video_aligner")),
    ]


def _custom_model():
    """The shipped network under another name: emosk cannot know its faces."""
    spec = PRETRAINED["fer2013"]
    return classifier_from_weights(spec.backbone, str(weights_path("fer2013")), spec.classes)


def predict_video_cases():
    def on(name, **kw):
        def run(folder):
            return predict_video(folder / name, model=model(), aligner=video_aligner(), **kw)
        return run

    e = "predict_video"
    return [
        Case(e, "corrupt", "random bytes as .mp4", on("corrupt.mp4"), ERROR, ("corrupt.mp4",)),
        Case(e, "truncated", "a third of an MP4", on("truncated.mp4"), ERROR,
             ("truncated.mp4",)),
        Case(e, "empty", "0-byte .mp4", on("empty.mp4"), ERROR, ("empty.mp4",)),
        Case(e, "empty", "missing file", on("missing.mp4"), ERROR, ("missing.mp4",)),
        Case(e, "wrong shape", "an array (4, 64, 64, 3) instead of a file",
             lambda f: predict_video(np.zeros((4, 64, 64, 3), np.uint8), model=model(),
                                     aligner=video_aligner()), ERROR, ("(4, 64, 64, 3)",)),
        Case(e, "no-face", "video of a gray wall (default no_face='skip')", on("wall.mp4"),
             FALLBACK, fallback=lambda r: r["emotion"] is None and not r["found"].any()),
        Case(e, "no-face", "gray wall, no_face='error'", on("wall.mp4", no_face="error"),
             ERROR, ("wall.mp4", "No face")),
        Case(e, "unknown option", "no_face='maybe'", on("good.mp4", no_face="maybe"), ERROR,
             ("'maybe'",)),
        Case(e, "unknown option", "clip='median'", on("good.mp4", clip="median"), ERROR,
             ("'median'",)),
        Case(e, "unknown option", "fps=2 with a custom aligner",
             lambda f: predict_video(f / "good.mp4", model=model(), aligner=video_aligner(),
                                     fps=2), ERROR, ("fps",)),
    ]


def face_aligner_cases():
    def on(x):
        def run(folder):
            if isinstance(x, str):
                return video_aligner().transform([str(folder / x)])
            return image_aligner().transform(x)
        return run

    e = "FaceAligner"
    return [
        Case(e, "corrupt", "random bytes as .mp4", on("corrupt.mp4"), ERROR, ("corrupt.mp4",)),
        Case(e, "truncated", "a third of an MP4", on("truncated.mp4"), ERROR,
             ("truncated.mp4",)),
        Case(e, "empty", "0-byte .mp4", on("empty.mp4"), ERROR, ("empty.mp4",)),
        Case(e, "empty", "0 images, shape (0, 64, 64, 3)", on(np.zeros((0, 64, 64, 3),
                                                                       np.uint8)), ERROR,
             ("0",)),
        Case(e, "no-face", "gray images (on_missing='frame': the whole frame)",
             on(np.full((2, 64, 64, 3), 128, np.uint8)), FALLBACK,
             fallback=lambda r: len(r) == 2),
        Case(e, "wrong shape", "one (H, W, 3) photo without the batch axis",
             on(np.zeros((64, 80, 3), np.uint8)), ERROR, ("(64, 80, 3)",)),
        Case(e, "wrong shape", "images (2, 64, 64, 5)", on(np.zeros((2, 64, 64, 5), np.uint8)),
             ERROR, ("5",)),
        Case(e, "wrong dtype", "complex images", on(np.zeros((2, 64, 64, 3), complex)), ERROR,
             ("complex",)),
        Case(e, "NaN", "float images with NaN", on(np.full((2, 64, 64, 3), np.nan)), ERROR,
             ("NaN",)),
        Case(e, "float image", "photos / 255 (floats in [0, 1])",
             on(_astronaut()[None] / 255), FALLBACK,
             fallback=lambda r: len(r) == 1 and len(r[0]) == 1),
        Case(e, "float image", "photos / 127.5 - 1 (floats in [-1, 1])",
             on(_astronaut()[None] / 127.5 - 1), ERROR, ("[-1, 1]",)),
        Case(e, "unknown option", "mode='nonsense'",
             lambda f: FaceAligner(mode="nonsense").fit(), ERROR, ("'nonsense'",)),
        Case(e, "unknown option", "size=4", lambda f: FaceAligner(size=4).fit(), ERROR,
             ("size",)),
    ]


def cnn_classifier_cases():
    def on(x):
        return lambda folder: model().predict(x)

    e = "CNNClassifier"
    return [
        Case(e, "empty", "0 faces, shape (0, 48, 48)", on(np.zeros((0, 48, 48), np.uint8)),
             ERROR, ("0",)),
        Case(e, "wrong shape", "features (5, 30)", on(np.zeros((5, 30))), ERROR, ("(5, 30)",)),
        Case(e, "wrong shape", "faces (2, 48, 48, 5)", on(np.zeros((2, 48, 48, 5), np.uint8)),
             ERROR, ("5",)),
        Case(e, "wrong dtype", "faces of str", on(np.full((2, 48, 48), "a")), ERROR,
             ("<U1",)),
        Case(e, "NaN", "float faces with NaN", on(np.full((2, 48, 48), np.nan)), ERROR,
             ("NaN",)),
        Case(e, "unknown option", "backbone='nope'",
             lambda f: CNNClassifier("nope").fit(np.zeros((2, 48, 48), np.uint8), [0, 1]),
             ERROR, ("'nope'",)),
        Case(e, "unknown option", "weights='affectnet'",
             lambda f: CNNClassifier("compact", weights="affectnet", max_epochs=0).fit(
                 np.zeros((2, 48, 48), np.uint8), [0, 1]), ERROR, ("affectnet",)),
    ]


def audio_featurizer_cases():
    def on(x, **params):
        def run(folder):
            arg = [str(folder / x)] if isinstance(x, str) else x
            return audio_featurizer(**params).transform(arg)
        return run

    e = "AudioFeaturizer"
    return [
        Case(e, "corrupt", "random bytes as .wav", on("corrupt.wav"), ERROR, ("corrupt.wav",)),
        Case(e, "truncated", "a WAV header cut short", on("truncated.wav"), ERROR,
             ("truncated.wav",)),
        Case(e, "empty", "0-byte .wav", on("empty.wav"), ERROR, ("empty.wav",)),
        Case(e, "empty", "empty list", on([]), ERROR, ("non-empty",)),
        Case(e, "silent", "1 s of digital silence", on("silent.wav"), ERROR, ("silent.wav",
                                                                              "silent")),
        Case(e, "silent", "silence, on_failure='nan'", on("silent.wav", on_failure="nan"),
             FALLBACK, fallback=lambda r: np.isnan(r).all()),
        Case(e, "silent", "a video without an audio track", on("good.mp4"), ERROR,
             ("good.mp4", "no audio")),
        Case(e, "wrong shape", "waveform (2, 3, 4)", on([(np.zeros((2, 3, 4)), 16000)]), ERROR,
             ("(2, 3, 4)",)),
        Case(e, "wrong dtype", "waveform of str", on([(np.full(16000, "a"), 16000)]), ERROR,
             ("<U1",)),
        Case(e, "NaN", "waveform with NaN", on([(np.full(16000, np.nan), 16000)]), ERROR,
             ("NaN",)),
        Case(e, "unknown option", "feature_set='IS99'", on("tone.wav", feature_set="IS99"),
             ERROR, ("IS99",)),
        Case(e, "unknown option", "sampling rate -1", on([(np.zeros(100), -1)]), ERROR,
             ("-1",)),
    ]


def cli(*argv, data=None):
    """Run ``emosk argv`` in the case's folder (``{f}`` stands for it)."""

    def run(folder):
        args = [a.format(f=folder) for a in argv]
        out, err = io.StringIO(), io.StringIO()
        old = Path.cwd()
        env = os.environ.get("EMOSK_DATA")
        os.chdir(folder)
        if data is not None:
            os.environ["EMOSK_DATA"] = str(data(folder))
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                status = main(args)
        finally:
            os.chdir(old)
            if data is not None:
                os.environ.pop("EMOSK_DATA") if env is None else os.environ.update(
                    EMOSK_DATA=env)
        return CliResult(status=status, stderr=err.getvalue(), stdout=out.getvalue(),
                         folder=folder)
    return run


def cli_cases():
    def no_data(folder):
        return folder / "no_data"

    def clips(folder):
        """A folder ``clips`` with a good photo, a corrupt video and a text file."""
        (folder / "clips").mkdir()
        for name in ("good.png", "corrupt.mp4"):
            (folder / "clips" / name).symlink_to(folder / name)
        (folder / "clips" / "notes.txt").write_text("not media")

    def big(folder):
        """A folder ``big``: a good photo, the oversized PNG, a good video."""
        (folder / "big").mkdir()
        for name in ("good.png", "huge.png", "good.mp4"):
            (folder / "big" / name).symlink_to(folder / name)

    def wrote(name, *sources):
        """The run wrote ``name``, with a row of each of ``sources``."""
        def check(result):
            path = result["folder"] / name
            return path.is_file() and all(s in path.read_text() for s in sources)
        return check

    p, x, ev = "emosk predict", "emosk extract", "emosk evaluate"
    rows = [
        Case(p, "corrupt", "random bytes as .png and .mp4", cli("predict", "corrupt.png",
                                                                 "corrupt.mp4"),
             FAILED_INPUT, ("corrupt.png", "corrupt.mp4")),
        Case(p, "truncated", "a third of a PNG and of an MP4",
             cli("predict", "truncated.png", "truncated.mp4"), FAILED_INPUT,
             ("truncated.png", "truncated.mp4")),
        Case(p, "empty", "0-byte .png and .mp4", cli("predict", "empty.png", "empty.mp4"),
             FAILED_INPUT, ("empty.png", "empty.mp4")),
        Case(p, "corrupt", "a folder: a good photo, random bytes as .mp4, a .txt",
             cli("predict", "clips"), FAILED_INPUT, ("corrupt.mp4", "1 of 2 inputs failed"),
             setup=clips),
        Case(p, "oversized", "a folder: a good photo, a PNG header claiming 200000x200000 "
             "pixels, a good video", cli("predict", "big", "-o", "o.csv"), FAILED_INPUT,
             ("huge.png", "pixels"), setup=big,
             fallback=wrote("o.csv", "big/good.png", "big/good.mp4,clip")),
        Case(p, "not media", "missing.jpg, a .txt and random bytes as .mp4, named",
             cli("predict", "missing.jpg", "notes.txt", "corrupt.mp4", "-o", "o.csv"),
             FAILED_INPUT, ("no such file", "not an image or video file",
                            "3 of 3 inputs failed"),
             once=("missing.jpg", "notes.txt", "corrupt.mp4"),
             fallback=lambda r: "Traceback" not in r["stderr"]
             and "Errno" not in r["stderr"]),
        Case(p, "empty", "an empty folder", cli("predict", "no_data", "-o", "o.csv"), USAGE,
             ("no_data", "no image or video")),
        Case(p, "empty", "a quoted pattern matching nothing",
             cli("predict", "*.avi", "-o", "o.csv"), USAGE, ("'*.avi'", "matches no file")),
        Case(p, "no-face", "gray photo (default --no-face skip)", cli("predict", "gray.png"),
             FALLBACK, fallback=lambda r: r["status"] == 0 and ",no face," in r["stdout"]),
        Case(p, "no-face", "gray photo, --no-face error",
             cli("predict", "gray.png", "--no-face", "error"), FAILED_INPUT, ("gray.png",)),
        Case(p, "silent", "video without sound, --audio-model (a saved model)",
             cli("predict", "good.mp4", "--audio-model", "audio.joblib"), FALLBACK,
             fallback=lambda r: r["status"] == 0 and ",no audio," in r["stdout"]),
        Case(p, "unknown option", "--bogus", cli("predict", "good.png", "--bogus"), USAGE,
             ("--bogus",)),
        Case(p, "bad CLI argument", "--model affectnet",
             cli("predict", "good.png", "--model", "affectnet", "-o", "o.csv"), USAGE,
             ("affectnet",)),
        Case(p, "bad CLI argument", "--fps 0", cli("predict", "good.mp4", "--fps", "0"), USAGE,
             ("--fps", "'0'")),
        Case(p, "bad CLI argument", "--fps -3",
             cli("predict", "good.mp4", "--fps", "-3", "--plot", "plots"), USAGE, ("'-3'",)),
        Case(p, "bad CLI argument", "--no-face maybe",
             cli("predict", "good.png", "--no-face", "maybe"), USAGE, ("maybe",)),
        Case(p, "bad CLI argument", "--clip median",
             cli("predict", "good.mp4", "--clip", "median"), USAGE, ("median",)),
        Case(p, "bad CLI argument", "--audio-model missing.joblib",
             cli("predict", "good.mp4", "--audio-model", "missing.joblib"), USAGE,
             ("missing.joblib",)),
        Case(p, "bad CLI argument", "--audio-model of a file that is not a model",
             cli("predict", "good.mp4", "--audio-model", "good.png"), USAGE, ("good.png",)),
        Case(p, "unwritable output", "-o inside a file",
             cli("predict", "good.png", "-o", "good.png/out.csv"), USAGE, ("good.png",)),
        Case(p, "unwritable output", "--plot is a file",
             cli("predict", "good.png", "--plot", "gray.png"), USAGE, ("gray.png",)),
        Case(p, "unwritable output", "-o with a folder name too long for the file system",
             cli("predict", "good.png", "-o", "x" * 300 + "/o.csv"), USAGE,
             ("Cannot write", "too long")),
        Case(p, "unwritable output", "-o into folders not there yet (new/sub/o.csv)",
             cli("predict", "good.png", "-o", "new/sub/o.csv"), FALLBACK,
             fallback=wrote("new/sub/o.csv", "good.png,face,0")),
        Case(p, "existing output", "-o an existing file",
             cli("predict", "good.png", "-o", "tone.wav"), USAGE, ("tone.wav", "--overwrite")),
        Case(x, "corrupt", "random bytes as .mp4",
             cli("extract", "corrupt.mp4", "--out", "feats"), FAILED_INPUT, ("corrupt.mp4",)),
        Case(x, "truncated", "a third of an MP4",
             cli("extract", "truncated.mp4", "--out", "feats"), FAILED_INPUT,
             ("truncated.mp4",)),
        Case(x, "empty", "0-byte .mp4", cli("extract", "empty.mp4", "--out", "feats"),
             FAILED_INPUT, ("empty.mp4",)),
        Case(x, "no-face", "video of a gray wall: rows with found=False",
             cli("extract", "wall.mp4", "--out", "feats", "--what", "faces"), FALLBACK,
             fallback=lambda r: r["status"] == 0 and "face in 0" in r["stderr"]),
        Case(x, "unknown option", "--colour", cli("extract", "good.mp4", "--out", "o",
                                                  "--colour"), USAGE, ("--colour",)),
        Case(x, "bad CLI argument", "--mode nonsense",
             cli("extract", "good.mp4", "--out", "o", "--mode", "nonsense"), USAGE,
             ("nonsense",)),
        Case(x, "bad CLI argument", "--size 4",
             cli("extract", "good.mp4", "--out", "o", "--what", "faces", "--size", "4"), USAGE,
             ("--size", "'4'")),
        Case(x, "bad CLI argument", "--fps 0",
             cli("extract", "good.mp4", "--out", "o", "--fps", "0"), USAGE, ("--fps",)),
        Case(x, "unwritable output", "--out inside a file",
             cli("extract", "good.mp4", "--out", "good.png/feats"), USAGE, ("good.png",)),
        Case(x, "existing output", "--out with good.npz already there",
             cli("extract", "good.mp4", "--out", "."), FALLBACK,  # replaced below
             ()),
        Case(ev, "unknown option", "--colour", cli("evaluate", "--colour"), USAGE,
             ("--colour",)),
        Case(ev, "bad CLI argument", "--subset PrivateTest with --data ckplus48",
             cli("evaluate", "--data", "ckplus48", "--subset", "PrivateTest"), USAGE,
             ("ckplus48",)),
        Case(ev, "bad CLI argument", "--subset privatetest (misspelt)",
             cli("evaluate", "--subset", "privatetest"), USAGE, ("privatetest",)),
        Case(ev, "bad CLI argument", "--max-samples -5",
             cli("evaluate", "--max-samples", "-5"), USAGE, ("'-5'",)),
        Case(ev, "bad CLI argument", "--model affectnet",
             cli("evaluate", "--model", "affectnet"), USAGE, ("affectnet",)),
        Case(ev, "empty", "a data folder without the data set",
             cli("evaluate", "-o", "r.json", data=no_data), USAGE, ("no_data",)),
        Case(ev, "unwritable output", "-o inside a file",
             cli("evaluate", "-o", "good.png/r.json"), USAGE, ("good.png",)),
        Case(ev, "existing output", "--plot an existing file",
             cli("evaluate", "--plot", "good.png"), USAGE, ("good.png", "--overwrite")),
    ]
    # extract into a folder that already holds good.npz
    existing = rows[[c.given for c in rows].index("--out with good.npz already there")]
    existing.setup = lambda folder: (folder / "good.npz").write_bytes(b"the user's file")
    existing.expect, existing.names = USAGE, ("good.npz", "--overwrite")
    return rows


# ---------------------------------------------------------------- judging

def judge(case, folder):
    """(what happened, handled) of one case run in ``folder``."""
    if case.setup is not None:
        case.setup(folder)
    before = {p.name for p in folder.iterdir()}
    try:
        result = case.run(folder)
    except Exception as err:  # noqa: BLE001 - every escape is recorded
        said = f"{type(err).__name__}: {_first_line(err)}"
        if case.expect != ERROR:
            return said + " (unexpected)", False
        named = all(n.lower() in str(err).lower() for n in case.names)
        return said, isinstance(err, case.error_types) and named
    if case.expect == ERROR:
        return f"no error; returned {type(result).__name__}", False
    if case.expect == FALLBACK and not isinstance(result, CliResult):
        return f"returned {_describe(result)}", bool(case.fallback(result))
    status, err = result["status"], result["stderr"]
    lines = [ln for ln in err.splitlines() if ln.strip()]
    said = f"exit {status}: {lines[-1] if lines else '(no message)'}"
    if case.expect == FAILED_INPUT and status == 1:
        said = f"exit 1: {_failure_lines(lines)}"
    if "Traceback" in err:
        return said + " (traceback)", False
    if case.expect == FALLBACK:
        if not status:
            said = f"exit 0: {_csv_status(result['stdout']) or (lines[-1] if lines else '')}"
        return said, bool(case.fallback(result))
    wanted = 2 if case.expect == USAGE else 1
    named = all(n in err for n in case.names) and all(err.count(n) == 1 for n in case.once)
    if case.fallback is not None:
        named = named and bool(case.fallback(result))
    created = {p.name for p in folder.iterdir()} - before
    clean = case.expect != USAGE or not created
    if not clean:
        said += f" (created {sorted(created)})"
    one_line = case.expect != USAGE or len(lines) == 1
    return said, status == wanted and named and clean and one_line


def _failure_lines(lines):
    """What a run said about its failed inputs (not its progress or summary)."""
    lines = [part for ln in lines for part in ln.split("\r")]  # progress bars redraw
    said = [ln.split(": ", 1)[1] for ln in lines if ln.startswith("emosk ") and ": " in ln
            and "%|" not in ln and "inputs failed" not in ln and "left out of" not in ln]
    return " / ".join(said) or "(no message)"


def _shorten_runs(text):
    """A character repeated 40 times or more, written once with its count."""
    return re.sub(r"(.)\1{39,}", lambda m: f"{m.group(1)}...({len(m.group())} times)", text)


def _describe(result):
    if isinstance(result, dict) and "emotion" in result:
        return (f"emotion {result['emotion']}, a face in {int(result['found'].sum())} of "
                f"{len(result['found'])} frames")
    if isinstance(result, list):
        return f"list of {len(result)}"
    if isinstance(result, np.ndarray):
        return f"array {result.shape}" + (", all NaN" if np.isnan(result).all() else "")
    return type(result).__name__


def _csv_status(stdout):
    rows = list(csv.DictReader(io.StringIO(stdout)))
    return "; ".join(sorted({f"{r['kind']} row: {r['status']}" for r in rows}))


# ---------------------------------------------------------------- the tests

CASES = [*predict_image_cases(), *predict_video_cases(), *face_aligner_cases(),
         *cnn_classifier_cases(), *audio_featurizer_cases(), *cli_cases()]


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    """The good and bad media files, and a saved sound-only model."""
    folder = tmp_path_factory.mktemp("inputs")
    make_inputs(folder)
    joblib.dump({"model": SoundOnlyModel()}, folder / "audio.joblib")
    return folder


@pytest.fixture
def case_folder(inputs, tmp_path):
    """A fresh folder with links to every input."""
    folder = tmp_path / "case"
    folder.mkdir()
    for f in inputs.iterdir():
        (folder / f.name).symlink_to(f)
    return folder


def _said_in_table(said, folder):
    said = said.replace(str(folder) + "/", "").replace(str(folder.parent), "<tmp>")
    return _shorten_runs(said).replace("|", "\\|")[:160]


@pytest.mark.parametrize("case", CASES,
                         ids=[f"{c.entry}-{c.kind}-{i}" for i, c in enumerate(CASES)])
def test_bad_input(case, case_folder, record_property):
    said, ok = judge(case, case_folder)
    record_property("bad_input", (case.entry, case.kind, case.given, case.expect,
                                  _said_in_table(said, case_folder), ok))
    assert ok, f"{case.entry}, {case.kind}, {case.given}: {said}"

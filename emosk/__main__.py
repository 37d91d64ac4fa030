"""The ``emosk`` command line (also ``python -m emosk``).

Only argparse, numpy, the registry of shipped models and the constants of
``emosk._cli`` are imported to parse the arguments, so ``emosk --help`` and
usage errors are instant; a command's own modules (torch, dlib, openSMILE...)
are imported when it runs.

Exit status: 0 success; 1 some inputs could not be processed (they are listed);
2 a usage error (bad option or value, an existing output file, a missing data
set), reported on one line before anything is read or written.
"""

import argparse
import math
import sys
from pathlib import Path

from . import __version__
from .io import IMAGE_SUFFIXES, VIDEO_SUFFIXES  # standard library only
from .nn import DEFAULT_MODEL, PRECISIONS, PRETRAINED  # the registry: standard library only

#: ``emosk.face.ALIGN_MODES`` (kept here so that parsing does not import dlib and
#: OpenCV; a test checks they agree).
ALIGN_MODES = ("similarity", "ng2015", "fer2013", "dlib-chip", "box", "five-point")
#: The smallest face FaceAligner makes (its ``size`` constraint).
MIN_FACE_SIZE = 8
FER2013_SUBSETS = ("Training", "PublicTest", "PrivateTest", "all")
#: ``emosk.ensemble.FUSE_OPTIONS`` (kept here so that parsing does not import
#: scikit-learn; a test checks they agree).
FUSE_OPTIONS = ("same-speaker", "always", "never")
NO_FACE = ("skip", "whole-image", "error")
#: ``emosk.pooling.CLIP_METHODS`` (kept here so that parsing does not import
#: scikit-learn; a test checks they agree).
CLIP_METHODS = ("mean", "log-mean", "confidence", "expressive")
FORMATS = ("csv", "json")
INPUTS_HELP = (
    f"A folder gives its images ({' '.join(sorted(IMAGE_SUFFIXES))}) and videos "
    f"({' '.join(sorted(VIDEO_SUFFIXES))}) in sorted order; its other files are left out "
    "and counted on stderr. A quoted pattern is expanded by "
    "emosk as a shell would ('**' for any depth). A file named explicitly is tried "
    "whatever its suffix. An empty folder or a pattern matching nothing is a usage error.")
RECURSIVE_HELP = "also take the files of the folders' sub-folders (default: not)"
QUIET_HELP = ("no progress bars on stderr; there are none anyway when stderr is not a "
              "terminal (default: bars on a terminal)")
FACE_PATHS = ["retinaface", "fast", "paper"]  # emosk.face.FACE_PATHS, without importing it
FACE_PATH_HELP = ("'retinaface' detects faces with RetinaFace on a 320-pixel copy of every "
                  "frame, framed by its five points (finds faces down to about 1/16 of the "
                  "frame's longer side; needs RetinaFace's weights); 'fast' detects with "
                  "dlib's HOG on a 640-pixel copy every 10th frame and follows the faces "
                  "by their landmarks in between (down to about 1/8); 'paper' detects "
                  "at full size with upsampling in every frame, as Knyazev et al. 2017 "
                  "(smaller faces, many times slower)")


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose usage errors are one line on stderr, exit status 2."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see `{self.prog} --help`)\n")


def positive_float(text):
    """A finite number > 0 (``--fps``)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text!r}")
    return value


def int_at_least(minimum):
    """A type checking an integer >= ``minimum``."""

    def check(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}, got {text!r}")
        return value

    check.__name__ = f"integer >= {minimum}"
    return check


def default_model():
    """The face model used when none is named."""
    return DEFAULT_MODEL


def shipped_models(kind):
    """Names of the shipped models of one kind ("face" or "audio")."""
    return sorted(n for n, s in PRETRAINED.items() if getattr(s, "kind", "face") == kind)


def model_or_file(kind):
    """A type accepting a shipped model of ``kind`` or an existing file."""

    def check(text):
        names = shipped_models(kind)
        if text in names or Path(text).is_file():
            return text
        raise argparse.ArgumentTypeError(
            f"{text!r} is neither a shipped {kind} model ({', '.join(names) or 'none'}) "
            "nor an existing file: not found")

    check.__name__ = f"{kind} model"
    return check


def unit_float(text):
    """A number in [0, 1] (``--audio-weight``)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1, got {text!r}")
    return value


def audio_model_choice(text):
    """``--audio-model``: 'auto', 'none', a shipped audio model or an existing file."""
    if text in ("auto", "none"):
        return text
    return model_or_file("audio")(text)


audio_model_choice.__name__ = "audio model"


def build_parser():
    """The argument parser of the ``emosk`` command."""
    parser = _Parser(
        prog="emosk", description="Emotion recognition in the wild, from faces and voice.",
        epilog="Exit status: 0 success, 1 some inputs failed (listed), 2 usage error.")
    parser.add_argument("--version", action="version", version=f"emosk {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    predict = sub.add_parser(
        "predict", help="emotion probabilities of the faces in images and videos",
        description="Per-face (images) or per-frame and per-clip (videos) emotion "
                    "probabilities with a model shipped in emosk. Faces in an image are "
                    "numbered from 0, left to right; the number is drawn by --plot. The "
                    "'status' column says 'ok', 'no face', 'no face: whole image used' (or "
                    "'whole frame used'), 'no audio' or 'error' (a fused row says what went "
                    "in); the 'answer' column is True on the rows to read: each image's "
                    "faces, each video's clip row, or its fused row when the voice went "
                    "in. Unreadable inputs are "
                    "listed as errors and make the exit status 1; a missing file, or one "
                    "that is neither an image nor a video (by its content when its "
                    "suffix does not say), is reported before any model loads. "
                    + INPUTS_HELP)
    predict.add_argument("paths", nargs="+", metavar="PATH",
                         help="image or video files, folders of them, or quoted glob "
                              "patterns ('clips/*.mp4')")
    predict.add_argument("--recursive", action="store_true", help=RECURSIVE_HELP)
    predict.add_argument("--model", choices=shipped_models("face"), default=default_model(),
                         help=f"shipped model (default: {default_model()})")
    predict.add_argument("--precision", choices=PRECISIONS, default="float32",
                         help="the face model's float network, or its shipped int8 graph "
                              "run by ONNX Runtime (the onnx extra): about twice as fast "
                              "on a CPU, its answer differs on about 5%% of faces "
                              "(default: float32)")
    predict.add_argument("--fps", type=positive_float, default=None,
                         help="video frames per second to analyse (default: every frame)")
    predict.add_argument("--faces", choices=["main", "all"], default="main",
                         help="videos: follow the main face only, or every face as its "
                              "own track (rows per face per frame, a clip row per face, "
                              "the main face's first; column 'track'; with --plot also a "
                              "timeline per face) (default: main)")
    predict.add_argument("--face-path", choices=FACE_PATHS, default=None,
                         help="videos: " + FACE_PATH_HELP + " (default: retinaface, or "
                              "fast without RetinaFace's weights)")
    predict.add_argument("--tta", action="store_true",
                         help="average 18 flipped, rotated and scaled views of every face, "
                              "in images and videos (18 times the network's cost) "
                              "(default: off)")
    predict.add_argument("--clip", choices=CLIP_METHODS, default="mean",
                         help="videos: how the frames' probabilities make a clip row's: "
                              "their mean, the mean of their logarithms, a mean weighted "
                              "by each frame's confidence, or the mean over the third of "
                              "the frames most confident in an emotion other than "
                              "neutral (see emosk.pooling.pool_probabilities) "
                              "(default: mean)")
    predict.add_argument("--no-face", choices=NO_FACE, default="skip",
                         help="when an image (or every frame of a video) has no face: "
                              "'skip' writes a row with status 'no face' and no emotion, "
                              "'whole-image' classifies the whole image and says so, "
                              "'error' counts the input as failed (default: skip)")
    predict.add_argument("--format", choices=FORMATS, default=None,
                         help="output format (default: from the -o extension, .json -> "
                              "json, otherwise csv; csv on stdout)")
    predict.add_argument("-o", "--output", default=None, metavar="FILE",
                         help="file to write; its folder is created first if needed "
                              "(default: stdout)")
    predict.add_argument("--plot", metavar="DIR", default=None,
                         help="write an annotated PNG per image / a timeline per video "
                              "into this folder (default: no plots)")
    predict.add_argument("--audio-model", default="auto", metavar="MODEL",
                         type=audio_model_choice,
                         help="also classify each video's sound (an 'audio' row) and "
                              "fuse it with the faces when --fuse says so (a 'fused' "
                              "row): a shipped audio model "
                              f"({', '.join(shipped_models('audio')) or 'none'}), a file "
                              "saved by `emosk train-audio`, 'none' for faces only, or "
                              "'auto': the shipped model when the audio extra (openSMILE) "
                              "is installed. A video without sound keeps its face rows, "
                              "its audio row says 'no audio' (default: auto)")
    predict.add_argument("--fuse", choices=FUSE_OPTIONS, default=None,
                         help="when the voice goes into a video's answer (the 'fused' "
                              "row, then marked answer=True instead of the clip row): "
                              "'same-speaker' only when it is speaker-normalised "
                              "(--same-speaker with two or more videos with sound; one "
                              "clip's voice alone is near chance on recordings unlike "
                              "RAVDESS, see the audio model card), 'always', or 'never'; "
                              "otherwise the fused row is the faces alone and its status "
                              "says why (default: same-speaker, or always when "
                              "--audio-weight is given)")
    predict.add_argument("--audio-weight", type=unit_float, default=None, metavar="W",
                         help="weight of the voice when it goes in, from 0 (faces only) "
                              "to 1 (voice only); given alone it implies --fuse always "
                              "(default: 0.5 for speaker-normalised voices, 0.2 for one "
                              "clip's voice alone)")
    predict.add_argument("--same-speaker", action="store_true",
                         help="the videos of this run are one speaker: standardise the "
                              "sound of those that succeed together (the audio model's "
                              "speaker normalisation) instead of each video alone "
                              "(default: each alone)")
    predict.add_argument("--overwrite", action="store_true",
                         help="replace existing output files (default: refuse)")
    predict.add_argument("-q", "--quiet", action="store_true", help=QUIET_HELP)
    predict.set_defaults(func="cmd_predict")

    demo = sub.add_parser(
        "demo", help="the shipped model on a real photo (skimage's astronaut) and a video "
                     "made from it; offline",
        description="The default face model on skimage.data.astronaut() and on a short "
                    "video made from it, with the defaults of `emosk predict` (the fast "
                    "face path for the video); writes two PNGs, the photo and the video.")
    demo.add_argument("--out", default="emosk-demo", metavar="DIR",
                      help="output folder (default: emosk-demo)")
    demo.add_argument("--overwrite", action="store_true",
                      help="replace the demo's files from an earlier run (default: refuse)")
    demo.set_defaults(func="cmd_demo")

    evaluate = sub.add_parser(
        "evaluate", help="a shipped model on a labelled face data set (from $EMOSK_DATA)",
        description="Accuracy, UAR, per-class recall and the confusion matrix as JSON "
                    "(with the subset used and the number of faces); --plot draws the "
                    "matrix. Classes the model does not have (CK+'s contempt) are left "
                    "out, with a line on stderr saying how many; the matrix has a row "
                    "per class of the data and a column per class of the data or the "
                    "predictions (no all-zero row for a class the data lacks).")
    evaluate.add_argument("--model", default=default_model(), type=model_or_file("face"),
                          help="a shipped model's name or a joblib file of a fitted face "
                               "classifier; load only files you trust (default: "
                               f"{default_model()})")
    evaluate.add_argument("--against", default=None, type=model_or_file("face"),
                          metavar="MODEL",
                          help="a second model (a shipped name or a joblib file) on the same "
                               "faces: the report adds its figures and --model's accuracy "
                               "and UAR minus its, with 95%% paired bootstrap intervals "
                               "(CK+: whole subjects drawn) (default: none)")
    evaluate.add_argument("--data", choices=["fer2013", "ckplus48"], default="fer2013",
                          help="data set: FER2013 faces or the last (apex) frame of every "
                               "CK+48 sequence (default: fer2013)")
    evaluate.add_argument("--subset", choices=FER2013_SUBSETS, default=None,
                          help="FER2013 part; CK+48 has none (default: PublicTest for "
                               "fer2013)")
    evaluate.add_argument("--max-samples", type=int_at_least(1), default=None, metavar="N",
                          help="evaluate a random subset of N faces, seeded (default: all)")
    evaluate.add_argument("-o", "--output", default=None, metavar="FILE",
                          help="JSON file to write (default: stdout only)")
    evaluate.add_argument("--plot", default=None, metavar="FILE",
                          help="confusion-matrix PNG to write (default: none)")
    evaluate.add_argument("--overwrite", action="store_true",
                          help="replace existing output files (default: refuse)")
    evaluate.add_argument("-q", "--quiet", action="store_true", help=QUIET_HELP)
    evaluate.set_defaults(func="cmd_evaluate")

    extract = sub.add_parser(
        "extract", help="aligned faces or per-frame CNN features of videos, one .npz each",
        description="Writes OUT/<video name>.npz with 'faces' (T, size, size[, 3]) or "
                    "'features' (T, d), and 'frame', 'found', 'box' per analysed frame; a "
                    "video found in a sub-folder of a folder given is written in the same "
                    "sub-folder of OUT. Unreadable inputs are listed and make the exit "
                    "status 1. " + INPUTS_HELP)
    extract.add_argument("paths", nargs="+", metavar="VIDEO",
                         help="video files (an image gives one frame), folders of them, "
                              "or quoted glob patterns ('clips/*.mp4')")
    extract.add_argument("--recursive", action="store_true", help=RECURSIVE_HELP)
    extract.add_argument("--out", required=True, metavar="DIR",
                         help="output folder (required; no default)")
    extract.add_argument("--what", choices=["faces", "features"], default="features",
                         help="aligned face crops or CNN features (default: features)")
    extract.add_argument("--backbone", choices=["compact", "dlib_resnet"], default="compact",
                         help="CNN for --what features; compact is the shipped FER2013 "
                              "model (default: compact)")
    extract.add_argument("--face-path", choices=FACE_PATHS, default="fast",
                         help=FACE_PATH_HELP + " (default: fast)")
    extract.add_argument("--mode", choices=ALIGN_MODES, default=None,
                         help="alignment, for --what faces only (default: similarity)")
    extract.add_argument("--size", type=int_at_least(MIN_FACE_SIZE), default=None,
                         metavar="PIXELS",
                         help=f"face size (>= {MIN_FACE_SIZE}), for --what faces only "
                              "(default: 128)")
    extract.add_argument("--fps", type=positive_float, default=None,
                         help="frames per second to analyse (default: every frame)")
    extract.add_argument("--overwrite", action="store_true",
                         help="replace existing .npz files (default: refuse)")
    extract.set_defaults(func="cmd_extract")

    train_audio = sub.add_parser(
        "train-audio", help="fit the IS10 audio SVM on RAVDESS (for predict --audio-model)",
        description="Fit openSMILE features -> scaling -> calibrated linear SVM on all "
                    "RAVDESS speech utterances (from $EMOSK_DATA) and save it with joblib.")
    train_audio.add_argument("--out", required=True, metavar="FILE",
                             help="model file to write, .joblib (required; no default)")
    train_audio.add_argument("--feature-set", default="IS10",
                             help="openSMILE feature set (default: IS10)")
    train_audio.add_argument("--cache", default=None, metavar="DIR",
                             help="feature cache folder (default: no cache)")
    train_audio.add_argument("--n-jobs", type=int, default=None,
                             help="parallel feature extraction jobs (default: 1)")
    train_audio.add_argument("--overwrite", action="store_true",
                             help="replace an existing model file (default: refuse)")
    train_audio.set_defaults(func="cmd_train_audio")
    return parser


def _subparser(parser, name):
    actions = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return actions[0].choices[name]


def check_combinations(parser, args):
    """Usage errors that one option alone cannot show; calls ``error`` (exit 2)."""
    if args.command == "extract" and args.what == "features":
        given = [o for o, v in (("--mode", args.mode), ("--size", args.size)) if v is not None]
        if given:
            _subparser(parser, "extract").error(
                f"{' and '.join(given)} {'apply' if len(given) > 1 else 'applies'} to --what "
                "faces only")
    if args.command == "predict":
        _check_fusion_options(_subparser(parser, "predict"), args)
    if args.command == "evaluate" and args.data == "ckplus48" and args.subset is not None:
        _subparser(parser, "evaluate").error(
            f"--subset {args.subset}: ckplus48 has no subsets (FER2013 has "
            f"{', '.join(FER2013_SUBSETS)})")


def _check_fusion_options(predict, args):
    """--fuse and --audio-weight need a voice to fuse; --fuse never takes no weight."""
    given = [o for o, v in (("--fuse", args.fuse), ("--audio-weight", args.audio_weight))
             if v is not None]
    if args.audio_model == "none" and given:
        predict.error(f"{' and '.join(given)} need an audio model; drop --audio-model none")
    if args.fuse == "never" and args.audio_weight is not None:
        predict.error("--audio-weight applies when the voice is fused; drop it or "
                      "--fuse never")


def _exit_status(code):
    if code is None:
        return 0
    return code if isinstance(code, int) else 1


def main(argv=None):
    """Entry point; returns the process exit status (0, 1 or 2, see above)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        check_combinations(parser, args)
    except SystemExit as stop:  # --help, --version, usage errors
        return _exit_status(stop.code)
    from . import _cli
    from .datasets import DatasetNotFoundError

    try:
        return getattr(_cli, args.func)(args) or 0
    except (_cli.CommandError, DatasetNotFoundError) as err:
        print(f"emosk {args.command}: error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())

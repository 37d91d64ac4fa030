"""The ``emosk`` command line (also ``python -m emosk``)."""

import argparse
import sys

from ._cli import (
    CommandError,
    cmd_demo,
    cmd_evaluate,
    cmd_extract,
    cmd_predict,
    cmd_train_audio,
)
from .datasets import DatasetNotFoundError


def build_parser():
    """The argument parser of the ``emosk`` command."""
    parser = argparse.ArgumentParser(
        prog="emosk", description="Emotion recognition in the wild, from faces and voice."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    predict = sub.add_parser(
        "predict", help="emotion probabilities of the faces in images and videos",
        description="Per-face (images) or per-frame and per-clip (videos) emotion "
                    "probabilities with a model shipped in emosk. Unreadable inputs are "
                    "listed as errors and make the exit status 1.")
    predict.add_argument("paths", nargs="+", metavar="PATH", help="image or video files")
    predict.add_argument("--model", default="fer2013", help="shipped model (default fer2013)")
    predict.add_argument("--fps", type=float, default=None,
                         help="video frames per second to analyse (default: every frame)")
    predict.add_argument("--format", choices=["csv", "json"], default="csv")
    predict.add_argument("-o", "--output", default=None, help="file to write (default stdout)")
    predict.add_argument("--plot", metavar="DIR", default=None,
                         help="write an annotated PNG per image / a timeline per video here")
    predict.add_argument("--audio-model", default=None, metavar="FILE",
                         help="also classify each video's sound with a model saved by "
                              "`emosk train-audio`, and average it with the faces")
    predict.add_argument("--overwrite", action="store_true",
                         help="replace existing output files")
    predict.set_defaults(func=cmd_predict)
    demo = sub.add_parser(
        "demo", help="the shipped model on a real photo (skimage's astronaut) and a video "
                     "made from it; offline")
    demo.add_argument("--out", default="emosk-demo", help="output folder (default emosk-demo)")
    demo.add_argument("--overwrite", action="store_true",
                      help="replace the demo's files from an earlier run")
    demo.set_defaults(func=cmd_demo)
    evaluate = sub.add_parser(
        "evaluate", help="a shipped model on a labelled face data set (from $EMOSK_DATA)",
        description="Accuracy, UAR and per-class recall as JSON; --plot writes the "
                    "confusion matrix.")
    evaluate.add_argument("--model", default="fer2013",
                          help="a shipped model's name (default fer2013) or a joblib file "
                               "of a fitted face classifier (load only files you trust)")
    evaluate.add_argument("--data", choices=["fer2013", "ckplus48"], default="fer2013")
    evaluate.add_argument("--subset", default=None,
                          help="FER2013 part (default PublicTest)")
    evaluate.add_argument("--max-samples", type=int, default=None,
                          help="evaluate a random subset of this size")
    evaluate.add_argument("-o", "--output", default=None, help="JSON file to write")
    evaluate.add_argument("--plot", default=None, help="confusion-matrix PNG to write")
    evaluate.add_argument("--overwrite", action="store_true")
    evaluate.set_defaults(func=cmd_evaluate)
    extract = sub.add_parser(
        "extract", help="aligned faces or per-frame CNN features of videos, one .npz each",
        description="Writes OUT/<video name>.npz with 'faces' (T, size, size[, 3]) or "
                    "'features' (T, d), and 'frame', 'found', 'box' per analysed frame.")
    extract.add_argument("paths", nargs="+", metavar="VIDEO")
    extract.add_argument("--out", required=True, help="output folder")
    extract.add_argument("--what", choices=["faces", "features"], default="features")
    extract.add_argument("--backbone", choices=["compact", "dlib_resnet"], default="compact",
                         help="CNN for --what features (compact: the shipped FER2013 model)")
    extract.add_argument("--mode", default="similarity", help="alignment for --what faces")
    extract.add_argument("--size", type=int, default=128, help="face size for --what faces")
    extract.add_argument("--fps", type=float, default=None)
    extract.add_argument("--overwrite", action="store_true")
    extract.set_defaults(func=cmd_extract)

    train_audio = sub.add_parser(
        "train-audio", help="fit the IS10 audio SVM on RAVDESS (for predict --audio-model)",
        description="Fit openSMILE features -> scaling -> calibrated linear SVM on all "
                    "RAVDESS speech utterances (from $EMOSK_DATA) and save it with joblib.")
    train_audio.add_argument("--out", required=True, help="model file to write (.joblib)")
    train_audio.add_argument("--feature-set", default="IS10")
    train_audio.add_argument("--cache", default=None, help="feature cache folder")
    train_audio.add_argument("--n-jobs", type=int, default=None)
    train_audio.add_argument("--overwrite", action="store_true")
    train_audio.set_defaults(func=cmd_train_audio)
    return parser


def main(argv=None):
    """Entry point; returns the process exit status."""
    args = build_parser().parse_args(argv)
    try:
        return args.func(args) or 0
    except (CommandError, DatasetNotFoundError) as err:
        print(f"emosk {args.command}: error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())

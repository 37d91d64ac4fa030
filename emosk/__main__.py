"""The ``emosk`` command line (also ``python -m emosk``)."""

import argparse
import sys

from ._demo import run_demo


def build_parser():
    """The argument parser of the ``emosk`` command."""
    parser = argparse.ArgumentParser(
        prog="emosk", description="Emotion recognition in the wild, from faces and voice."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser(
        "demo", help="run emosk's clip pipeline end to end on an embedded default"
    )
    demo.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    demo.set_defaults(func=lambda a: run_demo(seed=a.seed))
    return parser


def main(argv=None):
    """Entry point; returns the process exit status."""
    args = build_parser().parse_args(argv)
    return args.func(args) or 0


if __name__ == "__main__":
    sys.exit(main())

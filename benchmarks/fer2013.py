"""Train a CNNClassifier on FER2013 Training, select on PublicTest, report PublicTest.

Reports PublicTest accuracy, UAR, per-class recall and a confusion-matrix PNG
for one backbone; the trained weights go OUTSIDE the repository (``--out``).
PublicTest is used for model selection (the best epoch), so its accuracy is
optimistic; FER2013's PrivateTest part is not in ../shared/data.

    EMOSK_DATA=/path/to/data python benchmarks/fer2013.py --backbone compact \
        --epochs 30 --lr 0.01 --out ~/emosk-weights/compact.pt

On a CPU, ``--max-train`` limits the training images to what the time allows;
the table says how many were used.
"""

import argparse
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402
import torch  # noqa: E402
from _common import RESULTS, markdown_table, write_result  # noqa: E402
from skorch.callbacks import Callback  # noqa: E402
from skorch.dataset import Dataset  # noqa: E402

from emosk.datasets import load_fer2013  # noqa: E402
from emosk.metrics import (  # noqa: E402
    per_class_recall,
    plot_confusion_matrix,
    unweighted_average_recall,
)
from emosk.nn import CNNClassifier  # noqa: E402


class SaveEveryEpoch(Callback):
    """Save the backbone's weights after every epoch, so a long run that is cut
    short still leaves its latest network (``<out>.last.pt``)."""

    def __init__(self, path):
        self.path = path

    def on_epoch_end(self, net, **kwargs):
        torch.save(net.module_.backbone.state_dict(), self.path)
from skorch.helper import predefined_split  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backbone", default="compact")
    parser.add_argument("--weights", default=None, help="initial weights ('dlib', a path)")
    parser.add_argument("--recipe", default="knyazev2017")
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--lr", type=float, default=None)
    parser.add_argument("--batch-size", type=int, default=None)
    parser.add_argument("--lr-schedule", default=None, choices=["poly", "step", "constant"],
                        help="default: the recipe's")
    parser.add_argument("--max-train", type=int, default=None)
    parser.add_argument("--input-size", type=int, default=None,
                        help="side of the network's input (default: the backbone's)")
    parser.add_argument("--out", default=None, help="where to save the trained weights")
    args = parser.parse_args()

    train = load_fer2013(subset="Training")
    test = load_fer2013(subset="PublicTest")
    X, y = train.images, train.target_names[train.target]
    if args.max_train:
        idx = np.random.default_rng(0).permutation(len(X))[: args.max_train]
        X, y = X[idx], y[idx]
    # PublicTest is the validation set: the best epoch is chosen on it
    Xv, yv = test.images, test.target_names[test.target]
    codes = {c: i for i, c in enumerate(np.unique(y))}
    valid = Dataset(Xv, np.array([codes[c] for c in yv], dtype=np.int64))
    extra = {"train_split": predefined_split(valid)}
    if args.out:
        last = Path(args.out).expanduser().with_suffix(".last.pt")
        last.parent.mkdir(parents=True, exist_ok=True)
        extra["callbacks"] = [("save_last", SaveEveryEpoch(last))]
    clf = CNNClassifier(args.backbone, weights=args.weights, recipe=args.recipe,
                        lr=args.lr, batch_size=args.batch_size, max_epochs=args.epochs,
                        input_size=args.input_size, lr_schedule=args.lr_schedule,
                        valid_fraction=0, random_state=0, verbose=1,
                        net_params=extra)
    t0 = time.perf_counter()
    clf.fit(X, y)
    train_s = time.perf_counter() - t0
    pred = clf.predict(Xv)
    acc = float(np.mean(pred == yv))
    uar = unweighted_average_recall(yv, pred)
    recalls = per_class_recall(yv, pred, labels=list(train.target_names))
    disp = plot_confusion_matrix(yv, pred, labels=list(train.target_names))
    png = RESULTS / f"fer2013_{args.backbone}_confusion.png"
    disp.figure_.savefig(png, dpi=100, bbox_inches="tight")
    if args.out:
        out = Path(args.out).expanduser()
        out.parent.mkdir(parents=True, exist_ok=True)
        torch.save(clf.net_.module_.backbone.state_dict(), out)
    rows = [[args.backbone, args.weights or "none (from scratch)", clf.spec_.input_size,
             len(X), args.epochs,
             f"{acc:.3f}", f"{uar:.3f}", f"{train_s / 60:.1f}"]]
    body = (
        "FER2013 Training for fitting, PublicTest (3,589 images) for best-epoch selection "
        "and the figures below (so they are optimistic).\n\n"
        + markdown_table(["backbone", "initial weights", "input side", "training images",
                          "epochs",
                          "PublicTest accuracy", "UAR", "training minutes"], rows)
        + "\n\nPer-class recall: "
        + ", ".join(f"{k} {v:.2f}" for k, v in recalls.items())
        + f"\n\nConfusion matrix: `{png.relative_to(RESULTS.parent.parent)}`"
    )
    write_result(f"fer2013_{args.backbone}", f"FER2013: {args.backbone}", body)


if __name__ == "__main__":
    main()

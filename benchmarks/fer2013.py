"""Train a CNNClassifier on FER2013 Training, select on PublicTest, report PublicTest.

Reports PublicTest accuracy and UAR against both the original FER2013 labels
(all 3,589 faces) and the FER+ majority labels (the faces whose FER+ majority
is one of the seven classes), per-class recall and a confusion-matrix PNG for
one backbone; the trained weights go OUTSIDE the repository (``--out``).
PublicTest is used for model selection (the best epoch, on the labels trained
on), so its accuracy is optimistic; FER2013's PrivateTest part is not in
../shared/data.

    EMOSK_DATA=/path/to/data python benchmarks/fer2013.py --backbone compact \
        --epochs 30 --lr 0.01 --out ~/emosk-weights/compact.pt

``--labels ferplus-majority`` trains on the FER+ majority labels,
``--labels ferplus-votes`` on the shares of the FER+ votes (soft labels).
With ``--out``, the training state is saved after every epoch to
``<out>.ckpt`` (or ``--checkpoint``); ``--resume`` continues an interrupted
run from it (same command plus ``--resume``).

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
from skorch.helper import predefined_split  # noqa: E402

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


def training_data(labels, max_train):
    """Training images, class names and, for ``ferplus-votes``, the vote shares
    with columns in the sorted order of the class names (the classifier's)."""
    train = load_fer2013(subset="Training", labels=labels, as_names=False)
    X, y = train.images, train.target_names[train.target]
    soft = None
    if labels == "ferplus-votes":
        soft = train.target_proba[:, np.argsort(train.target_names)]
    if max_train:
        idx = np.random.default_rng(0).permutation(len(X))[:max_train]
        X, y = X[idx], y[idx]
        soft = None if soft is None else soft[idx]
    if soft is not None:  # only the columns of the classes present
        present = np.isin(np.sort(train.target_names), y)
        soft = soft[:, present]
        soft = soft / soft.sum(axis=1, keepdims=True)
    return X, y, soft


def evaluate(clf, test, target_names, what):
    """One row of figures: accuracy and UAR of ``clf`` on ``test``."""
    truth = target_names[test.target]
    pred = clf.predict(test.images)
    return [what, len(truth), f"{np.mean(pred == truth):.3f}",
            f"{unweighted_average_recall(truth, pred):.3f}"], truth, pred


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
    parser.add_argument("--labels", default="fer2013",
                        choices=["fer2013", "ferplus-majority", "ferplus-votes"],
                        help="training (and best-epoch selection) labels")
    parser.add_argument("--checkpoint", default=None,
                        help="training-state file, saved every epoch (default: <out>.ckpt "
                             "when --out is given)")
    parser.add_argument("--resume", action="store_true",
                        help="continue from --checkpoint when it exists")
    parser.add_argument("--tag", default=None, help="suffix of the result file names")
    args = parser.parse_args()

    X, y, soft = training_data(args.labels, args.max_train)
    original = load_fer2013(subset="PublicTest", as_names=False)
    ferplus = load_fer2013(subset="PublicTest", labels="ferplus-majority",
                           as_names=False)
    names = original.target_names
    # PublicTest is the validation set: the best epoch is chosen on it, with
    # the kind of labels trained on (faces of classes absent from y left out)
    test = original if args.labels == "fer2013" else ferplus
    yv = names[test.target]
    codes = {c: i for i, c in enumerate(np.unique(y))}
    seen = np.isin(yv, list(codes))
    valid = Dataset(test.images[seen], np.array([codes[c] for c in yv[seen]], dtype=np.int64))
    extra = {"train_split": predefined_split(valid)}
    checkpoint = args.checkpoint
    if args.out:
        out = Path(args.out).expanduser()
        out.parent.mkdir(parents=True, exist_ok=True)
        extra["callbacks"] = [("save_last", SaveEveryEpoch(out.with_suffix(".last.pt")))]
        checkpoint = checkpoint or out.with_suffix(".ckpt")
    if args.resume and checkpoint is None:
        parser.error("--resume needs --checkpoint or --out")
    clf = CNNClassifier(args.backbone, weights=args.weights, recipe=args.recipe,
                        lr=args.lr, batch_size=args.batch_size, max_epochs=args.epochs,
                        input_size=args.input_size, lr_schedule=args.lr_schedule,
                        valid_fraction=0, random_state=0, verbose=1,
                        checkpoint=checkpoint, resume=args.resume, net_params=extra)
    t0 = time.perf_counter()
    clf.fit(X, y, soft_targets=soft)
    train_s = time.perf_counter() - t0
    row_orig, y_orig, p_orig = evaluate(clf, original, names, "FER2013 labels")
    row_plus, y_plus, p_plus = evaluate(clf, ferplus, names, "FER+ majority labels")
    yv, pred = (y_orig, p_orig) if args.labels == "fer2013" else (y_plus, p_plus)
    recalls = per_class_recall(yv, pred, labels=list(names))
    disp = plot_confusion_matrix(yv, pred, labels=list(names))
    name = f"fer2013_{args.backbone}" + ("" if args.labels == "fer2013" else f"_{args.labels}")
    name += f"_{args.tag}" if args.tag else ""
    png = RESULTS / f"{name}_confusion.png"
    disp.figure_.savefig(png, dpi=100, bbox_inches="tight")
    if args.out:
        out = Path(args.out).expanduser()
        out.parent.mkdir(parents=True, exist_ok=True)
        torch.save(clf.net_.module_.backbone.state_dict(), out)
    rows = [[args.backbone, args.weights or "none (from scratch)", clf.spec_.input_size,
             args.labels, what, len(X), args.epochs, n_test, acc, uar, f"{train_s / 60:.1f}"]
            for what, n_test, acc, uar in (row_orig, row_plus)]
    body = (
        f"FER2013 Training with {args.labels} labels for fitting, PublicTest for best-epoch "
        "selection and the figures below (so they are optimistic). Evaluated against the "
        "original FER2013 labels (all 3,589 PublicTest faces) and the FER+ majority labels "
        "(the PublicTest faces whose FER+ majority is one of the seven classes).\n\n"
        + markdown_table(["backbone", "initial weights", "input side", "training labels",
                          "evaluated against", "training images", "epochs", "test faces",
                          "PublicTest accuracy", "UAR", "training minutes"], rows)
        + f"\n\nPer-class recall ({args.labels} labels): "
        + ", ".join(f"{k} {v:.2f}" for k, v in recalls.items())
        + f"\n\nConfusion matrix: `{png.relative_to(RESULTS.parent.parent)}`"
    )
    write_result(name, f"FER2013: {args.backbone}, {args.labels} labels", body)


if __name__ == "__main__":
    main()

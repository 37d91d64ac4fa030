"""Train a face emotion model on FER2013 Training plus NHFI's training faces.

The candidates of the real-faces work (issue #25): a backbone fine-tuned on the
two sets together, FER2013's 48x48 thumbnails and NHFI's in-the-wild photos
resized to one side, with FER2013 PublicTest (original labels) choosing the
best epoch.  A fifth of NHFI's identity groups is held out
(:func:`emosk.datasets.nhfi_holdout`) for ``benchmarks/real_faces.py``.
The training state is saved after every epoch (``<out>.ckpt``); run the same
command with ``--resume`` after an interruption.

    EMOSK_DATA=../shared/data EMOSK_WEIGHTS=../shared/weights \\
        python scripts/train_face_model.py --backbone mobilefacenet --weights ms1m \\
        --side 64 --epochs 15 --lr 5e-3 --out ~/emosk-weights/mfn64.pt --resume
"""

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch
from skorch.dataset import Dataset
from skorch.helper import predefined_split

from emosk.datasets import load_fer2013, load_nhfi, nhfi_holdout
from emosk.face import resize_faces
from emosk.nn import CNNClassifier


def training_set(side, use_nhfi):
    """FER2013 Training (+ NHFI's training groups) at ``side`` px, with class names."""
    fer = load_fer2013(subset="Training")
    X, y = [resize_faces(fer.images, side)], [fer.target]
    if use_nhfi:
        nhfi = load_nhfi(drop_contempt=True)
        train, _ = nhfi_holdout(nhfi.groups)
        X.append(resize_faces(nhfi.images[train], side))
        y.append(nhfi.target[train])
    return np.concatenate(X), np.concatenate(y)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backbone", default="mobilefacenet")
    parser.add_argument("--weights", default="ms1m")
    parser.add_argument("--side", type=int, default=64, help="input side in pixels")
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--lr", type=float, default=5e-3)
    parser.add_argument("--no-nhfi", action="store_true", help="FER2013 only")
    parser.add_argument("--out", required=True, help="weights file (outside the repo)")
    parser.add_argument("--resume", action="store_true")
    args = parser.parse_args()

    X, y = training_set(args.side, not args.no_nhfi)
    test = load_fer2013(subset="PublicTest")
    codes = {c: i for i, c in enumerate(np.unique(y))}
    valid = Dataset(resize_faces(test.images, args.side),
                    np.array([codes[c] for c in test.target]))
    out = Path(args.out).expanduser()
    out.parent.mkdir(parents=True, exist_ok=True)
    clf = CNNClassifier(args.backbone, weights=args.weights, lr=args.lr,
                        max_epochs=args.epochs, input_size=args.side, valid_fraction=0,
                        random_state=0, verbose=1, checkpoint=out.with_suffix(".ckpt"),
                        resume=args.resume,
                        net_params={"train_split": predefined_split(valid)})
    t0, cpu0 = time.perf_counter(), time.process_time()
    clf.fit(X, y)
    torch.save(clf.net_.module_.backbone.state_dict(), out)
    record = {"command": " ".join(["python scripts/train_face_model.py",
                                   *[f"--{k.replace('_', '-')} {v}" for k, v in
                                     vars(args).items() if v not in (None, False, True)],
                                   *[f"--{k.replace('_', '-')}" for k, v in
                                     vars(args).items() if v is True]]),
              "training_images": len(X), "classes": list(clf.classes_),
              "wall_min_this_call": (time.perf_counter() - t0) / 60,
              "cpu_min_this_call": (time.process_time() - cpu0) / 60,
              "history": [{k: h[k] for k in ("epoch", "train_loss", "valid_loss",
                                              "valid_acc", "dur") if k in h}
                          for h in clf.net_.history]}
    out.with_suffix(".json").write_text(json.dumps(record, indent=1))
    print(json.dumps({k: v for k, v in record.items() if k != "history"}))


if __name__ == "__main__":
    main()

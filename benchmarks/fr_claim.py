"""The seeds' claim in miniature: do face-recognition weights give better
emotion features than the same network with random weights, before and after
fine-tuning on FER2013?

Knyazev et al. (2017, Table 2) report AFEW accuracy of frozen features of
face-recognition networks before fine-tuning (33-38%) and after (45-49%).
This script fills the same table for dlib's face-recognition ResNet (about
3 million faces) against the same architecture from random weights:

* ``fer2013``: FER2013 PublicTest.  Before fine-tuning: penultimate-layer
  features of the frozen network (48x48 faces resized to its 150x150 input)
  and a multinomial logistic regression (C by 3-fold CV) fitted on the
  training faces.  After: the fine-tuned network's own answers (``--fr`` and
  ``--random``, the ``--out`` files of ``benchmarks/fer2013.py``).
* ``ckplus``: the frame features of each of the four networks in the whole
  EmotiW 2017 system on CK+48 clips (subject-independent 10-fold CV, as
  ``benchmarks/video_system.py`` does), next to HOG frame features in the same
  run.

Each part stores its rows in ``results/fr_claim.json``; the Markdown table is
written from all rows stored so far, so the parts can run at different times.

    EMOSK_DATA=/path/to/data python benchmarks/fr_claim.py --part fer2013 --part ckplus \\
        --fr ~/emosk-weights/claim15_fr.pt --random ~/emosk-weights/claim15_random.pt
"""

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from _common import RESULTS, markdown_table, write_result
from ckplus_clips import C_GRID
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import (
    GridSearchCV,
    StratifiedGroupKFold,
    cross_val_predict,
)
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from emosk.datasets import load_ckplus48, load_fer2013
from emosk.metrics import unweighted_average_recall
from emosk.nn import CNNFeaturizer, build_backbone, classifier_from_weights
from emosk.preprocessing import HOGFeaturizer
from emosk.video import make_emotiw2017_classifier

STORE = RESULTS / "fr_claim.json"
NETWORKS = ("face-recognition weights", "random weights (same architecture, seed 0)")


def random_weights_file(directory):
    """dlib ResNet weights drawn with torch seed 0, saved once, so that every
    fold and every part sees the same random network."""
    path = Path(directory) / "dlib_resnet_random_seed0.pt"
    if not path.exists():
        torch.manual_seed(0)
        model, _ = build_backbone("dlib_resnet")
        torch.save(model.state_dict(), path)
    return str(path)


def featurizer(stage, network, args, tmp):
    """The frozen network of one row: before fine-tuning at the network's own
    150 px side; after, the fine-tuned file at the side it was trained at."""
    if stage == "before":
        weights = "dlib" if network == NETWORKS[0] else random_weights_file(tmp)
        return CNNFeaturizer("dlib_resnet", weights=weights, batch_size=128)
    weights = args.fr if network == NETWORKS[0] else args.random
    return CNNFeaturizer("dlib_resnet", weights=str(Path(weights).expanduser()),
                         input_size=args.input_size, batch_size=128)


def _scores(truth, pred):
    return {"accuracy": float(np.mean(pred == truth)),
            "uar": float(unweighted_average_recall(truth, pred))}


def before_fer2013(feat, X, y, Xt, yt):
    """Frozen features + logistic regression: PublicTest figures and the C chosen."""
    both = feat.fit(X[:1]).transform(np.concatenate([X, Xt]))
    F, Ft = both[: len(X)], both[len(X):]
    clf = GridSearchCV(make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000)),
                       {"logisticregression__C": [1e-3, 1e-2, 1e-1, 1]}, cv=3)
    clf.fit(F, y)
    return {**_scores(yt, clf.predict(Ft)), "C": clf.best_params_["logisticregression__C"]}


def after_fer2013(feat, test, plus):
    """The fine-tuned network's own answers on PublicTest, against the original
    labels and the FER+ majority (its outputs are the sorted class names)."""
    clf = classifier_from_weights("dlib_resnet", feat.weights, sorted(test.target_names),
                                  input_size=feat.input_size, batch_size=feat.batch_size)
    scores = _scores(np.asarray(test.target), clf.predict(test.images))
    on_plus = _scores(plus.target, clf.predict(plus.images))
    return {**scores, "ferplus_accuracy": on_plus["accuracy"], "ferplus_uar": on_plus["uar"]}


def part_fer2013(args, store, tmp):
    train = load_fer2013(subset="Training")
    test = load_fer2013(subset="PublicTest")
    plus = load_fer2013(subset="PublicTest", labels="ferplus-majority")
    idx = np.random.default_rng(0).permutation(len(train.target))[: args.max_train]
    X, y = train.images[idx], np.asarray(train.target)[idx]
    Xt, yt = test.images, np.asarray(test.target)
    for stage in args.stages:
        for network in NETWORKS:
            t0 = time.process_time()
            feat = featurizer(stage, network, args, tmp)
            if stage == "before":
                row = before_fer2013(feat, X, y, Xt, yt)
            else:
                row = after_fer2013(feat, test, plus)
            row.update(training_faces=len(y), cpu_min=(time.process_time() - t0) / 60)
            store[f"fer2013/{stage}/{network}"] = row
            print(stage, network, row, flush=True)


def part_ckplus(args, store, tmp):
    data = load_ckplus48()
    y = data.target
    folds = StratifiedGroupKFold(n_splits=10, shuffle=True, random_state=0)
    common = {"audio": False, "aligner": "passthrough", "C": C_GRID, "random_state": 0,
              "power": 0.0}
    sources = {"HOG frame features (baseline)": HOGFeaturizer()}
    for stage in args.stages:
        for network in NETWORKS:
            sources[f"{stage}/{network}"] = featurizer(stage, network, args, tmp)
    for name, source in sources.items():
        if name.startswith("HOG") and f"ckplus/{name}" in store and not args.redo_hog:
            continue
        t0 = time.process_time()
        with tempfile.TemporaryDirectory() as cache:
            clf = make_emotiw2017_classifier({"video_frames": source}, cache=cache, **common)
            pred = cross_val_predict(clf, list(data.images), y, groups=data.groups, cv=folds)
        store[f"ckplus/{name}"] = {**_scores(y, pred), "clips": len(y),
                                   "cpu_min": (time.process_time() - t0) / 60}
        print(name, store[f"ckplus/{name}"], flush=True)


def _cell(row, key, fmt="{:.3f}"):
    return "-" if row is None or key not in row else fmt.format(row[key])


def render(store, args):
    rows = []
    for stage in ("before", "after"):
        for network in NETWORKS:
            fer = store.get(f"fer2013/{stage}/{network}")
            ck = store.get(f"ckplus/{stage}/{network}")
            how = ("frozen features + logistic regression" if stage == "before"
                   else "fine-tuned network's own answers")
            rows.append([network, "before fine-tuning" if stage == "before" else
                         "after fine-tuning on FER2013", how,
                         _cell(fer, "training_faces", "{:,}"),
                         _cell(fer, "accuracy"), _cell(fer, "uar"),
                         _cell(fer, "ferplus_accuracy"), _cell(ck, "accuracy"),
                         _cell(ck, "uar")])
    hog = store.get("ckplus/HOG frame features (baseline)")
    rows.append(["HOG (no network)", "-", "-", "-", "-", "-", "-", _cell(hog, "accuracy"),
                 _cell(hog, "uar")])
    body = (
        "dlib's face-recognition ResNet (29 layers, trained by dlib on about 3 million "
        "faces) against the same architecture from random weights (torch seed 0). "
        "Fine-tuning: `benchmarks/fer2013.py` with the Knyazev recipe (Nesterov SGD, "
        "momentum 0.9, weight decay 5e-4, batch 32, polynomial decay), all layers "
        f"trained, {args.input_size} px input, the same FER2013 Training faces and "
        "epochs for both. The face-recognition weights start at the recipe's learning "
        "rate (5e-4); the random weights at 0.01, since at 5e-4 they stay on one class "
        "(3 epochs: all 'happy', `fer2013_dlib_resnet_claim3_random.md`). The commands "
        "and training times are in `benchmarks/results/fer2013_runs.md`. PublicTest (3,589 "
        "faces) chose the best epoch of each fine-tuning run, so the 'after' FER2013 "
        "figures are optimistic, equally for both networks. Before fine-tuning the "
        "networks read 150x150 faces (their own side); after, the side they were "
        "fine-tuned at. CK+48: 309 clips of 3 frames, 6 classes, subject-independent "
        "10-fold CV; each row's frame features go through "
        "`make_emotiw2017_classifier(aligner='passthrough', audio=False, power=0)` "
        "(STAT* pooling, scaling, RootSIFT, standardisation, linear SVM with C by inner "
        "CV), as in `benchmarks/video_system.py`.\n\n"
        + markdown_table(["initial weights", "stage", "FER2013 read by",
                          "FER2013 training faces", "FER2013 PublicTest accuracy", "UAR",
                          "accuracy, FER+ majority labels", "CK+48 clip accuracy",
                          "CK+48 UAR"], rows)
        + "\n\nPaper (Knyazev et al. 2017, Table 2, AFEW validation): 33-38% before "
          "fine-tuning, 45-49% after.\n\nCPU minutes of each cell (feature extraction "
          "and classifier fitting; the fine-tuning itself is in `fer2013_runs.md`): "
        + ", ".join(f"{k}: {v['cpu_min']:.1f}" for k, v in sorted(store.items()))
        + "".join(f"\n\n{k}: from {v['source']}." for k, v in sorted(store.items())
                  if "source" in v)
        + "\n\nThe parts ran separately (`--part fer2013 --stage after`, `--part "
          "ckplus`) and store their rows in `benchmarks/results/fr_claim.json`; "
          "`--part none` writes this table from the stored rows."
    )
    write_result("fr_claim", "The seeds' claim in miniature: face-recognition weights "
                 "against random weights, before and after fine-tuning", body)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--part", action="append", choices=["fer2013", "ckplus", "none"],
                        help="parts to run (default: both); 'none' only writes the "
                             "table from the stored rows")
    parser.add_argument("--stage", dest="stages", action="append",
                        choices=["before", "after"])
    parser.add_argument("--fr", default="~/emosk-weights/claim15_fr.pt",
                        help="fine-tuned weights from face-recognition weights")
    parser.add_argument("--random", default="~/emosk-weights/claim15_random.pt",
                        help="fine-tuned weights from random weights")
    parser.add_argument("--input-size", type=int, default=112,
                        help="side the fine-tuned networks were trained at")
    parser.add_argument("--max-train", type=int, default=14000,
                        help="FER2013 Training faces for the logistic regression "
                             "(the fine-tuning runs' subset: same seed)")
    parser.add_argument("--redo-hog", action="store_true")
    parser.add_argument("--store", default=str(STORE),
                        help="JSON file of the rows (default: results/fr_claim.json)")
    parser.add_argument("--no-write", action="store_true",
                        help="print the table without writing results/fr_claim.md")
    args = parser.parse_args()
    args.stages = args.stages or ["before", "after"]
    path = Path(args.store)
    store = json.loads(path.read_text()) if path.exists() else {}
    with tempfile.TemporaryDirectory() as tmp:
        for part in args.part or ["fer2013", "ckplus"]:
            if part == "none":
                continue
            {"fer2013": part_fer2013, "ckplus": part_ckplus}[part](args, store, tmp)
            path.write_text(json.dumps(store, indent=1, sort_keys=True))
    if not args.no_write:
        render(store, args)


if __name__ == "__main__":
    main()

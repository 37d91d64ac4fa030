"""The seeds' claim, before fine-tuning: do face-recognition weights give better
emotion features than the same network with random weights?

Knyazev et al. (2017, Table 2) report AFEW accuracy of frozen features of
face-recognition networks before fine-tuning (33-38%) and after (45-49%).  This
is the "before" column on FER2013, for dlib's face-recognition ResNet (about
3 million faces), from its own weights and from random weights (same
architecture, seed 0): its penultimate-layer features of 48x48 FER2013 faces
(resized to its 150x150 input), then a multinomial logistic regression (C by
3-fold CV on the training part), scored on all of PublicTest.  The "after"
column needs the fine-tuning runs of ``benchmarks/fer2013.py`` (issue #15).

    EMOSK_DATA=/path/to/data python benchmarks/fr_claim.py [--max-train 10000]
"""

import argparse
import time

import numpy as np
import torch
from _common import markdown_table, write_result
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from emosk.datasets import load_fer2013
from emosk.metrics import unweighted_average_recall
from emosk.nn import CNNFeaturizer


def frozen_features(weights, images, batch_size=128):
    """Penultimate-layer features; random weights are drawn with torch seed 0."""
    torch.manual_seed(0)
    featurizer = CNNFeaturizer("dlib_resnet", weights=weights, batch_size=batch_size)
    return featurizer.fit(images[:1]).transform(images)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--max-train", type=int, default=10000)
    parser.add_argument("--max-test", type=int, default=None,
                        help="PublicTest faces used (default: all; fewer for a smoke run)")
    args = parser.parse_args()
    train = load_fer2013(subset="Training", as_names=True)
    test = load_fer2013(subset="PublicTest", as_names=True)
    idx = np.random.default_rng(0).permutation(len(train.target))[: args.max_train]
    X, y = train.images[idx], np.asarray(train.target)[idx]
    Xt, yt = test.images[: args.max_test], np.asarray(test.target)[: args.max_test]
    rows = []
    for label, weights in [("dlib face-recognition weights", "dlib"),
                           ("random weights (same architecture, seed 0)", None)]:
        t0 = time.process_time()
        both = frozen_features(weights, np.concatenate([X, Xt]))
        F, Ft = both[: len(X)], both[len(X):]
        clf = GridSearchCV(make_pipeline(StandardScaler(),
                                         LogisticRegression(max_iter=2000)),
                           {"logisticregression__C": [1e-3, 1e-2, 1e-1, 1]}, cv=3)
        clf.fit(F, y)
        pred = clf.predict(Ft)
        rows.append([label, F.shape[1], len(y), f"{np.mean(pred == yt):.3f}",
                     f"{unweighted_average_recall(yt, pred):.3f}",
                     clf.best_params_["logisticregression__C"],
                     f"{(time.process_time() - t0) / 60:.1f}"])
        print(rows[-1], flush=True)
    body = ("Frozen dlib ResNet features (penultimate layer) of FER2013 faces + "
            f"logistic regression; PublicTest: {len(yt)} faces, original labels.\n\n"
            + markdown_table(["initial weights", "features", "training faces",
                              "PublicTest accuracy", "UAR", "C", "CPU min"], rows)
            + "\n\nPaper (Knyazev et al. 2017, Table 2, AFEW validation, frozen "
              "features before fine-tuning): 33-38%.")
    write_result("fr_claim_before", "Face-recognition weights before fine-tuning", body)


if __name__ == "__main__":
    main()

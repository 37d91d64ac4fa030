"""Clip answers from frame answers: four ways of pooling a shipped model's frame
probabilities, on CK+48 and eNTERFACE'05.

Each shipped model of ``--models`` (by default the default face model and the
compact FER2013 model, no test-time augmentation) classifies every frame;
:func:`emosk.pooling.pool_probabilities` makes one clip answer per method:
``mean`` (emosk's default before this comparison), ``log-mean``,
``confidence`` (entropy-weighted) and ``expressive`` (the third of the frames
most confident in an emotion other than neutral).

- CK+48: 327 posed sequences, their last three (apex) frames, 48x48 crops
  given to the model as they are; contempt has no class in the model and is
  left out (309 clips, 6 classes; the model may still answer neutral).
- eNTERFACE'05: the six clips, every frame, faces from ``predict_video``'s
  default face path for that model.

Nothing is fitted, so the figures are the model's, not tuned on the data.  Each
method's CK+48 UAR is compared with the mean's by a paired bootstrap over
CK+'s subjects (:func:`emosk.metrics.paired_bootstrap`).

    EMOSK_DATA=/path/to/data python benchmarks/clip_pooling.py [--models NAME ...]
"""

import argparse

import numpy as np
from _common import interval_text, markdown_table, write_result

from emosk.datasets import load_ckplus48, load_enterface05
from emosk.metrics import paired_bootstrap, unweighted_average_recall
from emosk.nn import DEFAULT_MODEL
from emosk.pooling import CLIP_METHODS, pool_probabilities
from emosk.pretrained import load, predict_video


def ckplus_frames(model):
    """Per clip: frame probabilities, the label (emosk's names, as the model's)
    and the subject."""
    ck = load_ckplus48()  # contempt is left out by default
    clips = [model.predict_proba(frames) for frames in ck.images]
    return clips, np.array([str(t) for t in ck.target]), ck.groups


def enterface_frames(model):
    """Per clip: the frame probabilities of the main face on the video path of the
    shipped model ``model`` (loaded by :func:`~emosk.pretrained.load`)."""
    data = load_enterface05()
    clips = [predict_video(p, model=model)["probabilities"] for p in data.filenames]
    return clips, np.array([str(t) for t in data.target])


def scores(clips, labels, classes, groups=None):
    """Per method: accuracy, UAR, clips right, and (with ``groups``) the UAR's
    difference to the mean's with a 95% paired bootstrap interval drawing
    whole groups (None for the mean itself)."""
    preds = {}
    for method in CLIP_METHODS:
        pooled = np.array([pool_probabilities(c, method=method, classes=classes)
                           for c in clips])
        preds[method] = np.asarray(classes)[np.argmax(pooled, axis=1)]
    rows = []
    for method, pred in preds.items():
        vs_mean = None
        if groups is not None and method != "mean":
            vs_mean = paired_bootstrap(labels, pred, preds["mean"], groups=groups,
                                       n_resamples=2000, random_state=0)
        rows.append((method, float(np.mean(pred == labels)),
                     unweighted_average_recall(labels, pred), int(np.sum(pred == labels)),
                     vs_mean))
    return rows


def model_rows(name):
    """The table's rows of one shipped model, and its per-frame CK+48 accuracy."""
    model = load(name, tta=False)
    classes = [str(c) for c in model.classes_]
    ck_clips, ck_labels, ck_subjects = ckplus_frames(model)
    en_clips, en_labels = enterface_frames(model)
    ck = scores(ck_clips, ck_labels, classes, ck_subjects)
    en = scores(en_clips, en_labels, classes)
    frame_accuracy = np.mean([classes[np.argmax(p)] == lab
                              for c, lab in zip(ck_clips, ck_labels, strict=True) for p in c])
    rows = [[name, m, f"{a:.3f}", f"{u:.3f}", "" if vs is None else interval_text(vs),
             f"{c2}/{len(en_labels)}"]
            for (m, a, u, _, vs), (_, _, _, c2, _) in zip(ck, en, strict=True)]
    sizes = (len(ck_labels), len(en_labels), sum(len(c) for c in en_clips))
    return rows, frame_accuracy, sizes


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--models", nargs="+", default=[DEFAULT_MODEL, "fer2013"],
                        help="shipped face models (default: %(default)s)")
    args = parser.parse_args()
    rows, frames = [], []
    for name in args.models:
        rows_of_model, frame_accuracy, sizes = model_rows(name)
        rows += rows_of_model
        frames.append(f"{name} {frame_accuracy:.3f}")
    n_ck, n_en, n_en_frames = sizes
    body = (f"CK+48: {n_ck} clips (3 apex frames each, contempt left out); "
            f"eNTERFACE'05: {n_en} clips, {n_en_frames} frames of the main face. "
            "Shipped models without test-time views.  The UAR's difference to the "
            "mean's comes with a 95% paired bootstrap interval drawing whole CK+ "
            "subjects (`emosk.metrics.paired_bootstrap`, 2000 resamples); an interval "
            "that holds 0 is no evidence of a difference.\n\n"
            + markdown_table(["model", "clip pooling", "CK+48 accuracy", "CK+48 UAR",
                              "CK+48 UAR vs mean [95%]", "eNTERFACE'05 correct"], rows)
            + "\n\nPer-frame accuracy on CK+48 (every frame alone): " + ", ".join(frames))
    write_result("clip_pooling", "Clip answers from frame answers", body)


if __name__ == "__main__":
    main()

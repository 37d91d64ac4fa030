"""Clip answers from frame answers: four ways of pooling the shipped model's frame
probabilities, on CK+48 and eNTERFACE'05.

The shipped FER2013 model (no test-time augmentation) classifies every frame;
:func:`emosk.pooling.pool_probabilities` makes one clip answer per method:
``mean`` (emosk's default before this comparison), ``log-mean``,
``confidence`` (entropy-weighted) and ``expressive`` (the third of the frames
most confident in an emotion other than neutral).

- CK+48: 327 posed sequences, their last three (apex) frames, 48x48 crops
  given to the model as they are; contempt has no class in the model and is
  left out (309 clips, 6 classes; the model may still answer neutral).
- eNTERFACE'05: the six clips, every frame, faces from ``predict_video``'s
  default fast face path.

Nothing is fitted, so the figures are the model's, not tuned on the data.

    EMOSK_DATA=/path/to/data python benchmarks/clip_pooling.py
"""

import numpy as np
from _common import markdown_table, write_result

from emosk.datasets import load_ckplus48, load_enterface05
from emosk.metrics import unweighted_average_recall
from emosk.pooling import CLIP_METHODS, pool_probabilities
from emosk.pretrained import load, predict_video, video_aligner


def ckplus_frames(model):
    """Per clip: frame probabilities and the label (emosk's names, as the model's)."""
    ck = load_ckplus48()  # contempt is left out by default
    clips = [model.predict_proba(frames) for frames in ck.images]
    return clips, np.array([str(t) for t in ck.target])


def enterface_frames(model):
    data = load_enterface05()
    aligner = video_aligner("fer2013").fit()
    clips = [predict_video(p, model=model, aligner=aligner)["probabilities"]
             for p in data.filenames]
    return clips, np.array([str(t) for t in data.target])


def scores(clips, labels, classes):
    rows = []
    for method in CLIP_METHODS:
        pooled = np.array([pool_probabilities(c, method=method, classes=classes)
                           for c in clips])
        pred = np.asarray(classes)[np.argmax(pooled, axis=1)]
        rows.append((method, float(np.mean(pred == labels)),
                     unweighted_average_recall(labels, pred), int(np.sum(pred == labels))))
    return rows


def main():
    model = load("fer2013", tta=False)
    classes = [str(c) for c in model.classes_]
    ck_clips, ck_labels = ckplus_frames(model)
    en_clips, en_labels = enterface_frames(model)
    ck = scores(ck_clips, ck_labels, classes)
    en = scores(en_clips, en_labels, classes)
    frame_accuracy = np.mean([classes[np.argmax(p)] == lab
                              for c, lab in zip(ck_clips, ck_labels) for p in c])
    rows = [[m, f"{a:.3f}", f"{u:.3f}", f"{c2}/{len(en_labels)}"]
            for (m, a, u, _), (_, _, _, c2) in zip(ck, en)]
    body = (f"CK+48: {len(ck_labels)} clips (3 apex frames each, contempt left out); "
            f"eNTERFACE'05: {len(en_labels)} clips, "
            f"{sum(len(c) for c in en_clips)} frames. The shipped FER2013 model, no TTA.\n\n"
            + markdown_table(["clip pooling", "CK+48 accuracy", "CK+48 UAR",
                              "eNTERFACE'05 correct"], rows)
            + f"\n\nPer-frame accuracy on CK+48 (every frame alone): {frame_accuracy:.3f}")
    write_result("clip_pooling", "Clip answers from frame answers", body)


if __name__ == "__main__":
    main()

"""The shipped FER2013 model: PublicTest accuracy, per-class recall, CPU throughput.

    EMOSK_DATA=/path/to/data python benchmarks/pretrained.py

Accuracy is measured on FER2013 PublicTest (3,589 faces), which also chose the
best training epoch, so it is optimistic; the PrivateTest part of FER2013 is
not in ../shared/data.  Throughput: images per second through
``predict_proba`` at batch 1 and 256 on this machine's CPU, next to the
per-image cost of finding and aligning the face (FaceAligner, dlib HOG) in
the same run.
"""

import shutil
import time

import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402
import torch  # noqa: E402
from _common import RESULTS, markdown_table, write_result  # noqa: E402
from skimage import data as skdata  # noqa: E402

from emosk.datasets import load_fer2013  # noqa: E402
from emosk.metrics import (  # noqa: E402
    per_class_recall,
    plot_confusion_matrix,
    unweighted_average_recall,
)
from emosk.pretrained import PRETRAINED, face_aligner, load, weights_path  # noqa: E402


def _rate(fn, n_images, repeats):
    fn()  # warm-up
    t0 = time.perf_counter()
    for _ in range(repeats):
        fn()
    return n_images * repeats / (time.perf_counter() - t0)


def main():
    torch.set_num_threads(max(torch.get_num_threads(), 1))
    model = load("fer2013", device="cpu")  # the default: 18-view test-time augmentation
    plain = load("fer2013", tta=False, device="cpu")
    test = load_fer2013(subset="PublicTest")
    y = test.target
    p_plain = plain.predict_proba(test.images)
    p_flip = p_plain + plain.predict_proba(test.images[:, :, ::-1].copy())
    p_tta = model.predict_proba(test.images)
    rows = []
    for name, proba in [("plain (`tta=False`)", p_plain),
                        ("plain + horizontal flip averaged", p_flip),
                        ("18-view TTA of Knyazev et al. (`tta=True`, the default)", p_tta)]:
        pred = model.classes_[proba.argmax(1)]
        rows.append([name, f"{np.mean(pred == y):.3f}",
                     f"{unweighted_average_recall(y, pred):.3f}"])
    pred = model.classes_[p_tta.argmax(1)]
    labels = list(test.target_names)
    recalls = per_class_recall(y, pred, labels=labels)
    counts = {c: int(np.sum(y == c)) for c in labels}
    disp = plot_confusion_matrix(y, pred, labels=labels, normalize="true")
    png = RESULTS / "pretrained_fer2013_confusion.png"
    disp.figure_.savefig(png, dpi=100, bbox_inches="tight")

    one = test.images[:1]
    batch = test.images[:256]
    r1 = _rate(lambda: plain.predict_proba(one), 1, 50)
    r256 = _rate(lambda: plain.predict_proba(batch), 256, 5)
    t1 = _rate(lambda: model.predict_proba(one), 1, 10)
    t256 = _rate(lambda: model.predict_proba(batch), 256, 2)
    aligner = face_aligner("fer2013").fit()
    photo = skdata.astronaut()[None]
    ra = _rate(lambda: aligner.transform(photo), 1, 5)
    speed = [["predict_proba, tta=False, batch 1", f"{r1:.0f}", "1.00"],
             ["predict_proba, tta=False, batch 256", f"{r256:.0f}", f"{r256 / r1:.2f}"],
             ["predict_proba, tta=True, batch 1", f"{t1:.0f}", f"{t1 / r1:.2f}"],
             ["predict_proba, tta=True, batch 256", f"{t256:.0f}", f"{t256 / r1:.2f}"],
             ["FaceAligner on a 512x512 photo (dlib HOG + landmarks + warp)", f"{ra:.1f}",
              f"{ra / r1:.2f}"]]
    size = weights_path("fer2013").stat().st_size / 1e6
    body = (
        f"Weights: `emosk/pretrained/{PRETRAINED['fer2013'].filename}`, {size:.2f} MB "
        f"(float16), SHA-256 `{PRETRAINED['fer2013'].sha256}`.\n\n"
        "FER2013 PublicTest (3,589 faces; it also chose the best epoch, so the figures "
        "are optimistic):\n\n"
        + markdown_table(["predictions", "accuracy", "UAR"], rows)
        + "\n\nPer-class recall with the default TTA (PublicTest faces per class): "
        + ", ".join(f"{k} {v:.2f} ({counts[k]})" for k, v in recalls.items())
        + f"\n\nConfusion matrix (rows normalised): `{png.relative_to(RESULTS.parent.parent)}`"
        + f"\n\nCPU throughput ({torch.get_num_threads()} torch threads):\n\n"
        + markdown_table(["step", "images/s", "ratio to batch 1"], speed)
    )
    write_result("pretrained", "The shipped FER2013 model", body)
    _model_card_results(rows, recalls, counts, speed, png)


def _model_card_results(rows, recalls, counts, speed, png):
    """The figures of the model card, written into it between its ``.. results:``
    comments (emosk/pretrained/model_card_fer2013.rst, which ships in the package
    and which docs/model_card.rst shows)."""
    docs = RESULTS.parent.parent / "docs"
    (docs / "_static").mkdir(exist_ok=True)
    shutil.copy(png, docs / "_static" / png.name)

    def table(header, body):
        width = [max(len(str(r[i])) for r in [header, *body]) for i in range(len(header))]
        line = "  ".join("=" * w for w in width)
        fmt = "  ".join(f"{{:<{w}}}" for w in width)
        return "\n".join(["", line, fmt.format(*header), line,
                          *[fmt.format(*r) for r in body], line, ""])

    text = (
        "Results\n   Measured by ``benchmarks/pretrained.py`` on FER2013 PublicTest.\n"
        + table(["predictions", "accuracy", "UAR"], rows)
        + table(["class", "PublicTest faces", "recall"],
                [[k, counts[k], f"{v:.2f}"] for k, v in recalls.items()])
        + f"\n.. image:: /_static/{png.name}\n   :width: 420\n   "
        ":alt: confusion matrix on PublicTest\n\n"
        "Speed\n   CPU, 2 cores (``benchmarks/pretrained.py``).\n"
        + table(["step", "images/s", "ratio to batch 1"], speed) + "\n"
    )
    card = RESULTS.parent.parent / "emosk" / "pretrained" / "model_card_fer2013.rst"
    start = ".. results: start (written by benchmarks/pretrained.py)\n"
    before, rest = card.read_text().split(start)
    after = rest.split(".. results: end\n", 1)[1]
    card.write_text(f"{before}{start}\n{text}\n.. results: end\n{after}")


if __name__ == "__main__":
    main()

"""CNN throughput: emosk's torch port of dlib's ResNet against dlib's own C++ code.

Inference images per second at batch sizes 1 and 256 on 150x150 face chips
(CPU here; CUDA too when present), next to dlib's
``face_recognition_model_v1.compute_face_descriptor`` on the same chips in the
same run; and training images per second of CNNClassifier.  The chips are
real: dlib face chips of the astronaut photograph and of eNTERFACE'05 frames
(when EMOSK_DATA is set), repeated to the batch size.

    python benchmarks/cnn_throughput.py
"""

import argparse
import time

import dlib
import numpy as np
import torch
from _common import markdown_table, write_result
from skimage import data as skdata

from emosk.datasets import load_enterface05
from emosk.face import FaceAligner, dlib_model_path
from emosk.nn import CNNClassifier, CNNFeaturizer

#: Said under the tables: where the GPU rows come from.
GPU_NOTE = ("GPU rows: no GPU was available for these figures; on a lent GPU, "
            "`scripts/gpu_run.sh` (`benchmarks/gpu.py run`, part `speed`) measures the same "
            "rows there (no dlib C++ on that machine, so no ratio to it) and writes them in "
            "its report, ready to paste below the CPU rows (docs/guide/scaling.rst says how).")


def chips(n):
    base = list(FaceAligner(mode="dlib-chip", size=150).fit_transform(skdata.astronaut()[None]))
    try:
        paths = list(load_enterface05().filenames)
        base += [f for s in FaceAligner(mode="dlib-chip", size=150, step=20)
                 .fit_transform(paths) for f in s]
    except (FileNotFoundError, ValueError):
        pass
    return np.stack([base[i % len(base)] for i in range(n)])


def rate(fn, n_images, repeats=2):
    fn()  # warm up
    t0 = time.perf_counter()
    for _ in range(repeats):
        fn()
    return repeats * n_images / (time.perf_counter() - t0)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--batch", type=int, default=256)
    args = parser.parse_args()
    X = chips(args.batch)
    rows = []
    ref = dlib.face_recognition_model_v1(str(dlib_model_path("resnet")))
    dlib_1 = rate(lambda: ref.compute_face_descriptor(X[0]), 1, repeats=20)
    dlib_b = rate(lambda: ref.compute_face_descriptor(list(X)), len(X))
    rows.append(["dlib C++ compute_face_descriptor", "cpu", f"{dlib_1:.1f}", f"{dlib_b:.1f}",
                 "1.00", "1.00"])
    devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    for device in devices:
        f = CNNFeaturizer(layer="output", device=device, batch_size=args.batch).fit()
        one = rate(lambda: f.transform(X[:1]), 1, repeats=20)
        many = rate(lambda: f.transform(X), len(X))
        rows.append(["emosk CNNFeaturizer(dlib_resnet)", device, f"{one:.1f}",
                     f"{many:.1f}", f"{one / dlib_1:.2f}", f"{many / dlib_b:.2f}"])
        print(rows[-1], flush=True)
    train = []
    rng = np.random.default_rng(0)
    faces48 = rng.integers(0, 255, size=(512, 48, 48), dtype=np.uint8)
    labels = rng.integers(0, 7, size=512)
    for device in devices:
        for name, size in [("compact", None), ("alexnet", None), ("alexnet", 96),
                           ("vgg_cnn_m_2048", None), ("vgg_cnn_m_2048", 96)]:
            f = CNNFeaturizer(name, weights=None if name != "compact" else "auto",
                              input_size=size, batch_size=args.batch, device=device).fit()
            many = rate(lambda: f.transform(faces48[: args.batch]), args.batch, repeats=1)
            side = f.adapter_.size
            rows.append([f"emosk CNNFeaturizer({name}), 48x48 faces at {side}x{side}", device,
                         "", f"{many:.1f}", "", f"{many / dlib_b:.2f}"])
            print(rows[-1], flush=True)
        for name, kw, imgs in [
                ("compact", {}, faces48),
                ("dlib_resnet", {"weights": "dlib"}, X[:128]),
                ("alexnet", {}, faces48[:64]),
                ("alexnet", {"input_size": 96}, faces48[:256]),
                ("vgg_cnn_m_2048", {}, faces48[:32]),
                ("vgg_cnn_m_2048", {"input_size": 96}, faces48[:128])]:
            if device == "cuda":  # enough images to time a GPU epoch
                imgs = np.concatenate([imgs] * max(1, 2048 // len(imgs)))
            y = labels[np.arange(len(imgs)) % len(labels)]
            clf = CNNClassifier(name, max_epochs=1, valid_fraction=0, random_state=0,
                                device=device, **kw)
            t0 = time.perf_counter()
            clf.fit(imgs, y)
            speed = len(imgs) / (time.perf_counter() - t0)
            side = clf.spec_.input_size
            train.append([f"{name} ({imgs.shape[1]}x{imgs.shape[2]} in, {side}x{side} net)",
                          device, f"{speed:.1f}", f"{speed / dlib_b:.2f}"])
            print(train[-1], flush=True)
    body = (
        f"Inference on {args.batch} real 150x150 face chips; images per second, one "
        "process, torch threads as torch chooses; ratio = emosk / dlib C++ in the same "
        "run.\n\n"
        + markdown_table(["model", "device", "img/s batch 1", f"img/s batch {args.batch}",
                          "ratio batch 1", f"ratio batch {args.batch}"], rows)
        + "\n\nTraining (one epoch of SGD with augmentation, whole network; ratio = "
        "train img/s / dlib C++ inference img/s at batch "
        f"{args.batch} in the same run):\n\n"
        + markdown_table(["backbone", "device", "train img/s", "ratio to dlib C++"], train)
        + "\n\n" + GPU_NOTE
    )
    write_result("cnn_throughput", "CNN throughput: emosk's dlib ResNet in torch vs dlib", body)


if __name__ == "__main__":
    main()

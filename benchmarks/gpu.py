"""One planned GPU run (issue #27): faces packed on the CPU, every part run in
one go on a lent GPU, the results folded back on the CPU.

The GPU machine this project can sometimes use (one NVIDIA H200, torch with
CUDA, no skorch, dlib, PyAV or openSMILE, no network) takes at most 64 MiB of
code and data and about 15 minutes in all, so everything it needs is prepared
here and it runs one command.  Three subcommands:

``pack`` (CPU, with dlib): a miniature data home in one file, ``faces.npz``:
FER2013 Training (WebP quality 90) and PublicTest (JPEG quality 95, within
0.2 grey levels of the data set's pixels) with the FER+ votes, NHFI's
training groups (WebP 90; its hold-out faces are left out, their rows kept
empty so that :func:`emosk.datasets.nhfi_holdout` splits as here) and SFEW
Train's 48x48 faces from the tight-crop aligner of ``benchmarks/sfew.py``
(PNG), with the weights the run starts from: MobileFaceNet's ``ms1m`` file
as distributed and dlib's face-recognition ResNet as a float16 state dict.
``MANIFEST.json`` records sizes and the grey-level error of each set.

``run`` (GPU): installs nothing itself (``scripts/gpu_run.sh`` does), decodes
the pack into a data home under a scratch folder, then runs, in order of
value, each part boxed in time (``--budget-s`` for all; a part's share is
planned from a calibration fit, and a part finishing early hands its time on):

1. ``tests``: ``pytest -m gpu tests/nn/test_gpu.py``.
2. ``face``: the default face model of the real-faces work, as
   ``scripts/train_face_model.py`` trains it (its functions): MobileFaceNet
   from its face-recognition weights at 112 px, then the compact CNN at 48 px,
   on FER2013 Training + NHFI's training groups, PublicTest every epoch.
3. ``claim``: dlib's ResNet from its face-recognition weights against random
   weights, all 28,709 FER2013 Training faces at 150 px, 15 epochs each
   (Knyazev et al.'s recipe; lr 1e-2 from random weights, as the CPU run),
   PublicTest every epoch.
4. ``speed``: images per second of training and inference per backbone, as
   rows of ``results/cnn_throughput.md`` and ``results/train_speed.md``.
5. ``cascade``: what the time left allows of Ng et al.'s cascade: AlexNet, then
   VGG-CNN-M-2048, at 224 px from random weights on FER2013 Training
   (PublicTest every epoch), then SFEW Train with a new head (5 folds grouped
   by movie).

The output folder gets, as they come: ``results.json`` (everything, rewritten
after every epoch), ``report.md`` (the tables), ``log.txt`` (written by the
shell wrapper) and the best-so-far weights of each face and claim network
(``<job>.pt``, float16 where float32 would pass the 16 MiB a returned file may
have): at most 8 files, so that all of them come back even from a cut run.
The cascade's networks (57 M parameters and more) stay on the machine.

``fold`` (CPU): the report and ``results.json`` into ``results/gpu_run.*``,
the weights as float32 into ``~/emosk-weights/gpu/``.

``--tiny`` runs the same code on a small pack with small sides and one epoch,
in about a minute on a CPU (``tests/test_gpu_run.py``).

    python benchmarks/gpu.py pack --dest .gpu        # scripts/gpu_prepare.sh
    python benchmarks/gpu.py run --pack .gpu --out OUT   # scripts/gpu_run.sh
    python benchmarks/gpu.py fold OUT
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
sys.path.insert(0, str(ROOT / "scripts"))  # train_face_model

PACK_FILE = "faces.npz"
FR_WEIGHTS = "dlib_resnet_fr16.pt"  # dlib's face-recognition ResNet, float16 state dict
#: How each set travels: OpenCV extension and quality (see the module docstring).
CODECS = {"fer_train": (".webp", 90), "fer_public": (".jpg", 95), "nhfi": (".webp", 90),
          "sfew": (".png", None)}
#: A returned weights file over this is saved as float16 (the limit is 16 MiB).
HALF_OVER = 12 * 2**20

# ---------------------------------------------------------------------------
# the pack


def encode(images, ext, quality):
    """Gray images as one byte buffer and the offsets of each image's bytes."""
    import cv2

    params = {".jpg": [cv2.IMWRITE_JPEG_QUALITY, quality],
              ".webp": [cv2.IMWRITE_WEBP_QUALITY, quality],
              ".png": [cv2.IMWRITE_PNG_COMPRESSION, 9]}[ext]
    blobs = []
    for i, image in enumerate(images):
        ok, blob = cv2.imencode(ext, image, params)
        if not ok:
            raise ValueError(f"OpenCV could not encode image {i} as {ext}.")
        blobs.append(blob.ravel())
    offsets = np.zeros(len(blobs) + 1, dtype=np.int64)
    offsets[1:] = np.cumsum([len(b) for b in blobs])
    return (np.concatenate(blobs) if blobs else np.zeros(0, np.uint8)), offsets


def decode(buffer, offsets, shape):
    """The ``(n, *shape)`` gray uint8 images of :func:`encode` (OpenCV, or
    Pillow where OpenCV lacks the codec)."""
    import cv2

    out = np.empty((len(offsets) - 1, *shape), dtype=np.uint8)
    for i in range(len(out)):
        blob = buffer[offsets[i]:offsets[i + 1]]
        image = cv2.imdecode(blob, cv2.IMREAD_GRAYSCALE)
        if image is None:
            import io

            from PIL import Image

            image = np.asarray(Image.open(io.BytesIO(blob.tobytes())).convert("L"))
        if image.shape != tuple(shape):
            raise ValueError(f"Packed image {i} decodes to {image.shape}, not {shape}.")
        out[i] = image
    return out


def _encoded(arrays, key, images, report):
    ext, quality = CODECS[key]
    arrays[f"{key}_bytes"], arrays[f"{key}_offsets"] = encode(images, ext, quality)
    back = decode(arrays[f"{key}_bytes"], arrays[f"{key}_offsets"], images.shape[1:])
    err = back.astype(np.float64) - images
    report[key] = {"images": len(images), "side": list(images.shape[1:]),
                   "codec": f"{ext[1:]} {quality or 'lossless'}",
                   "mib": round(arrays[f"{key}_bytes"].nbytes / 2**20, 2),
                   "bytes_per_pixel": round(arrays[f"{key}_bytes"].nbytes / images.size, 3),
                   "rms_grey_levels": round(float(np.sqrt(np.mean(err ** 2))), 3)}


def _tiny_rows(usage, rng, n_train=256, n_public=96):
    rows = [rng.choice(np.flatnonzero(usage == part), n, replace=False)
            for part, n in (("Training", n_train), ("PublicTest", n_public))]
    return np.sort(np.concatenate(rows))


def pack_faces(dest, *, tiny=False, data_home=None, sfew_cache=None):
    """Write ``dest/faces.npz`` and ``dest/weights/``; returns the manifest."""
    import torch

    from emosk.datasets import get_data_home, load_sfew, nhfi_holdout
    from emosk.nn import build_backbone
    from emosk.utils import WEIGHTS, fetch_weights

    home = get_data_home(data_home)
    dest = Path(dest)
    (dest / "weights").mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    arrays, sets = {}, {}
    # FER2013 and the FER+ votes, row-aligned, in fer2013.npz's order
    with np.load(home / "fer2013" / "fer2013.npz", allow_pickle=False) as d:
        images, labels = d["images"], d["labels"]
        usage, names = d["usage"].astype(str), d["class_names"].astype(str)
    with np.load(home / "fer2013" / "ferplus.npz", allow_pickle=False) as d:
        votes, vote_names = d["votes"], d["vote_names"].astype(str)
        ambiguous = d["ambiguous"].astype(bool)
    rows = _tiny_rows(usage, rng) if tiny else np.arange(len(images))
    usage = usage[rows]
    arrays.update(fer_usage=usage, fer_labels=labels[rows], fer_class_names=names,
                  ferplus_votes=votes[rows], ferplus_vote_names=vote_names,
                  ferplus_ambiguous=ambiguous[rows])
    _encoded(arrays, "fer_train", images[rows][usage == "Training"], sets)
    _encoded(arrays, "fer_public", images[rows][usage == "PublicTest"], sets)
    # NHFI: every row's label and group; images of the rows training takes
    with np.load(home / "nhfi" / "nhfi_train.npz", allow_pickle=False) as d:
        nimages, nlabels, ngroups = d["images"], d["labels"].astype(str), d["group"]
    if tiny:
        keep = np.sort(rng.choice(len(nimages), 64, replace=False))
        nimages, nlabels, ngroups = nimages[keep], nlabels[keep], ngroups[keep]
        packed = np.arange(len(nimages))
    else:
        faces = np.flatnonzero(nlabels != "contempt")
        packed = faces[nhfi_holdout(ngroups[faces])[0]]
    arrays.update(nhfi_labels=nlabels, nhfi_group=ngroups, nhfi_rows=packed,
                  nhfi_side=np.int64(nimages.shape[1]))
    _encoded(arrays, "nhfi", nimages[packed], sets)
    # SFEW Train: the faces of the tight-crop aligner of benchmarks/sfew.py
    sfew = _sfew_faces(load_sfew(data_home=home, subset="Train", as_names=False), tiny, rng,
                       sfew_cache)
    arrays.update(sfew_labels=sfew["labels"], sfew_groups=sfew["groups"],
                  sfew_side=np.int64(sfew["faces"].shape[1]))
    _encoded(arrays, "sfew", sfew["faces"], sets)
    np.savez_compressed(dest / PACK_FILE, **arrays)
    # the weights the run starts from
    mfn = fetch_weights("mobilefacenet_ms1m", download=False)
    shutil.copy2(mfn, dest / "weights" / WEIGHTS["mobilefacenet_ms1m"].filename)
    model, _ = build_backbone("dlib_resnet", weights="dlib")
    state = {k: v.half() if v.is_floating_point() else v for k, v in model.state_dict().items()}
    torch.save(state, dest / "weights" / FR_WEIGHTS)
    manifest = {"tiny": tiny, "sets": sets, "sfew_aligner": sfew["aligner"],
                "sfew_faces_found": sfew["found"],
                "dlib_float16": _half_parity(model, state, arrays, sets),
                "created": time.strftime("%Y-%m-%d %H:%M:%S"), "commit": _commit(),
                "files_mib": {str(p.relative_to(dest)): round(p.stat().st_size / 2**20, 2)
                              for p in sorted(dest.rglob("*")) if p.is_file()}}
    (dest / "MANIFEST.json").write_text(json.dumps(manifest, indent=1))
    return manifest


def _sfew_faces(train, tiny, rng, cache):
    """SFEW Train's 48x48 gray faces as ``benchmarks/sfew.py`` trains its CNNs on
    them (its aligner, and its cache of aligned faces)."""
    import sfew  # benchmarks/sfew.py: needs dlib

    from sklearn.utils import Bunch

    from emosk.utils import FeatureCache

    if tiny:
        pick = np.sort(rng.choice(len(train.target), 40, replace=False))
        images = train.images[pick] if isinstance(train.images, np.ndarray) else \
            [train.images[i] for i in pick]
        train = Bunch(images=images, target=train.target[pick],
                      target_names=train.target_names, groups=train.groups[pick],
                      filenames=train.filenames[pick], subset=train.subset)
    folder = Path(cache).expanduser() if cache else Path.home() / ".cache" / "emosk-sfew"
    faces = sfew.aligned(train, sfew.CNN_ALIGNER, FeatureCache(folder))
    stack = np.asarray(faces["faces"])
    if stack.ndim != 3 or stack.dtype != np.uint8:
        raise ValueError(f"SFEW faces of {sfew.CNN_ALIGNER} are {stack.shape} {stack.dtype}; "
                         "expected (n, H, W) gray uint8.")
    return {"faces": stack, "labels": np.asarray(train.target_names)[train.target],
            "groups": np.asarray(train.groups), "aligner": sfew.CNN_ALIGNER,
            "found": int(np.sum(faces["found"]))}


def _half_parity(model, half_state, arrays, sets):
    """How far dlib's network with float16-rounded weights is from float32 on
    64 PublicTest faces (penultimate features)."""
    import copy

    import torch

    from emosk.nn import CNNFeaturizer

    faces = decode(arrays["fer_public_bytes"], arrays["fer_public_offsets"],
                   sets["fer_public"]["side"])[:64]
    rounded = copy.deepcopy(model)
    rounded.load_state_dict({k: v.float() for k, v in half_state.items()})
    feats = []
    for net in (model, rounded):
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "w.pt"
            torch.save(net.state_dict(), path)
            feats.append(CNNFeaturizer("dlib_resnet", weights=str(path), device="cpu")
                         .fit_transform(faces))
    a, b = feats
    cos = np.sum(a * b, 1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)
    return {"faces": len(faces), "min_cosine": float(cos.min()),
            "max_abs_diff": float(np.abs(a - b).max()), "feature_scale": float(np.abs(a).max())}


def _commit():
    try:
        return subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True,
                              text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


def unpack(pack, home):
    """Decode ``pack/faces.npz`` into the data home ``home`` (the layouts of
    ``../shared/data``: fer2013/, nhfi/) plus ``sfew_faces.npz``."""
    pack, home = Path(pack), Path(home)
    with np.load(pack / PACK_FILE, allow_pickle=False) as d:
        a = dict(d)
    usage = a["fer_usage"]
    images = np.zeros((len(usage), 48, 48), dtype=np.uint8)
    images[usage == "Training"] = decode(a["fer_train_bytes"], a["fer_train_offsets"], (48, 48))
    images[usage == "PublicTest"] = decode(a["fer_public_bytes"], a["fer_public_offsets"],
                                           (48, 48))
    (home / "fer2013").mkdir(parents=True, exist_ok=True)
    np.savez(home / "fer2013" / "fer2013.npz", images=images, labels=a["fer_labels"],
             usage=usage, class_names=a["fer_class_names"])
    np.savez(home / "fer2013" / "ferplus.npz", votes=a["ferplus_votes"],
             vote_names=a["ferplus_vote_names"], ambiguous=a["ferplus_ambiguous"], usage=usage)
    labels, groups, rows = a["nhfi_labels"], a["nhfi_group"], a["nhfi_rows"]
    side = int(a["nhfi_side"])
    nhfi = np.zeros((len(labels), side, side), dtype=np.uint8)
    nhfi[rows] = decode(a["nhfi_bytes"], a["nhfi_offsets"], (side, side))
    _check_nhfi_rows(labels, groups, rows)
    (home / "nhfi").mkdir(parents=True, exist_ok=True)
    np.savez(home / "nhfi" / "nhfi_train.npz", images=nhfi, labels=labels, group=groups)
    side = int(a["sfew_side"])
    np.savez(home / "sfew_faces.npz", faces=decode(a["sfew_bytes"], a["sfew_offsets"],
                                                   (side, side)),
             labels=a["sfew_labels"], groups=a["sfew_groups"])
    return {"fer2013_training": int(np.sum(usage == "Training")),
            "fer2013_publictest": int(np.sum(usage == "PublicTest")),
            "nhfi_rows": len(labels), "nhfi_faces_packed": len(rows),
            "sfew_faces": int(len(a["sfew_labels"]))}


def _check_nhfi_rows(labels, groups, rows):
    """Every NHFI face that training takes (emosk's hold-out split, computed
    here as on the CPU) must be in the pack; the others are empty."""
    from emosk.datasets import nhfi_holdout

    faces = np.flatnonzero(labels != "contempt")
    wanted = faces[nhfi_holdout(groups[faces])[0]]
    if not np.isin(wanted, rows).all():
        raise ValueError("NHFI's hold-out split differs from the packing machine's: "
                         f"{np.sum(~np.isin(wanted, rows))} training faces are not in the "
                         "pack (another scikit-learn?). Pack again or drop --parts face.")


# ---------------------------------------------------------------------------
# what a run does: the settings of the full run and of the tiny one

#: The jobs of a run, in order of value, and their settings.  ``share``: the
#: seconds a job is planned for (one finishing early hands its time on; the
#: last takes what is left; together 480, the default --budget-s).  ``side``:
#: the network's input; ``presize``: the faces are resized on the CPU first
#: (train_face_model.py), else on the device (benchmarks/fer2013.py); ``lr``
#: None and no ``batch_size``: the recipe's (Knyazev et al.: 5e-4, 32).
FULL = {
    "tests": {"share": 60},
    "face_mfn": {"backbone": "mobilefacenet", "weights": "ms1m", "side": 112, "lr": 5e-3,
                 "epochs": 15, "share": 105, "presize": True, "nhfi": True},
    "face_compact": {"backbone": "compact", "weights": None, "side": 48, "lr": 0.02,
                     "batch_size": 64, "epochs": 30, "share": 30, "presize": True,
                     "nhfi": True},
    "claim_fr": {"backbone": "dlib_resnet", "weights": FR_WEIGHTS, "side": 150, "lr": None,
                 "epochs": 15, "share": 110},
    "claim_random": {"backbone": "dlib_resnet", "weights": None, "side": 150, "lr": 1e-2,
                     "epochs": 15, "share": 110},
    "speed": {"share": 25, "steps": 10, "fit_images": 3072, "batch": 256, "repeats": 20,
              "rows": None},
    "cascade_alexnet": {"backbone": "alexnet", "side": 224, "lr": 0.01, "epochs": 30,
                        "sfew_epochs": 15, "mixed_precision": True, "share": 30},
    "cascade_vgg_cnn_m_2048": {"backbone": "vgg_cnn_m_2048", "side": 224, "lr": 0.01,
                               "epochs": 30, "sfew_epochs": 15, "mixed_precision": True,
                               "share": 10},
}
TINY = {
    "tests": {"share": 60},
    "face_mfn": {**FULL["face_mfn"], "side": 64, "epochs": 1, "share": 10},
    "face_compact": {**FULL["face_compact"], "epochs": 1, "share": 5},
    "claim_fr": {**FULL["claim_fr"], "side": 112, "epochs": 1, "max_train": 96, "share": 10},
    "claim_random": {**FULL["claim_random"], "side": 112, "epochs": 1, "max_train": 96,
                     "share": 10},
    "speed": {"share": 20, "steps": 1, "fit_images": 64, "batch": 16, "repeats": 2,
              "rows": 2},  # the first rows of each table
    "cascade_alexnet": {**FULL["cascade_alexnet"], "side": 80, "epochs": 1, "sfew_epochs": 1,
                        "max_train": 32, "folds": 2, "share": 10},
    "cascade_vgg_cnn_m_2048": {**FULL["cascade_vgg_cnn_m_2048"], "side": 80, "epochs": 1,
                               "sfew_epochs": 1, "max_train": 32, "folds": 2, "share": 10},
}
PARTS = {"tests": ["tests"], "face": ["face_mfn", "face_compact"],
         "claim": ["claim_fr", "claim_random"], "speed": ["speed"],
         "cascade": ["cascade_alexnet", "cascade_vgg_cnn_m_2048"]}
CALIBRATION_BATCHES = {False: 40, True: 3}  # batches timed before planning epochs
RESERVE_S = 10  # kept back at the end for the last tables


class Clock:
    """The run's deadline, and each job's share of the time left."""

    def __init__(self, budget_s):
        self.start = time.monotonic()
        self.deadline = self.start + budget_s

    def left(self):
        return self.deadline - time.monotonic()

    def budget(self, share, later_shares):
        """A job's seconds: at least its share (it is worth more than those
        after it), more when earlier jobs left time; never past the deadline."""
        left = self.left() - RESERVE_S
        return max(0.0, min(left, max(share, left - later_shares)))


def _callbacks():
    """skorch callbacks of the run: made here so that this module imports
    without skorch (``pack`` and ``fold`` need none)."""
    from skorch.callbacks import Callback

    class BatchTimer(Callback):
        """Training images per second over the batches after the first ``skip``
        (over all of them, from the epoch's start, when there are too few)."""

        def __init__(self, skip=5):
            self.skip = skip

        def initialize(self):
            self.stamps = []
            return self

        def on_epoch_begin(self, net, **kwargs):
            if not self.stamps:
                self.stamps.append((time.perf_counter(), 0))

        def on_batch_end(self, net, batch=None, training=None, **kwargs):
            if training:  # skorch has read the loss (.item()): the device is done
                self.stamps.append((time.perf_counter(), len(batch[0])))

        def rate(self):
            stamps = self.stamps[1 + self.skip:]
            if len(stamps) < 3:
                stamps = self.stamps
            if len(stamps) < 2:
                return float("nan")
            return sum(n for _, n in stamps[1:]) / (stamps[-1][0] - stamps[0][0])

    class Deadline(Callback):
        """Ends training (as skorch does on Ctrl-C, keeping the best epoch) once
        an epoch ends after ``at``, or in an epoch running ``grace`` s past it."""

        def __init__(self, at, grace=30.0):
            self.at = at
            self.grace = grace

        def on_epoch_end(self, net, **kwargs):
            if time.monotonic() > self.at:
                net.history.record("stopped_by_deadline", True)
                raise KeyboardInterrupt

        def on_batch_end(self, net, training=None, **kwargs):
            if training and time.monotonic() > self.at + self.grace:
                raise KeyboardInterrupt

    class SaveBest(Callback):
        """After an epoch with the lowest PublicTest loss so far, the backbone's
        weights go to ``path`` (float16 if ``half``); ``after_epoch(net)`` then
        runs every epoch (the record of the run)."""

        def __init__(self, path=None, half=False, after_epoch=None):
            self.path = path
            self.half = half
            self.after_epoch = after_epoch

        def on_epoch_end(self, net, **kwargs):
            if self.path is not None and net.history[-1].get("valid_loss_best"):
                _save_state(net.module_.backbone.state_dict(), self.path, self.half)
            if self.after_epoch is not None:
                self.after_epoch(net)

    return BatchTimer, Deadline, SaveBest


def _save_state(state, path, half):
    import torch

    if half:
        state = {k: v.half() if v.is_floating_point() else v for k, v in state.items()}
    tmp = Path(f"{path}.tmp")
    torch.save({k: v.detach().cpu() for k, v in state.items()}, tmp)
    os.replace(tmp, path)


def _state_bytes(module):
    return sum(v.numel() * v.element_size() for v in module.state_dict().values())


class Run:
    """What a run knows: its settings, device, data, clock and record."""

    def __init__(self, args):
        import torch

        self.args = args
        self.tiny = args.tiny
        self.jobs = {k: dict(v) for k, v in (TINY if args.tiny else FULL).items()}
        for item in args.set or []:
            name, _, value = item.partition("=")
            key, _, setting = name.partition(".")
            if key not in self.jobs or not setting or not value:
                raise SystemExit(f"--set {item}: expected JOB.SETTING=VALUE with JOB one of "
                                 f"{sorted(self.jobs)}")
            self.jobs[key][setting] = _value(value)
        self.pack = Path(args.pack).resolve()
        self.out = Path(args.out).resolve()
        self.out.mkdir(parents=True, exist_ok=True)
        self.scratch = Path(tempfile.mkdtemp(prefix="emosk-gpu-"))
        self.device = args.device or ("cuda" if torch.cuda.is_available() else "cpu")
        self.clock = Clock(args.budget_s)
        self.results = {"command": "python benchmarks/gpu.py " + " ".join(sys.argv[1:]),
                        "environment": _environment(self.device), "jobs": {}}

    def record(self):
        """results.json and report.md, replaced whole (a cut run leaves the last)."""
        self.results["wall_min"] = round((time.monotonic() - self.clock.start) / 60, 2)
        for name, text in (("results.json", json.dumps(self.results, indent=1, default=str)),
                           ("report.md", report(self.results))):
            tmp = self.out / f".{name}.tmp"
            tmp.write_text(text)
            os.replace(tmp, self.out / name)


def _value(text):
    """A --set value: a number, None, true/false, or the text itself."""
    if text in ("None", "none"):
        return None
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def _environment(device):
    import platform

    import sklearn
    import torch

    env = {"device": device, "python": platform.python_version(), "torch": torch.__version__,
           "cuda": torch.version.cuda, "numpy": np.__version__,
           "scikit-learn": sklearn.__version__, "cpus": os.cpu_count()}
    try:
        import skorch

        env["skorch"] = skorch.__version__
    except ImportError:
        env["skorch"] = None
    import emosk

    env["emosk"] = str(Path(emosk.__file__).parent)
    if device.startswith("cuda"):
        props = torch.cuda.get_device_properties(device)
        env.update(gpu=props.name, gpu_memory_gib=round(props.total_memory / 2**30, 1),
                   capability=f"{props.major}.{props.minor}",
                   cudnn=torch.backends.cudnn.version())
    return env


def run(args):
    import torch

    ctx = Run(args)
    print(f"GPU run: {ctx.results['environment']}", flush=True)
    t0 = time.monotonic()
    info = unpack(ctx.pack, ctx.scratch / "data")
    manifest = ctx.pack / "MANIFEST.json"
    ctx.results["pack"] = {**info, "decode_s": round(time.monotonic() - t0, 1),
                           "manifest": json.loads(manifest.read_text())
                           if manifest.is_file() else None}
    os.environ["EMOSK_DATA"] = str(ctx.scratch / "data")
    os.environ["EMOSK_WEIGHTS"] = str(ctx.pack / "weights")
    if ctx.device.startswith("cuda"):
        torch.backends.cudnn.benchmark = True
        torch.set_float32_matmul_precision("high")  # TF32 for the fully connected layers
    order = [k for part in args.parts for k in PARTS[part]]
    ctx.record()
    for i, key in enumerate(order):
        later = sum(ctx.jobs[k]["share"] for k in order[i + 1:])
        budget = ctx.clock.left() - RESERVE_S if i == len(order) - 1 else \
            ctx.clock.budget(ctx.jobs[key]["share"], later)
        entry = ctx.results["jobs"].setdefault(key, {})
        if budget < (0 if ctx.tiny else 5):
            entry["skipped"] = f"no time left ({ctx.clock.left():.0f} s to the deadline)"
            print(f"== {key}: skipped, {entry['skipped']}", flush=True)
            continue
        print(f"== {key}: {budget:.0f} s ({ctx.clock.left():.0f} s left)", flush=True)
        started = time.monotonic()
        try:
            JOBS[key.split("_")[0]](ctx, key, entry, budget)
        except Exception as err:  # one part's failure must not lose the others
            entry["error"] = f"{type(err).__name__}: {err}"
            entry["traceback"] = traceback.format_exc()[-4000:]
            print(entry["traceback"], flush=True)
        entry["wall_s"] = round(time.monotonic() - started, 1)
        ctx.record()
    shutil.rmtree(ctx.scratch, ignore_errors=True)
    print(report(ctx.results), flush=True)


# ---------------------------------------------------------------------------
# the jobs


def job_tests(ctx, key, entry, budget):
    """``pytest -m gpu`` on tests/nn/test_gpu.py, in a process of its own."""
    cmd = [sys.executable, "-m", "pytest", "tests/nn/test_gpu.py", "-m", "gpu", "-q", "-rs",
           "-p", "no:cacheprovider", "--durations=5"]
    env = {**os.environ, "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "8")}
    try:
        done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True,
                              timeout=max(budget, 30))
    except subprocess.TimeoutExpired as err:
        out = err.stdout.decode() if isinstance(err.stdout, bytes) else err.stdout
        print(out or "", flush=True)
        entry.update(returncode=None, summary=f"timed out after {err.timeout:.0f} s")
        return
    print(done.stdout + done.stderr, flush=True)
    lines = [ln for ln in done.stdout.splitlines() if ln.strip()]
    entry.update(command="python -m pytest -m gpu tests/nn/test_gpu.py",
                 returncode=done.returncode, summary=lines[-1] if lines else "",
                 skip_lines=[ln for ln in lines if ln.startswith("SKIPPED")],
                 failures=[ln for ln in lines if ln.startswith(("FAILED", "ERROR"))])


def _training_data(ctx, job):
    """Training faces and class names of a face, claim or cascade job."""
    from train_face_model import training_set

    from emosk.datasets import load_fer2013

    if job.get("nhfi"):
        X, y = training_set(job["side"], True, ctx.args.face_labels)
    else:
        fer = load_fer2013(subset="Training")
        X, y = fer.images, np.asarray(fer.target)
    if job.get("max_train") and len(X) > job["max_train"]:
        idx = np.random.default_rng(0).permutation(len(X))[:job["max_train"]]
        X, y = X[idx], y[idx]
    return X, y


def _calibration_rows(y, n):
    """Rows for a short timing fit: one face of every class, then the first n."""
    first = [np.flatnonzero(y == c)[0] for c in np.unique(y)]
    return np.r_[first, np.setdiff1d(np.arange(min(n, len(y))), first)]


def _fit_in_budget(ctx, job, X, y, valid, budget, *, after_epoch=None, weights_out=None,
                   epochs=None):
    """Fit a classifier for the job within ``budget`` seconds: a calibration
    fit times the training, the epochs that fit are planned (at most the
    job's), and a deadline stops the fit if the plan was too hopeful.

    Returns the fitted classifier and the plan (dict)."""
    from skorch.dataset import Dataset
    from train_face_model import face_classifier

    BatchTimer, Deadline, SaveBest = _callbacks()
    started = time.monotonic()
    params = dict(device=ctx.device, verbose=1,
                  mixed_precision=bool(job.get("mixed_precision") or ctx.args.mixed_precision))
    for name in ("batch_size", "recipe", "lr_schedule"):
        if job.get(name) is not None:
            params[name] = job[name]
    weights = job.get("weights")
    if weights == FR_WEIGHTS:
        weights = str(ctx.pack / "weights" / FR_WEIGHTS)
    batch = params.get("batch_size") or 32
    rows = _calibration_rows(y, batch * CALIBRATION_BATCHES[ctx.tiny])
    timer = BatchTimer(skip=min(5, CALIBRATION_BATCHES[ctx.tiny] - 2))
    probe_valid = Dataset(valid.X[:batch], valid.y[:batch])
    face_classifier(job["backbone"], weights, job["side"], 1, job["lr"], probe_valid,
                    callbacks=[("timer", timer)], **{**params, "verbose": 0}) \
        .fit(X[rows], y[rows])
    rate = timer.rate()
    calibration_s = time.monotonic() - started
    epoch_s = (len(X) + len(valid) / 3) / rate * 1.1  # validation: a forward pass only
    fits = int((budget - calibration_s - 5) / epoch_s) if np.isfinite(epoch_s) else 1
    requested = epochs or job["epochs"]
    # --epochs-as-asked: the deadline alone stops the fit (on an H100 the
    # calibration timed 183 images/s where the epoch then ran at 1,270)
    as_asked = getattr(ctx.args, "epochs_as_asked", False)
    planned = requested if as_asked else max(1, min(requested, fits))
    print(f"   calibration: {rate:.0f} train img/s, about {epoch_s:.1f} s an epoch; "
          f"{planned} of {requested} epochs planned", flush=True)
    half = False
    callbacks = []
    if weights_out is not None or after_epoch is not None:
        half = _half_needed(job)
        callbacks.append(("save_best", SaveBest(weights_out, half, after_epoch)))
    callbacks.append(("deadline", Deadline(started + budget)))
    clf = face_classifier(job["backbone"], weights, job["side"], planned, job["lr"], valid,
                          callbacks=callbacks, **params)
    t0 = time.monotonic()
    clf.fit(X, y)
    return clf, {"requested_epochs": requested, "planned_epochs": planned,
                 "epochs_run": len(clf.net_.history),
                 "stopped_by_deadline": bool(clf.net_.history[-1].get("stopped_by_deadline")),
                 "calibration_train_img_per_s": round(rate, 1),
                 "calibration_s": round(calibration_s, 1),
                 "training_min": round((time.monotonic() - t0) / 60, 2),
                 "weights_dtype": "float16" if half else "float32",
                 "mixed_precision": params["mixed_precision"],
                 "batch_size": batch, "training_images": len(X)}


def _half_needed(job):
    from emosk.nn import build_backbone

    model, _ = build_backbone(job["backbone"], num_classes=7)
    return _state_bytes(model) > HALF_OVER


def evaluate(clf, side, presize, labels_set=("fer2013", "ferplus-majority")):
    """PublicTest accuracy and UAR against FER2013's labels and the FER+ majority."""
    from emosk.datasets import load_fer2013
    from emosk.face import resize_faces
    from emosk.metrics import per_class_recall, unweighted_average_recall

    rows = []
    for labels in labels_set:
        test = load_fer2013(subset="PublicTest", labels=labels)
        truth = np.asarray(test.target)
        pred = clf.predict(resize_faces(test.images, side) if presize else test.images)
        recall = per_class_recall(truth, pred, labels=list(test.target_names))
        rows.append({"labels": labels, "faces": len(truth),
                     "accuracy": round(float(np.mean(pred == truth)), 4),
                     "uar": round(float(unweighted_average_recall(truth, pred)), 4),
                     "recall": {k: round(float(v), 3) for k, v in recall.items()}})
    return rows


def _history(net):
    keys = ("epoch", "train_loss", "valid_loss", "valid_acc", "dur")
    return [{k: (round(h[k], 4) if isinstance(h[k], float) else h[k]) for k in keys if k in h}
            for h in net.history]


def _valid(side, y, presize, labels="fer2013"):
    """PublicTest as the validation set, coded like ``y``'s sorted classes, with
    the labels trained on; resized to ``side`` when the training faces are."""
    from train_face_model import validation_set

    valid, _ = validation_set(side if presize else 48, y, labels)
    return valid


def _network_job(ctx, key, entry, budget, *, epochs=None):
    """A face or claim job: fit, evaluate, weights out."""
    job = ctx.jobs[key]
    X, y = _training_data(ctx, job)
    presize = job.get("presize", False)
    labels = ctx.args.face_labels if job.get("nhfi") else "fer2013"
    valid = _valid(job["side"], y, presize, labels)
    weights_out = ctx.out / f"{key}.pt"
    entry.update(backbone=job["backbone"], initial_weights=_describe(job.get("weights")),
                 side=job["side"], lr=job["lr"], labels=labels,
                 data="FER2013 Training + NHFI training groups" if job.get("nhfi")
                 else "FER2013 Training", presized=presize)

    def after_epoch(net):
        entry["history"] = _history(net)
        ctx.record()
    clf, plan = _fit_in_budget(ctx, job, X, y, valid, budget, after_epoch=after_epoch,
                               weights_out=weights_out, epochs=epochs)
    entry.update(plan)
    entry["history"] = _history(clf.net_)
    losses = [h.get("valid_loss", np.inf) for h in entry["history"]]
    entry["best_epoch"] = int(np.argmin(losses)) + 1
    entry["classes"] = [str(c) for c in clf.classes_]
    entry["publictest"] = evaluate(clf, job["side"], presize)
    if weights_out.is_file():
        entry["weights_file"] = weights_out.name
    return clf


def _describe(weights):
    return {None: "none (random, seed 0)", FR_WEIGHTS: "dlib face recognition (float16 copy)",
            "ms1m": "ms1m (face recognition)"}.get(weights, str(weights))


def job_face(ctx, key, entry, budget):
    _network_job(ctx, key, entry, budget)


def job_claim(ctx, key, entry, budget):
    # random weights train as many epochs as the face-recognition ones did
    fr = ctx.results["jobs"].get("claim_fr", {})
    epochs = fr.get("epochs_run") if key == "claim_random" else None
    _network_job(ctx, key, entry, budget, epochs=epochs)


def job_cascade(ctx, key, entry, budget):
    """FER2013 from random weights, then SFEW Train with a new head, in folds."""
    import torch
    from sklearn.model_selection import GroupKFold

    from emosk.nn import BACKBONES, CNNClassifier

    job = ctx.jobs[key]
    started = time.monotonic()
    X, y = _training_data(ctx, job)
    valid = _valid(job["side"], y, False)
    entry.update(backbone=job["backbone"], side=job["side"], lr=job["lr"],
                 recipe="ng2015, lr 0.01 polynomial decay on FER2013; ng2015 on SFEW")
    fer_job = {**job, "recipe": "ng2015", "lr_schedule": "poly"}
    clf, plan = _fit_in_budget(ctx, fer_job, X, y, valid, 0.75 * budget)
    entry["fer2013"] = {**plan, "history": _history(clf.net_),
                        "publictest": evaluate(clf, job["side"], False)}
    ctx.record()
    head = BACKBONES[job["backbone"]].head + "."
    body = ctx.scratch / f"{key}_body.pt"  # without the head: SFEW gets a new one
    torch.save({k: v for k, v in clf.net_.module_.backbone.state_dict().items()
                if not k.startswith(head)}, body)
    del clf
    with np.load(Path(os.environ["EMOSK_DATA"]) / "sfew_faces.npz") as d:
        faces, labels, groups = d["faces"], d["labels"].astype(str), d["groups"]
    folds = list(GroupKFold(n_splits=job.get("folds", 5)).split(faces, labels, groups))
    left = budget - (time.monotonic() - started) - 5
    per_epoch = sum(len(tr) for tr, _ in folds) / plan["calibration_train_img_per_s"] * 1.2
    epochs = max(1, min(job["sfew_epochs"], int(left / per_epoch)))
    scores = []
    for tr, te in folds:
        fold = CNNClassifier(job["backbone"], weights=str(body), recipe="ng2015",
                             max_epochs=epochs, input_size=job["side"], valid_fraction=0,
                             augment=True, random_state=0, device=ctx.device,
                             mixed_precision=bool(job.get("mixed_precision"))
                             ).fit(faces[tr], labels[tr])
        scores.append(float(np.mean(fold.predict(faces[te]) == labels[te])))
    entry["sfew"] = {"folds": len(folds), "epochs": epochs, "faces": len(labels),
                     "fold_accuracy": [round(s, 4) for s in scores],
                     "accuracy_mean": round(float(np.mean(scores)), 4),
                     "accuracy_std": round(float(np.std(scores)), 4)}


def job_speed(ctx, key, entry, budget):
    """Rows of results/cnn_throughput.md and results/train_speed.md on this device."""
    import torch
    from train_speed import images_per_second, make_step

    from emosk.datasets import load_fer2013
    from emosk.face import resize_faces
    from emosk.nn import CNNClassifier, CNNFeaturizer

    job = ctx.jobs[key]
    BatchTimer, _, _ = _callbacks()
    end = time.monotonic() + budget
    device, batch = ctx.device, job["batch"]
    fer = load_fer2013(subset="Training", as_names=False)
    faces48 = fer.images[:max(2048, batch)]
    target = fer.target[:len(faces48)].astype(np.int64)
    fr = str(ctx.pack / "weights" / FR_WEIGHTS)
    big = 224 if not ctx.tiny else 80
    entry.update(inference=[], training=[], train_speed=[],
                 note=("inference: CNNFeaturizer (float16 autocast on CUDA, its default) on "
                       "FER2013 faces; dlib_resnet on them resized to 150x150 gray; no dlib "
                       "C++ on this machine, so the ratio columns are empty. training: one "
                       "epoch of CNNClassifier, images/s over the batches after the first 5 "
                       "(cuDNN's autotuning left out)"))

    def rate(fn, n, repeats):
        fn()
        if device.startswith("cuda"):
            torch.cuda.synchronize()
        t0 = time.perf_counter()
        for _ in range(repeats):
            fn()
        if device.startswith("cuda"):
            torch.cuda.synchronize()
        return repeats * n / (time.perf_counter() - t0)

    chips = resize_faces(faces48[:batch], 150)
    f = CNNFeaturizer("dlib_resnet", weights=fr, layer="output", device=device,
                      batch_size=batch).fit()
    one = rate(lambda: f.transform(chips[:1]), 1, job["repeats"])
    many = rate(lambda: f.transform(chips), batch, 3)
    entry["inference"].append(["emosk CNNFeaturizer(dlib_resnet)", device, f"{one:.1f}",
                               f"{many:.1f}", "", ""])
    ctx.record()
    for name, side in [("compact", None), ("alexnet", big), ("alexnet", 96),
                       ("vgg_cnn_m_2048", big), ("vgg_cnn_m_2048", 96)][:job["rows"]]:
        if time.monotonic() > end:
            break
        f = CNNFeaturizer(name, weights=None if name != "compact" else "auto", input_size=side,
                          batch_size=batch, device=device).fit()
        many = rate(lambda f=f: f.transform(faces48[:batch]), batch, 3)
        s = f.adapter_.size
        entry["inference"].append([f"emosk CNNFeaturizer({name}), 48x48 faces at {s}x{s}",
                                   device, "", f"{many:.1f}", "", ""])
    ctx.record()
    n_fit = job["fit_images"]
    for name, kw, imgs in [("compact", {}, faces48), ("dlib_resnet", {"weights": fr}, chips),
                           ("alexnet", {"input_size": big}, faces48),
                           ("alexnet", {"input_size": 96}, faces48),
                           ("vgg_cnn_m_2048", {"input_size": big}, faces48),
                           ("vgg_cnn_m_2048", {"input_size": 96}, faces48)][:job["rows"]]:
        if time.monotonic() > end:
            break
        imgs = np.concatenate([imgs] * (n_fit // len(imgs) + 1))[:n_fit]
        timer = BatchTimer(skip=5 if not ctx.tiny else 0)
        clf = CNNClassifier(name, max_epochs=1, valid_fraction=0, random_state=0,
                            device=device, net_params={"callbacks": [("timer", timer)]}, **kw)
        clf.fit(imgs, target[np.arange(len(imgs)) % len(target)])
        s = clf.spec_.input_size
        entry["training"].append([f"{name} ({imgs.shape[1]}x{imgs.shape[2]} in, {s}x{s} net)",
                                  device, f"{dict(clf.net_.callbacks_)['timer'].rate():.1f}",
                                  ""])
    ctx.record()
    mfn_side = 112 if not ctx.tiny else 64
    variants = [  # (label, backbone, side, channels_last, bf16, batch)
        ("dlib_resnet 150 (its own side), all layers, batch 32", "dlib_resnet", 150, False,
         False, 32),
        ("dlib_resnet 112, all layers, batch 32", "dlib_resnet", 112, False, False, 32),
        ("dlib_resnet 150, channels_last, batch 32", "dlib_resnet", 150, True, False, 32),
        ("dlib_resnet 150, bf16 autocast, batch 32", "dlib_resnet", 150, False, True, 32),
        ("dlib_resnet 150, bf16 autocast, batch 128", "dlib_resnet", 150, False, True, 128),
        (f"mobilefacenet {mfn_side}, batch 32", "mobilefacenet", mfn_side, False, False, 32),
        (f"mobilefacenet {mfn_side}, bf16 autocast, batch 128", "mobilefacenet", mfn_side,
         False, True, 128),
        ("compact 48 (the shipped network), batch 32", "compact", 48, False, False, 32),
        (f"alexnet {big}, batch 32", "alexnet", big, False, False, 32),
        (f"alexnet {big}, bf16 autocast, batch 128", "alexnet", big, False, True, 128),
        (f"vgg_cnn_m_2048 {big}, batch 32", "vgg_cnn_m_2048", big, False, False, 32),
        (f"vgg_cnn_m_2048 {big}, bf16 autocast, batch 128", "vgg_cnn_m_2048", big, False,
         True, 128),
    ]
    base = None
    for label, name, side, last, bf16, b in variants[:job["rows"]]:
        if time.monotonic() > end:
            break
        if ctx.tiny:
            b = min(b, 8)
        torch.manual_seed(0)
        step = make_step(name, side, channels_last=last, device=device, mixed_precision=bf16,
                         weights=fr if name == "dlib_resnet" else None)
        r = images_per_second(step, faces48, target, job["steps"], batch=b)
        base = base or r
        entry["train_speed"].append([label, f"{r:.1f}", f"{r / base:.2f}",
                                     f"{28709 / r / 60:.2f}"])
        ctx.record()


JOBS = {"tests": job_tests, "face": job_face, "claim": job_claim, "speed": job_speed,
        "cascade": job_cascade}


# ---------------------------------------------------------------------------
# the report


def _table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def report(results):
    """The Markdown tables of a run's record."""
    env = results.get("environment", {})
    jobs = results.get("jobs", {})
    out = [f"# GPU run (issue #27) on {env.get('gpu') or env.get('device')}", "",
           f"Command: `{results.get('command')}`; {results.get('wall_min', 0):.1f} minutes "
           f"of the script. Environment: {json.dumps(env)}", ""]
    pack = results.get("pack") or {}
    if pack:
        sets = ((pack.get("manifest") or {}).get("sets")) or {}
        out += ["Faces from the pack: " + ", ".join(
            f"{k} {v['images']} ({v['codec']}, {v['rms_grey_levels']} grey levels RMS)"
            for k, v in sets.items()), ""]
    for key, entry in jobs.items():
        if entry.get("skipped") or entry.get("error"):
            out += [f"**{key}**: {entry.get('skipped') or entry.get('error')}", ""]
    tests = jobs.get("tests")
    if tests and "summary" in tests:
        out += ["## GPU tests", "", f"`{tests.get('command', 'pytest -m gpu')}`: "
                f"{tests['summary']} (exit {tests.get('returncode')})", ""]
        out += [f"- {line}" for line in tests.get("failures", []) + tests.get("skip_lines", [])]
        out.append("")
    nets = [(k, e) for k, e in jobs.items() if "publictest" in e]
    if nets:
        rows = [[k, e["backbone"], e["initial_weights"], e["side"], e["data"], e["labels"],
                 p["labels"], e["training_images"],
                 f"{e['epochs_run']} of {e['requested_epochs']}", e["best_epoch"], p["faces"],
                 f"{p['accuracy']:.3f}", f"{p['uar']:.3f}", e["training_min"],
                 e.get("weights_file", "")]
                for k, e in nets for p in e["publictest"]]
        out += ["## Face models and the claim: FER2013 PublicTest", "",
                "PublicTest picks the best epoch (lowest loss, on the labels trained on), so "
                "its figures are optimistic, as in `fer2013_*.md`.", "",
                _table(["job", "backbone", "initial weights", "input side", "training data",
                        "training labels", "evaluated against", "training images",
                        "epochs (run of asked)", "best epoch", "test faces",
                        "PublicTest accuracy", "UAR", "training minutes", "weights"], rows), ""]
        for k, e in nets:
            out += [f"{k}, per epoch (batch {e['batch_size']}, "
                    f"{e['calibration_train_img_per_s']} train img/s):", "",
                    _table(["epoch", "train loss", "valid loss", "valid acc", "s"],
                           [[h.get("epoch"), h.get("train_loss"), h.get("valid_loss"),
                             h.get("valid_acc"), h.get("dur")] for h in e["history"]]), ""]
    cascade = [(k, e) for k, e in jobs.items() if "fer2013" in e]
    if cascade:
        rows = []
        for _, e in cascade:
            f = e["fer2013"]
            p = f["publictest"][0]
            s = e.get("sfew", {})
            rows.append([e["backbone"], e["side"], f"{f['epochs_run']} of "
                         f"{f['requested_epochs']}", f"{p['accuracy']:.3f}", f"{p['uar']:.3f}",
                         f"{s['accuracy_mean']:.1%} ± {s['accuracy_std']:.1%}" if s else "-",
                         s.get("epochs", "-"), f["training_min"]])
        out += ["## Ng et al.'s cascade from random weights", "",
                "FER2013 Training (ng2015 recipe, lr 0.01, polynomial decay; PublicTest picks "
                "the epoch), then SFEW Train with a new head (ng2015, lr 1e-3), grouped "
                "folds by movie as `sfew.md`.", "",
                _table(["backbone", "input side", "FER2013 epochs", "PublicTest accuracy",
                        "UAR", "SFEW Train CV accuracy", "SFEW epochs",
                        "FER2013 training minutes"], rows), ""]
    speed = jobs.get("speed")
    if speed and speed.get("inference"):
        out += ["## Throughput on this device", "", speed["note"], "",
                "Rows for `cnn_throughput.md` (inference):", "",
                _table(["model", "device", "img/s batch 1", "img/s batch 256",
                        "ratio batch 1", "ratio batch 256"], speed["inference"]), "",
                "Rows for `cnn_throughput.md` (training):", "",
                _table(["backbone", "device", "train img/s", "ratio to dlib C++"],
                       speed["training"]), "",
                "Rows for `train_speed.md` (median of the timed steps; ratio to the first "
                "row of this run):", "",
                _table(["setting", "train images/s", "ratio",
                        "minutes per FER2013 epoch (28,709 faces)"], speed["train_speed"]), ""]
    return "\n".join(out)


# ---------------------------------------------------------------------------
# back on the CPU


def fold(args):
    """The run's tables into results/gpu_run.md(.json), its weights as float32
    into ``--weights-dir`` with a record each."""
    import torch

    src, tables = Path(args.run_dir), Path(args.results_dir)
    results = json.loads((src / "results.json").read_text())
    tables.mkdir(parents=True, exist_ok=True)
    shutil.copy(src / "report.md", tables / "gpu_run.md")
    shutil.copy(src / "results.json", tables / "gpu_run.json")
    dest = Path(args.weights_dir).expanduser()
    dest.mkdir(parents=True, exist_ok=True)
    for key, entry in results["jobs"].items():
        if not entry.get("weights_file"):
            continue
        state = torch.load(src / entry["weights_file"], map_location="cpu", weights_only=True)
        torch.save({k: v.float() if v.is_floating_point() else v for k, v in state.items()},
                   dest / f"{key}.pt")
        keep = ("backbone", "initial_weights", "side", "data", "labels", "classes",
                "history", "publictest", "epochs_run", "batch_size", "lr", "weights_dtype")
        record = {k: entry[k] for k in keep if k in entry}
        record["command"] = results["command"]
        record["environment"] = results["environment"]
        (dest / f"{key}.json").write_text(json.dumps(record, indent=1))
        print(f"{dest / (key + '.pt')}: {entry['backbone']} at {entry['side']} px, "
              f"PublicTest {entry['publictest'][0]['accuracy']:.3f}")
    print(f"Tables: {tables / 'gpu_run.md'}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("pack", help="faces and weights for the GPU machine (CPU, dlib)")
    p.add_argument("--dest", default=".gpu")
    p.add_argument("--tiny", action="store_true", help="a few hundred faces, for --tiny runs")
    p.add_argument("--data-home", default=None, help="default: $EMOSK_DATA")
    p.add_argument("--sfew-cache", default=None, help="aligned SFEW faces "
                   "(default ~/.cache/emosk-sfew, shared with benchmarks/sfew.py)")
    p = sub.add_parser("run", help="the parts, in order of value, into --out")
    p.add_argument("--out", required=True)
    p.add_argument("--pack", default=".gpu")
    p.add_argument("--tiny", action="store_true", help="small sides, one epoch: a CPU check")
    p.add_argument("--budget-s", type=float, default=None,
                   help="seconds for all parts (default 480; 600 with --tiny)")
    p.add_argument("--parts", nargs="+", default=list(PARTS), choices=list(PARTS))
    p.add_argument("--set", action="append", metavar="JOB.SETTING=VALUE",
                   help="change a job's setting (see FULL), e.g. claim_fr.share=120, "
                        "face_mfn.batch_size=64, face_mfn.lr=0.01, face_mfn.side=96")
    p.add_argument("--device", default=None, help="default: cuda when present, else cpu")
    p.add_argument("--face-labels", default="fer2013", choices=["fer2013", "ferplus-majority"])
    p.add_argument("--mixed-precision", action="store_true",
                   help="bf16 autocast for every job (the cascade uses it anyway)")
    p.add_argument("--epochs-as-asked", action="store_true",
                   help="plan each fit's epochs as asked (--set JOB.epochs=N), the "
                        "deadline stopping it, instead of from the calibration fit")
    p = sub.add_parser("fold", help="a returned run folder into results/ and weights")
    p.add_argument("run_dir")
    p.add_argument("--weights-dir", default="~/emosk-weights/gpu")
    p.add_argument("--results-dir", default=str(RESULTS))
    args = parser.parse_args()
    if args.command == "pack":
        manifest = pack_faces(args.dest, tiny=args.tiny, data_home=args.data_home,
                              sfew_cache=args.sfew_cache)
        print(json.dumps(manifest, indent=1))
    elif args.command == "run":
        if args.budget_s is None:
            args.budget_s = 600.0 if args.tiny else 480.0
        run(args)
    else:
        fold(args)


if __name__ == "__main__":
    main()

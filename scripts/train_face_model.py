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

``--teacher NAME`` distils a shipped model into the network being trained
(Hinton et al. 2015, temperature 1; given several times, the mean of their
probabilities: an ensemble distilled): each face's target is ``--teacher-weight``
times the teacher's probabilities for it (the teacher reading the face at its
own side, without test-time views unless ``--teacher-tta``: the mean of its
18) plus the rest times its label, and ``CNNClassifier.fit(soft_targets=...)``
trains on that distribution.

``--fer2013-teacher NAME`` (repeatable) adds teachers for FER2013's faces
only: there the target's teacher share is the mean of ``--teacher``'s and their
probabilities (an ensemble distilled, Hinton et al. 2015), while NHFI's photos
keep ``--teacher``'s alone; for a model such as the compact ``fer2013``, ahead
on FER2013's thumbnails and behind on real photos.

``--no-fer2013`` trains on NHFI's training photos alone: a short in-domain
fine-tune of a model already trained on both, to average with it afterwards
(``scripts/average_weights.py``; Wortsman et al. 2022's WiSE-FT).

``--labels fer2013-ferplus`` keeps FER2013's own labels but softens them with
FER+'s ten annotators (Barsoum et al. 2016): each FER2013 face's target is
``--vote-weight`` times the shares of its votes for the seven emotions plus the
rest times its original label (the faces whose FER+ majority is contempt,
unknown or not a face are left out, 1,975 of 28,709); NHFI's photos keep
one-hot targets, and PublicTest's original labels still choose the epoch.
"""

import argparse
import functools
import json
import time
from pathlib import Path

import numpy as np
import torch
from skorch.dataset import Dataset
from skorch.helper import predefined_split

from emosk.datasets import load_fer2013, load_nhfi, nhfi_holdout
from emosk.face import FaceAligner, FaceFinder, resize_faces
from emosk.nn import CNNClassifier
from emosk.pretrained import PRETRAINED, available_models, load


def aligned_photos(images, side):
    """Photos as the photo path of a RetinaFace model sees them: the most
    confident face's five points framed as FER2013's faces, ``side`` px gray,
    the whole photo where no candidate passes the fit check."""
    # threshold 0: the most confident candidate even when weak (NHFI's photos are
    # all faces), as the shipped mobilefacenet_fer_nhfi_aligned was trained
    finder = FaceFinder(FaceAligner(detector="retinaface", landmarks="detector",
                                    threshold=0.0, mode="fer2013", size=side,
                                    color="gray").fit())
    out = []
    for image in images:
        faces = finder.find(image)
        out.append(finder.crop(image, max(faces, key=lambda f: f.score)) if faces
                   else finder.crop_whole(image))
    return np.stack(out)


@functools.lru_cache(maxsize=2)
def fer2013_training(labels):
    """FER2013 Training with ``labels``, read once per run (the training set and
    the FER+ vote shares come from the same rows); not to be modified."""
    return load_fer2013(subset="Training", labels=labels)


def training_set(side, use_nhfi, labels="fer2013", nhfi_faces="whole", nhfi_repeat=1,
                 use_fer2013=True):
    """FER2013 Training (+ NHFI's training groups; or those alone, without
    ``use_fer2013``) at ``side`` px, with class names;
    ``labels`` are FER2013's own, the FER+ majority, or ``"fer2013-ferplus"``:
    FER2013's own on the faces FER+ names an emotion for (:func:`vote_shares`
    gives their votes); NHFI's photos are taken whole or aligned
    (``nhfi_faces="retinaface"``, :func:`aligned_photos`), each ``nhfi_repeat``
    times (training augments every copy differently)."""
    X, y = [], []
    if use_fer2013:
        fer = fer2013_training("ferplus-votes" if labels == "fer2013-ferplus" else labels)
        X.append(resize_faces(fer.images, side))
        y.append(fer.fer2013_target if labels == "fer2013-ferplus" else fer.target)
    if use_nhfi:
        nhfi = load_nhfi(drop_contempt=True)
        train, _ = nhfi_holdout(nhfi.groups)
        photos = nhfi.images[train]
        faces = (aligned_photos(photos, side) if nhfi_faces == "retinaface"
                 else resize_faces(photos, side))
        X.append(np.concatenate([faces] * nhfi_repeat))
        y.append(np.concatenate([nhfi.target[train]] * nhfi_repeat))
    return np.concatenate(X), np.concatenate(y)


def validation_set(side, classes, labels="fer2013"):
    """FER2013 PublicTest at ``side`` px as a skorch Dataset whose targets index
    the sorted ``classes`` (faces of other classes left out), and the test Bunch."""
    test = load_fer2013(subset="PublicTest", labels=labels)
    names = np.asarray(test.target)
    codes = {c: i for i, c in enumerate(np.unique(classes))}
    seen = np.isin(names, list(codes))
    return Dataset(resize_faces(test.images[seen], side),
                   np.array([codes[c] for c in names[seen]], dtype=np.int64)), test


def face_classifier(backbone, weights, side, epochs, lr, valid, *, callbacks=(), seed=0,
                    **params):
    """The CNNClassifier of these runs: PublicTest (``valid``) picks the best epoch;
    ``seed`` sets its shuffling, augmentation and any new layer's start."""
    return CNNClassifier(backbone, weights=weights, lr=lr, max_epochs=epochs,
                         input_size=side, valid_fraction=0, random_state=seed,
                         net_params={"train_split": predefined_split(valid),
                                     "callbacks": list(callbacks)}, **params)


def teacher_probabilities(teacher, labels, side_args, cache, tta=False):
    """The shipped model ``teacher``'s probabilities on the training faces, made
    at its own side by ``training_set(*side_args)`` (with ``tta``, its mean over
    its 18 test-time views), kept in ``cache`` for ``--resume`` (made again when
    its rows are not the training faces')."""
    classes = np.unique(labels)
    if list(classes) != list(PRETRAINED[teacher].classes):
        raise ValueError(f"The teacher's classes {list(PRETRAINED[teacher].classes)} are "
                         f"not the training labels' {list(classes)}.")
    proba = np.load(cache) if cache.is_file() else None
    if proba is None or proba.shape != (len(labels), len(classes)):
        faces, _ = training_set(PRETRAINED[teacher].align["size"], *side_args)
        proba = load(teacher, tta=tta).predict_proba(faces)  # batched inside
        np.save(cache, proba)
    return proba


def distillation_targets(teachers, weight, labels, side_args, cache, tta=False,
                         fer2013_teachers=(), n_fer2013=0):
    """Soft targets: ``weight`` times the teacher share plus ``1 - weight`` times
    the one-hot ``labels``.  The teacher share is the mean of the ``teachers``'
    probabilities (:func:`teacher_probabilities`; the first cached in
    ``cache``, the others beside it, one file each), averaged on the first
    ``n_fer2013`` rows (FER2013's faces) with those of each of
    ``fer2013_teachers`` (no test-time views)."""
    def of(name, tta=False, first=False):
        where = cache if first else cache.with_name(f"{cache.stem}.{name}.npy")
        return teacher_probabilities(name, labels, side_args, where, tta)

    first, *others = teachers
    proba = np.mean([of(first, tta, first=True)] + [of(name, tta) for name in others],
                    axis=0)
    if fer2013_teachers:
        extra = [of(name)[:n_fer2013] for name in fer2013_teachers]
        proba[:n_fer2013] = np.mean([proba[:n_fer2013], *extra], axis=0)
    classes = np.unique(labels)
    onehot = (labels[:, None] == classes[None, :]).astype(np.float64)
    return weight * proba + (1 - weight) * onehot


def vote_shares(weight, labels):
    """Soft targets of ``labels="fer2013-ferplus"``: on FER2013's faces (the
    first rows of ``labels``), ``weight`` times the shares of FER+'s ten
    annotators' votes plus ``1 - weight`` times the original label; one-hot
    on NHFI's photos."""
    fer = fer2013_training("ferplus-votes")
    classes = np.unique(labels)
    shares = fer.target_proba[:, np.argsort(fer.target_names)]
    if list(np.sort(fer.target_names)) != list(classes):
        raise ValueError(f"FER+ classes {sorted(fer.target_names)} are not the training "
                         f"labels' {list(classes)}.")
    soft = (labels[:, None] == classes[None, :]).astype(np.float64)
    n = len(shares)
    soft[:n] = weight * shares + (1 - weight) * soft[:n]
    return soft


def epoch_history(clf):
    """The per-epoch figures of a fitted classifier's skorch history."""
    return [{k: h[k] for k in ("epoch", "train_loss", "valid_loss", "valid_acc", "dur")
             if k in h} for h in clf.net_.history]


def command_line(args):
    """The command of this run, every option spelled out (``--teacher-weight``
    only with a teacher)."""
    given = {k: v for k, v in vars(args).items()
             if v is not None and v is not False
             and not (k == "teacher_weight" and args.teacher is None)}
    words = ["python scripts/train_face_model.py"]
    for k, v in given.items():
        for one in (v if isinstance(v, list) else [v]):  # repeatable options, repeated
            words.append(f"--{k.replace('_', '-')}" + ("" if one is True else f" {one}"))
    return " ".join(words)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backbone", default="mobilefacenet")
    parser.add_argument("--weights", default="ms1m")
    parser.add_argument("--side", type=int, default=64, help="input side in pixels")
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--lr", type=float, default=5e-3)
    parser.add_argument("--labels", default="fer2013",
                        choices=["fer2013", "ferplus-majority", "fer2013-ferplus"],
                        help="FER2013's labels, for training and the best epoch; "
                             "fer2013-ferplus: the original labels mixed with FER+'s "
                             "vote shares (--vote-weight) on the faces FER+ names an "
                             "emotion for")
    parser.add_argument("--vote-weight", type=float, default=None,
                        help="with --labels fer2013-ferplus: share of FER+'s votes in "
                             "each FER2013 face's target (default 0.5)")
    parser.add_argument("--no-nhfi", action="store_true", help="FER2013 only")
    parser.add_argument("--no-fer2013", action="store_true",
                        help="NHFI's training photos only (a short in-domain fine-tune of "
                             "a FER2013-trained model, to average with it afterwards)")
    parser.add_argument("--nhfi-faces", default="whole", choices=["whole", "retinaface"],
                        help="NHFI's photos whole, or aligned by RetinaFace's five points "
                             "as the photo path of a RetinaFace model aligns them")
    parser.add_argument("--nhfi-repeat", type=int, default=1,
                        help="copies of NHFI's training photos in each epoch")
    parser.add_argument("--class-weight", default="none", choices=["none", "balanced"],
                        help="weight the loss by inverse class frequency (balanced)")
    parser.add_argument("--augment", default="geometric",
                        choices=["geometric", "video", "occlusion"],
                        help="training augmentation: flips, rotations, scalings, shifts; "
                             "video adds lost resolution, blur, light and noise; "
                             "occlusion adds random erasing")
    parser.add_argument("--teacher", action="append", default=None, metavar="NAME",
                        help="a shipped model to distil (its probabilities as targets; "
                             "repeatable: the mean of their probabilities)")
    parser.add_argument("--fer2013-teacher", action="append", default=None,
                        metavar="NAME",
                        help="another shipped model averaged with --teacher on "
                             "FER2013's faces only (repeatable)")
    parser.add_argument("--teacher-weight", type=float, default=0.7,
                        help="share of the teacher's probabilities in each target")
    parser.add_argument("--teacher-tta", action="store_true",
                        help="the teacher's probabilities averaged over its 18 test-time "
                             "views")
    parser.add_argument("--channels-last", action="store_true",
                        help="the network's weights and input in channels-last memory "
                             "format (faster on recent CPUs; the same answers)")
    parser.add_argument("--seed", type=int, default=0,
                        help="random state of the fine-tune (shuffling, augmentation); "
                             "a second seed measures a recipe's run-to-run spread")
    parser.add_argument("--out", required=True, help="weights file (outside the repo)")
    parser.add_argument("--resume", action="store_true")
    args = parser.parse_args()

    if args.no_fer2013 and (args.no_nhfi or args.teacher or args.labels != "fer2013"):
        parser.error("--no-fer2013 trains on NHFI's photos alone: it takes neither "
                     "--no-nhfi, --teacher nor --labels other than fer2013")
    if args.nhfi_repeat < 1:
        parser.error(f"--nhfi-repeat must be at least 1; got {args.nhfi_repeat}")
    faces = available_models("face")
    for name in args.teacher or ():
        if name not in faces:
            parser.error(f"--teacher must be a shipped face model ({faces}); "
                         f"got {name!r}")
    if args.teacher_tta and args.teacher is None:
        parser.error("--teacher-tta needs --teacher")
    if args.fer2013_teacher and args.teacher is None:
        parser.error("--fer2013-teacher needs --teacher")
    for name in args.fer2013_teacher or ():
        if name not in faces:
            parser.error(f"--fer2013-teacher must be a shipped face model ({faces}); "
                         f"got {name!r}")
    if args.labels == "fer2013-ferplus":
        if args.teacher is not None:
            parser.error("--labels fer2013-ferplus and --teacher both set the soft "
                         "targets; choose one")
        args.vote_weight = 0.5 if args.vote_weight is None else args.vote_weight
        if not 0 <= args.vote_weight <= 1:
            parser.error(f"--vote-weight must be in [0, 1]; got {args.vote_weight}")
    elif args.vote_weight is not None:
        parser.error("--vote-weight needs --labels fer2013-ferplus")
    if not 0 <= args.teacher_weight <= 1:
        parser.error(f"--teacher-weight must be in [0, 1]; got {args.teacher_weight}")
    data_args = (not args.no_nhfi, args.labels, args.nhfi_faces, args.nhfi_repeat,
                 not args.no_fer2013)
    X, y = training_set(args.side, *data_args)
    valid, _ = validation_set(args.side, y, "fer2013" if args.labels == "fer2013-ferplus"
                              else args.labels)
    out = Path(args.out).expanduser()
    out.parent.mkdir(parents=True, exist_ok=True)
    soft = None if args.teacher is None else distillation_targets(
        args.teacher, args.teacher_weight, y, data_args,
        out.with_suffix(".teacher-tta.npy" if args.teacher_tta else ".teacher.npy"),
        tta=args.teacher_tta, fer2013_teachers=args.fer2013_teacher or (),
        n_fer2013=len(fer2013_training(args.labels).images))
    if args.labels == "fer2013-ferplus":
        soft = vote_shares(args.vote_weight, y)
    clf = face_classifier(args.backbone, args.weights, args.side, args.epochs, args.lr, valid,
                          augment=True if args.augment == "geometric" else args.augment,
                          verbose=1, checkpoint=out.with_suffix(".ckpt"), resume=args.resume,
                          channels_last=args.channels_last, seed=args.seed,
                          class_weight=None if args.class_weight == "none" else args.class_weight)
    t0, cpu0 = time.perf_counter(), time.process_time()
    clf.fit(X, y, soft_targets=soft)
    torch.save(clf.net_.module_.backbone.state_dict(), out)
    record = {"command": command_line(args),
              "training_images": len(X), "classes": list(clf.classes_),
              "wall_min_this_call": (time.perf_counter() - t0) / 60,
              "cpu_min_this_call": (time.process_time() - cpu0) / 60,
              "history": epoch_history(clf)}
    out.with_suffix(".json").write_text(json.dumps(record, indent=1))
    print(json.dumps({k: v for k, v in record.items() if k != "history"}))


if __name__ == "__main__":
    main()

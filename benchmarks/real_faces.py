"""Real faces: every candidate face model on real photos, movie faces, posed and real
clips and FER2013, with the fer peer (fer 25.10.3, its own venv) in the same run.

    EMOSK_DATA=../shared/data EMOSK_WEIGHTS=../shared/weights \\
        python benchmarks/real_faces.py --candidate fer2013 \\
        --candidate mobilefacenet64=mobilefacenet:~/emosk-weights/mfn64.pt:64 \\
        --fer-python ~/fer-venv/bin/python

A candidate is a shipped model's name, or ``NAME=BACKBONE:WEIGHTS:SIDE`` for a
trained state dict (FER2013's seven classes, faces framed as FER2013's, gray,
``SIDE`` pixels), or ``A+B``: the mean of two candidates' probabilities, each
on its own path (an ensemble).  Every model sees the sets through emosk's own
default paths:

- **NHFI hold-out**: the fifth of NHFI's identity groups that
  ``scripts/train_face_model.py`` never trains on (:func:`emosk.datasets.nhfi_holdout`,
  contempt dropped), 96x96 gray photos through :func:`emosk.pretrained.predict_image`
  (the detected face with the best score, the whole photo when none is found);
- **SFEW Train** zero-shot: all 859 movie faces (143x181 RGB crops), the same way;
- **CK+48 clips**: 309 posed sequences of 3 frames (contempt left out), each frame a
  face, the clip the mean of its frames' probabilities;
- **eNTERFACE'05**: 6 real clips through :func:`emosk.pretrained.predict_video`;
- **FER2013 PublicTest** against the original and the FER+ majority labels, the
  48x48 faces classified as they are (PublicTest also chose the candidates' best
  epochs, so these two rows are optimistic).

Accuracy, UAR (unweighted average recall over the classes present), per-class
recall, the share of inputs with a face found, and inputs per second; and each
system's accuracy and UAR minus those of a reference in the same run (``--reference``,
by default the first candidate), with paired bootstrap intervals that draw whole
identities, movies or subjects where the set has them.  Each
system's figures are stored in ``results/real_faces.json``, so a run can add
candidates to the table; ``--table-only`` rewrites the table from it.
"""

import argparse
import json
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
from _common import RESULTS, interval_text, markdown_table, write_result

from emosk.datasets import (
    load_ckplus48,
    load_enterface05,
    load_fer2013,
    load_nhfi,
    load_sfew,
    nhfi_holdout,
)
from emosk.metrics import paired_bootstrap, per_class_recall, unweighted_average_recall
from emosk.nn import classifier_from_weights
from emosk.pretrained import (
    image_aligner,
    load,
    predict_image,
    predict_video,
    video_aligner,
)

STORE = RESULTS / "real_faces.json"
CLASSES = ("angry", "disgust", "fear", "happy", "neutral", "sad", "surprise")
SETS = ("nhfi_holdout", "sfew_train", "ckplus48_clips", "enterface05", "fer2013_public",
        "fer2013_public_ferplus")
SET_TITLES = {
    "nhfi_holdout": "NHFI hold-out photos", "sfew_train": "SFEW Train (zero-shot)",
    "ckplus48_clips": "CK+48 clips", "enterface05": "eNTERFACE'05 clips",
    "fer2013_public": "FER2013 PublicTest", "fer2013_public_ferplus":
        "FER2013 PublicTest, FER+ majority"}


class Candidate:
    """A face model with the image and video aligners of its faces."""

    def __init__(self, spec, detector=None):
        if "=" in spec:
            self.name, rest = spec.split("=", 1)
            backbone, weights, side = rest.rsplit(":", 2)
            self.model = classifier_from_weights(backbone, str(Path(weights).expanduser()),
                                                 CLASSES, input_size=int(side))
            params = {"size": int(side)}
            base = "fer2013"
        else:  # a shipped model; NAME@int8: its int8 graph, NAME@tta: 18-view TTA
            base, _, option = spec.partition("@")
            if option not in ("", "int8", "tta"):
                raise SystemExit(f"Unknown option @{option} in {spec!r}: @int8 or @tta.")
            self.name, params = spec, {}
            self.model = load(base, tta=option == "tta",
                              precision="int8" if option == "int8" else "float32")
        if detector:  # another detector for the photos (videos keep the fast path's)
            self.name += f" + {detector}"
            photo = {"detector": detector, "threshold": None}
        else:
            photo = {}
        self.image_aligner = image_aligner(base, **params, **photo).fit()
        self.video_aligner = video_aligner(base, **params)
        points = ("its five points" if self.image_aligner.landmarks == "detector"
                  else "dlib's 68 landmarks")
        self.photo_path = f"{self.image_aligner.detector}, {points}"

    def crops(self, images):
        return self.model.predict_proba(images)

    def photos(self, images):
        out, found = [], []
        for image in images:
            faces = predict_image(image, model=self.model, aligner=self.image_aligner,
                                  no_face="whole-image")
            best = max(faces, key=lambda f: -np.inf if np.isnan(f["score"]) else f["score"])
            out.append([best["probabilities"][c] for c in CLASSES])
            found.append(best["found"])
        return np.array(out), np.array(found)

    def videos(self, paths):
        out, found = [], []
        for path in paths:
            result = predict_video(path, model=self.model, aligner=self.video_aligner)
            out.append(result["clip_probabilities"])
            found.append(np.mean(result["found"]))
        return np.array(out), np.array(found)


class FerPeer:
    """fer 25.10.3 through ``fer_peer.py`` in its own interpreter."""

    name = "fer 25.10.3 (peer)"
    photo_path = "OpenCV Haar cascade (fer's own)"

    def __init__(self, python):
        self.python = str(Path(python).expanduser())

    def _run(self, kind, **arrays):
        with tempfile.TemporaryDirectory() as tmp:
            src, dst = Path(tmp) / "in.npz", Path(tmp) / "out.npz"
            np.savez(src, kind=kind, **arrays)
            subprocess.run([self.python, str(Path(__file__).with_name("fer_peer.py")),
                            str(src), str(dst)], check=True)
            out = np.load(dst)
            assert tuple(out["classes"]) == CLASSES
            # the peer's own clock: its work on the inputs, not the start of its
            # interpreter and of TensorFlow
            self.seconds = float(out["seconds"])
            return out["proba"], out["found"]

    def crops(self, images):
        return self._run("crops", images=_objects(images))[0]

    def photos(self, images):
        return self._run("photos", images=_objects(images))

    def videos(self, paths):
        return self._run("videos", paths=np.array([str(p) for p in paths]))


def _objects(images):
    arr = np.empty(len(images), dtype=object)
    arr[:] = list(images)
    return arr


def _figures(truth, pred, seconds, found=None):
    """Accuracy, UAR, per-class recall, found share and speed of one system on one
    set, from its predicted classes."""
    truth = np.asarray(truth)
    present = [c for c in CLASSES if c in set(truth)]
    return {"n": len(truth), "accuracy": float(np.mean(pred == truth)),
            "uar": float(unweighted_average_recall(truth, pred)),
            "recall": {k: float(v) for k, v in
                       per_class_recall(truth, pred, labels=present).items()},
            "found": None if found is None else float(np.mean(found)),
            "per_second": len(truth) / seconds}


def _timed(fn, *args):
    """``fn(*args)`` and its seconds; a system that times its own work (the
    peer, in another process) gives its own."""
    system = getattr(fn, "__self__", None)
    if system is not None:
        system.seconds = None
    t0 = time.perf_counter()
    out = fn(*args)
    seconds = time.perf_counter() - t0
    own = getattr(system, "seconds", None)
    return out, seconds if own is None else own


def evaluate(system, sets):
    """Figures of ``system`` on each named set and its photo path, and its
    answers: per set, the true labels, its predictions and the groups whose
    members are not independent (NHFI's identities, SFEW's movies, CK+'s
    subjects; None for FER2013's faces and eNTERFACE's clips)."""
    results, answers = {"photo_path": system.photo_path}, {}

    def record(key, truth, proba, seconds, found=None, groups=None):
        pred = _predictions(proba)
        results[key] = _figures(truth, pred, seconds, found)
        answers[key] = (np.asarray(truth), pred, groups)

    if "nhfi_holdout" in sets:
        nhfi = load_nhfi(drop_contempt=True)
        _, test = nhfi_holdout(nhfi.groups)
        (proba, found), s = _timed(system.photos, nhfi.images[test])
        record("nhfi_holdout", nhfi.target[test], proba, s, found, nhfi.groups[test])
    if "sfew_train" in sets:
        sfew = load_sfew(subset="Train")
        (proba, found), s = _timed(system.photos, sfew.images)
        record("sfew_train", sfew.target, proba, s, found, sfew.groups)
    if "ckplus48_clips" in sets:
        ck = load_ckplus48()
        frames = np.concatenate(ck.images)
        proba, s = _timed(system.crops, frames)
        ends = np.cumsum([len(c) for c in ck.images])
        per_clip = np.array([p.mean(axis=0) for p in np.split(proba, ends[:-1])])
        record("ckplus48_clips", ck.target, per_clip, s, groups=ck.groups)
    if "enterface05" in sets:
        paths, target = load_enterface05(return_X_y=True)
        (proba, found), s = _timed(system.videos, paths)
        record("enterface05", target, proba, s, found)
    for key, labels in (("fer2013_public", "fer2013"),
                        ("fer2013_public_ferplus", "ferplus-majority")):
        if key in sets:
            test = load_fer2013(subset="PublicTest", labels=labels)
            proba, s = _timed(system.crops, test.images)
            record(key, test.target, proba, s)
    return results, answers


def _predictions(proba):
    """The most probable class of each row (the first class for a row of NaN)."""
    proba = np.asarray(proba, dtype=float)
    return np.array(CLASSES)[np.nan_to_num(proba, nan=-1).argmax(axis=1)]


#: Sets too small for an interval to mean anything are left out of the differences.
MIN_FOR_INTERVAL = 30
BOOTSTRAP = {"n_resamples": 2000, "confidence_level": 0.95, "random_state": 0}


def differences(answers, reference_answers, reference):
    """Per set, the accuracy and UAR of a system minus the reference's (both
    evaluated in this run, on the same inputs), with paired bootstrap
    intervals that draw whole groups where the set has them."""
    out = {}
    for key, (truth, pred, groups) in answers.items():
        if key not in reference_answers or len(truth) < MIN_FOR_INTERVAL:
            continue
        ref_truth, ref_pred, _ = reference_answers[key]
        if not np.array_equal(truth, ref_truth):
            raise ValueError(f"{key}: the reference read other inputs")
        out[key] = {"reference": reference,
                    "groups": groups is not None,
                    **{metric: paired_bootstrap(truth, pred, ref_pred, metric=metric,
                                                groups=groups, **BOOTSTRAP)
                       for metric in ("accuracy", "uar")}}
    return out


def _cell(fig):
    text = f"{fig['accuracy']:.3f} / {fig['uar']:.3f}"
    return text + (f" ({fig['found']:.0%} found)" if fig.get("found") is not None else "")


#: The photo path of the systems measured before it was recorded: emosk's photo
#: path was dlib's HOG and 68 landmarks until RetinaFace's five points replaced it.
_EARLIER_PHOTO_PATH = "dlib-hog, dlib's 68 landmarks"


class MeanOfCandidates:
    """An ensemble: the mean of its members' probabilities, each member reading
    the inputs on its own path; a face is found where the first member finds one."""

    def __init__(self, members):
        self.members = members
        self.name = "+".join(m.name for m in members)
        self.photo_path = members[0].photo_path

    def crops(self, images):
        return np.mean([m.crops(images) for m in self.members], axis=0)

    def photos(self, images):
        outs = [m.photos(images) for m in self.members]
        return np.mean([p for p, _ in outs], axis=0), outs[0][1]

    def videos(self, paths):
        outs = [m.videos(paths) for m in self.members]
        return np.mean([p for p, _ in outs], axis=0), outs[0][1]


def candidate(spec, detector=None):
    """A :class:`Candidate`, or the :class:`MeanOfCandidates` of ``A+B``."""
    if "+" in spec:
        return MeanOfCandidates([Candidate(s, detector) for s in spec.split("+")])
    return Candidate(spec, detector)


def _differences_section(store):
    """The table of each system's differences to the reference it was
    evaluated with (runs since the intervals were added)."""
    rows = [[SET_TITLES[k], s, store[s][k]["vs"]["reference"],
             interval_text(store[s][k]["vs"]["accuracy"]),
             interval_text(store[s][k]["vs"]["uar"]),
             "yes" if store[s][k]["vs"]["groups"] else "no"]
            for k in SETS for s in store if "vs" in store[s].get(k, {})]
    if not rows:
        return ""
    return (
        "\n\nDifferences against a reference evaluated in the same run, on the same "
        "inputs: the system's accuracy and UAR minus the reference's, with a 95% "
        f"paired bootstrap interval ({BOOTSTRAP['n_resamples']} resamples, "
        "`emosk.metrics.paired_bootstrap`, percentile).  Where the set has groups of "
        "related inputs (NHFI's identities, SFEW's movies, CK+'s subjects), whole "
        "groups are drawn; FER2013's faces are drawn one by one (its identities are "
        f"not known).  Sets under {MIN_FOR_INTERVAL} inputs (eNTERFACE'05) have none.  "
        "An interval that holds 0 is no evidence of a difference.\n\n"
        + markdown_table(["set", "system", "reference", "accuracy difference [95%]",
                          "UAR difference [95%]", "groups drawn"], rows))


def _photo_path(name, figures):
    if "photo_path" in figures:
        return figures["photo_path"]
    if name.startswith("fer "):
        return FerPeer.photo_path
    return "retinaface, dlib's 68 landmarks" if "retinaface" in name else _EARLIER_PHOTO_PATH


def render(store):
    systems = list(store)
    paths = [["photo face path", "", *[_photo_path(s, store[s]) for s in systems]]]
    rows = paths + [[SET_TITLES[k], store[systems[0]][k]["n"] if k in store[systems[0]] else "",
             *[_cell(store[s][k]) if k in store[s] else "-" for s in systems]]
            for k in SETS]
    speed = [[SET_TITLES[k], *[f"{store[s][k]['per_second']:.1f}" if k in store[s] else "-"
                               for s in systems]] for k in SETS]
    recall = []
    for k in SETS:
        for s in systems:
            if k in store[s]:
                rec = store[s][k]["recall"]
                recall.append([SET_TITLES[k], s, *[f"{rec[c]:.2f}" if c in rec else ""
                                                   for c in CLASSES]])
    body = (
        "Accuracy / UAR on each set (share of inputs where the system found a face, for "
        "photos and videos).  Photos go through each system's own face detection, the "
        "whole photo being classified when none is found; CK+48 and FER2013 faces are "
        "classified as they are.  Systems' descriptions and training runs: "
        "`docs/model_card.rst` and `benchmarks/results/face_model_runs.md`.\n\n"
        + markdown_table(["set", "n", *systems], rows)
        + "\n\nInputs per second (photos, clip frames, videos, faces), one process, "
          "the model and detector loaded once, the first use of a model's network "
          "included; each column comes from the run that evaluated that system, not "
          "necessarily on the machine named below (compare speeds within one run, or "
          "in `photo_speed.md`); fer is timed by its own "
          "clock inside its process, without the start of its interpreter and of "
          "TensorFlow (`benchmarks/photo_speed.py` compares the photo paths in more "
          "detail):\n\n"
        + markdown_table(["set", *systems], speed)
        + "\n\nPer-class recall:\n\n"
        + markdown_table(["set", "system", *CLASSES], recall)
        + _differences_section(store)
    )
    write_result("real_faces", "Real faces: candidate face models and the fer peer", body)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--candidate", action="append", default=[],
                        help="a shipped model's name (NAME@int8: its int8 graph; "
                             "NAME@tta: with the 18 test-time views), "
                             "NAME=BACKBONE:WEIGHTS:SIDE, or A+B: the mean of two "
                             "candidates' probabilities")
    parser.add_argument("--detector", default=None,
                        help="face detector of the candidates' photo path (default: the "
                             "shipped model's)")
    parser.add_argument("--fer-python", default=None,
                        help="the Python of a venv with fer 25.10.3 (the peer)")
    parser.add_argument("--sets", nargs="+", default=list(SETS), choices=SETS)
    parser.add_argument("--table-only", action="store_true")
    parser.add_argument("--reference", default=None,
                        help="the system the others are compared with (paired bootstrap "
                             "intervals of the differences); default: the first candidate")
    args = parser.parse_args()
    store = json.loads(STORE.read_text()) if STORE.exists() else {}
    if not args.table_only:
        systems = [candidate(c, args.detector) for c in args.candidate]
        if args.fer_python:
            systems.append(FerPeer(args.fer_python))
        names = [system.name for system in systems]
        reference = args.reference or (names[0] if names else None)
        if reference is not None and reference not in names:
            parser.error(f"--reference must be one of this run's systems {names}; "
                         f"got {reference!r}")
        answers = {}
        for system in systems:
            print(f"evaluating {system.name} ...", flush=True)
            figures, answers[system.name] = evaluate(system, args.sets)
            store.setdefault(system.name, {}).update(figures)
            STORE.write_text(json.dumps(store, indent=1))
        for name in names:
            if name != reference:
                for key, vs in differences(answers[name], answers[reference],
                                           reference).items():
                    store[name][key]["vs"] = vs
        STORE.write_text(json.dumps(store, indent=1))
    render(store)


if __name__ == "__main__":
    main()

"""RAVDESS speech: openSMILE feature sets, speaker normalisation and the audio SVM.

7 classes (RAVDESS's 'calm' dropped), 1248 utterances of 24 actors.  Outer
folds by actor (GroupKFold, 6 folds of 4 actors), so every score is on
speakers the model never heard.  Within each training fold the classifier's C
is chosen by 5-fold stratified CV.  Speaker normalisation
(:class:`emosk.preprocessing.GroupStandardScaler`) gets each clip's actor
through scikit-learn's metadata routing, in fit and in predict: a held-out
actor is standardised with the statistics of his or her own clips.

Also: the shipped audio model (``emosk.pretrained.load("ravdess_audio")``) on the
six eNTERFACE'05 clips, each clip alone and the six as one speaker.

    EMOSK_DATA=/path/to/data python benchmarks/audio.py [--part ravdess|enterface]
"""

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np
import sklearn
from _common import markdown_table, write_result
from sklearn.base import clone
from sklearn.model_selection import GroupKFold
from sklearn.pipeline import Pipeline

from emosk.audio import AudioFeaturizer, make_audio_pipeline, speaker_probabilities
from emosk.datasets import load_enterface05, load_ravdess
from emosk.ensemble import fuse_face_and_voice
from emosk.io import read_audio
from emosk.metrics import unweighted_average_recall
from emosk.nn import DEFAULT_MODEL
from emosk.pretrained import load, predict_video

SETS = ("IS10", "eGeMAPSv02", "ComParE_2016", "IS10+eGeMAPSv02+ComParE_2016")
C_GRID = (5e-6, 1e-5, 5e-5, 1e-4, 5e-4, 1e-3, 5e-3)
#: id -> (description, make_audio_pipeline arguments)
VARIANTS = {
    "paper": ("SVM (paper)", {}),
    "balanced": ("SVM, balanced", {"class_weight": "balanced"}),
    "norm": ("speaker norm + SVM, balanced",
             {"class_weight": "balanced", "speaker_norm": True}),
    "norm-logistic": ("speaker norm + logistic regression, balanced",
                      {"class_weight": "balanced", "speaker_norm": True,
                       "classifier": "logistic"}),
}
RESULTS = Path(__file__).parent / "results" / "audio.json"
DEFAULT_CACHE = os.path.expanduser("~/.cache/emosk")


def features(paths, feature_set, cache):
    """openSMILE functionals of every file (read from the feature cache when there)."""
    return AudioFeaturizer(feature_set, cache=cache).fit().transform(list(paths))


def realtime_factor(paths, feature_set, n=60):
    """Seconds of audio per CPU second of extraction, one process, decoding excluded."""
    waves = [read_audio(p) for p in paths[:n]]
    seconds = sum(len(w) / r for w, r in waves)
    est = AudioFeaturizer(feature_set).fit()
    t0 = time.process_time()
    est.transform(waves)
    return seconds / (time.process_time() - t0)


def speaker_independent_predictions(pipe, X, y, groups, n_folds):
    """Predictions of each clip by a model fitted on the other actors' clips."""
    pred = np.empty_like(y)
    routed = pipe.named_steps["norm"] != "passthrough"
    with sklearn.config_context(enable_metadata_routing=True):
        for train, test in GroupKFold(n_splits=n_folds).split(X, y, groups):
            fit_meta = {"groups": groups[train]} if routed else {}
            test_meta = {"groups": groups[test]} if routed else {}
            model = clone(pipe).fit(X[train], y[train], **fit_meta)
            pred[test] = model.predict(X[test], **test_meta)
    return pred


def read_results():
    """The rows and per-class recalls stored so far (rows of every earlier run)."""
    saved = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    if "rows" not in saved:  # the first layout: rows only
        saved = {"rows": saved, "recall": {}}
    return saved["rows"], saved["recall"]


def per_class_recall(y, pred):
    """Class -> share of its clips predicted right."""
    return {c: round(float(np.mean(pred[y == c] == c)), 3) for c in np.unique(y)}


def recall_table(recalls):
    classes = sorted({c for r in recalls.values() for c in r})
    rows = [[key.replace("/", ", "), *[f"{r.get(c, float('nan')):.2f}" for c in classes]]
            for key, r in sorted(recalls.items())]
    return markdown_table(["features, classifier", *classes], rows)


def feature_pipeline(C=C_GRID, **params):
    """``make_audio_pipeline`` without its extraction step (features are precomputed)."""
    if params.get("classifier", "svm") == "svm":
        params = {"C": tuple(C), **params}
    pipe = make_audio_pipeline(random_state=0, **params)
    return Pipeline(pipe.steps[1:])


def ravdess(args):
    data = load_ravdess()
    y = data.target
    groups = np.asarray(data.groups)
    stored, recalls = read_results()
    for feature_set in args.sets:
        X = features(data.filenames, feature_set, args.cache)
        rtf = realtime_factor(data.filenames, feature_set)
        for variant in args.variants:
            label, params = VARIANTS[variant]
            t0 = time.process_time()
            pred = speaker_independent_predictions(feature_pipeline(args.C, **params), X,
                                                   y, groups, args.folds)
            row = [feature_set, X.shape[1], label, f"{np.mean(pred == y):.3f}",
                   f"{unweighted_average_recall(y, pred):.3f}", f"{rtf:.0f}x",
                   f"{(time.process_time() - t0) / 60:.1f}", " ".join(sys.argv[1:])]
            stored, recalls = read_results()  # merge with rows other runs wrote
            stored[f"{feature_set}/{variant}"] = row
            recalls[f"{feature_set}/{variant}"] = per_class_recall(y, pred)
            RESULTS.write_text(json.dumps({"rows": stored, "recall": recalls},
                                          indent=1))  # after every row
            print(row, flush=True)
    order = {s: i for i, s in enumerate(SETS)}
    variants = list(VARIANTS)
    rows = sorted(stored.values(), key=lambda r: (
        order.get(r[0], len(SETS)), [VARIANTS[v][0] for v in variants].index(r[2])))
    body = (
        f"{len(y)} RAVDESS speech utterances, 7 classes (calm dropped), 24 actors; "
        f"speaker-independent GroupKFold({args.folds}) by actor. Pipeline: openSMILE "
        "functionals -> [GroupStandardScaler by actor] -> MinMaxScaler(-1, 1) -> "
        f"StandardScaler -> LinearSVC, C in {list(C_GRID)} (unless the row's arguments "
        "give --C) or logistic regression, C in LOGISTIC_C_GRID, by inner stratified "
        "5-fold CV. The held-out actors are normalised with their own clips' statistics "
        "(the actor passed through metadata routing to predict). Chance is 0.143 UAR. "
        "Real-time factor: seconds of 16 kHz audio per CPU second of openSMILE "
        "extraction, one process, 60 clips.\n\n"
        + markdown_table(["features", "dim", "classifier", "accuracy", "UAR",
                          "real-time factor", "CV CPU minutes", "arguments"], rows)
        + "\nRows are kept in `benchmarks/results/audio.json` and merged across runs; "
        "the last column gives each row's arguments to `python benchmarks/audio.py "
        "--part ravdess`.\n\nRecall per class (speaker-independent):\n\n"
        + recall_table(recalls)
    )
    write_result("audio", "RAVDESS speech: feature sets, speaker normalisation, SVM",
                 body)


def enterface(args):
    data = load_enterface05()
    y = data.target
    model = load("ravdess_audio")
    paths = list(data.filenames)
    alone = model.predict_proba(paths)
    together = speaker_probabilities(model, paths)
    rows, right = [], np.zeros(5, dtype=int)
    for path, label, voice in zip(paths, y, alone, strict=True):
        clip = predict_video(path, model=args.face_model, fps=args.fps)
        face = clip["clip_probabilities"]
        classes = list(clip["classes"])
        answers = [clip["emotion"]]
        for v in (voice, together[path]):
            fused = fuse_face_and_voice(face, v, face_classes=classes,
                                        voice_classes=list(model.classes_), fuse="always",
                                        voice_weight=0.5)
            answers += [str(model.classes_[np.argmax(v)]), fused["emotion"]]
        right += np.array([a == label for a in answers])
        rows.append([Path(path).name, label, *answers])
    rows.append(["correct", "", *[f"{r}/{len(y)}" for r in right]])
    body = (
        "The six eNTERFACE'05 clips of one speaker (another corpus; English spoken by a "
        "non-native speaker; 2 angry, 2 disgust, 2 happy): the shipped face model "
        f"`{args.face_model}` on its video path (`predict_video(path, model=...,"
        f" fps={args.fps})`: RetinaFace, the main face, clip = mean of its frames), "
        "the shipped audio model (`load(\"ravdess_audio\")`, trained on all of RAVDESS "
        "speech) and their fusion (`fuse_face_and_voice(..., fuse=\"always\", "
        "voice_weight=0.5)`: mean over the shared classes, weight 0.5; `emosk predict "
        "--audio-weight 0.5`). The audio model standardises each clip alone (global "
        "statistics, the fallback for one clip of an unknown speaker; `emosk predict`'s "
        "default) or the six together as one speaker (`groups` routed to predict; "
        "`emosk predict --same-speaker`).\n\n"
        + markdown_table(["clip", "label", "faces", "audio, alone", "fused, alone",
                          "audio, six as one speaker", "fused, six as one speaker"], rows)
    )
    write_result("audio_enterface", "Shipped audio model on eNTERFACE'05, and fusion",
                 body)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--folds", type=int, default=6)
    parser.add_argument("--sets", nargs="+", default=list(SETS))
    parser.add_argument("--C", nargs="+", type=float, default=list(C_GRID),
                        help="values of the SVM's C searched (default: %(default)s; "
                             "the authors' grid KNYAZEV2017_C_GRID stops at 1e-3)")
    parser.add_argument("--variants", nargs="+", choices=list(VARIANTS),
                        default=list(VARIANTS))
    parser.add_argument("--cache", default=DEFAULT_CACHE,
                        help="feature cache folder (default: %(default)s)")
    parser.add_argument("--part", choices=["ravdess", "enterface", "all"], default="all")
    parser.add_argument("--face-model", default=DEFAULT_MODEL,
                        help="shipped face model of the eNTERFACE part (default: "
                             "%(default)s)")
    parser.add_argument("--fps", type=float, default=5.0,
                        help="frames/s the face model reads in the eNTERFACE part "
                             "(default: %(default)s)")
    args = parser.parse_args()
    if args.part in ("ravdess", "all"):
        ravdess(args)
    if args.part in ("enterface", "all"):
        enterface(args)


if __name__ == "__main__":
    main()

"""RAVDESS speech: openSMILE features and the audio SVM, speaker-independent.

7 classes (RAVDESS's 'calm' dropped), 1248 utterances of 24 actors.  Folds by
actor: GroupKFold with 6 folds of 4 actors each; within each training fold the
SVM's C is chosen by 5-fold stratified CV.  Extraction speed is the real-time
factor: seconds of audio per second of CPU time of one process.

    EMOSK_DATA=/path/to/data python benchmarks/audio.py
"""

import argparse
import time

import numpy as np
from _common import markdown_table, write_result
from sklearn.model_selection import GroupKFold, cross_val_predict

from emosk.audio import AudioFeaturizer
from emosk.datasets import load_ravdess
from emosk.ensemble import make_clip_pipeline
from emosk.io import read_audio
from emosk.metrics import unweighted_average_recall

C_GRID = (5e-6, 1e-5, 5e-5, 1e-4, 5e-4, 1e-3, 5e-3, 1e-2)


def extract(paths, feature_set):
    """Features of every file, and (audio seconds, CPU seconds) of the extraction."""
    waves = [read_audio(p) for p in paths]  # decoding is not counted in the factor
    seconds = sum(len(w) / r for w, r in waves)
    est = AudioFeaturizer(feature_set).fit()
    t0 = time.process_time()
    X = est.transform(waves)
    return X, seconds, time.process_time() - t0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--folds", type=int, default=6)
    args = parser.parse_args()
    data = load_ravdess()
    y = data.target_names[data.target]
    rows = []
    for feature_set in ("IS10", "eGeMAPSv02"):
        X, audio_s, cpu_s = extract(data.filenames, feature_set)
        t0 = time.perf_counter()
        pipe = make_clip_pipeline(None, rootsift=False, C=C_GRID, random_state=0)
        pred = cross_val_predict(pipe, X, y, groups=data.groups,
                                 cv=GroupKFold(n_splits=args.folds))
        rows.append([feature_set, X.shape[1], f"{np.mean(pred == y):.3f}",
                     f"{unweighted_average_recall(y, pred):.3f}",
                     f"{audio_s / cpu_s:.0f}x", f"{time.perf_counter() - t0:.0f}"])
        print(rows[-1], flush=True)
    body = (
        f"{len(y)} RAVDESS speech utterances ({audio_s / 60:.1f} minutes), 7 classes "
        f"(calm dropped), 24 actors; speaker-independent GroupKFold({args.folds}) by actor; "
        "pipeline openSMILE functionals -> MinMaxScaler(-1, 1) -> StandardScaler -> "
        f"LinearSVC, C in {list(C_GRID)} by inner 5-fold CV. Chance is about 0.15 "
        "(largest class 192/1248). Real-time factor: seconds of 16 kHz audio per "
        "CPU second of openSMILE extraction, one process.\n\n"
        + markdown_table(["features", "dim", "accuracy", "UAR", "real-time factor",
                          "CV seconds"], rows)
    )
    write_result("audio", "RAVDESS speech: openSMILE features and a linear SVM", body)


if __name__ == "__main__":
    main()

"""Train the shipped audio model on all of RAVDESS speech and put it into the package.

    EMOSK_DATA=/path/to/data python scripts/train_audio_model.py \
        --feature-set IS10 --out ~/emosk-weights/ravdess_audio.npz --install

The recipe is the best row of ``benchmarks/results/audio.md``: openSMILE
functionals -> speaker normalisation by actor (``GroupStandardScaler``) ->
MinMaxScaler(-1, 1) -> StandardScaler -> class-balanced multinomial logistic
regression, C by stratified 5-fold CV.  The fitted model is stored as arrays
(``emosk.audio.audio_model_arrays``), checked against the fitted pipeline, and
with ``--install`` copied to ``emosk/pretrained/`` with its SHA-256 written into
the registry.
"""

import argparse
import os
import shutil
import time
from pathlib import Path

import numpy as np
import sklearn

from emosk.audio import audio_model_arrays, audio_model_from_arrays, make_audio_pipeline
from emosk.datasets import load_ravdess
from package_pretrained import PKG, record_checksum  # scripts/ is on sys.path

NAME = "ravdess_audio"


def train(feature_set, cache):
    """The fitted pipeline, and its training labels, paths and actors."""
    data = load_ravdess()
    y = data.target
    paths = list(data.filenames)
    pipe = make_audio_pipeline(feature_set, speaker_norm=True, class_weight="balanced",
                               classifier="logistic", cache=cache, random_state=0)
    with sklearn.config_context(enable_metadata_routing=True):
        pipe.fit(paths, y, groups=np.asarray(data.groups))
    return pipe, y, paths


def check_export(pipe, arrays, paths):
    """The rebuilt model gives the fitted pipeline's probabilities (global statistics)."""
    rebuilt = audio_model_from_arrays(arrays, cache=pipe.named_steps["features"].cache)
    sample = paths[::25]
    expected = pipe.predict_proba(sample)
    got = rebuilt.predict_proba(sample)
    gap = float(np.abs(expected - got).max())
    if gap > 1e-5:  # float32 features: the folded layer rounds differently
        raise RuntimeError(f"The exported model differs from the fitted one by {gap}.")
    return gap


def install(out):
    target = PKG / f"{NAME}.npz"
    shutil.copyfile(out, target)
    return target, record_checksum(target)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--feature-set", default="IS10",
                        help="openSMILE set(s), '+'-joined (default: %(default)s)")
    parser.add_argument("--out", default=os.path.expanduser(f"~/emosk-weights/{NAME}.npz"),
                        help="where the model is written (default: %(default)s)")
    parser.add_argument("--cache", default=os.path.expanduser("~/.cache/emosk"),
                        help="feature cache folder (default: %(default)s)")
    parser.add_argument("--install", action="store_true",
                        help="copy into emosk/pretrained and update its checksum")
    args = parser.parse_args()
    t0 = time.process_time()
    pipe, y, paths = train(args.feature_set, args.cache)
    arrays = audio_model_arrays(pipe)
    gap = check_export(pipe, arrays, paths)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(args.out, **arrays)
    best = pipe.named_steps["svm"].best_params_
    print(f"{args.feature_set}: {len(y)} clips, C={best['C']}, training accuracy "
          f"{np.mean(pipe.predict(paths) == y):.3f} (global statistics), export gap "
          f"{gap:.1e}, {Path(args.out).stat().st_size / 1e3:.0f} kB, "
          f"{(time.process_time() - t0) / 60:.1f} CPU minutes -> {args.out}")
    if args.install:
        target, digest = install(args.out)
        print(f"installed {target} sha256 {digest}")


if __name__ == "__main__":
    main()

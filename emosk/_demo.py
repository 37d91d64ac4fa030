"""``emosk demo``: the clip-level system end to end on generated clips."""

import time

import numpy as np
from sklearn.model_selection import GridSearchCV, StratifiedKFold, train_test_split
from sklearn.pipeline import FeatureUnion

from .ensemble import ClassPriorReweighter, make_clip_pipeline, make_score_average
from .metrics import per_class_recall, unweighted_average_recall
from .pooling import FFTPooling, StatPooling

_CLASSES = ("angry", "happy", "neutral", "surprise")


def make_synthetic_clips(n_clips=240, *, n_features=16, seed=0):
    """Clips whose class lies in their frame dynamics, plus a per-clip 'audio' vector.

    Each class has its own mean offset on a few features, its own frame-to-frame
    variability and its own oscillation frequency, so that mean pooling alone
    cannot separate all classes but mean+std+min and FFT pooling can.

    Returns
    -------
    samples : list of dict
        ``{"video": (T, n_features) clip, "audio": (8,) vector}``.
    y : ndarray of str
    """
    rng = np.random.default_rng(seed)
    y = rng.choice(_CLASSES, size=n_clips, p=[0.2, 0.35, 0.3, 0.15])
    samples = []
    for label in y:
        k = _CLASSES.index(label)
        T = int(rng.integers(8, 40))
        t = np.arange(T)[:, None]
        freq = (0.05, 0.05, 0.3, 0.3)[k]
        amp = (0.5, 1.5, 0.5, 1.5)[k]
        video = rng.normal(scale=0.5, size=(T, n_features))
        video[:, :4] += amp * np.sin(2 * np.pi * freq * t + rng.uniform(0, 6.3))
        video[:, 4:6] += 0.3 * (k % 2)
        audio = rng.normal(size=8)
        audio[k] += 1.0
        samples.append({"video": video, "audio": audio})
    return samples, y


def run_demo(seed=0):
    """Print what each pooling choice and the audio+video ensemble achieve."""
    print("emosk demo: the clip-level system of Knyazev et al. (2017) on GENERATED")
    print("clips (synthetic frame features and audio vectors; no real data, no CNN).")
    samples, y = make_synthetic_clips(seed=seed)
    tr, te = train_test_split(np.arange(len(y)), test_size=0.3, stratify=y,
                              random_state=seed)
    video_tr = [samples[i]["video"] for i in tr]
    video_te = [samples[i]["video"] for i in te]
    print(f"{len(tr)} training and {len(te)} test clips, {len(_CLASSES)} classes, "
          f"clip lengths 8-39 frames.\n")

    t0 = time.perf_counter()
    grid = GridSearchCV(
        make_clip_pipeline(random_state=seed, C=(1e-3, 1e-2, 1e-1, 1)),
        {"pool": [StatPooling(stats=("mean",)), StatPooling(stats="stat*"), FFTPooling(),
                  FeatureUnion([("stat", StatPooling(stats="stat*")), ("fft", FFTPooling())])]},
        cv=StratifiedKFold(3, shuffle=True, random_state=seed),
    ).fit(video_tr, y[tr])
    print("GridSearchCV over pooling (3-fold CV accuracy on the training clips):")
    for params, score in zip(grid.cv_results_["params"], grid.cv_results_["mean_test_score"]):
        print(f"  {type(params['pool']).__name__:<13} {_describe(params['pool']):<28} {score:.3f}")
    pred = grid.predict(video_te)
    print(f"best: {_describe(grid.best_params_['pool'])}; test accuracy "
          f"{np.mean(pred == y[te]):.3f}, UAR {unweighted_average_recall(y[te], pred):.3f}\n")

    vote = make_score_average({
        "video": make_clip_pipeline("stat*+fft", probability=True, random_state=seed,
                                    C=(1e-3, 1e-2, 1e-1, 1)),
        "audio": make_clip_pipeline(None, rootsift=False, probability=True,
                                    random_state=seed, C=(1e-3, 1e-2, 1e-1, 1)),
    })
    model = ClassPriorReweighter(vote, priors=None, power=0.5)
    model.fit([samples[i] for i in tr], y[tr])
    pred = model.predict([samples[i] for i in te])
    print("Score average of a video SVM and an audio SVM, reweighted by sqrt(class prior):")
    print(f"  test accuracy {np.mean(pred == y[te]):.3f}, "
          f"UAR {unweighted_average_recall(y[te], pred):.3f}")
    print("  per-class recall: " + ", ".join(
        f"{k} {v:.2f}" for k, v in per_class_recall(y[te], pred).items()))
    print(f"\nDone in {time.perf_counter() - t0:.1f} s.")
    return 0


def _describe(pool):
    if isinstance(pool, StatPooling):
        return f"stats={pool.stats}"
    if isinstance(pool, FFTPooling):
        return "fft"
    return "+".join(name for name, _ in pool.transformer_list)

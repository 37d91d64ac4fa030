"""
Choosing the pooling of frame features by grid search
=====================================================

Knyazev et al. (2017) pool each clip's per-frame CNN features into one vector:
statistics (mean, std, min, max; "STAT*" drops max) or FFT pooling.  In emosk
the pooling is a pipeline step, so :class:`~sklearn.model_selection.GridSearchCV`
chooses it like any parameter, on lists of clips of different lengths.
"""

# %%
# Clips of different lengths: a list of ``(T_i, d)`` arrays.
import time

import matplotlib.pyplot as plt
import numpy as np
from _clips import make_clips
from sklearn.model_selection import GridSearchCV, StratifiedKFold, train_test_split
from sklearn.pipeline import FeatureUnion

from emosk.ensemble import make_clip_pipeline
from emosk.pooling import FFTPooling, StatPooling

samples, y = make_clips(240)
clips = [s["video_a"] for s in samples]
print("clip lengths:", sorted({len(c) for c in clips})[:5], "...", max(map(len, clips)))
train, test = train_test_split(np.arange(len(y)), stratify=y, random_state=0)

# %%
# The grid: four poolings, and the SVM's C chosen inside every fit.
pooling = {
    "mean": StatPooling(stats=("mean",)),
    "STAT*": StatPooling(stats="stat*"),
    "FFT": FFTPooling(n_bins=8),
    "STAT*+FFT": FeatureUnion([("stat", StatPooling(stats="stat*")),
                               ("fft", FFTPooling(n_bins=8))]),
}
search = GridSearchCV(make_clip_pipeline(C=(1e-3, 1e-2, 1e-1)),
                      {"pool": list(pooling.values())},
                      cv=StratifiedKFold(3, shuffle=True, random_state=0))
t0 = time.perf_counter()
search.fit([clips[i] for i in train], y[train])
print(f"grid search: {time.perf_counter() - t0:.1f} s")
print("best pooling:", search.best_params_["pool"])
print("test accuracy:", search.score([clips[i] for i in test], y[test]))

# %%
# Mean pooling cannot see the classes' different dynamics.
scores = search.cv_results_["mean_test_score"]
fig, ax = plt.subplots(figsize=(5, 3))
ax.barh(list(pooling), scores)
ax.set_xlabel("cross-validated accuracy")
ax.set_xlim(0, 1)
fig.tight_layout()

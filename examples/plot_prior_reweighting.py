"""
Class-prior reweighting and its effect on the confusion matrix
==============================================================

Knyazev et al. (2017) multiply the averaged class scores by the square root
of the expected class frequencies.  :class:`~emosk.ensemble.ClassPriorReweighter`
wraps any probabilistic classifier; here the training set is balanced but the
test set is not, and the reweighting moves predictions towards frequent classes.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np
from _clips import CLASSES, make_clips
from sklearn.metrics import accuracy_score

from emosk.ensemble import ClassPriorReweighter, make_clip_pipeline
from emosk.metrics import plot_confusion_matrix, unweighted_average_recall

test_priors = (0.1, 0.5, 0.3, 0.1)
train, y_train = make_clips(200, priors=(0.25,) * 4, seed=2)
test, y_test = make_clips(400, priors=test_priors, seed=3)
clips = [s["video_a"] for s in train]
test_clips = [s["video_a"] for s in test]

plain = make_clip_pipeline("stat*", probability=True, C=(1e-3, 1e-2)).fit(clips, y_train)
reweighted = ClassPriorReweighter(
    make_clip_pipeline("stat*", probability=True, C=(1e-3, 1e-2)),
    priors=dict(zip(CLASSES, test_priors)), power=0.5).fit(clips, y_train)

# %%
fig, axes = plt.subplots(1, 2, figsize=(10, 4))
for ax, (name, model) in zip(axes, [("plain", plain), ("sqrt-prior reweighted", reweighted)]):
    pred = model.predict(test_clips)
    plot_confusion_matrix(y_test, pred, labels=list(CLASSES), ax=ax, colorbar=False)
    ax.set_title(f"{name}: acc {accuracy_score(y_test, pred):.2f}, "
                 f"UAR {unweighted_average_recall(y_test, pred):.2f}", fontsize=10)
    counts = {str(c): int(n) for c, n in zip(*np.unique(pred, return_counts=True))}
    print(f"{name}: predicted class counts {counts}")
fig.tight_layout()

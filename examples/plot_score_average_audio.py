"""
Two video feature sources plus audio in one VotingClassifier
============================================================

The EmotiW 2017 system trains one linear SVM per feature source (several CNNs
and the openSMILE audio features) and averages their class scores.  Each
member of :func:`~emosk.ensemble.make_score_average` reads its own source from
the same samples, and every inner parameter is reachable by name.
"""

# %%
import numpy as np
from _clips import make_clips
from sklearn.metrics import accuracy_score
from sklearn.model_selection import train_test_split

from emosk.ensemble import make_clip_pipeline, make_score_average

samples, y = make_clips(240, seed=1)
X_train, X_test, y_train, y_test = train_test_split(samples, y, stratify=y, random_state=0)
print("one sample has sources:", sorted(samples[0]))

# %%
# One member per source; audio vectors are already one row per clip, so its
# pipeline has no pooling step.
members = {
    "video_a": make_clip_pipeline("stat*", probability=True, C=(1e-3, 1e-2, 1e-1)),
    "video_b": make_clip_pipeline("stat*", probability=True, C=(1e-3, 1e-2, 1e-1)),
    "audio": make_clip_pipeline(None, rootsift=False, probability=True,
                                C=(1e-3, 1e-2, 1e-1)),
}
vote = make_score_average(members).fit(X_train, y_train)
print("pooling of video_a:", vote.get_params()["video_a__pool__stats"])

# %%
# Each member alone, then the average of the three.  An average helps when the
# members are comparably strong and make different errors; a weak member (here
# the generated "audio") can pull it below the best member, and ``weights=``
# of :func:`~emosk.ensemble.make_score_average` is the remedy.
for name, member in zip(vote.named_estimators_, vote.estimators_):
    # members predict encoded labels; the VotingClassifier maps them back
    pred = vote.classes_[member.predict(X_test)]
    print(f"{name:8s} alone: {accuracy_score(y_test, pred):.3f}")
print(f"average:        {accuracy_score(y_test, vote.predict(X_test)):.3f}")
proba = vote.predict_proba(X_test)
print("scores of the first test clip:",
      {str(c): float(p) for c, p in zip(vote.classes_, np.round(proba[0], 2))})

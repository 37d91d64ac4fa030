"""
Cascade fine-tuning: FER2013, then a target set
===============================================

Ng et al. (2015) fine-tune a network on FER2013 first and then on the target
data set.  emosk's shipped model is the first stage (trained on FER2013 by
``benchmarks/fer2013.py``); ``clone(model)`` starts a new fit from its weights.
The target here is CK+48 (the last frames of posed expressions), split by
subject.  It needs ``EMOSK_DATA`` pointing at the data folder; without it the
example only shows the calls.
"""

# %%
import os

import numpy as np
from sklearn.base import clone
from sklearn.model_selection import GroupShuffleSplit

from emosk.pretrained import load

model = load("fer2013")
print("stage 1 classes:", [str(c) for c in model.classes_])

if not os.environ.get("EMOSK_DATA"):
    print("EMOSK_DATA is not set: CK+48 is not available, stopping here.")
else:
    from emosk.datasets import load_ckplus48

    ck = load_ckplus48()
    faces = np.stack([clip[-1] for clip in ck.images])  # the apex frame of each clip
    y = ck.target
    train, test = next(GroupShuffleSplit(1, test_size=0.3, random_state=0).split(
        faces, y, ck.groups))
    # stage 2: same network, a new head for CK+'s classes, the ng2015 recipe
    tuned = clone(model).set_params(recipe="ng2015", lr=1e-3, max_epochs=5,
                                    valid_fraction=0, random_state=0)
    tuned.fit(faces[train], y[train])
    print("stage 2 classes:", [str(c) for c in tuned.classes_])
    print(f"CK+48 accuracy on unseen subjects: {tuned.score(faces[test], y[test]):.3f}")
    scratch = clone(tuned).set_params(weights=None).fit(faces[train], y[train])
    print(f"same recipe from scratch:          {scratch.score(faces[test], y[test]):.3f}")

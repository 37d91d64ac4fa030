"""The crops of every FaceAligner mode on one real photograph."""

import matplotlib.pyplot as plt
from skimage import data

from emosk.face import FaceAligner

photo = data.astronaut()
modes = [("similarity", {}), ("ng2015", {"size": 256}), ("fer2013", {"size": 48}),
         ("dlib-chip", {"size": 150}), ("box", {})]
plt.rcParams["font.size"] = 10
fig, axes = plt.subplots(1, len(modes) + 1, figsize=(12, 2.6))
axes[0].imshow(photo)
axes[0].set_title(f"input {photo.shape[1]}x{photo.shape[0]}")
for ax, (mode, params) in zip(axes[1:], modes):
    face = FaceAligner(mode=mode, **params).fit().transform(photo[None])[0]
    ax.imshow(face, cmap="gray" if face.ndim == 2 else None)
    ax.set_title(f'mode="{mode}"\n{face.shape}', fontsize=9.5)
for ax in axes:
    ax.axis("off")
fig.tight_layout()

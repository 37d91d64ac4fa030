"""The data contract drawn with real data: a video, its faces, frame features, a clip row."""

import matplotlib.pyplot as plt
import numpy as np
from skimage import data

from emosk.face import FaceAligner
from emosk.nn import CNNFeaturizer
from emosk.pooling import StatPooling


def _video(photo, n=6):
    import cv2

    frames = []
    for i in range(n):
        m = cv2.getRotationMatrix2D((220.0, 125.0), 10 * np.sin(i), 1 + 0.05 * i)
        frames.append(cv2.warpAffine(photo, m, photo.shape[1::-1], borderMode=cv2.BORDER_REFLECT))
    return np.stack(frames)


photo = data.astronaut()
video = _video(photo)
faces = FaceAligner(mode="fer2013", size=48, color="gray").fit().transform([video])[0]
feats = CNNFeaturizer("compact").fit().transform([faces])[0]
pooled = StatPooling("stat*").fit([feats]).transform([feats])[0]

plt.rcParams["font.size"] = 10
fig = plt.figure(figsize=(12, 3.3))
grid = fig.add_gridspec(1, 4, width_ratios=[1.2, 1.3, 1.5, 1.3])
ax = fig.add_subplot(grid[0])
for k in range(3):
    ax.imshow(video[k], extent=(k * 60, 512 + k * 60, -k * 60, 512 - k * 60), zorder=-k)
ax.set_xlim(0, 640)
ax.set_ylim(-140, 520)
ax.axis("off")
ax.set_title(f"video: path or (T, H, W, C)\n{video.shape} uint8", fontsize=10.5)
ax = fig.add_subplot(grid[1])
ax.imshow(np.concatenate([np.concatenate(list(faces[:3]), 1),
                          np.concatenate(list(faces[3:6]), 1)], 0), cmap="gray")
ax.axis("off")
ax.set_title(f"FaceAligner -> face stack\n(T, 48, 48) = {faces.shape} uint8", fontsize=10.5)
ax = fig.add_subplot(grid[2])
ax.imshow(feats[:, :64], aspect="auto", cmap="viridis")
ax.set_xlabel("feature (first 64 of d = 256)")
ax.set_ylabel("frame t")
ax.set_title(f"CNNFeaturizer -> clip\n(T, d) = {feats.shape} float32", fontsize=10.5)
ax = fig.add_subplot(grid[3])
ax.imshow(np.repeat(pooled[None, :192], 12, axis=0), aspect="auto", cmap="viridis")
ax.set_box_aspect(0.22)
ax.set_yticks([])
ax.set_xlabel("first 192 of the 3d = 768 columns")
ax.set_title(f"StatPooling('stat*') -> one row\n(n_clips, 3d) = (1, {len(pooled)})",
             fontsize=10.5)
fig.tight_layout()

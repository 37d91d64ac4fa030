"""
Aligned faces from a video
==========================

:class:`~emosk.face.FaceAligner` streams a video's frames, finds the face with
dlib, follows the same person and aligns each face on its eye centres.  The
video here is made from scikit-image's astronaut photograph (a NASA portrait
in the public domain), zooming and swaying, so no data set is needed.  Three
alignment modes are shown: ``similarity``, ``ng2015`` (Ng et al. 2015: gray,
min-max stretched) and ``fer2013`` (the framing of FER2013 faces, the input of
emosk's shipped model).
"""

# %%
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
from skimage import data

from emosk.datasets import make_demo_video
from emosk.face import FaceAligner
from emosk.io import video_info

folder = Path(tempfile.mkdtemp())
video = make_demo_video(data.astronaut(), folder / "astronaut.mp4", center=(220, 125),
                        seconds=2.0, fps=6)
print(video_info(video))

# %%
modes = {"similarity": {}, "ng2015": {}, "fer2013": {"color": "gray"}}
fig, axes = plt.subplots(len(modes), 6, figsize=(9, 5))
for row, (mode, extra) in zip(axes, modes.items()):
    aligner = FaceAligner(mode=mode, size=96, step=2, upsample=0, **extra).fit()
    faces, report = aligner.transform_with_report([str(video)])
    print(f"{mode:10s}: {len(faces[0])} frames, face found in {report[0]['found'].sum()}")
    for ax, face, found in zip(row, faces[0], report[0]["found"]):
        ax.imshow(face, cmap="gray")
        ax.set_title(mode if found else f"{mode} (no face)", fontsize=8)
        ax.set_axis_off()
fig.tight_layout()

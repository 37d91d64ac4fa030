"""
Emotions in a photo and a video with the shipped model
======================================================

emosk's main job in a few lines: the FER2013 model that ships inside emosk
(:func:`emosk.pretrained.load`, no download) finds the faces in a photograph
and tells their emotion, then follows a face through a video frame by frame.

The photo is scikit-image's astronaut (a NASA portrait in the public domain);
the video is made from it (a slow zoom and sway, then the mirrored photo), so
the example needs no data set and no network.  The same is one command line::

    emosk predict photo.jpg clip.mp4 --fps 5 --plot out/ -o predictions.csv
"""

# %%
# Faces in a photo
# ----------------
# :func:`~emosk.pretrained.predict_image` returns one dict per face, numbered
# left to right, with its box, the detector's score and the probability of
# each of the seven FER2013 classes.  A photo without a face gives an empty
# list (``no_face="skip"``, the default); ``no_face="whole-image"`` classifies
# the whole picture instead and says so, ``no_face="error"`` raises.
import tempfile
from pathlib import Path

import numpy as np
from skimage import data

from emosk.datasets import make_demo_video
from emosk.pretrained import (
    face_aligner,
    image_aligner,
    load,
    plot_faces,
    plot_timeline,
    predict_image,
    predict_video,
)

model = load("fer2013")  # a fitted scikit-learn classifier of 48x48 gray faces
photo = data.astronaut()
faces = predict_image(photo, model=model, aligner=image_aligner("fer2013").fit())
for face in faces:
    top = max(face["probabilities"], key=face["probabilities"].get)
    print(f"face {face['face']}: box {np.round(face['box'])}, {top} "
          f"({face['probabilities'][top]:.2f})")
print("a gray card:", predict_image(np.full((120, 160, 3), 128, np.uint8), model=model,
                                    aligner=image_aligner("fer2013").fit()))

plot_faces(photo, faces)

# %%
# A face followed through a video
# -------------------------------
# :func:`~emosk.pretrained.predict_video` streams the frames (here 4 per
# second), aligns the face of the same person in each and classifies it; the
# clip's emotion is the mean over the frames with a face.  Frames without one
# are shaded grey on the timeline.
folder = Path(tempfile.mkdtemp())
x0, y0, x1, y1 = faces[0]["box"]
video = make_demo_video(photo, folder / "astronaut.mp4", center=((x0 + x1) / 2,
                                                                  (y0 + y1) / 2),
                        seconds=2.0, fps=10)
result = predict_video(video, model=model, aligner=face_aligner("fer2013", fps=4).fit())
print(f"{len(result['frame'])} frames analysed, a face in {result['found'].sum()}; "
      f"the clip: {result['emotion']}")

plot_timeline(result)

"""The face paths: named FaceAligner settings for videos."""

__all__ = ["FACE_PATHS", "face_path_params"]

#: FaceAligner settings of the face paths for videos.  ``"retinaface"``, the
#: default of :func:`emosk.pretrained.predict_video` and ``emosk predict`` where
#: RetinaFace's weights are at hand: RetinaFace on a copy shrunk to 320 pixels
#: in every frame, its own five points framing the face (the crops the default
#: model was fine-tuned on), a small frame without a face detected in again
#: enlarged to 128 pixels, a larger frame without a face detected in again in a
#: copy shrunk to 640 pixels, and faces whose box is narrower than 24 px, too
#: small to read (``min_face_size``), left out.  It finds faces down to about
#: 45 px in a 720x576 frame (a sixteenth of its longer side) at 3 ms a
#: detection, and in the frames where that copy has none, down to about 30 px
#: (60 px in 1920x1080) at 13-15 ms (``benchmarks/results/face_sizes.md``).
#: ``"fast"``, the default of :func:`emosk.video.default_aligner` (and so
#: :func:`emosk.video.make_emotiw2017_classifier`) and of the video entry
#: points without RetinaFace's weights: the model's own detector and
#: landmarks (dlib's HOG and 68 points) on a copy shrunk to 640 pixels without
#: upsampling (faces down to about an eighth of the frame's longer side, 67 px
#: in a 720x576 frame), every 10th frame, the faces followed by their
#: landmarks in between.  ``"paper"``: detection at full size with upsampling
#: in every frame (Knyazev et al. 2017; faces down to about 40 px), the
#: FaceAligner defaults.  Measured on eNTERFACE'05 in
#: ``benchmarks/results/video_speed.md``.
FACE_PATHS = {
    "retinaface": {"detector": "retinaface", "landmarks": "detector", "threshold": None,
                   "detect_size": 320, "detect_min_size": 128, "detect_retry_size": 640,
                   "min_face_size": 24, "detect_every": 1},
    "fast": {"detect_size": 640, "upsample": 0, "detect_every": 10},
    "paper": {"detect_size": None, "upsample": 1, "detect_every": 1},
}


def face_path_params(face_path):
    """The FaceAligner parameters of a face path.

    The one expansion of :data:`FACE_PATHS`: every entry point that takes a
    ``face_path`` (:func:`emosk.video.default_aligner`,
    :func:`emosk.pretrained.video_aligner`, ``emosk extract``) calls it.

    Parameters
    ----------
    face_path : {"retinaface", "fast", "paper"}
        See :data:`FACE_PATHS`.

    Returns
    -------
    dict
        A copy of ``FACE_PATHS[face_path]``.

    Raises
    ------
    ValueError
        If ``face_path`` is not a key of :data:`FACE_PATHS`; the message
        names it and the known ones.
    """
    if face_path not in FACE_PATHS:
        raise ValueError(
            f"face_path must be one of {sorted(FACE_PATHS)}; got {face_path!r}.")
    return dict(FACE_PATHS[face_path])

import pickle
import re
import shutil

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.pipeline import make_pipeline

from emosk.face import FaceAligner
from emosk.io import MediaReadError
from emosk.nn import DEFAULT_MODEL, CNNClassifier, CNNFeaturizer, _registry
from emosk.pretrained import (
    PRETRAINED,
    NoFaceError,
    available_models,
    face_aligner,
    image_aligner,
    load,
    plot_faces,
    plot_timeline,
    predict_image,
    predict_images,
    predict_video,
    video_aligner,
    weights_path,
)

pytest.importorskip("dlib")
data = pytest.importorskip("skimage.data")


@pytest.fixture(scope="module")
def model():
    return load("fer2013")


@pytest.fixture(scope="module")
def fast():
    """The shipped model without its 18 test-time views, and the photo aligner: for
    tests of the mechanics."""
    return {"model": load("fer2013", tta=False), "aligner": image_aligner("fer2013").fit()}


@pytest.fixture(scope="module")
def astronaut_face():
    aligner = face_aligner("fer2013").fit()
    return aligner.transform(data.astronaut()[None])


def test_weights_file_small_and_checksummed():
    path = weights_path("fer2013")
    assert path.stat().st_size <= 20e6
    assert len(PRETRAINED["fer2013"].sha256) == 64
    assert "fer2013" in available_models()


def test_damaged_weights_are_refused(tmp_path, monkeypatch):
    damaged = tmp_path / "compact_fer2013.pt"
    shutil.copy(weights_path("fer2013"), damaged)
    with open(damaged, "r+b") as f:
        f.seek(1000)
        byte = f.read(1)
        f.seek(1000)
        f.write(bytes([byte[0] ^ 0xFF]))
    monkeypatch.setattr(_registry, "WEIGHTS_DIR", tmp_path)
    with pytest.raises(OSError, match="Checksum mismatch"):
        load("fer2013")
    (tmp_path / "compact_fer2013.pt").unlink()
    with pytest.raises(FileNotFoundError, match="missing"):
        weights_path("fer2013")


def test_unknown_model_named():
    with pytest.raises(ValueError, match="Unknown pretrained model 'affectnet'"):
        load("affectnet")
    with pytest.raises(ValueError, match="are for backbone 'compact'"):
        CNNClassifier("dlib_resnet", weights="fer2013").fit(
            np.zeros((2, 48, 48), np.uint8), ["a", "b"])


def test_load_takes_each_models_own_test_time_views_by_default():
    """tta="auto": the 18 views only where they improved the model's figures
    (fer2013), so the default model loads as predict_image runs it."""
    from emosk.nn import DEFAULT_MODEL

    assert PRETRAINED["fer2013"].tta and not PRETRAINED[DEFAULT_MODEL].tta
    for name in available_models("face"):
        assert load(name).tta is PRETRAINED[name].tta, name
    assert load().tta is False and load("fer2013").tta is True
    assert load(tta=True).tta is True and load("fer2013", tta=False).tta is False
    assert load(tta=np.bool_(True)).tta is True


@pytest.mark.parametrize("bad", ["yes", "", 1, 0, None, 0.5])
def test_load_refuses_a_tta_that_is_not_auto_or_a_bool(bad):
    with pytest.raises(ValueError, match=re.escape(f"got {bad!r}")):
        load(tta=bad)


@pytest.mark.parametrize("option, says", [
    ({"runtime": "tensorrt"}, r"runtime must be one of \('auto', 'torch', 'onnxruntime'\); "
                              "got 'tensorrt'"),
    ({"device": "tpu"}, "device must be 'auto' or a torch device .*got 'tpu'"),
    ({"cache": "features"}, "cache is the feature cache of audio models"),
])
def test_load_refuses_a_face_models_wrong_options_when_loading(option, says):
    """runtime='tensorrt' loaded and failed at the first prediction; device='tpu'
    failed in torch's words; cache was ignored."""
    with pytest.raises(ValueError, match=says):
        load("fer2013", **option)


def test_default_model_loaded_once_answers_as_predict_image_by_name(shared_weights):
    """A model from load() passed to predict_image gives the answers of the
    model's name, without the test-time views predict_image leaves off."""
    photo = data.astronaut()
    (by_name,) = predict_image(photo)
    (loaded,) = predict_image(photo, model=load())
    np.testing.assert_allclose(list(loaded["probabilities"].values()),
                               list(by_name["probabilities"].values()), atol=1e-6)
    (viewed,) = predict_image(photo, tta=True)
    assert not np.allclose(list(viewed["probabilities"].values()),
                           list(by_name["probabilities"].values()), atol=1e-3)


def test_tta_with_a_classifier_without_views_is_refused_not_ignored(fast, model,
                                                                   two_face_video):
    """tta=True cannot add views to a classifier passed as model (it is not
    changed), so it is refused; a classifier that has them runs with them."""
    photo = data.astronaut()
    for call in (lambda: predict_image(photo, **fast, tta=True),
                 lambda: predict_images([photo], **fast, tta=True),
                 lambda: predict_video(two_face_video, **fast, tta=True)):
        with pytest.raises(ValueError, match="tta=True applies to a shipped model's name"):
            call()
    assert fast["model"].tta is False  # not changed
    (viewed,) = predict_image(photo, model=model, aligner=fast["aligner"], tta=True)
    (by_name,) = predict_image(photo, model="fer2013", aligner=fast["aligner"], tta=True)
    np.testing.assert_allclose(list(viewed["probabilities"].values()),
                               list(by_name["probabilities"].values()), atol=1e-6)


def test_astronaut_is_happy(model, astronaut_face):
    proba = model.predict_proba(astronaut_face)
    assert astronaut_face.shape == (1, 48, 48)
    assert model.predict(astronaut_face)[0] == "happy"
    assert proba[0, list(model.classes_).index("happy")] > 0.5


def test_loaded_model_clones_pickles_and_runs_in_pipeline(model, astronaut_face):
    unfitted = clone(model)
    assert unfitted.get_params()["weights"] == "fer2013"
    assert not hasattr(unfitted, "net_")
    restored = pickle.loads(pickle.dumps(model))
    np.testing.assert_allclose(restored.predict_proba(astronaut_face),
                               model.predict_proba(astronaut_face), atol=1e-6)
    pipe = make_pipeline(face_aligner("fer2013").fit(), model)
    assert pipe.predict(data.astronaut()[None])[0] == "happy"
    assert isinstance(pipe[0], FaceAligner)


def test_clone_fine_tunes_from_shipped_weights(model, astronaut_face):
    rng = np.random.default_rng(0)
    X = np.concatenate([astronaut_face] * 8 + [rng.integers(0, 255, (8, 48, 48), np.uint8)])
    y = ["happy"] * 8 + ["other"] * 8
    tuned = clone(model).set_params(max_epochs=1, valid_fraction=0, lr=1e-4,
                                    random_state=0).fit(X, y)
    assert list(tuned.classes_) == ["happy", "other"]
    # the convolutional layers started from the shipped weights
    start = model.backbone_module_().features[0].weight.detach()
    after = tuned.backbone_module_().features[0].weight.detach()
    assert float((start - after).abs().max()) < 0.05


def test_featurizer_uses_shipped_backbone(model, astronaut_face):
    feats = CNNFeaturizer("compact").fit().transform(astronaut_face)
    assert feats.shape == (1, 256)
    direct = CNNFeaturizer(model).fit().transform(astronaut_face)
    np.testing.assert_allclose(feats, direct, rtol=1e-4, atol=1e-4)


def test_predict_image_and_plot(model, tmp_path):
    faces = predict_image(data.astronaut(), model="fer2013")
    assert len(faces) == 1  # the mission patch is not reported as a face
    face = faces[0]
    assert face["found"] and face["emotion"] == "happy"
    x0, y0, x1, y1 = face["box"]
    assert 150 < x0 < x1 < 290 and 50 < y0 < y1 < 190
    assert abs(sum(face["probabilities"].values()) - 1) < 1e-4
    plot_faces(data.astronaut(), faces, tmp_path / "faces.png")
    assert (tmp_path / "faces.png").stat().st_size > 10_000


def test_plots_refuse_the_other_functions_answers_saying_which_to_use(model, tmp_path):
    """plot_timeline on predict_image's faces said "list indices must be integers or
    slices, not str"; plot_faces on one face's dict, "string indices must be
    integers"."""
    from emosk.datasets import make_demo_video

    faces = predict_image(data.astronaut(), model="fer2013")
    video = predict_video(make_demo_video(data.astronaut(), tmp_path / "a.mp4",
                                          center=(220, 125), seconds=0.5, fps=6),
                          model="fer2013")
    with pytest.raises(ValueError, match="got a list .*predict_image.*plot_faces"):
        plot_timeline(faces)
    with pytest.raises(ValueError, match=r"got a dict without \['time', 'frame'"):
        plot_timeline({"source": "x", "classes": [], "found": [], "probabilities": [],
                       "emotion": None})
    with pytest.raises(ValueError, match="got a dict .one face: pass \\[face\\]"):
        plot_faces(data.astronaut(), faces[0])
    with pytest.raises(ValueError, match="predict_video's result: draw it with plot_timeline"):
        plot_faces(data.astronaut(), video)
    with pytest.raises(ValueError, match="got str"):
        plot_faces(data.astronaut(), "happy")
    # their own answers still draw
    assert plot_faces(data.astronaut(), faces).axes and plot_timeline(video).axes


def test_predict_image_without_face(fast, tmp_path):
    sky = np.full((120, 160, 3), 200, np.uint8)
    assert predict_image(sky, model="fer2013") == []  # the default: skip
    faces = predict_image(sky, **fast, no_face="whole-image")
    assert len(faces) == 1 and not faces[0]["found"] and np.isnan(faces[0]["score"])
    assert faces[0]["box"] == (0.0, 0.0, 160.0, 120.0)
    with pytest.raises(NoFaceError, match="No face found in the image"):
        predict_image(sky, **fast, no_face="error")
    import cv2

    cv2.imwrite(str(tmp_path / "sky.png"), sky)
    sky_png = re.escape(f"No face found in {tmp_path / 'sky.png'}")
    with pytest.raises(NoFaceError, match=sky_png):
        predict_image(tmp_path / "sky.png", **fast, no_face="error")
    with pytest.raises(ValueError, match="no_face must be one of .* got 'ignore'"):
        predict_image(sky, no_face="ignore")
    fig = plot_faces(sky, [], tmp_path / "none.png")
    assert "no face found" in [t.get_text() for t in fig.axes[0].texts]
    fig = plot_faces(sky, faces)
    assert fig.axes[0].texts[0].get_text().startswith("no face found: whole image\nface 0")


def test_predict_image_takes_float_images_by_the_one_rule(fast):
    """img / 255 and float [0, 255] images give the uint8 image's faces (by
    images_to_uint8); NaN or values off both scales raise the documented
    ValueError, naming the range, not dlib's RuntimeError (#24)."""
    photo = data.astronaut()
    ref = predict_image(photo, **fast)
    for image in (photo / 255, photo.astype(np.float32), (photo[..., 0] / 255)):
        faces = predict_image(image, **fast)
        assert len(faces) == 1 and faces[0]["emotion"] == "happy"
        if image.ndim == 3:
            assert faces[0]["box"] == ref[0]["box"]
            assert faces[0]["probabilities"] == pytest.approx(ref[0]["probabilities"])
    with pytest.raises(ValueError, match=r"values in \[-1, 1\]"):
        predict_image(photo / 127.5 - 1, **fast)
    with pytest.raises(ValueError, match=r"values in \[0, 510\]"):
        predict_image(photo * 2.0, **fast)
    nan = (photo / 255).copy()
    nan[0, 0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        predict_image(nan, **fast)


def test_unreadable_image_named(tmp_path):
    (tmp_path / "empty.jpg").write_bytes(b"")
    empty = re.escape(f"{tmp_path / 'empty.jpg'}: not a decodable")
    with pytest.raises(MediaReadError, match=empty):
        predict_image(tmp_path / "empty.jpg")
    with pytest.raises(MediaReadError, match="missing.png: no such file"):
        predict_image(tmp_path / "missing.png")


def test_faces_numbered_left_to_right(fast):
    from tests.test_cli import two_faces

    image = two_faces()
    faces = predict_image(image, **fast)
    assert [f["face"] for f in faces] == [0, 1]
    (left, right) = (f["box"] for f in faces)
    assert left[0] < 384 < right[0]
    assert right[2] - right[0] > left[2] - left[0]  # not the largest first
    fig = plot_faces(image, faces)
    labels = [t.get_text().split("\n")[0] for t in fig.axes[0].texts]
    assert labels == ["face 0", "face 1"]


def test_predict_video_without_face(fast, tmp_path):
    from emosk.datasets import make_demo_video

    model = fast["model"]
    path = make_demo_video(np.full((200, 200, 3), 90, np.uint8), tmp_path / "wall.mp4",
                           center=(100, 100), seconds=0.5, fps=6)
    aligner = face_aligner("fer2013").fit()
    skipped = predict_video(path, model=model, aligner=aligner)
    assert len(skipped["frame"]) == 3 and not skipped["found"].any()
    assert np.isnan(skipped["probabilities"]).all()
    assert np.isnan(skipped["clip_probabilities"]).all() and skipped["emotion"] is None
    whole = predict_video(path, model=model, aligner=aligner, no_face="whole-image")
    assert np.isfinite(whole["probabilities"]).all() and whole["emotion"] in model.classes_
    with pytest.raises(NoFaceError, match=re.escape(f"3 analysed frames of {path}")):
        predict_video(path, model=model, aligner=aligner, no_face="error")
    plot_timeline(skipped, tmp_path / "t.png")
    assert (tmp_path / "t.png").stat().st_size > 5000


def _face_then_wall(path, n_face=4, n_wall=3):
    """A 10 fps video: the astronaut in ``n_face`` frames, then a cut to a plain
    grey wall for ``n_wall`` frames."""
    import av

    with av.open(str(path), "w") as out:
        stream = out.add_stream("mpeg4", rate=10)
        stream.width = stream.height = 256
        stream.pix_fmt, stream.bit_rate = "yuv420p", 4_000_000
        face, wall = data.astronaut()[:256, 100:356], np.full((256, 256, 3), 90, np.uint8)
        for frame in [face] * n_face + [wall] * n_wall:
            out.mux(stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")))
        out.mux(stream.encode())
    return path


def test_predict_video_with_an_aligner_that_drops_frames(fast, tmp_path):
    """on_missing="drop" failed with "all input arrays must have the same shape";
    frames without a face stay in the result, marked (#24 item 11)."""
    from emosk.datasets import make_demo_video

    path = _face_then_wall(tmp_path / "cut.mp4")
    aligner = face_aligner("fer2013", on_missing="drop").fit()
    result = predict_video(path, model=fast["model"], aligner=aligner)
    assert result["frame"].tolist() == list(range(7))
    assert result["found"].tolist() == [True] * 4 + [False] * 3
    assert np.isfinite(result["probabilities"][:4]).all()
    assert np.isnan(result["probabilities"][4:]).all() and np.isnan(result["box"][4:]).all()
    assert result["emotion"] == "happy" and not result["repeated"].any()
    framed = predict_video(path, model=fast["model"], aligner=face_aligner("fer2013").fit())
    np.testing.assert_allclose(result["probabilities"][:4], framed["probabilities"][:4])
    np.testing.assert_allclose(result["clip_probabilities"], framed["clip_probabilities"])
    whole = predict_video(path, model=fast["model"], aligner=aligner, no_face="whole-image")
    assert np.isnan(whole["probabilities"][4:]).all()  # dropped: nothing to classify
    plot_timeline(result, tmp_path / "t.png")
    wall = make_demo_video(np.full((200, 200, 3), 90, np.uint8), tmp_path / "wall.mp4",
                           center=(100, 100), seconds=0.5, fps=6)
    nothing = predict_video(wall, model=fast["model"], aligner=aligner)
    assert not nothing["found"].any() and nothing["emotion"] is None
    with pytest.raises(NoFaceError, match="wall.mp4"):
        predict_video(wall, model=fast["model"], aligner=aligner, no_face="error")


def test_predict_video_with_an_aligner_that_repeats_the_last_face(fast, tmp_path):
    """on_missing="last" classified the repeated faces, then threw them away as
    NaN; they are kept, and the frames say they are repeated (#24 item 11)."""
    path = _face_then_wall(tmp_path / "cut.mp4")
    aligner = face_aligner("fer2013", on_missing="last").fit()
    result = predict_video(path, model=fast["model"], aligner=aligner)
    assert result["found"].tolist() == [True] * 4 + [False] * 3
    assert result["repeated"].tolist() == [False] * 4 + [True] * 3
    assert np.isfinite(result["probabilities"]).all()
    expected = result["probabilities"].mean(axis=0)  # the repeated faces count too
    np.testing.assert_allclose(result["clip_probabilities"], expected / expected.sum())
    plot_timeline(result, tmp_path / "t.png")


def test_predict_video_shows_progress_over_frames_when_verbose(fast, tmp_path, capsys):
    """A long video showed nothing while it ran; verbose=True draws a bar over the
    analysed frames on stderr (#24 item 14)."""
    path = _face_then_wall(tmp_path / "cut.mp4", n_face=5, n_wall=3)
    capsys.readouterr()
    quiet = predict_video(path, model=fast["model"], aligner=face_aligner("fer2013").fit())
    assert capsys.readouterr().err == ""  # the default stays silent
    loud = predict_video(path, model=fast["model"], aligner=face_aligner("fer2013").fit(),
                         verbose=True)
    err = capsys.readouterr().err
    assert "cut.mp4" in err and "8/8" in err and "frames" in err
    np.testing.assert_array_equal(loud["probabilities"], quiet["probabilities"])


def test_timeline_title_states_the_answer(fast, tmp_path):
    """The --plot title agrees with the row marked answer (#24 item 5)."""
    import matplotlib.pyplot as plt

    from emosk.ensemble import fuse_face_and_voice

    path = _face_then_wall(tmp_path / "cut.mp4", n_face=3, n_wall=0)
    result = predict_video(path, model=fast["model"], aligner=face_aligner("fer2013").fit())
    face, classes = result["clip_probabilities"], result["classes"]
    voice = np.eye(7)[classes.index("fear")]

    def title(**fusion_options):
        fusion = fuse_face_and_voice(face, voice, face_classes=classes,
                                     voice_classes=classes, **fusion_options)
        fig = plot_timeline(result, fusion=fusion)
        plt.close(fig)
        return fig.axes[0].get_title()

    assert title() == ("cut.mp4: happy (faces only: voice not speaker-normalised) "
                       "(grey: no face)")
    assert title(speaker_normalised=True) == (
        "cut.mp4: fear (faces + voice, voice weight 0.5; faces alone: happy) (grey: no face)")
    plain = plot_timeline(result)
    plt.close(plain)
    assert plain.axes[0].get_title() == "cut.mp4: happy (grey: no face)"


def test_predict_video_fps_with_custom_aligner_refused(model):
    with pytest.raises(ValueError, match="set its fps"):
        predict_video("x.mp4", model=model, aligner=face_aligner("fer2013"), fps=2)


def test_predict_video_of_photo(model, tmp_path):
    from emosk.datasets import make_demo_video

    path = make_demo_video(data.astronaut(), tmp_path / "a.mp4", center=(220, 125),
                           seconds=1.0, fps=8)
    result = predict_video(path, model=model, aligner=face_aligner("fer2013").fit())
    assert len(result["frame"]) == 8
    assert result["probabilities"].shape == (8, 7)
    assert result["found"].sum() >= 6
    assert result["emotion"] == "happy"
    assert np.all(np.diff(result["time"]) > 0)
    plot_timeline(result, tmp_path / "t.png")
    assert (tmp_path / "t.png").stat().st_size > 10_000


def test_custom_model_needs_aligner(fast):
    from sklearn.base import clone

    custom = clone(fast["model"]).set_params(weights=None)
    custom.__dict__.update({k: v for k, v in fast["model"].__dict__.items()
                            if k.endswith("_")})
    with pytest.raises(ValueError, match="pass the FaceAligner.*image_aligner.*video_aligner"):
        predict_image(data.astronaut(), model=custom)


def test_loaded_shipped_model_is_accepted_and_models_are_kept(fast):
    """#24 item 12: load("fer2013") is a shipped model, with its default aligner; a
    name is loaded once per process."""
    from emosk.pretrained import _predict, clear_loaded

    clear_loaded()
    by_name = predict_image(data.astronaut(), model="fer2013", tta=False)
    kept = dict(_predict._LOADED)
    assert {k[0] for k in kept} == {"model", "aligner"}
    again = predict_image(data.astronaut(), model="fer2013", tta=False)
    assert all(_predict._LOADED[k] is v for k, v in kept.items())
    assert len(_predict._LOADED) == len(kept)
    loaded = predict_image(data.astronaut(), model=fast["model"])
    assert by_name[0]["emotion"] == again[0]["emotion"] == loaded[0]["emotion"] == "happy"
    np.testing.assert_allclose(list(by_name[0]["probabilities"].values()),
                               list(loaded[0]["probabilities"].values()), atol=1e-6)
    clear_loaded()
    assert not _predict._LOADED


def test_predict_video_every_face_gives_a_track_each(fast, two_face_video, tmp_path):
    path = two_face_video
    result = predict_video(path, faces="all")
    assert [t["track"] for t in result["tracks"]] == [0, 1]
    assert all(t["n_frames"] == 6 and t["emotion"] == "happy" for t in result["tracks"])
    assert (result["tracks"][0]["box"][:, 0] < 300).all()
    assert (result["tracks"][1]["box"][:, 0] >= 300).all()
    main = result["main_track"]
    assert main in (0, 1) and (result["track"] == main).all() and result["found"].all()
    assert len(result["frame"]) == 6  # the main face's frames
    assert np.allclose(result["clip_probabilities"],
                       result["tracks"][main]["clip_probabilities"])
    plot_timeline(result, tmp_path / "t1.png", track=1)
    assert (tmp_path / "t1.png").stat().st_size > 5000
    with pytest.raises(ValueError, match=r"No track 7 .* tracks \[0, 1\]"):
        plot_timeline(result, track=7)
    single = predict_video(path)  # the default follows one face
    assert "tracks" not in single and len(single["frame"]) == 6
    with pytest.raises(ValueError, match="select='all'"):
        predict_video(path, model=fast["model"], aligner=face_aligner("fer2013").fit(),
                      faces="all")


def test_predict_video_paths_tta_and_clip_pooling(tmp_path):
    from emosk.datasets import make_demo_video

    path = make_demo_video(data.astronaut(), tmp_path / "a.mp4", center=(220, 125),
                           seconds=1.0, fps=8)
    default = predict_video(path)  # RetinaFace's path (its weights are in EMOSK_WEIGHTS)
    fast = predict_video(path, face_path="fast")
    paper = predict_video(path, face_path="paper")
    assert default["found"].all() and fast["found"].sum() >= 6 and paper["found"].sum() >= 6
    assert default["emotion"] == fast["emotion"] == paper["emotion"] == "happy"
    retina = predict_video(path, face_path="retinaface")
    np.testing.assert_allclose(retina["probabilities"], default["probabilities"])
    fast = default
    viewed = predict_video(path, tta=True)
    assert not np.allclose(viewed["probabilities"], fast["probabilities"], equal_nan=True)
    logs = predict_video(path, clip="log-mean")
    assert not np.allclose(logs["clip_probabilities"], fast["clip_probabilities"])
    with pytest.raises(ValueError, match="clip must be one of"):
        predict_video(path, clip="median")
    with pytest.raises(ValueError, match="face_path must be one of"):
        predict_video(path, face_path="quick")
    with pytest.raises(ValueError, match="faces must be 'main' or 'all'"):
        predict_video(path, faces="everyone")
    for bad in (0, -1, 8.0):  # 0 ran as if it were valid, one batch of every face
        with pytest.raises(ValueError, match=f"batch_size must be a positive integer; "
                                             f"got {bad!r}"):
            predict_video(path, batch_size=bad)


def test_photos_are_framed_by_retinafaces_points_unless_another_detector_is_named():
    from emosk.pretrained import IMAGE_FACE_PATH, IMAGE_THRESHOLD

    photo = image_aligner("fer2013")
    assert {k: photo.get_params()[k] for k in IMAGE_FACE_PATH} == IMAGE_FACE_PATH
    assert photo.mode == "fer2013" and photo.size == 48  # the model's own crops
    dlib = image_aligner("fer2013", detector="dlib-hog")
    assert dlib.landmarks == 68 and dlib.threshold == IMAGE_THRESHOLD
    assert image_aligner("fer2013", detector="dlib-hog", threshold=-0.3).threshold == -0.3


def test_predict_image_reports_retinafaces_box_and_score(shared_weights):
    from emosk.face import FaceDetector
    from emosk.pretrained import IMAGE_FACE_PATH

    (face,) = predict_image(data.astronaut(), model="fer2013", tta=False)
    # the 512 px photo is detected in its 480 px copy (the photo path's detect_size)
    boxes, scores = FaceDetector("retinaface", max_side=IMAGE_FACE_PATH["detect_size"])(
        data.astronaut())
    np.testing.assert_allclose(face["box"], boxes[0], atol=1e-3)
    assert face["score"] == pytest.approx(scores[0], abs=1e-4)


def test_a_face_larger_than_retinafaces_anchors_is_one_face_in_a_photo(shared_weights):
    import cv2

    # the astronaut's face filling nine tenths of a 1500 px photo (a selfie)
    photo = cv2.resize(data.astronaut()[48:182, 158:292], (1500, 1500),
                       interpolation=cv2.INTER_CUBIC)
    full = image_aligner("fer2013", detect_size=None).fit()
    assert len(predict_image(photo, model="fer2013", aligner=full)) > 1  # eyes, mouth...
    (face,) = predict_image(photo, model="fer2013", tta=False)
    assert face["found"] and face["emotion"] == "happy"
    x0, y0, x1, y1 = face["box"]
    assert x1 - x0 > 1000 and y1 - y0 > 1200  # the whole face, not a part of it
    # many photos: the same faces
    (many,) = predict_images([photo], model="fer2013")
    np.testing.assert_allclose(many[0]["box"], face["box"], atol=1e-3)


def test_a_small_face_in_a_mid_size_photo_is_found_at_the_photos_size(shared_weights):
    import cv2

    # the astronaut's head, her face about 26 px, in a grey 900x600 photo: too
    # small for the 480 px copy, found in the photo itself (detect_retry_size)
    photo = np.full((600, 900, 3), 120, np.uint8)
    photo[300:390, 500:590] = cv2.resize(data.astronaut()[:300, 100:400], (90, 90),
                                         interpolation=cv2.INTER_AREA)
    without = image_aligner("fer2013", detect_retry_size=None).fit()
    assert predict_image(photo, model="fer2013", aligner=without) == []
    (face,) = predict_image(photo, model="fer2013", tta=False)
    x0, y0, x1, y1 = face["box"]
    assert face["found"] and 500 < x0 < x1 < 590 and 300 < y0 < y1 < 390


def test_videos_take_retinafaces_path_and_fall_back_on_dlib_without_its_weights(
        offline_without_weights):
    with pytest.warns(RuntimeWarning, match="(?s)retinaface_mnet025.*'fast' face path"):
        aligner = video_aligner()
    assert (aligner.detector, aligner.landmarks, aligner.detect_every) == ("dlib-hog", 68, 10)


def test_the_default_video_aligner_is_retinafaces_path(shared_weights):
    from emosk.face import FACE_PATHS

    aligner = video_aligner()
    assert {k: aligner.get_params()[k] for k in FACE_PATHS["retinaface"]} == \
        FACE_PATHS["retinaface"]
    # the default model's own crops (80 px since mobilefacenet80_fer_nhfi)
    assert aligner.mode == "fer2013" and aligner.size == PRETRAINED[DEFAULT_MODEL].input_size == 80
    # the documented way to turn the 640 px retry off (a long video with few faces)
    plain = video_aligner(detect_retry_size=None)
    assert plain.detect_retry_size is None and plain.detect_size == 320
    fast = video_aligner(face_path="fast")
    assert (fast.detector, fast.detect_every) == ("dlib-hog", 10)
    with pytest.raises(ValueError, match="face_path must be one of"):
        video_aligner(face_path="quick")


def test_without_retinafaces_weights_photos_fall_back_on_dlib_with_a_warning(
        offline_without_weights):
    from emosk.pretrained import IMAGE_FALLBACK_PATH

    with pytest.warns(RuntimeWarning, match="(?s)retinaface_mnet025.*dlib's HOG"):
        aligner = image_aligner("fer2013")
    assert {k: aligner.get_params()[k] for k in IMAGE_FALLBACK_PATH} == IMAGE_FALLBACK_PATH
    assert aligner.landmarks == 68
    (face,) = predict_image(data.astronaut(), model="fer2013", tta=False,
                            aligner=aligner.fit())
    assert face["found"] and face["emotion"] == "happy"
    with pytest.raises(FileNotFoundError, match="Pytorch_Retinaface"):  # named: no fallback
        image_aligner("fer2013", detector="retinaface").fit().transform(
            data.astronaut()[None])


class _ThreadsSeen:
    """A fitted classifier that records the small-batch thread setting of each
    predict_proba call (emosk.nn.small_batch_threads) and answers as ``model``."""

    def __init__(self, model):
        self.model, self.classes_, self.seen = model, model.classes_, []

    def predict_proba(self, X):
        from emosk.nn._threads import _SMALL_BATCH_THREADS

        self.seen.append((len(X), _SMALL_BATCH_THREADS.get()))
        return self.model.predict_proba(X)


def test_pipelines_run_a_few_faces_on_one_thread_whatever_the_caller_asked(fast, tmp_path):
    """predict_images and predict_video find the next faces while the network
    runs, so their batches (the last one a few faces) keep one ONNX Runtime
    thread under small_batch_threads(2); predict_image takes the caller's."""
    from emosk.nn import small_batch_threads

    spy = _ThreadsSeen(fast["model"])
    predict_image(data.astronaut(), model=spy, aligner=fast["aligner"])
    path = _face_then_wall(tmp_path / "cut.mp4")
    with small_batch_threads(2):
        predict_image(data.astronaut(), model=spy, aligner=fast["aligner"])
        assert spy.seen == [(1, 1), (1, 2)]
        spy.seen.clear()
        predict_images([data.astronaut()] * 3, model=spy, aligner=fast["aligner"],
                       batch_size=2)
        assert spy.seen == [(2, 1), (1, 1)]
        spy.seen.clear()
        predict_video(path, model=spy, aligner=face_aligner("fer2013").fit(), batch_size=3)
    assert [n for n, _ in spy.seen] == [3, 3, 1] and {t for _, t in spy.seen} == {1}


@pytest.mark.parametrize("name", [n for n in available_models("face")
                                  if PRETRAINED[n].backbone == "mobilefacenet"])
def test_each_mobilefacenet_model_reads_its_own_side_and_finds_the_smile(name):
    """The shipped MobileFaceNet models (64 px, and 80 px for
    mobilefacenet80_fer_nhfi): the photo path crops faces at the model's side
    and the trained network reads the astronaut's smile."""
    side = PRETRAINED[name].input_size
    assert PRETRAINED[name].align["size"] == side
    # the photo path keeps every face (select="all"): one list of crops per photo
    crops = np.asarray(image_aligner(name).fit().transform(data.astronaut()[None])[0])
    assert crops.shape == (1, side, side)
    model = load(name)
    assert model.net_.module_.input.size == side
    assert model.predict(crops)[0] == "happy"
    faces = predict_image(data.astronaut(), model=name)
    assert [f["emotion"] for f in faces] == ["happy"]


def test_predict_video_reports_the_detectors_score_of_each_frames_face(shared_weights,
                                                                       two_face_video,
                                                                       tmp_path):
    """The frames' ``score`` is RetinaFace's face probability of the face followed in
    that frame (the video path detects in every frame), as the detector gives it on
    the decoded frame; NaN where no face was found."""
    from emosk.face import FACE_PATHS, FaceDetector
    from emosk.io import iter_frames

    path = FACE_PATHS["retinaface"]
    detector = FaceDetector("retinaface", max_side=path["detect_size"],
                            min_side=path["detect_min_size"],
                            retry_side=path["detect_retry_size"])
    frames = [frame for *_, frame in iter_frames(two_face_video)]
    result = predict_video(two_face_video, faces="all")
    assert len(result["score"]) == len(result["frame"]) == len(frames)
    for track in result["tracks"]:
        for i, box, score in zip(track["frame"], track["box"], track["score"], strict=True):
            boxes, scores = detector(frames[i])
            nearest = np.argmin(np.abs(boxes - box).sum(axis=1))
            assert 0.5 < score <= 1 and score == pytest.approx(scores[nearest], abs=1e-5)
    main = result["tracks"][result["main_track"]]
    np.testing.assert_array_equal(result["score"], main["score"])
    # frames without a face (a cut to a wall): NaN, also where the last face is repeated
    cut = _face_then_wall(tmp_path / "cut.mp4")
    result = predict_video(cut)
    assert result["found"].tolist() == [True] * 4 + [False] * 3
    assert (result["score"][:4] > 0.5).all() and np.isnan(result["score"][4:]).all()
    repeated = predict_video(cut, model=DEFAULT_MODEL,
                             aligner=video_aligner(DEFAULT_MODEL, on_missing="last").fit())
    assert repeated["repeated"].tolist() == [False] * 4 + [True] * 3
    np.testing.assert_array_equal(repeated["score"], result["score"])

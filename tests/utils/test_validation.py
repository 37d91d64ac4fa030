from pathlib import Path

import numpy as np
import pytest

from emosk.utils import check_clips, check_images, is_clip_collection
from emosk.utils.validation import check_media, check_videos, images_to_uint8


def test_layouts():
    assert len(check_clips(np.zeros((4, 3)))) == 4
    assert check_clips(np.zeros((2, 5, 3)))[0].shape == (5, 3)
    assert [c.shape for c in check_clips([np.zeros((1, 3)), np.zeros((7, 3))])] == [(1, 3), (7, 3)]
    assert not is_clip_collection([[1.0, 2.0]])
    assert is_clip_collection([[[1.0, 2.0]]])


@pytest.mark.parametrize("clips, match", [
    ([np.zeros((3, 2)), np.zeros((3, 4))], r"Clip 1 has shape \(3, 4\) but clip 0 has 2"),
    ([np.zeros((3, 2)), np.zeros((0, 2))], r"Clip 1 has shape \(0, 2\)"),
    ([np.zeros((3, 2)), np.array([[np.nan, 0.0]])], "NaN"),
    ([], "empty"),
])
def test_bad_clips(clips, match):
    with pytest.raises(ValueError, match=match):
        check_clips(clips)


def test_wrong_dtype_clip():
    with pytest.raises(ValueError, match="Clip 0 of shape \\(1, 2\\)"):
        check_clips([np.array([["a", "b"]])])


def test_four_d_input_is_not_clips():
    with pytest.raises(ValueError, match="Found array with dim 4"):
        check_clips(np.zeros((2, 3, 4, 5)))


@pytest.mark.parametrize("images, err, match", [
    (np.zeros((2, 8)), ValueError, r"got shape \(2, 8\)"),
    (np.zeros((2, 8, 8, 2)), ValueError, "2 channels"),
    (np.zeros((0, 8, 8)), ValueError, "at least one image"),
    (np.zeros((1, 8, 8), dtype=np.int32), TypeError, "int32"),
    (np.full((2, 6, 6), np.nan), ValueError, "Image 0"),
    (np.zeros((48, 64, 3), np.uint8), ValueError,
     r"shape \(48, 64, 3\): this is one \(H, W, C\)"),
    ([np.zeros((8, 8, 3)), np.zeros((9, 8, 3))], ValueError,
     r"Image 1 has shape \(9, 8, 3\) but image 0 has shape \(8, 8, 3\)"),
])
def test_bad_images(images, err, match):
    with pytest.raises(err, match=match):
        check_images(images)


def test_good_images():
    assert check_images(np.zeros((2, 8, 8, 3), dtype=np.uint8)).shape == (2, 8, 8, 3)


# --------------------------------------------------------------- float images
def test_float_scale_is_decided_once_for_the_whole_input():
    dark = np.full((8, 8), 0.8)  # on the 0-255 scale, beside a normal image
    batch = np.stack([dark, np.full((8, 8), 200.0)])
    out = images_to_uint8(batch)
    assert out.dtype == np.uint8
    np.testing.assert_array_equal(out[0], 1)  # not 204: the batch is on [0, 255]
    np.testing.assert_array_equal(images_to_uint8(batch[:1] / 255 * 0.8)[0], 1)
    np.testing.assert_array_equal(images_to_uint8(np.full((1, 8, 8), 0.5)), 128)
    listed = images_to_uint8([np.full((8, 8), 0.8), np.full((6, 9), 200.0)])
    assert [x.shape for x in listed] == [(8, 8), (6, 9)] and listed[0].max() == 1
    uint = np.zeros((1, 8, 8), np.uint8)
    assert images_to_uint8(uint) is uint


@pytest.mark.parametrize("values, match", [
    ((-1.5, 1.2), r"values in \[-1\.5, 1\.2\]"),  # standardised images
    ((0.0, 1000.0), r"values in \[0, 1000\]"),
])
def test_float_images_outside_both_scales_are_refused(values, match):
    images = np.linspace(*values, 64).reshape(1, 8, 8)
    with pytest.raises(ValueError, match=match):
        images_to_uint8(images)
    from emosk.nn._input import prepare_images

    with pytest.raises(ValueError, match=match):  # the CNN's input follows the rule
        prepare_images(images)


def test_values_are_rounded_not_clipped():
    out = images_to_uint8(np.array([[[-0.4, 0.5, 254.6, 255.4]]]))
    np.testing.assert_array_equal(out, [[[0, 0, 255, 255]]])
    with pytest.raises(ValueError, match=r"values in \[-0\.01, 1\]"):
        images_to_uint8(np.array([[[-0.01, 0.5, 1.0]]]))


def test_aligner_and_cnn_convert_floats_alike():
    """The aligner used to guess the scale per image, the CNN per batch."""
    from emosk.face import FaceAligner
    from emosk.nn._input import prepare_images

    rng = np.random.default_rng(0)
    batch = rng.uniform(0, 250, (2, 40, 40, 3))
    batch[0] *= 0.9 / batch[0].max()  # one very dark image, still on [0, 255]
    as_uint8 = np.round(batch).astype(np.uint8)
    np.testing.assert_array_equal(prepare_images(batch), as_uint8)
    aligner = FaceAligner(mode="box", size=16).fit()  # no face: whole frames
    np.testing.assert_array_equal(aligner.transform(batch), aligner.transform(as_uint8))


# ---------------------------------------------------------- what users pass
@pytest.fixture(scope="module")
def photo():
    from skimage import data

    return data.astronaut()


def test_one_photo_without_batch_axis_is_refused_by_a_pipeline(photo):
    from sklearn.pipeline import make_pipeline

    from emosk.pretrained import face_aligner, load

    pipe = make_pipeline(face_aligner("fer2013").fit(), load("fer2013", tta=False))
    with pytest.raises(ValueError, match=r"shape \(512, 512, 3\).*image\[None\]"):
        pipe.predict(photo)  # it used to return 512 labels
    assert pipe.predict(photo[None, ::2, ::2]).shape == (1,)


def test_a_list_of_photos_of_different_sizes(photo):
    from sklearn.pipeline import make_pipeline

    from emosk.face import FaceAligner
    from emosk.nn import CNNClassifier
    from emosk.pretrained import face_aligner, load

    small = photo[::2, ::2]
    photos = [small, small[20:190, 50:200], photo[:300, 100:400]]
    faces, report = FaceAligner(size=32).fit().transform_with_report(photos)
    assert faces.shape == (3, 32, 32, 3)  # one crop per photo, not one per row
    assert report["found"].tolist() == [True, True, True]
    model = load("fer2013", tta=False)
    assert isinstance(model, CNNClassifier)
    pipe = make_pipeline(face_aligner("fer2013").fit(), model)
    assert pipe.predict(photos).shape == (3,)
    with pytest.raises(ValueError, match=r"Image 1 has shape \(170, 150, 3\).*FaceAligner"):
        model.predict(photos)


def test_readme_pipeline_takes_photo_files(photo, tmp_path):
    """The README's ``make_pipeline(face_aligner(...), load(...))`` given photo
    paths read them as videos ("Images of shape (2, 1, 48, 48) have 48
    channels"); an image file is one photo (#24 item 15)."""
    import cv2
    from sklearn.pipeline import make_pipeline

    from emosk.pretrained import face_aligner, load

    small = photo[::2, ::2]
    photos = [small, np.ascontiguousarray(small[:, ::-1])]
    paths = [tmp_path / "left.png", tmp_path / "right.JPG"]
    for path, rgb in zip(paths, photos, strict=True):
        cv2.imwrite(str(path), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    # the README's example, with files
    model = make_pipeline(face_aligner("fer2013").fit(), load("fer2013", tta=False))
    predicted = model.predict([str(paths[0]), paths[1]])
    assert predicted.shape == (2,) and set(predicted) <= set(model.classes_)
    as_arrays = [cv2.cvtColor(cv2.imread(str(p)), cv2.COLOR_BGR2RGB) for p in paths]
    np.testing.assert_array_equal(predicted, model.predict(as_arrays))
    faces, report = model[0].transform_with_report(np.array([str(p) for p in paths]))
    assert faces.shape == (2, 48, 48) and report["found"].tolist() == [True, True]
    assert report["source"].tolist() == [str(p) for p in paths]


def test_photo_files_and_videos_are_not_mixed(tmp_path):
    from emosk.face import FaceAligner
    from emosk.io import MediaReadError

    aligner = FaceAligner(mode="box", size=16).fit()
    with pytest.raises(ValueError, match=r"item 0 is an image file \(a\.png\), item 1 is "
                                         r"a video \(b\.mp4\)"):
        aligner.transform(["a.png", "b.mp4"])
    with pytest.raises(MediaReadError, match=r"missing\.jpg"):
        aligner.transform([str(tmp_path / "missing.jpg")])


def test_media_sorting():
    photo = np.zeros((20, 30, 3), np.uint8)
    video = np.zeros((2, 20, 30, 3), np.uint8)
    assert check_media(photo[None])[0] == "images"
    assert check_media([photo, photo[:10]])[0] == "images"
    assert check_media([video, "a.mp4"])[0] == "videos"
    assert check_media(np.array(["a.mp4", "b.mp4"])) == ("videos", ["a.mp4", "b.mp4"])
    assert check_media(["a.png", Path("b.JPEG")]) == ("image files", ["a.png", Path("b.JPEG")])
    with pytest.raises(ValueError, match=r"item 1 has the shape \(20, 30, 3\) of one photo, "
                                         r"item 0 is a video \(a\.mp4\)"):
        check_media(["a.mp4", photo])
    assert check_videos(("a.mp4",)) == ["a.mp4"]
    with pytest.raises(ValueError, match=r"array of shape \(2, 20, 30, 3\)"):
        check_videos(video)


# --------------------------------------------------------- videos in the aligner
def test_fps_is_not_ignored_for_array_videos():
    from emosk.face import FaceAligner

    video = np.zeros((4, 32, 32, 3), np.uint8)
    with pytest.raises(ValueError, match=r"fps=5 needs timestamps, which video 0 \(an array "
                                         r"of shape \(4, 32, 32\)\)"):
        FaceAligner(mode="box", fps=5).fit().transform([video[..., 0], video])
    faces = FaceAligner(mode="box", step=2, size=16).fit().transform([video])
    assert faces[0].shape == (2, 16, 16, 3)


def test_drop_that_leaves_a_clip_empty_names_it(photo):
    from emosk.face import FaceAligner
    from emosk.nn import CNNFeaturizer
    from emosk.video import VideoFeaturizer

    rng = np.random.default_rng(0)
    blank = rng.integers(0, 256, (3, 40, 40, 3), dtype=np.uint8)  # noise: no face
    face = np.stack([photo[::2, ::2]] * 2)
    aligner = FaceAligner(mode="box", size=48, color="gray", on_missing="drop")
    with pytest.raises(RuntimeError, match="No face found in any frame of video 1: "
                                           "on_missing='drop'"):
        aligner.fit().transform([face, blank])  # it used to return an empty clip
    vf = VideoFeaturizer(aligner, CNNFeaturizer("compact")).fit()
    with pytest.raises(RuntimeError, match="video 0"):
        vf.transform([blank])
    # frames without a face are kept whole with the default
    assert FaceAligner(mode="box", size=48).fit().transform([blank])[0].shape[0] == 3

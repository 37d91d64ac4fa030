"""predict_images: predict_image's answers on many images, the network in batches."""

import cv2
import numpy as np
import pytest
from skimage import data

from emosk.io import MediaReadError
from emosk.pretrained import NoFaceError, predict_image, predict_images


@pytest.fixture(scope="module")
def images(tmp_path_factory):
    photo = data.astronaut()
    path = tmp_path_factory.mktemp("photos") / "astronaut.png"
    cv2.imwrite(str(path), cv2.cvtColor(photo, cv2.COLOR_RGB2BGR))
    card = np.full((60, 80, 3), 128, np.uint8)
    return [photo, card, path, photo[:, ::-1].copy(), data.camera()]


@pytest.mark.parametrize("no_face", ["skip", "whole-image"])
@pytest.mark.parametrize("batch_size", [1, 2, 64])
def test_same_answers_as_one_image_at_a_time(images, no_face, batch_size):
    got = predict_images(images, no_face=no_face, tta=False, batch_size=batch_size)
    assert len(got) == len(images)
    for image, faces in zip(images, got, strict=True):
        alone = predict_image(image, no_face=no_face, tta=False)
        assert [f["box"] for f in faces] == [f["box"] for f in alone]
        assert [f["emotion"] for f in faces] == [f["emotion"] for f in alone]
        for a, b in zip(faces, alone, strict=True):
            np.testing.assert_allclose(list(a["probabilities"].values()),
                                       list(b["probabilities"].values()), atol=1e-5)
    if no_face == "skip":
        assert got[1] == []
    else:
        assert [f["found"] for f in got[1]] == [False]


def test_errors_name_the_image(images, tmp_path):
    with pytest.raises(NoFaceError, match="No face found in the image"):
        predict_images(images[:2], no_face="error")
    missing = tmp_path / "missing.png"
    with pytest.raises(MediaReadError, match="missing.png"):
        predict_images([images[0], missing])
    with pytest.raises(ValueError, match="no_face must be one of"):
        predict_images(images, no_face="maybe")


def test_on_error_leaves_the_failing_image_out_and_goes_on(images, tmp_path):
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"not an image")
    said = []
    got = predict_images([images[0], broken, images[1], images[0]], tta=False,
                         no_face="error", on_error=lambda i, err: said.append((i, err)))
    assert [i for i, _ in said] == [1, 2]
    assert isinstance(said[0][1], MediaReadError) and "broken.png" in str(said[0][1])
    assert isinstance(said[1][1], NoFaceError)  # the gray card, no_face="error"
    assert got[1] is None and got[2] is None
    assert [f["emotion"] for f in got[0]] == [f["emotion"] for f in got[3]]


def test_many_same_size_photos_found_together_keep_their_order_and_errors(images,
                                                                          tmp_path):
    """More photos than one detection chunk (16), most of one size (RetinaFace
    takes them in one batch), a broken file and a faceless card among them."""
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"not an image")
    # 160 px: the faces 28 px wide, above the photo path's min_face_size (24)
    small = [cv2.resize(images[0], (160, 160)), cv2.resize(images[3], (160, 160))]
    batch = [small[i % 2] for i in range(21)]
    batch[5], batch[17] = broken, np.full((160, 160, 3), 128, np.uint8)
    said = []
    got = predict_images(batch, tta=False, no_face="error",
                         on_error=lambda i, err: said.append(i))
    assert said == [5, 17] and got[5] is None and got[17] is None
    for i in (0, 1, 16, 20):
        alone = predict_image(batch[i], tta=False)
        assert [f["emotion"] for f in got[i]] == [f["emotion"] for f in alone]
        np.testing.assert_allclose([f["box"] for f in got[i]],
                                   [f["box"] for f in alone], atol=1e-3)

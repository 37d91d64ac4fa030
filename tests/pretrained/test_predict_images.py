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
    for bad in (0, -2, 1.5, True, "2"):
        with pytest.raises(ValueError, match=f"n_workers must be None or a positive integer; "
                                             f"got {bad!r}"):
            predict_images(images, n_workers=bad)
    # batch_size 0 said "range() arg 3 must not be zero"; -3 ran as if it were valid
    for bad in (0, -3, 2.5, True, None):
        with pytest.raises(ValueError, match=f"batch_size must be a positive integer; "
                                             f"got {bad!r}"):
            predict_images(images, batch_size=bad, n_workers=1)


def test_one_image_given_as_many_is_refused_with_what_to_call(tmp_path):
    """One file name was read as its characters ("Cannot read image x"), one gray
    photo as its rows, with predict_image's error telling to use predict_images."""
    with pytest.raises(ValueError, match="got one file name 'x.jpg'. Pass \\[path\\], or use "
                                         "predict_image"):
        predict_images("x.jpg")
    with pytest.raises(ValueError, match="got one file name .*photo.png"):
        predict_images(tmp_path / "photo.png")
    with pytest.raises(ValueError, match=r"shape \(512, 512\).* use predict_image"):
        predict_images(data.camera())
    with pytest.raises(ValueError, match=r"one \(H, W, C\) image .* use predict_image"):
        predict_images(data.astronaut())
    # a batch array is many images
    got = predict_images(np.stack([data.astronaut(), data.astronaut()[:, ::-1]]))
    assert [[f["emotion"] for f in faces] for faces in got] == [["happy"], ["happy"]]


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


def _probabilities(out):
    return [[list(f["probabilities"].values()) for f in faces] if faces is not None else None
            for faces in out]


def test_workers_give_the_pipelines_answers_in_order_with_errors(images, tmp_path):
    """A network run by ONNX Runtime goes through worker threads (one more than
    torch's), each finding and classifying 16 images at a time; the same
    network run by torch through the one-thread pipeline.  Both give the same
    faces, answers and errors, in the order of the images, from a generator of
    more images than three chunks."""
    pytest.importorskip("onnxruntime")
    pytest.importorskip("onnxscript")
    import torch

    from emosk.nn import runs_onnxruntime
    from emosk.pretrained import load
    from emosk.pretrained._predict import _image_workers

    onnx, plain = load(runtime="onnxruntime"), load(runtime="torch")
    assert runs_onnxruntime(onnx) and not runs_onnxruntime(plain)
    assert _image_workers(onnx) == torch.get_num_threads() + 1
    assert _image_workers(plain) == 1 and _image_workers(load(tta=True)) == 1
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"not an image")
    small = [cv2.resize(images[0], (160, 160)), cv2.resize(images[3], (160, 160))]
    cycle = [images[0], small[0], images[2], small[1], images[3]]  # a size and a file
    batch = [cycle[i % 5] for i in range(53)]
    batch[7], batch[40] = broken, np.full((90, 70, 3), 128, np.uint8)
    answers = {}
    for name, model in (("workers", onnx), ("pipeline", plain)):
        said = []
        answers[name] = predict_images(iter(batch), model=model, no_face="error",
                                       batch_size=5,
                                       on_error=lambda i, err, said=said: said.append(
                                           (i, type(err))))
        assert said == [(7, MediaReadError), (40, NoFaceError)]
    got, want = answers["workers"], answers["pipeline"]
    assert [None if f is None else [x["box"] for x in f] for f in got] == \
        [None if f is None else [x["box"] for x in f] for f in want]
    for a, b in zip(_probabilities(got), _probabilities(want), strict=True):
        if a is not None:
            np.testing.assert_allclose(a, b, atol=1e-4)
    assert sum(len(f) for f in got if f) >= 51
    # the ONNX Runtime network through the pipeline (n_workers=1), and through
    # more workers than the default, answer alike
    for n in (1, np.int64(4)):
        again = predict_images(batch, model=onnx, batch_size=5, no_face="error",
                               on_error=lambda i, err: None,
                               n_workers=n)
        assert [f is None for f in again] == [f is None for f in got]
        for a, b in zip(_probabilities(again), _probabilities(got), strict=True):
            if a is not None:
                np.testing.assert_allclose(a, b, atol=1e-5)


def test_workers_end_with_the_call_and_share_one_retinaface(images):
    """The worker threads are the call's own: none is left once it returns (a
    thread kept alive would keep the torch threads it started, which slowed
    torch's later work on one face threefold), and they share the aligner's
    one RetinaFace, built before or by the first of them, rather than each
    loading its own."""
    import threading

    pytest.importorskip("onnxruntime")
    pytest.importorskip("onnxscript")
    from emosk.pretrained import image_aligner, load

    aligner = image_aligner().fit()
    detector = aligner.detector_
    assert "_shared" not in detector.__dict__
    out = predict_images([images[0]] * 40, model=load(runtime="onnxruntime"), aligner=aligner,
                         n_workers=3)
    assert all(len(faces) == 1 for faces in out)
    assert not [t for t in threading.enumerate() if t.name.startswith("emosk-photos")]
    shared = detector._impl()
    seen = []
    thread = threading.Thread(target=lambda: seen.append(detector._impl()))
    thread.start()
    thread.join()
    assert seen == [shared] and detector.__dict__["_shared"] is shared


def test_images_waiting_for_answers_keep_their_size_not_their_pixels(images, tmp_path):
    """Between finding the faces and classifying them, an image is held as its
    size and crops: a decoded 12-megapixel photo would otherwise stay in
    memory for every image of the chunks in flight."""
    from emosk.face import FaceFinder
    from emosk.pretrained import image_aligner
    from emosk.pretrained._predict import _crops_of_chunk

    broken = tmp_path / "broken.png"
    broken.write_bytes(b"not an image")
    finder = FaceFinder(image_aligner().fit())
    got = list(_crops_of_chunk([images[0], images[2], broken], finder, "skip", (OSError,
                                                                               ValueError)))
    assert [size for size, _, _ in got] == [(512, 512), (512, 512), None]
    assert all(isinstance(v, int) for size, _, _ in got[:2] for v in size)
    assert [len(crops) for _, _, crops in got] == [1, 1, 0]


def test_large_photos_are_found_a_few_at_a_time_with_the_same_answers(images, monkeypatch):
    """A chunk's images are found together until they hold _FIND_PIXELS pixels,
    then let go: with a budget of two 512x512 photos, five photos go to the
    detector as groups of 2, 2 and 1, and the answers do not change."""
    from emosk.face import FaceFinder
    from emosk.pretrained import _predict, image_aligner

    finder = FaceFinder(image_aligner().fit())
    photos = [images[0], images[3], images[0], images[3], images[0]]
    whole = list(_predict._crops_of_chunk(photos, finder, "skip", ()))
    groups, find_many = [], finder.find_many

    def counted(batch):
        groups.append(len(batch))
        return find_many(batch)

    monkeypatch.setattr(finder, "find_many", counted)
    monkeypatch.setattr(_predict, "_FIND_PIXELS", 2 * 512 * 512)
    split = list(_predict._crops_of_chunk(photos, finder, "skip", ()))
    assert groups == [2, 2, 1]
    for (size_a, faces_a, crops_a), (size_b, faces_b, crops_b) in zip(whole, split,
                                                                      strict=True):
        assert size_a == size_b and len(faces_a) == len(faces_b) == 1
        np.testing.assert_allclose(faces_a[0].box, faces_b[0].box, atol=1e-3)
        np.testing.assert_array_equal(crops_a[0], crops_b[0])

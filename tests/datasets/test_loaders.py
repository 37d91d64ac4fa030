import csv

import numpy as np
import pytest

from emosk.datasets import (
    EMOTIONS,
    DatasetNotFoundError,
    get_data_home,
    load_afew,
    load_ckplus48,
    load_enterface05,
    load_fer2013,
    load_ravdess,
)


def test_data_home_from_env(monkeypatch, tmp_path):
    monkeypatch.setenv("EMOSK_DATA", str(tmp_path))
    assert get_data_home() == tmp_path
    assert get_data_home(tmp_path / "x") == tmp_path / "x"


@pytest.mark.parametrize("loader", [load_fer2013, load_ckplus48, load_ravdess,
                                    load_enterface05, load_afew])
def test_missing_dataset_says_where(loader, tmp_path):
    with pytest.raises(DatasetNotFoundError) as info:
        loader(data_home=tmp_path)
    msg = str(info.value)
    assert str(tmp_path) in msg and "published at" in msg and "EMOSK_DATA" in msg


def _write_fer_csv(path, rows):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["emotion", "pixels", "Usage"])
        w.writerows(rows)


def test_fer2013_csv(tmp_path):
    rng = np.random.default_rng(0)
    imgs = rng.integers(0, 256, size=(3, 48, 48), dtype=np.uint8)
    rows = [[e, " ".join(map(str, im.ravel())), u]
            for e, im, u in zip([3, 0, 6], imgs, ["Training", "PublicTest", "PrivateTest"])]
    (tmp_path / "fer2013").mkdir()
    _write_fer_csv(tmp_path / "fer2013" / "fer2013.csv", rows)
    data = load_fer2013(data_home=tmp_path)
    np.testing.assert_array_equal(data.images, imgs)
    assert list(data.target) == ["happy", "angry", "neutral"]
    assert data.target_names[3] == "happy"
    X, y = load_fer2013(data_home=tmp_path, subset="PublicTest", return_X_y=True,
                        as_names=False)
    assert X.shape == (1, 48, 48) and list(y) == [0]
    with pytest.raises(ValueError, match="Unknown FER2013 subset"):
        load_fer2013(data_home=tmp_path, subset="Test")
    with pytest.raises(ValueError, match="subset must be 'all'.*got None"):
        load_fer2013(data_home=tmp_path, subset=None)


def test_fer2013_part_missing_from_the_copy_is_not_an_empty_set(tmp_path):
    """A copy without PrivateTest (as this project's) gave 0 faces for
    subset="PrivateTest", silently; "all" gives the parts it holds."""
    rng = np.random.default_rng(0)
    imgs = rng.integers(0, 256, size=(2, 48, 48), dtype=np.uint8)
    rows = [[e, " ".join(map(str, im.ravel())), u]
            for e, im, u in zip([3, 0], imgs, ["Training", "PublicTest"], strict=True)]
    _write_fer_csv(tmp_path / "fer2013.csv", rows)
    for subset in ("PrivateTest", ["PublicTest", "PrivateTest"]):
        with pytest.raises(DatasetNotFoundError,
                           match=r"PrivateTest part is not in .*fer2013.csv, which holds "
                                 r"Training, PublicTest"):
            load_fer2013(data_home=tmp_path, subset=subset)
    assert len(load_fer2013(data_home=tmp_path).images) == 2
    assert list(load_fer2013(data_home=tmp_path, subset="PublicTest").target) == ["angry"]


def test_fer2013_malformed_csv(tmp_path):
    _write_fer_csv(tmp_path / "fer2013.csv", [[1, "1 2 3", "Training"]])
    with pytest.raises(ValueError, match="line 2: 3 pixel values"):
        load_fer2013(data_home=tmp_path)


def test_ckplus_png_tree(tmp_path):
    cv2 = pytest.importorskip("cv2")
    root = tmp_path / "CK+48"
    for emo, subj, seq in [("happy", "S005", "001"), ("contempt", "S010", "002"),
                           ("sadness", "S005", "003")]:
        (root / emo).mkdir(parents=True, exist_ok=True)
        for frame in (9, 7, 8):
            img = np.full((48, 48), frame * 10, dtype=np.uint8)
            cv2.imwrite(str(root / emo / f"{subj}_{seq}_{frame:08d}.png"), img)
    data = load_ckplus48(data_home=tmp_path)
    assert list(data.sequences) == ["S005_001", "S005_003"]
    assert list(data.target) == ["happy", "sad"]
    assert list(data.groups) == ["S005", "S005"]
    assert data.images[0].shape == (3, 48, 48)
    assert list(data.images[0][:, 0, 0]) == [70, 80, 90]  # frames in time order
    with_contempt = load_ckplus48(data_home=tmp_path, include_contempt=True)
    assert "contempt" in with_contempt.target_names and len(with_contempt.images) == 3


def test_ravdess_codes(tmp_path):
    actor = tmp_path / "ravdess" / "Actor_02"
    actor.mkdir(parents=True)
    for name in ["03-01-05-02-01-01-02.wav", "03-01-02-01-01-01-02.wav",
                 "03-02-08-01-02-02-02.flac", "notes.wav"]:
        (actor / name).write_bytes(b"")
    data = load_ravdess(data_home=tmp_path)
    assert list(data.target) == ["angry", "surprise"]
    assert list(data.intensity) == ["strong", "normal"]
    assert list(data.vocal_channel) == ["speech", "song"]
    assert list(data.groups) == [2, 2] and list(data.sex) == ["F", "F"]
    calm = load_ravdess(data_home=tmp_path, include_calm=True)
    assert list(calm.target_names) == ["angry", "surprise", "calm"]


def test_enterface_nested_layout(tmp_path):
    for path in ["subject 1/anger/sentence 1/s1_an_1.avi",
                 "subject 12/fear/sentence 3/s12_fe_3.avi", "readme.avi"]:
        p = tmp_path / "enterface05" / path
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(b"")
    data = load_enterface05(data_home=tmp_path)
    assert list(data.target) == ["angry", "fear"]
    assert list(data.groups) == ["s1", "s12"] and list(data.sentence) == [1, 3]


def _write_tiny_video(path, n_frames=3):
    av = pytest.importorskip("av")
    with av.open(str(path), "w") as out:
        stream = out.add_stream("mpeg4", rate=25)
        stream.width, stream.height, stream.pix_fmt = 32, 32, "yuv420p"
        for i in range(n_frames):
            frame = av.VideoFrame.from_ndarray(
                np.full((32, 32, 3), 40 * i, dtype=np.uint8), format="rgb24")
            out.mux(stream.encode(frame))
        out.mux(stream.encode())


def test_afew_layout_with_real_videos(tmp_path):
    av = pytest.importorskip("av")
    for subset, emo, name in [("Train", "Happy", "001.avi"), ("Train", "Angry", "002.avi"),
                              ("Val", "Neutral", "003.avi"), ("Train", "Unknown", "x.avi")]:
        folder = tmp_path / "AFEW" / subset / emo
        folder.mkdir(parents=True, exist_ok=True)
        _write_tiny_video(folder / name)
    train = load_afew(data_home=tmp_path)
    assert list(train.target) == ["angry", "happy"]
    both = load_afew(data_home=tmp_path, subset=["Train", "Val"])
    assert list(both.subset) == ["Train", "Train", "Val"]
    with av.open(both.filenames[2]) as f:
        assert sum(1 for _ in f.decode(video=0)) == 3
    with pytest.raises(ValueError, match="Unknown AFEW subset 'Test'"):
        load_afew(data_home=tmp_path, subset="Test")


def test_real_fer2013(shared_data):
    data = load_fer2013(data_home=shared_data, subset="PublicTest")
    assert data.images.shape == (3589, 48, 48) and data.images.dtype == np.uint8
    assert tuple(data.target_names) == EMOTIONS
    assert set(data.target) == set(EMOTIONS)


def test_real_ckplus48(shared_data):
    data = load_ckplus48(data_home=shared_data)
    assert len(data.images) == 309  # 327 sequences less 18 contempt
    assert all(c.shape == (3, 48, 48) for c in data.images)
    assert len(set(data.groups)) > 100
    assert "neutral" not in data.target_names


def test_real_ravdess_and_enterface(shared_data):
    rav = load_ravdess(data_home=shared_data)
    assert len(rav.filenames) == 1440 - 192  # calm (2 intensities) dropped
    assert sorted(set(rav.groups)) == list(range(1, 25))
    ent = load_enterface05(data_home=shared_data)
    assert len(ent.filenames) == 6 and set(ent.target_names) == {"angry", "disgust", "happy"}


def test_tess_and_emodb_layouts(tmp_path):
    from emosk.datasets import load_emodb, load_tess

    for rel in ["tess/OAF_angry/OAF_back_angry.wav", "tess/YAF_pleasant_surprised/YAF_bean_ps.wav",
                "tess/YAF_neutral/YAF_dog_neutral.wav", "tess/readme.wav",
                "emodb/wav/03a01Wa.wav", "emodb/wav/08b02Lb.wav", "emodb/wav/16a05Fc.wav"]:
        p = tmp_path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(b"")
    tess = load_tess(data_home=tmp_path)
    assert list(tess.target) == ["angry", "neutral", "surprise"]
    assert list(tess.groups) == ["OAF", "YAF", "YAF"] and tess.original_label[2] == "ps"
    emo = load_emodb(data_home=tmp_path)
    assert list(emo.target) == ["angry", "happy"]
    assert list(emo.sex) == ["M", "F"]
    bored = load_emodb(data_home=tmp_path, include_boredom=True)
    assert list(bored.target_names) == ["angry", "happy", "boredom"]


# ----------------------------------------------------- targets as class names
def test_as_names_on_every_loader_layout(tmp_path):
    from emosk.datasets import load_emodb, load_tess

    rng = np.random.default_rng(0)
    imgs = rng.integers(0, 256, size=(2, 48, 48), dtype=np.uint8)
    (tmp_path / "fer2013").mkdir()
    _write_fer_csv(tmp_path / "fer2013" / "fer2013.csv",
                   [[e, " ".join(map(str, im.ravel())), "Training"]
                    for e, im in zip([3, 6], imgs)])
    X, y = load_fer2013(data_home=tmp_path, return_X_y=True, as_names=True)
    assert y.tolist() == ["happy", "neutral"]
    data = load_fer2013(data_home=tmp_path, as_names=True)
    assert data.target.tolist() == ["happy", "neutral"] and data.target_names[3] == "happy"
    assert load_fer2013(data_home=tmp_path, as_names=False).target.tolist() == [3, 6]
    for rel in ["tess/OAF_angry/OAF_back_angry.wav", "emodb/wav/16a05Fc.wav",
                "enterface05/s1_ha_1.avi", "ravdess/Actor_01/03-01-05-01-02-01-01.wav"]:
        p = tmp_path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(b"")
    assert load_tess(data_home=tmp_path, as_names=True).target.tolist() == ["angry"]
    assert load_emodb(data_home=tmp_path, as_names=True).target.tolist() == ["happy"]
    assert load_enterface05(data_home=tmp_path, as_names=True).target.tolist() == ["happy"]
    _, y = load_ravdess(data_home=tmp_path, return_X_y=True, as_names=True)
    assert y.tolist() == ["angry"]


def test_real_ckplus48_names(shared_data):
    data = load_ckplus48(data_home=shared_data, as_names=True)
    plain = load_ckplus48(data_home=shared_data, as_names=False)
    np.testing.assert_array_equal(data.target, plain.target_names[plain.target])


def test_every_loader_gives_class_names_by_default(tmp_path):
    """The loaders' targets are the class names the shipped models predict unless
    ``as_names=False`` asks for integer codes (#24 item 23)."""
    from emosk.datasets import load_emodb, load_tess

    rng = np.random.default_rng(0)
    imgs = rng.integers(0, 256, size=(2, 48, 48), dtype=np.uint8)
    (tmp_path / "fer2013").mkdir()
    _write_fer_csv(tmp_path / "fer2013" / "fer2013.csv",
                   [[e, " ".join(map(str, im.ravel())), "PublicTest"]
                    for e, im in zip([3, 6], imgs, strict=True)])
    _, y = load_fer2013(data_home=tmp_path, subset="PublicTest", return_X_y=True)
    assert y.tolist() == ["happy", "neutral"]
    assert load_fer2013(data_home=tmp_path, as_names=False).target.tolist() == [3, 6]
    for rel in ["tess/OAF_angry/OAF_back_angry.wav", "emodb/wav/16a05Fc.wav",
                "enterface05/s1_ha_1.avi", "ravdess/Actor_01/03-01-05-01-02-01-01.wav"]:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes(b"")
    for loader, name in [(load_tess, "angry"), (load_emodb, "happy"),
                         (load_enterface05, "happy"), (load_ravdess, "angry")]:
        assert loader(data_home=tmp_path).target.tolist() == [name], loader.__name__
        codes = loader(data_home=tmp_path, as_names=False)
        assert codes.target_names[codes.target].tolist() == [name], loader.__name__


def test_integer_codes_against_a_named_model_get_an_emosk_message():
    """Integer codes scored against a model of class names: an emosk error that
    says what to pass, not scikit-learn's "Mix of label input types" (#24 item 23)."""
    pytest.importorskip("torch")
    from emosk.pretrained import load

    model = load("fer2013", tta=False)
    faces = np.random.default_rng(0).integers(0, 256, size=(2, 48, 48), dtype=np.uint8)
    with pytest.raises(ValueError) as info:
        model.score(faces, np.array([3, 6]))
    message = str(info.value)
    assert "integer codes" in message and "'angry'" in message
    assert "as_names=True" in message and "target_names[y]" in message


@pytest.mark.slow  # reads all of FER2013 and loads torch: about 5-10 s on 2 shared cores
def test_shipped_model_scores_fer2013_out_of_the_box(shared_data):
    """``load("fer2013").score(*load_fer2013(subset="PublicTest", return_X_y=True))``
    failed with "Mix of label input types" (#24 item 23)."""
    from emosk.pretrained import load

    X, y = load_fer2013(data_home=shared_data, subset="PublicTest", return_X_y=True)
    rng = np.random.default_rng(0)
    keep = np.concatenate([rng.choice(np.flatnonzero(y == c), 4, replace=False)
                           for c in EMOTIONS])
    model = load("fer2013", tta=False)
    assert set(y) <= set(model.classes_)
    assert 0.3 < model.score(X[keep], y[keep]) <= 1.0  # chance 0.14; model card ~0.7


# ----------------------------------------------------------------------- SFEW
def _write_sfew_tree(root):
    """A tiny SFEW: Train with labels.csv, Val without, Test flat (no labels)."""
    import cv2

    rng = np.random.default_rng(0)
    files = {"Train": ["Happy/MovieA_001_01.png", "Happy/MovieB_002_01.png",
                       "Sad/MovieA_003_02.png", "Neutral/Movie_C_004_01.png"],
             "Val": ["Angry/MovieD_001_01.png", "surprise/MovieE_002_03.png",
                     "Other/MovieF_003_01.png"],
             "Test": ["MovieG_001_01.png", "MovieH_002_01.png"]}
    for subset, rels in files.items():
        for rel in rels:
            path = root / "sfew" / subset / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            img = rng.integers(0, 256, size=(18, 14, 3), dtype=np.uint8)
            assert cv2.imwrite(str(path), img[..., ::-1])  # written BGR, read back RGB
    with open(root / "sfew" / "Train" / "labels.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["path", "label7", "original_label", "movie"])
        for rel, lab in zip(files["Train"], ["happy", "happy", "sad", "neutral"]):
            w.writerow([rel, lab, rel.split("/")[0], "MovieC" if "_C_" in rel else
                        rel.split("/")[1].split("_")[0]])
    return files


def test_sfew_layout(tmp_path):
    from emosk.datasets import load_sfew

    _write_sfew_tree(tmp_path)
    train = load_sfew(data_home=tmp_path, as_names=False)
    assert train.images.shape == (4, 18, 14, 3) and train.images.dtype == np.uint8
    assert tuple(train.target_names) == EMOTIONS  # all seven, whatever is present
    assert [EMOTIONS[t] for t in train.target] == ["happy", "happy", "sad", "neutral"]
    assert list(train.groups) == ["MovieA", "MovieB", "MovieA", "MovieC"]  # from labels.csv
    assert set(train.subset) == {"Train"}
    val = load_sfew(data_home=tmp_path, subset="Val", as_names=True)  # folders only
    assert list(val.target) == ["angry", "surprise"]  # Other/ is not an emotion folder
    assert list(val.groups) == ["MovieD", "MovieE"]  # from the file names
    assert list(val.original_label) == ["Angry", "surprise"]
    test = load_sfew(data_home=tmp_path, subset="Test", as_names=False)
    assert list(test.target) == [-1, -1] and list(test.groups) == ["MovieG", "MovieH"]
    assert list(load_sfew(data_home=tmp_path, subset="Test").target) == ["", ""]
    files, y = load_sfew(data_home=tmp_path, subset=["Train", "Val"], load_images=False,
                         return_X_y=True)
    assert len(files) == 6 and files[0].endswith("MovieA_001_01.png") and y[-1] == "surprise"
    X, y = load_sfew(data_home=tmp_path, return_X_y=True)
    np.testing.assert_array_equal(X, train.images)
    assert "images" not in load_sfew(data_home=tmp_path, load_images=False)


def test_sfew_errors(tmp_path):
    from emosk.datasets import load_sfew

    with pytest.raises(DatasetNotFoundError) as info:
        load_sfew(data_home=tmp_path, subset="Val")
    msg = str(info.value)
    assert str(tmp_path / "sfew" / "Val") in msg and "EmotiW organisers" in msg
    assert "https://cs.anu.edu.au/few/" in msg
    with pytest.raises(ValueError, match="Unknown SFEW subset 'Validation'"):
        load_sfew(data_home=tmp_path, subset="Validation")
    _write_sfew_tree(tmp_path)
    table = tmp_path / "sfew" / "Train" / "labels.csv"
    table.write_text(table.read_text() + "Happy/gone.png,happy,Happy,X\n")
    with pytest.raises(ValueError, match=r"labels.csv, line 6: image .*gone.png"):
        load_sfew(data_home=tmp_path)
    table.write_text("path,label7,original_label,movie\nHappy/MovieA_001_01.png,joy,Joy,A\n")
    with pytest.raises(ValueError, match="line 2: unknown label 'joy'"):
        load_sfew(data_home=tmp_path)


def test_real_sfew_train(shared_data):
    from emosk.datasets import load_sfew

    if not (shared_data / "sfew").is_dir():
        pytest.skip(f"SFEW not found in {shared_data}/sfew")
    data = load_sfew(data_home=shared_data, load_images=False, as_names=False)
    counts = dict(zip(data.target_names, np.bincount(data.target, minlength=7)))
    assert counts == {"angry": 172, "disgust": 49, "fear": 76, "happy": 176,
                      "sad": 151, "surprise": 93, "neutral": 142}
    assert len(set(data.groups)) > 30 and "" not in set(data.groups)
    images = load_sfew(data_home=shared_data, return_X_y=True)[0]
    assert images.shape == (859, 181, 143, 3)

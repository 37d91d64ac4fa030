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
    assert list(data.target) == [3, 0, 6] and data.target_names[3] == "happy"
    X, y = load_fer2013(data_home=tmp_path, subset="PublicTest", return_X_y=True)
    assert X.shape == (1, 48, 48) and list(y) == [0]
    with pytest.raises(ValueError, match="Unknown FER2013 subset"):
        load_fer2013(data_home=tmp_path, subset="Test")


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
    assert [data.target_names[t] for t in data.target] == ["happy", "sad"]
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
    assert [data.target_names[t] for t in data.target] == ["angry", "surprise"]
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
    assert [data.target_names[t] for t in data.target] == ["angry", "fear"]
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
    assert [train.target_names[t] for t in train.target] == ["angry", "happy"]
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
    assert np.bincount(data.target).min() > 0


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
    assert [tess.target_names[t] for t in tess.target] == ["angry", "neutral", "surprise"]
    assert list(tess.groups) == ["OAF", "YAF", "YAF"] and tess.original_label[2] == "ps"
    emo = load_emodb(data_home=tmp_path)
    assert [emo.target_names[t] for t in emo.target] == ["angry", "happy"]
    assert list(emo.sex) == ["M", "F"]
    bored = load_emodb(data_home=tmp_path, include_boredom=True)
    assert list(bored.target_names) == ["angry", "happy", "boredom"]

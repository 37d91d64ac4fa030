"""predict_files: files in, the table ``emosk predict`` writes out, from Python."""

import sys

import cv2
import numpy as np
import pandas as pd
import pytest
from skimage import data

from emosk.datasets import make_demo_video
from emosk.pretrained import (
    ROW_KEYS,
    STATUSES,
    load_model_file,
    predict_files,
    predict_image,
    predict_video,
    results_table,
)


@pytest.fixture(scope="module")
def media(tmp_path_factory):
    root = tmp_path_factory.mktemp("files")
    photo = data.astronaut()
    cv2.imwrite(str(root / "astronaut.png"), cv2.cvtColor(photo, cv2.COLOR_RGB2BGR))
    make_demo_video(photo, root / "clip.mp4", center=(220, 125), seconds=1.0, fps=6)
    (root / "broken.mp4").write_bytes(b"not a video at all")
    return root


def test_rows_table_and_results_of_an_image_a_video_and_a_broken_file(media):
    paths = [media / "astronaut.png", media / "broken.mp4", media / "clip.mp4"]
    said = []
    out = predict_files(paths, on_error=lambda path, err: said.append(path))
    # files in the order given; every row has every key
    assert [r["source"] for r in out.rows][0] == str(paths[0])
    assert all(tuple(r) == ROW_KEYS for r in out.rows)
    assert {r["status"] for r in out.rows} <= set(STATUSES)
    assert list(out.failed) == [paths[1]] and said == [paths[1]]
    assert out.file_rows[paths[1]][0]["kind"] == "error"
    assert "broken.mp4" in out.file_rows[paths[1]][0]["error"]
    # the image's rows are predict_image's faces, the video's predict_video's clip
    faces = predict_image(paths[0])
    assert [r["emotion"] for r in out.file_rows[paths[0]]] == [f["emotion"] for f in faces]
    clip = [r for r in out.file_rows[paths[2]] if r["kind"] == "clip"]
    assert clip[0]["emotion"] == predict_video(paths[2])["emotion"] and clip[0]["answer"]
    assert sum(r["kind"] == "frame" for r in out.file_rows[paths[2]]) == 6
    # the DataFrame holds the same rows, one column per class
    assert isinstance(out.table, pd.DataFrame) and len(out.table) == len(out.rows)
    assert list(out.table.columns[-8:]) == [*out.classes, "error"]
    row = out.table.iloc[0]
    assert row[out.classes].sum() == pytest.approx(1, abs=1e-3)
    assert row["x0"] == out.rows[0]["box"][0]
    assert out.table.equals(results_table(out.rows, out.classes))


def test_clip_pooling_reaches_the_videos_and_a_bad_one_is_refused_first(media, monkeypatch):
    from emosk.pretrained import _files

    out = predict_files([media / "clip.mp4"], clip="expressive")
    (clip,) = [r for r in out.rows if r["kind"] == "clip"]
    expected = predict_video(media / "clip.mp4", clip="expressive")["clip_probabilities"]
    np.testing.assert_allclose([clip["probabilities"][c] for c in out.classes], expected,
                               atol=1e-4)
    # refused before any file is read or any model loaded
    monkeypatch.setattr(_files, "_Models", None)
    monkeypatch.setattr(_files, "_kinds", None)
    with pytest.raises(ValueError, match=r"clip must be one of .*'median'"):
        predict_files([media / "clip.mp4"], clip="median")
    # one path, not a sequence: it was read as its characters, an error row each
    for one in (str(media / "clip.mp4"), media / "clip.mp4"):
        with pytest.raises(ValueError, match=r"got one path '.*clip.mp4'. Pass \[path\]"):
            predict_files(one)
    # an option wrong for every file: refused, not one error row per file (or, for fuse
    # and voice_weight without an audio model, not ignored)
    wrong = {"no_face": ("x", "no_face must be one of"),
             "faces": ("both", "faces must be 'main' or 'all'; got 'both'"),
             "fps": (0, "fps must be None .* got 0"),
             "face_path": ("x", "face_path must be one of"),
             "fuse": ("x", "fuse must be one of"),
             "voice_weight": (2, r"voice_weight must be a number in \[0, 1\]; got 2"),
             "precision": ("int4", "precision must be one of"),
             "audio_model": ("auto", "audio_model must be a fitted classifier .* got 'auto'")}
    for option, (value, says) in wrong.items():
        with pytest.raises(ValueError, match=says):
            predict_files([media / "clip.mp4"], **{option: value})


def test_nothing_usable_loads_no_model(tmp_path, monkeypatch):
    from emosk.pretrained import _files

    def refuse(*args, **kwargs):
        raise AssertionError("a model was loaded")

    monkeypatch.setattr(_files, "load", refuse)
    missing = tmp_path / "missing.jpg"
    out = predict_files([missing])
    assert out.rows[0]["status"] == "error" and "missing.jpg" in out.rows[0]["error"]
    assert list(out.failed) == [missing] and len(out.classes) == 7


def test_load_model_file_names_the_file(tmp_path):
    import joblib

    with pytest.raises(FileNotFoundError, match="nothing.joblib"):
        load_model_file(tmp_path / "nothing.joblib")
    joblib.dump({"model": "not a classifier"}, tmp_path / "bad.joblib")
    with pytest.raises(ValueError, match="bad.joblib holds no fitted classifier"):
        load_model_file(tmp_path / "bad.joblib")
    (tmp_path / "junk.joblib").write_bytes(b"junk")
    with pytest.raises(ValueError, match="Cannot read model .*junk.joblib"):
        load_model_file(tmp_path / "junk.joblib")


def test_importing_the_files_api_does_not_load_torch():
    import subprocess

    script = ("import sys\nimport emosk.pretrained\n"
              "print('torch' in sys.modules, 'dlib' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         check=True)
    assert out.stdout.split() == ["False", "False"]


def test_make_demo_video_checks_its_photo(tmp_path):
    with pytest.raises(ValueError, match=r"shape \(4, 4\)"):
        make_demo_video(np.zeros((4, 4), np.uint8), tmp_path / "x.mp4", center=(2, 2))


def test_media_kinds_sorts_without_decoding(media, tmp_path):
    from emosk.io import MediaReadError, media_kinds

    paths = [media / "astronaut.png", media / "clip.mp4", media / "broken.mp4",
             tmp_path / "missing.jpg"]
    kinds = media_kinds(paths)
    assert list(kinds) == paths
    assert kinds[paths[0]] == "image" and kinds[paths[1]] == "video"
    assert isinstance(kinds[paths[2]], MediaReadError) and "broken.mp4" in str(kinds[paths[2]])
    assert isinstance(kinds[paths[3]], MediaReadError) and "no such file" in str(kinds[paths[3]])

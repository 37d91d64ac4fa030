"""Average two fine-tuned weight files of one backbone (a weight-space ensemble).

    python scripts/average_weights.py emosk/pretrained/mobilefacenet_fer_nhfi_aligned.pt \\
        ~/emosk-weights/mfn64_rf_x3.pt --alpha 0.5 --out ~/emosk-weights/soup_rf5_x3_50.pt

Wortsman et al. (2022, "Robust fine-tuning of zero-shot models", WiSE-FT)
interpolate the weights of a network and of its fine-tuned copy: where the
fine-tune gains on its own data and loses elsewhere, the average keeps much
of the gain and loses less.  The two files must be state dicts of the same
backbone with the same head (``torch.save(clf.net_.module_.backbone
.state_dict(), path)``), the second fine-tuned from the first; every floating
point tensor (weights, biases, batch norm statistics) is
``(1 - alpha) * first + alpha * second``.  A JSON record of the command sits
beside the output, for ``benchmarks/face_model_runs.py``.
"""

import argparse
import json
from pathlib import Path

import torch


def average(first, second, alpha):
    """``(1 - alpha) * first + alpha * second`` for every floating point tensor of
    two state dicts with the same keys and shapes; other tensors from ``second``."""
    if first.keys() != second.keys():
        raise SystemExit("The two files are not state dicts of the same network: their "
                         f"keys differ ({sorted(first.keys() ^ second.keys())[:5]}...).")
    out = {}
    for key, b in second.items():
        a = first[key]
        if a.shape != b.shape:
            raise SystemExit(f"{key} has shape {tuple(a.shape)} in the first file and "
                             f"{tuple(b.shape)} in the second.")
        out[key] = (a.float() * (1 - alpha) + b.float() * alpha) if b.is_floating_point() \
            else b.clone()
    return out


def _state(path):
    """The state dict in ``path``, on the CPU."""
    return torch.load(Path(path).expanduser(), map_location="cpu", weights_only=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("first", help="state dict the second was fine-tuned from")
    parser.add_argument("second", help="fine-tuned state dict")
    parser.add_argument("--alpha", type=float, default=0.5, help="weight of the second")
    parser.add_argument("--out", required=True, help="weights file (outside the repo)")
    args = parser.parse_args()
    if not 0 <= args.alpha <= 1:
        parser.error(f"--alpha must be in [0, 1]; got {args.alpha}")
    out = Path(args.out).expanduser()
    state = average(_state(args.first), _state(args.second), args.alpha)
    torch.save(state, out)
    record = {"command": f"python scripts/average_weights.py {args.first} {args.second} "
                         f"--alpha {args.alpha} --out {args.out}",
              "training_images": 0, "wall_min_this_call": 0.0, "cpu_min_this_call": 0.0,
              "history": []}
    out.with_suffix(".json").write_text(json.dumps(record, indent=1))
    print(f"{out}: {len(state)} tensors averaged, alpha {args.alpha}")


if __name__ == "__main__":
    main()

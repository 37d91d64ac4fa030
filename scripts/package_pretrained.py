"""Put trained weights into the package as a shipped model (float16) and record its SHA-256.

    python benchmarks/fer2013.py --epochs 30 --lr 0.02 --batch-size 64 \
        --out ~/emosk-weights/compact_fer2013.pt
    python scripts/package_pretrained.py ~/emosk-weights/compact_fer2013.pt --name fer2013

The weights (a backbone state dict, as benchmarks/fer2013.py saves it) are
stored as float16 in ``emosk/pretrained/<filename>``; the checksum in the
registry, ``emosk/nn/_registry.py``, is rewritten to match.
"""

import argparse
import hashlib
import re
from pathlib import Path


ROOT = Path(__file__).resolve().parent.parent
PKG = ROOT / "emosk" / "pretrained"
REGISTRY = ROOT / "emosk" / "nn" / "_registry.py"


def record_checksum(target, field=""):
    """Write the SHA-256 of a file in ``emosk/pretrained`` into the registry entry
    with that file name (``field="int8_"``: the ``int8_filename`` /
    ``int8_sha256`` pair); return it."""
    digest = hashlib.sha256(target.read_bytes()).hexdigest()
    source = REGISTRY.read_text()
    pattern = (rf'(\b{field}filename="{re.escape(target.name)}",\s*{field}sha256=")'
               r'[0-9a-f]*(")')
    updated, n = re.subn(pattern, rf"\g<1>{digest}\g<2>", source)
    if n != 1:
        raise SystemExit(f"Could not find the sha256 of {target.name} in {REGISTRY.name}.")
    REGISTRY.write_text(updated)
    return digest


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("weights", help="trained backbone state dict (.pt)")
    parser.add_argument("--name", default="fer2013", help="model name in PRETRAINED")
    args = parser.parse_args()

    from emosk.nn import PRETRAINED

    import torch

    spec = PRETRAINED[args.name]
    state = torch.load(args.weights, map_location="cpu", weights_only=True)
    half = {k: v.half() if v.is_floating_point() else v for k, v in state.items()}
    target = PKG / spec.filename
    torch.save(half, target)
    digest = record_checksum(target)
    print(f"{target}: {target.stat().st_size / 1e6:.2f} MB, sha256 {digest}")


if __name__ == "__main__":
    main()

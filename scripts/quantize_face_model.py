"""Ship an int8 copy of a shipped face model: calibrate, write, record its SHA-256.

    EMOSK_DATA=../shared/data EMOSK_WEIGHTS=../shared/weights \\
        python scripts/quantize_face_model.py --name mobilefacenet_fer_nhfi_soup

The calibration faces are training faces only: ``--n-fer`` random FER2013
Training faces (resized to the model's side) and ``--n-nhfi`` random photos of
NHFI's training groups (never its hold-out), aligned as for training
(``train_face_model.aligned_photos``: RetinaFace's most confident face).
:func:`emosk.nn.quantize` makes the graph; it is written to
``emosk/pretrained/<int8_filename>`` and its checksum into the registry.  The
agreement of the int8 and float models on FER2013 PublicTest is printed;
``benchmarks/real_faces.py --candidate NAME@int8`` gives every figure.
"""

import argparse
import time

import numpy as np
from package_pretrained import PKG, record_checksum
from train_face_model import aligned_photos

from emosk.datasets import load_fer2013, load_nhfi, nhfi_holdout
from emosk.face import resize_faces
from emosk.nn import PRETRAINED, quantize
from emosk.pretrained import load


def calibration_faces(name, n_fer, n_nhfi, seed=0):
    """``n_fer`` FER2013 Training faces and ``n_nhfi`` NHFI training photos, at
    the model's side, the photos aligned as the model's training aligned them."""
    rng = np.random.default_rng(seed)
    fer = load_fer2013(subset="Training")
    nhfi = load_nhfi(drop_contempt=True)
    train, _ = nhfi_holdout(nhfi.groups)
    side = PRETRAINED[name].align["size"]
    fer_faces = resize_faces(fer.images[rng.choice(len(fer.images), n_fer, replace=False)],
                             side)
    photos = aligned_photos(nhfi.images[rng.choice(train, n_nhfi, replace=False)], side)
    return np.concatenate([fer_faces, photos])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--name", required=True, help="model name in PRETRAINED")
    parser.add_argument("--n-fer", type=int, default=600)
    parser.add_argument("--n-nhfi", type=int, default=600)
    args = parser.parse_args()

    spec = PRETRAINED[args.name]
    if spec.int8_filename is None:
        raise SystemExit(f"Give {args.name!r} an int8_filename in emosk/nn/_registry.py "
                         "first.")
    t0 = time.perf_counter()
    model = load(args.name, tta=False, runtime="torch")
    fast = quantize(model, calibration_faces(args.name, args.n_fer, args.n_nhfi))
    target = PKG / spec.int8_filename
    target.write_bytes(fast.int8_graph_)
    digest = record_checksum(target, field="int8_")
    test = load_fer2013(subset="PublicTest").images
    agree = np.mean(model.predict(test) == fast.predict(test))
    print(f"{target}: {target.stat().st_size / 1e6:.2f} MB, sha256 {digest}; "
          f"{time.perf_counter() - t0:.0f} s; PublicTest answers agreeing with the float "
          f"model: {agree:.3f}")


if __name__ == "__main__":
    main()

"""Peak memory and speed of emosk's photo paths on large photo files.

    EMOSK_DATA=../shared/data EMOSK_WEIGHTS=../shared/weights \\
        python benchmarks/photo_memory.py

The photos are the first ``--n`` of SFEW Train's movie faces enlarged to
4000x3000 (bicubic, a 12-megapixel camera's size) and written as JPEG files
(quality 90) to a temporary folder.  Each system runs in its own process,
with the default model and aligner loaded and warmed up on two photos
before the clock and the memory count start:

- one :func:`~emosk.pretrained.predict_image` call per file (the baseline:
  one decoded photo at a time);
- :func:`~emosk.pretrained.predict_images` on the list of files, with its
  worker threads (the default where the network runs in ONNX Runtime);
- the same with ``n_workers=1`` (one thread finds faces while the network
  runs on torch's threads).

Reported: seconds, photos per second, the process's peak resident memory
and its growth over the warmed-up process (``ru_maxrss``), and both as
ratios to the baseline in the same run.
"""

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cv2
from _common import markdown_table, write_result

from emosk.datasets import load_sfew
from emosk.pretrained import predict_image, predict_images

#: The systems: label -> how the files go through.
SYSTEMS = {
    "one predict_image call per file (baseline)": "loop",
    "predict_images, worker threads (default)": "workers",
    "predict_images, n_workers=1 (one thread finding faces)": "pipeline",
}

SIZE = (4000, 3000)


def write_photos(folder, n):
    """SFEW Train's first ``n`` faces enlarged to :data:`SIZE`, as JPEG files."""
    paths = []
    for i, face in enumerate(load_sfew(subset="Train").images[:n]):
        big = cv2.resize(face, SIZE, interpolation=cv2.INTER_CUBIC)
        path = Path(folder) / f"sfew{i:04d}.jpg"
        cv2.imwrite(str(path), cv2.cvtColor(big, cv2.COLOR_RGB2BGR),
                    [cv2.IMWRITE_JPEG_QUALITY, 90])
        paths.append(str(path))
    return paths


def child(how, paths):
    """Run one system on ``paths`` in this process; print its figures as JSON."""
    def run(files):
        if how == "loop":
            return [predict_image(f, no_face="whole-image") for f in files]
        workers = 1 if how == "pipeline" else None
        return predict_images(files, no_face="whole-image", n_workers=workers)

    run(paths[:2])  # the model, the aligner and ONNX Runtime's sessions
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t0 = time.perf_counter()
    out = run(paths)
    seconds = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "peak_mb": peak, "growth_mb": peak - before,
                      "faces": sum(len(o) for o in out)}))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=64, help="photos (SFEW Train's first)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--paths", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, json.loads(Path(args.paths).read_text()))
        return
    with tempfile.TemporaryDirectory(prefix="emosk-photo-memory-") as folder:
        paths = write_photos(folder, args.n)
        listing = Path(folder) / "paths.json"
        listing.write_text(json.dumps(paths))
        results = {}
        for label, how in SYSTEMS.items():
            done = subprocess.run([sys.executable, __file__, "--child", how, "--paths",
                                   str(listing)], capture_output=True, text=True, check=True)
            results[label] = json.loads(done.stdout.strip().splitlines()[-1])
            print(label, results[label], flush=True)
    base = results[next(iter(SYSTEMS))]
    rows = [[label, f"{r['seconds']:.1f}", f"{args.n / r['seconds']:.2f}",
             f"{base['seconds'] / r['seconds']:.2f}", f"{r['peak_mb']:.0f}",
             f"{r['growth_mb']:.0f}", f"{r['growth_mb'] / max(base['growth_mb'], 1):.1f}",
             r["faces"]] for label, r in results.items()]
    body = (f"{args.n} of SFEW Train's faces enlarged to {SIZE[0]}x{SIZE[1]} and read from "
            "JPEG files, the default model and photo path, each system in its own process "
            "(warmed up on two photos first).  Speed vs the baseline: its seconds over the "
            "system's; growth: peak resident memory over the warmed-up process's.\n\n"
            + markdown_table(["system", "seconds", "photos/s", "speed vs baseline",
                              "peak MB", "growth MB", "growth vs baseline", "faces"], rows))
    write_result("photo_memory", "Photo paths on 12-megapixel files: memory and speed",
                 body)


if __name__ == "__main__":
    main()

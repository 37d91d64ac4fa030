"""Photos per second: emosk's photo paths against the fer peer, in the same run.

    EMOSK_DATA=../shared/data EMOSK_WEIGHTS=../shared/weights \\
        python benchmarks/photo_speed.py --fer-python ~/fer-venv/bin/python

The photos are NHFI's hold-out part (804 gray 96x96 in-the-wild photos, the set
of ``real_faces.py``), the same photos enlarged to 128x128 (the size of the
held-out photos of issue #25, which this project does not have: a larger photo
costs both detectors more) and SFEW Train (859 RGB movie crops of 143x181).  Every
system finds the faces itself and classifies the whole photo when it finds
none (emosk: ``no_face="whole-image"``, no test-time views; fer:
``detect_emotions``, then again on the whole photo), with its model loaded
once before the clock starts:

- emosk, one call per photo: :func:`emosk.pretrained.predict_image` in a loop;
- emosk, many photos: :func:`emosk.pretrained.predict_images` (with the
  network run by ONNX Runtime: three worker threads on the 2 cores, each
  reading, finding, cropping and classifying 16 photos at a time on one
  thread, RetinaFace on the same-size ones at once; else, and in the row
  with ``n_workers=1``, faces found in a background thread while the network
  runs in batches of 64 on torch's threads);

  each for the systems of ``SYSTEMS``: the default model on the default
  photo path (RetinaFace's five points, run by ONNX Runtime, the ``onnx``
  extra) with its network run by ONNX Runtime (a photo's faces on one
  thread, and on two), by torch, and as its shipped
  int8 graph (``load(precision="int8")``), the default path with the
  one-thread pipeline of ``predict_images`` (``n_workers=1``, the batched
  path before the workers), the 64 px default model before
  it (``PREVIOUS_DEFAULT``), the photo path before it (dlib's
  HOG, upsampled, and its 68 landmarks), the compact
  ``fer2013`` model, and the 64 px model's int8 graph (the fastest network
  shipped for RetinaFace's path);
- fer 25.10.3 in its own venv (``fer_peer.py``), timed by its own clock, without
  its interpreter's and TensorFlow's start.

The emosk rows are run ``--repeat`` times and the best is kept (the machine
is shared); fer runs once per repeat too.  A photo's faces go through the
network on one thread, or on two spinning ones in the row that asks for them
(:func:`emosk.nn.small_batch_threads`), which pay only while the second core
is free: the run first times the network on one face on one thread and on
two, to say which phase it ran in.  Also given: emosk's time split
into finding the faces (:class:`~emosk.face.FaceFinder` alone) and the
network (the crops classified in batches, and each photo's crops on their
own as one call per photo classifies them); finding plus the network one
photo at a time is a floor under one call per photo, which leaves out
reading, cropping and building the answer, and it is set beside fer's whole
call.
"""

import argparse
import time

import numpy as np
from _common import PREVIOUS_DEFAULT, markdown_table, write_result
from real_faces import FerPeer

from emosk.datasets import load_nhfi, load_sfew, nhfi_holdout
from emosk.face import FaceFinder, resize_faces
from emosk.nn import DEFAULT_MODEL, small_batch_threads
from emosk.pretrained import (
    image_aligner,
    load,
    predict_image,
    predict_images,
)

#: The emosk systems timed: label -> (shipped model, runtime, precision,
#: photo-path settings[, options: ``threads`` on a photo's faces,
#: ``n_workers`` of predict_images]).  The first two are the
#: default model's default photo path (RetinaFace's five points, run by ONNX
#: Runtime in both) with the network run by ONNX Runtime and by torch; the
#: third runs a photo's faces on two spinning threads instead of one
#: (:func:`emosk.nn.small_batch_threads`); the fourth runs predict_images as
#: the one-thread pipeline instead of workers; the fifth runs the model's
#: shipped int8 graph (``load(precision="int8")``); the sixth is the 64 px
#: default model before the 80 px one; the seventh is the photo path of an
#: earlier release (dlib's HOG, upsampled, and its 68 landmarks).
SYSTEMS = {
    "default path, ONNX Runtime": (DEFAULT_MODEL, "onnxruntime", "float32", {}),
    "default path, network run by torch": (DEFAULT_MODEL, "torch", "float32", {}),
    "default path, ONNX Runtime, a photo's faces on two threads (small_batch_threads(2))":
        (DEFAULT_MODEL, "onnxruntime", "float32", {}, {"threads": 2}),
    "default path, ONNX Runtime, predict_images as one thread finding faces while the "
    "network runs on two (n_workers=1)":
        (DEFAULT_MODEL, "onnxruntime", "float32", {}, {"n_workers": 1}),
    "default path, int8 network (ONNX Runtime)": (DEFAULT_MODEL, "onnxruntime", "int8", {}),
    f"the 64 px default before it (`{PREVIOUS_DEFAULT}`), default path, ONNX Runtime":
        (PREVIOUS_DEFAULT, "onnxruntime", "float32", {}),
    "dlib HOG + 68 landmarks, ONNX Runtime": (DEFAULT_MODEL, "onnxruntime", "float32",
                                              {"detector": "dlib-hog"}),
    "compact `fer2013`, default path, ONNX Runtime": ("fer2013", "onnxruntime", "float32",
                                                      {}),
    f"the 64 px `{PREVIOUS_DEFAULT}`'s int8 graph, default path (the fastest network "
    "shipped with RetinaFace's path)": (PREVIOUS_DEFAULT, "onnxruntime", "int8", {}),
}


def photo_sets():
    nhfi = load_nhfi(drop_contempt=True)
    _, test = nhfi_holdout(nhfi.groups)
    return {"NHFI hold-out (804, 96x96 gray)": list(nhfi.images[test]),
            "NHFI hold-out enlarged (804, 128x128 gray)":
                list(resize_faces(nhfi.images[test], 128)),
            "SFEW Train (859, 143x181 RGB)": list(load_sfew(subset="Train").images)}


def _best(fn, repeat):
    """The shortest of ``repeat`` runs of ``fn()``, in seconds, and its output."""
    best, out = np.inf, None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def emosk_rows(system, photos, repeat):
    """Seconds of the loop, of the batch call and of the two stages."""
    name, runtime, precision, params, *options = system
    options = options[0] if options else {}
    with small_batch_threads(options.get("threads", 1)):
        return _emosk_rows(name, runtime, precision, params, photos, repeat,
                           options.get("n_workers"))


def _emosk_rows(name, runtime, precision, params, photos, repeat, n_workers):
    model = load(name, tta=False, runtime=runtime, precision=precision)
    aligner = image_aligner(name, **params).fit()
    finder = FaceFinder(aligner)
    kwargs = {"model": model, "aligner": aligner, "no_face": "whole-image"}
    # warm up: the first forward passes, thread pools, ONNX graphs (exported once)
    predict_images(photos[:70], **kwargs, n_workers=n_workers)
    loop, _ = _best(lambda: [predict_image(p, **kwargs) for p in photos], repeat)
    batch, out = _best(lambda: predict_images(photos, **kwargs, n_workers=n_workers),
                       repeat)
    find, faces = _best(lambda: [finder.find(np.asarray(p)) for p in photos], repeat)
    crops = np.stack([finder.crop(np.asarray(p), f[0]) if f else finder.crop_whole(
        np.asarray(p)) for p, f in zip(photos, faces, strict=True)])
    net, _ = _best(lambda: model.predict_proba(crops), repeat)
    # the network as one call per photo runs it: each photo's faces on their own
    each = [crops[i:i + 1] for i in range(len(crops))]
    net_each, _ = _best(lambda: [model.predict_proba(c) for c in each], repeat)
    found = np.mean([any(f["found"] for f in o) for o in out])
    return {"loop": loop, "batch": batch, "find": find, "network": net,
            "network_each": net_each, "found": found}


def fer_seconds(peer, photos, repeat):
    best, found = np.inf, None
    for _ in range(repeat):
        _, found = peer.photos(photos)
        best = min(best, peer.seconds)
    return best, float(np.mean(found))


def one_face_ms(n_calls=1000):
    """Median milliseconds of the default network (ONNX Runtime) on one face,
    on one thread and on the two spinning threads a photo's faces get
    (:func:`emosk.nn.small_batch_threads`), taken in turn: the second core's
    state during the run, which decides whether two threads pay."""
    model = load(DEFAULT_MODEL, tta=False, runtime="onnxruntime")
    side = model.net_.module_.input.size
    face = np.random.default_rng(0).integers(0, 256, (1, side, side, 3), dtype=np.uint8)
    times = {1: [], 2: []}
    for _ in range(4):
        for threads, kept in times.items():
            with small_batch_threads(threads):
                for _ in range(50):  # warm up
                    model.predict_proba(face)
                for _ in range(n_calls // 4):
                    t0 = time.perf_counter()
                    model.predict_proba(face)
                    kept.append(time.perf_counter() - t0)
    return {threads: 1000 * float(np.median(kept)) for threads, kept in times.items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--fer-python", default=None,
                        help="the Python of a venv with fer 25.10.3 (the peer)")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    sets = photo_sets()
    probe = one_face_ms()
    rows, stages = [], []
    for title, photos in sets.items():
        n = len(photos)
        fer = fer_seconds(FerPeer(args.fer_python), photos, args.repeat) \
            if args.fer_python else None
        for label, system in SYSTEMS.items():
            r = emosk_rows(system, photos, args.repeat)
            for how, key in (("one call per photo (predict_image)", "loop"),
                             ("many photos (predict_images)", "batch")):
                ratio = "-" if fer is None else f"{fer[0] / r[key]:.2f}"
                rows.append([title, f"emosk, {label}: {how}", f"{n / r[key]:.1f}",
                             ratio, f"{r['found']:.0%}"])
            floor = r["find"] + r["network_each"]
            stages.append([title, label, f"{1000 * r['find'] / n:.2f}",
                           f"{1000 * r['network'] / n:.2f}",
                           f"{1000 * r['network_each'] / n:.2f}", f"{1000 * floor / n:.2f}",
                           "-" if fer is None else f"{fer[0] / floor:.2f}",
                           f"{1000 * r['loop'] / n:.2f}", f"{1000 * r['batch'] / n:.2f}"])
            print(rows[-2], rows[-1], stages[-1], flush=True)
        if fer is not None:
            rows.append([title, "fer 25.10.3 (peer), `detect_emotions` per photo",
                         f"{n / fer[0]:.1f}", "1.00", f"{fer[1]:.0%}"])
            stages.append([title, "fer 25.10.3 (peer), its whole call", "-", "-", "-", "-",
                           "1.00", f"{1000 * fer[0] / n:.2f}", "-"])
    body = (
        "Photos per second, the model and detector loaded once; the ratio is fer's "
        "seconds over the system's on the same photos in the same run (above 1: "
        "faster than fer). Best of "
        f"{args.repeat} runs each.\n\n"
        + markdown_table(["photos", "system", "photos/s", "speed vs fer", "face found"],
                         rows)
        + f"\n\nThe default model is `{DEFAULT_MODEL}`.  emosk's milliseconds per "
          "photo by stage: finding the faces (`FaceFinder.find`: the detector, and "
          "dlib's landmarks where the path fits them), the network on the crops "
          "in one batch and on each photo's crops in turn (as one call per photo "
          "runs it), the sum of finding and the network one photo at a time (a "
          "floor for one call per photo: no reading, cropping or answer "
          "building) with fer's whole call over it (below 1: those two stages "
          "alone take longer than fer's whole call), beside the two whole paths:\n\n"
        + markdown_table(["photos", "system", "find faces", "network (batched)",
                          "network (one photo at a time)", "find + network, one photo "
                          "at a time", "fer's call over it", "predict_image loop",
                          "predict_images"], stages)
        + "\n\nThe default network alone on one face before the photos (ONNX Runtime, "
          "median of 1,000 calls): "
          f"{probe[1]:.2f} ms on one thread (the default), {probe[2]:.2f} ms on two "
          "spinning threads (`emosk.nn.small_batch_threads(2)`): two threads pay only "
          "while the second core is free, so this says which phase the run was in.")
    write_result("photo_speed", "Photos per second: emosk and the fer peer", body)


if __name__ == "__main__":
    main()

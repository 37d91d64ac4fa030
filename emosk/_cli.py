"""The commands of ``emosk``: predict, demo, evaluate, extract, train-audio."""

import csv
import io
import json
import sys
from pathlib import Path

import numpy as np

from .pretrained import (
    face_aligner,
    image_aligner,
    load,
    plot_faces,
    plot_timeline,
    predict_image,
    predict_video,
)

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp", ".pgm", ".ppm"}


class CommandError(Exception):
    """A problem with the command line's input, reported without a traceback."""


def is_image_file(path):
    """True when the suffix is an image format (everything else is tried as a video)."""
    return Path(path).suffix.lower() in IMAGE_SUFFIXES


def _fmt(v):
    return "" if v is None or (isinstance(v, float) and not np.isfinite(v)) else round(v, 4)


def image_rows(path, faces):
    """CSV/JSON rows of one image's faces."""
    return [{"source": str(path), "kind": "face", "index": f["face"], "time": None,
             "found": f["found"], "box": [round(v, 1) for v in f["box"]],
             "score": _fmt(f["score"]), "emotion": f["emotion"],
             "probabilities": {k: round(v, 4) for k, v in f["probabilities"].items()}}
            for f in faces]


def video_rows(result):
    """Rows of one video: one per analysed frame, then the clip's."""
    rows = []
    for i in range(len(result["frame"])):
        p = result["probabilities"][i]
        rows.append({"source": result["source"], "kind": "frame",
                     "index": int(result["frame"][i]), "time": _fmt(result["time"][i]),
                     "found": bool(result["found"][i]),
                     "box": [_fmt(v) for v in result["box"][i]], "score": "",
                     "emotion": result["classes"][int(np.argmax(p))],
                     "probabilities": dict(zip(result["classes"], np.round(p, 4).tolist()))})
    p = result["clip_probabilities"]
    rows.append({"source": result["source"], "kind": "clip", "index": "", "time": "",
                 "found": bool(result["found"].any()), "box": [], "score": "",
                 "emotion": result["emotion"],
                 "probabilities": dict(zip(result["classes"], np.round(p, 4).tolist()))})
    return rows


def audio_rows(source, face, audio, classes):
    """The audio model's row and the fused row (mean of the face clip's and the audio's
    probabilities, over the face model's classes)."""
    audio = {c: round(float(audio.get(c, 0.0)), 4) for c in classes}
    fused = {c: round((float(face[c]) + audio[c]) / 2, 4) for c in classes}
    common = {"source": str(source), "index": "", "time": "", "found": "", "box": [],
              "score": ""}
    return [{**common, "kind": kind, "emotion": max(p, key=p.get), "probabilities": p}
            for kind, p in (("audio", audio), ("fused", fused))]


def load_saved_model(path, what="audio model"):
    """A fitted estimator saved with joblib, bare or as ``{"model": estimator, ...}``
    (what ``emosk train-audio`` writes).  Unpickling runs code: load only trusted files."""
    import joblib

    try:
        saved = joblib.load(path)
    except FileNotFoundError as err:
        raise CommandError(f"{what.capitalize()} {path} not found.") from err
    except Exception as err:  # noqa: BLE001 - any unpickling failure
        raise CommandError(f"Cannot read {what} {path}: {err}") from err
    model = saved.get("model") if isinstance(saved, dict) else saved
    if not hasattr(model, "predict_proba"):
        raise CommandError(f"{path} holds no fitted classifier with predict_proba.")
    return model


def load_audio_model(path):
    """A classifier saved by ``emosk train-audio``."""
    return load_saved_model(path, "audio model")


def _evaluation_model(name):
    """A shipped model's name, or a joblib file of a fitted face classifier."""
    from .pretrained import available_models

    if name in available_models():
        return load(name)
    return load_saved_model(name, "model")


def _audio_probabilities(audio_model, path):
    proba = audio_model.predict_proba([str(path)])[0]
    return dict(zip((str(c) for c in audio_model.classes_), proba.tolist()))


def error_row(path, err):
    return {"source": str(path), "kind": "error", "index": "", "time": "", "found": "",
            "box": [], "score": "", "emotion": "", "probabilities": {},
            "error": f"{type(err).__name__}: {err}"}


def render(rows, fmt, classes):
    """Rows as CSV (one column per class) or JSON text."""
    if fmt == "json":
        return json.dumps(rows, indent=1) + "\n"
    buf = io.StringIO()
    fields = ["source", "kind", "index", "time", "found", "x0", "y0", "x1", "y1", "score",
              "emotion", *classes, "error"]
    writer = csv.DictWriter(buf, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    for r in rows:
        flat = {k: r.get(k, "") for k in fields}
        flat.update(dict(zip(["x0", "y0", "x1", "y1"], r["box"] or [""] * 4)))
        flat.update(r["probabilities"])
        writer.writerow(flat)
    return buf.getvalue()


def _check_free(path, overwrite):
    if path is not None and Path(path).exists() and not overwrite:
        raise CommandError(f"{path} exists; pass --overwrite to replace it.")


def _plot_path(plot_dir, source, suffix):
    return Path(plot_dir) / f"{Path(source).stem}_{suffix}.png"


def predict_paths(paths, *, model="fer2013", fps=None, plot_dir=None, overwrite=False,
                  audio_model=None, progress=True, log=sys.stderr):
    """Run a shipped model on image and video files; unreadable ones become error rows.

    With ``audio_model`` (a classifier of file paths), every video's sound is
    classified too, and its probabilities averaged with the face clip's (the
    score averaging of Knyazev et al. 2017): rows ``audio`` and ``fused``.

    Returns
    -------
    rows : list of dict
    failed : list of str
        The paths that could not be processed.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt


    clf = load(model)
    per_image = image_aligner(model).fit()
    per_video = face_aligner(model, fps=fps).fit()
    if plot_dir is not None:
        Path(plot_dir).mkdir(parents=True, exist_ok=True)
        for p in paths:  # refuse before doing any work
            _check_free(_plot_path(plot_dir, p, "faces" if is_image_file(p) else
                                   "timeline"), overwrite)
    rows, failed = [], []
    items = paths
    if progress and len(paths) > 1:
        from tqdm.auto import tqdm

        items = tqdm(paths, desc="emosk predict", file=log)
    for path in items:
        try:
            if is_image_file(path):
                faces = predict_image(path, model=clf, aligner=per_image)
                rows += image_rows(path, faces)
                if plot_dir is not None:
                    plt.close(plot_faces(path, faces, _plot_path(plot_dir, path, "faces")))
            else:
                result = predict_video(path, model=clf, aligner=per_video)
                rows += video_rows(result)
                if audio_model is not None:
                    face = dict(zip(result["classes"], result["clip_probabilities"]))
                    rows += audio_rows(path, face, _audio_probabilities(audio_model, path),
                                       result["classes"])
                if plot_dir is not None:
                    plt.close(plot_timeline(result, _plot_path(plot_dir, path, "timeline")))
        except (OSError, ValueError, RuntimeError) as err:
            rows.append(error_row(path, err))
            failed.append(str(path))
            print(f"emosk predict: skipped {path}: {err}", file=log)
    return rows, failed, [str(c) for c in clf.classes_]


def cmd_predict(args):
    """``emosk predict``."""
    paths = [Path(p) for p in args.paths]
    if not paths:
        raise CommandError("Give at least one image or video file (or run `emosk demo`).")
    _check_free(args.output, args.overwrite)
    audio_model = load_audio_model(args.audio_model) if args.audio_model else None
    rows, failed, classes = predict_paths(paths, model=args.model, fps=args.fps,
                                          plot_dir=args.plot, overwrite=args.overwrite,
                                          audio_model=audio_model)
    text = render(rows, args.format, classes)
    if args.output:
        Path(args.output).write_text(text)
        print(f"wrote {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    if failed:
        print(f"emosk predict: {len(failed)} of {len(paths)} inputs failed: "
              + ", ".join(failed), file=sys.stderr)
        return 1
    return 0


def make_demo_video(image, path, *, center, seconds=3.0, fps=10, size=320):
    """A short video made from one photo: a slow zoom and a sway of +-12 degrees
    around ``center``, then the mirrored photo; written with PyAV (MPEG-4)."""
    import av
    import cv2

    n = int(seconds * fps)
    with av.open(str(path), "w") as container:
        stream = container.add_stream("mpeg4", rate=fps)
        stream.width = stream.height = size
        stream.pix_fmt = "yuv420p"
        for i in range(n):
            u = i / max(n - 1, 1)
            angle, scale = 12 * np.sin(2 * np.pi * u), 0.8 + 0.5 * u
            m = cv2.getRotationMatrix2D(tuple(map(float, center)), angle, scale)
            m[:, 2] += np.array([size / 2, size / 2]) - np.asarray(center)
            frame = cv2.warpAffine(image, m, (size, size), borderMode=cv2.BORDER_REFLECT)
            if u > 0.7:
                frame = frame[:, ::-1].copy()
            container.mux(stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")))
        container.mux(stream.encode())
    return path


def _print_faces(path, faces, out):
    print(f"{path}: {len(faces) if faces[0]['found'] else 0} face(s)", file=out)
    for f in faces:
        box = ", ".join(f"{v:.0f}" for v in f["box"])
        probs = "  ".join(f"{k} {v:.2f}" for k, v in f["probabilities"].items())
        where = f"box ({box})" if f["found"] else "no face: whole image"
        print(f"  face {f['face']}: {where} -> {f['emotion'].upper()}\n    {probs}", file=out)


def cmd_demo(args):
    """``emosk demo``: the shipped model on a real photo and a video made from it."""
    import matplotlib

    matplotlib.use("Agg")
    import cv2
    import matplotlib.pyplot as plt
    from skimage import data


    out = Path(args.out)
    names = ["astronaut.png", "astronaut_faces.png", "astronaut_video.mp4",
             "astronaut_video_timeline.png"]
    for name in names:
        _check_free(out / name, args.overwrite)
    out.mkdir(parents=True, exist_ok=True)
    photo = data.astronaut()  # NASA portrait of Eileen Collins, public domain
    cv2.imwrite(str(out / names[0]), cv2.cvtColor(photo, cv2.COLOR_RGB2BGR))
    print("emosk demo: the shipped FER2013 model (emosk.pretrained.load('fer2013')) on "
          "skimage.data.astronaut(), a real photograph, and on a video made from it.")
    model = load("fer2013")
    faces = predict_image(out / names[0], model=model,
                          aligner=image_aligner("fer2013").fit())
    _print_faces(out / names[0], faces, sys.stdout)
    plt.close(plot_faces(out / names[0], faces, out / names[1]))
    print(f"  annotated image: {out / names[1]}")
    x0, y0, x1, y1 = faces[0]["box"]
    make_demo_video(photo, out / names[2], center=((x0 + x1) / 2, (y0 + y1) / 2))
    result = predict_video(out / names[2], model=model,
                           aligner=face_aligner("fer2013").fit())
    clip = "  ".join(f"{k} {v:.2f}" for k, v in zip(result["classes"],
                                                       result["clip_probabilities"]))
    print(f"{out / names[2]}: {len(result['frame'])} frames, face found in "
          f"{int(result['found'].sum())}; clip -> {result['emotion'].upper()}\n    {clip}")
    plt.close(plot_timeline(result, out / names[3]))
    print(f"  timeline: {out / names[3]}")
    return 0


def cmd_evaluate(args):
    """``emosk evaluate``: a shipped model on a labelled face data set."""
    import matplotlib

    matplotlib.use("Agg")
    from .datasets import load_ckplus48, load_fer2013
    from .metrics import (
        per_class_recall,
        plot_confusion_matrix,
        unweighted_average_recall,
    )

    for path in (args.output, args.plot):
        _check_free(path, args.overwrite)
    if args.data == "fer2013":
        data = load_fer2013(subset=args.subset or "PublicTest")
        faces, y = data.images, data.target_names[data.target]
    else:  # CK+48: the last (apex) frame of every sequence
        data = load_ckplus48()
        faces = np.stack([clip[-1] for clip in data.images])
        y = data.target_names[data.target]
    if args.max_samples:
        keep = np.random.default_rng(0).permutation(len(y))[: args.max_samples]
        faces, y = faces[keep], y[keep]
    pred = _evaluation_model(args.model).predict(faces)
    labels = sorted(set(y) | set(pred))
    report = {"model": args.model, "data": args.data, "subset": args.subset,
              "n": int(len(y)), "accuracy": round(float(np.mean(pred == y)), 4),
              "uar": round(float(unweighted_average_recall(y, pred)), 4),
              "per_class_recall": {k: round(float(v), 4) for k, v in
                                   per_class_recall(y, pred, labels=sorted(set(y))).items()}}
    text = json.dumps(report, indent=1) + "\n"
    if args.output:
        Path(args.output).write_text(text)
    sys.stdout.write(text)
    if args.plot:
        disp = plot_confusion_matrix(y, pred, labels=labels)
        disp.figure_.savefig(args.plot, dpi=100, bbox_inches="tight")
        print(f"confusion matrix: {args.plot}", file=sys.stderr)
    return 0


def cmd_extract(args):
    """``emosk extract``: aligned faces or per-frame CNN features of videos, one .npz each."""
    from .face import FaceAligner
    from .nn import CNNFeaturizer
    from .video import default_aligner

    out = Path(args.out)
    targets = [out / f"{Path(p).stem}.npz" for p in args.paths]
    if len(set(targets)) < len(targets):
        raise CommandError("Two inputs share a file name; extract them into different "
                           "folders.")
    for t in targets:
        _check_free(t, args.overwrite)
    out.mkdir(parents=True, exist_ok=True)
    if args.what == "features":
        aligner = default_aligner(args.backbone).set_params(fps=args.fps).fit()
    else:
        aligner = FaceAligner(mode=args.mode, size=args.size, fps=args.fps).fit()
    featurizer = CNNFeaturizer(args.backbone).fit() if args.what == "features" else None
    failed = []
    for path, target in zip(args.paths, targets):
        try:
            faces, report = aligner.transform_with_report([str(path)])
            arrays = {"faces": faces[0]} if featurizer is None else {
                "features": featurizer.transform(faces)[0].astype(np.float32)}
            np.savez_compressed(target, **arrays, frame=report[0]["frame"],
                                found=report[0]["found"], box=report[0]["box"])
            print(f"{path} -> {target} ({len(report[0]['frame'])} frames, face in "
                  f"{int(report[0]['found'].sum())})", file=sys.stderr)
        except (OSError, ValueError, RuntimeError) as err:
            failed.append(str(path))
            print(f"emosk extract: skipped {path}: {err}", file=sys.stderr)
    if failed:
        print(f"emosk extract: {len(failed)} of {len(targets)} inputs failed: "
              + ", ".join(failed), file=sys.stderr)
        return 1
    return 0


def cmd_train_audio(args):
    """``emosk train-audio``: the IS10 audio SVM fitted on RAVDESS, saved with joblib."""
    import joblib

    from . import __version__
    from .audio import make_audio_pipeline
    from .datasets import load_ravdess

    _check_free(args.out, args.overwrite)
    data = load_ravdess()
    y = data.target_names[data.target]
    model = make_audio_pipeline(args.feature_set, probability=True, random_state=0,
                                n_jobs=args.n_jobs, cache=args.cache)
    print(f"emosk train-audio: {args.feature_set} features of {len(y)} RAVDESS "
          "utterances, then a calibrated linear SVM ...", file=sys.stderr)
    model.fit([str(p) for p in data.filenames], y)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    joblib.dump({"model": model, "emosk_version": __version__, "data": "ravdess",
                 "classes": [str(c) for c in model.classes_]}, args.out)
    best_c = model.named_steps["svm"].best_params_
    print(f"wrote {args.out} (classes {', '.join(map(str, model.classes_))}; {best_c})",
          file=sys.stderr)
    return 0

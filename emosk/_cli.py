"""The commands of ``emosk``: predict, demo, evaluate, extract, train-audio.

Arguments arrive already checked by the parser (``emosk.__main__``); each
command checks its output paths before reading any input and imports its heavy
modules (torch, dlib, openSMILE) only when it runs.
"""

import csv
import glob
import io
import json
import os
import sys
from collections import Counter
from pathlib import Path, PurePath

import numpy as np

from . import __version__
from .audio import make_audio_pipeline
from .datasets import load_ckplus48, load_fer2013, load_ravdess, make_demo_video
from .face import FaceAligner, face_path_params
from .io import IMAGE_SUFFIXES, VIDEO_SUFFIXES, media_kinds
from .metrics import evaluation_report, plot_confusion_matrix
from .nn import DEFAULT_MODEL, PRETRAINED
from .pretrained import (
    FILE_ERRORS,
    available_models,
    error_row,
    flat_rows,
    load,
    load_model_file,
    plot_faces,
    plot_timeline,
    predict_files,
    predict_image,
    predict_video,
)
from .pretrained import load_audio_model as load_named_audio_model
from .utils import progress_bar


class CommandError(Exception):
    """A problem with the command line's input, reported without a traceback."""


_GLOB_CHARACTERS = set("*?[")


def is_image_file(path):
    """True when the suffix is an image format (everything else is tried as a video)."""
    return Path(path).suffix.lower() in IMAGE_SUFFIXES


def _walk(folder, recursive, skipped):
    """The files of ``folder`` (and of its sub-folders with ``recursive``), sorted;
    sub-folders not entered and hidden folders are counted in ``skipped``."""
    def cannot_list(err):
        raise CommandError(f"Cannot list folder {err.filename}: {err.strerror or err}.")

    files = []
    for top, folders, names in os.walk(folder, onerror=cannot_list):
        skipped["hidden folder"] += sum(d.startswith(".") for d in folders)
        visible = [d for d in folders if not d.startswith(".")]
        if not recursive:
            skipped["sub-folder"] += len(visible)
            visible = []
        folders[:] = visible
        files += [Path(top) / n for n in names]
    return sorted(files)


def _media_in(folder, recursive, skipped):
    """The images and videos of one folder as (path, path relative to the folder);
    a CommandError when it has none.  Other files are counted in ``skipped``."""
    found, here = [], Counter()
    for path in _walk(folder, recursive, here):
        suffix = path.suffix.lower()
        if path.name.startswith("."):
            here["hidden file"] += 1
        elif suffix in IMAGE_SUFFIXES or suffix in VIDEO_SUFFIXES:
            found.append((path, PurePath(path.relative_to(folder))))
        else:
            here[suffix or "suffixless file"] += 1
    here = +here  # drop the kinds counted 0 times
    if not found:
        seen = f" (it has: {describe_skipped(here)})" if here else " (it is empty)"
        raise CommandError(f"Folder {folder} holds no image or video file{seen}.")
    skipped.update(here)
    return found


def describe_skipped(skipped):
    """What :func:`expand_inputs` left out, in words: '2 .txt, 3 sub-folders (...)'."""
    said = ", ".join(f"{n} {what}{'s' if n > 1 and not what.startswith('.') else ''}"
                     for what, n in sorted(skipped.items()) if n)
    return said + (" (--recursive enters sub-folders)" if skipped["sub-folder"] else "")


def expand_inputs(paths, *, recursive=False):
    """The files that ``emosk predict`` and ``emosk extract`` process.

    Each of ``paths`` is

    - a folder: its images (suffix in ``IMAGE_SUFFIXES``) and videos (in
      ``VIDEO_SUFFIXES``), sorted by path; with ``recursive``, those of its
      sub-folders too.  Other files, hidden files and folders (name starting
      with a dot) and, without ``recursive``, sub-folders are left out and
      counted.  A folder without any image or video is a ``CommandError``;
    - a glob pattern that is not an existing file's name (``clips/*.mp4``;
      ``**`` matches any depth): expanded as a shell would, sorted, a folder
      among the matches taken as above.  A pattern matching nothing is a
      ``CommandError``;
    - anything else: kept as it is, whatever its suffix (``emosk predict``
      then sorts it by its content, :func:`~emosk.io.media_kind`; a missing or
      unreadable file fails there, before any model loads).

    A file reached twice is kept once, where it came first.

    Returns
    -------
    files : list of (Path, PurePath)
        Each file, and the name its outputs take: its path relative to the
        folder it was found in, else its file name.
    skipped : collections.Counter
        What the folders held that was left out, by suffix or kind.
    """
    files, skipped = {}, Counter()
    for given in paths:
        path = Path(given)
        if path.is_dir():
            found = _media_in(path, recursive, skipped)
        elif not path.exists() and _GLOB_CHARACTERS & set(str(given)):
            matches = [Path(m) for m in sorted(glob.glob(str(given), recursive=True))]
            if not matches:
                raise CommandError(f"{str(given)!r} matches no file.")
            found = []
            for match in matches:
                found += (_media_in(match, recursive, skipped) if match.is_dir()
                          else [(match, PurePath(match.name))])
        else:
            found = [(path, PurePath(path.name))]
        for file, name in found:
            files.setdefault(file, name)
    return list(files.items()), skipped


def _command_error(err):
    """A library error about the command's arguments (a model file, a model
    pair) as the CommandError ``emosk`` prints without a traceback."""
    return CommandError(str(err))


def load_saved_model(path, what="audio model"):
    """:func:`~emosk.pretrained.load_model_file`, its errors as CommandError."""
    try:
        return load_model_file(path, what)
    except (OSError, ValueError) as err:
        raise _command_error(err) from err


def load_audio_model(name):
    """The audio model of ``--audio-model``
    (:func:`~emosk.pretrained.load_audio_model`), its errors as CommandError."""
    try:
        return load_named_audio_model(name)
    except (OSError, ValueError) as err:
        raise _command_error(err) from err


def _evaluation_model(name):
    """A shipped model's name, or a joblib file of a fitted face classifier."""
    if name in available_models():
        return load(name)
    return load_saved_model(name, "model")


def output_format(output, fmt=None):
    """``fmt`` when given, else from the output's extension (.json -> json), else csv."""
    if fmt is not None:
        return fmt
    return "json" if output is not None and Path(output).suffix.lower() == ".json" else "csv"


def render(rows, fmt, classes):
    """Rows as CSV (one column per class) or JSON text."""
    if fmt == "json":
        return json.dumps(rows, indent=1) + "\n"

    fields, flat = flat_rows(rows, classes)
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    for row in flat:
        writer.writerow({k: "" if v is None else v for k, v in row.items()})
    return buf.getvalue()


def _check_free(path, overwrite):
    """Refuse an existing output unless ``overwrite``, and an output that cannot be
    written (its folder read-only or not creatable, or a folder in its place)."""
    if path is None:
        return
    path = Path(path)
    try:
        if path.is_dir():
            raise CommandError(f"{path} is a folder; give a file name.")
        if path.exists() and not overwrite:
            raise CommandError(f"{path} exists; pass --overwrite to replace it.")
    except OSError as err:  # e.g. a name too long for the file system
        raise CommandError(f"Cannot write {path}: {err.strerror or err}.") from err
    _check_can_create(path.parent, f"Cannot write {path}")


def _check_can_create(folder, what):
    """The folder exists and is writable, or can be created in a writable folder."""
    folder = Path(folder)
    try:
        while not folder.exists() and folder != folder.parent:
            folder = folder.parent
    except OSError as err:
        raise CommandError(f"{what}: {err.strerror or err}.") from err
    if not folder.is_dir():
        raise CommandError(f"{what}: {folder} is not a folder.")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise CommandError(f"{what}: folder {folder} is not writable.")


def make_folders(*paths):
    """Create the folders of output files before any work (``emosk predict -o
    new/sub/out.csv``); a CommandError if one cannot be made.

    Returns
    -------
    list of Path
        The folders made, deepest first: :func:`remove_empty_folders` takes
        them away again if the command then stops on a usage error.
    """
    made = []
    for path in paths:
        if path is None:
            continue
        folder = Path(path).parent
        missing = []
        while not folder.exists():
            missing.append(folder)
            folder = folder.parent
        try:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            remove_empty_folders(made)
            raise CommandError(f"Cannot write {path}: {err.strerror or err}.") from err
        made = missing + made
    return made


def remove_empty_folders(folders):
    """Remove folders that :func:`make_folders` made, deepest first, while empty."""
    for folder in folders:
        try:
            folder.rmdir()
        except OSError:
            return


def _write_text(path, text):
    try:
        Path(path).write_text(text)
    except OSError as err:
        raise CommandError(f"Cannot write {path}: {err.strerror or err}.") from err


def _plot_path(plot_dir, name, suffix):
    """``plot_dir/<name without suffix>_<suffix>.png``; ``name`` may hold sub-folders."""
    name = PurePath(name)
    return Path(plot_dir) / name.parent / f"{name.stem}_{suffix}.png"


def _output_names(paths, names):
    """The output name of each path: ``names[path]``, else its file name."""
    names = names or {}
    return {p: PurePath(names.get(p, Path(p).name)) for p in paths}


def _refuse_shared_targets(targets, what):
    """A CommandError when two inputs would write the same file."""
    seen = {}
    for source, target in targets:
        if target in seen:
            raise CommandError(f"{seen[target]} and {source} would both write {target}; "
                               f"give them {what}.")
        seen[target] = source


def _check_plot_dir(plot_dir, paths, overwrite, names=None, kinds=None):
    """Check, before any work, that every plot of ``paths`` can be written;
    ``kinds`` maps a path to "image" or "video" (else its suffix decides)."""
    if plot_dir is None:
        return
    if Path(plot_dir).exists() and not Path(plot_dir).is_dir():
        raise CommandError(f"--plot {plot_dir} is a file; give a folder.")
    _check_can_create(plot_dir, f"Cannot write plots into {plot_dir}")
    names = _output_names(paths, names)
    kinds = kinds or {}
    plots = [(p, _plot_path(plot_dir, names[p], _plot_kind(p, kinds.get(p))))
             for p in paths]
    _refuse_shared_targets(plots, "different names or plot them in separate runs")
    for _, plot in plots:
        _check_free(plot, overwrite)


def _plot_kind(path, kind=None):
    """The plot of an image is ``faces``, that of a video ``timeline``."""
    image = kind == "image" if kind in ("image", "video") else is_image_file(path)
    return "faces" if image else "timeline"


def report_failure(path, err, log, bar=None):
    """One stderr line for an input that failed; the message names the file once.
    With a progress ``bar`` running, the line is written above it, not into it."""
    said = str(err) if str(path) in str(err) else f"{path}: {err}"
    if bar is None:
        print(f"emosk predict: {said}", file=log)
    else:
        bar.write(f"emosk predict: {said}", file=log)


def prepare_inputs(paths, *, plot_dir=None, overwrite=False, names=None):
    """Everything :func:`predict_paths` checks before any model loads.

    Sorts the inputs (:func:`~emosk.io.media_kinds`) and refuses a ``plot_dir`` that
    cannot take the plots of the usable ones (a CommandError).  Nothing is
    printed: usage errors come first, then :func:`report_unusable`.

    Returns
    -------
    dict
        Path to "image", "video" or the error that rules it out.
    """
    checked = media_kinds(paths)
    usable = [p for p in paths if isinstance(checked[p], str)]
    _check_plot_dir(plot_dir, usable, overwrite, names, checked)
    return checked


def report_unusable(checked, log):
    """Say once on ``log`` why each input :func:`prepare_inputs` ruled out is left out."""
    for path, kind in checked.items():
        if not isinstance(kind, str):
            report_failure(path, kind, log)


def _plot_tracks(result, plot_dir, name, overwrite, log):
    """With every face followed, one timeline per face beside the main one:
    ``<name>_face<k>_timeline.png`` (an existing one is kept unless ``overwrite``)."""
    import matplotlib.pyplot as plt


    for t in result.get("tracks", []):
        plot = _plot_path(plot_dir, name, f"face{t['track']}_timeline")
        if plot.exists() and not overwrite:
            print(f"emosk predict: kept the existing {plot} (use --overwrite)", file=log)
            continue
        plt.close(plot_timeline(result, plot, track=t["track"]))


def _plot_outputs(paths, results, fusions, plots, *, plot_dir, names, overwrite, log):
    """The plots of the files that succeeded: faces on images, timelines of
    videos (their titles state the row marked ``answer``); the files whose
    plot could not be written, with the error."""
    import matplotlib.pyplot as plt


    failed = {}
    for path in paths:
        if plots[path] is None or path not in results:
            continue
        try:
            plots[path].parent.mkdir(parents=True, exist_ok=True)
            if isinstance(results[path], list):  # an image's faces
                plt.close(plot_faces(path, results[path], plots[path]))
            else:
                plt.close(plot_timeline(results[path], plots[path],
                                        fusion=fusions.get(path)))
                _plot_tracks(results[path], plot_dir, names[path], overwrite, log)
        except FILE_ERRORS as err:
            failed[path] = err
    return failed


def predict_paths(paths, *, model=DEFAULT_MODEL, fps=None, plot_dir=None,
                  overwrite=False, audio_model=None, fuse="same-speaker", audio_weight=None,
                  same_speaker=False, no_face="skip", names=None, progress=False, log=None,
                  faces="main", face_path=None, tta=False, checked=None,
                  precision="float32", clip="mean"):
    """:func:`~emosk.pretrained.predict_files` on the inputs, then their plots.

    Before any model loads, each input is sorted into image, video or
    unusable (:func:`prepare_inputs`, then :func:`report_unusable`; unless
    ``checked`` gives that result, already said).  An input that fails later
    is said once on ``log`` and becomes an error row, as does one whose plot
    cannot be written.  ``names`` maps a path to the name of its plot,
    relative to ``plot_dir`` (by default the path's file name); ``progress``
    draws progress bars (on ``log`` over the inputs, on stderr over each
    video's frames).  The other arguments are :func:`~emosk.pretrained.predict_files`'s
    (``audio_weight`` is its ``voice_weight``).

    Returns
    -------
    rows : list of dict
    failed : list of str
        The paths that could not be processed.
    classes : list of str
    """
    import matplotlib

    matplotlib.use("Agg")
    from tqdm.auto import tqdm


    log = sys.stderr if log is None else log
    if checked is None:
        checked = prepare_inputs(paths, plot_dir=plot_dir, overwrite=overwrite,
                                 names=names)
        report_unusable(checked, log)
    names = _output_names(paths, names)
    if plot_dir is not None and any(isinstance(k, str) for k in checked.values()):
        Path(plot_dir).mkdir(parents=True, exist_ok=True)
    try:
        out = predict_files(paths, model=model, audio_model=audio_model, fps=fps,
                            faces=faces, face_path=face_path, tta=tta, no_face=no_face,
                            same_speaker=same_speaker, fuse=fuse, voice_weight=audio_weight,
                            kinds=checked, verbose=progress, precision=precision,
                            clip=clip,
                            on_error=lambda path, err: report_failure(path, err, log,
                                                                      tqdm if progress
                                                                      else None))
    except ValueError as err:  # the models do not go together (classes, no speaker step)
        raise _command_error(err) from err
    plots = {p: None if plot_dir is None else
             _plot_path(plot_dir, names[p], _plot_kind(p, checked[p])) for p in paths}
    unplotted = _plot_outputs(paths, out.results, out.fusions, plots, plot_dir=plot_dir,
                              names=names, overwrite=overwrite, log=log)
    for path, err in unplotted.items():
        report_failure(path, err, log)
    rows = [row for path in paths for row in
            ([error_row(path, unplotted[path])] if path in unplotted
             else out.file_rows[path])]
    failed = [str(p) for p in paths if p in out.failed or p in unplotted]
    return rows, failed, out.classes



def _is_model_file(audio_model):
    """``--audio-model`` names a file rather than "auto", "none" or a shipped model."""
    shipped = getattr(PRETRAINED.get(audio_model), "kind", None) == "audio"
    return audio_model not in (None, "auto", "none") and not shipped


def _fuse_option(args):
    """``--fuse``, whose default is "same-speaker", or "always" when
    ``--audio-weight`` is given alone."""
    if args.fuse is not None:
        return args.fuse
    return "same-speaker" if args.audio_weight is None else "always"


def _show_progress(args):
    """Progress bars on stderr: only on a terminal, and not with ``--quiet``."""
    return not args.quiet and sys.stderr.isatty()


def cmd_predict(args):
    """``emosk predict``."""
    inputs, skipped = expand_inputs(args.paths, recursive=args.recursive)
    paths = [p for p, _ in inputs]
    if not paths:
        raise CommandError("Give at least one image or video file (or run `emosk demo`).")
    _check_free(args.output, args.overwrite)
    fmt = output_format(args.output, args.format)
    if args.same_speaker and args.audio_model == "none":
        raise CommandError("--same-speaker needs an audio model; drop --audio-model none.")
    checked = prepare_inputs(paths, plot_dir=args.plot, overwrite=args.overwrite,
                             names=dict(inputs))  # before any model loads
    videos = any(kind == "video" for kind in checked.values())
    # a model file of the user's is an argument: loaded (checked) even without videos
    audio_model = (load_audio_model(args.audio_model)
                   if videos or _is_model_file(args.audio_model) else None)
    report_unusable(checked, sys.stderr)
    made = make_folders(args.output)  # before any work, so the results have a place
    try:
        rows, failed, classes = predict_paths(paths, model=args.model, fps=args.fps,
                                              plot_dir=args.plot, overwrite=args.overwrite,
                                              audio_model=audio_model,
                                              fuse=_fuse_option(args),
                                              audio_weight=args.audio_weight,
                                              same_speaker=args.same_speaker,
                                              no_face=args.no_face, names=dict(inputs),
                                              faces=args.faces, face_path=args.face_path,
                                              tta=args.tta, checked=checked,
                                              precision=args.precision, clip=args.clip,
                                              progress=_show_progress(args))
    except CommandError:
        remove_empty_folders(made)
        raise
    text = render(rows, fmt, classes)
    if args.output:
        _write_text(args.output, text)
        print(f"wrote {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    if skipped:
        print(f"emosk predict: left out of the folders: {describe_skipped(skipped)}",
              file=sys.stderr)
    if failed:
        print(f"emosk predict: {len(failed)} of {len(paths)} inputs failed (said above, "
              "and in their error rows)", file=sys.stderr)
        return 1
    return 0


def _print_faces(path, faces, out):
    print(f"{path}: {sum(f['found'] for f in faces)} face(s)", file=out)
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
    if out.exists() and not out.is_dir():
        raise CommandError(f"--out {out} is a file; give a folder.")
    _check_can_create(out, f"Cannot write the demo into {out}")
    for name in names:
        _check_free(out / name, args.overwrite)
    out.mkdir(parents=True, exist_ok=True)
    photo = data.astronaut()  # NASA portrait of Eileen Collins, public domain
    cv2.imwrite(str(out / names[0]), cv2.cvtColor(photo, cv2.COLOR_RGB2BGR))
    print(f"emosk demo: the default face model (emosk.pretrained.load('{DEFAULT_MODEL}')) "
          "on skimage.data.astronaut(), a real photograph, and on a video made from it.")
    # the defaults of predict_image and predict_video (model, aligners, TTA on
    # photos only), which `emosk predict` uses too
    faces = predict_image(out / names[0], no_face="error")
    _print_faces(out / names[0], faces, sys.stdout)
    plt.close(plot_faces(out / names[0], faces, out / names[1]))
    print(f"  annotated image: {out / names[1]}")
    x0, y0, x1, y1 = faces[0]["box"]

    make_demo_video(photo, out / names[2], center=((x0 + x1) / 2, (y0 + y1) / 2))
    result = predict_video(out / names[2], no_face="error")
    clip = "  ".join(f"{k} {v:.2f}" for k, v in zip(result["classes"],
                                                       result["clip_probabilities"]))
    print(f"{out / names[2]}: {len(result['frame'])} frames, face found in "
          f"{int(result['found'].sum())}; clip -> {result['emotion'].upper()}\n    {clip}")
    plt.close(plot_timeline(result, out / names[3]))
    print(f"  timeline: {out / names[3]}")
    return 0


def _evaluation_data(name, subset):
    """Faces, their class names, the groups of related samples (CK+'s subjects;
    None for FER2013's faces), a description of the part used and what one
    sample is called ("faces", or "clips" for CK+'s sequences)."""
    if name == "fer2013":
        subset = subset or "PublicTest"
        data = load_fer2013(subset=subset)  # a part the copy lacks: DatasetNotFoundError
        return data.images, data.target, None, subset, "faces"
    # CK+48: the last (apex) frame of every sequence, contempt included: whether
    # the model knows it is decided, and said, by _known_classes_only
    data = load_ckplus48(include_contempt=True)
    faces = np.stack([clip[-1] for clip in data.images])
    return faces, data.target, data.groups, "all sequences, last frame", "clips"


def _known_classes_only(y, classes, unit, log, who="the model"):
    """Which samples are of a class ``who`` has (``classes``); each other class
    is left out with a line on ``log`` ("contempt: 18 clips left out ...").

    Returns
    -------
    known : ndarray of bool
        The samples kept.
    left_out : dict
        Class name to the number of its samples left out.
    """
    known = np.isin(y, np.asarray(classes, dtype=str))
    left_out = dict(sorted(Counter(str(c) for c in y[~known]).items()))
    for name, n in left_out.items():
        print(f"emosk evaluate: {name}: {n} {unit} left out, {who} has no such class",
              file=log)
    return known, left_out


def predict_in_chunks(model, X, *, desc, unit="faces", verbose=False, chunk=256):
    """``model.predict(X)``, ``chunk`` samples at a time, with a progress bar over
    the samples on stderr when ``verbose``."""
    pred = []
    with progress_bar(desc, verbose, total=len(X), unit=unit) as bar:
        for start in range(0, len(X), chunk):
            pred.append(np.asarray(model.predict(X[start:start + chunk])))
            bar.update(len(pred[-1]))
    return np.concatenate(pred) if pred else np.zeros(0, dtype=object)


def _comparison(name, model, faces, y, pred, groups, desc, unit, verbose):
    """The ``against`` block of ``emosk evaluate``: the second model's figures on
    the same faces, and the first's accuracy and UAR minus its, with 95% paired
    bootstrap intervals (whole groups drawn where the data has them)."""
    from .metrics import paired_bootstrap

    pred_b = predict_in_chunks(model, faces, desc=desc, unit=unit, verbose=verbose)
    scores = evaluation_report(y, pred_b)
    difference = {}
    for metric in ("accuracy", "uar"):
        d = paired_bootstrap(y, pred, pred_b, metric=metric, groups=groups,
                             random_state=0)
        difference[metric] = {k: round(d[k], 4) for k in ("difference", "low", "high")}
    return {"model": name, "accuracy": scores["accuracy"], "uar": scores["uar"],
            "per_class_recall": scores["per_class_recall"],
            "difference": {**difference, "confidence_level": d["confidence_level"],
                           "n_resamples": d["n_resamples"],
                           "drawn": "subjects" if groups is not None else unit,
                           "n_drawn": d["n_units"]}}


def cmd_evaluate(args):
    """``emosk evaluate``: a shipped model on a labelled face data set."""
    import matplotlib

    matplotlib.use("Agg")

    for path in (args.output, args.plot):
        _check_free(path, args.overwrite)
    faces, y, groups, subset, unit = _evaluation_data(args.data, args.subset)
    model = _evaluation_model(args.model)
    against = None if args.against is None else _evaluation_model(args.against)
    make_folders(args.output, args.plot)  # before the model runs
    known, left_out = _known_classes_only(y, model.classes_, unit, sys.stderr)
    if against is not None:  # the faces both models can be scored on
        also, left_out_b = _known_classes_only(y[known], against.classes_, unit,
                                               sys.stderr, who="the --against model")
        known[known] = also
        left_out = {**left_out, **left_out_b}
    faces, y = faces[known], y[known]
    groups = None if groups is None else groups[known]
    n_available = len(y)
    if args.max_samples and args.max_samples < len(y):
        keep = np.random.default_rng(0).permutation(len(y))[: args.max_samples]
        faces, y = faces[keep], y[keep]
        groups = None if groups is None else groups[keep]
    pred = predict_in_chunks(model, faces, desc=f"emosk evaluate {args.data}", unit=unit,
                             verbose=_show_progress(args))
    scores = evaluation_report(y, pred)
    report = {"model": args.model, "data": args.data, "subset": subset,
              "n": scores.pop("n"), "n_available": int(n_available), "left_out": left_out,
              **scores}
    if against is not None:
        report["against"] = _comparison(args.against, against, faces, y, pred, groups,
                                        f"emosk evaluate {args.data} (--against)", unit,
                                        _show_progress(args))
    matrix = scores["confusion_matrix"]
    text = json.dumps(report, indent=1) + "\n"
    if args.output:
        _write_text(args.output, text)
    sys.stdout.write(text)
    if args.plot:
        disp = plot_confusion_matrix(y, pred, labels=matrix["columns"], omit_absent_rows=True)
        disp.figure_.savefig(args.plot, dpi=100, bbox_inches="tight")
        print(f"confusion matrix: {args.plot}", file=sys.stderr)
    return 0


def _one_clip(aligner, path):
    """The face stack ``(T, s, s[, 3])`` of one file and its report; an image
    file (read as one photo by the aligner) is a clip of one frame."""
    faces, report = aligner.transform_with_report([str(path)])
    if isinstance(report, dict):  # an image file
        return faces, report
    return faces[0], report[0]


def cmd_extract(args):
    """``emosk extract``: aligned faces or per-frame CNN features of videos, one .npz each."""
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise CommandError(f"--out {out} is a file; give a folder.")
    _check_can_create(out, f"Cannot write into {out}")
    inputs, skipped = expand_inputs(args.paths, recursive=args.recursive)
    paths = [p for p, _ in inputs]
    targets = [out / name.with_suffix(".npz") for _, name in inputs]
    _refuse_shared_targets(zip(paths, targets), "different names or extract them into "
                                                "different folders")
    for t in targets:
        _check_free(t, args.overwrite)
    from .nn import CNNFeaturizer
    from .video import default_aligner

    face_path = args.face_path
    if args.what == "features":
        aligner = default_aligner(args.backbone, face_path=face_path)
        aligner = aligner.set_params(fps=args.fps).fit()
    else:
        aligner = FaceAligner(mode=args.mode or "similarity", size=args.size or 128,
                              fps=args.fps, **face_path_params(face_path)).fit()
    featurizer = CNNFeaturizer(args.backbone).fit() if args.what == "features" else None
    out.mkdir(parents=True, exist_ok=True)
    failed = []
    for path, target in zip(paths, targets):
        try:
            faces, report = _one_clip(aligner, path)
            arrays = {"faces": faces} if featurizer is None else {
                "features": featurizer.transform([faces])[0].astype(np.float32)}
            target.parent.mkdir(parents=True, exist_ok=True)
            np.savez_compressed(target, **arrays, frame=report["frame"],
                                found=report["found"], box=report["box"])
            print(f"{path} -> {target} ({len(report['frame'])} frames, face in "
                  f"{int(report['found'].sum())})", file=sys.stderr)
        except FILE_ERRORS as err:
            failed.append(str(path))
            print(f"emosk extract: skipped {path}: {err}", file=sys.stderr)
    if skipped:
        print(f"emosk extract: left out of the folders: {describe_skipped(skipped)}",
              file=sys.stderr)
    if failed:
        print(f"emosk extract: {len(failed)} of {len(targets)} inputs failed: "
              + ", ".join(failed), file=sys.stderr)
        return 1
    return 0


def cmd_train_audio(args):
    """``emosk train-audio``: the IS10 audio SVM fitted on RAVDESS, saved with joblib."""
    import joblib


    _check_free(args.out, args.overwrite)
    data = load_ravdess()
    y = data.target
    make_folders(args.out)  # before the features of 1,440 utterances, not after
    model = make_audio_pipeline(args.feature_set, probability=True, random_state=0,
                                n_jobs=args.n_jobs, cache=args.cache)
    print(f"emosk train-audio: {args.feature_set} features of {len(y)} RAVDESS "
          "utterances, then a calibrated linear SVM ...", file=sys.stderr)
    model.fit([str(p) for p in data.filenames], y)
    joblib.dump({"model": model, "emosk_version": __version__, "data": "ravdess",
                 "classes": [str(c) for c in model.classes_]}, args.out)
    best_c = model.named_steps["svm"].best_params_
    print(f"wrote {args.out} (classes {', '.join(map(str, model.classes_))}; {best_c})",
          file=sys.stderr)
    return 0

"""Data sets that are folders of media files whose names or folders carry labels."""

import re

import numpy as np

from ._base import encode_labels, find_dataset, make_bunch

__all__ = ["load_ravdess", "load_enterface05", "load_afew", "load_tess", "load_emodb"]


def collect_files(root, suffixes, parse):
    """Walk ``root`` and parse every media file's path into label fields.

    Parameters
    ----------
    root : pathlib.Path
        Folder to walk recursively.
    suffixes : set of str
        File suffixes to consider, lower case with the dot.
    parse : callable
        Maps a path to a dict of fields (with at least ``"label"``), or to
        None for a file that is not part of the data set (it is skipped).

    Returns
    -------
    list of dict
        One record per file, sorted by path, each with ``"path"`` added.

    Raises
    ------
    ValueError
        If no file under ``root`` parses.
    """
    records = []
    for path in sorted(root.rglob("*")):
        if path.suffix.lower() in suffixes and path.is_file():
            fields = parse(path)
            if fields is not None:
                records.append({"path": str(path), **fields})
    if not records:
        raise ValueError(
            f"No data-set files ({', '.join(sorted(suffixes))}) with the expected "
            f"names were found under {root}."
        )
    return records


def records_to_bunch(records, descr, return_X_y, *, extra=(), fields=(),
                     as_names=False):
    """Turn parsed records into a Bunch with ``filenames``, ``target`` ..."""
    target, names = encode_labels([r["label"] for r in records], extra=extra)
    columns = {f: np.array([r[f] for r in records]) for f in fields}
    return make_bunch(
        descr,
        return_X_y,
        "filenames",
        as_names=as_names,
        filenames=np.array([r["path"] for r in records]),
        target=target,
        target_names=names,
        **columns,
    )


# --------------------------------------------------------------------- RAVDESS
_RAVDESS_URL = "https://zenodo.org/record/1188976"
_RAVDESS_CODE = re.compile(r"^(\d{2})-(\d{2})-(\d{2})-(\d{2})-(\d{2})-(\d{2})-(\d{2})$")
_RAVDESS_EMOTIONS = {
    "01": "neutral", "02": "calm", "03": "happy", "04": "sad",
    "05": "angry", "06": "fear", "07": "disgust", "08": "surprise",
}
_RAVDESS_DESCR = """RAVDESS (Livingstone & Russo 2018): 24 actors (12 female,
12 male) speaking and singing two statements with 8 emotions at two intensities.
Labels are parsed from the file-name code modality-vocal channel-emotion-
intensity-statement-repetition-actor. Evaluate speaker-independently: groups
holds the actor."""


def _parse_ravdess(path, include_calm):
    m = _RAVDESS_CODE.match(path.stem)
    if m is None or m.group(3) not in _RAVDESS_EMOTIONS:
        return None
    modality, channel, emo, intensity, statement, rep, actor = m.groups()
    label = _RAVDESS_EMOTIONS[emo]
    if label == "calm" and not include_calm:
        return None
    return {
        "label": label,
        "groups": int(actor),
        "modality": {"01": "audio-video", "02": "video", "03": "audio"}.get(modality, modality),
        "vocal_channel": {"01": "speech", "02": "song"}.get(channel, channel),
        "intensity": {"01": "normal", "02": "strong"}.get(intensity, intensity),
        "statement": int(statement),
        "repetition": int(rep),
        "sex": "M" if int(actor) % 2 else "F",
    }


def load_ravdess(*, data_home=None, include_calm=False, return_X_y=False,
                 as_names=True):
    """List the RAVDESS files with labels parsed from their names.

    Looks for ``ravdess_speech16k/``, ``ravdess/`` and ``RAVDESS/`` under the
    data home and takes every ``.wav``, ``.flac`` or ``.mp4`` whose name is a
    RAVDESS code (``03-01-05-01-02-01-12.wav``).

    Parameters
    ----------
    data_home : str or path-like, default=None
        See :func:`get_data_home`.
    include_calm : bool, default=False
        Keep the 'calm' class (an eighth class after the seven emotions).
    return_X_y : bool, default=False
        Return ``(filenames, target)`` instead of a Bunch.
    as_names : bool, default=True
        Return ``target`` as class names (``"happy"``), the labels of emosk's
        shipped models (:func:`emosk.pretrained.load`), so that
        ``model.score(X, y)`` works as loaded; False gives integer indices
        into ``target_names`` (``target_names[target]`` are the names).

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        ``filenames``, ``target``, ``target_names``, ``groups`` (actor 1-24),
        ``modality``, ``vocal_channel``, ``intensity``, ``statement``,
        ``repetition``, ``sex``, ``DESCR``.
    """

    root = find_dataset(
        "RAVDESS",
        ["ravdess_speech16k", "ravdess", "RAVDESS"],
        data_home=data_home,
        url=_RAVDESS_URL,
        expect="unpack the Actor_XX folders into <data home>/ravdess/.",
    )
    records = collect_files(
        root, {".wav", ".flac", ".mp4"}, lambda p: _parse_ravdess(p, include_calm)
    )
    return records_to_bunch(
        records,
        _RAVDESS_DESCR,
        return_X_y,
        extra=("calm",),
        fields=("groups", "modality", "vocal_channel", "intensity", "statement",
                "repetition", "sex"),
        as_names=as_names,
    )


# ------------------------------------------------------------------ eNTERFACE
_ENTERFACE_URL = "http://www.enterface.net/enterface05/ (eNTERFACE'05 emotion database)"
_ENTERFACE_NAME = re.compile(r"^s_?(\d+)_(an|di|fe|ha|sa|su)_(\d+)$", re.IGNORECASE)
_ENTERFACE_CODES = {
    "an": "angry", "di": "disgust", "fe": "fear",
    "ha": "happy", "sa": "sad", "su": "surprise",
}
_ENTERFACE_DESCR = """eNTERFACE'05 (Martin et al. 2006): audio-visual clips of
subjects reacting to emotional stories with prescribed sentences, 6 classes
(no neutral). Labels are parsed from file names s<subject>_<code>_<sentence>;
groups holds the subject."""


def _parse_enterface(path):
    m = _ENTERFACE_NAME.match(path.stem)
    if m is None:
        return None
    return {
        "label": _ENTERFACE_CODES[m.group(2).lower()],
        "groups": f"s{int(m.group(1))}",
        "sentence": int(m.group(3)),
    }


def load_enterface05(*, data_home=None, return_X_y=False, as_names=True):
    """List the eNTERFACE'05 video clips with labels parsed from their names.

    Looks for ``enterface05/`` and ``enterface/`` under the data home and walks
    it recursively, so both the original nested layout
    (``subject 1/anger/sentence 1/s1_an_1.avi``) and a flat folder work.

    Parameters
    ----------
    data_home : str or path-like, default=None
        See :func:`get_data_home`.
    return_X_y : bool, default=False
        Return ``(filenames, target)`` instead of a Bunch.
    as_names : bool, default=True
        Return ``target`` as class names (``"happy"``), the labels of emosk's
        shipped models (:func:`emosk.pretrained.load`), so that
        ``model.score(X, y)`` works as loaded; False gives integer indices
        into ``target_names`` (``target_names[target]`` are the names).

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        ``filenames``, ``target``, ``target_names``, ``groups`` (subject),
        ``sentence``, ``DESCR``.
    """

    root = find_dataset(
        "eNTERFACE'05",
        ["enterface05", "enterface"],
        data_home=data_home,
        url=_ENTERFACE_URL,
        expect="unpack the .avi clips into <data home>/enterface05/.",
    )
    records = collect_files(root, {".avi"}, _parse_enterface)
    return records_to_bunch(
        records, _ENTERFACE_DESCR, return_X_y, fields=("groups", "sentence"),
        as_names=as_names,
    )


# ----------------------------------------------------------------------- AFEW
_AFEW_URL = "https://sites.google.com/site/emotiwchallenge/ (on request, research use)"
_AFEW_FOLDERS = {
    "angry": "angry", "anger": "angry", "disgust": "disgust", "fear": "fear",
    "happy": "happy", "happiness": "happy", "neutral": "neutral", "sad": "sad",
    "sadness": "sad", "surprise": "surprise",
}
_AFEW_DESCR = """AFEW (Dhall et al. 2012), the EmotiW video data: short clips
from films and TV, 7 classes. Layout <subset>/<Emotion>/<clip>.avi."""


def _parse_afew(path, subset):
    label = _AFEW_FOLDERS.get(path.parent.name.lower())
    return None if label is None else {"label": label, "subset": subset}


def load_afew(*, data_home=None, subset="Train", return_X_y=False, as_names=True):
    """List the clips of an AFEW (EmotiW) folder tree with their labels.

    Expects ``<data home>/AFEW/<subset>/<Emotion>/*.avi`` (also ``afew/``, and
    ``Train_AFEW``/``Val_AFEW`` folder names).  Emotion folders are Angry,
    Disgust, Fear, Happy, Neutral, Sad and Surprise (case-insensitive).

    Parameters
    ----------
    data_home : str or path-like, default=None
        See :func:`get_data_home`.
    subset : {"Train", "Val"} or list of them, default="Train"
        Part(s) to list.
    return_X_y : bool, default=False
        Return ``(filenames, target)`` instead of a Bunch.
    as_names : bool, default=True
        Return ``target`` as class names (``"happy"``), the labels of emosk's
        shipped models (:func:`emosk.pretrained.load`), so that
        ``model.score(X, y)`` works as loaded; False gives integer indices
        into ``target_names`` (``target_names[target]`` are the names).

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        ``filenames``, ``target``, ``target_names``, ``subset``, ``DESCR``.
    """

    subsets = (subset,) if isinstance(subset, str) else tuple(subset)
    records = []
    for name in subsets:
        if name not in ("Train", "Val"):
            raise ValueError(f"Unknown AFEW subset {name!r}; use 'Train' or 'Val'.")
        root = find_dataset(
            f"AFEW ({name})",
            [f"{top}/{sub}" for top in ("AFEW", "afew")
             for sub in (name, f"{name}_AFEW")],
            data_home=data_home,
            url=_AFEW_URL,
            expect=f"put the {name}/<Emotion>/*.avi folders in <data home>/AFEW/.",
        )
        records += collect_files(
            root, {".avi", ".mp4", ".mkv"}, lambda p, n=name: _parse_afew(p, n)
        )
    return records_to_bunch(records, _AFEW_DESCR, return_X_y, fields=("subset",),
                            as_names=as_names)


# ----------------------------------------------------------------------- TESS
_TESS_URL = "https://doi.org/10.5683/SP2/E8H2MF (Toronto emotional speech set)"
_TESS_EMOTIONS = {
    "angry": "angry", "disgust": "disgust", "fear": "fear", "happy": "happy",
    "neutral": "neutral", "sad": "sad", "ps": "surprise",
    "pleasant_surprise": "surprise", "pleasant_surprised": "surprise",
}
_TESS_DESCR = """TESS (Dupuis & Pichora-Fuller 2010): two actresses (OAF, aged 64;
YAF, aged 26) say 200 target words in the carrier phrase 'Say the word _' with
7 emotions ('pleasant surprise' is mapped to surprise). File names are
<speaker>_<word>_<emotion>.wav; groups holds the speaker."""


def _parse_tess(path):
    parts = path.stem.split("_")
    if len(parts) < 3:
        return None
    emotion = "_".join(parts[2:]).lower()
    if emotion not in _TESS_EMOTIONS:
        return None
    return {"label": _TESS_EMOTIONS[emotion], "groups": parts[0].upper(),
            "word": parts[1].lower(), "original_label": emotion}


def load_tess(*, data_home=None, return_X_y=False, as_names=True):
    """List the TESS recordings with labels parsed from their names.

    Looks for ``tess/`` and ``TESS/`` under the data home and walks it (the
    published layout has one folder per speaker and emotion, ``OAF_angry/``).

    Parameters
    ----------
    data_home : str or path-like, default=None
        See :func:`get_data_home`.
    return_X_y : bool, default=False
        Return ``(filenames, target)`` instead of a Bunch.
    as_names : bool, default=True
        Return ``target`` as class names (``"happy"``), the labels of emosk's
        shipped models (:func:`emosk.pretrained.load`), so that
        ``model.score(X, y)`` works as loaded; False gives integer indices
        into ``target_names`` (``target_names[target]`` are the names).

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        ``filenames``, ``target``, ``target_names``, ``groups`` (speaker),
        ``word``, ``original_label``, ``DESCR``.
    """
    root = find_dataset("TESS", ["tess", "TESS"], data_home=data_home, url=_TESS_URL,
                        expect="unpack the OAF_*/YAF_* folders into <data home>/tess/.")
    records = collect_files(root, {".wav"}, _parse_tess)
    return records_to_bunch(records, _TESS_DESCR, return_X_y,
                            fields=("groups", "word", "original_label"),
                            as_names=as_names)


# ---------------------------------------------------------------------- EmoDB
_EMODB_URL = "http://emodb.bilderbar.info/ (Berlin Database of Emotional Speech)"
_EMODB_NAME = re.compile(r"^(\d{2})([ab]\d{2})([WLEAFTN])([a-z])$")
_EMODB_CODES = {"W": "angry", "L": "boredom", "E": "disgust", "A": "fear",
                "F": "happy", "T": "sad", "N": "neutral"}
_EMODB_MALE = {"03", "10", "11", "12", "15"}
_EMODB_DESCR = """Berlin EmoDB (Burkhardt et al. 2005): 10 German actors, 10
sentences, 7 emotions (anger, boredom, disgust, fear, happiness, sadness,
neutral). File names are <speaker><text><emotion letter><version>.wav, e.g.
03a01Fa.wav; groups holds the speaker. No surprise class."""


def _parse_emodb(path, include_boredom):
    m = _EMODB_NAME.match(path.stem)
    if m is None:
        return None
    speaker, text, code, _ = m.groups()
    label = _EMODB_CODES[code]
    if label == "boredom" and not include_boredom:
        return None
    return {"label": label, "groups": int(speaker), "text": text,
            "sex": "M" if speaker in _EMODB_MALE else "F"}


def load_emodb(*, data_home=None, include_boredom=False, return_X_y=False,
               as_names=True):
    """List the Berlin EmoDB recordings with labels parsed from their names.

    Looks for ``emodb/`` and ``EmoDB/`` under the data home (the published
    archive puts the files in ``wav/``).

    Parameters
    ----------
    data_home : str or path-like, default=None
        See :func:`get_data_home`.
    include_boredom : bool, default=False
        Keep 'boredom' as an extra class after the seven emotions.
    return_X_y : bool, default=False
        Return ``(filenames, target)`` instead of a Bunch.
    as_names : bool, default=True
        Return ``target`` as class names (``"happy"``), the labels of emosk's
        shipped models (:func:`emosk.pretrained.load`), so that
        ``model.score(X, y)`` works as loaded; False gives integer indices
        into ``target_names`` (``target_names[target]`` are the names).

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        ``filenames``, ``target``, ``target_names``, ``groups`` (speaker),
        ``text``, ``sex``, ``DESCR``.
    """
    root = find_dataset("EmoDB", ["emodb", "EmoDB"], data_home=data_home,
                        url=_EMODB_URL, expect="unpack wav/ into <data home>/emodb/.")
    records = collect_files(root, {".wav"}, lambda p: _parse_emodb(p, include_boredom))
    return records_to_bunch(records, _EMODB_DESCR, return_X_y, extra=("boredom",),
                            fields=("groups", "text", "sex"), as_names=as_names)

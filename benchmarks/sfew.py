"""SFEW 2.0 (EmotiW static faces, Ng et al. 2015) on a CPU: faces, zero-shot,
frozen features + SVM, and CNNs trained on SFEW.

* **faces**: share of the 859 SFEW Train crops in which a face is found and
  aligned: dlib HOG, and Viola-Jones with the ng2015 crop, each with the
  default settings and with the tight-crop ones (``detect_border=0.25``,
  ``assume_face=True``).
* **zero-shot**: emosk's shipped FER2013 model predicting SFEW's labels
  directly (the same seven emotions), on its 48x48 gray crops; and dlib's
  ResNet fine-tuned on FER2013 from its face-recognition weights (issue #15's
  claim run, ``--dlib-weights``) on the same crops.
* **svm**: frozen features + linear SVM (Knyazev et al. 2017): the shipped
  compact FER2013 CNN, dlib's face-recognition ResNet, the two averaged, an
  OpenCV HOG baseline on the ng2015 crop, and the FER2013-fine-tuned dlib
  ResNet alone and averaged with the compact CNN.  Pipeline: MinMaxScaler(-1, 1),
  RootSIFT, StandardScaler, LinearSVC calibrated by sigmoid (3 folds); ``C``
  by an inner GroupKFold (by movie) on each training part.
* **cnn**: the compact CNN trained on SFEW with Ng et al.'s recipe
  (``recipe="ng2015"``: SGD lr 1e-3, momentum 0.9, weight decay 5e-4, lr / 10
  every 10 epochs), on the 48x48 gray faces of the tight-crop aligner: from
  random weights (SFEW-only), and the cascade FER2013 -> SFEW from the shipped
  FER2013 weights, with the FER2013 classifier kept (SFEW's seven emotions
  are its classes) or replaced by a new one (Ng et al.), and with the first
  two stages frozen.  The same for dlib's ResNet at a 112 px input: from its
  face-recognition weights straight to SFEW (Ng et al.'s SFEW-only run
  started from ImageNet), and the cascade face recognition -> FER2013 ->
  SFEW from the FER2013-fine-tuned network.  A fixed number of epochs, no
  inner validation split (nothing is chosen on the scored fold).

Evaluation: GroupKFold(5) by movie on SFEW Train (frames of one scene are
near-duplicates), accuracy mean and standard deviation over the folds; when
``$EMOSK_DATA/sfew/Val`` exists, trained on all of Train and scored on Val.
Aligned faces, features, predictions and trained networks are cached in
``~/.cache/emosk-sfew`` (or ``--cache``; an :class:`emosk.utils.FeatureCache`
keyed by :data:`CACHE_TAG` and the settings), so reruns cost seconds; the CPU
minutes reported for a row include the caching run's extraction.

    EMOSK_DATA=/path/to/data python benchmarks/sfew.py [--rows faces zero-shot svm cnn]
"""

import argparse
import time
from functools import lru_cache, partial
from pathlib import Path

import matplotlib
import numpy as np
import torch
from _common import markdown_table, write_result
from fer2013 import training_data
from sklearn.metrics import confusion_matrix
from sklearn.model_selection import GroupKFold

from emosk.datasets import DatasetNotFoundError, load_fer2013, load_sfew
from emosk.ensemble import make_clip_pipeline
from emosk.face import FaceAligner
from emosk.metrics import (
    cost_sensitive_accuracy,
    per_class_recall,
    plot_confusion_matrix,
    similarity_cost_matrix,
)
from emosk.nn import CNNClassifier, CNNFeaturizer, classifier_from_weights
from emosk.preprocessing import HOGFeaturizer
from emosk.pretrained import PRETRAINED, face_aligner, load
from emosk.utils import FeatureCache, content_digest, params_digest
from emosk.utils import estimator_fingerprint

matplotlib.use("Agg")  # the confusion plot, without a display
RESULTS = Path(__file__).resolve().parent / "results"
TIGHT = {"detect_border": 0.25, "assume_face": True}
ALIGNERS = {  # name -> FaceAligner; "_tight" ones carry the tight-crop setting
    "fer2013": face_aligner("fer2013"),
    "fer2013_tight": face_aligner("fer2013", **TIGHT),
    "dlib_chip_tight": FaceAligner(mode="dlib-chip", size=150, **TIGHT),
    "ng2015": FaceAligner("opencv-haar", mode="ng2015", size=256),
    "ng2015_tight": FaceAligner("opencv-haar", mode="ng2015", size=256, **TIGHT),
    # the default model's 64x64 gray fer2013 crop with the tight-crop setting
    "mfn_tight": face_aligner("mobilefacenet_fer_nhfi", **TIGHT),
    # the same crop at 80x80, the side of the 80 px models
    "mfn80_tight": face_aligner("mobilefacenet80_fer_nhfi", **TIGHT),
}
# C = 1 was chosen once (dlib ResNet, one fold) in a first run and made HOG's
# liblinear hit its iteration limit (half of that run's 8 CPU minutes).
C_GRID = (1e-5, 1e-4, 1e-3, 1e-2, 1e-1)
N_FOLDS = 5
PAPER = [
    ["EmotiW 2015 challenge baseline", "", "35.96%", "39.13%"],
    ["Ng et al. 2015, SFEW-only fine-tuning", "", "", "37.8%"],
    ["Ng et al. 2015, best cascade ImageNet -> FER2013 -> SFEW", "", "48.5%", "55.6%"],
]


#: In every cache key: entries stored under other tags (and the .npz files of
#: the cache before emosk's FeatureCache) are never read, but recomputed.  The
#: keys hold the settings, not emosk's code: v3 since the crops of large faces
#: are averaged by area (emosk.face.align_face), which the v2 faces predate; v4
#: since gray crops of colour photos are made gray before the warp.
CACHE_TAG = "sfew-v4"


class Timer:
    """CPU seconds of this process (all threads)."""

    def __enter__(self):
        self.cpu = time.process_time()
        return self

    def __exit__(self, *exc):
        self.cpu = time.process_time() - self.cpu


def _cached(cache, name, key_parts, compute):
    """Arrays computed by ``compute()`` (a dict), stored in the FeatureCache
    ``cache`` under a digest of ``name`` and ``key_parts``, with the CPU
    seconds they took (``cpu_s``)."""
    key = params_digest(CACHE_TAG, name, *key_parts)
    stored = cache.get(key)
    if stored is not None:
        return {**stored[0], "cpu_s": cache.meta(key)["cpu_s"]}
    with Timer() as t:
        arrays = compute()
    cache.put(key, [arrays], meta={"name": name, "cpu_s": t.cpu})
    print(f"  {name}: computed in {t.cpu / 60:.1f} CPU min", flush=True)
    return {**arrays, "cpu_s": t.cpu}


def _weights_key(weights):
    """What keys a network's starting weights: a shipped model's checksum, a
    file's contents, or the value itself (None, "dlib")."""
    if isinstance(weights, str) and weights in PRETRAINED:
        return PRETRAINED[weights].sha256
    if weights is not None and Path(str(weights)).expanduser().is_file():
        return content_digest(Path(str(weights)).expanduser())
    return weights


def _faces_key(data, aligner_name):
    return [estimator_fingerprint(ALIGNERS[aligner_name]), list(data.filenames)]


def aligned(data, name, cache):
    """Faces of one aligner on one split, with its report, cached."""
    aligner = ALIGNERS[name]

    def compute():
        faces, rep = aligner.fit().transform_with_report(data.images)
        return {"faces": faces, "found": rep["found"], "assumed": rep["assumed"]}
    return _cached(cache, f"faces_{name}_{data.subset[0]}", _faces_key(data, name), compute)


def _featurizer(name):
    """The frame featurizer of an SVM row."""
    if name == "hog":  # on the ng2015 crop (256 px) shrunk to 48x48
        return HOGFeaturizer()
    if name == "dlib_fer2013":
        return CNNFeaturizer("dlib_resnet", weights=str(DLIB_FER2013["path"]),
                             input_size=DLIB_FER2013["input_size"], batch_size=128,
                             device="cpu")
    backbone, weights = {"compact": ("compact", "fer2013"),
                         "dlib_resnet": ("dlib_resnet", "dlib")}[name]
    return CNNFeaturizer(backbone, weights=weights, batch_size=128, device="cpu")


def features(data, aligner_name, featurizer_name, cache):
    """Frame features of the faces of ``aligner_name``, cached."""
    faces = aligned(data, aligner_name, cache)
    feat = _featurizer(featurizer_name)

    def compute():
        return {"X": feat.fit_transform(faces["faces"]).astype(np.float64)}
    key = [*_faces_key(data, aligner_name), estimator_fingerprint(feat),
           _weights_key(feat.get_params().get("weights"))]
    out = _cached(cache, f"feat_{featurizer_name}_{aligner_name}_{data.subset[0]}", key,
                  compute)
    out["cpu_s"] = float(out["cpu_s"]) + float(faces["cpu_s"])
    return out


#: The dlib ResNet fine-tuned on FER2013 from its face-recognition weights
#: (issue #15's claim run, ``benchmarks/fer2013.py --backbone dlib_resnet
#: --weights dlib --input-size 112 --max-train 14000 --epochs 15 --tag claim15``);
#: ``--dlib-weights`` points elsewhere.
DLIB_FER2013 = {"path": Path("~/emosk-weights/claim15_fr.pt").expanduser(),
                "input_size": 112}


# ------------------------------------------------------------------ face rows
def _share(mask):
    return f"{mask.sum()} ({mask.mean():.1%})"


def face_rows(train, cache):
    """One row per aligner setting; ``detect_border`` alone is read off the run
    with ``assume_face`` too (the faces it detected)."""
    rows = []
    settings = [
        ("fer2013", "(a) dlib HOG, defaults (the shipped model's aligner, 48x48 fer2013 "
                    "crop)", False),
        ("fer2013_tight", "(b) dlib HOG + `detect_border=0.25`", True),
        ("fer2013_tight", "(b') dlib HOG + `detect_border=0.25, assume_face=True`", False),
        ("ng2015", "ng2015 defaults: Viola-Jones frontal+profile, landmark check, "
                   "0.62/0.9/1.35 e2e crop, gray 256, min-max", False),
        ("ng2015_tight", "(c) ng2015 + `detect_border=0.25`", True),
        ("ng2015_tight", "(c') ng2015 + `detect_border=0.25, assume_face=True`", False),
    ]
    for name, label, border_only in settings:
        out = aligned(train, name, cache)
        detected = out["found"] & ~out["assumed"]
        found = detected if border_only else out["found"]
        rows.append([label, _share(detected), "-" if border_only else _share(out["assumed"]),
                     _share(found), str(int((~found).sum())),
                     "(run below)" if border_only else f"{float(out['cpu_s']) / 60:.1f}"])
    header = ["aligner (on 859 SFEW Train crops)", "face detected + landmarks pass",
              "whole image assumed", "found and aligned", "whole image used", "CPU min"]
    return markdown_table(header, rows)


# -------------------------------------------------------------- evaluations
def _folds(train):
    return list(GroupKFold(n_splits=N_FOLDS).split(train.filenames, train.target,
                                                    train.groups))


def _svm():
    pipe = make_clip_pipeline(None, C=C_GRID, probability=True, random_state=0)
    return pipe.set_params(svm__cv=GroupKFold(n_splits=4))


def _fit_proba(X_tr, y_tr, g_tr, X_te):
    pipe = _svm().fit(X_tr, y_tr, svm__groups=g_tr)
    return pipe.predict_proba(X_te), pipe.named_steps["svm"].best_params_


def svm_probas(train, val, sources, cache):
    """Out-of-fold class probabilities on Train and Val probabilities of each
    feature source, with the chosen C values and CPU seconds."""
    out = {}
    for name, (aligner_name, feat_name) in sources.items():
        Xtr = features(train, aligner_name, feat_name, cache)
        cpu = Xtr["cpu_s"]
        proba = np.zeros((len(train.target), 7))
        chosen = []
        with Timer() as t:
            for tr, te in _folds(train):
                proba[te], best = _fit_proba(Xtr["X"][tr], train.target[tr],
                                             train.groups[tr], Xtr["X"][te])
                chosen.append(best["estimator__C"])
            val_proba = None
            if val is not None:
                Xval = features(val, aligner_name, feat_name, cache)
                cpu += Xval["cpu_s"]
                val_proba = _fit_proba(Xtr["X"], train.target, train.groups, Xval["X"])[0]
        out[name] = {"proba": proba, "val": val_proba, "C": chosen,
                     "cpu_s": cpu + t.cpu, "dim": Xtr["X"].shape[1]}
        print(f"  {name}: CV accuracy {np.mean(proba.argmax(1) == train.target):.3f}, "
              f"C {chosen}", flush=True)
    return out


ZERO_SHOT = {  # row label -> (aligner, test-time augmentation, shipped model)
    "FER-only zero-shot: shipped compact FER2013 model, default aligner":
        ("fer2013", False, "fer2013"),
    "FER-only zero-shot: shipped compact FER2013 model, tight-crop aligner":
        ("fer2013_tight", False, "fer2013"),
    "FER-only zero-shot: shipped compact FER2013 model, tight-crop aligner, 18-view TTA":
        ("fer2013_tight", True, "fer2013"),
    "zero-shot: shipped default model (MobileFaceNet, FER2013 + NHFI, 64 px), "
    "tight-crop aligner": ("mfn_tight", False, "mobilefacenet_fer_nhfi"),
    "zero-shot: shipped default model since RetinaFace's photo path "
    "(mobilefacenet_fer_nhfi_aligned, 64 px), tight-crop aligner":
        ("mfn_tight", False, "mobilefacenet_fer_nhfi_aligned"),
    "zero-shot: shipped default model since the weight average "
    "(mobilefacenet_fer_nhfi_soup, 64 px), tight-crop aligner":
        ("mfn_tight", False, "mobilefacenet_fer_nhfi_soup"),
    "zero-shot: shipped default model since the three-way weight average "
    "(mobilefacenet_fer_nhfi_soup3, 64 px), tight-crop aligner":
        ("mfn_tight", False, "mobilefacenet_fer_nhfi_soup3"),
    "zero-shot: shipped default model since the 80 px one "
    "(mobilefacenet80_fer_nhfi, 80 px), tight-crop aligner":
        ("mfn80_tight", False, "mobilefacenet80_fer_nhfi"),
}


def zero_shot_predictions(split, aligner_name, tta, cache, model="fer2013"):
    """A shipped model's predictions on one split, as indices into EMOTIONS."""
    faces = aligned(split, aligner_name, cache)

    def compute():
        clf = load(model, tta=tta, device="cpu")
        names = list(split.target_names)
        return {"pred": np.array([names.index(c) for c in clf.predict(faces["faces"])])}
    key = [*_faces_key(split, aligner_name), tta, _weights_key(model)]
    prefix = "zeroshot" if model == "fer2013" else f"zeroshot_{model}"
    out = _cached(cache, f"{prefix}_{aligner_name}_tta{int(tta)}_{split.subset[0]}", key,
                  compute)
    return out["pred"], float(out["cpu_s"]) + float(faces["cpu_s"])


def dlib_zero_shot(split, cache):
    """The FER2013-fine-tuned dlib ResNet's own answers, as indices into
    ``split.target_names`` (its outputs are the sorted names)."""
    faces = aligned(split, CNN_ALIGNER, cache)
    names = list(split.target_names)

    def compute():
        clf = classifier_from_weights("dlib_resnet", DLIB_FER2013["path"], sorted(names),
                                      input_size=DLIB_FER2013["input_size"],
                                      batch_size=128, device="cpu")
        return {"pred": np.array([names.index(c) for c in clf.predict(faces["faces"])])}
    key = [*_faces_key(split, CNN_ALIGNER), _weights_key(DLIB_FER2013["path"]),
           DLIB_FER2013["input_size"]]
    out = _cached(cache, f"zeroshot_dlib_fer2013_{CNN_ALIGNER}_{split.subset[0]}", key,
                  compute)
    return out["pred"], float(out["cpu_s"]) + float(faces["cpu_s"])


CNN_ALIGNER = "fer2013_tight"
CNN_EPOCHS = 15  # 7.5 CPU s an epoch of 687 faces: about 9 CPU min a row
# Parameter-name patterns of the compact backbone's first conv and its first two
# stages (features.0-17); the last stage (features.18-23) and the head train.
FROZEN_EARLY = ["features.[0-9].*", "features.1[0-7].*"]
# The combined rows and their cascades use this many FER2013 Training faces (the
# seeded subset of benchmarks/fer2013.py --max-train); all 28,709 would make a fold
# about 43 times the cost of an SFEW-only fold.
FER2013_SUBSET = 3000
_DLIB_KNYAZEV = {"backbone": "dlib_resnet", "input_size": 112, "recipe": "knyazev2017"}
_MFN = {"backbone": "mobilefacenet", "input_size": 64, "aligner": "mfn_tight"}
_MFN80 = {"backbone": "mobilefacenet", "input_size": 80, "aligner": "mfn80_tight"}
# Settings beyond CNNClassifier's: "fer2013_subset" adds the FER2013 faces to each
# fold's training set; "first_stage" trains a network on them first (settings of
# that stage) and starts the SFEW training from it.
CNN_ROWS = {  # key -> (row label, CNNClassifier settings, whether the head is new)
    "sfew_only": ("SFEW-only: compact CNN from random weights", {"weights": None},
                  True),
    "cascade_new": ("cascade FER2013 -> SFEW: shipped compact FER2013 weights, new "
                    "head (Ng et al.)", {"weights": "fer2013"}, True),
    "cascade_kept": ("cascade FER2013 -> SFEW: shipped compact FER2013 weights, "
                     "FER2013 head kept", {"weights": "fer2013"}, False),
    "cascade_frozen": ("cascade FER2013 -> SFEW, new head, conv1 + stages 1-2 frozen "
                       "(last stage and head trained)",
                       {"weights": "fer2013", "freeze": FROZEN_EARLY}, True),
    "dlib_cascade_new": ("cascade face recognition -> FER2013 -> SFEW: dlib ResNet "
                         "fine-tuned on FER2013 (claim15), new head, 112 px",
                         {"backbone": "dlib_resnet", "weights": "dlib-fer2013",
                          "input_size": 112}, True),
    "dlib_sfew_only": ("SFEW-only: dlib ResNet from its face-recognition weights "
                       "(Ng et al.'s ImageNet -> SFEW, with face recognition for "
                       "ImageNet), 112 px",
                       {"backbone": "dlib_resnet", "weights": "dlib", "input_size": 112},
                       True),
    "dlib_cascade_knyazev": ("cascade face recognition -> FER2013 -> SFEW: dlib ResNet "
                             "fine-tuned on FER2013 (claim15), new head, 112 px, Knyazev "
                             "recipe (lr 5e-4, Nesterov, polynomial decay)",
                             {**_DLIB_KNYAZEV, "weights": "dlib-fer2013"}, True),
    "dlib_sfew_only_knyazev": ("SFEW-only: dlib ResNet from its face-recognition "
                               "weights, 112 px, Knyazev recipe (lr 5e-4, Nesterov, "
                               "polynomial decay)",
                               {**_DLIB_KNYAZEV, "weights": "dlib"}, True),
    # Ng et al.'s third setting, in miniature: FER2013_SUBSET Training faces and
    # the SFEW fold in one training, next to the cascade through the same faces
    "combined": (f"combined FER2013 ({FER2013_SUBSET:,} Training faces) + SFEW in one "
                 "training: compact CNN from random weights, lr 1e-2",
                 {"weights": None, "lr": 1e-2, "fer2013_subset": True}, True),
    "cascade_subset": (f"cascade FER2013 ({FER2013_SUBSET:,} Training faces, the same) "
                       "-> SFEW: compact CNN from random weights, lr 1e-2 on FER2013, "
                       "then new head, lr 1e-3 (Ng et al.)",
                       {"first_stage": {"weights": None, "lr": 1e-2,
                                        "recipe": "ng2015"}}, True),
    "dlib_combined_knyazev": (f"combined FER2013 ({FER2013_SUBSET:,} Training faces) + "
                              "SFEW in one training: dlib ResNet from its face-"
                              "recognition weights, 112 px, Knyazev recipe",
                              {**_DLIB_KNYAZEV, "weights": "dlib",
                               "fer2013_subset": True}, True),
    "dlib_cascade_subset_knyazev": (f"cascade face recognition -> FER2013 "
                                    f"({FER2013_SUBSET:,} Training faces, the same) -> "
                                    "SFEW: dlib ResNet, 112 px, Knyazev recipe, new head",
                                    {**_DLIB_KNYAZEV, "first_stage": {
                                        **_DLIB_KNYAZEV, "weights": "dlib"}}, True),
    # issue 25: Ng et al.'s cascade from the default model (face recognition ->
    # FER2013 + NHFI -> SFEW) on its own 64x64 gray crops
    "mfn_cascade_new": ("cascade face recognition -> FER2013 + NHFI -> SFEW: shipped "
                        "default MobileFaceNet, new head (Ng et al.), 64 px",
                        {**_MFN, "weights": "mobilefacenet_fer_nhfi"}, True),
    "mfn_cascade_kept": ("cascade face recognition -> FER2013 + NHFI -> SFEW: shipped "
                         "default MobileFaceNet, its head kept, 64 px",
                         {**_MFN, "weights": "mobilefacenet_fer_nhfi"}, False),
    "mfn_cascade_knyazev": ("cascade face recognition -> FER2013 + NHFI -> SFEW: "
                            "shipped default MobileFaceNet, new head, 64 px, Knyazev "
                            "recipe (lr 5e-4, Nesterov, polynomial decay)",
                            {**_MFN, "weights": "mobilefacenet_fer_nhfi",
                             "recipe": "knyazev2017"}, True),
    # the default since photos go through RetinaFace's points: the same cascade
    "mfn_aligned_cascade_new": ("cascade face recognition -> FER2013 + NHFI (aligned) "
                                "-> SFEW: shipped default mobilefacenet_fer_nhfi_aligned, "
                                "new head (Ng et al.), 64 px",
                                {**_MFN, "weights": "mobilefacenet_fer_nhfi_aligned"},
                                True),
    # the default since the weight average (issue 25): the same cascade
    "mfn_soup_cascade_new": ("cascade face recognition -> FER2013 + NHFI (aligned) -> "
                             "SFEW: shipped default mobilefacenet_fer_nhfi_soup, new head "
                             "(Ng et al.), 64 px",
                             {**_MFN, "weights": "mobilefacenet_fer_nhfi_soup"}, True),
    # the default since the three-way weight average (issue 25): the same cascade
    "mfn_soup3_cascade_new": ("cascade face recognition -> FER2013 + NHFI (aligned) -> "
                              "SFEW: shipped default mobilefacenet_fer_nhfi_soup3, new "
                              "head (Ng et al.), 64 px",
                              {**_MFN, "weights": "mobilefacenet_fer_nhfi_soup3"}, True),
    # the default since the 80 px model (issue 25): the same cascade on its 80 px crops
    "mfn80_cascade_new": ("cascade face recognition -> FER2013 + NHFI (aligned) -> SFEW: "
                          "shipped default mobilefacenet80_fer_nhfi, new head (Ng et al.), "
                          "80 px", {**_MFN80, "weights": "mobilefacenet80_fer_nhfi"}, True),
}


def _cnn(settings, new_head):
    settings = dict(settings)
    settings.pop("fer2013_subset", None)
    settings.pop("first_stage", None)
    settings.pop("aligner", None)
    backbone = settings.pop("backbone", "compact")
    if settings.get("weights") == "dlib-fer2013":
        settings["weights"] = str(DLIB_FER2013["path"])
    recipe = settings.pop("recipe", "ng2015")
    return CNNClassifier(backbone, recipe=recipe, max_epochs=CNN_EPOCHS, new_head=new_head,
                         valid_fraction=0, augment=True, random_state=0, device="cpu",
                         **settings)


@lru_cache(maxsize=1)
def fer2013_subset():
    """The FER2013 Training faces and class names of the combined rows and
    their cascades (read once)."""
    X, y, _ = training_data("fer2013", FER2013_SUBSET)
    return X, y


def fer2013_first_stage(stage, cache):
    """The weights file of a network trained on the FER2013 subset with the
    settings ``stage`` (trained once: its weights are read from ``cache``
    afterwards, and written to a file there), and a dict of its CPU seconds
    (training and PublicTest) and PublicTest accuracy."""
    backbone = stage.get("backbone", "compact")
    name = f"fer2013_{FER2013_SUBSET}_{backbone}"
    clf = _cnn(stage, new_head=False)
    key = [clf.get_params(), _weights_key(clf.weights), FER2013_SUBSET]

    def compute():
        clf.fit(*fer2013_subset())
        test = load_fer2013(subset="PublicTest")
        state = clf.net_.module_.backbone.state_dict()
        return {"publictest": np.float64(np.mean(clf.predict(test.images) == test.target)),
                **{f"weight:{k}": v.numpy() for k, v in state.items()}}
    out = _cached(cache, name, key, compute)
    path = cache.directory / f"{name}-{params_digest(CACHE_TAG, name, *key)}.pt"
    if not path.is_file():
        torch.save({k.removeprefix("weight:"): torch.from_numpy(np.asarray(v))
                    for k, v in out.items() if k.startswith("weight:")}, path)
    return path, {"cpu_s": float(out["cpu_s"]), "publictest": float(out["publictest"])}


def _fit_cnn(settings, new_head, X_tr, y_tr, X_te, names):
    """Probabilities on ``X_te`` (columns in the order of ``names``) of a CNN
    trained on ``X_tr`` and the class names ``y_tr`` (sorted names are the
    shipped model's output order, so the kept FER2013 head lines up), plus the
    FER2013 subset when the settings ask for it (train accuracy is on SFEW)."""
    X_fit, y_fit = X_tr, y_tr
    if settings.get("fer2013_subset"):
        X_fer, y_fer = fer2013_subset()
        if X_fer.shape[1:] != X_tr.shape[1:] or X_fer.dtype != X_tr.dtype:
            raise ValueError(f"FER2013 faces {X_fer.shape[1:]} {X_fer.dtype} do not "
                             f"match the SFEW faces {X_tr.shape[1:]} {X_tr.dtype}.")
        X_fit, y_fit = np.concatenate([X_tr, X_fer]), np.concatenate([y_tr, y_fer])
    clf = _cnn(settings, new_head).fit(X_fit, y_fit)
    order = [list(clf.classes_).index(n) for n in names]
    history = clf.net_.history
    return {"proba": clf.predict_proba(X_te)[:, order],
            "train_loss": np.array(history[:, "train_loss"]),
            "train_acc": np.float64(np.mean(clf.predict(X_tr) == y_tr))}


def cnn_probas(train, val, cache, rows):
    """Out-of-fold probabilities of each CNN row on Train (one cached file per
    fold), Val probabilities when Val exists, and CPU seconds."""
    names = list(train.target_names)
    y_names = np.array(names)[train.target]
    out = {}
    for key in rows:
        _, settings, new_head = CNN_ROWS[key]
        aligner_name = settings.get("aligner", CNN_ALIGNER)
        faces = aligned(train, aligner_name, cache)
        cpu, train_acc, first = float(faces["cpu_s"]), [], None
        if "first_stage" in settings:
            path, first = fer2013_first_stage(settings["first_stage"], cache)
            settings = {**settings, "weights": str(path)}
            cpu += first["cpu_s"]
        clf = _cnn(settings, new_head)
        base = [*_faces_key(train, aligner_name), clf.get_params(),
                _weights_key(clf.weights)]
        if settings.get("fer2013_subset"):
            base.append(["fer2013_subset", FER2013_SUBSET])
        proba = np.zeros((len(train.target), len(names)))
        for k, (tr, te) in enumerate(_folds(train)):
            fold = _cached(cache, f"cnn_{key}_fold{k}_{train.subset[0]}",
                           [*base, tr.tolist()],
                           partial(_fit_cnn, settings, new_head, faces["faces"][tr],
                                   y_names[tr], faces["faces"][te], names))
            proba[te] = fold["proba"]
            cpu += float(fold["cpu_s"])
            train_acc.append(float(fold["train_acc"]))
            print(f"  {key} fold {k}: accuracy "
                  f"{np.mean(fold['proba'].argmax(1) == train.target[te]):.3f}, "
                  f"final train loss {fold['train_loss'][-1]:.3f}", flush=True)
        val_proba = None
        if val is not None:
            val_faces = aligned(val, aligner_name, cache)
            whole = _cached(cache, f"cnn_{key}_all_{train.subset[0]}_{val.subset[0]}",
                            [*base, list(val.filenames)],
                            partial(_fit_cnn, settings, new_head, faces["faces"],
                                    y_names, val_faces["faces"], names))
            val_proba = whole["proba"]
            cpu += float(whole["cpu_s"]) + float(val_faces["cpu_s"])
        out[key] = {"proba": proba, "val": val_proba, "cpu_s": cpu,
                    "train_acc": train_acc, "first_stage": first}
    return out


def _fold_scores(train, pred):
    scores = [np.mean(pred[te] == train.target[te]) for _, te in _folds(train)]
    return np.mean(scores), np.std(scores)


def _row(label, train, pred, val, val_pred, cpu_s, command, note=""):
    mean, std = _fold_scores(train, pred)
    val_cell = "Val not present" if val is None else \
        f"{np.mean(val_pred == val.target):.1%}"
    return [label, f"{mean:.1%} ± {std:.1%}", val_cell, note, f"{cpu_s / 60:.1f}",
            f"`{command}`"]


def evaluation_rows(train, val, cache, rows_wanted, cnn_rows=tuple(CNN_ROWS)):
    rows, preds = [], {}
    cmd = "python benchmarks/sfew.py --rows"
    if "zero-shot" in rows_wanted:
        for label, (aligner_name, tta, model) in ZERO_SHOT.items():
            pred, cpu = zero_shot_predictions(train, aligner_name, tta, cache, model)
            val_pred = None
            if val is not None:
                val_pred, val_cpu = zero_shot_predictions(val, aligner_name, tta, cache,
                                                          model)
                cpu += val_cpu
            rows.append(_row(label, train, pred, val, val_pred, cpu,
                             f"{cmd} zero-shot", "no SFEW training"))
            preds[label] = pred
        if DLIB_FER2013["path"].is_file():
            label = ("FER-only zero-shot: dlib ResNet fine-tuned on FER2013 from its "
                     "face-recognition weights (claim15), tight-crop aligner, 112 px")
            pred, cpu = dlib_zero_shot(train, cache)
            val_pred = None
            if val is not None:
                val_pred, val_cpu = dlib_zero_shot(val, cache)
                cpu += val_cpu
            rows.append(_row(label, train, pred, val, val_pred, cpu,
                             f"{cmd} zero-shot", "no SFEW training"))
            preds[label] = pred
    if "svm" in rows_wanted:
        sources = {"compact": ("fer2013_tight", "compact"),
                   "dlib_resnet": ("dlib_chip_tight", "dlib_resnet"),
                   "hog": ("ng2015_tight", "hog")}
        dlib_fer = DLIB_FER2013["path"].is_file()
        if dlib_fer:
            sources["dlib_fer2013"] = (CNN_ALIGNER, "dlib_fer2013")
        out = svm_probas(train, val, sources, cache)
        labels = {
            "dlib_fer2013": "frozen dlib ResNet fine-tuned on FER2013 (claim15; {dim}-d, "
                            "48x48 gray faces at 112 px) + linear SVM",
            "compact": "frozen shipped compact FER2013 CNN ({dim}-d) + linear SVM",
            "dlib_resnet": "frozen dlib face-recognition ResNet ({dim}-d, 150x150 "
                           "chips) + linear SVM",
            "hog": "HOG baseline (OpenCV {dim}-d on the ng2015 crop at 48x48) + "
                   "linear SVM",
        }
        for name in ("compact", "dlib_resnet", "hog"):
            o = out[name]
            label = labels[name].format(dim=o["dim"])
            pred = o["proba"].argmax(1)
            val_pred = None if o["val"] is None else o["val"].argmax(1)
            rows.append(_row(label, train, pred, val, val_pred, o["cpu_s"],
                             f"{cmd} svm", f"C per fold {_fmt_c(o['C'])}"))
            preds[label] = pred
        avg = (out["compact"]["proba"] + out["dlib_resnet"]["proba"]) / 2
        val_avg = None if val is None else \
            ((out["compact"]["val"] + out["dlib_resnet"]["val"]) / 2).argmax(1)
        label = "compact + dlib ResNet SVMs, probabilities averaged"
        rows.append(_row(label, train, avg.argmax(1), val, val_avg,
                         out["compact"]["cpu_s"] + out["dlib_resnet"]["cpu_s"],
                         f"{cmd} svm", "from the two rows above"))
        preds[label] = avg.argmax(1)
        if dlib_fer:
            o = out["dlib_fer2013"]
            label = labels["dlib_fer2013"].format(dim=o["dim"])
            val_pred = None if o["val"] is None else o["val"].argmax(1)
            rows.append(_row(label, train, o["proba"].argmax(1), val, val_pred,
                             o["cpu_s"], f"{cmd} svm", f"C per fold {_fmt_c(o['C'])}"))
            preds[label] = o["proba"].argmax(1)
            avg = (out["compact"]["proba"] + o["proba"]) / 2
            val_avg = None if val is None else \
                ((out["compact"]["val"] + o["val"]) / 2).argmax(1)
            label = ("compact + FER2013-fine-tuned dlib ResNet SVMs, probabilities "
                     "averaged (Knyazev et al.'s one SVM per network)")
            rows.append(_row(label, train, avg.argmax(1), val, val_avg,
                             out["compact"]["cpu_s"] + o["cpu_s"], f"{cmd} svm",
                             "from the two SVM rows above"))
            preds[label] = avg.argmax(1)
    if "cnn" in rows_wanted:
        out = cnn_probas(train, val, cache, cnn_rows)
        for key in cnn_rows:
            label, settings, _ = CNN_ROWS[key]
            o = out[key]
            val_pred = None if o["val"] is None else o["val"].argmax(1)
            note = (f"{CNN_EPOCHS} epochs, batch 32, augmented, no inner validation; "
                    f"train accuracy after training {np.mean(o['train_acc']):.0%}")
            if settings.get("freeze"):
                note += "; the frozen layers' batch-norm statistics still adapt"
            if settings.get("fer2013_subset"):
                note += (f" (SFEW faces); each fold trains on {FER2013_SUBSET:,} "
                         "FER2013 faces + its SFEW faces")
            if o["first_stage"] is not None:
                note += (f"; FER2013 stage: {CNN_EPOCHS} epochs on the subset, "
                         f"PublicTest {o['first_stage']['publictest']:.3f}, trained "
                         "once for all folds (its CPU included)")
            rows.append(_row(label, train, o["proba"].argmax(1), val, val_pred,
                             o["cpu_s"], f"{cmd} cnn", note))
            preds[label] = o["proba"].argmax(1)
    return rows, preds


def _fmt_c(values):
    return ", ".join(f"{c:g}" for c in values)


def best_system(train, preds, result="sfew"):
    """Confusion matrix, per-class recall and cost-sensitive accuracy of the
    row with the best out-of-fold accuracy."""
    label = max(preds, key=lambda k: np.mean(preds[k] == train.target))
    pred = preds[label]
    names = list(train.target_names)
    y, p = np.array(names)[train.target], np.array(names)[pred]
    cm = confusion_matrix(y, p, labels=names)
    table = markdown_table(["true \\ predicted", *names, "recall"],
                           [[n, *cm[i], f"{cm[i, i] / cm[i].sum():.2f}"]
                            for i, n in enumerate(names)])
    recall = per_class_recall(y, p, labels=names)
    cost = similarity_cost_matrix(names)
    csa = cost_sensitive_accuracy(y, p, labels=names, cost_matrix=cost)
    disp = plot_confusion_matrix(y, p, labels=names)
    disp.ax_.set_title(f"SFEW Train, out-of-fold: {label[:60]}", fontsize=8)
    disp.figure_.tight_layout()
    disp.figure_.savefig(RESULTS / f"{result}_confusion.png", dpi=110)
    hardest = [f"{n} {recall[n]:.2f}" for n in sorted(names, key=recall.get)[:4]]
    return label, table, float(np.mean(pred == train.target)), csa, hardest


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    row_groups = ["faces", "zero-shot", "svm", "cnn"]
    parser.add_argument("--rows", nargs="+", default=row_groups, choices=row_groups)
    parser.add_argument("--cnn-rows", nargs="+", default=list(CNN_ROWS),
                        choices=list(CNN_ROWS), help="the cnn rows to run (all)")
    parser.add_argument("--result", default="sfew",
                        help="name of the results file (benchmarks/results/NAME.md); "
                             "give another name when running some rows only")
    parser.add_argument("--cache", default=str(Path("~/.cache/emosk-sfew").expanduser()))
    parser.add_argument("--dlib-weights", default=str(DLIB_FER2013["path"]),
                        help="the dlib ResNet fine-tuned on FER2013 at 112 px (the "
                             "--out of benchmarks/fer2013.py); its rows are left out "
                             "when the file is missing")
    args = parser.parse_args()
    DLIB_FER2013["path"] = Path(args.dlib_weights).expanduser()
    if not DLIB_FER2013["path"].is_file():
        print(f"{DLIB_FER2013['path']} not found: the fine-tuned dlib ResNet rows are "
              "left out", flush=True)
        args.cnn_rows = [r for r in args.cnn_rows if CNN_ROWS[r][1].get("weights")
                         != "dlib-fer2013"]
    cache = FeatureCache(args.cache)
    train = load_sfew(subset="Train", as_names=False)
    try:
        val = load_sfew(subset="Val", as_names=False)
    except DatasetNotFoundError:
        val = None
    parts = [f"SFEW 2.0 Train: {len(train.target)} faces, {len(set(train.groups))} movies "
             f"(`groups`); GroupKFold({N_FOLDS}) by movie. Val: "
             + ("not present in `$EMOSK_DATA/sfew` (held out of this project), so the "
                "Val column is empty." if val is None else f"{len(val.target)} faces.")]
    if "faces" in args.rows:
        parts.append("## Faces found in the organisers' tight crops\n\n"
                     "dlib HOG and Viola-Jones miss faces that fill the image; "
                     "`detect_border` pads each crop with a black border (a quarter of "
                     "its longer side) before detection and maps boxes back; "
                     "`assume_face` fits dlib's landmarks in the whole image where "
                     "nothing is detected and keeps them if they pass the landmark "
                     "check. A face not found is replaced by the whole crop resized "
                     "(`on_missing=\"frame\"`). (b) and (c) are read off the runs of "
                     "(b') and (c'): the faces detected there.\n\n"
                     + face_rows(train, cache)
                     + "\n\nCommand: `python benchmarks/sfew.py --rows faces`.")
    wanted = [r for r in args.rows if r != "faces"]
    if wanted:
        rows, preds = evaluation_rows(train, val, cache, wanted, args.cnn_rows)
        header = ["system", f"Train, grouped {N_FOLDS}-fold CV (mean ± std)", "Val",
                  "note", "CPU min", "command"]
        paper = [[f"paper: {p[0]}", p[1] or "-", p[2] or "-", f"Test {p[3]}", "-", "-"]
                 for p in PAPER]
        intro = ""
        if "cnn" in wanted:
            intro = ("The `cnn` rows train emosk's compact CNN on the 48x48 gray faces "
                     "of the tight-crop aligner (the zero-shot rows' faces) with "
                     "`CNNClassifier(recipe=\"ng2015\", valid_fraction=0, "
                     "augment=True, random_state=0)`: SGD lr 1e-3, momentum 0.9, weight "
                     f"decay 5e-4, lr / 10 after 10 epochs, {CNN_EPOCHS} epochs. The "
                     "cascade starts from the shipped FER2013 network (emosk's, trained "
                     "from random weights, not Ng et al.'s ImageNet -> FER2013 "
                     "networks); `weights=\"fer2013\"` keeps its 7-class head (SFEW's "
                     "emotions, in the same sorted order), and the \"new head\" rows "
                     "re-initialise it when training begins. The dlib ResNet rows read "
                     "the same 48x48 gray faces at a 112 px input (the side its FER2013 "
                     "fine-tuning used), same epochs, with Ng et al.'s recipe and with "
                     "the Knyazev recipe that fine-tuned it on FER2013 (Nesterov SGD, lr "
                     "5e-4, weight decay 5e-4, polynomial decay); their FER2013 network "
                     "is `--dlib-weights` (issue #15's claim run: 14,000 FER2013 "
                     "Training faces, 15 epochs, see `fr_claim.md`). The differences "
                     "between the cascade and zero-shot rows are smaller than the "
                     "spread over folds. The MobileFaceNet rows (issue 25) start from "
                     "the shipped default model, `weights=\"mobilefacenet_fer_nhfi\"`, "
                     "on its own 64x64 gray crops from the same tight-crop setting "
                     "(`face_aligner(\"mobilefacenet_fer_nhfi\", detect_border=0.25, "
                     "assume_face=True)`), `input_size=64`, same folds and epochs.\n\n"
                     "The combined rows are Ng et al.'s third setting in miniature: "
                     f"each fold trains one network on {FER2013_SUBSET:,} FER2013 "
                     "Training faces (the seeded subset of `fer2013.py --max-train`) "
                     "together with its SFEW faces, from the weights the cascade "
                     "starts from (random for the compact CNN, face recognition for "
                     "the dlib ResNet). The cascades marked \"the same\" go through "
                     f"those FER2013 faces first ({CNN_EPOCHS} epochs, once for all "
                     f"folds), then the SFEW fold ({CNN_EPOCHS} epochs, new head), so "
                     "both settings learn from the same faces. The "
                     "full FER2013 Training set would make each fold about 43 times "
                     "the cost of an SFEW-only fold.\n\n")
        parts.append("## Accuracy\n\n" + intro + markdown_table(header, rows + paper))
        label, table, acc, csa, hardest = best_system(train, preds, args.result)
        parts.append(
            f"## Best row: {label}\n\nOut-of-fold predictions on Train (accuracy "
            f"{acc:.1%}). Cost-sensitive accuracy {csa:.1%}: emosk's "
            "`cost_sensitive_accuracy` with `similarity_cost_matrix` (a confusion "
            "between similar emotions costs half), emosk's form of the idea of Ng et "
            "al., not their exact cost matrix. Hardest classes here: "
            f"{', '.join(hardest)} (recall). Plot: "
            f"`benchmarks/results/{args.result}_confusion.png`.\n\n"
            + table)
    parts.append(
        "## Not run (issue 18)\n\n"
        "Combined FER2013 + SFEW with all 28,709 FER2013 Training faces: about 29,400 "
        f"faces an epoch, {CNN_EPOCHS} epochs on 5 folds: about 4 hours on 2 cores for "
        "the compact CNN (162 training images/s) and about 6 for the dlib ResNet at "
        "112 px (100 images/s); the rows above use "
        f"{FER2013_SUBSET:,}. The cascade for AlexNet / VGG-CNN-M-2048, which start "
        "without ImageNet weights here (their FER2013 runs in `fer2013_runs.md` reach "
        "0.454 and 0.395 PublicTest after 3 epochs). Val accuracy (the split is held "
        "out of this project).")
    write_result(args.result, "SFEW 2.0 (Ng et al. 2015): faces, zero-shot, frozen-feature "
                 "SVMs and CNNs trained on SFEW on a CPU", "\n\n".join(parts))


if __name__ == "__main__":
    main()

"""Score averaging across feature sources and class-prior reweighting."""

from ._fusion import (
    FUSE_OPTIONS,
    VOICE_WEIGHTS,
    check_fusion_options,
    fuse_face_and_voice,
    fuse_probabilities,
    shared_classes,
)
from ._pipelines import (
    KNYAZEV2017_C_GRID,
    make_clip_pipeline,
    make_pooling,
    make_score_average,
)
from ._reweight import (
    EMOTIW2017_TEST_COUNTS,
    ClassPriorReweighter,
    prior_weights,
    reweight_probabilities,
)

__all__ = [
    "ClassPriorReweighter",
    "EMOTIW2017_TEST_COUNTS",
    "FUSE_OPTIONS",
    "VOICE_WEIGHTS",
    "KNYAZEV2017_C_GRID",
    "check_fusion_options",
    "fuse_face_and_voice",
    "fuse_probabilities",
    "make_clip_pipeline",
    "make_pooling",
    "make_score_average",
    "prior_weights",
    "reweight_probabilities",
    "shared_classes",
]

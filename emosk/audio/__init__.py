"""The audio modality: openSMILE features (optional extra ``emosk[audio]``).

openSMILE is free for research and education but not for commercial use.
Importing this module works without it; an informative ImportError comes only
when features are requested.
"""

from ._export import audio_model_arrays, audio_model_from_arrays
from ._opensmile import (
    LOGISTIC_C_GRID,
    AudioFeaturizer,
    make_audio_pipeline,
    smile_features,
    split_feature_sets,
)
from ._speaker import speaker_probabilities

__all__ = [
    "LOGISTIC_C_GRID",
    "AudioFeaturizer",
    "audio_model_arrays",
    "audio_model_from_arrays",
    "make_audio_pipeline",
    "smile_features",
    "speaker_probabilities",
    "split_feature_sets",
]

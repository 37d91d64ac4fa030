"""The audio modality: openSMILE features (optional extra ``emosk[audio]``).

openSMILE is free for research and education but not for commercial use.
Importing this module works without it; an informative ImportError comes only
when features are requested.
"""

from ._opensmile import AudioFeaturizer, make_audio_pipeline, smile_features

__all__ = ["AudioFeaturizer", "make_audio_pipeline", "smile_features"]

"""Generated clips shared by the examples (not an example itself)."""

import numpy as np

CLASSES = ("angry", "happy", "neutral", "surprise")


def make_clips(n_clips=200, *, n_features=12, priors=(0.2, 0.35, 0.3, 0.15), seed=0):
    """Clips of frame features whose class lies partly in their dynamics.

    Each class shifts a few features (what mean pooling sees), has its own
    frame-to-frame spread (what std/min/max see) and its own oscillation
    frequency (what FFT pooling sees).  Also returns a per-clip "audio"
    vector and a second, noisier "video" source.
    """
    rng = np.random.default_rng(seed)
    y = rng.choice(CLASSES, size=n_clips, p=priors)
    samples = []
    for label in y:
        k = CLASSES.index(label)
        t = np.arange(int(rng.integers(8, 40)))
        offset = np.zeros(n_features)
        offset[k] = 0.3
        spread = 0.6 + 0.3 * (k % 2)
        wave = np.sin(2 * np.pi * (0.05 + 0.1 * k) * t + rng.uniform(0, 6))[:, None]
        a = offset + spread * rng.normal(size=(len(t), n_features)) + 0.5 * wave
        b = a[:, ::-1] + rng.normal(scale=1.0, size=a.shape)
        audio = rng.normal(size=8)
        audio[k] += 0.7
        samples.append({"video_a": a, "video_b": b, "audio": audio})
    return samples, y

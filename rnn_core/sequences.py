"""Input sequences for the lessons: one-hot words, a sine wave, a single impulse."""

from __future__ import annotations

import numpy as np

SENTENCE = ("let's", "meet", "for", "lunch")

PRESETS = {
    "words": "one-hot words: let's meet for lunch",
    "sine": "sine wave (period 12 steps)",
    "impulse": "single impulse at step 1",
}


def one_hot(indices, size):
    """(T,) integer indices -> (T, size) float64 one-hot rows."""
    indices = np.asarray(indices)
    out = np.zeros(indices.shape + (size,))
    np.put_along_axis(out, indices[..., None], 1.0, axis=-1)
    return out


def preset(name, length, seed=0):
    """A (length, I) float64 input sequence x_1 .. x_T (row t - 1 holds x_t).

    words:   the sentence "let's meet for lunch", one-hot over its 4 words, repeated;
    sine:    x_t = sin(2 pi (t - 1) / 12), one feature (x_1 = 0, period 12 steps);
    impulse: x_1 = 1 and x_t = 0 afterwards, one feature.
    seed is accepted for presets with randomness (none of these has any).
    """
    t = np.arange(length)  # t - 1 for steps t = 1 .. T
    if name == "words":
        return one_hot(t % len(SENTENCE), len(SENTENCE))
    if name == "sine":
        return np.sin(2 * np.pi * t / 12)[:, None]
    if name == "impulse":
        return (t == 0).astype(np.float64)[:, None]
    raise ValueError(f"unknown preset {name!r}; choose one of {sorted(PRESETS)}")


def preset_labels(name, length):
    """A short label for each step's input: the word, or the value."""
    x = preset(name, length)
    if name == "words":
        return [SENTENCE[t % len(SENTENCE)] for t in range(length)]
    return [f"{v:.2f}".replace("-0.00", "0.00") for v in x[:, 0]]   # sin(pi) is -1e-16: no "-0.00"


def feature_names(name):
    """Names of the input features of a preset."""
    return list(SENTENCE) if name == "words" else ["x"]

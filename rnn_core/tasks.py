"""The "let's meet for ___" recall task: remember one word across a gap of filler words.

A sentence is

    context   filler_1 ... filler_gap   let's meet for   ->   meal

where the context word decides the meal (morning -> breakfast, afternoon -> lunch,
evening -> dinner, break -> coffee) and the fillers are drawn uniformly at random
from twelve neutral words. Only the first word matters, so a model must carry it
through ``gap + 3`` steps; guessing gives 1 / 4. Inputs are one-hot over the
vocabulary, the target is the meal's index.

Training batches come from one random stream per seed, the held-out test set from
another: both are children of ``np.random.SeedSequence(seed)`` with different spawn
keys, so no draw is shared between them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

CONTEXTS = ("morning", "afternoon", "evening", "break")
MEALS = ("breakfast", "lunch", "dinner", "coffee")
FILLERS = ("so", "we", "could", "maybe", "then", "talk", "about", "the", "plan", "and", "see", "you")
PROMPT = ("let's", "meet", "for")
VOCAB = CONTEXTS + FILLERS + PROMPT
WORD_INDEX = {word: k for k, word in enumerate(VOCAB)}
CHANCE = 1.0 / len(MEALS)
MAX_GAP = 100

TRAIN_STREAM, TEST_STREAM = 0, 1  # spawn keys of the two random streams of a seed


class UnknownWordError(ValueError):
    """A typed word outside the vocabulary; the message lists the vocabulary."""


@dataclass(frozen=True)
class Batch:
    """tokens (B, T) word indices; targets (B,) meal indices; x (T, B, V) one-hot inputs."""

    tokens: np.ndarray
    targets: np.ndarray
    x: np.ndarray

    @property
    def size(self):
        return self.tokens.shape[0]

    @property
    def gap(self):
        return self.tokens.shape[1] - 1 - len(PROMPT)

    def sentences(self):
        return [decode(row) for row in self.tokens]


def stream(seed, which):
    """The random generator of one stream (TRAIN_STREAM or TEST_STREAM) of a seed."""
    return np.random.default_rng(np.random.SeedSequence(int(seed), spawn_key=(which,)))


def one_hot_inputs(tokens, dtype=np.float64):
    """(B, T) word indices -> (T, B, V) one-hot inputs, time first like the cells want."""
    tokens = np.asarray(tokens)
    return np.eye(len(VOCAB), dtype=dtype)[tokens.T]


def sample_batch(rng, gap, batch_size, dtype=np.float64):
    """batch_size sentences: a random context word, gap random fillers, then "let's meet for"."""
    if not 0 <= int(gap) <= MAX_GAP:
        raise ValueError(f"gap must be between 0 and {MAX_GAP}, got {gap}")
    contexts = rng.integers(len(CONTEXTS), size=batch_size)
    fillers = rng.integers(len(FILLERS), size=(batch_size, int(gap))) + len(CONTEXTS)
    prompt = np.broadcast_to([WORD_INDEX[w] for w in PROMPT], (batch_size, len(PROMPT)))
    tokens = np.concatenate([contexts[:, None], fillers, prompt], axis=1)
    return Batch(tokens=tokens, targets=contexts, x=one_hot_inputs(tokens, dtype))


def training_batches(seed, gap, batch_size, dtype=np.float64):
    """An endless iterator of fresh training batches from the seed's training stream."""
    rng = stream(seed, TRAIN_STREAM)
    while True:
        yield sample_batch(rng, gap, batch_size, dtype)


def held_out_set(seed, gap, size=512, dtype=np.float64):
    """The held-out sentences: drawn from the seed's test stream, never from the training stream."""
    return sample_batch(stream(seed, TEST_STREAM), gap, size, dtype)


def tokenize(sentence):
    """Lower-case words; punctuation other than the apostrophe in "let's" is ignored."""
    text = sentence.lower().replace("\u2019", "'")
    return re.findall(r"[a-z]+(?:'[a-z]+)?", text)


def encode(sentence):
    """A typed sentence -> (T,) word indices. Unknown words raise UnknownWordError."""
    words = tokenize(sentence)
    if not words:
        raise UnknownWordError("Type at least one word. The vocabulary is: " + ", ".join(VOCAB) + ".")
    unknown = [w for w in dict.fromkeys(words) if w not in WORD_INDEX]
    if unknown:
        raise UnknownWordError(
            "Not in the vocabulary: " + ", ".join(repr(w) for w in unknown)
            + ". The models only know these words: " + ", ".join(VOCAB) + ".")
    return np.array([WORD_INDEX[w] for w in words])


def decode(tokens):
    return " ".join(VOCAB[int(k)] for k in tokens)


def example_sentence(context="afternoon", gap=8, seed=0):
    """A readable sentence of the task (fillers from the seed's test stream)."""
    rng = stream(seed, TEST_STREAM)
    fillers = [FILLERS[k] for k in rng.integers(len(FILLERS), size=gap)]
    return " ".join([context, *fillers, *PROMPT])

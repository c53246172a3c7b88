"""Why recurrent networks: sequence shapes, the cost of a fixed-size layer, and memory.

A fully connected (dense) layer takes a whole sequence at once by flattening it:
T steps of I features become one vector of T*I numbers, and the layer keeps one
weight per (input position, hidden unit), so its size is tied to T:

    z = W x_flat + b,          W: (H, T*I),   parameters = H*T*I + H

An RNN cell reuses the same weights at every step, so one cell reads any length:

    h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh),   parameters = H*(I+H) + 2H  (cell.num_parameters)

A sequence shape says at which steps an unrolled RNN reads an input x_t and at
which it emits an output y_t (Karpathy's one-to-many, many-to-one, ...).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import islice, cycle

import numpy as np

from .sequences import one_hot

SHAPES = ("one_to_one", "one_to_many", "many_to_one", "many_to_many_delayed", "many_to_many_synced")


@dataclass(frozen=True)
class Layout:
    """An unrolled network: hidden states h_1..h_steps (index 0..steps-1),
    the steps that read an input, the steps that emit an output, and whether
    each hidden state is passed on to the next step."""

    name: str
    steps: int
    inputs: tuple[int, ...]
    outputs: tuple[int, ...]
    recurrent: bool

    @property
    def recurrent_edges(self) -> int:
        """Arrows h_{t-1} -> h_t: steps - 1 when recurrent, else none."""
        return self.steps - 1 if self.recurrent else 0


def layout(name: str, length: int) -> Layout:
    """The unrolled layout of a sequence shape with sequences of `length` steps.

    one_to_one:            1 step, 1 input, 1 output, no recurrence (a feed-forward net; length ignored)
    one_to_many:           length steps, input at step 0, an output at every step
    many_to_one:           length steps, an input at every step, one output at the last
    many_to_many_delayed:  2*length steps: an encoder reads `length` inputs, then a decoder emits `length` outputs
    many_to_many_synced:   length steps, an input and an output at every step
    """
    if name not in SHAPES:
        raise ValueError(f"unknown shape {name!r}; choose one of {SHAPES}")
    n = int(length)
    if n < 1:
        raise ValueError(f"length must be at least 1, got {length}")
    every = tuple(range(n))
    if name == "one_to_one":
        return Layout(name, 1, (0,), (0,), recurrent=False)
    if name == "one_to_many":
        return Layout(name, n, (0,), every, recurrent=True)
    if name == "many_to_one":
        return Layout(name, n, every, (n - 1,), recurrent=True)
    if name == "many_to_many_delayed":
        return Layout(name, 2 * n, every, tuple(range(n, 2 * n)), recurrent=True)
    return Layout(name, n, every, every, recurrent=True)


def dense_num_parameters(input_size: int, length: int, hidden_size: int) -> int:
    """H*T*I + H: a dense layer from a flattened (T, I) sequence to H units, with bias."""
    return hidden_size * length * input_size + hidden_size


def fit_to_length(x, length: int):
    """Force a (T, I) sequence to `length` steps, the way a fixed-size layer needs it.

    Longer sequences lose their last steps (truncation); shorter ones get zero
    steps appended (padding). Returns (fitted (length, I), steps_dropped, steps_padded).
    """
    x = np.asarray(x, dtype=np.float64)
    kept = x[:length]
    padded = length - kept.shape[0]
    fitted = np.concatenate([kept, np.zeros((padded, x.shape[1]))]) if padded else kept
    return fitted, x.shape[0] - kept.shape[0], padded


# "Let's meet for ___": a word early in the message (afternoon or evening) decides the answer.
MEET_OPENING = ("we", "are", "free", "this")
MEET_TIME_WORDS = ("afternoon", "evening")
MEET_FILLER = ("and", "then", "we", "could", "talk", "about", "the", "trip")
MEET_ENDING = ("so", "let's", "meet", "for")
MEET_VOCAB = tuple(dict.fromkeys(MEET_OPENING + MEET_TIME_WORDS + MEET_FILLER + MEET_ENDING))


def meet_message(time_word: str, gap: int) -> tuple[str, ...]:
    """'we are free this <time_word> <gap filler words> so let's meet for'."""
    if time_word not in MEET_TIME_WORDS:
        raise ValueError(f"time_word must be one of {MEET_TIME_WORDS}, not {time_word!r}")
    filler = tuple(islice(cycle(MEET_FILLER), int(gap)))
    return MEET_OPENING + (time_word,) + filler + MEET_ENDING


def encode(words) -> np.ndarray:
    """(T,) words of MEET_VOCAB -> (T, len(MEET_VOCAB)) one-hot rows."""
    return one_hot([MEET_VOCAB.index(w) for w in words], len(MEET_VOCAB))


def state_distance(trace_a, trace_b) -> np.ndarray:
    """(T,) ||h_t^a - h_t^b||: how differently two messages left the hidden state at each step."""
    return np.linalg.norm(trace_a.h - trace_b.h, axis=-1)


def share_left(state_difference, time_step: int) -> float:
    """How much of the difference the time word made is left at the last step: ||h_T^a - h_T^b|| divided by
    ||h_k^a - h_k^b|| at the time word's step k (``time_step``, from 0). Below 1 the difference has faded."""
    first = float(state_difference[time_step])
    return float(state_difference[-1]) / first if first else 0.0


def percent(share: float) -> str:
    """A share as a percentage a teacher can read out: '1.3%', '45%', 'less than 0.1%'."""
    if share < 0.001:
        return "less than 0.1%"
    return f"{100 * share:.2g}%" if share < 0.1 else f"{100 * share:.0f}%"

"""The "cliff" of Pascanu, Mikolov and Bengio (2013): one recurrent unit, no input.

    h_t = w tanh(h_{t-1}) + b,     t = 1..T,  h_0 given
    L   = (h_T - target)^2

For w > 1 the map has two stable fixed points; which one h_T ends near depends on
(w, b), and where that switches the loss jumps: a thin wall whose face has an
enormous gradient. A plain gradient-descent step that lands on the face is thrown
far away; clipping the gradient's norm bounds every step by learning_rate * max_norm.

Backward (BPTT, one scalar state):

    dL/dh_T     = 2 (h_T - target)
    dL/dh_{t-1} = dL/dh_t * w * (1 - tanh(h_{t-1})^2)
    dL/dw       = sum_t dL/dh_t * tanh(h_{t-1})
    dL/db       = sum_t dL/dh_t

Everything is vectorised over arrays of (w, b).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .clipping import clip_by_norm, clip_by_value

STEPS = 50
H0 = 0.5
TARGET = 0.7

# The demonstration's start and learning rate: from here plain gradient descent walks
# into the wall and one step lands on its face (tests/core/test_cliff.py checks it).
START = (2.2, 0.6)
LEARNING_RATE = 0.01
ITERATIONS = 60


def cliff_states(w, b, steps=STEPS, h0=H0):
    """(steps + 1, *shape) states h_0..h_T for every (w, b) pair (broadcast)."""
    w, b = np.broadcast_arrays(np.asarray(w, dtype=np.float64), np.asarray(b, dtype=np.float64))
    hs = [np.full(w.shape, h0, dtype=np.float64)]
    for _ in range(steps):
        hs.append(w * np.tanh(hs[-1]) + b)                  # h_t = w tanh(h_{t-1}) + b
    return np.stack(hs)


def cliff_loss(w, b, steps=STEPS, h0=H0, target=TARGET):
    """L = (h_T - target)^2 for every (w, b) pair."""
    return (cliff_states(w, b, steps, h0)[-1] - target) ** 2


def cliff_surface(ws, bs, steps=STEPS, h0=H0, target=TARGET):
    """Loss on the grid: (len(bs), len(ws)), row i is b = bs[i] (Plotly's z layout)."""
    W, B = np.meshgrid(np.asarray(ws, dtype=np.float64), np.asarray(bs, dtype=np.float64))
    return cliff_loss(W, B, steps, h0, target)


def cliff_gradient(w, b, steps=STEPS, h0=H0, target=TARGET):
    """(loss, dL/dw, dL/db) by backpropagation through time, vectorised over (w, b)."""
    w = np.asarray(w, dtype=np.float64)
    hs = cliff_states(w, b, steps, h0)
    dh = 2 * (hs[-1] - target)                              # dL/dh_T
    dw, db = np.zeros_like(dh), np.zeros_like(dh)
    for t in range(steps, 0, -1):
        squashed = np.tanh(hs[t - 1])
        dw = dw + dh * squashed                             # h_t = w tanh(h_{t-1}) + b
        db = db + dh
        dh = dh * w * (1 - squashed ** 2)                   # dL/dh_{t-1}
    return (hs[-1] - target) ** 2, dw, db


@dataclass(frozen=True)
class Descent:
    """A gradient-descent run: points (n+1, 2) of (w, b); losses (n+1,);
    grad_norms (n,) the gradient's norm before clipping; step_lengths (n,) ||p_{i+1} - p_i||."""

    points: np.ndarray
    losses: np.ndarray
    grad_norms: np.ndarray
    step_lengths: np.ndarray
    clip: str | None
    threshold: float | None

    @property
    def largest_step(self):
        return float(self.step_lengths.max()) if self.step_lengths.size else 0.0

    @property
    def largest_step_index(self):
        return int(np.argmax(self.step_lengths)) if self.step_lengths.size else 0

    @property
    def distance_from_start(self):
        """(n+1,) ||p_i - p_0||."""
        return np.linalg.norm(self.points - self.points[0], axis=1)


def descend(start=START, learning_rate=LEARNING_RATE, iterations=ITERATIONS, clip=None, threshold=1.0,
            steps=STEPS, h0=H0, target=TARGET):
    """Plain gradient descent on (w, b): p <- p - learning_rate * g, with g optionally clipped.

    clip: None, "norm" (rnn_core.clip_by_norm: the whole gradient rescaled to norm <= threshold)
    or "value" (rnn_core.clip_by_value: each entry clamped to [-threshold, threshold]).
    Stops early if the parameters or the loss leave the float range.
    """
    if clip not in (None, "norm", "value"):
        raise ValueError(f"clip must be None, 'norm' or 'value', not {clip!r}")
    p = np.asarray(start, dtype=np.float64)
    points, losses, norms = [p], [], []
    for _ in range(iterations):
        loss, dw, db = cliff_gradient(p[0], p[1], steps, h0, target)
        losses.append(float(loss))
        grads = {"w": np.asarray(dw), "b": np.asarray(db)}
        norms.append(float(np.hypot(dw, db)))
        if clip == "norm":
            grads, _ = clip_by_norm(grads, threshold)
        elif clip == "value":
            grads = clip_by_value(grads, threshold)
        p = p - learning_rate * np.array([grads["w"], grads["b"]], dtype=np.float64)
        if not np.all(np.isfinite(p)):
            break
        points.append(p)
    points = np.array(points)
    losses = losses[:len(points) - 1]
    losses.append(float(cliff_loss(points[-1, 0], points[-1, 1], steps, h0, target)))
    return Descent(points=points, losses=np.array(losses), grad_norms=np.array(norms[:len(points) - 1]),
                   step_lengths=np.linalg.norm(np.diff(points, axis=0), axis=1),
                   clip=clip, threshold=None if clip is None else float(threshold))

"""A one-unit tanh RNN, small enough to compute by hand: the warm-up of lessons 2 (forward) and 3 (backward).

    h_t = tanh(w_x x_t + w_h h_{t-1} + b),   t = 1 .. T,   h_0 given (0 by default)
    L   = (h_T - y*)^2 / 2                   a squared error on the last state only, target y*

Backward, one line per equation (the chain rule through time):

    dL/dh_T     = h_T - y*
    dL/da_t     = dL/dh_t * (1 - h_t^2)      a_t = w_x x_t + w_h h_{t-1} + b, tanh'(a) = 1 - tanh(a)^2
    dL/dh_{t-1} = dL/da_t * w_h              the only way back to an earlier step
    dL/dw_h     = sum_t dL/da_t * h_{t-1}    one term per step: the weight is used at every step
    dL/dw_x     = sum_t dL/da_t * x_t
    dL/db       = sum_t dL/da_t

Lists of Python floats in, plain floats out: nothing here needs a matrix. The RNN cell of
``rnn_core.cells`` with H = I = 1 computes the same numbers (tests check it).
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class ScalarForward:
    pre: tuple[float, ...]      # a_t = w_x x_t + w_h h_{t-1} + b, for t = 1 .. T
    h: tuple[float, ...]        # h_0, h_1, .. h_T (h[0] is the initial state)


def forward(w_x: float, w_h: float, b: float, xs, h0: float = 0.0) -> ScalarForward:
    """The states h_1 .. h_T of the one-unit RNN, with every pre-activation."""
    pre, h = [], [float(h0)]
    for x in xs:
        a = w_x * x + w_h * h[-1] + b          # a_t = w_x x_t + w_h h_{t-1} + b
        pre.append(a)
        h.append(math.tanh(a))                 # h_t = tanh(a_t)
    return ScalarForward(tuple(pre), tuple(h))


@dataclass(frozen=True)
class ScalarBackward:
    loss: float                  # L = (h_T - y*)^2 / 2
    dh: tuple[float, ...]        # dL/dh_t, t = 1 .. T
    da: tuple[float, ...]        # dL/da_t, t = 1 .. T
    w_h_terms: tuple[float, ...]  # dL/da_t * h_{t-1}: the term of step t in dL/dw_h
    w_x_terms: tuple[float, ...]  # dL/da_t * x_t
    b_terms: tuple[float, ...]   # dL/da_t

    @property
    def dw_h(self) -> float:
        return math.fsum(self.w_h_terms)

    @property
    def dw_x(self) -> float:
        return math.fsum(self.w_x_terms)

    @property
    def db(self) -> float:
        return math.fsum(self.b_terms)


def backward(w_x: float, w_h: float, b: float, xs, target: float, h0: float = 0.0) -> ScalarBackward:
    """Backpropagation through time for L = (h_T - y*)^2 / 2 (y* = target), every term listed."""
    xs = [float(x) for x in xs]
    fwd = forward(w_x, w_h, b, xs, h0)
    T, h = len(xs), fwd.h
    dh, da = [0.0] * T, [0.0] * T
    dh[T - 1] = h[T] - target                          # dL/dh_T = h_T - y*
    for t in reversed(range(T)):                       # t is 0-based here: step t + 1
        da[t] = dh[t] * (1.0 - h[t + 1] ** 2)          # dL/da_t = dL/dh_t * tanh'(a_t)
        if t > 0:
            dh[t - 1] = da[t] * w_h                    # dL/dh_{t-1} = dL/da_t * w_h
    return ScalarBackward(loss=0.5 * (h[T] - target) ** 2, dh=tuple(dh), da=tuple(da),
                          w_h_terms=tuple(da[t] * h[t] for t in range(T)),
                          w_x_terms=tuple(da[t] * xs[t] for t in range(T)), b_terms=tuple(da))

"""Lesson 2's network: one RNN cell whose recurrent matrix has a chosen largest singular value, run step by step.

    W_hh = U diag(s_max, ..., s_max / 2) V^T      singular values evenly from s_max down to half of it
    W_ih entries uniform in [-alpha, alpha]        the input weight scale alpha
    h_t  = f(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh),   h_0 = 0,   t = 1 .. T

``lesson_cell`` builds the cell, ``run_by_steps`` is the loop the unrolled diagram draws (one call of
``RNN.step`` per column); the fast ``RNN.unroll`` computes the same numbers (tests check it).
"""

from __future__ import annotations

import numpy as np

from .cells import RNN
from .spectra import matrix_with_singular_values


def lesson_cell(input_size: int, hidden_size: int, nonlinearity: str, s_max: float, alpha: float, seed: int) -> RNN:
    """The RNN of lesson 2: W_hh with singular values s_max .. s_max/2, W_ih uniform in [-alpha, alpha]."""
    base = RNN.random(input_size, hidden_size, nonlinearity=nonlinearity, seed=seed)  # biases: PyTorch's init
    singular_values = s_max * np.linspace(1.0, 0.5, hidden_size)                    # s_1 = s_max, ..., s_H = s_max/2
    return RNN(
        weight_ih=alpha * np.sqrt(hidden_size) * base.weight_ih,  # PyTorch draws U(-1/sqrt(H), 1/sqrt(H)): now U(-alpha, alpha)
        weight_hh=matrix_with_singular_values(singular_values, seed=seed),
        bias_ih=base.bias_ih, bias_hh=base.bias_hh, nonlinearity=nonlinearity,
    )


def run_by_steps(cell: RNN, x) -> np.ndarray:
    """h_1 .. h_T, one step at a time: column t of the unrolled diagram is cell.step(x_t, h_{t-1})."""
    h = np.zeros(cell.hidden_size)                 # h_0 = 0
    states = []
    for x_t in np.asarray(x, dtype=np.float64):    # x_1, x_2, ..., x_T
        h = cell.step(x_t, h)                      # h_t = f(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)
        states.append(h)
    return np.array(states).reshape(len(states), cell.hidden_size)


def spectral_radius(matrix) -> float:
    """rho: the largest |eigenvalue| of a square matrix (never above its largest singular value)."""
    return float(np.max(np.abs(np.linalg.eigvals(np.asarray(matrix, dtype=np.float64)))))

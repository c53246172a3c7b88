"""Singular values, Jacobian norms: the numbers behind vanishing and exploding gradients.

Counting steps from 1 as the lessons do, backpropagating from the last state to step t
multiplies by the step Jacobians

    d s_T / d s_t = J_T J_{T-1} ... J_{t+1},   J_k = d s_k / d s_{k-1}

where s is the state (h for RNN and GRU, [h; c] for the LSTM). For a tanh RNN
J_k = diag(1 - h_k^2) W_hh, so ||d s_T/d s_t|| <= (gamma * s_max(W_hh))^(T-t)
with gamma = 1 bounding tanh'; for a linear RNN with W_hh = sigma * Q (Q orthogonal)
it equals sigma^(T-t) exactly. In code, entry t-1 of a (T,) array is step t: entry 0 is
d s_T / d s_1 (T - 1 Jacobians), the last entry d s_T / d s_T = I.
"""

from __future__ import annotations

import numpy as np


def random_orthogonal(n, rng):
    """Haar-distributed orthogonal matrix (QR of a Gaussian, signs fixed)."""
    q, r = np.linalg.qr(rng.standard_normal((n, n)))
    return q * np.sign(np.diag(r))


def matrix_with_singular_values(singular_values, seed=0):
    """W = U diag(s) V^T with U, V random orthogonal: its singular values are exactly s."""
    s = np.asarray(singular_values, dtype=np.float64)
    rng = np.random.default_rng(seed)
    U, V = random_orthogonal(len(s), rng), random_orthogonal(len(s), rng)
    return (U * s) @ V.T


def jacobian_log_norms(cell, trace):
    """(T,) natural log of ||d s_T / d s_t||_2 (entry t-1 for step t); never overflows (-inf where it is 0).

    The running product is renormalised at every step (by its largest entry) and
    its scale kept as a log; the spectral norms are then taken in one batched SVD.
    """
    J = cell.step_jacobians(trace)
    T, S = J.shape[0], J.shape[1]
    products = np.empty((T, S, S))
    log_scales = np.zeros(T)
    product, log_scale = np.eye(S), 0.0
    products[T - 1] = product
    for t in range(T - 2, -1, -1):
        product = product @ J[t + 1]              # d s_T/d s_k = (d s_T/d s_{k+1}) J_{k+1}, k = t + 1
        scale = np.max(np.abs(product)) if np.all(np.isfinite(product)) else np.nan  # squares would overflow
        if not scale > 0:                         # exactly zero (dead relu units) or not finite
            products[:t + 1], log_scales[:t + 1] = 0.0, (-np.inf if scale == 0 else np.nan)
            break
        product = product / scale
        log_scale += np.log(scale)
        products[t], log_scales[t] = product, log_scale
    with np.errstate(divide="ignore", invalid="ignore"):
        finite = np.isfinite(log_scales)
        spectral = np.zeros(T)
        gram = np.swapaxes(products[finite], 1, 2) @ products[finite]   # ||P||_2^2 = top eigenvalue of P^T P
        spectral[finite] = np.sqrt(np.maximum(np.linalg.eigvalsh(gram)[:, -1], 0.0))
        return np.where(finite, log_scales + np.log(spectral), log_scales)


def jacobian_norms(cell, trace):
    """(T,) spectral norm of d state_T / d state_t (entry t-1 for step t); the last entry is 1.

    state is h (RNN, GRU) or [h; c] (LSTM), for a single sequence (batch item 0).
    Past the float range the entry is inf: use jacobian_log_norms to plot it.
    """
    with np.errstate(over="ignore"):
        return np.exp(jacobian_log_norms(cell, trace))


def jacobian(cell, trace, t):
    """The full matrix d state_T / d state_{t+1} for the code index t (for tests and heatmaps)."""
    J = cell.step_jacobians(trace)
    product = np.eye(J.shape[1])
    for k in range(J.shape[0] - 1, t, -1):
        product = product @ J[k]
    return product


def forget_gate_highway(trace):
    """(T, [B,] H): d c_{T-1} / d c_t along the cell-state path alone = prod_{k>t} f_k (elementwise)."""
    f = trace.gates["f"]
    reversed_cumprod = np.cumprod(f[::-1], axis=0)[::-1]     # prod_{k>=t} f_k
    ones = np.ones_like(f[:1])
    return np.concatenate([reversed_cumprod[1:], ones], axis=0)

"""Backpropagation through time for the tanh RNN, one line per equation (the teaching version).

In the style of Karpathy's min-char-rnn (2015): the forward pass and the backward pass side by
side, every equation one line, steps counted 1..T as the lessons count them (h[0] is h_0):

    forward,  t = 1 .. T                          backward, t = T .. 1
    h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1}     dL/dy_t  = p_t - onehot(target_t)
               + b_hh)                            dL/dh_t  = W_hy^T dL/dy_t + (from step t+1)
    y_t = W_hy h_t + b_y                          dL/da_t  = dL/dh_t * (1 - h_t^2)
    p_t = softmax(y_t)                            dL/dW_hh += dL/da_t h_{t-1}^T   (one term per step)
    L_t = -log p_t[target_t]                      dL/dW_ih += dL/da_t x_t^T
                                                  dL/db    += dL/da_t
                                                  (to step t-1) = W_hh^T dL/da_t

a_t is the pre-activation W_ih x_t + b_ih + W_hh h_{t-1} + b_hh. ``RNN.backward`` computes the same
numbers with in-place buffers, for speed (tests check that they agree).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class ByHand:
    losses: np.ndarray   # (T,) L_t
    h: np.ndarray        # (T, H) h_1 .. h_T
    dh: np.ndarray       # (T, H) dL/dh_1 .. dL/dh_T, everything that reaches h_t
    params: dict         # dL/dW_ih, dL/dW_hh, dL/db_ih, dL/db_hh


def loss_and_gradients(cell, readout, x, targets, h0=None) -> ByHand:
    """The per-step losses of a many-to-many tanh RNN and their gradients, by backpropagation through time."""
    if cell.nonlinearity != "tanh":
        raise ValueError("written for tanh, whose slope is 1 - h_t^2")
    T, H = len(x), cell.hidden_size
    h = [np.zeros(H) if h0 is None else np.asarray(h0, dtype=np.float64)]   # h[0] = h_0
    p, losses = [None], []
    for t in range(1, T + 1):
        h.append(cell.step(x[t - 1], h[t - 1]))                    # h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)
        y = readout.weight @ h[t] + readout.bias                   # y_t = W_hy h_t + b_y
        p.append(np.exp(y - y.max()) / np.sum(np.exp(y - y.max())))  # p_t = softmax(y_t)
        losses.append(-np.log(p[t][targets[t - 1]]))               # L_t = -log p_t[target_t]
    grads = {name: np.zeros_like(value) for name, value in cell.params.items()}
    dh = [None] * (T + 1)
    from_later = np.zeros(H)                                       # nothing comes back to h_T from later steps
    for t in range(T, 0, -1):
        dy = p[t].copy()
        dy[targets[t - 1]] -= 1                                    # dL_t/dy_t = p_t - onehot(target_t)
        dh[t] = readout.weight.T @ dy + from_later                 # dL/dh_t = its own loss + every later step
        da = dh[t] * (1 - h[t] ** 2)                               # dL/da_t = dL/dh_t * tanh'(a_t)
        grads["weight_hh"] += np.outer(da, h[t - 1])               # the term of step t: dL/da_t h_{t-1}^T
        grads["weight_ih"] += np.outer(da, x[t - 1])               # dL/da_t x_t^T
        grads["bias_hh"] += da
        grads["bias_ih"] += da
        from_later = cell.weight_hh.T @ da                         # to h_{t-1}: back through W_hh
    return ByHand(losses=np.array(losses), h=np.array(h[1:]), dh=np.array(dh[1:]), params=grads)


def central_difference(loss, w, eps=1e-6):
    """The slope of loss(w) at w, measured without any calculus: (loss(w + eps) - loss(w - eps)) / (2 eps)."""
    return (loss(w + eps) - loss(w - eps)) / (2 * eps)

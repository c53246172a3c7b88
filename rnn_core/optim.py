"""SGD and Adam as pure functions: (params, grads, state) -> (new params, new state).

params and grads are dicts name -> array; the state is an immutable record, so a
training step never changes anything it was given. The updates are those of
torch.optim.SGD and torch.optim.Adam (no weight decay):

SGD with momentum mu (buffer b starts as the first gradient, as in PyTorch):
    b_t = mu * b_{t-1} + g_t           (b_1 = g_1)
    p_t = p_{t-1} - lr * b_t           (mu = 0: plain p - lr * g)

Adam (Kingma & Ba 2015):
    m_t = beta1 * m_{t-1} + (1 - beta1) * g_t
    v_t = beta2 * v_{t-1} + (1 - beta2) * g_t^2
    m_hat = m_t / (1 - beta1^t),   v_hat = v_t / (1 - beta2^t)
    p_t = p_{t-1} - lr * m_hat / (sqrt(v_hat) + eps)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class SGDState:
    step: int
    momentum_buffer: dict  # name -> array, empty before the first step


@dataclass(frozen=True)
class AdamState:
    step: int
    m: dict  # first moments
    v: dict  # second moments


def sgd_init(params):
    return SGDState(step=0, momentum_buffer={})


def sgd_step(params, grads, state, lr, momentum=0.0):
    """One SGD step. Returns (new params, new state)."""
    if momentum == 0.0:
        new_params = {name: p - lr * grads[name] for name, p in params.items()}
        return new_params, SGDState(step=state.step + 1, momentum_buffer={})
    if state.step == 0:
        buffer = {name: np.array(grads[name]) for name in params}                # b_1 = g_1
    else:
        buffer = {name: momentum * state.momentum_buffer[name] + grads[name] for name in params}
    new_params = {name: p - lr * buffer[name] for name, p in params.items()}     # p - lr * b
    return new_params, SGDState(step=state.step + 1, momentum_buffer=buffer)


def adam_init(params):
    zeros = {name: np.zeros_like(p) for name, p in params.items()}
    return AdamState(step=0, m=zeros, v=dict(zeros))


def adam_step(params, grads, state, lr, betas=(0.9, 0.999), eps=1e-8):
    """One Adam step. Returns (new params, new state)."""
    beta1, beta2 = betas
    t = state.step + 1
    m = {name: beta1 * state.m[name] + (1 - beta1) * grads[name] for name in params}        # m_t
    v = {name: beta2 * state.v[name] + (1 - beta2) * grads[name] ** 2 for name in params}   # v_t
    step_size = lr / (1 - beta1 ** t)                                                       # lr / (1 - beta1^t)
    root_correction = math.sqrt(1 - beta2 ** t)                                             # sqrt(1 - beta2^t)
    new_params = {name: p - step_size * m[name] / (np.sqrt(v[name]) / root_correction + eps)
                  for name, p in params.items()}                                            # lr m_hat / (sqrt(v_hat) + eps)
    return new_params, AdamState(step=t, m=m, v=v)

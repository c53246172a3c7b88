"""Loss and backpropagation through time for a many-to-many RNN.

One target per step, a linear readout and a cross-entropy per step:

    h_t = cell(x_t, h_{t-1})                    the recurrent cell, the same weights at every step
    y_t = W_hy h_t + b_y                        logits
    L_t = -log softmax(y_t)[target_t]           the loss at step t
    L   = sum_t L_t                             the total loss

Backpropagation through time (BPTT) runs the unrolled graph backwards:

    dL/dh_t = dL_t/dh_t + (dL/dh_{t+1}) (dh_{t+1}/dh_t)     own loss + everything from later steps
    dL/dW_hh = sum_t dL/du_t h_{t-1}^T,   u_t = W_hh h_{t-1} + b_hh

so the gradient of the shared W_hh is a sum of one contribution per step. The loss at
step k depends on W_hh through its uses at steps 0..k only, so dL_k/dW_hh is a sum of
contributions from steps 0..k; dL/dh_t collects the losses at steps t..T-1.

Steps are numbered from 0 here (the page shows them from 1).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .cells import PARAM_NAMES, RNN
from .readout import softmax_cross_entropy
from .spectra import matrix_with_singular_values
from .sequences import SENTENCE, preset

TASKS = {
    "words": "predict the next word",
    "sine": "predict whether the next value is positive",
    "impulse": "report whether the impulse has been seen",
}


def next_step_task(name, length):
    """(x (T, I), targets (T,), class names) for a sequence preset.

    words:   target_t = the word at step t+1 (4 classes: the sentence's words);
    sine:    target_t = 1 if x_{t+1} = sin(2 pi (t+1) / 12) > 0 else 0;
    impulse: target_t = 1 at every step ("the impulse has been seen"): remembering step 0.
    """
    x = preset(name, length)
    t = np.arange(length)
    if name == "words":
        return x, (t + 1) % len(SENTENCE), list(SENTENCE)
    if name == "sine":
        return x, (np.sin(2 * np.pi * (t + 1) / 12) > 1e-12).astype(int), ["next <= 0", "next > 0"]
    return x, np.ones(length, dtype=int), ["not seen", "seen"]


@dataclass(frozen=True)
class ManyToMany:
    """Forward and backward pass of the many-to-many setup for one sequence.

    losses: (T,) L_t;  dh_out: (T, H) dL_t/dh_t through the readout alone;
    grads: the cell's Grads (grads.h[t] = total dL/dh_t);  readout_grads: {"weight", "bias"}.
    """

    cell: object
    readout: object
    x: np.ndarray
    targets: np.ndarray
    h0: np.ndarray | None
    trace: object
    logits: np.ndarray
    losses: np.ndarray
    dh_out: np.ndarray
    grads: object
    readout_grads: dict

    @property
    def total_loss(self):
        return float(self.losses.sum())

    @property
    def grad_norms(self):
        """(T,) ||dL/dh_t||: the gradient arriving at h_t from its own loss and all later ones."""
        return np.linalg.norm(self.grads.h, axis=-1)

    @property
    def own_norms(self):
        """(T,) ||dL_t/dh_t||: the part from the loss at step t itself."""
        return np.linalg.norm(self.dh_out, axis=-1)

    @property
    def later_norms(self):
        """(T,) norm of the part of dL/dh_t that flows back from steps t+1..T-1."""
        return np.linalg.norm(self.grads.h - self.dh_out, axis=-1)

    @property
    def length(self):
        return self.x.shape[0]


def many_to_many(cell, readout, x, targets, h0=None):
    """Unroll, read out every step, cross-entropy per step, backward: a ManyToMany."""
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError(f"x must be one sequence (T, I), got shape {x.shape}")
    targets = np.asarray(targets)
    trace = cell.unroll(x, h0)
    logits = readout.forward(trace.h)                          # y_t = W_hy h_t + b_y
    losses, dlogits = softmax_cross_entropy(logits, targets)    # L_t and dL/dy_t = p_t - onehot
    readout_grads, dh_out = readout.backward(trace.h, dlogits)  # dL_t/dh_t = W_hy^T dL/dy_t
    grads = cell.backward(trace, dh_out)                        # BPTT through the cell
    return ManyToMany(cell=cell, readout=readout, x=x, targets=targets, h0=h0, trace=trace,
                      logits=logits, losses=losses, dh_out=dh_out, grads=grads,
                      readout_grads=readout_grads)


def step_contributions(trace, grads):
    """Per-step terms of every weight gradient, for one sequence: name -> (T, *param shape).

        weight_hh[t] = du_t h_{t-1}^T    weight_ih[t] = da_t x_t^T    bias_hh[t] = du_t    bias_ih[t] = da_t

    Summed over t they give grads.params exactly (that sum is BPTT's rule for a shared weight).
    """
    du, da = np.asarray(grads.du), np.asarray(grads.da)
    h_prev, x = trace.hs[:-1, 0], trace.xs[:, 0]
    return {
        "weight_ih": da[:, :, None] * x[:, None, :],
        "weight_hh": du[:, :, None] * h_prev[:, None, :],
        "bias_ih": da,
        "bias_hh": du,
    }


@dataclass(frozen=True)
class PerLoss:
    """The backward pass of each step's loss on its own (row k = the loss L_k alone).

    dh: (T, T, H) dh[k, t] = dL_k/dh_t (zero for t > k);
    da, du: (T, T, G*H) the same for the pre-activations; h_prev: (T, H) h_{t-1}; x: (T, I).
    Summing over k gives the full backward pass (the gradient is linear in the dL_k).
    """

    dh: np.ndarray
    da: np.ndarray
    du: np.ndarray
    h_prev: np.ndarray
    x: np.ndarray

    def factors(self, name="weight_hh"):
        """(left, right): the term of step j in dL_k/d(name) is left[k, j] right[j]^T (right None for a bias)."""
        if name == "weight_hh":
            return self.du, self.h_prev
        if name == "weight_ih":
            return self.da, self.x
        if name in ("bias_hh", "bias_ih"):
            return (self.du if name == "bias_hh" else self.da), None
        raise ValueError(f"unknown parameter {name!r}; choose one of {PARAM_NAMES}")

    def contributions(self, name="weight_hh"):
        """(T_loss, T_step, *shape): the term of step j in dL_k/d(name)."""
        left, right = self.factors(name)
        return left if right is None else left[:, :, :, None] * right[None, :, None, :]

    def contribution_norms(self, name="weight_hh"):
        """(T_loss, T_step) Frobenius norm of step j's term in dL_k/d(name); zero for j > k.

        The norm of an outer product u v^T is ||u|| ||v||, so the terms are never formed."""
        left, right = self.factors(name)
        norms = np.linalg.norm(left, axis=-1)
        return norms if right is None else norms * np.linalg.norm(right, axis=-1)[None, :]

    def masked_sum(self, keep, name="weight_hh"):
        """The sum of the terms of step j in dL_k/d(name) over the (k, j) where keep[k, j]."""
        left, right = self.factors(name)
        keep = np.asarray(keep, dtype=left.dtype)
        if right is None:
            return np.einsum("kj,kja->a", keep, left)
        return np.einsum("kja,jb->ab", keep[:, :, None] * left, right)

    def step_norms(self, keep, name="weight_hh"):
        """(T_step,) the norm of the sum over k of the kept terms of step j in dL_k/d(name)."""
        left, right = self.factors(name)
        summed = np.linalg.norm(np.einsum("kj,kja->ja", np.asarray(keep, dtype=left.dtype), left), axis=-1)
        return summed if right is None else summed * np.linalg.norm(right, axis=-1)


def per_loss(result):
    """Backpropagate every step's loss separately (a batch of T copies, copy k gets dL_k/dh_k)."""
    T = result.length
    xs = np.repeat(result.x[:, None, :], T, axis=1)
    h0 = None if result.h0 is None else np.repeat(np.asarray(result.h0)[None], T, axis=0)
    trace = result.cell.unroll(xs, h0)
    dh = np.zeros((T, T, result.cell.hidden_size))
    steps = np.arange(T)
    dh[steps, steps] = result.dh_out                            # copy k: only L_k sends a gradient
    grads = result.cell.backward(trace, dh)
    swap = lambda a: np.swapaxes(np.asarray(a), 0, 1)           # (t, k, ...) -> (k, t, ...)
    return PerLoss(dh=swap(grads.h), da=swap(grads.da), du=swap(grads.du),
                   h_prev=result.trace.hs[:-1, 0], x=result.x)


def truncation_mask(length, window):
    """(T_loss, T_step) boolean: True where the loss at step k reaches step j in truncated BPTT.

    Truncated BPTT with window K: the loss at step k backpropagates through steps
    k, k-1, ..., k-K+1 (K steps counting its own, never before step 0) and is cut there:

        keep[k, j] = (k - K < j <= k)

    K = 1 keeps only each loss's own step (no gradient through time); K >= T is full BPTT.
    """
    if window < 1:
        raise ValueError(f"the truncation window must be at least 1, got {window}")
    k, j = np.arange(length)[:, None], np.arange(length)[None, :]
    return (j <= k) & (j > k - window)


@dataclass(frozen=True)
class Truncated:
    """Truncated BPTT with window K next to full BPTT.

    params / full: name -> gradient;  lost: name -> full - truncated (the cut contributions);
    kept_norms / lost_norms: (T_loss, T_step) Frobenius norms of W_hh's terms kept and cut;
    kept_by_step / lost_by_step: (T,) norm of the sum over losses of step j's kept (cut) W_hh terms.
    """

    window: int
    params: dict
    full: dict
    lost: dict
    kept_norms: np.ndarray
    lost_norms: np.ndarray
    kept_by_step: np.ndarray
    lost_by_step: np.ndarray

    @property
    def relative_difference(self):
        """||g_K - g_full|| / ||g_full|| over all four cell parameters together (0 when g_full = 0)."""
        diff = np.sqrt(sum(np.sum(v ** 2) for v in self.lost.values()))
        full = np.sqrt(sum(np.sum(v ** 2) for v in self.full.values()))
        return float(diff / full) if full > 0 else 0.0

    @property
    def cosine(self):
        """Cosine between the truncated and the full gradient of the cell's parameters."""
        a = np.concatenate([self.params[n].ravel() for n in PARAM_NAMES])
        b = np.concatenate([self.full[n].ravel() for n in PARAM_NAMES])
        denom = np.linalg.norm(a) * np.linalg.norm(b)
        return float(a @ b / denom) if denom > 0 else 1.0

    def relative_difference_of(self, name="weight_hh"):
        """||g_K - g|| / ||g|| for one parameter (g its full gradient, g_K the truncated one; 0 when g = 0)."""
        full = np.linalg.norm(self.full[name])
        return float(np.linalg.norm(self.lost[name]) / full) if full > 0 else 0.0

    def cosine_of(self, name="weight_hh"):
        """Cosine between the truncated and the full gradient of one parameter (1 when both are 0, 0 when one is)."""
        a, b = self.params[name].ravel(), self.full[name].ravel()
        denom = np.linalg.norm(a) * np.linalg.norm(b)
        if denom > 0:
            return float(a @ b / denom)
        return 1.0 if not a.any() and not b.any() else 0.0


def truncated_bptt(result, window, losses=None):
    """The cell's gradient when each loss backpropagates at most `window` steps (see truncation_mask)."""
    return masked_gradient(result, truncation_mask(result.length, window), window, losses)


def masked_gradient(result, keep, window, losses=None):
    """A Truncated that keeps the terms of step j in dL_k/dW where keep[k, j] (a (T_loss, T_step) mask)."""
    losses = per_loss(result) if losses is None else losses
    keep = np.asarray(keep, dtype=bool)
    params = {name: losses.masked_sum(keep, name) for name in PARAM_NAMES}
    lost = {name: losses.masked_sum(~keep, name) for name in PARAM_NAMES}
    norms = losses.contribution_norms("weight_hh")
    return Truncated(window=int(window), params=params, full=dict(result.grads.params), lost=lost,
                     kept_norms=np.where(keep, norms, 0.0), lost_norms=np.where(keep, 0.0, norms),
                     kept_by_step=losses.step_norms(keep), lost_by_step=losses.step_norms(~keep))


def rnn_with_singular_values(input_size, hidden_size, *, s_max=1.0, input_scale=1.0, seed=0):
    """The tanh RNN of lessons 2 and 3: W_hh = matrix_with_singular_values(s), with s spread evenly from
    s_max down to s_max / 2; W_ih uniform in [-alpha, alpha] (alpha = input_scale); biases as PyTorch initialises them."""
    base = RNN.random(input_size, hidden_size, seed=seed)   # entries uniform in [-1/sqrt(H), 1/sqrt(H)]
    return base.replace(weight_ih=input_scale * np.sqrt(hidden_size) * base.weight_ih,
                        weight_hh=matrix_with_singular_values(s_max * np.linspace(1.0, 0.5, hidden_size), seed=seed))


@dataclass(frozen=True)
class LogGradient:
    """dL/ds_t for a loss on the last state only, kept as logarithms so it never overflows.

    log10_norm: (T,) log10 ||dL/ds_t||;  log10_abs: (T, S) log10 |dL/ds_t[j]|;  sign: (T, S) its sign.
    -inf means exactly zero. s is the cell's state (h, or [h; c] for the LSTM).
    """

    log10_norm: np.ndarray
    log10_abs: np.ndarray
    sign: np.ndarray


def last_step_gradient(cell, trace, direction):
    """Backpropagate dL/ds_T = direction (a loss on the last state only) to every step, renormalising as it goes:

        dL/ds_t = dL/ds_{t+1} J_{t+1},   J_k = d s_k / d s_{k-1}   (cell.step_jacobians)

    (steps counted from 1; entry t-1 of the result is step t).
    The running vector is divided by its largest entry at each step and the scale is
    accumulated as a log10, so huge or tiny gradients are exact in log form.
    """
    J = cell.step_jacobians(trace)
    T, S = J.shape[0], J.shape[1]
    g = np.asarray(direction, dtype=np.float64).reshape(S)
    log10_abs, sign = np.full((T, S), -np.inf), np.zeros((T, S))
    log_scale = 0.0
    for t in range(T - 1, -1, -1):
        if t < T - 1:
            g = g @ J[t + 1]                                  # dL/ds_t = dL/ds_{t+1} J_{t+1}
        biggest = np.max(np.abs(g)) if np.all(np.isfinite(g)) else np.nan
        if not biggest > 0:                                   # exactly zero from here on (or undefined)
            break
        g = g / biggest
        log_scale += np.log10(biggest)
        with np.errstate(divide="ignore"):
            log10_abs[t] = np.log10(np.abs(g)) + log_scale
        sign[t] = np.sign(g)
    norms = np.full(T, -np.inf)
    finite = np.isfinite(log10_abs).any(axis=1)
    top = np.where(finite, np.max(log10_abs, axis=1), 0.0)
    with np.errstate(divide="ignore"):
        relative = np.where(np.isfinite(log10_abs), 10.0 ** (log10_abs - top[:, None]), 0.0)
        norms[finite] = top[finite] + 0.5 * np.log10(np.sum(relative[finite] ** 2, axis=1))
    return LogGradient(log10_norm=norms, log10_abs=log10_abs, sign=sign)


REGIME_LOW, REGIME_HIGH = -2.0, 2.0


def gradient_regime(log10_norms, low=REGIME_LOW, high=REGIME_HIGH):
    """"vanishing", "neither" or "exploding" from the norm across the longest distance.

    log10_norms[0] is log10 ||d s_T / d s_1||: below `low` (1e-2) is vanishing,
    above `high` (1e2) exploding, in between neither (the norm may still leave that band at a nearer step:
    this reads the farthest one only). Exactly zero (-inf) is vanishing.
    """
    farthest = float(np.asarray(log10_norms)[0])
    if farthest < low:
        return "vanishing"
    if farthest > high:
        return "exploding"
    return "neither"


def per_step_factor(log10_norms):
    """Geometric-mean factor per step, 10^(log10 ||d s_T/d s_1|| / (T-1)); 1 for T = 1."""
    log10_norms = np.asarray(log10_norms)
    distance = log10_norms.size - 1
    if distance == 0:
        return 1.0
    return float(10.0 ** (log10_norms[0] / distance))

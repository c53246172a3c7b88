"""The network of the vanishing/exploding lesson, and everything its figures and sentences say about it.

Counting as the lessons count: inputs x_1..x_T, h_t the state after reading x_t. Backpropagating from
the last state h_T to h_t multiplies T - t step Jacobians:

    dh_T/dh_t = J_T J_{T-1} ... J_{t+1},     J_k = dh_k/dh_{k-1} = diag(f'(a_k)) W_hh

and since |f'| <= gamma (1 for tanh, relu and linear, 1/4 for the sigmoid),

    ||dh_T/dh_t|| <= (gamma s_max)^(T-t)      (Pascanu, Mikolov & Bengio 2013)

so s_max < 1/gamma is sufficient for vanishing and s_max > 1/gamma necessary (not sufficient) for
exploding. A linear RNN with the same W_hh has ||dh_T/dh_t|| = ||W_hh^(T-t)||, which behaves like
rho^(T-t) in the long run (rho the spectral radius, never above s_max) and equals s_max^(T-t) when
W_hh = s_max Q with Q orthogonal (more generally, when W_hh is normal: rho = s_max then).

In code, arrays count from 0: entry t-1 of a (T,) array belongs to step t.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from . import sequences
from .bptt import LogGradient, gradient_regime, last_step_gradient, per_step_factor
from .cells import RNN, sigmoid
from .spectra import jacobian_log_norms, matrix_with_singular_values

LN10 = math.log(10.0)

# gamma: the largest slope of the activation. tanh' = 1 - tanh^2 <= 1; sigmoid' = s (1 - s) <= 1/4 (at s = 1/2);
# relu' is 0 or 1; the identity's slope is 1.
GAMMA = {"tanh": 1.0, "sigmoid": 0.25, "relu": 1.0, "linear": 1.0}
NONLINEARITIES = tuple(GAMMA)


@dataclass(frozen=True)
class SigmoidRNN(RNN):
    """An Elman RNN with the logistic sigmoid, h_t = sigmoid(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh).

    Not a torch.nn.RNN option (PyTorch offers tanh and relu): it is here to show gamma = 1/4, the
    sigmoid's largest slope, which makes every s_max below 4 vanish.
    """

    nonlinearity: str = "sigmoid"

    def __post_init__(self):
        super(RNN, self).__post_init__()                      # the weight checks, not RNN's list of names
        if self.nonlinearity != "sigmoid":
            raise ValueError(f"a SigmoidRNN's nonlinearity is sigmoid, not {self.nonlinearity!r}")

    def activation(self, pre):
        return sigmoid(pre)

    def activation_slope(self, h):
        """sigmoid'(a) = sigmoid(a) (1 - sigmoid(a)) = h (1 - h): at most 1/4."""
        return h * (1.0 - h)

    def _activate(self, pre):
        pre[...] = sigmoid(pre)


def decaying_singular_values(largest, decay, count):
    """s_k = largest * decay^(k-1) for k = 1..count: s_max = largest, every next one `decay` times smaller."""
    return tuple(float(largest * decay ** k) for k in range(count))


def spectral_radius(matrix):
    """rho(W) = the largest |eigenvalue| of W. Never above the largest singular value s_max."""
    return float(np.max(np.abs(np.linalg.eigvals(np.asarray(matrix, dtype=np.float64)))))


def make_network(singular_values, nonlinearity="tanh", input_size=1, input_scale=1.0, seed=0):
    """The lesson's RNN: W_hh = U diag(s) V^T (matrix_with_singular_values), W_ih entries uniform in
    [-alpha, alpha] (alpha = input_scale), biases PyTorch's init U(-1/sqrt(H), 1/sqrt(H)), all from one seed."""
    H = len(singular_values)
    if nonlinearity == "sigmoid":
        base = SigmoidRNN.random(input_size, H, seed=seed)
    else:
        base = RNN.random(input_size, H, nonlinearity=nonlinearity, seed=seed)
    return base.replace(weight_ih=input_scale * np.sqrt(H) * base.weight_ih,   # U(-1/sqrt(H), ..) * a sqrt(H)
                        weight_hh=matrix_with_singular_values(singular_values, seed=seed))


def linear_power_log10_norms(weight_hh, length):
    """(length,) log10 ||W_hh^(T-t)|| for t = 1..T: ||dh_T/dh_t|| of a linear RNN with this W_hh."""
    H = weight_hh.shape[0]
    linear = RNN(weight_ih=np.zeros((H, 1)), weight_hh=weight_hh, bias_ih=np.zeros(H), bias_hh=np.zeros(H),
                 nonlinearity="linear")
    return jacobian_log_norms(linear, linear.unroll(np.zeros((length, 1)))) / LN10   # states stay 0


@dataclass(frozen=True)
class Reach:
    """How far back the gradient of the last state reaches, for one network and one input sequence.

    Arrays are indexed by step (entry t-1 is step t), over the `steps` steps computed:
    log10_norms   log10 ||dh_T/dh_t||, exact in log form even past the float64 range;
    log10_bound   log10 (gamma s_max)^(T-t);
    log10_linear  log10 ||W_hh^(T-t)||, a linear RNN with the same W_hh;
    loss_gradient dL/dh_t for L = u . h_T (a fixed unit vector u, from the seed), in log form;
    grads         dL/dparameter for that loss (inf or nan where the forward pass overflowed);
    slopes        f'(a_t) per step and unit.
    overflow_step is the first step whose state left the float64 range (a linear or relu RNN), else None;
    a relu RNN is then analysed on the steps before it (its slopes there are undefined).
    """

    cell: RNN
    x: np.ndarray
    nonlinearity: str
    singular_values: tuple
    log10_norms: np.ndarray
    log10_bound: np.ndarray
    log10_linear: np.ndarray | None
    loss_gradient: LogGradient | None
    direction: np.ndarray
    dh: np.ndarray = field(repr=False)
    grads: dict | None = field(repr=False)
    slopes: np.ndarray = field(repr=False)
    overflow_step: int | None = None

    @property
    def steps(self):
        return int(self.log10_norms.size)

    @property
    def gamma(self):
        return GAMMA[self.nonlinearity]

    @property
    def s_max(self):
        return float(max(self.singular_values))

    @property
    def rho(self):
        return spectral_radius(self.cell.weight_hh)

    @property
    def farthest(self):
        """log10 ||dh_T/dh_1||: the product of all T - 1 Jacobians."""
        return float(self.log10_norms[0])

    @property
    def regime(self):
        return gradient_regime(self.log10_norms)

    @property
    def factor(self):
        """The average factor per step, 10^(log10 ||dh_T/dh_1|| / (T - 1))."""
        return per_step_factor(self.log10_norms)

    @property
    def mean_slope(self):
        """The average of f'(a_t) over every step and unit of this sequence."""
        return float(np.mean(self.slopes))


def analyse(singular_values, nonlinearity="tanh", length=50, preset="words", input_scale=1.0, seed=0, full=True):
    """The lesson's network on an input preset: its Jacobian norms, the bound, the linear RNN with the same
    W_hh, and the gradient of L = u . h_T, every magnitude as a log10 (nothing overflows).

    full=False computes the Jacobian norms, the bound and the slopes only (log10_linear, loss_gradient and grads
    are then None): enough for ``farthest``, ``regime``, ``factor``, ``mean_slope`` and ``rho``, at half the cost.
    """
    x = sequences.preset(preset, length)
    cell = make_network(singular_values, nonlinearity, x.shape[1], input_scale, seed)
    with np.errstate(over="ignore", invalid="ignore"):
        trace = cell.unroll(x)
        finite = np.all(np.isfinite(trace.h), axis=1)
        overflow_step = None if finite.all() else int(np.argmin(finite)) + 1      # counted from 1
        if overflow_step is not None and nonlinearity == "relu":
            x = x[:max(overflow_step - 1, 1)]
            trace = cell.unroll(x)                # relu slopes need the (now undefined) states: stop before
        log10_norms = jacobian_log_norms(cell, trace) / LN10
        u = np.random.default_rng(seed + 2).standard_normal(len(singular_values))
        u /= np.linalg.norm(u)                    # L = u . h_T, so dL/dh_T = u
        dh = np.zeros_like(trace.h)
        dh[-1] = u
        grads = cell.backward(trace, dh).params if full else None
        slopes = cell.activation_slope(trace.h)
    steps = trace.length
    gamma_s = GAMMA[nonlinearity] * max(singular_values)
    return Reach(cell=cell, x=x, nonlinearity=nonlinearity, singular_values=tuple(singular_values),
                 log10_norms=log10_norms, log10_bound=(steps - 1 - np.arange(steps)) * math.log10(gamma_s),
                 log10_linear=linear_power_log10_norms(cell.weight_hh, steps) if full else None,
                 loss_gradient=last_step_gradient(cell, trace, u) if full else None, direction=u, dh=dh,
                 grads=grads, slopes=slopes, overflow_step=overflow_step)


# Two settings a student would not guess (tests/core/test_vanishing.py checks what they show).
# Saturated: every singular value above 1, yet strong inputs saturate the tanh units and the gradient vanishes.
SATURATED = dict(hidden=4, s_max=1.5, decay=0.9, nonlinearity="tanh", preset="words", input_scale=2.0, length=100,
                 seed=0)
# Exploding with tanh: many units, every singular value 3 (W_hh = 3 Q): every step stretches every direction by 3,
# and the tanh slopes along the sequence do not undo it (it explodes at a = 0, 1 and 2 too; at a = 3 and 4 it vanishes).
EXPLODING = dict(hidden=16, s_max=3.0, decay=1.0, nonlinearity="tanh", preset="words", input_scale=0.5, length=100,
                 seed=0)


def analyse_setting(setting, full=True):
    """analyse() for a setting dict like SATURATED (hidden, s_max, decay, nonlinearity, preset, input_scale,
    length, seed)."""
    return analyse(decaying_singular_values(setting["s_max"], setting["decay"], setting["hidden"]),
                   setting["nonlinearity"], setting["length"], setting["preset"], setting["input_scale"],
                   setting["seed"], full)


# ------------------------------------------------------------------ the teaching version ("Show code")

def forward_by_hand(cell, x):
    """h_1 .. h_T, one RNN.step at a time from h_0 = 0 (states[t-1] holds h_t)."""
    h = np.zeros(cell.hidden_size)                             # h_0
    states = []
    for x_t in x:
        h = cell.step(x_t, h)                                  # h_t = f(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)
        states.append(h)
    return states


def jacobians_by_hand(cell, x):
    """dh_T/dh_t for t = 1..T (products[t-1] is dh_T/dh_t), one line per equation.

    jacobian_log_norms computes their norms faster and in log form, so that nothing overflows."""
    states = forward_by_hand(cell, x)
    T = len(states)
    products = [np.eye(cell.hidden_size)]                      # dh_T/dh_T = I
    for t in range(T - 1, 0, -1):                              # t = T-1, ..., 1; states[t] holds h_{t+1}
        J = np.diag(cell.activation_slope(states[t])) @ cell.weight_hh   # J_{t+1} = dh_{t+1}/dh_t = diag(f') W_hh
        products.append(products[-1] @ J)                      # dh_T/dh_t = dh_T/dh_{t+1} J_{t+1}
    return products[::-1]

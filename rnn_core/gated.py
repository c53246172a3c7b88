"""Gated cells for the lessons: inputs, a hand-set memory, the gradient highway, comparisons.

The LSTM keeps a separate cell state c and three gates (input i, forget f,
output o) plus a candidate g, all computed from x_t and h_{t-1}:

    c_t = f_t * c_{t-1} + i_t * g_t
    h_t = o_t * tanh(c_t)

so along the cell-state path alone (h held fixed) one step back multiplies by f_t
elementwise, with no matrix W:

    d c_{T-1} / d c_t |_(cell path) = prod_{k=t+1}^{T-1} f_k            (the highway)

The GRU has two gates (reset r, update z) and no separate cell state:

    n_t = tanh(W_in x_t + b_in + r_t * (W_hn h_{t-1} + b_hn))
    h_t = (1 - z_t) * n_t + z_t * h_{t-1}

Gates are sigmoids: continuous in (0, 1), never exactly 0 or 1.
"""

from __future__ import annotations

import numpy as np

from .cells import GRU, LSTM, RNN, sigmoid
from .sequences import PRESETS, SENTENCE, one_hot, preset, preset_labels
from .spectra import jacobian_log_norms

GATED_PRESETS = {
    "gap": "context word 'lunch', then a long gap (no input)",
    "words": PRESETS["words"],
    "sine": PRESETS["sine"],
    "impulse": PRESETS["impulse"],
}
CONTEXT_WORD = "lunch"
KINDS = {"rnn": RNN, "lstm": LSTM, "gru": GRU}
HAND_SET_GAIN = 6.0


def gated_preset(name, length, word=CONTEXT_WORD):
    """A (length, I) input sequence.

    gap: the one-hot context word at step 0, then all-zero inputs (nothing said) for
         the remaining length - 1 steps; features are the words of SENTENCE.
    words, sine, impulse: rnn_core.sequences.preset.
    """
    if name == "gap":
        x = np.zeros((length, len(SENTENCE)))
        x[0] = one_hot(SENTENCE.index(word), len(SENTENCE))
        return x
    return preset(name, length)


def gated_labels(name, length, word=CONTEXT_WORD):
    """A short label per step: the word (blank in the gap), or the input value."""
    if name == "gap":
        return [word] + ["no word"] * (length - 1)
    return preset_labels(name, length)


def feature_names(name):
    """Names of the input features of a preset."""
    return list(SENTENCE) if name in ("gap", "words") else ["x"]


def scaled(cell, input_scale=1.0, recurrent_scale=1.0):
    """The same cell with W_ih multiplied by input_scale and W_hh by recurrent_scale."""
    return cell.replace(weight_ih=cell.weight_ih * input_scale, weight_hh=cell.weight_hh * recurrent_scale)


def make_cell(kind, input_size, hidden_size, *, seed=0, gate_bias=None, input_bound=0.5, recurrent_scale=1.0):
    """RNN, LSTM or GRU from one seed: W_ih entries uniform in [-alpha, alpha] (alpha = input_bound, as in every
    lesson), W_hh = kappa x PyTorch's init (kappa = recurrent_scale), biases PyTorch's init.

    PyTorch draws every parameter from U(-1/sqrt(H), 1/sqrt(H)); W_ih is that draw times alpha sqrt(H), so
    alpha = 1/sqrt(H) (0.5 at H = 4) is PyTorch's own init. gate_bias: LSTM forget-gate bias
    (b_if = gate_bias, b_hf = 0) or GRU update-gate bias (b_iz = gate_bias, b_hz = 0); ignored for the
    RNN, which has no gates.
    """
    if kind == "rnn":
        cell = RNN.random(input_size, hidden_size, nonlinearity="tanh", seed=seed)
    elif kind == "lstm":
        cell = LSTM.random(input_size, hidden_size, seed=seed, forget_bias=gate_bias)
    elif kind == "gru":
        cell = GRU.random(input_size, hidden_size, seed=seed, update_bias=gate_bias)
    else:
        raise ValueError(f"kind must be one of {sorted(KINDS)}, not {kind!r}")
    return scaled(cell, input_bound * np.sqrt(hidden_size), recurrent_scale)


def lesson_cell(kind, preset_name, length, hidden, gate_bias, input_bound, recurrent_scale, seed, hand_set):
    """The LSTM or GRU a gated lesson's controls describe, its trace on the input, and the steps' labels.

    hand_set: the hand-set memory (hand_set_memory_lstm / _gru), which ignores seed and weight scales.
    """
    x = gated_preset(preset_name, length)
    if hand_set:
        make = hand_set_memory_lstm if kind == "lstm" else hand_set_memory_gru
        cell = make(x.shape[1], hidden, gate_bias)
    else:
        cell = make_cell(kind, x.shape[1], hidden, seed=seed, gate_bias=gate_bias, input_bound=input_bound,
                         recurrent_scale=recurrent_scale)
    return cell, cell.unroll(x), gated_labels(preset_name, length)


def s_max(matrix):
    """The largest singular value of a matrix (of a stacked W_hh: of all its gate blocks together)."""
    return float(np.linalg.norm(np.asarray(matrix, dtype=float), ord=2)) if np.size(matrix) else 0.0


def hand_set_memory_lstm(input_size, hidden_size, forget_bias=5.0, gain=HAND_SET_GAIN):
    """An LSTM whose unit j (j < min(I, H)) latches input feature j and holds it.

    With k = gain and W_hh = 0 (no unit listens to another):
        i_j = sigmoid(2k x_j - k)   opens (~1) only while feature j is on, ~0 otherwise
        f_j = sigmoid(forget_bias)  the same at every step: near 1 for a large bias
        g_j = tanh(k/2 x_j)         ~ +1 while feature j is on, 0 otherwise
        o_j = sigmoid(k)            open, so h_j = ~tanh(c_j)
    After the word, c_j = f^s * c_j(write) s steps later: the forget bias alone sets
    how long the bit survives. Units j >= I get no input: g = 0 keeps c at 0.
    """
    I, H = input_size, hidden_size
    W_ih = np.zeros((4 * H, I))
    b_ih = np.zeros(4 * H)
    for j in range(min(I, H)):
        W_ih[j, j] = 2 * gain                  # input gate rows i
        W_ih[2 * H + j, j] = gain / 2          # candidate rows g
    b_ih[:H] = -gain                           # i shut unless the feature is on
    b_ih[H:2 * H] = forget_bias                # f = sigmoid(forget_bias)
    b_ih[3 * H:] = gain                        # o open
    return LSTM(weight_ih=W_ih, weight_hh=np.zeros((4 * H, H)), bias_ih=b_ih, bias_hh=np.zeros(4 * H))


def hand_set_memory_gru(input_size, hidden_size, update_bias=5.0, gain=HAND_SET_GAIN):
    """The GRU counterpart: unit j latches feature j.

        r_j = sigmoid(-k)                    reset shut: the old state hardly enters n
        z_j = sigmoid(update_bias - 2k x_j)  ~0 (write n) while feature j is on, else sigmoid(bias)
        n_j = tanh(k/2 x_j + r_j h_j)        W_hn = identity
    In the gap h_j is multiplied by about z = sigmoid(update_bias) per step.
    """
    I, H = input_size, hidden_size
    W_ih = np.zeros((3 * H, I))
    for j in range(min(I, H)):
        W_ih[H + j, j] = -2 * gain             # update gate rows z
        W_ih[2 * H + j, j] = gain / 2          # candidate rows n
    b_ih = np.zeros(3 * H)
    b_ih[:H] = -gain                           # r shut
    b_ih[H:2 * H] = update_bias                # z = sigmoid(update_bias) in the gap
    W_hh = np.zeros((3 * H, H))
    W_hh[2 * H:] = np.eye(H)                   # W_hn = I
    return GRU(weight_ih=W_ih, weight_hh=W_hh, bias_ih=b_ih, bias_hh=np.zeros(3 * H))


def log10_highway(trace):
    """(T, [B,] H): log10 of prod_{k>t} f_k, summed as logs so it never underflows to 0."""
    log_f = np.log10(trace.gates["f"])
    reversed_cumsum = np.cumsum(log_f[::-1], axis=0)[::-1]          # sum_{k>=t} log10 f_k
    return np.concatenate([reversed_cumsum[1:], np.zeros_like(log_f[:1])], axis=0)


def log10_jacobian_norms(cell, trace):
    """(T,) log10 ||d state_{T-1} / d state_t||, from jacobian_log_norms (never overflows)."""
    return jacobian_log_norms(cell, trace) / np.log(10.0)


def last_step_gradient(cell, trace):
    """Grads for the loss L = u . h_{T-1} with u = (1, ..., 1) / sqrt(H), so ||dL/dh_{T-1}|| = 1.

    The loss sits at the last step only: everything in grads.h before T-1 arrived by
    flowing back through the recurrence.
    """
    dh = np.zeros_like(trace.h)
    dh[-1] = 1.0 / np.sqrt(cell.hidden_size)
    with np.errstate(over="ignore", invalid="ignore"):
        return cell.backward(trace, dh)


def gradient_norms(cell, trace):
    """(T,) ||dL/dh_t|| for the loss of last_step_gradient; inf where it left the float range."""
    with np.errstate(over="ignore", invalid="ignore"):
        norms = np.linalg.norm(last_step_gradient(cell, trace).h, axis=-1)
    return np.where(np.isfinite(norms), norms, np.inf)


def gradient_comparison(input_size, hidden_size, x, *, seed=0, lstm_bias=None, gru_bias=None,
                        input_bound=0.5, recurrent_scale=1.0):
    """||dL/dh_t|| through time for RNN, LSTM and GRU built from the same seed and scales.

    Returns {"rnn": (T,), "lstm": (T,), "gru": (T,)}.
    """
    biases = {"rnn": None, "lstm": lstm_bias, "gru": gru_bias}
    out = {}
    for kind in KINDS:
        cell = make_cell(kind, input_size, hidden_size, seed=seed, gate_bias=biases[kind],
                         input_bound=input_bound, recurrent_scale=recurrent_scale)
        out[kind] = gradient_norms(cell, cell.unroll(x))
    return out


GRADIENT_PATH = {
    "rnn": "diag(tanh') W_hh: a full matrix product at every step",
    "lstm": "f_t elementwise along c (no W), plus a path through h that meets W_hh",
    "gru": "z_t elementwise along h, plus terms through W_hh (via r, z and n)",
}
GATE_NAMES = {"rnn": (), "lstm": ("input", "forget", "output"), "gru": ("reset", "update")}
CANDIDATE = {"rnn": "-", "lstm": "g", "gru": "n"}


def comparison_rows(input_size, hidden_size):
    """One row per model for the current sizes, every number taken from a cell.

    parameters = cell.num_parameters = G * (H * (I + H) + 2H), G gate blocks (1, 4, 3); the row keeps
    G, I and H ("blocks", "inputs", "hidden") so that a page can write the formula out.
    """
    rows = []
    for kind, cls in KINDS.items():
        cell = make_cell(kind, input_size, hidden_size)
        G, H, I = cls.BLOCKS, hidden_size, input_size
        rows.append({
            "kind": kind,
            "model": {"rnn": "tanh RNN", "lstm": "LSTM", "gru": "GRU"}[kind],
            "gates": len(GATE_NAMES[kind]),
            "gate names": ", ".join(GATE_NAMES[kind]) or "none",
            "candidate": CANDIDATE[kind],
            "weight blocks G": G,
            "separate cell state": "yes (c)" if kind == "lstm" else "no",
            "parameters": int(cell.num_parameters),
            "blocks": G, "inputs": I, "hidden": H,
            "one step back multiplies by": GRADIENT_PATH[kind],
        })
    return rows


def step_values(trace, t, unit):
    """Every number in one step's equations for one unit (single sequence): floats by name.

    LSTM: for each gate name k in i, f, g, o: "a_k" = (W_ih x_t + b_ih)[k, unit],
    "u_k" = (W_hh h_{t-1} + b_hh)[k, unit], and k itself; plus c_prev, c, tanh_c, h_prev, h.
    GRU: the same for r, z, n (u_n is W_hn h_{t-1} + b_hn, before the reset gate), plus h_prev, h.
    """
    cell = trace.cell
    H = cell.hidden_size
    x_t, h_prev = trace.xs[t, 0], trace.hs[t, 0]
    a = cell.weight_ih @ x_t + cell.bias_ih
    u = cell.weight_hh @ h_prev + cell.bias_hh
    values = {"h_prev": h_prev[unit], "h": trace.hs[t + 1, 0, unit]}
    for k, name in enumerate(cell.GATES):
        values[f"a_{name}"] = a[k * H + unit]
        values[f"u_{name}"] = u[k * H + unit]
        values[name] = trace.gate_values[name][t, 0, unit]
    if isinstance(cell, LSTM):
        values.update(c_prev=trace.cs[t, 0, unit], c=trace.cs[t + 1, 0, unit],
                      tanh_c=np.tanh(trace.cs[t + 1, 0, unit]))
    return {name: float(v) for name, v in values.items()}


def reach(log10_curve, log10_threshold=-2.0):
    """How many steps back from the last step a curve stays at or above 10**log10_threshold.

    log10_curve[t] is log10 of d(step T-1)/d(step t) (last entry 0). Returns the largest
    k such that log10_curve[t] >= threshold for every t in [T-1-k, T-1]; T-1 means the
    whole sequence. nan (overflow) counts as above.
    """
    curve = np.asarray(log10_curve, dtype=float)
    below = np.nonzero(curve < log10_threshold)[0]
    T = len(curve)
    return T - 1 if len(below) == 0 else T - 2 - int(below[-1])


# ---------------------------------------------------------------------------- memory time

def memory_time(f):
    """About how many steps a forget gate f (kept at every step) remembers: 1 / (1 - f).

    f^k = exp(k ln f) ~ exp(-k (1 - f)) for f near 1, so after 1 / (1 - f) steps a fraction of about
    1/e ~ 37% is left. inf where f rounds to 1 (no measurable forgetting).
    """
    f = np.asarray(f, dtype=float)
    with np.errstate(divide="ignore"):
        return 1.0 / (1.0 - f)


def steady_forget_gate(f_column):
    """The constant gate that forgets as much as a unit's forget gates f_2 ... f_T did together: their
    geometric mean, (f_2 f_3 ... f_T)^(1 / (T - 1)), since the cell path from step 1 to step T multiplies
    by exactly those gates. One step (T = 1) has no such product: nan."""
    f = np.asarray(f_column, dtype=float)[1:]
    if f.size == 0:
        return float("nan")
    with np.errstate(divide="ignore"):
        return float(np.exp(np.mean(np.log(f))))


def steps_above(f, level=0.01):
    """How many steps a constant gate f keeps more than `level` of a value: the largest k with f^k >= level
    (inf for f = 1, 0 for f = 0)."""
    f = float(f)
    if f >= 1.0:
        return float("inf")
    if f <= 0.0:
        return 0
    return int(np.floor(np.log(level) / np.log(f) + 1e-12))


def chrono_forget_biases(t_max):
    """Chrono initialisation (Tallec & Ollivier 2018): forget biases b_f = log(u), u uniform in
    [1, t_max - 1]. Returns the range (lowest, highest) of b_f and of the memory time 1 / (1 - sigmoid(b_f)),
    which is 1 + u: from 2 steps up to t_max."""
    hi = max(t_max - 1.0, 1.0)
    return (0.0, float(np.log(hi))), (2.0, 1.0 + hi)


def cell_path(f):
    """d c_T / d c_t along the cell-state path, for every step t (one sequence, f: (T, H)), written as the
    chain rule reads: one step back multiplies by that step's forget gate, elementwise (no matrix)."""
    T = len(f)
    path = np.ones_like(f)                    # path[T-1] = d c_T / d c_T = 1
    for t in reversed(range(T - 1)):          # code counts from 0: path[t] is d c_T / d c_{t+1}
        path[t] = path[t + 1] * f[t + 1]      # d c_{t+1} / d c_t = f_{t+1}
    return path


# ---------------------------------------------------------------------------- where the reset gate acts

def gru_step_cho(cell, x_t, h_prev):
    """One GRU step with the reset gate where Cho et al. (2014) and d2l put it: on h_{t-1} before the
    matrix, W_hn (r * h_{t-1}) + b_hn, instead of PyTorch's r * (W_hn h_{t-1} + b_hn) (GRU.step). Same
    weights, same gates r and z, a different candidate n and so a different h_t. Returns h_t and the gates."""
    W_r, W_z, W_n = np.split(cell.weight_ih, 3)
    U_r, U_z, U_n = np.split(cell.weight_hh, 3)
    b_ir, b_iz, b_in = np.split(cell.bias_ih, 3)
    b_hr, b_hz, b_hn = np.split(cell.bias_hh, 3)
    r = sigmoid(W_r @ x_t + b_ir + U_r @ h_prev + b_hr)             # reset gate (as in PyTorch)
    z = sigmoid(W_z @ x_t + b_iz + U_z @ h_prev + b_hz)             # update gate (as in PyTorch)
    n = np.tanh(W_n @ x_t + b_in + U_n @ (r * h_prev) + b_hn)      # candidate: r scales h before W_hn
    h = (1 - z) * n + z * h_prev
    return h, {"r": r, "z": z, "n": n}


def run_steps(cell, x):
    """A whole sequence by the teaching step (LSTM.step or GRU.step), h_0 = 0 (and c_0 = 0): every state and
    gate, stacked over steps. The same numbers as cell.unroll(x), which is written for speed."""
    h = np.zeros(cell.hidden_size)
    c = np.zeros(cell.hidden_size)
    states, gates = {"h": [], "c": []}, {name: [] for name in cell.GATES}
    for x_t in x:
        if isinstance(cell, LSTM):
            h, c, g = cell.step(x_t, h, c)
            states["c"].append(c)
        else:
            h, g = cell.step(x_t, h)
        states["h"].append(h)
        for name in cell.GATES:
            gates[name].append(g[name])
    return {name: np.array(v) for name, v in {**gates, **states}.items() if v}

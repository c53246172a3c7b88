"""Recurrent cells with PyTorch's parameters, exposing every gate at every step.

Notation (PyTorch's): x_t is the input at step t, h_t the hidden state, c_t the
LSTM cell state, H the hidden size, G the number of gate blocks (1 RNN, 4 LSTM,
3 GRU). Weights are ``weight_ih`` (G*H, I), ``weight_hh`` (G*H, H), ``bias_ih``
and ``bias_hh`` (G*H,), stacked in PyTorch's gate order, so the same numbers go
into ``torch.nn.RNN/LSTM/GRU`` and give the same results.

Cells are immutable. ``cell.unroll(x)`` returns a ``Trace`` of every state and
gate; ``cell.backward(trace, dh)`` returns ``Grads``. Inputs are (T, I) for one
sequence or (T, B, I) for a batch; internally everything is (T, B, ...).

Every cell computes, per step, two pre-activations
    a_t = W_ih x_t + b_ih        (all steps at once, before the loop)
    u_t = W_hh h_{t-1} + b_hh    (inside the loop)
and backward returns dL/da_t and dL/du_t, from which every weight gradient is a
sum over steps:  dL/dW_hh = sum_t dL/du_t h_{t-1}^T  (one term per step: BPTT).

Inside unroll and backward a batch is stored as columns, (T, features, B), so that
W_hh h_{t-1} is a plain matrix product and every gate block is a contiguous slice
(that is what makes the loops fast). Traces and gradients hand out (T, B, features)
views of those buffers.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

PARAM_NAMES = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")


def sigmoid(a):
    return 0.5 * (1.0 + np.tanh(0.5 * a))  # stable for large |a|


def _frozen(a, dtype):
    a = np.array(a, dtype=dtype, copy=True)
    a.flags.writeable = False
    return a


@dataclass(frozen=True)
class Trace:
    """Everything a forward pass computed, batch axis always present internally.

    hs: (T+1, B, H) with hs[0] = h_0; cs likewise for the LSTM; gate_values:
    name -> (T, B, H); extras: cell-specific intermediates backward needs.
    The public attributes (h, c, gates, x) drop the batch axis for one sequence.
    """

    cell: "_Cell"
    xs: np.ndarray
    hs: np.ndarray
    batched: bool
    gate_values: dict = field(default_factory=dict)
    cs: np.ndarray | None = None
    extras: dict = field(default_factory=dict)

    def _user(self, a):
        return a if self.batched else a[:, 0]

    @property
    def x(self):
        return self._user(self.xs)

    @property
    def h(self):
        """(T, [B,] H): hidden state after each step."""
        return self._user(self.hs[1:])

    @property
    def c(self):
        """(T, [B,] H): LSTM cell state after each step."""
        if self.cs is None:
            raise AttributeError("only an LSTM has a cell state")
        return self._user(self.cs[1:])

    @property
    def h0(self):
        return self.hs[0] if self.batched else self.hs[0, 0]

    @property
    def c0(self):
        if self.cs is None:
            raise AttributeError("only an LSTM has a cell state")
        return self.cs[0] if self.batched else self.cs[0, 0]

    @property
    def gates(self):
        """dict of (T, [B,] H): LSTM i, f, g, o; GRU r, z, n; RNN empty."""
        return {name: self._user(v) for name, v in self.gate_values.items()}

    @property
    def length(self):
        return self.xs.shape[0]


@dataclass(frozen=True)
class Grads:
    """Gradients of a scalar loss L.

    params: dL/d(weight_ih, weight_hh, bias_ih, bias_hh).
    h: (T, [B,] H) total dL/dh_t, including what flows back from later steps.
    x: (T, [B,] I) dL/dx_t.   h0 (and c0, LSTM): dL/d(initial state).
    c: LSTM only, total dL/dc_t.
    da: (T, [B,] G*H) dL/da_t with a_t = W_ih x_t + b_ih.
    du: (T, [B,] G*H) dL/du_t with u_t = W_hh h_{t-1} + b_hh.
    """

    params: dict
    h: np.ndarray
    x: np.ndarray
    h0: np.ndarray
    da: np.ndarray
    du: np.ndarray
    c: np.ndarray | None = None
    c0: np.ndarray | None = None


def _diagonals(values):
    """(T, H) -> (T, H, H) with each row of values on a diagonal."""
    T, H = values.shape
    out = np.zeros((T, H, H), dtype=values.dtype)
    out[:, np.arange(H), np.arange(H)] = values
    return out


def _as_batch(x, name):
    x = np.asarray(x)
    if x.ndim == 2:
        return x[:, None, :], False
    if x.ndim == 3:
        return x, True
    raise ValueError(f"{name} must be (T, I) or (T, B, I), got shape {x.shape}")


def _state(s, batch, hidden, dtype, batched, name):
    if s is None:
        return np.zeros((batch, hidden), dtype=dtype)
    s = np.asarray(s, dtype=dtype)
    s = s if batched else s[None]
    if s.shape != (batch, hidden):
        raise ValueError(f"{name} has shape {s.shape}, expected {(batch, hidden)}")
    return s


def _sigmoid_(a):
    """In place: a <- sigmoid(a) = (1 + tanh(a / 2)) / 2. Returns a."""
    a *= 0.5
    np.tanh(a, out=a)
    a += 1.0
    a *= 0.5
    return a


def _columns(a):
    """(T, B, F) -> (T, F, B) contiguous, one column per sequence (no copy for a trace's own arrays)."""
    return np.ascontiguousarray(np.swapaxes(a, -1, -2))


def _rows(a):
    """(..., F, B) -> (..., B, F) view: the user's layout."""
    return np.swapaxes(a, -1, -2)


def _states(first, steps):
    """(steps + 1, H, B) buffer of state columns with [0] = first, the rest written by the loop."""
    out = np.empty((steps + 1,) + first.shape[::-1], dtype=first.dtype)
    out[0] = first.T
    return out


@dataclass(frozen=True)
class _Cell:
    weight_ih: np.ndarray
    weight_hh: np.ndarray
    bias_ih: np.ndarray
    bias_hh: np.ndarray

    GATES = ()  # names of the gate blocks stacked in the weight rows
    BLOCKS = 1

    def __post_init__(self):
        dtype = np.result_type(np.asarray(self.weight_ih).dtype, np.float32)
        for name in PARAM_NAMES:
            object.__setattr__(self, name, _frozen(getattr(self, name), dtype))
        gh, i = self.weight_ih.shape
        h = gh // self.BLOCKS
        expected = {"weight_ih": (gh, i), "weight_hh": (gh, h), "bias_ih": (gh,), "bias_hh": (gh,)}
        if gh != self.BLOCKS * h:
            raise ValueError(f"weight_ih has {gh} rows, not a multiple of {self.BLOCKS}")
        for name, shape in expected.items():
            if getattr(self, name).shape != shape:
                raise ValueError(f"{name} has shape {getattr(self, name).shape}, expected {shape}")

    @classmethod
    def random(cls, input_size, hidden_size, *, seed=0, dtype=np.float64, **options):
        """PyTorch's default init: every parameter ~ U(-1/sqrt(H), 1/sqrt(H))."""
        rng = np.random.default_rng(seed)
        k = 1.0 / np.sqrt(hidden_size)
        rows = cls.BLOCKS * hidden_size
        shapes = {"weight_ih": (rows, input_size), "weight_hh": (rows, hidden_size),
                  "bias_ih": (rows,), "bias_hh": (rows,)}
        params = {name: rng.uniform(-k, k, shape).astype(dtype) for name, shape in shapes.items()}
        return cls(**params, **options)

    @property
    def input_size(self):
        return self.weight_ih.shape[1]

    @property
    def hidden_size(self):
        return self.weight_hh.shape[1]

    @property
    def dtype(self):
        return self.weight_ih.dtype

    @property
    def params(self):
        return {name: getattr(self, name) for name in PARAM_NAMES}

    @property
    def num_parameters(self):
        """G * (H * (I + H) + 2H)."""
        return sum(p.size for p in self.params.values())

    def replace(self, **changes):
        """A new cell with some parameters (or options) changed."""
        return replace(self, **changes)

    def block(self, name, param="weight_hh"):
        """The rows of a parameter that belong to one gate, e.g. block('f', 'bias_ih')."""
        k, h = self.GATES.index(name), self.hidden_size
        return getattr(self, param)[k * h:(k + 1) * h]

    def _prepare(self, x, h0):
        xs, batched = _as_batch(np.asarray(x, dtype=self.dtype), "x")
        if xs.shape[2] != self.input_size:
            raise ValueError(f"x has {xs.shape[2]} features, the cell expects {self.input_size}")
        h0 = _state(h0, xs.shape[1], self.hidden_size, self.dtype, batched, "h0")
        return xs, batched, h0

    def _input_projection(self, xs, bias):
        """(T, G*H, B) columns W_ih x_t + bias, for all steps before the loop."""
        a = np.matmul(self.weight_ih, _rows(xs))
        a += bias[:, None]                     # in place: a broadcast sum into a new array is ~10x slower
        return a

    def _finish_backward(self, trace, dh, da, du, dh_prev, dc=None, dc_prev=None):
        """Weight gradients as sums over steps; everything returned in the user's shape.

        Takes columns: dh, da, du (T, ., B), dh_prev (H, B).
        """
        h_prev = np.ascontiguousarray(trace.hs[:-1])                      # (T, B, H) rows
        ones = np.ones(da.shape[2], dtype=da.dtype)
        params = {
            "weight_ih": np.matmul(da, trace.xs).sum(axis=0),             # sum_t da_t x_t^T
            "weight_hh": np.matmul(du, h_prev).sum(axis=0),               # sum_t du_t h_{t-1}^T
            "bias_ih": (da @ ones).sum(axis=0),                           # sum_t da_t (summed over the batch)
            "bias_hh": (du @ ones).sum(axis=0),                           # sum_t du_t
        }
        first = (lambda s: s) if trace.batched else (lambda s: None if s is None else s[0])
        user = lambda s: trace._user(_rows(s))
        dx = np.matmul(self.weight_ih.T, da)                                 # dL/dx_t = W_ih^T da_t
        return Grads(params=params, h=user(dh), x=user(dx), da=user(da), du=user(du),
                     h0=first(dh_prev.T), c=None if dc is None else user(dc),
                     c0=None if dc_prev is None else first(dc_prev.T))

    def _dh(self, trace, dh):
        """dL/dh_t (or dL/dc_t) from outside, as (T, H, B) columns."""
        dh = np.asarray(dh, dtype=self.dtype)
        dh = dh if trace.batched else dh[:, None]
        if dh.shape != trace.hs[1:].shape:
            raise ValueError(f"dh has shape {dh.shape}, expected the shape of trace.h")
        return _columns(dh)


@dataclass(frozen=True)
class RNN(_Cell):
    """Elman RNN, as torch.nn.RNN:

        h_t = f(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh),   f = tanh | relu | identity

    ("linear" is not in PyTorch; it is here for teaching: its Jacobians are exactly W_hh.)
    """

    nonlinearity: str = "tanh"
    GATES = ("h",)
    BLOCKS = 1

    def __post_init__(self):
        super().__post_init__()
        if self.nonlinearity not in ("tanh", "relu", "linear"):
            raise ValueError(f"nonlinearity must be tanh, relu or linear, not {self.nonlinearity!r}")

    def activation(self, pre):
        if self.nonlinearity == "tanh":
            return np.tanh(pre)
        if self.nonlinearity == "relu":
            return np.maximum(pre, 0.0)
        return pre

    def activation_slope(self, h):
        """f'(pre) written in terms of the output h = f(pre)."""
        if self.nonlinearity == "tanh":
            return 1.0 - h * h
        if self.nonlinearity == "relu":
            return (h > 0).astype(h.dtype)
        return np.ones_like(h)

    def step(self, x_t, h_prev):
        """One step, as the equation reads (the teaching version; ``unroll`` computes the same, faster):

            h_t = f(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)
        """
        return self.activation(self.weight_ih @ x_t + self.bias_ih + self.weight_hh @ h_prev + self.bias_hh)

    def unroll(self, x, h0=None):
        xs, batched, h0 = self._prepare(x, h0)
        hs = _states(h0, xs.shape[0])
        a = self._input_projection(xs, self.bias_ih + self.bias_hh)   # a_t + b_hh = W_ih x_t + b_ih + b_hh, all t
        W = self.weight_hh
        for t in range(xs.shape[0]):
            pre = np.matmul(W, hs[t], out=hs[t + 1])                   # W_hh h_{t-1}
            pre += a[t]                                                # + W_ih x_t + b_ih + b_hh
            self._activate(pre)                                        # h_t = f(pre), in place
        return Trace(cell=self, xs=xs, hs=_rows(hs), batched=batched)

    def _activate(self, pre):
        if self.nonlinearity == "tanh":
            np.tanh(pre, out=pre)
        elif self.nonlinearity == "relu":
            np.maximum(pre, 0.0, out=pre)

    def backward(self, trace, dh):
        dh_out = self._dh(trace, dh)
        slope = self.activation_slope(_columns(trace.hs[1:]))         # f'(pre_t) for all t at once
        dh_total = np.empty_like(dh_out)
        dpre = np.empty_like(dh_out)
        dh_next = np.zeros_like(dh_out[0])
        W_T = np.ascontiguousarray(self.weight_hh.T)
        for t in reversed(range(trace.length)):
            np.add(dh_out[t], dh_next, out=dh_total[t])                # from the loss at t and from step t+1
            np.multiply(dh_total[t], slope[t], out=dpre[t])            # through f
            dh_next = W_T @ dpre[t]                                    # to h_{t-1} through W_hh
        return self._finish_backward(trace, dh_total, dpre, dpre, dh_next)

    def step_jacobians(self, trace):
        """(T, H, H): d h_t / d h_{t-1} = diag(f'(pre_t)) W_hh, for one sequence (batch item 0)."""
        slope = self.activation_slope(trace.hs[1:, 0])
        return slope[:, :, None] * self.weight_hh[None]


@dataclass(frozen=True)
class LSTM(_Cell):
    """LSTM, as torch.nn.LSTM (rows of the weights: i, f, g, o):

        i_t = sigmoid(W_ii x_t + b_ii + W_hi h_{t-1} + b_hi)   input gate
        f_t = sigmoid(W_if x_t + b_if + W_hf h_{t-1} + b_hf)   forget gate
        g_t = tanh   (W_ig x_t + b_ig + W_hg h_{t-1} + b_hg)   candidate
        o_t = sigmoid(W_io x_t + b_io + W_ho h_{t-1} + b_ho)   output gate
        c_t = f_t * c_{t-1} + i_t * g_t
        h_t = o_t * tanh(c_t)

    ``LSTM.random(..., forget_bias=b)`` sets b_if = b and b_hf = 0, so the forget
    gate starts at sigmoid(b): b = +3 remembers (f ~ 0.95), b = 0 halves (f ~ 0.5).
    """

    GATES = ("i", "f", "g", "o")
    BLOCKS = 4

    @classmethod
    def random(cls, input_size, hidden_size, *, seed=0, dtype=np.float64, forget_bias=None):
        cell = super().random(input_size, hidden_size, seed=seed, dtype=dtype)
        if forget_bias is None:
            return cell
        h = hidden_size
        bias_ih, bias_hh = cell.bias_ih.copy(), cell.bias_hh.copy()
        bias_ih[h:2 * h], bias_hh[h:2 * h] = forget_bias, 0.0
        return cell.replace(bias_ih=bias_ih, bias_hh=bias_hh)

    def step(self, x_t, h_prev, c_prev):
        """One step, as the equations read (the teaching version; ``unroll`` computes the same, faster).

        Returns h_t, c_t and the gates {"i", "f", "g", "o"}.
        """
        W_i, W_f, W_g, W_o = np.split(self.weight_ih, 4)              # PyTorch's row order: i, f, g, o
        U_i, U_f, U_g, U_o = np.split(self.weight_hh, 4)
        b_i, b_f, b_g, b_o = np.split(self.bias_ih + self.bias_hh, 4)
        i = sigmoid(W_i @ x_t + U_i @ h_prev + b_i)                    # input gate
        f = sigmoid(W_f @ x_t + U_f @ h_prev + b_f)                    # forget gate
        g = np.tanh(W_g @ x_t + U_g @ h_prev + b_g)                    # candidate
        o = sigmoid(W_o @ x_t + U_o @ h_prev + b_o)                    # output gate
        c = f * c_prev + i * g                                         # cell state
        h = o * np.tanh(c)                                             # hidden state
        return h, c, {"i": i, "f": f, "g": g, "o": o}

    def unroll(self, x, h0=None, c0=None):
        xs, batched, h0 = self._prepare(x, h0)
        T, B, H = xs.shape[0], xs.shape[1], self.hidden_size
        hs = _states(h0, T)
        cs = _states(_state(c0, B, H, self.dtype, batched, "c0"), T)
        gates = np.empty((T, 4 * H, B), dtype=self.dtype)   # rows i, f, g, o of every step
        tanh_c = np.empty((T, H, B), dtype=self.dtype)
        # sigmoid(p) = (1 + tanh(p / 2)) / 2, so one tanh serves all four blocks: the i, f, o rows of
        # the weights are halved once here, and those rows are mapped to (1 + tanh) / 2 after the tanh.
        half = np.full((4 * H, 1), 0.5, dtype=self.dtype)
        half[2 * H:3 * H] = 1.0                                        # g = tanh(pre) itself
        a = self._input_projection(xs, self.bias_ih + self.bias_hh)
        a *= half                                                      # (W_ih x_t + b_ih + b_hh) / 2 on i, f, o
        W = self.weight_hh * half
        i_g = np.empty((H, B), dtype=self.dtype)
        for t in range(T):
            z = np.matmul(W, hs[t], out=gates[t])
            z += a[t]                                                  # pre / 2 (i, f, o) and pre (g)
            np.tanh(z, out=z)                                          # g = tanh(pre)
            for rows in (z[:2 * H], z[3 * H:]):
                rows *= 0.5
                rows += 0.5                                            # i, f, o = sigmoid(pre)
            i, f, g, o = z[:H], z[H:2 * H], z[2 * H:3 * H], z[3 * H:]
            np.multiply(f, cs[t], out=cs[t + 1])
            cs[t + 1] += np.multiply(i, g, out=i_g)                    # c_t = f * c_{t-1} + i * g
            np.tanh(cs[t + 1], out=tanh_c[t])
            np.multiply(o, tanh_c[t], out=hs[t + 1])                   # h_t = o * tanh(c_t)
        names = {name: _rows(gates[:, k * H:(k + 1) * H]) for k, name in enumerate(self.GATES)}
        return Trace(cell=self, xs=xs, hs=_rows(hs), cs=_rows(cs), batched=batched, gate_values=names,
                     extras={"gate_columns": gates, "tanh_c_columns": tanh_c})

    def backward(self, trace, dh, dc=None):
        """dc (optional): dL/dc_t arriving from outside, shaped like trace.c."""
        dh_out = self._dh(trace, dh)
        dc_out = None if dc is None else self._dh(trace, dc)
        T, H, B = dh_out.shape
        gates, tanh_c, cs = trace.extras["gate_columns"], trace.extras["tanh_c_columns"], _columns(trace.cs)
        i, f, g, o = gates[:, :H], gates[:, H:2 * H], gates[:, 2 * H:3 * H], gates[:, 3 * H:]
        local = np.empty((T, 4, H, B), dtype=self.dtype)               # d(state)/d(pre) of each block, all t
        local[:, 0] = g * i * (1 - i)                                  # dc_t/d pre_i   (c = f c_prev + i g)
        local[:, 1] = cs[:-1] * f * (1 - f)                            # dc_t/d pre_f
        local[:, 2] = i * (1 - g * g)                                  # dc_t/d pre_g
        local[:, 3] = tanh_c * o * (1 - o)                             # dh_t/d pre_o   (h = o tanh(c))
        dh_dc = o * (1 - tanh_c * tanh_c)                              # dh_t/dc_t
        dh_total, dc_total = np.empty_like(dh_out), np.empty_like(dh_out)
        dpre = np.empty((T, 4, H, B), dtype=self.dtype)
        dh_next = np.zeros_like(dh_out[0])
        dc_next = np.zeros_like(dh_out[0])
        W_T = np.ascontiguousarray(self.weight_hh.T)
        for t in reversed(range(T)):
            np.add(dh_out[t], dh_next, out=dh_total[t])                # dL/dh_t: from the loss at t and from step t+1
            np.multiply(dh_total[t], dh_dc[t], out=dc_total[t])
            dc_total[t] += dc_next                                     # dL/dc_t: through h_t, and from c_{t+1}
            if dc_out is not None:
                dc_total[t] += dc_out[t]
            np.multiply(local[t, :3], dc_total[t], out=dpre[t, :3])    # i, f, g act through c_t
            np.multiply(local[t, 3], dh_total[t], out=dpre[t, 3])      # o acts through h_t
            dc_next = dc_total[t] * f[t]                               # the highway: only * f
            dh_next = W_T @ dpre[t].reshape(4 * H, B)                  # to h_{t-1} through W_hh
        dpre = dpre.reshape(T, 4 * H, B)
        return self._finish_backward(trace, dh_total, dpre, dpre, dh_next, dc_total, dc_next)

    def step_jacobians(self, trace):
        """(T, 2H, 2H): d [h_t; c_t] / d [h_{t-1}; c_{t-1}] for one sequence (batch item 0)."""
        H = self.hidden_size
        i, f, g, o = (trace.gate_values[name][:, 0] for name in self.GATES)
        c_prev, tanh_c = trace.cs[:-1, 0], np.tanh(trace.cs[1:, 0])
        W = self.weight_hh
        slopes = (i * (1 - i), f * (1 - f), 1 - g ** 2, o * (1 - o))
        di, df, dg, do = (s[:, :, None] * W[None, k * H:(k + 1) * H] for k, s in enumerate(slopes))
        dc_dh = c_prev[:, :, None] * df + g[:, :, None] * di + i[:, :, None] * dg
        dc_dc = _diagonals(f)
        through_c = (o * (1 - tanh_c ** 2))[:, :, None]
        dh_dh = tanh_c[:, :, None] * do + through_c * dc_dh
        dh_dc = through_c * dc_dc
        return np.concatenate([np.concatenate([dh_dh, dh_dc], axis=2),
                               np.concatenate([dc_dh, dc_dc], axis=2)], axis=1)


@dataclass(frozen=True)
class GRU(_Cell):
    """GRU, as torch.nn.GRU (rows of the weights: r, z, n):

        r_t = sigmoid(W_ir x_t + b_ir + W_hr h_{t-1} + b_hr)        reset gate
        z_t = sigmoid(W_iz x_t + b_iz + W_hz h_{t-1} + b_hz)        update gate
        n_t = tanh(W_in x_t + b_in + r_t * (W_hn h_{t-1} + b_hn))   candidate
        h_t = (1 - z_t) * n_t + z_t * h_{t-1}

    No separate cell state: h is the memory. z near 1 keeps the old state.
    ``GRU.random(..., update_bias=b)`` sets b_iz = b and b_hz = 0.
    """

    GATES = ("r", "z", "n")
    BLOCKS = 3

    @classmethod
    def random(cls, input_size, hidden_size, *, seed=0, dtype=np.float64, update_bias=None):
        cell = super().random(input_size, hidden_size, seed=seed, dtype=dtype)
        if update_bias is None:
            return cell
        h = hidden_size
        bias_ih, bias_hh = cell.bias_ih.copy(), cell.bias_hh.copy()
        bias_ih[h:2 * h], bias_hh[h:2 * h] = update_bias, 0.0
        return cell.replace(bias_ih=bias_ih, bias_hh=bias_hh)

    def step(self, x_t, h_prev):
        """One step, as the equations read (the teaching version; ``unroll`` computes the same, faster).

        Returns h_t and the gates {"r", "z", "n"}.
        """
        W_r, W_z, W_n = np.split(self.weight_ih, 3)                    # PyTorch's row order: r, z, n
        U_r, U_z, U_n = np.split(self.weight_hh, 3)
        b_ir, b_iz, b_in = np.split(self.bias_ih, 3)
        b_hr, b_hz, b_hn = np.split(self.bias_hh, 3)
        r = sigmoid(W_r @ x_t + b_ir + U_r @ h_prev + b_hr)           # reset gate
        z = sigmoid(W_z @ x_t + b_iz + U_z @ h_prev + b_hz)           # update gate
        n = np.tanh(W_n @ x_t + b_in + r * (U_n @ h_prev + b_hn))     # candidate: r scales W_hn h + b_hn
        h = (1 - z) * n + z * h_prev                                   # keep z of the old state
        return h, {"r": r, "z": z, "n": n}

    def unroll(self, x, h0=None):
        xs, batched, h0 = self._prepare(x, h0)
        T, B, H = xs.shape[0], xs.shape[1], self.hidden_size
        hs = _states(h0, T)
        gates = np.empty((T, 3 * H, B), dtype=self.dtype)   # rows r, z, n of every step
        u = np.empty_like(gates)                            # u_t = W_hh h_{t-1} + b_hh
        a = self._input_projection(xs, self.bias_ih)        # a_t = W_ih x_t + b_ih, all t
        W, b_hh = self.weight_hh, self.bias_hh[:, None]
        for t in range(T):
            np.matmul(W, hs[t], out=u[t])
            u[t] += b_hh                                               # u_t = W_hh h_{t-1} + b_hh
            r, z, n = gates[t, :H], gates[t, H:2 * H], gates[t, 2 * H:]
            _sigmoid_(np.add(a[t, :2 * H], u[t, :2 * H], out=gates[t, :2 * H]))  # r, z = sigmoid(a + u)
            np.multiply(r, u[t, 2 * H:], out=n)
            n += a[t, 2 * H:]
            np.tanh(n, out=n)                                          # n = tanh(a_n + r * u_n)
            np.subtract(hs[t], n, out=hs[t + 1])
            hs[t + 1] *= z
            hs[t + 1] += n                                             # h_t = (1 - z) * n + z * h_{t-1}
        names = {name: _rows(gates[:, k * H:(k + 1) * H]) for k, name in enumerate(self.GATES)}
        return Trace(cell=self, xs=xs, hs=_rows(hs), batched=batched, gate_values=names,
                     extras={"hidden_n": _rows(u[:, 2 * H:]), "gate_columns": gates, "u_columns": u})

    def backward(self, trace, dh):
        dh_out = self._dh(trace, dh)
        T, H, B = dh_out.shape
        gates, u = trace.extras["gate_columns"], trace.extras["u_columns"]
        r, z, n = gates[:, :H], gates[:, H:2 * H], gates[:, 2 * H:]
        dh_dn = (1 - z) * (1 - n * n)                                  # h = (1-z) n + z h_prev;  n = tanh(pre_n)
        dh_dz = (_columns(trace.hs[:-1]) - n) * z * (1 - z)            # z = sigmoid(pre_z)
        dn_dr = u[:, 2 * H:] * r * (1 - r)                             # pre_n = a_n + r * u_n;  r = sigmoid(pre_r)
        dh_total = np.empty_like(dh_out)
        da = np.empty((T, 3 * H, B), dtype=self.dtype)
        du = np.empty_like(da)
        dh_next = np.zeros_like(dh_out[0])
        W_T = np.ascontiguousarray(self.weight_hh.T)
        for t in reversed(range(T)):
            np.add(dh_out[t], dh_next, out=dh_total[t])                # from the loss at t and from step t+1
            dn_pre = np.multiply(dh_total[t], dh_dn[t], out=da[t, 2 * H:])
            np.multiply(dh_total[t], dh_dz[t], out=du[t, H:2 * H])     # dz_pre
            np.multiply(dn_pre, dn_dr[t], out=du[t, :H])               # dr_pre
            np.multiply(dn_pre, r[t], out=du[t, 2 * H:])               # dL/du_n = dn_pre * r
            dh_next = W_T @ du[t]                                      # through W_hh
            dh_next += dh_total[t] * z[t]                              # and the direct path * z
        da[:, :2 * H] = du[:, :2 * H]                                  # r and z see a_t and u_t alike
        return self._finish_backward(trace, dh_total, da, du, dh_next)

    def step_jacobians(self, trace):
        """(T, H, H): d h_t / d h_{t-1} for one sequence (batch item 0)."""
        H = self.hidden_size
        r, z, n = (trace.gate_values[name][:, 0] for name in self.GATES)
        h_prev, hidden_n = trace.hs[:-1, 0], trace.extras["hidden_n"][:, 0]
        W_r, W_z, W_n = (self.weight_hh[k * H:(k + 1) * H] for k in range(3))
        dr = (r * (1 - r))[:, :, None] * W_r[None]
        dz = (z * (1 - z))[:, :, None] * W_z[None]
        dn = (1 - n ** 2)[:, :, None] * (hidden_n[:, :, None] * dr + r[:, :, None] * W_n[None])
        return (_diagonals(z) + (h_prev - n)[:, :, None] * dz
                + (1 - z)[:, :, None] * dn)

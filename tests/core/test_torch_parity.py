"""Same weights, same numbers as torch.nn.RNN / LSTM / GRU, to 1e-9 in float64.

PyTorch runs step by step (sequence length 1, the state carried by hand) so that
every intermediate state and its total gradient can be read off; the gates are
recomputed from torch's own states with its documented row order.
"""

import numpy as np
import pytest
import torch

from rnn_core import GRU, LSTM, RNN
from rnn_core.cells import PARAM_NAMES

TOL = dict(rtol=1e-9, atol=1e-11)


def torch_module(cell):
    H, I = cell.hidden_size, cell.input_size
    if isinstance(cell, LSTM):
        module = torch.nn.LSTM(I, H)
    elif isinstance(cell, GRU):
        module = torch.nn.GRU(I, H)
    else:
        module = torch.nn.RNN(I, H, nonlinearity=cell.nonlinearity)
    module = module.double()
    with torch.no_grad():
        for name in PARAM_NAMES:
            getattr(module, f"{name}_l0").copy_(torch.from_numpy(np.array(cell.params[name])))
    return module


def torch_gates(cell, module, x_t, h_prev):
    W = {name: getattr(module, f"{name}_l0") for name in PARAM_NAMES}
    a = x_t @ W["weight_ih"].T + W["bias_ih"]
    u = h_prev @ W["weight_hh"].T + W["bias_hh"]
    if isinstance(cell, LSTM):
        i, f, g, o = (a + u).chunk(4, dim=-1)
        return {"i": torch.sigmoid(i), "f": torch.sigmoid(f), "g": torch.tanh(g), "o": torch.sigmoid(o)}
    a_r, a_z, a_n = a.chunk(3, dim=-1)
    u_r, u_z, u_n = u.chunk(3, dim=-1)
    r = torch.sigmoid(a_r + u_r)
    return {"r": r, "z": torch.sigmoid(a_z + u_z), "n": torch.tanh(a_n + r * u_n)}


def run_torch(cell, x, h0, c0, dh, dc):
    module = torch_module(cell)
    x_t = torch.tensor(x, requires_grad=True)
    h = torch.tensor(h0, requires_grad=True)
    c = torch.tensor(c0, requires_grad=True) if isinstance(cell, LSTM) else None
    start = (h, c)
    hs, cs, gates = [], [], {}
    for t in range(x.shape[0]):
        step_in = x_t[t:t + 1]
        if isinstance(cell, LSTM):
            step_gates = torch_gates(cell, module, x_t[t], h)
            _, (h_new, c_new) = module(step_in, (h.unsqueeze(-2 if h.dim() == 1 else 0), c.unsqueeze(-2 if c.dim() == 1 else 0)))
            h, c = h_new.squeeze(-2 if h.dim() == 1 else 0), c_new.squeeze(-2 if c.dim() == 1 else 0)
            c.retain_grad()
            cs.append(c)
        else:
            step_gates = torch_gates(cell, module, x_t[t], h) if isinstance(cell, GRU) else {}
            _, h_new = module(step_in, h.unsqueeze(-2 if h.dim() == 1 else 0))
            h = h_new.squeeze(-2 if h.dim() == 1 else 0)
        for name, value in step_gates.items():
            gates.setdefault(name, []).append(value.detach().numpy())
        h.retain_grad()
        hs.append(h)
    loss = sum((torch.from_numpy(dh[t]) * hs[t]).sum() for t in range(len(hs)))
    if isinstance(cell, LSTM):
        loss = loss + sum((torch.from_numpy(dc[t]) * cs[t]).sum() for t in range(len(cs)))
    loss.backward()
    out = {
        "h": np.array([v.detach().numpy() for v in hs]),
        "dh_total": np.array([v.grad.numpy() for v in hs]),
        "dx": x_t.grad.numpy(), "dh0": start[0].grad.numpy(),
        "params": {name: getattr(module, f"{name}_l0").grad.numpy() for name in PARAM_NAMES},
        "gates": {name: np.array(v) for name, v in gates.items()},
    }
    if isinstance(cell, LSTM):
        out.update(c=np.array([v.detach().numpy() for v in cs]), dc0=start[1].grad.numpy(),
                   dc_total=np.array([v.grad.numpy() for v in cs]))
    return out


CELLS = {
    "rnn-tanh": lambda: RNN.random(3, 4, nonlinearity="tanh", seed=1),
    "rnn-relu": lambda: RNN.random(3, 4, nonlinearity="relu", seed=1),
    "lstm": lambda: LSTM.random(3, 4, seed=1, forget_bias=1.0),
    "gru": lambda: GRU.random(3, 4, seed=1),
}


@pytest.mark.parametrize("batched", [False, True], ids=["single", "batch"])
@pytest.mark.parametrize("kind", CELLS)
def test_forward_gates_and_gradients_match_torch(kind, batched):
    cell = CELLS[kind]()
    rng = np.random.default_rng(5)
    shape = (6, 3) if batched else (6,)
    x = rng.standard_normal(shape + (3,))
    h0, c0 = rng.standard_normal(shape[1:] + (4,)), rng.standard_normal(shape[1:] + (4,))
    dh, dc = rng.standard_normal(shape + (4,)), rng.standard_normal(shape + (4,))
    reference = run_torch(cell, x, h0, c0, dh, dc)

    is_lstm = isinstance(cell, LSTM)
    trace = cell.unroll(x, h0, c0) if is_lstm else cell.unroll(x, h0)
    grads = cell.backward(trace, dh, dc) if is_lstm else cell.backward(trace, dh)
    np.testing.assert_allclose(trace.h, reference["h"], **TOL)
    for name, value in reference["gates"].items():
        np.testing.assert_allclose(trace.gates[name], value, **TOL)
    assert set(trace.gates) == set(reference["gates"])
    for name in PARAM_NAMES:
        np.testing.assert_allclose(grads.params[name], reference["params"][name], **TOL)
    np.testing.assert_allclose(grads.x, reference["dx"], **TOL)
    np.testing.assert_allclose(grads.h0, reference["dh0"], **TOL)
    np.testing.assert_allclose(grads.h, reference["dh_total"], **TOL)
    if is_lstm:
        np.testing.assert_allclose(trace.c, reference["c"], **TOL)
        np.testing.assert_allclose(grads.c0, reference["dc0"], **TOL)
        # torch's c_t output feeds only the next step and dc; h_t is computed inside the module,
        # so add the h_t path, dL/dh_t * o_t * tanh'(c_t), to get the total dL/dc_t.
        through_h = reference["dh_total"] * reference["gates"]["o"] * (1 - np.tanh(reference["c"]) ** 2)
        np.testing.assert_allclose(grads.c, reference["dc_total"] + through_h, **TOL)


def test_full_sequence_module_agrees_with_step_by_step():
    """One call of torch.nn.LSTM over the whole sequence gives our final states too."""
    cell = LSTM.random(2, 3, seed=4)
    x = np.random.default_rng(0).standard_normal((9, 2, 2))
    out, (h_n, c_n) = torch_module(cell)(torch.from_numpy(x))
    trace = cell.unroll(x)
    np.testing.assert_allclose(trace.h, out.detach().numpy(), **TOL)
    np.testing.assert_allclose(trace.c[-1], c_n[0].detach().numpy(), **TOL)

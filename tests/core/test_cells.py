"""The cells against finite differences, closed forms and an independent reference."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rnn_core import GRU, LSTM, RNN, Readout, matrix_with_singular_values, softmax_cross_entropy
from rnn_core.cells import PARAM_NAMES, sigmoid
from tests.numeric import numeric_gradient

CELLS = {
    "rnn-tanh": lambda i, h, seed: RNN.random(i, h, nonlinearity="tanh", seed=seed),
    "rnn-relu": lambda i, h, seed: RNN.random(i, h, nonlinearity="relu", seed=seed),
    "rnn-linear": lambda i, h, seed: RNN.random(i, h, nonlinearity="linear", seed=seed),
    "lstm": lambda i, h, seed: LSTM.random(i, h, seed=seed),
    "gru": lambda i, h, seed: GRU.random(i, h, seed=seed),
}


def weighted_loss(cell, x, h0, c0, dh, dc):
    """L = sum(dh * h) (+ sum(dc * c)): its gradient wrt h_t from outside is exactly dh."""
    trace = cell.unroll(x, h0, c0) if isinstance(cell, LSTM) else cell.unroll(x, h0)
    loss = np.sum(dh * trace.h)
    if isinstance(cell, LSTM):
        loss += np.sum(dc * trace.c)
    return loss


def assert_close(analytic, numeric, rtol=1e-6, atol=1e-8):
    np.testing.assert_allclose(analytic, numeric, rtol=rtol, atol=atol)


def make_problem(kind, batched, seed=0, T=5, I=3, H=4):
    rng = np.random.default_rng(seed + 100)
    cell = CELLS[kind](I, H, seed)
    shape = (T, 2) if batched else (T,)
    x = rng.standard_normal(shape + (I,))
    h0 = rng.standard_normal(shape[1:] + (H,)) * 0.5
    c0 = rng.standard_normal(shape[1:] + (H,)) * 0.5
    dh = rng.standard_normal(shape + (H,))
    dc = rng.standard_normal(shape + (H,))
    return cell, x, h0, c0, dh, dc


@pytest.mark.parametrize("batched", [False, True], ids=["single", "batch"])
@pytest.mark.parametrize("kind", CELLS)
def test_backward_matches_finite_differences(kind, batched):
    cell, x, h0, c0, dh, dc = make_problem(kind, batched)
    is_lstm = isinstance(cell, LSTM)
    trace = cell.unroll(x, h0, c0) if is_lstm else cell.unroll(x, h0)
    grads = cell.backward(trace, dh, dc) if is_lstm else cell.backward(trace, dh)

    params = {name: np.array(value) for name, value in cell.params.items()}
    loss = lambda: weighted_loss(cell.replace(**params), x, h0, c0, dh, dc)  # noqa: E731
    for name in PARAM_NAMES:
        assert_close(grads.params[name], numeric_gradient(loss, params[name]))
    assert_close(grads.x, numeric_gradient(loss, x))
    assert_close(grads.h0, numeric_gradient(loss, h0))
    if is_lstm:
        assert_close(grads.c0, numeric_gradient(loss, c0))
    # grads.h is the total dL/dh_t: perturb h_t by adding to the input of the next steps is not
    # possible, so check it the other way: the last step has nothing flowing back from later.
    np.testing.assert_array_equal(grads.h[-1], dh[-1])


@pytest.mark.parametrize("kind", CELLS)
def test_total_dh_is_gradient_of_loss_from_t_onwards(kind):
    """grads.h[t] = dL/dh_t: rerun from h_t as the initial state and differentiate that."""
    cell, x, h0, c0, dh, dc = make_problem(kind, batched=False, T=6)
    is_lstm = isinstance(cell, LSTM)
    trace = cell.unroll(x, h0, c0) if is_lstm else cell.unroll(x, h0)
    grads = cell.backward(trace, dh, dc) if is_lstm else cell.backward(trace, dh)
    t = 2
    h_t = np.array(trace.h[t])
    c_t = np.array(trace.c[t]) if is_lstm else None

    def tail_loss():
        tail = weighted_loss(cell, x[t + 1:], h_t, c_t, dh[t + 1:], dc[t + 1:])
        return tail + np.sum(dh[t] * h_t)

    assert_close(grads.h[t], numeric_gradient(tail_loss, h_t))


def test_readout_and_cross_entropy_gradients():
    rng = np.random.default_rng(3)
    readout = Readout.random(4, 5, seed=1)
    h = rng.standard_normal((6, 2, 4))
    targets = rng.integers(0, 5, (6, 2))
    weight, bias = np.array(readout.weight), np.array(readout.bias)
    loss = lambda: softmax_cross_entropy(Readout(weight, bias).forward(h), targets)[0].sum()  # noqa: E731
    losses, dlogits = softmax_cross_entropy(readout.forward(h), targets)
    grads, dh = readout.backward(h, dlogits)
    assert_close(grads["weight"], numeric_gradient(loss, weight))
    assert_close(grads["bias"], numeric_gradient(loss, bias))
    assert_close(dh, numeric_gradient(loss, h))
    # cross-entropy of uniform logits is log(classes)
    uniform, _ = softmax_cross_entropy(np.zeros((3, 5)), np.array([0, 1, 4]))
    np.testing.assert_allclose(uniform, np.log(5))


def test_rnn_readout_end_to_end_gradient():
    """Loss through the readout into the RNN: the chain rule joins the two backward passes."""
    rng = np.random.default_rng(4)
    cell, readout = RNN.random(3, 4, seed=2), Readout.random(4, 3, seed=5)
    x, targets = rng.standard_normal((5, 3)), rng.integers(0, 3, 5)
    weight_hh = np.array(cell.weight_hh)

    def loss():
        h = cell.replace(weight_hh=weight_hh).unroll(x).h
        return softmax_cross_entropy(readout.forward(h), targets)[0].sum()

    trace = cell.unroll(x)
    _, dlogits = softmax_cross_entropy(readout.forward(trace.h), targets)
    _, dh = readout.backward(trace.h, dlogits)
    assert_close(cell.backward(trace, dh).params["weight_hh"], numeric_gradient(loss, weight_hh))


@settings(max_examples=25, deadline=None)
@given(kind=st.sampled_from(sorted(CELLS)), T=st.integers(1, 7), B=st.integers(1, 4),
       I=st.integers(1, 4), H=st.integers(1, 5), seed=st.integers(0, 10_000))
def test_batched_unroll_equals_stacked_single_unrolls(kind, T, B, I, H, seed):
    rng = np.random.default_rng(seed)
    cell = CELLS[kind](I, H, seed)
    x = rng.standard_normal((T, B, I))
    h0 = rng.standard_normal((B, H))
    dh = rng.standard_normal((T, B, H))
    batch = cell.unroll(x, h0)
    batch_grads = cell.backward(batch, dh)
    total = {name: np.zeros_like(p) for name, p in cell.params.items()}
    for b in range(B):
        single = cell.unroll(x[:, b], h0[b])
        np.testing.assert_allclose(batch.h[:, b], single.h, rtol=1e-12, atol=1e-12)
        for name, value in single.gates.items():
            np.testing.assert_allclose(batch.gates[name][:, b], value, rtol=1e-12, atol=1e-12)
        single_grads = cell.backward(single, dh[:, b])
        np.testing.assert_allclose(batch_grads.x[:, b], single_grads.x, rtol=1e-10, atol=1e-12)
        for name in total:
            total[name] += single_grads.params[name]
    for name in total:  # batch gradients are sums over the batch
        np.testing.assert_allclose(batch_grads.params[name], total[name], rtol=1e-10, atol=1e-12)


@settings(max_examples=25, deadline=None)
@given(kind=st.sampled_from(sorted(CELLS)), T=st.integers(1, 30), H=st.integers(1, 6),
       seed=st.integers(0, 10_000))
def test_gates_lie_in_their_ranges(kind, T, H, seed):
    rng = np.random.default_rng(seed)
    cell = CELLS[kind](2, H, seed)
    trace = cell.unroll(3 * rng.standard_normal((T, 2)))
    for name, value in trace.gates.items():
        low = -1 if name in ("g", "n") else 0
        assert np.all((value >= low) & (value <= 1)), name
    assert trace.h.shape == (T, H)


# ---------------------------------------------------------------- closed forms

def zero_cell(cls, I, H, **options):
    G = cls.BLOCKS
    return cls(weight_ih=np.zeros((G * H, I)), weight_hh=np.zeros((G * H, H)),
               bias_ih=np.zeros(G * H), bias_hh=np.zeros(G * H), **options)


def test_all_zero_lstm_halves_its_cell_state_every_step():
    T, c0 = 12, np.array([1.0, -2.0, 0.5])
    trace = zero_cell(LSTM, 2, 3).unroll(np.ones((T, 2)), c0=c0)
    np.testing.assert_allclose(trace.c[-1], 0.5 ** T * c0, rtol=1e-14)
    np.testing.assert_allclose(trace.h[-1], 0.5 * np.tanh(0.5 ** T * c0), rtol=1e-14)
    np.testing.assert_array_equal(trace.gates["f"], 0.5)


def test_all_zero_gru_halves_its_hidden_state_every_step():
    T, h0 = 12, np.array([1.0, -2.0, 0.5])
    trace = zero_cell(GRU, 2, 3).unroll(np.ones((T, 2)), h0=h0)
    np.testing.assert_allclose(trace.h[-1], 0.5 ** T * h0, rtol=1e-14)


@pytest.mark.parametrize("sigma", [0.5, 0.9, 1.0, 1.3])
def test_linear_rnn_with_scaled_orthogonal_weights(sigma):
    """h_T = (sigma Q)^T h_0, so ||h_T|| = sigma^T ||h_0|| exactly."""
    H, T = 5, 20
    W = matrix_with_singular_values(np.full(H, sigma), seed=1)
    cell = zero_cell(RNN, 1, H, nonlinearity="linear").replace(weight_hh=W)
    h0 = np.random.default_rng(0).standard_normal(H)
    trace = cell.unroll(np.zeros((T, 1)), h0)
    np.testing.assert_allclose(np.linalg.norm(trace.h, axis=1),
                               sigma ** np.arange(1, T + 1) * np.linalg.norm(h0), rtol=1e-12)


@settings(max_examples=30, deadline=None)
@given(values=st.lists(st.floats(1e-3, 1e3), min_size=1, max_size=8), seed=st.integers(0, 10_000))
def test_matrix_has_exactly_the_singular_values_asked_for(values, seed):
    W = matrix_with_singular_values(values, seed=seed)
    # an SVD finds each singular value to within about machine epsilon times the largest one
    np.testing.assert_allclose(np.linalg.svd(W, compute_uv=False), sorted(values, reverse=True),
                               rtol=1e-10, atol=1e-13 * max(values))


def test_pytorch_init_range_and_forget_bias():
    H = 16
    cell = LSTM.random(3, H, seed=0, forget_bias=3.0)
    bound = 1 / np.sqrt(H)
    for name in ("weight_ih", "weight_hh"):
        assert np.all(np.abs(cell.params[name]) <= bound)
        assert np.abs(cell.params[name]).max() > 0.9 * bound  # really uses the whole range
    np.testing.assert_array_equal(cell.block("f", "bias_ih") + cell.block("f", "bias_hh"), 3.0)
    gru = GRU.random(3, H, seed=0, update_bias=-1.0)
    np.testing.assert_array_equal(gru.block("z", "bias_ih") + gru.block("z", "bias_hh"), -1.0)
    assert LSTM.random(3, 5).num_parameters == 4 * (5 * (3 + 5) + 2 * 5)


def test_cells_are_immutable_and_validate_shapes():
    cell = RNN.random(2, 3, seed=0)
    with pytest.raises(ValueError):
        cell.weight_hh[0, 0] = 1.0
    with pytest.raises(ValueError, match="weight_hh"):
        RNN(weight_ih=np.zeros((3, 2)), weight_hh=np.zeros((3, 2)), bias_ih=np.zeros(3), bias_hh=np.zeros(3))
    with pytest.raises(ValueError, match="features"):
        cell.unroll(np.zeros((4, 5)))
    with pytest.raises(ValueError, match="nonlinearity"):
        RNN.random(2, 3, nonlinearity="sigmoid")


# ------------------------------------------------ an independent reference and negative controls

def reference_unroll(kind, params, x, h0, lstm_order=("i", "f", "g", "o"), gru_reset_inside=True,
                     gru_keep_old_with="z"):
    """PyTorch's documented equations, written out unit by unit with explicit loops.

    The keyword arguments build deliberately wrong variants for the negative controls.
    """
    W_ih, W_hh, b_ih, b_hh = (params[n] for n in PARAM_NAMES)
    H = W_hh.shape[1]
    h, c, hs = h0.copy(), np.zeros(H), []
    for x_t in x:
        def pre(block, with_hidden=True, hidden=h):
            rows = slice(block * H, (block + 1) * H)
            out = W_ih[rows] @ x_t + b_ih[rows]
            return out + (W_hh[rows] @ hidden + b_hh[rows] if with_hidden else 0)

        if kind == "lstm":
            gate = {name: pre(k) for k, name in enumerate(lstm_order)}
            i, f, o = sigmoid(gate["i"]), sigmoid(gate["f"]), sigmoid(gate["o"])
            g = np.tanh(gate["g"])
            c = f * c + i * g
            h = o * np.tanh(c)
        else:
            r, z = sigmoid(pre(0)), sigmoid(pre(1))
            if gru_reset_inside:   # PyTorch: r * (W_hn h + b_hn)
                n = np.tanh(pre(2, with_hidden=False) + r * (W_hh[2 * H:] @ h + b_hh[2 * H:]))
            else:                  # the other published convention: W_hn (r * h)
                n = np.tanh(pre(2, hidden=r * h))
            keep = z if gru_keep_old_with == "z" else 1 - z
            h = (1 - keep) * n + keep * h
        hs.append(h)
    return np.array(hs)


@pytest.mark.parametrize("kind", ["lstm", "gru"])
def test_cells_match_the_reference_equations(kind):
    cell = (LSTM if kind == "lstm" else GRU).random(3, 4, seed=7)
    x = np.random.default_rng(1).standard_normal((6, 3))
    h0 = np.random.default_rng(2).standard_normal(4)
    np.testing.assert_allclose(cell.unroll(x, h0).h, reference_unroll(kind, cell.params, x, h0),
                               rtol=1e-13, atol=1e-14)


def test_negative_control_wrong_lstm_gate_order_is_caught():
    cell = LSTM.random(3, 4, seed=7)
    x = np.random.default_rng(1).standard_normal((6, 3))
    h0 = np.zeros(4)
    for wrong in [("i", "f", "o", "g"), ("f", "i", "g", "o"), ("i", "g", "f", "o")]:
        wrong_h = reference_unroll("lstm", cell.params, x, h0, lstm_order=wrong)
        assert np.max(np.abs(cell.unroll(x, h0).h - wrong_h)) > 1e-3, wrong


def test_negative_control_wrong_gru_conventions_are_caught():
    cell = GRU.random(3, 4, seed=7)
    x = np.random.default_rng(1).standard_normal((6, 3))
    h0 = np.random.default_rng(2).standard_normal(4)
    ours = cell.unroll(x, h0).h
    reset_outside = reference_unroll("gru", cell.params, x, h0, gru_reset_inside=False)
    swapped_update = reference_unroll("gru", cell.params, x, h0, gru_keep_old_with="1-z")
    assert np.max(np.abs(ours - reset_outside)) > 1e-3
    assert np.max(np.abs(ours - swapped_update)) > 1e-3


def test_negative_control_gradient_check_catches_a_wrong_backward():
    """A backward that forgets the recurrent path fails the same finite-difference check."""
    cell, x, h0, _, dh, _ = make_problem("rnn-tanh", batched=False)
    params = {name: np.array(value) for name, value in cell.params.items()}
    numeric = numeric_gradient(lambda: weighted_loss(cell.replace(**params), x, h0, None, dh, None),
                               params["weight_hh"])
    trace = cell.unroll(x, h0)
    slope = 1 - trace.hs[1:, 0] ** 2
    no_recurrence = (dh * slope).T @ trace.hs[:-1, 0]  # only each step's own loss
    with pytest.raises(AssertionError):
        assert_close(no_recurrence, numeric)

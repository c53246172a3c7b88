"""The teaching versions (cell.step: one line per equation, shown by "Show code") compute exactly what the
fast unrolls compute (in-place buffers, the LSTM's sigmoids from one tanh)."""

import numpy as np
import pytest

from rnn_core import GRU, LSTM, RNN


def inputs(T=9, I=3, seed=4):
    return np.random.default_rng(seed).standard_normal((T, I))


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu", "linear"])
def test_rnn_step_by_step_equals_unroll(nonlinearity):
    cell = RNN.random(3, 5, nonlinearity=nonlinearity, seed=1)
    x, h = inputs(), np.random.default_rng(2).standard_normal(5)
    trace = cell.unroll(x, h0=h)
    for t in range(len(x)):
        h = cell.step(x[t], h)
        np.testing.assert_allclose(h, trace.h[t], rtol=1e-12, atol=1e-14)


def test_lstm_step_by_step_equals_unroll_gates_included():
    cell = LSTM.random(3, 5, seed=1, forget_bias=2.0)
    x, h, c = inputs(), np.zeros(5), np.random.default_rng(3).standard_normal(5)
    trace = cell.unroll(x, c0=c)
    for t in range(len(x)):
        h, c, gates = cell.step(x[t], h, c)
        np.testing.assert_allclose(h, trace.h[t], rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(c, trace.c[t], rtol=1e-12, atol=1e-14)
        for name in "ifgo":
            np.testing.assert_allclose(gates[name], trace.gates[name][t], rtol=1e-12, atol=1e-14)


def test_gru_step_by_step_equals_unroll_gates_included():
    cell = GRU.random(3, 5, seed=1, update_bias=1.0)
    x, h = inputs(), np.random.default_rng(5).standard_normal(5)
    trace = cell.unroll(x, h0=h)
    for t in range(len(x)):
        h, gates = cell.step(x[t], h)
        np.testing.assert_allclose(h, trace.h[t], rtol=1e-12, atol=1e-14)
        for name in "rzn":
            np.testing.assert_allclose(gates[name], trace.gates[name][t], rtol=1e-12, atol=1e-14)


def test_gru_step_applies_the_reset_gate_after_the_matrix_as_pytorch_does():
    """r * (W_hn h + b_hn), not W_hn (r * h) + b_hn (Cho et al., d2l): different numbers whenever b_hn != 0."""
    cell = GRU.random(3, 4, seed=7)
    x, h = inputs(T=1)[0], np.random.default_rng(8).standard_normal(4)
    h_next, gates = cell.step(x, h)
    W_n, U_n = np.split(cell.weight_ih, 3)[2], np.split(cell.weight_hh, 3)[2]
    b_in, b_hn = np.split(cell.bias_ih, 3)[2], np.split(cell.bias_hh, 3)[2]
    cho = np.tanh(W_n @ x + b_in + U_n @ (gates["r"] * h) + b_hn)
    assert np.max(np.abs(cho - gates["n"])) > 1e-3

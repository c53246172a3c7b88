"""The PyTorch snippets the lessons show: executed with torch, they give rnn_core's numbers to 1e-9."""

import contextlib
import io

import numpy as np
import pytest

from app.torch_snippet import literal, pytorch_snippet
from rnn_core import GRU, LSTM, RNN, Readout
from rnn_core.bptt import many_to_many

CELLS = {
    "rnn_tanh": lambda: RNN.random(3, 5, nonlinearity="tanh", seed=1),
    "rnn_relu": lambda: RNN.random(3, 5, nonlinearity="relu", seed=2),
    "rnn_linear": lambda: RNN.random(3, 5, nonlinearity="linear", seed=3),
    "lstm": lambda: LSTM.random(3, 5, seed=4, forget_bias=2.0),
    "gru": lambda: GRU.random(3, 5, seed=5, update_bias=1.0),
}


def run(source):
    """Execute a snippet; return its namespace and what it printed."""
    namespace, out = {}, io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(source, "<snippet>", "exec"), namespace)
    return namespace, out.getvalue()


def as_numpy(t):
    return t.detach().numpy()


def test_literal_round_trips_float64_exactly():
    a = np.random.default_rng(0).standard_normal((3, 4)) * 10.0 ** np.arange(-6, 6).reshape(3, 4)
    assert np.array_equal(np.array(eval(literal(a))), a)


@pytest.mark.parametrize("name", list(CELLS))
def test_forward_matches_rnn_core(name):
    cell = CELLS[name]()
    x = np.random.default_rng(7).standard_normal((6, 3))
    trace = cell.unroll(x)
    namespace, printed = run(pytorch_snippet(cell, x, show="output[-1]"))
    assert np.max(np.abs(as_numpy(namespace["output"]) - trace.h)) < 1e-9
    assert np.max(np.abs(as_numpy(namespace["h_n"]).ravel() - trace.h[-1])) < 1e-9
    printed_values = [float(v) for v in printed.split("[", 1)[1].split("]")[0].replace("\n", " ").split(",")]
    assert np.allclose(printed_values, trace.h[-1], atol=1e-6)  # printed with 6 decimals
    if name == "lstm":
        assert np.max(np.abs(as_numpy(namespace["c_n"]).ravel() - trace.c[-1])) < 1e-9


@pytest.mark.parametrize("name", list(CELLS))
def test_gradients_match_rnn_core_backward(name):
    cell = CELLS[name]()
    rng = np.random.default_rng(8)
    x, h0 = rng.standard_normal((5, 3)), rng.standard_normal(5)
    c0 = rng.standard_normal(5) if name == "lstm" else None
    trace = cell.unroll(x, h0, c0) if name == "lstm" else cell.unroll(x, h0)
    dh = rng.standard_normal(trace.h.shape)
    grads = cell.backward(trace, dh).params
    namespace, _ = run(pytorch_snippet(cell, x, h0=h0, c0=c0, dh=dh, show="grads['weight_hh']"))
    assert np.max(np.abs(as_numpy(namespace["output"]) - trace.h)) < 1e-9
    for key, value in grads.items():
        assert np.max(np.abs(as_numpy(namespace["grads"][key]) - value)) < 1e-9, key


def test_readout_and_cross_entropy_match_many_to_many():
    cell = RNN.random(4, 6, seed=3)
    readout = Readout.random(6, 4, seed=4)
    x = np.eye(4)[[0, 1, 2, 3, 0, 1]]
    targets = np.array([1, 2, 3, 0, 1, 2])
    result = many_to_many(cell, readout, x, targets)
    namespace, _ = run(pytorch_snippet(cell, x, readout=readout, targets=targets, show="loss"))
    assert abs(namespace["loss"].item() - float(np.sum(result.losses))) < 1e-9
    assert np.max(np.abs(as_numpy(namespace["losses"]) - result.losses)) < 1e-9
    for key, value in result.grads.params.items():
        assert np.max(np.abs(as_numpy(namespace["grads"][key]) - value)) < 1e-9, key


def test_rejects_what_it_cannot_write():
    with pytest.raises(TypeError):
        pytorch_snippet(Readout.random(2, 2), np.zeros((2, 2)))
    with pytest.raises(ValueError):
        pytorch_snippet(RNN.random(2, 2), np.zeros((2, 1, 2)))


def test_last_state_readout_gives_the_memory_labs_probabilities():
    """Many-to-one, as in the memory lab: softmax of the readout of the last state only."""
    from rnn_core import softmax

    cell, readout = LSTM.random(4, 6, seed=8, forget_bias=3.0), Readout.random(6, 3, seed=9)
    x = np.eye(4)[[0, 2, 2, 1, 3]]
    namespace, printed = run(pytorch_snippet(cell, x, last_readout=readout, show="probabilities"))
    expected = softmax(readout.forward(cell.unroll(x).h[-1]))
    np.testing.assert_allclose(as_numpy(namespace["probabilities"]), expected, rtol=1e-9, atol=1e-12)
    assert printed.startswith("tensor(")

"""Jacobian norms against finite differences and closed forms; clipping against its definitions."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rnn_core import (GRU, LSTM, RNN, clip_by_norm, clip_by_value, global_norm, jacobian, jacobian_log_norms,
                      jacobian_norms, matrix_with_singular_values)

CELLS = {
    "rnn-tanh": lambda i, h, s: RNN.random(i, h, nonlinearity="tanh", seed=s),
    "rnn-relu": lambda i, h, s: RNN.random(i, h, nonlinearity="relu", seed=s),
    "rnn-linear": lambda i, h, s: RNN.random(i, h, nonlinearity="linear", seed=s),
    "gru": lambda i, h, s: GRU.random(i, h, seed=s),
    "lstm": lambda i, h, s: LSTM.random(i, h, seed=s),
}


def final_state(cell, x, state):
    """state_{T-1} after running x from a given state ([h; c] for the LSTM)."""
    H = cell.hidden_size
    if isinstance(cell, LSTM):
        trace = cell.unroll(x, state[:H], state[H:])
        return np.concatenate([trace.h[-1], trace.c[-1]])
    return cell.unroll(x, state).h[-1]


def state_at(cell, trace, t):
    if isinstance(cell, LSTM):
        return np.concatenate([trace.h[t], trace.c[t]])
    return trace.h[t]


def finite_difference_jacobian(cell, x, trace, t, eps=1e-6):
    """d state_{T-1} / d state_t by re-running steps t+1..T-1 from a perturbed state_t."""
    s = state_at(cell, trace, t)
    columns = []
    for k in range(s.size):
        up, down = s.copy(), s.copy()
        up[k] += eps
        down[k] -= eps
        columns.append((final_state(cell, x[t + 1:], up) - final_state(cell, x[t + 1:], down)) / (2 * eps))
    return np.stack(columns, axis=1)


@pytest.mark.parametrize("kind", sorted(CELLS))
def test_jacobian_norms_match_finite_differences(kind):
    T = 7
    rng = np.random.default_rng(3)
    cell = CELLS[kind](2, 3, 5)
    cell = cell.replace(weight_hh=cell.weight_hh * 2.5)       # larger weights: less trivial products
    x = rng.standard_normal((T, 2))
    trace = cell.unroll(x)
    norms = jacobian_norms(cell, trace)
    assert norms.shape == (T,) and norms[-1] == 1
    for t in range(T - 1):
        numeric = finite_difference_jacobian(cell, x, trace, t)
        np.testing.assert_allclose(jacobian(cell, trace, t), numeric, rtol=1e-5, atol=1e-8)
        assert norms[t] == pytest.approx(np.linalg.norm(numeric, 2), rel=1e-5, abs=1e-9)
    np.testing.assert_allclose(np.exp(jacobian_log_norms(cell, trace)), norms, rtol=1e-12)


def test_lstm_state_is_h_and_c():
    cell = LSTM.random(2, 3, seed=1, forget_bias=3.0)
    trace = cell.unroll(np.ones((4, 2)))
    assert jacobian(cell, trace, 0).shape == (6, 6)
    assert cell.step_jacobians(trace).shape == (4, 6, 6)


@pytest.mark.parametrize("sigma", [0.5, 0.9, 1.0, 1.1, 1.7])
def test_linear_rnn_closed_form(sigma):
    """W = sigma * Q with Q orthogonal: ||d h_{T-1} / d h_t|| = sigma^(T-1-t) exactly."""
    H, T = 5, 40
    Q = matrix_with_singular_values(np.ones(H), seed=2)
    np.testing.assert_allclose(Q @ Q.T, np.eye(H), atol=1e-12)
    cell = RNN.random(1, H, nonlinearity="linear", seed=0).replace(weight_hh=sigma * Q)
    trace = cell.unroll(np.random.default_rng(0).standard_normal((T, 1)))
    distance = T - 1 - np.arange(T)
    np.testing.assert_allclose(jacobian_norms(cell, trace), sigma ** distance, rtol=1e-10)
    np.testing.assert_allclose(jacobian_log_norms(cell, trace), distance * np.log(sigma), rtol=1e-10, atol=1e-12)


def test_matrix_with_singular_values_has_them():
    s = [3.0, 1.2, 0.4, 0.01]
    np.testing.assert_allclose(np.linalg.svd(matrix_with_singular_values(s, seed=7), compute_uv=False), s, rtol=1e-12)


@settings(max_examples=25, deadline=None)
@given(s=st.lists(st.floats(0.05, 3.0), min_size=2, max_size=6), seed=st.integers(0, 1000),
       scale=st.floats(0.0, 3.0), nonlinearity=st.sampled_from(["tanh", "relu"]))
def test_tanh_and_relu_bound(s, seed, scale, nonlinearity):
    """gamma = 1 bounds tanh' and relu': ||d h_{T-1}/d h_t|| <= s_max^(T-1-t)."""
    H, T = len(s), 25
    W = matrix_with_singular_values(s, seed=seed)
    cell = RNN.random(2, H, nonlinearity=nonlinearity, seed=seed).replace(weight_hh=W)
    x = scale * np.random.default_rng(seed).standard_normal((T, 2))
    trace = cell.unroll(x)
    bound = max(s) ** (T - 1 - np.arange(T))
    assert np.all(jacobian_norms(cell, trace) <= bound * (1 + 1e-9))


def test_saturated_tanh_vanishes_although_s_max_is_above_one():
    """s_max > 1 is necessary, not sufficient, for exploding: saturation shrinks the slopes."""
    H, T = 4, 60
    cell = RNN.random(1, H, seed=0).replace(weight_hh=matrix_with_singular_values([1.5, 1.2, 0.8, 0.5], seed=1),
                                            weight_ih=np.full((H, 1), 4.0))
    trace = cell.unroll(np.ones((T, 1)))                         # a strong input saturates every unit
    norms = jacobian_norms(cell, trace)
    assert norms[0] < 1e-10                                      # vanished
    assert 1.5 ** (T - 1) > 1e10                                 # although the bound allows explosion


def test_huge_singular_value_overflows_to_inf_but_log_norms_stay_finite():
    H, T = 3, 200
    cell = RNN.random(1, H, nonlinearity="linear", seed=0).replace(
        weight_hh=50.0 * matrix_with_singular_values(np.ones(H), seed=0))   # 50 Q: exactly 50^(T-1-t)
    trace = cell.unroll(np.zeros((T, 1)))
    with np.errstate(over="raise"):                              # computing them must not overflow
        logs = jacobian_log_norms(cell, trace)
    norms = jacobian_norms(cell, trace)
    assert np.all(np.isfinite(logs))
    np.testing.assert_allclose(logs, (T - 1 - np.arange(T)) * np.log(50.0), rtol=1e-10)
    assert np.isinf(norms[0]) and not np.any(np.isnan(norms))


@pytest.mark.parametrize("s_max", [1e160, 1e200, 1e300])
def test_log_norms_of_weights_beyond_the_square_root_of_the_float_range(s_max):
    """Entries above ~1e154 overflow a sum of squares; the log norms must still be exact."""
    cell = RNN.random(1, 3, nonlinearity="linear", seed=0).replace(
        weight_hh=s_max * matrix_with_singular_values(np.ones(3), seed=0))
    trace = cell.unroll(np.zeros((6, 1)))
    logs = jacobian_log_norms(cell, trace)
    np.testing.assert_allclose(logs, (5 - np.arange(6)) * np.log(s_max), rtol=1e-10)


def test_relu_dead_units_give_zero_not_nan():
    cell = RNN.random(1, 3, nonlinearity="relu", seed=0).replace(bias_hh=np.full(3, -10.0))
    trace = cell.unroll(np.zeros((5, 1)))
    np.testing.assert_array_equal(jacobian_norms(cell, trace), [0, 0, 0, 0, 1])
    assert np.all(np.isneginf(jacobian_log_norms(cell, trace)[:-1]))


def grads_example(rng, scale=3.0):
    return {"weight_ih": scale * rng.standard_normal((4, 2)), "weight_hh": scale * rng.standard_normal((4, 4)),
            "bias_ih": scale * rng.standard_normal(4), "bias_hh": scale * rng.standard_normal(4)}


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000), max_norm=st.floats(1e-3, 100.0),
       scale=st.one_of(st.just(0.0), st.floats(1e-3, 10.0)))
def test_clip_by_norm_is_clip_grad_norm(seed, max_norm, scale):
    grads = grads_example(np.random.default_rng(seed), scale)
    norm = np.sqrt(sum(np.sum(g ** 2) for g in grads.values()))
    clipped, reported = clip_by_norm(grads, max_norm)
    assert reported == pytest.approx(norm, rel=1e-12)
    factor = min(1.0, max_norm / (norm + 1e-6))                   # torch.nn.utils.clip_grad_norm_
    for name, g in grads.items():
        np.testing.assert_allclose(clipped[name], factor * g, rtol=1e-12, atol=0)
    assert global_norm(clipped) <= max_norm * (1 + 1e-12)


def test_clip_by_norm_keeps_direction_clip_by_value_does_not():
    grads = {"a": np.array([10.0, 0.5]), "b": np.array([-3.0])}
    by_norm, norm = clip_by_norm(grads, 1.0)
    assert norm == pytest.approx(np.sqrt(100 + 0.25 + 9))
    flat = np.concatenate([by_norm["a"], by_norm["b"]])
    original = np.array([10.0, 0.5, -3.0])
    assert np.linalg.norm(flat) == pytest.approx(1.0, rel=1e-5)
    assert flat @ original / (np.linalg.norm(flat) * np.linalg.norm(original)) == pytest.approx(1.0, abs=1e-12)
    by_value = clip_by_value(grads, 1.0)
    np.testing.assert_array_equal(by_value["a"], [1.0, 0.5])
    np.testing.assert_array_equal(by_value["b"], [-1.0])
    value_flat = np.array([1.0, 0.5, -1.0])
    cosine = value_flat @ original / (np.linalg.norm(value_flat) * np.linalg.norm(original))
    assert cosine < 0.9                                           # the direction changed


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000), clip_value=st.floats(1e-3, 10.0))
def test_clip_by_value_is_clamp(seed, clip_value):
    grads = grads_example(np.random.default_rng(seed))
    clipped = clip_by_value(grads, clip_value)
    for name, g in grads.items():
        np.testing.assert_array_equal(clipped[name], np.minimum(np.maximum(g, -clip_value), clip_value))


def test_small_gradient_is_left_alone_by_norm_clipping():
    grads = {"w": np.array([0.3, -0.4])}
    clipped, norm = clip_by_norm(grads, 1.0)
    assert norm == pytest.approx(0.5)
    np.testing.assert_array_equal(clipped["w"], grads["w"])

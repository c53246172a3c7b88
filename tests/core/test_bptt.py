"""Many-to-many BPTT: losses, per-step contributions, per-loss split, truncation."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rnn_core import GRU, LSTM, RNN, Readout, softmax_cross_entropy
from rnn_core.bptt import (many_to_many, next_step_task, per_loss, scaled_rnn, step_contributions,
                           truncated_bptt, truncation_mask)
from rnn_core.cells import PARAM_NAMES

CELLS = {
    "rnn-tanh": lambda i, h, s: RNN.random(i, h, nonlinearity="tanh", seed=s),
    "rnn-relu": lambda i, h, s: RNN.random(i, h, nonlinearity="relu", seed=s),
    "gru": lambda i, h, s: GRU.random(i, h, seed=s),
    "lstm": lambda i, h, s: LSTM.random(i, h, seed=s),
}


def problem(kind="rnn-tanh", T=6, H=4, seed=0, preset="words", scale=1.5):
    x, targets, names = next_step_task(preset, T)
    cell = CELLS[kind](x.shape[1], H, seed)
    cell = cell.replace(weight_hh=cell.weight_hh * scale)
    readout = Readout.random(H, len(names), seed=seed + 1)
    return cell, readout, x, targets


def total_loss(cell, readout, x, targets):
    losses, _ = softmax_cross_entropy(readout.forward(cell.unroll(x).h), targets)
    return losses.sum()


def test_next_step_targets():
    x, targets, names = next_step_task("words", 6)
    assert names == ["let's", "meet", "for", "lunch"]
    np.testing.assert_array_equal(targets, [1, 2, 3, 0, 1, 2])       # the next word
    np.testing.assert_array_equal(x.argmax(axis=1), [0, 1, 2, 3, 0, 1])
    _, sine_targets, _ = next_step_task("sine", 13)
    np.testing.assert_array_equal(sine_targets, [1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 1])
    _, impulse_targets, _ = next_step_task("impulse", 5)
    np.testing.assert_array_equal(impulse_targets, np.ones(5))


@pytest.mark.parametrize("kind", sorted(CELLS))
def test_losses_and_gradient_match_finite_differences(kind):
    cell, readout, x, targets = problem(kind)
    result = many_to_many(cell, readout, x, targets)
    logits = readout.weight @ cell.unroll(x).h.T + readout.bias[:, None]
    probs = np.exp(logits) / np.exp(logits).sum(axis=0)
    np.testing.assert_allclose(result.losses, -np.log(probs[targets, np.arange(len(targets))]), rtol=1e-12)
    assert result.total_loss == pytest.approx(result.losses.sum(), rel=1e-14)
    eps = 1e-6
    for name in PARAM_NAMES:
        value = np.array(cell.params[name])
        numeric = np.zeros_like(value)
        for index in np.ndindex(value.shape):
            up, down = value.copy(), value.copy()
            up[index] += eps
            down[index] -= eps
            numeric[index] = (total_loss(cell.replace(**{name: up}), readout, x, targets)
                              - total_loss(cell.replace(**{name: down}), readout, x, targets)) / (2 * eps)
        np.testing.assert_allclose(result.grads.params[name], numeric, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("kind", sorted(CELLS))
def test_step_contributions_sum_to_the_shared_gradient(kind):
    cell, readout, x, targets = problem(kind, T=9)
    result = many_to_many(cell, readout, x, targets)
    contributions = step_contributions(result.trace, result.grads)
    for name in PARAM_NAMES:
        assert contributions[name].shape == (9,) + cell.params[name].shape
        np.testing.assert_allclose(contributions[name].sum(axis=0), result.grads.params[name], rtol=1e-12, atol=1e-15)
    # the definition: du_t h_{t-1}^T, and h_{-1} = h_0 = 0 makes the first term exactly zero
    h = result.trace.h
    np.testing.assert_allclose(contributions["weight_hh"][4], np.outer(result.grads.du[4], h[3]))
    assert np.all(contributions["weight_hh"][0] == 0)


def test_own_and_later_parts_of_the_hidden_gradient():
    cell, readout, x, targets = problem("rnn-tanh", T=7)
    result = many_to_many(cell, readout, x, targets)
    # the last step gets nothing from later steps; the others get W_hh^T (f' * dL/dh_{t+1})
    assert result.later_norms[-1] == 0
    slope = 1 - result.trace.h ** 2
    later = (result.grads.h[1:] * slope[1:]) @ cell.weight_hh
    np.testing.assert_allclose(result.grads.h[:-1] - result.dh_out[:-1], later, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(result.grad_norms, np.linalg.norm(result.grads.h, axis=1))
    np.testing.assert_allclose(result.dh_out, (np.exp(result.logits) / np.exp(result.logits).sum(1, keepdims=True)
                                               - np.eye(4)[targets]) @ readout.weight, rtol=1e-12)


@pytest.mark.parametrize("kind", sorted(CELLS))
def test_per_loss_rows_are_each_loss_alone_and_sum_to_the_full_pass(kind):
    cell, readout, x, targets = problem(kind, T=6)
    result = many_to_many(cell, readout, x, targets)
    losses = per_loss(result)
    np.testing.assert_allclose(losses.dh.sum(axis=0), result.grads.h, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(losses.contributions("weight_hh").sum(axis=0),
                               step_contributions(result.trace, result.grads)["weight_hh"], rtol=1e-12, atol=1e-15)
    # row k: the loss at step k alone reaches only steps 0..k
    k = 3
    alone = np.zeros_like(result.dh_out)
    alone[k] = result.dh_out[k]
    single = cell.backward(result.trace, alone)
    np.testing.assert_allclose(losses.dh[k], single.h, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(losses.contributions("weight_hh")[k].sum(axis=0), single.params["weight_hh"],
                               rtol=1e-12, atol=1e-15)
    norms = losses.contribution_norms("weight_hh")
    assert np.all(norms[np.triu_indices(6, 1)] == 0)                 # never from later steps
    assert np.all(norms[np.tril_indices(6, -1)][1:] >= 0)
    assert np.all(norms[k, 1:k + 1] > 0)                              # the step-4 example: steps 2-4 (1-based) contribute


def test_the_step_four_example():
    """The gradient of the loss at step 4 (1-based) depends on the steps before it, not after."""
    cell, readout, x, targets = problem("rnn-tanh", T=8, scale=1.0)
    result = many_to_many(cell, readout, x, targets)
    row = per_loss(result).contribution_norms("weight_hh")[3]
    assert row[0] == 0                                               # W_hh times h_0 = 0
    assert np.all(row[1:4] > 1e-4) and np.all(row[4:] == 0)


def test_truncation_mask_definition():
    keep = truncation_mask(5, 2)
    expected = np.array([[1, 0, 0, 0, 0],
                         [1, 1, 0, 0, 0],
                         [0, 1, 1, 0, 0],
                         [0, 0, 1, 1, 0],
                         [0, 0, 0, 1, 1]], dtype=bool)
    np.testing.assert_array_equal(keep, expected)
    np.testing.assert_array_equal(truncation_mask(5, 1), np.eye(5, dtype=bool))
    np.testing.assert_array_equal(truncation_mask(5, 5), np.tril(np.ones((5, 5), dtype=bool)))
    with pytest.raises(ValueError):
        truncation_mask(5, 0)


@pytest.mark.parametrize("kind", sorted(CELLS))
def test_truncation_with_window_T_is_full_bptt(kind):
    cell, readout, x, targets = problem(kind, T=7)
    result = many_to_many(cell, readout, x, targets)
    for window in (7, 50):
        truncated = truncated_bptt(result, window)
        for name in PARAM_NAMES:
            np.testing.assert_allclose(truncated.params[name], result.grads.params[name], rtol=1e-12, atol=1e-15)
            assert np.all(np.abs(truncated.lost[name]) < 1e-15)
        assert truncated.relative_difference < 1e-13
        assert truncated.cosine == pytest.approx(1.0, abs=1e-12)


def test_truncation_window_one_is_each_loss_through_its_own_step_only():
    cell, readout, x, targets = problem("rnn-tanh", T=7)
    result = many_to_many(cell, readout, x, targets)
    truncated = truncated_bptt(result, 1)
    # window 1: dL_k/du_k = f'(pre_k) * dL_k/dh_k, times h_{k-1}: no product with W_hh at all
    slope = 1 - result.trace.h ** 2
    du = slope * result.dh_out
    np.testing.assert_allclose(truncated.params["weight_hh"], du.T @ result.trace.hs[:-1, 0], rtol=1e-12)
    np.testing.assert_allclose(truncated.params["bias_hh"], du.sum(axis=0), rtol=1e-12)
    assert truncated.relative_difference > 0.01
    for name in PARAM_NAMES:
        np.testing.assert_allclose(truncated.params[name] + truncated.lost[name], result.grads.params[name],
                                   rtol=1e-12, atol=1e-15)


@settings(max_examples=15, deadline=None)
@given(T=st.integers(2, 9), window=st.integers(1, 10), seed=st.integers(0, 50))
def test_truncated_gradient_equals_the_sum_of_kept_terms(T, window, seed):
    cell, readout, x, targets = problem("gru", T=T, seed=seed)
    result = many_to_many(cell, readout, x, targets)
    truncated = truncated_bptt(result, window)
    terms = per_loss(result).contributions("weight_hh")
    expected = sum(terms[k, j] for k in range(T) for j in range(T) if k - window < j <= k)
    np.testing.assert_allclose(truncated.params["weight_hh"], expected, rtol=1e-12, atol=1e-15)
    norms = per_loss(result).contribution_norms()
    np.testing.assert_allclose(truncated.kept_norms + truncated.lost_norms, norms)


def test_scaled_rnn_scales_the_weights():
    base = RNN.random(3, 5, seed=4)
    cell = scaled_rnn(3, 5, seed=4, input_scale=0.5, recurrent_scale=3.0)
    np.testing.assert_allclose(cell.weight_ih, 0.5 * base.weight_ih)
    np.testing.assert_allclose(cell.weight_hh, 3.0 * base.weight_hh)
    np.testing.assert_array_equal(cell.bias_hh, base.bias_hh)


def test_one_sequence_only():
    cell, readout, x, targets = problem()
    with pytest.raises(ValueError):
        many_to_many(cell, readout, x[:, None, :], targets)

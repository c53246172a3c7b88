"""Many-to-many BPTT: losses, per-step contributions, per-loss split, truncation."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rnn_core import GRU, LSTM, RNN, Readout, softmax_cross_entropy
from rnn_core.bptt import (masked_gradient, many_to_many, next_step_task, per_loss, rnn_with_singular_values,
                           step_contributions, truncated_bptt, truncation_mask)
from rnn_core.by_hand import central_difference, loss_and_gradients
from rnn_core.cells import PARAM_NAMES
from rnn_core.truncation import chunk_mask, chunked_bptt

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


@pytest.mark.parametrize("kind", ["rnn-tanh", "lstm"])
def test_norms_and_sums_of_terms_without_forming_them(kind):
    """contribution_norms, masked_sum and step_norms use ||u v^T|| = ||u|| ||v||: the same numbers as the terms."""
    cell, readout, x, targets = problem(kind, T=6)
    losses = per_loss(many_to_many(cell, readout, x, targets))
    keep = truncation_mask(6, 2)
    for name in PARAM_NAMES:
        terms = losses.contributions(name)
        flat = terms.reshape(6, 6, -1)
        np.testing.assert_allclose(losses.contribution_norms(name), np.linalg.norm(flat, axis=-1), rtol=1e-12,
                                   atol=1e-300)
        np.testing.assert_allclose(losses.masked_sum(keep, name), terms[keep].sum(axis=0), rtol=1e-12, atol=1e-15)
        kept = np.where(keep[:, :, None], flat, 0.0).sum(axis=0)
        np.testing.assert_allclose(losses.step_norms(keep, name), np.linalg.norm(kept, axis=-1), rtol=1e-12,
                                   atol=1e-300)


def test_the_step_four_example():
    """The gradient of the loss at step 4 (1-based) depends on the steps before it, not after."""
    cell, readout, x, targets = problem("rnn-tanh", T=8, scale=1.0)
    result = many_to_many(cell, readout, x, targets)
    row = per_loss(result).contribution_norms("weight_hh")[3]
    assert row[0] == 0                                               # W_hh times h_0 = 0
    assert np.all(row[1:4] > 1e-4) and np.all(row[4:] == 0)


WINDOW_2 = [[1, 0, 0, 0, 0], [1, 1, 0, 0, 0], [0, 1, 1, 0, 0], [0, 0, 1, 1, 0], [0, 0, 0, 1, 1]]
CHUNKS_2 = [[1, 0, 0, 0, 0], [1, 1, 0, 0, 0], [0, 0, 1, 0, 0], [0, 0, 1, 1, 0], [0, 0, 0, 0, 1]]


@pytest.mark.parametrize("mask, expected", [(truncation_mask, WINDOW_2), (chunk_mask, CHUNKS_2)])
def test_truncation_masks(mask, expected):
    """A sliding window of 2 steps per loss, and chunks of 2 steps: which terms (loss k, step j) each keeps."""
    np.testing.assert_array_equal(mask(5, 2), np.array(expected, dtype=bool))
    np.testing.assert_array_equal(mask(5, 1), np.eye(5, dtype=bool))
    np.testing.assert_array_equal(mask(5, 5), np.tril(np.ones((5, 5), dtype=bool)))
    with pytest.raises(ValueError):
        mask(5, 0)


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


def test_rnn_with_singular_values_sets_s_max_and_the_input_scale():
    cell = rnn_with_singular_values(4, 5, s_max=2.0, input_scale=0.7, seed=3)
    np.testing.assert_allclose(np.linalg.svd(cell.weight_hh, compute_uv=False), 2.0 * np.linspace(1, 0.5, 5),
                               rtol=1e-12)
    assert np.abs(cell.weight_ih).max() <= 0.7 and np.abs(cell.weight_ih).max() > 0.5   # uniform in [-a, a]
    base = RNN.random(4, 5, seed=3)
    np.testing.assert_allclose(cell.weight_ih, 0.7 * np.sqrt(5) * base.weight_ih)
    np.testing.assert_array_equal(cell.bias_hh, base.bias_hh)
    one = rnn_with_singular_values(1, 1, s_max=0.3, input_scale=0.0, seed=1)
    assert abs(one.weight_hh[0, 0]) == pytest.approx(0.3) and np.all(one.weight_ih == 0)


@pytest.mark.parametrize("seed, h0", [(0, None), (5, 0.3)])
def test_the_teaching_backward_equals_the_fast_one(seed, h0):
    """rnn_core.by_hand.loss_and_gradients (one line per equation) gives RNN.backward's numbers."""
    x, targets, names = next_step_task("words", 9)
    cell = rnn_with_singular_values(4, 6, s_max=1.7, seed=seed)
    readout = Readout.random(6, len(names), seed=seed + 1)
    start = None if h0 is None else np.full(6, h0)
    fast = many_to_many(cell, readout, x, targets, h0=start)
    slow = loss_and_gradients(cell, readout, x, targets, h0=start)
    np.testing.assert_allclose(slow.losses, fast.losses, rtol=1e-13)
    np.testing.assert_allclose(slow.h, fast.trace.h, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(slow.dh, fast.grads.h, rtol=1e-11, atol=1e-14)
    for name in PARAM_NAMES:
        np.testing.assert_allclose(slow.params[name], fast.grads.params[name], rtol=1e-11, atol=1e-14)
    with pytest.raises(ValueError):
        loss_and_gradients(cell.replace(nonlinearity="relu"), readout, x, targets)


def test_central_difference_is_exact_for_a_quadratic():
    assert central_difference(lambda w: 3 * w ** 2 - w, 0.5, eps=1e-3) == pytest.approx(2.0, abs=1e-12)


def lesson_problem(T=8, H=5, seed=0, preset="words", s_max=1.4):
    x, targets, names = next_step_task(preset, T)
    cell = rnn_with_singular_values(x.shape[1], H, s_max=s_max, seed=seed)
    return many_to_many(cell, Readout.random(H, len(names), seed=seed + 1), x, targets)


def test_chunks_run_the_same_forward_pass_and_carry_the_state():
    result = lesson_problem(T=11)
    chunked = chunked_bptt(result, 4)
    assert [run.length for run in chunked.runs] == [4, 4, 3] and chunked.starts == [0, 4, 8]
    np.testing.assert_allclose(np.concatenate([run.trace.h for run in chunked.runs]), result.trace.h, rtol=1e-13)
    np.testing.assert_allclose(sum(run.total_loss for run in chunked.runs), result.total_loss, rtol=1e-13)
    np.testing.assert_array_equal(chunked.runs[1].h0, chunked.runs[0].trace.h[-1])     # the state carried on


@settings(max_examples=15, deadline=None)
@given(T=st.integers(2, 10), chunk=st.integers(1, 11), seed=st.integers(0, 50))
def test_chunked_gradient_is_the_sum_of_the_terms_inside_each_chunk(T, chunk, seed):
    result = lesson_problem(T=T, seed=seed)
    chunked = chunked_bptt(result, chunk)
    terms = per_loss(result)
    for name in PARAM_NAMES:
        c = terms.contributions(name)
        expected = sum(c[k, j] for k in range(T) for j in range(k + 1) if j // chunk == k // chunk)
        np.testing.assert_allclose(chunked.params[name], expected, rtol=1e-10, atol=1e-13)
        np.testing.assert_allclose(chunked.params[name] + chunked.lost[name], result.grads.params[name],
                                   rtol=1e-12, atol=1e-14)
    same = masked_gradient(result, chunk_mask(T, chunk), chunk, terms)
    np.testing.assert_allclose(chunked.kept_norms, same.kept_norms)
    assert chunked.cosine == pytest.approx(same.cosine, abs=1e-10)


def test_chunked_gradient_by_finite_differences():
    """The chunked gradient is the derivative of the loss with each chunk's starting state held fixed."""
    result = lesson_problem(T=7, H=3, seed=2)
    chunk, eps = 3, 1e-6
    starts = [None] + [result.trace.h[s - 1] for s in range(chunk, 7, chunk)]   # the states carried in, fixed

    def detached_loss(cell):
        return sum(many_to_many(cell, result.readout, result.x[s:s + chunk], result.targets[s:s + chunk],
                                h0=h0).total_loss for s, h0 in zip(range(0, 7, chunk), starts))

    chunked = chunked_bptt(result, chunk)
    for name in PARAM_NAMES:
        value = np.array(result.cell.params[name])
        numeric = np.zeros_like(value)
        for index in np.ndindex(value.shape):
            up, down = value.copy(), value.copy()
            up[index] += eps
            down[index] -= eps
            numeric[index] = (detached_loss(result.cell.replace(**{name: up}))
                              - detached_loss(result.cell.replace(**{name: down}))) / (2 * eps)
        np.testing.assert_allclose(chunked.params[name], numeric, rtol=1e-6, atol=1e-9)
    assert chunked.relative_difference > 0.01


def test_chunks_of_T_are_full_bptt_and_chunks_of_1_the_window_of_1():
    result = lesson_problem(T=6)
    full, one = chunked_bptt(result, 6), chunked_bptt(result, 1)
    assert full.relative_difference < 1e-13 and full.cosine == pytest.approx(1.0, abs=1e-12)
    window = truncated_bptt(result, 1)
    for name in PARAM_NAMES:
        np.testing.assert_allclose(one.params[name], window.params[name], rtol=1e-12, atol=1e-15)


def test_one_sequence_only():
    cell, readout, x, targets = problem()
    with pytest.raises(ValueError):
        many_to_many(cell, readout, x[:, None, :], targets)

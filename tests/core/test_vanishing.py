"""rnn_core.vanishing: the facts lesson 4 states, checked on the network it draws.

Pascanu, Mikolov & Bengio (2013): ||dh_T/dh_t|| <= (gamma s_max)^(T-t), gamma = 1 for tanh, relu and linear and
1/4 for the sigmoid; a linear RNN behaves like rho^k (spectral radius), never above s_max^k, and equals s_max^k
only for W_hh = s_max Q. The two presets show what they say; the teaching code equals the fast code.
"""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rnn_core import RNN, jacobian_norms, matrix_with_singular_values, sequences
from rnn_core.vanishing import (EXPLODING, GAMMA, SATURATED, SigmoidRNN, analyse, analyse_setting,
                                decaying_singular_values, forward_by_hand, jacobians_by_hand, linear_power_log10_norms,
                                make_network, spectral_radius)


def test_decaying_singular_values():
    assert decaying_singular_values(2.0, 0.5, 4) == (2.0, 1.0, 0.5, 0.25)
    assert decaying_singular_values(3.0, 1.0, 16) == (3.0,) * 16
    W = matrix_with_singular_values(decaying_singular_values(1.5, 0.9, 5), seed=3)
    np.testing.assert_allclose(np.linalg.svd(W, compute_uv=False), 1.5 * 0.9 ** np.arange(5), rtol=1e-12)


@settings(max_examples=40, deadline=None)
@given(largest=st.floats(0.05, 5.0), decay=st.floats(0.5, 1.0), H=st.integers(2, 16), seed=st.integers(0, 10**6))
def test_spectral_radius_is_never_above_s_max_and_equals_it_for_a_multiple_of_an_orthogonal_matrix(largest, decay,
                                                                                                    H, seed):
    W = matrix_with_singular_values(decaying_singular_values(largest, decay, H), seed=seed)
    rho = spectral_radius(W)
    assert rho == pytest.approx(np.max(np.abs(np.linalg.eigvals(W))), rel=1e-12)
    assert rho <= largest * (1 + 1e-9)
    # |det W| = prod |eigenvalues| = prod s_k, so rho is at least the geometric mean of the singular values
    assert rho >= largest * decay ** ((H - 1) / 2) * (1 - 1e-9)
    Q = matrix_with_singular_values(np.ones(H), seed=seed)
    assert spectral_radius(largest * Q) == pytest.approx(largest, rel=1e-9)


@pytest.mark.parametrize("decay", [0.8, 0.9, 1.0])
def test_linear_rnn_behaves_like_rho_to_the_k_bounded_by_s_max_to_the_k(decay):
    """||W^k|| <= s_max^k always; log ||W^k|| / k -> log rho (Gelfand), and equals log s_max at decay 1."""
    s = decaying_singular_values(1.3, decay, 6)
    W = matrix_with_singular_values(s, seed=4)
    T = 400
    logs = linear_power_log10_norms(W, T)                     # entry t-1: log10 ||W^(T-t)||
    k = T - np.arange(1, T + 1)
    assert np.all(logs <= k * math.log10(1.3) + 1e-9)
    np.testing.assert_allclose(logs[-3:], [math.log10(np.linalg.norm(np.linalg.matrix_power(W, p), 2))
                                           for p in (2, 1, 0)], atol=1e-12)
    rate = (logs[0] - logs[T // 2]) / (k[0] - k[T // 2])      # slope over the second half of the powers
    assert rate == pytest.approx(math.log10(spectral_radius(W)), abs=2e-3)
    if decay == 1.0:
        np.testing.assert_allclose(logs, k * math.log10(1.3), atol=1e-10)
    else:
        assert spectral_radius(W) < 1.3 - 0.05                # a visibly different rate from s_max


def test_sigmoid_rnn_is_the_sigmoid_of_the_pre_activation_and_its_slope_is_at_most_a_quarter():
    cell = SigmoidRNN.random(3, 5, seed=2)
    x = np.random.default_rng(0).standard_normal((12, 3))
    trace = cell.unroll(x)
    h = np.zeros(5)
    for t in range(12):
        h = 1 / (1 + np.exp(-(cell.weight_ih @ x[t] + cell.bias_ih + cell.weight_hh @ h + cell.bias_hh)))
        np.testing.assert_allclose(trace.h[t], h, rtol=1e-12)
        np.testing.assert_allclose(cell.step(x[t], trace.hs[t, 0]), h, rtol=1e-12)
    assert np.all(cell.activation_slope(trace.h) <= 0.25)
    assert GAMMA["sigmoid"] == 0.25
    with pytest.raises(ValueError):
        SigmoidRNN.random(3, 5, seed=2, nonlinearity="tanh")


@settings(max_examples=25, deadline=None)
@given(s=st.lists(st.floats(0.05, 5.0), min_size=2, max_size=6), seed=st.integers(0, 1000),
       scale=st.floats(0.0, 4.0), nonlinearity=st.sampled_from(["tanh", "sigmoid", "relu", "linear"]))
def test_bound_gamma_s_max_holds_for_every_nonlinearity(s, seed, scale, nonlinearity):
    """||dh_T/dh_t|| <= (gamma s_max)^(T-t): the dashed line of the lesson is never crossed."""
    r = analyse(tuple(s), nonlinearity, 30, "sine", scale, seed)
    assert np.all(r.log10_norms <= r.log10_bound + 1e-9)
    np.testing.assert_allclose(r.log10_bound, (r.steps - np.arange(1, r.steps + 1)) * math.log10(GAMMA[nonlinearity]
                                                                                                  * max(s)))


@pytest.mark.parametrize("s_max", [0.5, 2.0, 3.9])
def test_a_sigmoid_rnn_with_s_max_below_4_must_vanish(s_max):
    """s_max < 1/gamma = 4 is sufficient: whatever the inputs, the norm falls at least like (s_max / 4)^(T-t)."""
    for scale in (0.0, 1.0, 4.0):
        r = analyse(decaying_singular_values(s_max, 1.0, 8), "sigmoid", 200, "words", scale, 1)
        assert r.farthest <= 199 * math.log10(s_max / 4) + 1e-9
        assert r.regime == "vanishing"


def test_teaching_code_equals_the_fast_code():
    """jacobians_by_hand (one line per equation, shown by Show code) gives jacobian_norms' numbers; forward_by_hand
    gives unroll's states; u . products gives last_step_gradient's."""
    for nonlinearity in ("tanh", "sigmoid", "relu", "linear"):
        r = analyse(decaying_singular_values(1.2, 0.8, 5), nonlinearity, 40, "words", 1.0, 3)
        trace = r.cell.unroll(r.x)
        np.testing.assert_allclose(forward_by_hand(r.cell, r.x), trace.h, rtol=1e-12, atol=1e-15)
        products = jacobians_by_hand(r.cell, r.x)
        norms = [np.linalg.norm(p, 2) for p in products]
        np.testing.assert_allclose(norms, jacobian_norms(r.cell, trace), rtol=1e-9, atol=1e-300)
        gradients = np.array([r.direction @ p for p in products])
        with np.errstate(divide="ignore"):
            np.testing.assert_allclose(np.log10(np.abs(gradients)), r.loss_gradient.log10_abs, rtol=1e-9)


def test_make_network_input_weights_are_uniform_in_minus_a_a():
    cell = make_network(decaying_singular_values(1.0, 0.8, 16), "tanh", input_size=4, input_scale=0.5, seed=0)
    assert np.max(np.abs(cell.weight_ih)) <= 0.5 and np.max(np.abs(cell.weight_ih)) > 0.45
    base = RNN.random(4, 16, seed=0)
    np.testing.assert_allclose(cell.bias_hh, base.bias_hh)     # biases: PyTorch's init from the same seed
    np.testing.assert_allclose(np.linalg.svd(cell.weight_hh, compute_uv=False), 0.8 ** np.arange(16), rtol=1e-10)


def test_saturated_preset_vanishes_although_every_singular_value_is_above_one():
    r = analyse_setting(SATURATED)
    assert min(r.singular_values) > 1 and r.rho > 1              # a linear RNN with this W_hh grows
    assert r.log10_linear[0] > 2
    assert r.regime == "vanishing" and r.farthest < -10
    assert r.mean_slope < 0.5                                    # the inputs saturate the units


def test_exploding_preset_explodes_with_tanh_and_does_so_for_every_seed_and_input():
    r = analyse_setting(EXPLODING)
    assert r.nonlinearity == "tanh" and r.regime == "exploding" and r.farthest > 5
    np.testing.assert_allclose(r.singular_values, [3.0] * 16)
    for seed in range(4):                                        # not a lucky seed
        for preset in sequences.PRESETS:
            assert analyse_setting({**EXPLODING, "seed": seed, "preset": preset}).regime == "exploding"


def test_exploding_needs_more_than_a_large_s_max_with_tanh():
    """The issue's first guess (H = 4, every s_k = 3, a = 0.5, T = 50) explodes for few seeds: saturation wins."""
    regimes = [analyse_setting({**EXPLODING, "hidden": 4, "length": 50, "seed": seed}).regime for seed in range(8)]
    assert regimes.count("exploding") <= 2 and "vanishing" in regimes


def test_relu_overflow_is_cut_before_the_state_leaves_the_float_range():
    r = analyse(decaying_singular_values(5.0, 1.0, 2), "relu", 500, "words", 4.0, 0)
    assert r.overflow_step is not None and r.steps == r.overflow_step - 1
    assert np.all(np.isfinite(r.log10_norms)) and np.all(np.isfinite(r.slopes))
    linear = analyse(decaying_singular_values(5.0, 1.0, 2), "linear", 500, "words", 4.0, 0)
    assert linear.overflow_step is not None and linear.steps == 500   # linear Jacobians do not need the states
    np.testing.assert_allclose(linear.log10_norms, linear.log10_linear, rtol=1e-9)


def test_the_light_analysis_gives_the_same_norms():
    s = dict(EXPLODING, length=60)
    full, light = analyse_setting(s), analyse_setting(s, full=False)
    np.testing.assert_array_equal(light.log10_norms, full.log10_norms)
    assert (light.farthest, light.regime, light.factor, light.mean_slope, light.rho) == \
        (full.farthest, full.regime, full.factor, full.mean_slope, full.rho)
    assert light.loss_gradient is None and light.grads is None and light.log10_linear is None

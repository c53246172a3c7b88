"""SGD and Adam against their textbook updates, worked by hand."""

import numpy as np
import pytest

from rnn_core.optim import AdamState, adam_init, adam_step, sgd_init, sgd_step


def params():
    return {"w": np.array([1.0, -2.0]), "b": np.array([0.5])}


G1 = {"w": np.array([0.5, -0.1]), "b": np.array([2.0])}
G2 = {"w": np.array([0.25, 0.3]), "b": np.array([-1.0])}


def test_adam_first_step_moves_each_weight_by_lr_against_the_gradient_sign():
    # t = 1: m = 0.1 g, v = 0.001 g^2, m_hat = g, v_hat = g^2, step = lr g / (|g| + eps)
    new, state = adam_step(params(), G1, adam_init(params()), lr=0.1)
    np.testing.assert_allclose(state.m["w"], [0.05, -0.01])
    np.testing.assert_allclose(state.v["w"], [0.00025, 0.00001])
    np.testing.assert_allclose(new["w"], [1.0 - 0.1 * 0.5 / (0.5 + 1e-8), -2.0 + 0.1 * 0.1 / (0.1 + 1e-8)], rtol=1e-15)
    np.testing.assert_allclose(new["b"], [0.4], rtol=1e-8)
    assert state.step == 1


def test_adam_second_step_by_hand():
    p, state = adam_step(params(), G1, adam_init(params()), lr=0.1)
    p, state = adam_step(p, G2, state, lr=0.1)
    # w[0]: m = 0.9*0.05 + 0.1*0.25 = 0.07; v = 0.999*0.00025 + 0.001*0.0625 = 0.00031225
    # m_hat = 0.07 / 0.19 = 0.368421; v_hat = 0.00031225 / 0.001999 = 0.156203; step = 0.1 * 0.368421 / 0.395225
    np.testing.assert_allclose(state.m["w"], [0.07, 0.021])
    np.testing.assert_allclose(state.v["w"], [0.00031225, 0.00009999])
    np.testing.assert_allclose(p["w"], [0.8067820404774624, -1.9494189911200654], rtol=1e-12)
    assert state.step == 2


def test_adam_respects_betas_and_eps():
    p = {"w": np.array([0.0])}
    new, _ = adam_step(p, {"w": np.array([1e-6])}, adam_init(p), lr=1.0, betas=(0.5, 0.5), eps=1e-6)
    np.testing.assert_allclose(new["w"], [-0.5])  # m_hat = g, sqrt(v_hat) = g = eps: step = g / 2g


def test_sgd_is_p_minus_lr_g():
    new, state = sgd_step(params(), G1, sgd_init(params()), lr=0.1)
    np.testing.assert_allclose(new["w"], [0.95, -1.99])
    np.testing.assert_allclose(new["b"], [0.3])
    assert state.step == 1


def test_sgd_momentum_buffer_starts_at_the_first_gradient_like_torch():
    p, state = sgd_step(params(), G1, sgd_init(params()), lr=0.1, momentum=0.9)
    np.testing.assert_allclose(p["w"], [0.95, -1.99])           # b_1 = g_1
    p, state = sgd_step(p, G2, state, lr=0.1, momentum=0.9)
    # b_2 = 0.9 * [0.5, -0.1] + [0.25, 0.3] = [0.7, 0.21]
    np.testing.assert_allclose(state.momentum_buffer["w"], [0.7, 0.21])
    np.testing.assert_allclose(p["w"], [0.95 - 0.07, -1.99 - 0.021])


@pytest.mark.parametrize("step, init", [(adam_step, adam_init), (sgd_step, sgd_init)])
def test_updates_never_change_their_inputs(step, init):
    p, g = params(), {k: v.copy() for k, v in G1.items()}
    state = init(p)
    before = {k: v.copy() for k, v in p.items()}
    step(p, g, state, 0.1)
    for name in p:
        np.testing.assert_array_equal(p[name], before[name])
        np.testing.assert_array_equal(g[name], G1[name])
    if isinstance(state, AdamState):
        np.testing.assert_array_equal(state.m["w"], 0.0)
        assert state.step == 0


def test_float32_stays_float32():
    p = {"w": np.ones(3, dtype=np.float32)}
    g = {"w": np.full(3, 0.5, dtype=np.float32)}
    new, state = adam_step(p, g, adam_init(p), lr=0.01)
    assert new["w"].dtype == np.float32 and state.v["w"].dtype == np.float32
    assert sgd_step(p, g, sgd_init(p), lr=0.01, momentum=0.9)[0]["w"].dtype == np.float32

"""Gated cells: closed forms, the forget-gate highway, the hand-set memory, the comparisons."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rnn_core import GRU, LSTM, RNN, forget_gate_highway, jacobian, jacobian_log_norms
from rnn_core.gated import (GATED_PRESETS, comparison_rows, gated_labels, gated_preset, gradient_comparison,
                            gradient_norms, hand_set_memory_gru, hand_set_memory_lstm, last_step_gradient,
                            log10_highway, log10_jacobian_norms, make_cell, scaled, step_values)
from rnn_core.sequences import SENTENCE


def zero_cell(cls, I, H):
    G = cls.BLOCKS
    return cls(weight_ih=np.zeros((G * H, I)), weight_hh=np.zeros((G * H, H)),
               bias_ih=np.zeros(G * H), bias_hh=np.zeros(G * H))


@pytest.mark.parametrize("T", [1, 7, 30])
def test_all_zero_lstm_halves_its_cell_state_every_step(T):
    rng = np.random.default_rng(T)
    c0, h0, x = rng.standard_normal(3), rng.standard_normal(3), rng.standard_normal((T, 2))
    trace = zero_cell(LSTM, 2, 3).unroll(x, h0=h0, c0=c0)
    # every gate is sigmoid(0) = 0.5 and g = tanh(0) = 0: c_t = 0.5 c_{t-1}
    np.testing.assert_allclose(trace.c[-1], 0.5 ** T * c0, rtol=1e-13)
    np.testing.assert_allclose(trace.h[-1], 0.5 * np.tanh(0.5 ** T * c0), rtol=1e-13)
    for name in ("i", "f", "o"):
        np.testing.assert_array_equal(trace.gates[name], 0.5)
    np.testing.assert_array_equal(trace.gates["g"], 0.0)


@pytest.mark.parametrize("T", [1, 7, 30])
def test_all_zero_gru_halves_its_hidden_state_every_step(T):
    rng = np.random.default_rng(T)
    h0, x = rng.standard_normal(3), rng.standard_normal((T, 2))
    trace = zero_cell(GRU, 2, 3).unroll(x, h0=h0)
    # z = 0.5, n = tanh(0 + 0.5 * 0) = 0: h_t = 0.5 * 0 + 0.5 * h_{t-1}
    np.testing.assert_allclose(trace.h[-1], 0.5 ** T * h0, rtol=1e-13)
    np.testing.assert_array_equal(trace.gates["n"], 0.0)


def test_highway_is_the_product_of_the_forget_gates_from_the_trace():
    cell = make_cell("lstm", 4, 5, seed=3, gate_bias=1.5, recurrent_scale=2.0)
    x = gated_preset("words", 12)
    trace = cell.unroll(x)
    f = trace.gates["f"]
    highway = forget_gate_highway(trace)
    T = len(f)
    for t in range(T):
        expected = np.ones(5)
        for k in range(t + 1, T):
            expected = expected * f[k]
        np.testing.assert_allclose(highway[t], expected, rtol=1e-12)
        np.testing.assert_allclose(log10_highway(trace)[t], np.log10(expected), rtol=1e-10, atol=1e-12)
    np.testing.assert_array_equal(highway[-1], 1.0)


def test_log10_highway_does_not_underflow_where_the_product_does():
    cell = make_cell("lstm", 4, 3, seed=0, gate_bias=-5.0)        # f ~ 0.0067 per step
    trace = cell.unroll(gated_preset("gap", 400))
    assert np.all(forget_gate_highway(trace)[0] == 0.0)           # the plain product underflows
    log_h = log10_highway(trace)
    assert np.all(np.isfinite(log_h))
    assert np.all(log_h[0] < -500)                                 # below float64's smallest number
    np.testing.assert_allclose(log_h[0], np.sum(np.log10(trace.gates["f"][1:]), axis=0), rtol=1e-12)


@pytest.mark.parametrize("t", [0, 3, 8])
def test_highway_equals_finite_difference_when_the_h_path_is_cut(t):
    base = make_cell("lstm", 4, 3, seed=1, gate_bias=2.0)
    cell = base.replace(weight_hh=np.zeros_like(base.weight_hh))  # gates no longer see h: only the c path is left
    x = gated_preset("words", 10)
    trace = cell.unroll(x)
    eps = 1e-6
    fd = np.zeros((3, 3))
    for j in range(3):
        def c_last(sign):
            c_t = trace.c[t].copy()
            c_t[j] += sign * eps
            rest = cell.unroll(x[t + 1:], h0=trace.h[t], c0=c_t)
            return rest.c[-1] if t + 1 < len(x) else c_t
        fd[:, j] = (c_last(+1) - c_last(-1)) / (2 * eps)
    np.testing.assert_allclose(fd, np.diag(forget_gate_highway(trace)[t]), rtol=1e-6, atol=1e-10)
    # and the core's full Jacobian agrees: its c-c block is that same diagonal
    np.testing.assert_allclose(jacobian(cell, trace, t)[3:, 3:], np.diag(forget_gate_highway(trace)[t]),
                               rtol=1e-10, atol=1e-14)


def test_with_the_h_path_the_full_derivative_differs_from_the_highway():
    cell = make_cell("lstm", 4, 3, seed=1, gate_bias=2.0, recurrent_scale=3.0)
    trace = cell.unroll(gated_preset("words", 10))
    cc_block = jacobian(cell, trace, 2)[3:, 3:]
    assert np.abs(cc_block - np.diag(forget_gate_highway(trace)[2])).max() > 1e-4


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), bias=st.floats(-5, 5), in_scale=st.floats(0, 4), rec_scale=st.floats(0, 4),
       preset=st.sampled_from(sorted(GATED_PRESETS)))
def test_gates_stay_within_zero_and_one(seed, bias, in_scale, rec_scale, preset):
    x = gated_preset(preset, 15)
    for kind, names in (("lstm", ("i", "f", "o")), ("gru", ("r", "z"))):
        cell = make_cell(kind, x.shape[1], 4, seed=seed, gate_bias=bias, input_scale=in_scale,
                         recurrent_scale=rec_scale)
        trace = cell.unroll(x)
        for name in names:
            assert np.all((trace.gates[name] >= 0) & (trace.gates[name] <= 1))
        candidate = trace.gates["g" if kind == "lstm" else "n"]
        assert np.all(np.abs(candidate) <= 1)


@pytest.mark.parametrize("gap", [50, 80])
@pytest.mark.parametrize("word", SENTENCE)
def test_hand_set_memory_lstm_keeps_its_bit_across_the_gap(gap, word):
    x = gated_preset("gap", gap + 1, word=word)                 # the word, then `gap` silent steps
    cell = hand_set_memory_lstm(4, 6, forget_bias=5.0)
    trace = cell.unroll(x)
    k = SENTENCE.index(word)
    f, i = trace.gates["f"], trace.gates["i"]
    assert np.all(f[1:] > 0.99) and np.all(i[1:] < 0.01)          # after the first step: f near 1, i near 0
    assert trace.c[-1, k] > 0.9925 * 0.99330714 ** gap - 1e-3     # only f touches c in the gap
    assert trace.c[-1, k] > 0.5
    others = np.delete(trace.c[-1], k)
    np.testing.assert_array_equal(others, 0.0)
    assert np.argmax(trace.h[-1]) == k                            # read out: the word is still there
    np.testing.assert_allclose(trace.c[1:, k] / trace.c[:-1, k], f[1:, k], rtol=1e-12)


def test_hand_set_memory_forgets_when_the_forget_bias_is_low():
    x = gated_preset("gap", 51)
    kept = hand_set_memory_lstm(4, 4, forget_bias=5.0).unroll(x).c[-1, 3]
    lost = hand_set_memory_lstm(4, 4, forget_bias=0.0).unroll(x).c[-1, 3]
    assert kept > 0.5
    assert lost < 1e-14                                            # 0.5^50 of the stored value


def test_hand_set_memory_gru_keeps_its_bit():
    x = gated_preset("gap", 61, word="meet")
    trace = hand_set_memory_gru(4, 5, update_bias=5.0).unroll(x)
    assert trace.h[-1, 1] > 0.5
    assert np.all(np.abs(np.delete(trace.h[-1], 1)) == 0.0)
    assert np.all(trace.gates["z"][1:, 1] > 0.99)
    lost = hand_set_memory_gru(4, 5, update_bias=0.0).unroll(x).h[-1, 1]
    assert abs(lost) < 1e-10


def test_gap_preset_and_labels():
    x = gated_preset("gap", 5)
    np.testing.assert_array_equal(x[0], [0, 0, 0, 1])
    np.testing.assert_array_equal(x[1:], 0)
    assert gated_labels("gap", 3) == ["lunch", "-", "-"]
    assert gated_preset("words", 6).shape == (6, 4)
    assert gated_preset("sine", 6).shape == (6, 1)


@pytest.mark.parametrize("I,H", [(1, 1), (4, 8), (3, 64)])
def test_comparison_rows_count_parameters_from_the_cells(I, H):
    rows = {r["model"]: r for r in comparison_rows(I, H)}
    for model, cls, G, gates in (("RNN (tanh)", RNN, 1, 0), ("LSTM", LSTM, 4, 3), ("GRU", GRU, 3, 2)):
        assert rows[model]["parameters"] == G * (H * (I + H) + 2 * H)
        assert rows[model]["weight blocks G"] == G
        assert rows[model]["gates"] == gates
        assert eval(rows[model]["formula"]) == rows[model]["parameters"]  # the shown formula is the number
    assert rows["LSTM"]["separate cell state"].startswith("yes")
    assert rows["GRU"]["separate cell state"] == "no"


def test_scaled_multiplies_the_weights_only():
    cell = make_cell("gru", 2, 3, seed=4)
    s = scaled(cell, 2.0, 0.5)
    np.testing.assert_array_equal(s.weight_ih, 2.0 * cell.weight_ih)
    np.testing.assert_array_equal(s.weight_hh, 0.5 * cell.weight_hh)
    np.testing.assert_array_equal(s.bias_ih, cell.bias_ih)
    assert make_cell("lstm", 2, 3, gate_bias=4.0).block("f", "bias_ih").tolist() == [4.0] * 3
    assert make_cell("gru", 2, 3, gate_bias=-2.0).block("z", "bias_ih").tolist() == [-2.0] * 3


@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
def test_gradient_norms_match_finite_differences(kind):
    cell = make_cell(kind, 4, 3, seed=2, gate_bias=1.0)
    x = gated_preset("words", 6)
    trace = cell.unroll(x)
    u = np.ones(3) / np.sqrt(3)
    t, eps = 2, 1e-6
    fd = np.zeros(3)
    for j in range(3):
        def loss(sign):
            h_t = trace.h[t].copy()
            h_t[j] += sign * eps
            kwargs = {"c0": trace.c[t]} if kind == "lstm" else {}
            return u @ cell.unroll(x[t + 1:], h0=h_t, **kwargs).h[-1]
        fd[j] = (loss(+1) - loss(-1)) / (2 * eps)
    np.testing.assert_allclose(last_step_gradient(cell, trace).h[t], fd, rtol=1e-6, atol=1e-10)
    norms = gradient_norms(cell, trace)
    assert norms[-1] == pytest.approx(1.0)
    assert norms[t] == pytest.approx(np.linalg.norm(fd), rel=1e-6)


def test_gradient_comparison_uses_the_same_settings_for_all_three():
    x = gated_preset("gap", 20)
    out = gradient_comparison(4, 5, x, seed=7, lstm_bias=3.0, gru_bias=2.0, recurrent_scale=1.5)
    cell = make_cell("lstm", 4, 5, seed=7, gate_bias=3.0, recurrent_scale=1.5)
    np.testing.assert_array_equal(out["lstm"], gradient_norms(cell, cell.unroll(x)))
    assert set(out) == {"rnn", "lstm", "gru"}


def test_exploding_gradient_norms_are_inf_not_nan():
    cell = make_cell("rnn", 1, 4, seed=0, recurrent_scale=200.0)
    cell = cell.replace(weight_hh=200.0 * np.eye(4), weight_ih=np.zeros((4, 1)), bias_ih=np.zeros(4),
                        bias_hh=np.zeros(4), nonlinearity="linear")
    trace = cell.unroll(np.zeros((200, 1)), h0=np.ones(4))
    norms = gradient_norms(cell, trace)
    assert not np.any(np.isnan(norms))
    assert np.isinf(norms[0])
    np.testing.assert_allclose(log10_jacobian_norms(cell, trace)[0], 199 * np.log10(200.0), rtol=1e-12)


def test_lstm_forget_bias_can_still_explode_through_h():
    """The highway eases vanishing; large recurrent weights still make the full Jacobian grow."""
    x = gated_preset("gap", 100)
    cell = make_cell("lstm", 4, 16, seed=0, gate_bias=3.0, recurrent_scale=16.0)
    trace = cell.unroll(x)
    assert log10_jacobian_norms(cell, trace)[0] > 6               # > 1e6: exploding is still possible
    assert np.all(log10_highway(trace) <= 0)                       # while the cell path alone only shrinks


def test_step_values_are_the_equations():
    cell = make_cell("lstm", 4, 3, seed=5, gate_bias=1.0)
    trace = cell.unroll(gated_preset("words", 5))
    v = step_values(trace, 2, 1)
    sig = lambda a: 1 / (1 + np.exp(-a))
    assert v["f"] == pytest.approx(sig(v["a_f"] + v["u_f"]))
    assert v["g"] == pytest.approx(np.tanh(v["a_g"] + v["u_g"]))
    assert v["c"] == pytest.approx(v["f"] * v["c_prev"] + v["i"] * v["g"])
    assert v["h"] == pytest.approx(v["o"] * np.tanh(v["c"]))
    assert v["h_prev"] == trace.h[1, 1]
    gru = make_cell("gru", 4, 3, seed=5, gate_bias=1.0)
    gt = gru.unroll(gated_preset("words", 5))
    w = step_values(gt, 3, 2)
    assert w["n"] == pytest.approx(np.tanh(w["a_n"] + w["r"] * w["u_n"]))
    assert w["h"] == pytest.approx((1 - w["z"]) * w["n"] + w["z"] * w["h_prev"])
    assert w["z"] == pytest.approx(sig(w["a_z"] + w["u_z"]))


def test_log10_jacobian_norms_is_the_core_log_norms():
    cell = make_cell("gru", 4, 3, seed=1)
    trace = cell.unroll(gated_preset("words", 9))
    np.testing.assert_allclose(log10_jacobian_norms(cell, trace), jacobian_log_norms(cell, trace) / np.log(10))


def test_reach_counts_steps_back_until_the_curve_first_drops_below_the_threshold():
    from rnn_core.gated import reach
    assert reach([-5.0, -3.0, -1.5, -1.0, 0.0]) == 2           # steps 2, 3 (and 4) stay above 1e-2
    assert reach([-1.0, -0.5, 0.0]) == 2
    assert reach([0.0]) == 0
    assert reach([-1.0, -3.0, -1.0, 0.0]) == 1                 # the first drop going back ends the reach
    assert reach([np.nan, -1.0, 0.0]) == 2
    x = gated_preset("gap", 60)
    near = [reach(log10_highway(make_cell("lstm", 4, 4, seed=0, gate_bias=b).unroll(x))[:, 0]) for b in (-2, 0, 1, 2)]
    assert near == sorted(near) and near[0] < 5 < 30 < near[-1]  # a larger forget bias reaches further back

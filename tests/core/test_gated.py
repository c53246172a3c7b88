"""Gated cells: closed forms, the forget-gate highway, the hand-set memory, the comparisons."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rnn_core import GRU, LSTM, RNN, forget_gate_highway, jacobian, jacobian_log_norms, sigmoid
from rnn_core.gated import (GATED_PRESETS, cell_path, chrono_forget_biases, comparison_rows, gated_labels,
                            gated_preset, gradient_comparison, gradient_norms, gru_step_cho, hand_set_memory_gru,
                            hand_set_memory_lstm, last_step_gradient, log10_highway, log10_jacobian_norms, make_cell,
                            memory_time, run_steps, s_max, scaled, steady_forget_gate, step_values, steps_above)
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
@given(seed=st.integers(0, 10_000), bias=st.floats(-5, 5), bound=st.floats(0, 4), rec_scale=st.floats(0, 8),
       preset=st.sampled_from(sorted(GATED_PRESETS)))
def test_gates_stay_within_zero_and_one(seed, bias, bound, rec_scale, preset):
    x = gated_preset(preset, 15)
    for kind, names in (("lstm", ("i", "f", "o")), ("gru", ("r", "z"))):
        cell = make_cell(kind, x.shape[1], 4, seed=seed, gate_bias=bias, input_bound=bound,
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
    assert gated_labels("gap", 3) == ["lunch", "no word", "no word"]
    assert gated_preset("words", 6).shape == (6, 4)
    assert gated_preset("sine", 6).shape == (6, 1)


@pytest.mark.parametrize("I,H", [(1, 1), (4, 8), (3, 64)])
def test_comparison_rows_count_parameters_from_the_cells(I, H):
    rows = {r["model"]: r for r in comparison_rows(I, H)}
    for model, cls, G, gates in (("tanh RNN", RNN, 1, 0), ("LSTM", LSTM, 4, 3), ("GRU", GRU, 3, 2)):
        assert rows[model]["parameters"] == G * (H * (I + H) + 2 * H)
        assert rows[model]["weight blocks G"] == rows[model]["blocks"] == G
        assert rows[model]["gates"] == gates
        assert (rows[model]["inputs"], rows[model]["hidden"]) == (I, H)   # what the page writes the formula with
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
    cell = make_cell("lstm", 4, 16, seed=0, gate_bias=3.0, input_bound=0.25, recurrent_scale=16.0)
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


@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("H", [1, 4, 16])
def test_input_weight_scale_alpha_bounds_the_entries_of_w_ih(kind, H):
    """Input weight scale α: entries of W_ih uniform in [-α, α] (PyTorch's draw, rescaled), as in every lesson;
    a = 1/sqrt(H) is PyTorch's own init. The recurrent weight scale kappa multiplies PyTorch's W_hh."""
    pytorch = make_cell(kind, 4, H, seed=3, input_bound=1 / np.sqrt(H))
    for a in (0.0, 0.5, 4.0):
        cell = make_cell(kind, 4, H, seed=3, input_bound=a, recurrent_scale=2.5)
        assert np.all(np.abs(cell.weight_ih) <= a)
        np.testing.assert_allclose(cell.weight_ih, a * np.sqrt(H) * pytorch.weight_ih, rtol=1e-12)
        np.testing.assert_allclose(cell.weight_hh, 2.5 * pytorch.weight_hh, rtol=1e-12)
        np.testing.assert_array_equal(cell.bias_ih, pytorch.bias_ih)
    wide = make_cell(kind, 4, 16, seed=0, input_bound=2.0).weight_ih
    assert 1.9 < np.abs(wide).max() <= 2.0                           # the draw fills its interval


def test_s_max_is_the_largest_singular_value_and_scales_with_kappa():
    W = make_cell("rnn", 4, 6, seed=1).weight_hh
    assert s_max(W) == pytest.approx(np.linalg.svd(W, compute_uv=False)[0])
    assert s_max(make_cell("rnn", 4, 6, seed=1, recurrent_scale=8.0).weight_hh) == pytest.approx(8 * s_max(W))
    assert s_max(np.zeros((3, 3))) == 0.0


@pytest.mark.parametrize("b, f, steps", [(3.0, 0.953, 21), (5.0, 0.9933, 150), (7.0, 0.99909, 1100)])
def test_memory_time_of_a_steady_forget_gate(b, f, steps):
    """DESIGN.md: b = 3 -> 0.953, about 21 steps; b = 5 -> 0.9933, about 150; b = 7 -> 0.99909, about 1,100; and
    after one memory time about 1/e is left."""
    gate = sigmoid(b)
    assert gate == pytest.approx(f, abs=5e-4 if b == 3 else 5e-5)
    tau = memory_time(gate)
    assert tau == pytest.approx(steps, rel=0.02)
    assert gate ** tau == pytest.approx(np.exp(-1), abs=0.02)
    k = steps_above(gate, 0.01)
    assert gate ** k >= 0.01 > gate ** (k + 1)
    assert memory_time(1.0) == np.inf and steps_above(1.0) == np.inf and steps_above(0.0) == 0


def test_steady_forget_gate_is_the_geometric_mean_that_gives_the_same_product():
    trace = make_cell("lstm", 4, 3, seed=4, gate_bias=1.0, recurrent_scale=2.0).unroll(gated_preset("words", 30))
    f = trace.gates["f"]
    for j in range(3):
        f_bar = steady_forget_gate(f[:, j])
        assert f_bar ** 29 == pytest.approx(np.prod(f[1:, j]), rel=1e-10)
        assert f_bar ** 29 == pytest.approx(10.0 ** log10_highway(trace)[0, j], rel=1e-10)
    assert np.isnan(steady_forget_gate(f[:1, 0]))                     # one step: no product to average


def test_chrono_initialisation_spreads_memory_times_up_to_t_max():
    (b_lo, b_hi), (tau_lo, tau_hi) = chrono_forget_biases(40)
    assert (b_lo, b_hi) == (0.0, pytest.approx(np.log(39)))
    for b, tau in ((b_lo, tau_lo), (b_hi, tau_hi)):                   # 1 / (1 - sigmoid(log u)) = 1 + u
        assert memory_time(sigmoid(b)) == pytest.approx(tau, rel=1e-12)
    assert (tau_lo, tau_hi) == (2.0, 40.0)
    assert chrono_forget_biases(2) == ((0.0, 0.0), (2.0, 2.0))


def test_cell_path_as_the_chain_rule_reads_equals_the_highway():
    trace = make_cell("lstm", 4, 5, seed=3, gate_bias=1.5, recurrent_scale=2.0).unroll(gated_preset("words", 12))
    np.testing.assert_allclose(cell_path(trace.gates["f"]), forget_gate_highway(trace), rtol=1e-12)


@pytest.mark.parametrize("kind", ["lstm", "gru"])
def test_run_steps_with_the_teaching_step_equals_unroll(kind):
    cell = make_cell(kind, 4, 5, seed=6, gate_bias=1.0, recurrent_scale=3.0)
    x = gated_preset("words", 17)
    trace, stepped = cell.unroll(x), run_steps(cell, x)
    np.testing.assert_allclose(stepped["h"], trace.h, rtol=1e-12, atol=1e-14)
    for name in cell.GATES:
        np.testing.assert_allclose(stepped[name], trace.gates[name], rtol=1e-12, atol=1e-14)
    if kind == "lstm":
        np.testing.assert_allclose(stepped["c"], trace.c, rtol=1e-12, atol=1e-14)


def test_cho_reset_placement_differs_from_pytorchs_and_is_its_equation():
    """Cho et al. (2014) and d2l: n = tanh(W_in x + b_in + W_hn (r * h) + b_hn); same r and z as PyTorch, another n."""
    cell = make_cell("gru", 4, 3, seed=2, gate_bias=1.0, recurrent_scale=2.0)
    x, h = gated_preset("words", 5)[2], np.array([0.3, -0.5, 0.8])
    h_py, py = cell.step(x, h)
    h_cho, cho = gru_step_cho(cell, x, h)
    np.testing.assert_array_equal(py["r"], cho["r"])
    np.testing.assert_array_equal(py["z"], cho["z"])
    W_n, U_n = cell.block("n", "weight_ih"), cell.block("n")
    b_in, b_hn = cell.block("n", "bias_ih"), cell.block("n", "bias_hh")
    np.testing.assert_allclose(cho["n"], np.tanh(W_n @ x + b_in + U_n @ (py["r"] * h) + b_hn), rtol=1e-14)
    np.testing.assert_allclose(h_cho, (1 - cho["z"]) * cho["n"] + cho["z"] * h, rtol=1e-14)
    assert np.abs(h_cho - h_py).max() > 1e-3
    no_bias = cell.replace(bias_hh=np.zeros_like(cell.bias_hh))           # they differ even when b_hn = 0
    assert np.abs(gru_step_cho(no_bias, x, h)[0] - no_bias.step(x, h)[0]).max() > 1e-3
    hand = hand_set_memory_gru(4, 3)                                      # W_hn = I, b_hn = 0: the same
    np.testing.assert_allclose(gru_step_cho(hand, x, h)[0], hand.step(x, h)[0], rtol=1e-14)

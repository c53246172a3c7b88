"""The gate figures draw exactly the numbers the core computed."""

import numpy as np
import pytest

from app.figures.gates import (LOG10_FLOOR, MAX_FRAMES, PIPE, frame_window, gate_heatmaps, gradient_comparison_figure,
                               gru_faucet_figure,
                               highway_figure, lstm_faucet_figure)
from app.theme import COLORS
from rnn_core.gated import (gated_labels, gated_preset, gradient_comparison, hand_set_memory_lstm, log10_highway,
                            log10_jacobian_norms, make_cell)

from tests.figures.specs import frame_named, frames_of, validated

T, H = 12, 5


@pytest.fixture(scope="module")
def lstm_trace():
    return make_cell("lstm", 4, H, seed=2, gate_bias=1.0, recurrent_scale=2.0).unroll(gated_preset("words", T))


@pytest.fixture(scope="module")
def gru_trace():
    return make_cell("gru", 4, H, seed=2, gate_bias=1.0, recurrent_scale=2.0).unroll(gated_preset("words", T))


def valve_gaps(trace_data, vertical):
    """Split a valve trace into its plates (rectangles) and return the open gap of each valve."""
    xs, ys = np.array(trace_data["x"], dtype=float), np.array(trace_data["y"], dtype=float)
    rects = []
    for k in range(0, len(xs), 6):                      # 5 corners then a None gap
        x, y = xs[k:k + 5], ys[k:k + 5]
        rects.append((x.max() - x.min()) if vertical else (y.max() - y.min()))
    return [PIPE - rects[j] - rects[j + 1] for j in range(0, len(rects), 2)]


def stream_widths(trace_data, vertical):
    xs, ys = np.array(trace_data["x"], dtype=float), np.array(trace_data["y"], dtype=float)
    out = []
    for k in range(0, len(xs), 6):
        x, y = xs[k:k + 5], ys[k:k + 5]
        out.append((x.max() - x.min()) if vertical else (y.max() - y.min()))
    return out


def test_lstm_faucet_has_a_frame_per_step_and_valves_open_by_the_gate_values(lstm_trace):
    unit = 3
    fig = lstm_faucet_figure(lstm_trace, unit=unit, step=4, labels=gated_labels("words", T))
    frames = frames_of(fig)
    assert len(fig.frames) == len(frames) == T
    assert [frame.name for frame in frames] == [str(t) for t in range(T)]
    assert fig.layout.sliders[0].active == 4
    assert [b.label for b in fig.layout.updatemenus[0].buttons] == ["Play", "Pause"]
    assert fig.layout.updatemenus[0].buttons[0].method == "animate"
    for t in (0, 4, T - 1):
        data = frames[t].data
        f, i, o = (lstm_trace.gates[k][t, unit] for k in ("f", "i", "o"))
        np.testing.assert_allclose(valve_gaps(data[2], vertical=False), [f * PIPE], atol=1e-12)
        np.testing.assert_allclose(valve_gaps(data[3], vertical=True), [i * PIPE], atol=1e-12)
        np.testing.assert_allclose(valve_gaps(data[4], vertical=True), [o * PIPE], atol=1e-12)
        assert data[2].fillcolor == COLORS["f"] and data[3].fillcolor == COLORS["i"]
        text = " ".join(data[5].text)
        assert f"forget f = {f:.3f}" in text and f"input i = {i:.3f}" in text
        assert f"{lstm_trace.c[t, unit]:+.3f}" in text and f"{lstm_trace.h[t, unit]:+.3f}" in text
        # compact view of every unit: bars are the gates of all units at step t
        np.testing.assert_allclose(data[6].y, lstm_trace.gates["i"][t])
        np.testing.assert_allclose(data[7].y, lstm_trace.gates["f"][t])
        np.testing.assert_allclose(data[10].y, lstm_trace.h[t])
    # the figure opens at the chosen step
    assert validated(fig).data[5].text == frames[4].data[5].text


def test_lstm_streams_are_as_wide_as_the_values(lstm_trace):
    unit, t = 1, 6
    fig = lstm_faucet_figure(lstm_trace, unit=unit, step=t)
    c_prev = lstm_trace.c[t - 1, unit]
    f, i, g = (lstm_trace.gates[k][t, unit] for k in ("f", "i", "g"))
    values = [c_prev, f * c_prev, lstm_trace.c[t, unit], g, i * g, np.tanh(lstm_trace.c[t, unit]),
              lstm_trace.h[t, unit]]
    scale = max(1.0, np.abs(lstm_trace.c[:, unit]).max(), np.abs(np.r_[0.0, lstm_trace.c[:-1, unit]]).max())
    pos = sorted(abs(v) / scale * PIPE for v in values if v > 0)
    neg = sorted(abs(v) / scale * PIPE for v in values if v < 0)
    data = frames_of(fig)[t].data
    # horizontal streams' widths are their heights and vertical ones their widths: take the smaller side
    def widths(tr):
        xs, ys = np.array(tr.x, dtype=float), np.array(tr.y, dtype=float)
        return sorted(min(np.ptp(xs[k:k + 5]), np.ptp(ys[k:k + 5])) for k in range(0, len(xs), 6))
    np.testing.assert_allclose(widths(data[0]), pos, atol=1e-12)
    np.testing.assert_allclose(widths(data[1]), neg, atol=1e-12)


def test_hand_set_memory_faucet_shows_the_input_valve_shut_and_forget_open():
    x = gated_preset("gap", 60)
    trace = hand_set_memory_lstm(4, 4, forget_bias=5.0).unroll(x)
    fig = lstm_faucet_figure(trace, unit=3, step=50)
    data = frame_named(fig, 50).data      # 60 steps: the frames are the 40 around step 50
    assert valve_gaps(data[2], vertical=False)[0] > 0.99 * PIPE        # forget valve wide open
    assert valve_gaps(data[3], vertical=True)[0] < 0.01 * PIPE         # input valve shut
    assert len(data[0].x) > 0                                          # the stored value still flows


def test_gru_faucet_mixing_and_reset_valves(gru_trace):
    unit = 2
    fig = gru_faucet_figure(gru_trace, unit=unit, step=0)
    frames = frames_of(fig)
    assert len(fig.frames) == len(frames) == T
    for t in (0, 5, T - 1):
        data = frames[t].data
        r, z = gru_trace.gates["r"][t, unit], gru_trace.gates["z"][t, unit]
        xs = np.array(data[2].x, dtype=float)
        # the z trace holds two valves: the keep valve on the state pipe, the write valve on the candidate pipe
        half = len(xs) // 2
        keep = valve_gaps({"x": data[2].x[:half], "y": data[2].y[:half]}, vertical=False)[0]
        write = valve_gaps({"x": data[2].x[half:], "y": data[2].y[half:]}, vertical=True)[0]
        np.testing.assert_allclose([keep, write], [z * PIPE, (1 - z) * PIPE], atol=1e-12)
        np.testing.assert_allclose(valve_gaps(data[3], vertical=True), [r * PIPE], atol=1e-12)
        assert data[2].fillcolor == COLORS["z"] and data[3].fillcolor == COLORS["r"]
        text = " ".join(data[4].text)
        assert f"update z = {z:.3f}" in text and f"reset r = {r:.3f}" in text
        assert f"{gru_trace.h[t, unit]:+.3f}" in text
        np.testing.assert_allclose(data[5].y, gru_trace.gates["r"][t])
        np.testing.assert_allclose(data[6].y, gru_trace.gates["z"][t])
        np.testing.assert_allclose(data[7].y, gru_trace.gates["n"][t])


def test_heatmaps_are_the_trace(lstm_trace, gru_trace):
    names = ["i", "f", "g", "o", "c", "h"]
    fig = gate_heatmaps(lstm_trace, names, unit=1, step=3)
    for k, name in enumerate(names):
        raw = lstm_trace.c if name == "c" else lstm_trace.h if name == "h" else lstm_trace.gates[name]
        np.testing.assert_allclose(np.array(fig.data[k].customdata, dtype=float), raw.T)
        if name in ("i", "f", "o"):
            assert fig.data[k].colorscale[-1][1] == COLORS[name]
            np.testing.assert_allclose(np.array(fig.data[k].z, dtype=float), raw.T)
    np.testing.assert_allclose(np.array(fig.data[4].z, dtype=float), np.clip(lstm_trace.c.T, -1, 1))
    gfig = gate_heatmaps(gru_trace, ["r", "z", "n", "h"])
    np.testing.assert_allclose(np.array(gfig.data[1].z, dtype=float), gru_trace.gates["z"].T)
    assert gfig.data[1].colorscale[-1][1] == COLORS["z"]


def test_highway_figure_plots_the_core_curves():
    x = gated_preset("gap", 40)
    lstm = make_cell("lstm", 4, 3, seed=1, gate_bias=2.0)
    rnn = make_cell("rnn", 4, 3, seed=1)
    tr, rtr = lstm.unroll(x), rnn.unroll(x)
    hw, lj, rj = log10_highway(tr), log10_jacobian_norms(lstm, tr), log10_jacobian_norms(rnn, rtr)
    fig = highway_figure(hw, lj, rj, unit=1)
    by_name = {d.name: d for d in fig.data}
    np.testing.assert_allclose(by_name["cell path ∏f, unit 1"].y, 10.0 ** hw[:, 1], rtol=1e-12)
    assert by_name["cell path ∏f, unit 1"].y[0] == pytest.approx(np.prod(tr.gates["f"][1:, 1]), rel=1e-10)
    lstm_line = next(d for d in fig.data if d.name.startswith("LSTM"))
    rnn_line = next(d for d in fig.data if d.name.startswith("RNN"))
    np.testing.assert_allclose(lstm_line.y, 10.0 ** lj, rtol=1e-12)
    np.testing.assert_allclose(rnn_line.y, 10.0 ** np.clip(rj, LOG10_FLOOR, None), rtol=1e-12)
    assert fig.layout.yaxis.type == "log"


def test_highway_figure_clips_with_a_note_when_the_product_underflows():
    x = gated_preset("gap", 200)
    lstm = make_cell("lstm", 4, 2, seed=0, gate_bias=-5.0)
    tr = lstm.unroll(x)
    hw = log10_highway(tr)
    fig = highway_figure(hw, log10_jacobian_norms(lstm, tr), np.zeros(200), unit=0)
    line = next(d for d in fig.data if d.name == "cell path ∏f, unit 0")
    assert min(line.y) == pytest.approx(10.0 ** LOG10_FLOOR)
    assert np.all(np.isfinite(line.y))
    assert any("drawn at the edge" in a.text for a in fig.layout.annotations)


def test_gradient_comparison_figure_plots_the_norms():
    x = gated_preset("words", 25)
    norms = gradient_comparison(4, 6, x, seed=3, lstm_bias=2.0, gru_bias=1.0)
    fig = gradient_comparison_figure(norms)
    names = [d.name for d in fig.data]
    assert names == ["RNN (tanh)", "LSTM", "GRU"]
    for d, kind in zip(fig.data, ("rnn", "lstm", "gru")):
        np.testing.assert_allclose(d.y, norms[kind], rtol=1e-10)
    inf = gradient_comparison_figure({"rnn": np.array([np.inf, 1e5, 1.0])})
    assert np.all(np.isfinite(inf.data[0].y))
    assert any("drawn at the edge" in a.text for a in inf.layout.annotations)


@pytest.mark.parametrize("steps, units", [(T, H), (150, 16)])
def test_every_figure_passes_plotlys_validation_unchanged(steps, units):
    """The builders skip Plotly's property checks for speed; their figures pass them and come out the same."""
    x, labels = gated_preset("words", steps), gated_labels("words", steps)
    lstm_trace = make_cell("lstm", 4, units, seed=2, gate_bias=1.0, recurrent_scale=2.0).unroll(x)
    gru_trace = make_cell("gru", 4, units, seed=2, gate_bias=1.0, recurrent_scale=2.0).unroll(x)
    lstm, rnn = make_cell("lstm", 4, units, seed=1, gate_bias=-5.0), make_cell("rnn", 4, units, seed=1)
    highway_trace, rnn_trace = lstm.unroll(x), rnn.unroll(x)
    figures = {
        "lstm faucet": lstm_faucet_figure(lstm_trace, unit=units - 1, step=steps - 1, labels=labels),
        "gru faucet": gru_faucet_figure(gru_trace, unit=1, step=0),
        "lstm heatmaps": gate_heatmaps(lstm_trace, ["i", "f", "g", "o", "c", "h"], unit=1, step=3, labels=labels),
        "gru heatmaps": gate_heatmaps(gru_trace, ["r", "z", "n"]),
        "highway": highway_figure(log10_highway(highway_trace), log10_jacobian_norms(lstm, highway_trace),
                                  log10_jacobian_norms(rnn, rnn_trace), unit=0),
        "gradients": gradient_comparison_figure(gradient_comparison(4, units, x, seed=3, lstm_bias=2.0, gru_bias=1.0)),
    }
    for name, fig in figures.items():
        checked = validated(fig)                 # raises on any misspelt property or invalid value
        assert checked.to_dict() == fig.to_dict(), name
    assert len(frames_of(figures["lstm faucet"])) == len(frames_of(figures["gru faucet"])) == min(steps, MAX_FRAMES)


@pytest.mark.parametrize("T, step, first", [(12, 0, 0), (12, 11, 0), (40, 39, 0), (41, 40, 1), (150, 0, 0),
                                             (150, 75, 55), (150, 149, 110)])
def test_long_sequences_animate_the_steps_around_the_chosen_one(lstm_trace, T, step, first):
    window = frame_window(T, step)
    assert window == range(first, first + min(T, MAX_FRAMES)) and step in window
    trace = make_cell("lstm", 4, H, seed=2).unroll(gated_preset("words", T))
    fig = lstm_faucet_figure(trace, unit=1, step=step)
    frames = frames_of(fig)
    assert [f.name for f in frames] == [str(t) for t in window]
    assert [s.label for s in fig.layout.sliders[0].steps] == [str(t) for t in window]
    assert fig.layout.sliders[0].active == step - first
    f_gate = trace.gates["f"][step, 1]
    assert f"forget f = {f_gate:.3f}" in " ".join(frame_named(fig, step).data[5].text)

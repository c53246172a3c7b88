"""The gate figures draw exactly the numbers the core computed, steps 1..T and units 1..H."""

import numpy as np
import pytest

from app.figures.gates import (ANIMATION_PREFIX, GRU_BOXES, GRU_HIGHLIGHTS, LOG10_FLOOR, LSTM_BOXES, LSTM_HIGHLIGHTS, MAX_FRAMES, PIPE,
                               frame_window, gate_heatmaps, gradient_comparison_figure, gru_cell_figure,
                               highway_figure, lstm_cell_figure, percent)
from app.theme import COLORS, DIVERGING, OUTLINE
from rnn_core.gated import (gated_labels, gated_preset, hand_set_memory_lstm, log10_highway,
                            log10_jacobian_norms, make_cell, step_values)

from tests.figures.specs import frame_named, frames_of, validated

T, H = 12, 5


@pytest.fixture(scope="module")
def lstm_trace():
    return make_cell("lstm", 4, H, seed=2, gate_bias=1.0, recurrent_scale=2.0).unroll(gated_preset("words", T))


@pytest.fixture(scope="module")
def gru_trace():
    return make_cell("gru", 4, H, seed=2, gate_bias=1.0, recurrent_scale=2.0).unroll(gated_preset("words", T))


def part(traces, name):
    """The trace of a cell figure whose meta.part is `name`."""
    found = [trace for trace in traces if (trace.meta or {}).get("part") == name]
    assert len(found) == 1, name
    return found[0]


def moving(fig, frame, name):
    """What a frame carries of the figure's trace `name` (a frame holds only what changes: x, y or text, in the
    order of the figure's animated traces)."""
    index = [k for k, trace in enumerate(fig.data) if (trace.meta or {}).get("part") == name]
    assert len(index) == 1, name
    return frame.data[index[0]]


def rectangles(trace):
    """The rectangles of a filled trace (5 corners and a gap each) as (width, height)."""
    xs, ys = np.array(trace.x, dtype=float), np.array(trace.y, dtype=float)
    return [(np.ptp(xs[k:k + 5]), np.ptp(ys[k:k + 5])) for k in range(0, len(xs), 6)]


def valve_gaps(trace, vertical):
    """The open gap of each valve in a valve trace (pairs of plates across a pipe)."""
    plates = [w if vertical else h for w, h in rectangles(trace)]
    return [PIPE - plates[k] - plates[k + 1] for k in range(0, len(plates), 2)]


def test_lstm_cell_figure_has_a_frame_per_step_named_from_1_and_valves_open_by_the_gates(lstm_trace):
    unit = 3
    fig = lstm_cell_figure(lstm_trace, unit=unit, step=4, highlight="f", labels=gated_labels("words", T))
    frames = frames_of(fig)
    assert [frame.name for frame in frames] == [str(t) for t in range(1, T + 1)]
    assert [s.label for s in fig.layout.sliders[0].steps] == [str(t) for t in range(1, T + 1)]
    assert fig.layout.sliders[0].active == 4 and fig.layout.sliders[0].currentvalue.prefix == ANIMATION_PREFIX
    assert [b.label for b in fig.layout.updatemenus[0].buttons] == ["Play", "Pause"]
    for s in (0, 4, T - 1):
        t = s + 1
        f, i, o, g = (lstm_trace.gates[k][s, unit] for k in ("f", "i", "o", "g"))
        np.testing.assert_allclose(valve_gaps(moving(fig, frames[s], "valve f"), vertical=False), [f * PIPE], atol=1e-12)
        np.testing.assert_allclose(valve_gaps(moving(fig, frames[s], "valve i"), vertical=True), [i * PIPE], atol=1e-12)
        np.testing.assert_allclose(valve_gaps(moving(fig, frames[s], "valve o"), vertical=True), [o * PIPE], atol=1e-12)
        assert part(fig.data, "valve f").fillcolor == COLORS["f"] and part(fig.data, "valve i").fillcolor == COLORS["i"]
        faucet = " ".join(moving(fig, frames[s], "faucet labels").text)
        assert f"<b>f</b> {percent(f)}% open" in faucet and f"<b>o</b> {percent(o)}% open" in faucet
        diagram = " ".join(moving(fig, frames[s], "diagram labels").text)
        assert f"<b>g</b> {g:.2f}".replace("-", "−") in diagram and f"<b>i</b> {i:.2f}" in diagram
        assert f"c<sub>{t}</sub> = {lstm_trace.c[s, unit]:.2f}".replace("-", "−") in diagram
        assert f"h<sub>{t - 1}</sub>" in diagram and f"x<sub>{t}</sub>: {gated_labels('words', T)[s]}" in diagram
        equation = moving(fig, frames[s], "equation").text[0]
        v = step_values(lstm_trace, s, unit)
        assert equation.startswith(f"f<sub>{t}</sub> = σ(W<sub>if</sub>x<sub>{t}</sub>")
        assert f"h<sub>{t - 1}</sub>" in equation and equation.endswith(f"= {v['f']:.3f}".replace("-", "−"))
    assert validated(fig).data[0].x == frames[4].data[0].x            # the figure opens at the chosen step


@pytest.mark.parametrize("highlight", list(LSTM_HIGHLIGHTS))
def test_lstm_highlight_outlines_one_part_and_writes_its_equation(lstm_trace, highlight):
    fig = lstm_cell_figure(lstm_trace, unit=1, step=6, highlight=highlight)
    v = step_values(lstm_trace, 6, 1)
    equation = part(fig.data, "equation").text[0]
    assert equation.startswith(f"{highlight}<sub>7</sub> = ")
    assert equation.endswith(f"= {v[highlight]:.3f}".replace("-", "−"))
    thick = {shape.line.color for shape in fig.layout.shapes if shape.line.width and shape.line.width >= 4}
    state = {"c": "cell_state", "h": "hidden"}.get(highlight, highlight)
    assert COLORS[state] in thick and thick <= {COLORS[state], OUTLINE}   # colours that show on light and dark pages
    filled = [shape for shape in fig.layout.shapes if shape.fillcolor in {COLORS[k] for k in LSTM_BOXES}]
    in_diagram = [shape for shape in filled if shape.xref == "x"]
    tinted = [shape for shape in filled if shape.xref == "x2"]
    if highlight in LSTM_BOXES:                                       # its box in the diagram, and no other, is filled
        assert len(in_diagram) == 1 and in_diagram[0].fillcolor == COLORS[highlight]
        assert in_diagram[0].x0 == pytest.approx(LSTM_BOXES[highlight] - 0.85)
    else:
        assert in_diagram == []
    if highlight in "ifo":                                            # and its valve is tinted
        assert len(tinted) == 1 and tinted[0].fillcolor == COLORS[highlight] and tinted[0].opacity < 1
    else:
        assert tinted == [] or highlight == "g"


def test_a_click_on_any_gate_names_it(lstm_trace, gru_trace):
    """The click targets carry the highlightable part they stand for (st.plotly_chart's on_select reports it)."""
    for fig, names in ((lstm_cell_figure(lstm_trace), LSTM_HIGHLIGHTS), (gru_cell_figure(gru_trace), GRU_HIGHLIGHTS)):
        clickable = {name for axes in ("x", "x2") for name in part(fig.data, f"click targets {axes}").customdata}
        assert clickable == set(names)
        for name in ("click targets x", "click targets x2"):
            assert all("click to highlight" in text for text in part(fig.data, name).hovertext)


def test_lstm_streams_are_as_wide_as_the_values(lstm_trace):
    unit, s = 1, 6
    fig = lstm_cell_figure(lstm_trace, unit=unit, step=s)
    c_prev = lstm_trace.c[s - 1, unit]
    f, i, g = (lstm_trace.gates[k][s, unit] for k in ("f", "i", "g"))
    c = lstm_trace.c[s, unit]
    values = [c_prev, f * c_prev, c, g, i * g, np.tanh(c), lstm_trace.h[s, unit]]
    scale = max(1.0, np.abs(lstm_trace.c[:, unit]).max(), np.abs(np.r_[0.0, lstm_trace.c[:-1, unit]]).max())
    frame = frames_of(fig)[s]
    for name, sign in (("streams +", 1), ("streams -", -1)):
        expected = sorted(abs(v) / scale * PIPE for v in values if sign * v > 0)
        np.testing.assert_allclose(sorted(min(w, h) for w, h in rectangles(moving(fig, frame, name))), expected,
                                   atol=1e-12)


def test_hand_set_memory_shows_the_input_valve_shut_and_forget_open():
    trace = hand_set_memory_lstm(4, 4, forget_bias=5.0).unroll(gated_preset("gap", 60))
    fig = lstm_cell_figure(trace, unit=3, step=50)
    frame = frame_named(fig, 51)     # 60 steps: the MAX_FRAMES around step 51
    assert valve_gaps(moving(fig, frame, "valve f"), vertical=False)[0] > 0.99 * PIPE
    assert valve_gaps(moving(fig, frame, "valve i"), vertical=True)[0] < 0.01 * PIPE
    assert len(moving(fig, frame, "streams +").x) > 0                                  # the stored value still flows


def test_gru_cell_figure_mixing_and_reset_valves(gru_trace):
    unit = 2
    fig = gru_cell_figure(gru_trace, unit=unit, step=0, highlight="h")
    frames = frames_of(fig)
    assert [frame.name for frame in frames] == [str(t) for t in range(1, T + 1)]
    for s in (0, 5, T - 1):
        t = s + 1
        r, z = gru_trace.gates["r"][s, unit], gru_trace.gates["z"][s, unit]
        valves = moving(fig, frames[s], "valve z")                       # the keep valve on the state pipe, the write valve below
        half = len(valves.x) // 2
        keep = valve_gaps(type(valves)(x=valves.x[:half], y=valves.y[:half]), vertical=False)[0]
        write = valve_gaps(type(valves)(x=valves.x[half:], y=valves.y[half:]), vertical=True)[0]
        np.testing.assert_allclose([keep, write], [z * PIPE, (1 - z) * PIPE], atol=1e-12)
        np.testing.assert_allclose(valve_gaps(moving(fig, frames[s], "valve r"), vertical=True), [r * PIPE], atol=1e-12)
        faucet = " ".join(moving(fig, frames[s], "faucet labels").text)
        assert f"<b>z</b> keeps {percent(z)}%" in faucet and f"<b>r</b> {percent(r)}% open" in faucet
        v = step_values(gru_trace, s, unit)
        equation = moving(fig, frames[s], "equation").text[0]
        assert equation.startswith(f"h<sub>{t}</sub> = (1 − z<sub>{t}</sub>) ⊙ n<sub>{t}</sub>")
        assert equation.endswith(f"= {v['h']:.3f}".replace("-", "−"))
        assert f"<b>n</b> {v['n']:.2f}".replace("-", "−") in " ".join(moving(fig, frames[s], "diagram labels").text)


def test_gru_reset_equation_is_pytorchs(gru_trace):
    fig = gru_cell_figure(gru_trace, unit=0, step=3, highlight="n")
    v = step_values(gru_trace, 3, 0)
    line = part(fig.data, "equation").text[0]
    assert "r<sub>4</sub> ⊙ (W<sub>hn</sub>h<sub>3</sub> + b<sub>hn</sub>)" in line
    assert f"{v['r']:.3f} · " in line and line.endswith(f"{v['n']:.3f}".replace("-", "−"))
    filled = [shape for shape in fig.layout.shapes if shape.fillcolor == COLORS["n"] and shape.xref == "x"]
    assert len(filled) == 1 and filled[0].x0 == pytest.approx(GRU_BOXES["n"] - 0.85)


def test_projector_layout_puts_the_drawings_side_by_side(lstm_trace):
    side, stacked = (lstm_cell_figure(lstm_trace, side_by_side=flag).layout for flag in (True, False))
    assert side.xaxis.domain[1] <= side.xaxis2.domain[0] and side.yaxis.domain == side.yaxis2.domain
    assert stacked.yaxis2.domain[1] <= stacked.yaxis.domain[0] and stacked.xaxis.domain == stacked.xaxis2.domain
    for layout in (side, stacked):                                     # circles stay round: aspect kept
        assert layout.yaxis.scaleanchor == "x" and layout.yaxis2.scaleanchor == "x2"
    assert side.height <= 560


def test_heatmaps_are_the_trace_counted_from_1(lstm_trace, gru_trace):
    names = ["i", "f", "g", "o", "c", "h"]
    fig = gate_heatmaps(lstm_trace, names, unit=1, step=3)
    for k, name in enumerate(names):
        raw = lstm_trace.c if name == "c" else lstm_trace.h if name == "h" else lstm_trace.gates[name]
        np.testing.assert_allclose(np.array(fig.data[k].customdata, dtype=float), raw.T)
        assert list(fig.data[k].x) == list(range(1, T + 1)) and list(fig.data[k].y) == list(range(1, H + 1))
        assert "step t = %{x}" in fig.data[k].hovertemplate and "unit j = %{y}" in fig.data[k].hovertemplate
        if name in ("i", "f", "o"):
            assert fig.data[k].colorscale[-1][1] == COLORS[name]
            np.testing.assert_allclose(np.array(fig.data[k].z, dtype=float), raw.T, rtol=1e-6)  # float32 colours
    np.testing.assert_allclose(np.array(fig.data[4].z, dtype=float), np.clip(lstm_trace.c.T, -1, 1))
    outline = fig.layout.shapes[0]
    assert (outline.x0, outline.x1, outline.y0, outline.y1) == (3.5, 4.5, 1.5, 2.5)   # step 4, unit 2
    gfig = gate_heatmaps(gru_trace, ["r", "z", "n", "h"])
    np.testing.assert_allclose(np.array(gfig.data[1].z, dtype=float), gru_trace.gates["z"].T)
    assert gfig.data[1].colorscale[-1][1] == COLORS["z"]


def test_heatmap_titles_name_their_colours_in_words_in_the_text_colour(lstm_trace):
    """A title coloured like an orange series read "+1 red" on orange: titles are in the text colour and say
    which colour is which."""
    fig = gate_heatmaps(lstm_trace, ["f", "g", "h"])
    titles = [note.text for note in fig.layout.annotations[:3]]
    assert titles[0] == "f: forget gate<br>0 white → 1 violet"
    assert titles[1].endswith("<br>−1 blue → +1 vermilion") and DIVERGING[-1][1] == "#D55E00"
    cell = gate_heatmaps(lstm_trace, ["c", "h"]).layout.annotations[0].text      # reader finding 10: c is unbounded
    assert cell == "c: cell state (unbounded)<br>≤ −1 blue → ≥ +1 vermilion"
    assert np.abs(lstm_trace.c).max() > 0 and gate_heatmaps(lstm_trace, ["c"]).data[0].zmax == 1
    assert all(note.font.color is None for note in fig.layout.annotations[:3])


def test_highway_figure_plots_the_core_curves_with_steps_from_1():
    x = gated_preset("gap", 40)
    lstm = make_cell("lstm", 4, 3, seed=1, gate_bias=2.0)
    rnn = make_cell("rnn", 4, 3, seed=1)
    tr, rtr = lstm.unroll(x), rnn.unroll(x)
    hw, lj, rj = log10_highway(tr), log10_jacobian_norms(lstm, tr), log10_jacobian_norms(rnn, rtr)
    fig = highway_figure(hw, lj, rj, unit=1)
    by_name = {d.name: d for d in fig.data}
    line = by_name["cell path ∏f, unit 2"]
    np.testing.assert_allclose(line.y, 10.0 ** hw[:, 1], rtol=1e-12)
    assert list(line.x) == list(range(1, 41))
    assert line.y[0] == pytest.approx(np.prod(tr.gates["f"][1:, 1]), rel=1e-10)
    np.testing.assert_allclose(next(d for d in fig.data if d.name.startswith("LSTM")).y, 10.0 ** lj, rtol=1e-12)
    rnn_line = next(d for d in fig.data if d.name.startswith("tanh RNN"))
    np.testing.assert_allclose(rnn_line.y, 10.0 ** np.clip(rj, LOG10_FLOOR, None), rtol=1e-12)
    assert fig.layout.yaxis.type == "log"
    assert any(shape.y0 == 0.01 for shape in fig.layout.shapes)          # the 1% line the metrics count by
    assert fig.layout.yaxis.range[0] <= -2


def test_highway_figure_clips_with_a_note_when_the_product_underflows():
    x = gated_preset("gap", 200)
    lstm = make_cell("lstm", 4, 2, seed=0, gate_bias=-5.0)
    tr = lstm.unroll(x)
    fig = highway_figure(log10_highway(tr), log10_jacobian_norms(lstm, tr), np.zeros(200), unit=0)
    line = next(d for d in fig.data if d.name == "cell path ∏f, unit 1")
    assert min(line.y) == pytest.approx(10.0 ** LOG10_FLOOR)
    assert np.all(np.isfinite(line.y))
    assert any("drawn at the edge" in a.text for a in fig.layout.annotations)


def jacobian_comparison(x, units, kappa=1.0):
    """log10 ||d s_T / d s_t|| of the three cells from one seed, as lesson 6 computes them."""
    cells = {kind: make_cell(kind, x.shape[1], units, seed=3, gate_bias=None if kind == "rnn" else 1.0,
                             recurrent_scale=kappa) for kind in ("rnn", "lstm", "gru")}
    return {kind: log10_jacobian_norms(cell, cell.unroll(x)) for kind, cell in cells.items()}


def test_gradient_comparison_figure_plots_the_jacobian_norms_of_the_whole_state():
    """h for the RNN and the GRU, [h; c] for the LSTM: the measure of lesson 5's highway figure, curve for curve."""
    x = gated_preset("words", 25)
    norms = jacobian_comparison(x, 6)
    fig = gradient_comparison_figure(norms)
    assert [d.name for d in fig.data] == ["tanh RNN ‖∂h<sub>T</sub>/∂h<sub>t</sub>‖",
                                          "LSTM ‖∂[h;c]<sub>T</sub>/∂[h;c]<sub>t</sub>‖", "GRU ‖∂h<sub>T</sub>/∂h<sub>t</sub>‖"]
    for d, kind in zip(fig.data, ("rnn", "lstm", "gru")):
        np.testing.assert_allclose(np.log10(np.asarray(d.y, dtype=float)), norms[kind], rtol=1e-10)
        assert list(d.x) == list(range(1, 26))
    lstm = make_cell("lstm", 4, 6, seed=3, gate_bias=1.0)
    highway = highway_figure(log10_highway(lstm.unroll(x)), log10_jacobian_norms(lstm, lstm.unroll(x)),
                             norms["rnn"], unit=0)
    np.testing.assert_allclose(highway.data[-2].y, fig.data[1].y)     # the dashed LSTM line of lesson 5
    np.testing.assert_allclose(highway.data[-1].y, fig.data[0].y)     # the dotted tanh RNN line of lesson 5
    inf = gradient_comparison_figure({"rnn": np.log10([np.inf, 1e5, 1.0])})
    assert np.all(np.isfinite(inf.data[0].y))
    assert any("drawn at the edge (under- or overflow)" in a.text for a in inf.layout.annotations)


def test_exact_zeros_are_named_as_zeros_not_as_underflow():
    """κ = 0: W_hh = 0, so a change of the tanh RNN's h_t (t < T) reaches nothing later: exactly 0; the LSTM's
    cell path still carries [h; c] back."""
    T = 12
    norms = jacobian_comparison(gated_preset("words", T), 4, kappa=0.0)
    assert np.all(norms["rnn"][:-1] == -np.inf) and np.all(np.isfinite(norms["lstm"]))
    notes = [a.text for a in gradient_comparison_figure(norms).layout.annotations]
    assert f"{T - 1} values exactly 0 (no path at all) drawn at the bottom edge" in notes
    assert not any("overflow" in note for note in notes)


@pytest.mark.parametrize("steps, units", [(T, H), (150, 16)])
def test_every_figure_passes_plotlys_validation_unchanged(steps, units):
    """The builders skip Plotly's property checks for speed; their figures pass them and come out the same."""
    x, labels = gated_preset("words", steps), gated_labels("words", steps)
    lstm_trace = make_cell("lstm", 4, units, seed=2, gate_bias=1.0, recurrent_scale=2.0).unroll(x)
    gru_trace = make_cell("gru", 4, units, seed=2, gate_bias=1.0, recurrent_scale=2.0).unroll(x)
    lstm, rnn = make_cell("lstm", 4, units, seed=1, gate_bias=-5.0), make_cell("rnn", 4, units, seed=1)
    highway_trace, rnn_trace = lstm.unroll(x), rnn.unroll(x)
    figures = {
        "lstm cell": lstm_cell_figure(lstm_trace, unit=units - 1, step=steps - 1, highlight="c", labels=labels),
        "lstm cell, projector": lstm_cell_figure(lstm_trace, unit=0, step=0, side_by_side=True),
        "gru cell": gru_cell_figure(gru_trace, unit=1, step=0, highlight="r"),
        "lstm heatmaps": gate_heatmaps(lstm_trace, ["i", "f", "g", "o", "c", "h"], unit=1, step=3, labels=labels),
        "gru heatmaps": gate_heatmaps(gru_trace, ["r", "z", "n"]),
        "highway": highway_figure(log10_highway(highway_trace), log10_jacobian_norms(lstm, highway_trace),
                                  log10_jacobian_norms(rnn, rnn_trace), unit=0),
        "gradients": gradient_comparison_figure(jacobian_comparison(x, units)),
    }
    for name, fig in figures.items():
        checked = validated(fig)                 # raises on any misspelt property or invalid value
        assert checked.to_dict() == fig.to_dict(), name
    assert len(frames_of(figures["lstm cell"])) == len(frames_of(figures["gru cell"])) == min(steps, MAX_FRAMES)


@pytest.mark.parametrize("T, step, first", [(12, 0, 0), (12, 11, 0), (20, 19, 0), (21, 20, 1), (150, 0, 0),
                                             (150, 75, 65), (150, 149, 130)])
def test_long_sequences_animate_the_steps_around_the_chosen_one(T, step, first):
    window = frame_window(T, step)
    assert window == range(first, first + min(T, MAX_FRAMES)) and step in window
    trace = make_cell("lstm", 4, H, seed=2).unroll(gated_preset("words", T))
    fig = lstm_cell_figure(trace, unit=1, step=step)
    names = [str(s + 1) for s in window]
    assert [f.name for f in frames_of(fig)] == names and [s.label for s in fig.layout.sliders[0].steps] == names
    assert fig.layout.sliders[0].active == step - first
    f_gate = trace.gates["f"][step, 1]
    assert f"<b>f</b> {percent(f_gate)}% open" in " ".join(moving(fig, frame_named(fig, step + 1), "faucet labels").text)


def test_the_cell_figures_summary_is_the_units_gates_over_every_step(lstm_trace, gru_trace):
    """Hidden series (not drawn) give screen readers the unit's gates and state over the whole sequence."""
    from app.export import figure_summary
    fig = lstm_cell_figure(lstm_trace, unit=2, step=0)
    hidden = {d.name: d for d in fig.data if d.visible is False}
    assert list(hidden) == ["forget gate f of unit 3", "input gate i of unit 3", "output gate o of unit 3",
                            "cell state c of unit 3"]
    np.testing.assert_array_equal(hidden["forget gate f of unit 3"].y, lstm_trace.gates["f"][:, 2])
    np.testing.assert_array_equal(hidden["cell state c of unit 3"].y, lstm_trace.c[:, 2])
    assert figure_summary(fig).startswith(f"forget gate f of unit 3: {T} points from ")
    gru = {d.name: d for d in gru_cell_figure(gru_trace, unit=0).data if d.visible is False}
    np.testing.assert_array_equal(gru["update gate z of unit 1"].y, gru_trace.gates["z"][:, 0])

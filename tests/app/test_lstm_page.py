"""Lesson 5 (LSTM) through AppTest: every tab at defaults and at its controls' ends, one key per control, links
counted from 1 and clamped, and every number a sentence states derived from the same computation as the figure."""

import re

import numpy as np
import pytest

from app.course import page_for
from app.figures.gates import LSTM_HIGHLIGHTS, MAX_FRAMES, percent
from app.figures.common import fmt
from app.gated_controls import GateText, clicked_part, pick_from_diagram
from app.gated_equations import steps_back
from rnn_core import sigmoid
from rnn_core.gated import (gated_preset, hand_set_memory_lstm, log10_highway, log10_jacobian_norms, make_cell,
                            memory_time, reach, s_max, steady_forget_gate, step_values, steps_above)
from tests.app.helpers import (assert_ran_cleanly, check_step_panel_numbers, figures, link_notes, moved_step_panel,
                               open_section, panel_controls, plotly_array, run_lesson, run_sections)

LESSON = page_for("pages/5_lstm.py")
CELL, MAPS, HIGHWAY = "Cell and faucets", "Gates over time", "Gradient highway"
SECTIONS = [CELL, MAPS, HIGHWAY]
PREDICT_FROM, PREDICT_TO = 1.0, 4.0      # the reach predict: from b_f = 1 (the default) to b_f = 4
EVERY = {"lstm_input", "lstm_T", "lstm_H", "forget_bias", "lstm_t", "lstm_unit", "lstm_gate", "lstm_rec_scale",
         "lstm_a", "lstm_seed", "lstm_hand"}
SHOWN = {CELL: {"lstm_input", "lstm_T", "lstm_H", "forget_bias", "lstm_t", "lstm_unit", "lstm_gate"},
         MAPS: {"lstm_input", "lstm_T", "lstm_H", "forget_bias", "lstm_t", "lstm_unit"},
         HIGHWAY: {"lstm_input", "lstm_T", "lstm_H", "forget_bias", "lstm_unit", "lstm_rec_scale", "lstm_hand"}}


def core(preset="gap", T=40, H=4, bias=1.0, a=0.5, kappa=1.0, seed=0):
    x = gated_preset(preset, T)
    lstm = make_cell("lstm", x.shape[1], H, seed=seed, gate_bias=bias, input_bound=a, recurrent_scale=kappa)
    rnn = make_cell("rnn", x.shape[1], H, seed=seed, input_bound=a, recurrent_scale=kappa)
    return lstm, lstm.unroll(x), rnn, rnn.unroll(x)


def part(figure, name, frame=None):
    """The figure's trace `name` (its meta.part), or what frame `frame` carries of it (frames hold only what
    moves, in the order of the figure's animated traces)."""
    index = next(k for k, trace in enumerate(figure["data"]) if trace.get("meta", {}).get("part") == name)
    if frame is None:
        return figure["data"][index]
    return next(f for f in figure["frames"] if f["name"] == str(frame))["data"][index]


def body(at):
    return " ".join(m.value for m in at.markdown)


def test_defaults_show_the_core_numbers():
    runs = run_sections(LESSON)
    for at in runs:
        assert_ran_cleanly(at)
    cell_at, maps_at, highway_at = runs
    (cell,), (heatmaps,), (highway,) = [figures(at) for at in runs]
    _, trace, rnn, rtrace = core()
    t, j = 2, 4                                                 # Step t and Unit j, counted from 1
    assert [f["name"] for f in cell["frames"]] == [str(k) for k in range(1, MAX_FRAMES + 1)]
    assert cell["layout"]["sliders"][0]["active"] == t - 1
    f = trace.gates["f"][t - 1, j - 1]
    assert f"<b>f</b> {percent(f)}% open" in " ".join(part(cell, "faucet labels")["text"])
    assert part(cell, "equation")["text"][0].endswith(f"= {f:.3f}")          # the highlighted gate: f
    for k, name in enumerate(["i", "f", "g", "o"]):
        np.testing.assert_allclose(plotly_array(heatmaps["data"][k]["customdata"]), trace.gates[name].T)
    np.testing.assert_allclose(plotly_array(heatmaps["data"][4]["customdata"]), trace.c.T)
    lines = {d.get("name"): d for d in highway["data"]}
    np.testing.assert_allclose(plotly_array(lines[f"cell path ∏f, unit {j}"]["y"]),
                               10.0 ** log10_highway(trace)[:, j - 1], rtol=1e-10)
    rnn_line = next(d for d in highway["data"] if d.get("name", "").startswith("tanh RNN"))
    np.testing.assert_allclose(plotly_array(rnn_line["y"]), 10.0 ** np.clip(log10_jacobian_norms(rnn, rtrace), -30, 30),
                               rtol=1e-10)
    latex = cell_at.get("latex")[0].proto.body
    v = step_values(trace, t - 1, j - 1)
    assert f"{v['o']:.3f}" in latex and f"{v['h']:.3f}" in latex and rf"f_{{{t}}} &= \boxed" in latex
    assert highway_at.metric[0].value == f"{reach(log10_highway(trace)[:, j - 1])} steps back"


def test_each_tab_shows_its_own_controls_and_keeps_the_others():
    """At most seven controls in a tab's box, the rest under More controls or kept out of sight; every control
    exists on every tab (one key each, so a value set on one tab is there on the next)."""
    for section in SECTIONS:
        found = panel_controls(run_lesson(LESSON, {"lstm_part": section}))
        assert set(found["box"]) == SHOWN[section] and len(found["box"]) <= 7
        assert set(found["box"]) | set(found["more"]) | set(found["kept"]) == EVERY
        assert len(found["box"] + found["more"] + found["kept"]) == len(EVERY)
    hand = panel_controls(run_lesson(LESSON, {"lstm_hand": "true"}))          # hand-set weights ignore seed and scales
    assert {"lstm_seed", "lstm_a", "lstm_rec_scale"} <= set(hand["kept"])
    hand = panel_controls(run_lesson(LESSON, {"lstm_hand": "true", "lstm_part": HIGHWAY}))   # the RNN still uses them
    assert "lstm_rec_scale" in hand["box"] and {"lstm_seed", "lstm_a"} <= set(hand["more"])


def test_one_step_and_one_unit_carry_from_tab_to_tab_and_into_the_figures():
    lstm, trace, _, _ = core()
    t, j = 7, 2
    at = moved_step_panel(LESSON, "lstm", CELL, {"lstm_t": t, "lstm_unit": j})
    (cell,) = figures(at)
    assert cell["layout"]["sliders"][0]["active"] == t - 1
    v = step_values(trace, t - 1, j - 1)
    assert f"<b>i</b> {percent(v['i'])}% open" in " ".join(part(cell, "faucet labels")["text"])
    check_step_panel_numbers(at, LESSON, "lstm", {name: v[name] for name in ("i", "f", "g", "o", "c", "h")}, "c", t, j)
    open_section(at, "lstm_part", HIGHWAY)
    assert at.slider(key="lstm_unit").value == j
    lines = {d.get("name"): d for d in figures(at)[0]["data"]}
    np.testing.assert_allclose(plotly_array(lines[f"cell path ∏f, unit {j}"]["y"]),
                               10.0 ** log10_highway(trace)[:, j - 1], rtol=1e-10)
    assert at.metric[0].label == f"Cell path of unit {j} above 1%"


def test_link_values_are_counted_from_1_and_clamped():
    at = run_lesson(LESSON, {"lstm_t": "9999", "lstm_unit": "0", "lstm_T": "12"})
    assert_ran_cleanly(at)
    assert (at.slider(key="lstm_t").value, at.slider(key="lstm_t").min, at.slider(key="lstm_t").max) == (12, 1, 12)
    assert (at.slider(key="lstm_unit").value, at.slider(key="lstm_unit").min) == (1, 1)
    assert "Step t" in " ".join(link_notes(at)) and "Unit j" in " ".join(link_notes(at))
    assert figures(at)[0]["layout"]["sliders"][0]["active"] == 11      # frame "12", the last step
    short = run_lesson(LESSON, {"lstm_t": "30"})
    short.slider(key="lstm_T").set_value(5).run()                       # a shorter sequence clamps the step
    assert_ran_cleanly(short)
    assert short.slider(key="lstm_t").value == 5


@pytest.mark.parametrize("highlight", ["i", "f", "g", "o", "c", "h"])
def test_highlight_boxes_the_equation_and_writes_it_in_every_frame(highlight):
    _, trace, _, _ = core()
    at = run_lesson(LESSON, {"lstm_gate": highlight})
    assert_ran_cleanly(at)
    latex = at.get("latex")[0].proto.body
    assert latex.count(r"\boxed") == 1 and f"{highlight}_{{2}} &= \\boxed" in latex
    (cell,) = figures(at)
    for t in (1, 2, MAX_FRAMES):
        v = step_values(trace, t - 1, 3)
        assert part(cell, "equation", frame=t)["text"][0].endswith(f"= {v[highlight]:.3f}".replace("-", "−"))


def test_a_click_on_the_drawing_highlights_that_gate():
    """st.plotly_chart's on_select reports the clicked point; its customdata is the gate, which becomes the
    Highlight control's value before the rerun."""
    names = LSTM_HIGHLIGHTS
    assert clicked_part({"points": [{"customdata": "o", "x": 1}]}, names) == "o"
    assert clicked_part({"points": [{"customdata": ["i"]}]}, names) == "i"
    assert clicked_part({"points": [{"x": 3}]}, names) is None and clicked_part({}, names) is None
    text = GateText("lstm", "forget_bias", "", "", "", names, (), (), (), (), (), ("x",), ())
    state = {"lstm_cell": {"selection": {"points": [{"customdata": "o"}]}}, "lstm_gate": "f"}
    pick_from_diagram("lstm_cell", text, state=state)
    assert state["lstm_gate"] == "o"
    at = run_lesson(LESSON)
    at.session_state["lstm_gate"] = "o"
    at.run()
    assert_ran_cleanly(at)
    assert r"o_{2} &= \boxed" in at.get("latex")[0].proto.body


@pytest.mark.parametrize("section, key", [(section, key) for section, keys in SHOWN.items() for key in sorted(keys)
                                          if key not in ("lstm_input", "lstm_gate", "lstm_hand")])
@pytest.mark.parametrize("end", ["min", "max"])
def test_every_slider_at_both_ends(section, key, end):
    at = run_lesson(LESSON, {"lstm_part": section})
    slider = at.slider(key=key)
    slider.set_value(getattr(slider, end)).run()
    assert_ran_cleanly(at)
    assert [len(tab.get("plotly_chart")) for tab in at.tabs] == [int(title == section) for title in SECTIONS]


def test_extreme_settings_together_show_overflow_safely():
    runs = run_sections(LESSON, {"lstm_T": "150", "lstm_H": "16", "lstm_rec_scale": "8", "lstm_a": "4",
                                 "forget_bias": "-5", "lstm_input": "Words: let's meet for lunch"})
    for at in runs:
        assert_ran_cleanly(at)
    (cell,), _, (highway,) = [figures(at) for at in runs]
    for d in highway["data"]:
        if d.get("y") is not None and d["y"] != [None]:
            assert np.all(np.isfinite(plotly_array(d["y"])))
    assert [f["name"] for f in cell["frames"]] == [str(t) for t in range(1, MAX_FRAMES + 1)]   # around step 2


def test_memory_time_sentence_and_metric_are_the_core_numbers():
    at = run_lesson(LESSON, {"lstm_part": HIGHWAY, "forget_bias": "2.5", "lstm_unit": "3"})
    assert_ran_cleanly(at)
    _, trace, _, rtrace = core(bias=2.5)
    f_bar = steady_forget_gate(trace.gates["f"][:, 2])
    tau = memory_time(f_bar)
    assert at.metric[2].value == f"≈ {tau:,.1f} steps"
    text = body(at)
    assert f"\\bar f = {f_bar:.4f}" in text and f"is {tau:,.1f} steps" in text
    assert (f"\\bar f^{{\\,{tau:.1f}}} = {f_bar ** tau:.3f}$ is left, {f_bar ** tau * np.e:.2f} times the rule of "
            "thumb's $1/e \\approx 0.368$") in text
    assert f"steady gate $\\bar f$ would keep more than 1% for {steps_above(f_bar):,} steps" in text
    path = reach(log10_highway(trace)[:, 2])
    assert (f"the real, varying gates keep it for {path} steps back (the thick line stays above 1% that far), of the "
            "39 the sequence has") in text


def test_rule_of_thumb_is_flagged_where_it_fails():
    """1/e after 1/(1 - f) steps holds only for f near 1: the page says how far the share is from it, with no verdict
    that flips between two nearly equal shares (a reader saw 0.32 called close and 0.31 far)."""
    at = run_lesson(LESSON, {"lstm_part": HIGHWAY, "forget_bias": "-5", "lstm_T": "2", "lstm_H": "1"})
    assert_ran_cleanly(at)
    assert "times the rule of thumb's $1/e \\approx 0.368$, which holds only as $\\bar f$ nears 1" in body(at)
    for kappa in ("1", "8"):
        said = body(run_lesson(LESSON, {"lstm_part": HIGHWAY, "lstm_rec_scale": kappa}))
        assert "close to $1/e" not in said and "far from $1/e" not in said


def test_forget_bias_sentence_is_computed_and_so_is_the_book_table():
    at = run_lesson(LESSON, {"lstm_part": HIGHWAY})
    text = body(at)
    x = gated_preset("gap", 40)
    reaches = {b: reach(log10_highway(make_cell("lstm", 4, 4, seed=0, gate_bias=b).unroll(x))[:, 3]) for b in (0, 5)}
    assert (f"stays above 1% for {reaches[0]} steps back at $b_f = 0$ and {reaches[5]} steps back at $b_f = 5$"
            in text)
    assert reaches[0] < 10 and reaches[5] == 39
    for b, steps in ((3, "21.1 steps"), (5, "149 steps"), (7, "1,098 steps")):
        assert f"| ${b}$ | ${sigmoid(b):.5f}$ | {steps} |" in text
        assert memory_time(sigmoid(b)) == pytest.approx(float(steps.split()[0].replace(",", "")), abs=0.5)
    assert "the biases range from $0$ to $3.66$ and the memory times from 2 to 40 steps" in text
    _, _, rnn, _ = core()
    assert f"$s_{{max}} = {s_max(rnn.weight_hh):.3f}$ at $\\kappa = 1$, below 1, so its gradient must vanish" in text
    wide = body(run_lesson(LESSON, {"lstm_part": HIGHWAY, "lstm_rec_scale": "8"}))
    assert f"$s_{{max}} = {8 * s_max(rnn.weight_hh):.3f}$ at $\\kappa = 8$, above 1, so its gradient may grow" in wide


def test_hand_set_memory_states_what_the_forget_gate_keeps():
    at = run_lesson(LESSON, {"lstm_hand": "true", "forget_bias": "5", "lstm_T": "60", "lstm_part": HIGHWAY})
    assert_ran_cleanly(at)
    table = at.dataframe[0].value
    expected = hand_set_memory_lstm(4, 4, forget_bias=5.0).unroll(gated_preset("gap", 60)).c[-1, 3]
    lunch = table[table["latches"] == "lunch"]
    assert float(lunch["c at step 60"].iloc[0]) == pytest.approx(expected) and expected > 0.5
    assert list(table["unit j"]) == [1, 2, 3, 4]
    text = body(at)
    assert f"$\\sigma(b_f)^{{59}} = {sigmoid(5.0) ** 59:.3f}$ of its value" in text
    assert f"$\\sigma(5)^{{100}} = {sigmoid(5.0) ** 100:.2f}$" in text and "0.51" in text
    assert r"0.5^{100} = 7.89 \times 10^{-31}" in text
    words = body(run_lesson(LESSON, {"lstm_hand": "true", "lstm_part": HIGHWAY,
                                     "lstm_input": "Words: let's meet for lunch"}))
    assert "never again" not in words and "between writes, only its forget gate" in words


@pytest.mark.parametrize("bias", [0.0, 5.0])
def test_gate_maps_sentence_gives_the_forget_gates_range(bias):
    at = run_lesson(LESSON, {"lstm_part": MAPS, "forget_bias": str(bias)})
    _, trace, _, _ = core(bias=bias)
    f = trace.gates["f"]
    text = body(at)
    assert f"lie between ${f.min():.3f}$ and ${f.max():.3f}$" in text
    if bias < 5:
        _, high, _, _ = core(bias=5.0)
        assert f"they lie between ${high.gates['f'].min():.3f}$ and ${high.gates['f'].max():.3f}$" in text
        assert "the f map darkens" in text
    else:
        assert f"(mean ${f.mean():.3f}$), at the top of the slider: each step keeps most of" in text


@pytest.mark.parametrize("pick", [0, 1, 2])
def test_predict_the_reach_then_move_the_bias(pick):
    at = run_lesson(LESSON, {"lstm_part": HIGHWAY})
    at.radio(key="lstm_predict_reach").set_value(pick).run()
    assert not at.success and not at.error                            # nothing said until b_f is moved
    at.slider(key="forget_bias").set_value(4.0).run()
    assert_ran_cleanly(at)
    x = gated_preset("gap", 40)
    at_4 = reach(log10_highway(make_cell("lstm", 4, 4, seed=0, gate_bias=4.0).unroll(x))[:, 3])
    assert at_4 == 39                                                  # all the way back: option C
    said = [e.value for e in [*at.success, *at.error]]
    assert len(said) == 1 and f"stays above 1% for {at_4} steps back" in said[0]
    expected = "**C: the figure agrees.**" if pick == 2 else f"**The figure shows C, not {'AB'[pick]}.**"
    assert said[0].startswith(expected)


def test_hostile_links_are_handled():
    runs = run_sections(LESSON, {"lstm_H": "1", "lstm_T": "-7", "forget_bias": "nan", "lstm_input": "<script>",
                                 "lstm_rec_scale": "1e308", "lstm_seed": "abc", "lstm_t": "9999", "lstm_hand": "maybe",
                                 "lstm_gate": "**x**"})
    for at in runs:
        assert_ran_cleanly(at)
    at = runs[0]
    assert at.slider(key="lstm_T").value == 2 and at.slider(key="lstm_t").value == 2
    assert at.slider(key="forget_bias").value == 1.0 and at.slider(key="lstm_rec_scale").value == 8.0
    assert at.selectbox(key="lstm_input").value == "gap"
    notes = " ".join(link_notes(at))
    assert "Sequence length" in notes and "Forget-gate bias" in notes and "<script>" not in notes
    assert [len(figures(at)) for at in runs] == [1, 1, 1]


def test_sections_are_tabs_and_only_the_open_one_runs():
    from tests.app.helpers import check_section_tabs
    check_section_tabs(LESSON, SECTIONS, [1, 1, 1], "Highway<script>")


# ---------------------------------------------------------------------------- the fresh reader's findings (reader_l56)

def dashed(figure):
    """The full LSTM Jacobian line of the highway figure, log10."""
    line = next(d for d in figure["data"] if d.get("name", "").startswith("LSTM ‖"))
    return np.log10(plotly_array(line["y"]))


def test_the_explode_quiz_points_to_a_setting_where_the_dashed_line_explodes():
    """Finding 5 (default-only): the quiz's feedback names a setting and the number the dashed line reaches there,
    and that setting, opened by its link, draws that number and the explosion warning."""
    at = run_lesson(LESSON)
    at.radio(key="lstm_quiz_explode").set_value(2).run()
    (why,) = [s.value for s in at.success]
    link = why[why.index("](lstm?") + 7:why.index(")", why.index("](lstm?"))]
    params = dict(pair.split("=") for pair in link.split("&"))
    params["lstm_part"] = params["lstm_part"].replace("%20", " ")
    assert params == {"lstm_part": HIGHWAY, "lstm_input": "sine", "lstm_T": "150", "forget_bias": "3",
                      "lstm_rec_scale": "8"}
    there = run_lesson(LESSON, params)
    assert_ran_cleanly(there)
    peak = 10.0 ** float(np.nanmax(dashed(figures(there)[0])))
    assert peak > 1e3 and f"reaches {fmt(peak)}." in why
    assert any(f"reaches {fmt(peak)} here" in w.value for w in there.warning)
    assert not run_lesson(LESSON, {"lstm_part": HIGHWAY, "lstm_rec_scale": "8"}).warning   # not at the defaults


def test_with_hand_set_weights_kappa_moves_only_the_rnn_and_the_text_says_so():
    """Finding 14 (default-only): hand-set weights have W_hh = 0, so κ leaves the dashed line as it is."""
    lines = {}
    for kappa in ("1", "8"):
        at = run_lesson(LESSON, {"lstm_part": HIGHWAY, "lstm_hand": "true", "lstm_rec_scale": kappa})
        assert_ran_cleanly(at)
        lines[kappa] = figures(at)[0]["data"]
        assert "$\\kappa$ changes only the tanh RNN" in body(at) and "and it can grow" not in body(at)
    named = lambda data, start: next(plotly_array(d["y"]) for d in data if d.get("name", "").startswith(start))  # noqa: E731
    np.testing.assert_array_equal(named(lines["1"], "LSTM ‖"), named(lines["8"], "LSTM ‖"))
    assert not np.allclose(named(lines["1"], "tanh RNN"), named(lines["8"], "tanh RNN"))
    assert "Raise $\\kappa$ and it can grow" in body(run_lesson(LESSON, {"lstm_part": HIGHWAY}))
    at_top = body(run_lesson(LESSON, {"lstm_part": HIGHWAY, "lstm_rec_scale": "8"}))   # the slider's top: no "raise"
    assert "At this largest $\\kappa$ it can grow" in at_top and "Raise $\\kappa$" not in at_top


@pytest.mark.parametrize("query, movers, zero", [
    ({}, "so the input and the hidden state can move it", None),
    ({"lstm_a": "0"}, "so the hidden state (at $\\alpha = 0$, $W_{if}$ is 0) can move it", "weight_ih"),
    ({"lstm_rec_scale": "0", "lstm_input": "words"}, "so the input (at $\\kappa = 0$, $W_{hf}$ is 0) can move it", "weight_hh"),
])
def test_what_moves_the_forget_gate_is_what_the_weights_allow(query, movers, zero):
    """A reader found "the input and the hidden state move it" at α = 0, where W_if is all zeros."""
    at = run_lesson(LESSON, {"lstm_part": HIGHWAY, **query})
    assert_ran_cleanly(at)
    text = body(at)
    if "is $\\sigma(b_f)$ itself here" in text:
        pytest.fail("the unit's gate should differ from sigma(b_f) at these settings")
    assert movers in text
    if zero:
        from app.gated_controls import lesson_cell
        alpha, kappa = (0.0, 1.0) if zero == "weight_ih" else (0.5, 0.0)
        cell = lesson_cell("lstm", "words", 20, 4, 1.0, alpha, kappa, 0, False)[0]
        assert not np.any(getattr(cell, zero))
    if zero == "weight_hh":   # no path through W_hh: the dashed line is the cell path, and the text says so
        assert "At $\\kappa = 0$, $W_{hh} = 0$: here the dashed line takes no path through $W_{hh}$" in text


def test_a_memory_time_equal_to_the_steady_gates_is_not_said_to_differ():
    """A reader found "the memory time above is 3.7 steps and not the 3.7 steps of a steady gate" (κ = 0, sine)."""
    text = body(run_lesson(LESSON, {"lstm_part": HIGHWAY, "lstm_rec_scale": "0", "lstm_input": "sine"}))
    found = re.search(r"memory time above is ([^ ]+ steps?) and not the ([^ ]+ steps?) of", text)
    assert found is None or found.group(1) != found.group(2), found.group(0)
    assert found or "so close that the memory time above is the" in text or "is $\\sigma(b_f)$ itself here" in text


@pytest.mark.parametrize("T", [2, 12, 20, 40, 150])
def test_the_reach_predict_has_exactly_one_true_option(T):
    """Finding 3: at T = 20 the cell path reached the whole sequence within 5 steps, so A and C were both true.
    The options now exclude each other, and the one the page calls right is the one the drawn line shows."""
    at = run_lesson(LESSON, {"lstm_part": HIGHWAY, "lstm_T": str(T), "forget_bias": str(PREDICT_FROM)})
    j = at.slider(key="lstm_unit").value
    before = reach(np.log10(plotly_array(next(d for d in figures(at)[0]["data"]
                                              if d.get("name") == f"cell path ∏f, unit {j}")["y"])))
    at.slider(key="forget_bias").set_value(PREDICT_TO).run()
    after = reach(np.log10(plotly_array(next(d for d in figures(at)[0]["data"]
                                             if d.get("name") == f"cell path ∏f, unit {j}")["y"])))
    whole = T - 1
    holds = [after <= before + 5 and after < whole, after > before + 5 and after < whole, after == whole]
    assert sum(holds) == 1
    for pick in range(3):
        at.radio(key="lstm_predict_reach").set_value(pick).run()
        said = [e.value for e in [*at.success, *at.error]]
        assert len(said) == 1 and said[0].startswith("**" + "ABC"[pick] + ": the figure agrees") == holds[pick]
        assert f"stays above 1% for {steps_back(after)}" in said[0]


def test_a_gate_near_1_never_reads_100_percent():
    """Finding 11: the hand-set input gate at step 1 is 0.998: the sentence and the valve's label say 99.8%."""
    at = run_lesson(LESSON, {"lstm_hand": "true", "forget_bias": "5", "lstm_t": "1", "lstm_gate": "i"})
    assert_ran_cleanly(at)
    trace = hand_set_memory_lstm(4, 4, forget_bias=5.0).unroll(gated_preset("gap", 40))
    i = trace.gates["i"][0, 3]
    assert 0.995 < i < 0.9995 and percent(i) == f"{100 * i:.1f}"
    assert f"The input gate lets ${percent(i)}\\%$" in body(at) and "100\\%" not in body(at)
    assert f"<b>i</b> {percent(i)}% open" in " ".join(part(figures(at)[0], "faucet labels", frame=1)["text"])
    assert [percent(v) for v in (0.0, 1.0, 0.5, 0.0004, 0.99996)] == ["0", "100", "50", "0.04", "99.996"]


@pytest.mark.parametrize("bias", [5.0, 1.0])
def test_memory_time_and_table_are_told_apart(bias):
    """Finding 9: at b_f = 5 the metric said ≈ 195 steps and the table 149: the page says why, from the same f̄."""
    at = run_lesson(LESSON, {"lstm_part": HIGHWAY, "forget_bias": str(bias)})
    _, trace, _, _ = core(bias=bias)
    f_bar = steady_forget_gate(trace.gates["f"][:, 3])
    tau, steady = memory_time(f_bar), memory_time(sigmoid(bias))
    metric = at.metric[2].value
    assert metric.startswith("≈ ") and float(metric.split()[1].replace(",", "")) == pytest.approx(tau, rel=0.01)
    text = body(at)
    assert f"Here $\\bar f = {f_bar:.4f}$ against $\\sigma({bias:g}) = {sigmoid(bias):.4f}$" in text
    assert f"is {metric.removeprefix('≈ ')} and not the" in text
    assert f"{steady:,.0f} steps" in text or f"{steady:,.1f} steps" in text


def test_counts_that_leave_out_a_later_rise_say_so():
    """Finding 6: at κ = 8 the dotted line is above 1% again further back than its unbroken count; the sentence
    names those steps, read off the drawn line."""
    at = run_lesson(LESSON, {"lstm_part": HIGHWAY, "lstm_rec_scale": "8"})
    assert_ran_cleanly(at)
    rnn = np.log10(plotly_array(next(d for d in figures(at)[0]["data"]
                                     if d.get("name", "").startswith("tanh RNN"))["y"]))
    back = reach(rnn)
    again = np.nonzero(rnn[:len(rnn) - 2 - back] >= -2)[0] + 1
    assert at.metric[1].label == "Tanh RNN: unbroken run above 1%" and at.metric[1].value == steps_back(back)
    assert len(again) > 1
    assert (f"the tanh RNN ({len(again)} earlier steps, between step {again.min()} and step {again.max()})"
            in body(at))
    assert "Each count is the unbroken run" not in body(run_lesson(LESSON, {"lstm_part": HIGHWAY}))


def test_one_unit_and_hand_set_gates_are_worded_for_what_they_are():
    """Finding 15: H = 1 has one row, and hand-set forget gates that are all one value are not a range."""
    at = run_lesson(LESSON, {"lstm_part": MAPS, "lstm_H": "1"})
    assert "The one row is unit 1" in body(at) and "units $1 \\dots 1$" not in body(at)
    hand = run_lesson(LESSON, {"lstm_part": MAPS, "lstm_hand": "true", "forget_bias": "3"})
    f = hand_set_memory_lstm(4, 4, forget_bias=3.0).unroll(gated_preset("gap", 40)).gates["f"]
    assert f"{f.min():.3f}" == f"{f.max():.3f}" and f"the forget gates are all ${f.min():.3f}$" in body(hand)

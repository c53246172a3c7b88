"""Lesson 6 (GRU) through AppTest: every tab at defaults and at its controls' ends, one key per control, links
counted from 1 and clamped, and every number a sentence states derived from the same computation as the figure."""

import numpy as np
import pytest

from app.course import page_for
from app.figures.gates import MAX_FRAMES, edge_note, percent
from app.figures.gradients import fmt_number
from app.gated_equations import steps_back
from rnn_core.gated import (comparison_rows, gated_preset, gru_step_cho, hand_set_memory_gru, log10_jacobian_norms,
                            make_cell, reach, s_max, step_values)
from tests.app.helpers import (assert_ran_cleanly, check_section_tabs, check_step_panel_numbers, figures, link_notes,
                               moved_step_panel, panel_controls, plotly_array, run_lesson, run_sections)

LESSON = page_for("pages/6_gru.py")
CELL, MAPS, COMPARED = "Cell and faucets", "Gates over time", "Cells compared"
SECTIONS = [CELL, MAPS, COMPARED]
EVERY = {"gru_input", "gru_T", "gru_H", "update_bias", "gru_t", "gru_unit", "gru_gate", "gru_rec_scale", "gru_a",
         "gru_seed", "gru_hand"}
SHOWN = {CELL: {"gru_input", "gru_T", "gru_H", "update_bias", "gru_t", "gru_unit", "gru_gate"},
         MAPS: {"gru_input", "gru_T", "gru_H", "update_bias", "gru_t", "gru_unit"},
         COMPARED: {"gru_input", "gru_T", "gru_H", "update_bias", "gru_rec_scale"}}


def core(preset="gap", T=40, H=4, bias=1.0, a=0.5, kappa=1.0, seed=0):
    x = gated_preset(preset, T)
    cell = make_cell("gru", x.shape[1], H, seed=seed, gate_bias=bias, input_bound=a, recurrent_scale=kappa)
    return cell, cell.unroll(x)


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
    cell_at, _, compared_at = runs
    (cell,), (heatmaps,), (gradients,) = [figures(at) for at in runs]
    _, trace = core()
    t, j = 2, 4
    assert [f["name"] for f in cell["frames"]] == [str(k) for k in range(1, MAX_FRAMES + 1)]
    z, r = trace.gates["z"][t - 1, j - 1], trace.gates["r"][t - 1, j - 1]
    labels = " ".join(part(cell, "faucet labels")["text"])
    assert f"<b>z</b> keeps {percent(z)}%" in labels and f"<b>r</b> {percent(r)}% open" in labels
    assert part(cell, "equation")["text"][0].endswith(f"= {z:.3f}")          # the highlighted gate: z
    for k, name in enumerate(["r", "z", "n"]):
        np.testing.assert_allclose(plotly_array(heatmaps["data"][k]["customdata"]), trace.gates[name].T)
    np.testing.assert_allclose(plotly_array(heatmaps["data"][3]["customdata"]), trace.h.T)
    norms = jacobians()
    for d, kind in zip(gradients["data"], ("rnn", "lstm", "gru")):
        np.testing.assert_allclose(np.log10(plotly_array(d["y"])), norms[kind], rtol=1e-10)
    latex = cell_at.get("latex")[0].proto.body
    v = step_values(trace, t - 1, j - 1)
    assert f"{v['n']:.3f}" in latex and f"{v['h']:.3f}" in latex and rf"z_{{{t}}} &= \boxed" in latex


def test_each_tab_shows_its_own_controls_and_keeps_the_others():
    for section in SECTIONS:
        found = panel_controls(run_lesson(LESSON, {"gru_part": section}))
        assert set(found["box"]) == SHOWN[section] and len(found["box"]) <= 7
        assert set(found["box"]) | set(found["more"]) | set(found["kept"]) == EVERY
    compared = panel_controls(run_lesson(LESSON, {"gru_part": COMPARED, "gru_hand": "true"}))
    assert "gru_hand" in compared["kept"]                     # the comparison always uses seed and scales
    hand = panel_controls(run_lesson(LESSON, {"gru_hand": "true"}))
    assert {"gru_seed", "gru_a", "gru_rec_scale"} <= set(hand["kept"])


def test_one_step_and_one_unit_carry_from_tab_to_tab_and_into_the_figures():
    _, trace = core()
    t, j = 7, 2
    at = moved_step_panel(LESSON, "gru", CELL, {"gru_t": t, "gru_unit": j})
    (cell,) = figures(at)
    assert cell["layout"]["sliders"][0]["active"] == t - 1
    z = trace.gates["z"][t - 1, j - 1]
    assert f"<b>z</b> keeps {percent(z)}%" in " ".join(part(cell, "faucet labels")["text"])
    v = step_values(trace, t - 1, j - 1)
    check_step_panel_numbers(at, LESSON, "gru", {name: v[name] for name in ("r", "z", "n", "h")}, "h", t, j)


def test_link_values_are_counted_from_1_and_clamped():
    at = run_lesson(LESSON, {"gru_H": "999", "gru_T": "1", "update_bias": "-inf", "gru_input": "**bold**",
                             "gru_unit": "-4", "gru_t": "0", "gru_hand": "2"})
    assert_ran_cleanly(at)
    assert at.slider(key="gru_H").value == 16 and at.slider(key="gru_T").value == 2
    assert (at.slider(key="gru_unit").value, at.slider(key="gru_t").value) == (1, 1)
    assert at.slider(key="update_bias").value == 1.0 and at.selectbox(key="gru_input").value == "gap"
    notes = " ".join(link_notes(at))
    assert "Hidden size" in notes and "Unit j" in notes and "**bold**" not in notes


def test_reset_placement_is_computed_for_the_pages_cell():
    """PyTorch's r * (W_hn h + b_hn) against Cho et al.'s W_hn (r * h) + b_hn, at the shown step and unit."""
    for t, j in ((2, 4), (1, 1), (40, 3)):
        at = run_lesson(LESSON, {"gru_t": str(t), "gru_unit": str(j)})
        cell, trace = core()
        h_prev = trace.h[t - 2] if t > 1 else np.zeros(4)
        h_py, py = cell.step(trace.x[t - 1], h_prev)
        h_cho, cho = gru_step_cho(cell, trace.x[t - 1], h_prev)
        np.testing.assert_allclose(h_py, trace.h[t - 1], rtol=1e-12)
        placement = at.get("latex")[1].proto.body
        assert f"{py['n'][j - 1]:.3f}" in placement and f"{cho['n'][j - 1]:.3f}" in placement
        assert f"here they differ by {fmt_number(abs(h_py[j - 1] - h_cho[j - 1]))} in $h_{{{t}}}$ of unit {j}" in body(at)
    hand = body(run_lesson(LESSON, {"gru_hand": "true"}))
    assert "here they agree, because the hand-set weights have $W_{hn} = I$ and $b_{hn} = 0$" in hand


@pytest.mark.parametrize("pick", [0, 1, 2])
def test_predict_the_mix_then_raise_the_update_bias(pick):
    at = run_lesson(LESSON)
    at.radio(key="gru_predict_mix").set_value(pick).run()
    assert not at.success and not at.error
    at.slider(key="update_bias").set_value(4.0).run()
    assert_ran_cleanly(at)
    _, trace = core(bias=4.0)
    z = trace.gates["z"][1, 3]
    assert z > 0.5                                                      # nearer the old state: option B
    said = [e.value for e in [*at.success, *at.error]]
    assert len(said) == 1 and f"$z_{{2}} = {z:.3f}$" in said[0]
    expected = "**B: the figure agrees.**" if pick == 1 else f"**The figure shows B, not {'AC'[pick // 2]}.**"
    assert said[0].startswith(expected)
    hand = run_lesson(LESSON, {"gru_hand": "true", "gru_t": "1"})     # the word's step: the candidate is written
    hand.slider(key="update_bias").set_value(4.0).run()
    z_word = hand_set_memory_gru(4, 4, update_bias=4.0).unroll(gated_preset("gap", 40)).gates["z"][0, 3]
    assert z_word < 0.5
    assert hand.radio(key="gru_predict_mix").options[0].startswith("A. Nearer")
    hand.radio(key="gru_predict_mix").set_value(0).run()
    assert hand.success and hand.success[0].value.startswith("**A: the figure agrees.**")


def test_comparison_table_counts_from_the_cells_with_the_formula_in_math():
    at = run_lesson(LESSON, {"gru_part": COMPARED, "gru_H": "8"})
    assert_ran_cleanly(at)
    rows = comparison_rows(4, 8)
    assert [r["parameters"] for r in rows] == [1 * (8 * 12 + 16), 4 * (8 * 12 + 16), 3 * (8 * 12 + 16)]
    table = next(m.value for m in at.markdown if m.value.startswith("|  | tanh RNN | LSTM | GRU |"))
    assert "| parameters | 112 | 448 | 336 |" in table and "| blocks $G$ | 1 | 4 | 3 |" in table
    formula = at.get("latex")[0].proto.body
    assert r"G\,\big(8\cdot(4+8) + 2\cdot8\big) = 112\,G" in formula
    assert all(rf"{r['blocks']}\cdot112 = {r['parameters']}" in formula for r in rows)
    assert "*(" not in body(at) and not at.table                       # no ASCII formula


def jacobians(T=40, bias=1.0, kappa=1.0):
    """log10 ||d s_T / d s_t|| of the three cells the comparison builds (s = [h; c] for the LSTM)."""
    x = gated_preset("gap", T)
    cells = {kind: make_cell(kind, 4, 4, seed=0, gate_bias=None if kind == "rnn" else bias, recurrent_scale=kappa)
             for kind in ("rnn", "lstm", "gru")}
    return {kind: log10_jacobian_norms(cell, cell.unroll(x)) for kind, cell in cells.items()}


def test_comparison_sentence_is_the_metrics_and_the_figure():
    """Reader finding 1: each count, in the sentence and the metrics, is read off the curve the figure draws, and
    the LSTM's curve is its whole state [h; c] (at κ = 0 its h alone reaches nothing, its cell state does)."""
    for params in ({}, {"update_bias": "5"}, {"update_bias": "-5", "gru_rec_scale": "0"}, {"gru_T": "2"},
                   {"gru_rec_scale": "0"}):
        at = run_lesson(LESSON, {"gru_part": COMPARED, **params})
        assert_ran_cleanly(at)
        T = int(params.get("gru_T", 40))
        bias = float(params.get("update_bias", 1.0))
        kappa = float(params.get("gru_rec_scale", 1.0))
        (figure,) = figures(at)
        drawn = {kind: np.log10(plotly_array(d["y"])) for kind, d in zip(("rnn", "lstm", "gru"), figure["data"])}
        norms = jacobians(T, bias, kappa)
        for kind in norms:
            np.testing.assert_allclose(drawn[kind], np.clip(norms[kind], -30, 30), rtol=1e-10)
        reaches = {kind: reach(v) for kind, v in norms.items()}
        assert [m.value for m in at.metric] == [steps_back(reaches[k]) for k in ("rnn", "lstm", "gru")]
        text = body(at)
        assert (f"{steps_back(reaches['rnn'])} in the tanh RNN, {steps_back(reaches['lstm'])} in the LSTM and "
                f"{steps_back(reaches['gru'])} in the GRU" in text)
        assert f"$b_f = b_z = {bias:g}$" in text and "not a ranking" in text
        best = max(reaches.values())
        leaders = [k for k, v in reaches.items() if v == best]
        assert ("carries it furthest" in text) == (len(leaders) == 1)
        rnn = make_cell("rnn", 4, 4, seed=0, recurrent_scale=kappa)
        if kappa != 0:
            assert f"$s_{{max}} = {s_max(rnn.weight_hh):.3f}$ at $\\kappa = {kappa:g}$" in text
        if kappa == 0:     # W_hh = 0: the RNN's h_t reaches nothing later, exactly; the LSTM's cell state does
            assert s_max(rnn.weight_hh) == 0 and norms["rnn"][-2] == -np.inf
            assert "its gradient is exactly 0 one step back, and its run above 1% is 0 steps" in text
            assert reaches["rnn"] == 0 and (reaches["lstm"] > 0 or bias < 0)
            notes = [a["text"] for a in figure["layout"]["annotations"]]
            every = np.concatenate(list(norms.values()))
            zeros, beyond = int(np.sum(every == -np.inf)), int(np.sum(np.isfinite(every) & (np.abs(every) > 30)))
            assert zeros == T - 1 and edge_note(zeros + beyond, zeros) in notes
            assert ("overflow" in edge_note(zeros + beyond, zeros)) == (beyond > 0)
    high = run_lesson(LESSON, {"gru_part": COMPARED, "update_bias": "5"})
    low = run_lesson(LESSON, {"gru_part": COMPARED, "update_bias": "-3"})
    assert int(low.metric[2].value.split()[0]) < 10 < 30 < int(high.metric[2].value.split()[0])


def test_the_comparison_measures_what_lesson_5_measures():
    """One measure in both lessons: at the same settings the LSTM and the tanh RNN reach as far here as on lesson
    5's Gradient highway tab (its dashed and dotted lines, its tanh RNN metric)."""
    from tests.app.test_lstm_page import LESSON as LSTM_LESSON
    settings = {"T": "60", "H": "6", "rec_scale": "1.5", "seed": "3"}
    gru = run_lesson(LESSON, {"gru_part": COMPARED, "update_bias": "2", **{f"gru_{k}": v for k, v in settings.items()}})
    lstm = run_lesson(LSTM_LESSON, {"lstm_part": "Gradient highway", "forget_bias": "2",
                                    **{f"lstm_{k}": v for k, v in settings.items()}})
    assert_ran_cleanly(gru)
    assert_ran_cleanly(lstm)
    lines = {d.get("name", ""): plotly_array(d["y"]) for d in figures(lstm)[0]["data"]}
    ours = {d["name"]: plotly_array(d["y"]) for d in figures(gru)[0]["data"]}
    for name in ("LSTM ‖∂[h;c]<sub>T</sub>/∂[h;c]<sub>t</sub>‖", "tanh RNN ‖∂h<sub>T</sub>/∂h<sub>t</sub>‖"):
        np.testing.assert_allclose(ours[name], lines[name], rtol=1e-10)
    assert gru.metric[0].value == lstm.metric[1].value          # the tanh RNN's count, in both lessons


def test_hand_set_memory_keeps_the_word():
    at = run_lesson(LESSON, {"gru_hand": "true", "update_bias": "5", "gru_T": "60", "gru_t": "60"})
    assert_ran_cleanly(at)
    (cell,) = figures(at)
    assert [f["name"] for f in cell["frames"]] == [str(t) for t in range(61 - MAX_FRAMES, 61)]
    trace = hand_set_memory_gru(4, 4, update_bias=5.0).unroll(gated_preset("gap", 60))
    assert trace.h[-1, 3] > 0.5
    assert f"h<sub>60</sub> = {trace.h[-1, 3]:.2f}" in " ".join(part(cell, "diagram labels", frame=60)["text"])
    assert f"$z_2 z_3 \\cdots z_{{60}}$ = {fmt_number(np.prod(trace.gates['z'][1:, 3]))} at step 60" in body(at)


@pytest.mark.parametrize("section, key", [(section, key) for section, keys in SHOWN.items() for key in sorted(keys)
                                          if key not in ("gru_input", "gru_gate")])
@pytest.mark.parametrize("end", ["min", "max"])
def test_every_slider_at_both_ends(section, key, end):
    at = run_lesson(LESSON, {"gru_part": section})
    slider = at.slider(key=key)
    slider.set_value(getattr(slider, end)).run()
    assert_ran_cleanly(at)
    assert [len(tab.get("plotly_chart")) for tab in at.tabs] == [int(title == section) for title in SECTIONS]


def test_extreme_settings_together():
    runs = run_sections(LESSON, {"gru_T": "150", "gru_H": "16", "gru_rec_scale": "8", "gru_a": "4",
                                 "update_bias": "5", "gru_input": "Sine wave"})
    for at in runs:
        assert_ran_cleanly(at)
    (cell,), _, (gradients,) = [figures(at) for at in runs]
    assert [f["name"] for f in cell["frames"]] == [str(t) for t in range(1, MAX_FRAMES + 1)]
    for d in gradients["data"]:
        assert np.all(np.isfinite(plotly_array(d["y"])))


def test_sections_are_tabs_and_only_the_open_one_runs():
    check_section_tabs(LESSON, SECTIONS, [1, 1, 1], "cells compared")


# ---------------------------------------------------------------------------- the fresh reader's findings (reader_l56)

@pytest.mark.parametrize("t", [1, 2, 7])
def test_the_mix_predict_has_exactly_one_true_option_even_when_the_old_state_is_0(t):
    """Finding 4: at step 1 the old state h_0 is 0, so "at 0" was what the figure showed yet marked wrong. The
    options are now nearer n_t, nearer h_{t-1}, exactly halfway, and the equation the figure writes decides."""
    at = run_lesson(LESSON, {"gru_t": str(t), "gru_gate": "h"})
    at.slider(key="update_bias").set_value(4.0).run()
    _, trace = core(bias=4.0)
    v = step_values(trace, t - 1, 3)
    equation = part(figures(at)[0], "equation", frame=t)["text"][0]
    assert equation.endswith(f"= {v['h']:.3f}".replace("-", "−"))
    nearer = [abs(v["h"] - v["n"]) < abs(v["h"] - v["h_prev"]), abs(v["h"] - v["h_prev"]) < abs(v["h"] - v["n"]),
              abs(v["h"] - v["n"]) == abs(v["h"] - v["h_prev"])]
    assert sum(nearer) == 1
    for pick in range(3):
        at.radio(key="gru_predict_mix").set_value(pick).run()
        said = [e.value for e in [*at.success, *at.error]]
        assert len(said) == 1 and said[0].startswith("**" + "ABC"[pick] + ": the figure agrees") == nearer[pick]
        assert f"$z_{{{t}}} = {v['z']:.3f}$" in said[0] and "never sets the state to 0" not in said[0]


def test_the_reset_sentence_at_step_1_says_the_old_state_is_0():
    """Finding 12: at t = 1, W_hn h_0 + b_hn is only the bias."""
    at = run_lesson(LESSON, {"gru_t": "1", "gru_gate": "r"})
    assert_ran_cleanly(at)
    cell, trace = core()
    v = step_values(trace, 0, 3)
    assert v["h_prev"] == 0 and v["u_n"] == pytest.approx(cell.block("n", "bias_hh")[3])
    assert f"of $W_{{hn}}h_{{0}} + b_{{hn}} = {v['u_n']:.3f}$" in body(at) and "only the bias $b_{hn}$" in body(at)
    assert "only the bias" not in body(run_lesson(LESSON, {"gru_gate": "r"}))


def test_short_and_one_unit_settings_are_worded_for_what_they_are():
    """Finding 15: '1 step back', not '1 steps back'; one unit has one row."""
    at = run_lesson(LESSON, {"gru_part": COMPARED, "gru_T": "2"})
    assert "1 steps" not in body(at) and "(the whole sequence is 1 step back)" in body(at)
    assert "The one row is unit 1" in body(run_lesson(LESSON, {"gru_part": MAPS, "gru_H": "1"}))


def test_a_tie_of_two_cells_names_the_third():
    """A reader found "the LSTM and the GRU carry it equally far, further than the third with these weights" (κ = 8):
    the cell behind is named, from the same counts as the metrics."""
    at = run_lesson(LESSON, {"gru_part": COMPARED, "gru_rec_scale": "8"})
    assert_ran_cleanly(at)
    text = body(at)
    assert "further than the third" not in text
    counts = {m.label.split(":")[0]: m.value for m in at.metric[:3]}
    best = max(counts.values(), key=lambda v: int(v.split()[0]))
    leaders = [k for k, v in counts.items() if v == best]
    assert len(leaders) == 2                 # κ = 8: the LSTM and the GRU tie
    if len(leaders) == 2:
        behind = next(k for k in counts if k not in leaders)
        assert f"carry it equally far, further than the {behind}, with these weights" in text

"""Lesson 5 (LSTM) through AppTest: defaults, every control at its ends, hostile links, numbers = core."""

import numpy as np
import pytest

from app.course import page_for
from app.figures.gates import MAX_FRAMES
from rnn_core.gated import (gated_preset, hand_set_memory_lstm, log10_highway, log10_jacobian_norms, make_cell,
                            reach, step_values)
from tests.app.helpers import (assert_ran_cleanly, check_section_tabs, check_step_panel_numbers, figures, link_notes,
                               moved_step_panel, open_section, plotly_array, run_lesson, run_sections)

LESSON = page_for("pages/5_lstm.py")
CONTROL_SLIDERS = ["lstm_T", "lstm_H", "forget_bias", "lstm_in_scale", "lstm_rec_scale"]  # above the tabs
SECTION_SLIDERS = {"Faucets": CONTROL_SLIDERS + ["lstm_t", "lstm_unit"],                 # tab -> its sliders
                   "Gates over time": CONTROL_SLIDERS + ["lstm_maps_t", "lstm_maps_unit"],
                   "Gradient highway": CONTROL_SLIDERS + ["lstm_highway_unit"]}
SECTIONS = list(SECTION_SLIDERS)


def assert_only_tab_drawn(at, section):
    """The page is open on `section` and only that tab holds a chart (a closed tab is empty)."""
    assert [len(tab.get("plotly_chart")) for tab in at.tabs] == [int(title == section) for title in SECTIONS]


def core(preset="gap", T=40, H=4, bias=1.0, in_scale=1.0, rec_scale=1.0, seed=0):
    x = gated_preset(preset, T)
    lstm = make_cell("lstm", x.shape[1], H, seed=seed, gate_bias=bias, input_scale=in_scale, recurrent_scale=rec_scale)
    rnn = make_cell("rnn", x.shape[1], H, seed=seed, input_scale=in_scale, recurrent_scale=rec_scale)
    return lstm, lstm.unroll(x), rnn, rnn.unroll(x)


def test_defaults_show_the_core_numbers():
    runs = run_sections(LESSON)
    for at in runs:
        assert_ran_cleanly(at)
    faucet_at, _, highway_at = runs
    assert "LSTM" in faucet_at.title[0].value
    (faucet,), (heatmaps,), (highway,) = [figures(at) for at in runs]
    lstm, trace, rnn, rtrace = core()
    step, unit = 1, 3
    assert len(faucet["frames"]) == 40
    assert faucet["layout"]["sliders"][0]["active"] == step
    bars = {d["name"].split(":")[0]: plotly_array(d["y"]) for d in faucet["data"] if d["type"] == "bar"}
    np.testing.assert_allclose(bars["f"], trace.gates["f"][step])
    np.testing.assert_allclose(bars["i"], trace.gates["i"][step])
    text = " ".join(faucet["data"][5]["text"])
    assert f"forget f = {trace.gates['f'][step, unit]:.3f}" in text
    assert f"{trace.c[step, unit]:+.3f}" in text
    for k, name in enumerate(["i", "f", "g", "o"]):
        np.testing.assert_allclose(plotly_array(heatmaps["data"][k]["customdata"]), trace.gates[name].T)
    np.testing.assert_allclose(plotly_array(heatmaps["data"][4]["customdata"]), trace.c.T)
    lines = {d.get("name"): d for d in highway["data"]}
    np.testing.assert_allclose(plotly_array(lines[f"cell path ∏f, unit {unit}"]["y"]), 10.0 ** log10_highway(trace)[:, unit],
                               rtol=1e-10)
    rnn_line = next(d for d in highway["data"] if d.get("name", "").startswith("RNN"))
    np.testing.assert_allclose(plotly_array(rnn_line["y"]), 10.0 ** np.clip(log10_jacobian_norms(rnn, rtrace), -30, 30), rtol=1e-10)
    # the equations carry the same numbers
    latex = faucet_at.get("latex")[0].proto.body
    assert f"{trace.gates['o'][step, unit]:.3f}" in latex and f"{trace.h[step, unit]:.3f}" in latex
    metrics = [m.value for m in highway_at.metric]
    assert metrics[0].startswith(str(reach(log10_highway(trace)[:, unit])))


def test_forget_bias_changes_how_far_the_cell_path_reaches():
    low = run_lesson(LESSON, {"forget_bias": "-2", "lstm_part": "Gradient highway"})
    high = run_lesson(LESSON, {"forget_bias": "5", "lstm_part": "Gradient highway"})
    for at in (low, high):
        assert_ran_cleanly(at)
    reach_low = int(low.metric[0].value.split()[0])
    reach_high = int(high.metric[0].value.split()[0])
    assert reach_low < 5 and reach_high == 39


@pytest.mark.parametrize("section, key", [(section, key) for section, keys in SECTION_SLIDERS.items() for key in keys])
@pytest.mark.parametrize("end", ["min", "max"])
def test_every_slider_at_both_ends(section, key, end):
    at = run_lesson(LESSON, {"lstm_part": section})
    slider = at.slider(key=key)
    slider.set_value(getattr(slider, end)).run()
    assert_ran_cleanly(at)
    assert_only_tab_drawn(at, section)


def test_extreme_settings_together_show_overflow_safely():
    runs = run_sections(LESSON, {"lstm_T": "150", "lstm_H": "16", "lstm_rec_scale": "8", "lstm_in_scale": "4",
                                 "forget_bias": "-5", "lstm_input": "Words: let's meet for lunch"})
    for at in runs:
        assert_ran_cleanly(at)
    (faucet,), _, (highway,) = [figures(at) for at in runs]
    for d in highway["data"]:
        if d.get("y") is not None and d["y"] != [None]:
            assert np.all(np.isfinite(plotly_array(d["y"])))
    assert [f["name"] for f in faucet["frames"]] == [str(t) for t in range(MAX_FRAMES)]  # around step t = 1


def test_hand_set_memory_keeps_the_word():
    at = run_lesson(LESSON, {"lstm_hand": "true", "forget_bias": "5", "lstm_T": "60"})
    assert_ran_cleanly(at)
    table = at.dataframe[0].value
    lunch = table[table["latches"] == "lunch"]
    expected = hand_set_memory_lstm(4, 4, forget_bias=5.0).unroll(gated_preset("gap", 60)).c[-1, 3]
    assert float(lunch["c at step 59"].iloc[0]) == pytest.approx(expected)
    assert expected > 0.5
    assert all(table[table["latches"] != "lunch"]["c at step 59"] == 0.0)


def test_step_follows_a_shorter_sequence():
    at = run_lesson(LESSON, {"lstm_t": "30"})
    assert at.slider(key="lstm_t").value == 30
    at.slider(key="lstm_T").set_value(5).run()
    assert_ran_cleanly(at)
    assert at.slider(key="lstm_t").value == 4


def test_one_unit_and_hostile_links_are_handled():
    runs = run_sections(LESSON, {"lstm_H": "1", "lstm_T": "-7", "forget_bias": "nan", "lstm_input": "<script>",
                                 "lstm_rec_scale": "1e308", "lstm_seed": "abc", "lstm_t": "9999", "lstm_hand": "maybe"})
    for at in runs:
        assert_ran_cleanly(at)
    at = runs[0]
    assert at.slider(key="lstm_T").value == 2
    assert at.slider(key="forget_bias").value == 1.0
    assert at.slider(key="lstm_rec_scale").value == 8.0
    assert at.selectbox(key="lstm_input").value == "gap"
    assert at.slider(key="lstm_t").value == 1
    notes = " ".join(link_notes(at))
    assert "Sequence length" in notes and "Forget-gate bias" in notes and "<script>" not in notes
    assert [len(figures(at)) for at in runs] == [1, 1, 1]


def test_sections_are_tabs_and_only_the_open_one_runs():
    check_section_tabs(LESSON, SECTIONS, [1, 1, 1], "Highway<script>")
    for section, keys in SECTION_SLIDERS.items():
        at = run_lesson(LESSON, {"lstm_part": section, "lstm_T": "12"})
        assert [slider.key for slider in at.slider] == keys and at.slider(key="lstm_T").value == 12


def test_step_panels_follow_their_sliders():
    """Each tab's panel is an st.fragment: its step and unit sliders redraw the faucets, equations and code, the
    outlined square of the gate maps, and the highway of the unit with its metrics."""
    step, unit = 7, 2
    lstm, trace, _, _ = core()
    at = moved_step_panel(LESSON, "lstm", "Faucets", {"lstm_t": step, "lstm_unit": unit})
    (faucet,) = figures(at)
    assert faucet["layout"]["sliders"][0]["active"] == step
    bars = {d["name"].split(":")[0]: plotly_array(d["y"]) for d in faucet["data"] if d["type"] == "bar"}
    np.testing.assert_allclose(bars["f"], trace.gates["f"][step])
    text = " ".join(faucet["data"][5]["text"])
    assert f"forget f = {trace.gates['f'][step, unit]:.3f}" in text and f"{trace.c[step, unit]:+.3f}" in text
    v = step_values(trace, step, unit)
    check_step_panel_numbers(at, LESSON, "lstm", {name: v[name] for name in ("i", "f", "g", "o", "c", "h")}, "c",
                             step, unit)
    at = moved_step_panel(LESSON, "lstm", "Gradient highway", {"lstm_highway_unit": unit})
    (highway,) = figures(at)
    lines = {d.get("name"): d for d in highway["data"]}
    np.testing.assert_allclose(plotly_array(lines[f"cell path ∏f, unit {unit}"]["y"]),
                               10.0 ** log10_highway(trace)[:, unit], rtol=1e-10)
    assert at.metric[0].value.startswith(str(reach(log10_highway(trace)[:, unit])))
    assert at.metric[2].value == f"{np.mean(trace.gates['f'][:, unit]):.3f}"


def test_step_and_unit_carry_from_tab_to_tab():
    """Each tab's step and unit sliders exist only while it is open; a newly opened tab starts on the lesson's
    last choice (clamped to its range), and a link's own value wins."""
    at = run_lesson(LESSON)
    at.slider(key="lstm_t").set_value(6)
    at.slider(key="lstm_unit").set_value(2)
    at.run()
    open_section(at, "lstm_part", "Gates over time")
    assert (at.slider(key="lstm_maps_t").value, at.slider(key="lstm_maps_unit").value) == (6, 2)
    outline = figures(at)[0]["layout"]["shapes"][0]
    assert (outline["x0"], outline["y0"]) == (5.5, 1.5)
    open_section(at, "lstm_part", "Gradient highway")
    assert at.slider(key="lstm_highway_unit").value == 2
    at.slider(key="lstm_highway_unit").set_value(0).run()
    open_section(at, "lstm_part", "Faucets")
    assert (at.slider(key="lstm_t").value, at.slider(key="lstm_unit").value) == (6, 0)
    at.slider(key="lstm_T").set_value(4).run()           # a shorter sequence clamps the step
    assert at.slider(key="lstm_t").value == 3
    open_section(at, "lstm_part", "Gates over time")
    assert (at.slider(key="lstm_maps_t").value, at.slider(key="lstm_maps_unit").value) == (3, 0)
    assert_ran_cleanly(at)
    linked = run_lesson(LESSON, {"lstm_part": "Gates over time", "lstm_maps_t": "9"})
    assert linked.slider(key="lstm_maps_t").value == 9

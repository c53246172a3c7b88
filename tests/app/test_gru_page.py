"""Lesson 6 (GRU) through AppTest: defaults, every control at its ends, hostile links, numbers = core."""

import numpy as np
import pytest

from app.course import page_for
from app.figures.gates import MAX_FRAMES
from rnn_core.gated import (comparison_rows, gated_preset, gradient_comparison, hand_set_memory_gru, make_cell,
                            step_values)
from tests.app.helpers import (assert_ran_cleanly, check_section_tabs, check_step_panel_numbers, figures, link_notes,
                               moved_step_panel, plotly_array, run_lesson, run_sections)

LESSON = page_for("pages/6_gru.py")
CONTROL_SLIDERS = ["gru_T", "gru_H", "update_bias", "gru_in_scale", "gru_rec_scale"]  # above the tabs
SECTION_SLIDERS = {"Faucets": CONTROL_SLIDERS + ["gru_t", "gru_unit"],                 # tab -> its sliders
                   "Gates over time": CONTROL_SLIDERS + ["gru_maps_t", "gru_maps_unit"],
                   "Cells compared": CONTROL_SLIDERS}
SECTIONS = list(SECTION_SLIDERS)


def assert_only_tab_drawn(at, section):
    """The page is open on `section` and only that tab holds a chart (a closed tab is empty)."""
    assert [len(tab.get("plotly_chart")) for tab in at.tabs] == [int(title == section) for title in SECTIONS]


def test_defaults_show_the_core_numbers():
    runs = run_sections(LESSON)
    for at in runs:
        assert_ran_cleanly(at)
    faucet_at, _, compared_at = runs
    assert "GRU" in faucet_at.title[0].value
    (faucet,), (heatmaps,), (gradients,) = [figures(at) for at in runs]
    x = gated_preset("gap", 40)
    trace = make_cell("gru", 4, 4, seed=0, gate_bias=1.0).unroll(x)
    step, unit = 1, 3
    assert len(faucet["frames"]) == 40
    text = " ".join(faucet["data"][4]["text"])
    assert f"update z = {trace.gates['z'][step, unit]:.3f}" in text
    assert f"reset r = {trace.gates['r'][step, unit]:.3f}" in text
    bars = {d["name"].split(":")[0]: plotly_array(d["y"]) for d in faucet["data"] if d["type"] == "bar"}
    np.testing.assert_allclose(bars["z"], trace.gates["z"][step])
    for k, name in enumerate(["r", "z", "n"]):
        np.testing.assert_allclose(plotly_array(heatmaps["data"][k]["customdata"]), trace.gates[name].T)
    np.testing.assert_allclose(plotly_array(heatmaps["data"][3]["customdata"]), trace.h.T)
    norms = gradient_comparison(4, 4, x, seed=0, lstm_bias=1.0, gru_bias=1.0)
    for d, kind in zip(gradients["data"], ("rnn", "lstm", "gru")):
        np.testing.assert_allclose(plotly_array(d["y"]), norms[kind], rtol=1e-10)
    latex = faucet_at.get("latex")[0].proto.body
    assert f"{trace.gates['n'][step, unit]:.3f}" in latex and f"{trace.h[step, unit]:.3f}" in latex
    table = compared_at.table[0].value
    assert list(table["parameters"]) == [r["parameters"] for r in comparison_rows(4, 4)] == [40, 160, 120]
    assert list(table["gates"]) == [0, 3, 2]


def test_update_bias_changes_how_far_the_gru_gradient_reaches():
    low, high = (run_lesson(LESSON, {"update_bias": bias, "gru_part": "Cells compared"}) for bias in ("-3", "5"))
    for at in (low, high):
        assert_ran_cleanly(at)
    gru_low, gru_high = (int(at.metric[2].value.split()[0]) for at in (low, high))
    assert gru_low < 10 < 30 < gru_high


@pytest.mark.parametrize("section, key", [(section, key) for section, keys in SECTION_SLIDERS.items() for key in keys])
@pytest.mark.parametrize("end", ["min", "max"])
def test_every_slider_at_both_ends(section, key, end):
    at = run_lesson(LESSON, {"gru_part": section})
    slider = at.slider(key=key)
    slider.set_value(getattr(slider, end)).run()
    assert_ran_cleanly(at)
    assert_only_tab_drawn(at, section)


def test_extreme_settings_together():
    runs = run_sections(LESSON, {"gru_T": "150", "gru_H": "16", "gru_rec_scale": "8", "gru_in_scale": "4",
                                 "update_bias": "5", "gru_input": "Sine wave"})
    for at in runs:
        assert_ran_cleanly(at)
    (faucet,), _, (gradients,) = [figures(at) for at in runs]
    assert [f["name"] for f in faucet["frames"]] == [str(t) for t in range(MAX_FRAMES)]  # around step t = 1
    for d in gradients["data"]:
        assert np.all(np.isfinite(plotly_array(d["y"])))


def test_hand_set_memory_keeps_the_word():
    at = run_lesson(LESSON, {"gru_hand": "true", "update_bias": "5", "gru_T": "60", "gru_t": "59"})
    assert_ran_cleanly(at)
    faucet = figures(at)[0]
    assert [f["name"] for f in faucet["frames"]] == [str(t) for t in range(60 - MAX_FRAMES, 60)]
    trace = hand_set_memory_gru(4, 4, update_bias=5.0).unroll(gated_preset("gap", 60))
    assert trace.h[-1, 3] > 0.5
    last = " ".join(faucet["frames"][-1]["data"][4]["text"])
    assert f"{trace.h[-1, 3]:+.3f}" in last


def test_hostile_links_are_handled():
    at = run_lesson(LESSON, {"gru_H": "999", "gru_T": "1", "update_bias": "-inf", "gru_input": "**bold**",
                             "gru_unit": "-4", "gru_hand": "2"})
    assert_ran_cleanly(at)
    assert at.slider(key="gru_H").value == 16
    assert at.slider(key="gru_T").value == 2
    assert at.slider(key="update_bias").value == 1.0
    assert at.slider(key="gru_unit").value == 0
    assert at.selectbox(key="gru_input").value == "gap"
    notes = " ".join(link_notes(at))
    assert "Hidden size" in notes and "**bold**" not in notes


def test_sections_are_tabs_and_only_the_open_one_runs():
    check_section_tabs(LESSON, SECTIONS, [1, 1, 1], "cells compared")
    for section, keys in SECTION_SLIDERS.items():
        at = run_lesson(LESSON, {"gru_part": section, "gru_T": "12"})
        assert [slider.key for slider in at.slider] == keys and at.slider(key="gru_T").value == 12


def test_step_panels_follow_their_sliders():
    """Each tab's panel is an st.fragment: its step and unit sliders redraw the faucets, equations and code, and
    the outlined square of the gate maps."""
    step, unit = 7, 2
    trace = make_cell("gru", 4, 4, seed=0, gate_bias=1.0).unroll(gated_preset("gap", 40))
    at = moved_step_panel(LESSON, "gru", "Faucets", {"gru_t": step, "gru_unit": unit})
    (faucet,) = figures(at)
    assert faucet["layout"]["sliders"][0]["active"] == step
    bars = {d["name"].split(":")[0]: plotly_array(d["y"]) for d in faucet["data"] if d["type"] == "bar"}
    np.testing.assert_allclose(bars["z"], trace.gates["z"][step])
    text = " ".join(faucet["data"][4]["text"])
    assert f"update z = {trace.gates['z'][step, unit]:.3f}" in text
    assert f"reset r = {trace.gates['r'][step, unit]:.3f}" in text
    v = step_values(trace, step, unit)
    check_step_panel_numbers(at, LESSON, "gru", {name: v[name] for name in ("r", "z", "n", "h")}, "h", step, unit)

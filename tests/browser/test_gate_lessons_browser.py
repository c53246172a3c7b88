"""Lessons 5 (LSTM) and 6 (GRU) in headless Chromium: Play the faucets, move every slider, no exceptions."""

import re

import pytest

from rnn_core.gated import gated_preset, make_cell
from tests.browser.helpers import (assert_no_exception, move_slider, open_page, open_tab, record_reruns, press_play,
                                   screenshot, share_link, slider, slider_value, wait_for_run)

LESSONS = {
    "lstm": ["Sequence length T", "Hidden size H", "Forget-gate bias b_f", "Input weight scale",
             "Recurrent weight scale", "Step t", "Unit j"],
    "gru": ["Sequence length T", "Hidden size H", "Update-gate bias b_z", "Input weight scale",
            "Recurrent weight scale", "Step t", "Unit j"],
}
OUTLINE = "[data-testid=stPlotlyChart] g.shapelayer path"  # the gate maps' square around unit j at step t
# The tabs after the first (Faucets, where the sliders above are), each with its own panel's sliders.
LATER_TABS = {
    "lstm": {"Gates over time": ["Step t", "Unit j"], "Gradient highway": ["Unit j"]},
    "gru": {"Gates over time": ["Step t", "Unit j"], "Cells compared": []},
}


def animation_step(page, chart=0):
    """The step shown by the Plotly slider of a chart ("step t = 7" -> 7)."""
    figure = page.locator("[data-testid=stPlotlyChart]").nth(chart)
    text = figure.locator("g.slider-container text").filter(has_text="step t =").first.text_content()
    return int(re.search(r"(\d+)", text).group(1))


def chart_count(page):
    """How many charts the page draws, once the first has been drawn (Plotly draws after the run ends)."""
    charts = page.locator("[data-testid=stPlotlyChart]")
    charts.locator("svg.main-svg").first.wait_for(timeout=30_000)
    return charts.count()


def metric_steps(page, index):
    value = page.locator("[data-testid=stMetricValue]").nth(index).inner_text()
    return int(value.split()[0])


@pytest.mark.parametrize("name", list(LESSONS))
def test_play_the_faucets_and_move_every_slider(page, server, name):
    open_page(page, f"{server}/{name}")
    assert_no_exception(page)
    assert name.upper() in page.locator("h1").first.inner_text()
    assert chart_count(page) == 1                                 # only the open section (Faucets) is drawn
    screenshot(page, f"{name}_default")

    start = animation_step(page)
    press_play(page)
    page.wait_for_timeout(2500)
    assert animation_step(page) > start, "Play did not advance the animation"
    figure = page.locator("[data-testid=stPlotlyChart]").nth(0)
    figure.locator("g.updatemenu-button").filter(has_text="Pause").click()
    paused = animation_step(page)
    page.wait_for_timeout(1500)
    assert animation_step(page) == paused, "Pause did not stop the animation"
    assert_no_exception(page)
    figure.screenshot(path=str(screenshot(page, f"{name}_played").with_name(f"{name}_faucet_played.png")))

    for label in LESSONS[name]:
        before = slider_value(page, label)
        move_slider(page, label, 3)
        assert_no_exception(page)
        assert slider_value(page, label) != before, f"{label} did not move"
    move_slider(page, "Step t", -10)
    assert_no_exception(page)
    screenshot(page, f"{name}_sliders_moved")
    chosen = {label: slider_value(page, label) for label in ("Step t", "Unit j")}
    for title, panel_sliders in LATER_TABS[name].items():
        open_tab(page, title)
        assert_no_exception(page)
        assert f"{name}_part=" in page.url and chart_count(page) == 1
        for label in panel_sliders:
            before = slider_value(page, label)
            assert before == chosen[label], f"{label} did not carry over to {title}"
            at_top = int(before) == int(slider(page, label).get_attribute("max"))
            move_slider(page, label, -3 if at_top else 3)
            chosen[label] = slider_value(page, label)
            assert_no_exception(page)
            assert slider_value(page, label) != before, f"{label} did not move in {title}"
        screenshot(page, f"{name}_sliders_moved_{title.lower().replace(' ', '_')}")


def test_forget_bias_moves_the_reach_of_the_cell_path(page, server):
    open_page(page, f"{server}/lstm?forget_bias=0.0&lstm_T=60&lstm_part=Gradient+highway")
    reach_low = metric_steps(page, 0)
    move_slider(page, "Forget-gate bias b_f", 10)               # 0 -> 5
    assert slider_value(page, "Forget-gate bias b_f").startswith("5")
    reach_high = metric_steps(page, 0)
    assert reach_low < 15 and reach_high == 59
    assert_no_exception(page)
    screenshot(page, "lstm_forget_bias_5")


@pytest.mark.parametrize("name", list(LESSONS))
def test_hand_set_memory_toggle(page, server, name):
    bias = "forget_bias" if name == "lstm" else "update_bias"
    open_page(page, f"{server}/{name}?{name}_T=80&{bias}=5.0")
    assert page.get_by_text("Hand-set weights ignore").count() == 0
    page.get_by_text("Hand-set memory weights", exact=True).click()
    wait_for_run(page)
    assert_no_exception(page)
    assert page.get_by_text("Hand-set weights ignore").count() == 1
    move_slider(page, "Step t", 60)
    assert_no_exception(page)
    page.locator("[data-testid=stPlotlyChart]").nth(0).screenshot(
        path=str(screenshot(page, f"{name}_hand_set").with_name(f"{name}_hand_set_faucet.png")))



@pytest.mark.parametrize("name", list(LESSONS))
def test_step_slider_reruns_only_the_step_panel(page, server, name):
    reruns = record_reruns(page)
    open_page(page, f"{server}/{name}")
    faucet = page.locator("[data-testid=stPlotlyChart]").nth(0)
    before = faucet.text_content()
    assert animation_step(page) == 1

    move_slider(page, "Step t", 3)                               # 1 -> 4
    assert_no_exception(page)
    assert slider_value(page, "Step t") == "4"
    assert reruns[-1], "the step slider reran the whole page, not its fragment"
    assert animation_step(page) == 4
    trace = make_cell(name, 4, 4, seed=0, gate_bias=1.0).unroll(gated_preset("gap", 40))
    gate, label = ("f", "forget f") if name == "lstm" else ("z", "update z")
    after = faucet.text_content()
    assert after != before, "the faucet drawing did not change"
    assert f"{label} = {trace.gates[gate][4, 3]:.3f}" in after
    assert page.get_by_text("Unit 3 at step 4, with the numbers").count() == 1
    path = screenshot(page, f"{name}_step_panel_fragment")
    faucet.screenshot(path=str(path.with_name(f"{name}_step_panel_fragment_faucet.png")))

    open_tab(page, "Gates over time")            # the gate maps' own step slider, carried over from the faucets
    assert slider_value(page, "Step t") == "4" and slider_value(page, "Unit j") == "3"
    page.wait_for_function("key => location.search.includes(key)", arg=f"{name}_maps_t=4",
                           timeout=10_000)                       # the carried step is in the address too
    before = page.locator(OUTLINE).first.get_attribute("d")
    del reruns[:]
    move_slider(page, "Step t", 1)                               # 4 -> 5
    assert_no_exception(page)
    assert slider_value(page, "Step t") == "5" and f"{name}_maps_t=5" in page.url
    page.wait_for_function("([outline, d]) => document.querySelector(outline).getAttribute('d') !== d",
                           arg=[OUTLINE, before])                  # the outlined square moved to step 5
    assert reruns and all(reruns), reruns                         # every rerun was the gate maps' fragment
    screenshot(page, f"{name}_gate_maps_fragment")
    open_tab(page, "Faucets")                                     # and back: the faucets follow the maps
    assert slider_value(page, "Step t") == "5" and animation_step(page) == 5
    assert f"{name}_t=5" in share_link(page)
    move_slider(page, "Sequence length T", 1)                     # a longer sequence: the step stays where it is
    assert_no_exception(page)
    assert slider_value(page, "Step t") == "5" and animation_step(page) == 5
    assert page.get_by_text("Unit 3 at step 5, with the numbers").count() == 1

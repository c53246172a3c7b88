"""Lessons 5 (LSTM) and 6 (GRU) in headless Chromium: Play the cell drawings (the numbers follow the frames),
click a gate, move every control of every tab, one Step t and one Unit j across tabs and in the link, and every
tab looked at on a projector (1280 x 720, presenting) and on a phone (390 x 844)."""

import re

import pytest

from app import lesson as kit
from rnn_core.gated import gated_preset, make_cell, step_values
from tests.browser.helpers import (SCREENSHOTS, assert_no_exception, move_slider, open_page, open_tab, press_play,
                                   record_reruns, screenshot, share_link, slider, slider_value, wait_for_run)
from tests.browser.room import measure, smallest

TABS = {"lstm": ["Cell and faucets", "Gates over time", "Gradient highway"],
        "gru": ["Cell and faucets", "Gates over time", "Cells compared"]}
SLIDERS = {  # the sliders each tab shows in its box
    "lstm": {"Cell and faucets": ["Sequence length T", "Hidden size H", "Forget-gate bias b_f", "Step t", "Unit j"],
             "Gates over time": ["Sequence length T", "Hidden size H", "Forget-gate bias b_f", "Step t", "Unit j"],
             "Gradient highway": ["Sequence length T", "Hidden size H", "Forget-gate bias b_f", "Unit j",
                                  "Recurrent weight scale κ"]},
    "gru": {"Cell and faucets": ["Sequence length T", "Hidden size H", "Update-gate bias b_z", "Step t", "Unit j"],
            "Gates over time": ["Sequence length T", "Hidden size H", "Update-gate bias b_z", "Step t", "Unit j"],
            "Cells compared": ["Sequence length T", "Hidden size H", "Update-gate bias b_z",
                               "Recurrent weight scale κ"]},
}
HIGHLIGHT = {"lstm": "f", "gru": "z"}
CHART = "[data-testid=stPlotlyChart]"


def animation_step(page, chart=0):
    """The step shown by the Plotly slider of a chart ("step t = 7" -> 7)."""
    figure = page.locator(CHART).nth(chart)
    text = figure.locator("g.slider-container text").filter(has_text="step t =").first.text_content()
    return int(re.search(r"(\d+)", text).group(1))


def text_lines(page, chart=0):
    """Every line of text of the chart's two-line labels (SVG tspan.line), in order."""
    return [line.replace("\u200b", "") for line in
            page.locator(CHART).nth(chart).locator("svg text tspan.line").all_text_contents()]


def equation(page):
    """The two lines of the equation under the drawings ('f2 = σ(...)', '= σ(1.000 + 0.052) = 0.741')."""
    lines = text_lines(page)
    k = max(i for i, line in enumerate(lines) if line.startswith("= "))
    return lines[k - 1], lines[k]


def wait_for_charts(page):
    page.locator(CHART).locator("svg.main-svg").first.wait_for(timeout=30_000)


def click_data_point(page, x, y, xaxis="x", yaxis="y"):
    """Click the cell figure at data coordinates (x, y) of the given axes."""
    page.locator(CHART).first.scroll_into_view_if_needed()
    page.evaluate("""([x, y, xa, ya]) => {
        const gd = document.querySelector('[data-testid=stPlotlyChart] .js-plotly-plot');
        const L = gd._fullLayout, box = gd.getBoundingClientRect();
        const top = box.top + L[ya]._offset + L[ya].l2p(y);
        document.querySelector('[data-testid=stMain]').scrollBy(0, top - 300); }""",
                  [x, y, xaxis.replace("x", "xaxis"), yaxis.replace("y", "yaxis")])
    page.wait_for_timeout(300)
    where = page.evaluate(
        """([x, y, xa, ya]) => { const gd = document.querySelector('[data-testid=stPlotlyChart] .js-plotly-plot');
            const L = gd._fullLayout, xaxis = L[xa], yaxis = L[ya], box = gd.getBoundingClientRect();
            return [box.left + xaxis._offset + xaxis.l2p(x), box.top + yaxis._offset + yaxis.l2p(y)]; }""",
        [x, y, xaxis.replace("x", "xaxis"), yaxis.replace("y", "yaxis")])
    page.mouse.move(*where)
    page.wait_for_timeout(300)
    page.mouse.click(*where)


@pytest.mark.parametrize("name", list(TABS))
def test_play_and_the_numbers_follow_the_frames(page, server, name):
    open_page(page, f"{server}/{name}")
    assert_no_exception(page)
    wait_for_charts(page)
    assert name.upper() in page.locator("h1").first.inner_text()
    assert page.locator(CHART).count() == 1                      # only the open tab is drawn
    trace = make_cell(name, 4, 4, seed=0, gate_bias=1.0).unroll(gated_preset("gap", 40))
    gate = HIGHLIGHT[name]
    assert animation_step(page) == 2
    assert equation(page)[1].endswith(f"{step_values(trace, 1, 3)[gate]:.3f}")
    press_play(page)
    page.wait_for_timeout(2500)
    figure = page.locator(CHART).nth(0)
    figure.locator("g.updatemenu-button").filter(has_text="Pause").click()
    page.wait_for_timeout(400)
    t = animation_step(page)
    assert t > 2, "Play did not advance the animation"
    first, numbers = equation(page)
    assert first.startswith(f"{gate}{t} = ") and numbers.endswith(f"{step_values(trace, t - 1, 3)[gate]:.3f}"
                                                                    .replace("-", "−"))
    page.wait_for_timeout(1500)
    assert animation_step(page) == t, "Pause did not stop the animation"
    assert_no_exception(page)
    figure.screenshot(path=str(screenshot(page, f"{name}_played").with_name(f"{name}_cell_played.png")))


@pytest.mark.parametrize("name, target", [("lstm", ("o", 8.3, 2.1, "x", "y")), ("lstm", ("i", 5.95, 3.2, "x2", "y2")),
                                          ("gru", ("r", 2.4, 2.1, "x", "y"))])
def test_a_click_on_a_gate_highlights_it(page, server, name, target):
    gate, x, y, xaxis, yaxis = target
    open_page(page, f"{server}/{name}")
    wait_for_charts(page)
    click_data_point(page, x, y, xaxis, yaxis)
    wait_for_run(page)
    page.wait_for_function("key => location.search.includes(key)", arg=f"{name}_gate={gate}", timeout=30_000)
    assert_no_exception(page)
    assert equation(page)[0].startswith(f"{gate}2 = ")                 # its equation, at step 2
    screenshot(page, f"{name}_clicked_{gate}")


@pytest.mark.parametrize("name", list(TABS))
def test_every_tab_moves_its_sliders(page, server, name):
    for title in TABS[name]:
        open_page(page, f"{server}/{name}?{name}_part={title.replace(' ', '+')}")
        assert_no_exception(page)
        wait_for_charts(page)
        for label in SLIDERS[name][title]:
            before = slider_value(page, label)
            at_top = float(before) >= float(slider(page, label).get_attribute("max"))
            move_slider(page, label, -2 if at_top else 2)
            assert_no_exception(page)
            assert slider_value(page, label) != before, f"{label} did not move on {title}"
        screenshot(page, f"{name}_sliders_moved_{title.lower().replace(' ', '_')}")


@pytest.mark.parametrize("name", list(TABS))
def test_one_step_and_one_unit_across_tabs_and_in_the_link(page, server, name):
    reruns = record_reruns(page)
    open_page(page, f"{server}/{name}")
    wait_for_charts(page)
    del reruns[:]
    move_slider(page, "Step t", 3)                               # 2 -> 5
    assert_no_exception(page)
    assert slider_value(page, "Step t") == "5" and animation_step(page) == 5
    assert reruns and all(reruns), "the step slider reran the whole page, not the lesson's fragment"
    move_slider(page, "Unit j", -2)                              # 4 -> 2
    assert slider_value(page, "Unit j") == "2"
    open_tab(page, "Gates over time")
    wait_for_charts(page)
    assert slider_value(page, "Step t") == "5" and slider_value(page, "Unit j") == "2"
    assert f"{name}_t=5" in page.url and f"{name}_unit=2" in page.url
    open_tab(page, TABS[name][2])                                # the third tab hides Step t, keeps its value
    assert slider(page, "Step t").count() == 0 or not slider(page, "Step t").is_visible()
    assert f"{name}_t=5" in share_link(page)
    open_tab(page, "Cell and faucets")
    wait_for_charts(page)
    assert slider_value(page, "Step t") == "5" and animation_step(page) == 5
    move_slider(page, "Sequence length T", 1)                    # a longer sequence keeps the step
    assert slider_value(page, "Step t") == "5" and animation_step(page) == 5
    assert_no_exception(page)


def test_forget_bias_moves_the_reach_of_the_cell_path(page, server):
    open_page(page, f"{server}/lstm?forget_bias=0.0&lstm_T=60&lstm_part=Gradient+highway")
    reach_low = int(page.locator("[data-testid=stMetricValue]").nth(0).inner_text().split()[0])
    move_slider(page, "Forget-gate bias b_f", 10)               # 0 -> 5
    assert slider_value(page, "Forget-gate bias b_f").startswith("5")
    reach_high = int(page.locator("[data-testid=stMetricValue]").nth(0).inner_text().split()[0])
    assert reach_low < 15 and reach_high == 59
    page.get_by_text("Hand-set memory weights", exact=True).click()
    wait_for_run(page)
    assert_no_exception(page)
    assert page.get_by_text("Across a 100-step gap").count() == 1
    screenshot(page, "lstm_highway_hand_set")


@pytest.mark.parametrize("name", list(TABS))
def test_every_tab_on_a_projector_and_on_a_phone(browser, server, name):
    """Looked at as the room sees it: chart text at least 16 px and the drawing starting within the top 540 px
    when presenting at 1280 x 720; nothing sideways on a 390 px phone. Screenshots of every tab."""
    projector = browser.new_page(viewport={"width": 1280, "height": 720})
    phone = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    for title in TABS[name]:
        query = f"{name}_part={title.replace(' ', '+')}"
        open_page(projector, f"{server}/{name}?{query}&present=1")
        wait_for_charts(projector)                               # a tab opened by its link draws after a rerun
        assert_no_exception(projector)
        seen = measure(projector)
        assert smallest(seen["chartText"])[0] >= kit.PRESENT_FONT, (title, smallest(seen["chartText"]))
        assert seen["firstFigureTop"] is not None and seen["firstFigureTop"] <= 540, (title, seen["firstFigureTop"])
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)          # what the room sees: the 1280 x 720 view
        projector.screenshot(path=str(SCREENSHOTS / f"{name}_present_{title.lower().replace(' ', '_')}.png"))
        open_page(phone, f"{server}/{name}?{query}")
        wait_for_charts(phone)
        assert_no_exception(phone)
        seen = measure(phone)
        assert seen["sideways"] <= 1, (title, seen["sideways"])
        assert smallest(seen["chartText"])[0] >= kit.NORMAL_FONT
        screenshot(phone, f"{name}_phone_{title.lower().replace(' ', '_')}")
    projector.close()
    phone.close()

"""Lesson 7 (memory lab) in headless Chromium: every tab, Train with live progress, a second student waiting for the
same run with the time left, typed sentences and the sentence at the trained gap, recompute a gap."""

import re

from tests.browser.helpers import (assert_no_exception, move_slider, open_page, open_tab, screenshot, share_link,
                                   slider_value, wait_for_run)

SMALL = "lab_gap=3&lab_steps=50&lab_hidden=6&lab_seed=5"
TRAIN_SLIDERS = ["Gap (filler words)", "Training updates (at most)", "Forget-gate bias b_f", "Update-gate bias b_z"]


def metrics(page):
    return page.locator("[data-testid=stMetricValue]").all_inner_texts()


def click_button(page, label):
    page.get_by_role("button", name=label, exact=True).click()
    wait_for_run(page, timeout=240_000)


def charts(page, expected=None):
    """The page's charts; with ``expected``, once that many are drawn (Plotly mounts a moment after the run)."""
    if expected:
        page.wait_for_function(f"() => document.querySelectorAll('[data-testid=stPlotlyChart]').length >= {expected}",
                               timeout=30_000)
    return page.locator("[data-testid=stPlotlyChart]")


def test_every_tab_train_then_ask_then_look_inside(page, server):
    open_page(page, f"{server}/memory_lab?{SMALL}")
    assert_no_exception(page)
    assert "Memory lab" in page.locator("h1").first.inner_text()
    assert charts(page, 1).count() == 1                  # the stored chart, at once
    before = slider_value(page, "Longest gap shown")
    move_slider(page, "Longest gap shown", 2)
    assert slider_value(page, "Longest gap shown") != before
    screenshot(page, "memory_lab_gap")

    open_tab(page, "Train")
    assert_no_exception(page)
    for label in TRAIN_SLIDERS:
        before = slider_value(page, label)
        move_slider(page, label, 2)
        assert_no_exception(page)
        assert slider_value(page, label) != before, f"{label} did not move"
    move_slider(page, "Gap (filler words)", -2)
    move_slider(page, "Training updates (at most)", -2)
    page.get_by_text("Train the GRU", exact=True).click()   # switch the GRU off
    wait_for_run(page)
    click_button(page, "Train")
    assert_no_exception(page)
    values = metrics(page)
    assert len(values) == 2 and all(v.endswith("%") for v in values)
    assert charts(page, 1).count() == 1
    screenshot(page, "memory_lab_trained")

    open_tab(page, "Ask the models")
    assert_no_exception(page)
    assert charts(page, 2).count() == 2
    assert page.get_by_text("then 11 filler words", exact=False).count() == 1
    click_button(page, "Use a sentence at the trained gap (3 filler words)")
    assert_no_exception(page)
    box = page.get_by_label("Type a sentence from the vocabulary", exact=True)
    assert len(box.input_value().split()) == 1 + 3 + 3
    assert page.get_by_text("yours has exactly that shape", exact=False).count() == 1
    screenshot(page, "memory_lab_ask")

    open_tab(page, "Inside the LSTM")
    assert_no_exception(page)
    assert charts(page, 2).count() == 2
    assert re.fullmatch(r"Unit \d+: one of the units that carry the context word|Unit \d+ carries the context word",
                        page.locator("h3").filter(has_text="context word").inner_text())
    screenshot(page, "memory_lab_inside")


def test_a_second_student_waits_for_the_same_run_and_sees_the_time_left(browser, server):
    """Training that takes several seconds (an LSTM whose forget gate starts closed never stops early): the first
    student presses Train; the second opens the same settings and sees the run's progress with the time left."""
    query = "lab_part=Train&lab_gap=60&lab_steps=2000&lab_hidden=16&lab_seed=21&lab_forget_bias=-3&lab_rnn=false" \
            "&lab_gru=false"
    first, second = (browser.new_context(viewport={"width": 1400, "height": 1000}) for _ in range(2))
    try:
        teacher, student = first.new_page(), second.new_page()
        open_page(teacher, f"{server}/memory_lab?{query}")
        teacher.get_by_role("button", name="Train", exact=True).click()
        bar = teacher.locator("[data-testid=stProgress]")
        bar.wait_for(timeout=30_000)
        teacher.wait_for_function("() => /left/.test(document.querySelector('[data-testid=stProgress]')?.innerText)",
                                  timeout=60_000)
        student.goto(f"{server}/memory_lab?{query}")
        shared = student.locator("[data-testid=stProgress]")
        shared.wait_for(timeout=30_000)
        text = student.wait_for_function(
            "() => { const p = document.querySelector('[data-testid=stProgress]'); "
            "return p && /other session/.test(p.innerText) ? p.innerText : null; }", timeout=30_000).json_value()
        assert re.search(r"LSTM at update \d+ of 2000", text), text
        assert re.search(r"about \d+ s left|about \d+ min \d+ s left|almost done", text), text
        assert "1 other session on this server waits for the same run" in text, text
        screenshot(student, "memory_lab_second_student_waiting")
        first.close()                                    # the teacher's page is closed: no longer counted, the run goes on
        student.wait_for_function(
            "() => { const p = document.querySelector('[data-testid=stProgress]'); "
            "return !p || (/left|almost/.test(p.innerText) && !/other session/.test(p.innerText)); }", timeout=60_000)
        student.locator("[data-testid=stMetricValue]").wait_for(timeout=240_000)
        assert_no_exception(student)
        assert len(metrics(student)) == 1
    finally:
        first.close()
        second.close()


def test_type_an_unknown_word_then_a_good_sentence(page, server):
    open_page(page, f"{server}/memory_lab?{SMALL}&lab_rnn=false&lab_gru=false&lab_part=Train")
    click_button(page, "Train")
    open_tab(page, "Ask the models")
    box = page.get_by_label("Type a sentence from the vocabulary", exact=True)
    box.fill("evening we eat pizza let's meet for")
    box.press("Enter")
    wait_for_run(page)
    assert_no_exception(page)
    warning = page.locator("[data-testid=stAlert]").filter(has_text="pizza")
    assert warning.count() == 1
    assert "breakfast" not in warning.inner_text() and "afternoon" in warning.inner_text()
    screenshot(page, "memory_lab_unknown_word")
    box.fill("evening so we could talk let's meet for")
    box.press("Enter")
    wait_for_run(page)
    assert_no_exception(page)
    assert page.locator("[data-testid=stAlert]").filter(has_text="pizza").count() == 0
    assert page.get_by_text("then 4 filler words", exact=False).count() == 1
    assert "lab_sentence=evening+so+we+could+talk+let%27s+meet+for" in share_link(page)


def test_recompute_a_gap_live(page, server):
    open_page(page, f"{server}/memory_lab?lab_shown_gap=0")
    click_button(page, "Recompute gap 0")
    assert_no_exception(page)
    chart = charts(page, 1).first
    assert chart.locator("g.trace").count() >= 8          # four stored lines and four fresh points
    chart.screenshot(path=str(screenshot(page, "memory_lab_recomputed").with_name("memory_lab_vs_gap.png")))


def test_on_a_phone_no_equation_or_chart_runs_off_the_screen(browser, server):
    """390 x 844: the Train tab's equations are inline math that wraps, its two charts keep their own axes."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    try:
        page = context.new_page()
        open_page(page, f"{server}/memory_lab?{SMALL}&lab_part=Train")
        click_button(page, "Train")
        charts(page, 1)
        wide = page.evaluate("""() => [...document.querySelectorAll('[data-testid=stMain] .katex-display, '
            + '[data-testid=stMain] .stMarkdown')].filter(e => e.scrollWidth > e.clientWidth + 1).length""")
        assert wide == 0
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
        # the right chart's percentages are on its right: they cannot run over the left chart
        ticks = page.locator("[data-testid=stPlotlyChart] g.y2tick text").all()
        left_plot = page.locator("[data-testid=stPlotlyChart] g.draglayer g.xy rect.nsewdrag").first
        right_edge = left_plot.bounding_box()["x"] + left_plot.bounding_box()["width"]
        assert ticks and all(tick.bounding_box()["x"] > right_edge for tick in ticks)
        screenshot(page, "memory_lab_train_phone")
    finally:
        context.close()

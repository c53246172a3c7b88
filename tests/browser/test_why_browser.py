"""Lesson 1 in headless Chromium: every tab opened, sliders moved, shapes picked, the link shared, the predict-then-move
check answered, a phone and a projector looked at."""

from app.course import page_for
from rnn_core import RNN
from rnn_core.shapes import MEET_VOCAB, dense_num_parameters, meet_message
from tests.browser.helpers import (assert_no_exception, move_slider, open_page, open_tab, record_reruns, screenshot,
                                   share_link, slider, slider_value, wait_for_run)

LESSON = page_for("pages/1_why_rnns.py")
TITLES = ["Fixed size input", "One cell, any length", "Hidden state", "Sequence shapes"]
VOCAB = len(MEET_VOCAB)


def wait_for_chart(page):
    """Plotly draws after the script run has finished: wait until the open tab's chart is drawn."""
    page.wait_for_function("() => document.querySelectorAll('[data-testid=stPlotlyChart] .main-svg').length >= 1",
                           timeout=30_000)


def open_why(page, server, query=""):
    open_page(page, f"{server}/{LESSON.url_path}{query}")
    wait_for_chart(page)


def open_section(page, title):
    """Click a tab and wait for its chart. A slider that has just appeared needs a moment before the address
    follows it (Streamlit binds it to the address after it is drawn): a person never moves one that fast."""
    open_tab(page, title)
    wait_for_chart(page)
    page.wait_for_timeout(400)


def diagram_points(page):
    """Markers drawn in the sequence-shape diagram (the Sequence shapes tab's chart): inputs + hidden + outputs."""
    chart = page.locator("[data-testid=stPlotlyChart]").nth(0)
    chart.scroll_into_view_if_needed()
    return chart.locator(".scatterlayer path.point").count()


def wait_points(page, n):
    """Wait until the diagram shows n markers (Plotly redraws a moment after the run), then return n."""
    page.locator("[data-testid=stPlotlyChart]").nth(0).scroll_into_view_if_needed()
    page.wait_for_function("n => { const c = document.querySelectorAll('[data-testid=stPlotlyChart]')[0];"
                           " return c && c.querySelectorAll('.scatterlayer path.point').length === n; }",
                           arg=n, timeout=30_000)
    return diagram_points(page)


def metric(page, label_text):
    box = page.locator("[data-testid=stMetric]").filter(has_text=label_text)
    return box.locator("[data-testid=stMetricValue]").inner_text()


def pick_shape(page, label):
    """Click a shape (a radio: its options wrap on a phone) and wait for the rerun; the address follows it."""
    option = page.locator("[data-testid=stRadio] label").filter(has_text=label).first
    option.click()
    wait_for_run(page)
    assert option.locator("input").is_checked()


def test_every_tab_opens_draws_and_keeps_the_controls(server, page):
    open_why(page, server)
    assert_no_exception(page)
    assert "Why recurrent networks" in page.locator("h1").first.inner_text()
    assert page.locator("[data-testid=stPlotlyChart]").count() == 1   # only the open tab is drawn
    move_slider(page, "Sequence length T", 7)
    assert slider_value(page, "Sequence length T") == "12" and "words=12" in page.url
    assert metric(page, "Dense layer") == f"{dense_num_parameters(VOCAB, 12, 8):,}"
    assert metric(page, "RNN cell") == f"{RNN.random(VOCAB, 8).num_parameters:,}"
    assert page.get_by_text("truncation throws away its last 2 words").count() == 1

    open_section(page, "One cell, any length")
    assert slider_value(page, "Sequence length T") == "12"          # one key, kept across tabs
    ticks = page.locator("[data-testid=stPlotlyChart] .xtick text").all_text_contents()
    assert ticks[-1] == meet_message("afternoon", 50)[11] == "the"  # the 12th word labels the last column

    open_section(page, "Hidden state")
    move_slider(page, "Filler words", 10)
    page.get_by_text("17 steps later", exact=False).first.wait_for(timeout=30_000)
    assert slider_value(page, "Filler words") == "13"
    page.wait_for_function("() => location.search.includes('gap=13')", timeout=30_000)  # the address follows

    open_section(page, "Sequence shapes")
    assert wait_points(page, 3 + 3 + 1) == 7  # many-to-one, 3 steps drawn
    pick_shape(page, "one-to-many")
    assert wait_points(page, 1 + 3 + 3) == 7
    move_slider(page, "Steps drawn", 1)
    assert wait_points(page, 1 + 4 + 4) == 9
    pick_shape(page, "many-to-many, delayed")
    assert wait_points(page, 4 + 8 + 4) == 16
    assert page.get_by_text("Machine translation").count() >= 1
    assert_no_exception(page)

    open_section(page, "Fixed size input")                           # the values set elsewhere are still there
    assert slider_value(page, "Sequence length T") == "12"
    # the address and the link to this view carry every value, those of the closed tabs too (no control moves
    # when the tab changes, so the address keeps following each one)
    assert all(part in page.url for part in ("words=12", "gap=13", "steps=4", "shape=many-to-many")), page.url
    link = share_link(page)
    assert all(part in link for part in ("words=12", "gap=13", "steps=4", "shape=many-to-many")), link
    screenshot(page, "why_moved")


def test_predict_then_move_in_the_browser(server, page):
    open_why(page, server, "?hidden=16")
    ratio = dense_num_parameters(VOCAB, 20, 16) / RNN.random(VOCAB, 16).num_parameters
    assert 2 <= ratio <= 10                                   # so B is the answer at H = 16
    page.get_by_text("A. Fewer than twice as many").click()
    wait_for_run(page)
    page.get_by_text("Now move Sequence length T to 20").wait_for(timeout=30_000)
    move_slider(page, "Sequence length T", 15)
    assert slider_value(page, "Sequence length T") == "20"
    said = page.locator("[data-testid=stAlertContentError]").filter(has_text="The figure shows B, not A")
    said.wait_for(timeout=30_000)
    assert f"{ratio:.1f} times as many" in said.inner_text()
    assert_no_exception(page)


def test_shared_link_opens_the_same_view_in_a_new_browser(server, browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    open_why(page, server, "?words=20&hidden=4&gap=0&seed=5&why_part=Sequence+shapes&shape=one-to-many&steps=3")
    assert_no_exception(page)
    assert page.get_by_role("tab", name="Sequence shapes").get_attribute("aria-selected") == "true"
    assert slider_value(page, "Steps drawn") == "3"
    assert wait_points(page, 1 + 3 + 3) == 7
    open_section(page, "Hidden state")
    assert slider_value(page, "Hidden size H") == "4"
    assert page.locator("[data-testid=stNumberInput] input").input_value() == "5"
    context.close()


def test_hostile_link_is_corrected_on_every_tab(server, page):
    hostile = "?words=-7&hidden=1e99&gap=%3Cb%3Ex%3C%2Fb%3E&shape=%3Cimg%20src%3Dx%3E&steps=NaN&seed=-1"
    for title in TITLES:
        open_why(page, server, f"{hostile}&why_part={title.replace(' ', '+')}")
        assert_no_exception(page)
        assert page.get_by_text("Link value for", exact=False).count() == 6  # every control, shown or kept
        assert page.locator("img[src=x]").count() == 0
        if title == "Fixed size input":
            assert slider_value(page, "Sequence length T") == "1" and slider_value(page, "Hidden size H") == "32"
        if title == "Sequence shapes":
            assert slider_value(page, "Steps drawn") == "3"
            screenshot(page, "why_hostile")


def test_a_control_reruns_only_the_demo(server, page):
    """Every control lives in the lesson's demo fragment: moving one reruns that fragment only, the title and the
    checks below stay, and the link still follows it."""
    reruns = record_reruns(page)
    open_why(page, server, "?why_part=Hidden+state")
    reruns.clear()
    move_slider(page, "Filler words", 10)
    page.get_by_text("17 steps later", exact=False).first.wait_for(timeout=30_000)
    assert reruns and all(reruns) and len(set(reruns)) == 1, reruns  # fragment reruns only
    assert "Why recurrent networks" in page.locator("h1").first.inner_text()
    assert slider(page, "Hidden size H").count() == 1
    link = share_link(page)
    assert link.endswith("?why_part=Hidden+state&gap=13"), link
    assert_no_exception(page)


def look_at_every_tab(browser, open_lesson, key, titles, name):
    """Screenshots of every tab at 1280 x 720 presenting and at 390 x 844 (test-artifacts/screenshots/name_mode_k):
    the first figure within the top 540 px on the projector, nothing scrolling sideways on the phone.
    ``open_lesson(page, query)`` opens the lesson and waits for its chart."""
    for mode, viewport in (("present", {"width": 1280, "height": 720}), ("phone", {"width": 390, "height": 844})):
        context = browser.new_context(viewport=viewport, is_mobile=mode == "phone", has_touch=mode == "phone")
        page = context.new_page()
        for index, title in enumerate(titles):
            open_lesson(page, f"?{key}={title.replace(' ', '+')}" + ("&present=1" if mode == "present" else ""))
            assert_no_exception(page)
            top = page.evaluate("() => document.querySelector('[data-testid=stPlotlyChart]').getBoundingClientRect().top")
            if mode == "present":
                assert top <= 540, (title, top)
            widths = page.evaluate("() => { const m = document.querySelector('[data-testid=stMain]');"
                                   " return [m.scrollWidth, m.clientWidth, document.documentElement.scrollWidth]; }")
            assert widths[0] <= widths[1] and widths[2] <= viewport["width"], (title, widths)
            screenshot(page, f"{name}_{mode}_{index + 1}")
        context.close()


def test_every_tab_on_a_projector_and_a_phone(server, browser):
    look_at_every_tab(browser, lambda page, query: open_why(page, server, query), "why_part", TITLES, "why")

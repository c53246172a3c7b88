"""Lesson 1 in headless Chromium: pick shapes, move sliders, share the link, look at it on a phone."""

from app.course import page_for
from tests.browser.helpers import (assert_no_exception, move_slider, open_page, open_tab, record_reruns, screenshot,
                                   share_link, slider, slider_value, wait_for_run)

LESSON = page_for("pages/1_why_rnns.py")
CHARTS = {"Fixed size input": 1, "One cell, any length": 1, "Hidden state": 1, "Sequence shapes": 1, "Course map": 0}  # per section tab


def wait_for_charts(page, count):
    """Plotly draws after the script run has finished: wait until the open tab's charts are drawn."""
    page.wait_for_function(
        "n => document.querySelectorAll('[data-testid=stPlotlyChart] .main-svg').length >= n", arg=count,
        timeout=30_000)


def open_why(page, server, query="", section="Fixed size input"):
    """The first lesson is the app's default page, served at the root address; `section` is the tab it opens on."""
    open_page(page, f"{server}/{query}")
    wait_for_charts(page, CHARTS[section])


def open_section(page, title):
    """Click a section tab and wait until its charts are drawn."""
    open_tab(page, title)
    wait_for_charts(page, CHARTS[title])


def diagram_points(page):
    """Markers drawn in the sequence-shape diagram (the Sequence shapes tab's chart): inputs + hidden + outputs."""
    chart = page.locator("[data-testid=stPlotlyChart]").nth(0)
    chart.scroll_into_view_if_needed()
    return chart.locator(".scatterlayer path.point").count()


def memory_ticks(page):
    """The word labels along the x axis of the “let's meet for ___” chart (the Hidden state tab's chart)."""
    chart = page.locator("[data-testid=stPlotlyChart]").nth(0)
    chart.scroll_into_view_if_needed()
    return chart.locator(".xtick text").all_text_contents()


def pick_shape(page, label):
    page.locator("[data-testid=stButtonGroup] button").filter(has_text=label).first.click()
    wait_for_run(page)


def test_title_figures_and_controls(server, page):
    open_why(page, server)
    assert_no_exception(page)
    assert "Why recurrent networks" in page.title()
    assert "Why recurrent networks" in page.locator("h1").first.inner_text()
    assert page.locator("[data-testid=stPlotlyChart]").count() == CHARTS["Fixed size input"]  # only the open tab
    screenshot(page, "why_default")

    open_section(page, "Sequence shapes")
    assert "why_part=Sequence+shapes" in page.url
    assert page.locator("[data-testid=stPlotlyChart]").count() == CHARTS["Sequence shapes"]
    assert diagram_points(page) == 4 + 4 + 1  # many-to-one, length 4
    pick_shape(page, "one-to-many")
    assert diagram_points(page) == 1 + 4 + 4
    move_slider(page, "Sequence length", 2)
    assert slider_value(page, "Sequence length") == "6"
    assert diagram_points(page) == 1 + 6 + 6
    pick_shape(page, "many-to-many, delayed")
    assert diagram_points(page) == 6 + 12 + 6
    assert page.get_by_text("Machine translation").count() >= 1
    assert_no_exception(page)
    screenshot(page, "why_delayed_6")

    move_slider(page, "Sentence length T", 7)               # above the tabs: any tab can move it
    assert "words=12" in page.url and "steps=6" in page.url
    open_section(page, "Hidden state")
    move_slider(page, "Filler words", 10)
    assert slider_value(page, "Filler words") == "13"
    assert "words=12" in page.url and "gap=13" in page.url  # the address carries the open tab's panel
    open_section(page, "Fixed size input")
    assert slider_value(page, "Sentence length T") == "12"
    metric = page.locator("[data-testid=stMetric]").filter(has_text="exactly 12 words")
    assert metric.locator("[data-testid=stMetricValue]").inner_text() == f"{8 * 12 * 17 + 8:,}"
    assert page.get_by_text("truncation throws away its last 2 words").count() == 1
    assert "words=12" in page.url
    assert_no_exception(page)
    screenshot(page, "why_moved")


def test_shared_link_opens_the_same_view_in_a_new_browser(server, browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    open_why(page, server, "?words=20&hidden=4&gap=0&seed=5&why_part=Sequence+shapes&shape=one-to-many&steps=3",
             section="Sequence shapes")
    assert_no_exception(page)
    assert page.get_by_role("tab", name="Sequence shapes").get_attribute("aria-selected") == "true"
    assert slider_value(page, "Sentence length T") == "20"
    assert slider_value(page, "Hidden units H") == "4"
    assert slider_value(page, "Sequence length") == "3"
    assert page.locator("[data-testid=stNumberInput] input").input_value() == "5"
    assert diagram_points(page) == 1 + 3 + 3
    context.close()


def test_hostile_link_is_corrected(server, page):
    """Every section opened by the hostile link: words, hidden and seed (above the tabs) are corrected on each,
    gap in the Hidden state tab, shape and steps in the Sequence shapes tab."""
    hostile = "?words=-7&hidden=1e99&gap=%3Cb%3Ex%3C%2Fb%3E&shape=%3Cimg%20src%3Dx%3E&steps=NaN&seed=-1"
    notes = {"Fixed size input": 3, "Hidden state": 4, "Sequence shapes": 5, "Course map": 3}
    for section, count in notes.items():
        open_why(page, server, f"{hostile}&why_part={section.replace(' ', '+')}", section=section)
        assert_no_exception(page)
        assert slider_value(page, "Sentence length T") == "1"
        assert slider_value(page, "Hidden units H") == "32"
        assert page.get_by_text("Link value for", exact=False).count() == count
        assert page.locator("img[src=x]").count() == 0
        if section == "Hidden state":
            assert slider_value(page, "Filler words") == "3"
        if section == "Sequence shapes":
            assert slider_value(page, "Sequence length") == "4"
            screenshot(page, "why_hostile")


def test_phone_viewport_has_no_sideways_scroll(server, browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=1)
    page = context.new_page()
    open_why(page, server, "?words=50&gap=30&shape=many-to-many%2C%20delayed&steps=6")
    screenshot(page, "why_phone")
    for section in CHARTS:                                  # the widest figure of each section
        if section != "Fixed size input":
            open_section(page, section)
        assert_no_exception(page)
        widths = page.evaluate("() => { const m = document.querySelector('[data-testid=stMain]');"
                               " return [m.scrollWidth, m.clientWidth, document.documentElement.scrollWidth]; }")
        assert widths[0] <= widths[1] and widths[2] <= 390, (section, widths)
    context.close()


def test_panel_controls_rerun_only_their_fragment(server, page):
    """The gap slider and the sequence-length slider each rerun only their own panel (an st.fragment, in its
    section tab): the panel redraws, the rest of the page stays, and the link still follows the slider."""
    reruns = record_reruns(page)
    open_why(page, server, "?why_part=Hidden+state", section="Hidden state")
    ticks = memory_ticks(page)
    reruns.clear()

    move_slider(page, "Filler words", 10)
    page.get_by_text("(17 steps later)", exact=False).wait_for(timeout=30_000)
    assert slider_value(page, "Filler words") == "13"
    page.wait_for_function(  # Plotly redraws the chart a moment after the run
        "old => { const c = document.querySelectorAll('[data-testid=stPlotlyChart]')[0];"
        " return c && Array.from(c.querySelectorAll('.xtick text'), t => t.textContent).join('|') !== old; }",
        arg="|".join(ticks), timeout=30_000)
    assert memory_ticks(page) != ticks  # the chart was redrawn for the longer message
    assert reruns and all(reruns) and len(set(reruns)) == 1, reruns  # fragment reruns only, of one panel
    memory_panel = reruns[0]
    assert page.get_by_role("heading", name="What a hidden state adds").count() == 1  # outside the panel
    assert slider(page, "Hidden units H").count() == 1                                  # the controls stay
    assert "gap=13" in page.url

    open_section(page, "Sequence shapes")
    shape_points = diagram_points(page)
    reruns.clear()
    move_slider(page, "Sequence length", -2)
    assert slider_value(page, "Sequence length") == "2"
    page.wait_for_function("n => { const c = document.querySelectorAll('[data-testid=stPlotlyChart]')[0];"
                           " return c && c.querySelectorAll('.scatterlayer path.point').length < n; }",
                           arg=shape_points, timeout=30_000)
    assert diagram_points(page) == 2 + 2 + 1  # many-to-one, length 2
    assert reruns and all(reruns) and set(reruns) != {memory_panel}, reruns

    assert_no_exception(page)
    assert "Why recurrent networks" in page.locator("h1").first.inner_text()
    assert page.locator("[data-testid=stPlotlyChart]").count() == CHARTS["Sequence shapes"]
    assert page.get_by_role("heading", name="The shapes of sequence problems").count() == 1  # outside the panel
    assert slider(page, "Hidden units H").count() == 1
    assert "steps=2" in page.url
    screenshot(page, "why_fragments")
    # the copy-link popover reruns the whole page when it opens, so its link has the fragment's values
    # (and the open tab's: gap belongs to the Hidden state tab, which does not run here)
    link = share_link(page)
    assert link.endswith("?why_part=Sequence+shapes&steps=2"), link
    open_section(page, "Hidden state")                      # the gap is kept while the reader is elsewhere
    assert slider_value(page, "Filler words") == "13" and "gap=13" in page.url
    assert_no_exception(page)

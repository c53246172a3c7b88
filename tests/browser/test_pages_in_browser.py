"""Open every lesson in headless Chromium: by the navigation, by a direct link on a fresh server."""

import pytest

from app.course import available, page_for
from tests.browser.helpers import (
    assert_no_exception, move_slider, open_page, open_tab, plotly_slider_value, press_play, record_reruns, screenshot,
    share_link, slider_value, streamlit_server,
    wait_for_run,
)

LESSONS = available()
IDS = [lesson.url_path for lesson in LESSONS]


@pytest.mark.parametrize("lesson", LESSONS, ids=IDS)
def test_direct_link_is_the_first_session_of_a_fresh_server(browser, lesson):
    """A shared link must run the entrypoint (navigation, sidebar) even as the server's first visit."""
    with streamlit_server() as base_url:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        open_page(page, f"{base_url}/{lesson.url_path}")
        assert_no_exception(page)
        assert lesson.title in page.locator("h1").first.inner_text()
        nav = page.locator("[data-testid=stSidebarNav]")
        assert nav.count() == 1, "the entrypoint did not run: no navigation"
        for other in LESSONS:
            assert other.title in nav.inner_text()
        screenshot(page, f"direct_{lesson.url_path}")
        page.close()


@pytest.mark.parametrize("lesson", LESSONS, ids=IDS)
def test_every_page_opens_from_the_navigation(server, page, lesson):
    open_page(page, server)
    page.locator("[data-testid=stSidebarNav] a").filter(has_text=lesson.title).click()
    page.wait_for_url(f"**/{lesson.url_path}*" if lesson is not LESSONS[0] else "**")
    wait_for_run(page)
    assert_no_exception(page)
    assert lesson.title in page.locator("h1").first.inner_text()
    screenshot(page, f"nav_{lesson.url_path}")


def test_rnn_unrolled_sliders_and_play(server, page):
    lesson = page_for("pages/2_rnn_unrolled.py")
    open_page(page, f"{server}/{lesson.url_path}")
    move_slider(page, "Hidden size H", -3)
    move_slider(page, "Sequence length T", 12)
    assert slider_value(page, "Hidden size H") == "3"
    assert slider_value(page, "Sequence length T") == "20"
    assert "hidden=3" in page.url and "steps=20" in page.url  # the link reproduces the view
    assert_no_exception(page)
    assert page.locator("[data-testid=stPlotlyChart]").count() == 1  # only the open tab (Unrolled cell) is drawn
    assert plotly_slider_value(page) == "after step t = 19"  # the figure opens on the last step
    press_play(page)
    page.wait_for_timeout(1500)  # let a few frames play in the browser
    playing = plotly_slider_value(page)
    assert playing.startswith("after step t = ") and playing != "after step t = 19"  # restarted at t = 0
    screenshot(page, "rnn_unrolled_playing")


def test_rnn_unrolled_step_and_unit_rerun_only_their_panel(server, page):
    """Step t and unit j live in an st.fragment (the Hidden state tab): moving them reruns that panel only
    (heatmap outline, the equation below it), the rest of the page stays on screen, and the link still follows them."""
    reruns = record_reruns(page)  # the fragment id of each rerun the page asks for ("" for a whole page)
    open_page(page, f"{server}/rnn_unrolled?unrolled_part=Hidden+state")
    heatmap = page.locator("[data-testid=stPlotlyChart]").nth(0)
    heatmap.scroll_into_view_if_needed()
    outline = heatmap.locator(".shapelayer path").first
    outline.wait_for(timeout=30_000)
    before = outline.get_attribute("d")
    assert "unit 0 at step 3" in page.locator("h3").filter(has_text="One number").inner_text()
    reruns.clear()

    move_slider(page, "Step t", 2)
    move_slider(page, "Unit j", 2)
    assert slider_value(page, "Step t") == "5" and slider_value(page, "Unit j") == "2"
    page.locator("h3").filter(has_text="unit 2 at step 5").wait_for(timeout=30_000)
    page.wait_for_function(  # Plotly moves the outline a moment after the run
        "old => { const c = document.querySelectorAll('[data-testid=stPlotlyChart]')[0];"
        " const p = c && c.querySelector('.shapelayer path'); return p && p.getAttribute('d') !== old; }",
        arg=before, timeout=30_000)
    assert reruns and all(reruns) and len(set(reruns)) == 1, reruns  # fragment reruns only, of one panel

    assert_no_exception(page)
    assert "The RNN, unrolled" in page.locator("h1").first.inner_text()
    assert page.locator("[data-testid=stPlotlyChart]").count() == 1  # the heatmap is still there
    assert page.get_by_role("tab", name="Unrolled cell").count() == 1  # and the tabs above it
    assert slider_value(page, "Hidden size H") == "6"
    assert "t=5" in page.url and "j=2" in page.url
    screenshot(page, "rnn_unrolled_fragment")
    # the copy-link popover reruns the whole page when it opens, so its link has the fragment's values
    link = share_link(page)
    assert link.endswith("/rnn_unrolled?unrolled_part=Hidden+state&t=5&j=2"), link
    assert_no_exception(page)
    open_tab(page, "Unrolled cell")                            # the unrolled diagram is one click away
    assert page.locator("[data-testid=stPlotlyChart]").count() == 1 and plotly_slider_value(page).startswith(
        "after step t = ")


def test_rnn_unrolled_shared_link_reproduces_settings(server, page):
    open_page(page, f"{server}/rnn_unrolled?hidden=4&steps=30&f=relu&sigma=2.5&seed=7&unrolled_part=Hidden+state"
                    "&t=29&j=3")
    assert_no_exception(page)
    assert slider_value(page, "Hidden size H") == "4"
    assert slider_value(page, "Sequence length T") == "30"
    assert "unit 3 at step 29" in page.locator("h3").filter(has_text="One number").inner_text()
    screenshot(page, "rnn_unrolled_shared_link")


def test_rnn_unrolled_hostile_link(server, page):
    open_page(page, f"{server}/rnn_unrolled?hidden=999&steps=nan&f=%3Cscript%3E&seed=-1")
    assert_no_exception(page)
    assert slider_value(page, "Hidden size H") == "16"
    notes = page.locator("[data-testid=stCaptionContainer]").filter(has_text="Link value")
    assert notes.count() == 4  # hidden, steps, f and seed
    screenshot(page, "rnn_unrolled_hostile_link")

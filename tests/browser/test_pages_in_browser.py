"""Open every lesson in headless Chromium: by the navigation, by a direct link on a fresh server."""

import pytest

from app.course import available, page_for
from app.warmup import WARMUP_B, WARMUP_W_H, WARMUP_W_X, WARMUP_XS
from rnn_core.scalar import forward
from tests.browser.test_why_browser import look_at_every_tab
from tests.browser.helpers import (
    assert_no_exception, move_slider, open_page, open_tab, plotly_slider_value, press_play, record_reruns, screenshot,
    share_link, slider, slider_value, streamlit_server,
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


UNROLLED = page_for("pages/2_rnn_unrolled.py")
TABS = ["Warm-up by hand", "Unrolled cell", "Hidden state"]


def open_unrolled(page, server, query=""):
    open_page(page, f"{server}/{UNROLLED.url_path}{query}")
    page.wait_for_function("() => document.querySelectorAll('[data-testid=stPlotlyChart] .main-svg').length >= 1",
                           timeout=30_000)


def answer_box(page, step):
    return page.locator("[data-testid=stTextInput]").nth(step - 1).locator("input")


def warmup_values(page):
    """The numbers written over h_0 .. h_3 in the warm-up figure, as the browser draws them."""
    texts = page.locator("[data-testid=stPlotlyChart] .scatterlayer .textpoint text").all_text_contents()
    start = texts.index("0")
    return texts[start:start + 4]


def test_rnn_unrolled_warmup_typed_in_a_real_browser(server, page):
    """The student types h_1, h_2, h_3 (with Enter, as on a keyboard); the page says right or names the slip, the
    figure fills in what was found, and three right answers reveal the working."""
    fwd = forward(WARMUP_W_X, WARMUP_W_H, WARMUP_B, WARMUP_XS)
    open_unrolled(page, server)
    assert page.get_by_role("tab", name="Warm-up by hand").get_attribute("aria-selected") == "true"
    assert warmup_values(page) == ["0", "?", "?", "?"]
    answer_box(page, 1).fill(f"{fwd.h[1]:.3f}")
    answer_box(page, 1).press("Enter")
    wait_for_run(page)
    page.locator("[data-testid=stAlertContentSuccess]").filter(has_text="Right").first.wait_for(timeout=30_000)
    page.wait_for_function("() => [...document.querySelectorAll('[data-testid=stPlotlyChart] text')]"
                           f".some(t => t.textContent === '{fwd.h[1]:.3f}')", timeout=30_000)
    answer_box(page, 2).fill(f"{fwd.pre[1]:.3f}")          # the pre-activation: tanh left out
    answer_box(page, 2).press("Enter")
    wait_for_run(page)
    slip = page.locator("[data-testid=stAlertContentError]").filter(has_text="pre-activation")
    slip.wait_for(timeout=30_000)
    assert "Not yet." in slip.inner_text()
    answer_box(page, 2).fill(f"{fwd.h[2]:.3f}")
    answer_box(page, 2).press("Enter")
    wait_for_run(page)
    answer_box(page, 3).fill(f"{fwd.h[3]:.3f}".replace(".", ","))  # a decimal comma is understood too
    answer_box(page, 3).press("Enter")
    wait_for_run(page)
    page.get_by_text("All three right", exact=False).wait_for(timeout=30_000)
    page.wait_for_function("() => [...document.querySelectorAll('[data-testid=stPlotlyChart] text')]"
                           f".some(t => t.textContent === '{fwd.h[3]:.3f}')", timeout=30_000)
    assert warmup_values(page) == ["0"] + [f"{h:.3f}" for h in fwd.h[1:]]
    assert page.locator(".katex-display").filter(has_text=f"{fwd.pre[1]:.3f}").count() >= 1   # the working, written out
    assert_no_exception(page)
    screenshot(page, "rnn_unrolled_warmup_solved")


def test_rnn_unrolled_warmup_predict_the_sign_flip(server, page):
    before = forward(WARMUP_W_X, WARMUP_W_H, WARMUP_B, WARMUP_XS)
    after = forward(WARMUP_W_X, -WARMUP_W_H, WARMUP_B, WARMUP_XS)
    assert before.h[3] * after.h[3] > 0   # the default numbers: h_3 keeps its sign
    letter, option = ("A", "It keeps its sign, with a greater size") if abs(after.h[3]) > abs(before.h[3]) else \
        ("B", "It keeps its sign, with a smaller size")
    open_unrolled(page, server)
    page.get_by_text(f"{letter}. {option}").click()
    wait_for_run(page)
    move_slider(page, "Recurrent weight w_h", -round(20 * WARMUP_W_H))   # w_h -> -w_h in steps of 0.1
    assert slider_value(page, "Recurrent weight w_h") == f"{-WARMUP_W_H:.2f}"
    agrees = page.locator("[data-testid=stAlertContentSuccess]").filter(has_text=f"{letter}: the figure agrees")
    agrees.wait_for(timeout=30_000)
    said = agrees.inner_text()   # KaTeX writes a minus sign as U+2212
    assert f"{abs(after.h[3]):.3f}" in said and f"{WARMUP_W_H:g}" in said
    assert f"warm_wh={-WARMUP_W_H:g}" in share_link(page)
    assert_no_exception(page)


def test_rnn_unrolled_every_tab_opens(server, page):
    open_unrolled(page, server)
    for title in TABS[1:] + TABS[:1]:
        open_tab(page, title)
        page.wait_for_function("() => document.querySelectorAll('[data-testid=stPlotlyChart] .main-svg').length >= 1",
                               timeout=30_000)
        assert_no_exception(page)
        assert page.locator("[data-testid=stPlotlyChart]").count() == 1   # only the open tab is drawn
    assert slider(page, "Hidden size H").is_hidden() and slider(page, "Input x_1").is_visible()


def test_rnn_unrolled_more_controls_open_where_a_tab_has_them(server, page):
    """Hidden state folds Input weight scale α and the seed under More controls; the toggle shows them, and a tab
    with nothing folded (the warm-up) has no toggle."""
    open_unrolled(page, server, "?unrolled_part=Hidden+state")
    toggle = page.locator("[data-testid=stCheckbox]").filter(has_text="More controls")
    seed = page.locator("[data-testid=stNumberInput]").filter(has_text="Random seed")
    assert toggle.is_visible() and not seed.is_visible()
    toggle.locator("label").click()
    wait_for_run(page)
    seed.wait_for(state="visible", timeout=30_000)
    assert slider(page, "Input weight scale α").is_visible()
    open_tab(page, "Warm-up by hand")
    assert not toggle.is_visible() and not seed.is_visible()
    assert_no_exception(page)


def test_rnn_unrolled_sliders_and_play(server, page):
    open_unrolled(page, server, "?unrolled_part=Unrolled+cell")
    move_slider(page, "Hidden size H", -3)
    move_slider(page, "Sequence length T", 12)
    assert slider_value(page, "Hidden size H") == "3"
    assert slider_value(page, "Sequence length T") == "20"
    assert "hidden=3" in page.url and "steps=20" in page.url  # the link reproduces the view
    assert_no_exception(page)
    assert page.locator("[data-testid=stPlotlyChart]").count() == 1  # only the open tab (Unrolled cell) is drawn
    assert plotly_slider_value(page) == "after step t = 20"  # the figure opens on the last step, counted from 1
    press_play(page)
    page.wait_for_timeout(1500)  # let a few frames play in the browser
    playing = plotly_slider_value(page)
    assert playing.startswith("after step t = ") and playing != "after step t = 20"  # restarted at t = 1
    screenshot(page, "rnn_unrolled_playing")


def test_rnn_unrolled_step_and_unit_count_from_one_and_rerun_only_the_demo(server, page):
    """Step t and Unit j (from 1) live in the lesson's demo fragment: moving them reruns that fragment only (heatmap
    outline, the equation below it), the rest of the page stays on screen, and the link follows them."""
    reruns = record_reruns(page)  # the fragment id of each rerun the page asks for ("" for a whole page)
    open_unrolled(page, server, "?unrolled_part=Hidden+state")
    heatmap = page.locator("[data-testid=stPlotlyChart]").nth(0)
    outline = heatmap.locator(".shapelayer path").first
    outline.wait_for(timeout=30_000)
    before = outline.get_attribute("d")
    assert "unit 1 at step 4" in page.locator("h3").filter(has_text="One number").inner_text()
    assert slider(page, "Step t").get_attribute("min") == "1" and slider(page, "Unit j").get_attribute("min") == "1"
    reruns.clear()

    move_slider(page, "Step t", 2)
    move_slider(page, "Unit j", 2)
    assert slider_value(page, "Step t") == "6" and slider_value(page, "Unit j") == "3"
    page.locator("h3").filter(has_text="unit 3 at step 6").wait_for(timeout=30_000)
    page.wait_for_function(  # Plotly moves the outline a moment after the run
        "old => { const c = document.querySelectorAll('[data-testid=stPlotlyChart]')[0];"
        " const p = c && c.querySelector('.shapelayer path'); return p && p.getAttribute('d') !== old; }",
        arg=before, timeout=30_000)
    assert reruns and all(reruns) and len(set(reruns)) == 1, reruns  # fragment reruns only, of one fragment

    assert_no_exception(page)
    assert "The RNN, unrolled" in page.locator("h1").first.inner_text()
    assert page.locator("[data-testid=stPlotlyChart]").count() == 1  # the heatmap is still there
    assert page.get_by_role("tab", name="Unrolled cell").count() == 1  # and the tabs above it
    assert slider_value(page, "Hidden size H") == "6"
    link = share_link(page)
    assert link.endswith("/rnn_unrolled?unrolled_part=Hidden+state&t=6&j=3"), link
    screenshot(page, "rnn_unrolled_fragment")
    assert_no_exception(page)


def test_rnn_unrolled_shared_link_reproduces_settings(server, page):
    open_unrolled(page, server, "?hidden=4&steps=30&f=relu&sigma=2.5&seed=7&unrolled_part=Hidden+state&t=30&j=4")
    assert_no_exception(page)
    assert slider_value(page, "Hidden size H") == "4"
    assert slider_value(page, "Sequence length T") == "30"
    assert "unit 4 at step 30" in page.locator("h3").filter(has_text="One number").inner_text()
    screenshot(page, "rnn_unrolled_shared_link")


def test_rnn_unrolled_hostile_link(server, page):
    open_unrolled(page, server, "?unrolled_part=Unrolled+cell&hidden=999&steps=nan&f=%3Cscript%3E&seed=-1&t=0")
    assert_no_exception(page)
    assert slider_value(page, "Hidden size H") == "16"
    notes = page.locator("[data-testid=stCaptionContainer]").filter(has_text="Link value")
    assert notes.count() == 5  # hidden, steps, f, seed and t (kept out of sight on this tab)
    assert page.locator("script", has_text="<script>").count() == 0
    screenshot(page, "rnn_unrolled_hostile_link")


def test_rnn_unrolled_every_tab_on_a_projector_and_a_phone(server, browser):
    look_at_every_tab(browser, lambda page, query: open_unrolled(page, server, query), "unrolled_part", TABS,
                      "rnn_unrolled")

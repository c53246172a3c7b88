"""The course around every lesson, in Chromium: share links, hostile links, presentation mode,
axe-core accessibility and a phone viewport. One page load per check and lesson."""

import csv
import io
import json
import re
from urllib.parse import urlencode

import numpy as np
import pytest
from axe_playwright_python.sync_playwright import Axe

from app.course import available
from tests.app.test_bptt_page import DEFAULTS, expected
from tests.browser.helpers import (assert_no_exception, move_slider, open_page, screenshot, share_link, slider,
                                   slider_value, wait_for_run)

LESSONS = available()
IDS = [lesson.url_path for lesson in LESSONS]
# Per lesson: a slider to move (label, URL key) and every URL key of its controls.
SLIDER = {"why_rnns": ("Hidden size H", "hidden"), "rnn_unrolled": ("Recurrent weight w_h", "warm_wh"),
          "bptt": ("Recurrent weight w_h", "b_wh"), "vanishing_exploding": ("Sequence length T", "v_T"),
          "lstm": ("Forget-gate bias b_f", "forget_bias"), "gru": ("Update-gate bias b_z", "update_bias"),
          "memory_lab": ("Longest gap shown", "lab_shown_gap"), "text_lab": ("Step s", "tl_step")}
KEYS = {
    "why_rnns": ["words", "hidden", "seed", "gap", "shape", "steps", "why_part"],
    "rnn_unrolled": ["input", "steps", "hidden", "f", "sigma", "input_scale", "seed", "t", "j", "unrolled_part",
                     "warm_wx", "warm_wh", "warm_b", "warm_x1", "warm_x2", "warm_x3", "warm_show"],
    "bptt": ["b_part", "b_y", "b_wh", "b_wx", "b_b", "b_seq", "b_T", "b_H", "b_smax", "b_a", "b_row", "b_k", "b_K",
             "b_seed"],
    "vanishing_exploding": ["v_H", "v_f", "v_T", "v_seq", "v_in", "v_seed", "v_smax", "v_decay",
                            "v_c1", "v_c2", "v_clip", "v_cliffm", "v_cliffc", "v_part"],
    "lstm": ["lstm_input", "lstm_T", "lstm_seed", "lstm_H", "forget_bias", "lstm_hand", "lstm_a",
             "lstm_rec_scale", "lstm_t", "lstm_unit", "lstm_gate", "lstm_part"],
    "gru": ["gru_input", "gru_T", "gru_seed", "gru_H", "update_bias", "gru_hand", "gru_a",
            "gru_rec_scale", "gru_t", "gru_unit", "gru_gate", "gru_part"],
    "memory_lab": ["lab_rnn", "lab_lstm", "lab_gru", "lab_gap", "lab_hidden", "lab_steps", "lab_lr", "lab_clip",
                   "lab_seed", "lab_forget_bias", "lab_update_bias", "lab_shown_gap", "lab_sentence", "lab_part"],
    "text_lab": ["tl_prompt", "tl_temp", "tl_length", "tl_seed", "tl_step", "tl_cell", "tl_checkpoint",
                 "tl_learn_temp", "tl_passage", "tl_text", "tl_feature", "tl_unit", "tl_pos", "tl_back", "tl_k",
                 "tl_part"],
}
HOSTILE = ["1e999", "NaN", "-inf", "99999999", "-5", "ünïcødé ✓ 漢字",
           "<script>window.__pwned=1</script>", "<img src=x onerror=\"window.__pwned=1\">",
           "[click](javascript:window.__pwned=1)", "![pic](http://127.0.0.1:9/pwned.png)", "**bold** `code`"]


def url(server, lesson, query=""):
    path = lesson.url_path
    return f"{server}/{path}{query}"


def serious_violations(page):
    # KaTeX measures its boxes with its web fonts: check once they have loaded and laid out,
    # or an equation can be a pixel wider than its box for a moment (scrollable-region-focusable).
    page.evaluate("async () => { await document.fonts.ready; await new Promise(r => requestAnimationFrame(() => r())); }")
    page.wait_for_timeout(300)
    results = Axe().run(page)
    return [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
            for v in results.response["violations"] if v["impact"] in ("serious", "critical")]


@pytest.mark.parametrize("lesson", LESSONS, ids=IDS)
def test_moved_slider_is_in_the_link_and_a_new_browser_shows_it(server, browser, page, lesson):
    label, key = SLIDER[lesson.url_path]
    open_page(page, url(server, lesson))
    before = slider_value(page, label)
    move_slider(page, label, 2)
    after = slider_value(page, label)
    assert after != before
    assert re.search(rf"[?&]{key}=", page.url), page.url
    link = share_link(page)
    assert link.startswith(server) and f"{key}=" in link
    assert f"/{lesson.url_path}" in link
    fresh = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        other = fresh.new_page()
        open_page(other, link)  # the link from the copy box, in a browser with no session
        assert_no_exception(other)
        assert slider_value(other, label) == after
    finally:
        fresh.close()


@pytest.mark.parametrize("lesson", LESSONS, ids=IDS)
def test_hostile_link_is_clamped_and_nothing_is_rendered_as_html(server, page, lesson):
    keys = KEYS[lesson.url_path]
    params = [(key, HOSTILE[i % len(HOSTILE)]) for i, key in enumerate(keys)]
    params += [("unknown_key", "<script>window.__pwned=1</script>"), ("present", "maybe"), ("", "x")]
    open_page(page, url(server, lesson, "?" + urlencode(params)))
    page.wait_for_timeout(1000)
    assert_no_exception(page)
    notes = page.locator("[data-testid=stCaptionContainer]").filter(has_text="Link value for")
    assert notes.count() >= 1
    assert page.evaluate("() => window.__pwned") is None
    assert page.locator("img[src*='pwned'], img[src='x'], a[href^='javascript']").count() == 0
    main = page.locator("[data-testid=stMain]").inner_text()
    assert "<script>" not in main and "NaN" not in main.replace("NaN (overflow)", "")
    link = share_link(page)
    assert "script" not in link and "unknown_key" not in link and "javascript" not in link
    screenshot(page, f"course_hostile_{lesson.url_path}")


@pytest.mark.parametrize("lesson", LESSONS, ids=IDS)
def test_presentation_mode(server, browser, lesson):
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    try:
        page = context.new_page()
        open_page(page, url(server, lesson, "?present=1"))
        page.wait_for_timeout(800)
        assert_no_exception(page)
        assert "present=" in page.url  # the mode stays in the address, so a shared link keeps it
        sidebar = page.evaluate("""() => { const r = document.querySelector('[data-testid=stSidebar]').getBoundingClientRect();
            return [r.right, r.width]; }""")
        assert sidebar[0] <= 1, sidebar  # collapsed: off screen to the left
        h1 = page.evaluate("() => parseFloat(getComputedStyle(document.querySelector('h1')).fontSize)")
        assert h1 >= 36   # 2.4rem: larger than the 20 px body text, small enough for the figure to start by 540 px
        assert page.locator("[data-testid=stExpander]").filter(has_text="Controls").count() == 1
        for box in page.locator("[data-testid=stPlotlyChart]").all()[:3]:
            size = box.bounding_box()
            assert size["width"] <= 1280 and size["height"] <= 620
        screenshot(page, f"course_present_{lesson.url_path}")
    finally:
        context.close()


@pytest.mark.parametrize("lesson", LESSONS, ids=IDS)
def test_axe_keyboard_and_phone(server, browser, lesson):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        page = context.new_page()
        open_page(page, url(server, lesson))
        page.wait_for_function("() => document.querySelectorAll('[data-testid=stPlotlyChart] .main-svg').length > 0")
        page.wait_for_timeout(500)
        assert serious_violations(page) == []
        # Keyboard: Tab reaches the first slider, arrow keys move it.
        label, _ = SLIDER[lesson.url_path]
        target = slider(page, label)
        for _ in range(60):
            page.keyboard.press("Tab")
            if target.evaluate("e => e === document.activeElement"):
                break
        else:
            pytest.fail("Tab never reached the slider")
        before = slider_value(page, label)
        page.keyboard.press("ArrowRight")
        wait_for_run(page)
        assert slider_value(page, label) != before
        # Phone: nothing scrolls sideways, figures keep their width.
        page.set_viewport_size({"width": 390, "height": 844})
        page.wait_for_timeout(800)
        widths = page.evaluate("""() => { const d = document.scrollingElement, m = document.querySelector('[data-testid=stMain]');
            return [d.scrollWidth, d.clientWidth, m.scrollWidth, m.clientWidth]; }""")
        assert widths[0] <= widths[1] and widths[2] <= widths[3], widths
        for box in page.locator("[data-testid=stPlotlyChart]").all():
            assert box.bounding_box()["width"] >= 300
        # every tab of the lesson's strip is on screen (they wrap), so a link to a later tab shows the open tab
        tabs = page.evaluate("() => [...document.querySelectorAll('[data-testid=stTabs] [role=tab]')]"
                             ".map(tab => { const b = tab.getBoundingClientRect(); return [b.left, b.right]; })")
        assert tabs and all(0 <= left and right <= 390 for left, right in tabs), tabs
        # a finger on a chart (a hover here) does not put Plotly's mode bar over its title and legend
        page.locator("[data-testid=stPlotlyChart]").first.hover()
        bars = page.evaluate("() => [...document.querySelectorAll('[data-testid=stPlotlyChart] .modebar-container')]"
                             ".map(bar => getComputedStyle(bar).display)")
        assert bars and set(bars) == {"none"}, bars
        screenshot(page, f"course_phone_{lesson.url_path}")
    finally:
        context.close()


def test_dark_theme_screenshots(server, browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, color_scheme="dark")
    try:
        page = context.new_page()
        for lesson in LESSONS:
            open_page(page, url(server, lesson))
            page.wait_for_timeout(800)
            background = page.evaluate("() => getComputedStyle(document.querySelector('[data-testid=stApp]')).backgroundColor")
            assert background != "rgb(255, 255, 255)"
            assert_no_exception(page)
            assert serious_violations(page) == []
            screenshot(page, f"course_dark_{lesson.url_path}")
    finally:
        context.close()


def test_download_buttons_write_the_lessons_numbers_when_pressed(server, page):
    """The files are built when a button is pressed (a deferred callable): the CSV holds rnn_core's losses."""
    lesson = next(lesson for lesson in LESSONS if lesson.url_path == "bptt")
    open_page(page, url(server, lesson, "?b_part=Shared+W_hh"))
    result = expected(**DEFAULTS)
    with page.expect_download() as download:
        page.get_by_role("button", name="Download CSV").click()
    assert download.value.suggested_filename == "bptt_gradients.csv"
    rows = list(csv.DictReader(io.StringIO(open(download.value.path()).read())))
    assert len(rows) == DEFAULTS["b_T"]
    np.testing.assert_allclose([float(row["loss"]) for row in rows], result.losses, rtol=1e-15)
    with page.expect_download() as download:
        page.get_by_role("button", name="Download JSON").click()
    saved = json.loads(open(download.value.path()).read())
    assert saved["settings"]["T"] == DEFAULTS["b_T"]
    assert_no_exception(page)


@pytest.mark.parametrize("url_path", ["rnn_unrolled", "text_lab"])
def test_the_notation_card_shows_the_rows_a_lesson_has_reached(server, page, url_path):
    """Lesson 2's card stops before the gated cells and names what later lessons add; the last lesson's has it all."""
    lesson = next(lesson for lesson in LESSONS if lesson.url_path == url_path)
    open_page(page, url(server, lesson))
    page.locator("[data-testid=stPopover] button").filter(has_text="Notation").click()
    wait_for_run(page)
    body = page.locator("[data-testid=stPopoverBody]").filter(has_text="Counting.")
    body.wait_for(timeout=30_000)
    text = body.inner_text()
    assert "RNN." in text and ("LSTM." in text) == (url_path == "text_lab")
    assert ("Later lessons add the LSTM's gates (lesson 5)" in text) == (url_path == "rnn_unrolled")
    screenshot(page, f"notation_{url_path}")
    page.keyboard.press("Escape")

"""Lesson 8 (text lab) in headless Chromium: every part opened, a control moved on each, typed text."""

import json

from app.course import REPO_ROOT
from app.figures.text_lab import shown_char
from tests.browser.helpers import (assert_no_exception, move_slider, open_page, open_tab, screenshot, slider_value,
                                   wait_for_run)

PARTS = ["Write", "Watch it learn", "Inside the units", "What a prediction depends on", "How much context is used"]


def chart_letters(page, chart=0):
    """The characters drawn in the cells of a text chart (one SVG text per cell)."""
    figure = page.locator("[data-testid=stPlotlyChart]").nth(chart)
    figure.locator("svg.main-svg").first.wait_for(timeout=30_000)
    return [t for t in figure.locator("g.heatmaplayer text").all_text_contents() if t.strip()]


def type_into(page, label, text):
    box = page.get_by_label(label, exact=True)
    box.fill(text)
    box.press("Control+Enter")  # a text area sends its value on Ctrl+Enter (or when it loses focus)
    wait_for_run(page)


def test_every_part_opens_and_answers_its_controls(page, server):
    open_page(page, f"{server}/text_lab")
    assert_no_exception(page)
    assert "Text lab" in page.locator("h1").first.inner_text()
    for part, slider in zip(PARTS, ["Step s", "Checkpoint (training updates)", "Unit j", "Character position t",
                                    None]):
        open_tab(page, part)
        assert_no_exception(page)
        assert page.locator("[data-testid=stPlotlyChart]").count() >= 1, part
        if slider:
            before = slider_value(page, slider)
            move_slider(page, slider, 3)
            assert_no_exception(page)
            assert slider_value(page, slider) != before, f"{part}: {slider} did not move"
        screenshot(page, f"text_lab_{PARTS.index(part) + 1}")
    open_tab(page, "How much context is used")
    move_slider(page, "k: characters the model may see", 3)     # 16 -> 24 -> 32 -> 48
    assert_no_exception(page)
    assert "With k = 48:" in page.locator("[data-testid=stMain]").inner_text()


def test_write_reads_a_typed_prompt_and_skips_what_it_does_not_know(page, server):
    open_page(page, f"{server}/text_lab?tl_length=50")
    type_into(page, "Your beginning (the prompt)", "JULIET.\nO R\u00f6meo \U0001F339 **x** <b>y</b>")
    assert_no_exception(page)
    text = page.locator("[data-testid=stMain]").inner_text()
    assert "U+00F6" in text and "U+1F339" in text and "U+003C" in text   # the models know no < or >
    codes = page.locator("[data-testid=stCode]").all_inner_texts()
    assert sum(code.startswith("JULIET.\nO Rmeo  **x** by/b") for code in codes) == 3   # shown as plain text
    assert page.locator("[data-testid=stMain] strong").filter(has_text="x").count() == 0  # never Markdown
    screenshot(page, "text_lab_typed_prompt")


def test_units_finder_and_own_text(page, server):
    open_page(page, f"{server}/text_lab?tl_part=Inside+the+units")
    page.get_by_role("button", name="Show the best unit for the feature").click()
    wait_for_run(page)
    assert_no_exception(page)
    assert slider_value(page, "Unit j") != "1"
    first = json.loads((REPO_ROOT / "data" / "text_lab_passages.json").read_text())["passages"][0]["text"]
    drawn = "".join(shown_char(ch) for ch in first[:60] if shown_char(ch).strip())  # spaces are blank cells
    assert drawn.startswith("[Enter a Porter".replace(" ", ""))  # the porter's scene (Macbeth) comes first
    assert "".join(chart_letters(page)).startswith(drawn)
    page.get_by_label("Text", exact=True).click()
    page.get_by_role("option", name="Your own text").click()
    wait_for_run(page)
    type_into(page, "Your own text", "[Aside] O, that way madness lies; let me shun that. [Exit]")
    assert_no_exception(page)
    assert "".join(chart_letters(page)).startswith("[Aside]O,thatway")   # spaces are blank cells
    screenshot(page, "text_lab_own_text")

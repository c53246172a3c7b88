"""Readable from the back row and usable on a phone, measured in Chromium on every part of every lesson:

- presentation mode at 1280 x 720: chart text at least 16 px, body text at least 20 px, tab, metric and control
  labels at least 18 px, and the first figure of the opening part starting within the top 540 px;
- normal mode: no chart text under 12 px, and at most 7 controls in a part's panel (the rest under More controls);
- a phone (390 x 844): nothing scrolls sideways.
"""

import pytest

from app import lesson as kit
from app.course import available
from tests.app.helpers import run_lesson, sections
from tests.browser.helpers import SCREENSHOTS, assert_no_exception, open_page, screenshot
from tests.browser.room import measure, smallest

LESSONS = available()
IDS = [lesson.url_path for lesson in LESSONS]


def parts(lesson):
    """The lesson's tab key and titles (read with AppTest), or (None, [None]) for a page without tabs."""
    found = sections(run_lesson(lesson))
    return found if found else (None, [None])


def part_url(server, lesson, key, title, present):
    query = [f"{key}={title}"] if key and title else []
    query += ["present=1"] if present else []
    return f"{server}/{lesson.url_path}" + ("?" + "&".join(query) if query else "")


@pytest.mark.parametrize("lesson", LESSONS, ids=IDS)
def test_projector(lesson, server, browser):
    key, titles = parts(lesson)
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    for index, title in enumerate(titles):
        open_page(page, part_url(server, lesson, key, title, present=True))
        assert_no_exception(page)
        seen = measure(page)
        where = f"{lesson.url_path} / {title}"
        assert not seen["chartText"] or smallest(seen["chartText"])[0] >= kit.PRESENT_FONT, (where, smallest(seen["chartText"]))
        assert smallest(seen["body"])[0] >= 20, (where, smallest(seen["body"]))
        assert smallest(seen["labels"])[0] >= 18, (where, smallest(seen["labels"]))
        if index == 0:
            assert seen["firstFigureTop"] is not None and seen["firstFigureTop"] <= 540, (where, seen["firstFigureTop"])
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOTS / f"present_{lesson.url_path}.png"))
    page.close()


@pytest.mark.parametrize("lesson", LESSONS, ids=IDS)
def test_screen_and_phone(lesson, server, browser):
    key, titles = parts(lesson)
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    for title in titles:
        open_page(page, part_url(server, lesson, key, title, present=False))
        assert_no_exception(page)
        seen = measure(page)
        where = f"{lesson.url_path} / {title}"
        assert not seen["chartText"] or smallest(seen["chartText"])[0] >= kit.NORMAL_FONT, (where, smallest(seen["chartText"]))
        assert len(seen["controls"]) <= kit.MAX_VISIBLE_CONTROLS, (where, seen["controls"])
    page.close()
    phone = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    open_page(phone, part_url(server, lesson, key, titles[0], present=False))
    assert measure(phone)["sideways"] <= 1, lesson.url_path
    screenshot(phone, f"phone_{lesson.url_path}")
    phone.close()


def test_the_address_follows_every_control_across_tab_switches(browser):
    """Controls never move between tabs (each tab shows or hides them in place), so the browser's address keeps
    following a control after the tab that shows it changed: a control drawn somewhere else is mounted anew, and
    its old copy, removed at the end of the run, took the address binding with it."""
    from pathlib import Path

    from tests.browser.helpers import move_slider, serve, wait_for_run

    def then(action, *args):  # each step as a person does it, the page settled in between
        action(*args)
        page.wait_for_timeout(1000)

    def switch(title):
        page.get_by_role("tab", name=title).click()
        wait_for_run(page)

    with serve(str(Path(__file__).resolve().parents[1] / "kit" / "kit_app.py")) as (base, _, _):
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        open_page(page, base + "/")
        then(move_slider, page, "Length T", 2)
        then(switch, "Table")
        then(move_slider, page, "Digits", 1)
        then(move_slider, page, "Length T", 2)
        then(switch, "Growth")
        then(move_slider, page, "Rate", 1)
        then(move_slider, page, "Length T", 1)
        assert page.url.endswith("?k_T=10&k_digits=4&k_rate=1.5"), page.url
        page.close()


def test_more_controls_shows_the_folded_controls_of_the_open_tab_only(browser):
    from pathlib import Path

    from tests.browser.helpers import serve, wait_for_run

    visible = lambda label: page.locator("[data-testid=stWidgetLabel]:visible").filter(has_text=label).count()  # noqa: E731
    with serve(str(Path(__file__).resolve().parents[1] / "kit" / "kit_app.py")) as (base, _, _):
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        open_page(page, base + "/")
        switch = page.locator("[data-testid=stCheckbox]").filter(has_text="More controls")
        switch.wait_for(state="visible", timeout=30_000)             # Growth folds the seed, style and marks
        assert (visible("Random seed"), visible("Style"), visible("Marks")) == (0, 0, 0)
        switch.locator("label").click()
        wait_for_run(page)
        page.locator("[data-testid=stWidgetLabel]").filter(has_text="Marks").wait_for(state="visible", timeout=30_000)
        assert (visible("Random seed"), visible("Style"), visible("Marks")) == (1, 1, 1)
        page.get_by_role("tab", name="Table").click()
        wait_for_run(page)
        page.locator("[data-testid=stWidgetLabel]").filter(has_text="Digits").wait_for(state="visible", timeout=30_000)
        assert (visible("Random seed"), visible("Style"), visible("Marks"), visible("Digits")) == (1, 0, 0, 1)
        page.get_by_role("tab", name="Summary").click()  # a tab that folds nothing, after one that folds
        wait_for_run(page)
        page.locator("[data-testid=stWidgetLabel]").filter(has_text="Width").wait_for(state="visible", timeout=30_000)
        assert (visible("Random seed"), visible("Digits"), visible("Width"), visible("Length T")) == (0, 0, 1, 1)
        assert not switch.is_visible()
        page.close()

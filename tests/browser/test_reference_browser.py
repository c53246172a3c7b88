"""The reference pages in Chromium: the glossary's anchors are reachable (from an address, from its letter index and
from a lesson's link), and the recap renders every equation and prints."""

import re

from app.glossary import TERMS
from tests.browser.helpers import REPO_ROOT, assert_no_exception, open_page, screenshot, wait_for_run


def in_view(page, anchor):
    """Whether the heading with this anchor is on screen (Streamlit scrolls inside stMain)."""
    return page.evaluate("""anchor => { const h = document.getElementById(anchor); if (!h) return false;
        const r = h.getBoundingClientRect(); return r.top >= 0 && r.top < window.innerHeight; }""", anchor)


def test_a_glossary_address_opens_at_its_term(page, server):
    open_page(page, f"{server}/glossary#softmax")
    assert_no_exception(page)
    page.wait_for_function("() => { const h = document.getElementById('softmax'); if (!h) return false; "
                           "const r = h.getBoundingClientRect(); return r.top >= 0 && r.top < window.innerHeight; }",
                           timeout=30_000)
    assert page.locator("h3#softmax").inner_text().strip() == "softmax"
    assert page.locator("h3[id]").count() >= len(TERMS)
    assert not in_view(page, "adam")
    screenshot(page, "glossary_softmax")


def test_the_letter_index_and_a_lessons_link_reach_their_terms(page, server):
    open_page(page, f"{server}/glossary")
    assert in_view(page, "adam") or page.locator("h3#adam").count() == 1
    page.locator("[data-testid=stMain] a[href='#saturation']").first.click()
    page.wait_for_function("() => { const r = document.getElementById('saturation').getBoundingClientRect(); "
                           "return r.top >= 0 && r.top < window.innerHeight; }", timeout=30_000)
    open_page(page, f"{server}/memory_lab")
    link = page.locator("[data-testid=stMain] a", has_text="held-out").first
    href = link.get_attribute("href")
    assert href == "glossary#held-out-set"
    open_page(page, re.sub(r"/memory_lab.*", "/", page.url) + href)
    page.wait_for_function("() => { const h = document.getElementById('held-out-set'); if (!h) return false; "
                           "const r = h.getBoundingClientRect(); return r.top >= 0 && r.top < window.innerHeight; }",
                           timeout=30_000)


def test_the_recap_renders_every_equation_and_prints(page, server):
    open_page(page, f"{server}/recap")
    assert_no_exception(page)
    page.evaluate("async () => { await document.fonts.ready; }")
    assert page.locator("[data-testid=stMain] .katex-display").count() >= 18
    assert page.locator(".katex-error").count() == 0
    sidebar = page.locator("[data-testid=stSidebar]")            # one flat list: the lessons, then these two
    assert sidebar.get_by_text("Glossary").count() >= 1 and sidebar.get_by_text("Recap: every equation").count() >= 1
    screenshot(page, "recap")
    wait_for_run(page)
    pdf = page.pdf(format="A4", print_background=False, margin={"top": "12mm", "bottom": "12mm", "left": "12mm",
                                                                 "right": "12mm"})
    path = REPO_ROOT / "test-artifacts" / "recap.pdf"
    path.write_bytes(pdf)
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    assert 2 <= pages <= 8, pages
    # on paper, every equation stays with the line that says what it is, and every heading with its lesson
    page.emulate_media(media="print")
    kept = page.evaluate("""() => [...document.querySelectorAll('[class*="st-key-recap-"]')].map(e => [
        e.className.match(/st-key-(recap-[a-z]+)/)[1], getComputedStyle(e).breakInside,
        e.querySelectorAll('.katex-display').length, e.querySelectorAll('h3').length])""")
    equations = [k for k in kept if k[0] == "recap-equation"]
    groups = [k for k in kept if k[0] == "recap-group"]
    assert len(equations) == page.locator("[data-testid=stMain] .katex-display").count() >= 18
    assert all(style == "avoid" and displays == 1 for _, style, displays, _ in equations)
    assert groups and all(style == "avoid" and headings == 1 for _, style, _, headings in groups)


def test_the_recap_on_a_phone_shows_every_equation_and_lesson_link_whole(browser, server):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    try:
        page = context.new_page()
        open_page(page, f"{server}/recap")
        page.evaluate("async () => { await document.fonts.ready; }")
        cut = page.evaluate("""() => [...document.querySelectorAll('[data-testid=stMain] .katex-display, '
            + '[data-testid=stMain] [data-testid=stPageLink] p')].filter(e => e.scrollWidth > e.clientWidth + 1)
            .map(e => e.innerText.slice(0, 40))""")
        assert cut == []
        screenshot(page, "recap_phone")
    finally:
        context.close()

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
                           timeout=15_000)
    assert page.locator("h3#softmax").inner_text().strip() == "softmax"
    assert page.locator("h3[id]").count() >= len(TERMS)
    assert not in_view(page, "adam")
    screenshot(page, "glossary_softmax")


def test_the_letter_index_and_a_lessons_link_reach_their_terms(page, server):
    open_page(page, f"{server}/glossary")
    assert in_view(page, "adam") or page.locator("h3#adam").count() == 1
    page.locator("[data-testid=stMain] a[href='#saturation']").first.click()
    page.wait_for_function("() => { const r = document.getElementById('saturation').getBoundingClientRect(); "
                           "return r.top >= 0 && r.top < window.innerHeight; }", timeout=10_000)
    open_page(page, f"{server}/memory_lab")
    link = page.locator("[data-testid=stMain] a", has_text="held-out").first
    href = link.get_attribute("href")
    assert href == "glossary#held-out-set"
    open_page(page, re.sub(r"/memory_lab.*", "/", page.url) + href)
    page.wait_for_function("() => { const h = document.getElementById('held-out-set'); if (!h) return false; "
                           "const r = h.getBoundingClientRect(); return r.top >= 0 && r.top < window.innerHeight; }",
                           timeout=15_000)


def test_the_recap_renders_every_equation_and_prints(page, server):
    open_page(page, f"{server}/recap")
    assert_no_exception(page)
    page.evaluate("async () => { await document.fonts.ready; }")
    assert page.locator("[data-testid=stMain] .katex-display").count() >= 18
    assert page.locator(".katex-error").count() == 0
    sidebar = page.locator("[data-testid=stSidebar]").filter(has_text="Reference")
    assert sidebar.get_by_text("Glossary").count() >= 1 and sidebar.get_by_text("Recap: every equation").count() >= 1
    screenshot(page, "recap")
    wait_for_run(page)
    pdf = page.pdf(format="A4", print_background=False, margin={"top": "12mm", "bottom": "12mm", "left": "12mm",
                                                                 "right": "12mm"})
    path = REPO_ROOT / "test-artifacts" / "recap.pdf"
    path.write_bytes(pdf)
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    assert 2 <= pages <= 8, pages

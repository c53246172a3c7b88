"""What the room sees, measured in Chromium: chart text sizes, body and label sizes, where the first
figure starts, the controls a tab shows, sideways scrolling. Used by test_room_browser.py."""

from __future__ import annotations

from tests.browser.helpers import settle

MEASURE = """() => {
  const px = el => parseFloat(getComputedStyle(el).fontSize);
  const shown = el => { const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
  const inked = el => { const s = getComputedStyle(el);
    return s.fill !== 'rgba(0, 0, 0, 0)' && s.fillOpacity !== '0' && s.opacity !== '0' && s.visibility !== 'hidden'; };
  const main = document.querySelector('[data-testid=stMain]');
  const chartText = [...main.querySelectorAll('[data-testid=stPlotlyChart] svg text')]
    .filter(t => t.textContent.trim() && shown(t) && inked(t) && !t.closest('.hoverlayer'))
    .map(t => ({text: t.textContent.trim().slice(0, 40), px: px(t)}));
  const body = [...main.querySelectorAll('.stMarkdown p, .stMarkdown li')]
    .filter(p => shown(p) && !p.closest('[data-testid=stCaptionContainer]') && !p.closest('[data-testid=stWidgetLabel]')
                 && !p.closest('[data-testid=stTab]') && !p.closest('summary') && !p.closest('button')
                 && !p.closest('[data-testid=stMetricLabel]') && !p.closest('[data-testid=stPopover]'))
    .map(p => ({text: p.textContent.trim().slice(0, 40), px: px(p)}));
  const labels = [...main.querySelectorAll('[data-testid=stWidgetLabel] p, [data-testid=stTab] p, [data-testid=stMetricLabel] p')]
    .filter(shown).map(p => ({text: p.textContent.trim().slice(0, 40), px: px(p)}));
  const figures = [...main.querySelectorAll('[data-testid=stPlotlyChart]')].filter(shown);
  const firstFigureTop = figures.length ? figures[0].getBoundingClientRect().top + main.scrollTop : null;
  const panel = main.querySelector('.st-key-control_panel');
  const kinds = '[data-testid=stSlider], [data-testid=stSelectbox], [data-testid=stNumberInput], ' +
                '[data-testid=stCheckbox], [data-testid=stButtonGroup], [data-testid=stRadio], [data-testid=stTextInput], ' +
                '[data-testid=stTextArea], [data-testid=stMultiSelect]';
  const controls = panel ? [...panel.querySelectorAll(kinds)].filter(c => shown(c) && !c.closest('details'))
                                .map(c => (c.querySelector('[data-testid=stWidgetLabel]') || c).textContent.trim())
                                .filter(label => label !== 'More controls') : [];  // the panel's own switch
  const doc = document.scrollingElement;
  return {chartText, body, labels, firstFigureTop, controls,
          sideways: Math.max(doc.scrollWidth - doc.clientWidth, main.scrollWidth - main.clientWidth)};
}"""


def measure(page) -> dict:
    """Text sizes, the first figure's top (px from the top of the page), the panel's visible controls and how far
    the page scrolls sideways, as the browser lays the page out now."""
    settle(page)
    page.evaluate("async () => { await document.fonts.ready; }")
    charts = page.locator("[data-testid=stPlotlyChart]")
    for k in range(charts.count()):  # a chart below the fold may not be drawn until it is scrolled to
        charts.nth(k).scroll_into_view_if_needed()
        charts.nth(k).locator("svg.main-svg").first.wait_for(timeout=30_000)
    page.locator("[data-testid=stMain]").evaluate("main => main.scrollTo(0, 0)")
    page.wait_for_timeout(200)
    return page.evaluate(MEASURE)


def smallest(items: list[dict]) -> tuple[float, str] | None:
    return min(((item["px"], item["text"]) for item in items), default=None)

"""The BPTT and vanishing/exploding lessons in headless Chromium: controls, Play, extremes, screenshots."""

from app.course import page_for
from tests.browser.helpers import (assert_no_exception, move_slider, open_page, open_tab, record_reruns, press_play,
                                   screenshot, slider_value, wait_for_run)

BPTT = page_for("pages/3_bptt.py")
VANISHING = page_for("pages/4_vanishing_exploding.py")


def chart_texts(page):
    return page.locator("[data-testid=stPlotlyChart]").all_inner_texts()



def chart_text(page, index, showing=None):
    """The text Plotly drew in the index-th chart, once it shows `showing` (Plotly draws after the run ends)."""
    chart = page.locator("[data-testid=stPlotlyChart]").nth(index)
    chart.scroll_into_view_if_needed()
    chart.filter(has_text=showing or "").locator("svg.main-svg").first.wait_for(timeout=30_000)
    return chart.inner_text().replace("\u200b", "")           # Plotly puts zero-width spaces around <sub>


def assert_no_nan_on_screen(page):
    text = page.locator("[data-testid=stMain]").inner_text()
    assert "NaN" not in text and "nan" not in text.split(), text[:2000]
    for chart in chart_texts(page):
        assert "NaN" not in chart


def test_bptt_controls_and_backward_animation(server, page):
    open_page(page, f"{server}/{BPTT.url_path}")
    assert_no_exception(page)
    assert "backpropagation through time" in page.locator("h1").first.inner_text().lower()
    move_slider(page, "Sequence length T", 4)                 # 8 -> 12
    move_slider(page, "Hidden size H", -2)                    # 6 -> 4
    move_slider(page, "Scale of W_hh", 5)                     # 1.5 -> 2.0
    assert slider_value(page, "Sequence length T") == "12"
    assert "b_T=12" in page.url and "b_H=4" in page.url
    assert chart_texts(page) and len(chart_texts(page)) == 1  # only the open section (Losses) is drawn
    open_tab(page, "Reach of a loss")
    assert "b_part=Reach+of+a+loss" in page.url and len(chart_texts(page)) == 2
    move_slider(page, "Loss at step k", 2)                    # 4 -> 6
    open_tab(page, "Truncated BPTT")
    move_slider(page, "Window K", 1)                          # 3 -> 4
    assert_no_exception(page)
    assert_no_nan_on_screen(page)
    open_tab(page, "Backward pass")
    press_play(page, chart=0)
    page.wait_for_timeout(1800)
    chart = page.locator("[data-testid=stPlotlyChart]").nth(0)
    current = chart.locator("text").filter(has_text="backward pass has reached step")
    assert current.count() == 1
    assert current.text_content() != "backward pass has reached step 1"   # it restarted from the last step
    screenshot(page, "bptt_playing")


def test_bptt_extremes(server, page):
    open_page(page, f"{server}/{BPTT.url_path}?b_T=30&b_H=16&b_whh=4&b_wih=4&b_K=1&b_k=30&b_seed=2147483647")
    for title in ["Losses", "Backward pass", "Shared W_hh", "Reach of a loss", "Truncated BPTT"]:
        open_tab(page, title)
        assert_no_exception(page)
        assert_no_nan_on_screen(page)
    screenshot(page, "bptt_extremes")
    open_page(page, f"{server}/{BPTT.url_path}?b_T=2&b_H=1&b_whh=0.1&b_wih=0&b_seq=Impulse")
    assert_no_exception(page)
    assert_no_nan_on_screen(page)


def assert_every_vanishing_section_clean(page):
    """Open each section tab of the vanishing lesson in turn: no exception and no NaN in any of them."""
    for title in ["Gradient reach", "Per unit detail", "Clipping", "The cliff"]:
        open_tab(page, title)
        assert_no_exception(page)
        assert_no_nan_on_screen(page)


def test_vanishing_controls_buttons_and_cliff(server, page):
    open_page(page, f"{server}/{VANISHING.url_path}")
    assert_no_exception(page)
    assert "Vanishing and exploding gradients" in page.locator("h1").first.inner_text()
    move_slider(page, "s1", 6)                                 # 1.0 -> 1.3
    move_slider(page, "Sequence length T", 20)
    assert "v_s1=1.3" in page.url
    assert len(chart_texts(page)) == 1                         # only the open section (Gradient reach) is drawn
    page.get_by_role("button", name="Make it orthogonal").click()
    wait_for_run(page)
    assert slider_value(page, "s1") == "1.00" or slider_value(page, "s1") == "1"
    page.get_by_text("linear", exact=True).first.click()
    wait_for_run(page)
    assert "exploding" not in page.locator("[data-testid=stMetric]").first.inner_text()
    screenshot(page, "vanishing_orthogonal_linear")
    page.get_by_role("button", name="Example: s_max > 1").click()
    wait_for_run(page)
    assert_no_exception(page)
    assert "vanishing" in page.locator("[data-testid=stMetric]").first.inner_text()
    open_tab(page, "Clipping")
    assert "v_part=Clipping" in page.url and len(chart_texts(page)) == 2
    move_slider(page, "Clipping threshold c = 10^k", 4)
    assert_no_nan_on_screen(page)
    open_tab(page, "The cliff")
    move_slider(page, "Cliff: clipping threshold c", -2)
    assert_no_nan_on_screen(page)
    screenshot(page, "vanishing_saturated_example")


def test_vanishing_extremes_show_overflow_not_nan(server, page):
    values = "&".join(f"v_s{k}=5" for k in range(1, 9))
    open_page(page, f"{server}/{VANISHING.url_path}?v_H=8&v_T=500&v_f=linear&v_in=4&{values}")
    regime = page.locator("[data-testid=stMetric]").filter(has_text="Regime")
    regime.wait_for(timeout=30_000)            # under load the metrics are drawn a moment after the run ends
    assert_no_exception(page)
    assert_no_nan_on_screen(page)
    assert "exploding" in regime.inner_text()
    # Plotly draws its annotations after the script run ends: wait for the overflow band's label.
    page.locator("[data-testid=stPlotlyChart]", has_text="overflow").first.wait_for(timeout=30_000)
    screenshot(page, "vanishing_overflow")
    assert_every_vanishing_section_clean(page)
    open_page(page, f"{server}/{VANISHING.url_path}?v_H=16&v_T=500&v_f=relu&v_smax=5&v_decay=1&v_in=4")
    assert_every_vanishing_section_clean(page)
    open_tab(page, "Gradient reach")                           # the overflow warning above the Jacobian norms
    screenshot(page, "vanishing_relu_max")


def test_bptt_fragment_slider_reruns_only_its_panel(server, page):
    reruns = record_reruns(page)
    open_page(page, f"{server}/{BPTT.url_path}?b_part=Reach+of+a+loss")
    before = chart_text(page, 0, "dL4")                        # the row bars of "Which steps does ... reach?"
    assert "dL4/dWhh" in before
    del reruns[:]
    move_slider(page, "Loss at step k", 3)                    # 4 -> 7
    assert slider_value(page, "Loss at step k") == "7" and "b_k=7" in page.url
    assert_no_exception(page)
    after = chart_text(page, 0, "dL7")
    assert after != before and "dL7/dWhh" in after
    assert "steps after 7 contribute nothing" in page.locator("[data-testid=stMain]").inner_text()
    assert reruns and all(reruns), reruns                     # every rerun was a fragment's, not the page's
    assert_no_nan_on_screen(page)
    screenshot(page, "bptt_fragment_k7")


def test_vanishing_fragment_sliders_rerun_only_their_panels(server, page):
    reruns = record_reruns(page)
    open_page(page, f"{server}/{VANISHING.url_path}?v_part=Clipping")
    norms_before = chart_text(page, 1, "global L2 norm")        # vectors (0) and norms (1) of the Clipping tab
    del reruns[:]
    move_slider(page, "Clipping threshold c = 10^k, k", -4)    # -1 -> -2
    assert "v_clip=-2" in page.url
    assert_no_exception(page)
    norms_after = chart_text(page, 1, "global L2 norm")
    assert norms_after != norms_before                         # the norms after clipping at c = 0.01
    assert reruns and all(reruns), reruns
    open_tab(page, "The cliff")                                # a page rerun: the tab's section runs
    cliff_before = chart_text(page, 1, "c = 2")                # the step lengths of plain and clipped descent
    assert "clip_by_norm, c = 2" in cliff_before
    del reruns[:]
    move_slider(page, "Cliff: clipping threshold c", -2)       # 2.0 -> 1.0
    assert "v_cliffc=1" in page.url
    assert_no_exception(page)
    cliff_after = chart_text(page, 1, "c = 1")
    assert cliff_after != cliff_before and "clip_by_norm, c = 1" in cliff_after
    assert reruns and all(reruns), reruns
    assert_no_nan_on_screen(page)
    screenshot(page, "vanishing_fragments_clipped")
    open_tab(page, "Clipping")                                 # the session kept the first panel's threshold
    assert "v_clip=-2" in page.url and slider_value(page, "Clipping threshold c = 10^k, k") == "-2.00"
    assert chart_text(page, 1, "global L2 norm") == norms_after
    open_tab(page, "Gradient reach")
    assert "vanishing" in page.locator("[data-testid=stMetric]").first.inner_text()

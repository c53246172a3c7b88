"""The BPTT and vanishing/exploding lessons in headless Chromium: controls, Play, extremes, screenshots."""

from app.course import lesson_for
from tests.browser.helpers import (assert_no_exception, move_slider, open_page, press_play, screenshot,
                                   slider_value, wait_for_run)

BPTT = lesson_for("pages/3_bptt.py")
VANISHING = lesson_for("pages/4_vanishing_exploding.py")


def chart_texts(page):
    return page.locator("[data-testid=stPlotlyChart]").all_inner_texts()


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
    move_slider(page, "Loss at step k", 2)                    # 4 -> 6
    move_slider(page, "Window K", 1)                          # 3 -> 4
    page.get_by_text("Sine wave").first.is_visible()
    assert_no_exception(page)
    assert_no_nan_on_screen(page)
    press_play(page, chart=1)
    page.wait_for_timeout(1800)
    chart = page.locator("[data-testid=stPlotlyChart]").nth(1)
    current = chart.locator("text").filter(has_text="backward pass has reached step")
    assert current.count() == 1
    assert current.text_content() != "backward pass has reached step 1"   # it restarted from the last step
    screenshot(page, "bptt_playing")


def test_bptt_extremes(server, page):
    open_page(page, f"{server}/{BPTT.url_path}?b_T=30&b_H=16&b_whh=4&b_wih=4&b_K=1&b_k=30&b_seed=2147483647")
    assert_no_exception(page)
    assert_no_nan_on_screen(page)
    screenshot(page, "bptt_extremes")
    open_page(page, f"{server}/{BPTT.url_path}?b_T=2&b_H=1&b_whh=0.1&b_wih=0&b_seq=Impulse")
    assert_no_exception(page)
    assert_no_nan_on_screen(page)


def test_vanishing_controls_buttons_and_cliff(server, page):
    open_page(page, f"{server}/{VANISHING.url_path}")
    assert_no_exception(page)
    assert "Vanishing and exploding gradients" in page.locator("h1").first.inner_text()
    move_slider(page, "s1", 6)                                 # 1.0 -> 1.3
    move_slider(page, "Sequence length T", 20)
    assert "v_s1=1.3" in page.url
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
    move_slider(page, "Clipping threshold c = 10^k", 4)
    move_slider(page, "Cliff: clipping threshold c", -2)
    assert_no_nan_on_screen(page)
    screenshot(page, "vanishing_saturated_example")


def test_vanishing_extremes_show_overflow_not_nan(server, page):
    values = "&".join(f"v_s{k}=5" for k in range(1, 9))
    open_page(page, f"{server}/{VANISHING.url_path}?v_H=8&v_T=500&v_f=linear&v_in=4&{values}")
    assert_no_exception(page)
    assert_no_nan_on_screen(page)
    assert "exploding" in page.locator("[data-testid=stMetric]").first.inner_text()
    # Plotly draws its annotations after the script run ends: wait for the overflow band's label.
    page.locator("[data-testid=stPlotlyChart]", has_text="overflow").first.wait_for(timeout=30_000)
    screenshot(page, "vanishing_overflow")
    open_page(page, f"{server}/{VANISHING.url_path}?v_H=16&v_T=500&v_f=relu&v_smax=5&v_decay=1&v_in=4")
    assert_no_exception(page)
    assert_no_nan_on_screen(page)
    screenshot(page, "vanishing_relu_max")

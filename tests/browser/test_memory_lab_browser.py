"""Lesson 7 (memory lab) in headless Chromium: move every control, press Train, type sentences."""

from tests.browser.helpers import (assert_no_exception, move_slider, open_page, screenshot, slider_value,
                                   wait_for_run)

SMALL = "lab_gap=3&lab_steps=50&lab_hidden=6&lab_seed=5&lab_recompute_gap=0"
SLIDERS = ["Gap (filler words)", "Hidden size H", "Training steps (at most)", "Clip gradient norm at",
           "LSTM forget-gate bias b_f", "GRU update-gate bias b_z"]


def metrics(page):
    return page.locator("[data-testid=stMetricValue]").all_inner_texts()


def click_button(page, label):
    page.get_by_role("button", name=label, exact=True).click()
    wait_for_run(page, timeout=240_000)


def test_move_every_control_then_train(page, server):
    open_page(page, f"{server}/memory_lab?{SMALL}")
    assert_no_exception(page)
    assert "Memory lab" in page.locator("h1").first.inner_text()
    screenshot(page, "memory_lab_default")
    for label in SLIDERS:
        before = slider_value(page, label)
        move_slider(page, label, 2)
        assert_no_exception(page)
        assert slider_value(page, label) != before, f"{label} did not move"
    move_slider(page, "Gap (filler words)", -2)
    move_slider(page, "Training steps (at most)", -2)
    page.get_by_text("Train the GRU", exact=True).click()   # switch the GRU off
    wait_for_run(page)
    assert_no_exception(page)
    click_button(page, "Train")
    assert_no_exception(page)
    values = metrics(page)
    assert len(values) == 2 and all(v.endswith("%") for v in values)
    assert page.locator("[data-testid=stPlotlyChart]").count() == 5
    screenshot(page, "memory_lab_trained")


def test_type_an_unknown_word_then_a_good_sentence(page, server):
    open_page(page, f"{server}/memory_lab?{SMALL}&lab_rnn=false&lab_gru=false")
    click_button(page, "Train")
    box = page.get_by_label("Type a sentence from the vocabulary", exact=True)
    box.fill("evening we eat pizza let's meet for")
    box.press("Enter")
    wait_for_run(page)
    assert_no_exception(page)
    warning = page.locator("[data-testid=stAlert]").filter(has_text="pizza")
    assert warning.count() == 1
    assert "breakfast" not in warning.inner_text() and "afternoon" in warning.inner_text()
    screenshot(page, "memory_lab_unknown_word")
    box.fill("evening so we could talk let's meet for")
    box.press("Enter")
    wait_for_run(page)
    assert_no_exception(page)
    assert page.locator("[data-testid=stAlert]").filter(has_text="pizza").count() == 0
    assert page.get_by_text("Inside the trained LSTM").count() == 1
    screenshot(page, "memory_lab_sentence")


def test_recompute_a_gap_live(page, server):
    open_page(page, f"{server}/memory_lab?{SMALL}&lab_rnn=false&lab_lstm=false&lab_gru=false")
    click_button(page, "Recompute this gap")
    assert_no_exception(page)
    chart = page.locator("[data-testid=stPlotlyChart]").last
    assert chart.get_by_text("just now").count() >= 1
    chart.screenshot(path=str(screenshot(page, "memory_lab_recomputed").with_name("memory_lab_vs_gap.png")))

"""The lesson kit on a page of its own (tests/kit/kit_app.py): checks that teach, a control panel per tab
that keeps the values of the controls it does not show, and a reset."""

from pathlib import Path

import pytest

from streamlit.testing.v1 import AppTest

from app import lesson as kit

KIT_APP = str(Path(__file__).with_name("kit_app.py"))


def run(query=None):
    at = AppTest.from_file(KIT_APP, default_timeout=30)
    at.query_params.update(query or {})
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def values_line(at):
    return next(m.value for m in at.markdown if m.value.startswith("values:"))


def feedback(at):
    return [(type(e).__name__, e.value) for e in [*at.success, *at.error, *at.info]]


def test_quiz_letters_its_options_explains_a_wrong_pick_without_the_answer_and_allows_another():
    at = run()
    radio = at.radio(key="quiz_kit")
    assert radio.options == ["A. 3", "B. 4", "C. 5"]
    assert radio.value is None and not at.success and not at.error
    radio.set_value(0).run()
    (kind, text), = [(k, t) for k, t in feedback(at) if "Not" in t or "right" in t]
    assert kind == "Error" and text == "**Not A.** 3 is one less than 2 + 2. Try another option."
    assert "B" not in text and "4" not in text.replace("2 + 2", "")   # the answer is not given away
    at.radio(key="quiz_kit").set_value(2).run()
    assert "**Not C.** 5 is one more than 2 + 2." in at.error[0].value
    at.radio(key="quiz_kit").set_value(1).run()
    assert at.success[0].value == "**B is right.** Two and two make four."
    assert not at.error
    check = kit.CHECKS[("", "quiz_kit")]
    assert (check.options, check.answer, check.kind) == (("3", "4", "5"), 1, "quiz")


def test_quiz_needs_a_reason_for_every_wrong_option():
    with pytest.raises(ValueError):
        kit.quiz("q", "?", ["a", "b"], answer=0, why="w", wrong=[None, None])
    with pytest.raises(ValueError):
        kit.quiz("q", "?", ["a", "b"], answer=0, why="w", wrong=["a is right", "b"])


def test_predict_waits_for_the_prediction_then_for_the_move():
    at = run()
    radio = at.radio(key="predict_growth")
    assert radio.options == ["A. It stays at 1", "B. It grows", "C. It shrinks"]
    assert any(m.value == "Choose your prediction first; then move the rate to 2." for m in at.markdown)
    radio.set_value(2).run()
    assert at.info[0].value == "You predicted **C**. Now move the rate to 2, and watch the figure."
    at.slider(key="k_rate").set_value(2.0).run()
    assert at.error[0].value == "**The figure shows B, not C.** With rate 2 the last value is 2^5 = 32."
    at.radio(key="predict_growth").set_value(1).run()
    assert at.success[0].value == "**B: the figure agrees.** With rate 2 the last value is 2^5 = 32."


def test_panel_shows_a_tabs_controls_and_keeps_the_others_values():
    at = run({"k_rate": "1.5"})
    assert "shown 2, folded 3" in values_line(at)             # length and rate; seed, style, marks under More
    assert values_line(at).startswith("values: 1.500, 2.250, 3.375")
    at.slider(key="k_T").set_value(3).run()
    at.session_state["k_part"] = "Table"                       # open the other tab (a click sets its value)
    at.query_params["k_part"] = "Table"
    at.run()
    assert "shown 2, folded 1" in values_line(at)             # length and digits; the seed under More
    at.slider(key="k_digits").set_value(1).run()
    assert values_line(at).startswith("values: 1.5, 2.2, 3.4;")  # the rate set on Growth still counts here
    at.session_state["k_part"] = "Growth"
    at.query_params["k_part"] = "Growth"
    at.run()
    assert values_line(at).startswith("values: 1.5, 2.2, 3.4;")  # and the digits set on Table here
    assert at.slider(key="k_rate").value == 1.5 and at.slider(key="k_T").value == 3


def test_reset_puts_every_control_of_the_lesson_back_to_its_default():
    at = run({"k_rate": "2", "k_digits": "1", "k_T": "2", "k_seed": "9"})
    assert values_line(at).startswith("values: 2.0, 4.0; seed 9")
    at.button(key="reset_kit").click().run()
    assert values_line(at) == "values: 1.000, 1.000, 1.000, 1.000, 1.000; seed 0; plain, none; shown 2, folded 3, width 4"

"""controls.py against hostile links: corrected before the widget exists, with a note, never a crash."""

import pytest
from streamlit.testing.v1 import AppTest

from tests.app.helpers import assert_ran_cleanly, link_notes


def controls_app():
    from app import controls

    controls.int_slider("Count", "n", 1, 16, 4)
    controls.float_slider("Scale", "s", 0.1, 3.0, 1.0, 0.05)
    controls.choice("Kind", "kind", ["tanh", "relu", "linear"], "tanh", format_func=str.upper)
    controls.choice("Mode", "mode", ["a", "b"], "a", widget="segmented")
    controls.choice("Pick", "pick", ["a", "b"], "b", widget="radio")
    controls.toggle("Show", "show", default=False)
    controls.seed_input()


def run(params):
    at = AppTest.from_function(controls_app, default_timeout=30)
    at.query_params.update(params)
    return at.run()


@pytest.mark.parametrize("raw, value, noted", [
    ("7", 7, False), ("999", 16, True), ("-5", 1, True), ("nan", 4, True), ("inf", 4, True),
    ("-inf", 4, True), ("abc", 4, True), ("", 4, False), ("1e400", 4, True),
])
def test_int_slider(raw, value, noted):
    at = run({"n": raw})
    assert_ran_cleanly(at)
    assert at.slider(key="n").value == value
    assert bool(link_notes(at)) == noted


@pytest.mark.parametrize("raw, value", [("2.5", 2.5), ("10", 3.0), ("0", 0.1), ("NaN", 1.0), ("x", 1.0)])
def test_float_slider(raw, value):
    at = run({"s": raw})
    assert_ran_cleanly(at)
    assert at.slider(key="s").value == pytest.approx(value)


@pytest.mark.parametrize("raw, value, noted", [
    ("RELU", "relu", False), ("relu", "relu", False), ("sigmoid", "tanh", True), ("**bold**", "tanh", True),
])
def test_choice_selectbox(raw, value, noted):
    at = run({"kind": raw})
    assert_ran_cleanly(at)
    assert at.selectbox(key="kind").value == value
    assert bool(link_notes(at)) == noted
    assert not any("bold" in note for note in link_notes(at))


def test_choice_segmented_and_radio():
    at = run({"mode": "b", "pick": "zzz"})
    assert_ran_cleanly(at)
    assert at.button_group(key="mode").value == "b"
    assert at.radio(key="pick").value == "b"
    assert len(link_notes(at)) == 1


@pytest.mark.parametrize("raw, value, noted", [("true", True, False), ("on", True, False), ("maybe", False, True)])
def test_toggle(raw, value, noted):
    at = run({"show": raw})
    assert_ran_cleanly(at)
    assert at.toggle(key="show").value is value
    assert bool(link_notes(at)) == noted


@pytest.mark.parametrize("raw, value", [("42", 42), ("-7", 0), ("99999999999", 2**31 - 1), ("3.9", 3), ("x", 0),
                                        ("-inf", 0), ("inf", 0), ("1e999", 0), ("nan", 0)])
def test_seed(raw, value):
    at = run({"seed": raw})
    assert_ran_cleanly(at)
    assert at.number_input(key="seed").value == value


def test_correction_happens_once_then_widget_rules():
    at = run({"n": "999"})
    assert at.slider(key="n").value == 16
    at.slider(key="n").set_value(5).run()
    assert at.slider(key="n").value == 5
    assert not link_notes(at)


def sections_app():
    import streamlit as st

    from app import controls

    controls.begin_run()
    title, container = controls.tabs("Section", "part", ["Losses", "Backward pass", "Reach"])
    container.markdown(f"open section: {title}")
    st.markdown(f"bound: {controls.bound_params()}")


@pytest.mark.parametrize("raw, title, noted", [
    ("Backward pass", "Backward pass", False), ("Reach", "Reach", False), ("Losses", "Losses", False),
    ("reach", "Losses", True), ("<script>x</script>", "Losses", True), ("", "Losses", False),
])
def test_tabs_open_the_section_in_the_link_and_only_it_runs(raw, title, noted):
    at = AppTest.from_function(sections_app, default_timeout=30)
    at.query_params.update({"part": raw})
    at.run()
    assert_ran_cleanly(at)
    assert [tab.label for tab in at.tabs] == ["Losses", "Backward pass", "Reach"]
    opened = [tab for tab in at.tabs if tab.children]
    assert len(opened) == 1 and opened[0].label == title and opened[0].markdown[0].value == f"open section: {title}"
    assert bool(link_notes(at)) == noted
    assert not any("script" in note for note in link_notes(at))
    bound = {} if title == "Losses" else {"part": title}      # the first section is the default: not in the link
    assert at.markdown[-1].value == f"bound: {bound}"


def test_blank_link_values_mean_not_set():
    """?mode= (empty): every widget shows its default; a segmented control once returned None here."""
    at = run({"mode": "", "pick": " ", "kind": "", "show": "", "n": "", "s": "\t"})
    assert_ran_cleanly(at)
    assert at.button_group(key="mode").value == "a" and at.radio(key="pick").value == "b"
    assert at.selectbox(key="kind").value == "tanh" and at.toggle(key="show").value is False
    assert at.slider(key="n").value == 4 and at.slider(key="s").value == pytest.approx(1.0)
    assert not link_notes(at)

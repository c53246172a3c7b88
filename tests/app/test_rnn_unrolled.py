"""The RNN-unrolled page shows exactly what rnn_core computes for the settings in the URL, in both section tabs."""


import numpy as np
import pytest

from app.course import page_for
from app.equations import tex_number
from rnn_core import RNN, Readout, matrix_with_singular_values, sequences
from tests.app.helpers import (assert_ran_cleanly, check_section_tabs, figures, fragment_controls, link_notes,
                               plotly_array, open_section, run_lesson, run_sections)

LESSON = page_for("pages/2_rnn_unrolled.py")
DEFAULTS = dict(input="words", steps=8, hidden=6, f="tanh", sigma=1.0, input_scale=1.0, seed=0)
LABELS = {"words": "Words", "sine": "Sine wave", "impulse": "Impulse"}
SECTION = "unrolled_part"  # the URL key of the lesson's section tabs
TITLES = ["Unrolled cell", "Hidden state"]


def expected(input, steps, hidden, f, sigma, input_scale, seed):
    """The network the page promises: independent of the page's code, from rnn_core only."""
    x = sequences.preset(input, steps, seed)
    base = RNN.random(x.shape[1], hidden, nonlinearity=f, seed=seed)
    cell = RNN(weight_ih=input_scale * np.sqrt(hidden) * base.weight_ih,
               weight_hh=matrix_with_singular_values(sigma * np.linspace(1.0, 0.5, hidden), seed=seed),
               bias_ih=base.bias_ih, bias_hh=base.bias_hh, nonlinearity=f)
    trace = cell.unroll(x)
    readout = Readout.random(hidden, x.shape[1] if input == "words" else 1, seed=seed + 1)
    return x, trace, readout.forward(trace.h)


def url(settings):
    """Query parameters as a shared link carries them (choices by their displayed label)."""
    return {k: (LABELS[v] if k == "input" else str(v)) for k, v in settings.items()}


def slider_value(at, key):
    """A slider's value; a one-value range (T = 1 or H = 1) has no slider and means 0."""
    sliders = [s for s in at.slider if s.key == key]
    return sliders[0].value if sliders else 0


def check_unrolled_cell(at, settings):
    """The Unrolled cell tab: the diagram's frames hold rnn_core's x, h and y."""
    assert_ran_cleanly(at)
    x, trace, y = expected(**settings)
    (diagram,) = figures(at)
    T = trace.h.shape[0]
    # diagram: one frame per step; the last frame's squares carry x, h and y of the visible window
    assert len(diagram["frames"]) == T
    last = diagram["frames"][-1]["data"]
    start = max(0, T - 12)
    np.testing.assert_allclose(plotly_array(last[0]["marker"]["color"]), x[start:].ravel(), rtol=1e-12)
    np.testing.assert_allclose(plotly_array(last[1]["marker"]["color"]), trace.h[start:].ravel(), rtol=1e-12)
    np.testing.assert_allclose(plotly_array(last[2]["marker"]["color"]), y[start:].ravel(), rtol=1e-12)


def check_hidden_state(at, settings):
    """The Hidden state tab: the heatmap is rnn_core's h, the equation ends with the selected unit's value."""
    assert_ran_cleanly(at)
    _, trace, _ = expected(**settings)
    (heatmap,) = figures(at)
    # heatmap: z is h transposed (units down, steps across)
    np.testing.assert_allclose(plotly_array(heatmap["data"][0]["z"]), trace.h.T, rtol=1e-12)
    # the equation ends with the traced value of the selected unit
    step, unit = slider_value(at, "t"), slider_value(at, "j")
    assert at.latex[0].value.rstrip("$\n ").endswith(f"= {tex_number(trace.h[step, unit])}\\end{{aligned}}")


def check_page_matches_core(runs, settings):
    """runs: the page opened on each section tab, in order (tests.app.helpers.run_sections)."""
    unrolled_at, hidden_state_at = runs
    check_unrolled_cell(unrolled_at, settings)
    check_hidden_state(hidden_state_at, settings)


def check_session_matches_core(at, settings):
    """Both tabs of this session, opened one after the other, against rnn_core."""
    check_unrolled_cell(open_section(at, SECTION, "Unrolled cell"), settings)
    check_hidden_state(open_section(at, SECTION, "Hidden state"), settings)


def test_defaults_match_core():
    runs = run_sections(LESSON)
    check_page_matches_core(runs, DEFAULTS)
    assert not any(link_notes(at) for at in runs)
    assert "The RNN, unrolled" in runs[0].title[0].value


@pytest.mark.parametrize("input", ["words", "sine", "impulse"])
@pytest.mark.parametrize("f", ["tanh", "relu", "linear"])
@pytest.mark.parametrize("extreme", ["min", "max"])
def test_extremes_match_core(input, f, extreme):
    if extreme == "min":
        settings = dict(input=input, steps=1, hidden=1, f=f, sigma=0.1, input_scale=0.0, seed=0)
    else:
        settings = dict(input=input, steps=100, hidden=16, f=f, sigma=3.0, input_scale=3.0, seed=2**31 - 1)
    runs = run_sections(LESSON, url(settings))
    check_page_matches_core(runs, settings)
    assert not any(link_notes(at) for at in runs)


def test_exploding_state_is_reported_not_hidden():
    settings = dict(input="words", steps=100, hidden=16, f="linear", sigma=3.0, input_scale=3.0, seed=1)
    runs = run_sections(LESSON, url(settings))
    check_page_matches_core(runs, settings)
    assert all(any("exploded" in w.value for w in at.warning) for at in runs)  # above the tabs


def test_moving_sliders_reruns_with_new_values():
    at = run_lesson(LESSON)
    at.slider(key="hidden").set_value(3)
    at.slider(key="steps").set_value(20)
    at.slider(key="sigma").set_value(2.5)
    at.run()
    check_session_matches_core(at, {**DEFAULTS, "hidden": 3, "steps": 20, "sigma": 2.5})


def test_shorter_sequence_pulls_the_step_selector_along():
    at = run_lesson(LESSON, {"t": "6", SECTION: "Hidden state"})
    assert at.slider(key="t").value == 6
    at.slider(key="steps").set_value(3).run()
    assert_ran_cleanly(at)
    assert at.slider(key="t").value == 2


HOSTILE = {"hidden": "999", "steps": "nan", "f": "bogus", "sigma": "-3", "input_scale": "inf",
           "seed": "-7", "input": "![x](javascript:alert(1))", "t": "1e9", "j": "<script>"}


def test_hostile_link_is_clamped_with_notes():
    runs = run_sections(LESSON, HOSTILE)
    for at in runs:
        assert_ran_cleanly(at)
        assert at.slider(key="hidden").value == 16
        assert at.slider(key="steps").value == 8
        assert at.slider(key="sigma").value == pytest.approx(0.1)
        assert at.slider(key="input_scale").value == pytest.approx(1.0)
        assert at.number_input(key="seed").value == 0
        assert at.selectbox(key="input").value == "words"
        for raw in ("javascript", "<script>", "bogus", "1e9"):
            assert not any(raw in note for note in link_notes(at))
    hidden_state_at = runs[1]
    assert hidden_state_at.slider(key="t").value == 7 and hidden_state_at.slider(key="j").value == 0
    # every control has its note; t and j are in the Hidden state tab
    assert [len(link_notes(at)) for at in runs] == [len(HOSTILE) - 2, len(HOSTILE)]
    check_page_matches_core(runs, {**DEFAULTS, "hidden": 16, "sigma": 0.1})


def test_hand_typed_option_names_are_accepted():
    runs = run_sections(LESSON, {"input": "impulse", "f": "relu"})
    for at in runs:
        assert_ran_cleanly(at)
        assert at.selectbox(key="input").value == "impulse"
        assert not link_notes(at)
    check_page_matches_core(runs, {**DEFAULTS, "input": "impulse", "f": "relu"})


def test_show_code_reads_the_core_source():
    at = run_lesson(LESSON, {SECTION: "Hidden state"})  # the code is part of the step-and-unit panel
    at.toggle(key="show_code").set_value(True).run()
    code = "\n".join(c.value for c in at.code)
    assert "def unroll(self, x, h0=None):" in code
    assert "def matrix_with_singular_values" in code


def test_quiz_gives_feedback():
    at = run_lesson(LESSON)
    at.radio(key="quiz_sharing").set_value(0).run()
    assert at.error and "One, shared by every step" in at.error[0].value
    at.radio(key="quiz_sharing").set_value(2).run()
    assert at.success and not at.error


def test_step_and_unit_panel_is_a_fragment_that_redraws_alone():
    """t and j live in an st.fragment panel with everything that shows them (heatmap outline, the
    equation, the PyTorch snippet): moving them reruns only that panel, which still shows rnn_core's numbers."""
    assert fragment_controls(LESSON.path) == {"hidden_state_panel": {"t", "j"}, "unrolled_demo": {
        "input", "steps", "hidden", "f", "sigma", "input_scale"}}
    settings = {**DEFAULTS, "input": "sine", "steps": 12, "hidden": 5, "seed": 4}
    at = run_lesson(LESSON, {**url(settings), SECTION: "Hidden state"})
    at.slider(key="t").set_value(9)
    at.slider(key="j").set_value(4)
    at.toggle(key="show_code").set_value(True)
    at.run()
    check_hidden_state(at, settings)
    _, trace, _ = expected(**settings)
    assert at.latex[0].value.rstrip("$\n ").endswith(f"= {tex_number(trace.h[9, 4])}\\end{{aligned}}")
    assert "One number, computed: unit 4 at step 9" in [s.value for s in at.subheader]
    outline = figures(at)[0]["layout"]["shapes"][0]
    assert (outline["x0"], outline["x1"], outline["y0"], outline["y1"]) == (8.5, 9.5, 3.5, 4.5)
    assert "output[9, 4], output" in "\n".join(c.value for c in at.code)
    check_unrolled_cell(open_section(at, SECTION, "Unrolled cell"), settings)


def test_sections_are_tabs_and_only_the_open_one_runs():
    check_section_tabs(LESSON, TITLES, [1, 1], "hidden state")
    at = run_lesson(LESSON, {SECTION: "Hidden state", "t": "5"})
    assert at.slider(key="t").value == 5 and not link_notes(at)

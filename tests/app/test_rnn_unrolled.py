"""Lesson 2 ("The RNN, unrolled") through AppTest: the warm-up checks typed answers against rnn_core.scalar, the
matrix parts show exactly what rnn_core computes for the settings in the URL, every sentence's number comes from
the same computation as the figure's, at the defaults and at the extremes of every control."""

import contextlib
import io
import math

import numpy as np
import pytest

from app.course import page_for
from app.equations import tex_number
from app.figures.common import fmt
from app.figures.unrolled import MAX_FRAMES, WINDOW
from app.warmup import WARMUP_B, WARMUP_W_H, WARMUP_W_X, WARMUP_XS
from rnn_core import RNN, Readout, matrix_with_singular_values, sequences
from rnn_core.scalar import forward
from tests.app.helpers import (assert_ran_cleanly, check_section_tabs, figures, fragment_controls, link_notes,
                               open_section, panel_controls, plotly_array, run_lesson, run_sections)

LESSON = page_for("pages/2_rnn_unrolled.py")
DEFAULTS = dict(input="words", steps=8, hidden=6, f="tanh", sigma=1.0, input_scale=1.0, seed=0)
LABELS = {"words": "Words", "sine": "Sine wave", "impulse": "Impulse"}
SECTION = "unrolled_part"  # the URL key of the lesson's tabs
WARMUP, UNROLLED, STATES = TITLES = ["Warm-up by hand", "Unrolled cell", "Hidden state"]
WARM_KEYS = ["warm_wx", "warm_wh", "warm_b", "warm_x1", "warm_x2", "warm_x3"]


def expected(input, steps, hidden, f, sigma, input_scale, seed):
    """The network the page promises: independent of the page's code, from rnn_core only."""
    x = sequences.preset(input, steps, seed)
    base = RNN.random(x.shape[1], hidden, nonlinearity=f, seed=seed)
    cell = RNN(weight_ih=input_scale * np.sqrt(hidden) * base.weight_ih,
               weight_hh=matrix_with_singular_values(sigma * np.linspace(1.0, 0.5, hidden), seed=seed),
               bias_ih=base.bias_ih, bias_hh=base.bias_hh, nonlinearity=f)
    with np.errstate(over="ignore", invalid="ignore"):
        trace = cell.unroll(x)
        readout = Readout.random(hidden, x.shape[1] if input == "words" else 1, seed=seed + 1)
        return cell, x, trace, readout.forward(trace.h)


def url(settings):
    """Query parameters as a shared link carries them (choices by their displayed label)."""
    return {k: (LABELS[v] if k == "input" else str(v)) for k, v in settings.items()}


def slider_value(at, key):
    """A slider's value; a one-value range (T = 1 or H = 1) has no slider and means 1."""
    sliders = [s for s in at.slider if s.key == key]
    return sliders[0].value if sliders else 1


def text(at) -> str:
    return "\n".join(m.value for m in at.markdown)


def check_unrolled_cell(at, settings):
    """The Unrolled cell tab: the diagram's frames hold rnn_core's x, h and y; the text's numbers are the cell's."""
    assert_ran_cleanly(at)
    cell, x, trace, y = expected(**settings)
    (diagram,) = figures(at)
    T = trace.h.shape[0]
    assert len(diagram["frames"]) == min(T, MAX_FRAMES) and diagram["frames"][-1]["name"] == str(T)
    last = diagram["frames"][-1]["data"]
    start = max(0, T - WINDOW)
    np.testing.assert_allclose(plotly_array(last[0]["marker"]["color"]), x[start:].ravel(), rtol=1e-12)
    h_colours = np.nan_to_num(trace.h[start:].ravel(), nan=0.0, posinf=np.inf, neginf=-np.inf)
    finite = np.isfinite(h_colours)
    np.testing.assert_allclose(plotly_array(last[1]["marker"]["color"])[finite], h_colours[finite], rtol=1e-12)
    assert last[5]["text"][:min(T, WINDOW)] == [f"t={s}" for s in range(start + 1, T + 1)]
    said = text(at)
    assert f"from 1 to {T}:" in said and f"this cell has {cell.num_parameters:,} parameters" in said
    assert (f"the last {WINDOW} steps stay in view" in said) == (T > WINDOW)
    assert (f"Play runs through the last {MAX_FRAMES} steps" in said) == (T > MAX_FRAMES)
    return said


def check_hidden_state(at, settings):
    """The Hidden state tab: the heatmap is rnn_core's h, the equation ends with the selected unit's value, the
    metrics are W_hh's and h_T's."""
    assert_ran_cleanly(at)
    cell, _, trace, _ = expected(**settings)
    T, H = trace.h.shape
    (heatmap,) = figures(at)
    with np.errstate(over="ignore", invalid="ignore"):
        finite = np.where(np.isfinite(trace.h), trace.h, np.nan)
        exploded = np.nanmax(np.abs(finite)) > 1e6     # then the colours are sign(h) log10(1 + |h|)
        shown = np.sign(finite) * np.log10(1 + np.abs(finite)) if exploded else finite
    np.testing.assert_allclose(plotly_array(heatmap["data"][0]["z"]), shown.T, rtol=1e-12)
    assert list(plotly_array(heatmap["data"][0]["x"])) == list(range(1, T + 1))
    step, unit = slider_value(at, "t"), slider_value(at, "j")
    outline = heatmap["layout"]["shapes"][0]
    assert (outline["x0"], outline["y0"]) == (step - 0.5, unit - 0.5)
    latex = at.latex[0].value
    assert latex.rstrip("$\n ").endswith(f"= {tex_number(trace.h[step - 1, unit - 1])}\\end{{aligned}}")
    assert f"h_{{{step}}}[{unit}] &=" in latex
    metrics = {m.label: m.value for m in at.metric}
    rho = float(np.max(np.abs(np.linalg.eigvals(cell.weight_hh))))
    assert metrics["Spectral radius $\\rho$ of $W_{hh}$"] == f"{rho:.3f}"
    assert f"here {rho:.3f} against {settings['sigma']:g}" in text(at)   # the sentence's rho is the metric's
    assert metrics["Largest singular value $s_{max}$ of $W_{hh}$"] == f"{settings['sigma']:g}"
    with np.errstate(over="ignore", invalid="ignore"):
        size = float(np.linalg.norm(trace.h[-1]))
    assert metrics[f"Size of the last state $\\lVert h_{{{T}}} \\rVert$"] == fmt(size if np.isfinite(size) else np.inf)
    assert f"One number, computed: unit {unit} at step {step}" in [s.value for s in at.subheader]
    return text(at)


def matrix_runs(settings, extra=None):
    """The two matrix tabs, each opened by a link."""
    query = {**url(settings), **(extra or {})}
    return [run_lesson(LESSON, {**query, SECTION: title}) for title in (UNROLLED, STATES)]


def check_matrix_parts(settings, extra=None):
    unrolled_at, states_at = matrix_runs(settings, extra)
    return check_unrolled_cell(unrolled_at, settings), check_hidden_state(states_at, settings)


# --- the warm-up ---------------------------------------------------------------------------------------------

def warm_values(at):
    """The values written over h_0 .. h_3 in the warm-up figure ("?" for those not found yet)."""
    (figure,) = figures(at)
    return next(t["text"] for t in figure["data"] if t.get("mode") == "text" and t["text"][0] == "0")


def type_answer(at, step, value):
    at.text_input(key=f"warm_h{step}").input(value).run()
    assert_ran_cleanly(at)
    return at


def test_warmup_opens_first_with_the_shared_example_and_nothing_revealed():
    at = run_lesson(LESSON)
    assert_ran_cleanly(at)
    assert at.tabs[0].label == WARMUP and at.tabs[0].children
    assert [at.slider(key=k).value for k in WARM_KEYS] == [WARMUP_W_X, WARMUP_W_H, WARMUP_B, *WARMUP_XS]
    assert warm_values(at) == ["0", "?", "?", "?"]
    assert not at.latex  # the working stays hidden until the answers are right or the student asks


def test_typed_answers_are_checked_and_then_the_working_appears():
    fwd = forward(WARMUP_W_X, WARMUP_W_H, WARMUP_B, WARMUP_XS)
    h1 = f"{fwd.h[1]:.3f}"
    at = type_answer(run_lesson(LESSON), 1, h1)
    assert at.success[0].value == f"Right: $h_1 = {h1}$ (to 3 decimals)."
    assert warm_values(at) == ["0", h1, "?", "?"]
    type_answer(at, 2, f"{fwd.pre[1]:.3f}")  # the pre-activation, tanh left out
    assert at.error[0].value.startswith("**Not yet.** This is the pre-activation $a_2,$")
    assert warm_values(at) == ["0", h1, "?", "?"] and not at.latex
    type_answer(at, 2, f"{fwd.h[2]:.2f}".replace(".", ","))   # 2 decimals, with a decimal comma
    type_answer(at, 3, f"{fwd.h[3]:.3f}")
    assert [s.value.startswith("Right") for s in at.success[:3]] == [True, True, True]
    # h_2 was right to 2 decimals only, and the summary says so (a reader read "All three right" as 3 decimals)
    assert any("All three right (to 2 decimals at least)." in s.value for s in at.success)
    type_answer(at, 2, f"{fwd.h[2]:.3f}")
    assert any(s.value.startswith("All three right. Here is") for s in at.success)
    assert warm_values(at) == ["0"] + [f"{h:.3f}" for h in fwd.h[1:]]
    latex = at.latex[0].value
    for t in (1, 2, 3):
        assert f"= {tex_number(fwd.pre[t - 1])} \\\\ h_{{{t}}} &= \\tanh({tex_number(fwd.pre[t - 1])}) = " \
               f"{tex_number(fwd.h[t])}" in latex
    assert f"$w_h h_1 = {WARMUP_W_H * fwd.h[1]:.3f}$" in text(at)


def test_show_the_working_without_answering_and_with_other_weights():
    at = run_lesson(LESSON, {"warm_show": "true", "warm_wx": "-2", "warm_wh": "2", "warm_b": "-1", "warm_x1": "2",
                             "warm_x2": "-2", "warm_x3": "0"})
    fwd = forward(-2.0, 2.0, -1.0, (2.0, -2.0, 0.0))
    assert warm_values(at) == ["0"] + [f"{h:.3f}" for h in fwd.h[1:]]
    assert (f"h_{{3}} &= \\tanh({tex_number(fwd.pre[2])}) = {tex_number(fwd.h[3])}\\end{{aligned}}"
            in at.latex[0].value)
    assert not link_notes(at)


@pytest.mark.parametrize("w_x,w_h,phrase", [
    (0.5, 0.0, "With $w_h = 0$ the recurrent term is 0 at every step: each $h_t$ depends on $x_t$ alone"),
    (0.0, 0.8, "with $w_x = 0$ no input reaches the state"),
    (0.5, 0.8, "$h_3$ depends on every input from $x_1$ to $x_3$")])
def test_the_working_says_what_reaches_h3_for_these_weights(w_x, w_h, phrase):
    at = run_lesson(LESSON, {"warm_show": "true", "warm_wx": str(w_x), "warm_wh": str(w_h)})
    assert phrase in text(at)
    fwd = forward(w_x, w_h, WARMUP_B, WARMUP_XS)
    if w_h:
        assert f"$w_h h_2 = {w_h * fwd.h[2]:.3f}$" in text(at)
    if w_x == 0:   # the sentence is true: the states do not depend on the inputs
        other = forward(0.0, w_h, WARMUP_B, (2.0, -2.0, 1.5))
        assert other.h == fwd.h


def test_an_error_carried_from_the_previous_step_is_named_and_answers_outlive_the_tab():
    at = run_lesson(LESSON)
    type_answer(at, 1, "0.6")
    carried = math.tanh(WARMUP_W_X * WARMUP_XS[1] + WARMUP_W_H * 0.6 + WARMUP_B)
    type_answer(at, 2, f"{carried:.3f}")
    assert "follows from your $h_1 = 0.6,$" in at.error[1].value
    type_answer(at, 3, "abc")
    assert any(w.value == "Type a number, such as 0.123." for w in at.warning)
    open_section(at, SECTION, UNROLLED)
    open_section(at, SECTION, WARMUP)
    assert [at.text_input(key=f"warm_h{t}").value for t in (1, 2, 3)] == ["0.6", f"{carried:.3f}", "abc"]


@pytest.mark.parametrize("w_h,answer", [(-WARMUP_W_H, 2), (WARMUP_W_H, None)])
def test_predict_the_sign_flip(w_h, answer):
    before = forward(WARMUP_W_X, WARMUP_W_H, WARMUP_B, WARMUP_XS)
    after = forward(WARMUP_W_X, -WARMUP_W_H, WARMUP_B, WARMUP_XS)
    letter = "C" if before.h[3] * after.h[3] < 0 else "A" if abs(after.h[3]) > abs(before.h[3]) else "B"
    wrong = 3 if letter != "D" else 0   # "It does not change at all": never what a sign flip of w_h does here
    at = run_lesson(LESSON)
    at.radio(key="warm_predict_sign").set_value(wrong).run()
    at.slider(key="warm_wh").set_value(w_h).run()
    assert_ran_cleanly(at)
    if answer is None:  # not moved to -w_h yet
        assert any("Now set the recurrent weight" in i.value for i in at.info)
        return
    shown = at.error[0].value
    assert shown.startswith(f"**The figure shows {letter}, not D.**")
    assert f"$h_3 = {before.h[3]:.3f}$" in shown and f"$h_3 = {after.h[3]:.3f}$" in shown
    assert f"$a_2$ goes from ${before.pre[1]:.3f}$ to ${after.pre[1]:.3f}$" in shown


def test_warmup_code_and_pytorch_print_the_warmups_states():
    at = run_lesson(LESSON)
    at.toggle(key="show_code").set_value(True).run()
    code = [c.value for c in at.code]
    assert any("def forward(w_x" in c for c in code) and any("def step(self, x_t, h_prev)" in c for c in code)
    program = next(c for c in code if c.startswith("import torch"))
    namespace = {}
    with contextlib.redirect_stdout(io.StringIO()):
        exec(program, namespace)
    np.testing.assert_allclose(namespace["output"].detach().numpy()[:, 0],
                               forward(WARMUP_W_X, WARMUP_W_H, WARMUP_B, WARMUP_XS).h[1:], rtol=1e-12)


@pytest.mark.parametrize("end", [-2.0, 2.0])
def test_warmup_at_the_ends_of_its_sliders(end):
    at = run_lesson(LESSON, {"warm_show": "true", **{k: str(end) for k in WARM_KEYS}})
    assert_ran_cleanly(at)
    b = max(-1.0, min(1.0, end))
    fwd = forward(end, end, b, (end,) * 3)
    assert warm_values(at) == ["0"] + [f"{h:.3f}" for h in fwd.h[1:]]
    assert link_notes(at) == [":material/build: Link value for **Bias b** " + f"{end:g} is outside -1 to 1; "
                              f"using {b:g}."]


# --- the matrix parts ----------------------------------------------------------------------------------------

def test_defaults_match_core():
    runs = run_sections(LESSON)
    assert len(runs) == 3 and not any(link_notes(at) for at in runs)
    check_unrolled_cell(runs[1], DEFAULTS)
    said = check_hidden_state(runs[2], DEFAULTS)
    _, _, trace, _ = expected(**DEFAULTS)
    apart = float(np.linalg.norm(trace.h[4] - trace.h[0]))
    assert f"$h_1$ and $h_{{5}}$ differ by {fmt(apart)}" in said   # the sentence's number is the figure's columns
    assert "The RNN, unrolled" in runs[0].title[0].value


@pytest.mark.parametrize("input", ["words", "sine", "impulse"])
@pytest.mark.parametrize("f", ["tanh", "relu", "linear"])
@pytest.mark.parametrize("extreme", ["min", "max"])
def test_extremes_match_core(input, f, extreme):
    if extreme == "min":
        settings = dict(input=input, steps=1, hidden=1, f=f, sigma=0.1, input_scale=0.0, seed=0)
    else:
        settings = dict(input=input, steps=100, hidden=16, f=f, sigma=3.0, input_scale=3.0, seed=2**31 - 1)
    unrolled_text, states_text = check_matrix_parts(settings)
    if extreme == "min":  # a = 0 says so; T = 1 and H = 1 leave one column and one unit
        assert "With input weight scale $\\alpha = 0$, $W_{ih}$ is all zeros" in unrolled_text
        assert "(steps 1 to 1), every row one unit (1 to 1)" in states_text
        assert "(which is $h_0 = 0$)" in states_text
    assert (("with $f$ linear, that sum is the state itself" in states_text) == (f == "linear")
            and (f"the nonlinearity $f$ ({f}) turns that sum" in states_text) == (f != "linear"))


def test_one_step_and_the_impulse_are_explained_as_they_are():
    unrolled_text, states_text = check_matrix_parts({**DEFAULTS, "steps": 1})
    assert "With $T = 1$ there is a single column" in unrolled_text
    unrolled_text, _ = check_matrix_parts({**DEFAULTS, "input": "impulse"})
    assert "With the impulse, only $x_1$ is nonzero" in unrolled_text


@pytest.mark.parametrize("f,phrase", [("tanh", "Tanh keeps every entry between −1 and 1"),
                                      ("relu", "Relu sets negative entries to 0"),
                                      ("linear", "Without a nonlinearity each step multiplies")])
def test_the_reading_of_the_map_follows_the_nonlinearity(f, phrase):
    settings = {**DEFAULTS, "f": f, "sigma": 2.0}
    _, states_text = check_matrix_parts(settings)
    cell, _, _, _ = expected(**settings)
    assert phrase in states_text
    if f != "tanh":
        assert f"\\rho = {np.max(np.abs(np.linalg.eigvals(cell.weight_hh))):.3f}" in states_text


def test_exploding_state_is_reported_not_hidden():
    settings = dict(input="words", steps=100, hidden=16, f="linear", sigma=3.0, input_scale=3.0, seed=1)
    for at in matrix_runs(settings):
        _, _, trace, _ = expected(**settings)
        past = ~np.isfinite(trace.h) | (np.abs(np.nan_to_num(trace.h)) > 1e6)
        step = int(np.argmax(past.any(axis=1))) + 1
        assert any(f"exploded: from step {step} on" in w.value for w in at.warning)
    check_matrix_parts(settings)


@pytest.mark.parametrize("steps,answer", [(8, 0), (1, 2)])
def test_predict_growth_with_linear_f(steps, answer):
    settings = {**DEFAULTS, "steps": steps, "f": "linear", "sigma": 2.0}
    at = run_lesson(LESSON, {**url(settings), SECTION: STATES})
    at.radio(key="unrolled_predict_growth").set_value(answer).run()
    assert_ran_cleanly(at)
    low = expected(**{**settings, "sigma": 0.5})[2].h[-1]
    high = expected(**settings)[2].h[-1]
    small, large = np.linalg.norm(low), np.linalg.norm(high)
    said = at.success[0].value
    assert said.startswith(f"**{'ABC'[answer]}: the figure agrees.**")
    assert f"is {fmt(small)} at $s_{{max}} = 0.5$ and {fmt(large)} at $s_{{max}} = 2$" in said
    assert (large / small > 10) == (answer == 0)


def test_moving_sliders_reruns_with_new_values():
    at = run_lesson(LESSON, {SECTION: UNROLLED})
    at.slider(key="hidden").set_value(3)
    at.slider(key="steps").set_value(20)
    at.slider(key="sigma").set_value(2.5)
    at.run()
    settings = {**DEFAULTS, "hidden": 3, "steps": 20, "sigma": 2.5}
    check_unrolled_cell(at, settings)
    check_hidden_state(open_section(at, SECTION, STATES), settings)


def test_step_and_unit_count_from_one_and_follow_a_shorter_sequence():
    at = run_lesson(LESSON, {"t": "7", "j": "6", SECTION: STATES})
    assert (at.slider(key="t").min, at.slider(key="t").max, at.slider(key="j").min) == (1, 8, 1)
    assert (at.slider(key="t").value, at.slider(key="j").value) == (7, 6)
    check_hidden_state(at, DEFAULTS)
    at.slider(key="steps").set_value(3).run()
    assert_ran_cleanly(at)
    assert at.slider(key="t").value == 3
    check_hidden_state(at, {**DEFAULTS, "steps": 3})


HOSTILE = {"hidden": "999", "steps": "nan", "f": "bogus", "sigma": "-3", "input_scale": "inf",
           "seed": "-7", "input": "![x](javascript:alert(1))", "t": "1e9", "j": "<script>", "warm_wh": "1e9"}


def test_hostile_link_is_clamped_with_notes():
    runs = run_sections(LESSON, HOSTILE)
    for at in runs:
        assert_ran_cleanly(at)
        assert at.slider(key="hidden").value == 16
        assert at.slider(key="steps").value == 8
        assert at.slider(key="sigma").value == pytest.approx(0.1)
        assert at.slider(key="input_scale").value == pytest.approx(1.0)
        assert at.slider(key="warm_wh").value == pytest.approx(2.0)
        assert at.number_input(key="seed").value == 0
        assert at.selectbox(key="input").value == "words"
        assert at.slider(key="t").value == 8 and at.slider(key="j").value == 1  # clamped, counted from 1
        for raw in ("javascript", "<script>", "bogus", "1e9"):
            assert not any(raw in note for note in link_notes(at))
        assert len(link_notes(at)) == len(HOSTILE)  # every control is created on every tab, each with its note
    check_hidden_state(runs[2], {**DEFAULTS, "hidden": 16, "sigma": 0.1})


def test_hand_typed_option_names_are_accepted():
    for at in matrix_runs({**DEFAULTS, "input": "impulse", "f": "relu"}):
        assert_ran_cleanly(at)
        assert at.selectbox(key="input").value == "impulse"
        assert not link_notes(at)


def test_show_code_is_the_teaching_step_not_the_fast_unroll():
    for title in (UNROLLED, STATES):
        at = run_lesson(LESSON, {SECTION: title, "t": "5", "j": "2"})
        at.toggle(key="show_code").set_value(True).run()
        code = "\n".join(c.value for c in at.code)
        assert "def step(self, x_t, h_prev):" in code and "def lesson_cell" in code
        assert "def unroll(" not in code
        if title == STATES:
            assert "output[4, 1], output" in code   # step 5, unit 2, in code's 0-based indices
    namespace = {}
    with contextlib.redirect_stdout(io.StringIO()):
        exec(next(c.value for c in at.code if c.value.startswith("import torch")), namespace)
    _, _, trace, _ = expected(**DEFAULTS)
    np.testing.assert_allclose(namespace["output"].detach().numpy(), trace.h, rtol=1e-10)


def test_every_control_is_in_the_demo_fragment_and_each_tab_shows_its_own():
    """One fragment holds every control; each tab's box shows what changes that tab (at most 7), the rest folded."""
    assert set(fragment_controls(LESSON.path)) == {"unrolled_demo"}
    assert {"input", "steps", "hidden", "f", "sigma", "t", "j", "input_scale", "warm_wx", "warm_wh", "warm_b"} \
        <= fragment_controls(LESSON.path)["unrolled_demo"]
    matrix = {"input", "steps", "hidden", "f", "sigma"}
    expected_panels = [
        ({"warm_wx", "warm_wh", "warm_b", "warm_x1", "warm_x2", "warm_x3"}, set()),
        (matrix | {"input_scale"}, {"seed"}),
        (matrix | {"t", "j"}, {"input_scale", "seed"}),
    ]
    for at, (shown, folded) in zip(run_sections(LESSON), expected_panels):
        panel = panel_controls(at)
        assert (set(panel["box"]), set(panel["more"])) == (shown, folded) and len(panel["box"]) <= 7


def test_sections_are_tabs_and_only_the_open_one_runs():
    check_section_tabs(LESSON, TITLES, [1, 1, 1], "hidden state")
    at = run_lesson(LESSON, {SECTION: STATES, "t": "5"})
    assert at.slider(key="t").value == 5 and not link_notes(at)


def test_moving_a_weight_after_answering_does_not_mark_right_answers_wrong():
    """The predict-then-move check asks for w_h = -w_h: the answers typed for the default weights stay checked
    against those weights (and say so), the figure shows the new weights' states as still to be found, and an
    answer typed now is checked against the numbers now."""
    fwd = forward(WARMUP_W_X, WARMUP_W_H, WARMUP_B, WARMUP_XS)
    at = run_lesson(LESSON)
    for t in (1, 2, 3):
        type_answer(at, t, f"{fwd.h[t]:.3f}")
    assert any("All three right" in s.value for s in at.success)
    at.slider(key="warm_wh").set_value(-WARMUP_W_H).run()
    assert_ran_cleanly(at)
    assert not [e.value for e in at.error if "Not yet" in e.value]
    kept = [s.value for s in at.success if s.value.startswith(f"For $w_h = {WARMUP_W_H:g}$: Right")]
    flipped = forward(WARMUP_W_X, -WARMUP_W_H, WARMUP_B, WARMUP_XS)
    assert flipped.h[1] == fwd.h[1]                     # h_0 = 0: h_1 does not depend on w_h
    assert at.success[0].value == f"Right: $h_1 = {fwd.h[1]:.3f}$ (to 3 decimals)."   # right for both
    assert len(kept) == 2 and not any("All three right" in s.value for s in at.success)
    notice = next(i.value for i in at.info if "is checked against the numbers you typed it for" in i.value)
    assert f"$w_h = {WARMUP_W_H:g}$" in notice and f"$w_h = {-WARMUP_W_H:g}$" in notice
    assert warm_values(at) == ["0", f"{flipped.h[1]:.3f}", "?", "?"]   # the new weights' h_2, h_3 not given away
    type_answer(at, 2, f"{flipped.h[2]:.3f}")           # typed now: checked for the numbers now
    assert at.success[1].value == f"Right: $h_2 = {flipped.h[2]:.3f}$ (to 3 decimals)."
    type_answer(at, 3, "0.5")                           # wrong for both: the slip is named for the numbers now
    assert any(e.value.startswith("**Not yet.**") and "For $" not in e.value for e in at.error)
    at.slider(key="warm_wh").set_value(WARMUP_W_H).run()   # back: h_2 was typed for -w_h
    assert f"For $w_h = {-WARMUP_W_H:g}$: Right: $h_2" in " ".join(s.value for s in at.success)


def test_an_exploded_state_map_colours_every_step_on_a_log_scale():
    """Linear, s_max = 3: the state passes 1e6 early; on a linear colour scale everything before the last steps
    would be white, so the colours follow sign(h) log10(1 + |h|), the colour bar says so, and so does the warning."""
    settings = {**DEFAULTS, "f": "linear", "sigma": 3.0, "steps": 100, "hidden": 16}
    at = run_lesson(LESSON, {**url(settings), SECTION: STATES})
    assert_ran_cleanly(at)
    h = expected(**settings)[2].h
    (heatmap,) = figures(at)[0]["data"]
    with np.errstate(over="ignore", invalid="ignore"):
        finite = np.where(np.isfinite(h), h, np.nan)
        np.testing.assert_allclose(plotly_array(heatmap["z"]), (np.sign(finite) * np.log10(1 + np.abs(finite))).T,
                                   rtol=1e-12)
    assert heatmap["colorbar"]["title"]["text"] == "h, log scale"
    first = int(np.argmax((np.abs(finite) > 1e6).any(axis=1))) + 1
    warning = next(w.value for w in at.warning if "exploded" in w.value)
    assert f"from step {first} on" in warning and "logarithmic scale" in warning
    assert np.nanmax(np.abs(plotly_array(heatmap["z"])[:, first - 1])) > 0.5 * heatmap["zmax"] / 5   # not white
    calm = run_lesson(LESSON, {SECTION: STATES})
    assert figures(calm)[0]["data"][0]["colorbar"]["title"]["text"] == "h"


def test_sine_labels_never_read_minus_zero():
    labels = sequences.preset_labels("sine", 30)
    assert "-0.00" not in labels and labels.count("0.00") >= 2     # sin(0) and sin(pi), which is -1e-16


def test_at_input_scale_zero_the_states_say_no_word_reaches_the_cell():
    """A reader found "each state also carries the earlier words" at α = 0, where no word reaches the cell: the
    difference between h_1 and h_5 is then h_0 = 0 against h_4, built by the biases (the core agrees: W_ih = 0)."""
    settings = {**DEFAULTS, "input_scale": 0.0}
    _, said = check_matrix_parts(settings)
    cell, _, trace, _ = expected(**settings)
    assert not np.any(cell.weight_ih)
    apart = float(np.linalg.norm(trace.h[4] - trace.h[0]))
    assert apart > 0   # the biases alone move the state
    assert (f"$h_1$ and $h_{{5}}$ differ by {fmt(apart)} (the size of their difference): with input weight scale "
            "$\\alpha = 0$ no word reaches the cell, so the difference is only where each step starts from, "
            "$h_0 = 0$ against $h_{4}$") in said
    assert "each state also carries the earlier words" not in said

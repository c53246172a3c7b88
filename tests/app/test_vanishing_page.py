"""The vanishing/exploding lesson: every figure draws rnn_core.vanishing's numbers, every sentence states the same
numbers (derived here from one computation), the sentences hold at the extremes of every control, the presets show
what they say, each tab shows its own controls, extreme and hostile settings run cleanly."""

import contextlib
import io
import itertools
import json
import math
import re

import numpy as np
import pytest
import torch  # requirements-test.txt; never an app dependency

from app import lesson as kit
from app import vanishing_text as text
from app.course import page_for
from app.figures.gradients import ARROWHEAD_LENGTH, BOUND_NAME, LINEAR_NAME, NORM_NAME, fmt_log10, fmt_number, tex_log10
from app.glossary import TERMS
from rnn_core import clip_by_norm, clip_by_value, global_norm
from rnn_core.clipping import clamped_entries, direction_change
from rnn_core.cliff import H0, ITERATIONS, LEARNING_RATE, STEPS, TARGET, descend
from rnn_core.vanishing import EXPLODING, SATURATED, analyse_setting
from tests.app.helpers import (assert_ran_cleanly, check_section_tabs, figures, link_notes, open_section,
                               panel_controls, plotly_array, run_lesson, run_sections)

LESSON = page_for("pages/4_vanishing_exploding.py")
LABELS = {"words": "Words", "sine": "Sine wave", "impulse": "Impulse"}
SECTIONS = ["Gradient reach", "Per unit detail", "Clipping", "The cliff"]
DEFAULT = dict(hidden=4, s_max=1.0, decay=0.8, nonlinearity="tanh", preset="words", input_scale=1.0, length=50, seed=0)
KEYS = dict(hidden="v_H", s_max="v_smax", decay="v_decay", nonlinearity="v_f", preset="v_seq", input_scale="v_in",
            length="v_T", seed="v_seed")


def setting(**changes):
    return {**DEFAULT, **changes}


def query(s, **extra):
    """The link that opens the lesson at setting s (and extra URL parameters)."""
    q = {KEYS[name]: (LABELS[value] if name == "preset" else str(value)) for name, value in s.items()}
    q.update({key: str(value) for key, value in extra.items()})
    return q


def strings(node):
    """Every string in a figure's JSON except Plotly's base64 array payloads."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key != "bdata":
                yield from strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from strings(value)
    elif isinstance(node, str):
        yield node


def no_nan_on_screen(at):
    texts = [e.value for kind in ("markdown", "caption", "latex", "warning", "info", "success") for e in getattr(at, kind)]
    texts += [m.value for m in at.metric]
    assert not any("NaN" in t or "nan" == t.strip().lower() for t in texts)
    for chart in at.get("plotly_chart"):
        spec = json.loads(chart.proto.spec)
        assert not any("NaN" in s for s in strings(spec))
        for trace in spec["data"]:
            for axis in ("x", "y", "z"):
                value = trace.get(axis)
                if value is None or (isinstance(value, list) and value and isinstance(value[0], str)):
                    continue                                      # categories, not numbers
                assert np.all(np.isfinite(plotly_array(value))), (trace.get("name"), axis)


def metrics(at):
    return {m.label: m.value for m in at.metric}


def markdown(at):
    return "\n".join(m.value for m in at.markdown)


def curve(fig, name):
    return plotly_array(next(d for d in fig["data"] if d["name"] == name)["y"])


def clean_sections(q=None):
    """The page opened on each of its four sections, each run checked for exceptions and for NaN on screen."""
    runs = run_sections(LESSON, q)
    assert len(runs) == len(SECTIONS)
    for at in runs:
        assert_ran_cleanly(at)
        no_nan_on_screen(at)
    return runs


def assert_reach_shows(at, r):
    """The Gradient reach tab shows r: its figure's curves, metrics, equation and sentences, all from r."""
    (fig,) = figures(at)
    np.testing.assert_allclose(curve(fig, NORM_NAME), r.log10_norms, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(curve(fig, BOUND_NAME), r.log10_bound, rtol=1e-12, atol=1e-12)
    if r.nonlinearity != "linear":
        np.testing.assert_allclose(curve(fig, LINEAR_NAME), r.log10_linear, rtol=1e-12, atol=1e-12)
    assert f"regime: <b>{r.regime}</b>" == fig["layout"]["title"]["text"]
    assert metrics(at) == {"Regime": r.regime, r"$\|\partial h_T/\partial h_1\|$": fmt_log10(r.farthest).split(" (")[0],
                           "Largest singular value $s_{max}$": f"{r.s_max:.3g}", r"Spectral radius $\rho$": f"{r.rho:.3g}"}
    assert text.bound_equation(r) in at.latex[0].value
    shown = markdown(at)
    for sentence in (text.reading_text(r), text.condition_text(r), text.linear_text(r), text.CONDITIONS):
        assert sentence in shown
    assert (text.saturation_text(r) in shown) == (r.nonlinearity == "tanh" and r.gamma * r.s_max >= 1)
    assert (text.sigmoid_text(r) in shown) == (r.nonlinearity == "sigmoid")


def test_defaults_are_the_core_numbers():
    runs = clean_sections()
    reach_at, units_at, clip_at, cliff_at = runs
    assert "Vanishing and exploding gradients" in reach_at.title[0].value
    r = analyse_setting(DEFAULT)
    assert_reach_shows(reach_at, r)
    assert r.regime == "vanishing" and f"${tex_log10(r.farthest)}$: **vanishing**" in markdown(reach_at)
    assert f"$\\rho = {r.rho:.3g}$" in markdown(reach_at) and r.rho < r.s_max                  # rho 0.772 < s_max 1
    (units,) = figures(units_at)
    np.testing.assert_allclose(plotly_array(units["data"][0]["z"]).T, r.loss_gradient.log10_abs, rtol=1e-6)
    hover = np.array(units["data"][0]["customdata"])                  # the exact value, for the hover text
    assert hover[0, 0] == fmt_log10(r.loss_gradient.log10_abs[0, 0], r.loss_gradient.sign[0, 0])
    assert text.units_text(r) in markdown(units_at)
    # clipping: the bars are the global norms before and after, at the default threshold 10^-0.25, and so is the text
    grads, c = r.grads, 10 ** -0.25
    by_norm, norm = clip_by_norm(grads, c)
    by_value = clip_by_value(grads, c)
    vectors, norms = figures(clip_at)
    np.testing.assert_allclose(plotly_array(norms["data"][0]["y"]), [norm, global_norm(by_norm), global_norm(by_value)],
                               rtol=1e-12)
    said = markdown(clip_at)
    assert f"$\\|g\\| = {text.tex_number(norm)}$" in said and f"clamps {clamped_entries(grads, c)} of the 40 entries" in said
    assert text.clipping_equation(norm, c, c / (norm + 1e-6)) in clip_at.latex[0].value
    assert f"turns the gradient by {direction_change(grads, by_value):.3g} degrees" in said
    assert direction_change(grads, by_norm) < 1e-6 < direction_change(grads, by_value)
    # at the default c both clippings visibly act on the two coordinates drawn (the two largest entries): the norm's
    # arrow is long enough for its head, and the value's arrow is clamped and turned in the plane drawn
    ends = {d["name"]: np.array([plotly_array(d["x"])[1], plotly_array(d["y"])[1]]) for d in vectors["data"]}
    half_range = vectors["layout"]["yaxis"]["range"][1]
    assert np.linalg.norm(ends["clip_by_norm"]) >= ARROWHEAD_LENGTH * half_range
    assert len([a for a in vectors["layout"]["annotations"] if a.get("showarrow")]) == 3
    before, value = ends["before clipping"], ends["clip_by_value"]
    assert np.max(np.abs(value)) == pytest.approx(c) and c < np.max(np.abs(before))
    turn = math.degrees(abs(math.atan2(value[1], value[0]) - math.atan2(before[1], before[0])))
    assert turn > 5
    # the cliff: same runs as rnn_core.cliff.descend
    plain, clipped = descend(), descend(clip="norm", threshold=2.0)
    cliff, steps = figures(cliff_at)
    np.testing.assert_allclose(plotly_array(steps["data"][0]["y"]), plain.step_lengths, rtol=1e-12)
    np.testing.assert_allclose(plotly_array(steps["data"][1]["y"]), clipped.step_lengths, rtol=1e-12)
    assert metrics(cliff_at)["Plain: longest update"] == fmt_number(plain.largest_step)
    assert plain.largest_step > 100 and clipped.largest_step <= 0.02 + 1e-12


REACH_SETTINGS = {  # every nonlinearity, and the extremes of every control (H, T, s_max, d, a)
    "sigmoid, s_max 3: must vanish": setting(nonlinearity="sigmoid", s_max=3.0),
    "sigmoid, s_max 5, T 2, H 2, a 0": setting(nonlinearity="sigmoid", s_max=5.0, length=2, hidden=2, input_scale=0.0),
    "relu, everything at its maximum": setting(nonlinearity="relu", s_max=5.0, decay=1.0, length=500, hidden=16,
                                               input_scale=4.0, seed=2**31 - 1),
    "relu, H 2: the state overflows": setting(nonlinearity="relu", s_max=5.0, decay=1.0, length=500, hidden=2,
                                              input_scale=4.0),
    "linear, W = 1.3 Q": setting(nonlinearity="linear", s_max=1.3, decay=1.0, length=60),
    "linear, past float64": setting(nonlinearity="linear", s_max=5.0, decay=0.5, length=500, hidden=16, input_scale=4.0),
    "tanh, everything at its minimum": setting(s_max=0.05, decay=0.5, length=2, hidden=2, input_scale=0.0,
                                               preset="impulse"),
    "tanh, everything at its maximum": setting(s_max=5.0, decay=1.0, length=500, hidden=16, input_scale=4.0,
                                               preset="sine"),
    "saturated preset": SATURATED,
    "exploding preset": EXPLODING,
}


@pytest.mark.parametrize("name", list(REACH_SETTINGS))
def test_reach_figure_metrics_and_sentences_state_the_same_numbers(name):
    s = REACH_SETTINGS[name]
    at = run_lesson(LESSON, query(s))
    assert_ran_cleanly(at)
    no_nan_on_screen(at)
    assert not link_notes(at)
    r = analyse_setting(s)
    assert_reach_shows(at, r)
    if r.overflow_step is not None:
        assert any(f"overflowed float64 at step {r.overflow_step}" in w.value for w in at.warning)


def test_linear_closed_form_and_the_regime_follows_it():
    for sigma, regime in ((0.7, "vanishing"), (1.0, "neither"), (1.3, "exploding")):
        s = setting(nonlinearity="linear", s_max=sigma, decay=1.0, length=60)
        at = run_lesson(LESSON, query(s))
        (fig,) = figures(at)
        np.testing.assert_allclose(curve(fig, NORM_NAME), (60 - np.arange(1, 61)) * math.log10(sigma), atol=1e-9)
        assert metrics(at)["Regime"] == regime
        assert "every singular value is $s_{max}$ ($d = 1$), so $W_{hh} = s_{max} Q$" in markdown(at)


def cases():
    """Every extreme of every control of the network: H, T, f, s_max, d and a at both ends."""
    for H, T, f, s_max, decay, a in itertools.product((2, 16), (2, 500), ("tanh", "sigmoid", "relu", "linear"),
                                                      (0.05, 5.0), (0.5, 1.0), (0.0, 4.0)):
        yield setting(hidden=H, length=T, nonlinearity=f, s_max=s_max, decay=decay, input_scale=a)


def test_every_sentence_is_true_at_the_extremes_of_every_control():
    """Each claim of the reach tab, checked against rnn_core at 128 corner settings: its branch is the one the
    numbers call for, and what it states about the figure holds."""
    for s in cases():
        r = analyse_setting(s)
        gamma_s = r.gamma * r.s_max
        assert np.all(r.log10_norms <= r.log10_bound + 1e-9), s           # "the bound": never crossed
        assert r.log10_norms[-1] == 0                                      # "It is 1 at t = T"
        assert r.rho <= r.s_max * (1 + 1e-9)                               # "never above s_max"
        powers = (r.steps - np.arange(1, r.steps + 1)) * math.log10(r.s_max)
        assert np.all(r.log10_linear <= powers + 1e-9)                     # "never faster than s_max^k"
        condition = text.condition_text(r)
        if gamma_s < 1:
            assert "< 1$: every Jacobian can only shrink" in condition
            assert r.farthest <= float(r.log10_bound[0]) + 1e-9 and r.farthest < 0
        else:
            assert "\\ge 1$" in condition and gamma_s >= 1
            assert {"vanishing": "vanishes anyway", "exploding": "explodes, by a factor",
                    "neither": "the product ends at"}[r.regime] in condition
        linear = text.linear_text(r)
        if s["decay"] == 1.0:                                              # "every singular value is s_max"
            assert "so $W_{hh} = s_{max} Q$" in linear and np.allclose(r.singular_values, r.s_max, rtol=1e-12)
            assert math.isclose(r.rho, r.s_max, rel_tol=1e-9)              # "then rho = s_max"
            np.testing.assert_allclose(r.log10_linear, powers, atol=1e-8)  # "||W^k|| = s_max^k exactly"
        else:
            assert r.rho < r.s_max and f"{text.growth_word(r.rho)} like ${r.rho:.3g}^k$" in linear
        if r.nonlinearity == "tanh":
            saturation = text.saturation_text(r)
            assert f"{np.mean(r.slopes < 0.1):.0%} of the slopes are below 0.1" in saturation
            assert {"exploding": "explodes all the same", "vanishing": "and the gradient vanishes.",
                    "neither": "ends between $10^{-2}$ and $10^{2}$"}[r.regime] in saturation
        if r.nonlinearity == "sigmoid":
            assert (r.s_max < 4) == ("must vanish" in text.sigmoid_text(r).split("Here")[1])
            assert np.max(r.slopes) <= 0.25
        reading = text.reading_text(r)
        assert f"across {text.steps_word(r.steps - 1)}" in reading and f"**{r.regime}**" in reading
        assert "1 steps" not in reading + condition + linear


def slopes_share_per_step(r):
    """The geometric-mean factor per step of diag(f'_T) Q ... diag(f'_2) Q, Q = W_hh / s for W_hh = s Q: what the
    slopes (with the rotations) do to the product, computed from the states, apart from ||dh_T/dh_1||."""
    s = r.s_max
    Q = r.cell.weight_hh / s
    product, log10 = np.eye(r.cell.hidden_size), 0.0
    for k in range(r.steps - 1, 0, -1):                   # J_{k+1} = diag(f'(a_{k+1})) W_hh, slopes of h_{k+1}
        product = product @ (np.diag(r.slopes[k]) @ Q)
        scale = np.linalg.norm(product, 2)
        log10, product = log10 + math.log10(scale), product / scale
    return 10 ** (log10 / (r.steps - 1))


def test_presets_show_what_their_sentences_say():
    """Each preset's sentence, its numbers from the result its button then draws; the explanation is the spectrum:
    every s_k above 1 (all the shrinking is the slopes') against W_hh = 3 Q (the slopes' share per step, computed
    apart from the figure, is not enough to undo 3)."""
    saturated, exploding = analyse_setting(SATURATED), analyse_setting(EXPLODING)
    at = run_lesson(LESSON)
    said = markdown(at)
    assert text.saturated_preset_text(saturated, SATURATED) in said
    assert text.exploding_preset_text(exploding, EXPLODING) in said
    assert f"{tex_log10(saturated.farthest)}$, about {saturated.factor:.3g} per step, while a linear RNN with this " \
           "$W_{hh}$ grows" in said
    assert "$s_k$ from 1.09 to 1.5" in said and min(saturated.singular_values) > 1                  # every s_k > 1
    for preset in (SATURATED, EXPLODING):   # the input weight scale is α: the letter a is the pre-activation a_k
        assert f"$\\alpha = {preset['input_scale']:g}$, $T = " in said and f"$a = {preset['input_scale']:g}$" not in said
    assert "Every $s_k$ is above 1, so $W_{hh}$ stretches every direction" in said
    assert saturated.rho > 1 and saturated.regime == "vanishing"
    share = slopes_share_per_step(exploding)
    assert share == pytest.approx(exploding.factor / 3, rel=1e-9) and share * 3 > 1
    assert f"every $s_k = 3$" in said and f"multiply the product by about {share:.3g} per step, not enough to undo 3" in said
    assert exploding.regime == "exploding" and exploding.nonlinearity == "tanh"
    assert "small inputs" not in said and "enough to let it grow" not in said
    for key, preset in (("v_saturated", SATURATED), ("v_exploding", EXPLODING)):
        at = run_lesson(LESSON)
        at.button(key=key).click().run()
        assert_ran_cleanly(at)
        assert at.slider(key="v_smax").value == preset["s_max"] and at.slider(key="v_H").value == preset["hidden"]
        assert at.slider(key="v_in").value == preset["input_scale"] and at.slider(key="v_T").value == preset["length"]
        assert_reach_shows(at, analyse_setting(preset))
        assert metrics(at)["Regime"] == {"v_saturated": "vanishing", "v_exploding": "exploding"}[key]
    clean_sections(dict(at.query_params))                   # the link the last button made: every section runs


def test_orthogonal_button_sets_every_singular_value_to_one():
    at = run_lesson(LESSON, query(setting(s_max=2.0, decay=0.5, hidden=3, nonlinearity="linear")))
    at.button(key="v_orthogonal").click().run()
    assert_ran_cleanly(at)
    assert at.slider(key="v_smax").value == 1.0 and at.slider(key="v_decay").value == 1.0
    (fig,) = figures(at)
    np.testing.assert_allclose(curve(fig, NORM_NAME), 0, atol=1e-12)       # linear and orthogonal: exactly 1
    assert "norm stays exactly 1" in markdown(at) and metrics(at)["Regime"] == "neither"


def test_orthogonal_button_says_what_tanh_does_with_it_before_it_is_pressed():
    """With tanh the orthogonal W_hh still vanishes: the caption's number, computed before the button is pressed, is
    the one the figure shows after."""
    orthogonal = analyse_setting(setting(s_max=1.0, decay=1.0))
    at = run_lesson(LESSON)
    caption = text.orthogonal_text(orthogonal)
    assert caption in markdown(at)
    assert f"$\\|\\partial h_T/\\partial h_1\\| = {tex_log10(orthogonal.farthest)}$ across 49 steps" in caption
    assert "removes only $W_{hh}$'s share of the shrinking" in caption and orthogonal.farthest < -2
    at.button(key="v_orthogonal").click().run()
    (fig,) = figures(at)
    assert curve(fig, NORM_NAME)[0] == pytest.approx(orthogonal.farthest, abs=1e-12)
    assert metrics(at)["Regime"] == "vanishing" and caption in markdown(at)       # pressed again: the same setting
    for f in ("sigmoid", "relu"):                           # the other nonlinearities: the same sentence, their numbers
        r = analyse_setting(setting(nonlinearity=f, s_max=1.0, decay=1.0))
        said = text.orthogonal_text(r)
        assert f"= {tex_log10(r.farthest)}$" in said and ("still shrink" in said) == (r.farthest < -1e-9)


def test_predict_comes_before_what_would_give_its_answer_away():
    said = markdown(run_lesson(LESSON, query(setting(s_max=1.2))))
    predict = said.index("**Predict, then move.**")
    assert predict < said.index("**Why tanh rarely explodes.**") < said.index("tanh, $H = 4$, $s_k$ from")


def test_why_tanh_rarely_explodes_only_where_the_bound_allows_growth():
    for s_max, shown in ((0.05, False), (0.95, False), (1.0, True), (5.0, True)):
        r = analyse_setting(setting(s_max=s_max))
        assert ("**Why tanh rarely explodes.**" in markdown(run_lesson(LESSON, query(setting(s_max=s_max))))) == shown
        assert (r.gamma * r.s_max >= 1) == shown


def test_neither_says_where_the_curve_left_the_band():
    """At s_max = 5 the label reads neither (0.672 at t = 1) while the curve rose above 10^2 on the way: the sentence's
    peak and step are the figure's."""
    s = setting(s_max=5.0)
    at = run_lesson(LESSON, query(s))
    (fig,) = figures(at)
    drawn = curve(fig, NORM_NAME)
    top = int(np.argmax(drawn))
    assert metrics(at)["Regime"] == "neither" and -2 < drawn[0] < 2 < drawn[top]
    said = markdown(at)
    assert (f"the product ends at ${tex_log10(drawn[0])}$, between $10^{{-2}}$ and $10^{{2}}$, although on the way back "
            f"it rose to ${tex_log10(drawn[top])}$ at step {top + 1}: the label reads only step 1.") in said
    assert "neither vanished nor exploded" not in said
    inside = analyse_setting(setting(nonlinearity="linear", s_max=1.0, decay=1.0))
    assert text.neither_text(inside).endswith("and it stays between them at every step.")


def test_one_number_one_format_in_metrics_and_sentences():
    at = run_lesson(LESSON, query(setting(s_max=5.0, length=2)))
    r = analyse_setting(setting(s_max=5.0, length=2))
    value = metrics(at)[r"$\|\partial h_T/\partial h_1\|$"]
    assert f"${tex_log10(r.farthest)}$" in markdown(at)
    assert value.replace(" × 10", r" \times 10^{").translate(str.maketrans("⁻⁰¹²³⁴⁵⁶⁷⁸⁹", "-0123456789")) + \
        ("}" if "×" in value else "") == tex_log10(r.farthest)
    assert "e-" not in value and "e+" not in value


def test_predict_then_move_is_answered_by_the_core_at_the_setting_it_asks_for():
    target = analyse_setting(setting(s_max=1.5))
    assert target.farthest < 0                              # at the defaults s_max = 1.5 still vanishes
    at = run_lesson(LESSON)
    assert kit.CHECKS[("vanishing_exploding", "v_predict_smax")].answer == 1
    at.radio(key="v_predict_smax").set_value(0).run()       # predict "rises above 1"
    assert any("Now set Largest singular value s_max to 1.5" in i.value for i in at.info)
    at.slider(key="v_smax").set_value(1.5).run()
    assert_ran_cleanly(at)
    (error,) = [e.value for e in at.error]
    assert error.startswith("**The figure shows B, not A.**") and text.predict_why(target) in error
    assert f"${tex_log10(target.farthest)}$" in error
    assert_reach_shows(at, target)                          # and the figure beside it shows that very number
    # where s_max = 1.5 does explode, the answer follows the core
    grows = setting(hidden=16, decay=1.0, input_scale=0.5, length=100)
    assert analyse_setting({**grows, "s_max": 1.5}).farthest > 0
    at = run_lesson(LESSON, query(grows))
    assert kit.CHECKS[("vanishing_exploding", "v_predict_smax")].answer == 0
    at.radio(key="v_predict_smax").set_value(0).run()
    at.slider(key="v_smax").set_value(1.5).run()
    assert any(s.value.startswith("**A: the figure agrees.**") for s in at.success)


def test_predict_why_at_every_nonlinearity():
    for f in ("tanh", "sigmoid", "relu", "linear"):
        target = analyse_setting(setting(nonlinearity=f, s_max=1.5))
        why = text.predict_why(target)
        if f == "sigmoid":
            assert "0.375 < 1$, so it must shrink" in why and target.farthest < 0
        elif f == "linear":
            assert f"$\\rho = {target.rho:.3g}$" in why
        else:
            assert ("the product grows" in why) == (target.farthest > 0)


def test_each_tab_shows_its_own_controls_and_at_most_seven():
    network = {"v_f", "v_smax", "v_decay", "v_T", "v_in", "v_H", "v_seq"}
    expected = {"Gradient reach": (network, {"v_seed"}), "Per unit detail": (network, {"v_seed"}),
                "Clipping": ({"v_f", "v_smax", "v_T", "v_in", "v_clip"},
                             {"v_decay", "v_H", "v_seq", "v_seed", "v_c1", "v_c2"}),
                "The cliff": ({"v_cliffm", "v_cliffc"}, set())}
    for title, at in zip(SECTIONS, run_sections(LESSON)):
        found = panel_controls(at)
        shown, folded = found["box"], found["more"]
        assert (set(shown), set(folded)) == expected[title], title
        assert len(shown) <= kit.MAX_VISIBLE_CONTROLS


def test_a_value_set_on_one_tab_is_kept_on_the_others():
    at = run_lesson(LESSON)
    at.slider(key="v_smax").set_value(2.0).run()
    open_section(at, "v_part", "The cliff")
    assert at.slider(key="v_smax").value == 2.0
    open_section(at, "v_part", "Gradient reach")
    assert metrics(at)["Largest singular value $s_{max}$"] == "2"


def test_a_chosen_coordinate_that_a_smaller_network_lacks_falls_back_to_one_it_has():
    at = run_lesson(LESSON, {"v_part": "Clipping"})
    at.selectbox(key="v_c1").set_value("W_hh[4,4]").run()
    at.slider(key="v_H").set_value(2).run()
    assert_ran_cleanly(at)
    assert at.selectbox(key="v_c1").options == ["W_hh[1,1]", "W_hh[1,2]", "W_hh[2,1]", "W_hh[2,2]"]
    assert at.selectbox(key="v_c1").value in at.selectbox(key="v_c1").options
    vectors, _ = figures(at)
    assert vectors["layout"]["xaxis"]["title"]["text"] == f"∂L/∂{at.selectbox(key='v_c1').value}".replace(
        "W_hh", "W<sub>hh</sub>")


def test_show_code_and_downloads_only_where_they_produce_the_numbers():
    runs = run_sections(LESSON)
    assert [len(at.get("download_button")) for at in runs] == [2, 2, 0, 0]
    expected = {"Gradient reach": "def jacobians_by_hand", "Per unit detail": "def jacobians_by_hand",
                "Clipping": "def clip_by_norm", "The cliff": "def cliff_gradient"}
    for title, at in zip(SECTIONS, runs):
        at.toggle(key="show_code").set_value(True).run()
        assert_ran_cleanly(at)
        sources = [c.value for c in at.code]
        assert any(expected[title] in s for s in sources), title
        if title in ("Gradient reach", "Per unit detail"):
            assert any("def step(self, x_t, h_prev)" in s for s in sources)  # RNN.step, one line per equation


def run_program(program):
    namespace = {}
    with contextlib.redirect_stdout(io.StringIO()):
        exec(compile(program, "<snippet>", "exec"), namespace)
    return namespace


@pytest.mark.parametrize("f", ["tanh", "relu", "linear"])
def test_pytorch_programs_print_the_pages_numbers(f):
    """The reach tab's program computes ||dh_T/dh_1|| with PyTorch; the clipping tab's clips as training does."""
    s = setting(nonlinearity=f, s_max=1.2, length=30)
    r = analyse_setting(s)
    at = run_lesson(LESSON, query(s))
    at.toggle(key="show_code").set_value(True).run()
    namespace = run_program(next(c.value for c in at.code if c.value.startswith("import torch")))
    norm = torch.linalg.matrix_norm(namespace["J"], ord=2).item()
    assert math.log10(norm) == pytest.approx(r.farthest, abs=1e-9)
    at = run_lesson(LESSON, query(s, v_part="Clipping", v_clip=-2))
    at.toggle(key="show_code").set_value(True).run()
    namespace = run_program(next(c.value for c in at.code if c.value.startswith("import torch")))
    after = math.sqrt(sum(float((g ** 2).sum()) for g in namespace["grads"].values()))
    _, before = clip_by_norm(r.grads, 0.01)
    assert after == pytest.approx(min(before, 0.01), rel=1e-6)


def test_sigmoid_shows_gamma_a_quarter_and_no_pytorch_program():
    at = run_lesson(LESSON, query(setting(nonlinearity="sigmoid", s_max=3.0)))
    r = analyse_setting(setting(nonlinearity="sigmoid", s_max=3.0))
    assert "$\\gamma = 1/4$" in markdown(at) and "s_{max}/4 = 0.75$, so this network's gradient must vanish" in \
        markdown(at)
    assert r.regime == "vanishing" and np.all(r.log10_norms <= (r.steps - np.arange(1, r.steps + 1)) *
                                                 math.log10(0.75) + 1e-9)
    at.toggle(key="show_code").set_value(True).run()
    assert_ran_cleanly(at)
    assert not any(c.value.startswith("import torch") for c in at.code)
    assert any("nn.RNN` offers tanh and relu only" in c.value for c in at.caption)


def test_every_section_at_the_maximum_and_minimum_of_every_control():
    for f in ("tanh", "sigmoid", "relu", "linear"):
        runs = clean_sections(query(setting(nonlinearity=f, s_max=5.0, decay=1.0, length=500, hidden=16,
                                            input_scale=4.0, seed=2**31 - 1), v_clip=4, v_cliffc=20))
        assert not any(link_notes(at) for at in runs)
    runs = clean_sections(query(setting(nonlinearity="relu", s_max=0.05, decay=0.5, length=2, hidden=2,
                                        input_scale=0.0), v_clip=-4, v_cliffc=0.5, v_cliffm="clip_by_value"))
    clipped = descend(clip="value", threshold=0.5)
    np.testing.assert_allclose(plotly_array(figures(runs[-1])[-1]["data"][1]["y"]), clipped.step_lengths, rtol=1e-12)


def test_linear_overflow_is_named_on_every_tab():
    s = setting(nonlinearity="linear", s_max=5.0, decay=1.0, length=500, hidden=8, input_scale=4.0)
    reach_at, units_at, clip_at, _ = clean_sections(query(s))
    r = analyse_setting(s)
    assert r.farthest > 308 and metrics(reach_at)["Regime"] == "exploding"
    assert any("larger than the largest float64" in i.value for i in reach_at.info)
    assert any("overflowed float64 (entries are inf)" in w.value for w in clip_at.warning)
    # no code names in what a student reads, and no training step blamed for a forward pass's overflow
    (fig,) = figures(reach_at)
    band = [a["text"] for a in fig["layout"]["annotations"]]
    assert band == ["overflow: above the largest float64 (1.8 × 10³⁰⁸)"]
    assert not any("jacobian" in t for t in [i.value for i in reach_at.info] + band)
    assert not any("training step" in w.value for w in clip_at.warning)


def test_hostile_link_is_clamped():
    runs = clean_sections({"v_H": "99", "v_smax": "1e308", "v_T": "-5", "v_f": "softsign", "v_decay": "nan",
                           "v_clip": "inf", "v_cliffc": "-3", "v_c1": "W_hh[0,0]"})
    assert len({note for at in runs for note in link_notes(at)}) >= 6   # v_clip and v_cliffc in their own tabs


def test_sections_are_tabs_and_only_the_open_one_runs():
    check_section_tabs(LESSON, SECTIONS, [1, 1, 2, 2], "<b>The cliff</b>")
    at = run_lesson(LESSON, {"v_part": "Clipping", "v_clip": "-2"})
    assert at.slider(key="v_clip").value == -2.0 and not link_notes(at)


def test_clipping_and_cliff_controls_show_rnn_cores_new_numbers():
    r = analyse_setting(DEFAULT)
    c = 10.0 ** -2.5
    by_norm, norm = clip_by_norm(r.grads, c)
    at = run_lesson(LESSON, {"v_part": "Clipping"})
    at.slider(key="v_clip").set_value(-2.5).run()
    assert_ran_cleanly(at)
    no_nan_on_screen(at)
    vectors, norms = figures(at)
    np.testing.assert_allclose(plotly_array(norms["data"][0]["y"]),
                               [norm, global_norm(by_norm), global_norm(clip_by_value(r.grads, c))], rtol=1e-12)
    assert text.clipping_equation(norm, c, c / (norm + 1e-6)) in at.latex[0].value
    assert "Lower $c$" not in markdown(at)                  # c is below ||g|| already: both act
    at = run_lesson(LESSON, {"v_part": "The cliff"})
    at.slider(key="v_cliffc").set_value(0.5).run()
    assert_ran_cleanly(at)
    plain, clipped = descend(), descend(clip="norm", threshold=0.5)
    cliff, steps = figures(at)
    np.testing.assert_allclose(plotly_array(steps["data"][1]["y"]), clipped.step_lengths, rtol=1e-12)
    assert metrics(at)["Clipped: longest update"] == fmt_number(clipped.largest_step)
    assert metrics(at)["Plain: longest update"] == fmt_number(plain.largest_step)


def test_clipping_text_when_clipping_does_not_act():
    """Above ||g|| neither clipping changes anything, and the text says how to see them act."""
    r = analyse_setting(DEFAULT)
    _, norm = clip_by_norm(r.grads, 1e4)
    at = run_lesson(LESSON, {"v_part": "Clipping", "v_clip": "4"})
    said = markdown(at)
    assert (f"$\\|g\\| = {text.tex_number(norm)}$ and $c = 1.00 \\times 10^{{4}}$: clip_by_norm multiplies by $1$; "
            "clip_by_value clamps 0 of") in said
    assert "turns the gradient by 0 degrees. Lower $c$ below $\\|g\\|$ to see both act." in said
    tiny = text.clipping_text(40, 0.0, 1e-4, 1.0, 0, 0.0, 1e-4)     # an exactly-zero gradient (dead relu units)
    assert tiny.endswith("clipping leaves this gradient alone, as it leaves every small gradient alone.")


def test_every_glossary_link_of_the_lesson_names_a_term():
    """The sentences link singular value, Jacobian, spectral radius, orthogonal matrix and saturation to the glossary."""
    slugs = {term.slug for term in TERMS}
    linked = set()
    for s in (DEFAULT, setting(decay=1.0)):                  # decay 1: the orthogonal-matrix sentence
        at = run_lesson(LESSON, query(s))
        linked |= set(re.findall(r"\]\(glossary#([a-z-]+)\)", markdown(at)))
    assert linked == {"singular-value", "jacobian", "spectral-radius", "orthogonal-matrix", "saturation"}
    assert linked <= slugs


CLIFF_THRESHOLDS = np.arange(0.5, 20.01, 0.5)              # every value of the cliff's threshold slider


def test_cliff_sentence_at_every_threshold_and_both_clippings():
    """The bound the sentence states holds for every update (sqrt(2) lr c for clip_by_value, which exceeds lr c), and
    it says the clipped run reached the wall exactly where it came near where the plain run was thrown (every
    threshold is far from the line between the two: at most 0.025 or at least 0.2 away)."""
    plain = descend()
    k = plain.largest_step_index
    for method, c in itertools.product(("norm", "value"), CLIFF_THRESHOLDS):
        clipped = descend(clip=method, threshold=c)
        said = text.cliff_text(plain, clipped, method, c, LEARNING_RATE, 6.07, STEPS, H0, TARGET)
        longest, bound = text.cliff_bound(method, LEARNING_RATE, c)
        assert clipped.largest_step <= longest * (1 + 1e-12), (method, c)
        assert f"never longer than {bound}." in said and f"longer than {bound}, ${text.tex_number(longest)}$" in said
        if method == "value":
            assert "\\sqrt{2}" in bound and "(both coordinates clamped to $c$)" in said
        closest = float(np.min(np.linalg.norm(clipped.points - plain.points[k], axis=1)))
        assert closest <= 0.025 or closest >= 0.2, (method, c, closest)
        number = lambda x: f"${text.tex_number(x)}$"          # noqa: E731
        if closest <= text.CLIFF_NEAR:
            assert (f"It reaches the wall (it comes within {number(closest)}" in said if closest else
                    "It reaches the wall (it lands where the plain run was thrown)" in said)
            assert (f"its longest update is {number(clipped.largest_step)}, and it ends at a loss of "
                    f"{number(clipped.losses[-1])}") in said
        else:
            assert f"never reaches the wall: after {ITERATIONS} updates it is still {number(closest)} away" in said
            assert f"fallen from {number(clipped.losses[0])} to {number(clipped.losses[-1])}" in said
            assert clipped.losses[-1] > 100 * np.min(plain.losses[:k + 1])       # it never got down to the valley
        assert f"until update {k + 1}, where it lands on the face" in said and "step" not in said.split("time steps")[1]


def test_cliff_by_value_states_the_bound_its_metric_shows():
    """The reader's setting: clip_by_value at c = 2 takes an update of 0.0283, longer than lr c = 0.02."""
    at = run_lesson(LESSON, {"v_part": "The cliff", "v_cliffm": "clip_by_value"})
    assert_ran_cleanly(at)
    clipped = descend(clip="value", threshold=2.0)
    shown = metrics(at)["Clipped: longest update"]
    assert shown == fmt_number(clipped.largest_step) == "0.0283" and clipped.largest_step > LEARNING_RATE * 2.0
    said = markdown(at)
    assert "$\\sqrt{2}$ times the learning rate times $c$, $0.0283$ (both coordinates clamped to $c$)" in said
    assert f"its longest update is ${shown}$" in said
    _, steps = figures(at)
    assert float(np.max(plotly_array(steps["data"][1]["y"]))) == pytest.approx(clipped.largest_step, rel=1e-12)


def test_cliff_at_the_smallest_threshold_says_the_clipped_run_never_got_there():
    at = run_lesson(LESSON, {"v_part": "The cliff", "v_cliffc": "0.5"})
    assert_ran_cleanly(at)
    plain, clipped = descend(), descend(clip="norm", threshold=0.5)
    cliff, _ = figures(at)
    drawn = next(d for d in cliff["data"] if d["name"] == "clip_by_norm, c = 0.5")
    end = np.array([plotly_array(drawn["x"])[-1], plotly_array(drawn["y"])[-1]])
    thrown_from = plain.points[plain.largest_step_index]
    said = markdown(at)
    assert "never reaches the wall" in said and "the wall cannot throw it" not in said
    assert f"still ${text.tex_number(np.linalg.norm(end - thrown_from))}$ away" in said    # 0.795: the drawn end
    assert "fallen from $4.34$ to $2.69$" in said

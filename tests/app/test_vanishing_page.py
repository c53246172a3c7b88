"""The vanishing/exploding page: its curves are rnn_core's numbers, its regime label follows them,
extreme settings give no exception and no NaN, the cliff numbers come from rnn_core.cliff."""

import json
import math

import numpy as np
import pytest

from app.course import page_for
from rnn_core import (RNN, clip_by_norm, clip_by_value, global_norm, jacobian_log_norms,
                      matrix_with_singular_values, sequences)
from rnn_core.bptt import gradient_regime, last_step_gradient
from rnn_core.cliff import descend
from tests.app.helpers import (assert_ran_cleanly, check_section_tabs, figures, link_notes, plotly_array, run_lesson,
                               run_sections)

LESSON = page_for("pages/4_vanishing_exploding.py")
LABELS = {"words": "Words", "sine": "Sine wave", "impulse": "Impulse"}
SECTIONS = ["Gradient reach", "Per unit detail", "Clipping", "The cliff"]


def network(s, f="tanh", T=50, seq="words", scale=1.0, seed=0):
    x = sequences.preset(seq, T)
    H = len(s)
    base = RNN.random(x.shape[1], H, nonlinearity=f, seed=seed)
    cell = RNN(weight_ih=scale * np.sqrt(H) * base.weight_ih, weight_hh=matrix_with_singular_values(s, seed=seed),
               bias_ih=base.bias_ih, bias_hh=base.bias_hh, nonlinearity=f)
    return cell, x


def query(s, f="tanh", T=50, seq="words", scale=1.0, seed=0, **extra):
    q = {"v_H": str(len(s)), "v_f": f, "v_T": str(T), "v_seq": LABELS[seq], "v_in": str(scale), "v_seed": str(seed)}
    q.update({f"v_s{k + 1}": str(v) for k, v in enumerate(s)})
    q.update({k: str(v) for k, v in extra.items()})
    return q


def jacobian_curve(fig):
    return next(d for d in fig["data"] if d["name"].startswith("||dh"))


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
        assert not any("NaN" in text for text in strings(spec))
        for trace in spec["data"]:
            for axis in ("x", "y", "z"):
                value = trace.get(axis)
                if value is None or (isinstance(value, list) and value and isinstance(value[0], str)):
                    continue                                      # categories, not numbers
                assert np.all(np.isfinite(plotly_array(value))), (trace.get("name"), axis)


def metrics(at):
    return {m.label: m.value for m in at.metric}


def clean_sections(query=None):
    """The page opened on each of its four sections (tests.app.helpers.run_sections), each run checked
    for exceptions and for NaN on screen."""
    runs = run_sections(LESSON, query)
    assert len(runs) == len(SECTIONS)
    for at in runs:
        assert_ran_cleanly(at)
        no_nan_on_screen(at)
    return runs


def default_gradients():
    """The default network (s = 1, 0.8, 0.6, 0.4), its loss direction u and the parameter gradient of u . h_{T-1}."""
    cell, x = network((1.0, 0.8, 0.6, 0.4))
    trace = cell.unroll(x)
    u = np.random.default_rng(2).standard_normal(4)
    u /= np.linalg.norm(u)
    dh = np.zeros_like(trace.h)
    dh[-1] = u
    return cell, trace, u, cell.backward(trace, dh).params


def test_defaults_are_the_core_numbers():
    runs = clean_sections()
    reach_at, _, _, cliff_at = runs
    assert "Vanishing and exploding gradients" in reach_at.title[0].value
    cell, trace, u, grads = default_gradients()
    logs = jacobian_log_norms(cell, trace) / math.log(10)
    (jac,), (units,), (vectors, norms), (cliff, steps) = [figures(at) for at in runs]
    np.testing.assert_allclose(plotly_array(jacobian_curve(jac)["y"]), logs, rtol=1e-12)
    bound = next(d for d in jac["data"] if d["name"].startswith("bound"))
    np.testing.assert_allclose(plotly_array(bound["y"]), (49 - np.arange(50)) * math.log10(1.0), atol=1e-15)
    assert metrics(reach_at)["Regime"] == gradient_regime(logs) == "vanishing"
    assert "regime: <b>vanishing</b>" in jac["layout"]["title"]["text"]
    gradient = last_step_gradient(cell, trace, u)
    np.testing.assert_allclose(plotly_array(units["data"][0]["z"]).T, gradient.log10_abs, rtol=1e-12)
    # clipping: the bars are the global norms before and after, at the default threshold 10^-1
    by_norm, norm = clip_by_norm(grads, 0.1)
    np.testing.assert_allclose(plotly_array(norms["data"][0]["y"]),
                               [norm, global_norm(by_norm), global_norm(clip_by_value(grads, 0.1))], rtol=1e-12)
    # the cliff: same runs as rnn_core.cliff.descend
    plain, clipped = descend(), descend(clip="norm", threshold=2.0)
    np.testing.assert_allclose(plotly_array(steps["data"][0]["y"]), plain.step_lengths, rtol=1e-12)
    np.testing.assert_allclose(plotly_array(steps["data"][1]["y"]), clipped.step_lengths, rtol=1e-12)
    assert metrics(cliff_at)["Plain: largest step"] == f"{plain.largest_step:.3g}"
    assert plain.largest_step > 100 and clipped.largest_step <= 0.02 + 1e-12


@pytest.mark.parametrize("sigma", [0.7, 1.0, 1.3])
def test_linear_orthogonal_curve_is_the_closed_form_and_regime_follows(sigma):
    at = clean_sections(query([sigma] * 4, f="linear", T=60))[0]
    jac = figures(at)[0]
    np.testing.assert_allclose(plotly_array(jacobian_curve(jac)["y"]), (59 - np.arange(60)) * math.log10(sigma),
                               atol=1e-9)
    assert metrics(at)["Regime"] == {0.7: "vanishing", 1.0: "stable", 1.3: "exploding"}[sigma]


def test_saturated_tanh_example_vanishes_with_s_max_above_one():
    at = run_lesson(LESSON)
    at.button[1].click().run()
    assert_ran_cleanly(at)
    cell, x = network((1.5, 1.3, 1.1, 1.0), T=100, scale=2.0)
    logs = jacobian_log_norms(cell, cell.unroll(x)) / math.log(10)
    np.testing.assert_allclose(plotly_array(jacobian_curve(figures(at)[0])["y"]), logs, rtol=1e-12)
    assert metrics(at)["Regime"] == "vanishing" and logs[0] < -10
    assert 99 * math.log10(1.5) > 10                                # the bound would allow explosion
    assert any("This is that case" in s.value for s in at.success)
    clean_sections(dict(at.query_params))                   # the link the button made: every section runs cleanly


def test_orthogonal_button_sets_all_singular_values_to_one():
    at = run_lesson(LESSON, query([2.0, 0.3, 0.2]))
    at.button[0].click().run()
    assert_ran_cleanly(at)
    assert [s.value for s in at.slider if s.key and s.key.startswith("v_s")] == [1.0, 1.0, 1.0]
    clean_sections(dict(at.query_params))


@pytest.mark.parametrize("f", ["tanh", "relu", "linear"])
def test_every_singular_value_at_max_with_T_at_max(f):
    runs = clean_sections(query([5.0] * 8, f=f, T=500, scale=4.0, seed=2**31 - 1))
    assert not any(link_notes(at) for at in runs)
    at = runs[0]
    logs = plotly_array(jacobian_curve(figures(at)[0])["y"])
    assert np.all(np.isfinite(logs))
    if f == "linear":
        np.testing.assert_allclose(logs[0], 499 * math.log10(5.0), rtol=1e-9)   # 6e348: past float64
        assert metrics(at)["Regime"] == "exploding"
        assert any("larger than the largest float64" in i.value for i in at.info)


def test_large_hidden_size_uses_largest_value_and_decay():
    runs = clean_sections({"v_H": "16", "v_smax": "5", "v_decay": "0.5", "v_T": "500", "v_f": "relu", "v_in": "4"})
    assert {"largest singular value", "decay (s_k = largest * decay^k)"} <= {s.label for s in runs[0].slider}


def test_minimum_settings():
    runs = clean_sections(query([0.05, 0.05], f="relu", T=2, scale=0.0, v_clip=-4, v_cliffc=0.5,
                                v_cliffm="clip_by_value"))
    clipped = descend(clip="value", threshold=0.5)
    steps = figures(runs[-1])[-1]
    np.testing.assert_allclose(plotly_array(steps["data"][1]["y"]), clipped.step_lengths, rtol=1e-12)


def test_hostile_link_is_clamped():
    runs = clean_sections({"v_H": "99", "v_s1": "1e308", "v_T": "-5", "v_f": "sigmoid", "v_clip": "inf",
                           "v_cliffc": "-3"})
    assert len({note for at in runs for note in link_notes(at)}) >= 5   # v_clip and v_cliffc in their own tabs


def test_sections_are_tabs_and_only_the_open_one_runs():
    check_section_tabs(LESSON, SECTIONS, [1, 1, 2, 2], "<b>The cliff</b>")
    at = run_lesson(LESSON, {"v_part": "Clipping", "v_clip": "-2"})
    assert at.slider(key="v_clip").value == -2.0 and not link_notes(at)


def test_fragment_panels_follow_their_controls():
    """The clipping threshold and the cliff's controls rerun only their panel: it shows rnn_core's new numbers."""
    _, _, _, grads = default_gradients()
    c = 10.0 ** -2.5
    by_norm, norm = clip_by_norm(grads, c)
    at = run_lesson(LESSON, {"v_part": "Clipping"})
    at.slider(key="v_clip").set_value(-2.5).run()
    assert_ran_cleanly(at)
    no_nan_on_screen(at)
    vectors, norms = figures(at)
    np.testing.assert_allclose(plotly_array(norms["data"][0]["y"]),
                               [norm, global_norm(by_norm), global_norm(clip_by_value(grads, c))], rtol=1e-12)
    assert any(f"\\frac{{{c:.3g}}}{{{norm:.3g}}}" in l.value for l in at.latex)
    at = run_lesson(LESSON, {"v_part": "The cliff"})
    at.slider(key="v_cliffc").set_value(0.5).run()
    assert_ran_cleanly(at)
    no_nan_on_screen(at)
    plain, clipped = descend(), descend(clip="norm", threshold=0.5)
    cliff, steps = figures(at)
    np.testing.assert_allclose(plotly_array(steps["data"][1]["y"]), clipped.step_lengths, rtol=1e-12)
    assert metrics(at)["Clipped: largest step"] == f"{clipped.largest_step:.3g}"
    assert metrics(at)["Plain: largest step"] == f"{plain.largest_step:.3g}"
    at = run_lesson(LESSON, {"v_clip": "-2.5", "v_cliffc": "0.5"})   # the panels' settings leave the network alone
    assert_ran_cleanly(at)
    assert metrics(at)["Regime"] == "vanishing"

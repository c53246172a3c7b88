"""The vanishing/exploding figures: log-domain data unchanged, overflow marked, never NaN."""

import json
import math

import numpy as np
import pytest

from app.figures.gradients import (ARROWHEAD_LENGTH, BOUND_NAME, LINEAR_NAME, LOG10_FLOAT_MAX, NORM_NAME, clipping_vectors, cliff_figure,
                                   fmt_log10, jacobian_figure, norm_bars, step_length_figure, tex_log10, unit_heatmap)
from rnn_core import RNN, clip_by_norm, clip_by_value, jacobian_log_norms, matrix_with_singular_values
from rnn_core.bptt import last_step_gradient
from rnn_core.cliff import cliff_surface, descend
from tests.figures.specs import validated


def linear_cell(sigma, H=3):
    return RNN.random(1, H, nonlinearity="linear", seed=0).replace(
        weight_hh=sigma * matrix_with_singular_values(np.ones(H), seed=0))


def test_fmt_log10():
    assert fmt_log10(2.0) == "100"
    assert fmt_log10(math.log10(3.5e-7), -1) == "−3.50 × 10⁻⁷"
    assert fmt_log10(400.3) == "2.00 × 10⁴⁰⁰ (overflow: beyond the largest float64)"
    assert "underflow" in fmt_log10(-400.0)
    assert fmt_log10(-math.inf) == "exactly 0"


@pytest.mark.parametrize("value", [math.log10(0.672), math.log10(6.3e-23), 2.0, -2.0, 3.999, 4.0, -2.0001, 412.5])
def test_metric_and_hover_text_write_a_number_as_the_sentences_do(value):
    """fmt_log10 (metrics, hover text) and tex_log10 (sentences, equations): one number, one format."""
    sup = str.maketrans("⁻⁰¹²³⁴⁵⁶⁷⁸⁹", "-0123456789")
    plain = fmt_log10(value).split(" (")[0]
    if " × 10" in plain:
        mantissa, exponent = plain.split(" × 10")
        plain = rf"{mantissa} \times 10^{{{exponent.translate(sup)}}}"
    assert plain == tex_log10(value)


def test_tex_log10():
    assert tex_log10(math.log10(6.3e-23)) == r"6.30 \times 10^{-23}"
    assert tex_log10(math.log10(0.0512)) == "0.0512" and tex_log10(2.0) == "100"
    assert tex_log10(412.5) == r"3.16 \times 10^{412}"                  # past float64: from the log, exact
    assert tex_log10(-math.inf) == "0" and tex_log10(math.nan) == r"\text{undefined}"


def test_jacobian_figure_data_is_the_log_norms_against_steps_from_one():
    cell = linear_cell(0.8)
    trace = cell.unroll(np.zeros((10, 1)))
    logs = jacobian_log_norms(cell, trace) / math.log(10)
    bound = (9 - np.arange(10)) * math.log10(0.8)
    linear = logs + 0.5
    fig = jacobian_figure(logs, bound, linear, regime="vanishing")
    curves = {d.name: d for d in fig.data}
    assert list(curves) == [BOUND_NAME, LINEAR_NAME, NORM_NAME]
    np.testing.assert_array_equal(curves[NORM_NAME].y, logs)
    np.testing.assert_array_equal(curves[NORM_NAME].x, np.arange(1, 11))   # steps 1..T: ||dh_T/dh_T|| = 1 at t = T
    np.testing.assert_array_equal(curves[LINEAR_NAME].y, linear)
    np.testing.assert_allclose(curves[NORM_NAME].y, bound, atol=1e-12)   # linear, W = 0.8 Q: exact
    assert curves[NORM_NAME].y[-1] == 0 and "step t = %{x}" in curves[NORM_NAME].hovertemplate
    assert "vanishing" in fig.layout.title.text
    assert fig.layout.xaxis.tickvals[0] == 1 and "step t" in fig.layout.xaxis.title.text
    assert [d.name for d in jacobian_figure(logs, bound).data] == [BOUND_NAME, NORM_NAME]


def test_overflow_is_drawn_in_a_band_and_never_as_nan():
    cell = linear_cell(5.0)
    trace = cell.unroll(np.zeros((500, 1)))
    logs = jacobian_log_norms(cell, trace) / math.log(10)
    assert logs[0] > LOG10_FLOAT_MAX
    fig = jacobian_figure(logs, (499 - np.arange(500)) * math.log10(5.0))
    assert "NaN" not in json.dumps(fig.to_plotly_json(), default=str)
    assert all(np.all(np.isfinite(np.asarray(d.y, dtype=np.float64))) for d in fig.data)
    assert any("overflow" in (s.text or "") for s in fig.layout.annotations)
    hover = next(d for d in fig.data if d.name == NORM_NAME).customdata
    assert "overflow" in hover[0] and "overflow" not in hover[-1]


def test_exact_zero_is_marked_not_dropped():
    logs = np.array([-np.inf, -np.inf, -1.0, 0.0])
    fig = jacobian_figure(logs, np.array([3.0, 2.0, 1.0, 0.0]))
    zero = next(d for d in fig.data if "exactly 0" in d.name)
    assert list(zero.x) == [1, 2]                                        # steps 1 and 2


def test_unit_heatmap_is_the_per_unit_log_gradient():
    cell = RNN.random(2, 4, seed=1)
    trace = cell.unroll(np.random.default_rng(0).standard_normal((12, 2)))
    gradient = last_step_gradient(cell, trace, np.array([1.0, 0, 0, 0]))
    fig = unit_heatmap(gradient.log10_abs, gradient.sign)
    finite = np.isfinite(gradient.log10_abs)
    np.testing.assert_allclose(np.asarray(fig.data[0].z).T[finite], gradient.log10_abs[finite], rtol=1e-6)
    assert np.all(np.isfinite(np.asarray(fig.data[0].z, dtype=np.float64)))
    np.testing.assert_array_equal(fig.data[0].x, np.arange(1, 13))       # step t = 1..T
    np.testing.assert_array_equal(fig.data[0].y, np.arange(1, 5))        # unit j = 1..H
    assert fig.layout.yaxis.title.text == "unit j" and fig.layout.xaxis.title.text == "step t"


def test_clipping_vectors_and_norms():
    grads = {"w": np.array([3.0, 0.5]), "b": np.array([-4.0])}
    by_norm, norm = clip_by_norm(grads, 1.0)
    by_value = clip_by_value(grads, 1.0)
    pick = lambda g: np.array([g["w"][0], g["w"][1]])
    fig = clipping_vectors(pick(grads), pick(by_norm), pick(by_value), 1.0, ["w0", "w1"])
    ends = {d.name: (d.x[1], d.y[1]) for d in fig.data}
    assert ends["before clipping"] == (3.0, 0.5)
    np.testing.assert_allclose(ends["clip_by_norm"], np.array([3.0, 0.5]) / (norm + 1e-6))
    assert ends["clip_by_value"] == (1.0, 0.5)
    assert [d.name for d in sorted(fig.data, key=lambda d: d.legendrank)] == ["before clipping", "clip_by_norm",
                                                                            "clip_by_value"]
    heads = {(a.x, a.y) for a in fig.layout.annotations if a.showarrow}
    reach = 1.15 * 3.0
    for name, (x, y) in ends.items():      # a head only where the arrow is longer than it
        assert ((x, y) in heads) == (math.hypot(x, y) >= ARROWHEAD_LENGTH * reach), name
    assert heads == {(3.0, 0.5), (1.0, 0.5)}       # clip_by_norm, (0.6, 0.1), is a line and its end dot only
    longer, _ = clip_by_norm(grads, 3.0)
    wide = clipping_vectors(pick(grads), pick(longer), pick(clip_by_value(grads, 3.0)), 3.0, ["w0", "w1"])
    assert len([a for a in wide.layout.annotations if a.showarrow]) == 3      # (1.79, 0.3): long enough for a head
    assert fig.layout.legend.orientation == "h"
    assert clipping_vectors(pick(grads), pick(by_norm), pick(by_value), 1.0, ["w0", "w1"],
                            compact=True).layout.legend.orientation == "v"
    bars = norm_bars(norm, 1.0, math.sqrt(1 + 0.25 + 1))
    np.testing.assert_allclose(bars.data[0].y, [norm, 1.0, math.sqrt(2.25)])


def test_cliff_figure_shows_where_the_plain_run_was_thrown():
    ws, bs = np.linspace(0.6, 2.6, 41), np.linspace(-0.8, 1.0, 37)
    surface = cliff_surface(ws, bs)
    plain, clipped = descend(), descend(clip="norm", threshold=2.0)
    fig = cliff_figure(ws, bs, surface, plain.points, clipped.points)
    np.testing.assert_allclose(fig.data[0].z, np.log10(np.maximum(surface, 1e-6)), rtol=1e-6)   # float32 logs
    shown_plain, shown_clipped = fig.data[1], fig.data[2]
    assert len(shown_plain.x) == plain.largest_step_index + 1            # drawn up to the throw
    assert len(shown_clipped.x) == len(clipped.points)                   # entirely inside
    assert shown_plain.line.width > shown_clipped.line.width             # under the clipped one, and wider
    gone = plain.points[plain.largest_step_index + 1]
    arrow, label = fig.layout.annotations
    assert label.text == f"thrown to<br>(w, b) = ({gone[0]:.1f}, {gone[1]:.1f})" and not label.showarrow
    assert (label.x, label.y) == (arrow.x, arrow.y) != (arrow.ax, arrow.ay)  # at the arrow's tip, not at the wall
    bar = fig.data[0].colorbar                   # one notation on the colour bar: powers of ten, not "0.01" beside them
    assert list(bar.ticktext) == [f"10<sup>{int(k)}</sup>" for k in bar.tickvals]
    assert (arrow.ax, arrow.ay) == tuple(plain.points[plain.largest_step_index]) and not arrow.text
    assert label.xanchor == "right" and label.yanchor == "bottom"          # thrown up and right: label up and left
    steps = step_length_figure(plain.step_lengths, clipped.step_lengths)
    np.testing.assert_array_equal(steps.data[0].y, plain.step_lengths)
    assert steps.layout.yaxis.type == "log" and steps.layout.yaxis.exponentformat == "power"   # 10^-4, not 100μ
    assert steps.layout.xaxis.title.text == "update"


@pytest.mark.parametrize("T, H, sigma, grid", [(50, 4, 0.9, 41), (500, 16, 5.0, 161)])  # lesson 4: default, largest
def test_every_figure_passes_plotlys_validation_unchanged(T, H, sigma, grid):
    """The builders skip Plotly's property checks for speed; their figures pass them and come out the same."""
    cell = linear_cell(sigma, H)
    with np.errstate(over="ignore", invalid="ignore"):          # sigma = 5: the states themselves overflow
        trace = cell.unroll(np.zeros((T, 1)))
    logs = jacobian_log_norms(cell, trace) / math.log(10)
    gradient = last_step_gradient(cell, trace, np.eye(H)[0])
    tiny = np.where(np.arange(T) % 7 == 0, -np.inf, -(np.arange(T)[::-1] * 3.0))     # underflow and exact zeros
    grads = {"w": np.array([3.0, 0.5]), "b": np.array([-4.0])}
    by_norm, norm = clip_by_norm(grads, 1.0)
    by_value = clip_by_value(grads, 1.0)
    ws, bs = np.linspace(0.6, 2.6, grid), np.linspace(-0.8, 1.0, grid - 16)
    plain, clipped = descend(), descend(clip="value", threshold=0.5)
    figures = {
        "jacobian": jacobian_figure(logs, (T - 1 - np.arange(T)) * math.log10(sigma), gradient.log10_norm,
                                    regime="exploding" if sigma > 1 else "vanishing"),
        "jacobian, T = 2": jacobian_figure(logs[-2:], np.array([1.0, 0.0])),
        "jacobian, underflow": jacobian_figure(tiny, tiny / 2),
        "units": unit_heatmap(gradient.log10_abs, gradient.sign),
        "clipping": clipping_vectors(grads["w"], by_norm["w"], by_value["w"], 1.0, ["w0", "w1"]),
        "norms": norm_bars(norm, 1.0, 1.5),
        "cliff": cliff_figure(ws, bs, cliff_surface(ws, bs), plain.points, clipped.points, clipped_name="c"),
        "step lengths": step_length_figure(plain.step_lengths, clipped.step_lengths, clipped_name="c"),
    }
    for name, fig in figures.items():
        checked = validated(fig)                 # raises on any misspelt property or invalid value
        assert json.loads(checked.to_json()) == json.loads(fig.to_json()), name   # (hover texts are numpy arrays)

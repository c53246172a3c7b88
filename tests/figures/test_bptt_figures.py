"""The BPTT figures carry rnn_core's numbers unchanged."""

import numpy as np
import pytest

from app.figures.bptt import (backward_animation, chunk_strip, contribution_matrix, contribution_stack, loss_bars,
                              row_bars, warmup_chain)
from app.warmup import WARMUP_B, WARMUP_W_H, WARMUP_W_X, WARMUP_XS
from rnn_core import Readout, scalar
from rnn_core.bptt import many_to_many, next_step_task, per_loss, rnn_with_singular_values, step_contributions
from rnn_core.truncation import chunk_mask
from tests.figures.specs import frames_of, validated


def result(T=7, H=4, seed=3):
    x, targets, classes = next_step_task("words", T)
    cell = rnn_with_singular_values(x.shape[1], H, s_max=1.5, seed=seed)
    return many_to_many(cell, Readout.random(H, len(classes), seed=seed + 1), x, targets)


def values(trace_y):
    return np.array([np.nan if v is None else v for v in trace_y], dtype=np.float64)


def test_loss_bars():
    r = result()
    fig = loss_bars(r.losses, classes=4)
    np.testing.assert_array_equal(fig.data[0].y, r.losses)
    assert list(fig.data[0].x) == list(range(1, 8))
    assert f"{r.total_loss:.4f}" in fig.layout.title.text
    assert fig.layout.shapes[0].y0 == pytest.approx(np.log(4))            # an even guess over 4 classes
    assert "log 4 = 1.386" in fig.layout.title.text and not fig.layout.annotations   # no label over a bar


def test_backward_animation_plays_from_the_last_step_with_a_slider_along_the_time_axis():
    r = result()
    fig = backward_animation(r.grad_norms, r.own_norms, r.later_norms)
    frames = frames_of(fig)
    assert [frame.name for frame in frames] == [str(s) for s in range(7, 0, -1)]   # Play runs T .. 1
    first = frames[0].data                          # the pass has reached the last step only
    assert np.isnan(values(first[2].y)[:-1]).all() and values(first[2].y)[-1] == r.grad_norms[-1]
    last = frames[-1].data                          # finished: every step
    np.testing.assert_array_equal(values(last[0].y), r.own_norms)
    np.testing.assert_array_equal(values(last[1].y), r.later_norms)
    np.testing.assert_array_equal(values(last[2].y), r.grad_norms)
    np.testing.assert_array_equal(values(fig.data[2].y), r.grad_norms)
    for frame in frames:                            # frame "s": steps s .. T drawn
        shown = ~np.isnan(values(frame.data[2].y))
        np.testing.assert_array_equal(shown, np.arange(1, 8) >= int(frame.name))
        assert list(frame.data[3].x) == [int(frame.name)] and frame.data[3].text == (f"step {frame.name}",)
    labels = [b.label for b in fig.layout.updatemenus[0].buttons]
    assert labels == ["Play", "Pause"]
    slider = fig.layout.sliders[0]                  # left to right: steps 1 .. T, like the x axis
    assert [step.label for step in slider.steps] == [str(s) for s in range(1, 8)]
    assert [list(step.args[0]) for step in slider.steps] == [[str(s)] for s in range(1, 8)]
    assert slider.active == 0                       # the figure shows the finished pass: step 1 reached


def test_backward_animation_switches_to_log_axis_for_wide_ranges():
    fig = backward_animation(np.array([1e-6, 1.0, 10.0]), np.array([1e-6, 1.0, 10.0]), np.array([0.0, 0.5, 0.0]))
    assert fig.layout.yaxis.type == "log"


def test_contribution_stack_totals_are_the_gradient():
    r = result()
    contributions = step_contributions(r.trace, r.grads)["weight_hh"]
    full = r.grads.params["weight_hh"]
    fig = contribution_stack(contributions[:, 2, :], full[2], 3)
    bars = [d for d in fig.data if d.type == "bar"]
    assert len(bars) == 7
    stacked = np.array([d.y for d in bars])
    np.testing.assert_allclose(stacked.sum(axis=0), fig.data[-1].y, rtol=1e-12, atol=1e-15)
    np.testing.assert_array_equal(fig.data[-1].y, full[2])
    assert fig.layout.barmode == "relative"
    assert list(bars[0].x) == [f"[3,{j}]" for j in range(1, 5)]                 # rows and columns from 1


def test_contribution_matrix_and_row():
    r = result()
    norms = per_loss(r).contribution_norms()
    keep = chunk_mask(7, 3)
    fig = contribution_matrix(norms, highlight_row=3, cut=~keep, chunk=3)
    z = np.array(fig.data[0].z, dtype=np.float64)
    np.testing.assert_array_equal(z[np.tril_indices(7)], norms[np.tril_indices(7)])
    assert np.isnan(z[np.triu_indices(7, 1)]).all()
    cut = {(x, y) for x, y in zip(fig.data[1].x, fig.data[1].y)}
    assert cut == {(j + 1, k + 1) for k in range(7) for j in range(k + 1) if j // 3 != k // 3}
    staircases = [shape for shape in fig.layout.shapes if shape.type == "path"]
    assert len(staircases) == 3                                             # chunks 1-3, 4-6, 7
    assert staircases[2].path == "M 6.5 6.5 L 6.5 7.5 L 7.5 7.5 L 7.5 6.5 Z"
    assert [shape.y0 for shape in fig.layout.shapes if shape.type == "rect"] == [3.5]
    bars = row_bars(norms[3], 3)
    np.testing.assert_array_equal(bars.data[0].y, norms[3])


def test_chunk_strip_cuts_the_backward_arrows_at_every_boundary():
    fig = chunk_strip(10, 4)
    boundaries = list(fig.data[2].x)
    assert boundaries == [4.5, 8.5]                                         # chunks 1-4, 5-8, 9-10
    arrows = lambda trace: [tuple(trace.x[i:i + 2]) for i in range(0, len(trace.x), 3)]   # noqa: E731 (from, to)
    forward, backward = arrows(fig.data[3]), arrows(fig.data[4])
    assert set(fig.data[3].y) - {None} == {1.0} and set(fig.data[4].y) - {None} == {0.0}
    assert len(forward) == 9 and all(a < b for a, b in forward)             # the state goes through every step
    assert len(backward) == 9 - 2 and all(a > b for a, b in backward)       # the gradient stops at 2 boundaries
    assert all(not (b < boundary < a) for a, b in backward for boundary in boundaries)
    assert len(fig.layout.shapes) == 3


def test_warmup_chain_writes_a_tiny_gradient_in_three_digits_not_as_minus_zero():
    """Readers found ∂L/∂a_1 = -1.2e-5 written "-0.000" in a red box at b = 1 (lesson 3's warm-up, ?b_b=1), and at
    w_x = w_h = 2 a box "-0.001" beside a list's "-0.0007": below 10^-2 a box writes three digits and a power of
    ten, and is wide enough for them, with room left for the arrows between boxes."""
    for w_x, w_h, b, target in ((WARMUP_W_X, WARMUP_W_H, 1.0, 0.5), (2.0, 2.0, 1.0, 1.0), (-2.0, -2.0, -1.0, -1.0)):
        back = scalar.backward(w_x, w_h, b, WARMUP_XS, target)
        fwd = scalar.forward(w_x, w_h, b, WARMUP_XS)
        tiny = [value for value in (*back.dh, *back.da) if 0 < abs(value) < 1e-2]
        assert tiny, "these weights should give a gradient below 10^-2"
        fig = warmup_chain(WARMUP_XS, fwd.h, back.dh, back.da, back.w_h_terms, target, back.loss, w_h)
        texts = [str(text) for trace in fig.data if trace.text is not None for text in trace.text]
        assert not any(text in ("-0.000", "0.000") for text in texts)
        for value in tiny:
            mantissa, exponent = f"{value:.2e}".split("e")
            assert f"{mantissa}×10<sup>{int(exponent)}</sup>" in texts
        wide = [shape for shape in fig.layout.shapes if shape.x1 - shape.x0 > 0.9]
        assert len(wide) == len(tiny) + sum(0 < abs(v) < 1e-2 for v in (*fwd.h, *back.w_h_terms))
        rows = {}
        for shape in fig.layout.shapes:
            rows.setdefault(shape.y0, []).append((shape.x0, shape.x1))
        for boxes in rows.values():                     # boxes of a row never touch: 0.04 columns apart at least
            boxes.sort()
            assert all(right + 0.04 <= left for (_, right), (left, _) in zip(boxes, boxes[1:]))


def test_warmup_chain_shows_rnn_core_scalar_numbers():
    back = scalar.backward(WARMUP_W_X, WARMUP_W_H, WARMUP_B, WARMUP_XS, 0.5)
    fwd = scalar.forward(WARMUP_W_X, WARMUP_W_H, WARMUP_B, WARMUP_XS)
    fig = warmup_chain(WARMUP_XS, fwd.h, back.dh, back.da, back.w_h_terms, 0.5, back.loss, WARMUP_W_H)
    texts = list(fig.data[2].text) + list(fig.data[3].text)               # black and dark red labels
    for t in range(3):
        for value in (fwd.h[t + 1], back.dh[t], back.da[t], 1 - fwd.h[t + 1] ** 2):
            assert f"{value:.3f}" in texts
    assert f"{back.w_h_terms[1]:.3f}" in texts and f"{back.w_h_terms[2]:.3f}" in texts
    assert back.w_h_terms[0] == 0 and "-0.000" not in texts and texts.count("0") >= 2   # h_0 and step 1's term
    assert f"{back.loss:.4f}" in texts and texts.count(f"×{WARMUP_W_H:g}") == 2        # back through w_h twice
    assert list(fig.layout.xaxis.ticktext)[1:4] == ["step 1", "step 2", "step 3"]
    assert fig.layout.xaxis.ticktext[-1] == "loss L<br>y* = 0.5" and "h<sub>3</sub> − y*" in texts   # the target y*
    assert "h<sub>t</sub>" in texts                                           # the state row has its name
    assert not fig.layout.annotations                                          # labels and arrows are traces
    arrows = [trace for trace in fig.data if trace.mode == "lines+markers"]
    assert [list(trace.x).count(None) for trace in arrows] == [3 + 4, 1 + 6 + 2]   # grey: 7 arrows, red: 9


@pytest.mark.parametrize("T, H", [(8, 6), (30, 16)])     # lesson 3's defaults and its largest settings
def test_every_figure_passes_plotlys_validation_unchanged(T, H):
    """The builders skip Plotly's property checks for speed; their figures pass them and come out the same."""
    r = result(T=T, H=H)
    norms = per_loss(r).contribution_norms()
    contributions = step_contributions(r.trace, r.grads)["weight_hh"]
    labels = [f"w{t}" for t in range(T)]
    back = scalar.backward(0.5, 0.8, 0.1, WARMUP_XS, 0.5)
    fwd = scalar.forward(0.5, 0.8, 0.1, WARMUP_XS)
    figures = {
        "loss bars": loss_bars(r.losses, labels, classes=4),
        "backward": backward_animation(r.grad_norms, r.own_norms, r.later_norms, labels),
        "backward, log axis": backward_animation(np.geomspace(1e-6, 10, T), np.geomspace(1e-6, 10, T), np.zeros(T)),
        "stack": contribution_stack(contributions[:, H - 1, :], r.grads.params["weight_hh"][H - 1], H),
        "matrix": contribution_matrix(norms, highlight_row=T - 1),
        "truncation matrix": contribution_matrix(norms, cut=~chunk_mask(T, 3), chunk=3),
        "row": row_bars(norms[T // 2], T // 2),
        "chunks": chunk_strip(T, 3),
        "warm-up": warmup_chain(WARMUP_XS, fwd.h, back.dh, back.da, back.w_h_terms, 0.5, back.loss, 0.8),
    }
    for name, fig in figures.items():
        checked = validated(fig)                 # raises on any misspelt property or invalid value
        assert checked.to_dict() == fig.to_dict(), name
    assert len(frames_of(figures["backward"])) == T


def test_stack_colours_tell_the_steps_apart():
    """Reader finding 4: up to 10 steps one categorical colour each (theme.STEPS, tested for colour-blind readers
    in tests/kit/test_theme.py), step 1 grey and named as 0; beyond, an ordered scale with its colour bar."""
    from app import theme
    r = result(T=8)
    contributions = step_contributions(r.trace, r.grads)["weight_hh"]
    fig = contribution_stack(contributions[:, 0, :], r.grads.params["weight_hh"][0], 1)
    bars = [d for d in fig.data if d.type == "bar"]
    colours = [b.marker.color for b in bars]
    assert colours == [theme.NEUTRAL] + theme.STEPS[:7] and len(set(colours)) == 8
    assert bars[0].name == "step 1 = 0" and all(b.showlegend for b in bars)
    assert [b.text[0] for b in bars] == [str(t) for t in range(1, 9)] and fig.layout.uniformtext.mode == "hide"
    long = result(T=30)
    terms = step_contributions(long.trace, long.grads)["weight_hh"]
    fig = contribution_stack(terms[:, 0, :], long.grads.params["weight_hh"][0], 1)
    bars = [d for d in fig.data if d.type == "bar"]
    assert len(set(b.marker.color for b in bars)) == 30 and sum(bool(b.showlegend) for b in bars) == 1
    key = [d for d in fig.data if d.type == "scatter" and d.marker.showscale]
    assert len(key) == 1 and (key[0].marker.cmin, key[0].marker.cmax) == (2, 30)
    np.testing.assert_array_equal(fig.data[-1].y, long.grads.params["weight_hh"][0])   # the diamonds stay last


@pytest.mark.parametrize("T", [2, 8, 30])
def test_backward_slider_ticks_sit_under_the_bars(T):
    """Reader finding 5: the slider spans step 1 to step T of the x axis (Plotly insets its ticks 10 px from its
    ends; the figure allows for that at an 800 px plot, a few pixels off at other widths)."""
    norms = np.linspace(1.0, 2.0, T)
    fig = backward_animation(norms, norms, norms)
    slider, (low, high) = fig.layout.sliders[0], fig.layout.xaxis.range
    width = 800
    at = lambda step: (step - low) / (high - low) * width                 # noqa: E731  bar centre, px
    first_tick = slider.x * width + 10
    last_tick = (slider.x + slider.len) * width - 10
    assert first_tick == pytest.approx(at(1), abs=0.5) and last_tick == pytest.approx(at(T), abs=0.5)
    assert slider.pad.l == 0 and slider.pad.r == 0
    assert fig.layout.updatemenus[0].y < slider.y                            # Play / Pause under the slider

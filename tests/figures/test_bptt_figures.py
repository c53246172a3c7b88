"""The BPTT figures carry rnn_core's numbers unchanged."""

import numpy as np
import pytest

from app.figures.bptt import (backward_animation, contribution_matrix, contribution_stack, loss_bars, row_bars,
                              truncation_bars)
from rnn_core import Readout
from rnn_core.bptt import many_to_many, next_step_task, per_loss, scaled_rnn, step_contributions, truncated_bptt
from tests.figures.specs import frames_of, validated


def result(T=7, H=4, seed=3):
    x, targets, classes = next_step_task("words", T)
    cell = scaled_rnn(x.shape[1], H, seed=seed, recurrent_scale=1.5)
    return many_to_many(cell, Readout.random(H, len(classes), seed=seed + 1), x, targets)


def values(trace_y):
    return np.array([np.nan if v is None else v for v in trace_y], dtype=np.float64)


def test_loss_bars():
    r = result()
    fig = loss_bars(r.losses)
    np.testing.assert_array_equal(fig.data[0].y, r.losses)
    assert list(fig.data[0].x) == list(range(1, 8))
    assert f"{r.total_loss:.4f}" in fig.layout.title.text


def test_backward_animation_frames_reveal_steps_from_the_last():
    r = result()
    fig = backward_animation(r.grad_norms, r.own_norms, r.later_norms)
    frames = frames_of(fig)
    assert len(frames) == 7
    first = frames[0].data                          # the pass has reached the last step only
    assert np.isnan(values(first[2].y)[:-1]).all() and values(first[2].y)[-1] == r.grad_norms[-1]
    last = frames[-1].data                          # finished: every step
    np.testing.assert_array_equal(values(last[0].y), r.own_norms)
    np.testing.assert_array_equal(values(last[1].y), r.later_norms)
    np.testing.assert_array_equal(values(last[2].y), r.grad_norms)
    np.testing.assert_array_equal(values(fig.data[2].y), r.grad_norms)
    for k, frame in enumerate(frames):             # frame k: steps T-1-k .. T-1 shown
        shown = ~np.isnan(values(frame.data[2].y))
        np.testing.assert_array_equal(shown, np.arange(7) >= 6 - k)
    labels = [b.label for b in fig.layout.updatemenus[0].buttons]
    assert labels == ["Play", "Pause"]
    slider = fig.layout.sliders[0]                  # labelled with the step reached, going to frame k
    assert [step.label for step in slider.steps] == [str(7 - k) for k in range(7)]
    assert [list(step.args[0]) for step in slider.steps] == [[str(k)] for k in range(7)]
    assert slider.active == 6 and [frame.name for frame in frames] == [str(k) for k in range(7)]


def test_backward_animation_switches_to_log_axis_for_wide_ranges():
    fig = backward_animation(np.array([1e-6, 1.0, 10.0]), np.array([1e-6, 1.0, 10.0]), np.array([0.0, 0.5, 0.0]))
    assert fig.layout.yaxis.type == "log"


def test_contribution_stack_totals_are_the_gradient():
    r = result()
    contributions = step_contributions(r.trace, r.grads)["weight_hh"]
    full = r.grads.params["weight_hh"]
    fig = contribution_stack(contributions[:, 2, :], full[2], 2)
    bars = [d for d in fig.data if d.type == "bar"]
    assert len(bars) == 7
    stacked = np.array([d.y for d in bars])
    np.testing.assert_allclose(stacked.sum(axis=0), fig.data[-1].y, rtol=1e-12, atol=1e-15)
    np.testing.assert_array_equal(fig.data[-1].y, full[2])
    assert fig.layout.barmode == "relative"


def test_contribution_matrix_and_row():
    r = result()
    norms = per_loss(r).contribution_norms()
    fig = contribution_matrix(norms, highlight_row=3, window=2)
    z = np.array(fig.data[0].z, dtype=np.float64)
    np.testing.assert_array_equal(z[np.tril_indices(7)], norms[np.tril_indices(7)])
    assert np.isnan(z[np.triu_indices(7, 1)]).all()
    cut = {(x, y) for x, y in zip(fig.data[1].x, fig.data[1].y)}
    assert cut == {(j + 1, k + 1) for k in range(7) for j in range(k + 1) if j <= k - 2}
    bars = row_bars(norms[3], 3)
    np.testing.assert_array_equal(bars.data[0].y, norms[3])


def test_truncation_bars():
    r = result()
    truncated = truncated_bptt(r, 2)
    fig = truncation_bars(truncated.kept_by_step, truncated.lost_by_step)
    np.testing.assert_array_equal(fig.data[0].y, truncated.kept_by_step)
    np.testing.assert_array_equal(fig.data[1].y, truncated.lost_by_step)


@pytest.mark.parametrize("T, H", [(8, 6), (30, 16)])     # lesson 3's defaults and its largest settings
def test_every_figure_passes_plotlys_validation_unchanged(T, H):
    """The builders skip Plotly's property checks for speed; their figures pass them and come out the same."""
    r = result(T=T, H=H)
    norms = per_loss(r).contribution_norms()
    truncated = truncated_bptt(r, 3)
    contributions = step_contributions(r.trace, r.grads)["weight_hh"]
    labels = [f"w{t}" for t in range(T)]
    figures = {
        "loss bars": loss_bars(r.losses, labels),
        "backward": backward_animation(r.grad_norms, r.own_norms, r.later_norms, labels),
        "backward, log axis": backward_animation(np.geomspace(1e-6, 10, T), np.geomspace(1e-6, 10, T), np.zeros(T)),
        "stack": contribution_stack(contributions[:, H - 1, :], r.grads.params["weight_hh"][H - 1], H - 1),
        "matrix": contribution_matrix(norms, highlight_row=T - 1),
        "truncation matrix": contribution_matrix(norms, window=3),
        "row": row_bars(norms[T // 2], T // 2),
        "truncation bars": truncation_bars(truncated.kept_by_step, truncated.lost_by_step),
    }
    for name, fig in figures.items():
        checked = validated(fig)                 # raises on any misspelt property or invalid value
        assert checked.to_dict() == fig.to_dict(), name
    assert len(frames_of(figures["backward"])) == T

"""The BPTT page shows exactly what rnn_core.bptt computes for the settings in the link."""

import numpy as np
import pytest

from app.course import page_for
from rnn_core import Readout
from rnn_core.bptt import many_to_many, next_step_task, per_loss, scaled_rnn, step_contributions, truncated_bptt
from tests.app.helpers import (assert_ran_cleanly, check_section_tabs, figures, link_notes, plotly_array, run_lesson,
                               run_sections)

LESSON = page_for("pages/3_bptt.py")
LABELS = {"words": "Words", "sine": "Sine wave", "impulse": "Impulse"}
DEFAULTS = dict(b_seq="words", b_T=8, b_H=6, b_seed=0, b_whh=1.5, b_wih=1.0)


def expected(b_seq, b_T, b_H, b_seed, b_whh, b_wih):
    x, targets, classes = next_step_task(b_seq, b_T)
    cell = scaled_rnn(x.shape[1], b_H, seed=b_seed, input_scale=b_wih, recurrent_scale=b_whh)
    return many_to_many(cell, Readout.random(b_H, len(classes), seed=b_seed + 1), x, targets)


def url(settings, **extra):
    q = {k: (LABELS[v] if k == "b_seq" else str(v)) for k, v in settings.items()}
    q.update({k: str(v) for k, v in extra.items()})
    return q


def slider(at, key):
    found = [s for s in at.slider if s.key == key]
    return found[0].value if found else None


def check(runs, settings):
    """runs: the page opened on each of its five sections, in order (tests.app.helpers.run_sections)."""
    for at in runs:
        assert_ran_cleanly(at)
    r = expected(**settings)
    T = settings["b_T"]
    _, _, stack_at, reach_at, truncation_at = runs
    (losses_fig,), (backward,), (stack,), (row, matrix), (trunc_matrix, trunc_bars) = [figures(at) for at in runs]
    np.testing.assert_allclose(plotly_array(losses_fig["data"][0]["y"]), r.losses, rtol=1e-12)
    assert f"{r.total_loss:.4f}" in losses_fig["layout"]["title"]["text"]
    assert len(backward["frames"]) == T
    final = backward["frames"][-1]["data"]
    np.testing.assert_allclose(plotly_array(final[2]["y"]), r.grad_norms, rtol=1e-12)
    np.testing.assert_allclose(plotly_array(final[0]["y"]), r.own_norms, rtol=1e-12)
    # the stack: one bar per step for the chosen row; the diamonds are grads.params["weight_hh"]
    i = slider(stack_at, "b_row") or 0
    terms = step_contributions(r.trace, r.grads)["weight_hh"]
    bars = [d for d in stack["data"] if d["type"] == "bar"]
    assert len(bars) == T
    np.testing.assert_allclose(np.array([plotly_array(b["y"]) for b in bars]), terms[:, i, :], rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(plotly_array(stack["data"][-1]["y"]), r.grads.params["weight_hh"][i], rtol=1e-12)
    # which steps reach the loss at step k; truncation with window K
    norms = per_loss(r).contribution_norms()
    k = (slider(reach_at, "b_k") or T) - 1
    np.testing.assert_allclose(plotly_array(row["data"][0]["y"]), norms[k], rtol=1e-12, atol=1e-300)
    K = slider(truncation_at, "b_K") or 1
    truncated = truncated_bptt(r, K)
    np.testing.assert_allclose(plotly_array(trunc_bars["data"][0]["y"]), truncated.kept_by_step, rtol=1e-12,
                               atol=1e-300)
    metrics = {m.label: m.value for m in truncation_at.metric}
    assert metrics["||g_K - g|| / ||g||"] == f"{truncated.relative_difference:.3g}"
    return r


def test_defaults():
    runs = run_sections(LESSON)
    r = check(runs, DEFAULTS)
    at = runs[0]
    assert "Backpropagation through time: the loss and its gradients" in at.title[0].value
    assert not any(link_notes(run) for run in runs)
    assert at.latex[0].value.rstrip("$\n ").endswith(f"= {r.total_loss:.4f}")
    gap = [c.value for c in runs[2].caption if c.value.startswith("Largest difference")][0]
    assert "rounding only" in gap and float(gap.split(": ")[1].split(" ")[0]) < 1e-12


@pytest.mark.parametrize("seq", ["words", "sine", "impulse"])
@pytest.mark.parametrize("extreme", ["min", "max"])
def test_extremes(seq, extreme):
    if extreme == "min":
        settings = dict(b_seq=seq, b_T=2, b_H=1, b_seed=0, b_whh=0.1, b_wih=0.0)
        extra = dict(b_k=1, b_K=1)
    else:
        settings = dict(b_seq=seq, b_T=30, b_H=16, b_seed=2**31 - 1, b_whh=4.0, b_wih=4.0)
        extra = dict(b_k=30, b_K=30, b_row=15)
    runs = run_sections(LESSON, url(settings, **extra))
    check(runs, settings)
    assert not any(link_notes(at) for at in runs)


def test_window_T_is_full_bptt_on_screen():
    settings = dict(DEFAULTS, b_T=10)
    runs = run_sections(LESSON, url(settings, b_K=10))
    check(runs, settings)
    metrics = {m.label: m.value for m in runs[-1].metric}
    assert metrics["||g_K - g|| / ||g||"] == "0" and metrics["Terms cut"] == "0"


def test_hostile_link_is_clamped():
    at = run_lesson(LESSON, {"b_T": "9999", "b_H": "-4", "b_whh": "nan", "b_seq": "<script>", "b_K": "abc",
                             "b_seed": "1.5"})
    assert_ran_cleanly(at)
    assert slider(at, "b_T") == 30 and slider(at, "b_H") == 1 and slider(at, "b_whh") == 1.5
    assert len(link_notes(at)) >= 4
    assert all("<script>" not in m.value for m in at.markdown)


def test_sections_are_tabs_and_only_the_open_one_runs():
    check_section_tabs(LESSON, ["Losses", "Backward pass", "Shared W_hh", "Reach of a loss", "Truncated BPTT"],
                       [1, 1, 1, 2, 2], "<b>Truncated</b>")
    at = run_lesson(LESSON, {"b_part": "Reach of a loss", "b_k": "5"})
    assert slider(at, "b_k") == 5 and not link_notes(at)


def test_fragment_panels_follow_their_sliders():
    """Row i, step k and window K each rerun only their panel: the panel shows rnn_core's new numbers."""
    r = expected(**DEFAULTS)
    full = r.grads.params["weight_hh"]
    at = run_lesson(LESSON, {"b_part": "Shared W_hh"})
    at.slider(key="b_row").set_value(3).run()
    assert_ran_cleanly(at)
    (stack,) = figures(at)
    np.testing.assert_allclose(plotly_array(stack["data"][-1]["y"]), full[3], rtol=1e-12)
    assert any(l.value.rstrip("$\n ").endswith(f"= {full[3, 0]:.4f}") and "W_{hh}[3,0]" in l.value for l in at.latex)
    at = run_lesson(LESSON, {"b_part": "Reach of a loss"})
    at.slider(key="b_k").set_value(7).run()
    assert_ran_cleanly(at)
    norms = per_loss(r).contribution_norms()
    np.testing.assert_allclose(plotly_array(figures(at)[0]["data"][0]["y"]), norms[6], rtol=1e-12, atol=1e-300)
    reached = np.flatnonzero(norms[6]) + 1      # step 1's term is 0: h_0 = 0
    assert list(reached) == list(range(2, 8))
    assert any("The loss $L_{7}$" in m.value and "are 2 to 7;" in m.value for m in at.markdown)
    at = run_lesson(LESSON, {"b_part": "Truncated BPTT"})
    at.slider(key="b_K").set_value(6).run()
    assert_ran_cleanly(at)
    truncated = truncated_bptt(r, 6)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["cosine(g_K, g)"] == f"{truncated.cosine:.4f}"
    assert any("With window $K = 6$" in c.value for c in at.caption)
    # the PyTorch program does not depend on the row slider: it prints column 0 of dL/dW_hh
    at.toggle(key="show_code").set_value(True).run()
    program = next(c.value for c in at.code if c.value.startswith("import torch"))
    assert program.rstrip().endswith("print(loss, grads['weight_hh'][:, 0])")

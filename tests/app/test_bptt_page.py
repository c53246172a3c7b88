"""The BPTT page shows exactly what rnn_core computes for the settings in the link, and says only what is true."""

import contextlib
import io
import re

import numpy as np
import pytest
import torch  # requirements-test.txt; never an app dependency

from app.bptt_programs import chunked_program, warmup_program
from app.course import page_for
from app.figures.gradients import fmt_number
from app.warmup import WARMUP_B, WARMUP_W_H, WARMUP_W_X, WARMUP_XS
from rnn_core import Readout, scalar
from rnn_core.bptt import (many_to_many, next_step_task, per_loss, rnn_with_singular_values, step_contributions,
                           truncated_bptt)
from rnn_core.truncation import chunk_mask, chunked_bptt
from tests.app.helpers import (assert_ran_cleanly, check_section_tabs, figures, link_notes, open_section,
                               plotly_array, run_lesson, run_sections)

LESSON = page_for("pages/3_bptt.py")
LABELS = {"words": "Words", "sine": "Sine wave", "impulse": "Impulse"}
PARTS = ["Warm-up: 3 steps back", "Losses", "Backward pass", "Shared W_hh", "Reach of a loss", "Truncated BPTT"]
DEFAULTS = dict(b_seq="words", b_T=8, b_H=6, b_seed=0, b_smax=1.0, b_a=1.0)
CUT, RELATIVE, COSINE = ("Terms of $W_{hh}$ cut", "$\\|g_K - g\\| / \\|g\\|$ of $W_{hh}$", "cosine$(g_K, g)$ of $W_{hh}$")


def expected(b_seq, b_T, b_H, b_seed, b_smax, b_a):
    """The network the page promises, from rnn_core alone."""
    x, targets, classes = next_step_task(b_seq, b_T)
    cell = rnn_with_singular_values(x.shape[1], b_H, s_max=b_smax, input_scale=b_a, seed=b_seed)
    return many_to_many(cell, Readout.random(b_H, len(classes), seed=b_seed + 1), x, targets)


def url(settings, **extra):
    q = {k: (LABELS[v] if k == "b_seq" else str(v)) for k, v in settings.items()}
    q.update({k: str(v) for k, v in extra.items()})
    return q


def slider(at, key):
    found = [s for s in at.slider if s.key == key]
    return found[0].value if found else None


def text(at):
    return "\n".join(m.value for m in at.markdown)


def metrics(at):
    return {m.label: m.value for m in at.metric}


def listed(value: float) -> str:
    """How the warm-up's list writes a number: 4 decimals, or below 10^-2 three digits times a power of ten."""
    if value == 0 or abs(value) >= 1e-2:
        return f"{value:.4f}"
    mantissa, exponent = f"{value:.2e}".split("e")
    return f"{{{mantissa} \\times 10^{{{int(exponent)}}}}}"      # braced, so that no line breaks inside it


def check_warmup(at, w_x, w_h, b, y):
    """The warm-up part: the diagram and the list hold rnn_core.scalar's numbers, the check is a live finite
    difference."""
    assert_ran_cleanly(at)
    back = scalar.backward(w_x, w_h, b, WARMUP_XS, y)
    (chain,) = figures(at)
    boxes = [label for trace in chain["data"] if trace.get("mode") == "text" for label in trace["text"]]
    fwd = scalar.forward(w_x, w_h, b, WARMUP_XS)
    said = text(at)
    for value in (*fwd.h[1:], *back.dh, *back.da, *back.w_h_terms):   # 3 decimals, or below 10^-2 three digits
        mantissa, exponent = f"{value:.2e}".split("e")
        tiny = 0 < abs(value) < 1e-2
        assert value == 0 or (f"{mantissa}×10<sup>{int(exponent)}</sup>" if tiny else f"{value:.3f}") in boxes
        if tiny:     # the list below writes a tiny value as its box does: the same three digits
            assert f"{{{mantissa} \\times 10^{{{int(exponent)}}}}}" in said, (value, said)
    assert "-0.000" not in boxes and "0.000" not in boxes
    for t in range(3):
        assert f"= {listed(back.w_h_terms[t] + 0.0)}$" in said                # every term with its value
    assert f"passes $h_3 = {listed(fwd.h[3])}$" in said                      # the sign change, in the list's format
    assert "$h_0 = 0$" in said and "always 0" in said
    # the target is y*, never y (y_t is the readout's scores): in the text, the slider and the figure
    assert "$L = (h_3 - y^*)^2/2$" in said and "every non-zero number" in said and " y$" not in said
    assert any(s.label == "Target y*" for s in at.slider)
    assert chain["layout"]["xaxis"]["ticktext"][-1] == f"loss L<br>y* = {y:g}"
    assert f"= {listed(back.dw_h)}$." in said
    assert "computed from the unrounded numbers" in said and "slightly different last digits" in said
    assert f"the sum of the terms is {back.dw_h:.6f}".replace("-", "−") in said     # a real minus sign
    shown = metrics(at)
    assert shown["Sum of the terms, $\\partial L/\\partial w_h$"] == f"{back.dw_h:.6f}"
    measured = float(shown["Finite difference"])
    assert measured == pytest.approx(back.dw_h, abs=2e-6)
    gap = re.search(r"a difference of ([^,]+), the error of the finite difference", said).group(1)
    mantissa, _, power = gap.partition(" × 10")
    exponent = int(power.translate(str.maketrans("⁻⁰¹²³⁴⁵⁶⁷⁸⁹", "-0123456789"))) if power else 0
    assert float(mantissa) * 10.0 ** exponent < 1e-7 and "e-" not in gap     # written 7.40 × 10⁻¹², not 7.4e-12


def check(runs, settings):
    """runs: the page opened on each of its six parts, in order (tests.app.helpers.run_sections)."""
    for at in runs:
        assert_ran_cleanly(at)
    r = expected(**settings)
    T, H = settings["b_T"], settings["b_H"]
    _, losses_at, backward_at, stack_at, reach_at, truncation_at = runs
    figs = [figures(at) for at in runs]
    (losses_fig,), (backward,), (stack,), (row, matrix), (strip, trunc_matrix) = figs[1:]
    np.testing.assert_allclose(plotly_array(losses_fig["data"][0]["y"]), r.losses, rtol=1e-12)
    assert f"{r.total_loss:.4f}" in losses_fig["layout"]["title"]["text"]
    assert len(backward["frames"]) == T and backward["frames"][-1]["name"] == "1"
    final = backward["frames"][-1]["data"]
    np.testing.assert_allclose(plotly_array(final[2]["y"]), r.grad_norms, rtol=1e-12)
    np.testing.assert_allclose(plotly_array(final[0]["y"]), r.own_norms, rtol=1e-12)
    # the stack: one bar per step for the chosen row (1-based); the diamonds are grads.params["weight_hh"]
    i = slider(stack_at, "b_row") or 1
    terms = step_contributions(r.trace, r.grads)["weight_hh"]
    bars = [d for d in stack["data"] if d["type"] == "bar"]
    assert len(bars) == T
    np.testing.assert_allclose(np.array([plotly_array(b["y"]) for b in bars]), terms[:, i - 1, :], rtol=1e-12,
                               atol=1e-300)
    np.testing.assert_allclose(plotly_array(stack["data"][-1]["y"]), r.grads.params["weight_hh"][i - 1], rtol=1e-12)
    # which steps reach the loss at step k
    norms = per_loss(r).contribution_norms()
    k = slider(reach_at, "b_k") or T
    np.testing.assert_allclose(plotly_array(row["data"][0]["y"]), norms[k - 1], rtol=1e-12, atol=1e-300)
    # truncation in chunks of K
    K = slider(truncation_at, "b_K") or T
    chunked = chunked_bptt(r, K)
    shown = metrics(truncation_at)
    assert shown[RELATIVE] == f"{chunked.relative_difference_of('weight_hh'):.3g}"
    assert shown[COSINE] == f"{chunked.cosine_of('weight_hh'):.4f}"
    cut = ~chunk_mask(T, K) & (norms > 0)
    assert shown[CUT] == str(int(cut.sum()))
    marked = {(x, y) for x, y in zip(trunc_matrix["data"][1]["x"], trunc_matrix["data"][1]["y"])} \
        if len(trunc_matrix["data"]) > 1 else set()
    assert marked == {(j + 1, q + 1) for q, j in zip(*np.nonzero(cut))}
    assert plotly_array(strip["data"][2]["x"]).tolist() == [s + 0.5 for s in range(K, T, K)]
    return r


def test_defaults():
    runs = run_sections(LESSON)
    r = check(runs, DEFAULTS)
    check_warmup(runs[0], WARMUP_W_X, WARMUP_W_H, WARMUP_B, 0.5)
    at = runs[1]
    assert "Backpropagation through time: the loss and its gradients" in at.title[0].value
    assert not any(link_notes(run) for run in runs)
    assert any(m.value.startswith("$L = ") and m.value.endswith(f"= {r.total_loss:.4f}$") for m in at.markdown)
    # the sum of the per-step terms, added by the teaching code, is the fast backward's gradient
    gap = float(re.search(r"differ by at most ([0-9.e+-]+) \(rounding\)", text(runs[3])).group(1))
    assert gap < 1e-12


@pytest.mark.parametrize("seq", ["words", "sine", "impulse"])
@pytest.mark.parametrize("extreme", ["min", "max"])
def test_extremes(seq, extreme):
    if extreme == "min":
        settings = dict(b_seq=seq, b_T=2, b_H=1, b_seed=0, b_smax=0.1, b_a=0.0)
        extra = dict(b_k=1, b_K=1, b_wx=-2.0, b_wh=-2.0, b_b=-1.0, b_y=-1.0)
    else:
        settings = dict(b_seq=seq, b_T=30, b_H=16, b_seed=2**31 - 1, b_smax=3.0, b_a=3.0)
        extra = dict(b_k=30, b_K=30, b_row=16, b_wx=2.0, b_wh=2.0, b_b=1.0, b_y=1.0)
    runs = run_sections(LESSON, url(settings, **extra))
    check(runs, settings)
    check_warmup(runs[0], extra["b_wx"], extra["b_wh"], extra["b_b"], extra["b_y"])
    assert not any(link_notes(at) for at in runs)


def bars_below_the_line(at):
    """From the Losses figure alone: the bars, the dotted line's height, how many bars are below it."""
    (chart,) = figures(at)
    bars, level = plotly_array(chart["data"][0]["y"]), chart["layout"]["shapes"][0]["y0"]
    return bars, level, int(np.sum(bars < level))


def count_phrase(below, T):
    return ("no bar is below the line" if below == 0 else f"all {T} bars are below the line" if below == T else
            f"{below} of the {T} bars are below the line")


def test_every_claim_is_computed_at_the_extremes():
    """Sentences that state a comparison say what this network's numbers show, at either end of the controls."""
    # the untrained losses against log C: near it at the defaults, far above it with large weights
    near = run_lesson(LESSON, {"b_part": "Losses"})
    r = expected(**DEFAULTS)
    bars, level, below = bars_below_the_line(near)
    np.testing.assert_allclose(bars, r.losses, rtol=1e-12) and level == pytest.approx(np.log(4))
    assert f"average {r.losses.mean():.3f}, close to that, and {count_phrase(below, 8)}:" in text(near)
    for settings, side in [(dict(b_seq="sine", b_T=30, b_H=1, b_seed=0, b_smax=3.0, b_a=0.0), "above"),
                           (dict(b_seq="sine", b_T=30, b_H=16, b_seed=0, b_smax=0.1, b_a=3.0), "below")]:
        r = expected(**settings)
        assert abs(r.losses.mean() - np.log(2)) > 0.3 * np.log(2)
        far = run_lesson(LESSON, url(settings, b_part="Losses"))
        bars, level, below = bars_below_the_line(far)
        np.testing.assert_allclose(bars, r.losses, rtol=1e-12)
        said = text(far)
        assert f"average {r.losses.mean():.3f}, {side} that, and {count_phrase(below, 30)}:" in said
        assert "close to that" not in said and "same class" not in said        # the sine's targets are mixed
    # H = 1: W_hh is one number
    one = run_lesson(LESSON, url(dict(DEFAULTS, b_H=1), b_part="Losses"))
    assert "is one number, of size $s_{max}$" in text(one) and "down to half" not in text(one)
    # the loss at step 1 does not reach W_hh at all (h_0 = 0); at step k the farthest term is compared, computed
    for settings in (DEFAULTS, dict(DEFAULTS, b_smax=3.0, b_a=0.0)):
        at = run_lesson(LESSON, url(settings, b_part="Reach of a loss", b_k=7))
        norms = per_loss(expected(**settings)).contribution_norms()
        ratio = norms[6, 1] / norms[6, 6]
        word = "smaller than" if ratio < 1 else "larger than"
        assert f"step 2, is {fmt_number(ratio)} times the size of the term of step 7: {word} the nearest" in text(at)
        # the pairs counted in the sentence are the figure's: side-by-side non-zero cells of the triangle
        z = plotly_array(figures(at)[1]["data"][0]["z"]).reshape(8, 8)
        z = np.where(np.isnan(z), 0.0, z)
        both = (z[:, :-1] > 0) & (z[:, 1:] > 0)
        shrinking = int(np.sum(both & (z[:, :-1] < z[:, 1:])))
        assert f"in {shrinking} of the {int(both.sum())} pairs of side-by-side non-zero terms" in text(at)
    # chunks as long as the sequence cut nothing
    full = run_lesson(LESSON, {"b_part": "Truncated BPTT", "b_K": "8"})
    assert "nothing is cut: this is full BPTT" in text(full) and metrics(full)[COSINE] == "1.0000"
    # chunks of 3 in 8 steps: the last chunk is shorter, and the sliding window's cosine is the core's
    at = run_lesson(LESSON, {"b_part": "Truncated BPTT", "b_K": "3"})
    sliding = truncated_bptt(expected(**DEFAULTS), 3)
    assert "3 chunks of 3 steps (the last has 2)" in text(at)
    assert f"its cosine here would be {sliding.cosine_of('weight_hh'):.4f}" in text(at)


def test_an_impulse_task_has_one_target_class_and_the_sentence_counts_every_bar():
    """Reader finding 6: at T = 30 every impulse bar is below log 2; the text counts them and says why."""
    settings = dict(DEFAULTS, b_seq="impulse", b_T=30)
    at = run_lesson(LESSON, url(settings, b_part="Losses"))
    r = expected(**settings)
    bars, level, below = bars_below_the_line(at)
    np.testing.assert_allclose(bars, r.losses, rtol=1e-12)
    assert below == 30 and set(r.targets.tolist()) == {1}
    said = text(at)
    assert "and all 30 bars are below the line:" in said and "at some steps" not in said
    assert 'Every target of this task is the same class, "seen"' in said


def test_words_bars_name_each_steps_input_and_target():
    at = run_lesson(LESSON, {"b_part": "Losses"})
    (chart,) = figures(at)
    x, targets, classes = next_step_task("words", 8)
    words = [classes[int(np.argmax(row))] for row in x]                 # the one-hot input of each step
    assert chart["layout"]["xaxis"]["ticktext"] == [f"{t + 1}<br>{words[t]}→{classes[targets[t]]}" for t in range(8)]
    assert "dotted line: log 4 = 1.386" in chart["layout"]["title"]["text"]
    assert not chart["layout"].get("annotations")                       # no label drawn over a bar


def test_reach_wording_at_the_first_two_steps():
    """Reader finding 3: at t = 1 and 2 the sentence names h_0 as the initial state and reads like a person."""
    first = run_lesson(LESSON, {"b_part": "Reach of a loss", "b_k": "1"})
    (row, _) = figures(first)
    assert not plotly_array(row["data"][0]["y"]).any()                  # no bar: L_1's only term is 0
    said = text(first)
    assert "$L_1$ sends no gradient to $W_{hh}$ and its row has no bar" in said
    assert "are none" not in said and "steps 1 to 1" not in said and "from the step before" not in said
    second = run_lesson(LESSON, {"b_part": "Reach of a loss", "b_k": "2", "b_T": "2"})
    (row, _) = figures(second)
    bars = plotly_array(row["data"][0]["y"])
    assert bars[0] == 0 and bars[1] > 0
    said = text(second)
    assert "its two uses: at step 2, computing $h_2$ from $h_1$, and at step 1" in said
    assert "Here the term of step 2 is non-zero; $L_{2}$ is the last loss" in said


TRUNCATIONS = [(DEFAULTS, 2), (dict(DEFAULTS, b_T=2), 1), (dict(DEFAULTS, b_T=30, b_H=16, b_smax=3.0, b_a=3.0), 7)]


@pytest.mark.parametrize("settings, K", TRUNCATIONS, ids=["defaults", "T2-K1", "max-K7"])
def test_terms_cut_and_the_gradient_metrics_measure_the_same_terms(settings, K):
    """Reader finding 1: the x marks, "Terms of W_hh cut" and both metrics all come from W_hh's terms, added up here
    from rnn_core's per-loss terms (not from chunked_bptt, which the page uses)."""
    r, T = expected(**settings), settings["b_T"]
    terms = per_loss(r).contributions("weight_hh")                        # (loss t, step s, H, H)
    keep = chunk_mask(T, K)
    nonzero = np.linalg.norm(terms, axis=(2, 3)) > 0
    g, g_K = terms.sum(axis=(0, 1)), terms[keep].sum(axis=0)
    np.testing.assert_allclose(g, r.grads.params["weight_hh"], rtol=1e-10, atol=1e-14)
    relative = np.linalg.norm(g - g_K) / np.linalg.norm(g)
    cosine = np.sum(g * g_K) / (np.linalg.norm(g) * np.linalg.norm(g_K))
    n_cut = int(np.sum(~keep & nonzero))
    at = run_lesson(LESSON, url(settings, b_part="Truncated BPTT", b_K=K))
    assert_ran_cleanly(at)
    (_, matrix) = figures(at)
    marks = len(matrix["data"][1]["x"]) if len(matrix["data"]) > 1 else 0
    shown, said = metrics(at), text(at)
    assert shown[CUT] == str(n_cut) and marks == n_cut
    assert shown[RELATIVE] == fmt_number(relative) and shown[COSINE] == f"{cosine:.4f}"
    everything = chunked_bptt(r, K).relative_difference                  # W_ih and the biases too
    assert f"differs from the full one by {everything:.3g} of its length" in said
    if n_cut == 0:                                    # T = 2, K = 1: only step 1's zero term is cut
        assert relative < 1e-12 and shown[COSINE] == "1.0000" and everything > 0.01
        assert "the only terms cut are those of step 1, which are 0 because $h_0 = 0$" in said
        at.radio(key="b_predict_K").set_value(2).run()                   # C: it stays where it is
        at.slider(key="b_K").set_value(2).run()
        agrees = [m.value for m in at.success if "the figure agrees" in m.value]
        assert len(agrees) == 1 and "and no other non-zero one, so nothing changes" in agrees[0]
    else:
        assert f"Here {n_cut} non-zero terms are cut, and $g_K$ differs from $g$ by {fmt_number(relative)}" in said


@pytest.mark.parametrize("K, said", [(1, "So every loss reaches only its own step."),
                                     (3, "covers all 3 steps of its chunk, its own included"),
                                     (8, "So every loss reaches back to step 1: this is full BPTT.")])
def test_chunk_reach_wording(K, said):
    """Reader finding 7: at K = 1 the end and the start of a chunk are one step, and "covers" counts its own step."""
    at = run_lesson(LESSON, {"b_part": "Truncated BPTT", "b_K": str(K)})
    (_, matrix) = figures(at)
    keep = chunk_mask(8, K)
    assert said in text(at) and "reaches back" not in text(at).split("Some books")[0].replace("reaches back to step 1", "")
    assert keep.sum(axis=1).max() == min(K, 8)                            # the longest row the staircase keeps


def test_warmup_predict_is_answered_by_the_core_at_w_h_zero():
    at = run_lesson(LESSON)
    at.radio(key="b_predict_wh").set_value(2).run()                      # C: it becomes exactly 0
    assert any("Now set w_h to 0" in i.value for i in at.info)
    at.slider(key="b_wh").set_value(0.0).run()
    assert_ran_cleanly(at)
    zero = scalar.backward(WARMUP_W_X, 0.0, WARMUP_B, WARMUP_XS, 0.5)
    assert zero.w_h_terms[1] == 0 and zero.w_h_terms[0] == 0
    agrees = [s.value for s in at.success if "the figure agrees" in s.value]
    assert len(agrees) == 1 and f"= {zero.dw_h:.4f}$" in agrees[0]
    check_warmup(at, WARMUP_W_X, 0.0, WARMUP_B, 0.5)


def test_truncation_predict_is_answered_by_the_core():
    r = expected(**DEFAULTS)
    low, high = chunked_bptt(r, 2).cosine_of("weight_hh"), chunked_bptt(r, 4).cosine_of("weight_hh")
    assert high > low + 1e-3                                                # at the defaults: it rises
    at = run_lesson(LESSON, {"b_part": "Truncated BPTT"})
    assert slider(at, "b_K") == 2
    at.radio(key="b_predict_K").set_value(1).run()                        # a wrong prediction: it falls
    at.slider(key="b_K").set_value(4).run()
    assert_ran_cleanly(at)
    said = [e.value for e in at.error if e.value.startswith("**The figure shows A, not B.**")]
    assert len(said) == 1 and f"{low:.4f}" in said[0] and f"{high:.4f}" in said[0]
    assert metrics(at)[COSINE] == f"{high:.4f}"


def test_programs_give_the_pages_numbers_in_pytorch():
    """Show code's PyTorch programs: the warm-up by autograd, and chunks with h.detach(), equal rnn_core."""
    namespace, out = {}, io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(warmup_program(0.5, 0.8, 0.1, WARMUP_XS, 0.5), namespace)
    back = scalar.backward(0.5, 0.8, 0.1, WARMUP_XS, 0.5)
    assert namespace["w_h"].grad.item() == pytest.approx(back.dw_h, rel=1e-12)
    assert namespace["loss"].item() == pytest.approx(back.loss, rel=1e-12)
    r = expected(**dict(DEFAULTS, b_T=11))
    for K in (3, 11):
        namespace = {}
        with contextlib.redirect_stdout(io.StringIO()):
            exec(chunked_program(r.cell, r.readout, r.x, r.targets, K), namespace)
        assert "h = h.detach()" in chunked_program(r.cell, r.readout, r.x, r.targets, K)
        np.testing.assert_allclose(namespace["grads"]["weight_hh"].numpy(), chunked_bptt(r, K).params["weight_hh"],
                                   rtol=1e-10, atol=1e-13)
    assert isinstance(namespace["grads"]["weight_hh"], torch.Tensor)


def test_hostile_link_is_clamped():
    at = run_lesson(LESSON, {"b_part": "Losses", "b_T": "9999", "b_H": "-4", "b_smax": "nan", "b_seq": "<script>",
                             "b_K": "abc", "b_seed": "1.5", "b_wh": "1e9"})
    assert_ran_cleanly(at)
    assert slider(at, "b_T") == 30 and slider(at, "b_H") == 1 and slider(at, "b_smax") == 1.0
    assert slider(at, "b_wh") == 2.0
    assert len(link_notes(at)) >= 5
    assert all("<script>" not in m.value for m in at.markdown)


def test_sections_are_tabs_and_only_the_open_one_runs():
    check_section_tabs(LESSON, PARTS, [1, 1, 1, 1, 2, 2], "<b>Truncated</b>")
    at = run_lesson(LESSON, {"b_part": "Reach of a loss", "b_k": "5"})
    assert slider(at, "b_k") == 5 and not link_notes(at)


def test_a_value_set_on_one_tab_is_kept_on_the_others():
    at = run_lesson(LESSON, {"b_part": "Losses"})
    at.slider(key="b_T").set_value(12).run()
    open_section(at, "b_part", "Warm-up: 3 steps back")
    assert slider(at, "b_T") == 12                                        # kept, though not shown on the warm-up
    open_section(at, "b_part", "Truncated BPTT")
    assert slider(at, "b_T") == 12 and slider(at, "b_K") == 2
    r = expected(**dict(DEFAULTS, b_T=12))
    assert metrics(at)[COSINE] == f"{chunked_bptt(r, 2).cosine_of('weight_hh'):.4f}"


def test_fragment_panels_follow_their_sliders():
    """Row i, step k and chunk length K: each part shows rnn_core's new numbers."""
    r = expected(**DEFAULTS)
    full = r.grads.params["weight_hh"]
    at = run_lesson(LESSON, {"b_part": "Shared W_hh"})
    at.slider(key="b_row").set_value(4).run()
    assert_ran_cleanly(at)
    (stack,) = figures(at)
    np.testing.assert_allclose(plotly_array(stack["data"][-1]["y"]), full[3], rtol=1e-12)
    assert any(m.value.endswith(f"= {full[3, 0]:.4f}$") and "W_{hh}[4,1]" in m.value for m in at.markdown)
    at.toggle(key="show_code").set_value(True).run()
    program = next(c.value for c in at.code if c.value.startswith("import torch"))
    assert program.rstrip().endswith("print(loss, grads['weight_hh'][3])")   # code counts from 0
    at = run_lesson(LESSON, {"b_part": "Reach of a loss"})
    at.slider(key="b_k").set_value(7).run()
    assert_ran_cleanly(at)
    norms = per_loss(r).contribution_norms()
    np.testing.assert_allclose(plotly_array(figures(at)[0]["data"][0]["y"]), norms[6], rtol=1e-12, atol=1e-300)
    reached = np.flatnonzero(norms[6]) + 1      # step 1's term is 0: h_0 = 0
    assert list(reached) == list(range(2, 8))
    assert "The loss $L_{7}$" in text(at) and "Here all 6 other terms are non-zero;" in text(at)
    at = run_lesson(LESSON, {"b_part": "Truncated BPTT"})
    at.slider(key="b_K").set_value(6).run()
    assert_ran_cleanly(at)
    assert metrics(at)[COSINE] == f"{chunked_bptt(r, 6).cosine_of('weight_hh'):.4f}"
    assert "2 chunks of 6 steps (the last has 2)" in text(at)
    at.toggle(key="show_code").set_value(True).run()
    program = next(c.value for c in at.code if c.value.startswith("import torch"))
    assert "K = 6  # chunk length" in program and "h = h.detach()" in program


def test_show_code_and_downloads_only_where_they_produce_the_numbers():
    for part, code, files in [("Warm-up: 3 steps back", "rnn_core.scalar.backward", "bptt_warmup"),
                              ("Losses", "rnn_core.by_hand.loss_and_gradients", "bptt_losses"),
                              ("Truncated BPTT", "rnn_core.truncation.chunked_bptt", "bptt_truncated")]:
        at = run_lesson(LESSON, {"b_part": part})
        at.toggle(key="show_code").set_value(True).run()
        assert any(code in c.value for c in at.caption), part
        assert sorted(b.proto.id.rsplit("-", 1)[-1] for b in at.get("download_button")) == [
            f"download_{files}_csv", f"download_{files}_json"]
    at = run_lesson(LESSON, {"b_part": "Reach of a loss"})
    assert not at.get("download_button") and not [t for t in at.toggle if t.key == "show_code"]

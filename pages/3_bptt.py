"""Lesson 3: the loss and backpropagation through time, from one unit over three steps to truncation in chunks."""

import numpy as np
import streamlit as st

from app import controls, lesson, theme
from app.bptt_programs import chunked_program, warmup_program
from app.figures.bptt import (SCIENTIFIC_BELOW, STEPS_IN_LEGEND, backward_animation, chunk_strip, contribution_matrix,
                              contribution_stack, loss_bars, row_bars, warmup_chain)
from app.figures.gradients import fmt_number
from app.torch_snippet import pytorch_snippet
from app.warmup import WARMUP_B, WARMUP_W_H, WARMUP_W_X, WARMUP_XS
from rnn_core import RNN, Readout, scalar, sequences
from rnn_core.bptt import (TASKS, many_to_many, next_step_task, per_loss, rnn_with_singular_values,
                           step_contributions, truncated_bptt)
from rnn_core.by_hand import central_difference, loss_and_gradients
from rnn_core.truncation import chunk_mask, chunked_bptt

PRESET_LABELS = {"words": "Words", "sine": "Sine wave", "impulse": "Impulse"}
WARMUP, LOSSES, BACKWARD, SHARED, REACH, TRUNCATED = PARTS = (
    "Warm-up: 3 steps back", "Losses", "Backward pass", "Shared W_hh", "Reach of a loss", "Truncated BPTT")
MATRIX_PARTS = PARTS[1:]
TARGET = 0.5          # the warm-up's default target y* (y_t is the readout's scores in the matrix parts)
EPS = 1e-6            # the finite difference's step
RED = theme.NAMES["gradient"]


def tex(value, term=True, digits=4):
    """A number for LaTeX; a negative term gets parentheses so that sums and products read a + (-b)."""
    value = float(value) + 0.0                       # -0.0 becomes 0.0
    if abs(value) >= SCIENTIFIC_BELOW or value == 0:
        text = f"{value:.{digits}f}"
    else:                     # 4.00e-05 as 4.00 \times 10^{-5}, not an italic e; three digits, as the boxes write it
        mantissa, exponent = f"{value:.2e}".split("e")
        text = f"{{{mantissa} \\times 10^{{{int(exponent)}}}}}"      # braced: a line never breaks inside it
    return f"({text})" if term and value < 0 else text


def signed(value: float, decimals: int = 6) -> str:
    """A number for prose with a real minus sign: −1.000454, not -1.000454."""
    return f"{value:.{decimals}f}".replace("-", "−")


def step_ranges(steps):
    """[2, 3, 4, 7] -> '2 to 4, 7' (steps numbered from 1)."""
    runs, start = [], None
    for i, s in enumerate(steps):
        if start is None:
            start = s
        if i + 1 == len(steps) or steps[i + 1] != s + 1:
            runs.append(str(s) if s == start else f"{start} to {s}")
            start = None
    return ", ".join(runs) if runs else "none"


# --- the warm-up: one unit, three steps, backwards -------------------------------------------------------------

def warmup_gradient(w_x, w_h, b, target):
    """rnn_core.scalar's backward pass and the finite difference that checks its dL/dw_h."""
    back = scalar.backward(w_x, w_h, b, WARMUP_XS, target)
    measured = central_difference(lambda w: scalar.backward(w_x, w, b, WARMUP_XS, target).loss, w_h, EPS)
    return back, scalar.forward(w_x, w_h, b, WARMUP_XS), measured


def warmup_steps_text(fwd, back, w_h, target):
    """Every term of dL/dw_h with its numbers, from the last step back to the first (Markdown)."""
    T, h, dh, da, terms = len(WARMUP_XS), fwd.h, back.dh, back.da, back.w_h_terms
    lines = [f"- **The loss.** $\\partial L/\\partial h_{T} = h_{T} - y^* = {tex(h[T], False)} - {tex(target)} "
             f"= {tex(dh[T - 1], False)}$."]
    for t in range(T, 0, -1):
        parts = []
        if t < T:
            parts.append(f"back through $w_h$: $\\partial L/\\partial h_{t} = \\partial L/\\partial a_{t + 1} \\cdot w_h "
                         f"= {tex(da[t])} \\times {tex(w_h)} = {tex(dh[t - 1], False)}$")
        parts.append(f"through tanh: $\\partial L/\\partial a_{t} = \\partial L/\\partial h_{t} \\cdot (1 - h_{t}^2) "
                     f"= {tex(dh[t - 1])} \\times {tex(1 - h[t] ** 2)} = {tex(da[t - 1], False)}$")
        parts.append(f"its term: $\\partial L/\\partial a_{t} \\cdot h_{t - 1} = {tex(da[t - 1])} \\times {tex(h[t - 1])} "
                     f"= {tex(terms[t - 1], False)}$")
        lines.append(f"- **Step {t}**, " + "; ".join(parts) + ".")
    total = " + ".join(tex(v) for v in terms)
    lines.append(f"- **The sum.** $\\partial L/\\partial w_h = {total} = {tex(back.dw_h, False)}$.")
    lines.append("\nThe boxes round to 3 decimals (the loss box to 4) and this list to 4; below $10^{-2}$ both "
                 "give three digits and a power of ten. Every result is computed from the unrounded numbers, not from the rounded ones shown, so "
                 "multiplying the shown factors by hand can give slightly different last digits.")
    return "\n".join(lines)


def warmup_part(w_x, w_h, b, target):
    back, fwd, measured = warmup_gradient(w_x, w_h, b, target)
    T = len(WARMUP_XS)
    lesson.chart(warmup_chain(WARMUP_XS, fwd.h, back.dh, back.da, back.w_h_terms, target, back.loss, w_h),
                 key="warmup", alt=f"The one-unit RNN over {T} steps: the states forwards, then ∂L/∂h_t, ∂L/∂a_t and "
                                   f"the term of each step in ∂L/∂w_h backwards.")
    lesson.explain(
        f"This is lesson 2's warm-up, $h_t = \\tanh(w_x x_t + w_h h_{{t-1}} + b)$ with $h_0 = 0$, now with a loss on "
        f"its last state and a target $y^*$: $L = (h_{T} - y^*)^2/2$. (Its one bias $b$ stands for the "
        f"matrix RNN's $b_{{ih}} + b_{{hh}}$.) The top rows run forwards (grey arrows). The rows below run "
        f"backwards ({RED} arrows): the gradient starts at the loss, is multiplied by the slope of tanh, "
        f"$1 - h_t^2$, to reach the pre-activation $a_t = w_x x_t + w_h h_{{t-1}} + b$, and by $w_h$ to go back one "
        f"step. $w_h$ is used at every step, so $\\partial L/\\partial w_h$ has one term per step: "
        f"$\\partial L/\\partial a_t \\cdot h_{{t-1}}$.")
    lesson.explain(warmup_steps_text(fwd, back, w_h, target))
    lesson.explain(
        f"The term of step 1 is always 0: $w_h$'s first use multiplies $h_0 = 0$, so nudging $w_h$ does not change "
        f"$a_1$ at all. **Check it without calculus:** run the three steps again with $w_h \\pm 10^{{-6}}$; the loss "
        f"changes at a slope of {signed(measured)}, and the sum of the terms is {signed(back.dw_h)}: a difference of "
        f"{fmt_number(abs(measured - back.dw_h))}, the error of the finite difference itself. Try the target $y^*$: every "
        f"non-zero number in the {RED} boxes is proportional to $h_{T} - y^*$, so they all change sign together when "
        f"$y^*$ passes $h_{T} = {tex(fwd.h[T], False)}$.")
    left, right = st.columns(2)
    left.metric("Sum of the terms, $\\partial L/\\partial w_h$", f"{back.dw_h:.6f}")
    right.metric("Finite difference", f"{measured:.6f}")
    at_zero = scalar.backward(w_x, 0.0, b, WARMUP_XS, target)
    options = ["It keeps its present value", "It changes sign, same size", "It becomes exactly 0"]
    answer = 2 if at_zero.w_h_terms[1] == 0 else (1 if np.isclose(at_zero.w_h_terms[1], -back.w_h_terms[1]) else 0)
    lesson.predict(
        "b_predict_wh", "Set $w_h$ to 0. What becomes of the term of step 2 in $\\partial L/\\partial w_h$?", options,
        answer=answer,
        why=f"With $w_h = 0$ the way back from step 3 is multiplied by 0: $\\partial L/\\partial h_2 = "
            f"{tex(at_zero.da[2])} \\times 0 = {tex(at_zero.dh[1], False)}$, so the term of step 2 is "
            f"{tex(at_zero.w_h_terms[1], False)} and step 1's is {tex(at_zero.w_h_terms[0], False)}. Only step 3's "
            f"term is left: "
            f"$\\partial L/\\partial w_h = {tex(at_zero.da[2])} \\times {tex(scalar.forward(w_x, 0.0, b, WARMUP_XS).h[2])} "
            f"= {tex(at_zero.dw_h, False)}$. $w_h$ is still used at step 3, multiplying $h_2$.",
        instruction="set w_h to 0 with its slider", ready=abs(w_h) < 1e-9)
    lesson.show_code(scalar.forward, scalar.backward, central_difference,
                     torch=lambda: warmup_program(w_x, w_h, b, WARMUP_XS, target))
    lesson.downloads("bptt_warmup", {"x": np.array(WARMUP_XS), "h": np.array(fwd.h[1:]), "dL_dh": np.array(back.dh),
                                     "dL_da": np.array(back.da), "dL_dw_h_term": np.array(back.w_h_terms)},
                     settings=dict(w_x=w_x, w_h=w_h, b=b, y_star=target, h0=0.0))


# --- the matrix network ---------------------------------------------------------------------------------------

@st.cache_data(max_entries=32, show_spinner=False)
def run_bptt(preset, length, hidden, seed, s_max, input_scale):
    """The many-to-many network the controls describe, its forward and backward pass, each loss's own pass."""
    x, targets, classes = next_step_task(preset, length)
    cell = rnn_with_singular_values(x.shape[1], hidden, s_max=s_max, input_scale=input_scale, seed=seed)
    readout = Readout.random(hidden, len(classes), seed=seed + 1)
    result = many_to_many(cell, readout, x, targets)
    return result, per_loss(result), classes, sequences.preset_labels(preset, length)


def network_note(result, classes, preset):
    H = result.cell.hidden_size
    s_max = np.linalg.svd(result.cell.weight_hh, compute_uv=False)[0]
    matrix = (f"whose $W_{{hh}} = {result.cell.weight_hh[0, 0]:.2f}$ is one number, of size $s_{{max}}$" if H == 1 else
              f"whose $W_{{hh}}$ has singular values from $s_{{max}} = {s_max:.2f}$ down to half of it")
    lesson.explain(
        f"**The network.** Task: {TASKS[preset]} ({len(classes)} classes: {', '.join(classes)}), one prediction "
        f"per step. A tanh RNN with $H = {H}$ {matrix}, and an untrained linear readout $y_t = W_{{hy}} h_t + b_y$.")


def losses_verdict(losses, targets, classes):
    """What the loss bars show against the even guess log C: their average, how many bars fall below the line, and
    why all of them can when every target is the same class."""
    T, uniform, mean = len(losses), float(np.log(len(classes))), float(np.mean(losses))
    below = int(np.sum(losses < uniform))
    side = ("close to that" if abs(mean - uniform) <= 0.1 * uniform else
            "above that" if mean > uniform else "below that")
    count = ("no bar is below the line" if below == 0 else f"all {T} bars are below the line" if below == T else
             f"{below} of the {T} bars are below the line")
    text = (f"Here the losses average {mean:.3f}, {side}, and {count}: a bar below the line is a step where the "
            f"untrained network happens to give the right class more than an even share of probability.")
    if len(set(np.asarray(targets).tolist())) == 1:
        text += (f" Every target of this task is the same class, \"{classes[int(targets[0])]}\": a readout whose "
                 f"random weights happen to favour it beats the even guess at every step, one that happens to "
                 f"disfavour it loses at every step.")
    return text


def losses_part(result, classes, step_labels, preset):
    T, C = result.length, len(classes)
    named = [classes[int(c)] for c in result.targets] if preset == "words" else None
    lesson.chart(loss_bars(result.losses, step_labels, classes=C, targets=named), key="losses",
                 alt="One bar per step: the cross-entropy loss L_t of that step's prediction.")
    terms = " + ".join(tex(v) for v in result.losses[:4]) + (r" + \dots" if T > 4 else "")
    lesson.explain(rf"$L = \sum_{{t=1}}^{{{T}}} L_t = {terms} = {tex(result.total_loss, term=False)}$")
    uniform = float(np.log(C))
    lesson.explain(
        f"At each step the readout turns $h_t$ into scores $y_t$ ({lesson.glossary_link('logit', 'logits')}) and a "
        f"{lesson.glossary_link('softmax')} turns them into probabilities $p_t$; the loss of that step is the "
        f"{lesson.glossary_link('cross-entropy')} $L_t = -\\log p_t[\\text{{target}}_t]$. A guess that gives every "
        f"class the same probability scores $\\log {C} = {uniform:.3f}$ at every step (the dotted line). "
        f"{losses_verdict(result.losses, result.targets, classes)} "
        f"The sequence's loss is the sum $L$, and that is what training lowers. Try the Input sequence and "
        f"$s_{{max}}$.")
    network_note(result, classes, preset)
    lesson.show_code(RNN.step, loss_and_gradients,
                     torch=lambda: pytorch_snippet(result.cell, result.x, readout=result.readout,
                                                   targets=result.targets, show="loss"))
    lesson.downloads("bptt_losses", {"loss": result.losses}, settings=settings_of(result))


def backward_part(result, step_labels):
    T = result.length
    lesson.chart(backward_animation(result.grad_norms, result.own_norms, result.later_norms, step_labels),
                 key="backward", alt="The backward pass: for each step, the norm of the gradient reaching h_t from "
                                     "its own loss, from later steps, and in total.")
    st.latex(
        r"\frac{\partial L}{\partial h_t} = \underbrace{\frac{\partial L_t}{\partial h_t}}_{\text{own loss}}"
        r" + \underbrace{\frac{\partial L}{\partial h_{t+1}}\,\frac{\partial h_{t+1}}{\partial h_t}}_{\text{later steps}}")
    lesson.explain(
        f"Press Play (under the slider): the pass starts at step {T}, whose state affects only its own loss, and "
        f"moves back one step per frame; the slider's ticks line up with the steps, and its knob moves from right "
        f"to left under the step the pass has reached. Every earlier "
        f"$h_t$ receives two things: the gradient of its own loss $L_t$ ({theme.NAMES['loss']}) and the gradient "
        f"flowing back from all later steps through $W_{{hh}}$ ({theme.NAMES['hidden']}); the {RED} bar is the "
        f"norm of their sum (the norm of a sum is not the sum of the norms, so the bars do not stack). Drag the "
        f"slider to stop the pass at any step. Here $\\|\\partial L/\\partial h_{{{T}}}\\| = "
        f"{tex(result.grad_norms[-1], term=False)}$ and $\\|\\partial L/\\partial h_1\\| = "
        f"{tex(result.grad_norms[0], term=False)}$.")
    lesson.note("Werbos (1990) describes backpropagation through time; Rumelhart, Hinton & Williams (1986) unfold "
                "a recurrent network in time the same way.")
    lesson.show_code(loss_and_gradients)
    lesson.downloads("bptt_backward", {"dL_dh": result.grads.h, "own_dL_t_dh": result.dh_out},
                     settings=settings_of(result))


def shared_part(result, row):
    T, H = result.length, result.cell.hidden_size
    contributions = step_contributions(result.trace, result.grads)["weight_hh"]
    full = result.grads.params["weight_hh"]
    i = row - 1
    lesson.chart(contribution_stack(contributions[:, i, :], full[i], row), key="stack",
                 alt=f"Row {row} of the gradient of W_hh: each entry a stack of one term per step, with the "
                     f"gradient itself as a diamond.")
    by_hand = loss_and_gradients(result.cell, result.readout, result.x, result.targets).params["weight_hh"]
    gap = float(np.max(np.abs(by_hand - full)))
    pieces = " + ".join(tex(v) for v in contributions[:3, i, 0]) + (r" + \dots" if T > 3 else "")
    colours = ("" if T <= STEPS_IN_LEGEND else
               " (with more than 10 steps the colours run from dark, early steps, to yellow, late ones: the bar on "
               "the right is the key)")
    entries = ("for the one entry of $W_{hh}$" if full.size == 1 else f"over all {full.size} entries of $W_{{hh}}$")
    lesson.explain(
        rf"$\partial L/\partial W_{{hh}}[{row},1] = \sum_{{t=1}}^{{{T}}} \partial L/\partial a_t[{row}]"
        rf"\,h_{{t-1}}[1] = {pieces} = {tex(full[i, 0], term=False)}$")
    lesson.explain(
        f"The same matrix $W_{{hh}}$ is used at every step ({lesson.glossary_link('parameter sharing')}), so its gradient is the sum of one "
        f"term per use: $\\partial L/\\partial W_{{hh}} = \\sum_t \\partial L/\\partial a_t \\, h_{{t-1}}^\\top$, "
        f"where $a_t$ is the pre-activation of step $t$. Each coloured segment is one step's term for one entry of "
        f"row {row}, labelled with its step number where it is tall enough{colours}; positive terms stack up and "
        f"negative ones down, and the diamond, the gradient that backward returned, sits at their net sum. Step 1's "
        f"term is zero because $h_0 = 0$. Added up one step at a time, as the code under Show code does, the {T} "
        f"terms give the same gradient as the fast backward pass: {entries} they differ by at most "
        f"{gap:.1e} (rounding). Move Row i to see another row.")
    lesson.show_code(loss_and_gradients,
                     torch=lambda: pytorch_snippet(result.cell, result.x, readout=result.readout,
                                                   targets=result.targets, show=f"loss, grads['weight_hh'][{i}]"))
    lesson.downloads("bptt_gradients", {"loss": result.losses, "h": result.trace.h, "dL_dh": result.grads.h,
                                        "dL_dWhh_term": contributions}, settings=settings_of(result))


def reach_text(norms, k):
    """What the row of the loss at step k (1-based; "step t" on screen) shows: which steps have a term, how big."""
    row, T = norms[k - 1], norms.shape[0]
    reached = [s + 1 for s in range(len(row)) if row[s] > 0]
    if k == 1:
        return ("The loss $L_1$ uses $W_{hh}$ only at step 1, where it multiplies $h_0 = 0$: its only term is 0, so "
                "$L_1$ sends no gradient to $W_{hh}$ and its row has no bar. Pick a later step.")
    if k == 2:
        uses = ("its two uses: at step 2, computing $h_2$ from $h_1$, and at step 1, computing $h_1$ from "
                "$h_0 = 0$, a use whose term is 0")
    else:
        uses = (f"its uses at steps 1 to {k}: $W_{{hh}}$ computed $h_{{{k}}}$ from $h_{{{k - 1}}}$, "
                f"$h_{{{k - 1}}}$ from $h_{{{k - 2}}}$, and so on back to $h_1$ from $h_0 = 0$, a use whose term is 0")
    if reached == list(range(2, k + 1)):
        nonzero = f"Here all {k - 1} other terms are non-zero" if k > 2 else "Here the term of step 2 is non-zero"
    else:
        nonzero = f"Here the steps with a non-zero term are {step_ranges(reached)}"
    later = (f"; steps after {k} add nothing to $\\partial L_{{{k}}}/\\partial W_{{hh}}$" if k < T else
             f"; $L_{{{k}}}$ is the last loss, so its row reaches every step")
    text = f"The loss $L_{{{k}}}$ depends on $W_{{hh}}$ through {uses}. {nonzero}{later}."
    if len(reached) >= 2 and row[k - 1] > 0:
        far = reached[0]
        ratio = row[far - 1] / row[k - 1]
        size = "smaller than" if ratio < 1 else "larger than" if ratio > 1 else "as large as"
        text += (f" The farthest one, step {far}, is {fmt_number(ratio)} times the size of the term of step {k}: "
                 f"{size} the nearest.")
    return text


def side_by_side(norms):
    """(shrinking, pairs) over every row of the triangle: pairs of side-by-side non-zero terms (steps s and s + 1
    of one loss), and how many of them have the smaller term further back (at s)."""
    left, right = norms[:, :-1], norms[:, 1:]
    both = (left > 0) & (right > 0)
    return int(np.sum(both & (left < right))), int(np.sum(both))


def reach_part(norms, k):
    lesson.chart(row_bars(norms[k - 1], k - 1), key="row",
                 alt=f"For the loss at step {k}: the size of each step's term in its gradient of W_hh.")
    lesson.explain(reach_text(norms, k))
    lesson.chart(contribution_matrix(norms, highlight_row=k - 1), key="matrix",
                 alt="For every loss (rows) the size of each step's term (columns) in its gradient of W_hh.")
    shrinking, pairs = side_by_side(norms)
    trend = (f"Over all rows of the triangle, in {shrinking} of the {pairs} pairs of side-by-side non-zero terms the "
             f"one further back is the smaller." if pairs else
             "No row has two non-zero terms side by side at this length.")
    lesson.explain(
        f"Row $t = {k}$ of this triangle is the bar chart above, outlined in {RED}. Everything right of the diagonal "
        f"is empty: the loss at step $t$ never reaches the uses of $W_{{hh}}$ at later steps. Column 1 holds only zeros "
        f"(the darkest colour) because $h_0 = 0$. Read column $s$ instead and you see the other direction: the use of $W_{{hh}}$ at step "
        f"$s$ gets a term from every loss at step $s$ or later, the same losses that send gradient to $h_s$. "
        f"{trend} Whether terms fade or grow with distance depends on $s_{{max}}$ and on how saturated the tanh "
        f"units are: that is the next lesson. Move Loss at step t to outline another row.")


def chunk_reach(T, chunk):
    """Which steps a loss reaches when the sequence is cut in chunks of `chunk` steps (one sentence)."""
    if chunk == 1:
        return "So every loss reaches only its own step."
    if chunk >= T:
        return "So every loss reaches back to step 1: this is full BPTT."
    return (f"So the loss at the end of a chunk covers all {chunk} steps of its chunk, its own included, and the loss "
            f"at a chunk's first step covers only that step.")


def truncated_part(result, losses, chunk):
    T = result.length
    chunked = chunked_bptt(result, chunk, losses)
    norms = losses.contribution_norms("weight_hh")
    keep = chunk_mask(T, chunk)
    cut = ~keep & (norms > 0)                      # the x marks: non-zero terms of W_hh that truncation drops
    cut_terms = int(cut.sum())
    relative, cosine = chunked.relative_difference_of("weight_hh"), chunked.cosine_of("weight_hh")
    lesson.chart(chunk_strip(T, chunk), key="chunks",
                 alt=f"The sequence in chunks of {chunk} steps: the state goes forward through every step, the "
                     f"gradient goes back only inside a chunk.")
    sliding = truncated_bptt(result, chunk, losses)
    sizes = [run.length for run in chunked.runs]
    pieces = (f"one chunk of all {T} steps" if len(sizes) == 1 else
              f"{len(sizes)} chunks of {chunk} step{'s' if chunk > 1 else ''}"
              + (f" (the last has {sizes[-1]})" if sizes[-1] != chunk else ""))
    lesson.explain(
        f"**{lesson.glossary_link('truncated BPTT', 'Truncated BPTT')} as frameworks do it.** The sequence is cut "
        f"into {pieces}. The "
        f"forward pass runs through every step and carries the state from chunk to chunk; the backward pass of each "
        f"chunk stops at the chunk's first step. In PyTorch that cut is `h = h.detach()` between chunks "
        f"(Show code has the program). {chunk_reach(T, chunk)}")
    lesson.chart(contribution_matrix(norms, cut=cut, chunk=chunk), key="truncation_matrix",
                 alt="For every loss (rows) the size of each step's term (columns) in its gradient of W_hh; the "
                     "non-zero terms truncation cuts are marked x, the terms each chunk keeps are outlined.")
    a, b, c = st.columns(3)
    a.metric("Terms of $W_{hh}$ cut", cut_terms)
    b.metric("$\\|g_K - g\\| / \\|g\\|$ of $W_{hh}$", fmt_number(relative))
    c.metric("cosine$(g_K, g)$ of $W_{hh}$", f"{cosine:.4f}")
    if chunk >= T:
        effect = (f"With $K = {chunk} \\ge T = {T}$ nothing is cut: this is full BPTT, and the two gradients are "
                  f"equal.")
    else:
        if cut_terms == 0:
            effect = ("Here the only terms cut are those of step 1, which are 0 because $h_0 = 0$: no x, and $g_K = g$ "
                      f"(relative difference {fmt_number(relative)}, cosine {cosine:.4f}).")
        else:
            effect = (f"Here {cut_terms} non-zero term{'s are' if cut_terms != 1 else ' is'} cut, and $g_K$ differs "
                      f"from $g$ by {fmt_number(relative)} of its length, at cosine {cosine:.4f} (1 means the same "
                      f"direction).")
        effect += (f" $W_{{ih}}$ and the biases lose terms at the same places, step 1 included, where their terms "
                   f"multiply $x_1$ and 1 instead of $h_0 = 0$: over all four of the cell's parameters the truncated "
                   f"gradient differs from the full one by {fmt_number(chunked.relative_difference)} of its length.")
    lesson.explain(
        f"Here $g = \\partial L/\\partial W_{{hh}}$ is the full gradient of $W_{{hh}}$ and $g_K$ the truncated one; "
        f"the triangle and the three numbers are about $W_{{hh}}$ alone. Each x is a non-zero term of $g$ that "
        f"truncation drops; the outlined staircases are what each chunk keeps. {effect} The network still reads the "
        f"whole sequence, but from the gradient it can learn no dependency longer than a chunk. Some books describe "
        f"another form, a sliding window in which every loss reaches back exactly $K$ steps: it needs a backward "
        f"pass per loss, so frameworks cut in chunks. With the same $K$ its cosine here would be "
        f"{sliding.cosine_of('weight_hh'):.4f}.")
    low, high = (2, 4) if T >= 4 else (T - 1, T)
    c_low, c_high = (chunked_bptt(result, K, losses).cosine_of("weight_hh") for K in (low, high))
    answer = 2 if abs(c_high - c_low) < 5e-5 else (0 if c_high > c_low else 1)
    extra = int(np.sum(chunk_mask(T, high) & ~chunk_mask(T, low) & (norms > 0)))
    more = (f"Chunks of {high} keep every term that chunks of {low} keep, and {extra} more non-zero "
            f"one{'s' if extra != 1 else ''}; more terms usually, but not always, bring the truncated gradient closer "
            f"to the full one: the figure shows this network's case." if extra else
            f"Chunks of {high} keep every term that chunks of {low} keep, and no other non-zero one, so nothing "
            f"changes.")
    lesson.predict(
        "b_predict_K", f"Chunks of $K = {high}$ instead of {low}: what does the cosine between the truncated and "
                       f"the full gradient of $W_{{hh}}$ do?",
        ["It rises, towards 1", "It falls, away from 1", "It stays where it is"], answer=answer,
        why=f"At $K = {low}$ the cosine is {c_low:.4f}; at $K = {high}$ it is {c_high:.4f}. "
            + ("Full BPTT keeps every term, so its cosine is exactly 1. " if high >= T else "") + more,
        instruction=f"move Chunk length K to {high}", ready=chunk == high)
    lesson.note("Williams & Peng (1990) compare truncated forms of BPTT: the sliding window, and going back $n$ "
                "steps every $m$ steps, which is chunks when $m = n$.")
    lesson.show_code(chunked_bptt, torch=lambda: chunked_program(result.cell, result.readout, result.x,
                                                                 result.targets, chunk))
    lesson.downloads("bptt_truncated", {"dL_dWhh_full": result.grads.params["weight_hh"],
                                        "dL_dWhh_chunks": chunked.params["weight_hh"]},
                     settings=dict(settings_of(result), K=chunk), index_name="i")


def settings_of(result):
    cell = result.cell
    return dict(T=result.length, H=cell.hidden_size,
                s_max=float(np.linalg.svd(cell.weight_hh, compute_uv=False)[0]))


lesson.header(
    "Backpropagation through time: the loss and its gradients",
    f"To train a recurrent network we need the gradient of a loss with respect to its weights. We start with one "
    f"unit over three steps, backwards by hand. Then the network makes a prediction at **every** step "
    f"(many-to-many), each prediction has its own loss, and the training loss is their sum. "
    f"{lesson.glossary_link('BPTT', 'Backpropagation through time')} (BPTT) is ordinary backpropagation run on the "
    f"{lesson.glossary_link('unrolling', 'unrolled')} network, from the last step back to the first; a weight used "
    f"at every step collects one gradient term per step.",
    short="The loss is a sum over steps; backpropagation runs the unrolled network backwards and sums one term per "
          "step.",
)


@st.fragment
def bptt_demo():
    """The controls and the open part: a control reruns this function only, not the text and questions around it."""
    part, body = lesson.tabs("b_part", PARTS)
    with body:
        panel = lesson.ControlPanel(part, scope="bptt")
        # the warm-up's weights in lesson 2's order and steps, then the target this lesson adds
        w_x = controls.float_slider("Input weight w_x", "b_wx", -2.0, 2.0, WARMUP_W_X, 0.1,
                                    container=panel.slot(WARMUP))
        w_h = controls.float_slider("Recurrent weight w_h", "b_wh", -2.0, 2.0, WARMUP_W_H, 0.1,
                                    container=panel.slot(WARMUP))
        b = controls.float_slider("Bias b", "b_b", -1.0, 1.0, WARMUP_B, 0.1, container=panel.slot(WARMUP))
        target = controls.float_slider("Target y*", "b_y", -1.0, 1.0, TARGET, 0.05, container=panel.slot(WARMUP))
        preset = controls.choice("Input sequence", "b_seq", list(sequences.PRESETS), "words",
                                 format_func=lambda name: PRESET_LABELS.get(name, name),
                                 container=panel.slot(*MATRIX_PARTS),
                                 help="Words: predict the next word of \"let's meet for lunch\". Sine wave: predict "
                                      "whether the next value is positive. Impulse: say whether the impulse has "
                                      "been seen.")
        length = controls.int_slider("Sequence length T", "b_T", 2, 30, 8, container=panel.slot(*MATRIX_PARTS))
        hidden = controls.int_slider("Hidden size H", "b_H", 1, 16, 6, container=panel.slot(*MATRIX_PARTS))
        s_max = controls.float_slider("Largest singular value s_max", "b_smax", 0.1, 3.0, 1.0, 0.05,
                                      container=panel.slot(*MATRIX_PARTS),
                                      help="W_hh is built with singular values spread evenly from s_max down to "
                                           "half of it.")
        input_scale = controls.float_slider("Input weight scale α", "b_a", 0.0, 3.0, 1.0, 0.1,
                                            container=panel.slot(*MATRIX_PARTS),
                                            help="Entries of W_ih are drawn uniformly from [-α, α].")
        row = controls.int_slider("Row i of W_hh", "b_row", 1, hidden, 1, container=panel.slot(SHARED))
        k = controls.int_slider("Loss at step t", "b_k", 1, length, min(4, length), container=panel.slot(REACH))
        chunk = controls.int_slider("Chunk length K", "b_K", 1, length, min(2, length),
                                    container=panel.slot(TRUNCATED),
                                    help="Truncated BPTT cuts the gradient every K steps.")
        seed = controls.seed_input(key="b_seed", container=panel.slot(*MATRIX_PARTS, more=True))

        if part == WARMUP:
            warmup_part(w_x, w_h, b, target)
            return
        result, losses, classes, step_labels = run_bptt(preset, length, hidden, seed, s_max, input_scale)
        if part == LOSSES:
            losses_part(result, classes, step_labels, preset)
        elif part == BACKWARD:
            backward_part(result, step_labels)
        elif part == SHARED:
            shared_part(result, row)
        elif part == REACH:
            reach_part(losses.contribution_norms("weight_hh"), k)
        else:
            truncated_part(result, losses, chunk)


bptt_demo()

lesson.quiz(
    "quiz_bptt_sum",
    "A sequence has 8 steps, and the same $W_{hh}$ is used at each of them. How is $\\partial L/\\partial W_{hh}$ "
    "formed?",
    ["From the last step's use of $W_{hh}$ only", "By adding the terms of its 8 uses",
     "As the mean of the 8 steps' gradients"],
    answer=1,
    why="A weight used several times gets one gradient term per use, and they add up: "
        "$\\sum_t \\partial L/\\partial a_t\\, h_{t-1}^\\top$.",
    wrong=["Every step's use of $W_{hh}$ changed the states that the later losses see, so every step contributes, "
           "not only the step where the last loss sits.",
           None,
           "Averaging would divide the gradient by the number of steps, and nothing in the chain rule divides."],
)
lesson.quiz(
    "quiz_bptt_direction",
    "Which losses send gradient to the hidden state $h_4$ of a sequence of $T$ steps?",
    ["The losses at steps 4 to T", "The losses at steps 1 to 4", "Only the loss at step 4"],
    answer=0,
    why="$h_4$ feeds its own prediction and, through $W_{hh}$, every later state; it cannot change earlier ones. "
        "(The other way round, the loss at step 4 reaches the uses of $W_{hh}$ at steps 1 to 4.)",
    wrong=[None,
           "The losses at steps 1 to 3 were computed before $h_4$ existed: $h_4$ cannot change them.",
           "$h_4$ also shapes $h_5, h_6, \\dots$ through $W_{hh}$, so their losses reach back to it."],
)
lesson.quiz(
    "quiz_bptt_chunks",
    "A framework trains on 12 steps in chunks of $K = 4$, with `h.detach()` between chunks. Which steps does the "
    "loss at step 6 send gradient to?",
    ["All of steps 1 to 6", "Steps 5 and 6", "Steps 3 to 6"],
    answer=1,
    why="Step 6 is in the chunk of steps 5 to 8; its backward pass stops at the chunk's first step, step 5, where "
        "the state arrived detached from the chunk before.",
    wrong=["The forward pass does carry the state through steps 1 to 4, but `h.detach()` cuts the gradient at the "
           "chunk boundary, so the earlier chunk gets nothing from this loss.",
           None,
           "Four steps back is the sliding-window form; in chunks a loss reaches back only to the first step of its "
           "own chunk."],
)
lesson.quiz(
    "quiz_bptt_warmup",
    "In the warm-up, why is the term of step 1 in $\\partial L/\\partial w_h$ always zero?",
    ["Because tanh has zero slope at the first step", "Because the loss sits on $h_3$ alone",
     "Because at step 1, $w_h$ scales a zero state"],
    answer=2,
    why="The term of step $t$ is $\\partial L/\\partial a_t \\cdot h_{t-1}$; at step 1 that is $h_0 = 0$, so $w_h$'s "
        "first use multiplies nothing and nudging $w_h$ cannot change $a_1$.",
    wrong=["The slope $1 - h_1^2$ is 0 only where $h_1 = \\pm 1$, which tanh never reaches; and a steep or flat "
           "slope would not explain a term that is 0 at every setting.",
           "A loss on $h_3$ alone still reaches steps 2 and 1 through $w_h$: step 2's term is usually not 0, so the "
           "place of the loss cannot be the reason.",
           None],
)
lesson.takeaways([
    "A many-to-many network's loss is the sum of its steps' losses, $L = \\sum_t L_t$, and backpropagation through "
    "time is ordinary backpropagation run backwards through the unrolled network (Werbos 1990).",
    "A weight used at every step gets one gradient term per step, and its gradient is their sum: "
    "$\\partial L/\\partial W_{hh} = \\sum_t \\partial L/\\partial a_t\\, h_{t-1}^\\top$. The warm-up's "
    "$\\partial L/\\partial w_h$ is three such terms, the first 0 because $h_0 = 0$.",
    "$h_t$ receives gradient from its own loss and, through $W_{hh}$, from every later loss; the loss at step $t$ "
    "reaches the uses of the weights at steps 1 to $t$ only.",
    "Frameworks truncate BPTT in chunks of $K$ steps: the state is carried across chunks, the gradient is cut at "
    "each boundary (`h.detach()`), so no dependency longer than a chunk gets a gradient.",
])
lesson.misconceptions([
    ("The state at step 4, $h_4$, gets its gradient from the losses at steps 1 to 4.",
     "It is the other way round. $h_4$ can change only itself and the later states, so it gets gradient from the "
     "losses at steps 4 to $T$. What reaches back is the loss at step 4: it depends on the uses of $W_{hh}$ at steps "
     "1 to 4, so its gradient has terms from those steps."),
    ("Each time step has its own gradient update of its own weights.",
     "There is one $W_{hh}$; the per-step terms are added into one gradient and one update."),
    ("Truncated BPTT computes the same gradient more cheaply.",
     "Only with $K \\ge T$. Shorter chunks drop the terms that cross a chunk boundary, and the gradient changes."),
    ("Truncation shortens what the network reads.",
     "The forward pass still reads the whole sequence and carries the state across chunks; only the gradient is "
     "cut."),
])

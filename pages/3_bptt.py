"""Lesson 3: loss and backpropagation through time."""

import numpy as np
import streamlit as st

from app import controls, lesson
from app.figures.bptt import (backward_animation, contribution_matrix, contribution_stack, loss_bars, row_bars,
                              truncation_bars)
from app.torch_snippet import pytorch_snippet
from rnn_core import RNN, Readout, sequences
from rnn_core.bptt import (TASKS, many_to_many, next_step_task, per_loss, scaled_rnn, step_contributions,
                           truncated_bptt, truncation_mask)

PRESET_LABELS = {"words": "Words", "sine": "Sine wave", "impulse": "Impulse"}


@st.cache_data(max_entries=32, show_spinner=False)
def run_bptt(preset, length, hidden, seed, recurrent_scale, input_scale):
    """The many-to-many network the controls describe, its forward and backward pass."""
    x, targets, classes = next_step_task(preset, length)
    cell = scaled_rnn(x.shape[1], hidden, seed=seed, input_scale=input_scale, recurrent_scale=recurrent_scale)
    readout = Readout.random(hidden, len(classes), seed=seed + 1)
    result = many_to_many(cell, readout, x, targets)
    return result, per_loss(result), classes, sequences.preset_labels(preset, length)


def tex(value, term=True):
    """A number for st.latex; a negative term gets parentheses so that sums read a + (-b)."""
    text = f"{value:.4f}" if abs(value) >= 1e-3 or value == 0 else f"{value:.2e}"
    return f"({text})" if term and value < 0 else text


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


def losses_section(result, classes, step_labels):
    """Section 1: one cross-entropy loss per step, and their sum."""
    length = len(result.losses)
    st.subheader("One loss per step, and their sum")
    lesson.chart(loss_bars(result.losses, step_labels), key="losses")
    terms = " + ".join(tex(v) for v in result.losses[:4]) + (r" + \dots" if length > 4 else "")
    st.latex(rf"L = \sum_{{t=1}}^{{{length}}} L_t = {terms} = {tex(result.total_loss, term=False)}")
    lesson.explain(
        "At each step the readout turns $h_t$ into probabilities $p_t = \\mathrm{softmax}(W_{hy} h_t + b_y)$ "
        "and the loss of that step is $L_t = -\\log p_t[\\text{target}_t]$, the cross-entropy. "
        f"An untrained network guesses, so each $L_t$ is near $\\log {len(classes)} = {np.log(len(classes)):.3f}$. "
        "The total $L$ is what training lowers.")


def backward_section(result, step_labels):
    """Section 2: the backward pass as an animation, from the last step to the first."""
    length = len(result.losses)
    st.subheader("The backward pass, step by step")
    lesson.chart(backward_animation(result.grad_norms, result.own_norms, result.later_norms, step_labels),
                 key="backward")
    st.latex(
        r"\frac{\partial L}{\partial h_t} = \underbrace{\frac{\partial L_t}{\partial h_t}}_{\text{own loss}}"
        r" + \underbrace{\frac{\partial L}{\partial h_{t+1}}\,\frac{\partial h_{t+1}}{\partial h_t}}_{\text{later steps}}"
        rf"\qquad \left\|\tfrac{{\partial L}}{{\partial h_{{{length}}}}}\right\| = {tex(result.grad_norms[-1], term=False)},\;"
        rf"\left\|\tfrac{{\partial L}}{{\partial h_{{1}}}}\right\| = {tex(result.grad_norms[0], term=False)}")
    lesson.explain(
        "Press Play: the pass starts at the last step, whose hidden state only affects its own loss, and moves "
        "back one step per frame. Every earlier $h_t$ receives two things: the gradient of its own loss $L_t$ "
        "(grey) and the gradient flowing back from all later steps through $W_{hh}$ (orange); the vermillion bar is "
        "the norm of their sum (the norm of a sum is not the sum of the norms, so the bars do not stack).")


@st.fragment
def shared_weight_panel(contributions, full, hidden, length):
    """One row of W_hh's gradient as a stack of per-step terms (the row slider reruns only this)."""
    st.subheader("One shared $W_{hh}$, one term per step")
    row = controls.int_slider("Row i of W_hh", "b_row", 0, hidden - 1, 0)
    lesson.chart(contribution_stack(contributions[:, row, :], full[row], row), key="stack")
    gap = float(np.max(np.abs(contributions.sum(axis=0) - full)))
    pieces = " + ".join(tex(v) for v in contributions[:3, row, 0]) + (r" + \dots" if length > 3 else "")
    st.latex(
        rf"\frac{{\partial L}}{{\partial W_{{hh}}[{row},0]}} = \sum_{{t=1}}^{{{length}}} \delta_t[{row}]\,h_{{t-1}}[0]"
        rf" = {pieces} = {tex(full[row, 0], term=False)}")
    st.caption(f"Largest difference between the sum of the {length} per-step terms and the gradient that "
               f"backward returned, over all {full.size} entries of W_hh: {gap:.1e} (rounding only).")
    lesson.explain(
        "The same matrix $W_{hh}$ is used at every step, so its gradient is the sum of one term per use: "
        "$\\partial L/\\partial W_{hh} = \\sum_t \\delta_t h_{t-1}^\\top$, where $\\delta_t$ is the gradient "
        "at the pre-activation of step $t$. Each coloured segment is one step's term; the diamonds are the "
        "gradient itself and sit exactly at the top of each stack. Step 1's term is zero because $h_0 = 0$.")


@st.fragment
def reach_panel(norms, length):
    """The terms of one loss's gradient, by step, and the whole triangle (the k slider reruns only this)."""
    st.subheader("Which steps does the loss at step k reach?")
    k = controls.int_slider("Loss at step k", "b_k", 1, length, min(4, length)) - 1
    lesson.chart(row_bars(norms[k], k), key="row")
    reached = [t + 1 for t in range(length) if norms[k, t] > 0]
    st.markdown(
        f"The loss $L_{{{k + 1}}}$ depends on $W_{{hh}}$ through its uses at steps 1 to {k + 1}, because "
        f"$h_{{{k + 1}}}$ was computed from $h_{{{k}}}$, which was computed from $h_{{{k - 1}}}$, and so on. "
        f"Here the steps with a non-zero term are {step_ranges(reached)}; "
        f"steps after {k + 1} contribute nothing to $\\partial L_{{{k + 1}}}/\\partial W_{{hh}}$.")
    lesson.chart(contribution_matrix(norms, highlight_row=k), key="matrix")
    lesson.explain(
        "Row $k$ of this triangle is the bar chart above: the size of each step's term in the gradient of the "
        "loss at step $k$. Everything above the diagonal is empty: a loss never sends gradient to later steps. "
        "Read a column instead and you see the other direction: the state at step $t$ receives gradient from "
        "the losses at steps $t, t+1, \\dots, T$. Terms usually shrink away from the diagonal: that is the "
        "vanishing gradient of the next lesson.")


@st.fragment
def truncation_panel(result, losses, norms, length):
    """Truncated BPTT with window K: the dropped terms and how far the gradient moves (K reruns only this)."""
    st.subheader("Truncated BPTT")
    window = controls.int_slider("Window K (steps each loss backpropagates through)", "b_K", 1, length,
                                 min(3, length))
    truncated = truncated_bptt(result, window, losses)
    lesson.chart(contribution_matrix(norms, window=window), key="truncation_matrix")
    lesson.chart(truncation_bars(truncated.kept_by_step, truncated.lost_by_step), key="truncation_bars")
    a, b, c = st.columns(3)
    a.metric("Terms cut", int(np.sum(~truncation_mask(length, window) & (norms > 0))))
    b.metric("||g_K - g|| / ||g||", f"{truncated.relative_difference:.3g}")
    c.metric("cosine(g_K, g)", f"{truncated.cosine:.4f}")
    lesson.explain(
        f"With window $K = {window}$ the loss at step $k$ is backpropagated through steps $k, k-1, \\dots, k-K+1$ "
        "only, and the terms further back (marked x) are dropped. The difference from the full gradient $g$ is "
        "exactly the sum of the dropped terms. $K = 1$ keeps no gradient through time at all; $K = T$ is full BPTT "
        "and the difference is 0. Truncation makes long sequences affordable, but the network can no longer learn "
        "dependencies longer than $K$ steps from the gradient.")


lesson.header(
    "Backpropagation through time: the loss and its gradients",
    "To train a recurrent network we need the gradient of a loss with respect to its weights. "
    "Here the network makes a prediction at **every** step (many-to-many), each prediction has "
    "its own loss, and the training loss is their sum. Backpropagation through time (BPTT) is "
    "ordinary backpropagation run on the unrolled network, from the last step back to the first.",
)

@st.fragment
def bptt_demo():
    """The controls and the open part: a control reruns this function only, not the text and questions around it."""
    with lesson.controls_panel():
        left, middle, right = st.columns(3)
        preset = controls.choice("Input sequence", "b_seq", list(sequences.PRESETS), "words",
                                 format_func=lambda name: PRESET_LABELS.get(name, name), container=left,
                                 help="Words: predict the next word of \"let's meet for lunch\". Sine: predict whether "
                                      "the next value is positive. Impulse: say whether the impulse has been seen.")
        length = controls.int_slider("Sequence length T", "b_T", 2, 30, 8, container=left)
        hidden = controls.int_slider("Hidden size H", "b_H", 1, 16, 6, container=middle)
        seed = controls.seed_input(key="b_seed", container=middle)
        recurrent_scale = controls.float_slider("Scale of W_hh", "b_whh", 0.1, 4.0, 1.5, 0.1, container=right,
                                                help="W_hh is PyTorch's random initialisation times this number.")
        input_scale = controls.float_slider("Scale of W_ih", "b_wih", 0.0, 4.0, 1.0, 0.1, container=right,
                                            help="W_ih is PyTorch's random initialisation times this number.")

    result, losses, classes, step_labels = run_bptt(preset, length, hidden, seed, recurrent_scale, input_scale)
    cell = result.cell
    s_max = float(np.linalg.svd(cell.weight_hh, compute_uv=False)[0])
    st.caption(f"Task: {TASKS[preset]} ({len(classes)} classes: {', '.join(classes)}). A tanh RNN with "
               f"$H = {hidden}$; the largest singular value of this $W_{{hh}}$ is {s_max:.3f}.")

    contributions = step_contributions(result.trace, result.grads)["weight_hh"]
    lesson.sections("b_part", {
        "Losses": lambda: losses_section(result, classes, step_labels),
        "Backward pass": lambda: backward_section(result, step_labels),
        "Shared W_hh": lambda: shared_weight_panel(contributions, result.grads.params["weight_hh"], hidden, length),
        "Reach of a loss": lambda: reach_panel(losses.contribution_norms("weight_hh"), length),
        "Truncated BPTT": lambda: truncation_panel(result, losses, losses.contribution_norms("weight_hh"), length),
    })

    lesson.show_code(many_to_many, RNN.backward, step_contributions, truncation_mask, truncated_bptt,
                     torch=lambda: pytorch_snippet(cell, result.x, readout=result.readout, targets=result.targets,
                                                   show="loss, grads['weight_hh'][:, 0]"))
    lesson.downloads("bptt_gradients", {"loss": result.losses, "h": result.trace.h, "dL_dh": result.grads.h,
                                         "dL_dWhh_term": contributions},
                     settings=dict(input=preset, T=length, H=hidden, seed=seed, whh_scale=recurrent_scale,
                                   wih_scale=input_scale))


bptt_demo()

lesson.quiz(
    "quiz_bptt_sum",
    "The same $W_{hh}$ is used at all 8 steps of a sequence. How is $\\partial L/\\partial W_{hh}$ formed?",
    ["Only from the last step, where the final loss is", "As the sum of one term per step",
     "As the average of the 8 steps' weights"],
    answer=1,
    why="A weight used several times gets one gradient term per use, and they add up: "
        "$\\sum_t \\delta_t h_{t-1}^\\top$.",
)
lesson.quiz(
    "quiz_bptt_direction",
    "Which losses send gradient to the hidden state $h_4$?",
    ["The losses at steps 1 to 4", "The losses at steps 4 to T", "Only the loss at step 4"],
    answer=1,
    why="$h_4$ influences its own prediction and, through $W_{hh}$, every later step; it cannot influence "
        "earlier ones. (Conversely the loss at step 4 reaches the weights' uses at steps 1 to 4.)",
)
lesson.quiz(
    "quiz_bptt_truncation",
    "With truncated BPTT, window $K = T$, how does the gradient compare with full BPTT?",
    ["It is identical", "It is smaller by a factor K/T", "It misses the first step"],
    answer=0,
    why="A window as long as the sequence cuts nothing: every loss reaches every earlier step.",
)
lesson.misconceptions([
    ("The gradient at step 4 is the sum of the losses of steps 1 to 3 and step 4.",
     "Losses are summed into $L$; gradients are not losses. The loss at step 4 depends on the uses of "
     "$W_{hh}$ at steps 1 to 4, so its gradient has terms from those steps; the hidden state $h_4$ gets "
     "gradient from the losses at steps 4 and later."),
    ("Each time step has its own gradient update of its own weights.",
     "There is one $W_{hh}$; the per-step terms are added into one gradient and one update."),
    ("Truncated BPTT computes the same gradient more cheaply.",
     "Only with $K \\ge T$. A shorter window drops the terms further back, and the gradient changes."),
])

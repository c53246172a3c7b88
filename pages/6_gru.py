"""Lesson 6: GRU, reset and update gates; RNN vs LSTM vs GRU."""

from dataclasses import astuple

import numpy as np
import streamlit as st

from app import lesson
from app.gated_controls import GateText, gated_cell_controls, step_and_unit
from app.equations import signed_term
from app.torch_snippet import pytorch_snippet
from app.figures.gates import MAX_FRAMES, gate_heatmaps, gradient_comparison_figure, gru_faucet_figure
from rnn_core import GRU
from rnn_core.gated import (comparison_rows, gated_labels, gated_preset, gradient_comparison,
                            hand_set_memory_gru, make_cell, reach, step_values)

MODEL_NAMES = {"rnn": "tanh RNN", "lstm": "LSTM", "gru": "GRU"}


@st.cache_data(max_entries=32, show_spinner=False)
def run(preset, length, hidden, update_bias, input_scale, recurrent_scale, seed, hand_set):
    """The GRU the controls describe, its trace and the step labels."""
    x = gated_preset(preset, length)
    inputs = x.shape[1]
    if hand_set:
        cell = hand_set_memory_gru(inputs, hidden, update_bias=update_bias)
    else:
        cell = make_cell("gru", inputs, hidden, seed=seed, gate_bias=update_bias, input_scale=input_scale,
                         recurrent_scale=recurrent_scale)
    return cell, cell.unroll(x), gated_labels(preset, length)


@st.cache_data(max_entries=32, show_spinner=False)
def comparison(preset, length, hidden, update_bias, input_scale, recurrent_scale, seed):
    """||dL/dh_t|| for RNN, LSTM and GRU on the same input, and their parameter counts (only the Cells compared
    tab needs them)."""
    x = gated_preset(preset, length)
    inputs = x.shape[1]
    norms = gradient_comparison(inputs, hidden, x, seed=seed, lstm_bias=update_bias, gru_bias=update_bias,
                                input_scale=input_scale, recurrent_scale=recurrent_scale)
    return norms, comparison_rows(inputs, hidden)


def gru_step_latex(v, t, j):
    rows = [rf"{name}_{{{t}}} &= \sigma\big(\underbrace{{{signed_term(v['a_' + name])}}}_{{W_{{i{name}}}x_t+b_{{i{name}}}}}"
            rf" + \underbrace{{{signed_term(v['u_' + name])}}}_{{W_{{h{name}}}h_{{t-1}}+b_{{h{name}}}}}\big) = {v[name]:.3f}"
            for name in ("r", "z")]
    rows.append(rf"n_{{{t}}} &= \tanh\big(\underbrace{{{signed_term(v['a_n'])}}}_{{W_{{in}}x_t+b_{{in}}}} + r_{{{t}}}\cdot"
                rf"\underbrace{{{signed_term(v['u_n'])}}}_{{W_{{hn}}h_{{t-1}}+b_{{hn}}}}\big) = \tanh\big({signed_term(v['a_n'])} + "
                rf"{v['r']:.3f}\cdot{signed_term(v['u_n'])}\big) = {v['n']:.3f}")
    rows.append(rf"h_{{{t}}} &= (1 - z_{{{t}}})\, n_{{{t}}} + z_{{{t}}}\, h_{{{t - 1}}} = {1 - v['z']:.3f}\cdot"
                rf"{signed_term(v['n'])} + {v['z']:.3f}\cdot{signed_term(v['h_prev'])} = {v['h']:.3f}")
    return r"\begin{aligned}" + r" \\ ".join(rows) + rf"\end{{aligned}}\qquad\text{{(unit {j})}}"


@st.fragment
def faucet_panel(cell, trace, labels, length, hidden, hand_set):
    """One unit at one step: the faucets, its equations and the code (its step and unit sliders rerun only this)."""
    st.subheader("The faucets, one step at a time")
    step, unit = step_and_unit("gru", length, hidden)
    lesson.chart(gru_faucet_figure(trace, unit=unit, step=step, labels=labels), key="gru_faucet",
                 alt="GRU faucet drawing: the hidden-state pipe with the update gate's mixing valve and the reset "
                     "valve.")
    lesson.explain(
        "The pipe along the top is the hidden state of one unit. The update gate is one mixing valve with two "
        "openings: $z_t$ on the old state and $1 - z_t$ on the candidate rising from below, so the two always add "
        "up to a full pipe. On the left, the old state passes through $W_{hn}$ and the reset valve before it "
        "enters the candidate. Press Play to run through the sequence (sequences longer "
        f"than {MAX_FRAMES} steps play the {MAX_FRAMES} steps around step t; move t for the others); the bars "
        "show every unit at the same step."
    )

    if hand_set:
        kept = float(np.prod(trace.gates["z"][1:, unit]))
        lesson.explain(
            "Hand-set weights: unit $j$'s update gate closes ($z \\approx 0$) only while its word is present, so "
            "the word is written, and stays at $\\sigma(b_z)$ otherwise, so it is kept. With the reset gate shut "
            "the candidate is about 0 in between, and $h$ shrinks by about $z$ per step: of what unit "
            f"{unit} held after step 0, its update gates alone leave a fraction $\\prod_{{k \\ge 1}} z_k = {kept:.3g}$ "
            "at the last step."
        )

    st.subheader(f"Unit {unit} at step {step}, with the numbers")
    st.latex(gru_step_latex(step_values(trace, step, unit), step, unit))
    lesson.explain(
        "Two sigmoids and one tanh, with the reset gate applied to $W_{hn} h_{t-1} + b_{hn}$ inside the candidate "
        "(PyTorch's placement). The last line is the mix: when $z_t$ is close to 1 the new state is almost the old "
        "one, whatever the candidate proposes."
    )

    lesson.show_code(GRU.unroll, GRU.backward, hand_set_memory_gru,
                     torch=lambda: pytorch_snippet(cell, trace.x, show=f"output[{step}, {unit}]"))


@st.fragment
def gate_maps_panel(trace, labels, length, hidden):
    """Every gate of every unit over time, with one unit at one step outlined (its sliders rerun only this)."""
    st.subheader("Every gate over time")
    step, unit = step_and_unit("gru_maps", length, hidden)
    lesson.chart(gate_heatmaps(trace, ["r", "z", "n", "h"], unit=unit, step=step, labels=labels),
                 key="gru_heatmaps",
                 alt="Heatmaps over time and units of the reset gate, update gate, candidate and hidden state.")
    lesson.explain(
        "Rows are units, columns are steps; the outlined square is unit $j$ at step $t$, set by the two sliders "
        "above. The update gate has the LSTM forget gate's colour because it plays the same role: how much of the "
        "old state to keep."
    )


def comparison_section(norms, rows, inputs, hidden):
    """The three cells' parameter counts, and how far back each carries the gradient of one loss."""
    st.subheader("RNN, LSTM and GRU side by side")
    st.table(rows)
    lesson.explain(
        f"Counted from the cells for input size {inputs} and hidden size {hidden}: each weight block holds "
        "$H(I + H)$ weights and $2H$ biases, and the tanh RNN has one block, the GRU three, the LSTM four. The "
        "gated cells pay for their memory with three to four times the parameters."
    )
    lesson.chart(gradient_comparison_figure(norms), key="gru_gradients",
                 alt="Log-scale plot of the gradient norm reaching each step for RNN, LSTM and GRU.")
    with np.errstate(divide="ignore"):
        reaches = {kind: reach(np.log10(values), -2.0) for kind, values in norms.items()}
    for column, (kind, steps) in zip(st.columns(3), reaches.items()):
        column.metric(f"{MODEL_NAMES[kind]}: gradient above 1%", f"{steps} step{'' if steps == 1 else 's'} back")
    lesson.explain(
        "One sequence, one loss $L = u \\cdot h_{T-1}$ at the last step (with $\\lVert u \\rVert = 1$), and the "
        "three cells built from the same seed and weight scales, the LSTM's forget-gate bias and the GRU's "
        "update-gate bias both set to $b_z$. Each curve is how much gradient reaches $h_t$. Raise the bias and "
        "the gated cells carry the gradient much further back than the RNN; raise the recurrent scale and any of "
        "them can grow instead."
    )


lesson.header(
    "GRU: reset and update gates",
    "The gated recurrent unit (GRU) keeps the idea of faucets with fewer parts: **two gates and no separate "
    "cell state**, so the hidden state $h_t$ is the memory. The update gate $z_t$ is a mixing valve: it "
    "keeps a fraction $z_t$ of the old state $h_{t-1}$ and fills the rest with a candidate $n_t$. The reset "
    "gate $r_t$ decides how much of the old state goes into that candidate. We write it as PyTorch does: "
    "$h_t = (1 - z_t)\\, n_t + z_t\\, h_{t-1}$.",
)

GRU_TEXT = GateText(
    prefix="gru", bias_key="update_bias", bias_label="Update-gate bias b_z",
    bias_help="Added inside the update gate's sigmoid: a large b_z keeps z near 1, so the old state is kept. "
              "The comparison in the Cells compared tab gives the LSTM the same value as its forget-gate bias.",
    hand_help="Weights chosen by hand: unit j writes input feature j when it appears (z near 0), then keeps it "
              "(z near 1).",
    recurrent_help="Multiplies W_hh of all three models.",
    hand_caption="Hand-set weights ignore the seed and the weight scales; the update-gate bias still applies. "
                 "The comparison in the Cells compared tab always uses seed and scales.")
@st.fragment
def gru_demo():
    """The controls and the open part: a control reruns this function only, not the text and questions around it."""
    preset, length, seed, hidden, update_bias, hand_set, input_scale, recurrent_scale = astuple(
        gated_cell_controls(GRU_TEXT))

    cell, trace, labels = run(preset, length, hidden, update_bias, input_scale, recurrent_scale, seed, hand_set)

    lesson.sections("gru_part", {
        "Faucets": lambda: faucet_panel(cell, trace, labels, length, hidden, hand_set),
        "Gates over time": lambda: gate_maps_panel(trace, labels, length, hidden),
        "Cells compared": lambda: comparison_section(
            *comparison(preset, length, hidden, update_bias, input_scale, recurrent_scale, seed), trace.x.shape[1],
            hidden),
    })
    lesson.downloads("gru_trace", {**{name: trace.gates[name] for name in "rzn"}, "h": trace.h},
                     settings=dict(input=preset, T=length, H=hidden, update_bias=update_bias, hand_set=hand_set,
                                   input_scale=input_scale, recurrent_scale=recurrent_scale, seed=seed))


gru_demo()

lesson.quiz(
    "gru_quiz_mix",
    "At one step a unit has $z_t = 0.95$. What is $h_t$ made of (PyTorch's convention)?",
    ["95% candidate $n_t$ and 5% old state", "95% old state $h_{t-1}$ and 5% candidate $n_t$",
     "The old state is erased"],
    answer=1,
    why="$h_t = (1 - z_t)\\, n_t + z_t\\, h_{t-1} = 0.05\\, n_t + 0.95\\, h_{t-1}$: an update gate near 1 keeps "
        "the memory.",
)
lesson.quiz(
    "gru_quiz_memory",
    "Where does a GRU keep its long-term memory?",
    ["In a separate cell state, like the LSTM", "In its hidden state $h_t$: there is no separate cell state",
     "Nowhere: a GRU has no memory"],
    answer=1,
    why="The GRU merges the LSTM's cell and hidden state into one vector. It is passed on from step to step, "
        "and the update gate decides how much of it survives each step.",
)
lesson.quiz(
    "gru_quiz_reset",
    "If the reset gate of a unit is close to 0 at some step, what happens?",
    ["The hidden state is set to 0", "The candidate $n_t$ is computed from the input almost alone; the update "
     "gate can still keep the old state", "The unit stops updating"],
    answer=1,
    why="$r_t$ multiplies $W_{hn} h_{t-1} + b_{hn}$ inside the candidate only. The old state can still pass "
        "straight through the update gate's mix.",
)
lesson.misconceptions([
    ("A GRU has no memory because it has no cell state.",
     "Its hidden state is its memory: with $z_t$ near 1 a unit carries its value across many steps."),
    ("The update gate is the share of new information.",
     "That depends on the convention. Some papers write $h_t = z_t\\, n_t + (1 - z_t)\\, h_{t-1}$; PyTorch and "
     "this course write $h_t = (1 - z_t)\\, n_t + z_t\\, h_{t-1}$. It is the same model with $z$ replaced by "
     "$1 - z$."),
    ("GRUs and LSTMs solve the vanishing and exploding gradient problems.",
     "They ease vanishing: the gradient along $h$ is multiplied by $z_t$ elementwise plus terms through "
     "$W_{hh}$, so with $z$ near 1 it fades slowly. Large recurrent weights can still make it explode."),
])

"""Lesson 5: LSTM, gates as faucets, and the cell-state gradient highway."""

from dataclasses import astuple

import numpy as np
import streamlit as st

from app import lesson
from app.gated_controls import GateText, gated_cell_controls, step_and_unit, unit_slider
from app.equations import signed_term
from app.torch_snippet import pytorch_snippet
from app.figures.gates import MAX_FRAMES, gate_heatmaps, highway_figure, lstm_faucet_figure
from rnn_core import LSTM, forget_gate_highway, sigmoid
from rnn_core.gated import (feature_names, gated_labels, gated_preset, hand_set_memory_lstm,
                            log10_highway, log10_jacobian_norms, make_cell, reach, step_values)

REACH_LEVEL = -2.0   # "reach" = steps back until a derivative drops below 10^-2


@st.cache_data(max_entries=32, show_spinner=False)
def run(preset, length, hidden, forget_bias, input_scale, recurrent_scale, seed, hand_set):
    """The LSTM the controls describe, its trace and the step labels."""
    x = gated_preset(preset, length)
    inputs = x.shape[1]
    if hand_set:
        cell = hand_set_memory_lstm(inputs, hidden, forget_bias=forget_bias)
    else:
        cell = make_cell("lstm", inputs, hidden, seed=seed, gate_bias=forget_bias, input_scale=input_scale,
                         recurrent_scale=recurrent_scale)
    return cell, cell.unroll(x), gated_labels(preset, length)


@st.cache_data(max_entries=32, show_spinner=False)
def highway_curves(preset, length, hidden, forget_bias, input_scale, recurrent_scale, seed, hand_set):
    """log10 of the LSTM's cell path per unit and of its full Jacobian norms, and of a tanh RNN's Jacobian norms
    with the same seed and scales (only the Gradient highway tab needs them)."""
    cell, trace, _ = run(preset, length, hidden, forget_bias, input_scale, recurrent_scale, seed, hand_set)
    rnn = make_cell("rnn", trace.x.shape[1], hidden, seed=seed, input_scale=input_scale,
                    recurrent_scale=recurrent_scale)
    return log10_highway(trace), log10_jacobian_norms(cell, trace), log10_jacobian_norms(rnn, rnn.unroll(trace.x))


def lstm_step_latex(v, t, j):
    rows = []
    for name, fn in (("i", r"\sigma"), ("f", r"\sigma"), ("g", r"\tanh"), ("o", r"\sigma")):
        rows.append(rf"{name}_{{{t}}} &= {fn}\big(\underbrace{{{signed_term(v['a_' + name])}}}_{{W_{{i{name}}}x_t+b_{{i{name}}}}}"
                    rf" + \underbrace{{{signed_term(v['u_' + name])}}}_{{W_{{h{name}}}h_{{t-1}}+b_{{h{name}}}}}\big)"
                    rf" = {v[name]:.3f}")
    rows.append(rf"c_{{{t}}} &= f_{{{t}}}\, c_{{{t - 1}}} + i_{{{t}}}\, g_{{{t}}} = {v['f']:.3f}\cdot{signed_term(v['c_prev'])}"
                rf" + {v['i']:.3f}\cdot{signed_term(v['g'])} = {v['c']:.3f}")
    rows.append(rf"h_{{{t}}} &= o_{{{t}}} \tanh(c_{{{t}}}) = {v['o']:.3f}\cdot\tanh{signed_term(v['c'])}"
                rf" = {v['o']:.3f}\cdot{signed_term(v['tanh_c'])} = {v['h']:.3f}")
    return r"\begin{aligned}" + r" \\ ".join(rows) + rf"\end{{aligned}}\qquad\text{{(unit {j})}}"


@st.fragment
def faucet_panel(cell, trace, labels, preset, length, hidden, forget_bias, hand_set):
    """One unit at one step: the faucets, its equations and the code (its step and unit sliders rerun only this)."""
    st.subheader("The faucets, one step at a time")
    step, unit = step_and_unit("lstm", length, hidden)
    lesson.chart(lstm_faucet_figure(trace, unit=unit, step=step, labels=labels), key="lstm_faucet",
                 alt="LSTM faucet drawing: the cell-state pipe with forget, input and output valves for one unit.")
    lesson.explain(
        "The pipe along the top is the cell state of one unit: $c_{t-1}$ enters on the left, the forget valve "
        "lets through $f_t c_{t-1}$, the input valve adds $i_t g_t$ at the junction, and $c_t$ leaves on the "
        "right. The gap in each valve is the gate's value, and the stream's width is the size of the value it "
        "carries (red-orange positive, blue negative). Press Play to run through the sequence (sequences longer "
        f"than {MAX_FRAMES} steps play the {MAX_FRAMES} steps around step t; move t for the others); the bars below "
        "show every unit's gates at the same step."
    )

    if hand_set:
        c = trace.c
        stored = [j for j in range(min(cell.input_size, hidden))]
        names = feature_names(preset)
        rows = {"unit": stored, "latches": [names[j] for j in stored],
                "c at its largest": [float(c[int(np.argmax(np.abs(c[:, j]))), j]) for j in stored],
                f"c at step {length - 1}": [float(c[-1, j]) for j in stored],
                "forget gate per step": [float(sigmoid(forget_bias))] * len(stored)}
        st.dataframe(rows, hide_index=True)
        kept = float(sigmoid(forget_bias)) ** (length - 1)
        lesson.explain(
            f"Each unit $j$ has an input gate that opens only while its word is present and a forget gate fixed at "
            f"$\\sigma(b_f) = {sigmoid(forget_bias):.4f}$. After writing, nothing but the forget gate touches $c_j$, "
            f"so {length - 1} steps later a word seen at step 0 keeps a fraction $\\sigma(b_f)^{{{length - 1}}} = "
            f"{kept:.3g}$ of its value. Set the bias to 5 and the bit survives a 100-step gap; set it to 0 and it "
            "is gone within a few steps."
        )

    st.subheader(f"Unit {unit} at step {step}, with the numbers")
    st.latex(lstm_step_latex(step_values(trace, step, unit), step, unit))
    lesson.explain(
        "The same three sigmoids and one tanh run at every step with the same weights; only $x_t$ and $h_{t-1}$ "
        "change. The cell state is updated by an elementwise multiply-and-add, with no weight matrix in between: "
        "that is what lets it carry a value unchanged when $f_t \\approx 1$ and $i_t \\approx 0$."
    )

    lesson.show_code(LSTM.unroll, forget_gate_highway, hand_set_memory_lstm,
                     torch=lambda: pytorch_snippet(cell, trace.x, show=f"output[{step}, {unit}], c_n"))


@st.fragment
def gate_maps_panel(trace, labels, length, hidden):
    """Every gate of every unit over time, with one unit at one step outlined (its sliders rerun only this)."""
    st.subheader("Every gate over time")
    step, unit = step_and_unit("lstm_maps", length, hidden)
    lesson.chart(gate_heatmaps(trace, ["i", "f", "g", "o", "c", "h"], unit=unit, step=step, labels=labels),
                 key="lstm_heatmaps",
                 alt="Heatmaps over time and units of the input, forget and output gates, the candidate, c and h.")
    lesson.explain(
        "Rows are units, columns are steps; the outlined square is unit $j$ at step $t$, set by the two sliders "
        "above. Gates fade from white (0) to their colour (1); the candidate, the cell state and the hidden state "
        "are signed. Raise the forget-gate bias and the f map turns solid violet: the cell state then changes only "
        "slowly from step to step."
    )


@st.fragment
def highway_panel(trace, highway_log10, lstm_log10, rnn_log10, hidden):
    """The cell path of one unit against the full LSTM and a tanh RNN (its unit slider reruns only this)."""
    st.subheader("The gradient highway")
    unit = unit_slider("lstm_highway", hidden)
    lesson.chart(highway_figure(highway_log10, lstm_log10, rnn_log10, unit), key="lstm_highway",
                 alt="Log-scale plot of the product of forget gates, the full LSTM Jacobian norm and the RNN "
                     "Jacobian norm.")
    lstm_reach = reach(highway_log10[:, unit], REACH_LEVEL)
    rnn_reach = reach(rnn_log10, REACH_LEVEL)
    m1, m2, m3 = st.columns(3)
    m1.metric(f"Cell path of unit {unit} stays above 1%", f"{lstm_reach} step{'' if lstm_reach == 1 else 's'} back")
    m2.metric("Tanh RNN stays above 1%", f"{rnn_reach} step{'' if rnn_reach == 1 else 's'} back")
    m3.metric(f"Forget gate of unit {unit}, average", f"{float(np.mean(trace.gates['f'][:, unit])):.3f}")
    lesson.explain(
        "Along the cell path alone, $\\partial c_{T-1}/\\partial c_t = \\prod_{k=t+1}^{T-1} f_k$ elementwise: "
        "the violet line, the same product that decides how much of $c_t$ is still remembered at the end. The "
        "dotted line is a tanh RNN with the same seed and weight scales, whose gradient is multiplied by "
        "$\\mathrm{diag}(\\tanh')\\,W_{hh}$ at every step, and the dashed line is the full LSTM Jacobian of "
        "$[h; c]$, which also includes the paths through $h$ and $W_{hh}$. Drag the forget-gate bias: from 0 "
        "to 5 the cell path reaches from a few steps to the whole sequence."
    )
    if np.nanmax(lstm_log10) > 3:
        st.warning("The full LSTM Jacobian has grown above 1000 here: the paths through $h$ multiply by $W_{hh}$, "
                   "so a large recurrent scale can still make gradients explode. The highway eases vanishing; it "
                   "does not make exploding impossible.", icon=":material/warning:")


lesson.header(
    "LSTM: gates as faucets",
    "A long short-term memory (LSTM) cell adds a second state to the RNN, the **cell state** $c_t$, and "
    "three **gates** that act like faucets on it. The forget gate $f_t$ decides how much of $c_{t-1}$ "
    "stays, the input gate $i_t$ how much of the new candidate $g_t$ flows in, and the output gate $o_t$ "
    "how much of $\\tanh(c_t)$ comes out as the hidden state $h_t$. Each gate is a sigmoid, so it is "
    "opened by any amount between 0 and 1, never simply on or off.",
)

LSTM_TEXT = GateText(
    prefix="lstm", bias_key="forget_bias", bias_label="Forget-gate bias b_f",
    bias_help="Added inside the forget gate's sigmoid: b_f = 3 starts it near sigmoid(3) = 0.95 (remember), "
              "b_f = 0 near 0.5 (halve every step).",
    hand_help="Weights chosen by hand: unit j writes input feature j when it appears, then holds it with its "
              "forget gate.",
    recurrent_help="Multiplies W_hh, for the LSTM and the RNN.",
    hand_caption="Hand-set weights ignore the seed and the weight scales; the forget-gate bias still applies "
                 "(and the comparison RNN still uses seed and scales).")
@st.fragment
def lstm_demo():
    """The controls and the open part: a control reruns this function only, not the text and questions around it."""
    preset, length, seed, hidden, forget_bias, hand_set, input_scale, recurrent_scale = astuple(
        gated_cell_controls(LSTM_TEXT))

    cell_settings = (preset, length, hidden, forget_bias, input_scale, recurrent_scale, seed, hand_set)
    cell, trace, labels = run(*cell_settings)

    lesson.sections("lstm_part", {
        "Faucets": lambda: faucet_panel(cell, trace, labels, preset, length, hidden, forget_bias, hand_set),
        "Gates over time": lambda: gate_maps_panel(trace, labels, length, hidden),
        "Gradient highway": lambda: highway_panel(trace, *highway_curves(*cell_settings), hidden),
    })
    lesson.downloads("lstm_trace", {**{name: trace.gates[name] for name in "ifgo"}, "c": trace.c, "h": trace.h},
                     settings=dict(input=preset, T=length, H=hidden, forget_bias=forget_bias, hand_set=hand_set,
                                   input_scale=input_scale, recurrent_scale=recurrent_scale, seed=seed))


lstm_demo()

lesson.quiz(
    "lstm_quiz_highway",
    "A unit's forget gate is 0.9 at every step. Along the cell path, how much of a change to $c_t$ is "
    "left 20 steps later?",
    ["All of it: the gate is open", "$0.9^{20} \\approx 0.12$ of it", "None: after a few steps the gate snaps shut"],
    answer=1,
    why="Each step multiplies by $f = 0.9$, so 20 steps multiply by $0.9^{20} \\approx 0.12$. A forget gate "
        "near 1 slows forgetting down; only $f$ exactly 1 would stop it, and a sigmoid never reaches 1.",
)
lesson.quiz(
    "lstm_quiz_gates",
    "How many gates does an LSTM cell have?",
    ["Two: forget and output", "Three (input, forget, output), plus a candidate $g$ that is not a gate",
     "Four: input, forget, output and $g$"],
    answer=1,
    why="The weights have four blocks, but $g_t$ is a tanh proposing new content (values in $(-1, 1)$); "
        "only $i$, $f$ and $o$ are sigmoids that scale something by a fraction in $(0, 1)$.",
)
lesson.quiz(
    "lstm_quiz_explode",
    "Does the cell-state highway make exploding gradients impossible?",
    ["Yes: the gradient along $c$ is multiplied only by gates below 1",
     "No: gradients also flow through $h$ and $W_{hh}$, and those paths can grow",
     "Yes, as long as the forget-gate bias is positive"],
    answer=1,
    why="Along $c$ alone the factors are forget gates in $(0, 1)$, but $h_{t-1}$ feeds every gate through "
        "$W_{hh}$. With large recurrent weights the full Jacobian can grow (watch the dashed line with a "
        "recurrent scale of 8), which is why LSTMs are still trained with gradient clipping.",
)
lesson.misconceptions([
    ("The forget gate outputs 0 or 1: keep or erase.",
     "It is a sigmoid, any value in $(0, 1)$: 0.99 keeps 99% per step, and over 100 steps that is "
     "$0.99^{100} \\approx 0.37$."),
    ("An LSTM has four gates.",
     "Three gates (input, forget, output) and one candidate $g$; the four weight blocks are why people "
     "miscount."),
    ("LSTMs eliminate vanishing and exploding gradients.",
     "They ease vanishing: along the cell path the gradient is multiplied by forget gates, not by $W_{hh}$, "
     "so with $f$ near 1 it fades slowly. With $f$ near 0.5 it still vanishes fast, and the paths through "
     "$h$ can still explode."),
])

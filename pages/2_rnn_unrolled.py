"""Lesson 2: the RNN, unrolled. One cell, the same weights at every step."""

import numpy as np
import streamlit as st

from app import controls, lesson
from app.equations import rnn_update_latex
from app.figures import state_heatmap, unrolled_diagram
from app.torch_snippet import pytorch_snippet
from rnn_core import RNN, Readout, matrix_with_singular_values, sequences

PRESET_LABELS = {"words": "Words", "sine": "Sine wave", "impulse": "Impulse"}
BLOW_UP = 1e6  # |h| beyond this is called an explosion on screen


@st.cache_data(max_entries=64, show_spinner=False)
def run_network(preset, length, hidden, nonlinearity, recurrent_scale, input_scale, seed):
    """Build the RNN the controls describe, unroll it over the preset, read it out."""
    x = sequences.preset(preset, length, seed)
    inputs = x.shape[1]
    base = RNN.random(inputs, hidden, nonlinearity=nonlinearity, seed=seed)
    singular_values = recurrent_scale * np.linspace(1.0, 0.5, hidden)
    cell = RNN(
        weight_ih=input_scale * np.sqrt(hidden) * base.weight_ih,  # entries uniform in [-scale, scale]
        weight_hh=matrix_with_singular_values(singular_values, seed=seed),
        bias_ih=base.bias_ih, bias_hh=base.bias_hh, nonlinearity=nonlinearity,
    )
    with np.errstate(over="ignore", invalid="ignore"):
        trace = cell.unroll(x)
        readout = Readout.random(hidden, inputs if preset == "words" else 1, seed=seed + 1)
        y = readout.forward(trace.h)
    return cell, trace, y, sequences.preset_labels(preset, length)


@st.fragment
def hidden_state_panel(cell, trace, y, step_labels, settings):
    """The state heatmap, one unit's update, the code and downloads (the t and j sliders rerun only this)."""
    st.subheader("The hidden state over time")
    h = trace.h
    length, hidden = h.shape
    t_col, j_col = st.columns(2)
    step = controls.int_slider("Step t", "t", 0, length - 1, min(3, length - 1), container=t_col)
    unit = controls.int_slider("Unit j", "j", 0, hidden - 1, 0, container=j_col)
    lesson.chart(state_heatmap(h, step_labels=step_labels, highlight=(step, unit)), key="heatmap",
                 alt="Heatmap of the hidden state, steps across and units down.")
    lesson.explain(
        "Every column of this map is one hidden state $h_t$, every row one unit. With the words "
        "input the pattern repeats with the sentence, because the same weights see the same "
        "inputs; with the impulse you can watch a single event fade (or grow) as it is passed "
        "through $W_{hh}$ again and again. The outlined cell is the one computed below."
    )

    st.subheader(f"One number, computed: unit {unit} at step {step}")
    st.latex(rnn_update_latex(cell, trace, step, unit))
    lesson.explain(
        "This is the update for a single unit with the numbers of the network above: the input "
        "term, the recurrent term that brings in the previous state, the two biases, and the "
        "nonlinearity applied to their sum. Change the step or the unit to follow any square of "
        "the diagram back to where it came from."
    )

    lesson.show_code(RNN.unroll, RNN.activation, matrix_with_singular_values, sequences.preset,
                     torch=lambda: pytorch_snippet(cell, trace.x, show=f"output[{step}, {unit}], output"))
    lesson.downloads("rnn_unrolled_trace", {"x": trace.x, "h": h, "y": y}, settings=settings)


def unrolled_section(trace, y, step_labels, nonlinearity):
    """Section 1: the unrolled chain, one column per step, which Play computes one step at a time."""
    st.subheader("The same cell at every step")
    lesson.chart(
        unrolled_diagram(trace.x, trace.h, y, step_labels=step_labels, nonlinearity=nonlinearity),
        key="unrolled",
        alt="Unrolled RNN: one column per time step with input, hidden state and output coloured by value.",
    )
    lesson.explain(
        "Each column is one time step: the input $x_t$ at the bottom, the cell with its hidden "
        "state $h_t$ in the middle, and an untrained linear readout $y_t = W_{hy} h_t + b_y$ on "
        "top; each square is one number, blue for negative and vermillion for positive (one colour bar "
        "while the three rows fit the same range, one per row once they do not). The labels $W_{ih}$, "
        "$W_{hh}$ and $W_{hy}$ repeat at every step because they are the same matrices, and the horizontal "
        "arrows carry $h_{t-1}$ into step $t$. Press Play to watch "
        "the state being computed one step at a time; long sequences scroll so that the last "
        "12 steps stay in view."
    )


lesson.header(
    "The RNN, unrolled",
    "A recurrent network is one small cell applied again and again, once per element of "
    "the sequence. At step $t$ it combines the new input $x_t$ with its own previous hidden "
    "state $h_{t-1}$, and the result $h_t$ is passed on to the next step. Drawing every "
    "application side by side (unrolling) turns the loop into a chain, but it stays one cell "
    "with one set of weights.",
)

@st.fragment
def unrolled_demo():
    """The controls and the open part: a control reruns this function only, not the text and questions around it."""
    with lesson.controls_panel():
        left, middle, right = st.columns(3)
        preset = controls.choice("Input sequence", "input", list(sequences.PRESETS), "words",
                                 format_func=lambda name: PRESET_LABELS.get(name, name), container=left,
                                 help="Words: one-hot vectors of \"let's meet for lunch\", repeated. "
                                      "Sine wave: one number per step. Impulse: a single 1, then zeros.")
        length = controls.int_slider("Sequence length T", "steps", 1, 100, 8, container=left)
        hidden = controls.int_slider("Hidden size H", "hidden", 1, 16, 6, container=middle)
        nonlinearity = controls.choice("Nonlinearity f", "f", ["tanh", "relu", "linear"], "tanh",
                                       widget="segmented", container=middle,
                                       help="linear (no nonlinearity) is not used in practice; "
                                            "it is here because it makes growth and decay easy to see.")
        recurrent_scale = controls.float_slider(
            "Largest singular value of $W_{hh}$", "sigma", 0.1, 3.0, 1.0, 0.05, container=right,
            help="W_hh is built with singular values spread evenly from this value down to half of it.")
        input_scale = controls.float_slider("Input weight scale", "input_scale", 0.0, 3.0, 1.0, 0.1,
                                            container=right,
                                            help="Entries of W_ih are drawn uniformly from [-scale, scale].")
        seed = controls.seed_input(container=left)

    cell, trace, y, step_labels = run_network(preset, length, hidden, nonlinearity,
                                              recurrent_scale, input_scale, seed)
    h = trace.h

    largest = float(np.nanmax(np.abs(np.where(np.isfinite(h), h, np.inf))))
    if largest > BLOW_UP:
        where = int(np.argmax(np.any(~np.isfinite(h) | (np.abs(h) > BLOW_UP), axis=1)))
        size = "beyond the largest floating-point number" if not np.isfinite(largest) else f"{largest:.2e}"
        st.warning(f"The hidden state has exploded: from step {where} on some unit exceeds "
                   f"{BLOW_UP:.0e} in size, and the largest is {size}. Without a squashing "
                   f"nonlinearity nothing stops repeated multiplication by a $W_{{hh}}$ whose largest "
                   f"singular value is above 1.", icon=":material/warning:")

    lesson.sections("unrolled_part", {
        "Unrolled cell": lambda: unrolled_section(trace, y, step_labels, nonlinearity),
        "Hidden state": lambda: hidden_state_panel(
            cell, trace, y, step_labels, settings=dict(input=preset, steps=length, hidden=hidden, f=nonlinearity,
                                                       sigma=recurrent_scale, input_scale=input_scale, seed=seed)),
    })


unrolled_demo()

lesson.quiz(
    "quiz_sharing",
    "An RNN reads a sequence of 100 steps. How many different recurrent weight matrices "
    "$W_{hh}$ does it use?",
    ["100, one for each step", "99, one for each pair of neighbouring steps", "One, shared by every step"],
    answer=2,
    why="The unrolled picture repeats the cell, not its weights: every step multiplies by the "
        "same $W_{hh}$, which is why one network can read sequences of any length.",
)
lesson.quiz(
    "quiz_state",
    "The words input repeats “let's meet for lunch”. At the second “meet” the input $x_t$ is exactly the "
    "same as at the first. Is $h_t$ the same too?",
    ["Yes: same input, same weights, same result", "Not in general: $h_t$ also depends on $h_{t-1}$, which "
     "differs the second time", "No, because the weights have been updated in between"],
    answer=1,
    why="$h_t = f(W_{ih} x_t + b_{ih} + W_{hh} h_{t-1} + b_{hh})$: the input term is the same, but the "
        "recurrent term carries everything read before, and before the second “meet” the network has read more. "
        "Nothing is trained on this page: the weights never change while it reads.",
)
lesson.quiz(
    "quiz_unroll",
    "What does unrolling an RNN over $T$ steps produce?",
    ["A chain of $T$ applications of one cell, with no cycle in it",
     "A network with a cycle that the data goes round until it converges",
     "$T$ independent networks, one per step"],
    answer=0,
    why="The loop in the folded drawing is a one-step delay. Unrolled, the computation is a finite chain in "
        "which step $t$ reads the state of step $t-1$, so ordinary backpropagation can run through it.",
)
lesson.misconceptions([
    ("An RNN is a “cyclic” network whose signal circulates in a loop (as the syllabus article puts it).",
     "It is *recurrent*: the same cell is applied once per step, and the loop in the folded drawing only means "
     "that step $t$ reads the state of step $t-1$. Over a sequence of $T$ steps the computation is the finite "
     "chain drawn in the Unrolled cell tab; nothing goes round until it settles."),
    ("Each time step is a separate layer with its own weights.",
     "The steps share $W_{ih}$, $W_{hh}$ and the biases; unrolling only draws the same cell "
     "several times."),
    ("The hidden state stores the whole input sequence.",
     "It is a fixed number of values ($H$ of them) that summarizes the past; what the weights "
     "do not keep fades or is overwritten."),
    ("An RNN can only read sequences as long as the ones it was built for.",
     "The cell is applied once per element, so the same network runs on 1 step or 100."),
])

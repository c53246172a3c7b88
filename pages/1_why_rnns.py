"""Lesson 1: Why recurrent networks? Fixed-size layers, the hidden state, sequence shapes, the course map."""

import numpy as np
import streamlit as st

from app import controls, lesson
from app.torch_snippet import pytorch_snippet
from app.figures.shapes import memory_figure, parameter_count_figure, sequence_shape_figure, word_state_heatmap
from rnn_core import RNN
from rnn_core.shapes import (MEET_OPENING, MEET_TIME_WORDS, MEET_VOCAB, SHAPES, dense_num_parameters, encode, fit_to_length,
                             layout, meet_message, state_distance)

MAX_WORDS = 50
DENSE_BUILT_FOR = 10  # the sentence length the fixed-size layer below was designed for
VOCAB = len(MEET_VOCAB)  # I: each word is a one-hot vector over the lesson's small vocabulary

SHAPE_LABELS = {
    "one_to_one": "one-to-one",
    "one_to_many": "one-to-many",
    "many_to_one": "many-to-one",
    "many_to_many_delayed": "many-to-many, delayed",
    "many_to_many_synced": "many-to-many, synced",
}
SHAPE_USES = {
    "one_to_one": (
        "**No sequence at all**, e.g. classifying one image as dog, cat or car. A feed-forward "
        "(or convolutional) network does this; there is nothing to carry from one step to the next, "
        "so there is no recurrent arrow. It is here for contrast: the length control does not apply."),
    "one_to_many": (
        "**Image captioning**: one image goes in (its features, at the first step), and the RNN emits "
        "one word per step. A trained captioner decides the length itself by emitting an "
        "end-of-caption token."),
    "many_to_one": (
        "**Sentiment analysis** (a review in, positive or negative out) or **video classification** "
        "(frames in, one label out): the RNN reads every step, and only the last hidden state, a "
        "summary of the whole sequence, feeds the output."),
    "many_to_many_delayed": (
        "**Machine translation** (an encoder-decoder): the encoder reads the whole source sentence, "
        "then the decoder writes the translation word by word. Output waits for the input because a "
        "word's translation can depend on words that come later. The two lengths need not match; "
        "they are drawn equal here."),
    "many_to_many_synced": (
        "**One output per input, in step**: labelling every frame of a video, or tagging every word "
        "with its part of speech. The output at step t can use the inputs up to t (a bidirectional "
        "RNN would also read the later ones)."),
}


def plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def tex_int(n: int) -> str:
    """12345 -> '12{,}345': a thousands separator LaTeX does not space like a list comma."""
    return f"{n:,}".replace(",", "{,}")


def message_of_length(words: int) -> tuple[str, ...]:
    """The first `words` words of a long 'we are free this afternoon ...' message."""
    return meet_message("afternoon", MAX_WORDS)[:words]


@st.cache_data(max_entries=64)
def sentence_states(words: int, hidden: int, seed: int) -> tuple[np.ndarray, int]:
    """Hidden states of one RNN cell reading a sentence of `words` words, and the cell's parameter count."""
    cell = RNN.random(VOCAB, hidden, seed=seed)
    return cell.unroll(encode(message_of_length(words))).h, cell.num_parameters


@st.cache_data(max_entries=64)
def meet_comparison(gap: int, hidden: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """||x_t^a - x_t^b|| and ||h_t^a - h_t^b|| for the 'afternoon' and 'evening' messages."""
    cell = RNN.random(VOCAB, hidden, seed=seed)
    xa, xb = encode(meet_message("afternoon", gap)), encode(meet_message("evening", gap))
    return np.linalg.norm(xa - xb, axis=1), state_distance(cell.unroll(xa), cell.unroll(xb))


@st.fragment
def memory_panel(hidden: int, seed: int) -> None:
    """The “let's meet for ___” comparison for one gap (the gap slider reruns only this)."""
    gap = controls.int_slider("Filler words between the time word and “so let's meet for”", "gap", 0, 30,
                              default=3, help="How far back the deciding word lies.")
    input_diff, state_diff = meet_comparison(gap, hidden, seed)
    words_a = meet_message("afternoon", gap)
    time_step = len(MEET_OPENING)
    labels = list(words_a)
    labels[time_step] = " | ".join(MEET_TIME_WORDS)
    lesson.chart(memory_figure(labels, input_diff, state_diff, time_step), key="memory_chart")
    lesson.explain(
        f"Two messages run through the same RNN cell (H = {hidden}, seed {seed}): one says *afternoon*, the "
        f"other *evening*, every other word is the same. The inputs differ only there "
        f"(blue bar, at the time word); the hidden states differ from then on (orange line): at *for* by "
        f"{state_diff[-1]:.3g}, while the current word alone differs by {input_diff[-1]:.3g}."
    )
    first, last = state_diff[time_step], state_diff[-1]
    st.markdown(
        f"The difference fades from {first:.3g} at *{words_a[time_step]}* to {last:.3g} at *for* "
        f"({len(words_a) - 1 - time_step} steps later). These weights are random, so this cell keeps "
        f"the earlier word only faintly; training has to learn weights that keep it, and lessons 4 to 7 "
        f"show why that is hard for a plain RNN and how gated cells (LSTM, GRU) make it easier."
    )


@st.fragment
def sequence_shape_panel() -> None:
    """The unrolled diagram of one sequence shape (the shape and length controls rerun only this)."""
    shape = controls.choice("Shape", "shape", SHAPES, "many_to_one", format_func=SHAPE_LABELS.get,
                            widget="segmented")
    with st.columns([1, 2])[0]:
        steps = controls.int_slider("Sequence length", "steps", 2, 6, default=4,
                                    help="Steps in the input (or, for one-to-many, in the output).")
    shape_layout = layout(shape, steps)
    lesson.chart(sequence_shape_figure(shape_layout), key="shape_chart")
    st.markdown(SHAPE_USES[shape])
    lesson.explain(
        f"{SHAPE_LABELS[shape].capitalize()}{'' if shape == 'one_to_one' else f' with length {steps}'}: "
        f"{plural(len(shape_layout.inputs), 'input')}, "
        f"{plural(shape_layout.steps, 'hidden state')}, {plural(len(shape_layout.outputs), 'output')} and "
        f"{plural(shape_layout.recurrent_edges, 'recurrent arrow')}. Every hidden square is the same cell with the "
        f"same weights."
    )


def fixed_size_section(words: int, hidden: int, rnn_parameters: int, sentence: tuple[str, ...]) -> None:
    """Section 1: a dense layer's weights are tied to the input length; one RNN cell reads any length."""
    st.header("A fixed-size layer needs a fixed-size input", divider="gray")
    st.markdown(
        "A classifier for 128 × 128 grey images reads 128 · 128 = 16,384 numbers. Its first fully "
        "connected layer keeps **one weight per input position** for each hidden unit, so the size of "
        "its input is built into its weight matrix: a 200 × 200 image has 40,000 numbers, and there are "
        "no weights for the extra ones. A sentence is the same: a 5-word and a 50-word message are "
        "vectors of different lengths. A recurrent cell instead reads **one word per step with the same "
        "weights**, so one cell fits any length."
    )
    lengths = np.arange(1, MAX_WORDS + 1)
    dense_counts = [dense_num_parameters(VOCAB, int(t), hidden) for t in lengths]
    dense_now = dense_num_parameters(VOCAB, words, hidden)

    metric_rnn, metric_dense = st.columns(2)
    metric_rnn.metric("RNN cell: parameters for any length", f"{rnn_parameters:,}")
    metric_dense.metric(f"Dense layer: parameters for exactly {plural(words, 'word')}", f"{dense_now:,}")
    lesson.chart(parameter_count_figure(lengths, rnn_parameters, dense_counts, words), key="params_chart")
    lesson.explain(
        f"Each word is a one-hot vector of I = {VOCAB} numbers. The dense layer flattens the sentence into "
        f"T · I = {words * VOCAB} numbers and needs a weight matrix of shape ({hidden}, {words * VOCAB}): "
        f"a different matrix for every length, growing with T. The RNN cell's matrices $W_{{ih}}$ ({hidden}, {VOCAB}) "
        f"and $W_{{hh}}$ ({hidden}, {hidden}) are the same for every length. (For very short sentences the dense "
        f"layer can even be the smaller one: the problem is not its size but that its size is tied to T.)"
    )
    st.latex(
        r"\begin{aligned}"
        rf"\underbrace{{H(I+H) + 2H}}_{{\text{{RNN cell}}}} &= {hidden}({VOCAB}+{hidden}) + 2\cdot{hidden} = "
        rf"{tex_int(rnn_parameters)} \\"
        rf"\underbrace{{H\,T\,I + H}}_{{\text{{dense layer}}}} &= {hidden}\cdot{words}\cdot{VOCAB} + {hidden} = "
        rf"{tex_int(dense_now)}"
        r"\end{aligned}"
    )

    _, dropped, padded = fit_to_length(encode(sentence), DENSE_BUILT_FOR)
    if dropped:
        lost = " ".join(sentence[DENSE_BUILT_FOR:DENSE_BUILT_FOR + 4]) + (" …" if dropped > 4 else "")
        fit_note = f"truncation throws away its last {plural(dropped, 'word')} (*{lost}*)"
    elif padded:
        fit_note = (f"padding appends {plural(padded, 'all-zero word')}, and the weights for "
                    f"those positions learn only from shorter sentences")
    else:
        fit_note = "it fits exactly, but only because its length happens to be the designed one"
    st.markdown(
        f"**Padding and truncation are a poor fix.** Suppose the dense layer is built for {DENSE_BUILT_FOR} words. "
        f"Your sentence has {words}: {fit_note}. Worse, each position has its own weights, so a pattern "
        f"learned at word 2 must be learned again at word 7."
    )


def any_length_section(words: int, seed: int, states: np.ndarray, rnn_parameters: int,
                       sentence: tuple[str, ...]) -> None:
    """Section 2: the one RNN cell unrolled over the sentence, whatever its length."""
    st.header(f"One cell, unrolled over {'the one word' if words == 1 else f'all {words} words'}", divider="gray")
    lesson.chart(word_state_heatmap(states, sentence), key="states_chart")
    lesson.explain(
        f"One column per step: the hidden state $h_t$ after reading word t, computed by one RNN cell with "
        f"{rnn_parameters:,} parameters (seed {seed}). Move the length slider: the columns change, the "
        f"weights do not. The weights are random (untrained), so the values carry no meaning yet."
    )


def hidden_state_section(hidden: int, seed: int) -> None:
    """Section 3: what the hidden state adds, shown on the “let's meet for ___” messages."""
    st.header("What a hidden state adds: “let’s meet for ___”", divider="gray")
    st.markdown(
        "To guess the blank in *we are free this **afternoon** … so let's meet for ___*, you use a word "
        "from much earlier: *afternoon* suggests *lunch*, *evening* suggests *dinner*. A network that sees "
        "only the current word receives *for* in both messages and cannot tell them apart. An RNN passes "
        "its hidden state from step to step, "
        r"$h_t = \tanh(W_{ih} x_t + b_{ih} + W_{hh} h_{t-1} + b_{hh})$, so an "
        "earlier word can still shape the state when the blank comes."
    )
    memory_panel(hidden, seed)


def shapes_section() -> None:
    """Section 4: the shapes of sequence problems, drawn unrolled."""
    st.header("The shapes of sequence problems", divider="gray")
    st.markdown(
        "Drawn **unrolled**, an RNN is one cell copied along time: inputs $x_t$ at the bottom, hidden "
        "states $h_t$ in the middle (the orange arrows carry $h_{t-1}$ to the next step), outputs $y_t$ on top. "
        "Where inputs go in and outputs come out decides what the network can be used for."
    )
    sequence_shape_panel()


lesson.header(
    "Why recurrent networks?",
    "Text, speech, video and sensor readings arrive as **sequences**: their length varies, and what "
    "a step means depends on what came before. This lesson shows why a network with a fixed-size "
    "input struggles with them, what a recurrent network's **hidden state** adds, and the shapes of "
    "problems recurrent networks are used for.",
)

@st.fragment
def why_demo():
    """The controls and the open part: a control reruns this function only, not the text and questions around it."""
    with lesson.controls_panel():
        left, middle, right = st.columns(3)
        words = controls.int_slider("Sentence length T (words)", "words", 1, MAX_WORDS, default=5, container=left,
                                    help="The number of words the networks must read.")
        hidden = controls.int_slider("Hidden units H", "hidden", 2, 32, default=8, container=middle,
                                     help="The size of the hidden state (and of the dense layer's output).")
        seed = controls.seed_input(container=right, help="The random weights of the RNN cell; part of the link.")

    states, rnn_parameters = sentence_states(words, hidden, seed)
    sentence = message_of_length(words)
    lesson.sections("why_part", {
        "Fixed size input": lambda: fixed_size_section(words, hidden, rnn_parameters, sentence),
        "One cell, any length": lambda: any_length_section(words, seed, states, rnn_parameters, sentence),
        "Hidden state": lambda: hidden_state_section(hidden, seed),
        "Sequence shapes": shapes_section,
    })

    lesson.show_code(RNN.unroll, layout, dense_num_parameters, fit_to_length, state_distance,
                     torch=lambda: pytorch_snippet(RNN.random(VOCAB, hidden, seed=seed), encode(sentence),
                                                   show="output"))
    lesson.downloads("why_rnns_states", {"h": states},
                     settings={"words": list(sentence), "hidden": hidden, "seed": seed})


why_demo()

# --- Checks, misconceptions --------------------------------------------------------------------
st.header("Check your understanding", divider="gray")

q_dense_10 = dense_num_parameters(VOCAB, 10, 8) - 8
q_dense_20 = dense_num_parameters(VOCAB, 20, 8) - 8
q_rnn = RNN.random(VOCAB, 8).num_parameters - 2 * 8
lesson.quiz(
    "quiz_dense",
    f"A dense layer reads 10-word sentences, each word a vector of {VOCAB} numbers, into 8 hidden "
    f"units. How many weights (not counting biases) does it need, and how many for 20-word sentences?",
    [f"{q_dense_10:,} for both lengths", f"{q_dense_10:,}, then {q_dense_20:,}", f"{q_rnn:,} for both lengths"],
    answer=1,
    why=(f"One weight per (position, feature, unit): H·T·I = 8·10·{VOCAB} = {q_dense_10:,}, and doubling T "
         f"doubles it to {q_dense_20:,}, in a new matrix that cannot reuse the old one. "
         f"{q_rnn:,} = H(I+H) is an RNN cell's weight count, the same for every length."),
)
lesson.quiz(
    "quiz_shape",
    "Which shape fits sentiment analysis of a product review (positive or negative)?",
    ["one-to-many", "many-to-one", "many-to-many, synced", "one-to-one"],
    answer=1,
    why="The network reads every word of the review and gives one label after the last one.",
)
lesson.quiz(
    "quiz_memory",
    "In the “let's meet for ___” figure the two messages differ only in the time word. Why do their "
    "hidden states still differ at *for*?",
    ["Because the inputs still differ at *for*",
     "Because each $h_t$ is computed from $h_{t-1}$, so the earlier word keeps changing every later state",
     "Because the RNN uses different weights at every step"],
    answer=1,
    why=("At *for* both inputs are the same one-hot vector; the difference arrives through $W_{hh} h_{t-1}$, "
         "step after step. The weights are the same at every step."),
)

lesson.misconceptions([
    ("The article calls an RNN a “cyclic” network, as if its computation went round in a circle.",
     "The name is *recurrent* neural network. The loop in the folded drawing is a one-step delay: the hidden "
     "state computed at step t-1 is an input of the same cell at step t. For a sequence of T steps the "
     "computation is a finite chain of T applications of one cell, the unrolled diagram in the Sequence "
     "shapes tab, and that chain is what backpropagation through time differentiates."),
    ("RNNs “solve the problems of” fully connected and convolutional networks.",
     "They address one problem: inputs or outputs whose length varies and whose order matters. They do "
     "not replace convolutional networks for images, they are slow to train on long sequences because "
     "steps run one after another, and learning long-range dependencies is hard (vanishing and exploding "
     "gradients, lesson 4). Convolutions over time and Transformers also handle sequences."),
    ("An RNN uses a different layer, with different weights, at each time step.",
     "It uses one cell with the same weights at every step; the unrolled picture draws copies of that one cell."),
    ("The hidden state stores the whole history of the sequence.",
     "It is a fixed-size vector (H numbers, set by the Hidden units slider): a lossy summary. How long an earlier word "
     "survives in it depends on the weights, as the fading orange line shows."),
    ("Padding every sentence to a maximum length makes a fixed-size network just as good.",
     "It only moves the limit to the chosen maximum, wastes computation on zeros, and keeps separate "
     "weights per position, so nothing learned at one position carries over to another."),
])

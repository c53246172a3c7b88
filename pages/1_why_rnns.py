"""Lesson 1: Why recurrent networks? Fixed-size layers, one cell for any length, the hidden state, sequence shapes."""

import numpy as np
import streamlit as st

from app import controls, lesson
from app.figures.gradients import fmt_number
from app.figures.shapes import memory_figure, parameter_count_figure, sequence_shape_figure, word_state_heatmap
from app.torch_snippet import pytorch_snippet
from rnn_core import RNN
from rnn_core.shapes import (MEET_OPENING, MEET_TIME_WORDS, MEET_VOCAB, SHAPES, dense_num_parameters, encode,
                             fit_to_length, layout, meet_message, percent, share_left, state_distance)
from rnn_core.unrolled import run_by_steps

FIXED, ANY_LENGTH, MEMORY, SHAPE_PART = "Fixed size input", "One cell, any length", "Hidden state", "Sequence shapes"
FIRST_FIGURE = 310  # px, each tab's first figure when presenting: whole under the title at 1280 x 720
TITLES = [FIXED, ANY_LENGTH, MEMORY, SHAPE_PART]
MAX_WORDS = 50
DENSE_BUILT_FOR = 10  # the sentence length the fixed-size layer below was designed for
PREDICT_T = 20        # the length the predict-then-move check asks about
MAX_DRAWN = 4         # steps drawn in a shape: the delayed shape then has 8 states, which still fit a phone
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
        "so there is no recurrent arrow, and nothing to unroll. It is here for contrast."),
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


def predict_dense_answer(ratio: float) -> int:
    """The predict-then-move check's option for the dense layer's count over the cell's: < 2, 2 to 10, > 10."""
    return 0 if ratio < 2 else 1 if ratio <= 10 else 2


def rnn_parameters(hidden: int) -> int:
    """H(I + H) + 2H: the parameters of one RNN cell over the lesson's vocabulary (no random numbers needed)."""
    return RNN.random(VOCAB, hidden, seed=0).num_parameters


@st.cache_data(max_entries=64, show_spinner=False)
def sentence_states(words: int, hidden: int, seed: int) -> np.ndarray:
    """Hidden states of one RNN cell reading a sentence of `words` words (the same for every student)."""
    return RNN.random(VOCAB, hidden, seed=seed).unroll(encode(message_of_length(words))).h


@st.cache_data(max_entries=64, show_spinner=False)
def meet_comparison(gap: int, hidden: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """||x_t^a - x_t^b|| and ||h_t^a - h_t^b|| for the 'afternoon' and 'evening' messages."""
    cell = RNN.random(VOCAB, hidden, seed=seed)
    xa, xb = encode(meet_message("afternoon", gap)), encode(meet_message("evening", gap))
    return np.linalg.norm(xa - xb, axis=1), state_distance(cell.unroll(xa), cell.unroll(xb))


def fixed_size_part(words: int, hidden: int) -> None:
    """A dense layer's weights are tied to the input length; one RNN cell reads any length."""
    lengths = np.arange(1, MAX_WORDS + 1)
    dense_counts = np.array([dense_num_parameters(VOCAB, int(t), hidden) for t in lengths])
    dense_now, cell_count = int(dense_counts[words - 1]), rnn_parameters(hidden)
    predicted = st.session_state.get("why_predict_dense") is not None   # the check below: drawn in full once made
    cut = not predicted and words < PREDICT_T
    lesson.chart(parameter_count_figure(lengths, cell_count, dense_counts, words, dense_until=words if cut else None),
                 key="params_chart", present_height=FIRST_FIGURE,
                 alt="Parameters against the sequence length T: a dense layer on the whole sentence (a rising line) "
                     "and one RNN cell (a flat line).")
    metric_rnn, metric_dense = st.columns(2)
    metric_rnn.metric("RNN cell: parameters for any length $T$", f"{cell_count:,}")
    metric_dense.metric(f"Dense layer: parameters for exactly $T = {words}$", f"{dense_now:,}")
    bigger = "more" if dense_now > cell_count else "fewer" if dense_now < cell_count else "as many"
    lesson.explain(
        f"Each word is a {lesson.glossary_link('one-hot')} vector of $I = {VOCAB}$ numbers. A fully connected (dense) "
        f"layer flattens the sentence into $T \\cdot I = {words * VOCAB}$ numbers and keeps **one weight per input "
        f"position** for {'its 1 unit' if hidden == 1 else f'each of its {hidden} units'} ($H = {hidden}$): a "
        f"matrix of shape "
        f"({hidden}, {words * VOCAB}), a different "
        "one for every length, growing with $T$ (the grey line"
        + (", drawn up to your $T$ until you have made the prediction below" if cut else "") + "). The RNN cell reads one word per step with the "
        f"same weights, $W_{{ih}}$ ({hidden}, {VOCAB}) and $W_{{hh}}$ ({hidden}, {hidden}), plus two bias vectors "
        f"$b_{{ih}}$ and $b_{{hh}}$ of {plural(hidden, 'number')} each (PyTorch keeps two; one would do), whatever the "
        f"length (the orange line). At $T = {words}$ the dense layer has {bigger} parameters than the cell"
        + (": the trouble is not its size but that its size, and its meaning, are tied to $T$." if bigger != "more"
           else ", and every extra word adds more.") + " Move Sequence length T and watch which line moves.")
    st.latex(
        r"\begin{aligned}"
        rf"\underbrace{{H(I+H) + 2H}}_{{\text{{RNN cell}}}} &= {hidden}({VOCAB}+{hidden}) + 2\cdot{hidden} = "
        rf"{tex_int(cell_count)} \\"
        rf"\underbrace{{H\,T\,I + H}}_{{\text{{dense layer}}}} &= {hidden}\cdot{words}\cdot{VOCAB} + {hidden} = "
        rf"{tex_int(dense_now)}"
        r"\end{aligned}"
    )
    sentence = message_of_length(words)
    _, dropped, padded = fit_to_length(encode(sentence), DENSE_BUILT_FOR)
    if dropped:
        lost = " ".join(sentence[DENSE_BUILT_FOR:DENSE_BUILT_FOR + 4]) + (" …" if dropped > 4 else "")
        fit_note = f"truncation throws away its last {plural(dropped, 'word')} (*{lost}*)"
    elif padded:
        fit_note = (f"padding appends {plural(padded, 'all-zero word')}; the weights for those positions multiply "
                    "zeros, so they learn nothing from your sentence, only from sentences long enough to reach them")
    else:
        fit_note = "it fits exactly, but only because its length happens to be the designed one"
    lesson.explain(
        f"**Padding and truncation are a poor fix.** Suppose the dense layer is built for {DENSE_BUILT_FOR} words. "
        f"Your sentence has {plural(words, 'word')}: {fit_note}. Worse, each position has its own weights, so a pattern "
        "learned at word 2 must be learned again at word 7. An image classifier has the same limit: a first "
        "dense layer for 128 × 128 images has no weights for the extra pixels of a 200 × 200 image.")
    dense_then = dense_num_parameters(VOCAB, PREDICT_T, hidden)
    ratio = dense_then / cell_count
    lesson.predict(
        "why_predict_dense",
        f"Keep $H = {hidden}$ and set $T = {PREDICT_T}$: how many times as many parameters as the RNN cell does the "
        "dense layer have then?",
        ["Fewer than twice as many", "From 2 to 10 times as many", "More than 10 times as many"],
        answer=predict_dense_answer(ratio),
        why=(f"At $T = {PREDICT_T}$ the dense layer has $H\\,T\\,I + H = {tex_int(dense_then)}$ parameters and the "
             f"cell $H(I+H) + 2H = {tex_int(cell_count)}$: {ratio:.1f} times as many. The cell's count has no $T$ in "
             "it; the dense layer's grows by $H \\cdot I$ with every word."),
        instruction=f"move Sequence length T to {PREDICT_T}", ready=words == PREDICT_T)
    cell = RNN.random(VOCAB, hidden, seed=0)
    lesson.show_code(dense_num_parameters, fit_to_length, RNN.num_parameters.fget,
                     torch=lambda: pytorch_snippet(cell, encode(sentence),
                                                   show="sum(p.numel() for p in cell.parameters())"))
    lesson.downloads("why_rnns_parameters", {"dense_layer": dense_counts, "rnn_cell": np.full(MAX_WORDS, cell_count)},
                     settings={"H": hidden, "I": VOCAB}, index_name="T")


def any_length_part(words: int, hidden: int, seed: int) -> None:
    """The one RNN cell unrolled over the sentence, whatever its length."""
    sentence = message_of_length(words)
    states = sentence_states(words, hidden, seed)
    lesson.chart(word_state_heatmap(states, sentence), key="states_chart", present_height=FIRST_FIGURE,
                 alt=f"Heatmap of the hidden state of one RNN cell reading {plural(words, 'word')}: steps across, "
                     "units down.")
    lesson.explain(
        f"One column per step: the {lesson.glossary_link('hidden state')} $h_t$ after reading word $t$, from 1 to "
        f"{words}, one row per unit (1 to {hidden}), computed by one RNN cell with {rnn_parameters(hidden):,} "
        f"parameters. Move Sequence length T: columns appear or disappear, the weights stay the same. "
        "The weights are random (untrained), so the values carry no meaning yet: lessons 3 to 7 train them.")
    cell = RNN.random(VOCAB, hidden, seed=seed)
    lesson.show_code(RNN.step, run_by_steps, torch=lambda: pytorch_snippet(cell, encode(sentence), show="output"))
    lesson.downloads("why_rnns_states", {"h": states},
                     settings={"words": list(sentence), "H": hidden, "seed": seed})


def filler_sentence(filler) -> str:
    """What the italic words under the memory chart are (none at gap 0)."""
    if not filler:
        return "Move the filler slider to put filler words between the time word and the blank."
    named = ", ".join(f"*{word}*" for word in dict.fromkeys(filler))
    return (f"The italic words under the chart ({named}) are filler, there only to put distance between the time "
            "word and the blank: move the filler slider to put the time word further back.")


def memory_part(hidden: int, seed: int, gap: int) -> None:
    """What the hidden state adds, shown on the “let's meet for ___” messages."""
    input_diff, state_diff = meet_comparison(gap, hidden, seed)
    words_a = meet_message("afternoon", gap)
    time_step = len(MEET_OPENING)
    labels = list(words_a)
    labels[time_step] = " | ".join(MEET_TIME_WORDS)
    for k in range(time_step + 1, time_step + 1 + gap):  # filler: italic, so that nobody reads it as a sentence
        labels[k] = f"<i>{labels[k]}</i>"
    lesson.chart(memory_figure(labels, input_diff, state_diff, time_step, filler=gap), key="memory_chart",
                 present_height=FIRST_FIGURE,
                 alt="How much two messages that differ in one word differ, step by step: their inputs (bars) and "
                     "their hidden states (line).")
    first, last = state_diff[time_step], state_diff[-1]
    left = share_left(state_diff, time_step)
    later = len(words_a) - 1 - time_step
    change = "fades" if last < first else "grows" if last > first else "stays the same"
    lesson.explain(
        "To guess the blank in *we are free this **afternoon** … so let's meet for ___*, you use a word from much "
        "earlier: *afternoon* suggests *lunch*, *evening* suggests *dinner*. A network that sees only the current "
        "word receives *for* in both messages and cannot tell them apart. An RNN passes its hidden state from step "
        "to step, $h_t = \\tanh(W_{ih} x_t + b_{ih} + W_{hh} h_{t-1} + b_{hh})$, so the earlier word still reaches "
        "the state when the blank comes"
        + (f", but it fades: {'' if left < 0.001 else 'only '}{percent(left)} of the difference it made is left at *for*."
           if change == "fades" else
           f": at *for* the difference it made is {percent(left)} of what it was at the time word."))
    lesson.explain(
        f"Both messages run through the same RNN cell ($H = {hidden}$): message a with *{MEET_TIME_WORDS[0]}*, "
        f"message b with *{MEET_TIME_WORDS[1]}*. Their inputs differ only at step {time_step + 1}, the time word "
        f"(blue bar, {input_diff[time_step]:.3g}: the distance $\\sqrt 2$ between two different one-hot vectors; 0 "
        f"everywhere else); their hidden states differ from there on (orange line). The difference {change} from "
        f"{fmt_number(first)} at *{words_a[time_step]}* to {fmt_number(last)} at *for*, {plural(later, 'step')} later, while the word "
        f"*for* itself is the same in both. These weights are random, so how much survives is chance; training has to "
        f"find weights that keep it, and lessons 4 to 7 show why that is hard for a plain RNN and how gated cells "
        f"(LSTM, GRU) make it easier. " + filler_sentence(words_a[time_step + 1:time_step + 1 + gap]))
    lesson.note("Elman (1990) introduced this simple recurrent network, with its state fed back at every step.")
    lesson.show_code(state_distance, RNN.step)
    lesson.downloads("why_rnns_memory", {"input_difference": input_diff, "state_difference": state_diff},
                     settings={"words": list(words_a), "H": hidden, "seed": seed})


def shapes_part(shape: str, steps: int) -> None:
    """The shapes of sequence problems, drawn unrolled."""
    shape_layout = layout(shape, steps)
    lesson.chart(sequence_shape_figure(shape_layout), key="shape_chart", present_height=FIRST_FIGURE,
                 alt=f"The {SHAPE_LABELS[shape]} shape, unrolled: inputs at the bottom, hidden states in the middle, "
                     "outputs on top.")
    lesson.explain(SHAPE_USES[shape])
    lesson.explain(
        f"Drawn {lesson.glossary_link('unrolling', 'unrolled')}, an RNN is one cell copied along time: inputs $x_t$ at "
        "the bottom, hidden states $h_t$ in the middle (the orange arrows carry $h_{t-1}$ into step $t$), outputs "
        "$y_t$ on top. "
        f"{SHAPE_LABELS[shape].capitalize()}{'' if shape == 'one_to_one' else f', {steps} steps drawn'}: "
        f"{plural(len(shape_layout.inputs), 'input')}, {plural(shape_layout.steps, 'hidden state')}, "
        f"{plural(len(shape_layout.outputs), 'output')} and {plural(shape_layout.recurrent_edges, 'recurrent arrow')}. "
        + ("" if shape == "one_to_one" else
           "The encoder's squares (orange) share one cell and its weights, the decoder's (dark orange) another: a "
           "translation model is two RNNs, and the encoder's last state starts the decoder (Sutskever et al. 2014; "
           "Cho et al. 2014). " if shape == "many_to_many_delayed" else
           "Every hidden square is the same cell with the same weights. ")
        + "Where inputs go in and outputs come out decides what the network can be used for: pick another shape.")
    lesson.note("The shapes follow Karpathy (2015), “The unreasonable effectiveness of recurrent neural networks”.")


lesson.header(
    "Why recurrent networks?",
    "Text, speech, video and sensor readings arrive as **sequences**: their length varies, and what a step means "
    "depends on what came before. This lesson shows why a network with a fixed-size input struggles with them, what "
    "a recurrent network's **hidden state** adds, and the shapes of problems recurrent networks are used for.",
    short="Sequences vary in length and order matters: why a fixed-size layer struggles, and what one recurrent cell "
          "does instead.",
)


@st.fragment
def why_demo():
    """The controls and the open part: a control reruns this function only, not the text and questions around it."""
    part, body = lesson.tabs("why_part", TITLES)
    with body:
        panel = lesson.ControlPanel(part, scope="why_rnns", columns=2 if part == SHAPE_PART else 3)
        words = controls.int_slider("Sequence length T", "words", 1, MAX_WORDS, default=5,
                                    container=panel.slot(FIXED, ANY_LENGTH),
                                    help="The number of words the networks must read.")
        hidden = controls.int_slider("Hidden size H", "hidden", 1, 32, default=8,
                                     container=panel.slot(FIXED, ANY_LENGTH, MEMORY),
                                     help="The size of the hidden state (and of the dense layer's output).")
        gap = controls.int_slider("Filler words between the time word and “so let's meet for”", "gap", 0, 30,
                                  default=3, container=panel.slot(MEMORY), help="How far back the deciding word lies.")
        shape = controls.choice("Shape", "shape", SHAPES, "many_to_one", format_func=SHAPE_LABELS.get,
                                widget="radio", container=panel.slot(SHAPE_PART))  # a radio wraps on a phone
        steps = controls.int_slider("Steps drawn", "steps", 2, MAX_DRAWN, default=3,
                                    container=panel.slot(SHAPE_PART if shape != "one_to_one" else ""),  # no steps
                                    help="Steps in the input (or, for one-to-many, in the output).")
        seed = controls.seed_input(container=panel.slot(ANY_LENGTH, MEMORY, more=True),
                                   help="The random weights of the RNN cell; part of the link.")
        if part == FIXED:
            fixed_size_part(words, hidden)
        elif part == ANY_LENGTH:
            any_length_part(words, hidden, seed)
        elif part == MEMORY:
            memory_part(hidden, seed, gap)
        else:
            shapes_part(shape, steps)


why_demo()

lesson.quiz(
    "quiz_dense",
    f"A network's first dense layer was built for {DENSE_BUILT_FOR}-word sentences. A 20-word sentence arrives. "
    "What goes wrong?",
    ["It has no weights for words 11 to 20", "It reuses the weights of words 1 to 10",
     "It averages each pair of words into one"],
    answer=0,
    why=("A dense layer keeps one weight per input position. Its matrix was sized for "
         f"{DENSE_BUILT_FOR} × {VOCAB} inputs; a 20-word sentence has {20 * VOCAB}, and the extra ones meet no weights. "
         "You must truncate, pad, or build a new layer."),
    wrong=[None,
           "Nothing in a dense layer maps position 11 back to position 1: every position has its own weights. "
           "Reusing weights across positions is what a recurrent cell does.",
           "A dense layer does not resample its input: it multiplies a vector of a fixed length, and a longer vector "
           "does not fit its matrix."],
)
lesson.quiz(
    "quiz_shape",
    "A model reads a week of hourly temperature readings and gives one number: tomorrow's maximum. Which shape fits?",
    ["one-to-many", "many-to-many, synced", "many-to-one"],
    answer=2,
    why="All 168 readings go in, one per step, and a single output comes out after the last one: only the last "
        "hidden state feeds it.",
    wrong=["One-to-many starts from a single input and writes a sequence; here 168 readings go in and one number "
           "comes out.",
           "Synced gives an output at every step, one per reading; here only one number is wanted, after the last "
           "reading.", None],
)
lesson.quiz(
    "quiz_memory",
    "In the “let's meet for ___” chart the two messages differ only in the time word, yet their hidden states still "
    "differ at *for*, even where the orange line looks flat. Where does that difference come from?",
    ["Their inputs at *for* are not the same", "The state carries it on, step by step",
     "Each step has weights of its own"],
    answer=1,
    why="At *for* both inputs are the same one-hot vector; the difference arrives through $W_{hh} h_{t-1}$, carried "
        "from the time word step after step. With these random weights it shrinks on the way: the Hidden state tab "
        "says how much of it is left.",
    wrong=["Both messages end with the very same words, so their inputs at *for* are the same one-hot vector "
           "(the blue bar is 0 there).", None,
           "The RNN uses the same weights at every step; different weights could not explain a difference that "
           "starts at the time word."],
)
lesson.takeaways([
    "Sequences vary in length and their order matters; a dense layer's weights are tied to one input length.",
    "An RNN cell reads one step at a time with the same weights, so one cell reads a sequence of any length.",
    "The hidden state $h_t$ is computed from $h_{t-1}$, so an earlier word can still change a later state.",
    "Where inputs go in and outputs come out (one-to-many, many-to-one, many-to-many) decides what an RNN can do.",
])
lesson.misconceptions([
    ("An RNN is a “cyclic” network, as if its computation went round in a circle (the translated article this "
     "course's syllabus follows says so).",
     "The name is *recurrent* neural network. Books often draw it *folded*: one box with an arrow from its output "
     "back into itself. That arrow is a one-step delay: the hidden state computed at step t-1 is an input of the "
     "same cell at step t. For a sequence of T steps the "
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
     "It is a fixed-size vector (H numbers, set by Hidden size H): a lossy summary. How long an earlier word "
     "survives in it depends on the weights, as the orange line of the Hidden state tab shows."),
    ("Padding every sentence to a maximum length makes a fixed-size network just as good.",
     "It only moves the limit to the chosen maximum, wastes computation on zeros, and keeps separate "
     "weights per position, so nothing learned at one position carries over to another."),
])

"""Lesson 7: the memory lab. Train an RNN, an LSTM and a GRU live on "let's meet for ___"."""

import dataclasses
import json
import threading
import time
from pathlib import Path

import numpy as np
import streamlit as st

from app import controls, lesson
from app.torch_snippet import pytorch_snippet
from app.figures.gates import gate_heatmaps
from app.figures.memory_lab import (CELL_NAMES, accuracy_vs_gap, memory_unit_figure, next_word_bars,
                                    training_curves)
from rnn_core import tasks
from rnn_core.optim import adam_step
from rnn_core.train import (TrainConfig, context_position, context_spread, context_traces, loss_and_grads, predict,
                            sentence_trace, train)

KINDS = ("rnn", "lstm", "gru")
DATA = Path(__file__).resolve().parent.parent / "data" / "accuracy_vs_gap.json"
LEARNING_RATES = [0.001, 0.003, 0.01, 0.03]
DEFAULTS = TrainConfig()
DEFAULT_SENTENCE = "afternoon so we could talk about the plan and then see you let's meet for"


class Slot:
    """One training run, shared by every session that asks for exactly the same settings."""

    def __init__(self):
        self.lock = threading.Lock()
        self.result = None


@st.cache_resource(max_entries=64, show_spinner=False)
def slot(settings: tuple) -> Slot:
    """Bounded: at most 64 trained settings are kept for the whole class."""
    return Slot()


def key(config):
    return dataclasses.astuple(config)


def finished(config):
    """The result for these settings if anyone has trained them already, else None."""
    return slot(key(config)).result


def trained(config, on_progress):
    """Train once per settings: a second session pressing Train with the same settings waits, then shares."""
    shared = slot(key(config))
    if shared.result is None:
        if not shared.lock.acquire(blocking=False):
            st.info("Someone in the class is training exactly these settings right now: waiting for their run.",
                    icon=":material/hourglass_top:")
            shared.lock.acquire()
        try:
            if shared.result is None:
                shared.result = train(config, callback=on_progress)
        finally:
            shared.lock.release()
    return shared.result


@st.cache_data(max_entries=4, show_spinner=False)
def stored_accuracy_vs_gap(mtime):
    """The precomputed chart (scripts/precompute_accuracy_vs_gap.py); mtime invalidates it."""
    return json.loads(DATA.read_text())


def history(result):
    return {"steps": result.eval_steps, "loss": result.eval_losses, "accuracy": result.test_accuracies}


def train_with_progress(configs, label):
    """Train the configs one after another with a progress bar and live curves; returns kind -> result."""
    results = {kind: finished(config) for kind, config in configs.items()}
    untrained = [kind for kind, result in results.items() if result is None]
    if not untrained:
        return results
    bar = st.progress(0.0, text=f"{label}: starting")
    chart = st.empty()
    steps = max(config.steps for config in configs.values())
    live = {kind: history(result) for kind, result in results.items() if result is not None}
    last_draw = [0.0]

    def draw():
        chart.plotly_chart(training_curves(live, steps=steps, chance=tasks.CHANCE, target=DEFAULTS.target_accuracy),
                           key=f"live_{label}_{time.monotonic_ns()}", config={"displayModeBar": False})

    for done, kind in enumerate(untrained):
        def on_progress(p, kind=kind, done=done):
            live[kind] = {"steps": p.eval_steps, "loss": p.eval_losses, "accuracy": p.eval_accuracies}
            bar.progress(min((done + p.fraction) / len(untrained), 1.0),
                         text=f"{label}: {CELL_NAMES[kind]} step {p.step} of {p.steps}, "
                              f"held-out accuracy {p.test_accuracy:.0%}")
            if time.monotonic() - last_draw[0] > 0.4:
                last_draw[0] = time.monotonic()
                draw()

        results[kind] = trained(configs[kind], on_progress)
        live[kind] = history(results[kind])
    bar.empty()
    chart.empty()
    return results


lesson.header(
    "Memory lab: let's meet for ___",
    "A message starts with a word that decides how it ends: *morning* means **breakfast**, *afternoon* "
    "**lunch**, *evening* **dinner** and *break* **coffee**. Between that word and \"let's meet for\" come "
    "filler words that carry no information. To predict the last word a network must keep the first one "
    "in its state across the whole gap. Here you train a plain tanh RNN, an LSTM and a GRU on exactly this "
    "task, on this server, and watch which of them remembers.",
)

@st.fragment
def lab_demo():
    """The controls and the open part: a control reruns this function only, not the text and questions around it."""
    with lesson.controls_panel():
        st.markdown("**What to train**")
        picks = st.columns(3)
        chosen = [kind for kind, column in zip(KINDS, picks)
                  if controls.toggle(f"Train the {CELL_NAMES[kind]}", f"lab_{kind}", True, container=column)]
        left, middle, right = st.columns(3)
        gap = controls.int_slider("Gap (filler words)", "lab_gap", 0, tasks.MAX_GAP, DEFAULTS.gap, container=left,
                                  help="How many random filler words sit between the context word and "
                                       "\"let's meet for\". The network must remember across gap + 3 steps.")
        hidden = controls.int_slider("Hidden size H", "lab_hidden", 4, 64, DEFAULTS.hidden_size, container=left)
        steps = controls.int_slider("Training steps (at most)", "lab_steps", 50, 2000, DEFAULTS.steps, step=50,
                                    container=left, help="Minibatches of 64 sentences. Training stops early once "
                                                         f"held-out accuracy reaches {DEFAULTS.target_accuracy:.0%}.")
        learning_rate = controls.choice("Learning rate (Adam)", "lab_lr", LEARNING_RATES, DEFAULTS.learning_rate,
                                        format_func=lambda v: f"{v:g}", container=middle)
        clip = controls.float_slider("Clip gradient norm at", "lab_clip", 0.0, 10.0, DEFAULTS.clip, 0.1,
                                     container=middle, help="The whole gradient is rescaled when its norm is larger "
                                                            "(clip_by_norm). 0 turns clipping off.")
        seed = controls.seed_input(key="lab_seed", container=middle,
                                   help="Seeds the weights, the training sentences and the held-out sentences.")
        forget_bias = controls.float_slider(
            "LSTM forget-gate bias b_f", "lab_forget_bias", -3.0, 5.0, DEFAULTS.forget_bias, 0.5, container=right,
            help="b_f at the start of training: the forget gate begins near sigmoid(b_f). 3 starts it at 0.95 "
                 "(keep), 0 at 0.5 (halve every step).")
        update_bias = controls.float_slider(
            "GRU update-gate bias b_z", "lab_update_bias", -3.0, 5.0, DEFAULTS.update_bias, 0.5, container=right,
            help="b_z at the start of training: z near 1 keeps the old state, h_t = (1 - z) n + z h_{t-1}.")
        # not type="primary": white on the dark theme's sky-blue primary fails the contrast check (axe)
        pressed = st.button("Train", icon=":material/play_arrow:", disabled=not chosen)
        if not chosen:
            st.caption("Switch on at least one cell to train.")

    settings = DEFAULTS.replace(gap=gap, hidden_size=hidden, steps=steps, learning_rate=learning_rate,
                                clip=clip if clip > 0 else None, forget_bias=forget_bias, update_bias=update_bias,
                                seed=seed)
    configs = {kind: settings.replace(cell=kind) for kind in chosen}

    example = tasks.held_out_set(seed, gap, 1)
    st.markdown(f"A held-out sentence at this gap ({gap + 4} words): *{tasks.decode(example.tokens[0])}* "
                f"→ **{tasks.MEALS[example.targets[0]]}**")

    results = train_with_progress(configs, "Training") if pressed else \
        {kind: finished(config) for kind, config in configs.items()}
    results = {kind: result for kind, result in results.items() if result is not None}

    st.subheader("Training: loss and held-out accuracy")
    if not results:
        st.info("Press **Train** to train the cells you picked with these settings. Runs are shared: if anyone in "
                "the class has trained the same settings, the results appear at once.", icon=":material/play_arrow:")
    else:
        missing = [CELL_NAMES[kind] for kind in configs if kind not in results]
        if missing:
            st.caption(f"Not trained yet with these settings: {', '.join(missing)}. Press Train.")
        lesson.chart(training_curves({kind: history(r) for kind, r in results.items()}, steps=steps,
                                        chance=tasks.CHANCE, target=DEFAULTS.target_accuracy), key="lab_curves")
        columns = st.columns(len(results))
        for column, (kind, result) in zip(columns, results.items()):
            how = (f"reached {DEFAULTS.target_accuracy:.0%} after {result.steps_run} steps" if result.stopped_early
                   else f"after all {result.steps_run} steps")
            column.metric(f"{CELL_NAMES[kind]}: held-out accuracy", f"{result.accuracy:.1%}", how, delta_color="off",
                          delta_arrow="off")
        lesson.downloads("memory_lab_training", {
            f"{kind}_{name}": values for kind, r in results.items()
            for name, values in (("step", r.eval_steps), ("loss", r.eval_losses), ("accuracy", r.test_accuracies))},
            settings=dataclasses.asdict(settings), index_name="evaluation")
        lesson.explain(
            f"Left: the training loss, averaged over every {DEFAULTS.eval_every} steps; guessing one of four meals "
            f"costs $\\ln 4 \\approx 1.386$. Right: accuracy on {DEFAULTS.test_size} held-out sentences that the "
            f"models never train on (chance is {tasks.CHANCE:.0%}). A cell that cannot carry the first word across "
            "the gap stays at the guessing line however long it trains; a cell that can drops to near zero loss, "
            "often suddenly, once its gradient finds the path back to the first word. Try it: at gap 60 set the "
            "LSTM's forget-gate bias to 0 and it stays at chance; raise the learning rate to 0.01 and the tanh RNN "
            "sometimes does solve gap 60 (2 of 4 seeds in our runs) while the LSTM with bias 3 then often fails: "
            "these are tendencies over many runs, not laws."
        )

    st.subheader("Ask the trained models")
    sentence = st.text_input("Type a sentence from the vocabulary", DEFAULT_SENTENCE, key="lab_sentence",
                             max_chars=400, bind="query-params",
                             help="End it with \"let's meet for\" to ask the question the models were trained on.")
    st.caption("Vocabulary: " + ", ".join(f"`{w}`" for w in tasks.VOCAB))
    tokens = None
    try:
        tokens = tasks.encode(sentence)
    except tasks.UnknownWordError as error:
        st.warning(str(error), icon=":material/spellcheck:")
    if tokens is not None and results:
        words = tasks.decode(tokens).split()
        probabilities = {kind: predict(r.model, tokens) for kind, r in results.items()}
        lesson.chart(next_word_bars(probabilities, tasks.MEALS, chance=tasks.CHANCE), key="lab_next_word")
        lesson.explain(
            "Each model reads the words one at a time and turns its last hidden state into four probabilities "
            "with a softmax readout. A model that remembered the context word puts almost all of its probability "
            "on the matching meal; one that forgot spreads it near 25% each, whatever the first word was."
        )
        if "lstm" in results:
            model = results["lstm"].model
            position = context_position(tokens)
            spread = context_spread(model, tokens, position)
            unit = int(np.argmax(spread))
            traces = context_traces(model, tokens, position)
            trace = sentence_trace(model, tokens)
            f = trace.gates["f"][:, unit]
            kept = float(np.prod(f[position + 1:]))
            st.subheader(f"Inside the trained LSTM: unit {unit} holds the context")
            lesson.chart(memory_unit_figure(words, {w: t.c[:, unit] for w, t in traces.items()}, f, unit),
                         key="lab_memory_unit")
            finals = {w: float(t.c[-1, unit]) for w, t in traces.items()}
            lesson.explain(
                f"The sentence is run four times, with each context word in place of word {position} "
                f"(*{words[position]}*). Unit {unit} is the one whose final cell state differs most between the "
                "four runs: the lines split at the context word and stay apart to the end, because the forget gate "
                "below stays close to 1 while the fillers pass."
            )
            st.latex(rf"c_t = f_t\,c_{{t-1}} + i_t\,g_t \quad\Rightarrow\quad \prod_{{t={position + 1}}}^{{{len(words) - 1}}}"
                     rf" f_t^{{({unit})}} = {kept:.3f}")
            st.latex(rf"c_{{{len(words) - 1}}}^{{({unit})}}:\quad " + r",\quad ".join(
                rf"\text{{{w}}} \to {v:+.2f}" for w, v in finals.items()))
            lesson.explain(
                f"The product of unit {unit}'s forget gates after the context word is the fraction of what it "
                f"wrote that survives to the end if nothing new is written: {kept:.3f} here. Along the cell state "
                "the gradient is multiplied by the same forget gates, with no weight matrix in between, which is "
                "why training could reach back to the first word."
            )
            lesson.chart(gate_heatmaps(trace, ["i", "f", "o", "c"], unit=unit, step=len(words) - 1, labels=words),
                         key="lab_gates")
            lesson.downloads("memory_lab_lstm_trace",
                             {**{name: trace.gates[name] for name in "ifgo"}, "c": trace.c, "h": trace.h},
                             settings={"sentence": words, **dataclasses.asdict(settings)})
            lesson.explain(
                "Every unit's input, forget and output gates and cell state over the typed sentence (rows are units, "
                f"columns are words; hover to see the word). The outlined square is unit {unit} at the last word. "
                "Gates are continuous values between 0 and 1, not switches."
            )
        elif results:
            st.caption("Train the LSTM to look inside it.")
    elif tokens is not None:
        st.caption("Train at least one cell to ask it.")

    st.subheader("Accuracy against the gap")
    if DATA.is_file():
        stored = stored_accuracy_vs_gap(DATA.stat().st_mtime)
        stored_config = TrainConfig(**stored["config"])
        gaps = stored["gaps"]
        check_col, button_col = st.columns([2, 1])
        recompute_gap = controls.choice("Recompute one gap live", "lab_recompute_gap", gaps, gaps[len(gaps) // 2],
                                        container=check_col,
                                        help="Trains all three cells at this gap with the stored settings.")
        button_col.write("")
        recompute = button_col.button("Recompute this gap", icon=":material/refresh:")
        point = {kind: stored_config.replace(cell=kind, gap=recompute_gap, seed=0) for kind in KINDS}
        fresh = train_with_progress(point, f"Gap {recompute_gap}") if recompute else \
            {kind: finished(config) for kind, config in point.items()}
        live = {kind: (recompute_gap, r.accuracy) for kind, r in fresh.items() if r is not None}
        lesson.chart(accuracy_vs_gap(gaps, {kind: stored["accuracy"][kind] for kind in KINDS}, chance=tasks.CHANCE,
                                        live=live), key="lab_vs_gap")
        lesson.explain(
            f"Each line is the held-out accuracy after training at that gap, averaged over seeds "
            f"{', '.join(map(str, stored['seeds']))}, with hidden size {stored_config.hidden_size}, learning rate "
            f"{stored_config.learning_rate:g}, clipping at {stored_config.clip:g}, forget- and update-gate biases "
            f"{stored_config.forget_bias:g} and {stored_config.update_bias:g}, and at most {stored_config.steps} steps; "
            "it was computed in advance by `scripts/precompute_accuracy_vs_gap.py`. Open circles are seed 0 "
            "retrained just now on this server. Single runs are noisy: a cell that learns the task at one gap "
            "can miss it at the next by bad luck of the initial weights."
        )
        if live:
            index = gaps.index(recompute_gap)
            same = all(abs(acc - stored["by_seed"][kind][index][0]) < 1e-9 for kind, (_, acc) in live.items())
            st.caption("The recomputed runs match the stored seed-0 runs exactly: same settings, same seed, same numbers."
                       if same else "The recomputed runs differ from the stored seed-0 runs: other hardware or library "
                                    "versions change the last digits of a run, and training amplifies them.")
    else:
        st.warning("The precomputed chart is missing: run `python scripts/precompute_accuracy_vs_gap.py`.")

    st.subheader("One training step, in equations")
    st.latex(r"\begin{aligned}"
             r"&h_1,\dots,h_T = \text{cell}(x_1,\dots,x_T) &&\text{forward through every word}\\"
             r"&y = W_{hy}\,h_T + b_y,\quad L = -\tfrac{1}{B}\textstyle\sum_b \log \operatorname{softmax}(y_b)_{\text{meal}_b}"
             r" &&\text{readout on the last state only}\\"
             r"&\nabla W = \textstyle\sum_{t=1}^{T} \nabla W\big|_{\text{step } t} &&\text{BPTT: one term per step}\\"
             r"&g \leftarrow g \cdot \min\!\big(1, \tfrac{\text{clip}}{\lVert g \rVert}\big) &&\text{clip by global norm}\\"
             r"&\theta \leftarrow \theta - \text{lr}\,\hat m / (\sqrt{\hat v} + \epsilon) &&\text{Adam}"
             r"\end{aligned}")
    lesson.explain(
        "The loss only looks at the last step, so the only way for the gradient to reach the context word is "
        "backwards through all T steps. In the tanh RNN it is multiplied by $W_{hh}$ and a tanh slope at every "
        "step and fades; in the LSTM it can travel along the cell state, scaled only by the forget gates."
    )
    lstm_model = results["lstm"].model if "lstm" in results else None
    lesson.show_code(loss_and_grads, train, adam_step, tasks.sample_batch,
                     torch=None if lstm_model is None or tokens is None else lambda: pytorch_snippet(
                         lstm_model.cell, tasks.one_hot_inputs(np.asarray(tokens)[None])[:, 0],
                         last_readout=lstm_model.readout, show="probabilities"))


lab_demo()

lesson.quiz(
    "quiz_lab_bias", "With the LSTM's forget-gate bias set to 0 at a gap of 60, training usually stays at chance. "
    "Why does a bias of +3 help so much?",
    ["It makes the forget gate exactly 1, so nothing is ever forgotten",
     "It starts the forget gate near sigmoid(3) = 0.95, so the memory and its gradient survive many steps "
     "from the first update on",
     "It adds a fourth gate that stores the context word"],
    1, "A forget gate of 0.5 keeps 0.5^60, about 1e-18, of the context after 60 steps: no gradient comes back "
       "to learn from. Near 0.95 a useful fraction survives, training sees it, and it can push the gate "
       "closer to 1. The gate stays a number between 0 and 1 throughout.")
lesson.quiz(
    "quiz_lab_heldout", "Why is accuracy measured on held-out sentences instead of the training batches?",
    ["Held-out sentences are longer", "Training batches are drawn from a different vocabulary",
     "A model could fit the sentences it trained on without learning the rule; new sentences test the rule"],
    2, "The held-out sentences come from a separate random stream, so they test whether the model learned "
       "'the first word decides the meal', not particular sequences of fillers.")
lesson.quiz(
    "quiz_lab_gru", "The GRU has no separate cell state. Where does it keep the context word?",
    ["In its hidden state h, which its update gate z lets pass on almost unchanged while z is near 1",
     "In the reset gate r", "It cannot remember, it only reacts to the last word"],
    0, "h_t = (1 - z) n + z h_{t-1}: with z near 1 the old state is copied forward, so the hidden state is the "
       "memory.")
lesson.misconceptions([
    ("The LSTM's forget gate outputs 0 or 1.",
     "It is a sigmoid: any value between 0 and 1. Over a gap of 60 steps the difference between 0.95 and 0.99 "
     "is the difference between keeping 5% and 55% of the memory."),
    ("Gated cells eliminate vanishing and exploding gradients.",
     "They ease vanishing gradients along the cell state (or the GRU's direct path); gradients can still "
     "vanish when the gates close, and can still explode, which is why the lab clips them."),
    ("A plain RNN cannot represent long memories.",
     "It can in principle (an identity-like W_hh would carry the word); what fails is learning it with "
     "gradient descent, because the gradient back to the first word vanishes."),
    ("An LSTM has four gates.",
     "It has three gates (input, forget, output) and a candidate g, which is a tanh, not a gate."),
])

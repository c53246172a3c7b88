"""Lesson 7: the memory lab. Train an RNN, an LSTM and a GRU live on "let's meet for ___"."""

import dataclasses
import json
import time
from pathlib import Path

import numpy as np
import streamlit as st
from streamlit import runtime
from streamlit.runtime.scriptrunner import get_script_run_ctx

from app import controls, lesson
from app.figures.memory_lab import (CELL_NAMES, accuracy_vs_gap, lab_gate_heatmaps, memory_unit_figure, next_word_bars,
                                    scores_by_gap, training_curves)
from app.memory_lab_text import (LEARNED, b0_text, below_chance_text, confidence_sentence, forget_start_text,
                                 gradient_path_text, inside_text, outcome_text, percent, plural, rnn_outcome_text,
                                 rnn_takeaway, rnn_text, seeds_text, shape_text, steps_text, unit_title)
from app.torch_snippet import pytorch_snippet
from rnn_core import memory, sigmoid, tasks
from rnn_core.optim import adam_step
from rnn_core.train import (Model, TrainConfig, context_position, context_spread, context_traces, loss_and_grads,
                            predict, sentence_trace, train)

lesson.header(
    "Memory lab: let's meet for ___",
    "A message starts with a word that decides how it ends: *morning* means **breakfast**, *afternoon* "
    "**lunch**, *evening* **dinner** and *break* **coffee**. Between that word and \"let's meet for\" come "
    "filler words that carry no information. To predict the last word a network must keep the first one "
    "in its state across the whole gap. Here a plain tanh RNN, an LSTM and a GRU learn exactly this task, "
    "on this server: first the results of runs made in advance, then your own training, then the trained "
    "models answering your sentences.",
    short="Which cell can carry one word across 60 filler words? Runs made in advance, then your own.",
)

KINDS = ("rnn", "lstm", "gru")
DATA = Path(__file__).resolve().parent.parent / "data" / "accuracy_vs_gap.json"
LEARNING_RATES = [0.001, 0.003, 0.01, 0.03]
DEFAULTS = TrainConfig()
DEFAULT_SENTENCE = "afternoon so we could talk about the plan and then see you let's meet for"
TITLES = ("Accuracy vs gap", "Train", "Ask the models", "Inside the LSTM")
ASKING = ("Ask the models", "Inside the LSTM")
PREDICT_GAP = 60          # the predict-then-move check asks about this gap of the stored chart
SCORE_GAPS = tuple(range(0, tasks.MAX_GAP + 1, 10))  # the trained models are scored at these gaps ...
SCORE_SIZE = 128                                     # ... on this many held-out sentences each
WATCHING = "lab_watching"  # session_state: the shared runs this session waits for


@st.cache_resource(max_entries=64, show_spinner=False)
def slot(settings: tuple) -> memory.SharedRun:
    """One training run per settings for the whole server (bounded: at most 64 kept for the class)."""
    return memory.SharedRun(TrainConfig(*settings))


def shared(config: TrainConfig) -> memory.SharedRun:
    return slot(dataclasses.astuple(config))


def finished(configs: dict) -> dict:
    """name -> TrainResult of the configs somebody has trained already."""
    return {name: run.result for name, config in configs.items() if (run := shared(config)).done}


def who() -> str:
    ctx = get_script_run_ctx()
    return ctx.session_id if ctx is not None else "script"


def session_alive(session_id: str) -> bool:
    """Whether a session still exists on this server (a closed or reloaded page's does not)."""
    return runtime.get_instance().is_active_session(session_id)


def liveness():
    """The test a shared run uses to drop the sessions that have gone (None where no server runs, as in tests)."""
    return session_alive if runtime.exists() else None


def keep_watching(runs) -> None:
    """This session waits for ``runs`` and no longer for the others it waited for: a run nobody waits for any
    more is stopped (moving a control during training stops that training, unless someone else waits for it)."""
    before = st.session_state.get(WATCHING, [])
    memory.unwatch([run for run in before if all(run is not other for other in runs)], who())
    memory.watch(runs, who(), alive=liveness())
    st.session_state[WATCHING] = list(runs)


def train_now(runs) -> None:
    """Start (or join) these shared runs for this session."""
    memory.start(list(runs), who(), alive=liveness())


def wait_for(named: dict, label: str, chart=None, steps: int | None = None, where=None) -> None:
    """While any of the runs in ``named`` (name -> SharedRun) is queued or training, by this session or anyone
    else's, show a progress bar with the time left and, in ``chart``, the live training curves; return when none
    is left to wait for (all done, or one failed)."""
    runs = list(named.values())
    if not any(run.state in (memory.QUEUED, memory.RUNNING) for run in runs):
        return
    names = {id(run): name for name, run in named.items()}
    bar = (where or st).progress(0.0, text=f"{label}: starting")
    last_draw = 0.0
    while any(run.state in (memory.QUEUED, memory.RUNNING) for run in runs):
        now = memory.status(runs)
        bar.progress(now.fraction, text=progress_text(label, now, names))
        if chart is not None and time.monotonic() - last_draw > 0.6:
            last_draw = time.monotonic()
            curves = {names[id(run)]: h for run in runs if (h := live_history(run))}
            with chart.container():
                lesson.chart(training_curves(curves, steps=steps or max(run.config.steps for run in runs),
                                             chance=tasks.CHANCE, target=DEFAULTS.target_accuracy),
                             key=f"lab_live_{time.monotonic_ns()}", alt="Training loss and held-out accuracy so far.")
        time.sleep(0.25)
    bar.empty()
    failed = memory.status(runs).failed
    if failed:
        st.error("Training stopped with an error: " + "; ".join(failed), icon=":material/error:")


def progress_text(label: str, now: memory.Status, names: dict) -> str:
    """What the progress bar says: the cell training now, updates done of planned, the time left, and how many
    other sessions still open on this server wait for the same run."""
    current = now.current
    where = "waiting for its turn"
    if current is not None and current.progress is not None:
        where = (f"{CELL_NAMES[names[id(current)]]} at update {current.progress.step} of {current.config.steps}, "
                 f"held-out accuracy {current.progress.test_accuracy:.0%}")
    others = memory.waiting(current) - 1 if current is not None else 0
    shared_with = (f" {others} other session{'s' if others != 1 else ''} on this server "
                   f"{'wait' if others != 1 else 'waits'} for the same run.") if others > 0 else ""
    return (f"{label}: {where}. {now.steps_done} of {now.steps_planned} updates planned, "
            f"{memory.describe_wait(now.seconds_left)} (sooner if {DEFAULTS.target_accuracy:.0%} is reached "
            f"early).{shared_with}")


def live_history(run: memory.SharedRun) -> dict | None:
    if run.done:
        return history(run.result)
    if run.progress is None:
        return None
    return {"steps": run.progress.eval_steps, "loss": run.progress.eval_losses, "accuracy": run.progress.eval_accuracies}


def history(result) -> dict:
    return {"steps": result.eval_steps, "loss": result.eval_losses, "accuracy": result.test_accuracies}


@st.cache_data(max_entries=4, show_spinner=False)
def stored_accuracy_vs_gap(mtime: float) -> dict:
    """The precomputed chart (scripts/precompute_accuracy_vs_gap.py); mtime invalidates it."""
    return json.loads(DATA.read_text())


@st.cache_data(max_entries=64, show_spinner=False)
def held_out(settings: tuple) -> memory.HeldOutScores:
    """A trained model's scores at every gap: the same for every student, computed once per server."""
    config = TrainConfig(*settings)
    return memory.held_out_scores(slot(settings).result.model, config.seed, SCORE_GAPS, SCORE_SIZE)


@st.cache_data(max_entries=64, show_spinner=False)
def at_trained_gap(settings: tuple) -> memory.HeldOutScores:
    """The model on the very held-out set training scored it on (test_size sentences at its gap)."""
    config = TrainConfig(*settings)
    return memory.held_out_scores(slot(settings).result.model, config.seed, (config.gap,), config.test_size)


def use_trained_gap(context: str, gap: int, seed: int) -> None:
    """The button's action: a sentence with the training sentences' shape at the trained gap."""
    st.session_state["lab_sentence"] = tasks.example_sentence(context, gap, seed)


def stored_variants(stored: dict) -> list[str]:
    return list(stored.get("variants", {kind: {} for kind in KINDS}))


def stored_config(stored: dict, name: str, gap: int) -> TrainConfig:
    """The settings of one stored run at ``gap`` with seed 0 (what "Recompute" trains)."""
    changes = stored.get("variants", {}).get(name, {"cell": name})
    return TrainConfig(**stored["config"]).replace(**changes, gap=gap, seed=0)


def settings_text(config: TrainConfig) -> str:
    clip = f"clipping threshold c = {config.clip:g}" if config.clip else "no clipping"
    return (f"gap {config.gap}, hidden size H = {config.hidden_size}, at most {config.steps} updates of "
            f"{config.batch_size} sentences, learning rate {config.learning_rate:g}, {clip}, "
            f"$b_f = {config.forget_bias:g}$, $b_z = {config.update_bias:g}$, random seed {config.seed}")


@st.fragment
def lab_demo():
    """The controls and the open part: a control reruns this function only, not the text and questions around it."""
    part, body = lesson.tabs("lab_part", TITLES)
    with body:
        columns = 1 if part in ASKING else 2 if part == "Train" else 3
        panel = lesson.ControlPanel(part, scope="memory_lab", columns=columns)
        stored = stored_accuracy_vs_gap(DATA.stat().st_mtime) if DATA.is_file() else None
        gaps = stored["gaps"] if stored else [0, tasks.MAX_GAP]
        shown = controls.int_slider(
            "Longest gap shown", "lab_shown_gap", min(gaps), max(gaps), min(max(gaps), 20),
            step=gaps[1] - gaps[0] if len(gaps) > 1 else 1, container=panel.slot("Accuracy vs gap"),
            help="Draws the runs made in advance up to this gap; Recompute trains this gap again, live.")
        # On Train, two controls a row: the gap and the number of updates (every cell's), then each cell's switch
        # with its own bias beside it; a phone shows them one under the other in this order.
        train_box = {name: panel.slot("Train") for name in ("gap", "steps", "lstm", "b_f", "gru", "b_z", "rnn")}
        gap = controls.int_slider("Gap (filler words)", "lab_gap", 0, tasks.MAX_GAP, DEFAULTS.gap,
                                  container=train_box["gap"],
                                  help="Filler words between the context word and \"let's meet for\": the network "
                                       "must remember across gap + 3 word steps.")
        switched = {kind: controls.toggle(f"Train the {CELL_NAMES[kind]}", f"lab_{kind}", True, container=train_box[kind])
                    for kind in ("lstm", "gru")}
        steps = controls.int_slider("Training updates (at most)", "lab_steps", 50, 2000, DEFAULTS.steps, step=50,
                                    container=train_box["steps"],
                                    help=f"One update: a minibatch of {DEFAULTS.batch_size} new sentences, forward, "
                                         f"BPTT, clipping and one Adam step. Training stops early once held-out "
                                         f"accuracy reaches {DEFAULTS.target_accuracy:.0%}.")
        forget_bias = controls.float_slider(
            "Forget-gate bias b_f", "lab_forget_bias", -3.0, 5.0, DEFAULTS.forget_bias, 0.5,
            container=train_box["b_f"],
            help="The LSTM's forget-gate bias at the start of training (of PyTorch's two biases, b_if = b_f and "
                 "b_hf = 0: only their sum matters). Its forget gate begins near sigmoid(b_f): 0.95 for b_f = 3 "
                 "(keep), 0.5 for b_f = 0 (halve every step).")
        update_bias = controls.float_slider(
            "Update-gate bias b_z", "lab_update_bias", -3.0, 5.0, DEFAULTS.update_bias, 0.5,
            container=train_box["b_z"],
            help="The GRU's update-gate bias at the start of training (b_iz = b_z, b_hz = 0): z near 1 keeps the "
                 "old state, h_t = (1 - z) n + z h_{t-1}.")
        switched["rnn"] = controls.toggle(f"Train the {CELL_NAMES['rnn']}", "lab_rnn", True, container=train_box["rnn"])
        chosen = [kind for kind in KINDS if switched[kind]]
        sentence_box = panel.slot(*ASKING)
        sentence = controls.text_input(
            "Type a sentence from the vocabulary", "lab_sentence", DEFAULT_SENTENCE, max_chars=800,
            # the link carries the sentence rebuilt from the vocabulary's words only, never typed text
            clean=vocabulary_text, container=sentence_box,
            help="End it with \"let's meet for\" to ask the question the models were trained on.")
        # The folded controls come last: the kit's style rules are style-only HTML, which Streamlit keeps in one
        # list that a fragment's rerun does not shorten; created last, a rule Train leaves behind is for a control
        # that is hidden on every other tab anyway (created earlier, a stale rule hid the sentence box on Ask).
        hidden = controls.int_slider("Hidden size H", "lab_hidden", 4, 64, DEFAULTS.hidden_size,
                                     container=panel.slot("Train", more=True))
        learning_rate = controls.choice("Learning rate", "lab_lr", LEARNING_RATES, DEFAULTS.learning_rate,
                                        format_func=lambda v: f"{v:g}", container=panel.slot("Train", more=True),
                                        help="Adam's step size.")
        clip = controls.float_slider("Clipping threshold c", "lab_clip", 0.0, 10.0, DEFAULTS.clip, 0.1,
                                     container=panel.slot("Train", more=True),
                                     help="The whole gradient is rescaled when its norm is above c (clip by norm) "
                                          "before every update. 0 turns clipping off.")
        seed = controls.seed_input(key="lab_seed", container=panel.slot("Train", more=True),
                                   help="Seeds the weights, the training sentences and the held-out sentences.")
        tokens = sentence_tokens(sentence)

        settings = DEFAULTS.replace(gap=gap, hidden_size=hidden, steps=steps, learning_rate=learning_rate,
                                    clip=clip if clip > 0 else None, forget_bias=forget_bias,
                                    update_bias=update_bias, seed=seed)
        configs = {kind: settings.replace(cell=kind) for kind in chosen}
        names = stored_variants(stored) if stored else []
        point = {name: stored_config(stored, name, shown) for name in names}
        keep_watching([shared(config) for config in (*configs.values(), *point.values())])

        if part == "Accuracy vs gap":
            if stored is None:
                st.warning("The precomputed chart is missing: run `python scripts/precompute_accuracy_vs_gap.py`.")
            else:
                gap_part(stored, names, shown, point)
        elif part == "Train":
            train_part(configs, chosen, settings, stored, names)
        else:
            context = next((w for w in tasks.decode(tokens).split() if w in tasks.CONTEXTS), "afternoon") \
                if tokens is not None else "afternoon"
            sentence_box.button(f"Use a sentence at the trained gap ({plural(gap, 'filler word')})", key="lab_at_gap",
                                icon=":material/straighten:", on_click=use_trained_gap, args=(context, gap, seed))
            sentence_box.caption("Vocabulary: " + ", ".join(f"`{w}`" for w in tasks.VOCAB))
            ask_part(part, configs, settings, sentence)


def sentence_tokens(sentence: str):
    try:
        return tasks.encode(sentence)
    except tasks.UnknownWordError:
        return None


def vocabulary_text(sentence: str) -> str | None:
    """The sentence rebuilt from the vocabulary's words (what the link may carry), or None if it has others."""
    tokens = sentence_tokens(sentence)
    return None if tokens is None else tasks.decode(tokens)


def gap_part(stored, names, shown, point):
    """The runs made in advance, up to the longest gap shown; recompute that gap live."""
    gaps = stored["gaps"]
    config = TrainConfig(**stored["config"])
    accuracy = stored["accuracy"]
    named = {name: shared(c) for name, c in point.items()}
    chart = st.empty()

    def draw(key):
        live = {name: (shown, r.accuracy) for name, r in finished(point).items()}
        with chart.container():
            lesson.chart(accuracy_vs_gap(gaps, {name: accuracy[name] for name in names}, chance=tasks.CHANCE,
                                         shown=shown, live=live), key=key,
                         alt="Held-out accuracy after training against the gap, one line per cell, from runs "
                             "made in advance.")

    draw("lab_vs_gap")
    k = gaps.index(shown) if shown in gaps else None
    seeds = ", ".join(map(str, stored["seeds"]))
    if k is not None:
        values = ", ".join(f"{CELL_NAMES[name]}: {percent(accuracy[name][k])}" for name in names)
        more = (f" Move **Longest gap shown** to the right to see longer gaps: at which gap does each cell stop "
                "learning?" if shown < max(gaps) else " Every gap is shown: where does each cell stop learning?")
        lesson.explain(
            f"Each line is one cell's {lesson.glossary_link('held-out set', 'held-out')} accuracy after training at "
            f"that gap, averaged over seeds {seeds}; the dashed line is {lesson.glossary_link('chance level', 'chance')}, "
            f"{percent(tasks.CHANCE)}, what a cell that forgot the first word scores on average. At gap {shown}: "
            f"{values}.{more}")
        lesson.explain(seeds_text(stored, names, k))
    if "lstm_b0" in names and "lstm" in names:
        b0 = sigmoid(0.0)
        b3 = float(sigmoid(config.forget_bias))
        lesson.explain(
            f"The violet line is the same LSTM with its {lesson.glossary_link('forget gate')} bias $b_f$ at 0 "
            f"instead of {config.forget_bias:g}: its forget gate starts near $\\sigma(0) = {b0:.2f}$, keeping half of "
            f"its memory per step, instead of $\\sigma({config.forget_bias:g}) = {b3:.3f}$, a memory time of about "
            f"$1/(1-{b3:.3f}) \\approx {1 / (1 - b3):.0f}$ steps." + (" " + b0_text(stored, k) if k is not None else ""))
    predict_gap = PREDICT_GAP if PREDICT_GAP in gaps else gaps[len(gaps) // 2]
    at = gaps.index(predict_gap)
    cells = [name for name in ("gru", "lstm", "rnn") if name in names]
    lowest = min(cells, key=lambda name: accuracy[name][at])
    options = {"gru": "The GRU", "lstm": f"The LSTM with b_f = {config.forget_bias:g}", "rnn": "The tanh RNN"}
    lesson.predict(
        "lab_predict_gap",
        f"Extend the chart to gap {predict_gap}. Of the three cells with the lab's settings, which one ends "
        "closest to chance there?",
        [options[name] for name in cells], answer=cells.index(lowest),
        why=f"At gap {predict_gap} the runs made in advance end at "
            + ", ".join(f"{percent(accuracy[name][at])} ({CELL_NAMES[name]})" for name in cells)
            + f", averaged over seeds {seeds}. " + (rnn_text(stored, at) if lowest == "rnn" else ""),
        instruction=f"move **Longest gap shown** to {predict_gap} or beyond", ready=shown >= predict_gap)

    st.subheader(f"Recompute gap {shown} on this server")
    if st.button(f"Recompute gap {shown}", icon=":material/refresh:", key="lab_recompute"):
        train_now(named.values())
    if any(run.state in (memory.QUEUED, memory.RUNNING) for run in named.values()):
        wait_for(named, f"Gap {shown}")
        draw("lab_vs_gap_recomputed")
    results = finished(point)
    lesson.explain(
        f"The button trains every cell of the chart again at gap {shown}, with seed 0 and the stored settings "
        f"(hidden size {config.hidden_size}, at most {config.steps} updates, learning rate "
        f"{config.learning_rate:g}), and draws each result as an open circle. Single runs are noisy: a cell that "
        "learns the task at one gap can miss it at the next by the luck of its initial weights, which is why the "
        "lines average three seeds.")
    if results and k is not None:
        same = all(abs(r.accuracy - stored["by_seed"][name][k][0]) < 1e-9 for name, r in results.items())
        lesson.explain("The runs just made match the stored seed-0 runs exactly: same settings, same seed, same "
                       "numbers." if same else
                       "The runs just made differ from the stored seed-0 runs: other hardware or library versions "
                       "change the last digits of a run, and training amplifies them.")
    lesson.note(f"Computed in advance by `scripts/precompute_accuracy_vs_gap.py`: held-out accuracy on "
                f"{config.test_size} sentences from each seed's test stream, at the end of training (which stops "
                f"early at {config.target_accuracy:.0%}). Why long gaps are hard for gradient descent: Bengio, Simard "
                "& Frasconi (1994); the LSTM: Hochreiter & Schmidhuber (1997), who report lags of more than 1000 "
                "steps bridged on synthetic tasks; the GRU: Cho et al. (2014).")


def train_part(configs, chosen, settings, stored, names):
    """Train the chosen cells with the panel's settings; live curves, then the results."""
    named = {kind: shared(config) for kind, config in configs.items()}
    pressed = st.button("Train", icon=":material/play_arrow:", disabled=not chosen, key="lab_train",
                        help="Trains the cells switched on above, one after another, with these settings.")
    bar, chart = st.empty(), st.empty()
    if pressed:
        train_now(named.values())
    wait_for(named, "Training", chart, settings.steps, where=bar)
    results = finished(configs)
    target = DEFAULTS.target_accuracy
    if results:
        with chart.container():
            lesson.chart(training_curves({kind: history(r) for kind, r in results.items()}, steps=settings.steps,
                                         chance=tasks.CHANCE, target=target), key="lab_curves",
                         alt="Training loss and held-out accuracy against the update, one line per cell.")
    else:
        chart.empty()
    if not chosen:
        lesson.explain("Switch on at least one cell to train.")
    elif not results:
        st.info("Press **Train** to train the cells switched on with these settings. Runs are shared: if anyone in "
                "the class has trained the same settings, the results appear at once.", icon=":material/play_arrow:")
    else:
        missing = [CELL_NAMES[kind] for kind in configs if kind not in results]
        if missing:
            lesson.explain(f"Not trained yet with these settings: {', '.join(missing)}. Press Train.")
        columns = st.columns(len(results))
        for column, (kind, result) in zip(columns, results.items()):
            how = (f"reached {target:.0%} after {plural(result.steps_run, 'update')}" if result.accuracy >= target
                   else f"after all {plural(result.steps_run, 'update')}")
            column.metric(f"{CELL_NAMES[kind]}: held-out accuracy", f"{result.accuracy:.1%}", how, delta_color="off",
                          delta_arrow="off")
    lesson.explain(
        f"Left: the training {lesson.glossary_link('cross-entropy')} loss, averaged over every {DEFAULTS.eval_every} "
        f"updates; guessing one of four meals costs $\\ln 4 \\approx {np.log(4):.3f}$. Right: accuracy on "
        f"{DEFAULTS.test_size} {lesson.glossary_link('held-out set', 'held-out')} sentences at gap {settings.gap} that "
        f"the models never learn from, scored every {DEFAULTS.eval_every} updates (chance is "
        f"{percent(tasks.CHANCE)}); training stops as soon as {target:.0%} of them are right."
        + "".join(" " + outcome_text(kind, r, target) for kind, r in results.items()))
    if "rnn" in results and (settings.gap >= 30 or settings.learning_rate != DEFAULTS.learning_rate):
        rnn = results["rnn"]
        share = saturation(dataclasses.astuple(rnn.config)) if rnn.accuracy >= LEARNED else None
        lesson.explain(rnn_outcome_text(rnn, stored, share))
    lesson.explain(forget_start_text(settings.forget_bias, settings.gap))
    if stored and "lstm_b0" in names and settings.gap in stored["gaps"]:
        k = stored["gaps"].index(settings.gap)
        lesson.explain(
            f"In the runs made in advance at gap {settings.gap} (seeds {', '.join(map(str, stored['seeds']))}, the "
            f"lab's other defaults) the LSTM ended at {percent(stored['accuracy']['lstm'][k])} with "
            f"$b_f = {stored['config']['forget_bias']:g}$ ({steps_text(stored, 'lstm', k)}) and at "
            f"{percent(stored['accuracy']['lstm_b0'][k])} with $b_f = 0$ ({steps_text(stored, 'lstm_b0', k)}). "
            "These are tendencies over a few runs, not laws: a seed, the learning rate or the hidden size can change "
            "a single run.")
    lesson.note("Hochreiter & Schmidhuber (1997) introduced the LSTM; its forget gate is from Gers, Schmidhuber & "
                "Cummins (2000). Chrono initialisation (Tallec & Ollivier 2018) gives each unit its own $b_f = "
                "\\log(u)$, $u$ uniform in $[1, T_{max} - 1]$, to spread memory times up to the longest gap "
                "expected; the lab gives every unit the same $b_f$.")
    lesson.note(f"Trained with {settings_text(settings)}. Held-out sentences come from the seed's test stream, "
                "training sentences from its training stream: no sentence is shared.")

    st.subheader("One training update, in equations")
    lesson.explain(
        f"Each update takes a {lesson.glossary_link('minibatch')} of $B = {settings.batch_size}$ new sentences, "
        "each of $T$ word steps, and:\n"
        "1. runs the cell forward through every word: $h_1, \\dots, h_T$ from $x_1, \\dots, x_T$;\n"
        "2. reads the last state only, $y = W_{hy} h_T + b_y$, with the loss "
        "$L = -\\frac{1}{B} \\sum_b \\log \\operatorname{softmax}(y_b)[\\text{meal}_b]$;\n"
        f"3. finds the gradient $\\nabla = \\partial L / \\partial \\theta$ by {lesson.glossary_link('BPTT')}, "
        "each weight's a sum of one term per word step;\n"
        f"4. clips it by norm at $c$ ({lesson.glossary_link('gradient clipping')}): "
        "$\\nabla \\leftarrow \\nabla \\cdot \\min(1, c / \\lVert \\nabla \\rVert)$;\n"
        f"5. moves the weights with {lesson.glossary_link('Adam')}: "
        "$\\theta \\leftarrow \\theta - \\eta\\, \\hat m / (\\sqrt{\\hat v} + \\epsilon)$.")
    lesson.explain(
        "Here $\\theta$ is every weight and bias of the cell and the readout, $\\nabla$ their gradient and "
        f"$\\eta$ the {lesson.glossary_link('learning rate')}. Adam keeps, for each parameter, running averages "
        "of its gradient ($m$) and of its square ($v$) over the updates; $\\hat m$ and $\\hat v$ are the same "
        "averages corrected for starting at 0, and $\\epsilon = 10^{-8}$ keeps the division finite. So every "
        "parameter moves by about $\\eta$ per update whatever the size of its gradient (the recap has every "
        "equation). The loss only looks at the last step, so the only way for the gradient to reach the context "
        "word is backwards through all $T$ word steps: in the tanh RNN it is multiplied by $W_{hh}$ and a tanh "
        "slope at every step and usually fades over a long gap; in the LSTM it can travel along the cell state, "
        "scaled only by the forget gates.")
    lesson.show_code(loss_and_grads, train, adam_step, tasks.sample_batch)
    if results:
        lesson.downloads("memory_lab_training", {
            f"{kind}_{name}": values for kind, r in results.items()
            for name, values in (("update", r.eval_steps), ("loss", r.eval_losses), ("accuracy", r.test_accuracies))},
            settings=dataclasses.asdict(settings), index_name="evaluation")


@st.cache_data(max_entries=16, show_spinner=False)
def saturation(settings: tuple) -> float:
    """The share of a trained model's last-state entries beyond +-0.95 on held-out sentences at its gap."""
    config = TrainConfig(*settings)
    return memory.saturated_share(slot(settings).result.model, config.seed, config.gap)


def verdict(kind, result, probabilities, right, trained_gap) -> str:
    """One model's answer to the typed sentence, beside its held-out numbers at the trained gap."""
    scores = at_trained_gap(dataclasses.astuple(result.config))
    accuracy, confidence = scores.at(trained_gap)
    p = probabilities[kind]
    top = int(np.argmax(p))
    answer = (f"gives **{tasks.MEALS[right]}** {percent(p[right])}" if right is not None
              else f"says **{tasks.MEALS[top]}** ({percent(p[top])})")
    return (f"- **{CELL_NAMES[kind]}** {answer} on your sentence. On the {scores.size} held-out sentences at gap "
            f"{trained_gap} it picks the right meal for {percent(accuracy)} and gives it {percent(confidence)} on "
            "average.")


def ask_part(part, configs, settings, sentence):
    """The trained models answer a typed sentence (Ask), or one trained LSTM shown inside (Inside)."""
    results = finished(configs)
    named = {kind: shared(config) for kind, config in configs.items()}
    if not results or any(not run.done for run in named.values()):
        offer = st.empty()   # the offer to train goes once the models are there
        with offer.container():
            lesson.explain(f"The models here are the ones trained on the **Train** tab, with {settings_text(settings)}.")
            pressed = st.button("Train them now", icon=":material/play_arrow:", key="lab_train_here",
                                disabled=not configs)
        if pressed:
            train_now(named.values())
        wait_for(named, "Training")
        results = finished(configs)
        if results and all(run.done for run in named.values()):
            offer.empty()
    try:
        tokens = tasks.encode(sentence)
    except tasks.UnknownWordError as error:
        st.warning(str(error), icon=":material/spellcheck:")
        return
    if not results:
        st.info("Nothing is trained with these settings yet: press **Train them now**, or train on the Train tab.",
                icon=":material/play_arrow:")
        return
    if part == "Ask the models":
        ask_models(results, settings, tokens)
    else:
        inside_lstm(results, settings, tokens)


def ask_models(results, settings, tokens):
    words = tasks.decode(tokens).split()
    shape = memory.sentence_shape(tokens)
    right = memory.right_meal(tokens)
    probabilities = {kind: predict(r.model, tokens) for kind, r in results.items()}
    lesson.chart(next_word_bars(probabilities, tasks.MEALS, chance=tasks.CHANCE, right=right), key="lab_next_word",
                 alt="Each trained model's probability for every meal after the typed sentence.")
    lesson.explain(shape_text(shape, words, settings.gap))
    lesson.explain("\n".join(verdict(kind, r, probabilities, right, settings.gap) for kind, r in results.items()))
    lesson.explain(
        "Why a model can be right on every held-out sentence and still unsure here: held-out accuracy counts only "
        "whether the most probable meal is the right one, not how probable it is, and training stops as soon as "
        f"{DEFAULTS.target_accuracy:.0%} are right; and a model trained at one gap has never been asked about "
        "another. The chart below shows each model on held-out sentences at every gap: where your sentence's gap "
        "differs from the trained one, its probability for the right meal can be far lower. "
        + ("Press **Use a sentence at the trained gap** to ask again with the trained length."
           if not shape.like_training(settings.gap) else ""))

    scores = {kind: held_out(dataclasses.astuple(r.config)) for kind, r in results.items()}
    typed = {kind: (shape.gap, float(probabilities[kind][right])) for kind in results} \
        if shape.gap is not None and right is not None and shape.before == 0 and not shape.others else None
    lesson.chart(scores_by_gap(SCORE_GAPS, {kind: s.accuracy for kind, s in scores.items()},
                               {kind: s.confidence for kind, s in scores.items()}, trained_gap=settings.gap,
                               chance=tasks.CHANCE, typed=typed), key="lab_scores_by_gap",
                 alt="The trained models on held-out sentences at every gap: accuracy and the probability of the "
                     "right meal.")
    lesson.explain(
        f"Each point is the mean over {SCORE_SIZE} held-out sentences of that gap. "
        + " ".join(confidence_sentence(kind, s.confidence, SCORE_GAPS) for kind, s in scores.items())
        + (" The open circles are your sentence." if typed else ""))
    below = [text for kind, s in scores.items() if (text := below_chance_text(kind, s, settings.gap))]
    if below:
        lesson.explain(" ".join(below))
    lesson.note(
        f"What the numbers are measured on. Held-out accuracy and the right meal's probability in the lines under "
        f"the bars: the {settings.test_size} held-out sentences training scored itself on (seed {settings.seed}'s "
        f"test stream, never trained on, gap {settings.gap}). The chart below: {SCORE_SIZE} held-out sentences at "
        f"each gap, from the same stream. The bars: one forward pass over the one sentence you typed.")
    lstm = results.get("lstm")
    lesson.show_code(predict, Model.forward,
                     torch=None if lstm is None else lambda: pytorch_snippet(
                         lstm.model.cell, tasks.one_hot_inputs(np.asarray(tokens)[None])[:, 0],
                         last_readout=lstm.model.readout, show="probabilities"))


def inside_lstm(results, settings, tokens):
    if "lstm" not in results:
        lesson.explain("Switch on the LSTM on the **Train** tab and train it to look inside it.")
        return
    model = results["lstm"].model
    words = tasks.decode(tokens).split()
    position = context_position(tokens)          # index from 0 of the context word (the first word if none)
    spread = context_spread(model, tokens, position)
    index = int(np.argmax(spread))               # index from 0 of the unit whose final cell state differs most
    unit, length = index + 1, len(words)
    trace = sentence_trace(model, tokens)
    states = {w: t.c[:, index] for w, t in context_traces(model, tokens, position).items()}
    story = memory.unit_memory(states, position)
    f = trace.gates["f"][:, index]
    st.subheader(unit_title(spread))
    lesson.chart(memory_unit_figure(words, states, f, unit), key="lab_memory_unit",
                 alt=f"Cell state of unit {unit} for each context word, and its forget gate.")
    lesson.explain(inside_text(words, memory.sentence_shape(tokens), position, spread, story, states, f))
    path = gradient_path_text(position, length, unit, f, story.fans_out)
    if path:
        lesson.explain(path)
    lesson.chart(lab_gate_heatmaps(trace, ["i", "f", "o", "c"], unit=index, step=length - 1, labels=words),
                 key="lab_gates", alt="Every unit's input, forget and output gates and cell state over the sentence.")
    lesson.explain(
        "Every unit's input, forget and output gates and cell state over the typed sentence (rows are units "
        f"$j = 1 \\dots {spread.size}$, columns are word steps $t = 1 \\dots {length}$; hover to see the word). The "
        f"outlined square is unit {unit} at the last word. Gates are continuous values between 0 and 1, not switches; "
        "the cell state is not bounded, so its colours stop at $\\pm 1$ while its values go on.")
    lesson.downloads("memory_lab_lstm_trace", {**{name: trace.gates[name] for name in "ifgo"}, "c": trace.c,
                                               "h": trace.h},
                     settings={"sentence": words, **dataclasses.asdict(settings)})


lab_demo()

lesson.quiz(
    "quiz_lab_bias",
    "At gap 60 the LSTM with forget-gate bias $b_f = 0$ ends near chance, and with $b_f = +3$ it learns the task. "
    "Why does starting at +3 help?",
    ["It fixes the forget gate at exactly 1, so nothing stored can ever be forgotten",
     "The gate starts near 0.95, so the word and its gradient survive the long gap",
     "It makes the input gate ignore every filler word from the first update on"],
    answer=1,
    why="$\\sigma(3) \\approx 0.95$ keeps $0.95^{60} \\approx 5\\%$ of the context after 60 steps, and the gradient "
        "back along the cell state is scaled by the same product, so training sees the first word and can push the "
        "gate closer to 1. At $b_f = 0$ the gate starts near 0.5: $0.5^{60} \\approx 10^{-18}$, nothing comes back "
        "to learn from.",
    wrong=["A sigmoid never reaches exactly 1, and the bias is only where training starts: it keeps changing.",
           None,
           "$b_f$ is the forget gate's bias; the input gate has its own weights and biases and starts unchanged."])
lesson.quiz(
    "quiz_lab_heldout",
    "Every training update in the lab uses 64 sentences it has never seen. Why is accuracy still measured on one "
    "fixed set of held-out sentences?",
    ["The same 512 sentences each time: a change in score is a change in the model",
     "A training batch is scored after its own update, so its accuracy reads too high",
     "Held-out sentences have longer gaps, so they test the memory more strictly"],
    answer=0,
    why="The held-out set is the same 512 sentences at every evaluation, from a separate random stream, and never "
        "drives an update: two scores differ only because the model changed, and a score there is on sentences "
        "training never touched. A fresh training batch is an honest test too, but a different and smaller one "
        "each time, so its accuracy jumps from batch to batch.",
    wrong=[None,
           "Each batch is scored in the same forward pass that computes its loss, before the update it leads to; its "
           "trouble is that it changes every time, not that it flatters the model.",
           "Held-out and training sentences have the same gap and the same shape; only the random draws differ."])
lesson.quiz(
    "quiz_lab_chance",
    "A cell has forgotten the context word by the time it reads \"let's meet for\". What held-out accuracy does it "
    "get, roughly?",
    ["About 0%: it always avoids the right meal",
     "About 25%: one meal in four, a guess",
     "About 50%: it can rule out half of the meals"],
    answer=1,
    why="Each context word is drawn with probability 1/4, so without it every meal is right one time in four: "
        "the chance level is 25%, and a cell that forgot stays near that line.",
    wrong=["To avoid the right meal every time it would have to know which meal is right, which needs the word.",
           None,
           "Ruling out two meals would also need information about the first word; the fillers carry none."])
lesson.quiz(
    "quiz_lab_typed",
    "A model reached 100% held-out accuracy at gap 60, yet on a typed sentence with 11 filler words it gives the "
    "right meal only 42%. What explains it?",
    ["The 100% was scored on the training sentences, which the model had memorised",
     "Reading each sentence changes the weights, so later answers get weaker",
     "Accuracy counts top choices only, and 11 fillers is a length it never saw"],
    answer=2,
    why="100% accuracy means the right meal was the most probable one on every held-out sentence, not that it got "
        "all the probability; and the model was trained only on sentences with 60 fillers, so at 11 its state at "
        "\"let's meet for\" is one it never learned to read. Ask it a sentence at the trained gap and compare.",
    wrong=["Held-out sentences come from their own random stream and never drive an update: the 100% is on "
           "sentences the model never trained on.",
           "The weights do not change after training, and every sentence starts again from $h_0 = c_0 = 0$: the "
           "same sentence always gets the same probabilities.",
           None])


stored_chart = stored_accuracy_vs_gap(DATA.stat().st_mtime) if DATA.is_file() else None
rnn_fact = rnn_takeaway(stored_chart, PREDICT_GAP) if stored_chart and PREDICT_GAP in stored_chart["gaps"] else ""
lesson.takeaways([
    "A cell learns this task only if the gradient from the last word reaches the first one: in a tanh RNN it is "
    f"multiplied by $W_{{hh}}$ and a tanh slope at every step and usually fades over a long gap{rnn_fact}.",
    "An LSTM's forget gate keeps a fraction $f^d$ of its memory after $d$ steps, a memory time of about $1/(1-f)$ "
    "steps: $b_f = 3$ starts it at $f \\approx 0.95$, about 21 steps, and that start decides whether training "
    "finds the first word.",
    "Held-out accuracy counts the top choice on new sentences like the training ones; how sure a model is, and how "
    "it does on other lengths, are separate questions.",
    "Single runs vary with the seed, the learning rate and the gap: compare averages over several runs.",
])
lesson.misconceptions([
    ("The LSTM's forget gate outputs 0 or 1.",
     "It is a sigmoid: any value between 0 and 1. Over a gap of 60 steps the difference between 0.95 and 0.99 "
     "is the difference between keeping 5% and 55% of the memory."),
    ("Gated cells eliminate vanishing and exploding gradients.",
     "They ease vanishing gradients along the cell state (or the GRU's direct path); gradients can still "
     "vanish when the gates close, and can still explode, which is why the lab clips them."),
    ("A plain RNN cannot represent long memories.",
     "It can (an identity-like $W_{hh}$ would carry the word, and so can units held at the flat ends of tanh, "
     "like latches); what usually fails is learning it with gradient descent, because the gradient back to the "
     "first word vanishes. With a larger learning rate the lab's RNN sometimes does learn a long gap, which is why "
     "single runs are not the whole story."),
    ("100% accuracy means the model is sure of its answer.",
     "Accuracy counts whether the most probable answer is right; the probability it gives that answer can be far "
     "below 100%, and training here stops as soon as 95% of the held-out answers are right."),
])

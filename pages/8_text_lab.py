"""Lesson 8: the text lab. An RNN, an LSTM and a GRU trained on Shakespeare by the course's own code,
writing, learning, and read from the inside, side by side."""

import json
import time
from pathlib import Path

import numpy as np
import streamlit as st

from app import controls, lesson
from app.figures.gradients import fmt_number
from app.figures.memory_lab import CELL_NAMES
from app.figures.text_lab import (WRAP, activation_text, context_curves, correlation_bars, dependence_by_distance,
                                  dependence_text, learning_curves, sampling_step_figure, shown_char)
from app.torch_snippet import char_model_snippet
from rnn_core import text as tx

ROOT = Path(__file__).resolve().parent.parent
MODELS = ROOT / "models"
RESULTS = ROOT / "data" / "text_lab.json"
PASSAGES = ROOT / "data" / "text_lab_passages.json"
KINDS = ("rnn", "lstm", "gru")
WRITE, LEARN, UNITS, DEPENDS, CONTEXT = PARTS = (
    "Write", "Watch it learn", "Inside the units", "What a prediction depends on", "How much context is used")
MAX_PROMPT, MAX_PASSAGE = 500, 2000
OWN = "Your own text"
DEFAULT_PROMPT = "ROMEO.\n"
PREDICT_TEMPERATURE = 0.5
PREDICT_K = 16  # the context part opens at k = 16; its check asks what moving k to the largest k does
WINDOW = 120  # characters before a prediction whose gradients are drawn
CELL_PX = 14  # the narrowest a character's cell may be on a phone (12 px monospace letters)


def wide(key: str, columns: int):
    """A container for a text grid of `columns` characters a row: on a narrow screen it keeps CELL_PX a character
    and scrolls sideways (at 390 px, 72 columns left 4 px each and the letters overlapped). Static CSS built from
    numbers, no user text."""
    st.html(f'<style>@media (max-width: 720px) {{ [data-testid="stLayoutWrapper"]:has(> .st-key-{key}) '
            f'{{ overflow-x: auto; }} .st-key-{key} {{ min-width: {CELL_PX * columns + 110}px; }} }}</style>')
    return st.container(key=key)


# ---------------------------------------------------------------- data, computed once per server

@st.cache_resource(max_entries=2, show_spinner=False)
def char_models(mtimes: tuple) -> dict:
    """The three shipped models (models/char_<kind>.npz), shared by every session; mtimes reloads them."""
    return {kind: tx.load_char_model(MODELS / f"char_{kind}.npz") for kind in KINDS}


def models() -> dict | None:
    paths = [MODELS / f"char_{kind}.npz" for kind in KINDS]
    if not all(path.is_file() for path in paths) or not RESULTS.is_file() or not PASSAGES.is_file():
        return None
    return char_models(tuple(path.stat().st_mtime for path in paths))


@st.cache_data(max_entries=2, show_spinner=False)
def stored(mtime: float, passages_mtime: float) -> tuple[dict, list]:
    """The results scripts/train_char_models.py precomputed, and the held-out passages."""
    return json.loads(RESULTS.read_text()), json.loads(PASSAGES.read_text())["passages"]


@st.cache_data(max_entries=96, show_spinner=False)
def written(kind: str, prompt: str, length: int, temperature: float, seed: int) -> tx.Sample:
    """A sample of one model, the same for everyone who asks for the same settings."""
    model = models()[kind]
    return tx.sample(model, tx.encode(model.vocab, prompt).indices, length, temperature, seed)


@st.cache_data(max_entries=24, show_spinner=False)
def passage_states(kind: str, text: str) -> tuple:
    """(indices, states after each character) of one model over a passage: computed once per server and shared
    by every student (the shipped passages are the same for all; at most 24 passages and cells are kept)."""
    model = models()[kind]
    indices = tx.encode(model.vocab, text).indices
    return indices, tx.state_history(model, indices)


@st.cache_data(max_entries=512, show_spinner=False)
def attribution(kind: str, text: str, position: int, window: int) -> tuple[np.ndarray, float]:
    """Gradient sizes of log p(x_{t+1}) over the window before t, and p(x_{t+1})."""
    model = models()[kind]
    indices, history = passage_states(kind, text)
    sizes = tx.dependence_window(model, indices, position, window, history)
    p = float(np.exp(tx.log_probs(model, history[0][position])[indices[position]]))
    return sizes, p


def for_each_cell(label: str, compute) -> dict:
    """compute(kind) for the three cells; a progress bar with the time left if it takes over a second."""
    out, bar, start = {}, None, time.perf_counter()
    for done, kind in enumerate(KINDS, start=1):
        out[kind] = compute(kind)
        elapsed = time.perf_counter() - start
        left = elapsed / done * (len(KINDS) - done)
        if bar is None and done < len(KINDS) and elapsed + left > 1.0:
            bar = st.progress(0.0)
        if bar is not None:
            bar.progress(done / len(KINDS), text=f"{label}: {CELL_NAMES[kind]} done, about {left:.0f} s left")
    if bar is not None:
        bar.empty()
    return out


# ---------------------------------------------------------------- typed text

def clamped(text: str | None, limit: int) -> str:
    return (text or "")[:limit]


def typed_notes(vocab: str, text: str | None, limit: int, what: str) -> None:
    """Say what happened to a typed text: cut to `limit` characters, characters the models do not know skipped
    (named by code point, and shown as plain text when printable). Never renders the text itself as Markdown."""
    text = text or ""
    if len(text) > limit:
        st.warning(f"Your {what} has {len(text):,} characters; the models read the first {limit:,}.",
                   icon=":material/content_cut:")
    encoded = tx.encode(vocab, clamped(text, limit))
    if encoded.skipped:
        st.info(skipped_sentence(vocab, encoded, what), icon=":material/visibility_off:")
        printable = [ch for ch in encoded.unknown[:12] if ch.isprintable() and not ch.isspace()]
        if printable:
            st.code("skipped: " + " ".join(printable), language=None)


def skipped_sentence(vocab: str, encoded, what: str) -> str:
    """What was skipped of a typed text: how many characters, how many different ones (named by code point), and
    exactly which characters the models know."""
    names = ", ".join(f"U+{ord(ch):04X}" for ch in encoded.unknown[:12])
    more = f" and {len(encoded.unknown) - 12} more" if len(encoded.unknown) > 12 else ""
    plural, kinds = encoded.skipped != 1, len(encoded.unknown)
    different = "" if not plural else f" ({kinds} different)" if kinds > 1 else " (all the same one)"
    marks = " ".join(tx.known_punctuation(vocab))
    return (f"{encoded.skipped:,} character{'s' if plural else ''}{different} of your {what} "
            f"{'are' if plural else 'is'} not among the {len(vocab)} the models know, so "
            f"{'they are' if plural else 'it is'} skipped: {names}{more}. The models know the English letters "
            f"A-Z and a-z, the digits 0-9, the space, the newline and these marks: `{marks}`")


def known_text(vocab: str, text: str | None, limit: int) -> str:
    """The typed text as the models read it: at most `limit` characters, unknown ones skipped."""
    return tx.decode(vocab, tx.encode(vocab, clamped(text, limit)).indices)


# ---------------------------------------------------------------- the controls of every part

def lesson_controls(panel, models_, results, passages) -> dict:
    """Every control of the lesson, created on every run (the kit keeps a hidden tab's controls and their values)."""
    vocab = models_["lstm"].vocab
    c = {}
    c["prompt_raw"] = controls.text_area(
        "Your beginning (the prompt)", "tl_prompt", DEFAULT_PROMPT, lambda text: known_text(vocab, text, MAX_PROMPT),
        height=80, help=f"Up to {MAX_PROMPT} characters; the three models read it, then write on.",
        container=panel.slot(WRITE))
    c["prompt"] = known_text(vocab, c["prompt_raw"], MAX_PROMPT)
    c["temperature"] = controls.float_slider(
        "Temperature", "tl_temp", 0.1, 2.0, 1.0, 0.1, container=panel.slot(WRITE),
        help="Divides the logits before the softmax: below 1 the model plays safe, above 1 it takes more risks.")
    c["length"] = controls.int_slider("Characters to write", "tl_length", 20, 400, 200, step=10,
                                      container=panel.slot(WRITE))
    c["seed"] = controls.seed_input(key="tl_seed", container=panel.slot(WRITE),
                                    help="The random draws: same seed, same text, for everyone.")
    c["step"] = controls.int_slider("Step s", "tl_step", 1, c["length"], 1, container=panel.slot(WRITE),
                                    help="Which drawn character to look at: step 1 is the first one after the prompt.")
    c["cell"] = controls.choice("Cell to look inside", "tl_cell", list(KINDS), "lstm", format_func=CELL_NAMES.get,
                                widget="segmented", container=panel.slot(WRITE, UNITS))

    saved = set.intersection(*({int(s) for s in results["models"][kind]["checkpoints"]} for kind in KINDS))
    final = results["models"]["lstm"]["config"]["steps"]
    steps = sorted(saved - {final}) + [final]
    c["checkpoints"] = steps
    c["checkpoint"] = controls.choice("Checkpoint (training updates)", "tl_checkpoint", steps, steps[1],
                                      format_func=lambda s: f"{s:,}" if s else "0 (before training)",
                                      widget="slider", container=panel.slot(LEARN))
    temperatures = results["sample"]["temperatures"]
    c["learn_temperature"] = controls.choice("Sample temperature", "tl_learn_temp", temperatures, temperatures[-1],
                                             format_func=lambda t: f"{t:g}", widget="segmented",
                                             container=panel.slot(LEARN))

    names = [p.get("title") or f"{p['play'].title()}, character {p['start']:,}" for p in passages] + [OWN]
    c["passage"] = controls.choice("Text", "tl_passage", names, names[0], container=panel.slot(UNITS, DEPENDS),
                                   help="A passage of the held-out plays, which the models never trained on, or "
                                        "your own text.")
    own = c["passage"] == OWN
    c["text_raw"] = controls.text_area(
        "Your own text", "tl_text", "", lambda text: known_text(vocab, text, MAX_PASSAGE),
        placeholder=f"Type or paste up to {MAX_PASSAGE:,} characters.",
        help=f"Up to {MAX_PASSAGE:,} characters. Characters the models do not know are skipped.",
        container=panel.slot(UNITS, DEPENDS) if own else panel.slot("(kept)"))
    raw = c["text_raw"] if own else tx.whole_words(passages[names.index(c["passage"])]["text"])
    c["text"] = known_text(vocab, raw, MAX_PASSAGE)
    c["feature"] = controls.choice("Feature to find", "tl_feature", list(tx.FEATURES), "inside [brackets]",
                                   container=panel.slot(UNITS),
                                   help="The finder ranks every unit by the correlation of its activation with it.")
    c["unit"] = controls.int_slider("Unit j", "tl_unit", 1, models_[c["cell"]].hidden_size, 1,
                                    container=panel.slot(UNITS))
    finder = panel.slot(UNITS)  # created on every tab, so the controls after it keep their places
    if panel.shows(UNITS) and len(c["text"]) >= 2:
        finder.button("Show the best unit for the feature", key="tl_best", icon=":material/search:",
                                 on_click=_show_best_unit, args=(c["cell"], c["text"], c["feature"]))

    n = max(len(c["text"]), 2)
    default = c["text"].find("]") if c["text"].find("]") > 0 else min(40, n - 1)
    c["position"] = controls.int_slider("Character position t", "tl_pos", 1, n - 1, default,
                                        container=panel.slot(DEPENDS),
                                        help="The prediction made after reading character t, of character t + 1.")
    c["back"] = controls.int_slider("Distance d (marked on the second chart)", "tl_back", 0,
                                    results["distance"] - 1, 50, container=panel.slot(DEPENDS),
                                    help="Characters before the one just read: d = 0 is x_t itself.")
    c["k"] = controls.choice("k: characters the model may see", "tl_k", results["context_ks"], PREDICT_K,
                             widget="slider",
                             container=panel.slot(CONTEXT))
    return c


def _show_best_unit(kind: str, text: str, feature: str) -> None:
    """The finder's button: put the unit slider on the chosen cell's best unit (before the slider is created)."""
    indices, history = passage_states(kind, text)
    r = tx.correlations(history[0][1:], tx.feature(feature, text))
    st.session_state["tl_unit"] = int(tx.rank_units(r, top=1)[0]) + 1


# ---------------------------------------------------------------- the parts

def write_part(c, models_):
    vocab = models_["lstm"].vocab
    typed_notes(vocab, c["prompt_raw"], MAX_PROMPT, "prompt")
    prompt, length, temperature, seed, step, kind = (c[k] for k in ("prompt", "length", "temperature", "seed",
                                                                      "step", "cell"))
    samples = for_each_cell("Writing", lambda k: written(k, prompt, length, temperature, seed))
    sample = samples[kind]
    order, probs = sample.top(5)
    drawn = vocab[int(sample.drawn[step - 1])]
    top_chars = [vocab[int(i)] for i in order[step - 1]]
    lesson.chart(sampling_step_figure(prompt + tx.decode(vocab, sample.drawn[:step - 1]), len(prompt), top_chars,
                                      probs[step - 1], drawn, sample.states[step - 1], cell=kind, step=step,
                                      temperature=temperature),
                 key="tl_step_chart", alt=f"Step {step} of the {CELL_NAMES[kind]}: the text so far, the five most "
                                          "likely next characters and the hidden state.")
    p_drawn = float(sample.probs[step - 1, sample.drawn[step - 1]])
    rank = int(np.sum(sample.probs[step - 1] > p_drawn)) + 1
    sure = tx.sample_certainty(vocab, sample)
    lesson.explain(
        f"Writing is a loop. At every step the model turns its hidden state into a probability for each of the "
        f"{len(vocab)} characters it knows: its readout gives one score per character, the "
        f"{lesson.glossary_link('logit', 'logits')} $y = W_{{hy}} h + b_y$; dividing them by the "
        f"{lesson.glossary_link('temperature')} $\\tau$ and taking the {lesson.glossary_link('softmax')} gives "
        "$p = \\mathrm{softmax}(y / \\tau)$. It draws one character at random with those probabilities and reads "
        f"it back in. At step {step} the {CELL_NAMES[kind]} gave {shown_char(top_chars[0])!r} the highest "
        f"probability, {probs[step - 1, 0]:.0%}; the draw picked {shown_char(drawn)!r}, which had {p_drawn:.1%} "
        f"(rank {rank} of {len(vocab)}). On the right, the hidden state it drew from: "
        f"{sample.states.shape[1]} units, blue below 0, orange above.")
    lesson.explain(certainty_sentence(sure, length, temperature))
    st.subheader("Three cells, one beginning")
    lesson.explain(
        "The whole texts, your prompt first: the same prompt, seed and temperature for all three"
        + ("." if prompt else " (no prompt: they start from $h_0 = 0$).")
        + " With a seed the draws are the same random numbers for every cell, so where two models agree on the "
          "probabilities they write the same character.")
    for column, (k, written_sample) in zip(st.columns(3), samples.items()):
        column.markdown(f"**{CELL_NAMES[k]}**")
        column.code(prompt + tx.decode(vocab, written_sample.drawn), language=None, wrap_lines=True)

    model = models_[kind]
    logits = model.readout.forward(sample.states[0])          # step 1: after the prompt, whatever the temperature
    at_one, at_low = tx.tempered(logits, 1.0), tx.tempered(logits, PREDICT_TEMPERATURE)
    lesson.predict(
        "tl_predict_temperature",
        f"Step 1 is the first character after your prompt. Set the temperature to {PREDICT_TEMPERATURE}: what "
        f"happens to the probability of the {CELL_NAMES[kind]}'s most likely first character, compared with "
        "temperature 1?",
        ["It falls", "It rises", "It stays the same"],
        answer=1 if at_low.max() > at_one.max() else 0 if at_low.max() < at_one.max() else 2,
        why=f"At temperature 1 the {CELL_NAMES[kind]} gives its favourite first character {at_one.max():.1%}; at "
            f"{PREDICT_TEMPERATURE} it gives it {at_low.max():.1%}. Dividing the logits by a temperature below 1 "
            "stretches the gaps between them, and the softmax turns larger gaps into a surer choice; above 1 it "
            "flattens them.",
        instruction=f"set the temperature to {PREDICT_TEMPERATURE} and put Step s on 1",
        ready=abs(temperature - PREDICT_TEMPERATURE) < 1e-9 and step == 1)
    lesson.note("Temperature τ: p = softmax(y / τ), y = W_hy h + b_y. Probabilities are rounded. Character models "
                "that write by sampling: Karpathy (2015), min-char-rnn.")
    text = prompt + tx.decode(vocab, sample.drawn)
    lesson.show_code(tx.sample, tx.tempered,
                     torch=lambda: char_model_snippet(kind, f"models/char_{kind}.npz", text, show="output.shape"))
    lesson.downloads("text_lab_sample", {"drawn_index": sample.drawn,
                                         "p_drawn": sample.probs[np.arange(len(sample.drawn)), sample.drawn],
                                         "h": sample.states},
                     settings=dict(cell=kind, prompt=prompt, temperature=temperature, seed=seed, vocab=vocab),
                     index_name="step")


def certainty_sentence(sure: dict, length: int, temperature: float) -> str:
    """What Step s shows over the whole sample, from tx.sample_certainty (true at every temperature)."""
    said = (f"Move *Step s* through the {length} steps: at temperature $\\tau = {temperature:g}$ the top bar takes "
            f"90% or more at {sure['n_sure']} of them and less than half at {sure['n_unsure']}.")
    after, other = sure["mean_after"], sure["mean_other"]
    if after is not None and other is not None:
        said += (f" Right after a space or a newline the top bar has {after:.0%} on average, at the other steps "
                 f"{other:.0%}" + (": the choice is most open at the start of a word or a line." if after < other
                                   else "."))
    return said


def sample_text(results: dict, kind: str, checkpoint: int, final: int) -> dict:
    """The stored samples of one cell at a checkpoint: temperature (as a string) -> text."""
    record = results["models"][kind]
    return record["final_samples"] if checkpoint == final else record["checkpoints"][str(checkpoint)]["samples"]


def reference_word_length(passages: list) -> float:
    """Mean word length, in letters, of the held-out passages the lesson ships: what Shakespeare's text has."""
    words = [w for p in passages for w in tx.WORD.findall(p["text"])]
    return float(np.mean([len(w.replace("'", "")) for w in words]))


def samples_sentence(traits: dict, checkpoint: int, temperature: float, reference: float) -> str:
    """What the shown samples have, counted (tx.text_traits per cell): true at every checkpoint and temperature."""
    def per_cell(key):
        return ", ".join(f"{CELL_NAMES[k]} {traits[k][key]}" for k in KINDS)
    lengths = ", ".join(f"{CELL_NAMES[k]} {traits[k]['mean_word_length']:.1f}" if traits[k]["mean_word_length"]
                        else f"{CELL_NAMES[k]} (no words)" for k in KINDS)
    return (f"Counted in these samples (after {checkpoint:,} updates, temperature {temperature:g}): line breaks "
            f"{per_cell('line_breaks')}; speaker names alone on a line in capitals, as the plays print them "
            f"(\"ROMEO.\"): {per_cell('speaker_lines')}; stage directions in [brackets]: "
            f"{per_cell('stage_directions')}; mean word length in letters: {lengths} (the held-out passages of "
            f"this lesson: {reference:.1f}). "
            "Move the checkpoint: which of these comes first, and when do the words start to be real ones?")


def learn_part(c, models_, results, passages):
    checkpoint, temperature, steps = c["checkpoint"], c["learn_temperature"], c["checkpoints"]
    final = steps[-1]
    evaluations = {}
    for kind in KINDS:
        r = results["models"][kind]
        points = {int(s): record["held_out"]["total"] for s, record in r["checkpoints"].items()}
        points.update({int(e["step"]): e["held_out"] for e in r["evaluations"]})
        points[final] = r["held_out"]["total"]
        ordered = sorted(points)
        evaluations[kind] = {"steps": ordered, "bits": [points[s] for s in ordered]}
    ngrams = {f"{n}-gram": results["ngrams"][str(n)]["held_out"] for n in (3, 5)}
    lesson.chart(learning_curves(evaluations, checkpoint=checkpoint, ngrams=ngrams), key="tl_learning",
                 alt="Held-out bits per character of the three models against training updates.")
    at = {kind: dict(zip(evaluations[kind]["steps"], evaluations[kind]["bits"]))[checkpoint] for kind in KINDS}
    best = min(at, key=at.get)
    V = len(models_["lstm"].vocab)
    lesson.explain(
        f"{lesson.glossary_link('bits per character', 'Bits per character')} on the held-out plays: the average "
        "of $-\\log_2 p$ of each next character, so "
        f"lower is better; 0 would be always sure and right, $\\log_2 {V} = {np.log2(V):.2f}$ a uniform guess. "
        f"After {checkpoint:,} updates: RNN {at['rnn']:.2f}, LSTM {at['lstm']:.2f}, GRU {at['gru']:.2f} "
        f"({CELL_NAMES[best]} lowest). Grey dashed lines: two {lesson.glossary_link('n-gram', 'n-gram models')}, "
        "which predict each character from how often it followed the n - 1 characters before it in the training "
        f"plays: a {lesson.glossary_link('trigram')} (n = 3, two characters) scores {ngrams['3-gram']:.2f} and a "
        f"5-gram {ngrams['5-gram']:.2f}, with {lesson.glossary_link('Witten-Bell smoothing')} so that no "
        "character gets probability 0. Each update is one step of truncated "
        f"backpropagation through time on {results['models']['lstm']['config']['batch_size']} chunks of "
        f"{results['models']['lstm']['config']['chunk']} characters.")
    st.subheader(f"What they write after {checkpoint:,} updates")
    for column, kind in zip(st.columns(3), KINDS):
        record = results["models"][kind]
        text = sample_text(results, kind, checkpoint, final)
        column.markdown(f"**{CELL_NAMES[kind]}**: {at[kind]:.2f} bits per character")
        column.code(text[str(temperature)], language=None, wrap_lines=True)
    traits = {kind: tx.text_traits(sample_text(results, kind, checkpoint, final)[str(temperature)])
              for kind in KINDS}
    lesson.explain(samples_sentence(traits, checkpoint, temperature, reference_word_length(passages)))
    lesson.note(f"Samples of {results['sample']['length']} characters after a newline, seed "
                f"{results['sample']['seed']}, precomputed by scripts/train_char_models.py. The n-grams: Witten & "
                "Bell (1991) smoothing, counted on the training plays.")


def units_part(c, models_):
    vocab = models_["lstm"].vocab
    if c["passage"] == OWN:
        typed_notes(vocab, c["text_raw"], MAX_PASSAGE, "text")
    text, kind, feature, unit = c["text"], c["cell"], c["feature"], c["unit"]
    if len(text) < 2:
        st.info("Type at least two characters the models know to look inside them.", icon=":material/keyboard:")
        return
    states = for_each_cell("Reading", lambda k: passage_states(k, text))
    values = tx.feature(feature, text)
    r = {k: tx.correlations(states[k][1][0][1:], values) for k in KINDS}
    activation = states[kind][1][0][1:, unit - 1]
    st.subheader(f"Unit {unit} of the {CELL_NAMES[kind]}, character by character")
    columns = min(WRAP, max(len(line) + 1 for line in text.split("\n")))   # a newline takes a cell
    with wide("tl_wide_units", columns):
        lesson.chart(activation_text(text, activation, unit=unit, cell=kind, wrap=columns), key="tl_units_text",
                     alt=f"The text coloured by the activation of unit {unit} of the {CELL_NAMES[kind]}.")
    this_r = r[kind][unit - 1]
    lesson.explain(
        f"Each character is coloured by unit {unit}'s $h_t$ just after the model has read it (blue below 0, "
        "orange above; hover for the number). Most units respond to many things at once; a few follow something "
        "a reader would name. On this text unit "
        f"{unit} has a correlation of {'(none: it does not vary)' if np.isnan(this_r) else f'{this_r:+.2f}'} "
        f"with *{feature}*.")
    st.subheader("The finder")
    if np.ptp(values) == 0:
        lesson.explain(f"Nothing in this text changes *{feature}* (every character has the same value), so no "
                       "correlation is defined: choose another text or feature.")
        return
    ranked = {k: [int(u) + 1 for u in tx.rank_units(r[k], top=5)] for k in KINDS}
    lesson.chart(correlation_bars(r, ranked, feature=feature), key="tl_finder",
                 alt=f"The five units of each cell whose activation follows {feature} most closely.")
    best = {k: (ranked[k][0], float(r[k][ranked[k][0] - 1])) for k in KINDS}
    lesson.explain(
        f"The *correlation* (Pearson's r, from -1 to 1) of each unit's activation with *{feature}* over these "
        f"{len(text):,} characters, computed now; the five strongest units of each cell. Best: "
        + ", ".join(f"{CELL_NAMES[k]} unit {u} (r = {v:+.2f})" for k, (u, v) in best.items())
        + ". Press *Show the best unit* to colour the text by it. A strong correlation on one short passage can be "
          "luck: check the unit on another passage.")
    lesson.note("Features: inside [brackets] runs from [ to ] (stage directions); position in the line counts "
                "characters from the last newline; after a capital is 1 just after an upper-case letter.")


def depends_part(c, models_, results):
    vocab = models_["lstm"].vocab
    if c["passage"] == OWN:
        typed_notes(vocab, c["text_raw"], MAX_PASSAGE, "text")
    text, position, d = c["text"], c["position"], c["back"]
    if len(text) >= 2:
        found = for_each_cell("Gradients", lambda k: attribution(k, text, position, WINDOW))
        sizes = {k: v[0] for k, v in found.items()}
        first = position - len(sizes["lstm"]) + 1
        st.subheader(f"What the prediction of character {position + 1} depends on")
        columns = min(WRAP, len(sizes["lstm"]))
        with wide("tl_wide_depends", columns):
            lesson.chart(dependence_text(text[first - 1:position], sizes, first=first, position=position,
                                         next_char=text[position], wrap=columns,
                                         probabilities={k: v[1] for k, v in found.items()}),
                         key="tl_depends_text",
                         alt=f"The {len(sizes['lstm'])} characters up to position {position}, coloured by how much "
                             "each cell's prediction of the next one depends on them.")
        far = {k: float(v[:-FAR].sum() / v.sum()) if v.sum() > 0 else 0.0 for k, v in sizes.items()}
        lesson.explain(
            f"After reading character $t = {position}$ each model predicts character $t + 1 = {position + 1}$, "
            f"{shown_char(text[position])!r}. Each character before it, $x_{{t-d}}$ ($d$ characters before "
            "$x_t$; $d = 0$ is $x_t$, the character just read), is coloured by the size of the gradient of "
            "$\\log p(x_{t+1})$ with respect to its one-hot input: how much a small change there would move the "
            f"prediction (dark red: that cell's largest). Share of the gradient from $d \\ge {FAR}$: "
            + ", ".join(f"{CELL_NAMES[k]} {far[k]:.0%}" for k in KINDS) + ". Try a position just before a closing "
            "bracket `]`: does the cell still look back to the `[` that opened it?")
    else:
        st.info("Type at least two characters the models know to see what a prediction depends on.",
                icon=":material/keyboard:")
    st.subheader("On average over held-out text: memory against distance")
    curves = {k: results["models"][k]["dependence_mean"] for k in KINDS}
    lesson.chart(dependence_by_distance(list(range(results["distance"])), curves, marked=d), key="tl_distance",
                 alt="Mean gradient size against the distance d for the three cells, log scale.")
    lesson.explain(distance_sentence(curves, d, 2 * results["distance_positions_per_play"]))
    lesson.note(f"The coloured text: gradients by backpropagation through the last {WINDOW} characters before the "
                f"prediction; the averages: through the last {results['distance']} at each position (the state "
                "before them is a constant, so both are exact), precomputed by scripts/train_char_models.py.")


FAR = 10  # "far" characters of the coloured text: d >= FAR


def distance_sentence(curves: dict, d: int, positions: int) -> str:
    """The distance chart in words at the marked distance d (curves[kind][d] is the mean at distance d)."""
    at = {k: curves[k][d] for k in KINDS}
    compared = (f"the LSTM's is {times(at['lstm'] / at['rnn'])} times the RNN's and the GRU's "
                f"{times(at['gru'] / at['rnn'])} times" if at["rnn"] > 0 else
                "the RNN's has vanished below the smallest number a float32 holds")
    said = (f"The same gradient size, averaged over {positions:,} positions of the held-out plays, against the "
            f"distance $d$. At $d = {d}$" + (" (the character just read)" if d == 0 else "")
            + f" the average is {fmt_number(at['rnn'])} for the RNN, {fmt_number(at['lstm'])} for the LSTM and {fmt_number(at['gru'])} "
            f"for the GRU: {compared}.")
    if d != 0:
        said += (f" At $d = 0$ the ratios are {times(curves['lstm'][0] / curves['rnn'][0])} and "
                 f"{times(curves['gru'][0] / curves['rnn'][0])}.")
    return said + (" A gradient measures sensitivity: how much the prediction would move if that character "
                   "changed. It does not say the character helps predict better; the last part measures that.")


def times(ratio: float) -> str:
    """A ratio as a teacher reads it: 3 significant figures ("0.913", "1,530"), a power of ten beyond a million."""
    if ratio < 100:
        return f"{ratio:.3g}"
    if ratio < 1e6:
        return f"{float(f'{ratio:.3g}'):,.0f}"
    return f"about $10^{{{round(float(np.log10(ratio)))}}}$"


def gated_gain(needed: dict) -> str:
    """How much context the gated cells use (tx.context_needed per cell), in words."""
    if needed["lstm"] == needed["gru"]:
        return f"the LSTM and the GRU keep gaining up to {needed['lstm']}"
    return f"the LSTM keeps gaining up to {needed['lstm']} and the GRU up to {needed['gru']}"


def context_sentence(ks, k, bits, full, whole, needed, scored) -> str:
    """The context chart in words: its measure at the scored positions beside the whole-play score of the table."""
    at = {kind: bits[kind][ks.index(k)] for kind in KINDS}
    gated, gated_whole = min(bits["lstm"][-1], bits["gru"][-1]), min(whole["lstm"], whole["gru"])
    harder = all(full[kind] > whole[kind] for kind in KINDS)
    easier = all(full[kind] < whole[kind] for kind in KINDS)
    return (
        "To score a character with *k characters of context* the model starts from $h_0 = 0$ k characters back "
        "and reads only those (its state is reset there). The chart scores the same "
        f"{scored:,} positions of the held-out plays at every k: its measure is the *bits per character at the "
        f"scored positions*. With k = {k}: RNN {at['rnn']:.2f}, LSTM {at['lstm']:.2f}, GRU {at['gru']:.2f}. With "
        "everything they have read (the dash-dot lines): RNN "
        f"{full['rnn']:.2f}, LSTM {full['lstm']:.2f}, GRU {full['gru']:.2f} at these positions, against "
        f"{whole['rnn']:.2f}, {whole['lstm']:.2f} and {whole['gru']:.2f} over every character of both plays (the "
        "table below, the *held-out bits per character* of the other tabs)"
        + (": these positions are harder than average. " if harder else
           ": these positions are easier than average. " if easier else ". ")
        + f"More than {needed['rnn']} characters no longer help the RNN (it stays within 0.01 bits of its best), "
        f"while {gated_gain(needed)}: that is where the gated cells pull ahead. At k = {ks[-1]} the RNN is "
        f"{bits['rnn'][-1] - gated:.2f} bits behind the better gated cell at these positions; over all of both "
        f"plays, reading everything, it is {whole['rnn'] - gated_whole:.2f} behind.")


def ngram_sentence(results) -> str:
    """The n-gram diamonds: scored at the chart's positions, beside their whole-play score."""
    three, five = results["ngrams"]["3"], results["ngrams"]["5"]
    return (f"A grey diamond is an {lesson.glossary_link('n-gram')} model: it predicts from the n - 1 characters "
            "before, so it sits at k = n - 1. It is scored at the same positions: the trigram "
            f"{three['at_positions']:.2f} here and {three['held_out']:.2f} over all of both plays, the 5-gram "
            f"{five['at_positions']:.2f} here and {five['held_out']:.2f} over all.")


def sensitivity_sentence(results, needed) -> str:
    """Why a gradient far back (the previous part) and the context that helps (this part) differ."""
    far = results["distance"] - 1
    lstm = results["models"]["lstm"]["dependence_mean"]
    return (f"The previous part found the LSTM's prediction still sensitive to a character {far} characters "
            f"back (mean gradient {fmt_number(lstm[far])}), yet here reading more than {needed['lstm']} characters lowers "
            "its bits by 0.01 at most. Both are true: a gradient says how much the prediction would move if that character "
            "changed, not whether knowing it makes the prediction better. Only this chart measures what the "
            "context is worth.")


def context_part(c, models_, results):
    ks, k = results["context_ks"], c["k"]
    bits = {kind: results["models"][kind]["context_bits"] for kind in KINDS}
    full = {kind: results["models"][kind]["full_context_bits"] for kind in KINDS}
    whole = {kind: results["models"][kind]["held_out"]["total"] for kind in KINDS}
    ngrams = {int(order): v["at_positions"] for order, v in results["ngrams"].items() if int(order) >= 2}
    scored = 2 * results["positions_per_play"]
    lesson.chart(context_curves(ks, bits, full, ngrams=ngrams, marked=k, positions=scored), key="tl_context",
                 alt=f"Bits per character at the {scored:,} scored positions against the number of characters the "
                     "model may see.")
    needed = {kind: tx.context_needed(ks, bits[kind]) for kind in KINDS}
    lesson.explain(context_sentence(ks, k, bits, full, whole, needed, scored))
    lesson.explain(ngram_sentence(results))
    lesson.explain(sensitivity_sentence(results, needed))
    if 2 in ks and 3 in ngrams and all(bits[kind][ks.index(2)] > ngrams[3] for kind in KINDS):
        lesson.explain(
            f"Right after a reset the models do worse than a trigram, which sees the same two characters (k = 2: "
            f"RNN {bits['rnn'][ks.index(2)]:.2f}, LSTM {bits['lstm'][ks.index(2)]:.2f}, GRU "
            f"{bits['gru'][ks.index(2)]:.2f}, trigram {ngrams[3]:.2f}, all at the scored positions). They were trained to read on from a state "
            "carried through the text, and a zero state in the middle of a line is one they never met.")
    start, end = ks.index(PREDICT_K), len(ks) - 1
    gain = {kind: bits[kind][start] - bits[kind][end] for kind in KINDS}
    lesson.predict(
        "tl_predict_context",
        f"Move k from {PREDICT_K} to {ks[end]} characters. Which cell's bits per character fall the most?",
        [f"The {CELL_NAMES[kind]}" for kind in KINDS], answer=KINDS.index(max(gain, key=gain.get)),
        why=f"From k = {PREDICT_K} to k = {ks[end]} the RNN gains {gain['rnn']:.3f} bits per character, the LSTM "
            f"{gain['lstm']:.3f} and the GRU {gain['gru']:.3f}. More than {needed['rnn']} characters no longer help "
            f"the plain RNN, while {gated_gain(needed)}: "
            "the gated cells still use what they read further back.",
        instruction=f"move k to {ks[end]}", ready=k == ks[end])
    rows = [(CELL_NAMES[kind], results["models"][kind]["held_out"]["total"]) for kind in KINDS]
    rows += [(f"{n}-gram (Witten-Bell)", results["ngrams"][str(n)]["held_out"]) for n in (3, 5)]
    st.markdown("| model | held-out bits per character (all of both plays) | perplexity |\n|---|---:|---:|\n" + "\n".join(
        f"| {name} | {value:.3f} | {2 ** value:.2f} |" for name, value in rows))
    params = {kind: results["models"][kind]["parameters"] for kind in KINDS}
    lesson.explain(
        f"{lesson.glossary_link('perplexity', 'Perplexity')} is $2^{{\\text{{bits per character}}}}$: on average the "
        "model is as unsure as a fair choice among "
        f"that many characters. The three cells have {models_['lstm'].hidden_size} units each; the LSTM has "
        f"{params['lstm'] / params['rnn']:.1f} times the RNN's parameters and the GRU "
        f"{params['gru'] / params['rnn']:.1f} times.")
    lesson.note(f"The chart scores {2 * results['positions_per_play']:,} positions of the held-out plays; the table "
                "every character of both. Precomputed by scripts/train_char_models.py.")


R = stored(RESULTS.stat().st_mtime, PASSAGES.stat().st_mtime)[0] if models() is not None else None
if R is None:
    lesson.header("Text lab: RNN, LSTM and GRU reading and writing Shakespeare",
                  "The trained models are missing: run `python scripts/train_char_models.py`.")
    st.stop()
CONFIG = R["models"]["lstm"]["config"]
FILES = 42 - len(R["corpus"]["held_out"])  # the package's *_gut.txt texts, less the held-out plays

lesson.header(
    "Text lab: RNN, LSTM and GRU reading and writing Shakespeare",
    "Three *character models*, a tanh RNN, an LSTM and a GRU with one layer of "
    f"{CONFIG['hidden_size']} units each, read text one character at a time (each a "
    f"{lesson.glossary_link('one-hot')} vector: all "
    f"zeros but a 1 for that character, one of {len(R['corpus']['vocab'])}) and predict the next. They were "
    f"trained by this course's own NumPy code on {FILES} plays and poems of Shakespeare "
    f"({R['corpus']['training_characters'] / 1e6:.1f} million characters) with "
    f"{lesson.glossary_link('truncated BPTT', 'truncated backpropagation through time')}: chunks of "
    f"{CONFIG['chunk']} characters, the state carried from chunk to chunk but the "
    f"gradient cut between them. The Tempest and Macbeth were {lesson.glossary_link('held-out set', 'held out')}: "
    "never trained on, so they show how "
    "well the models predict text they have not seen. Here they write, learn, and are read from the inside, "
    "side by side.",
    short="An RNN, an LSTM and a GRU trained on Shakespeare, side by side.",
)


@st.fragment
def text_lab_demo():
    """The controls and the open part: a control reruns this function only, not the text and questions around it."""
    part, body = lesson.tabs("tl_part", PARTS)
    with body:
        models_ = models()
        if models_ is None:
            st.warning("The trained models are missing: run `python scripts/train_char_models.py`.",
                       icon=":material/warning:")
            return
        results, passages = stored(RESULTS.stat().st_mtime, PASSAGES.stat().st_mtime)
        panel = lesson.ControlPanel(part, scope="text_lab")
        c = lesson_controls(panel, models_, results, passages)
        if part == WRITE:
            write_part(c, models_)
        elif part == LEARN:
            learn_part(c, models_, results, passages)
        elif part == UNITS:
            units_part(c, models_)
        elif part == DEPENDS:
            depends_part(c, models_, results)
        else:
            context_part(c, models_, results)


text_lab_demo()

dependence = R["models"]["lstm"]["dependence_mean"]

lesson.quiz(
    "tl_quiz_bits", "A model scores 2 bits per character on held-out text. Which statement is true?",
    ["On average it is as unsure as a fair choice among 4 characters",
     "Its most likely character is the right one 1 time in 4",
     "It gives the right character probability 1/2 on average"],
    answer=0,
    why="Bits per character is the average of $-\\log_2 p$ of the character that came; $2^2 = 4$: the same "
        "surprise as a fair choice among 4. That is its perplexity.",
    wrong=[None,
           "Bits per character scores the probability the model gave the right character, not whether its "
           "favourite was right: a model can be right and unsure, or wrong and sure.",
           "Probability 1/2 every time costs $-\\log_2 (1/2) = 1$ bit, not 2; 2 bits is the surprise of "
           "probability 1/4."])
lesson.quiz(
    "tl_quiz_truncation", f"The models were trained with truncated BPTT on chunks of {CONFIG['chunk']} characters, the "
    "gradient cut between chunks. Can the trained LSTM's prediction still depend on a character 150 characters back?",
    [f"No: the gradient was cut every {CONFIG['chunk']} characters, so the model can only use the last "
     f"{CONFIG['chunk']}",
     "Only with a temperature above 1",
     "Yes: the state carries it forward; the cut only stops the training signal"],
    answer=2,
    why="The state is carried from chunk to chunk, so what the model read 150 characters ago is still in $h_t$ "
        "(faded). Truncation limits how far back one update adjusts the weights, not how far the state reaches: "
        f"averaged over held-out text, the LSTM's gradient 150 characters back ($d = 150$) is "
        f"{fmt_number(dependence[150])}, {fmt_number(dependence[150] / dependence[0])} of its size for the character just read. "
        "(A gradient says the prediction is sensitive to that character; whether the character helps it predict "
        "better is what the last part measures.)",
    wrong=["The cut is in the backward pass of training only. Reading text, the state flows forward without any "
           "cut.",
           "Temperature changes how a character is drawn from the probabilities, not what the probabilities "
           "depend on.",
           None])
last = R["models"]["lstm"]["evaluations"][-1]  # the last evaluation: training chunks and held-out plays
lesson.quiz(
    "tl_quiz_heldout", "Why are The Tempest and Macbeth held out of training?",
    ["Scored on the text they trained on, the models would look worse than they are",
     "Only text the model never saw shows how well it predicts new text",
     "Their characters are outside the models' vocabulary"],
    answer=1,
    why="A model can fit the very text it trained on better than it predicts new text; scoring unseen plays "
        "measures what it learned about Shakespeare's English, not what it memorised.",
    wrong=["The other way round: on text it trained on a model looks better than it is. After "
           f"{last['step']:,} updates the LSTM scored {last['train_bits']:.2f} bits per character on "
           f"its training chunks and {last['held_out']:.2f} on the held-out plays.",
           None,
           f"Every character in them is one of the {len(R['corpus']['vocab'])} the models know: the training text "
           "uses the same ones."])

held = {kind: R["models"][kind]["held_out"]["total"] for kind in KINDS}
five = R["ngrams"]["5"]["held_out"]
ks, context = R["context_ks"], {kind: R["models"][kind]["context_bits"] for kind in KINDS}
needed = {kind: tx.context_needed(ks, context[kind]) for kind in KINDS}
lesson.takeaways([
    f"Trained by the course's own NumPy code on {R['corpus']['training_characters'] / 1e6:.2f} million "
    f"characters of Shakespeare, the LSTM scores {held['lstm']:.2f} bits per character on two plays it never "
    f"saw, the GRU {held['gru']:.2f} and the RNN {held['rnn']:.2f}; a character 5-gram scores {five:.2f}.",
    "Writing is a loop: the softmax of the logits divided by a temperature, one random draw, the character fed "
    "back in. A low temperature repeats safe choices; a high one invents.",
    f"With the same {CONFIG['hidden_size']} units the LSTM and the GRU end {abs(held['lstm'] - held['gru']):.2f} "
    f"bits apart and the RNN {held['rnn'] - min(held['lstm'], held['gru']):.2f} bits behind them over all of both "
    "held-out plays. The difference "
    f"is in long contexts: more than {needed['rnn']} characters no longer help the RNN, the gated cells keep "
    f"gaining up to {max(needed['lstm'], needed['gru'])}, and their gradients reach much further back.",
    "Some units follow things a reader can name (inside a stage direction, the position in a line); the "
    "finder shows them by correlating activations with a feature. Most units respond to many things at once.",
])
lesson.misconceptions([
    ("The model understands Shakespeare.",
     "It predicts the next character from the statistics of the text it read: its lines have the shape of verse, "
     "real words and speaker names, but no plot and little sense."),
    ("A unit is a neuron that means one thing and is either on or off, 0 or 1.",
     "Activations are continuous, between -1 and 1, and most units respond to many things at once; a unit that "
     "follows one feature closely is the exception, which is why the finder ranks them."),
    ("The LSTM is far better than the plain RNN at everything.",
     f"At this size the three cells are {max(held.values()) - min(held.values()):.2f} bits per character apart on "
     "the held-out plays; the gated cells' advantage shows in long contexts, as the last two parts of the lesson "
     "measure."),
    ("A lower temperature makes the model smarter.",
     "Temperature only changes how a character is drawn from the model's probabilities; the model, and its bits "
     "per character on held-out text, stay the same."),
])

"""The memory lab's sentences, each built from the numbers its figure shows (no Streamlit here).

The page (pages/7_memory_lab.py) calls these with the results it draws, and the tests call them with the same
results (or made-up ones, for the cases a short test run cannot reach), so that a sentence and its figure come
from one computation. Word steps and units count from 1; a training step is an "update".
"""

from __future__ import annotations

import numpy as np

from app.figures.memory_lab import CELL_NAMES
from app.lesson import glossary_link
from rnn_core import memory, tasks

LEARNED = 0.9              # a run "learned" its gap when it ended at or above this held-out accuracy


def count_text(n: int) -> str:
    """"none" for 0, else the number."""
    return "none" if n == 0 else str(n)


def percent(value: float) -> str:
    return f"{value:.0%}"


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def listing(items) -> str:
    """"a", "a and b", "a, b and c"."""
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def tex_number(value: float) -> str:
    """A positive number for LaTeX: 0.047, or 3.9 times 10^{-84} when it is small."""
    if value == 0:
        return "0"
    if value >= 0.01:
        return f"{value:.2g}"
    exponent = int(np.floor(np.log10(value)))
    return f"{value / 10 ** exponent:.1f} \\times 10^{{{exponent}}}"


def memory_time_text(f: float) -> str:
    """The memory time 1 / (1 - f) of a forget gate f in words: "about 21 steps", "about 1 step"."""
    steps = 1 / (1 - f)
    return f"about {steps:,.0f} step{'' if round(steps) == 1 else 's'}"


def power_text(log10: float) -> str:
    """10 to a power, for LaTeX: 10^{-4.5}."""
    return f"10^{{{log10:.1f}}}"


def learned_count(stored: dict, name: str, k: int) -> int:
    """How many of a stored line's runs at gap index k learned the gap (ended at LEARNED or above)."""
    return sum(value >= LEARNED for value in stored["by_seed"][name][k])


def seeds_text(stored: dict, names, k: int) -> str:
    """What the lines' means are made of at gap index k: the single runs, and whether they went both ways."""
    gap = stored["gaps"][k]
    runs = {name: stored["by_seed"][name][k] for name in names}
    mixed = [name for name, values in runs.items() if max(values) >= LEARNED and min(values) < 0.5]
    if mixed:
        name = mixed[0]
        parts = listing([percent(v) for v in runs[name]])
        return (f"A point is a mean over runs that can go both ways: the {CELL_NAMES[name]}'s "
                f"{percent(stored['accuracy'][name][k])} at gap {gap} is the mean of {parts}. A run either learns "
                "to carry the word or stays far below, so a point between the two says how often, not how well.")
    spread = max(names, key=lambda name: max(runs[name]) - min(runs[name]))
    return (f"Each point is a mean over {plural(len(runs[spread]), 'run')}; at gap {gap} the runs of one line are "
            f"close (the widest, the {CELL_NAMES[spread]}'s, go from {percent(min(runs[spread]))} to "
            f"{percent(max(runs[spread]))}).")


def start_gradients(stored: dict, k: int) -> dict | None:
    """variant -> log10 of the gradient reaching the first word before training, at gap index k (None if the
    stored chart has no such record)."""
    table = stored.get("start_gradient_log10")
    return None if table is None else {name: values[k] for name, values in table.items()}


def b0_text(stored: dict, k: int) -> str:
    """Why the LSTM with b_f = 0 can end below the plain RNN at gap index k: no head start at that gap."""
    reach = start_gradients(stored, k)
    accuracy = stored["accuracy"]
    if reach is None or accuracy["lstm_b0"][k] >= accuracy["rnn"][k] - 0.1:
        return ""
    gap = stored["gaps"][k]
    level = reach["lstm_b0"] - reach["rnn"]
    start = ("a forget gate that starts near 0.5 gives it no head start over the RNN" if level < 1 else
             "though it starts with more gradient reaching the first word than the RNN")
    return (f"At gap {gap} it even ends below the plain tanh RNN ({percent(accuracy['lstm_b0'][k])} against "
            f"{percent(accuracy['rnn'][k])}): {start}. Before training, the most of the gradient that can get back "
            f"from the last state to the first word (the norm of $\\partial h_T / \\partial h_1$, with $c$ beside "
            f"$h$ for the LSTM) is about ${power_text(reach['lstm_b0'])}$ for it, ${power_text(reach['rnn'])}$ for "
            f"the RNN and ${power_text(reach['lstm'])}$ for the LSTM with $b_f = {stored['config']['forget_bias']:g}$ "
            f"(means over the seeds). The RNN learned this gap in {count_text(learned_count(stored, 'rnn', k))} of its "
            f"{len(stored['seeds'])} runs, this LSTM in {count_text(learned_count(stored, 'lstm_b0', k))}.")


def rnn_text(stored: dict, k: int) -> str:
    """Why the tanh RNN ends near chance at gap index k in the runs made in advance, and that it is the learning
    rate's doing as much as the cell's."""
    gap, runs = stored["gaps"][k], len(stored["seeds"])
    reach = start_gradients(stored, k)
    size = (f": before training, at most ${power_text(reach['rnn'])}$ of it gets back to the first word at this gap"
            if reach else "")
    learned = learned_count(stored, "rnn", k)
    return (f"The tanh RNN's gradient back to the first word is multiplied by $W_{{hh}}$ and a tanh slope at every "
            f"step{size}. At the lab's learning rate ({stored['config']['learning_rate']:g}) it learned gap {gap} in "
            f"{count_text(learned)} of its {runs} runs. That is not the last word: with a larger "
            "learning rate it sometimes does (try 0.01 on the **Train** tab, under More controls).")


def outcome_text(kind: str, result, target: float) -> str:
    """One trained cell's curves in a sentence: when it reached the target and with what loss, or where it stayed."""
    name, loss = CELL_NAMES[kind], float(result.eval_losses[-1])
    guess = float(np.log(len(tasks.MEALS)))
    if result.accuracy >= target:
        text = (f"The {name} reached {percent(result.accuracy)} after {plural(result.steps_run, 'update')}, its loss "
                f"then {loss:.2f}")
        if loss > 0.75 * guess:
            text += (", still close to $\\ln 4$: accuracy counts only the top choice, so a cell can pick the right "
                     "meal every time while its probabilities are still nearly even")
        jump = sharpest_rise(result)
        if jump:
            text += (f"; its accuracy jumped from {percent(jump[1])} to {percent(jump[3])} between updates "
                     f"{jump[0]} and {jump[2]}")
        return text + "."
    if result.accuracy < tasks.CHANCE + 0.1:
        return (f"The {name} stayed near chance ({percent(result.accuracy)} after all "
                f"{plural(result.steps_run, 'update')}, loss {loss:.2f} against $\\ln 4 \\approx {guess:.2f}$): "
                "with these settings it did not learn to carry the first word across the gap.")
    return (f"The {name} ended at {percent(result.accuracy)} after all {plural(result.steps_run, 'update')}, between "
            "chance and the target: more updates, or another seed, may finish the job.")


def sharpest_rise(result):
    """(update, accuracy, next update, accuracy) of the largest rise in held-out accuracy between two evaluations,
    if it is at least 30 points; None otherwise."""
    accuracy = np.asarray(result.test_accuracies, dtype=float)
    if accuracy.size < 2:
        return None
    k = int(np.argmax(np.diff(accuracy)))
    if accuracy[k + 1] - accuracy[k] < 0.3:
        return None
    return int(result.eval_steps[k]), float(accuracy[k]), int(result.eval_steps[k + 1]), float(accuracy[k + 1])


def rnn_outcome_text(result, stored: dict | None, share: float | None) -> str:
    """What the tanh RNN's run here says, beside the runs made in advance at the lab's learning rate.

    share: the saturated share of its last states (memory.saturated_share), needed when it learned the gap."""
    config = result.config
    before = ""
    if stored and config.gap in stored["gaps"]:
        k = stored["gaps"].index(config.gap)
        before = (f" In the runs made in advance (learning rate {stored['config']['learning_rate']:g}, seeds "
                  f"{', '.join(map(str, stored['seeds']))}) it learned this gap in {count_text(learned_count(stored, 'rnn', k))} "
                  f"of {len(stored['seeds'])}.")
    if result.accuracy < LEARNED:
        return (f"The tanh RNN did not learn gap {config.gap} here (learning rate {config.learning_rate:g}, seed "
                f"{config.seed}).{before} A larger learning rate or another seed sometimes gets it there: single "
                "runs differ.")
    held = (f" {percent(share)} of its last state's entries are beyond $\\pm 0.95$, on the flat ends of "
            f"{glossary_link('tanh')}, where a unit's value stays put like a latch (and passes back almost no "
            "gradient)." if share >= 0.3 else
            f" Only {percent(share)} of its last state's entries are beyond $\\pm 0.95$.")
    return (f"The tanh RNN learned gap {config.gap} here, at learning rate {config.learning_rate:g}.{held}{before} "
            "Whether a run gets there depends on the gap, the learning rate and the seed: try others.")


def shape_text(shape: memory.SentenceShape, words: list[str], trained_gap: int) -> str:
    """What the typed sentence is, against the sentences the models were trained on."""
    quoted = words if len(words) <= 16 else [*words[:8], "…", *words[-6:]]
    said = f"Your sentence, *{' '.join(quoted)}* ({plural(shape.words, 'word')}),"
    if shape.context is None:
        return (f"{said} has no context word, so no meal is right: a model can only guess, and one that learned the "
                "task should spread its probability over the four meals.")
    if shape.gap is None:
        return (f"{said} does not end with \"let's meet for\", the question the models were trained to answer: what "
                "they say after another last word is not something training asked of them.")
    where = "" if shape.before == 0 else f" after {plural(shape.before, 'other word')}"
    between = f"**{plural(shape.gap, 'filler word')}**"
    if shape.others:
        between = (f"**{plural(shape.gap, 'word')}** ({plural(shape.fillers, 'filler word')} and "
                   f"{listing(['*' + w + '*' for w in shape.others])}, "
                   f"{'another context word' if len(shape.others) == 1 else 'more context words'})")
    if shape.like_training(trained_gap):
        tail = ": yours has exactly that shape."
    elif shape.others:
        tail = ": yours has a context word where only fillers ever were."
    elif shape.gap != trained_gap:
        tail = f": yours has {shape.gap}, a length they never saw in training."
    else:
        tail = ": yours has that many, but does not start with its context word."
    return (f"{said} has its context word *{words[shape.context - 1]}* at step {shape.context}{where}, then "
            f"{between}, then \"let's meet for\". The models were trained only on sentences that start with the "
            f"context word and have exactly {plural(trained_gap, 'filler word')}{tail}")


def steps_text(stored: dict, name: str, k: int) -> str:
    """How many updates the stored runs of one line took at gap index k, e.g. "after 475, 75 and 50 updates"."""
    steps = [str(n) for n in stored["steps"][name][k]]
    return "after " + listing(steps) + (" update" if steps == ["1"] else " updates")


def gaps_text(gaps, every) -> str:
    """"gap 60", "gaps 40 to 100" (consecutive gaps of ``every``, the chart's), "gaps 30, 50 and 70"."""
    gaps = list(gaps)
    if len(gaps) == 1:
        return f"gap {gaps[0]}"
    k = [list(every).index(g) for g in gaps]
    if k == list(range(k[0], k[0] + len(k))):
        return f"gaps {gaps[0]} to {gaps[-1]}"
    return "gaps " + listing([str(g) for g in gaps])


def confidence_sentence(kind: str, confidence, gaps) -> str:
    """Where a model is surest of the right meal and where least, or that it is about as sure everywhere; gaps
    within one point of the surest count as tied. confidence[k] is at gaps[k]."""
    c = np.asarray(confidence, dtype=float)
    high, low = float(c.max()), int(np.argmin(c))
    if high - c[low] < 0.05:
        spread = (f"about {percent(c[low])}" if percent(c[low]) == percent(high)
                  else f"between {percent(c[low])} and {percent(high)}")
        return f"The {CELL_NAMES[kind]} gives the right meal {spread} at every gap."
    top = [gap for gap, value in zip(gaps, c) if value >= high - 0.01]
    level = f"about {percent(high)}" if len(top) > 1 else percent(high)
    return (f"The {CELL_NAMES[kind]} is surest at {gaps_text(top, gaps)} ({level} on the right meal) and least sure "
            f"at gap {gaps[low]} ({percent(c[low])}).")


def below_chance_text(kind: str, scores: memory.HeldOutScores, trained_gap: int) -> str:
    """Why a model scores far below chance at some gaps (a guess would do better), or "" if it nowhere does.

    Far below: more than three standard deviations of a guess's score on SCORE_SIZE sentences under chance."""
    floor = tasks.CHANCE - 3 * np.sqrt(tasks.CHANCE * (1 - tasks.CHANCE) / scores.size)
    low = [k for k, value in enumerate(scores.accuracy) if value < floor]
    if not low:
        return ""
    k = min(low, key=lambda k: scores.accuracy[k])
    gap, name = scores.gaps[k], CELL_NAMES[kind]
    where = "" if len(low) == 1 else f" (at {gaps_text([scores.gaps[j] for j in low], scores.gaps)})"
    text = (f"The {name} scores {percent(scores.accuracy[k])} at gap {gap}, far below chance{where}; a guess "
            "would do better, so its answer there still depends on the first word, read the wrong way.")
    fixed = scores.fixed_answers(k) if scores.answers else None
    if fixed and all(meal != word for word, meal in enumerate(fixed)):
        pairs = listing([f"*{tasks.CONTEXTS[w]}* → {tasks.MEALS[m]}" for w, m in enumerate(fixed)])
        text = (f"The {name} scores {percent(scores.accuracy[k])} at gap {gap}, far below chance{where}: every "
                f"sentence that starts with the same word gets the same meal, never its own ({pairs}). So it still "
                "tells the four words apart there, and reads them the wrong way.")
    return (text + f" It was trained at gap {trained_gap}: its readout learned what the state looks like after "
            f"{plural(trained_gap + len(tasks.PROMPT), 'word')}, and after "
            f"{plural(gap + len(tasks.PROMPT), 'word')} the state is elsewhere.")


def unit_story_text(story: memory.UnitMemory, states: dict, f, words) -> str:
    """What the unit's four lines do after the context word, in the figure's numbers."""
    T = len(words)
    finals = ", ".join(f"*{w}* {float(c[-1]):+.2f}" for w, c in states.items())
    if story.position == T - 1:
        return (f"Nothing follows the context word in this sentence, so there is no gap to carry it across (its cell "
                f"state after it: {finals}).")
    text = (f"At the context word its four lines are {story.start:.2f} apart; at the last word {story.end:.2f} "
            f"({finals}).")
    after = np.asarray(f[story.position + 1:], dtype=float)
    if story.fans_out:
        keeps = (f"keeps nearly all of what is there ({after.min():.2f} to {after.max():.2f})" if after.min() >= 0.9
                 else f"keeps {after.min():.2f} to {after.max():.2f} of it at each step")
        text += (" They fan out over the gap instead of splitting once and holding: at every step the unit adds an "
                 "amount that depends on the first word (the rest of the state still carries it, through "
                 f"$h_{{t-1}}$), and its forget gate {keeps}, so the differences add up.")
    elif story.end < 0.5 * story.ranges[story.widest]:
        text += (f" They are furthest apart at step {story.widest + 1} ({story.ranges[story.widest]:.2f}) and closer "
                 "again by the end: this unit's share of the memory fades, and other units carry the rest.")
    else:
        text += f" They are furthest apart at step {story.widest + 1} ({story.ranges[story.widest]:.2f})."
    if story.crossing:
        a, b, t = story.crossing
        text += (f" The *{a}* and *{b}* lines cross at step {t + 1}: from there this unit on its own does not keep "
                 "those two words apart; the network reads all its units together.")
    return text


def forget_start_text(forget_bias: float, gap: int) -> str:
    """Where the LSTM's forget gate starts for ``b_f``, its memory time and what it keeps over a sentence at ``gap``."""
    f = float(1 / (1 + np.exp(-forget_bias)))
    length = gap + len(tasks.PROMPT)
    kept = f ** length
    return (f"The {glossary_link('forget gate')} bias sets where the LSTM's memory starts ($b_f$: of the gate's "
            f"two biases in PyTorch, the lab sets $b_{{if}} = b_f$ and $b_{{hf}} = 0$). With "
            f"$b_f = {forget_bias:g}$ its forget gate begins near $f = \\sigma(b_f) = {f:.3f}$, a "
            f"{glossary_link('memory time')} of {memory_time_text(f)} ($1/(1-f)$), and keeps "
            f"$f^{{{length}}} = {tex_number(kept)}$ of the first word by the end of a sentence at gap "
            f"{gap} ({plural(length, 'word step')} after it). Training moves the gate from there; try "
            "$b_f = 0$ against $b_f = 3$.")


def inside_text(words, shape: memory.SentenceShape, position: int, spread, story: memory.UnitMemory, states: dict,
                forget) -> str:
    """Inside the LSTM, under the unit's figure: how the four runs differ, which unit is shown and why, and what its
    four lines do (unit_story_text). spread: context_spread of every unit; forget: the unit's f_t."""
    index = int(np.argmax(spread))
    carriers = int(np.sum(spread >= spread.max() / 2))
    runs = (f"with each context word in turn at step {position + 1} (where yours has *{words[position]}*)"
            if shape.context is not None else
            f"with each context word in turn in place of its first word, *{words[0]}* (it has no context word)")
    return (f"The sentence is run four times, {runs}. Unit {index + 1} is the unit whose cell state at the last word "
            "differs most between the four runs"
            + (f"; {carriers} of the {spread.size} units differ at least half as much, so the word is spread over "
               "many units and this is one of them." if carriers > 1 else
               "; no other unit differs even half as much.")
            + " " + unit_story_text(story, states, forget, words))


def unit_title(spread) -> str:
    """The heading over the unit's figure."""
    unit = int(np.argmax(spread)) + 1
    carriers = int(np.sum(spread >= spread.max() / 2))
    return f"Unit {unit}: one of the units that carry the context word" if carriers > 1 else \
        f"Unit {unit} carries the context word"


def gradient_path_text(position: int, length: int, unit: int, forget, fans_out: bool) -> str | None:
    """The forget-gate product after the context word (position, an index) as what the gradient keeps along the
    cell state; None when nothing follows the context word."""
    step = position + 1
    if step >= length:
        return None
    kept = float(np.prod(np.asarray(forget, dtype=float)[position + 1:]))
    return (f"Along the cell state the gradient from the last word back to the context word is multiplied by this "
            f"unit's forget gates after it, elementwise, with no weight matrix in between: "
            f"$\\partial c_{{{length}}} / \\partial c_{{{step}}}$ along that path is "
            f"$\\prod_{{t={step + 1}}}^{{{length}}} f_t = {kept:.3f}$ for unit {unit}. "
            + ("Most of the gradient gets back to the first word along this path: that is the path that lets "
               "training find the word." if kept >= 0.5 else
               f"{percent(kept) if kept >= 0.01 else 'Almost none'} of it gets back to the first word along this "
               "path.")
            + (" This product is about the gradient: what the unit stores is not a value written once and kept "
               "(see above)." if fans_out else ""))


def rnn_takeaway(stored: dict, gap: int) -> str:
    """The end of the first takeaway: how much gradient reaches the first word at ``gap`` before training, and how
    often the RNN learned that gap at the lab's learning rate."""
    k = stored["gaps"].index(gap)
    reach = start_gradients(stored, k)
    learned = learned_count(stored, "rnn", k)
    return ((f" (before training, at most ${power_text(reach['rnn'])}$ of it gets back across a gap of {gap})"
             if reach is not None else "")
            + f". At the lab's learning rate ({stored['config']['learning_rate']:g}) the RNN learned gap {gap} in "
            f"{count_text(learned)} of its {len(stored['seeds'])} runs made in advance; a larger learning rate "
            "sometimes gets there")

"""Lesson 2: the RNN, unrolled. Three steps of a one-unit RNN by hand, then one cell with matrices, the same
weights at every step, drawn as a chain."""

import math

import numpy as np
import streamlit as st

from app import controls, lesson
from app.equations import rnn_update_latex, warmup_working_latex
from app.figures import state_heatmap, unrolled_diagram
from app.figures.common import fmt
from app.figures.unrolled import MAX_FRAMES, WINDOW, warmup_figure
from app.torch_snippet import pytorch_snippet
from app.warmup import WARMUP_B, WARMUP_W_H, WARMUP_W_X, WARMUP_XS, check_answer, parse_answer
from rnn_core import RNN, Readout, sequences
from rnn_core.scalar import forward
from rnn_core.unrolled import lesson_cell, run_by_steps, spectral_radius

WARMUP, UNROLLED, STATES = "Warm-up by hand", "Unrolled cell", "Hidden state"
FIRST_FIGURE = 310  # px, each tab's first figure when presenting: whole under the title at 1280 x 720
TITLES = [WARMUP, UNROLLED, STATES]
PRESET_LABELS = {"words": "Words", "sine": "Sine wave", "impulse": "Impulse"}
BLOW_UP = 1e6                        # |h| beyond this is called an explosion on screen
S_LOW, S_HIGH = 0.5, 2.0             # the predict-then-move check compares these two s_max with f linear
TENFOLD = 10.0
TANH_TABLE = [k / 10 for k in range(16)]  # a = 0.0 .. 1.5: enough for the warm-up's default numbers


@st.cache_data(max_entries=64, show_spinner=False)
def run_network(preset, length, hidden, nonlinearity, s_max, input_scale, seed):
    """The RNN the controls describe, unrolled over the input, and an untrained readout (the same for every
    student: computed once per server)."""
    x = sequences.preset(preset, length, seed)
    cell = lesson_cell(x.shape[1], hidden, nonlinearity, s_max, input_scale, seed)
    with np.errstate(over="ignore", invalid="ignore"):
        trace = cell.unroll(x)
        readout = Readout.random(hidden, x.shape[1] if preset == "words" else 1, seed=seed + 1)
        y = readout.forward(trace.h)
    return cell, trace, y, sequences.preset_labels(preset, length)


def last_size(h) -> float:
    """||h_T||, the size of the last state (inf once it overflowed)."""
    with np.errstate(over="ignore", invalid="ignore"):
        size = float(np.linalg.norm(h[-1]))
    return size if np.isfinite(size) else math.inf


# --- Warm-up: one unit, three steps, by hand ----------------------------------------------------------------

ANSWER_KEYS = ("warm_h1", "warm_h2", "warm_h3")


def _keep(key: str, weights: tuple) -> None:
    """A typed answer outlives the tab (Streamlit forgets the state of a text box that is not drawn), and so do
    the weights it was typed for: it is checked against those, not against sliders moved later."""
    st.session_state[f"{key}_kept"] = st.session_state.get(key, "")
    st.session_state[f"{key}_for"] = weights


def answer_box(container, step: int, weights: tuple) -> tuple[str, tuple]:
    """The text box for h_step, and the weights (w_x, w_h, b, xs) its answer was typed for."""
    key = ANSWER_KEYS[step - 1]
    if key not in st.session_state and f"{key}_kept" in st.session_state:
        st.session_state[key] = st.session_state[f"{key}_kept"]
    text = container.text_input(f"Your $h_{step}$", key=key, placeholder="e.g. 0.123", on_change=_keep,
                                args=(key, weights), max_chars=12)
    return text, st.session_state.get(f"{key}_for", weights)


WEIGHT_NAMES = ("w_x", "w_h", "b", "x_1", "x_2", "x_3")


def weight_changes(typed_for: tuple, now: tuple) -> list[tuple[str, float, float]]:
    """(name, value typed for, value now) for each warm-up number that differs between two settings."""
    flat = lambda w: (w[0], w[1], w[2], *w[3])  # noqa: E731
    return [(name, old, new) for name, old, new in zip(WEIGHT_NAMES, flat(typed_for), flat(now))
            if not math.isclose(old, new, abs_tol=1e-12)]


def _listed(changes, which: int) -> str:
    return ", ".join(f"${name} = {change[which]:g}$" for name, *change in changes)


def tanh_table() -> str:
    half = len(TANH_TABLE) // 2
    rows = [f"| ${a:.1f}$ | ${math.tanh(a):.3f}$ | ${b:.1f}$ | ${math.tanh(b):.3f}$ |"
            for a, b in zip(TANH_TABLE[:half], TANH_TABLE[half:])]
    return ("| $a$ | $\\tanh a$ | $a$ | $\\tanh a$ |\n|---|---|---|---|\n" + "\n".join(rows))


def warmup_part(w_x, w_h, b, xs):
    """The one-unit RNN of the warm-up: the student types h_1, h_2, h_3; the page checks them and shows the working."""
    fwd = forward(w_x, w_h, b, xs)
    figure_slot = st.empty()  # drawn last: it shows the values found so far
    lesson.explain(
        "One unit, three steps: $h_t = \\tanh(a_t)$ with the pre-activation $a_t = w_x x_t + w_h h_{t-1} + b$, "
        "starting from $h_0 = 0$. Compute $h_1$, then $h_2$ from your $h_1$, then $h_3$ from your $h_2$, and "
        "type them below (3 decimals). On a calculator, tanh is the *hyp* key followed by *tan*; or use "
        "$\\tanh a = (e^{2a} - 1)/(e^{2a} + 1)$, or the table under the boxes. The same three numbers "
        "$w_x, w_h, b$ serve every step: that is the whole idea of a recurrent network.")
    now = (w_x, w_h, b, tuple(xs))
    typed, verdicts, older = [], [], []
    notice = st.empty()  # says so when answers were typed for other weights than the sliders show now
    for t, column in enumerate(st.columns(len(xs)), start=1):
        text, typed_for = answer_box(column, t, now)
        typed.append((parse_answer(text), typed_for))
        verdict, changes = None, []
        if typed[-1][0] is not None:
            verdict = check_answer(t, typed[-1][0], fwd, w_x, w_h, b, xs,
                                   previous=typed[-2][0] if t > 1 and typed[-2][1] == typed_for else None)
            if not verdict.right and typed_for != now:  # typed for other numbers: checked against those
                changes = weight_changes(typed_for, now)
                verdict = check_answer(t, typed[-1][0], forward(*typed_for), *typed_for,
                                       previous=typed[-2][0] if t > 1 and typed[-2][1] == typed_for else None)
        verdicts.append(None if changes else verdict)
        if changes:
            older.append(changes)
        prefix = f"For {_listed(changes, 0)}: " if changes else ""
        if verdict is None:
            if text.strip():
                column.warning("Type a number, such as 0.123.", icon=":material/edit:")
        elif verdict.right:
            column.success(prefix + verdict.message, icon=":material/check_circle:")
        else:
            column.error(f"**Not yet.** {prefix}{verdict.message}", icon=":material/cancel:")
    if older:
        changes = max(older, key=len)
        notice.info(f"An answer you typed for {_listed(changes, 0)} is checked against the numbers you typed it for; "
                    f"the figure now shows {_listed(changes, 1)}. Put the sliders back, or press Reset to defaults, to "
                    "see your answers on the figure again; an answer typed now is checked for the numbers now.",
                    icon=":material/info:")
    with st.expander("A table of tanh", icon=":material/table_chart:"):
        st.markdown(tanh_table())
        st.markdown("Between two rows, interpolate: $\\tanh 0.65 \\approx (0.537 + 0.604)/2 = 0.571$ (exactly "
                    f"${math.tanh(0.65):.3f}$). For a negative $a$, $\\tanh(-a) = -\\tanh a$; beyond $a = 1.5$, "
                    "$\\tanh a$ is above $0.905$ and creeps towards 1.")
    solved = all(v is not None and v.right for v in verdicts)
    if solved:  # the working is shown: no switch that would say it is off
        exact = all(v.to_three for v in verdicts)
        st.success(f"All three right{'' if exact else ' (to 2 decimals at least)'}. Here is the full working, to "
                   "compare with yours.", icon=":material/celebration:")
    shown = solved or controls.toggle("Show the full working", "warm_show",
                                      help="Each pre-activation and state, with the numbers.")
    if shown:
        st.latex(warmup_working_latex(fwd, w_x, w_h, b, xs))
        lesson.explain(
            "$h_0 = 0$, so the first step has no recurrent term: $h_1 = \\tanh(w_x x_1 + b)$. "
            + _memory_sentence(fwd, w_x, w_h, len(xs))
            + " The matrix RNN in the next tabs does exactly this with vectors: $w_x$ becomes $W_{ih}$, $w_h$ becomes "
              "$W_{hh}$, and $b$ is split into $b_{ih} + b_{hh}$.")
    known = [shown or (v is not None and v.right) for v in verdicts]
    found = ", ".join(f"h_{t} = {fwd.h[t]:.3f}" for t, k in enumerate(known, start=1) if k)
    with figure_slot.container():
        lesson.chart(warmup_figure(xs, fwd.h, w_x=w_x, w_h=w_h, b=b, known=known), key="warmup",
                     present_height=FIRST_FIGURE,
                     alt=(f"A one-unit RNN unrolled over {len(xs)} steps: inputs "
                          + ", ".join(f"x_{t} = {x:g}" for t, x in enumerate(xs, start=1))
                          + f", h_0 = 0, w_x = {w_x:g}, w_h = {w_h:g}, b = {b:g}"
                          + (f"; found so far: {found}" if found else "; the states are still to be computed")))
    flipped = forward(w_x, -WARMUP_W_H, b, xs)
    before, after = forward(w_x, WARMUP_W_H, b, xs).h[-1], flipped.h[-1]
    if before * after < 0:
        answer = 2
    elif abs(after) == abs(before):
        answer = 3
    else:
        answer = 0 if abs(after) > abs(before) else 1
    lesson.predict(
        "warm_predict_sign",
        f"The warm-up uses $w_h = {WARMUP_W_H:g}$. Flip its sign to $w_h = {-WARMUP_W_H:g}$, keeping the other "
        "numbers: what happens to $h_3$?",
        ["It keeps its sign, with a greater size", "It keeps its sign, with a smaller size", "It changes sign",
         "It does not change at all"],
        answer=answer,
        why=(f"With $w_h = {WARMUP_W_H:g}$, $h_3 = {before:.3f}$; with $w_h = {-WARMUP_W_H:g}$, $h_3 = {after:.3f}$. "
             f"$h_1 = {flipped.h[1]:.3f}$ either way, because $h_0 = 0$ leaves $w_h$ nothing to multiply; from step 2 "
             f"on, the recurrent term $w_h h_{{t-1}}$ changes sign: $a_2$ goes from "
             f"${forward(w_x, WARMUP_W_H, b, xs).pre[1]:.3f}$ to ${flipped.pre[1]:.3f}$ and $a_3$ from "
             f"${forward(w_x, WARMUP_W_H, b, xs).pre[2]:.3f}$ to ${flipped.pre[2]:.3f}$."),
        instruction=f"set the recurrent weight $w_h$ to ${-WARMUP_W_H:g}$", ready=math.isclose(w_h, -WARMUP_W_H))
    cell = RNN(weight_ih=[[w_x]], weight_hh=[[w_h]], bias_ih=[b], bias_hh=[0.0])
    lesson.show_code(forward, RNN.step, torch=lambda: pytorch_snippet(cell, np.array(xs)[:, None], show="output"))


def _memory_sentence(fwd, w_x, w_h, T) -> str:
    """What reaches h_T from the earlier inputs, true for these weights (w_h = 0 or w_x = 0 included)."""
    if w_h == 0:
        return ("With $w_h = 0$ the recurrent term is 0 at every step: each $h_t$ depends on $x_t$ alone, and the "
                "network keeps no memory of earlier inputs.")
    h_terms = ", ".join(f"$w_h h_{t - 1} = {w_h * fwd.h[t - 1]:.3f}$" for t in range(2, T + 1))
    if w_x == 0:
        return (f"From step 2 on, the previous state comes in through $w_h$ ({h_terms}); with $w_x = 0$ no input "
                "reaches the state, so every $h_t$ comes from $b$ and $w_h$ alone.")
    return (f"From step 2 on, the previous state comes in through $w_h$ ({h_terms}): $h_{T}$ depends on every input "
            f"from $x_1$ to $x_{T}$, the earlier ones through the earlier states.")


# --- The matrix RNN ------------------------------------------------------------------------------------------

def explosion_warning(h, logarithmic: bool = False) -> None:
    """Said whenever some unit of the state has grown past BLOW_UP (or past the floating-point range)."""
    with np.errstate(invalid="ignore"):
        past = ~np.isfinite(h) | (np.abs(h) > BLOW_UP)
    if not past.any():
        return
    step = int(np.argmax(past.any(axis=1))) + 1
    largest = float(np.nanmax(np.abs(np.where(np.isfinite(h), h, np.inf))))
    size = "beyond the largest floating-point number" if not np.isfinite(largest) else f"{largest:.2e}"
    st.warning(f"The hidden state has exploded: from step {step} on some unit exceeds {BLOW_UP:.0e} in size, and the "
               f"largest is {size}. Without a squashing nonlinearity nothing stops repeated multiplication by a "
               "$W_{hh}$ that stretches some vector by more than 1 at every step."
               + (" The heatmap's colours are on a logarithmic scale here: each step of the colour bar is ten times "
                  "the one before." if logarithmic else ""), icon=":material/warning:")


def unrolled_part(s, cell, trace, y, labels):
    """The unrolled chain, one column per step, which Play computes one step at a time."""
    T, H = trace.h.shape
    I, O = trace.x.shape[1], y.shape[1]
    lesson.chart(unrolled_diagram(trace.x, trace.h, y, step_labels=labels, nonlinearity=s["f"]), key="unrolled",
                 alt=f"The RNN unrolled over {T} steps: one column per step with its input, hidden state and output, "
                     "coloured by value.")
    explosion_warning(trace.h)
    scrolls = (f" With $T = {T}$ the diagram scrolls so that the last {WINDOW} steps stay in view"
               + (f", and Play runs through the last {MAX_FRAMES} steps." if T > MAX_FRAMES else ".")
               if T > WINDOW else "")
    lesson.explain(
        f"Each column is one step $t$, from 1 to {T}: the input $x_t$ at the bottom ({_count(I, 'number')}), the "
        f"cell with its {lesson.glossary_link('hidden state')} $h_t$ in the middle ({_count(H, 'unit')}), and an "
        f"untrained linear readout $y_t = W_{{hy}} h_t + b_y$ on top ({_count(O, 'number')}). Each square is one "
        "number: blue below 0, vermilion above. The labels $W_{ih}$, $W_{hh}$ and $W_{hy}$ repeat in every column "
        f"because they are the same matrices at every step ({lesson.glossary_link('parameter sharing')}): this "
        f"cell has {cell.num_parameters:,} parameters, whatever the length of the sequence. The orange arrows carry "
        "$h_{t-1}$ into step $t$; the first one brings $h_0 = 0$. Press Play to watch the states being computed one "
        "step at a time." + scrolls)
    lesson.explain(_unrolled_try(s, T))
    lesson.show_code(RNN.step, run_by_steps, lesson_cell,
                     torch=lambda: pytorch_snippet(cell, trace.x, show="output"))
    lesson.downloads("rnn_unrolled_trace", {"x": trace.x, "h": trace.h, "y": y}, settings=_settings(s))


def _count(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _unrolled_try(s, T) -> str:
    """What to try next, true for the settings on screen."""
    if s["a"] == 0:
        return ("With input weight scale $\\alpha = 0$, $W_{ih}$ is all zeros: the inputs never reach the cell, so every "
                "state comes from the biases and $h_{t-1}$ alone: changing the words changes nothing. Raise "
                "$\\alpha$ to let the input in.")
    if T == 1:
        return ("With $T = 1$ there is a single column: $h_1 = f(W_{ih} x_1 + b_{ih} + b_{hh})$, because "
                "$h_0 = 0$ leaves $W_{hh}$ nothing to multiply. Lengthen the sequence to see the chain.")
    if s["input"] == "impulse":
        return ("With the impulse, only $x_1$ is nonzero: from step 2 on, the inputs add nothing, and $h_t$ changes "
                "only through $W_{hh} h_{t-1}$ and the biases, the network's own echo of step 1. Move $s_{max}$ to "
                "see the echo fade or grow.")
    return ("Try the Impulse input: only $x_1$ is nonzero, so everything after step 1 is the network's own echo, "
            "carried from column to column by $W_{hh}$.")


def states_part(s, cell, trace, y, labels, step, unit):
    """The state heatmap, one unit's update at one step with its numbers, and the predict-then-move check."""
    T, H = trace.h.shape
    h = trace.h
    lesson.chart(state_heatmap(h, step_labels=labels, highlight=(step, unit), log_beyond=BLOW_UP), key="heatmap",
                 present_height=FIRST_FIGURE,
                 alt=f"Heatmap of the hidden state: {T} steps across, {H} units down; unit {unit} at step {step} "
                     "outlined.")
    explosion_warning(h, logarithmic=True)
    rho = spectral_radius(cell.weight_hh)
    m1, m2, m3 = st.columns(3)
    m1.metric("Largest singular value $s_{max}$ of $W_{hh}$", f"{s['s_max']:g}")
    m2.metric("Spectral radius $\\rho$ of $W_{hh}$", f"{rho:.3f}")
    m3.metric(f"Size of the last state $\\lVert h_{{{T}}} \\rVert$", fmt(last_size(h)))
    lesson.explain(
        f"Every column is one hidden state $h_t$ (steps 1 to {T}), every row one unit (1 to {H}); the outlined "
        f"square is unit {unit} at step {step}, written out below. " + _states_reading(s, trace, rho))
    lesson.explain(
        f"$s_{{max}}$ is the largest {lesson.glossary_link('singular value')} of $W_{{hh}}$: no vector comes out of "
        "$W_{hh}$ more than $s_{max}$ times longer than it went in (this $W_{hh}$ has singular values spread evenly "
        "from $s_{max}$ down to $s_{max}/2$). The spectral radius $\\rho$, the largest $|\\lambda|$ among its "
        f"eigenvalues, is never above $s_{{max}}$: here {rho:.3f} against {s['s_max']:g}.")
    st.subheader(f"One number, computed: unit {unit} at step {step}")
    st.latex(rnn_update_latex(cell, trace, step, unit))
    applied = ("with $f$ linear, that sum is the state itself" if s["f"] == "linear" else
               f"the nonlinearity $f$ ({s['f']}) turns that sum $a_{{{step}}}[{unit}]$ into $h_{{{step}}}[{unit}]$")
    lesson.explain(
        f"Row {unit} of $W_{{ih}}$ meets the input $x_{{{step}}}$, row {unit} of $W_{{hh}}$ meets the previous state "
        f"$h_{{{step - 1}}}$" + (" (which is $h_0 = 0$)" if step == 1 else "")
        + f", the two biases are added, and {applied}. Move Step t and Unit j to follow any square of the map back "
          "to where it came from.")
    states_prediction(s)
    lesson.show_code(RNN.step, lesson_cell,
                     torch=lambda: pytorch_snippet(cell, trace.x, show=f"output[{step - 1}, {unit - 1}], output"))
    lesson.downloads("rnn_unrolled_trace", {"x": trace.x, "h": h, "y": y}, settings=_settings(s))


def _states_reading(s, trace, rho) -> str:
    """What the map shows for these settings: repeated inputs, and how the state's size evolves."""
    h, T = trace.h, trace.h.shape[0]
    text = ""
    period = len(sequences.SENTENCE)
    if s["input"] == "words" and T > period:
        with np.errstate(over="ignore", invalid="ignore"):
            apart = float(np.linalg.norm(h[period] - h[0]))
        same = (f"Steps 1 and {period + 1} read the same word, *{sequences.SENTENCE[0]}*, with the same weights, yet "
                f"$h_1$ and $h_{{{period + 1}}}$ differ by {fmt(apart)} (the size of their difference): ")
        text += same + ("each state also carries the earlier words, through $h_{t-1}$. " if s["a"] > 0 else
                        "with input weight scale $\\alpha = 0$ no word reaches the cell, so the difference is only "
                        f"where each step starts from, $h_0 = 0$ against $h_{{{period}}}$, which the biases built up. ")
    if s["f"] == "tanh":
        return text + (f"Tanh keeps every entry between −1 and 1, whatever $s_{{max}}$: a large $W_{{hh}}$ "
                       f"{lesson.glossary_link('saturation', 'saturates')} the units instead of blowing them up. "
                       "Switch $f$ to linear and move $s_{max}$ across 1 to compare.")
    if s["f"] == "relu":
        return text + ("Relu sets negative entries to 0 and passes positive ones on unchanged, so nothing bounds the "
                       f"state from above: with a large $W_{{hh}}$ (here $s_{{max}} = {s['s_max']:g}$, spectral radius "
                       f"$\\rho = {rho:.3f}$) it can grow from step to step. Move $s_{{max}}$ across 1 to compare.")
    return text + ("Without a nonlinearity each step multiplies the state by $W_{hh}$ once more; in the long run its "
                   f"{lesson.glossary_link('spectral radius')} $\\rho = {rho:.3f}$ (never above "
                   f"$s_{{max}} = {s['s_max']:g}$) sets the pace: an echo fades when $\\rho < 1$ and can grow when "
                   "$\\rho > 1$. Move $s_{max}$ across 1 and watch the colours.")


def states_prediction(s) -> None:
    """Predict, then move: with f linear, the last state's size at s_max = S_HIGH against S_LOW."""
    settings = (s["input"], s["T"], s["H"], "linear")
    low_cell, low, _, _ = run_network(*settings, S_LOW, s["a"], s["seed"])
    high_cell, high, _, _ = run_network(*settings, S_HIGH, s["a"], s["seed"])
    small, large = last_size(low.h), last_size(high.h)
    ratio = math.inf if small == 0 and large > 0 else (large / small if small else 1.0)
    answer = 0 if ratio > TENFOLD else 1 if ratio > 1.0 + 1e-9 else 2
    steps = s["T"] - 1
    why = (f"$\\lVert h_{{{s['T']}}} \\rVert$ is {fmt(small)} at $s_{{max}} = {S_LOW:g}$ and {fmt(large)} at "
           f"$s_{{max}} = {S_HIGH:g}$ ({fmt(ratio)} times as large). ")
    if steps == 0:
        why += ("With $T = 1$ there is no earlier state: $h_1 = W_{ih} x_1 + b_{ih} + b_{hh}$ does not involve "
                "$W_{hh}$ at all.")
    else:
        why += (f"With $f$ linear, $h_t = W_{{hh}} h_{{t-1}} + W_{{ih}} x_t + b_{{ih}} + b_{{hh}}$: what entered at "
                f"step 1 has passed through $W_{{hh}}$ {_count(steps, 'time')} by step {s['T']}, and the spectral "
                f"radius of $W_{{hh}}$ goes from $\\rho = {spectral_radius(low_cell.weight_hh):.3f}$ to "
                f"${spectral_radius(high_cell.weight_hh):.3f}$ (always at most $s_{{max}}$).")
    lesson.predict(
        "unrolled_predict_growth",
        f"With $f$ linear, compare the size of the last state $\\lVert h_T \\rVert$ at $s_{{max}} = {S_LOW:g}$ and at "
        f"$s_{{max}} = {S_HIGH:g}$. At {S_HIGH:g}, it is:",
        ["More than ten times as large", "Larger, but less than tenfold", "Smaller, or just the same"],
        answer=answer, why=why,
        instruction=f"set Nonlinearity f to linear, look at $s_{{max}} = {S_LOW:g}$, then move it to {S_HIGH:g}",
        ready=s["f"] == "linear" and math.isclose(s["s_max"], S_HIGH))


def _settings(s) -> dict:
    return {"input": s["input"], "T": s["T"], "H": s["H"], "f": s["f"], "s_max": s["s_max"],
            "input_weight_scale_alpha": s["a"], "seed": s["seed"]}


lesson.header(
    "The RNN, unrolled",
    "A recurrent network is one small cell applied again and again, once per element of the sequence. At step "
    "$t$ it combines the new input $x_t$ with its own previous hidden state $h_{t-1}$, and the result $h_t$ is "
    "passed on to the next step. First you compute three steps of a one-unit network by hand; then the same "
    f"computation with vectors and matrices. Drawing every application side by side "
    f"({lesson.glossary_link('unrolling')}) turns the loop into a chain, but it stays one cell with one set of "
    "weights.",
    short="One cell, the same weights at every step: three steps by hand, then the matrix version, unrolled.",
)


@st.fragment
def unrolled_demo():
    """The controls and the open part: a control reruns this function only, not the text and questions around it."""
    part, body = lesson.tabs("unrolled_part", TITLES)
    with body:
        panel = lesson.ControlPanel(part, scope="rnn_unrolled", columns=4 if part == STATES else 3)
        w_x = controls.float_slider("Input weight w_x", "warm_wx", -2.0, 2.0, WARMUP_W_X, 0.1,
                                    container=panel.slot(WARMUP))
        w_h = controls.float_slider("Recurrent weight w_h", "warm_wh", -2.0, 2.0, WARMUP_W_H, 0.1,
                                    container=panel.slot(WARMUP))
        b = controls.float_slider("Bias b", "warm_b", -1.0, 1.0, WARMUP_B, 0.1, container=panel.slot(WARMUP))
        xs = tuple(controls.float_slider(f"Input x_{t}", f"warm_x{t}", -2.0, 2.0, value, 0.5,
                                         container=panel.slot(WARMUP))
                   for t, value in enumerate(WARMUP_XS, start=1))
        preset = controls.choice("Input sequence", "input", list(sequences.PRESETS), "words",
                                 format_func=lambda name: PRESET_LABELS.get(name, name),
                                 container=panel.slot(UNROLLED, STATES),
                                 help="Words: one-hot vectors of \"let's meet for lunch\", repeated. "
                                      "Sine wave: one number per step. Impulse: a single 1 at step 1, then zeros.")
        length = controls.int_slider("Sequence length T", "steps", 1, 100, 8, container=panel.slot(UNROLLED, STATES))
        hidden = controls.int_slider("Hidden size H", "hidden", 1, 16, 6, container=panel.slot(UNROLLED, STATES))
        nonlinearity = controls.choice("Nonlinearity f", "f", ["tanh", "relu", "linear"], "tanh",
                                       widget="segmented", container=panel.slot(UNROLLED, STATES),
                                       help="linear (no nonlinearity) is not used in practice; "
                                            "it is here because it makes growth and decay easy to see.")
        s_max = controls.float_slider(
            "Largest singular value s_max", "sigma", 0.1, 3.0, 1.0, 0.05, container=panel.slot(UNROLLED, STATES),
            help="Of W_hh, built as U diag(s) V^T with singular values spread evenly from s_max down to s_max / 2.")
        step = controls.int_slider("Step t", "t", 1, length, min(4, length), container=panel.slot(STATES))
        unit = controls.int_slider("Unit j", "j", 1, hidden, 1, container=panel.slot(STATES))
        input_scale = controls.float_slider(
            "Input weight scale α", "input_scale", 0.0, 3.0, 1.0, 0.1,
            container=panel.slot(STATES, more=True) if part == STATES else panel.slot(UNROLLED),
            help="Entries of W_ih are drawn uniformly from [-α, α].")
        seed = controls.seed_input(container=panel.slot(UNROLLED, STATES, more=True))

        if part == WARMUP:
            warmup_part(w_x, w_h, b, xs)
            return
        s = dict(input=preset, T=length, H=hidden, f=nonlinearity, s_max=s_max, a=input_scale, seed=seed)
        cell, trace, y, labels = run_network(preset, length, hidden, nonlinearity, s_max, input_scale, seed)
        if part == UNROLLED:
            unrolled_part(s, cell, trace, y, labels)
        else:
            states_part(s, cell, trace, y, labels, step, unit)


unrolled_demo()

lesson.quiz(
    "quiz_sharing",
    "An RNN reads a sequence of 100 steps. How many different recurrent weight matrices $W_{hh}$ does it use?",
    ["100: one matrix for each step", "One per different input word", "1: the same matrix at every step"],
    answer=2,
    why="The unrolled picture repeats the cell, not its weights: every step multiplies by the same $W_{hh}$, "
        "which is why one network can read sequences of any length.",
    wrong=["Unrolling draws one copy of the cell per step, but every copy holds the very same numbers.",
           "$W_{hh}$ multiplies the previous state, not the input, and no weight depends on which word arrives: "
           "the same matrices meet every input.", None],
)
lesson.quiz(
    "quiz_state",
    "The words input repeats “let's meet for lunch”. At the second “meet” the input $x_t$ is exactly the same as "
    "at the first. Is $h_t$ the same too?",
    ["Yes: same input and weights, same result", "Not in general: it also depends on $h_{t-1}$",
     "No: the weights were updated in between"],
    answer=1,
    why="$h_t = f(W_{ih} x_t + b_{ih} + W_{hh} h_{t-1} + b_{hh})$: the input term is the same, but the recurrent "
        "term carries everything read before, and before the second “meet” the network has read more.",
    wrong=["The same input and weights give the same input term only; the recurrent term brings in a different "
           "previous state.", None,
           "Nothing is trained on this page: the weights never change while the network reads."],
)
w_x0, w_h0, b0 = WARMUP_W_X, WARMUP_W_H, WARMUP_B
lesson.quiz(
    "quiz_warmup",
    f"In the warm-up ($w_x = {w_x0:g}$, $w_h = {w_h0:g}$, $b = {b0:g}$, $h_0 = 0$), suppose $x_1$ were 0 instead of "
    f"{WARMUP_XS[0]:g}. What would $h_1$ be?",
    ["$0$, since the input is zero", f"$\\tanh({b0:g}) \\approx {math.tanh(b0):.3f}$",
     f"$\\tanh({w_h0 + b0:g}) \\approx {math.tanh(w_h0 + b0):.3f}$"],
    answer=1,
    why=f"$a_1 = w_x \\cdot 0 + w_h h_0 + b = 0 + {w_h0:g} \\cdot 0 + {b0:g} = {b0:g}$, so "
        f"$h_1 = \\tanh({b0:g}) = {math.tanh(b0):.4f}$: the bias still reaches the state.",
    wrong=["The input term vanishes, but the bias $b$ is still added inside the tanh.", None,
           f"That would count $w_h$ as if $h_0$ were 1; the network starts from $h_0 = 0$, so $w_h h_0 = 0$."],
)
lesson.quiz(
    "quiz_unroll",
    "What does unrolling an RNN over $T$ steps produce?",
    ["A chain of $T$ applications of one cell", "A loop the data circles until it settles",
     "$T$ independent networks, one per step"],
    answer=0,
    why="Drawn folded, as one box with an arrow back into itself, an RNN seems to loop; that arrow is a one-step "
        "delay. Unrolled, the computation is a finite chain in which step $t$ reads the state of step $t-1$, so the "
        "whole sequence is one fixed computation.",
    wrong=[None, "Each step runs once, in order: nothing is repeated until it converges.",
           "The copies share their weights, and each one reads the state of the step before it."],
)
lesson.takeaways([
    "An RNN is one cell applied once per step: $h_t = f(W_{ih} x_t + b_{ih} + W_{hh} h_{t-1} + b_{hh})$, "
    "starting from $h_0 = 0$.",
    "The same weights serve every step, so the number of parameters does not depend on the sequence length.",
    "$h_t$ depends on $h_{t-1}$, and through it on every earlier input: the same input can give a different state.",
    "Unrolling draws the loop as a finite chain of $T$ copies of the cell, the same computation you did by hand "
    "for three steps.",
    "Without a squashing nonlinearity, repeated multiplication by $W_{hh}$ can make the state grow without bound; "
    "tanh keeps it between −1 and 1.",
])
lesson.misconceptions([
    ("An RNN is a “cyclic” network whose signal circulates in a loop (as the translated article this course's "
     "syllabus follows puts it).",
     "It is *recurrent*: the same cell is applied once per step. Books often draw it folded, as one box with an "
     "arrow back into itself; that arrow only means that step $t$ reads the state of step $t-1$. Over a sequence of $T$ steps the computation is the finite "
     "chain drawn in the Unrolled cell tab; nothing goes round until it settles."),
    ("Each time step is a separate layer with its own weights.",
     "The steps share $W_{ih}$, $W_{hh}$ and the biases; unrolling only draws the same cell several times."),
    ("The hidden state stores the whole input sequence.",
     "It is a fixed number of values ($H$ of them) that summarizes the past; what the weights do not keep fades "
     "or is overwritten."),
    ("An RNN can only read sequences as long as the ones it was built for.",
     "The cell is applied once per element, so the same network runs on 1 step or 100."),
])

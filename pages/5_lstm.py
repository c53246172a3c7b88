"""Lesson 5: LSTM, gates as faucets beside the standard cell diagram, memory time and the gradient highway."""

from functools import partial

import numpy as np
import streamlit as st

from app import lesson
from app.figures.common import fmt
from app.figures.gates import LSTM_HIGHLIGHTS, MAX_FRAMES, gate_heatmaps, highway_figure, lstm_cell_figure, percent
from app.gated_controls import (DEFAULT_HIDDEN, DEFAULT_INPUT_BOUND, DEFAULT_SEED, KAPPA_MAX, GateText,
                                cell_chart, gated_controls, shared_cell)
from app.equations import tex_number
from app.gated_equations import (REACH_OPTIONS, gate_range, gate_terms_sentence, lstm_step_latex, reach_option,
                                  recurrent_sentence, rises_again, steps_back, unit_rows)
from app.theme import NAMES
from app.torch_snippet import pytorch_snippet
from rnn_core import LSTM, sigmoid
from rnn_core.gated import (cell_path, chrono_forget_biases, feature_names, hand_set_memory_lstm,
                            log10_highway, log10_jacobian_norms, make_cell, memory_time, reach, run_steps, s_max,
                            steady_forget_gate, step_values, steps_above)

CELL, MAPS, HIGHWAY = "Cell and faucets", "Gates over time", "Gradient highway"
TITLES = [CELL, MAPS, HIGHWAY]
LEVEL = 0.01                      # "reach": steps back until a derivative drops below 1%
PREDICT_FROM, PREDICT_TO = 1.0, 4.0
BOOK_BIASES = (3.0, 5.0, 7.0)     # the forget biases whose memory times the lesson quotes
GAP = 100                         # the gap the hand-set memory is asked to bridge
EXPLODING = dict(preset="sine", length=150, forget_bias=3.0, recurrent_scale=8.0)   # where the full Jacobian explodes

LSTM_TEXT = GateText(
    prefix="lstm", bias_key="forget_bias", bias_label="Forget-gate bias b_f",
    bias_help="Added inside the forget gate's sigmoid: b_f = 3 starts it near σ(3) = 0.95 (remember), "
              "b_f = 0 near 0.5 (halve every step).",
    hand_help="Weights chosen by hand: unit j writes input feature j when it appears, then holds it with its "
              "forget gate σ(b_f). They ignore the seed and the weight scales.",
    highlights=LSTM_HIGHLIGHTS, step_parts=(CELL, MAPS), unit_parts=(CELL, MAPS, HIGHWAY), highlight_parts=(CELL,),
    scale_parts=(HIGHWAY,), hand_parts=(HIGHWAY,), hand_effect_parts=tuple(TITLES), always_seeded_parts=(HIGHWAY,))


run = partial(shared_cell, "lstm")  # the LSTM the controls describe, its trace and step labels: shared


def cell_figure(settings, unit, step, highlight, presenting):
    """The standard diagram and the faucets of one unit, one frame per step around `step` (indices). Not cached:
    built from plain dicts in about 10 ms, while a cached Figure is rebuilt with Plotly's validation when read
    back (about 100 ms with its frames)."""
    _, trace, labels = run(*settings)
    return lstm_cell_figure(trace, unit=unit, step=step, highlight=highlight, labels=labels, side_by_side=presenting)


@st.cache_data(max_entries=32, show_spinner=False)
def highway(settings):
    """log10 of the LSTM's cell path per unit and of its full Jacobian norms, of a tanh RNN's Jacobian norms with
    the same seed and scales, and the RNN's W_hh."""
    cell, trace, _ = run(*settings)
    preset, length, hidden, _, input_bound, recurrent_scale, seed, _ = settings
    rnn = make_cell("rnn", trace.x.shape[1], hidden, seed=seed, input_bound=input_bound,
                    recurrent_scale=recurrent_scale)
    return (log10_highway(trace), log10_jacobian_norms(cell, trace), log10_jacobian_norms(rnn, rnn.unroll(trace.x)),
            rnn.weight_hh)


def path_reach(settings, forget_bias, unit):
    """How many steps back unit `unit`'s cell path stays above 1% with another forget-gate bias."""
    changed = list(settings)
    changed[3] = forget_bias
    _, trace, _ = run(*changed)
    return reach(log10_highway(trace)[:, unit], np.log10(LEVEL))


def rounded_steps(value):
    """A memory time in words: '≈ 3.8 steps', '≈ 1,100 steps', or that f rounds to 1."""
    if not np.isfinite(value):
        return "no forgetting (f rounds to 1)"
    return f"≈ {value:,.1f} steps" if value < 100 else f"≈ {value:,.0f} steps"


ROLE = {
    "f": lambda v, t: (f"The forget gate keeps ${percent(v['f'])}\\%$ of $c_{{{t - 1}}} = {v['c_prev']:.3f}$: "
                       f"${v['f'] * v['c_prev']:.3f}$ of it goes on to $c_{{{t}}}$."),
    "i": lambda v, t: (f"The input gate lets ${percent(v['i'])}\\%$ of the candidate $g_{{{t}}} = {v['g']:.3f}$ into "
                       f"the cell: $i_{{{t}}} g_{{{t}}} = {v['i'] * v['g']:.3f}$."),
    "g": lambda v, t: (f"The candidate $g_{{{t}}} = {v['g']:.3f}$ is a tanh, between $-1$ and $1$: not a gate but the "
                       "new content that the input gate doses."),
    "o": lambda v, t: (f"The output gate shows ${percent(v['o'])}\\%$ of $\\tanh(c_{{{t}}}) = {v['tanh_c']:.3f}$: "
                       f"$h_{{{t}}} = {v['h']:.3f}$."),
    "c": lambda v, t: (f"$c_{{{t}}} = {v['c']:.3f}$ is what was kept, ${v['f'] * v['c_prev']:.3f}$, plus what came "
                       f"in, ${v['i'] * v['g']:.3f}$: a multiply and an add, with no weight matrix in between."),
    "h": lambda v, t: (f"$h_{{{t}}} = o_{{{t}}} \\tanh(c_{{{t}}}) = {v['h']:.3f}$ is what the cell shows: a readout "
                       "would read it, and so do the gates of the step after it."),
}


def cell_part(s, cell, trace, labels):
    """The standard diagram and the faucets, the highlighted gate's equation, the code."""
    t, j = s.step, s.unit
    window = cell_chart(cell_figure(s.cell, j - 1, t - 1, s.highlight, lesson.presenting()), LSTM_TEXT, "LSTM", s,
                        MAX_FRAMES)
    lesson.explain(
        "Both drawings show unit $j$ at step $t$. In the **standard diagram** (as Olah 2015 draws it) the cell "
        "state runs along the top: $c_{t-1}$ enters on the left, the forget gate multiplies it (⊗), the input gate's "
        "share of the candidate is added (⊕), and $c_t$ leaves on the right; the output gate decides how much of "
        "$\\tanh(c_t)$ becomes $h_t$. Each square box is a layer with its own weights, σ for a gate and tanh for the "
        "candidate; the rounded tanh on the way out has none: it only squashes $c_t$ into $(-1, 1)$. "
        "In the **faucets** every valve's gap is its gate's value, written as how far it is open, and a stream is "
        "as wide as the value it carries (vermilion +, blue −). Press Play to run through the steps" + window + "; "
        "click a gate in either drawing, or choose it under Highlight, to write its equation out below.")
    v = step_values(trace, t - 1, j - 1)
    lesson.explain(gate_terms_sentence("LSTM", t, j))
    st.latex(lstm_step_latex(v, t, j, s.highlight))
    lesson.explain(ROLE[s.highlight](v, t) + " The same three gates and the same candidate, with the same weights, "
                   "run at every step; only $x_t$ and $h_{t-1}$ change.")
    if s.hand_set:
        lesson.explain(
            f"Hand-set weights: unit {j}'s input gate opens only while its word is present (here "
            f"$i_{{{t}}} = {v['i']:.3f}$) and its forget gate is $\\sigma(b_f) = {sigmoid(s.gate_bias):.4f}$ at every "
            "step, so after writing, nothing but the forget gate touches its cell state. The Gradient highway tab "
            "says how long that lasts.")
    lesson.note("The candidate $g_t$ is what Olah (2015) and d2l write $\\tilde C_t$. PyTorch stacks the weights of "
                "$i, f, g, o$ in four blocks, which is why the LSTM is sometimes said to have four gates: it has "
                "three, and a candidate. LSTM: Hochreiter & Schmidhuber (1997); the forget gate: Gers, Schmidhuber & "
                "Cummins (2000).")
    lesson.show_code(LSTM.step, *([hand_set_memory_lstm] if s.hand_set else []),
                     torch=lambda: pytorch_snippet(cell, trace.x, show=f"output[{t - 1}, {j - 1}], c_n"))


def maps_part(s, trace, labels):
    """Every gate of every unit over time, unit j at step t outlined, and the trace to download."""
    t, j = s.step, s.unit
    lesson.chart(gate_heatmaps(trace, ["i", "f", "g", "o", "c", "h"], unit=j - 1, step=t - 1, labels=labels),
                 key="lstm_heatmaps",
                 alt="Heatmaps over steps and units of the input, forget and output gates, the candidate, c and h.")
    f = trace.gates["f"]
    text = (f"{unit_rows(s.hidden)}, columns steps $1 \\dots {s.length}$; the outlined square is unit "
            f"{j} at step {t} (Step t and Unit j). Gates fade from white (0) to their colour (1); the candidate, the "
            "cell state and the hidden state are signed (blue below 0, vermilion above; the cell state is not bounded "
            "by 1, its colour stops at ±1). At "
            f"$b_f = {s.gate_bias:g}$ the forget gates {gate_range(f)}")
    if s.gate_bias < 5.0:
        high = run(*(s.cell[:3] + (5.0,) + s.cell[4:]))[1].gates["f"]
        text += f"; raise $b_f$ to 5 and, with the same weights, they {gate_range(high)}"
        text += (": the f map darkens, and each step keeps a larger share of $c_{t-1}$." if high.mean() > f.mean()
                 else ".")
    else:
        text += (f" (mean ${f.mean():.3f}$), at the top of the slider: each step keeps "
                 f"{'most' if f.mean() > 0.5 else 'less than half'} of $c_{{t-1}}$ on average.")
    lesson.explain(text)
    lesson.show_code(run_steps, LSTM.step)
    lesson.downloads("lstm_trace", {**{name: trace.gates[name] for name in "ifgo"}, "c": trace.c, "h": trace.h},
                     settings=_settings(s))


def highway_part(s, trace):
    """The cell path of unit j against the full LSTM and a tanh RNN; memory time; what the forget bias changes."""
    j = s.unit
    path_log10, lstm_log10, rnn_log10, rnn_whh = highway(s.cell)
    lesson.chart(highway_figure(path_log10, lstm_log10, rnn_log10, j - 1, level=LEVEL), key="lstm_highway",
                 alt="Log-scale plot of the product of forget gates per unit, the full LSTM Jacobian norm and a tanh "
                     "RNN's Jacobian norm, against the step.")
    unit_reach = reach(path_log10[:, j - 1], np.log10(LEVEL))
    rnn_reach = reach(rnn_log10, np.log10(LEVEL))
    f_bar = steady_forget_gate(trace.gates["f"][:, j - 1])
    tau = memory_time(f_bar)
    m1, m2, m3 = st.columns(3)
    m1.metric(f"Cell path of unit {j} above 1%", steps_back(unit_reach))
    m2.metric("Tanh RNN: unbroken run above 1%", steps_back(rnn_reach))
    m3.metric(f"Memory time of unit {j}, $1/(1-\\overline{{f}})$", rounded_steps(tau))   # a bar seen from the back
    last = s.length
    whole = last - 1
    lesson.explain(
        f"Along the cell path alone, $\\partial c_{{{last}}}/\\partial c_t = f_{{t+1}} \\odot \\dots \\odot "
        f"f_{{{last}}}$: each step back multiplies by that step's forget gate, elementwise, with no weight matrix. "
        f"The thick {NAMES['f']} line is that product for unit {j}; it is also the share of $c_t$ still in "
        f"$c_{{{last}}}$. Unit {j}'s forget gates multiply to the same as a steady gate $\\bar f = {f_bar:.4f}$ at "
        "every step (their geometric mean), and a steady gate keeps $\\bar f^{\\,k}$ after $k$ steps. Its memory "
        f"time $1/(1-\\bar f)$ is {rounded_steps(tau).removeprefix('≈ ')}: {_after_memory_time(f_bar, tau)}. A "
        f"steady gate $\\bar f$ would keep more than 1% for {_above(f_bar)}; the real, varying gates keep it for "
        f"{steps_back(unit_reach)} (the thick line stays above 1% that far), of the {whole} the sequence has.")
    dashed = ("The hand-set weights have $W_{hh} = 0$, so here the dashed line takes no path through $W_{hh}$ and "
              "$\\kappa$ changes only the tanh RNN." if s.hand_set else
              "At $\\kappa = 0$, $W_{hh} = 0$: here the dashed line takes no path through $W_{hh}$ and lies on the "
              "cell path. Raise $\\kappa$ and it can grow even where the cell path only shrinks."
              if s.recurrent_scale == 0 else
              ("Raise $\\kappa$ and it can grow even where the cell path only shrinks." if s.recurrent_scale < KAPPA_MAX else
               "At this largest $\\kappa$ it can grow even where the cell path only shrinks."))
    r0, r5 = path_reach(s.cell, 0.0, j - 1), path_reach(s.cell, 5.0, j - 1)
    lesson.explain(
        f"Drag $b_f$: with these weights unit {j}'s cell path stays above 1% for {steps_back(r0)} at $b_f = 0$ and "
        f"{steps_back(r5)} at $b_f = 5$ (the whole sequence is {steps_back(whole)}). The dotted line is a tanh RNN "
        "with the same seed and weight scales: each step back multiplies its gradient by "
        "$\\mathrm{diag}(\\tanh')\\,W_{hh}$. " + recurrent_sentence(s_max(rnn_whh), s.recurrent_scale)
        + " The dashed line is the full LSTM Jacobian of $[h; c]$, which also takes the paths through $h$ and "
        "$W_{hh}$. " + dashed
        + rises_again({"tanh RNN": rnn_log10, "full LSTM Jacobian": lstm_log10}, np.log10(LEVEL)))
    if np.nanmax(lstm_log10) > 3:
        st.warning(f"The full LSTM Jacobian reaches {fmt(10.0 ** np.nanmax(lstm_log10))} here: the paths through $h$ "
                   "multiply by $W_{hh}$, so the gradient can still explode. The cell path eases vanishing; it does "
                   "not make exploding impossible.", icon=":material/warning:")
    rows = "\n".join(f"| ${b:g}$ | ${sigmoid(b):.5f}$ | {rounded_steps(memory_time(sigmoid(b))).removeprefix('≈ ')} |"
                     for b in BOOK_BIASES)
    (b_lo, b_hi), (tau_lo, tau_hi) = chrono_forget_biases(s.length)
    lesson.explain(
        "A steady forget gate $f = \\sigma(b_f)$ remembers for about $1/(1 - f)$ steps:\n\n"
        "| $b_f$ | $f = \\sigma(b_f)$ | memory time $1/(1-f)$ |\n|---|---|---|\n" + rows + "\n\n"
        "Chrono initialisation (Tallec & Ollivier 2018) gives each unit its own forget bias "
        "$b_f = \\log u$ with $u$ uniform in $[1, T_{max} - 1]$: then $1/(1 - f) = 1 + u$, so the units' memory "
        "times spread from 2 steps up to about $T_{max}$. "
        + (f"For $T_{{max}} = T = {s.length}$ the biases range from ${b_lo:g}$ to ${b_hi:.2f}$ and the memory times "
           f"from {tau_lo:g} to {tau_hi:g} steps." if b_hi > b_lo else
           f"At $T = {s.length}$ that range is a single bias, $\\log 1 = 0$, a memory time of 2 steps.")
        + " " + table_versus_unit(s, f_bar, tau))
    if s.hand_set:
        hand_set_memory(s, trace)
    at_from, at_to = path_reach(s.cell, PREDICT_FROM, j - 1), path_reach(s.cell, PREDICT_TO, j - 1)
    answer = reach_option(at_from, at_to, whole)
    lesson.predict(
        "lstm_predict_reach",
        f"At $b_f = {PREDICT_FROM:g}$ unit {j}'s cell path stays above 1% for {steps_back(at_from)}. "
        f"At $b_f = {PREDICT_TO:g}$, how far back will it stay above 1%?",
        REACH_OPTIONS,
        answer=answer,
        why=f"At $b_f = {PREDICT_TO:g}$ it stays above 1% for {steps_back(at_to)} (the sequence is {whole} steps "
            f"back). $\\sigma({PREDICT_FROM:g}) = {sigmoid(PREDICT_FROM):.3f}$ but $\\sigma({PREDICT_TO:g}) = "
            f"{sigmoid(PREDICT_TO):.3f}$: a steady gate that size keeps more than 1% for "
            f"{_above(sigmoid(PREDICT_TO))} instead of {_above(sigmoid(PREDICT_FROM))}.",
        instruction=f"set the forget-gate bias $b_f$ to {PREDICT_TO:g}", ready=s.gate_bias == PREDICT_TO)
    lesson.note("Hochreiter & Schmidhuber (1997) report LSTMs bridging lags of more than 1000 steps on synthetic "
                "tasks. Chrono initialisation: Tallec & Ollivier (2018).")
    lesson.show_code(cell_path, steady_forget_gate, memory_time)
    lesson.downloads("lstm_highway", {"cell_path": 10.0 ** path_log10, "lstm_jacobian_log10": lstm_log10,
                                      "rnn_jacobian_log10": rnn_log10}, settings=_settings(s))


def exploding_settings():
    """The cell settings of EXPLODING, every other control at its default."""
    e = EXPLODING
    return (e["preset"], e["length"], DEFAULT_HIDDEN, e["forget_bias"], DEFAULT_INPUT_BOUND, e["recurrent_scale"],
            DEFAULT_SEED, False)


def exploding_setting():
    """Where to see it explode, with the number the dashed line reaches there (computed, shared by all)."""
    e = EXPLODING
    peak = 10.0 ** float(np.nanmax(highway(exploding_settings())[1]))
    link = ("lstm?lstm_part=Gradient%20highway&lstm_input=sine&lstm_T={length}&forget_bias={forget_bias:g}"
            "&lstm_rec_scale={recurrent_scale:g}").format(**e)
    return (f"To see it, [open the Gradient highway tab]({link}) with the sine wave, $T = {e['length']}$, "
            f"$b_f = {e['forget_bias']:g}$ and $\\kappa = {e['recurrent_scale']:g}$: the dashed line, the full LSTM Jacobian, "
            f"reaches {fmt(peak)}.")


def _gate_movers(s) -> str:
    """What moves the forget gate away from sigma(b_f) with these weights: an input weight scale of 0 zeroes W_if,
    a recurrent weight scale of 0 zeroes W_hf (both 0, or the hand-set cell: the gate is sigma(b_f) itself, and the
    text says so before it gets here)."""
    if s.input_bound == 0:
        return "the hidden state (at $\\alpha = 0$, $W_{if}$ is 0)"
    if s.recurrent_scale == 0:
        return "the input (at $\\kappa = 0$, $W_{hf}$ is 0)"
    return "the input and the hidden state"


def table_versus_unit(s, f_bar, tau):
    """Why unit j's memory time above differs from the table's at the slider's b_f: the real gate adds the input's
    and h's terms to b_f inside the sigmoid."""
    steady = float(sigmoid(s.gate_bias))
    if abs(f_bar - steady) < 5e-5:
        return (f"Unit {s.unit}'s $\\bar f = {f_bar:.4f}$ is $\\sigma(b_f)$ itself here, so its memory time is the "
                "one a steady gate at this $b_f$ has.")
    unit_time = rounded_steps(tau).removeprefix('≈ ')
    steady_time = rounded_steps(memory_time(steady)).removeprefix('≈ ')
    return (f"Unit {s.unit}'s gates are not $\\sigma(b_f)$ itself: $f_t = \\sigma(W_{{if}}x_t + b_f + "
            f"W_{{hf}}h_{{t-1}})$, so {_gate_movers(s)} can move it. Here $\\bar f = {f_bar:.4f}$ against "
            f"$\\sigma({s.gate_bias:g}) = {steady:.4f}$, "
            + (f"which is why the memory time above is {unit_time} and not the {steady_time} of a steady gate at "
               f"$b_f = {s.gate_bias:g}$." if unit_time != steady_time else
               f"so close that the memory time above is the {steady_time} of a steady gate at $b_f = {s.gate_bias:g}$ "
               "to the digits shown."))


def _after_memory_time(f, tau):
    """What is left after one memory time: near 1/e when f is close to 1, computed either way."""
    if not np.isfinite(tau):
        return "nothing measurable is forgotten"
    left = f ** tau
    ratio = left / np.exp(-1)          # measured, with no verdict: 0.32 and 0.31 must not read as opposites
    return (f"after that many steps a share $\\bar f^{{\\,{tau:.1f}}} = {left:.3f}$ is left, "
            + ("the rule of thumb's $1/e \\approx 0.368$ to three decimals" if round(left, 3) == 0.368 else
               f"{ratio:.2f} times the rule of thumb's $1/e \\approx 0.368$, which holds only as $\\bar f$ nears 1"))


def _above(f):
    """'14 steps' for a steady gate f: how long it keeps more than 1%."""
    k = steps_above(f, LEVEL)
    return "ever (f rounds to 1)" if not np.isfinite(k) else f"{k:,} step{'' if k == 1 else 's'}"


def hand_set_memory(s, trace):
    """What the hand-set memory keeps: each latching unit's cell state, and the forget gate's product, computed."""
    names = feature_names(s.preset)
    stored = list(range(min(trace.x.shape[1], s.hidden)))
    c = trace.c
    f = float(sigmoid(s.gate_bias))
    st.dataframe({"unit j": [k + 1 for k in stored], "latches": [names[k] for k in stored],
                  "c at its largest": [float(c[int(np.argmax(np.abs(c[:, k]))), k]) for k in stored],
                  f"c at step {s.length}": [float(c[-1, k]) for k in stored]}, hide_index=True)
    kept_gap = {b: float(sigmoid(b)) ** GAP for b in (0.0, 5.0)}
    once = (f" The context word is written at step 1 and never again, so at step {s.length} it keeps "
            f"$\\sigma(b_f)^{{{s.length - 1}}} = {tex_number(f ** (s.length - 1))}$ of its value."
            if s.preset == "gap" else "")
    lesson.explain(
        f"Hand-set weights: unit $j$ writes its word when it appears and, between writes, only its forget gate, "
        f"$\\sigma(b_f) = {f:.4f}$ at every step, touches $c_j$: $k$ steps after a write it keeps "
        f"$\\sigma(b_f)^k$ of it.{once} Across a {GAP}-step gap that fraction is "
        f"$\\sigma(5)^{{{GAP}}} = {kept_gap[5.0]:.2f}$ at $b_f = 5$ and $\\sigma(0)^{{{GAP}}} = 0.5^{{{GAP}}} = "
        f"{tex_number(kept_gap[0.0])}$ at $b_f = 0$.")


def _settings(s):
    return dict(input=s.preset, T=s.length, H=s.hidden, forget_bias=s.gate_bias, hand_set=s.hand_set,
                input_weight_scale_alpha=s.input_bound, recurrent_weight_scale_kappa=s.recurrent_scale, seed=s.seed)


lesson.header(
    "LSTM: gates as faucets",
    "A long short-term memory (LSTM) cell (Hochreiter & Schmidhuber 1997) adds a second state to the RNN, the "
    "**cell state** $c_t$, and three **gates** that act like faucets on it. The forget gate $f_t$ (Gers et al. "
    "2000) decides how much of $c_{t-1}$ stays, the input gate $i_t$ how much of the candidate $g_t$ flows in, and "
    "the output gate $o_t$ how much of $\\tanh(c_t)$ comes out as the hidden state $h_t$. Each gate is a sigmoid, "
    "so it is opened by any amount between 0 and 1, never simply on or off; the candidate is a tanh, new content "
    "between $-1$ and $1$.",
    short="Three gates, each a sigmoid between 0 and 1, decide what the cell state keeps, takes in and shows.",
)


@st.fragment
def lstm_demo():
    """Every control and the open part: a control reruns this function only, not the text and questions around it."""
    part, body = lesson.tabs("lstm_part", TITLES)
    with body:
        s = gated_controls(part, TITLES, LSTM_TEXT)
        cell, trace, labels = run(*s.cell)
        if part == CELL:
            cell_part(s, cell, trace, labels)
        elif part == MAPS:
            maps_part(s, trace, labels)
        else:
            highway_part(s, trace)


lstm_demo()

lesson.quiz(
    "lstm_quiz_memory_time",
    "A unit's forget gate stays at $f = 0.95$ at every step. After about how many steps is only $1/e \\approx 37\\%$ "
    "of its cell content left?",
    ["About 5 steps", "About 20 steps", "About 95 steps"],
    answer=1,
    why="A steady gate keeps $f^k$ after $k$ steps, and $0.95^{20} \\approx 0.36$: the memory time is "
        "$1/(1 - f) = 1/0.05 = 20$ steps.",
    wrong=["$0.95^5 \\approx 0.77$: most of the content is still there after 5 steps.", None,
           "$0.95^{95} \\approx 0.008$: by then less than 1% is left, far below 37%."],
)
lesson.quiz(
    "lstm_quiz_gates",
    "PyTorch stores an LSTM's weights in four blocks, $i$, $f$, $g$ and $o$. How many of them are gates?",
    ["Three: $i$, $f$ and $o$", "Four: all of $i$, $f$, $g$ and $o$", "Two: $f$ and $o$"],
    answer=0,
    why="$i$, $f$ and $o$ are sigmoids that scale something by a fraction in $(0, 1)$. $g$ is a tanh proposing new "
        "content in $(-1, 1)$: the candidate, which the input gate doses.",
    wrong=[None, "$g$ is a tanh with values in $(-1, 1)$: it proposes content, it does not scale anything by a "
                 "fraction, so it is not a gate.",
           "The input gate $i$ is a gate too: it decides how much of the candidate enters the cell state."],
)
lesson.quiz(
    "lstm_quiz_explode",
    "Along the cell state, the gradient is multiplied only by forget gates, each below 1. Can an LSTM's gradient "
    "still explode?",
    ["No: a product of gates below 1 cannot grow", "No, not once the forget bias is positive",
     "Yes: through $h$ and $W_{hh}$ it can grow"],
    answer=2,
    why="The cell path alone only shrinks, but $h_{t-1}$ feeds every gate and the candidate through $W_{hh}$, and "
        "those paths can grow with large recurrent weights. " + exploding_setting() + " LSTMs are still trained with "
        "gradient clipping.",
    wrong=["True of the cell path alone, but the gradient also flows through $h_{t-1}$ and $W_{hh}$ into every "
           "gate, and that path has no such bound.",
           "A forget bias makes the cell path shrink more slowly; it puts no bound on the paths through $W_{hh}$.",
           None],
)
lesson.quiz(
    "lstm_quiz_output",
    "What does the output gate $o_t$ decide?",
    ["How much of $c_{t-1}$ is kept", "How much of $\\tanh(c_t)$ shows in $h_t$",
     "How much of $g_t$ gets written into $c_t$"],
    answer=1,
    why="$h_t = o_t \\odot \\tanh(c_t)$: the cell state can hold a value while the output gate keeps it out of "
        "$h_t$, and so out of the next step's gates and any readout.",
    wrong=["That is the forget gate: $c_t = f_t \\odot c_{t-1} + \\dots$.", None,
           "That is the input gate: $c_t = \\dots + i_t \\odot g_t$."],
)
lesson.takeaways([
    "An LSTM has **three gates**, input $i$, forget $f$ and output $o$, each a sigmoid between 0 and 1, and a "
    "**candidate** $g$ (a tanh) that proposes new content.",
    "The cell state is updated by $c_t = f_t \\odot c_{t-1} + i_t \\odot g_t$: along it the gradient is multiplied "
    "by forget gates, elementwise, with no weight matrix.",
    f"A steady forget gate $f$ keeps $f^k$ after $k$ steps: about $1/(1-f)$ steps of memory "
    f"($b_f = 3$: {memory_time(sigmoid(3.0)):.0f} steps, $b_f = 5$: {memory_time(sigmoid(5.0)):.0f}).",
    "The cell path eases vanishing gradients; the paths through $h$ and $W_{hh}$ can still explode, so LSTMs are "
    "trained with gradient clipping too.",
])
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

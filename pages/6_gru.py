"""Lesson 6: GRU, reset and update gates beside the standard cell diagram; RNN vs LSTM vs GRU."""

from functools import partial

import numpy as np
import streamlit as st

from app import lesson
from app.figures.gates import (GRU_HIGHLIGHTS, MAX_FRAMES, gate_heatmaps, gradient_comparison_figure, gru_cell_figure,
                               percent)
from app.figures.gradients import fmt_number
from app.gated_controls import GateText, cell_chart, gated_controls, shared_cell
from app.gated_equations import (gate_range, gate_terms_sentence, gru_step_latex, recurrent_sentence,
                                  reset_placement_latex, rises_again, steps_back, unit_rows)
from app.torch_snippet import pytorch_snippet
from rnn_core import GRU, sigmoid
from rnn_core.gated import (comparison_rows, gated_preset, gru_step_cho, hand_set_memory_gru,
                            log10_jacobian_norms, make_cell, reach, run_steps, s_max, step_values)
from rnn_core.spectra import jacobian, jacobian_norms

CELL, MAPS, COMPARED = "Cell and faucets", "Gates over time", "Cells compared"
TITLES = [CELL, MAPS, COMPARED]
MODEL_NAMES = {"rnn": "tanh RNN", "lstm": "LSTM", "gru": "GRU"}
PREDICT_TO = 4.0
LEVEL = 0.01


def mix_options(t):
    """The mix predict's options at step t (lettered A, B, C): exactly one holds, see mix_option."""
    return [f"Nearer $n_{{{t}}}$: the candidate is written in", f"Nearer $h_{{{t - 1}}}$: the old state is kept",
            "Exactly halfway between the two"]


def mix_option(z):
    """Which of mix_options holds for an update gate z: h_t - n_t = z (h_{t-1} - n_t), h_t - h_{t-1} = (1 - z)(...)."""
    return 1 if z > 0.5 else 0 if z < 0.5 else 2


GRU_TEXT = GateText(
    prefix="gru", bias_key="update_bias", bias_label="Update-gate bias b_z",
    bias_help="Added inside the update gate's sigmoid: a large b_z keeps z near 1, so the old state is kept. "
              "The comparison in the Cells compared tab gives the LSTM the same value as its forget-gate bias.",
    hand_help="Weights chosen by hand: unit j writes input feature j when it appears (z near 0), then keeps it "
              "(z near 1). They ignore the seed and the weight scales.",
    highlights=GRU_HIGHLIGHTS, step_parts=(CELL, MAPS), unit_parts=(CELL, MAPS), highlight_parts=(CELL,),
    scale_parts=(COMPARED,), hand_parts=(), hand_effect_parts=(CELL, MAPS), always_seeded_parts=(COMPARED,))


run = partial(shared_cell, "gru")  # the GRU the controls describe, its trace and step labels: shared


def cell_figure(settings, unit, step, highlight, presenting):
    """The standard diagram and the faucets of one unit, one frame per step around `step` (indices). Not cached:
    built from plain dicts in about 10 ms, while a cached Figure is rebuilt with Plotly's validation when read
    back (about 100 ms with its frames)."""
    _, trace, labels = run(*settings)
    return gru_cell_figure(trace, unit=unit, step=step, highlight=highlight, labels=labels, side_by_side=presenting)


@st.cache_data(max_entries=32, show_spinner=False)
def comparison(preset, length, hidden, update_bias, input_bound, recurrent_scale, seed):
    """log10 ||d s_T / d s_t|| (s = h, or [h; c] for the LSTM) for the three cells built from the same seed and
    scales, the measure lesson 5's highway plots, and the RNN's W_hh."""
    x = gated_preset(preset, length)
    norms, whh = {}, None
    for kind in ("rnn", "lstm", "gru"):
        cell = make_cell(kind, x.shape[1], hidden, seed=seed, gate_bias=None if kind == "rnn" else update_bias,
                         input_bound=input_bound, recurrent_scale=recurrent_scale)
        norms[kind] = log10_jacobian_norms(cell, cell.unroll(x))
        whh = cell.weight_hh if kind == "rnn" else whh
    return norms, whh


ROLE = {
    "r": lambda v, t: (f"The reset gate lets ${percent(v['r'])}\\%$ of $W_{{hn}}h_{{{t - 1}}} + b_{{hn}} = "
                       f"{v['u_n']:.3f}$ into the candidate: near 0, the candidate is built from the input alone."
                       + (" At step 1 the old state $h_0$ is 0, so that term is only the bias $b_{hn}$: the reset gate "
                          "starts acting on the old state from step 2." if t == 1 else "")),
    "z": lambda v, t: (f"The update gate keeps ${percent(v['z'])}\\%$ of $h_{{{t - 1}}}$ and writes "
                       f"${percent(1 - v['z'])}\\%$ of the candidate: one gate for both shares, which add up to "
                       "the whole."),
    "n": lambda v, t: (f"The candidate $n_{{{t}}} = {v['n']:.3f}$ is a tanh, between $-1$ and $1$: the new content "
                       "the update gate may write."),
    "h": lambda v, t: (f"$h_{{{t}}} = {v['h']:.3f}$ is the mix of candidate and old state, and the GRU's only state: "
                       "its memory and its output at once."),
}


def cell_part(s, cell, trace):
    """The standard diagram and the faucets, the highlighted part's equation, where the reset gate acts, the code."""
    t, j = s.step, s.unit
    window = cell_chart(cell_figure(s.cell, j - 1, t - 1, s.highlight, lesson.presenting()), GRU_TEXT, "GRU", s,
                        MAX_FRAMES)
    lesson.explain(
        "Both drawings show unit $j$ at step $t$. The hidden state runs along the top and is the only state: the "
        "update gate $z_t$ multiplies the old state $h_{t-1}$ (⊗), $1 - z_t$ multiplies the candidate $n_t$, and the "
        "two are added (⊕). In the faucets that is **one gate driving two valves**, opened $z_t$ on the old state's "
        "pipe and $1 - z_t$ on the candidate's, so together they always pass the whole. The reset gate $r_t$ decides "
        "how much of $W_{hn}h_{t-1} + b_{hn}$ enters the candidate. Press Play to run through the steps" + window + "; "
        "click a gate in either drawing, or choose it under Highlight, to write its equation out below.")
    v = step_values(trace, t - 1, j - 1)
    lesson.explain(gate_terms_sentence("GRU", t, j))
    st.latex(gru_step_latex(v, t, j, s.highlight))
    lesson.explain(ROLE[s.highlight](v, t))
    reset_placement(cell, trace, t, j)
    if s.hand_set:
        kept = float(np.prod(trace.gates["z"][1:, j - 1]))
        lesson.explain(
            f"Hand-set weights: unit {j}'s update gate closes ($z \\approx 0$) only while its word is present, so the "
            f"word is written, and stays at $\\sigma(b_z) = {sigmoid(s.gate_bias):.4f}$ otherwise, so it is kept. "
            "With the reset gate shut the candidate is about 0 in between, and $h$ shrinks by about $z$ per step: of "
            f"what unit {j} held after step 1, its update gates alone leave a fraction "
            f"$z_2 z_3 \\cdots z_{{{s.length}}}$ = {fmt_number(kept)} at step {s.length}.")
    z_high = run(*(s.cell[:3] + (PREDICT_TO,) + s.cell[4:]))[1].gates["z"][t - 1, j - 1]
    lesson.predict(
        "gru_predict_mix",
        f"Raise $b_z$ to {PREDICT_TO:g}. At step {t}, will unit {j}'s new state $h_{{{t}}}$ sit nearer the candidate "
        f"$n_{{{t}}}$ or nearer the old state $h_{{{t - 1}}}$?",
        mix_options(t),
        answer=mix_option(z_high),
        why=f"At $b_z = {PREDICT_TO:g}$, $z_{{{t}}} = {z_high:.3f}$, and $h_{{{t}}} - h_{{{t - 1}}} = (1 - z_{{{t}}})"
            f"(n_{{{t}}} - h_{{{t - 1}}})$ while $h_{{{t}}} - n_{{{t}}} = z_{{{t}}}(h_{{{t - 1}}} - n_{{{t}}})$: "
            + ("with $z$ above one half the new state stays nearer the old one. " if z_high > 0.5 else
               "with $z$ below one half the candidate wins. ")
            + "The update gate only mixes the two; exactly halfway would need $z_t = 0.5$.",
        instruction=f"set the update-gate bias $b_z$ to {PREDICT_TO:g}", ready=s.gate_bias == PREDICT_TO)
    lesson.note("The candidate $n_t$ is what d2l writes $\\tilde h_t$. Olah (2015) and Wikipedia write "
                "$h_t = z_t \\odot \\tilde h_t + (1 - z_t) \\odot h_{t-1}$: the same model with $z$ and $1 - z$ "
                "swapped; this course, PyTorch, Cho et al. (2014) and d2l keep $z$ on the old state. The standard "
                "diagram is drawn after Olah (2015) in PyTorch's form: $z$ on the old state, $1 - z$ on the candidate, "
                "$r$ on $W_{hn}h_{t-1} + b_{hn}$.")
    lesson.show_code(GRU.step, gru_step_cho, *([hand_set_memory_gru] if s.hand_set else []),
                     torch=lambda: pytorch_snippet(cell, trace.x, show=f"output[{t - 1}, {j - 1}]"))


def reset_placement(cell, trace, t, j):
    """PyTorch's reset gate against Cho et al.'s and d2l's, computed for this cell at step t."""
    x_t, h_prev = trace.x[t - 1], (trace.h[t - 2] if t > 1 else trace.h0)
    h_py, gates_py = cell.step(x_t, h_prev)
    h_cho, gates_cho = gru_step_cho(cell, x_t, h_prev)
    st.latex(reset_placement_latex(t, j, {"n": gates_py["n"][j - 1], "h": h_py[j - 1]},
                                   {"n": gates_cho["n"][j - 1], "h": h_cho[j - 1]}))
    gap = abs(h_py[j - 1] - h_cho[j - 1])
    U_n, b_hn = cell.block("n"), cell.block("n", "bias_hh")
    if gap >= 5e-7:
        why = f"here they differ by {fmt_number(gap)} in $h_{{{t}}}$ of unit {j}"
    elif np.array_equal(U_n, np.eye(len(U_n))) and not np.any(b_hn):
        why = ("here they agree, because the hand-set weights have $W_{hn} = I$ and $b_{hn} = 0$, and then "
               "$r \\odot (I h) = I (r \\odot h)$")
    else:
        why = "here they agree to 6 decimals, but with other weights or at other steps they need not"
    lesson.explain(
        "**Where the reset gate acts.** PyTorch multiplies $W_{hn}h_{t-1} + b_{hn}$ by $r_t$; Cho et al. (2014) and "
        "d2l multiply $h_{t-1}$ by $r_t$ before the matrix. Same weights and the same gates give in general a "
        f"different candidate: {why}. A model trained one way and run the other gives different numbers.")


def maps_part(s, trace, labels):
    """Every gate of every unit over time, unit j at step t outlined, and the trace to download."""
    t, j = s.step, s.unit
    lesson.chart(gate_heatmaps(trace, ["r", "z", "n", "h"], unit=j - 1, step=t - 1, labels=labels),
                 key="gru_heatmaps",
                 alt="Heatmaps over steps and units of the reset gate, update gate, candidate and hidden state.")
    z = trace.gates["z"]
    lesson.explain(
        f"{unit_rows(s.hidden)}, columns steps $1 \\dots {s.length}$; the outlined square is unit {j} "
        f"at step {t} (Step t and Unit j). The update gate has the LSTM forget gate's colour because it plays the "
        f"same role, how much of the old state to keep: here its values {gate_range(z)} "
        f"(mean ${z.mean():.3f}$). Where a row of $z$ is dark, that unit's $h$ changes little from step to step.")
    lesson.show_code(run_steps, GRU.step)
    lesson.downloads("gru_trace", {**{name: trace.gates[name] for name in "rzn"}, "h": trace.h},
                     settings=_settings(s))


def compared_part(s, inputs):
    """How far back a change reaches the last step in each of the three cells, and their parameter counts."""
    norms, rnn_whh = comparison(*s.cell[:-1])
    lesson.chart(gradient_comparison_figure(norms), key="gru_gradients",
                 alt="Log-scale plot of how much a change of the state at step t still moves the state at the last "
                     "step, for the tanh RNN, the LSTM (state h and c) and the GRU.")
    reaches = {kind: reach(values, np.log10(LEVEL)) for kind, values in norms.items()}
    for column, (kind, steps) in zip(st.columns(3), reaches.items()):
        column.metric(f"{MODEL_NAMES[kind]}: unbroken run above 1%", steps_back(steps))
    lesson.explain(
        "One sequence and the three cells built from the same seed and weight scales, the LSTM's forget-gate bias "
        f"and the GRU's update-gate bias both set to $b_f = b_z = {s.gate_bias:g}$. Each curve is the Jacobian "
        f"norm $\\lVert \\partial s_{{{s.length}}} / \\partial s_t \\rVert$ of the cell's whole state $s$: $h$ for the "
        "tanh RNN and the GRU, $h$ and the cell state $c$ together for the LSTM, the same measure as the Gradient "
        "highway tab of the LSTM lesson: the largest gradient that a loss at the last step, with gradient norm 1 "
        f"there, can send back to step $t$. Here its unbroken run above 1% reaches {steps_back(reaches['rnn'])} in the tanh RNN, "
        f"{steps_back(reaches['lstm'])} in the LSTM and {steps_back(reaches['gru'])} in the GRU (the whole sequence "
        f"is {steps_back(s.length - 1)}): {furthest(reaches)} with these weights. That is one network each, not a "
        "ranking of the cells: other weights (another seed) or other biases can change the order."
        + rises_again({MODEL_NAMES[k]: v for k, v in norms.items()}, np.log10(LEVEL)) + " "
        + recurrent_sentence(s_max(rnn_whh), s.recurrent_scale)
        + " A larger $b_z$ makes the gated cells keep more of the old state at each step; a larger $\\kappa$ can make "
        "any of them grow instead.")
    rows = {r["kind"]: r for r in comparison_rows(inputs, s.hidden)}
    per_block = s.hidden * (inputs + s.hidden) + 2 * s.hidden
    line = lambda name, cells: f"| {name} | " + " | ".join(cells) + " |"  # noqa: E731
    kinds = ("rnn", "lstm", "gru")
    lesson.explain("\n".join([
        line("", [MODEL_NAMES[k] for k in kinds]), "|---|---|---|---|",
        line("gates", [GATE_SYMBOLS[k] for k in kinds]),
        line("candidate", [CANDIDATES[rows[k]["candidate"]] for k in kinds]),
        line("cell state", ["$c_t$" if rows[k]["separate cell state"].startswith("yes") else "none" for k in kinds]),
        line("blocks $G$", [str(rows[k]["blocks"]) for k in kinds]),
        line("parameters", [f"{rows[k]['parameters']:,}" for k in kinds])]))
    st.latex(rf"G\,\big(H(I+H) + 2H\big) = G\,\big({s.hidden}\cdot({inputs}+{s.hidden}) + 2\cdot{s.hidden}\big) = "
             rf"{per_block:,}\,G:\quad " + ",\\quad ".join(
                 rf"{rows[k]['blocks']}\cdot{per_block:,} = {rows[k]['parameters']:,}" for k in kinds))
    lesson.explain(
        f"Counted from the cells for input size $I = {inputs}$ and hidden size $H = {s.hidden}$: every weight block "
        "holds $H(I + H)$ weights and $2H$ biases, and the tanh RNN has $G = 1$ block, the LSTM 4 ($i, f, g, o$) and "
        "the GRU 3 ($r, z, n$): the GRU has exactly $3/4$ of the LSTM's parameters.")
    lesson.note("GRU: Cho et al. (2014). LSTM: Hochreiter & Schmidhuber (1997), forget gate Gers et al. (2000).")
    lesson.show_code(jacobian, jacobian_norms)
    lesson.downloads("gru_compared_jacobians", {f"{kind}_jacobian_norm_log10": v for kind, v in norms.items()},
                     settings=_settings(s))


CANDIDATES = {"-": "none", "g": "$g_t$", "n": "$n_t$"}
GATE_SYMBOLS = {"rnn": "none", "lstm": "$i, f, o$", "gru": "$r, z$"}


def furthest(reaches):
    """Which cells carry the gradient furthest, ties said as ties."""
    best = max(reaches.values())
    leaders = [MODEL_NAMES[kind] for kind, steps in reaches.items() if steps == best]
    if len(leaders) == 1:
        return f"the {leaders[0]} carries it furthest"
    if len(leaders) == len(reaches):
        return "all three carry it equally far"
    behind = next(MODEL_NAMES[kind] for kind, steps in reaches.items() if steps != best)
    return f"the {leaders[0]} and the {leaders[1]} carry it equally far, further than the {behind},"


def _settings(s):
    return dict(input=s.preset, T=s.length, H=s.hidden, update_bias=s.gate_bias, hand_set=s.hand_set,
                input_weight_scale_alpha=s.input_bound, recurrent_weight_scale_kappa=s.recurrent_scale, seed=s.seed)


lesson.header(
    "GRU: reset and update gates",
    "The gated recurrent unit (GRU, Cho et al. 2014) keeps the idea of faucets with fewer parts: **two gates and no "
    "separate cell state**, so the hidden state $h_t$ is the memory. The update gate $z_t$ is a mixing valve: it "
    "keeps a fraction $z_t$ of the old state $h_{t-1}$ and fills the rest with a candidate $n_t$. The reset gate "
    "$r_t$ decides how much of the old state goes into that candidate. We write it as PyTorch does: "
    "$h_t = (1 - z_t) \\odot n_t + z_t \\odot h_{t-1}$.",
    short="Two gates and no cell state: the update gate mixes old state and candidate, the reset gate shapes the "
          "candidate.",
)


@st.fragment
def gru_demo():
    """Every control and the open part: a control reruns this function only, not the text and questions around it."""
    part, body = lesson.tabs("gru_part", TITLES)
    with body:
        s = gated_controls(part, TITLES, GRU_TEXT)
        cell, trace, labels = run(*s.cell)
        if part == CELL:
            cell_part(s, cell, trace)
        elif part == MAPS:
            maps_part(s, trace, labels)
        else:
            compared_part(s, trace.x.shape[1])


gru_demo()

lesson.quiz(
    "gru_quiz_mix",
    "At one step a unit has $z_t = 0.9$. In PyTorch's convention, what is its new state $h_t$?",
    ["$0.9\\, n_t + 0.1\\, h_{t-1}$", "$0.1\\, n_t + 0.9\\, h_{t-1}$", "$0.9\\, h_{t-1}$ alone, $n_t$ dropped"],
    answer=1,
    why="$h_t = (1 - z_t)\\, n_t + z_t\\, h_{t-1} = 0.1\\, n_t + 0.9\\, h_{t-1}$: an update gate near 1 keeps the "
        "old state.",
    wrong=["That is Olah's and Wikipedia's convention, where $z$ weighs the candidate; PyTorch puts $z$ on the old "
           "state.", None,
           "The update gate mixes: the candidate keeps the share $1 - z_t$, which is not 0 here."],
)
lesson.quiz(
    "gru_quiz_memory",
    "Where does a GRU keep what it remembers from earlier steps?",
    ["In its hidden state $h_t$", "In a cell state $c_t$, like the LSTM", "Nowhere: without a cell state it can't"],
    answer=0,
    why="The GRU merges the LSTM's cell and hidden state into one vector, passed on from step to step; the update "
        "gate decides how much of it survives each step.",
    wrong=[None, "A GRU has no separate cell state: that is the LSTM's design.",
           "With $z_t$ near 1 a unit carries its value across many steps: its hidden state is its memory."],
)
lesson.quiz(
    "gru_quiz_reset",
    "A unit's reset gate is close to 0 at some step. What happens at that step?",
    ["Its state $h_t$ is set to 0", "It stops updating, so $h_t = h_{t-1}$ exactly",
     "Its candidate $n_t$ ignores $h_{t-1}$"],
    answer=2,
    why="$r_t$ multiplies $W_{hn} h_{t-1} + b_{hn}$ inside the candidate only, so $n_t$ is computed from the input "
        "almost alone. The old state can still pass straight through the update gate's mix.",
    wrong=["The reset gate acts inside the candidate, not on the state: $h_t$ still mixes $n_t$ and $h_{t-1}$.",
           "Keeping the old state is the update gate's job ($z_t$ near 1); the reset gate does not stop the update.",
           None],
)
lesson.quiz(
    "gru_quiz_placement",
    "Same weights, same input: PyTorch computes $r_t \\odot (W_{hn} h_{t-1} + b_{hn})$, Cho et al. (2014) "
    "$W_{hn}(r_t \\odot h_{t-1}) + b_{hn}$. Do they give the same candidate?",
    ["Yes: the same product in another order", "Only if $b_{hn} = 0$; otherwise not",
     "No: they differ even when $b_{hn} = 0$"],
    answer=2,
    why="$r_t \\odot (W h)$ scales each row's sum by its own $r$; $W (r_t \\odot h)$ scales each input before the "
        "sum: they agree only in special cases, such as all $r$ equal. The Cell and faucets tab computes both.",
    wrong=["An elementwise product and a matrix product do not commute: scaling the rows of the sum is not scaling "
           "the inputs.",
           "The bias is not what separates them: $r$ scales the sums of $W_{hn}h$ in one and the entries of $h$ in "
           "the other, and dropping $b_{hn}$ leaves that as it is.", None],
)
lesson.quiz(
    "gru_quiz_parameters",
    "With the same input size $I$ and hidden size $H$, how many parameters does a GRU have compared with an LSTM?",
    ["Three quarters as many", "Exactly the same number", "Half as many"],
    answer=0,
    why="Each weight block holds $H(I + H) + 2H$ parameters; the GRU has 3 blocks ($r$, $z$, $n$), the LSTM 4 "
        "($i$, $f$, $g$, $o$): $3/4$ as many, whatever $I$ and $H$.",
    wrong=[None, "The GRU has one weight block fewer than the LSTM: 3 against 4.",
           "Half would be 2 blocks against 4; the GRU has 3 ($r$, $z$ and $n$)."],
)
lesson.takeaways([
    "A GRU has **two gates**, reset $r$ and update $z$, and a candidate $n$, and **no separate cell state**: its "
    "hidden state $h_t$ is its memory.",
    "PyTorch (like Cho et al. 2014 and d2l) writes $h_t = (1 - z_t) \\odot n_t + z_t \\odot h_{t-1}$: $z$ near 1 "
    "keeps the old state. Olah (2015) and Wikipedia swap $z$ and $1 - z$.",
    "PyTorch applies $r_t$ to $W_{hn}h_{t-1} + b_{hn}$; Cho et al. and d2l apply it to $h_{t-1}$ before the "
    "matrix: the same idea, different numbers.",
    "Three weight blocks instead of the LSTM's four: $3/4$ of its parameters for the same sizes.",
])
lesson.misconceptions([
    ("A GRU has no memory because it has no cell state.",
     "Its hidden state is its memory: with $z_t$ near 1 a unit carries its value across many steps."),
    ("The update gate is the share of new information.",
     "That depends on the convention. Olah (2015) and Wikipedia write $h_t = z_t\\, n_t + (1 - z_t)\\, h_{t-1}$; "
     "PyTorch and this course write $h_t = (1 - z_t)\\, n_t + z_t\\, h_{t-1}$. It is the same model with $z$ "
     "replaced by $1 - z$."),
    ("GRUs and LSTMs solve the vanishing and exploding gradient problems.",
     "They ease vanishing: the gradient along $h$ is multiplied by $z_t$ elementwise plus terms through "
     "$W_{hh}$, so with $z$ near 1 it fades slowly. Large recurrent weights can still make it explode."),
])

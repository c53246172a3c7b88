"""The gated cells' equations written out with one step's numbers, as LaTeX for st.latex (no Streamlit here).

Every number comes from rnn_core.gated.step_values (the trace the figures draw); steps and units are
written 1-based (t, j), the way every lesson counts. The highlighted line is boxed and marked, which reads
in the light and the dark theme alike.
"""

from __future__ import annotations

import numpy as np

from app.equations import signed_term, tex_number
from rnn_core.gated import reach

MARK = r"\;\blacktriangleleft"


def _line(left: str, right: str, highlighted: bool) -> str:
    return rf"{left} &= \boxed{{{right}}}{MARK}" if highlighted else rf"{left} &= {right}"


def _gate(name: str, fn: str, v: dict, t: int, highlighted: bool) -> str:
    """One gate's row, short enough for a phone: its input term and its recurrent term, then its value (which
    term is which is said once, in gate_terms_sentence)."""
    right = rf"{fn}({signed_term(v['a_' + name])} + {signed_term(v['u_' + name])}) = {tex_number(v[name])}"
    return _line(f"{name}_{{{t}}}", right, highlighted)


def lstm_step_latex(v: dict, t: int, j: int, highlight: str = "") -> str:
    """i, f, g, o, c and h of unit j at step t (1-based), `highlight` boxed; long rows broken in two."""
    rows = [_gate(name, fn, v, t, highlight == name)
            for name, fn in (("i", r"\sigma"), ("f", r"\sigma"), ("g", r"\tanh"), ("o", r"\sigma"))]
    rows.append(_line(rf"c_{{{t}}}", rf"f_{{{t}}}\, c_{{{t - 1}}} + i_{{{t}}}\, g_{{{t}}}", highlight == "c"))
    rows.append(rf"&= {tex_number(v['f'])}\cdot{signed_term(v['c_prev'])} + {tex_number(v['i'])}\cdot"
                rf"{signed_term(v['g'])} = {tex_number(v['c'])}")
    rows.append(_line(rf"h_{{{t}}}", rf"o_{{{t}}} \tanh(c_{{{t}}})", highlight == "h"))
    rows.append(rf"&= {tex_number(v['o'])}\cdot\tanh{signed_term(v['c'])} = {tex_number(v['h'])}")
    return r"\begin{aligned}" + r" \\ ".join(rows) + r"\end{aligned}"


def gru_step_latex(v: dict, t: int, j: int, highlight: str = "") -> str:
    """r, z, n and h of unit j at step t (1-based, PyTorch's equations), `highlight` boxed; long rows in two."""
    rows = [_gate(name, r"\sigma", v, t, highlight == name) for name in ("r", "z")]
    rows.append(_line(rf"n_{{{t}}}", rf"\tanh({signed_term(v['a_n'])} + {tex_number(v['r'])}\cdot"
                      rf"{signed_term(v['u_n'])})", highlight == "n"))
    rows.append(rf"&= {tex_number(v['n'])}")
    rows.append(_line(rf"h_{{{t}}}", rf"(1 - z_{{{t}}})\, n_{{{t}}} + z_{{{t}}}\, h_{{{t - 1}}}", highlight == "h"))
    rows.append(rf"&= {tex_number(1 - v['z'])}\cdot{signed_term(v['n'])} + {tex_number(v['z'])}\cdot"
                rf"{signed_term(v['h_prev'])} = {tex_number(v['h'])}")
    return r"\begin{aligned}" + r" \\ ".join(rows) + r"\end{aligned}"


def gate_terms_sentence(cell_name: str, t: int, j: int) -> str:
    """What the two numbers in a gate's row are, and how the weights are named and stacked (LSTM or GRU)."""
    gates, n = ("i, f, g, o", 4) if cell_name == "LSTM" else ("r, z, n", 3)
    bias, inner, outer = ("b_f", "b_{if}", "b_{hf}") if cell_name == "LSTM" else ("b_z", "b_{iz}", "b_{hz}")
    return (f"The rows are unit {j}'s at Step t = {t}, whatever step the animation above shows: move Step t to "
            f"write out another step. In each gate's row, for gate $k \\in \\{{{gates}\\}}$, the first number is "
            f"$W_{{ik}}x_{{{t}}} + b_{{ik}}$ and the second $W_{{hk}}h_{{{t - 1}}} + b_{{hk}}$: $W_{{i\\cdot}}$ "
            f"multiplies the input, $W_{{h\\cdot}}$ the previous hidden state. PyTorch stacks the {n} matrices "
            f"$W_{{i\\cdot}}$ into "
            f"`weight_ih` ({n}H × I) and the {n} $W_{{h\\cdot}}$ into `weight_hh` = $W_{{hh}}$ ({n}H × H). The "
            f"slider's ${bias}$ is ${inner}$; ${outer}$ stays 0.")


def reset_placement_latex(t: int, j: int, pytorch: dict, cho: dict) -> str:
    """PyTorch's candidate and state next to Cho et al.'s and d2l's, for unit j at step t: same weights, same
    r and z, the reset gate before or after W_hn (four short rows: a phone's width)."""
    return (r"\begin{aligned}"
            rf"&\text{{PyTorch: }} r_{{{t}}} \odot (W_{{hn}}h_{{{t - 1}}} + b_{{hn}}) \\"
            rf"&\quad n_{{{t}}} = {tex_number(pytorch['n'])},\;\; h_{{{t}}} = {tex_number(pytorch['h'])} \\"
            rf"&\text{{Cho, d2l: }} W_{{hn}}(r_{{{t}}} \odot h_{{{t - 1}}}) + b_{{hn}} \\"
            rf"&\quad n_{{{t}}} = {tex_number(cho['n'])},\;\; h_{{{t}}} = {tex_number(cho['h'])}"
            r"\end{aligned}")


def steps_back(n: int) -> str:
    """'1 step back', '17 steps back'."""
    return f"{n} step{'' if n == 1 else 's'} back"


def recurrent_sentence(rnn_s_max: float, kappa: float) -> str:
    """What the tanh RNN's largest singular value says about its gradient (gamma = 1 for tanh), at kappa."""
    if kappa == 0:
        return ("At $\\kappa = 0$ the tanh RNN's $W_{hh}$ is zero: its last state depends on no earlier state, so "
                "its gradient is exactly 0 one step back, and its run above 1% is 0 steps.")
    return (f"The tanh RNN's $W_{{hh}}$ has $s_{{max}} = {rnn_s_max:.3f}$ at $\\kappa = {kappa:g}$, "
            + ("below 1, so its gradient must vanish." if rnn_s_max < 1 else
               "above 1, so its gradient may grow; whether it does depends on the tanh's slopes."))


def rises_again(curves: dict, log10_level: float) -> str:
    """A sentence for the curves (name -> log10 values over steps 1..T) that drop below the level going back from
    step T and then climb above it again further back, which a count of steps back leaves out; '' if none do."""
    said = []
    for name, curve in curves.items():
        curve = np.asarray(curve, dtype=float)
        back = reach(curve, log10_level)
        first_below = len(curve) - 2 - back                 # index of the first step below the level, going back
        again = np.nonzero(~(curve[:max(first_below, 0)] < log10_level))[0] + 1   # steps, from 1; nan counts above
        if len(again):
            said.append(f"the {name} ({len(again)} earlier steps, between step {again.min()} and step {again.max()})"
                        if len(again) > 1 else f"the {name} (at step {again[0]})")
    if not said:
        return ""
    return (" Each count is the unbroken run back from the last step; further back a curve can climb above 1% again, "
            "which the count leaves out: here it does for " + " and for ".join(said) + ".")


def gate_range(values) -> str:
    """'lie between 0.412 and 0.953', or 'are all 0.953' when they agree to 3 decimals (hand-set weights)."""
    lo, hi = f"{np.min(values):.3f}", f"{np.max(values):.3f}"
    return f"are all ${lo}$" if lo == hi else f"lie between ${lo}$ and ${hi}$"


REACH_OPTIONS = ["At most 5 steps further, short of step 1", "More than 5 steps further, short of step 1",
                 "All the way back to step 1"]


def reach_option(before: int, after: int, whole: int) -> int:
    """Which of REACH_OPTIONS a reach of `after` steps back is, from `before` (the sequence has `whole` steps
    back): exactly one of them holds."""
    if after >= whole:
        return 2
    return 0 if after <= before + 5 else 1


def unit_rows(hidden: int) -> str:
    """'Rows are units 1 … 4', or 'The one row is unit 1' (a heatmap's rows, for the sentence under it)."""
    return "The one row is unit 1" if hidden == 1 else f"Rows are units $1 \\dots {hidden}$"

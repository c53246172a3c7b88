"""The gated cells' equations written out with one step's numbers, as LaTeX for st.latex (no Streamlit here).

Every number comes from rnn_core.gated.step_values (the trace the figures draw); steps and units are
written 1-based (t, j), the way every lesson counts. The highlighted line is boxed and marked, which reads
in the light and the dark theme alike.
"""

from __future__ import annotations

from app.equations import signed_term, tex_number

MARK = r"\;\blacktriangleleft"


def _line(left: str, right: str, highlighted: bool) -> str:
    return rf"{left} &= \boxed{{{right}}}{MARK}" if highlighted else rf"{left} &= {right}"


def _gate(name: str, fn: str, v: dict, t: int, highlighted: bool) -> str:
    right = (rf"{fn}\big(\underbrace{{{signed_term(v['a_' + name])}}}_{{W_{{i{name}}}x_{{{t}}}+b_{{i{name}}}}}"
             rf" + \underbrace{{{signed_term(v['u_' + name])}}}_{{W_{{h{name}}}h_{{{t - 1}}}+b_{{h{name}}}}}\big)"
             rf" = {tex_number(v[name])}")
    return _line(f"{name}_{{{t}}}", right, highlighted)


def lstm_step_latex(v: dict, t: int, j: int, highlight: str = "") -> str:
    """i, f, g, o, c and h of unit j at step t (1-based), `highlight` boxed."""
    rows = [_gate(name, fn, v, t, highlight == name)
            for name, fn in (("i", r"\sigma"), ("f", r"\sigma"), ("g", r"\tanh"), ("o", r"\sigma"))]
    rows.append(_line(rf"c_{{{t}}}", rf"f_{{{t}}}\, c_{{{t - 1}}} + i_{{{t}}}\, g_{{{t}}} = "
                      rf"{tex_number(v['f'])}\cdot{signed_term(v['c_prev'])} + {tex_number(v['i'])}\cdot"
                      rf"{signed_term(v['g'])} = {tex_number(v['c'])}", highlight == "c"))
    rows.append(_line(rf"h_{{{t}}}", rf"o_{{{t}}} \tanh(c_{{{t}}}) = {tex_number(v['o'])}\cdot\tanh"
                      rf"{signed_term(v['c'])} = {tex_number(v['o'])}\cdot{signed_term(v['tanh_c'])} = "
                      rf"{tex_number(v['h'])}", highlight == "h"))
    return r"\begin{aligned}" + r" \\ ".join(rows) + rf"\end{{aligned}}\qquad\text{{(unit {j})}}"


def gru_step_latex(v: dict, t: int, j: int, highlight: str = "") -> str:
    """r, z, n and h of unit j at step t (1-based, PyTorch's equations), `highlight` boxed."""
    rows = [_gate(name, r"\sigma", v, t, highlight == name) for name in ("r", "z")]
    rows.append(_line(rf"n_{{{t}}}", rf"\tanh\big(\underbrace{{{signed_term(v['a_n'])}}}_{{W_{{in}}x_{{{t}}}+b_{{in}}}}"
                      rf" + {tex_number(v['r'])}\cdot\underbrace{{{signed_term(v['u_n'])}}}_"
                      rf"{{W_{{hn}}h_{{{t - 1}}}+b_{{hn}}}}\big) = {tex_number(v['n'])}", highlight == "n"))
    rows.append(_line(rf"h_{{{t}}}", rf"(1 - z_{{{t}}})\, n_{{{t}}} + z_{{{t}}}\, h_{{{t - 1}}} = "
                      rf"{tex_number(1 - v['z'])}\cdot{signed_term(v['n'])} + {tex_number(v['z'])}\cdot"
                      rf"{signed_term(v['h_prev'])} = {tex_number(v['h'])}", highlight == "h"))
    return r"\begin{aligned}" + r" \\ ".join(rows) + rf"\end{{aligned}}\qquad\text{{(unit {j})}}"


def reset_placement_latex(t: int, j: int, pytorch: dict, cho: dict) -> str:
    """PyTorch's candidate and state next to Cho et al.'s and d2l's, for unit j at step t: same weights, same
    r and z, the reset gate before or after W_hn."""
    return (r"\begin{aligned}"
            rf"\text{{PyTorch: }} n_{{{t}}} &= \tanh(W_{{in}}x_{{{t}}} + b_{{in}} + r_{{{t}}} \odot "
            rf"(W_{{hn}}h_{{{t - 1}}}"
            rf" + b_{{hn}})) = {tex_number(pytorch['n'])}, & h_{{{t}}} &= {tex_number(pytorch['h'])} \\"
            rf"\text{{Cho et al., d2l: }} n_{{{t}}} &= \tanh(W_{{in}}x_{{{t}}} + b_{{in}} + W_{{hn}}(r_{{{t}}} \odot "
            rf"h_{{{t - 1}}}) + b_{{hn}}) = {tex_number(cho['n'])}, & h_{{{t}}} &= {tex_number(cho['h'])}"
            rf"\end{{aligned}}\qquad\text{{(unit {j})}}")


def steps_back(n: int) -> str:
    """'1 step back', '17 steps back'."""
    return f"{n} step{'' if n == 1 else 's'} back"


def recurrent_sentence(rnn_s_max: float, kappa: float) -> str:
    """What the tanh RNN's largest singular value says about its gradient (gamma = 1 for tanh), at kappa."""
    return (f"The tanh RNN's $W_{{hh}}$ has $s_{{max}} = {rnn_s_max:.3f}$ at κ = {kappa:g}, "
            + ("below 1, so its gradient must vanish." if rnn_s_max < 1 else
               "above 1, so its gradient may grow; whether it does depends on the tanh's slopes."))

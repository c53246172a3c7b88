"""The RNN update written out with the actual numbers of a trace, as LaTeX for st.latex.

No Streamlit here. The terms are the products of the cell's weights with the trace's
values; the final value is trace.h itself, and the activation is the cell's own, so
the equation on screen and the network that drew the figures cannot disagree.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

_F_TEX = {"tanh": r"\tanh", "relu": r"\operatorname{relu}", "linear": ""}
_EXPAND_UP_TO = 4  # write every product of a sum out when it has at most this many terms


def tex_number(value: float, digits: int = 3) -> str:
    """A number in LaTeX: fixed point when readable, a x 10^k when huge or tiny, overflow named."""
    value = float(value)
    if math.isnan(value):
        return r"\text{NaN (overflow)}"
    if math.isinf(value):
        return r"+\infty" if value > 0 else r"-\infty"
    if value == 0:
        return "0"
    if 1e-3 <= abs(value) < 1e4:
        return f"{value:.{digits}f}"
    mantissa, exponent = f"{value:.{digits - 1}e}".split("e")
    return rf"{mantissa} \times 10^{{{int(exponent)}}}"


def keep_punctuation_with_math(markdown: str) -> str:
    """Markdown with a comma, period or semicolon that follows inline math moved inside it ("$a$, b" -> "$a,$ b"):
    a browser may break a line between a formula and the text after it, which would start the next line with the
    comma. (A colon stays outside: inside math it is spaced as a relation.)"""
    pieces = markdown.split("$")
    for closing in range(2, len(pieces), 2):             # pieces[closing] is the text right after the closing $
        if pieces[closing][:1] in (",", ".", ";"):
            pieces[closing - 1] += pieces[closing][0]
            pieces[closing] = pieces[closing][1:]
    return "$".join(pieces)


def signed_term(value: float) -> str:
    """A number as a LaTeX summand: negatives in parentheses, so that sums read a + (-b)."""
    text = tex_number(value)
    return f"({text})" if text.startswith("-") else text


@dataclass(frozen=True)
class UpdateTerms:
    """The pieces of h_t[j] = f(W_ih[j] x_t + b_ih[j] + W_hh[j] h_{t-1} + b_hh[j])."""

    input_products: np.ndarray      # W_ih[j, k] * x_t[k], per k
    bias_ih: float
    recurrent_products: np.ndarray  # W_hh[j, k] * h_{t-1}[k], per k
    bias_hh: float
    h: float                        # trace.h[t, j]

    @property
    def pre_activation(self) -> float:
        with np.errstate(over="ignore", invalid="ignore"):
            return float(self.input_products.sum() + self.bias_ih + self.recurrent_products.sum() + self.bias_hh)


def rnn_update_terms(cell, trace, t: int, j: int) -> UpdateTerms:
    """The terms of unit j's update at step t, from an rnn_core.RNN and its single-sequence trace
    (t and j are indices from 0, as in code: the lessons' step t + 1 and unit j + 1)."""
    x_t = np.asarray(trace.x)[t]
    h_prev = np.asarray(trace.h0) if t == 0 else np.asarray(trace.h)[t - 1]
    with np.errstate(over="ignore", invalid="ignore"):
        return UpdateTerms(
            input_products=cell.weight_ih[j] * x_t,
            bias_ih=float(cell.bias_ih[j]),
            recurrent_products=cell.weight_hh[j] * h_prev,
            bias_hh=float(cell.bias_hh[j]),
            h=float(np.asarray(trace.h)[t, j]),
        )


def rnn_update_latex(cell, trace, step: int, unit: int) -> str:
    """The pre-activation a_t[j] in symbols, then with its numbers, then h_t[j] = f(a_t[j]), one sum per line
    (narrow enough for a phone).

    ``step`` (t) and ``unit`` (j) are counted from 1, as the lessons write them: the equation shows
    ``trace.h[step - 1, unit - 1]``, computed from h_{t-1} (h_0 at the first step).
    """
    terms = rnn_update_terms(cell, trace, step - 1, unit - 1)
    f = _F_TEX[cell.nonlinearity]
    t, j = step, unit
    prev = f"h_{{{t - 1}}}"

    def expanded(products) -> str:
        if len(products) <= _EXPAND_UP_TO:
            return " + ".join(signed_term(p) for p in products)
        return signed_term(products.sum())

    with np.errstate(over="ignore", invalid="ignore"):
        rows = [
            rf"a_{{{t}}}[{j}] &= \sum_k W_{{ih}}[{j},k]\,x_{{{t}}}[k] + b_{{ih}}[{j}]",
            rf"&\quad + \sum_k W_{{hh}}[{j},k]\,{prev}[k] + b_{{hh}}[{j}]",
            rf"&= \underbrace{{{expanded(terms.input_products)}}}_{{W_{{ih}}x_{{{t}}}}} + {signed_term(terms.bias_ih)}",
            rf"&\quad + \underbrace{{{expanded(terms.recurrent_products)}}}_{{W_{{hh}}{prev}}}"
            rf" + {signed_term(terms.bias_hh)}",
            rf"&= {tex_number(terms.pre_activation)}",
        ]
    a = tex_number(terms.pre_activation)
    if f:  # two rows, so that a phone's 358 px hold the last number
        rows += [rf"h_{{{t}}}[{j}] &= {f}(a_{{{t}}}[{j}])", rf"&= {f}({a}) = {tex_number(terms.h)}"]
    else:  # linear: h is a itself
        rows.append(rf"h_{{{t}}}[{j}] &= a_{{{t}}}[{j}] = {tex_number(terms.h)}")
    return r"\begin{aligned}" + r" \\ ".join(rows) + r"\end{aligned}"


def _factor(value: float, digits: int | None = None) -> str:
    """A number as a factor of a product: negatives in parentheses; ``digits`` fixed decimals, else as short as exact."""
    text = "0" if value == 0 else (f"{value:.{digits}f}" if digits is not None else f"{value:g}")
    return f"({text})" if text.startswith("-") else text


def warmup_working_latex(fwd, w_x: float, w_h: float, b: float, xs) -> str:
    """The warm-up's working: for t = 1 .. T, a_t = w_x x_t + w_h h_{t-1} + b with its numbers, then
    h_t = tanh(a_t). ``fwd`` is ``rnn_core.scalar.forward(w_x, w_h, b, xs)``; the sums are of the unrounded
    values, shown to 3 decimals."""
    rows = []
    for t, x in enumerate(xs, start=1):
        h_prev = fwd.h[t - 1]
        rows.append(rf"a_{{{t}}} &= {_factor(w_x)} \cdot {_factor(x)} + {_factor(w_h)} \cdot "
                    rf"{_factor(h_prev, None if t == 1 else 3)} + {_factor(b)}"
                    rf" = {tex_number(fwd.pre[t - 1])}")
        rows.append(rf"h_{{{t}}} &= \tanh({tex_number(fwd.pre[t - 1])}) = {tex_number(fwd.h[t])}")
    return r"\begin{aligned}" + r" \\ ".join(rows) + r"\end{aligned}"

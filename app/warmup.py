"""The warm-up network shared by lessons 2 and 3: one unit, three steps, the same numbers in both lessons, so
the matrix lessons build on numbers the student computed.

    h_t = tanh(w_x x_t + w_h h_{t-1} + b),   h_0 = 0,   t = 1, 2, 3

Lesson 2 runs it forwards (h_1, h_2, h_3 by hand, checked here); lesson 3 runs the same three steps backwards.
With these values: a_1 = 1.500, h_1 = 0.905; a_2 = 1.324, h_2 = 0.868; a_3 = -0.956, h_3 = -0.742
(``rnn_core.scalar.forward`` computes them).
"""

import math
import re
from dataclasses import dataclass

from app.equations import keep_punctuation_with_math
from rnn_core.scalar import ScalarForward

WARMUP_W_X = 0.9                # input weight w_x
WARMUP_W_H = 0.8                # recurrent weight w_h (not 1: multiplying by it must show, forwards and backwards)
WARMUP_B = -0.3                 # bias b
WARMUP_XS = (2.0, 1.0, -1.5)    # inputs x_1, x_2, x_3
# Chosen so that no number the two lessons show sits near a rounding edge at 3 decimals (tests/app/test_warmup.py)
# and every slip the checker names gives a number of its own.

TOLERANCE = 0.005   # an answer within this of h_t is right to 2 decimals (0.0005: to 3 decimals)
CLOSE = 0.02        # within this, the rounding is what differs
_NUMBER = re.compile(r"^[+\-−]?(\d+([.,]\d*)?|[.,]\d+)$")


def parse_answer(text: str | None) -> float | None:
    """A typed number ("0.537", "0,537", ".537", "−0.08"), or None for empty or anything else."""
    cleaned = (text or "").strip().replace(" ", "")
    if not _NUMBER.match(cleaned):
        return None
    return float(cleaned.replace(",", ".").replace("−", "-"))


@dataclass(frozen=True)
class Verdict:
    right: bool
    message: str    # Markdown, the course's own words and numbers (never the typed text)
    to_three: bool = True   # right to the 3 decimals asked for (False: right to 2 decimals only)

    def __post_init__(self):    # a comma after a formula stays on its line
        object.__setattr__(self, "message", keep_punctuation_with_math(self.message))


def check_answer(step: int, typed: float, fwd: ScalarForward, w_x: float, w_h: float, b: float, xs,
                 previous: float | None = None) -> Verdict:
    """Whether ``typed`` is h_step (step counted from 1) and, if not, which term most likely differs.

    ``previous`` is the student's own h_{step-1}, if they typed one: an error carried from there is named as such.
    The candidates are the slips students make: tanh left out, a term left out, the previous step's value taken
    before tanh, the wrong sign for a negative input, the previous step's error carried on, the rounding.
    """
    t, x = step, float(xs[step - 1])
    truth, a_t, h_prev = fwd.h[t], fwd.pre[t - 1], fwd.h[t - 1]
    near = lambda value: abs(typed - value) <= TOLERANCE  # noqa: E731
    if abs(typed - truth) <= 0.0005:
        return Verdict(True, f"Right: $h_{t} = {truth:.3f}$ (to 3 decimals).")
    if near(truth):
        return Verdict(True, f"Right to 2 decimals: $h_{t} = {truth:.4f}$ (${truth:.3f}$ to 3 decimals).",
                       to_three=False)
    slips = []
    if previous is not None and abs(previous - h_prev) > TOLERANCE:
        slips.append((math.tanh(w_x * x + w_h * previous + b),
                      f"This follows from your $h_{t - 1} = {previous:g}$, which is not right: "
                      f"check $h_{t - 1}$ first, then compute this step again from it."))
    slips.append((a_t, f"This is the pre-activation $a_{t}$, the sum before the nonlinearity: "
                       f"$h_{t}$ is $\\tanh(a_{t})$."))
    if t > 1:
        slips.append((math.tanh(w_x * x + w_h * fwd.pre[t - 2] + b),
                      f"The recurrent term uses $a_{t - 1}$ here, the value before tanh: it is "
                      f"$w_h h_{t - 1}$, with $h_{t - 1} = \\tanh(a_{t - 1})$."))
    if abs(w_h * h_prev) > TOLERANCE:
        slips.append((math.tanh(w_x * x + b), f"The recurrent term $w_h h_{t - 1}$ is missing from $a_{t}$."))
    if abs(b) > TOLERANCE:
        slips.append((math.tanh(w_x * x + w_h * h_prev), f"The bias $b$ is missing from $a_{t}$."))
    if abs(w_x * x) > TOLERANCE:
        slips.append((math.tanh(w_h * h_prev + b), f"The input term $w_x x_{t}$ is missing from $a_{t}$."))
        slips.append((math.tanh(-w_x * x + w_h * h_prev + b),
                      f"The input term has the wrong sign: $w_x x_{t} = {w_x:g} \\cdot ({x:g}) = {w_x * x:g}$."))
    for value, message in slips:
        if near(value):
            return Verdict(False, message)
    if abs(typed - truth) <= CLOSE:
        return Verdict(False, "Close, but not right to 2 decimals: carry 3 decimals of every number to the end, "
                              f"then round $h_{t}$ (do not cut digits off).")
    if abs(typed) >= 1:
        return Verdict(False, f"$\\tanh$ is always between $-1$ and $1$, so $h_{t}$ is too: apply tanh to $a_{t}$.")
    return Verdict(False, f"Your value is $\\tanh({math.atanh(typed):.3f})$, and $a_{t}$ is not "
                          f"${math.atanh(typed):.3f}$: compute $w_x x_{t}$, $w_h h_{t - 1}$ and $b$ again, and add "
                          f"them.")

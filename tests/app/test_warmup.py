"""The warm-up's checking: a typed h_t is right to 2 or 3 decimals, or the slip is named (never the typed text)."""

import math
import re

import pytest

from app.course import page_for
from app.warmup import (CLOSE, TOLERANCE, WARMUP_B, WARMUP_W_H, WARMUP_W_X, WARMUP_XS, check_answer,
                        parse_answer)
from rnn_core.scalar import backward, forward
from tests.app.helpers import assert_ran_cleanly, figures, run_lesson

FWD = forward(WARMUP_W_X, WARMUP_W_H, WARMUP_B, WARMUP_XS)


def check(step, typed, previous=None, w=(WARMUP_W_X, WARMUP_W_H, WARMUP_B), xs=WARMUP_XS):
    return check_answer(step, typed, forward(*w, xs), *w, xs, previous=previous)


@pytest.mark.parametrize("text,value", [("0.537", 0.537), (" 0,537 ", 0.537), (".5", 0.5), ("-0.08", -0.08),
                                        ("−0.08", -0.08), ("+1", 1.0), ("3.", 3.0)])
def test_parse_answer_reads_numbers(text, value):
    assert parse_answer(text) == value


@pytest.mark.parametrize("text", ["", None, "abc", "1e3", "0.5.1", "<b>1</b>", "nan", "inf", "--1", "1/2"])
def test_parse_answer_refuses_anything_else(text):
    assert parse_answer(text) is None


@pytest.mark.parametrize("step", [1, 2, 3])
def test_right_to_three_and_to_two_decimals(step):
    h = FWD.h[step]
    three = check(step, round(h, 3))
    assert three.right and three.message == f"Right: $h_{step} = {h:.3f}$ (to 3 decimals)."
    two = check(step, round(h, 2))
    assert two.right and (f"${h:.3f}$ to 3 decimals" in two.message or abs(round(h, 2) - h) <= 0.0005)
    assert not check(step, h + TOLERANCE + 1e-3).right


def test_slips_are_named():
    a, h, xs = FWD.pre, FWD.h, WARMUP_XS
    w_x, w_h, b = WARMUP_W_X, WARMUP_W_H, WARMUP_B
    assert "pre-activation $a_2,$" in check(2, round(a[1], 3)).message                      # tanh left out
    assert "$w_h h_1$ is missing" in check(2, math.tanh(w_x * xs[1] + b)).message        # recurrent term left out
    assert "bias $b$ is missing" in check(3, math.tanh(w_x * xs[2] + w_h * h[2])).message
    assert "input term $w_x x_3$ is missing" in check(3, math.tanh(w_h * h[2] + b)).message
    assert "wrong sign" in check(3, math.tanh(-w_x * xs[2] + w_h * h[2] + b)).message      # w_x x_3, sign flipped
    assert "uses $a_1$ here" in check(2, math.tanh(w_x * xs[1] + w_h * a[0] + b)).message  # h_1 taken before tanh
    carried = check(2, math.tanh(w_x * xs[1] + w_h * 0.6 + b), previous=0.6)             # from a wrong h_1
    assert not carried.right and "follows from your $h_1 = 0.6,$" in carried.message
    step = next(t for t in (1, 2, 3) if abs(math.floor(h[t] * 100) / 100 - h[t]) > TOLERANCE)
    cut = math.floor(h[step] * 100) / 100                                                # cut off, not rounded
    assert "Close" in check(step, cut).message and abs(cut - h[step]) <= CLOSE
    outside = next(v for v in (1.5, 1.7, 1.9) if abs(v - a[0]) > CLOSE)   # not a_1 (that slip has its own message)
    assert "between $-1$ and $1,$" in check(1, outside).message
    generic = check(3, 0.3)
    assert not generic.right and f"$\\tanh({math.atanh(0.3):.3f}),$" in generic.message


def test_a_slip_is_not_named_when_it_gives_the_right_number():
    """With b = 0 leaving out the bias changes nothing: the answer is right, and no slip is claimed."""
    assert check(1, math.tanh(0.5 * WARMUP_XS[0]), w=(0.5, 0.8, 0.0)).right
    wrong = check(1, 0.9, w=(0.5, 0.8, 0.0))
    assert "bias" not in wrong.message and "recurrent term" not in wrong.message   # h_0 = 0: no recurrent term at step 1


# --- The default numbers keep away from rounding edges (a careful student's 3 decimals agree with the page) ----

TARGET = 0.5            # lesson 3's default target for the warm-up's loss (its "Target" slider)
EDGE = 0.0001           # no value shown to 3 or 4 decimals lies within this of a rounding edge at 3 decimals
# (0.0002 for every value at once left only w_h = 1, where multiplying by w_h shows nothing)


def edge_distance(value: float, decimals: int = 3) -> float:
    """How far ``value`` is from the nearest x.xxx5, where rounding to ``decimals`` decimals tips over."""
    scaled = abs(value) * 10 ** decimals
    return abs(scaled - math.floor(scaled) - 0.5) / 10 ** decimals


def shown_values() -> dict[str, float]:
    """Every warm-up number the two lessons show to 3 or 4 decimals at their default settings (lesson 2's warm-up
    tab with its working and quiz; lesson 3's warm-up tab), and the ones their predict-then-move checks show once
    the control is moved, computed as the pages compute them."""
    w_x, w_h, b, xs = WARMUP_W_X, WARMUP_W_H, WARMUP_B, WARMUP_XS
    fwd, back = forward(w_x, w_h, b, xs), backward(w_x, w_h, b, xs, TARGET)
    flipped, at_zero = forward(w_x, -w_h, b, xs), backward(w_x, 0.0, b, xs, TARGET)
    values = {"target y": TARGET, "loss L": back.loss, "dL/dw_h": back.dw_h,
              "tanh(b) (lesson 2's quiz)": math.tanh(b), "tanh(w_h + b) (lesson 2's quiz)": math.tanh(w_h + b)}
    for t in range(1, len(xs) + 1):
        values |= {f"a_{t}": fwd.pre[t - 1], f"h_{t}": fwd.h[t], f"1 - h_{t}^2": 1 - fwd.h[t] ** 2,
                   f"dL/dh_{t}": back.dh[t - 1], f"dL/da_{t}": back.da[t - 1],
                   f"term of step {t} in dL/dw_h": back.w_h_terms[t - 1],
                   f"a_{t} at w_h = {-w_h:g} (lesson 2's predict)": flipped.pre[t - 1]}
        if t > 1:
            values[f"w_h h_{t - 1} (lesson 2's working)"] = w_h * fwd.h[t - 1]
    values |= {f"h_3 at w_h = {-w_h:g} (lesson 2's predict)": flipped.h[3],
               # lesson 3's predict (w_h set to 0) shows these
               "h_2 at w_h = 0": forward(w_x, 0.0, b, xs).h[2],
               "dL/dh_2 at w_h = 0": at_zero.dh[1], "dL/da_3 at w_h = 0": at_zero.da[2],
               "term of step 2 at w_h = 0": at_zero.w_h_terms[1], "dL/dw_h at w_h = 0": at_zero.dw_h}
    return values


def test_no_shown_warmup_value_sits_on_a_rounding_edge():
    """0.6525 "rounds" to 0.652 or 0.653 depending on the digits after it: a student who carries 3 decimals gets the
    other one and is told they are only nearly right. No value the lessons show is within EDGE of such an edge."""
    near = {name: value for name, value in shown_values().items() if edge_distance(value) < EDGE}
    assert not near, f"on a rounding edge at 3 decimals: {near}"
    back = backward(WARMUP_W_X, WARMUP_W_H, WARMUP_B, WARMUP_XS, TARGET)
    assert edge_distance(back.dw_h, 6) > 1e-8   # lesson 3 prints it and its finite difference to 6 decimals


def test_a_student_carrying_3_decimals_gets_the_pages_numbers():
    """Lesson 2 asks for 3 decimals carried to the end: done that way by hand, every a_t and h_t rounds to the
    page's own numbers, and every answer is "Right" to 3 decimals."""
    h_prev, fwd = 0.0, FWD
    for t, x in enumerate(WARMUP_XS, start=1):
        a = round(WARMUP_W_X * x + WARMUP_W_H * h_prev + WARMUP_B, 3)
        h = round(math.tanh(a), 3)
        assert (a, h) == (round(fwd.pre[t - 1], 3), round(fwd.h[t], 3))
        assert check(t, h).message == f"Right: $h_{t} = {h:.3f}$ (to 3 decimals)."
        h_prev = h


def _numbers_on_screen(at) -> set[str]:
    """Every number written with 3 or more decimals in the open tab's text, equations, alerts and figures."""
    texts = [str(el.value) for kind in ("markdown", "latex", "success", "info", "error", "warning")
             for el in at.get(kind)]
    texts += [f"{m.label} {m.value}" for m in at.get("metric")]
    for figure in figures(at):
        for trace in figure["data"]:
            text = trace.get("text") or []
            texts += [str(t) for t in text] if isinstance(text, list) else [str(text)]
        texts += [a.get("text", "") for a in figure["layout"].get("annotations", [])]
    return set(re.findall(r"\d+\.\d{3,}", "\n".join(texts)))


def test_the_shown_values_are_every_warmup_number_on_screen():
    """The list checked above is complete: every number with 3 or more decimals on lesson 2's warm-up tab (working
    shown, quiz answered) and lesson 3's warm-up tab is one of them, rounded as shown (lesson 2 also has its tanh
    table and the table's interpolation example, fixed numbers that are not the warm-up's)."""
    values = [abs(v) for v in shown_values().values()]
    back = backward(WARMUP_W_X, WARMUP_W_H, WARMUP_B, WARMUP_XS, TARGET)
    table = [math.tanh(k / 10) for k in range(16)] + [(math.tanh(0.6) + math.tanh(0.7)) / 2, math.tanh(0.65)]
    lesson2 = run_lesson(page_for("pages/2_rnn_unrolled.py"), {"warm_show": "true"})
    lesson2.radio(key="quiz_warmup").set_value(1).run()
    lesson3 = run_lesson(page_for("pages/3_bptt.py"))
    for at, extra in ((lesson2, table), (lesson3, [WARMUP_W_H, 0.0, abs(back.dw_h)])):
        assert_ran_cleanly(at)
        shown = _numbers_on_screen(at)
        assert len(shown) > 15
        for number in shown:
            digits = len(number.split(".")[1])
            assert any(f"{v:.{digits}f}" == number for v in values + extra), f"{number} is not a checked value"

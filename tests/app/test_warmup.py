"""The warm-up's checking: a typed h_t is right to 2 or 3 decimals, or the slip is named (never the typed text)."""

import math

import pytest

from app.warmup import (CLOSE, TOLERANCE, WARMUP_B, WARMUP_W_H, WARMUP_W_X, WARMUP_XS, check_answer,
                        parse_answer)
from rnn_core.scalar import forward

FWD = forward(WARMUP_W_X, WARMUP_W_H, WARMUP_B, WARMUP_XS)


def check(step, typed, previous=None, w=(WARMUP_W_X, WARMUP_W_H, WARMUP_B), xs=WARMUP_XS):
    return check_answer(step, typed, forward(*w, xs), *w, xs, previous=previous)


def test_the_defaults_make_a_calculator_exercise():
    assert (WARMUP_W_X, WARMUP_W_H, WARMUP_B, WARMUP_XS) == (0.5, 0.8, 0.1, (1.0, 0.5, -1.0))
    assert [round(a, 3) for a in FWD.pre] == [0.6, 0.78, 0.122]
    assert [round(h, 3) for h in FWD.h] == [0.0, 0.537, 0.652, 0.121]


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
    assert two.right and f"${h:.3f}$ to 3 decimals" in two.message
    assert not check(step, h + TOLERANCE + 1e-3).right


def test_slips_are_named():
    a, h = FWD.pre, FWD.h
    assert "pre-activation $a_2$" in check(2, round(a[1], 3)).message                      # tanh left out
    assert "$w_h h_1$ is missing" in check(2, math.tanh(0.5 * 0.5 + 0.1)).message        # recurrent term left out
    assert "bias $b$ is missing" in check(3, math.tanh(-0.5 + 0.8 * h[2])).message
    assert "input term $w_x x_3$ is missing" in check(3, math.tanh(0.8 * h[2] + 0.1)).message
    assert "wrong sign" in check(3, math.tanh(0.5 + 0.8 * h[2] + 0.1)).message            # w_x x_3 taken as +0.5
    assert "uses $a_1$ here" in check(2, math.tanh(0.25 + 0.8 * a[0] + 0.1)).message      # h_1 taken before tanh
    carried = check(2, math.tanh(0.25 + 0.8 * 0.6 + 0.1), previous=0.6)                   # from a wrong h_1
    assert not carried.right and "follows from your $h_1 = 0.6$" in carried.message
    assert "Close" in check(1, 0.53).message and abs(0.53 - h[1]) <= CLOSE               # cut off, not rounded
    assert "between $-1$ and $1$" in check(1, 1.5).message
    generic = check(3, 0.3)
    assert not generic.right and f"$\\tanh({math.atanh(0.3):.3f})$" in generic.message


def test_a_slip_is_not_named_when_it_gives_the_right_number():
    """With b = 0 leaving out the bias changes nothing: the answer is right, and no slip is claimed."""
    assert check(1, math.tanh(0.5), w=(0.5, 0.8, 0.0)).right
    wrong = check(1, 0.9, w=(0.5, 0.8, 0.0))
    assert "bias" not in wrong.message and "recurrent term" not in wrong.message   # h_0 = 0: no recurrent term at step 1

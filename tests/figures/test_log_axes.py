"""Log axes label powers of ten only: a reader found lesson 6's y axis labelled with bare "2" and "5" between
decades, which read as plain numbers on an axis of powers of ten."""

import math

import numpy as np

from app.figures.common import decade_ticks
from app.figures.gates import gradient_comparison_figure
from app.figures.gradients import step_length_figure


def labels(axis: dict) -> list[float]:
    """The exponents Plotly labels on a log axis with dtick n and tick0 0: every multiple of n within the range."""
    low, high = axis["range"]
    n = axis["dtick"]
    return [k for k in range(math.ceil(low), math.floor(high) + 1) if k % n == 0]


def test_decade_ticks_label_every_decade_or_every_nth_beyond_eight():
    assert decade_ticks(-2.5, 0.5) == dict(dtick=1, tick0=0, exponentformat="power")
    assert decade_ticks(-0.2, 0.2)["dtick"] == 1                    # less than a decade: still decades only
    for low, high in ((-30.5, 30.5), (-12.0, 3.0), (-8.0, 0.0), (-300.0, 5.0)):
        ticks = decade_ticks(low, high)
        assert isinstance(ticks["dtick"], int) and ticks["dtick"] >= 1
        count = len([k for k in range(math.ceil(low), math.floor(high) + 1) if k % ticks["dtick"] == 0])
        assert 1 <= count <= 9, (low, high, count)
    assert decade_ticks(-8.0, 0.0)["dtick"] == 1 and decade_ticks(-30.5, 30.5)["dtick"] == 8


def test_lesson_6s_comparison_axis_is_in_decades_at_a_narrow_and_a_wide_span():
    steps = np.arange(40)
    narrow = {"rnn": -0.05 * steps[::-1], "lstm": -0.02 * steps[::-1], "gru": -0.01 * steps[::-1]}   # 2 decades
    wide = {"rnn": -1.0 * steps[::-1], "lstm": -0.5 * steps[::-1], "gru": -0.1 * steps[::-1]}        # 39 decades
    for curves in (narrow, wide):
        axis = gradient_comparison_figure(curves).to_plotly_json()["layout"]["yaxis"]
        assert axis["type"] == "log" and axis["tick0"] == 0 and axis["exponentformat"] == "power"
        lowest = max(min(float(v.min()) for v in curves.values()), -30.0)     # drawn clipped at 10^-30
        assert axis["range"][0] <= min(lowest, -2) - 0.5 + 1e-12     # the 1% line's decade stays in view
        assert 1 <= len(labels(axis)) <= 9
    assert gradient_comparison_figure(narrow).to_plotly_json()["layout"]["yaxis"]["dtick"] == 1


def test_clipping_step_lengths_are_labelled_in_decades():
    plain = 10.0 ** np.linspace(-3, -2.2, 20)
    axis = step_length_figure(plain, plain / 2).to_plotly_json()["layout"]["yaxis"]
    assert axis["dtick"] == 1 and axis["tick0"] == 0 and axis["exponentformat"] == "power"

"""Figure builders put the core's numbers into the figure unchanged."""

import ast
import math
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
import pytest

from app import theme
from app.equations import (keep_punctuation_with_math, rnn_update_latex, rnn_update_terms, tex_number,
                           warmup_working_latex)
from app.figures import state_heatmap, unrolled_diagram
from app.figures.common import fmt, symmetric_range
from app.figures.unrolled import MAX_FRAMES, TRACES, WINDOW, warmup_figure, window_start
from app.warmup import WARMUP_B, WARMUP_W_H, WARMUP_W_X, WARMUP_XS
from tests.figures.specs import frames_of, validated
from rnn_core import RNN, Readout
from rnn_core.scalar import forward

FIGURES_DIR = Path(__file__).resolve().parents[2] / "app" / "figures"


def network(T=5, I=3, H=4, O=2, nonlinearity="tanh", seed=0):
    cell = RNN.random(I, H, nonlinearity=nonlinearity, seed=seed)
    x = np.random.default_rng(seed).standard_normal((T, I))
    trace = cell.unroll(x)
    return cell, trace, Readout.random(H, O, seed=seed).forward(trace.h)


@pytest.mark.parametrize("T", [1, 5, WINDOW, WINDOW + 1, 40])
def test_unrolled_frames_and_values(T):
    cell, trace, y = network(T=T)
    fig = unrolled_diagram(trace.x, trace.h, y, step_labels=[f"w{t}" for t in range(T)])
    assert isinstance(fig, go.Figure)
    frames = frames_of(fig)  # rebuilt with Plotly's full validation
    first = max(0, T - MAX_FRAMES)  # a long sequence animates its last MAX_FRAMES steps
    assert len(frames) == min(T, MAX_FRAMES)
    assert [f.name for f in frames] == [str(t) for t in range(first + 1, T + 1)]  # frame t: after step t, from 1
    assert [step.label for step in fig.layout.sliders[0].steps] == [str(t) for t in range(first + 1, T + 1)]
    assert [b.label for b in fig.layout.updatemenus[0].buttons] == ["Play", "Pause"]
    for t, frame in enumerate(frames, start=first):
        assert len(frame.data) == len(TRACES)
        start = window_start(t, T, WINDOW)
        assert start <= t < start + WINDOW
        shown = min(WINDOW, T)
        np.testing.assert_array_equal(frame.data[0].marker.color, trace.x[start:start + shown].ravel())
        done = trace.h[start:t + 1]
        np.testing.assert_array_equal(frame.data[1].marker.color, done.ravel())
        np.testing.assert_array_equal(frame.data[2].marker.color, y[start:t + 1].ravel())
        pending = start + shown - (t + 1)
        assert len(frame.data[3].x) == pending * (trace.h.shape[1] + y.shape[1])
        # hover names the step and unit of every square, counted from 1 (its value is the colour)
        steps, units = np.asarray(frame.data[1].customdata).T
        np.testing.assert_array_equal(steps, np.repeat(np.arange(start, t + 1), trace.h.shape[1]) + 1)
        np.testing.assert_array_equal(units, np.tile(np.arange(trace.h.shape[1]), t + 1 - start) + 1)
        assert frame.data[1].hovertemplate.startswith("h<sub>%{customdata[0]}</sub>[%{customdata[1]}]")
        # the columns are labelled t=1 .. T, and the state entering the first one is h_start (h_0 = 0)
        labels = frame.data[TRACES.index("labels")].text
        assert list(labels[:shown]) == [f"t={s + 1}" for s in range(start, start + shown)]
        assert frame.data[TRACES.index("entry")].text[0] == (f"h<sub>{start}</sub>" + (" = 0" if start == 0 else ""))
    # the figure shows the last frame: everything computed
    np.testing.assert_array_equal(fig.data[1].marker.color, frames[-1].data[1].marker.color)


def test_unrolled_labels_weight_sharing_at_every_step():
    _, trace, y = network(T=7)
    fig = validated(unrolled_diagram(trace.x, trace.h, y))
    drawing = fig.data[len(TRACES):]  # after the animated traces, so that frames leave it alone
    texts = [text for t in drawing if t.mode == "text" for text in t.text]
    for label in ("W<sub>ih</sub>", "W<sub>hh</sub>", "W<sub>hy</sub>"):
        assert texts.count(label) == 7
    # one arrow into every cell from x, one out of it to y, one from the step before: segments with a head at the end
    arrows = [t for t in drawing if t.mode == "lines+markers"]
    segments = sum(len(t.x) for t in arrows) // 3
    assert segments == 3 * 7
    for t in arrows:
        assert t.marker.symbol == "arrow" and t.marker.angleref == "previous"
        assert list(t.marker.size[0::3]) == [0] * (len(t.x) // 3) and min(t.marker.size[1::3]) > 0
        assert all(value is None for value in t.x[2::3])
    # the step before the window feeds slot 0: its arrow starts left of the first cell
    hidden_arrows = arrows[-1]
    assert hidden_arrows.x[0] < 0 < hidden_arrows.x[4]


def test_unrolled_without_readout_and_with_overflow():
    h = np.array([[0.5, np.inf], [np.nan, -np.inf]])
    fig = unrolled_diagram(np.ones((2, 1)), h)
    assert len(frames_of(fig)) == 2
    colours = np.asarray(fig.data[1].marker.color)
    assert np.all(np.isfinite(colours))
    assert any("overflow" in text for text in fig.data[1].hovertext)
    fig.to_json()  # serialisable for the browser


def test_unrolled_rejects_mismatched_shapes():
    with pytest.raises(ValueError):
        unrolled_diagram(np.zeros((3, 1)), np.zeros((4, 2)))


def test_heatmap_is_h_transposed_with_steps_and_units_from_one():
    _, trace, _ = network(T=9, H=5)
    fig = state_heatmap(trace.h, highlight=(2, 3))   # step 2, unit 3
    np.testing.assert_array_equal(fig.data[0].z, trace.h.T)
    assert list(fig.data[0].x) == list(range(1, 10)) and list(fig.data[0].y) == list(range(1, 6))
    assert fig.data[0].zmin == -fig.data[0].zmax and fig.data[0].zmax >= 1
    assert (fig.layout.shapes[0].x0, fig.layout.shapes[0].y0) == (1.5, 2.5)   # the square of step 2, unit 3
    assert fig.layout.xaxis.dtick == 1 and state_heatmap(np.zeros((30, 2))).layout.xaxis.dtick is None


def test_heatmap_blanks_overflow():
    fig = state_heatmap(np.array([[1.0, np.inf], [2.0, 3.0]]))
    assert math.isnan(fig.data[0].z[1][0])
    assert fig.data[0].zmax == 3.0


def test_number_formats():
    assert fmt(np.inf) == "+inf (overflow)" and "overflow" in fmt(np.nan) and fmt(0.12345) == "0.123"
    assert symmetric_range([0.2, -0.5]) == 1.0 and symmetric_range([3.0, -np.inf]) == 3.0
    assert tex_number(0.5) == "0.500" and tex_number(0) == "0"
    assert tex_number(-1.5e47) == r"-1.50 \times 10^{47}" and tex_number(np.inf) == r"+\infty"


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu", "linear"])
@pytest.mark.parametrize("H", [1, 3, 8])
def test_equation_terms_reproduce_the_trace(nonlinearity, H):
    cell, trace, _ = network(T=6, H=H, nonlinearity=nonlinearity, seed=H)
    for t in range(6):
        for j in range(H):
            terms = rnn_update_terms(cell, trace, t, j)
            assert cell.activation(np.array(terms.pre_activation)) == pytest.approx(trace.h[t, j], abs=1e-12)
            latex = rnn_update_latex(cell, trace, t + 1, j + 1)   # the lessons' step t + 1 and unit j + 1
            assert latex.endswith(f"= {tex_number(trace.h[t, j])}\\end{{aligned}}")
            assert f"h_{{{t + 1}}}[{j + 1}] &=" in latex and f"h_{{{t}}}[k]" in latex   # from h_t, written h_{t-1}
            assert f"&= {tex_number(terms.pre_activation)} \\\\ " in latex
            if nonlinearity != "linear":   # f(a) on a row of its own: a phone's 358 px hold the last number
                name = {"tanh": "\\tanh", "relu": "\\operatorname{relu}"}[nonlinearity]
                assert latex.endswith(f" \\\\ &= {name}({tex_number(terms.pre_activation)}) = "
                                      f"{tex_number(trace.h[t, j])}\\end{{aligned}}"), latex[-80:]


def test_the_first_step_reads_h0():
    cell, trace, _ = network(T=3, H=2)
    latex = rnn_update_latex(cell, trace, 1, 2)
    assert r"W_{hh}[2,k]\,h_{0}[k]" in latex and "W_{hh}h_{0}" in latex
    assert rnn_update_terms(cell, trace, 0, 1).recurrent_products.tolist() == [0.0, 0.0]  # h_0 = 0


def test_figure_builders_never_import_streamlit():
    for path in FIGURES_DIR.glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            for name in names:
                assert name.split(".")[0] != "streamlit", f"{path.name} imports {name}"


def _contrast(a, b):
    def luminance(colour):
        channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    low, high = sorted([luminance(a), luminance(b)])
    return (high + 0.05) / (low + 0.05)


def test_palette_reads_on_light_and_dark_backgrounds():
    for concept, colour in theme.COLORS.items():
        assert _contrast(colour, "#FFFFFF") >= 1.9, concept
        assert _contrast(colour, "#0E1117") >= 1.9, concept


@pytest.mark.parametrize("group", [
    ["input", "hidden", "output", "cell_state", "gradient", "loss"],
    ["i", "f", "g", "o", "cell_state", "hidden", "input"],
    ["r", "z", "n", "hidden", "input"],
])
def test_concepts_shown_together_have_distinct_colours(group):
    colours = [theme.color(concept) for concept in group]
    assert len(set(colours)) == len(colours)


def test_unrolled_colour_bars_one_while_the_rows_share_a_range():
    _, trace, y = network(T=6)
    shared = validated(unrolled_diagram(np.tanh(trace.x), trace.h, np.tanh(y))).to_dict()  # all within [-1, 1]
    axes = {k: v for k, v in shared["layout"].items() if k.startswith("coloraxis")}
    assert list(axes) == ["coloraxis"] and axes["coloraxis"]["colorbar"]["title"]["text"] == "x, h, y"
    assert {t["marker"]["coloraxis"] for t in shared["data"][:3]} == {"coloraxis"}
    assert (axes["coloraxis"]["cmin"], axes["coloraxis"]["cmax"]) == (-1.0, 1.0)

    separate = validated(unrolled_diagram(np.tanh(trace.x), trace.h, 5 + y)).to_dict()  # y beyond [-1, 1]
    axes = {k: v for k, v in separate["layout"].items() if k.startswith("coloraxis")}
    assert [axes[k]["colorbar"]["title"]["text"] for k in ("coloraxis", "coloraxis2", "coloraxis3")] == ["x", "h", "y"]
    assert axes["coloraxis3"]["cmax"] == pytest.approx(np.abs(5 + y).max())
    for frame in separate["frames"]:
        assert [t["marker"]["coloraxis"] for t in frame["data"][:3]] == ["coloraxis", "coloraxis2", "coloraxis3"]


def test_unrolled_colour_bars_and_slider_leave_the_plot_its_width():
    """On a 390 px phone every column needs its width: colour bars lie horizontal under the plot, beside the Play
    button, and the step slider runs under the buttons across the whole width."""
    _, trace, y = network(T=6)
    layout = unrolled_diagram(np.tanh(trace.x), trace.h, np.tanh(y)).to_dict()["layout"]
    bar = layout["coloraxis"]["colorbar"]
    assert bar["orientation"] == "h" and bar["y"] == 0.0 and bar["x"] >= 0.4
    slider = layout["sliders"][0]
    assert (slider["x"], slider["len"]) == (0.0, 1.0) and slider["pad"]["t"] > 40
    assert layout["xaxis"]["range"][0] < -1.0   # a column for the row labels left of step 1


def test_warmup_figure_shows_what_the_student_found():
    fwd = forward(WARMUP_W_X, WARMUP_W_H, WARMUP_B, WARMUP_XS)
    fig = validated(warmup_figure(WARMUP_XS, fwd.h, w_x=WARMUP_W_X, w_h=WARMUP_W_H, b=WARMUP_B,
                                  known=[True, False, False]))
    texts = {tuple(t.text): t for t in fig.data if t.mode == "text"}
    values = next(t for t in fig.data if t.mode == "text" and t.text[0] == "0")   # h_0 = 0, then h_1 .. h_3
    assert list(values.text) == ["0", f"{fwd.h[1]:.3f}", "?", "?"] and fwd.h[1] == math.tanh(WARMUP_W_X * WARMUP_XS[0]
                                                                                        + WARMUP_B)
    assert tuple(f"{x:g}" for x in WARMUP_XS) in texts                         # x_1 .. x_3 under the inputs
    heading = next(t for t in fig.data if t.mode == "text" and "tanh" in t.text[0]).text[0]
    assert (f"w<sub>x</sub> = {WARMUP_W_X:g}" in heading and f"w<sub>h</sub> = {WARMUP_W_H:g}" in heading
            and f"b = {WARMUP_B:g}" in heading)
    nodes = fig.data[0]
    assert list(nodes.x) == [0, 1, 2, 3] and list(nodes.text) == [f"h<sub>{t}</sub>" for t in range(4)]
    assert nodes.marker.color[1] == theme.COLORS["hidden"] and nodes.marker.color[2] == theme.PALE  # found: filled
    labels = [t for t in fig.data if t.mode == "text" and t.text[0] in ("w<sub>x</sub>", "w<sub>h</sub>")]
    assert [len(t.text) for t in labels] == [3, 3]                               # the same weights at every step
    with pytest.raises(ValueError):
        warmup_figure(WARMUP_XS, fwd.h[:3], w_x=0.5, w_h=0.8, b=0.1, known=[False] * 3)


def test_warmup_working_has_every_number():
    xs = (1.0, 0.5, -1.0)
    for w_h, b in ((0.8, 0.1), (-0.8, -0.1)):
        fwd = forward(0.5, w_h, b, xs)
        latex = warmup_working_latex(fwd, 0.5, w_h, b, xs)
        for t in (1, 2, 3):
            assert f"a_{{{t}}} &= 0.5 \\cdot {xs[t - 1]:g}".replace("-1", "(-1)") in latex
            assert f"h_{{{t}}} &= \\tanh({tex_number(fwd.pre[t - 1])}) = {tex_number(fwd.h[t])}" in latex
    latex = warmup_working_latex(forward(0.5, 0.8, 0.1, xs), 0.5, 0.8, 0.1, xs)
    assert r"a_{2} &= 0.5 \cdot 0.5 + 0.8 \cdot 0.537 + 0.1 = 0.780" in latex
    assert r"h_{3} &= \tanh(0.122) = 0.121" in latex


def test_unrolled_colour_bars_name_their_ends_and_sit_under_their_titles():
    """Split colour bars (x, h, y on different ranges) each label -bound, 0 and +bound, their title on top, so a
    state of 1e36 is readable on the bar and no title covers a bar."""
    h = np.array([[0.5, -2.0], [3e35, -4e36]])
    fig = unrolled_diagram(np.ones((2, 1)), h, np.array([[1.0], [-2.0]]))
    bars = {name: fig.layout[axis].colorbar for name, axis in (("x", "coloraxis"), ("h", "coloraxis2"))}
    bound = symmetric_range(h)
    assert list(bars["h"].tickvals) == [-bound, 0.0, bound] and list(bars["h"].ticktext) == [fmt(-bound), "0", fmt(bound)]
    assert all(bar.title.side == "top" for bar in bars.values())


def test_punctuation_after_inline_math_moves_inside_it():
    """A reader saw a warm-up verdict start a line with a comma: the break fell between a formula and its comma."""
    assert keep_punctuation_with_math("Right to 2 decimals: $h_1 = 0.7163$, $0.716$ to 3 decimals.") == \
        "Right to 2 decimals: $h_1 = 0.7163,$ $0.716$ to 3 decimals."
    assert keep_punctuation_with_math("compute $w_x x_2$, $w_h h_1$ and $b$ again.") == \
        "compute $w_x x_2,$ $w_h h_1$ and $b$ again."
    assert keep_punctuation_with_math("ends with $a_1$.") == "ends with $a_1.$"
    assert keep_punctuation_with_math("no math, here.") == "no math, here."
    assert keep_punctuation_with_math("$h_1$ is $\\tanh(a_1)$") == "$h_1$ is $\\tanh(a_1)$"
    assert keep_punctuation_with_math("For $w_h = 0.8$: Right") == "For $w_h = 0.8$: Right"   # a colon stays out

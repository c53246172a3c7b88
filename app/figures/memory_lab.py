"""Figures for the memory lab: accuracy against the gap, training curves, next-word probabilities, the
trained models at every gap, one LSTM unit's memory, the LSTM's gates over a sentence.

Pure functions: numbers computed by rnn_core in, a plotly Figure out. One colour per
cell kind, the same in every figure of the lesson; word steps and units are counted from 1.
A training step is called an update (one minibatch), to keep "step" for the words of a sentence.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from app.figures.common import lean_figure, subplot_layout
from app.figures.gates import gate_heatmaps
from app.theme import COLORS, NEUTRAL

MAX_WORD_LABELS = 16   # a word axis names at most about this many words (every k-th word beyond; hover names all)

# One style per cell, and one for the stored LSTM runs with forget-gate bias 0 ("lstm_b0"): the forget
# gate's violet, so that the line reads as "the LSTM, with its forget gate changed".
CELL_COLORS = {"rnn": COLORS["hidden"], "lstm": COLORS["cell_state"], "gru": COLORS["input"], "lstm_b0": COLORS["f"]}
CELL_NAMES = {"rnn": "RNN (tanh)", "lstm": "LSTM", "gru": "GRU", "lstm_b0": "LSTM, b_f = 0"}
CELL_DASHES = {"rnn": "dot", "lstm": "solid", "gru": "dash", "lstm_b0": "dashdot"}  # lines differ without colour
CELL_SYMBOLS = {"rnn": "circle", "lstm": "square", "gru": "diamond", "lstm_b0": "x"}


def _hline(y: float, line: dict, text: str, position: str, axis: str = "") -> tuple[dict, dict]:
    """A horizontal line across subplot `axis` ("" or "2") and its label, as fig.add_hline draws them.

    position: "top left", "top right" or "bottom right" (of the label against the line).
    """
    vertical, horizontal = position.split()
    shape = dict(type="line", x0=0, x1=1, xref=f"x{axis} domain", y0=y, y1=y, yref=f"y{axis}", line=line)
    label = dict(text=text, showarrow=False, font=dict(color=NEUTRAL, size=12),
                 x=0 if horizontal == "left" else 1, xanchor=horizontal, xref=f"x{axis} domain",
                 y=y, yanchor="bottom" if vertical == "top" else "top", yref=f"y{axis}")
    return shape, label


def _chance_line(chance: float, axis: str = "") -> tuple[dict, dict]:
    return _hline(chance, dict(color=NEUTRAL, dash="dash", width=1), f"chance {chance:.0%}", "bottom right", axis)


def training_curves(histories: Mapping[str, Mapping[str, Sequence[float]]], *, steps: int, chance: float,
                    target: float | None = None, height: int = 340) -> go.Figure:
    """Training loss and held-out accuracy against the update (training step), one line per cell.

    histories: kind -> {"steps": the updates after which the held-out set was scored, "loss": mean training
    loss before each, "accuracy": held-out accuracy at each}. steps fixes the x range, so curves grow live.
    Both panels mark every point, so a run scored once (it stopped at its first evaluation) still shows.
    The right panel's percentages sit on its right, away from the left panel.
    """
    data = []
    for kind, history in histories.items():
        style = dict(color=CELL_COLORS[kind], dash=CELL_DASHES[kind], width=2.5)
        marker = dict(size=5, symbol=CELL_SYMBOLS[kind])
        x = list(history["steps"])
        data.append(dict(type="scatter", x=x, y=list(history["loss"]), mode="lines+markers", name=CELL_NAMES[kind],
                         line=style, marker=marker, legendgroup=kind, xaxis="x", yaxis="y",
                         hovertemplate="update %{x}<br>loss %{y:.3f}<extra>%{fullData.name}</extra>"))
        data.append(dict(type="scatter", x=x, y=list(history["accuracy"]), mode="lines+markers",
                         name=CELL_NAMES[kind], line=style, marker=marker, legendgroup=kind, showlegend=False,
                         xaxis="x2", yaxis="y2",
                         hovertemplate="update %{x}<br>accuracy %{y:.1%}<extra>%{fullData.name}</extra>"))
    lines = [_hline(float(np.log(1 / chance)), dict(color=NEUTRAL, dash="dash", width=1), "guessing: ln 4",
                    "top right"),
             _chance_line(chance, "2")]
    if target is not None:
        lines.append(_hline(target, dict(color=NEUTRAL, dash="dot", width=1), f"stop at {target:.0%}", "top left",
                            "2"))
    layout = subplot_layout(1, 2, ("Training loss", "Held-out accuracy"), horizontal_spacing=0.12)
    layout["annotations"] += [label for _, label in lines]
    layout["shapes"] = [shape for shape, _ in lines]
    for axis in ("xaxis", "xaxis2"):
        layout[axis].update(title=dict(text="update (minibatch)"), range=[0, steps * 1.02])
    layout["yaxis"]["rangemode"] = "tozero"
    layout["yaxis2"].update(range=[0, 1.05], tickformat=".0%", side="right")
    layout.update(height=height, margin=dict(l=10, r=10, t=40, b=10),
                  legend=dict(orientation="h", yanchor="bottom", y=-0.35, x=0))
    return lean_figure(data, layout)


def next_word_bars(probabilities: Mapping[str, Sequence[float]], words: Sequence[str], *, chance: float,
                   right: int | None = None, height: int = 300) -> go.Figure:
    """Grouped bars: each model's probability for every candidate next word; the right one (if the sentence has
    a context word) is named "(right)" on its axis label."""
    labels = [f"{word} (right)" if k == right else word for k, word in enumerate(words)]
    data = []
    for kind, p in probabilities.items():
        p = [float(v) for v in p]
        data.append(dict(type="bar", x=labels, y=p, name=CELL_NAMES[kind], marker=dict(color=CELL_COLORS[kind]),
                         text=[f"{v:.0%}" for v in p], textposition="outside", cliponaxis=False,
                         hovertemplate="%{x}: %{y:.1%}<extra>%{fullData.name}</extra>"))
    line, label = _chance_line(chance)
    label.update(x=1, xanchor="left", yanchor="middle", text=f"chance<br>{chance:.0%}", align="left")  # beside the bars
    return lean_figure(data, dict(
        barmode="group", height=height, margin=dict(l=10, r=70, t=30, b=10), shapes=[line], annotations=[label],
        yaxis=dict(range=[0, 1.12], tickformat=".0%", title=dict(text="probability of the next word")),
        legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0)))


def _vline(x: float, text: str, axis: str = "", position: str = "right") -> tuple[dict, dict]:
    """A vertical dotted line at x across subplot `axis` and its label at the bottom (on its left or right)."""
    shape = dict(type="line", x0=x, x1=x, xref=f"x{axis}", y0=0, y1=1, yref=f"y{axis} domain",
                 line=dict(color=NEUTRAL, dash="dot", width=1.5))
    label = dict(text=text, showarrow=False, font=dict(color=NEUTRAL, size=12), x=x, xref=f"x{axis}",
                 xanchor="left" if position == "right" else "right", y=0, yref=f"y{axis} domain", yanchor="bottom")
    return shape, label


def accuracy_vs_gap(gaps: Sequence[int], accuracies: Mapping[str, Sequence[float]], *, chance: float,
                    shown: int | None = None, live: Mapping[str, tuple[int, float]] | None = None,
                    height: int = 380) -> go.Figure:
    """Held-out accuracy after training, against the gap length, one line per cell (or variant).

    shown (optional): draw the stored curves up to this gap only (the x axis keeps every gap, so the
    student sees how far there is to go). live (optional): kind -> (gap, accuracy) of a point just
    recomputed, drawn as a large open marker on top of the stored curve.
    """
    keep = [k for k, gap in enumerate(gaps) if shown is None or gap <= shown]
    data = [dict(type="scatter", x=[gaps[k] for k in keep], y=[float(acc[k]) for k in keep], mode="lines+markers",
                 name=CELL_NAMES[kind], line=dict(color=CELL_COLORS[kind], dash=CELL_DASHES[kind], width=2.5),
                 marker=dict(size=8, symbol=CELL_SYMBOLS[kind]), legendgroup=kind,
                 hovertemplate="gap %{x}<br>accuracy %{y:.1%}<extra>%{fullData.name}</extra>")
            for kind, acc in accuracies.items()]
    data += [dict(type="scatter", x=[gap], y=[float(acc)], mode="markers", name=f"{CELL_NAMES[kind]}, just now",
                  legendgroup=kind, showlegend=False,
                  marker=dict(size=18, color="rgba(0,0,0,0)", line=dict(color=CELL_COLORS[kind], width=3)),
                  hovertemplate="gap %{x}<br>recomputed: %{y:.1%}<extra>%{fullData.name}</extra>")
             for kind, (gap, acc) in (live or {}).items()]
    line, label = _chance_line(chance)
    shapes, annotations = [line], [label]
    if shown is not None and shown < max(gaps):  # the gaps still to come: a pale band that says so
        hidden = [gap for gap in gaps if gap > shown]
        left, right = (shown + hidden[0]) / 2, max(gaps) + 3
        shapes.insert(0, dict(type="rect", x0=left, x1=right, xref="x", y0=0, y1=1, yref="y domain", layer="below",
                              fillcolor=NEUTRAL, opacity=0.12, line=dict(width=0)))
        annotations.append(dict(text=f"gaps {hidden[0]} to {max(gaps)}<br>not shown yet", showarrow=False,
                                font=dict(color=NEUTRAL, size=14), x=(left + right) / 2, xref="x", y=0.55,
                                yref="y domain"))
    return lean_figure(data, dict(
        height=height, margin=dict(l=10, r=10, t=20, b=10), shapes=shapes, annotations=annotations,
        xaxis=dict(title=dict(text="gap: filler words after the context word"),
                   range=[min(gaps) - 3, max(gaps) + 3], tickvals=list(gaps)),
        yaxis=dict(title=dict(text="held-out accuracy"), range=[0, 1.05], tickformat=".0%"),
        legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0)))


def scores_by_gap(gaps: Sequence[int], accuracy: Mapping[str, Sequence[float]],
                  confidence: Mapping[str, Sequence[float]], *, trained_gap: int, chance: float,
                  typed: Mapping[str, tuple[int, float]] | None = None, height: int = 340) -> go.Figure:
    """Trained models on held-out sentences at every gap: accuracy (left) and the mean probability of the
    right meal (right), one line per cell, a dotted line at the gap they were trained at. The right panel's
    percentages sit on its right.

    typed (optional): kind -> (the typed sentence's gap, the probability it gives the right meal there),
    drawn as a large open marker on the right panel.
    """
    data = []
    for kind in accuracy:
        style = dict(color=CELL_COLORS[kind], dash=CELL_DASHES[kind], width=2.5)
        marker = dict(size=7, symbol=CELL_SYMBOLS[kind])
        data.append(dict(type="scatter", x=list(gaps), y=[float(v) for v in accuracy[kind]], mode="lines+markers",
                         name=CELL_NAMES[kind], line=style, marker=marker, legendgroup=kind, xaxis="x", yaxis="y",
                         hovertemplate="gap %{x}<br>accuracy %{y:.1%}<extra>%{fullData.name}</extra>"))
        data.append(dict(type="scatter", x=list(gaps), y=[float(v) for v in confidence[kind]], mode="lines+markers",
                         name=CELL_NAMES[kind], line=style, marker=marker, legendgroup=kind, showlegend=False,
                         xaxis="x2", yaxis="y2",
                         hovertemplate="gap %{x}<br>probability of the right meal %{y:.1%}"
                                       "<extra>%{fullData.name}</extra>"))
    for kind, (gap, p) in (typed or {}).items():
        data.append(dict(type="scatter", x=[gap], y=[float(p)], mode="markers", name=f"{CELL_NAMES[kind]}, your sentence",
                         legendgroup=kind, showlegend=False, xaxis="x2", yaxis="y2",
                         marker=dict(size=18, color="rgba(0,0,0,0)", line=dict(color=CELL_COLORS[kind], width=3)),
                         hovertemplate="your sentence, gap %{x}<br>probability of the right meal %{y:.1%}"
                                       "<extra>%{fullData.name}</extra>"))
    lines = [_chance_line(chance, ""), _chance_line(chance, "2"),
             _vline(trained_gap, f"trained at {trained_gap}", "", "left" if trained_gap > 50 else "right"),
             _vline(trained_gap, f"trained at {trained_gap}", "2", "left" if trained_gap > 50 else "right")]
    layout = subplot_layout(1, 2, ("Held-out accuracy", "Right meal's probability"), horizontal_spacing=0.12)
    layout["annotations"] += [label for _, label in lines]
    layout["shapes"] = [shape for shape, _ in lines]
    right = max([*gaps, *[gap for gap, _ in (typed or {}).values()]])
    for axis in ("xaxis", "xaxis2"):
        layout[axis].update(title=dict(text="gap (filler words)"), range=[min(gaps) - 3, right + 3])
    for axis in ("yaxis", "yaxis2"):
        layout[axis].update(range=[0, 1.05], tickformat=".0%")
    layout["yaxis2"]["side"] = "right"   # its percentages away from the left panel
    layout.update(height=height, margin=dict(l=10, r=10, t=40, b=10),
                  legend=dict(orientation="h", yanchor="top", y=-0.3, x=0))
    return lean_figure(data, layout)


def word_ticks(words: Sequence[str], limit: int = MAX_WORD_LABELS) -> tuple[list[int], list[str]]:
    """Tick positions (steps from 1) and labels for a word axis: every word up to ``limit`` words, else every
    k-th word from the first (and the last), so that labels do not collide."""
    T = len(words)
    stride = max(1, -(-T // limit))
    steps = list(range(1, T + 1, stride))
    if steps[-1] != T:
        if T - steps[-1] < stride / 2:
            steps.pop()
        steps.append(T)
    return steps, [words[t - 1] for t in steps]


def memory_unit_figure(words: Sequence[str], cell_states: Mapping[str, Sequence[float]],
                       forget: Sequence[float], unit: int, height: int = 460) -> go.Figure:
    """One LSTM unit over a sentence: its cell state for each context word, and its forget gate.

    cell_states: context word -> c_t of the unit at every word (the sentence with that
    context word in front); forget: f_t of the unit over the typed sentence; unit: counted from 1.
    Steps are counted from 1 (the axis shows the words, every k-th one in a long sentence). The legend is on
    top, where a projector shows it with the lines.
    """
    x = list(range(1, len(words) + 1))
    palette = [COLORS["i"], COLORS["g"], COLORS["o"], COLORS["output"]]
    data = [dict(type="scatter", x=x, y=[float(v) for v in c], mode="lines+markers", name=context,
                 line=dict(color=palette[k % len(palette)], width=2), marker=dict(size=5), xaxis="x", yaxis="y",
                 hovertemplate="step %{x}: %{text}<br>c = %{y:.3f}<extra>starts with %{fullData.name}</extra>",
                 text=list(words))
            for k, (context, c) in enumerate(cell_states.items())]
    data.append(dict(type="bar", x=x, y=[float(v) for v in forget], marker=dict(color=COLORS["f"]),
                     name="forget gate f", xaxis="x2", yaxis="y2", showlegend=False,
                     hovertemplate="step %{x}: %{text}<br>f = %{y:.3f}<extra></extra>", text=list(words),
                     textposition="none"))
    layout = subplot_layout(2, 1, (f"cell state c of unit {unit}", f"forget gate f of unit {unit}"),
                            shared_xaxes=True, row_heights=(0.62, 0.38), vertical_spacing=0.12)
    layout["yaxis"]["title"] = dict(text="c")
    layout["yaxis2"].update(title=dict(text="f"), range=[0, 1])
    ticks, labels = word_ticks(words)
    layout["xaxis2"].update(tickmode="array", tickvals=ticks, ticktext=labels, tickangle=-45,
                            range=[0.5, len(words) + 0.5])
    layout.update(height=height, margin=dict(l=10, r=10, t=70, b=10),
                  legend=dict(orientation="h", yref="container", yanchor="top", y=1, x=0,
                              title=dict(text="first word:")))
    return lean_figure(data, layout)


def lab_gate_heatmaps(trace, names: Sequence[str], unit: int, step: int, labels: Sequence[str],
                      panel_height: int = 150) -> go.Figure:
    """The LSTM's gates and cell state over a typed sentence, one panel under the other (a phone has no room for
    two side by side): app.figures.gates.gate_heatmaps, where ``unit`` and ``step`` are indices, shown as unit
    j = unit + 1 and step t = step + 1, restacked in one column with the step axis in whole steps (every k-th
    word's step in a long sentence). The cell state's title says that its colour stops at -1 and +1 while c
    itself goes further, and how far."""
    fig = gate_heatmaps(trace, list(names), unit=unit, step=step, labels=list(labels))
    c = np.asarray(trace.c)
    low, high = float(c.min()), float(c.max())
    T, n = c.shape[0], len(names)
    ticks, _ = word_ticks(list(labels))
    space = 0.45 / n                               # between panels, for the next panel's title (two lines for c)
    height = (1 - space * (n - 1)) / n
    titles = [note for note in fig.layout.annotations][:n]
    for k in range(n):
        suffix = "" if k == 0 else str(k + 1)
        top = 1 - k * (height + space)
        fig.layout["xaxis" + suffix].update(domain=[0, 1], tickmode="array", tickvals=ticks, range=[0.5, T + 0.5],
                                            showticklabels=k == n - 1,
                                            title=dict(text="step t" if k == n - 1 else ""))
        fig.layout["yaxis" + suffix].update(domain=[round(max(top - height, 0.0), 6), round(top, 6)],
                                            title=dict(text="unit j"))
        titles[k].update(x=0.5, y=top)
        if titles[k].text.startswith("c: cell state") and max(-low, high) > 1:
            titles[k].text = (f"c: cell state, from {low:+.2f} to {high:+.2f}".replace("-", "−")
                              + "<br>(colour stops at −1 blue and +1 vermilion)")
    fig.layout.height = panel_height * n + 90
    return fig

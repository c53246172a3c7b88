"""Figures for the memory lab: training curves, next-word probabilities, accuracy against the gap.

Pure functions: numbers computed by rnn_core in, a plotly Figure out. One colour per
cell kind, the same in every figure of the lesson.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from app.figures.common import lean_figure, subplot_layout
from app.theme import COLORS, NEUTRAL

CELL_COLORS = {"rnn": COLORS["hidden"], "lstm": COLORS["cell_state"], "gru": COLORS["input"]}
CELL_NAMES = {"rnn": "RNN (tanh)", "lstm": "LSTM", "gru": "GRU"}
CELL_DASHES = {"rnn": "dot", "lstm": "solid", "gru": "dash"}  # so the lines differ without colour too


def _hline(y: float, line: dict, text: str, position: str, axis: str = "") -> tuple[dict, dict]:
    """A horizontal line across subplot `axis` ("" or "2") and its label, as fig.add_hline draws them.

    position: "top left", "top right" or "bottom right" (of the label against the line).
    """
    vertical, horizontal = position.split()
    shape = dict(type="line", x0=0, x1=1, xref=f"x{axis} domain", y0=y, y1=y, yref=f"y{axis}", line=line)
    label = dict(text=text, showarrow=False, font=dict(color=NEUTRAL, size=11),
                 x=0 if horizontal == "left" else 1, xanchor=horizontal, xref=f"x{axis} domain",
                 y=y, yanchor="bottom" if vertical == "top" else "top", yref=f"y{axis}")
    return shape, label


def _chance_line(chance: float, axis: str = "") -> tuple[dict, dict]:
    return _hline(chance, dict(color=NEUTRAL, dash="dash", width=1), f"chance {chance:.0%}", "bottom right", axis)


def training_curves(histories: Mapping[str, Mapping[str, Sequence[float]]], *, steps: int, chance: float,
                    target: float | None = None, height: int = 340) -> go.Figure:
    """Training loss and held-out accuracy against the training step, one line per cell.

    histories: kind -> {"steps": eval steps, "loss": mean training loss before each,
    "accuracy": held-out accuracy at each}. steps fixes the x range, so curves grow live.
    """
    data = []
    for kind, history in histories.items():
        style = dict(color=CELL_COLORS[kind], dash=CELL_DASHES[kind], width=2.5)
        x = list(history["steps"])
        data.append(dict(type="scatter", x=x, y=list(history["loss"]), mode="lines", name=CELL_NAMES[kind],
                         line=style, legendgroup=kind, xaxis="x", yaxis="y",
                         hovertemplate="step %{x}<br>loss %{y:.3f}<extra>%{fullData.name}</extra>"))
        data.append(dict(type="scatter", x=x, y=list(history["accuracy"]), mode="lines+markers",
                         name=CELL_NAMES[kind], line=style, marker=dict(size=4), legendgroup=kind, showlegend=False,
                         xaxis="x2", yaxis="y2",
                         hovertemplate="step %{x}<br>accuracy %{y:.1%}<extra>%{fullData.name}</extra>"))
    lines = [_hline(float(np.log(1 / chance)), dict(color=NEUTRAL, dash="dash", width=1), "guessing: ln 4",
                    "top right"),
             _chance_line(chance, "2")]
    if target is not None:
        lines.append(_hline(target, dict(color=NEUTRAL, dash="dot", width=1), f"stop at {target:.0%}", "top left",
                            "2"))
    layout = subplot_layout(1, 2, ("Training loss (cross-entropy)", "Held-out accuracy"), horizontal_spacing=0.1)
    layout["annotations"] += [label for _, label in lines]
    layout["shapes"] = [shape for shape, _ in lines]
    for axis in ("xaxis", "xaxis2"):
        layout[axis].update(title=dict(text="training step"), range=[0, steps])
    layout["yaxis"]["rangemode"] = "tozero"
    layout["yaxis2"].update(range=[0, 1.05], tickformat=".0%")
    layout.update(height=height, margin=dict(l=10, r=10, t=40, b=10),
                  legend=dict(orientation="h", yanchor="bottom", y=-0.35, x=0))
    return lean_figure(data, layout)


def next_word_bars(probabilities: Mapping[str, Sequence[float]], words: Sequence[str], *, chance: float,
                   height: int = 300) -> go.Figure:
    """Grouped bars: each model's probability for every candidate next word."""
    data = []
    for kind, p in probabilities.items():
        p = [float(v) for v in p]
        data.append(dict(type="bar", x=list(words), y=p, name=CELL_NAMES[kind], marker=dict(color=CELL_COLORS[kind]),
                         text=[f"{v:.0%}" for v in p], textposition="outside", cliponaxis=False,
                         hovertemplate="%{x}: %{y:.1%}<extra>%{fullData.name}</extra>"))
    line, label = _chance_line(chance)
    return lean_figure(data, dict(
        barmode="group", height=height, margin=dict(l=10, r=10, t=30, b=10), shapes=[line], annotations=[label],
        yaxis=dict(range=[0, 1.12], tickformat=".0%", title=dict(text="probability of the next word")),
        legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0)))


def accuracy_vs_gap(gaps: Sequence[int], accuracies: Mapping[str, Sequence[float]], *, chance: float,
                    live: Mapping[str, tuple[int, float]] | None = None, height: int = 360) -> go.Figure:
    """Held-out accuracy after training, against the gap length, one line per cell.

    live (optional): kind -> (gap, accuracy) of a point just recomputed, drawn as a large
    open marker on top of the stored curve.
    """
    data = [dict(type="scatter", x=list(gaps), y=[float(a) for a in acc], mode="lines+markers", name=CELL_NAMES[kind],
                 line=dict(color=CELL_COLORS[kind], dash=CELL_DASHES[kind], width=2.5),
                 marker=dict(size=7), legendgroup=kind,
                 hovertemplate="gap %{x}<br>accuracy %{y:.1%}<extra>%{fullData.name}</extra>")
            for kind, acc in accuracies.items()]
    data += [dict(type="scatter", x=[gap], y=[float(acc)], mode="markers", name=f"{CELL_NAMES[kind]}, just now",
                  legendgroup=kind,
                  marker=dict(size=16, color="rgba(0,0,0,0)", line=dict(color=CELL_COLORS[kind], width=3)),
                  hovertemplate="gap %{x}<br>recomputed: %{y:.1%}<extra>%{fullData.name}</extra>")
             for kind, (gap, acc) in (live or {}).items()]
    line, label = _chance_line(chance)
    return lean_figure(data, dict(
        height=height, margin=dict(l=10, r=10, t=20, b=10), shapes=[line], annotations=[label],
        xaxis=dict(title=dict(text="gap: filler words between the context word and \"let's meet for\"")),
        yaxis=dict(title=dict(text="held-out accuracy"), range=[0, 1.05], tickformat=".0%"),
        legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0)))


def memory_unit_figure(words: Sequence[str], cell_states: Mapping[str, Sequence[float]],
                       forget: Sequence[float], unit: int, height: int = 380) -> go.Figure:
    """One LSTM unit over a sentence: its cell state for each context word, and its forget gate.

    cell_states: context word -> c_t of the unit at every word (the sentence with that
    context word in front); forget: f_t of the unit over the typed sentence.
    """
    x = list(range(len(words)))
    palette = [COLORS["i"], COLORS["g"], COLORS["o"], COLORS["output"]]
    data = [dict(type="scatter", x=x, y=[float(v) for v in c], mode="lines+markers", name=f"starts with \"{context}\"",
                 line=dict(color=palette[k % len(palette)], width=2), xaxis="x", yaxis="y",
                 hovertemplate="%{text}<br>c = %{y:.3f}<extra>%{fullData.name}</extra>", text=list(words))
            for k, (context, c) in enumerate(cell_states.items())]
    data.append(dict(type="bar", x=x, y=[float(v) for v in forget], marker=dict(color=COLORS["f"]),
                     name="forget gate f", xaxis="x2", yaxis="y2",
                     hovertemplate="%{text}<br>f = %{y:.3f}<extra></extra>", text=list(words), textposition="none"))
    layout = subplot_layout(2, 1, (f"cell state c of unit {unit}, one line per context word",
                                  f"forget gate f of unit {unit} (typed sentence)"),
                            shared_xaxes=True, row_heights=(0.65, 0.35), vertical_spacing=0.08)
    layout["yaxis"]["title"] = dict(text="c")
    layout["yaxis2"].update(title=dict(text="f"), range=[0, 1])
    layout["xaxis2"].update(tickmode="array", tickvals=x, ticktext=list(words), tickangle=-45)
    layout.update(height=height, margin=dict(l=10, r=10, t=80, b=10),
                  legend=dict(orientation="h", yanchor="bottom", y=1.1, x=0))
    return lean_figure(data, layout)

"""Figures for the memory lab: training curves, next-word probabilities, accuracy against the gap.

Pure functions: numbers computed by rnn_core in, a plotly Figure out. One colour per
cell kind, the same in every figure of the lesson.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from app.theme import COLORS, NEUTRAL

CELL_COLORS = {"rnn": COLORS["hidden"], "lstm": COLORS["cell_state"], "gru": COLORS["input"]}
CELL_NAMES = {"rnn": "RNN (tanh)", "lstm": "LSTM", "gru": "GRU"}
CELL_DASHES = {"rnn": "dot", "lstm": "solid", "gru": "dash"}  # so the lines differ without colour too


def _chance_line(fig, chance, row=None, col=None):
    fig.add_hline(y=chance, line=dict(color=NEUTRAL, dash="dash", width=1), row=row, col=col,
                  annotation_text=f"chance {chance:.0%}", annotation_position="bottom right",
                  annotation_font=dict(color=NEUTRAL, size=11))


def training_curves(histories: Mapping[str, Mapping[str, Sequence[float]]], *, steps: int, chance: float,
                    target: float | None = None, height: int = 340) -> go.Figure:
    """Training loss and held-out accuracy against the training step, one line per cell.

    histories: kind -> {"steps": eval steps, "loss": mean training loss before each,
    "accuracy": held-out accuracy at each}. steps fixes the x range, so curves grow live.
    """
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.1,
                        subplot_titles=("Training loss (cross-entropy)", "Held-out accuracy"))
    for kind, history in histories.items():
        style = dict(color=CELL_COLORS[kind], dash=CELL_DASHES[kind], width=2.5)
        x = list(history["steps"])
        fig.add_trace(go.Scatter(x=x, y=list(history["loss"]), mode="lines", name=CELL_NAMES[kind], line=style,
                                 legendgroup=kind, hovertemplate="step %{x}<br>loss %{y:.3f}<extra>%{fullData.name}</extra>"),
                      row=1, col=1)
        fig.add_trace(go.Scatter(x=x, y=list(history["accuracy"]), mode="lines+markers", name=CELL_NAMES[kind],
                                 line=style, marker=dict(size=4), legendgroup=kind, showlegend=False,
                                 hovertemplate="step %{x}<br>accuracy %{y:.1%}<extra>%{fullData.name}</extra>"),
                      row=1, col=2)
    fig.add_hline(y=float(np.log(1 / chance)), line=dict(color=NEUTRAL, dash="dash", width=1), row=1, col=1,
                  annotation_text="guessing: ln 4", annotation_position="top right",
                  annotation_font=dict(color=NEUTRAL, size=11))
    _chance_line(fig, chance, row=1, col=2)
    if target is not None:
        fig.add_hline(y=target, line=dict(color=NEUTRAL, dash="dot", width=1), row=1, col=2,
                      annotation_text=f"stop at {target:.0%}", annotation_position="top left",
                      annotation_font=dict(color=NEUTRAL, size=11))
    fig.update_xaxes(title_text="training step", range=[0, steps], row=1, col=1)
    fig.update_xaxes(title_text="training step", range=[0, steps], row=1, col=2)
    fig.update_yaxes(rangemode="tozero", row=1, col=1)
    fig.update_yaxes(range=[0, 1.05], tickformat=".0%", row=1, col=2)
    fig.update_layout(height=height, margin=dict(l=10, r=10, t=40, b=10),
                      legend=dict(orientation="h", yanchor="bottom", y=-0.35, x=0))
    return fig


def next_word_bars(probabilities: Mapping[str, Sequence[float]], words: Sequence[str], *, chance: float,
                   height: int = 300) -> go.Figure:
    """Grouped bars: each model's probability for every candidate next word."""
    fig = go.Figure()
    for kind, p in probabilities.items():
        p = [float(v) for v in p]
        fig.add_trace(go.Bar(x=list(words), y=p, name=CELL_NAMES[kind], marker_color=CELL_COLORS[kind],
                             text=[f"{v:.0%}" for v in p], textposition="outside", cliponaxis=False,
                             hovertemplate="%{x}: %{y:.1%}<extra>%{fullData.name}</extra>"))
    _chance_line(fig, chance)
    fig.update_layout(barmode="group", height=height, margin=dict(l=10, r=10, t=30, b=10),
                      yaxis=dict(range=[0, 1.12], tickformat=".0%", title="probability of the next word"),
                      legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0))
    return fig


def accuracy_vs_gap(gaps: Sequence[int], accuracies: Mapping[str, Sequence[float]], *, chance: float,
                    live: Mapping[str, tuple[int, float]] | None = None, height: int = 360) -> go.Figure:
    """Held-out accuracy after training, against the gap length, one line per cell.

    live (optional): kind -> (gap, accuracy) of a point just recomputed, drawn as a large
    open marker on top of the stored curve.
    """
    fig = go.Figure()
    for kind, acc in accuracies.items():
        fig.add_trace(go.Scatter(x=list(gaps), y=[float(a) for a in acc], mode="lines+markers", name=CELL_NAMES[kind],
                                 line=dict(color=CELL_COLORS[kind], dash=CELL_DASHES[kind], width=2.5),
                                 marker=dict(size=7), legendgroup=kind,
                                 hovertemplate="gap %{x}<br>accuracy %{y:.1%}<extra>%{fullData.name}</extra>"))
    for kind, (gap, acc) in (live or {}).items():
        fig.add_trace(go.Scatter(x=[gap], y=[float(acc)], mode="markers", name=f"{CELL_NAMES[kind]}, just now",
                                 legendgroup=kind,
                                 marker=dict(size=16, color="rgba(0,0,0,0)", line=dict(color=CELL_COLORS[kind], width=3)),
                                 hovertemplate="gap %{x}<br>recomputed: %{y:.1%}<extra>%{fullData.name}</extra>"))
    _chance_line(fig, chance)
    fig.update_layout(height=height, margin=dict(l=10, r=10, t=20, b=10),
                      xaxis=dict(title="gap: filler words between the context word and \"let's meet for\""),
                      yaxis=dict(title="held-out accuracy", range=[0, 1.05], tickformat=".0%"),
                      legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0))
    return fig


def memory_unit_figure(words: Sequence[str], cell_states: Mapping[str, Sequence[float]],
                       forget: Sequence[float], unit: int, height: int = 380) -> go.Figure:
    """One LSTM unit over a sentence: its cell state for each context word, and its forget gate.

    cell_states: context word -> c_t of the unit at every word (the sentence with that
    context word in front); forget: f_t of the unit over the typed sentence.
    """
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.65, 0.35], vertical_spacing=0.08,
                        subplot_titles=(f"cell state c of unit {unit}, one line per context word",
                                        f"forget gate f of unit {unit} (typed sentence)"))
    x = list(range(len(words)))
    palette = [COLORS["i"], COLORS["g"], COLORS["o"], COLORS["output"]]
    for k, (context, c) in enumerate(cell_states.items()):
        fig.add_trace(go.Scatter(x=x, y=[float(v) for v in c], mode="lines+markers", name=f"starts with \"{context}\"",
                                 line=dict(color=palette[k % len(palette)], width=2),
                                 hovertemplate="%{text}<br>c = %{y:.3f}<extra>%{fullData.name}</extra>",
                                 text=list(words)), row=1, col=1)
    fig.add_trace(go.Bar(x=x, y=[float(v) for v in forget], marker_color=COLORS["f"], name="forget gate f",
                         hovertemplate="%{text}<br>f = %{y:.3f}<extra></extra>", text=list(words),
                         textposition="none"), row=2, col=1)
    fig.update_yaxes(title_text="c", row=1, col=1)
    fig.update_yaxes(title_text="f", range=[0, 1], row=2, col=1)
    fig.update_xaxes(tickmode="array", tickvals=x, ticktext=list(words), tickangle=-45, row=2, col=1)
    fig.update_layout(height=height, margin=dict(l=10, r=10, t=80, b=10),
                      legend=dict(orientation="h", yanchor="bottom", y=1.1, x=0))
    return fig

"""Figures for lesson 1: unrolled sequence shapes, parameter counts, and what a hidden state remembers.

Pure builders: numbers and layouts in, plotly Figure out. No streamlit here.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from app.figures.common import lean_figure
from app.figures.gradients import fmt_number
from app.figures.heatmaps import state_heatmap_parts
from app.theme import COLORS, DECODER, LABEL_BACKGROUND, NEUTRAL, ON_LIGHT
from rnn_core.shapes import percent, share_left

ROW = {"input": 0.0, "hidden": 1.0, "output": 2.0}  # drawn bottom to top, like Karpathy's diagrams
SYMBOL = {"input": "x", "hidden": "h", "output": "y"}
ROLE_NAME = {"input": "input", "hidden": "hidden state", "output": "output"}


def _node_trace(role: str, steps, size: float, names: dict) -> dict:
    """One marker per node of a role. Labels count the role's own nodes (x_1, x_2, ...; y_1, ...),
    so a decoder's first output is y_1; a lone node has no subscript."""
    steps = list(steps)
    labels = ([SYMBOL[role]] if len(steps) == 1 else
              [f"{SYMBOL[role]}<sub>{k + 1}</sub>" for k in range(len(steps))])
    hover = [names.get((role, t), f"{ROLE_NAME[role]} {label}, step {t + 1}") for t, label in zip(steps, labels)]
    return dict(
        type="scatter", x=steps, y=[ROW[role]] * len(steps), mode="markers+text", name=ROLE_NAME[role],
        meta=dict(summary="nodes"),
        text=labels, textfont=dict(color="white", size=round(size * 0.42)),
        hovertext=hover, hoverinfo="text", cliponaxis=False,
        marker=dict(size=size, color=COLORS[role], symbol="square" if role == "hidden" else "circle",
                    line=dict(width=0)),
    )


def _arrow(x0, y0, x1, y1, name, color, dash_gap=0.0) -> dict:
    """An annotation arrow from (x0, y0) to (x1, y1), shortened so it stops at the node edges."""
    dx, dy = x1 - x0, y1 - y0
    length = float(np.hypot(dx, dy))
    gap = dash_gap / length if length else 0.0
    return dict(x=x1 - dx * gap, y=y1 - dy * gap, ax=x0 + dx * gap, ay=y0 + dy * gap,
                xref="x", yref="y", axref="x", ayref="y", text="", showarrow=True,
                arrowhead=2, arrowsize=1.1, arrowwidth=2, arrowcolor=color, name=name)


def _vline(x: float, line: dict) -> dict:
    """A vertical line across the whole plot at data x (what fig.add_vline draws)."""
    return dict(type="line", x0=x, x1=x, xref="x", y0=0, y1=1, yref="y domain", line=line)


def sequence_shape_figure(layout, title: str | None = None, names: dict | None = None) -> go.Figure:
    """An unrolled network drawn from an rnn_core.shapes.Layout.

    One marker per input (bottom row), hidden state (middle) and output (top); arrows
    input -> hidden and hidden -> output at every step that has them, and a recurrent
    arrow h_{t-1} -> h_t (annotation name "recurrent") when the layout is recurrent.
    For the delayed many-to-many shape a dashed line separates encoder and decoder.
    names: optional {(role, step): hover text}.
    """
    names = names or {}
    steps = layout.steps
    # px: about 0.7 of a step's width on a 390 px phone (338 px of plot for steps + 0.4 steps), so that the
    # arrows between nodes stay visible there; 46 px at most
    size = float(np.clip(236.0 / (steps + 0.4), 26.0, 46.0))
    gap = 0.27  # data units between a node's centre and an arrow's end
    nodes = [_node_trace("input", layout.inputs, size, names), _node_trace("hidden", range(steps), size, names),
             _node_trace("output", layout.outputs, size, names)]
    notes = [_arrow(t, ROW["input"], t, ROW["hidden"], "input", COLORS["input"], gap) for t in layout.inputs]
    notes += [_arrow(t, ROW["hidden"], t, ROW["output"], "output", COLORS["output"], gap) for t in layout.outputs]
    if layout.recurrent:
        notes += [_arrow(t - 1, ROW["hidden"], t, ROW["hidden"], "recurrent", COLORS["hidden"], gap)
                  for t in range(1, steps)]
    figure_layout = dict(
        height=300, margin=dict(l=10, r=10, t=40 if title else 10, b=10), annotations=notes,
        showlegend=True, legend=dict(orientation="h", yanchor="top", y=-0.02, x=0), dragmode=False,
        hovermode="closest",
        xaxis=dict(visible=False, range=[-0.7, max(steps - 1, 1) + 0.7] if steps > 1 else [-1.5, 1.5]),
        yaxis=dict(visible=False, range=[-0.45, 2.8]))
    if layout.name == "many_to_many_delayed":  # two RNNs: the decoder's cell has weights of its own
        half = steps // 2
        nodes[1]["marker"]["color"] = [COLORS["hidden"]] * half + [DECODER] * (steps - half)
        nodes[1]["hovertext"] = [f"{text} ({'encoder' if t < half else 'decoder'} cell)"
                                 for t, text in enumerate(nodes[1]["hovertext"])]
        middle = steps / 2 - 0.5
        figure_layout["shapes"] = [_vline(middle, dict(color=NEUTRAL, dash="dash", width=1))]
        notes += [dict(x=x, y=2.55, text=text, showarrow=False, font=dict(color=NEUTRAL, size=13), name="section")
                  for text, x in (("encoder", (middle - 0.5) / 2), ("decoder", (middle + 0.5 + steps - 1) / 2))]
    if title:
        figure_layout["title"] = dict(text=title)
    return lean_figure(nodes, figure_layout)


def parameter_count_figure(lengths, rnn_parameters: int, dense_parameters, current: int,
                           dense_until: int | None = None) -> go.Figure:
    """Parameters against sequence length: one RNN cell (flat) and a dense layer on the flattened sequence.

    lengths: (N,) sequence lengths T; dense_parameters: (N,) H*T*I + H for each; current: the
    length the student picked, marked on both lines; dense_until: draw the dense line only up to this length
    (so that a prediction about a longer T is not read off the figure), or all of it.
    """
    lengths = np.asarray(lengths)
    dense = np.asarray(dense_parameters)
    k = int(np.flatnonzero(lengths == current)[0])
    drawn = lengths <= dense_until if dense_until is not None else np.ones(len(lengths), bool)
    data = [
        dict(type="scatter", x=lengths[drawn], y=dense[drawn], mode="lines", name="dense layer on the whole sequence",
             line=dict(color=NEUTRAL, width=3)),
        dict(type="scatter", x=lengths, y=np.full(len(lengths), rnn_parameters), mode="lines",
             name="one RNN cell, any length", line=dict(color=COLORS["hidden"], width=3)),
        dict(type="scatter", x=[current, current], y=[dense[k].item(), rnn_parameters], mode="markers",
             name=f"T = {current}", showlegend=False,
             hovertext=[f"dense layer, T = {current}: {dense[k]:,}", f"RNN cell: {rnn_parameters:,}"],
             hoverinfo="text", marker=dict(size=11, color=[NEUTRAL, COLORS["hidden"]])),
    ]
    return lean_figure(data, dict(
        height=320, margin=dict(l=10, r=10, t=10, b=10), legend=dict(orientation="h", yanchor="bottom", y=1.0, x=0),
        xaxis=dict(title=dict(text="sequence length T (words)"), range=[0, float(lengths[-1]) + 1]),
        yaxis=dict(title=dict(text="parameters"), rangemode="tozero")))


MAX_WORD_TICKS = 12


def word_ticks(n: int, keep=()) -> list[int]:
    """Which of n steps get a word label: all of them up to MAX_WORD_TICKS, else every k-th step
    plus the steps in `keep` (regular ticks too close to a kept one are dropped so labels do not collide)."""
    every = -(-n // MAX_WORD_TICKS)
    kept = {t for t in keep if 0 <= t < n}
    regular = {t for t in range(0, n, every) if all(abs(t - k) * 2 > every for k in kept)}
    return sorted(regular | kept)


def _word_axis(words, keep=()) -> dict:
    """X-axis settings: steps 1 .. T labelled with the words (words can repeat, so not a categorical axis);
    ``keep`` holds indices (0-based) of words that must keep their label."""
    ticks = word_ticks(len(words), keep)
    return dict(tickmode="array", tickvals=[t + 1 for t in ticks], ticktext=[words[t] for t in ticks],
                tickangle=-45 if len(words) > 8 else 0)


def word_state_heatmap(h, words) -> go.Figure:
    """The shared state heatmap of h (T, H), its steps labelled with the words read (every word on hover)."""
    heatmap, layout = state_heatmap_parts(h, name="h", step_labels=list(words))
    axis = _word_axis(words, keep=(len(words) - 1,))
    thinned = len(axis["tickvals"]) < len(words)
    if thinned:  # not every column is labelled: say which step each label is
        axis["ticktext"] = [f"{t} · {word}" for t, word in zip(axis["tickvals"], axis["ticktext"])]
    layout["xaxis"].update(axis, title=dict(text="step t · word read" if thinned else "word read at step t"))
    return lean_figure([heatmap], layout)


LABEL_AT = 1.5       # the memory chart's label is centred at 1.5 times its highest bar or point
GROUPED_ABOVE = 20    # a message longer than this labels its opening and ending as phrases (a phone's width)


def _message_axis(words, time_step: int, filler: int) -> dict:
    """X-axis settings for a message: every word of the message keeps a label, only filler labels are thinned. A
    message longer than GROUPED_ABOVE words labels its opening words and its ending words but the last as one
    phrase each, under the middle of their steps, so that a phone's narrow axis does not pile them up."""
    message = [t for t in range(len(words)) if not time_step < t <= time_step + filler]
    if len(words) <= GROUPED_ABOVE:
        return _word_axis(words, keep=message)
    axis = _word_axis(words, keep=(time_step, len(words) - 1))
    ticks = {value - 1: text for value, text in zip(axis["tickvals"], axis["ticktext"])
             if time_step <= value - 1 <= time_step + filler - 2 or value == len(words)}   # filler close to the ending: dropped
    opening, ending = range(0, time_step), range(time_step + filler + 1, len(words) - 1)
    for steps, shift in ((opening, 0.0), (ending, -0.5)):    # the ending's half a step off "for", its neighbour
        if len(steps):
            ticks[(steps[0] + steps[-1]) / 2 + shift] = " ".join(words[t] for t in steps)
    ticks = sorted(ticks.items())
    return dict(axis, tickvals=[t + 1 for t, _ in ticks], ticktext=[text for _, text in ticks])


def memory_figure(words, input_difference, state_difference, time_step: int, filler: int = 0) -> go.Figure:
    """Two messages that differ in one word: how much their inputs and hidden states differ at each step.

    The `filler` words after the time word are the only ones whose labels may be thinned: every word of the
    message itself keeps its label.

    input_difference: (T,) ||x_t^a - x_t^b|| (nonzero only at the differing word);
    state_difference: (T,) ||h_t^a - h_t^b||; time_step: index (from 0) of the differing word. Steps are
    drawn at 1 .. T.
    """
    t = list(range(1, len(words) + 1))
    data = [
        dict(type="bar", x=t, y=np.asarray(input_difference), name="inputs differ: ‖x<sub>t</sub>ᵃ − x<sub>t</sub>ᵇ‖",
             marker=dict(color=COLORS["input"]), opacity=0.75),
        dict(type="scatter", x=t, y=np.asarray(state_difference), mode="lines+markers",
             name="hidden states differ: ‖h<sub>t</sub>ᵃ − h<sub>t</sub>ᵇ‖",
             line=dict(color=COLORS["hidden"], width=3), marker=dict(size=7)),
    ]
    left = share_left(state_difference, time_step)
    top = max(float(np.max(input_difference)), float(np.max(state_difference)), 1e-12)
    # The label sits above every bar and point (on a phone it is as wide as half the chart), its arrow down to "for"
    blank = dict(x=len(words), y=float(state_difference[-1]), axref="x", ayref="y", ax=len(words), ay=LABEL_AT * top,
                 text=(f"at <i>{words[-1]}</i>: {fmt_number(state_difference[-1])}<br>"
                       f"{percent(left)} of its size at step {time_step + 1}"),
                 showarrow=True, arrowhead=2, standoff=6, startstandoff=4, xanchor="right", yanchor="bottom",
                 font=dict(size=12, color=ON_LIGHT), name="left", bgcolor=LABEL_BACKGROUND)   # clear of the point
    return lean_figure(data, dict(
        height=340, margin=dict(l=10, r=10, t=10, b=10), bargap=0.5,
        legend=dict(orientation="h", yanchor="bottom", y=1.0, x=0),
        annotations=[blank], shapes=[_vline(time_step + 1, dict(color=NEUTRAL, dash="dot", width=1))],
        xaxis=_message_axis(words, time_step, filler),
        yaxis=dict(title=dict(text="difference (L2 norm)"), range=[0, (LABEL_AT + 0.35) * top])))

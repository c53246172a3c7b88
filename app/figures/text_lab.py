"""Figures for the text lab: text coloured character by character, sampling steps, learning curves,
unit correlations, dependence against distance, bits per character against context.

Pure functions: numbers computed by rnn_core in, a plotly Figure out. Text is drawn as a grid of
one-character cells in a heatmap, never as HTML: a single character cannot form a tag or an
entity, so any typed text is safe to show. One colour, line style and name per cell kind,
the memory lab's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from app.figures.common import lean_figure, subplot_layout
from app.figures.memory_lab import CELL_COLORS, CELL_DASHES, CELL_NAMES
from app.theme import COLORS, DIVERGING, GRADIENT_SCALE, NEUTRAL, WRITTEN_SCALE

WRAP = 72          # characters per row of a text grid (Gutenberg's prose lines are at most about 70)
ROW_PX = 24        # height of a row of the text grid
NEWLINE, SPACE = "\u21b5", " "   # how a newline and a space are drawn in a cell
NGRAM_COLOR = NEUTRAL


def shown_char(ch: str) -> str:
    """How one character is drawn in a cell: a newline as an arrow, control characters as a middle dot."""
    if ch == "\n":
        return NEWLINE
    if not ch.isprintable():
        return "\u00b7"
    return ch


def text_grid(text: str, wrap: int = WRAP) -> tuple[np.ndarray, np.ndarray]:
    """(rows, columns) of each character: a newline ends its row, a long line wraps after `wrap` characters."""
    rows, cols = np.zeros(len(text), dtype=np.int64), np.zeros(len(text), dtype=np.int64)
    r = c = 0
    for k, ch in enumerate(text):
        if c >= wrap:
            r, c = r + 1, 0
        rows[k], cols[k] = r, c
        c += 1
        if ch == "\n":
            r, c = r + 1, 0
    return rows, cols


def _grid_trace(text: str, values, *, offset: int, wrap: int, colorscale, zmin: float, zmax: float,
                value_name: str, name: str, zmid: float | None = None, axes: str = "", colorbar: dict | None = None,
                show_scale: bool = True) -> tuple[dict, int]:
    """A heatmap trace with one cell per character (its value as colour, the character as text); its row count.

    offset: the 1-based position of text[0] in the whole text (hover says "character 17")."""
    values = np.asarray(values, dtype=np.float64)
    rows, cols = text_grid(text, wrap)
    n_rows = int(rows.max()) + 1 if len(text) else 1
    z = np.full((n_rows, wrap), np.nan)
    letters = np.full((n_rows, wrap), "", dtype=object)
    where = np.full((n_rows, wrap), 0, dtype=np.int64)
    z[rows, cols] = values
    letters[rows, cols] = [shown_char(ch) for ch in text]
    where[rows, cols] = np.arange(len(text)) + offset
    trace = dict(type="heatmap", z=z, text=letters.tolist(), texttemplate="%{text}", customdata=where,
                 colorscale=colorscale, zmin=zmin, zmax=zmax, xgap=1, ygap=1, name=name, showscale=show_scale,
                 textfont=dict(size=13, family="monospace"),
                 hovertemplate=f"character %{{customdata}}: %{{text}}<br>{value_name} = %{{z:.3f}}<extra></extra>",
                 xaxis=f"x{axes}", yaxis=f"y{axes}")
    if zmid is not None:
        trace["zmid"] = zmid
    if show_scale:
        trace["colorbar"] = colorbar or dict(thickness=12, title=dict(text=value_name, side="right"))
    return trace, n_rows


def _grid_axes(n_rows: int, wrap: int) -> tuple[dict, dict]:
    hidden = dict(showticklabels=False, showgrid=False, zeroline=False, ticks="")
    return (dict(hidden, range=[-0.5, wrap - 0.5]),
            dict(hidden, range=[n_rows - 0.5, -0.5]))


def activation_text(text: str, activation: Sequence[float], *, unit: int, cell: str, state: str = "h",
                    wrap: int = WRAP) -> go.Figure:
    """The text coloured by one unit's activation after reading each character (blue < 0 < orange)."""
    bound = max(1.0, float(np.nanmax(np.abs(activation))) if len(activation) else 1.0)
    trace, n_rows = _grid_trace(text, activation, offset=1, wrap=wrap, colorscale=DIVERGING, zmin=-bound, zmax=bound,
                                zmid=0.0, value_name=f"unit {unit} of {state}<sub>t</sub>",
                                name=f"{CELL_NAMES[cell]} unit {unit}")
    xaxis, yaxis = _grid_axes(n_rows, wrap)
    return lean_figure([trace], dict(height=ROW_PX * n_rows + 60, margin=dict(l=10, r=10, t=40, b=10),
                                     title=dict(text=f"{CELL_NAMES[cell]}, unit {unit}: {state} after each character"),
                                     xaxis=xaxis, yaxis=yaxis))


def dependence_text(text: str, dependences: Mapping[str, Sequence[float]], *, first: int, position: int,
                    next_char: str, probabilities: Mapping[str, float], wrap: int = WRAP) -> go.Figure:
    """One panel per cell: the characters before a prediction coloured by the size of the gradient of
    log p(next character) with respect to each, as a share of that cell's largest.

    text: the characters x_first .. x_position (1-based positions); dependences: kind -> (len(text),)
    gradient sizes; next_char: x_{position+1}; probabilities: kind -> p(x_{position+1}) of that cell.
    """
    kinds = list(dependences)
    rows, _ = text_grid(text, wrap)
    n_rows = int(rows.max()) + 1 if len(text) else 1
    panel, gap, top = ROW_PX * n_rows, 34, 40                # pixels: a panel, the title above it, the margin
    height = top + len(kinds) * (panel + gap) + 10
    layout = dict(height=height, margin=dict(l=10, r=10, t=top, b=10), annotations=[])
    data = []
    for k, kind in enumerate(kinds):
        sizes = np.asarray(dependences[kind], dtype=np.float64)
        share = sizes / sizes.max() if sizes.size and sizes.max() > 0 else np.zeros_like(sizes)
        axis = "" if k == 0 else str(k + 1)
        trace, _ = _grid_trace(text, share, offset=first, wrap=wrap, colorscale=GRADIENT_SCALE,
                               zmin=0.0, zmax=1.0, value_name="share of the largest gradient",
                               name=CELL_NAMES[kind], axes=axis, show_scale=k == 0,
                               colorbar=dict(thickness=12, title=dict(text="share of largest", side="right")))
        trace["hovertemplate"] = (f"{CELL_NAMES[kind]}<br>character %{{customdata}}: %{{text}}<br>"
                                  "gradient size %{z:.3f} of the largest<extra></extra>")
        data.append(trace)
        plot_height = height - top - 10
        upper = 1 - (k * (panel + gap) + gap) / plot_height      # paper coordinates of this panel
        lower = upper - panel / plot_height
        xaxis, yaxis = _grid_axes(n_rows, wrap)
        layout[f"xaxis{axis}"] = dict(xaxis, anchor=f"y{axis}", domain=[0, 1])
        layout[f"yaxis{axis}"] = dict(yaxis, anchor=f"x{axis}", domain=[max(lower, 0), upper])
        layout["annotations"].append(dict(
            text=f"{CELL_NAMES[kind]}: p(next = {shown_char(next_char)!r}) = {probabilities[kind]:.2f}",
            x=0, xref="paper", xanchor="left", y=upper, yref="paper", yanchor="bottom", showarrow=False))
    return lean_figure(data, layout)


def sampling_step_figure(context: str, prompt_length: int, top_chars: Sequence[str], top_probs: Sequence[float],
                         drawn: str, state: Sequence[float], *, cell: str, step: int, temperature: float,
                         columns: int = 16, shown: int = 24) -> go.Figure:
    """One step of writing. Top: the last characters read, from the left, then the one drawn at this step
    (a key to the colours under it). Bottom left: the most likely next characters and their probabilities,
    the one drawn in colour. Bottom right: the hidden state the step drew from, its H units in a grid
    (unit 1 top left, row by row).

    context: the prompt and the characters drawn before this step (the last `shown` - 1 are drawn, the first
    of them as an ellipsis when earlier ones are left out; 24 cells across leave a 14 px letter room in each
    on a 390 px phone, where 48 and 32 overlapped); prompt_length: how many of context's characters are the
    prompt.
    """
    state = np.asarray(state, dtype=np.float64)
    H = state.size
    grid_rows = int(np.ceil(H / columns))
    z = np.full(grid_rows * columns, np.nan)
    z[:H] = state
    units = np.arange(1, grid_rows * columns + 1)
    tail = context[-(shown - 1):] if shown > 1 else ""
    start = len(context) - len(tail)                              # 0-based index of tail[0] in context
    strip = tail + drawn
    letters = [shown_char(ch) for ch in strip]
    kinds = [0.0 if start + k < prompt_length else 0.45 for k in range(len(tail))] + [1.0]
    where = [("prompt" if start + k < prompt_length else f"drawn at step {start + k - prompt_length + 1}")
             for k in range(len(tail))] + [f"drawn at step {step}"]
    if start > 0:                                                 # earlier characters are left out: say so
        letters[0], where[0] = "\u2026", "earlier characters, not shown"
    labels = [repr(shown_char(ch)) for ch in top_chars]
    colors = [COLORS["output"] if ch == drawn else NEUTRAL for ch in top_chars]
    bound = max(1.0, float(np.nanmax(np.abs(state))))
    hidden = dict(showticklabels=False, showgrid=False, zeroline=False, ticks="")
    data = [
        dict(type="heatmap", z=[kinds], x=list(range(len(strip))),          # from the left: this step last
             text=[letters], texttemplate="%{text}",
             customdata=[where], colorscale=WRITTEN_SCALE, zmin=0, zmax=1,
             showscale=False, xgap=1, ygap=1, name="text so far", textfont=dict(family="monospace"),
             hovertemplate="%{text}: %{customdata}<extra></extra>", xaxis="x", yaxis="y"),
        dict(type="bar", x=[float(p) for p in top_probs], y=labels, orientation="h", name="probability",
             marker=dict(color=colors), text=[f"{p:.0%}" for p in top_probs], textposition="outside",
             cliponaxis=False, hovertemplate="%{y}: %{x:.1%}<extra></extra>", xaxis="x2", yaxis="y2"),
        dict(type="heatmap", z=z.reshape(grid_rows, columns), customdata=units.reshape(grid_rows, columns),
             colorscale=DIVERGING, zmid=0.0, zmin=-bound, zmax=bound, xgap=1, ygap=1, name="hidden state h",
             colorbar=dict(thickness=10, len=0.6, y=0.0, yanchor="bottom", title=dict(text="h", side="right")),
             hovertemplate="unit %{customdata}<br>h = %{z:.3f}<extra></extra>", xaxis="x3", yaxis="y3"),
    ]
    title = lambda text, x, y, anchor="center", valign="bottom": dict(  # noqa: E731
        text=text, x=x, y=y, xref="paper", yref="paper", xanchor=anchor, yanchor=valign, showarrow=False)
    drawn_note = "" if drawn in top_chars else f" (drawn: {shown_char(drawn)!r}, not among them)"
    layout = dict(
        height=460, margin=dict(l=10, r=10, t=60, b=40), showlegend=False,
        # Short, so a phone shows it whole: the panels below are titled on their own.
        title=dict(text=f"{CELL_NAMES[cell]}, step {step}: the text, then this draw"),
        xaxis=dict(hidden, domain=[0, 1], range=[-0.5, shown - 0.5], anchor="y"),
        yaxis=dict(hidden, domain=[0.85, 0.95], anchor="x"),
        xaxis2=dict(domain=[0, 0.5], range=[0, 1.15], tickvals=[0, 0.25, 0.5, 0.75, 1], tickformat=".0%", anchor="y2",
                    title=dict(text=f"probability at temperature {temperature:g}")),
        yaxis2=dict(domain=[0, 0.58], autorange="reversed", type="category", anchor="x2"),
        xaxis3=dict(hidden, domain=[0.62, 0.95], anchor="y3"),
        yaxis3=dict(hidden, domain=[0, 0.58], autorange="reversed", scaleanchor="x3", anchor="x3"),
        annotations=[title("grey: prompt \u00b7 blue: drawn before \u00b7 pink: drawn at this step", 0, 0.84,
                           "left", "top"),
                     title("most likely<br>next characters" + (f"<br>{drawn_note.strip()}" if drawn_note else ""), 0.25,
                           0.6),   # narrow, so that on a phone it does not run into the title on its right
                     title(f"h before step {step}: {H} units<br>unit 1 top left, row by row", 0.785, 0.6)],
    )
    return lean_figure(data, layout)


def _powers_of_ten(largest: float) -> list[int]:
    """1, 10, 100, ... up to the first power of ten at or above `largest`: the ticks of a log axis, majors only
    (Plotly labels minor ticks of a short log axis in a smaller font)."""
    ticks = [1]
    while ticks[-1] < largest:
        ticks.append(ticks[-1] * 10)
    return ticks


def learning_curves(evaluations: Mapping[str, Mapping[str, Sequence[float]]], *, checkpoint: int | None = None,
                    ngrams: Mapping[str, float] | None = None, height: int = 360) -> go.Figure:
    """Held-out bits per character against training updates (log axis), one line per cell; a vertical
    line at the chosen checkpoint and dashed lines for n-gram baselines."""
    data = []
    for kind, ev in evaluations.items():
        steps = [max(int(s), 1) for s in ev["steps"]]  # update 0 (before training) is drawn at 1 on the log axis
        data.append(dict(type="scatter", x=steps, y=[float(b) for b in ev["bits"]], mode="lines+markers",
                         name=CELL_NAMES[kind], customdata=[int(s) for s in ev["steps"]],
                         line=dict(color=CELL_COLORS[kind], dash=CELL_DASHES[kind], width=2.5), marker=dict(size=6),
                         hovertemplate="after %{customdata} updates<br>%{y:.3f} bits per character"
                                       "<extra>%{fullData.name}</extra>"))
    shapes, annotations = [], []
    for name, bits in (ngrams or {}).items():
        shapes.append(dict(type="line", x0=0, x1=1, xref="x domain", y0=bits, y1=bits, yref="y",
                           line=dict(color=NGRAM_COLOR, dash="dash", width=1)))
        annotations.append(dict(text=f"{name}: {bits:.2f}", x=1, xref="x domain", xanchor="right", y=bits, yref="y",
                                yanchor="bottom", showarrow=False, font=dict(color=NGRAM_COLOR)))
    if checkpoint is not None:
        shapes.append(dict(type="line", x0=max(checkpoint, 1), x1=max(checkpoint, 1), y0=0, y1=1, yref="y domain",
                           line=dict(color=COLORS["output"], width=2)))
    return lean_figure(data, dict(
        height=height, margin=dict(l=10, r=10, t=30, b=10), shapes=shapes, annotations=annotations,
        xaxis=dict(type="log", tickvals=_powers_of_ten(max(max(ev["steps"]) for ev in evaluations.values())),
                   title=dict(text="training updates (log scale; before training drawn at 1)")),
        yaxis=dict(title=dict(text="held-out bits per character")),
        legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0)))


def correlation_bars(correlations: Mapping[str, Sequence[float]], units: Mapping[str, Sequence[int]], *,
                     feature: str, height: int = 320) -> go.Figure:
    """For each cell, its units that follow a feature best: Pearson r of activation and feature, strongest first."""
    data = []
    for kind, r in correlations.items():
        picked = [int(u) for u in units[kind]]
        data.append(dict(type="bar", name=CELL_NAMES[kind], x=[f"{rank + 1}" for rank in range(len(picked))],
                         y=[float(r[u - 1]) for u in picked], customdata=picked,
                         marker=dict(color=CELL_COLORS[kind]),
                         hovertemplate="unit %{customdata}: r = %{y:.3f}<extra>%{fullData.name}</extra>"))
    return lean_figure(data, dict(
        barmode="group", height=height, margin=dict(l=10, r=10, t=30, b=10),
        xaxis=dict(title=dict(text="rank (the strongest unit first; hover for its number)")),
        yaxis=dict(title=dict(text=f"correlation with {feature}"), range=[-1.05, 1.05]),
        legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0)))


def dependence_by_distance(distances: Sequence[int], curves: Mapping[str, Sequence[float]], *,
                           marked: int | None = None, height: int = 360) -> go.Figure:
    """Average size of d log p(x_{t+1}) / d x_{t-d} over held-out text against the distance d (log y); d = 0 is
    x_t, the character just read."""
    data = [dict(type="scatter", x=list(distances), y=[float(v) for v in values], mode="lines", name=CELL_NAMES[kind],
                 line=dict(color=CELL_COLORS[kind], dash=CELL_DASHES[kind], width=2.5),
                 hovertemplate="d = %{x}<br>gradient size %{y:.3g}<extra>%{fullData.name}</extra>")
            for kind, values in curves.items()]
    shapes = []
    if marked is not None:
        shapes.append(dict(type="line", x0=marked, x1=marked, y0=0, y1=1, yref="y domain",
                           line=dict(color=COLORS["output"], width=2)))
    return lean_figure(data, dict(
        height=height, margin=dict(l=10, r=10, t=30, b=10), shapes=shapes,
        xaxis=dict(title=dict(text="d: characters before x<sub>t</sub> (0 = x<sub>t</sub>, the character just read)")),
        yaxis=dict(type="log", exponentformat="power", title=dict(text="mean gradient size (log scale)")),
        legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0)))


def context_curves(ks: Sequence[int], bits: Mapping[str, Sequence[float]], full: Mapping[str, float], *,
                   ngrams: Mapping[int, float] | None = None, marked: int | None = None, positions: int | None = None,
                   zoom_from: int = 16, height: int = 560) -> go.Figure:
    """Bits per character at the scored positions when the model may see only the last k characters, against k
    (log axis), one line per cell; each cell's score with all the context as a dash-dot line; n-gram models as
    grey points at their history length (an n-gram sees n - 1 characters). Below, the same curves zoomed to
    k >= zoom_from, where the cells differ by hundredths of a bit.

    positions: how many positions are scored (named in the y-axis title)."""
    measure = (f"bits per character at the {positions:,} scored positions" if positions else
               "bits per character at the scored positions")
    data = [dict(type="scatter", x=list(ks), y=[float(v) for v in values], mode="lines+markers", name=CELL_NAMES[kind],
                 line=dict(color=CELL_COLORS[kind], dash=CELL_DASHES[kind], width=2.5), marker=dict(size=6),
                 legendgroup=kind,
                 hovertemplate="last %{x} characters<br>%{y:.3f} bits per character<extra>%{fullData.name}</extra>")
            for kind, values in bits.items()]
    full_line = lambda value, kind, axes: dict(  # noqa: E731
        type="line", x0=0, x1=1, xref=f"x{axes} domain", y0=value, y1=value, yref=f"y{axes}",
        line=dict(color=CELL_COLORS[kind], dash="dashdot", width=1.5))
    shapes = [full_line(value, kind, "") for kind, value in full.items()]
    if ngrams:
        orders = sorted(ngrams)
        # Named on the chart: the smallest order and the orders the lesson compares with (trigram, 5-gram); the
        # points between sit a character apart on the log axis and their names overlapped. Hover names every one.
        named = {orders[0], 3, 5}
        data.append(dict(type="scatter", x=[order - 1 for order in orders], y=[float(ngrams[o]) for o in orders],
                         mode="markers+text", name="n-gram (Witten-Bell)",
                         text=[f"{o}-gram" if o in named else "" for o in orders],
                         customdata=[f"{o}-gram" for o in orders],
                         # the first name under its point, the others above theirs: clear of the dash-dot lines
                         # below the 5-gram, and of each other on a phone's narrow axis
                         textposition=["bottom center" if o == orders[0] else "top center" for o in orders],
                         marker=dict(color=NGRAM_COLOR, size=9, symbol="diamond"),
                         textfont=dict(color=NGRAM_COLOR),
                         hovertemplate="%{customdata}: %{x} characters of history<br>%{y:.3f} bits per character"
                                       "<extra></extra>"))
    # The legend's key to the dash-dot lines (shapes have no legend entry of their own).
    data.append(dict(type="scatter", x=[None], y=[None], mode="lines", name="everything read",
                     line=dict(color=NEUTRAL, dash="dashdot", width=1.5), hoverinfo="skip"))
    ticks = [k for k in (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024) if k <= max(ks)]
    zoomed = [k for k in ks if k >= zoom_from]
    layout = dict(height=height, margin=dict(l=10, r=10, t=30, b=10), shapes=shapes,
                  xaxis=dict(type="log", tickvals=ticks, anchor="y",
                             title=dict(text="k: characters the model may see (log scale)")),
                  yaxis=dict(domain=[0.45, 1], anchor="x", title=dict(text=measure)),
                  legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0))
    if len(zoomed) >= 2:
        index = [list(ks).index(k) for k in zoomed]
        for kind, values in bits.items():
            data.append(dict(type="scatter", x=zoomed, y=[float(values[i]) for i in index], mode="lines+markers",
                             name=CELL_NAMES[kind], legendgroup=kind, showlegend=False,
                             line=dict(color=CELL_COLORS[kind], dash=CELL_DASHES[kind], width=2.5),
                             marker=dict(size=6), xaxis="x2", yaxis="y2",
                             hovertemplate="last %{x} characters<br>%{y:.3f} bits per character"
                                           "<extra>%{fullData.name}</extra>"))
        shapes += [full_line(value, kind, "2") for kind, value in full.items()]
        shown = [float(values[i]) for values in bits.values() for i in index] + [float(v) for v in full.values()]
        pad = max(0.01, 0.1 * (max(shown) - min(shown)))
        layout.update(
            xaxis2=dict(type="log", anchor="y2", tickvals=[k for k in ticks if k >= zoom_from],
                        range=[np.log10(zoomed[0]) - 0.05, np.log10(zoomed[-1]) + 0.05]),
            yaxis2=dict(domain=[0, 0.25], anchor="x2", range=[min(shown) - pad, max(shown) + pad], nticks=4,
                        title=dict(text="zoom")),
            annotations=[dict(text=f"zoom: k from {zoomed[0]} to {zoomed[-1]}", x=0, xref="x2 domain",
                              xanchor="left", y=1, yref="y2 domain", yanchor="bottom", showarrow=False)])
        layout["xaxis"]["title"] = None
        layout["xaxis2"]["title"] = dict(text="k: characters the model may see (log scale)")
    if marked is not None:
        shapes.append(dict(type="line", x0=marked, x1=marked, y0=0, y1=1, yref="y domain",
                           line=dict(color=COLORS["output"], width=2)))
        if len(zoomed) >= 2 and marked >= zoomed[0]:
            shapes.append(dict(type="line", x0=marked, x1=marked, y0=0, y1=1, xref="x2", yref="y2 domain",
                               line=dict(color=COLORS["output"], width=2)))
    return lean_figure(data, layout)

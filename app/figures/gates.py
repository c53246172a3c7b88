"""Figures for the gated-cell lessons: the cell drawn as books draw it beside its faucets, gate heatmaps,
the gradient highway, the three cells compared.

Pure functions: a trace (or arrays from rnn_core) in, a plotly Figure out, assembled from plain dicts
(common.lean_figure): Plotly's per-property validation of one frame per step made a drawing about 50
times slower to build. Builders take array indices (``step`` = t - 1, ``unit`` = j - 1) and show steps
1..T and units 1..H.

The cell figure (``lstm_cell_figure``, ``gru_cell_figure``) is one Plotly figure with two drawings of one
unit, animated together, one frame per step (at most MAX_FRAMES steps around the chosen one; Play / Pause
and a step slider run in the browser, with no Streamlit rerun):

- the standard diagram (Olah 2015): the gates as boxes (sigmoid or tanh) with this step's values, the
  state line along the top, the elementwise products and the sum as nodes;
- the faucets: a pipe carries a value, the coloured stream's thickness is |value| (full pipe = the largest
  |value| of the unit, at least 1) and its colour its sign (the ends of theme.DIVERGING, labelled + and -);
  a valve is a pair of plates across the pipe in its gate's colour, the gap between them the gate's value
  (0 shut, 1 open), written beside it as a percentage;

and, under them, the equation of the highlighted gate or state with this step's numbers. The highlighted
part is outlined in both drawings; each gate's box and valve carries its name in ``customdata`` so that a
click on it can choose the highlight (st.plotly_chart's on_select).
"""

from __future__ import annotations

import numpy as np

from app.theme import (COLORS, DIVERGING, GATE_NAMES, LABEL_BACKGROUND, NAMES, ON_LIGHT, OUTLINE, PALE, PIPE_WALL,
                       TEXT, TRANSPARENT)

from rnn_core.gated import step_values

from .common import animation_controls, decade_ticks, lean_figure, subplot_layout

POSITIVE, NEGATIVE = DIVERGING[-1][1], DIVERGING[0][1]
PIPE = 0.7                 # inner diameter of every pipe, in drawing units
WALL = PIPE_WALL
VALVE = 0.2                # half-thickness of a valve plate
FRAME_MS = 700
MAX_FRAMES = 20            # a cell figure animates at most this many steps, around the chosen one
ANIMATION_PREFIX = "animation at step t = "   # the drawing's own slider: not the page's Step t control
LOG10_FLOOR, LOG10_CEILING = -30.0, 30.0   # the highway plots clip here, with a note
LABEL, VALUE, EQUATION = 12, 13, 14        # font sizes (px) of labels, values and the equation line
HIGHLIGHT = 5                              # line width of the highlighted part (in its own colour: both themes)
MINUS = "−"

# ---------------------------------------------------------------------------- drawing bits


def _rect(x0, x1, y0, y1):
    return [x0, x1, x1, x0, x0, None], [y0, y0, y1, y1, y0, None]


def _stream(seg, value, scale):
    """The coloured stream in a straight pipe segment ((x0, y0), (x1, y1)), thickness ~ |value|."""
    (x0, y0), (x1, y1) = seg
    half = 0.5 * PIPE * min(abs(value) / scale, 1.0)
    if y0 == y1:
        return _rect(min(x0, x1), max(x0, x1), y0 - half, y0 + half)
    return _rect(x0 - half, x0 + half, min(y0, y1), max(y0, y1))


def _valve(center, opening, vertical_pipe):
    """Two plates across a pipe leaving a gap of opening * PIPE at the pipe's axis."""
    x, y = center
    shut = 0.5 * PIPE * (1.0 - float(np.clip(opening, 0.0, 1.0)))
    r, w = 0.5 * PIPE, VALVE
    if vertical_pipe:   # plates come in from the left and right walls
        a = _rect(x - r, x - r + shut, y - w, y + w)
        b = _rect(x + r - shut, x + r, y - w, y + w)
    else:               # plates come down from the top wall and up from the bottom wall
        a = _rect(x - w, x + w, y + r - shut, y + r)
        b = _rect(x - w, x + w, y - r, y - r + shut)
    return a[0] + b[0], a[1] + b[1]


def _merge(polys):
    xs, ys = [], []
    for x, y in polys:
        xs += x
        ys += y
    return xs, ys


def _signed(v):
    """A value as the drawings write it: 3 decimals, a real minus sign."""
    return f"{v:.3f}".replace("-", MINUS)


def _short(v):
    """A state's value in a drawing's label: 2 decimals, a real minus sign."""
    return f"{v:.2f}".replace("-", MINUS)


def _term(v):
    """A value inside a sum: negatives in parentheses."""
    return f"({_signed(v)})" if v < 0 else _signed(v)


def percent(v):
    """A gate's value as a percentage, for a sentence or a label: whole percents, with more decimals near 0% and
    100%, so that a gate that is not shut or open reads neither 0% nor 100% (0.998 is 99.8%, not 100%)."""
    p = 100 * float(v)
    for decimals in range(4):
        text = f"{p:.{decimals}f}"
        if 0 < float(text) < 100 or p in (0.0, 100.0):
            return text
    return "more than 99.99" if p > 50 else "less than 0.01"


def _pct(v):
    return f"{percent(v)}% open"


def _font(size, color=TEXT, bold=False):
    """Font properties; a colour of None (theme.TEXT) is left out, so the page theme's text colour applies."""
    font = dict(size=size) if color is None else dict(size=size, color=color)
    if bold:
        font["weight"] = "bold"
    return font


def frame_window(T: int, step: int, limit: int = MAX_FRAMES) -> range:
    """The step indices that get an animation frame: at most `limit` consecutive steps, `step` among them
    (centred on it where the sequence allows). Long sequences stay light for the browser."""
    first = min(max(step - limit // 2, 0), max(T - limit, 0))
    return range(first, min(first + limit, T))


class _Drawing:
    """Static parts of one drawing (shapes, labels, nodes, click targets) on one pair of axes."""

    def __init__(self, xref, yref):
        self.xref, self.yref = xref, yref
        self.lines = {}                   # (colour, width, dash) -> one SVG path of many segments: fewer shapes
        self.boxes, self.notes = [], []
        self.nodes = {"x": [], "y": [], "symbol": []}
        self.targets = {"x": [], "y": [], "customdata": [], "hovertext": []}

    def path(self, points, color=WALL, width=2, dash=None):
        """A polyline, merged with the drawing's other lines of the same style into one path shape."""
        self.lines.setdefault((color, width, dash), []).append("M " + " L ".join(f"{x:g},{y:g}" for x, y in points))

    @property
    def shapes(self):
        """The lines (below), then boxes and everything else, in the order they were drawn."""
        lines = [dict(type="path", path=" ".join(paths), line=dict(color=color, width=width, **({"dash": dash} if dash
                                                                                              else {})),
                      xref=self.xref, yref=self.yref, layer="below")
                 for (color, width, dash), paths in self.lines.items()]
        return lines + self.boxes

    def box(self, x, y, w, h, color, highlighted=False, fill=LABEL_BACKGROUND, rounded=False):
        shape = dict(type="rect", x0=x - w / 2, x1=x + w / 2, y0=y - h / 2, y1=y + h / 2, xref=self.xref,
                     yref=self.yref, line=dict(color=color, width=HIGHLIGHT if highlighted else 2),
                     fillcolor=fill, layer="below")
        if rounded:
            shape["type"], shape["x0"], shape["x1"], shape["y0"], shape["y1"] = "circle", x - w / 2, x + w / 2, \
                y - h / 2, y + h / 2
        self.boxes.append(shape)

    def label(self, x, y, text, size=LABEL, color=ON_LIGHT, anchor="center", bold=False):
        self.notes.append(dict(x=x, y=y, text=text, showarrow=False, xref=self.xref, yref=self.yref,
                               xanchor=anchor, font=_font(size, color, bold)))

    def node(self, x, y, symbol):
        self.nodes["x"].append(x)
        self.nodes["y"].append(y)
        self.nodes["symbol"].append(symbol)

    def target(self, x, y, name, what):
        self.targets["x"].append(x)
        self.targets["y"].append(y)
        self.targets["customdata"].append(name)
        self.targets["hovertext"].append(f"{what}: click to highlight")

    def traces(self):
        """The nodes (products and sums, drawn over the lines) and the invisible click targets."""
        nodes = dict(type="scatter", x=self.nodes["x"], y=self.nodes["y"], mode="markers", hoverinfo="skip",
                     meta=dict(part=f"nodes {self.xref}"),
                     marker=dict(symbol=self.nodes["symbol"], size=20, color="white",
                                 line=dict(color=WALL, width=2)),
                     xaxis=self.xref, yaxis=self.yref, showlegend=False)
        targets = dict(type="scatter", mode="markers", marker=dict(size=34, color=TRANSPARENT), showlegend=False,
                       meta=dict(part=f"click targets {self.xref}"),
                       hovertemplate="%{hovertext}<extra></extra>", xaxis=self.xref, yaxis=self.yref,
                       unselected=dict(marker=dict(opacity=0)), selected=dict(marker=dict(opacity=0)),
                       **self.targets)
        return [nodes, targets]


def _text_trace(points, xref, yref, size, part):
    """One frame's labels: points (x, y, text, textposition); meta.part names them for tests."""
    return dict(type="scatter", meta=dict(part=part), x=[p[0] for p in points], y=[p[1] for p in points],
                text=[p[2] for p in points],
                textposition=[p[3] for p in points], mode="text", textfont=_font(size), hoverinfo="skip",
                showlegend=False, cliponaxis=False, xaxis=xref, yaxis=yref)


def _streams_and_valves(streams, valves, scale):
    """One frame's faucet traces, in a fixed order: streams +, streams -, one valve trace per gate."""
    pos = _merge([_stream(seg, v, scale) for seg, v in streams if v > 0])
    neg = _merge([_stream(seg, v, scale) for seg, v in streams if v < 0])
    data = [dict(type="scatter", x=pos[0], y=pos[1], fill="toself", fillcolor=POSITIVE, mode="none",
                 hoverinfo="skip", showlegend=False, xaxis="x2", yaxis="y2", meta=dict(part="streams +")),
            dict(type="scatter", x=neg[0], y=neg[1], fill="toself", fillcolor=NEGATIVE, mode="none",
                 hoverinfo="skip", showlegend=False, xaxis="x2", yaxis="y2", meta=dict(part="streams -"))]
    for gate, polys in valves:
        xs, ys = _merge(polys)
        data.append(dict(type="scatter", x=xs, y=ys, fill="toself", fillcolor=COLORS[gate], mode="lines",
                         line=dict(color=OUTLINE, width=1), hoverinfo="skip", showlegend=False,
                         xaxis="x2", yaxis="y2", meta=dict(part=f"valve {gate}")))
    return data


def _pipe_walls(drawing, seg, highlighted=False):
    """Two wall lines along a straight pipe segment, thicker when highlighted."""
    (x0, y0), (x1, y1) = seg
    r = 0.5 * PIPE
    color, width = (OUTLINE, HIGHLIGHT - 1) if highlighted else (WALL, 2)   # not in a colour the streams use
    if y0 == y1:
        lines = [((x0, y0 - r), (x1, y1 - r)), ((x0, y0 + r), (x1, y1 + r))]
    else:
        lines = [((x0 - r, y0), (x1 - r, y1)), ((x0 + r, y0), (x1 + r, y1))]
    for a, b in lines:
        drawing.path([a, b], color=color, width=width)


def _housing(drawing, center, gate, vertical_pipe, highlighted):
    """The valve's body: a box around the pipe in the gate's colour (static)."""
    x, y = center
    r, w = 0.5 * PIPE + 0.12, VALVE + 0.08
    dx, dy = (r, w) if vertical_pipe else (w, r)
    drawing.boxes.append(dict(type="rect", x0=x - dx, x1=x + dx, y0=y - dy, y1=y + dy, xref="x2", yref="y2",
                               line=dict(color=COLORS[gate], width=HIGHLIGHT if highlighted else 3),
                               fillcolor=TRANSPARENT, layer="below"))
    if highlighted:   # a translucent fill in the gate's colour: it shows on a light and a dark page alike
        drawing.boxes.append(dict(type="rect", x0=x - dx, x1=x + dx, y0=y - dy, y1=y + dy, xref="x2", yref="y2",
                                   line=dict(width=0), fillcolor=COLORS[gate], opacity=0.35, layer="below"))


def _scale(*arrays):
    return max(1.0, *(float(np.max(np.abs(a))) for a in arrays))


def _cell_layout(side_by_side, olah_range, faucet_range, height):
    """Axes of the two drawings (x/y: the diagram, x2/y2: the faucets, x3/y3: the equation line), each drawing
    kept at its aspect ratio: side by side for a projector, stacked (diagram above) for a screen or a phone."""
    if side_by_side:
        olah_domain, faucet_domain = ([0.0, 0.5], [0.2, 1.0]), ([0.52, 1.0], [0.2, 1.0])
        equation_domain = [0.0, 0.16]
    else:
        olah_domain, faucet_domain = ([0.0, 1.0], [0.56, 1.0]), ([0.0, 1.0], [0.15, 0.55])
        equation_domain = [0.0, 0.13]
    layout = dict(height=height, margin=dict(l=4, r=4, t=4, b=62 if side_by_side else 140), showlegend=False,
                  dragmode=False,
                  hovermode="closest", clickmode="event+select", plot_bgcolor=TRANSPARENT,
                  paper_bgcolor=TRANSPARENT)
    for suffix, (xd, yd), (xr, yr) in (("", olah_domain, olah_range), ("2", faucet_domain, faucet_range)):
        layout["xaxis" + suffix] = dict(domain=xd, range=list(xr), visible=False, fixedrange=True,
                                        constrain="domain")
        layout["yaxis" + suffix] = dict(domain=yd, range=list(yr), visible=False, fixedrange=True,
                                        scaleanchor="x" + suffix, scaleratio=1, constrain="domain")
    layout["xaxis3"] = dict(domain=[0.0, 1.0], range=[0, 1], visible=False, fixedrange=True)
    layout["yaxis3"] = dict(domain=equation_domain, range=[0, 1], visible=False, fixedrange=True)
    return layout


def _equation_trace(lines):
    """The highlighted part's equation with this step's numbers, under the drawings (two lines)."""
    return _text_trace([(0.5, 0.5, "<br>".join(lines), "middle center")], "x3", "y3", EQUATION, "equation")


def _animated(frames, steps, step, layout, static, side_by_side):
    """The figure drawn at `step` (an index), a frame per step of `steps` (named by step t, from 1), a step
    slider and Play / Pause buttons (beside the slider on a projector, under it otherwise, where a phone
    has room for both). `static` traces follow the animated ones and never change."""
    layout.update(animation_controls(len(frames), active=step - steps.start, first=steps.start + 1,
                                     frame_ms=FRAME_MS, prefix=ANIMATION_PREFIX, y=-0.02,
                                     slider_x=0.14 if side_by_side else 0.0, button_pad=dict(t=4, r=8)))
    if not side_by_side:
        plot_height = layout["height"] - layout["margin"]["t"] - layout["margin"]["b"]
        layout["updatemenus"][0].update(y=-104 / plot_height, pad=dict(t=0, r=8))   # under the slider's labels
    return lean_figure(frames[step - steps.start] + static, layout,
                       [dict(name=str(t + 1), data=[_moving(trace) for trace in data])
                        for t, data in zip(steps, frames)])


def _moving(trace):
    """What a frame carries of an animated trace: its type and only what changes from step to step (the outlines
    of streams and valves, the labels' text); Plotly keeps the rest of the trace as the figure draws it."""
    return {key: trace[key] for key in ("type", "x", "y", "text")
            if key in trace and key not in STILL.get(trace["mode"], ())}


STILL = {"text": ("x", "y")}   # labels move their words, never their places


def _frame(streams, valves, scale, faucet_text, olah_text, equation):
    """One step's animated traces: streams, valves, the two drawings' labels and the equation line."""
    return (_streams_and_valves(streams, valves, scale)
            + [_text_trace(faucet_text, "x2", "y2", VALUE, "faucet labels"),
               _text_trace(olah_text, "x", "y", VALUE, "diagram labels"), _equation_trace(equation)])


def _cell_figure(frames, steps, step, olah, faucet, ranges, side_by_side, height, series):
    """The cell figure from its frames and its two drawings' static parts (ranges: the drawings' axis ranges).

    series: (name, values at the animated steps) of the unit's gates and state, kept out of sight: they make the
    chart's data summary, which screen readers read (its accessible name). Like everything else in the figure they
    cover the animated steps only, so a longer sequence that animates the same steps gives the same figure, and
    the browser keeps the chart as it is instead of drawing it again.
    """
    olah_range, faucet_range = ranges
    layout = _cell_layout(side_by_side, (olah_range["x"], olah_range["y"]), (faucet_range["x"], faucet_range["y"]),
                          height or (460 if side_by_side else 820))
    layout["shapes"] = olah.shapes + faucet.shapes
    layout["annotations"] = olah.notes + faucet.notes
    hidden = [dict(type="scatter", name=name, x=np.arange(steps.start + 1, steps.stop + 1),
                   y=np.asarray(values)[steps.start:steps.stop], visible=False, showlegend=False, xaxis="x3",
                   yaxis="y3") for name, values in series]
    return _animated(frames, steps, step, layout, olah.traces() + faucet.traces() + hidden, side_by_side)


def _stream_key(drawing, x, y):
    """What the streams' colours mean, in words as well as colour (right-aligned at x)."""
    drawing.label(x, y, f"<span style='color:{POSITIVE}'>■</span> + positive   "
                        f"<span style='color:{NEGATIVE}'>■</span> {MINUS} negative", color=TEXT, anchor="right")


CELL_BODY = (0.4, 11.9, 0.3, 5.8)   # x0, x1, y0, y1 of the cell's outline in the standard diagrams


def _cell_body(drawing, left_gaps=(), right_gaps=(), bottom_end=None):
    """The cell's outline, faintly shaded (a translucent grey reads on a light and a dark page). The side walls
    break at `left_gaps` and `right_gaps` ((y0, y1) each), where a state's label runs across them; the bottom
    edge stops at x = `bottom_end` when a label runs across its right end."""
    x0, x1, y0, y1 = CELL_BODY
    drawing.boxes.append(dict(type="rect", x0=x0, x1=x1, y0=y0, y1=y1, xref=drawing.xref, yref=drawing.yref,
                               line=dict(width=0), fillcolor=OUTLINE, opacity=0.08, layer="below"))
    drawing.path([(x0, y0), (x1 if bottom_end is None else bottom_end, y0)], color=OUTLINE)
    drawing.path([(x0, y1), (x1, y1)], color=OUTLINE)
    for x, gaps in ((x0, left_gaps), (x1, right_gaps)):
        bottom = y0
        for gap_lo, gap_hi in sorted(gaps) + [(y1, y1)]:
            if gap_lo > bottom:
                drawing.path([(x, bottom), (x, gap_lo)], color=OUTLINE)
            bottom = max(bottom, gap_hi)


def _gate_box(drawing, x, y, name, function, highlighted, what, w=1.7, h=1.25):
    """A gate of the standard diagram: a box in the gate's colour with its function (sigma or tanh)."""
    drawing.box(x, y, w, h, COLORS[name], highlighted,
                fill=COLORS[name] if highlighted else LABEL_BACKGROUND)
    drawing.label(x, y + 0.3, function, size=LABEL, color=ON_LIGHT)
    drawing.target(x, y, name, what)


def _input_label(t, labels, s):
    """x_t and what it is: 'x_2: lunch', 'x_5 = 0.87', or just 'x_t' without labels."""
    if labels is None:
        return f"x<sub>{t}</sub>"
    label = str(labels[s])
    numeric = label.replace("-", "").replace(".", "").isdigit()
    return f"x<sub>{t}</sub> = {label.replace('-', MINUS)}" if numeric else f"x<sub>{t}</sub>: {label}"


def _box_value(x, y, name, value, highlighted):
    """This step's value in a gate's box (below its function): 'f 0.74'."""
    color = ON_LIGHT
    return (x, y - 0.28, f"<span style='color:{color}'><b>{name}</b> {value:.2f}</span>".replace("-", MINUS),
            "middle center")


# ---------------------------------------------------------------------------- LSTM

LSTM_HIGHLIGHTS = {"f": "f", "i": "i", "g": "g", "o": "o", "c": "c", "h": "h"}
LSTM_OLAH = dict(x=(-0.3, 13.0), y=(-0.75, 6.6))
LSTM_FAUCET = dict(x=(0.0, 12.6), y=(0.5, 7.6))
LSTM_BOXES = {"f": 2.3, "i": 4.3, "g": 6.3, "o": 8.3}      # x of each gate's box in the diagram
LSTM_PIPES = {
    "c_prev": ((0.3, 6.0), (2.8, 6.0)),     # c_{t-1} arrives
    "kept": ((3.2, 6.0), (5.6, 6.0)),       # f * c_{t-1} after the forget valve
    "c": ((6.3, 6.0), (12.3, 6.0)),         # c_t leaves for the next step
    "g": ((5.95, 1.55), (5.95, 2.9)),       # candidate g rises to the input valve
    "ig": ((5.95, 3.5), (5.95, 5.65)),      # i * g joins the cell pipe
    "tanh_c": ((9.3, 4.1), (9.3, 3.5)),     # tanh(c_t) leaves the tanh box
    "h": ((9.3, 2.9), (9.3, 1.55)),         # h_t = o * tanh(c_t) after the output valve
}
LSTM_VALVES = {"f": (3.0, 6.0), "i": (5.95, 3.2), "o": (9.3, 3.2)}


def _lstm_olah(highlight):
    """The standard LSTM diagram (static part)."""
    d = _Drawing("x", "y")
    box_y, base_y, c_y, ig_y, o_y = 2.2, 0.9, 5.0, 3.7, 2.2   # boxes clear of h_{t-1}'s label
    add_x, tanh_x, exit_x = LSTM_BOXES["g"], 10.3, 11.6
    _cell_body(d, left_gaps=[(3.9, 4.95), (0.95, 2.0)], right_gaps=[(5.0, 5.8), (0.3, 1.15)],
               bottom_end=10.2)                                                # the states' labels (on a phone too)
    c_line = dict(color=COLORS["cell_state"], width=HIGHLIGHT) if highlight == "c" else dict(color=WALL, width=3)
    d.path([(-0.2, c_y), (12.9, c_y)], **c_line)                                   # the cell state, on top
    d.path([(-0.2, base_y), (LSTM_BOXES["o"], base_y)])                           # [h_{t-1}, x_t]
    d.path([(1.0, -0.3), (1.0, base_y)])                                           # x_t comes in
    for name, x in LSTM_BOXES.items():
        d.path([(x, base_y), (x, box_y - 0.62)])
    d.path([(LSTM_BOXES["f"], box_y + 0.62), (LSTM_BOXES["f"], c_y)])              # f to the forget product
    d.path([(LSTM_BOXES["i"], box_y + 0.62), (LSTM_BOXES["i"], ig_y), (add_x, ig_y)])   # i to i * g
    d.path([(add_x, box_y + 0.62), (add_x, c_y)])                                  # g to i * g, then to the sum
    d.path([(tanh_x, c_y), (tanh_x, o_y)])                                         # c_t to tanh, to o * tanh
    d.path([(LSTM_BOXES["o"] + 0.85, o_y), (tanh_x, o_y)])                         # o to o * tanh(c_t)
    h_line = dict(color=COLORS["hidden"], width=HIGHLIGHT) if highlight == "h" else {}
    d.path([(tanh_x, o_y), (exit_x, o_y), (exit_x, base_y), (12.9, base_y)], **h_line)   # h_t leaves
    d.box(tanh_x, 3.75, 1.4, 0.62, COLORS["cell_state"], rounded=True)
    d.label(tanh_x, 3.75, "tanh")
    for name, function in (("f", "σ"), ("i", "σ"), ("g", "tanh"), ("o", "σ")):
        _gate_box(d, LSTM_BOXES[name], box_y, name, function, highlight == name, GATE_NAMES[name])
    for x, y, symbol in ((LSTM_BOXES["f"], c_y, "circle-x"), (add_x, ig_y, "circle-x"), (add_x, c_y, "circle-cross"),
                         (tanh_x, o_y, "circle-x")):
        d.node(x, y, symbol)
    d.target(8.0, c_y, "c", "cell state c")
    d.target(exit_x, 1.5, "h", "hidden state h")
    return d


def _titles(olah, faucet, unit, what):
    """The two drawings' titles, each naming the unit."""
    olah.label(-0.3, 6.25, f"<b>standard diagram</b> of unit j = {unit + 1} ({what})", color=TEXT, anchor="left")
    faucet.label(0.0, 7.3, f"<b>faucets</b> of unit j = {unit + 1}", color=TEXT, anchor="left")


def _lstm_faucet(highlight):
    """The LSTM's faucets (static part)."""
    d = _Drawing("x2", "y2")
    for name, seg in LSTM_PIPES.items():
        lit = {"c": ("c_prev", "kept", "c"), "h": ("h",), "g": ("g",)}.get(highlight, ())
        _pipe_walls(d, seg, highlighted=name in lit)
    for x0, x1, y0, y1, text, concept in ((5.35, 6.55, 0.75, 1.55, "g", "g"),
                                          (8.7, 9.9, 4.1, 4.75, "tanh", "cell_state"),
                                          (8.55, 10.05, 0.75, 1.55, "h<sub>t</sub>", "hidden")):
        d.box((x0 + x1) / 2, (y0 + y1) / 2, x1 - x0, y1 - y0, COLORS[concept],
              highlighted=(highlight == "g" and concept == "g") or (highlight == "h" and concept == "hidden"))
        d.label((x0 + x1) / 2, (y0 + y1) / 2, text)
    d.boxes.append(dict(type="circle", x0=5.6, x1=6.3, y0=5.65, y1=6.35, line=dict(color=WALL, width=2),
                         xref="x2", yref="y2", fillcolor=LABEL_BACKGROUND))
    d.label(5.95, 6.0, "+", size=16)
    d.path([(9.3, 5.65), (9.3, 4.75)], dash="dot")
    for name, center in LSTM_VALVES.items():
        _housing(d, center, name, vertical_pipe=(name != "f"), highlighted=highlight == name)
        d.target(*center, name, GATE_NAMES[name])
    d.target(9.3, 1.15, "h", "hidden state h")
    d.label(5.0, 1.15, "candidate", anchor="right", color=TEXT)
    return _faucet_ends(d, "c", "cell state c", (5.95, 1.15, "g"))


def _faucet_ends(d, state, what, candidate):
    """The state pipe's ends named, click targets on the state pipe and the candidate, the stream key."""
    x, y, name = candidate
    d.target(x, y, name, f"candidate {name}")
    d.target(10.5, 6.0, state, what)
    d.label(0.3, 6.65, f"{state}<sub>t−1</sub>", anchor="left", color=TEXT)
    d.label(12.3, 6.65, f"{state}<sub>t</sub> →", anchor="right", color=TEXT)
    _stream_key(d, 12.6, 7.3)
    return d


def _lstm_equation(name, t, v):
    """Two lines: the highlighted part's equation, and its numbers at step t (1-based) for one unit."""
    if name in "ifgo":
        fn = "tanh" if name == "g" else "σ"
        return [f"{name}<sub>{t}</sub> = {fn}(W<sub>i{name}</sub>x<sub>{t}</sub> + b<sub>i{name}</sub> + "
                f"W<sub>h{name}</sub>h<sub>{t - 1}</sub> + b<sub>h{name}</sub>)",
                f"= {fn}({_term(v['a_' + name])} + {_term(v['u_' + name])}) = {_signed(v[name])}"]
    if name == "c":
        return [f"c<sub>{t}</sub> = f<sub>{t}</sub> ⊙ c<sub>{t - 1}</sub> + i<sub>{t}</sub> ⊙ g<sub>{t}</sub>",
                f"= {_signed(v['f'])} · {_term(v['c_prev'])} + {_signed(v['i'])} · {_term(v['g'])} = "
                f"{_signed(v['c'])}"]
    return [f"h<sub>{t}</sub> = o<sub>{t}</sub> ⊙ tanh(c<sub>{t}</sub>)",
            f"= {_signed(v['o'])} · tanh({_signed(v['c'])}) = {_signed(v['o'])} · {_term(v['tanh_c'])} = "
            f"{_signed(v['h'])}"]


def lstm_cell_figure(trace, unit=0, step=0, highlight="f", labels=None, side_by_side=False, height=None):
    """One LSTM unit drawn twice, the standard diagram and the faucets, one frame per step, the highlighted
    gate or state ("i", "f", "g", "o", "c", "h") outlined in both and its equation written out under them.

    trace: an LSTM Trace of one sequence; unit, step: indices (unit j = unit + 1, step t = step + 1);
    labels: optional per-step input labels; side_by_side: the projector's layout (else stacked).
    """
    i, f, g, o = (np.asarray(trace.gates[k])[:, unit] for k in ("i", "f", "g", "o"))
    c, h = np.asarray(trace.c)[:, unit], np.asarray(trace.h)[:, unit]
    c_prev = np.concatenate([np.asarray(trace.c0)[None, unit], c[:-1]])
    h_prev = np.concatenate([np.asarray(trace.h0)[None, unit], h[:-1]])
    T = len(c)
    scale = _scale(c, c_prev)
    olah, faucet = _lstm_olah(highlight), _lstm_faucet(highlight)
    _titles(olah, faucet, unit, "Olah 2015")
    frames = []
    steps = frame_window(T, step)
    for s in steps:
        t = s + 1
        p = LSTM_PIPES
        streams = [(p["c_prev"], c_prev[s]), (p["kept"], f[s] * c_prev[s]), (p["c"], c[s]), (p["g"], g[s]),
                   (p["ig"], i[s] * g[s]), (p["tanh_c"], np.tanh(c[s])), (p["h"], h[s])]
        valves = [(k, [_valve(LSTM_VALVES[k], v, vertical_pipe=(k != "f"))]) for k, v in
                  (("f", f[s]), ("i", i[s]), ("o", o[s]))]
        values = {"i": i[s], "f": f[s], "g": g[s], "o": o[s]}
        olah_text = [_box_value(LSTM_BOXES[k], 2.2, k, values[k], highlight == k) for k in "figo"]
        olah_text += [(-0.2, 4.85, f"c<sub>{t - 1}</sub> = {_short(c_prev[s])}", "bottom right"),
                      (12.9, 5.14, f"c<sub>{t}</sub> = {_short(c[s])}", "top left"),
                      (12.9, 0.75, f"h<sub>{t}</sub> = {_short(h[s])}", "bottom left"),
                      (-0.2, 1.0, f"h<sub>{t - 1}</sub> = {_short(h_prev[s])}", "top right"),   # clear of the lines
                      (1.2, -0.45, _input_label(t, labels, s), "middle right")]
        faucet_text = [(3.0, 5.05, f"<b>f</b> {_pct(f[s])}", "middle center"),
                       (5.3, 3.2, f"<b>i</b> {_pct(i[s])}", "middle left"),     # a gap to the faucets' boxes
                       (9.95, 3.2, f"<b>o</b> {_pct(o[s])}", "middle right")]
        frames.append(_frame(streams, valves, scale, faucet_text, olah_text,
                             _lstm_equation(highlight, t, step_values(trace, s, unit))))
    series = [(f"{GATE_NAMES[k]} {k} of unit {unit + 1}", v) for k, v in (("f", f), ("i", i), ("o", o))]
    return _cell_figure(frames, steps, step, olah, faucet, (LSTM_OLAH, LSTM_FAUCET), side_by_side, height,
                        series + [(f"cell state c of unit {unit + 1}", c)])


# ---------------------------------------------------------------------------- GRU

GRU_HIGHLIGHTS = {"z": "z", "r": "r", "n": "n", "h": "h"}
GRU_OLAH = dict(x=(-0.3, 13.0), y=(-0.75, 6.6))
GRU_FAUCET = dict(x=(0.0, 12.6), y=(0.5, 7.6))
GRU_BOXES = {"r": 2.4, "z": 8.0, "n": 10.4}
GRU_PIPES = {
    "h_prev": ((0.3, 6.0), (4.5, 6.0)),     # h_{t-1} arrives
    "kept": ((4.9, 6.0), (7.65, 6.0)),      # z * h_{t-1} after the mixing valve
    "h": ((8.35, 6.0), (12.3, 6.0)),        # h_t leaves for the next step
    "old": ((1.6, 5.65), (1.6, 4.75)),      # h_{t-1} goes down to W_hn
    "u_n": ((1.6, 4.1), (1.6, 3.25)),       # W_hn h_{t-1} + b_hn, before the reset valve
    "r_u": ((1.6, 2.65), (1.6, 1.55)),      # r * (W_hn h_{t-1} + b_hn), into the candidate
    "n": ((8.0, 1.55), (8.0, 3.45)),        # candidate n rises to the mixing valve
    "write": ((8.0, 4.05), (8.0, 5.65)),    # (1 - z) * n joins the state pipe
}
GRU_VALVES = {"z_keep": (4.7, 6.0), "r": (1.6, 2.95), "z_write": (8.0, 3.75)}


def _gru_olah(highlight):
    """The standard GRU diagram (static part), with PyTorch's reset gate: r * (W_hn h_{t-1} + b_hn)."""
    d = _Drawing("x", "y")
    box_y, base_y, h_y, mix_y = 2.1, 0.9, 5.0, 3.9
    keep_x, add_x, one_minus_x, reset_x = GRU_BOXES["z"], GRU_BOXES["n"], 9.2, 5.4
    _cell_body(d, left_gaps=[(5.0, 5.8)], right_gaps=[(5.0, 5.8)])   # the states' labels
    h_line = dict(color=COLORS["hidden"], width=HIGHLIGHT) if highlight == "h" else dict(color=WALL, width=3)
    d.path([(-0.2, h_y), (12.9, h_y)], **h_line)                                   # the hidden state, on top
    d.path([(0.5, h_y), (0.5, base_y), (keep_x, base_y)])                          # h_{t-1} down, with x_t
    d.path([(1.3, -0.3), (1.3, base_y)])                                           # x_t comes in
    for name in ("r", "z"):
        d.path([(GRU_BOXES[name], base_y), (GRU_BOXES[name], box_y - 0.62)])
    d.path([(keep_x, box_y + 0.62), (keep_x, h_y)])                                # z to z * h_{t-1}
    d.path([(keep_x, mix_y), (add_x, mix_y)])                                      # z to 1 - z, to (1 - z) * n
    d.path([(add_x, box_y + 0.62), (add_x, h_y)])                                  # n to (1 - z) * n, to the sum
    d.path([(reset_x, h_y), (reset_x, 3.3)])                                       # h_{t-1} to W_hn
    d.path([(reset_x, 2.7), (reset_x, 0.35), (add_x, 0.35), (add_x, box_y - 0.62)])   # r * (...) to n
    d.path([(GRU_BOXES["r"] + 0.85, box_y), (reset_x, box_y)])                     # r to the reset product
    d.box(reset_x, 3.0, 2.3, 0.6, COLORS["hidden"])
    d.label(reset_x, 3.0, "W<sub>hn</sub>h + b<sub>hn</sub>")
    d.boxes.append(dict(type="circle", x0=one_minus_x - 0.38, x1=one_minus_x + 0.38, y0=mix_y - 0.32,
                         y1=mix_y + 0.32, xref="x", yref="y", line=dict(color=WALL, width=2),
                         fillcolor=LABEL_BACKGROUND))
    d.label(one_minus_x, mix_y, "1−")
    d.label(add_x - 0.1, -0.3, "+ W<sub>in</sub>x<sub>t</sub> + b<sub>in</sub>", anchor="right", color=TEXT)
    for name, function in (("r", "σ"), ("z", "σ"), ("n", "tanh")):
        _gate_box(d, GRU_BOXES[name], box_y, name, function, highlight == name, GATE_NAMES[name])
    for x, y, symbol in ((keep_x, h_y, "circle-x"), (add_x, h_y, "circle-cross"), (add_x, mix_y, "circle-x"),
                         (reset_x, box_y, "circle-x")):
        d.node(x, y, symbol)
    d.target(11.8, h_y, "h", "hidden state h")
    return d


def _gru_faucet(highlight):
    """The GRU's faucets (static part)."""
    d = _Drawing("x2", "y2")
    for name, seg in GRU_PIPES.items():
        lit = {"h": ("h_prev", "kept", "h"), "n": ("n",)}.get(highlight, ())
        _pipe_walls(d, seg, highlighted=name in lit)
    for x0, x1, y0, y1, text, concept in (
            (0.5, 2.7, 4.1, 4.75, "W<sub>hn</sub>h + b<sub>hn</sub>", "hidden"),
            (1.0, 8.9, 0.75, 1.55, "candidate n = tanh(W<sub>in</sub>x<sub>t</sub> + b<sub>in</sub> + r ⊙ (…))",
             "n")):
        d.box((x0 + x1) / 2, (y0 + y1) / 2, x1 - x0, y1 - y0, COLORS[concept],
              highlighted=highlight == "n" and concept == "n")
        d.label((x0 + x1) / 2, (y0 + y1) / 2, text)
    d.boxes.append(dict(type="circle", x0=7.65, x1=8.35, y0=5.65, y1=6.35, line=dict(color=WALL, width=2),
                         xref="x2", yref="y2", fillcolor=LABEL_BACKGROUND))
    d.label(8.0, 6.0, "+", size=16)
    for key, center in GRU_VALVES.items():
        _housing(d, center, key[0], vertical_pipe=(key != "z_keep"), highlighted=highlight == key[0])
        d.target(*center, key[0], GATE_NAMES[key[0]])
    return _faucet_ends(d, "h", "hidden state h", (5.0, 1.15, "n"))


def _gru_equation(name, t, v):
    """Two lines: the highlighted part's equation (PyTorch's), and its numbers at step t for one unit."""
    if name in "rz":
        return [f"{name}<sub>{t}</sub> = σ(W<sub>i{name}</sub>x<sub>{t}</sub> + b<sub>i{name}</sub> + "
                f"W<sub>h{name}</sub>h<sub>{t - 1}</sub> + b<sub>h{name}</sub>)",
                f"= σ({_term(v['a_' + name])} + {_term(v['u_' + name])}) = {_signed(v[name])}"]
    if name == "n":
        return [f"n<sub>{t}</sub> = tanh(W<sub>in</sub>x<sub>{t}</sub> + b<sub>in</sub> + r<sub>{t}</sub> ⊙ "
                f"(W<sub>hn</sub>h<sub>{t - 1}</sub> + b<sub>hn</sub>))",
                f"= tanh({_term(v['a_n'])} + {_signed(v['r'])} · {_term(v['u_n'])}) = {_signed(v['n'])}"]
    return [f"h<sub>{t}</sub> = (1 − z<sub>{t}</sub>) ⊙ n<sub>{t}</sub> + z<sub>{t}</sub> ⊙ h<sub>{t - 1}</sub>",
            f"= {_signed(1 - v['z'])} · {_term(v['n'])} + {_signed(v['z'])} · {_term(v['h_prev'])} = "
            f"{_signed(v['h'])}"]


def gru_cell_figure(trace, unit=0, step=0, highlight="z", labels=None, side_by_side=False, height=None):
    """One GRU unit drawn twice, the standard diagram and the faucets (the update gate a mixing valve: z on the
    old state, 1 - z on the candidate; the reset gate on W_hn h + b_hn), one frame per step, the highlighted
    part ("r", "z", "n", "h") outlined in both and its equation written out under them."""
    r, z, n = (np.asarray(trace.gates[k])[:, unit] for k in ("r", "z", "n"))
    h = np.asarray(trace.h)[:, unit]
    h_prev = np.concatenate([np.asarray(trace.h0)[None, unit], h[:-1]])
    u_n = np.asarray(trace.extras["hidden_n"])[:, 0, unit]
    T = len(h)
    scale = _scale(h, h_prev, u_n)
    olah, faucet = _gru_olah(highlight), _gru_faucet(highlight)
    _titles(olah, faucet, unit, "after Olah 2015, PyTorch's form")
    frames, p = [], GRU_PIPES
    steps = frame_window(T, step)
    for s in steps:
        t = s + 1
        streams = [(p["h_prev"], h_prev[s]), (p["kept"], z[s] * h_prev[s]), (p["h"], h[s]),
                   (p["old"], h_prev[s]), (p["u_n"], u_n[s]), (p["r_u"], r[s] * u_n[s]),
                   (p["n"], n[s]), (p["write"], (1 - z[s]) * n[s])]
        valves = [("z", [_valve(GRU_VALVES["z_keep"], z[s], vertical_pipe=False),
                         _valve(GRU_VALVES["z_write"], 1 - z[s], vertical_pipe=True)]),
                  ("r", [_valve(GRU_VALVES["r"], r[s], vertical_pipe=True)])]
        values = {"r": r[s], "z": z[s], "n": n[s]}
        olah_text = [_box_value(GRU_BOXES[k], 2.1, k, values[k], highlight == k) for k in "rzn"]
        olah_text += [(-0.2, 5.08, f"h<sub>{t - 1}</sub> = {_short(h_prev[s])}", "top right"),
                      (12.9, 5.08, f"h<sub>{t}</sub> = {_short(h[s])}", "top left"),
                      (1.5, -0.45, _input_label(t, labels, s), "middle right")]
        faucet_text = [(4.7, 5.05, f"<b>z</b> keeps {percent(z[s])}%", "middle center"),
                       (8.55, 3.75, f"<b>1 − z</b><br>{_pct(1 - z[s])}", "middle right"),
                       (2.15, 2.95, f"<b>r</b> {_pct(r[s])}", "middle right")]
        frames.append(_frame(streams, valves, scale, faucet_text, olah_text,
                             _gru_equation(highlight, t, step_values(trace, s, unit))))
    series = [(f"{GATE_NAMES[k]} {k} of unit {unit + 1}", v) for k, v in (("z", z), ("r", r))]
    return _cell_figure(frames, steps, step, olah, faucet, (GRU_OLAH, GRU_FAUCET), side_by_side, height,
                        series + [(f"hidden state h of unit {unit + 1}", h)])


# ---------------------------------------------------------------------------- heatmaps

SIGNED = {"g", "n", "c", "h"}
TITLES = {"c": "c: cell state (unbounded)", "h": "h: hidden state"}
KEYS = {"c": "≤ −1 blue → ≥ +1 vermilion"}   # c's colours stop at ±1, c does not (two lines: a phone's width)


def _sequential(color):
    return [[0.0, PALE], [1.0, color]]


def gate_heatmaps(trace, names, unit=None, step=None, labels=None):
    """Time x unit heatmaps, one per name (gates from trace.gates, "c" and "h" states), steps 1..T across and
    units 1..H down.

    Gates (0 to 1) fade from white to their theme colour; signed values (g, n, c, h) use
    theme.DIVERGING on [-1, 1] (c is clipped there for colour only; hover shows the value). Each title
    names its colours in words. unit, step: indices (unit j = unit + 1, step t = step + 1) of the square
    outlined.
    """
    values = {name: np.asarray(trace.c if name == "c" else trace.h if name == "h" else trace.gates[name])
              for name in names}
    T, H = values[names[0]].shape
    cols = 2
    rows = (len(names) + 1) // cols
    titles = [(TITLES.get(n) or f"{n}: {GATE_NAMES[n]}") + "<br>" + KEYS.get(n, "−1 blue → +1 vermilion"
                                                                            if n in SIGNED else f"0 white → 1 {NAMES[n]}")
              for n in names]
    layout = subplot_layout(rows, cols, titles=tuple(titles), horizontal_spacing=0.06,
                            vertical_spacing=0.13 if rows > 2 else 0.19)
    steps = list(range(1, T + 1))
    text = [[f"{labels[t]}" for t in range(T)] for _ in range(H)] if labels is not None else None
    data, shapes = [], []
    for k, name in enumerate(names):
        row, col = k // cols + 1, k % cols + 1
        suffix = "" if k == 0 else str(k + 1)      # subplot k's axes: x, y, then x2, y2, ...
        v = values[name]
        signed = name in SIGNED
        colours = np.clip(v.T, -1, 1) if signed else v.T      # float32 is plenty for a colour; hover reads customdata
        heatmap = dict(type="heatmap", z=colours.astype(np.float32), customdata=v.T, x=steps,
                       y=list(range(1, H + 1)), zmin=-1 if signed else 0, zmax=1, showscale=False,
                       colorscale=DIVERGING if signed else _sequential(COLORS[name]),
                       hovertemplate=f"step t = %{{x}}<br>unit j = %{{y}}<br>{name} = %{{customdata:.4f}}"
                                     + ("<br>input %{text}" if text else "") + "<extra></extra>",
                       name=name, xaxis="x" + suffix, yaxis="y" + suffix)
        if text:
            heatmap["text"] = text
        data.append(heatmap)
        if step is not None and unit is not None:
            shapes.append(dict(type="rect", x0=step + 0.5, x1=step + 1.5, y0=unit + 0.5, y1=unit + 1.5,
                               line=dict(color=ON_LIGHT, width=2), xref="x" + suffix, yref="y" + suffix))
        yaxis = layout["yaxis" + suffix]
        if col == 1:
            yaxis["title"] = dict(text="unit j")
        yaxis.update(autorange="reversed", tickmode="linear" if H <= 16 else "auto")
        if row == rows or k + cols >= len(names):    # the lowest chart of its column: step labels
            layout["xaxis" + suffix]["title"] = dict(text="step t")
        else:                                        # the titles below would cover the tick labels
            layout["xaxis" + suffix]["showticklabels"] = False
    for k in range(len(names)):   # titles in the text colour: each names its colours in words
        layout["annotations"][k]["font"] = dict(size=13)
    if shapes:
        layout["shapes"] = shapes
    layout.update(height=205 * rows + 90, margin=dict(l=10, r=10, t=56, b=10))   # two-line titles
    return lean_figure(data, layout)


# ---------------------------------------------------------------------------- highway, gradients


def _clip_log10(values):
    """(clipped log10 values, how many were clipped, how many of those are exactly 0); nan (overflowed) counts as
    the ceiling, -inf (an exact 0) as the floor."""
    v = np.asarray(values, dtype=float)
    v = np.where(np.isnan(v), np.inf, v)
    clipped = int(np.sum((v < LOG10_FLOOR) | (v > LOG10_CEILING)))
    return np.clip(v, LOG10_FLOOR, LOG10_CEILING), clipped, int(np.sum(v == -np.inf))


def edge_note(clipped, zeros):
    """What the note over a log plot says about the values drawn at its edges: exact zeros named as such."""
    parts = []
    if zeros:
        parts.append(f"{zeros} value{'s' if zeros > 1 else ''} exactly 0 (no path at all) drawn at the bottom edge")
    if clipped > zeros:
        parts.append(f"{clipped - zeros} value{'s' if clipped - zeros > 1 else ''} beyond 10^±{LOG10_CEILING:.0f} "
                     "drawn at the edge (under- or overflow)")
    return "; ".join(parts)


def _log_lines(curves, title, x_title, data=()):
    """Layout and traces (after `data`) for curves: list of (name, log10 values, line dict, extra
    trace properties). Plot 10**clipped on a log axis."""
    data, total_clipped, total_zeros, lo, hi = list(data), 0, 0, 0.0, 0.0
    for name, log10_values, line, extra in curves:
        v, clipped, zeros = _clip_log10(log10_values)
        total_clipped += clipped
        total_zeros += zeros
        lo, hi = min(lo, float(v.min())), max(hi, float(v.max()))
        data.append(dict(type="scatter", x=np.arange(1, len(v) + 1), y=10.0 ** v, name=name, mode="lines",
                         line=line, customdata=np.asarray(log10_values, dtype=float),
                         hovertemplate="step t = %{x}<br>" + name + " = %{y:.3g}<extra></extra>", **extra))
    layout = dict(yaxis=dict(type="log", title=dict(text=title), range=[lo - 0.5, hi + 0.5],
                             **decade_ticks(lo - 0.5, hi + 0.5)),
                  xaxis=dict(title=dict(text=x_title)), height=440, margin=dict(l=10, r=10, t=50, b=10),
                  legend=dict(orientation="h", x=0, y=-0.24, xanchor="left", yanchor="top"))
    if total_clipped:
        layout["annotations"] = [dict(xref="paper", yref="paper", x=0, y=1.0, xanchor="left", yanchor="bottom",
                                      showarrow=False, font=dict(size=11, color=COLORS["gradient"]),
                                      text=edge_note(total_clipped, total_zeros))]
    return data, layout


def _one_percent(layout, level):
    """A dotted line at the level the lessons count "reach" by (1%), labelled, within the y range."""
    axis = layout["yaxis"]
    axis["range"] = [min(axis["range"][0], float(np.log10(level)) - 0.5), axis["range"][1]]
    axis.update(decade_ticks(*axis["range"]))
    layout.setdefault("shapes", []).append(dict(type="line", xref="paper", x0=0, x1=1, yref="y", y0=level,
                                                y1=level, line=dict(color=OUTLINE, width=1.5, dash="dot")))
    layout.setdefault("annotations", []).append(dict(xref="paper", x=1.0, yref="y", y=np.log10(level),
                                                     xanchor="right", yanchor="bottom", showarrow=False,
                                                     text=f"{100 * level:g}%", font=dict(size=12)))


def highway_figure(highway_log10, lstm_log10, rnn_log10, unit, level=0.01):
    """The cell-state path prod f (log scale) next to the full Jacobian norms of the LSTM and a tanh RNN, with
    a dotted line at `level`.

    highway_log10: (T, H) log10 d c_T / d c_t along the cell path (rnn_core.gated.log10_highway);
    lstm_log10, rnn_log10: (T,) log10 ||d state_T / d state_t|| (log10_jacobian_norms); unit: the index of
    unit j (j = unit + 1), drawn thick.
    """
    highway_log10 = np.asarray(highway_log10)
    H = highway_log10.shape[1]
    curves = []
    for k in range(H):
        if k != unit:
            curves.append((f"cell path, unit {k + 1}", highway_log10[:, k],
                           dict(color=COLORS["f"], width=1), dict(opacity=0.35, legendgroup="others",
                                                                  showlegend=False)))
    curves += [(f"cell path ∏f, unit {unit + 1}", highway_log10[:, unit], dict(color=COLORS["f"], width=4), {}),
               ("LSTM ‖∂[h;c]<sub>T</sub>/∂[h;c]<sub>t</sub>‖", lstm_log10,
                dict(color=COLORS["cell_state"], width=2.5, dash="dash"), {}),
               ("tanh RNN ‖∂h<sub>T</sub>/∂h<sub>t</sub>‖", rnn_log10, dict(color=COLORS["hidden"], width=2.5,
                                                                            dash="dot"), {})]
    legend_entry = [dict(type="scatter", x=[None], y=[None], mode="lines", line=dict(color=COLORS["f"], width=1),
                         opacity=0.35, name="cell path, other units", legendgroup="others")] if H > 1 else []
    data, layout = _log_lines(curves, "derivative size (log scale)", "step t (derivative of step T by step t)",
                              data=legend_entry)
    _one_percent(layout, level)
    layout["title"] = dict(text="How far back a change at step t still reaches the last step", font=dict(size=14))
    return lean_figure(data, layout)


def gradient_comparison_figure(log10_norms):
    """log10 ||d s_T / d s_t|| through time for each model in `log10_norms` ({"rnn": (T,), "lstm": ..., "gru":
    ...}, rnn_core.gated.log10_jacobian_norms): the state s is h for the tanh RNN and the GRU, [h; c] for the
    LSTM, the same measure as the highway figure's dashed and dotted lines."""
    styles = {"rnn": ("tanh RNN ‖∂h<sub>T</sub>/∂h<sub>t</sub>‖", COLORS["hidden"], "dot"),
              "lstm": ("LSTM ‖∂[h;c]<sub>T</sub>/∂[h;c]<sub>t</sub>‖", COLORS["cell_state"], "dash"),
              "gru": ("GRU ‖∂h<sub>T</sub>/∂h<sub>t</sub>‖", COLORS["z"], "solid")}
    curves = [(styles[kind][0], np.asarray(values, dtype=float), dict(color=styles[kind][1], width=3,
                                                                     dash=styles[kind][2]), {})
              for kind, values in log10_norms.items()]
    data, layout = _log_lines(curves, "derivative size (log scale)", "step t (derivative of step T by step t)")
    _one_percent(layout, 0.01)
    layout["title"] = dict(text="How far back a change at step t still reaches the last step", font=dict(size=14))
    return lean_figure(data, layout)

"""Figures for the gated-cell lessons: faucet drawings, gate heatmaps, the gradient highway.

Pure functions: a trace (or arrays from rnn_core) in, a plotly Figure out. The figures are
assembled from plain dicts (common.lean_figure): Plotly's per-property validation of one
frame per step made a faucet drawing about 50 times slower to build.

The faucet drawings are one Plotly figure with a frame per time step (at most MAX_FRAMES
steps around the chosen one), animated in the browser (Play / Pause and a step slider; no
Streamlit rerun). A pipe carries a value:
the coloured stream's thickness is |value| (full pipe = the largest |value| in the
trace, at least 1) and its colour is its sign (the ends of theme.DIVERGING: red-orange
positive, blue negative). A valve is a pair of plates across the pipe in its gate's
colour; the gap between them is the gate's value (0 shut, 1 open).
"""

from __future__ import annotations


import numpy as np

from app.theme import (COLORS, DIVERGING, GATE_NAMES, LABEL_BACKGROUND, NEUTRAL, ON_LIGHT, OUTLINE, PALE, PIPE_WALL, TEXT,
                       TRANSPARENT)

from .common import animation_controls, lean_figure, subplot_layout

POSITIVE, NEGATIVE = DIVERGING[-1][1], DIVERGING[0][1]
PIPE = 0.7                 # inner diameter of every pipe, in drawing units
WALL = PIPE_WALL
VALVE = 0.2              # half-thickness of a valve plate
FRAME_MS = 600
MAX_FRAMES = 40            # a faucet drawing animates at most this many steps, around the chosen one
LOG10_FLOOR, LOG10_CEILING = -30.0, 30.0   # the highway plots clip here, with a note

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


def _housing(center, gate, vertical_pipe):
    """The valve's body: a box around the pipe in the gate's colour (static)."""
    x, y = center
    r, w = 0.5 * PIPE + 0.1, VALVE + 0.06
    dx, dy = (r, w) if vertical_pipe else (w, r)
    return dict(type="rect", x0=x - dx, x1=x + dx, y0=y - dy, y1=y + dy, xref="x", yref="y",
                line=dict(color=COLORS[gate], width=3), fillcolor=TRANSPARENT)


def _pipe_walls(seg):
    """Two wall lines along a straight pipe segment, as layout shapes."""
    (x0, y0), (x1, y1) = seg
    r = 0.5 * PIPE
    if y0 == y1:
        lines = [(x0, y0 - r, x1, y1 - r), (x0, y0 + r, x1, y1 + r)]
    else:
        lines = [(x0 - r, y0, x1 - r, y1), (x0 + r, y0, x1 + r, y1)]
    return [dict(type="line", x0=a, y0=b, x1=c, y1=d, line=dict(color=WALL, width=2), xref="x", yref="y")
            for a, b, c, d in lines]


def _box(x0, x1, y0, y1, text, color):
    shape = dict(type="rect", x0=x0, x1=x1, y0=y0, y1=y1, line=dict(color=color, width=2),
                 fillcolor=LABEL_BACKGROUND, xref="x", yref="y")
    label = dict(x=(x0 + x1) / 2, y=(y0 + y1) / 2, text=text, showarrow=False, xref="x", yref="y",
                 font=dict(size=12, color=ON_LIGHT))
    return shape, label


def _font(size, color=TEXT):
    """Font properties; a colour of None (theme.TEXT) is left out, so the page theme's text colour applies."""
    return dict(size=size) if color is None else dict(size=size, color=color)


def _merge(polys):
    xs, ys = [], []
    for x, y in polys:
        xs += x
        ys += y
    return xs, ys


def _fmt(v):
    return f"{v:+.3f}"


def _pct(v):
    return f"{100 * v:.1f}% open"


def frame_window(T: int, step: int, limit: int = MAX_FRAMES) -> range:
    """The steps that get an animation frame: at most `limit` consecutive steps, `step` among them
    (centred on it where the sequence allows). Long sequences stay light for the browser."""
    first = min(max(step - limit // 2, 0), max(T - limit, 0))
    return range(first, min(first + limit, T))


def _animated(frames, steps, step, layout):
    """The figure drawn at `step`, a frame for each of `steps`, a step slider and Play / Pause buttons."""
    layout.update(animation_controls(len(frames), active=step - steps.start, first=steps.start, frame_ms=FRAME_MS,
                                     prefix="step t = ", y=-0.085, slider_x=0.14, button_pad=dict(t=4, r=8)))
    return lean_figure(frames[step - steps.start], layout,
                       [dict(name=str(t), data=data) for t, data in zip(steps, frames)])


def _faucet_layout(height, shapes, notes, H, unit, gates, markers):
    """The drawing (row 1, hidden axes) above the compact view of every unit (row 2)."""
    layout = subplot_layout(2, 1, row_heights=(0.74, 0.26), vertical_spacing=0.07)
    layout["xaxis"].update(visible=False, range=[0, 12], fixedrange=True)
    layout["yaxis"].update(visible=False, range=[0.2, 7.6], fixedrange=True)
    layout["xaxis2"].update(title=dict(text="unit (selected unit outlined)", standoff=2), range=[-0.5, H - 0.5],
                            tickmode="array", tickvals=list(range(H)), fixedrange=True)
    layout["yaxis2"].update(range=[-1.1, 1.1], fixedrange=True, zeroline=True, zerolinecolor=NEUTRAL,
                            title=dict(text="all units"))
    shapes = shapes + [dict(type="rect", x0=unit - 0.5, x1=unit + 0.5, y0=-1.1, y1=1.1, xref="x2", yref="y2",
                            line=dict(color=OUTLINE, width=2, dash="dot"), fillcolor=TRANSPARENT)]
    parts = [f"<span style='color:{COLORS[g]}'>■ {g}</span>" for g in gates]
    parts += [f"<span style='color:{COLORS[c]}'>{'◆' if s == 'diamond' else '●'} {n}</span>"
              for n, c, s in markers]
    notes = notes + [dict(xref="x2 domain", yref="y2 domain", x=1.0, y=1.0, xanchor="right", yanchor="bottom",
                          text="bars: gates (0 to 1)   markers: " + "  ".join(parts), showarrow=False,
                          font=dict(size=11))]
    layout.update(shapes=shapes, annotations=notes, height=height, margin=dict(l=10, r=10, t=10, b=120),
                  showlegend=False, plot_bgcolor=TRANSPARENT, paper_bgcolor=TRANSPARENT, barmode="group")
    return layout


def _units_panel(values, gates, markers):
    """Compact view of every unit at one step: bars for gates, markers for signed states."""
    H = len(values[gates[0]])
    units = list(range(H))
    data = [dict(type="bar", x=units, y=values[g], name=f"{g}: {GATE_NAMES[g]}", marker=dict(color=COLORS[g]),
                 xaxis="x2", yaxis="y2", showlegend=False, hovertemplate=f"unit %{{x}}<br>{g} = %{{y:.3f}}")
            for g in gates]
    for name, concept, symbol in markers:
        data.append(dict(type="scatter", x=units, y=values[name], mode="markers", name=name,
                         marker=dict(color=COLORS[concept], symbol=symbol, size=11,
                                     line=dict(color=OUTLINE, width=1)),
                         xaxis="x2", yaxis="y2", showlegend=False,
                         hovertemplate=f"unit %{{x}}<br>{name} = %{{y:.3f}}"))
    return data


def _key(scale):
    """Static text explaining the streams."""
    return dict(x=6.3, y=7.35, xref="x", yref="y", showarrow=False, font=dict(size=12),
                text=f"stream width = |value| (full pipe = {scale:.2f}): "
                     f"<span style='color:{POSITIVE}'>■ positive</span>  <span style='color:{NEGATIVE}'>■ negative</span>")


def _frame_data(streams, valves, texts, units, scale):
    """One frame's traces, in a fixed order: streams +/-, one valve trace per gate, text, units."""
    pos = _merge([_stream(seg, v, scale) for seg, v in streams if v > 0])
    neg = _merge([_stream(seg, v, scale) for seg, v in streams if v < 0])
    data = [dict(type="scatter", x=pos[0], y=pos[1], fill="toself", fillcolor=POSITIVE, mode="none",
                 hoverinfo="skip", showlegend=False),
            dict(type="scatter", x=neg[0], y=neg[1], fill="toself", fillcolor=NEGATIVE, mode="none",
                 hoverinfo="skip", showlegend=False)]
    for gate, polys in valves:
        xs, ys = _merge(polys)
        data.append(dict(type="scatter", x=xs, y=ys, fill="toself", fillcolor=COLORS[gate], mode="lines",
                         line=dict(color=OUTLINE, width=1), hoverinfo="skip", showlegend=False))
    data.append(dict(type="scatter", x=[p[0] for p in texts], y=[p[1] for p in texts], text=[p[2] for p in texts],
                     mode="text", textfont=_font(12), hoverinfo="skip", showlegend=False,
                     textposition=[p[3] for p in texts]))
    return data + units


def _scale(*arrays):
    return max(1.0, *(float(np.max(np.abs(a))) for a in arrays))


def _step_title(t, labels, unit):
    word = f" (input: {labels[t]})" if labels is not None else ""
    return (0.2, 7.35, f"<b>step t = {t}</b>{word}, unit {unit}", "middle right")


# ---------------------------------------------------------------------------- LSTM faucet

LSTM_PIPES = {
    "c_prev": ((0.3, 6.0), (2.8, 6.0)),     # c_{t-1} arrives
    "kept": ((3.2, 6.0), (5.6, 6.0)),       # f * c_{t-1} after the forget valve
    "c": ((6.3, 6.0), (11.7, 6.0)),         # c_t leaves for the next step
    "g": ((5.95, 1.55), (5.95, 2.9)),       # candidate g rises to the input valve
    "ig": ((5.95, 3.5), (5.95, 5.65)),      # i * g joins the cell pipe
    "tanh_c": ((9.3, 4.1), (9.3, 3.5)),     # tanh(c_t) leaves the tanh box
    "h": ((9.3, 2.9), (9.3, 1.55)),         # h_t = o * tanh(c_t) after the output valve
}
LSTM_VALVES = {"f": (3.0, 6.0), "i": (5.95, 3.2), "o": (9.3, 3.2)}


def lstm_faucet_figure(trace, unit=0, step=0, labels=None, height=640):
    """The LSTM as faucets for one unit, one frame per step, and every unit's gates below.

    trace: an LSTM Trace of one sequence. labels: optional per-step input labels.
    """
    i, f, g, o = (np.asarray(trace.gates[k])[:, unit] for k in ("i", "f", "g", "o"))
    c, h = np.asarray(trace.c), np.asarray(trace.h)
    c_prev = np.concatenate([np.asarray(trace.c0)[None], c[:-1]])[:, unit]
    T, H = c.shape
    scale = _scale(c[:, unit], c_prev)
    shapes, notes = [], []
    for seg in LSTM_PIPES.values():
        shapes += _pipe_walls(seg)
    for (x0, x1, y0, y1, text, color) in (
            (5.15, 6.75, 0.75, 1.55, "candidate g", COLORS["g"]),
            (8.7, 9.9, 4.1, 4.75, "tanh", COLORS["cell_state"]),
            (8.55, 10.05, 0.75, 1.55, "output h", COLORS["hidden"])):
        s, a = _box(x0, x1, y0, y1, text, color)
        shapes.append(s)
        notes.append(a)
    shapes.append(dict(type="circle", x0=5.6, x1=6.3, y0=5.65, y1=6.35, line=dict(color=WALL, width=2),
                       xref="x", yref="y"))
    shapes.append(dict(type="line", x0=9.3, x1=9.3, y0=5.65, y1=4.75, line=dict(color=WALL, width=2, dash="dot"),
                       xref="x", yref="y"))
    shapes += [_housing(LSTM_VALVES[k], k, vertical_pipe=(k != "f")) for k in LSTM_VALVES]
    notes += [_key(scale), dict(x=5.95, y=6.0, text="+", showarrow=False, font=dict(size=16), xref="x", yref="y"),
              dict(x=11.7, y=5.35, text="cell state c: memory →", showarrow=False, xanchor="right",
                   font=dict(size=12, color=COLORS["cell_state"]), xref="x", yref="y"),
              dict(x=0.3, y=0.45, text="gates i, f, o and the candidate g are computed from x<sub>t</sub> "
                   "and h<sub>t-1</sub>", showarrow=False, xanchor="left", font=_font(11),
                   xref="x", yref="y")]
    frames = []
    all_i, all_f, all_g, all_o = (np.asarray(trace.gates[k]) for k in ("i", "f", "g", "o"))
    steps = frame_window(T, step)
    for t in steps:
        p = LSTM_PIPES
        streams = [(p["c_prev"], c_prev[t]), (p["kept"], f[t] * c_prev[t]), (p["c"], c[t, unit]),
                   (p["g"], g[t]), (p["ig"], i[t] * g[t]), (p["tanh_c"], np.tanh(c[t, unit])), (p["h"], h[t, unit])]
        valves = [(k, [_valve(LSTM_VALVES[k], v, vertical_pipe=(k != "f"))]) for k, v in
                  (("f", f[t]), ("i", i[t]), ("o", o[t]))]
        texts = [_step_title(t, labels, unit),
                 (0.3, 6.65, f"c<sub>t-1</sub> = {_fmt(c_prev[t])}", "middle right"),
                 (3.0, 5.2, f"<b>forget f = {f[t]:.3f}</b><br>{_pct(f[t])}", "middle center"),
                 (3.3, 6.65, f"f·c<sub>t-1</sub> = {_fmt(f[t] * c_prev[t])}", "middle right"),
                 (6.5, 3.2, f"<b>input i = {i[t]:.3f}</b><br>{_pct(i[t])}", "middle right"),
                 (6.5, 2.2, f"g = {_fmt(g[t])}", "middle right"),
                 (6.5, 4.6, f"i·g = {_fmt(i[t] * g[t])}", "middle right"),
                 (7.2, 6.65, f"c<sub>t</sub> = {_fmt(c[t, unit])}", "middle right"),
                 (9.85, 3.8, f"tanh(c<sub>t</sub>) = {_fmt(np.tanh(c[t, unit]))}", "middle right"),
                 (9.85, 3.2, f"<b>output o = {o[t]:.3f}</b><br>{_pct(o[t])}", "middle right"),
                 (9.85, 2.2, f"h<sub>t</sub> = {_fmt(h[t, unit])}", "middle right")]
        units = _units_panel({"i": all_i[t], "f": all_f[t], "o": all_o[t], "g": all_g[t], "c": np.clip(c[t], -1.1, 1.1),
                              "h": h[t]}, ("i", "f", "o"), [("c", "cell_state", "diamond"), ("h", "hidden", "circle")])
        frames.append(_frame_data(streams, valves, texts, units, scale))
    layout = _faucet_layout(height, shapes, notes, H, unit, ("i", "f", "o"),
                            [("c (clipped to ±1.1)", "cell_state", "diamond"), ("h", "hidden", "circle")])
    return _animated(frames, steps, step, layout)


# ---------------------------------------------------------------------------- GRU faucet

GRU_PIPES = {
    "h_prev": ((0.3, 6.0), (4.5, 6.0)),     # h_{t-1} arrives
    "kept": ((4.9, 6.0), (7.65, 6.0)),      # z * h_{t-1} after the mixing valve
    "h": ((8.35, 6.0), (11.7, 6.0)),        # h_t leaves for the next step
    "old": ((1.6, 5.65), (1.6, 4.75)),      # h_{t-1} goes down to W_hn
    "u_n": ((1.6, 4.1), (1.6, 3.25)),       # W_hn h_{t-1} + b_hn, before the reset valve
    "r_u": ((1.6, 2.65), (1.6, 1.55)),      # r * (W_hn h_{t-1} + b_hn), into the candidate
    "n": ((8.0, 1.55), (8.0, 3.45)),        # candidate n rises to the mixing valve
    "write": ((8.0, 4.05), (8.0, 5.65)),    # (1 - z) * n joins the state pipe
}
GRU_VALVES = {"z_keep": (4.7, 6.0), "r": (1.6, 2.95), "z_write": (8.0, 3.75)}


def gru_faucet_figure(trace, unit=0, step=0, labels=None, height=640):
    """The GRU as faucets: the update gate mixes old state and candidate; the reset gate
    decides how much of the old state enters the candidate."""
    r, z, n = (np.asarray(trace.gates[k])[:, unit] for k in ("r", "z", "n"))
    h = np.asarray(trace.h)
    h_prev = np.concatenate([np.asarray(trace.h0)[None], h[:-1]])[:, unit]
    u_n = np.asarray(trace.extras["hidden_n"])[:, 0, unit]
    T, H = h.shape
    scale = _scale(h[:, unit], h_prev, u_n)
    shapes, notes = [], []
    for seg in GRU_PIPES.values():
        shapes += _pipe_walls(seg)
    for (x0, x1, y0, y1, text, color) in (
            (0.75, 2.45, 4.1, 4.75, "W<sub>hn</sub>h + b<sub>hn</sub>", COLORS["hidden"]),
            (1.0, 8.9, 0.75, 1.55, "candidate n = tanh(W<sub>in</sub>x<sub>t</sub> + b<sub>in</sub> + "
             "r·(W<sub>hn</sub>h<sub>t-1</sub> + b<sub>hn</sub>))", COLORS["n"])):
        s, a = _box(x0, x1, y0, y1, text, color)
        shapes.append(s)
        notes.append(a)
    shapes.append(dict(type="circle", x0=7.65, x1=8.35, y0=5.65, y1=6.35, line=dict(color=WALL, width=2),
                       xref="x", yref="y"))
    shapes += [_housing(GRU_VALVES[k], k[0], vertical_pipe=(k != "z_keep")) for k in GRU_VALVES]
    notes += [_key(scale), dict(x=8.0, y=6.0, text="+", showarrow=False, font=dict(size=16), xref="x", yref="y"),
              dict(x=11.7, y=5.35, text="hidden state h: memory →", showarrow=False,
                   xanchor="right", font=dict(size=12, color=COLORS["hidden"]), xref="x", yref="y"),
              dict(x=0.3, y=0.45, text="one mixing valve: the update gate z keeps z of the old state and lets in "
                   "1 − z of the candidate", showarrow=False, xanchor="left", font=_font(11),
                   xref="x", yref="y")]
    all_r, all_z, all_n = (np.asarray(trace.gates[k]) for k in ("r", "z", "n"))
    frames = []
    p = GRU_PIPES
    steps = frame_window(T, step)
    for t in steps:
        streams = [(p["h_prev"], h_prev[t]), (p["kept"], z[t] * h_prev[t]), (p["h"], h[t, unit]),
                   (p["old"], h_prev[t]), (p["u_n"], u_n[t]), (p["r_u"], r[t] * u_n[t]),
                   (p["n"], n[t]), (p["write"], (1 - z[t]) * n[t])]
        valves = [("z", [_valve(GRU_VALVES["z_keep"], z[t], vertical_pipe=False),
                         _valve(GRU_VALVES["z_write"], 1 - z[t], vertical_pipe=True)]),
                  ("r", [_valve(GRU_VALVES["r"], r[t], vertical_pipe=True)])]
        texts = [_step_title(t, labels, unit),
                 (2.0, 6.65, f"h<sub>t-1</sub> = {_fmt(h_prev[t])}", "middle right"),
                 (4.7, 5.2, f"<b>update z = {z[t]:.3f}</b><br>keep: {_pct(z[t])}", "middle center"),
                 (5.0, 6.65, f"z·h<sub>t-1</sub> = {_fmt(z[t] * h_prev[t])}", "middle right"),
                 (8.55, 3.75, f"<b>1 − z = {1 - z[t]:.3f}</b><br>write: {_pct(1 - z[t])}", "middle right"),
                 (8.55, 2.4, f"n = {_fmt(n[t])}", "middle right"),
                 (8.55, 4.85, f"(1 − z)·n = {_fmt((1 - z[t]) * n[t])}", "middle right"),
                 (8.6, 6.65, f"h<sub>t</sub> = {_fmt(h[t, unit])}", "middle right"),
                 (2.15, 3.7, f"W<sub>hn</sub>h + b<sub>hn</sub> = {_fmt(u_n[t])}", "middle right"),
                 (2.15, 2.95, f"<b>reset r = {r[t]:.3f}</b><br>{_pct(r[t])}", "middle right"),
                 (2.15, 2.05, f"r·(W<sub>hn</sub>h + b<sub>hn</sub>) = {_fmt(r[t] * u_n[t])}", "middle right")]
        units = _units_panel({"r": all_r[t], "z": all_z[t], "n": all_n[t], "h": h[t]}, ("r", "z"),
                             [("n", "n", "diamond"), ("h", "hidden", "circle")])
        frames.append(_frame_data(streams, valves, texts, units, scale))
    layout = _faucet_layout(height, shapes, notes, H, unit, ("r", "z"), [("n", "n", "diamond"), ("h", "hidden", "circle")])
    return _animated(frames, steps, step, layout)


# ---------------------------------------------------------------------------- heatmaps

SIGNED = {"g", "n", "c", "h"}
TITLES = {"c": "c: cell state", "h": "h: hidden state"}


def _sequential(color):
    return [[0.0, PALE], [1.0, color]]


def gate_heatmaps(trace, names, unit=None, step=None, labels=None):
    """Time x unit heatmaps, one per name (gates from trace.gates, "c" and "h" states).

    Gates (0 to 1) fade from white to their theme colour; signed values (g, n, c, h) use
    theme.DIVERGING on [-1, 1] (c is clipped there for colour only; hover shows the value).
    The selected (step, unit) cell is outlined.
    """
    values = {name: np.asarray(trace.c if name == "c" else trace.h if name == "h" else trace.gates[name])
              for name in names}
    T, H = values[names[0]].shape
    cols = 2
    rows = (len(names) + 1) // cols
    titles = [(TITLES.get(n) or f"{n}: {GATE_NAMES[n]}") + ("  (−1 blue … +1 red)" if n in SIGNED else "  (0 … 1)")
              for n in names]
    layout = subplot_layout(rows, cols, titles=tuple(titles), horizontal_spacing=0.06,
                            vertical_spacing=0.12 if rows > 2 else 0.18)
    steps = list(range(T))
    text = [[f"{labels[t]}" for t in steps] for _ in range(H)] if labels is not None else None
    data, shapes = [], []
    for k, name in enumerate(names):
        row, col = k // cols + 1, k % cols + 1
        suffix = "" if k == 0 else str(k + 1)      # subplot k's axes: x, y, then x2, y2, ...
        v = values[name]
        signed = name in SIGNED
        heatmap = dict(type="heatmap", z=np.clip(v.T, -1, 1) if signed else v.T, customdata=v.T, x=steps,
                       y=list(range(H)), zmin=-1 if signed else 0, zmax=1, showscale=False,
                       colorscale=DIVERGING if signed else _sequential(COLORS[name]),
                       hovertemplate=f"step %{{x}}<br>unit %{{y}}<br>{name} = %{{customdata:.4f}}"
                                     + ("<br>input %{text}" if text else "") + "<extra></extra>",
                       name=name, xaxis="x" + suffix, yaxis="y" + suffix)
        if text:
            heatmap["text"] = text
        data.append(heatmap)
        if step is not None and unit is not None:
            shapes.append(dict(type="rect", x0=step - 0.5, x1=step + 0.5, y0=unit - 0.5, y1=unit + 0.5,
                               line=dict(color=ON_LIGHT, width=2), xref="x" + suffix, yref="y" + suffix))
        yaxis = layout["yaxis" + suffix]
        if col == 1:
            yaxis["title"] = dict(text="unit")
        yaxis.update(autorange="reversed", tickmode="linear" if H <= 16 else "auto")
        if row == rows:
            layout["xaxis" + suffix]["title"] = dict(text="step t")
    for k, name in enumerate(names):   # colour each subplot title with its gate
        colour = COLORS["cell_state"] if name == "c" else COLORS["hidden"] if name == "h" else COLORS[name]
        layout["annotations"][k]["font"] = dict(color=colour, size=13)
    if shapes:
        layout["shapes"] = shapes
    layout.update(height=190 * rows + 80, margin=dict(l=10, r=10, t=40, b=10))
    return lean_figure(data, layout)


# ---------------------------------------------------------------------------- highway, gradients


def _clip_log10(values):
    """(clipped log10 values, how many were clipped); nan (overflowed) counts as the ceiling."""
    v = np.asarray(values, dtype=float)
    v = np.where(np.isnan(v), np.inf, v)
    clipped = int(np.sum((v < LOG10_FLOOR) | (v > LOG10_CEILING)))
    return np.clip(v, LOG10_FLOOR, LOG10_CEILING), clipped


def _log_lines(curves, title, x_title, data=()):
    """Layout and traces (after `data`) for curves: list of (name, log10 values, line dict, extra
    trace properties). Plot 10**clipped on a log axis."""
    data, total_clipped, lo, hi = list(data), 0, 0.0, 0.0
    for name, log10_values, line, extra in curves:
        v, clipped = _clip_log10(log10_values)
        total_clipped += clipped
        lo, hi = min(lo, float(v.min())), max(hi, float(v.max()))
        data.append(dict(type="scatter", x=np.arange(len(v)), y=10.0 ** v, name=name, mode="lines", line=line,
                         customdata=np.asarray(log10_values, dtype=float),
                         hovertemplate="step %{x}<br>" + name + " = %{y:.3g}<extra></extra>", **extra))
    layout = dict(yaxis=dict(type="log", title=dict(text=title), range=[lo - 0.5, hi + 0.5], exponentformat="power"),
                  xaxis=dict(title=dict(text=x_title)), height=420, margin=dict(l=10, r=10, t=50, b=10),
                  legend=dict(orientation="h", x=0, y=-0.18, xanchor="left", yanchor="top"))
    if total_clipped:
        layout["annotations"] = [dict(xref="paper", yref="paper", x=0, y=1.0, xanchor="left", yanchor="bottom",
                                      showarrow=False, font=dict(size=11, color=COLORS["gradient"]),
                                      text=f"{total_clipped} values beyond 10^±{LOG10_CEILING:.0f} drawn at the edge "
                                           "(under- or overflow)")]
    return data, layout


def highway_figure(highway_log10, lstm_log10, rnn_log10, unit):
    """The cell-state path prod f (log scale) next to full Jacobian norms of LSTM and RNN.

    highway_log10: (T, H) log10 d c_{T-1}/d c_t along the cell path (rnn_core.gated.log10_highway);
    lstm_log10, rnn_log10: (T,) log10 ||d state_{T-1} / d state_t|| (log10_jacobian_norms).
    """
    highway_log10 = np.asarray(highway_log10)
    H = highway_log10.shape[1]
    curves = []
    for j in range(H):
        if j != unit:
            curves.append((f"cell path, unit {j}", highway_log10[:, j],
                           dict(color=COLORS["f"], width=1), dict(opacity=0.35, legendgroup="others",
                                                                  showlegend=False)))
    curves += [(f"cell path ∏f, unit {unit}", highway_log10[:, unit], dict(color=COLORS["f"], width=4), {}),
               ("LSTM ‖∂[h;c]<sub>T-1</sub>/∂[h;c]<sub>t</sub>‖", lstm_log10,
                dict(color=COLORS["cell_state"], width=2.5, dash="dash"), {}),
               ("RNN ‖∂h<sub>T-1</sub>/∂h<sub>t</sub>‖", rnn_log10, dict(color=COLORS["hidden"], width=2.5,
                                                                       dash="dot"), {})]
    legend_entry = [dict(type="scatter", x=[None], y=[None], mode="lines", line=dict(color=COLORS["f"], width=1),
                         opacity=0.35, name="cell path, other units", legendgroup="others")] if H > 1 else []
    data, layout = _log_lines(curves, "derivative size (log scale)",
                              "step t (the derivative of step T-1 with respect to step t)", data=legend_entry)
    layout["title"] = dict(text="How far back a change at step t still reaches step T-1", font=dict(size=14))
    return lean_figure(data, layout)


def gradient_comparison_figure(norms):
    """||dL/dh_t|| through time for each model in `norms` ({"rnn": (T,), "lstm": ..., "gru": ...})."""
    styles = {"rnn": ("RNN (tanh)", COLORS["hidden"], "dot"), "lstm": ("LSTM", COLORS["cell_state"], "dash"),
              "gru": ("GRU", COLORS["z"], "solid")}
    curves = []
    for kind, values in norms.items():
        name, colour, dash = styles[kind]
        with np.errstate(divide="ignore"):
            log10_values = np.log10(np.asarray(values, dtype=float))
        curves.append((name, log10_values, dict(color=colour, width=3, dash=dash), {}))
    data, layout = _log_lines(curves, "‖∂L/∂h<sub>t</sub>‖ (log scale)", "step t (the loss is at the last step)")
    layout["title"] = dict(text="Gradient reaching each step from a loss at the last step", font=dict(size=14))
    return lean_figure(data, layout)

"""The unrolled RNN: one column per time step, animated in the browser with Plotly frames.

Each column t shows the input x_t (bottom), the cell with its hidden state h_t (middle)
and the readout y_t (top) as stacks of squares coloured by value. Arrows labelled
W_ih, W_hh and W_hy are drawn at every step: the same three matrices everywhere is
weight sharing. Frame t shows the network after step t; Play runs the frames in the
browser, no server round trip. Sequences longer than ``window`` scroll: frame t shows
the last ``window`` steps up to t. Steps and units are labelled from 1, as the lessons count.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from app import theme

from .common import animation_controls, finite_for_colour, fmt, lean_figure, symmetric_range

# Vertical layout (data units): bands for x, the cell with h, and y.
_X_BAND = (0.0, 1.8)
_H_BAND = (2.9, 6.9)
_Y_BAND = (8.0, 9.8)
_BOX_HALF_WIDTH = 0.15
_BOX = (_H_BAND[0] - 0.3, _H_BAND[1] + 0.3)
_Y_RANGE = (-1.7, 10.6)
_HEIGHT = 600
_PLOT_PX = _HEIGHT - 190  # plot area left after margins, buttons and slider
_X_LEFT = -1.3  # the row labels' column, left of the first step
_MARKER_MAX = 12  # px: a square stays inside its cell's box on a 390 px phone
MAX_FRAMES = 24  # steps Play runs through: the last 24 of a longer sequence (100 frames were 0.7 MB)
WINDOW = 8  # steps in view: on a 390 px phone each column keeps about 40 px, room for its W labels and its word

# Trace order, identical in the figure and in every frame.
TRACES = ("x", "h", "y", "pending", "current", "labels", "entry")


def _rows(n: int, band: tuple[float, float]) -> tuple[np.ndarray, float]:
    """y positions of n stacked squares (unit 1 on top) and their spacing."""
    low, high = band
    spacing = min((high - low) / n, 0.6)
    centre = (low + high) / 2
    return np.round(centre + ((n - 1) / 2 - np.arange(n)) * spacing, 4), spacing


def _marker_px(spacing: float) -> float:
    return float(np.clip(spacing * _PLOT_PX / (_Y_RANGE[1] - _Y_RANGE[0]) * 0.85, 5, _MARKER_MAX))


def window_start(t: int, T: int, window: int) -> int:
    """First step drawn in frame t: the last `window` steps up to t (both indices from 0)."""
    return max(0, min(t - window + 1, T - window))


def unrolled_diagram(x, h, y=None, *, step_labels: Sequence[str] | None = None,
                     nonlinearity: str = "tanh", window: int = WINDOW,
                     frame_ms: int = 700, max_frames: int = MAX_FRAMES) -> go.Figure:
    """The unrolled network for x (T, I), h = trace.h (T, H) and optional y (T, O).

    Returns a figure with one frame per step for the last ``max_frames`` steps, named by their step ("1" .. "T"
    for a short sequence; frame t: the state after step t),
    Play/Pause buttons and a step slider; the figure itself shows the last frame.
    Marker colours are the values themselves on a diverging colour axis, symmetric and at least
    [-1, 1]. While x, h and y fit the same range (tanh states, one-hot words) they share one axis
    and one colour bar; otherwise each group has its own (coloraxis for x, coloraxis2 for h,
    coloraxis3 for y) with its colour bar beside its row. Every colour bar costs the browser a
    few milliseconds per redraw, so three identical ones are drawn as one.
    """
    x = np.asarray(x, dtype=np.float64)
    h = np.asarray(h, dtype=np.float64)
    y = None if y is None else np.asarray(y, dtype=np.float64)
    if x.ndim != 2 or h.ndim != 2 or x.shape[0] != h.shape[0]:
        raise ValueError(f"x must be (T, I) and h (T, H) with the same T; got {x.shape}, {h.shape}")
    if y is not None and (y.ndim != 2 or y.shape[0] != h.shape[0]):
        raise ValueError(f"y must be (T, O) with the same T as h; got {y.shape}")
    T = h.shape[0]
    if T < 1:
        raise ValueError("need at least one step")
    slots = min(window, T)
    labels = list(step_labels) if step_labels is not None else [""] * T

    groups = {"x": (x, _X_BAND), "h": (h, _H_BAND)}
    if y is not None:
        groups["y"] = (y, _Y_BAND)
    rows = {name: _rows(values.shape[1], band) for name, (values, band) in groups.items()}
    bounds = {name: symmetric_range(values) for name, (values, _) in groups.items()}
    shared = len(set(bounds.values())) == 1
    axes = {name: "coloraxis" if shared else axis for name, axis in (("x", "coloraxis"), ("h", "coloraxis2"),
                                                                        ("y", "coloraxis3"))}

    finite = {name: bool(np.isfinite(values).all()) for name, (values, _) in groups.items()}

    def value_trace(name, steps, start):
        """Markers of one group for some steps: position, colour = the value, hover = which value.

        Hover reads the step and unit from customdata and the value from the colour, and marker
        heights are float32, so each point costs a few bytes (a 100-step diagram stays under
        1 MB); only a group holding inf or NaN spells every hover text out, to say "overflow".
        The words of a words sequence are the labels under the columns.
        """
        values = groups[name][0]
        ys, spacing = rows[name]
        n = values.shape[1]
        steps = np.asarray(list(steps), dtype=int)
        shown = values[steps].ravel() if steps.size else np.zeros(0)
        step_of, unit_of = np.repeat(steps, n), np.tile(np.arange(n), steps.size)
        trace = dict(type="scatter", x=step_of - start, y=np.tile(ys, steps.size).astype(np.float32), mode="markers", name=name,
                     marker=dict(symbol="square", size=_marker_px(spacing),
                                 color=finite_for_colour(shown, bounds[name]), coloraxis=axes[name],
                                 line=dict(width=1.5, color=theme.COLORS[
                                     "output" if name == "y" else "hidden" if name == "h" else "input"])),
                     showlegend=False)
        if finite[name]:
            trace["customdata"] = np.column_stack([step_of + 1, unit_of + 1])
            trace["hovertemplate"] = (f"{name}<sub>%{{customdata[0]}}</sub>[%{{customdata[1]}}] = "
                                      "%{marker.color:.3g}<extra></extra>")
        else:
            trace["hovertext"] = [f"{name}<sub>{s + 1}</sub>[{u + 1}] = {fmt(v)}"
                                  for s, u, v in zip(step_of, unit_of, shown)]
            trace["hoverinfo"] = "text"
        return trace

    def frame_traces(t):
        start = window_start(t, T, slots)
        shown = range(start, start + slots)
        done = [s for s in shown if s <= t]
        pending = [s for s in shown if s > t]
        px, py = [], []
        for name in ("h", "y"):
            if name in groups:
                ys, _ = rows[name]
                for step in pending:
                    px.extend([step - start] * len(ys))
                    py.extend(ys)
        k = t - start
        box = (_BOX[0] - 0.15, _BOX[1] + 0.15)
        label_y = [-0.55] * slots + [-1.15] * slots
        label_text = [f"t={s + 1}" for s in shown] + [labels[s] for s in shown]
        return [
            value_trace("x", shown, start),
            value_trace("h", done, start),
            value_trace("y", done, start) if y is not None else dict(type="scatter", x=[], y=[], showlegend=False),
            dict(type="scatter", x=px, y=py, mode="markers", hoverinfo="skip", showlegend=False,
                 marker=dict(symbol="square-open", size=_marker_px(rows["h"][1]), color=theme.NEUTRAL)),
            dict(type="scatter", x=[k - 0.34, k + 0.34, k + 0.34, k - 0.34, k - 0.34],
                 y=[box[0], box[0], box[1], box[1], box[0]], mode="lines", hoverinfo="skip",
                 line=dict(color=theme.COLORS["hidden"], width=3, dash="dot"), showlegend=False),
            dict(type="scatter", x=list(range(slots)) * 2, y=label_y, text=label_text, mode="text",
                 hoverinfo="skip", showlegend=False, textfont=dict(size=12)),
            dict(type="scatter", x=[-0.55], y=[(_BOX[0] + _BOX[1]) / 2 - 0.25], mode="text", hoverinfo="skip",
                 showlegend=False, text=[f"h<sub>{start}</sub>" + (" = 0" if start == 0 else "")],
                 textposition="bottom center", textfont=dict(size=12, color=theme.COLORS["hidden"])),
        ]

    first = max(0, T - max_frames)  # a long sequence animates its last steps: a browser handles every frame on a redraw
    frames = [dict(name=str(t + 1), data=frame_traces(t)) for t in range(first, T)]
    drawing, drawing_layout = _static_drawing(slots, has_y=y is not None, nonlinearity=nonlinearity)
    layout = dict(
        height=_HEIGHT,
        margin=dict(l=0, r=0, t=10, b=10),
        xaxis=dict(range=[_X_LEFT, slots - 0.3], visible=False, fixedrange=True),
        yaxis=dict(range=list(_Y_RANGE), visible=False, fixedrange=True),
        hovermode="closest",
        **drawing_layout,
        **animation_controls(T - first, active=T - first - 1, frame_ms=frame_ms, prefix="after step t = ",
                             first=first + 1,
                             prefix_font=dict(size=13, color=theme.NEUTRAL), y=0.0, slider_x=0.17,
                             slider_font=dict(size=10) if T - first <= 12 else dict(size=10, color=theme.TRANSPARENT)),
    )
    names = [", ".join(groups)] if shared else list(groups)
    for k, title in enumerate(names):  # horizontal bars beside the Play button: the plot keeps the whole width
        bound = bounds[title[0]]
        left, width = (0.45, 0.55) if shared else (0.34 + 0.22 * k, 0.22)
        layout[axes[title[0]]] = dict(
            colorscale=theme.DIVERGING, cmin=-bound, cmax=bound,
            colorbar=dict(orientation="h", title=dict(text=title, side="top"), thickness=10, len=width * 0.85,
                          x=left + width * 0.1, xanchor="left", y=0.0, yanchor="top", ypad=14,
                          tickvals=[-bound, 0.0, bound], ticktext=[fmt(-bound), "0", fmt(bound)]))
    slider = layout["sliders"][0]  # under the Play and Pause buttons, across the whole width
    slider.update(x=0.0, len=1.0, pad=dict(t=58))
    return lean_figure(frames[-1]["data"] + drawing, layout, frames)


def _static_drawing(slots: int, *, has_y: bool, nonlinearity: str) -> tuple[list[dict], dict]:
    """The cell boxes, arrows and weight labels, the same at every step (weight sharing): traces drawn after
    the animated ones (frames leave them alone) and layout shapes for the boxes.

    Arrows are line segments with an arrowhead marker at their end and labels are text traces: Plotly draws
    a layout annotation as its own SVG group and measures each one, and at 12 steps the 75 annotations
    this used to be took most of the chart's drawing time in the browser.
    """
    box_low, box_high = _BOX
    h_mid = (box_low + box_high) / 2
    arrows = {"input": [], "hidden": []}  # (x0, y0, x1, y1) per arrow, by colour
    labels = {"input": [], "hidden": [], "output": []}  # (x, y, text, textposition)
    for k in range(slots):
        arrows["input"].append((k, _X_BAND[1] + 0.05, k, box_low))  # x_t -> cell, through W_ih
        labels["input"].append((k + 0.05, (box_low + _X_BAND[1]) / 2, "W<sub>ih</sub>", "middle right"))
        # h_{t-1} -> cell, through W_hh (into slot 0 from the step before the window)
        arrows["hidden"].append((k - 1 + _BOX_HALF_WIDTH if k else -0.75, h_mid, k - _BOX_HALF_WIDTH, h_mid))
        labels["hidden"].append((k - 0.5, h_mid + 0.25, "W<sub>hh</sub>", "top center"))
        if has_y:
            arrows["input"].append((k, box_high, k, _Y_BAND[0] - 0.05))
            labels["output"].append((k + 0.05, (box_high + _Y_BAND[0]) / 2, "W<sub>hy</sub>", "middle right"))
    traces = []
    for concept, segments in arrows.items():
        colour = theme.NEUTRAL if concept == "input" else theme.COLORS["hidden"]
        xs = [v for x0, _, x1, _ in segments for v in (x0, x1, None)]
        ys = [v for _, y0, _, y1 in segments for v in (y0, y1, None)]
        traces.append(dict(type="scatter", x=xs, y=ys, mode="lines+markers", hoverinfo="skip", showlegend=False,
                           line=dict(color=colour, width=1.6),
                           marker=dict(symbol="arrow", angleref="previous", color=colour, standoff=4,
                                       size=[0, 11, 0] * len(segments))))
    rows = [(_X_BAND, "x<sub>t</sub>", "input"), ((h_mid + 1.3, h_mid + 1.3), "h<sub>t</sub>", "hidden"),
            ((h_mid - 1.3, h_mid - 1.3), f"f: {nonlinearity}", "hidden")]
    if has_y:
        rows.append((_Y_BAND, "y<sub>t</sub>", "output"))
    for (low, high), text, concept in rows:
        labels[concept].append((_X_LEFT + 0.05, (low + high) / 2, text, "middle right"))
    for concept, points in labels.items():
        if points:
            xs, ys, texts, positions = (list(column) for column in zip(*points))
            traces.append(dict(type="scatter", x=xs, y=ys, text=texts, textposition=positions, mode="text",
                               hoverinfo="skip", showlegend=False,
                               textfont=dict(size=[13 if x < -0.9 else 12 for x in xs],
                                             color=theme.COLORS[concept])))
    shapes = [dict(type="rect", x0=k - _BOX_HALF_WIDTH, x1=k + _BOX_HALF_WIDTH, y0=box_low, y1=box_high,
                   line=dict(color=theme.COLORS["hidden"], width=1.5), layer="below") for k in range(slots)]
    return traces, dict(shapes=shapes)


def warmup_figure(xs: Sequence[float], h: Sequence[float], *, w_x: float, w_h: float, b: float,
                  known: Sequence[bool]) -> go.Figure:
    """The one-unit RNN of the warm-up, unrolled: h_0 and one column per step t = 1 .. T.

    xs: x_1 .. x_T; h: h_0 .. h_T (``rnn_core.scalar.forward(...).h``); known[t - 1]: whether h_t's value is
    shown (found by the student, or the working revealed), else "?". Inputs sit in the bottom row with their
    values under them, states in the top row with their values over them; the arrows x_t -> h_t carry w_x,
    the arrows h_{t-1} -> h_t carry w_h, and the weights' values head the figure.
    """
    xs, h, known = [float(v) for v in xs], [float(v) for v in h], list(known)
    T = len(xs)
    if len(h) != T + 1 or len(known) != T:
        raise ValueError(f"need h_0 .. h_T ({T + 1} values) and one known flag per step; got {len(h)}, {len(known)}")
    x_row, h_row, gap = 0.0, 1.7, 0.34   # rows (data units) and the space an arrow keeps from a node's centre
    steps = list(range(1, T + 1))
    fills = [theme.PALE] + [theme.COLORS["hidden"] if k else theme.PALE for k in known]
    traces = [
        dict(type="scatter", x=[0] + steps, y=[h_row] * (T + 1), mode="markers+text", hoverinfo="skip",
             showlegend=False, text=[f"h<sub>{t}</sub>" for t in range(T + 1)],
             textfont=dict(size=14, color=theme.ON_LIGHT),
             marker=dict(symbol="square", size=42, color=fills, line=dict(width=2, color=theme.COLORS["hidden"]))),
        # the inputs' values are their marker colours on a one-colour axis: every input is drawn blue, and the
        # chart's data summary (its accessible name) reads the values
        dict(type="scatter", x=steps, y=[x_row] * T, mode="markers+text", name="inputs x_t", showlegend=False,
             hovertemplate="x<sub>%{customdata}</sub> = %{marker.color:g}<extra></extra>", customdata=steps,
             text=[f"x<sub>{t}</sub>" for t in steps], textfont=dict(size=14, color="white"),
             marker=dict(symbol="circle", size=38, color=xs, coloraxis="coloraxis", line=dict(width=0))),
        dict(type="scatter", x=[0] + steps, y=[h_row + 0.5] * (T + 1), mode="text", hoverinfo="skip",
             showlegend=False, textfont=dict(size=14, color=theme.COLORS["hidden"]),
             text=["0"] + [f"{value:.3f}" if k else "?" for value, k in zip(h[1:], known)]),
        dict(type="scatter", x=steps, y=[x_row - 0.5] * T, mode="text", hoverinfo="skip", showlegend=False,
             textfont=dict(size=14, color=theme.COLORS["input"]), text=[f"{x:g}" for x in xs]),
    ]
    for colour, segments, label, where in (
            (theme.COLORS["input"], [(t, x_row + gap, t, h_row - gap) for t in steps], "w<sub>x</sub>",
             [(t + 0.08, (x_row + h_row) / 2, "middle right") for t in steps]),
            (theme.COLORS["hidden"], [(t - 1 + gap * 0.75, h_row, t - gap * 0.75, h_row) for t in steps],
             "w<sub>h</sub>", [(t - 0.5, h_row + 0.1, "top center") for t in steps])):
        traces.append(dict(type="scatter", x=[v for x0, _, x1, _ in segments for v in (x0, x1, None)],
                           y=[v for _, y0, _, y1 in segments for v in (y0, y1, None)], mode="lines+markers",
                           hoverinfo="skip", showlegend=False, line=dict(color=colour, width=2),
                           marker=dict(symbol="arrow", angleref="previous", color=colour, standoff=2,
                                       size=[0, 12, 0] * len(segments))))
        traces.append(dict(type="scatter", x=[x for x, _, _ in where], y=[y for _, y, _ in where], mode="text",
                           hoverinfo="skip", showlegend=False, text=[label] * len(where),
                           textposition=[p for _, _, p in where], textfont=dict(size=13, color=colour)))
    heading = (f"w<sub>x</sub> = {w_x:g},  w<sub>h</sub> = {w_h:g},  b = {b:g}<br>"
               "h<sub>t</sub> = tanh(w<sub>x</sub> x<sub>t</sub> + w<sub>h</sub> h<sub>t−1</sub> + b)")
    traces.append(dict(type="scatter", x=[T / 2], y=[h_row + 1.35], mode="text", hoverinfo="skip", showlegend=False,
                       text=[heading], textfont=dict(size=14)))
    layout = dict(height=340, margin=dict(l=10, r=10, t=10, b=10), dragmode=False, hovermode="closest",
                  coloraxis=dict(colorscale=[[0, theme.COLORS["input"]], [1, theme.COLORS["input"]]],
                                 showscale=False),
                  xaxis=dict(visible=False, range=[-0.6, T + 0.6], fixedrange=True),
                  yaxis=dict(visible=False, range=[x_row - 0.9, h_row + 1.85], fixedrange=True))
    return lean_figure(traces, layout)

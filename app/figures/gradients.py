"""Figures for the vanishing/exploding lesson: Jacobian norms, per-unit gradients, clipping, the cliff.

Steps and units are counted from 1, as every lesson counts: entry t-1 of an array is step t.

Magnitudes arrive as log10 values (rnn_core's jacobian_log_norms / last_step_gradient), so
nothing here can overflow: a value past the float64 range is drawn at its true logarithm
inside a shaded "overflow" band and named as such in its hover text, never as NaN.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from app import theme

from .common import decade_ticks, lean_figure

LOG10_FLOAT_MAX = math.log10(np.finfo(np.float64).max)      # 308.25: beyond it a float64 is inf
LOG10_FLOAT_TINY = math.log10(np.finfo(np.float64).smallest_subnormal)  # -323.3: below it, 0
# Curve names of jacobian_figure (legend and hover text).
NORM_NAME = "‖∂h<sub>T</sub>/∂h<sub>t</sub>‖"
BOUND_NAME = "bound (γ s<sub>max</sub>)<sup>T−t</sup>"
LINEAR_NAME = "linear RNN, same W<sub>hh</sub>: ‖W<sub>hh</sub><sup>T−t</sup>‖"


SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def _mantissa_exponent(log10_value: float) -> tuple[float, int]:
    exponent = math.floor(log10_value)
    mantissa = 10 ** (log10_value - exponent)
    if mantissa >= 9.995:
        mantissa, exponent = 1.0, exponent + 1
    return mantissa, exponent


def fmt_log10(log10_value: float, sign: float = 1.0) -> str:
    """A number given by its log10 (and sign) as plain text in the format the sentences use (tex_log10's):
    0.672, 6.30 × 10⁻²³, 2.00 × 10⁴¹² (overflow: ...); 'exactly 0' for -inf."""
    if not math.isfinite(log10_value):
        return "exactly 0" if log10_value < 0 else "+inf"
    mantissa, exponent = _mantissa_exponent(log10_value)
    minus = "−" if sign < 0 else ""
    if -3 <= exponent <= 2:                     # 0.001 to 999: .3g writes these without an exponent
        text = f"{minus}{mantissa * 10.0 ** exponent:.3g}"
    else:
        text = f"{minus}{mantissa:.2f} × 10{str(exponent).translate(SUPERSCRIPT)}"
    if log10_value > LOG10_FLOAT_MAX:
        text += " (overflow: beyond the largest float64)"
    elif log10_value < LOG10_FLOAT_TINY:
        text += " (underflow: below the smallest float64)"
    return text


def fmt_number(value: float) -> str:
    """A float in fmt_log10's format (the sentences' format): 0.0283, 154, 1.54 × 10⁴."""
    value = float(value)
    if value == 0 or not math.isfinite(value):
        return f"{value:g}"
    return fmt_log10(math.log10(abs(value)), value)


def tex_log10(log10_value: float) -> str:
    """A number given by its log10 as LaTeX, m \\times 10^{e} (no float involved, so no overflow); 0 for -inf."""
    if math.isnan(log10_value):
        return r"\text{undefined}"
    if not math.isfinite(log10_value):
        return "0" if log10_value < 0 else r"\infty"
    mantissa, exponent = _mantissa_exponent(log10_value)
    if -3 <= exponent <= 2:                     # 0.001 to 999 (.3g would write 7580 as 7.58e+03)
        return f"{mantissa * 10.0 ** exponent:.3g}"
    return rf"{mantissa:.2f} \times 10^{{{exponent}}}"


def _tick_step(span: float) -> float:
    for step in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000):
        if span / step <= 8:
            return step
    return 2000


def _log_axis(low: float, high: float) -> dict:
    """A linear axis over log10 values whose tick labels read 10^k."""
    step = _tick_step(high - low)
    ticks = np.arange(math.ceil(low / step) * step, high + 1e-9, step)
    return dict(range=[low, high], tickvals=ticks.tolist(),
                ticktext=[f"10<sup>{int(k)}</sup>" if k else "1" for k in ticks], zeroline=False)


def _finite_range(*arrays, pad: float = 1.0) -> tuple[float, float]:
    values = np.concatenate([np.asarray(a, dtype=np.float64).ravel() for a in arrays])
    values = values[np.isfinite(values)]
    if values.size == 0:
        return -1.0, 1.0
    low, high = float(values.min()), float(values.max())
    if high - low < 2:
        low, high = low - 1, high + 1
    return low - pad, high + pad


def _band(low: float, high: float, colour: str, opacity: float, text: str, at_top: bool) -> tuple[dict, dict]:
    """A shaded horizontal band across the plot (as add_hrect draws it) and its label in its right-hand corner (the
    curve reaches a band at step 1, on the left)."""
    band = dict(type="rect", x0=0, x1=1, xref="x domain", y0=low, y1=high, yref="y", fillcolor=colour,
                opacity=opacity, line=dict(width=0))
    label = dict(text=text, showarrow=False, x=1, xanchor="right", xref="x domain", y=high if at_top else low,
                 yanchor="top" if at_top else "bottom", yref="y")
    return band, label


def jacobian_figure(log10_norms, log10_bound, log10_linear=None, *, regime: str | None = None,
                    height: int = 440, compact: bool = False) -> go.Figure:
    """log10 ||dh_T/dh_t|| against the step t = 1..T, with the bound (gamma s_max)^(T-t) and, if given, a
    linear RNN with the same W_hh, log10 ||W_hh^(T-t)||.

    All inputs are (T,) arrays, entry t-1 for step t. -inf (exactly zero, e.g. dead relu units) is drawn
    as an x at the bottom of the axis. compact: the legend on the title's row, above the plot (a short
    figure that must fit under a projector's title), not under the axis.
    """
    log10_norms = np.asarray(log10_norms, dtype=np.float64)
    log10_bound = np.asarray(log10_bound, dtype=np.float64)
    T = log10_norms.size
    steps = np.arange(1, T + 1)
    arrays = [log10_norms, log10_bound] + ([] if log10_linear is None else [log10_linear])
    low, high = _finite_range(*arrays)
    bands = []
    if high > LOG10_FLOAT_MAX:
        bands.append(_band(LOG10_FLOAT_MAX, high, theme.COLORS["gradient"], 0.12,
                           "overflow: above the largest float64 (1.8 × 10³⁰⁸)", at_top=True))
    if low < LOG10_FLOAT_TINY:
        bands.append(_band(low, LOG10_FLOAT_TINY, theme.COLORS["input"], 0.10,
                           "underflow: below the smallest float64 (4.9 × 10⁻³²⁴)", at_top=False))
    data = []

    def curve(values, name, colour, dash=None, symbol="circle", width=2.5, markers=True):
        finite = np.isfinite(values)
        line = dict(color=colour, width=width)
        if dash:
            line["dash"] = dash
        data.append(dict(
            type="scatter", x=steps[finite], y=values[finite], mode="lines+markers" if markers and T <= 60 else "lines",
            name=name, line=line, marker=dict(size=5, symbol=symbol), meta=dict(summary="log10"),
            customdata=np.array([fmt_log10(v) for v in values[finite]], dtype=str),
            hovertemplate="step t = %{x}<br>%{customdata}<extra>" + name + "</extra>"))
        zero = ~finite & (values < 0)
        if zero.any():
            data.append(dict(
                type="scatter", x=steps[zero], y=np.full(int(zero.sum()), low + 0.5), mode="markers",
                name=f"{name}: exactly 0", marker=dict(symbol="x", size=8, color=colour),
                hovertemplate="step t = %{x}<br>exactly 0<extra></extra>"))

    curve(log10_bound, BOUND_NAME, theme.NEUTRAL, dash="dash", width=5, markers=False)   # wide: it shows under a
    # curve equal to it
    if log10_linear is not None:
        curve(np.asarray(log10_linear, dtype=np.float64), LINEAR_NAME, theme.COLORS["input"], dash="dot",
              symbol="square")
    curve(log10_norms, NORM_NAME, theme.COLORS["gradient"])
    legend = (dict(orientation="h", yanchor="bottom", y=1.0, x=1, xanchor="right") if compact else
              dict(orientation="h", yanchor="top", y=-0.2, x=0))
    # The title (and, compact, the legend) on a row just above the plot, under the mode bar's row (on a phone the
    # mode bar covered the title).
    layout = dict(height=height, margin=dict(l=10, r=10, t=56 if compact or regime is not None else 10, b=10),
                  legend=legend,
                  yaxis=dict(title=dict(text="norm (log scale)"), **_log_axis(low, high)),
                  xaxis=dict(title=dict(text="step t (the gradient flows from h<sub>T</sub> back to h<sub>t</sub>)"),
                             range=[0.5, T + 0.5], **_step_ticks(T)))
    if bands:
        layout["shapes"], layout["annotations"] = [band for band, _ in bands], [label for _, label in bands]
    if regime is not None:
        layout["title"] = dict(text=f"regime: <b>{regime}</b>", font=dict(size=15), x=0, xanchor="left",
                               xref="paper", y=1, yref="paper", yanchor="bottom", pad=dict(b=6))
    return lean_figure(data, layout)


def _step_ticks(T: int) -> dict:
    """Ticks at whole steps: every step up to 10 steps, then a round stride that includes step 1."""
    if T <= 10:
        return dict(tickvals=list(range(1, T + 1)))
    stride = next(s for s in (2, 5, 10, 20, 25, 50, 100) if T / s <= 10)
    return dict(tickvals=[1] + list(range(stride, T + 1, stride)))


def unit_heatmap(log10_abs, sign, height: int = 320) -> go.Figure:
    """log10 |dL/dh_t[j]| as a (unit j x step t) heatmap, both counted from 1; exact zeros get the lowest colour."""
    log10_abs = np.asarray(log10_abs, dtype=np.float64)
    sign = np.asarray(sign, dtype=np.float64)
    T, H = log10_abs.shape
    finite = np.isfinite(log10_abs)
    floor = float(log10_abs[finite].min()) - 1 if finite.any() else -1.0
    z = np.where(finite, log10_abs, floor).T.astype(np.float32)   # colours need no more (the hover text is exact)
    hover = np.array([[fmt_log10(v, s) for v, s in zip(log10_abs[:, j].tolist(), sign[:, j].tolist())]
                      for j in range(H)], dtype=str)
    low, high = (floor, float(log10_abs[finite].max())) if finite.any() else (-1.0, 1.0)
    if high - low < 1e-9:
        low, high = low - 1, high + 1
    step = _tick_step(high - low)
    ticks = np.arange(math.ceil(low / step) * step, high + 1e-9, step)
    heatmap = dict(
        type="heatmap", z=z, x=np.arange(1, T + 1), y=np.arange(1, H + 1), customdata=hover,
        colorscale=theme.SEQUENTIAL, zmin=low, zmax=high, name="|∂L/∂h<sub>t</sub>[j]|",
        meta=dict(summary="log10"),
        hovertemplate="step t = %{x}, unit j = %{y}<br>∂L/∂h<sub>t</sub>[j] = %{customdata}<extra></extra>",
        colorbar=dict(title=dict(text="|∂L/∂h<sub>t</sub>[j]|", side="right"), thickness=12,
                      tickvals=ticks.tolist(), ticktext=[f"10<sup>{int(k)}</sup>" for k in ticks]))
    yaxis = dict(title=dict(text="unit j"), autorange="reversed", showgrid=False)
    if H <= 16:
        yaxis["dtick"] = 1
    return lean_figure([heatmap], dict(
        height=height, margin=dict(l=10, r=10, t=10, b=10), yaxis=yaxis,
        xaxis=dict(title=dict(text="step t"), showgrid=False, **_step_ticks(T))))


ARROWHEAD_LENGTH = 0.2    # an arrow shorter than this fraction of the axis's half-range gets no head: the head
# (a fixed size in pixels, about 12) would cover the arrow and seem to point the other way


def clipping_vectors(original, by_norm, by_value, threshold: float, names: Sequence[str],
                     height: int = 420, compact: bool = False) -> go.Figure:
    """Two coordinates of the gradient before and after clipping, as arrows from the origin (a short one as a
    line ending in a dot, without a head).

    The square [-threshold, threshold]^2 is where clip_by_value puts every pair. compact: the legend beside the
    plot, not under its axis title (a short figure, where the two would overlap)."""
    # Drawn widest first: clip_by_norm lies along the gradient before clipping, and clip_by_value often does too,
    # so each narrower one shows on top of the wider (the legend keeps the order before, norm, value).
    vectors = {"before clipping": (np.asarray(original, dtype=np.float64), theme.COLORS["gradient"], 7, 1),
               "clip_by_value": (np.asarray(by_value, dtype=np.float64), theme.COLORS["input"], 4.5, 3),
               "clip_by_norm": (np.asarray(by_norm, dtype=np.float64), theme.COLORS["hidden"], 2.5, 2)}
    reach = max(float(np.max(np.abs(v))) for v, *_ in vectors.values())
    reach = 1.15 * (reach if reach > 0 else 1.0)
    c = float(threshold)
    square = dict(type="rect", x0=-c, x1=c, y0=-c, y1=c, line=dict(color=theme.COLORS["input"], dash="dot"),
                  fillcolor=theme.COLORS["input"], opacity=0.08)
    data, arrows = [], []
    for name, (v, colour, width, rank) in vectors.items():
        x, y = float(v[0]), float(v[1])
        data.append(dict(type="scatter", x=[0, x], y=[0, y], mode="lines+markers", name=name, meta=dict(summary="vector"),
                         legendrank=rank, line=dict(color=colour, width=width), marker=dict(size=[0, 9], color=colour),
                         hovertemplate=f"{name}<br>({x:.3g}, {y:.3g})<extra></extra>"))
        if math.hypot(x, y) >= ARROWHEAD_LENGTH * reach:       # else the line and its end dot only
            arrows.append(dict(x=x, y=y, ax=0, ay=0, xref="x", yref="y", axref="x", ayref="y", text="",
                               showarrow=True, arrowhead=2, arrowsize=max(0.6, 3.2 / width), arrowwidth=width,
                               arrowcolor=colour))
    return lean_figure(data, dict(
        height=height, margin=dict(l=10, r=10, t=10, b=10), shapes=[square], annotations=arrows,
        legend=(dict(orientation="v", yanchor="top", y=1, x=1.02, xanchor="left") if compact else
                dict(orientation="h", yanchor="top", y=-0.2, x=0)),
        xaxis=dict(title=dict(text=f"∂L/∂{names[0]}"), range=[-reach, reach], zeroline=True),
        yaxis=dict(title=dict(text=f"∂L/∂{names[1]}"), range=[-reach, reach], zeroline=True,
                   scaleanchor="x", scaleratio=1)))


def norm_bars(before: float, after_norm: float, after_value: float, height: int = 260) -> go.Figure:
    """The gradient's global norm before clipping, after clip_by_norm and after clip_by_value."""
    values = [float(before), float(after_norm), float(after_value)]
    bars = dict(
        type="bar", x=["before", "clip_by_norm", "clip_by_value"], y=values, text=[fmt_number(v) for v in values],
        name="global norm: before, clip_by_norm, clip_by_value",
        textposition="outside", hovertemplate="%{x}: %{y:.4g}<extra></extra>",
        marker=dict(color=[theme.COLORS["gradient"], theme.COLORS["hidden"], theme.COLORS["input"]]))
    top = max(values) if max(values) > 0 else 1.0
    return lean_figure([bars], dict(
        height=height, margin=dict(l=10, r=10, t=10, b=10), showlegend=False,
        yaxis=dict(title=dict(text="global L2 norm"), range=[0, 1.25 * top])))


def _inside(points, ws, bs):
    return ((points[:, 0] >= ws[0]) & (points[:, 0] <= ws[-1]) & (points[:, 1] >= bs[0]) & (points[:, 1] <= bs[-1]))


def cliff_figure(ws, bs, surface, plain, clipped, *, clipped_name: str = "clipped", height: int = 520) -> go.Figure:
    """The loss surface log10 L(w, b) with two descent paths from the same start.

    surface: (len(bs), len(ws)); plain, clipped: (n+1, 2) points (w, b). A path that
    leaves the plotted box is drawn up to its last point inside, with an arrow and the
    coordinates of where it went.
    """
    ws, bs = np.asarray(ws, dtype=np.float64), np.asarray(bs, dtype=np.float64)
    surface = np.asarray(surface, dtype=np.float64)
    # float32 logs, no copy of the surface for the hover: the figure is sent on every move of the cliff's
    # controls, and two float64 grids made it 620 kB.
    z = np.log10(np.maximum(surface, 1e-6)).astype(np.float32)
    data = [dict(
        type="heatmap", x=ws, y=bs, z=z, colorscale=theme.SEQUENTIAL, zmin=-6, zmax=float(np.max(z)),
        name="loss L(w, b) (from 1e-6)", meta=dict(summary="log10"),
        colorbar=dict(title=dict(text="loss", side="right"), thickness=12,
                      tickvals=[-6, -4, -2, 0, 2], ticktext=[f"10<sup>{k}</sup>" for k in (-6, -4, -2, 0, 2)]),
        hovertemplate="w = %{x:.3f}<br>b = %{y:.3f}<br>L = 10<sup>%{z:.2f}</sup><extra></extra>")]
    arrows = []
    # The plain path under the clipped one, wide: until the wall the two take the same updates, and the red then
    # shows as a border around the blue.
    for name, points, colour, width, size in (("plain gradient descent", plain, theme.COLORS["gradient"], 7, 11),
                                              (clipped_name, clipped, theme.COLORS["input"], 2, 5)):
        points = np.asarray(points, dtype=np.float64)
        inside = _inside(points, ws, bs)
        stop = len(points) if inside.all() else int(np.argmin(inside))
        shown = points[:stop]
        data.append(dict(
            type="scatter", x=shown[:, 0], y=shown[:, 1], mode="lines+markers", name=name,
            line=dict(color=colour, width=width), marker=dict(size=size, color=colour, line=dict(width=1, color="white")),
            hovertemplate=f"{name}<br>after update %{{customdata}}<br>w = %{{x:.4f}}, b = %{{y:.4f}}<extra></extra>",
            customdata=list(range(stop))))
        if stop < len(points) and stop > 0:
            last, gone = shown[-1], points[stop]
            direction = (gone - last) / np.linalg.norm(gone - last)
            span = np.array([ws[-1] - ws[0], bs[-1] - bs[0]])
            tip = last + direction * 0.25 * span.min()
            arrows.append(dict(x=float(tip[0]), y=float(tip[1]), ax=float(last[0]), ay=float(last[1]), xref="x",
                               yref="y", axref="x", ayref="y", showarrow=True, arrowhead=2, arrowwidth=2.5,
                               arrowcolor=colour, text=""))
            # The label at the arrow's tip, on the side away from its shaft: the wall where the run was thrown
            # (and the clipped run beside it) stays in sight.
            arrows.append(dict(x=float(tip[0]), y=float(tip[1]), xref="x", yref="y", showarrow=False,
                               xanchor="right" if direction[0] > 0 else "left",
                               yanchor="bottom" if direction[1] > 0 else "top",
                               text=f"thrown to<br>(w, b) = ({gone[0]:.1f}, {gone[1]:.1f})",
                               font=dict(color=colour, size=13), bgcolor=theme.LABEL_BACKGROUND))
    data.append(dict(type="scatter", x=[float(plain[0][0])], y=[float(plain[0][1])], mode="markers+text",
                     text=["start"], textposition="top right", name="start", showlegend=False, hoverinfo="skip",
                     marker=dict(symbol="star", size=14, color="white", line=dict(width=1.5, color="black"))))
    layout = dict(height=height, margin=dict(l=10, r=10, t=10, b=10),
                  legend=dict(orientation="h", yanchor="top", y=-0.2, x=0),
                  xaxis=dict(title=dict(text="w"), range=[float(ws[0]), float(ws[-1])]),
                  yaxis=dict(title=dict(text="b"), range=[float(bs[0]), float(bs[-1])]))
    if arrows:
        layout["annotations"] = arrows
    return lean_figure(data, layout)


def step_length_figure(plain_steps, clipped_steps, *, clipped_name: str = "clipped", height: int = 300) -> go.Figure:
    """||p_{i+1} - p_i|| for every update i = 1..n of both runs, on a log axis (ticks as powers of ten)."""
    data, logs = [], []
    for name, steps, colour in (("plain gradient descent", plain_steps, theme.COLORS["gradient"]),
                                (clipped_name, clipped_steps, theme.COLORS["input"])):
        steps = np.asarray(steps, dtype=np.float64)
        logs += list(np.log10(steps[np.isfinite(steps) & (steps > 0)]))
        data.append(dict(type="scatter", x=np.arange(1, steps.size + 1), y=steps, mode="lines+markers", name=name,
                         line=dict(color=colour), marker=dict(size=4),
                         hovertemplate="update %{x}: length %{y:.3g}<extra>" + name + "</extra>"))
    return lean_figure(data, dict(
        height=height, margin=dict(l=10, r=10, t=10, b=10),
        legend=dict(orientation="h", yanchor="top", y=-0.2, x=0),
        yaxis=dict(type="log", title=dict(text="update length in (w, b)"), **decade_ticks(min(logs, default=0.0), max(logs, default=0.0))),
        xaxis=dict(title=dict(text="update"))))

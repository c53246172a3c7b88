"""Heatmaps of values over time."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from app import theme

from .common import lean_figure, symmetric_range


def symlog(values):
    """sign(v) log10(1 + |v|): a colour scale on which 10, 1,000 and 1e30 are all visible (0 stays 0)."""
    values = np.asarray(values, dtype=np.float64)
    return np.sign(values) * np.log10(1.0 + np.abs(values))


def state_heatmap_parts(values, *, name: str = "h", step_labels: Sequence[str] | None = None,
                        highlight: tuple[int, int] | None = None, height: int = 320,
                        log_beyond: float | None = None) -> tuple[dict, dict]:
    """The heatmap trace and the layout of state_heatmap, as dicts (for figures that adjust its axes).

    Steps are drawn at x = 1 .. T and units at y = 1 .. N, as the lessons count them. When some finite value is
    larger than ``log_beyond`` in size, the colours follow ``symlog`` (the colour bar names the real sizes, and
    the hover the real values), so an explosion does not paint every earlier step white."""
    values = np.asarray(values, dtype=np.float64)
    if values.ndim != 2:
        raise ValueError(f"values must be (T, N), got shape {values.shape}")
    T, N = values.shape
    finite = np.where(np.isfinite(values), values, np.nan)
    largest = float(np.nanmax(np.abs(finite))) if np.isfinite(finite).any() else 0.0
    logarithmic = log_beyond is not None and largest > log_beyond
    shown_value = "%{text}" if logarithmic else "%{z:.3g}"
    bound = symmetric_range(symlog(finite[np.isfinite(finite)]) if logarithmic else values)
    trace = dict(
        type="heatmap", z=(symlog(finite) if logarithmic else finite).T, x=list(range(1, T + 1)),
        y=list(range(1, N + 1)), name=name,
        colorscale=theme.DIVERGING, zmid=0.0, zmin=-bound, zmax=bound, xgap=1, ygap=1,
        hovertemplate=f"step t = %{{x}}<br>unit j = %{{y}}<br>{name}<sub>t</sub>[j] = {shown_value}<extra></extra>",
        colorbar=dict(title=dict(text=name, side="right"), thickness=12),
    )
    if logarithmic:
        powers = np.arange(0, int(np.floor(bound)) + 1, max(1, int(np.ceil(bound / 4))))
        ticks = sorted({0.0, *(float(k) for k in powers), *(-float(k) for k in powers)})
        trace["text"] = [[f"{v:.3g}" if np.isfinite(v) else "overflow" for v in row] for row in finite.T]
        trace["colorbar"].update(
            title=dict(text=f"{name}, log scale", side="right"),
            tickvals=ticks, ticktext=["0" if k == 0 else f"{'−' if k < 0 else ''}1e{abs(k):.0f}" for k in ticks])
    if step_labels is not None:
        trace["customdata"] = [[str(label) for label in step_labels]] * N
        trace["hovertemplate"] = (f"step t = %{{x}} (%{{customdata}})<br>unit j = %{{y}}<br>"
                                  f"{name}<sub>t</sub>[j] = {shown_value}<extra></extra>")
    xaxis = dict(title=dict(text="step t"), showgrid=False)
    if T <= 12:  # every step numbered; beyond that Plotly thins the numbers to the chart's width (a phone's too)
        xaxis["dtick"] = 1
    yaxis = dict(title=dict(text="unit j"), autorange="reversed", showgrid=False)
    if N <= 16:
        yaxis["dtick"] = 1
    layout = dict(height=height, margin=dict(l=10, r=10, t=28, b=10), xaxis=xaxis, yaxis=yaxis)  # t: the mode bar
    if highlight is not None:
        t, j = highlight
        layout["shapes"] = [dict(type="rect", x0=t - 0.5, x1=t + 0.5, y0=j - 0.5, y1=j + 0.5,
                                 line=dict(color=theme.COLORS["hidden"], width=3))]
    return trace, layout


def state_heatmap(values, *, name: str = "h", step_labels: Sequence[str] | None = None,
                  highlight: tuple[int, int] | None = None, height: int = 320,
                  log_beyond: float | None = None) -> go.Figure:
    """A (unit x step) heatmap of a (T, N) array such as trace.h: z is values.T.

    Diverging colours centred on 0, symmetric range at least [-1, 1]. Non-finite
    entries (overflow) are left blank. Steps are numbered 1 .. T and units 1 .. N;
    ``highlight=(t, j)`` outlines step t, unit j (counted from 1).
    """
    trace, layout = state_heatmap_parts(values, name=name, step_labels=step_labels, highlight=highlight,
                                        height=height, log_beyond=log_beyond)
    return lean_figure([trace], layout)

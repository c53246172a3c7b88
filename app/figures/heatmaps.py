"""Heatmaps of values over time."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from app import theme

from .common import symmetric_range


def state_heatmap(values, *, name: str = "h", step_labels: Sequence[str] | None = None,
                  highlight: tuple[int, int] | None = None, height: int = 320) -> go.Figure:
    """A (unit x step) heatmap of a (T, N) array such as trace.h: z is values.T.

    Diverging colours centred on 0, symmetric range at least [-1, 1]. Non-finite
    entries (overflow) are left blank. ``highlight=(t, j)`` outlines one cell.
    """
    values = np.asarray(values, dtype=np.float64)
    if values.ndim != 2:
        raise ValueError(f"values must be (T, N), got shape {values.shape}")
    T, N = values.shape
    bound = symmetric_range(values)
    z = np.where(np.isfinite(values), values, np.nan).T
    steps = list(range(T))
    custom = None
    hover = f"step t=%{{x}}<br>unit j=%{{y}}<br>{name}<sub>t</sub>[j] = %{{z:.3g}}<extra></extra>"
    if step_labels is not None:
        custom = np.array([[str(label) for label in step_labels]] * N)
        hover = (f"step t=%{{x}} (%{{customdata}})<br>unit j=%{{y}}<br>"
                 f"{name}<sub>t</sub>[j] = %{{z:.3g}}<extra></extra>")
    fig = go.Figure(go.Heatmap(
        z=z, x=steps, y=list(range(N)), customdata=custom, colorscale=theme.DIVERGING,
        zmid=0.0, zmin=-bound, zmax=bound, hovertemplate=hover, xgap=1, ygap=1,
        colorbar=dict(title=dict(text=name, side="right"), thickness=12),
    ))
    if highlight is not None:
        t, j = highlight
        fig.add_shape(type="rect", x0=t - 0.5, x1=t + 0.5, y0=j - 0.5, y1=j + 0.5,
                      line=dict(color=theme.COLORS["hidden"], width=3))
    fig.update_xaxes(title_text="step t", dtick=1 if T <= 30 else None, showgrid=False)
    fig.update_yaxes(title_text="unit j", autorange="reversed", dtick=1 if N <= 16 else None,
                     showgrid=False)
    fig.update_layout(height=height, margin=dict(l=10, r=10, t=10, b=10))
    return fig

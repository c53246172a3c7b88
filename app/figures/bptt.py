"""Figures for the BPTT lesson: per-step losses, the backward pass, per-step weight contributions.

Pure builders: the arrays rnn_core.bptt computed go into the figures unchanged (steps are
numbered from 1 on screen, so x = t + 1 for the core's step t).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.colors import sample_colorscale

from app import theme


def _steps(T: int) -> list[int]:
    return list(range(1, T + 1))


def _labels(step_labels: Sequence[str] | None, T: int) -> list[str]:
    return [str(s) for s in step_labels] if step_labels is not None else [""] * T


def loss_bars(losses, step_labels: Sequence[str] | None = None, height: int = 300) -> go.Figure:
    """One bar per step: L_t. The total (their sum) is in the title."""
    losses = np.asarray(losses, dtype=np.float64)
    T = losses.size
    labels = _labels(step_labels, T)
    fig = go.Figure(go.Bar(
        x=_steps(T), y=losses, marker_color=theme.COLORS["loss"], name="L_t",
        customdata=labels, hovertemplate="step %{x} (input %{customdata})<br>L = %{y:.4f}<extra></extra>"))
    fig.update_layout(
        height=height, margin=dict(l=10, r=10, t=40, b=10), showlegend=False,
        title=dict(text=f"total loss L = sum of L<sub>t</sub> = {losses.sum():.4f}", font=dict(size=14)))
    fig.update_xaxes(title_text="step t", dtick=1 if T <= 30 else None)
    fig.update_yaxes(title_text="L<sub>t</sub> = -log p<sub>t</sub>[target]", rangemode="tozero")
    return fig


def backward_animation(total, own, later, step_labels: Sequence[str] | None = None,
                       frame_ms: int = 600, height: int = 420) -> go.Figure:
    """The backward pass, one frame per step from the last to the first.

    total[t] = ||dL/dh_t||, own[t] = ||dL_t/dh_t|| (from the step's own loss),
    later[t] = norm of the part arriving from steps after t. Frame "k" (k = 0..T-1)
    has reached step T-1-k: bars are drawn for steps >= T-1-k and empty before.
    The figure itself shows the finished pass (the last frame).
    """
    total, own, later = (np.asarray(a, dtype=np.float64) for a in (total, own, later))
    T = total.size
    steps = _steps(T)
    positive = np.concatenate([a[a > 0] for a in (total, own, later)])
    log_y = positive.size > 0 and positive.max() / positive.min() > 100
    labels = _labels(step_labels, T)

    def masked(values, reached):
        return [float(v) if t >= reached else None for t, v in enumerate(values)]

    def traces(reached):
        hover = "step %{x}<br>%{fullData.name}: %{y:.3g}<extra></extra>"
        return [
            go.Bar(x=steps, y=masked(own, reached), name="from its own loss  ||dL<sub>t</sub>/dh<sub>t</sub>||",
                   marker_color=theme.COLORS["loss"], hovertemplate=hover),
            go.Bar(x=steps, y=masked(later, reached), name="from later steps",
                   marker_color=theme.COLORS["hidden"], hovertemplate=hover),
            go.Bar(x=steps, y=masked(total, reached), name="total  ||dL/dh<sub>t</sub>||",
                   marker_color=theme.COLORS["gradient"], hovertemplate=hover),
            go.Scatter(x=[reached + 1], y=[total[reached]], mode="markers+text", showlegend=False,
                       text=[f"step {reached + 1}"], textposition="top center", hoverinfo="skip",
                       marker=dict(symbol="triangle-down", size=14, color=theme.COLORS["gradient"])),
        ]

    frames = [go.Frame(name=str(k), data=traces(T - 1 - k)) for k in range(T)]
    fig = go.Figure(data=frames[-1].data, frames=frames)
    play = {"frame": {"duration": frame_ms, "redraw": True}, "fromcurrent": True,
            "transition": {"duration": 0}, "mode": "immediate"}
    top = max(float(np.max(total)) if T else 1.0, float(np.max(own)) if T else 1.0)
    if log_y:
        low = float(np.log10(positive.min())) - 0.3
        yaxis = dict(type="log", range=[low, float(np.log10(positive.max())) + 0.5])
    else:
        yaxis = dict(range=[0, 1.2 * top if top > 0 else 1.0])
    fig.update_layout(
        height=height, barmode="group", margin=dict(l=10, r=10, t=10, b=10),
        legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0),
        yaxis=dict(title_text="gradient norm" + (" (log scale)" if log_y else ""), **yaxis),
        xaxis=dict(title_text="step t", range=[0.4, T + 0.6], dtick=1 if T <= 30 else None),
        updatemenus=[dict(
            type="buttons", direction="left", x=0.0, y=-0.12, xanchor="left", yanchor="top",
            showactive=False, pad=dict(t=10, r=10),
            buttons=[dict(label="Play", method="animate", args=[None, play]),
                     dict(label="Pause", method="animate",
                          args=[[None], {"frame": {"duration": 0, "redraw": False}, "mode": "immediate",
                                         "transition": {"duration": 0}}])])],
        sliders=[dict(
            active=T - 1, x=0.16, len=0.84, y=-0.12, yanchor="top", pad=dict(t=10),
            currentvalue=dict(prefix="backward pass has reached step ", font=dict(size=13)),
            font=dict(size=10, color=theme.TEXT if T <= 24 else theme.TRANSPARENT),
            steps=[dict(label=str(T - k), method="animate",
                        args=[[str(k)], {"frame": {"duration": 0, "redraw": True}, "mode": "immediate",
                                         "transition": {"duration": 0}}]) for k in range(T)])],
    )
    fig.update_layout(margin=dict(b=90))
    fig.update_traces(selector=dict(type="bar"), customdata=labels)
    return fig


def _step_colours(T: int) -> list[str]:
    return sample_colorscale(theme.SEQUENTIAL, [0.5] if T == 1 else list(np.linspace(0, 1, T)))


def contribution_stack(contributions, totals, row: int, height: int = 380) -> go.Figure:
    """Stacked bars: row `row` of W_hh's gradient, one coloured segment per step.

    contributions: (T, H) the steps' terms du_t[row] h_{t-1}^T; totals: (H,) the row of
    grads.params["weight_hh"], drawn as diamonds on top of each stack (they must coincide).
    """
    contributions = np.asarray(contributions, dtype=np.float64)
    totals = np.asarray(totals, dtype=np.float64)
    T, H = contributions.shape
    names = [f"W<sub>hh</sub>[{row},{j}]" for j in range(H)]
    colours = _step_colours(T)
    fig = go.Figure()
    for t in range(T):
        fig.add_trace(go.Bar(
            x=names, y=contributions[t], name=f"step {t + 1}", marker_color=colours[t],
            legendgroup="steps", showlegend=T <= 12 or t in (0, T - 1),
            hovertemplate=f"step {t + 1}: %{{y:.3g}}<extra>%{{x}}</extra>"))
    fig.add_trace(go.Scatter(
        x=names, y=totals, mode="markers", name="dL/dW<sub>hh</sub> (the sum)",
        marker=dict(symbol="diamond", size=13, color=theme.COLORS["gradient"], line=dict(width=1.5, color="white")),
        hovertemplate="total: %{y:.4g}<extra>%{x}</extra>"))
    fig.update_layout(barmode="relative", height=height, margin=dict(l=10, r=10, t=10, b=10),
                      legend=dict(font=dict(size=11)))
    fig.update_yaxes(title_text="contribution to the gradient", zeroline=True)
    return fig


def contribution_matrix(norms, *, highlight_row: int | None = None, window: int | None = None,
                        height: int = 420) -> go.Figure:
    """Heatmap of ||step j's term in dL_k/dW_hh|| (rows: loss step k, columns: step j).

    Zero above the diagonal (a loss never reaches later steps), drawn blank. With
    ``window`` the cells cut by truncated BPTT (j <= k - window) are marked with an x.
    ``highlight_row`` outlines one loss's row.
    """
    norms = np.asarray(norms, dtype=np.float64)
    T = norms.shape[0]
    k, j = np.meshgrid(np.arange(T), np.arange(T), indexing="ij")
    reached = j <= k
    z = np.where(reached, norms, np.nan)
    fig = go.Figure(go.Heatmap(
        z=z, x=_steps(T), y=_steps(T), colorscale=theme.SEQUENTIAL, xgap=1, ygap=1,
        colorbar=dict(title=dict(text="norm", side="right"), thickness=12),
        hovertemplate="loss at step %{y}, term of step %{x}: %{z:.3g}<extra></extra>"))
    if window is not None:
        cut = reached & (j <= k - window)
        fig.add_trace(go.Scatter(
            x=(j[cut] + 1).tolist(), y=(k[cut] + 1).tolist(), mode="markers", name="cut by truncation",
            marker=dict(symbol="x-thin", size=9 if T <= 20 else 5, line=dict(width=2, color=theme.COLORS["gradient"])),
            hoverinfo="skip", showlegend=True))
    if highlight_row is not None:
        fig.add_shape(type="rect", x0=0.5, x1=T + 0.5, y0=highlight_row + 0.5, y1=highlight_row + 1.5,
                      line=dict(color=theme.COLORS["gradient"], width=3))
    fig.update_xaxes(title_text="step j whose use of W<sub>hh</sub> gives the term", dtick=1 if T <= 20 else None,
                     showgrid=False)
    fig.update_yaxes(title_text="loss L<sub>k</sub> at step k", autorange="reversed",
                     dtick=1 if T <= 20 else None, showgrid=False)
    fig.update_layout(height=height, margin=dict(l=10, r=10, t=10, b=10),
                      legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0))
    return fig


def row_bars(norms_row, step: int, height: int = 280) -> go.Figure:
    """Bars of ||step j's term in dL_step/dW_hh|| for j = 0..T-1 (zero after `step`)."""
    norms_row = np.asarray(norms_row, dtype=np.float64)
    T = norms_row.size
    colours = [theme.COLORS["gradient"] if t <= step else theme.NEUTRAL for t in range(T)]
    fig = go.Figure(go.Bar(
        x=_steps(T), y=norms_row, marker_color=colours,
        hovertemplate="term of step %{x}: %{y:.3g}<extra></extra>"))
    fig.add_vline(x=step + 1.5, line=dict(color=theme.NEUTRAL, dash="dot"))
    fig.update_layout(height=height, margin=dict(l=10, r=10, t=10, b=10), showlegend=False)
    fig.update_xaxes(title_text="step j", dtick=1 if T <= 30 else None)
    fig.update_yaxes(title_text=f"||term of step j in dL<sub>{step + 1}</sub>/dW<sub>hh</sub>||", rangemode="tozero")
    return fig


def truncation_bars(kept, lost, height: int = 300) -> go.Figure:
    """Per step j: the norm of the sum of W_hh's terms of step j that truncation keeps, and that it cuts.

    kept, lost: (T,) arrays (rnn_core.bptt.Truncated.kept_by_step / lost_by_step)."""
    kept, lost = np.asarray(kept, dtype=np.float64), np.asarray(lost, dtype=np.float64)
    T = kept.size
    fig = go.Figure([
        go.Bar(x=_steps(T), y=kept, name="kept", marker_color=theme.COLORS["hidden"],
               hovertemplate="step %{x}: kept %{y:.3g}<extra></extra>"),
        go.Bar(x=_steps(T), y=lost, name="cut", marker_color=theme.COLORS["gradient"],
               hovertemplate="step %{x}: cut %{y:.3g}<extra></extra>"),
    ])
    fig.update_layout(barmode="group", height=height, margin=dict(l=10, r=10, t=10, b=10),
                      legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0))
    fig.update_xaxes(title_text="step j", dtick=1 if T <= 30 else None)
    fig.update_yaxes(title_text="||W<sub>hh</sub> terms of step j||", rangemode="tozero")
    return fig


__all__ = ["loss_bars", "backward_animation", "contribution_stack", "contribution_matrix", "row_bars",
           "truncation_bars"]

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

from .common import animation_controls, lean_figure


def _steps(T: int) -> list[int]:
    return list(range(1, T + 1))


def _labels(step_labels: Sequence[str] | None, T: int) -> list[str]:
    return [str(s) for s in step_labels] if step_labels is not None else [""] * T


def _step_axis(T: int, dtick_up_to: int = 30, **entries) -> dict:
    """Axis settings `entries` for steps 1..T, plus one tick per step while T <= dtick_up_to."""
    return dict(entries, dtick=1) if T <= dtick_up_to else entries


def loss_bars(losses, step_labels: Sequence[str] | None = None, height: int = 300) -> go.Figure:
    """One bar per step: L_t. The total (their sum) is in the title."""
    losses = np.asarray(losses, dtype=np.float64)
    T = losses.size
    bars = dict(type="bar", x=_steps(T), y=losses, marker=dict(color=theme.COLORS["loss"]), name="L_t",
                customdata=_labels(step_labels, T),
                hovertemplate="step %{x} (input %{customdata})<br>L = %{y:.4f}<extra></extra>")
    return lean_figure([bars], dict(
        height=height, margin=dict(l=10, r=10, t=40, b=10), showlegend=False,
        title=dict(text=f"total loss L = sum of L<sub>t</sub> = {losses.sum():.4f}", font=dict(size=14)),
        xaxis=_step_axis(T, title=dict(text="step t")),
        yaxis=dict(title=dict(text="L<sub>t</sub> = -log p<sub>t</sub>[target]"), rangemode="tozero")))


def backward_animation(total, own, later, step_labels: Sequence[str] | None = None,
                       frame_ms: int = 600, height: int = 420) -> go.Figure:
    """The backward pass, one frame per step from the last to the first.

    total[t] = ||dL/dh_t||, own[t] = ||dL_t/dh_t|| (from the step's own loss),
    later[t] = norm of the part arriving from steps after t. Frame "k" (k = 0..T-1)
    has reached step T-1-k: bars are drawn for steps >= T-1-k and empty before.
    The figure itself shows the finished pass (the last frame); the slider is
    labelled with the step reached (T .. 1).
    """
    total, own, later = (np.asarray(a, dtype=np.float64) for a in (total, own, later))
    T = total.size
    steps = _steps(T)
    positive = np.concatenate([a[a > 0] for a in (total, own, later)])
    log_y = positive.size > 0 and positive.max() / positive.min() > 100
    hover = "step %{x}<br>%{fullData.name}: %{y:.3g}<extra></extra>"
    bar_styles = (
        (own, "from its own loss  ||dL<sub>t</sub>/dh<sub>t</sub>||", theme.COLORS["loss"]),
        (later, "from later steps", theme.COLORS["hidden"]),
        (total, "total  ||dL/dh<sub>t</sub>||", theme.COLORS["gradient"]),
    )

    def traces(reached):
        bars = [dict(type="bar", x=steps, y=[float(v) if t >= reached else None for t, v in enumerate(values)],
                     name=name, marker=dict(color=colour), hovertemplate=hover)
                for values, name, colour in bar_styles]
        marker = dict(type="scatter", x=[reached + 1], y=[float(total[reached])], mode="markers+text",
                      showlegend=False, text=[f"step {reached + 1}"], textposition="top center", hoverinfo="skip",
                      marker=dict(symbol="triangle-down", size=14, color=theme.COLORS["gradient"]))
        return bars + [marker]

    frames = [dict(name=str(k), data=traces(T - 1 - k)) for k in range(T)]
    finished = traces(0)
    labels = _labels(step_labels, T)
    for bar in finished[:3]:
        bar["customdata"] = labels
    top = max(float(np.max(total)) if T else 1.0, float(np.max(own)) if T else 1.0)
    if log_y:
        low = float(np.log10(positive.min())) - 0.3
        yaxis = dict(type="log", range=[low, float(np.log10(positive.max())) + 0.5])
    else:
        yaxis = dict(range=[0, 1.2 * top if top > 0 else 1.0])
    slider_font = dict(size=10)
    label_colour = theme.TEXT if T <= 24 else theme.TRANSPARENT    # too many labels to read: hidden
    if label_colour is not None:                                     # None: the theme's own text colour
        slider_font["color"] = label_colour
    controls = animation_controls(T, active=T - 1, frame_ms=frame_ms, prefix="backward pass has reached step ",
                                  y=-0.12, slider_x=0.16, slider_font=slider_font)
    for k, step in enumerate(controls["sliders"][0]["steps"]):   # frame k has reached step T - k
        step["label"] = str(T - k)
    layout = dict(
        height=height, barmode="group", margin=dict(l=10, r=10, t=10, b=90),
        legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0),
        yaxis=dict(title=dict(text="gradient norm" + (" (log scale)" if log_y else "")), **yaxis),
        xaxis=_step_axis(T, title=dict(text="step t"), range=[0.4, T + 0.6]),
        **controls)
    return lean_figure(finished, layout, frames)


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
    data = [dict(type="bar", x=names, y=contributions[t], name=f"step {t + 1}", marker=dict(color=colours[t]),
                 legendgroup="steps", showlegend=T <= 12 or t in (0, T - 1),
                 hovertemplate=f"step {t + 1}: %{{y:.3g}}<extra>%{{x}}</extra>") for t in range(T)]
    data.append(dict(
        type="scatter", x=names, y=totals, mode="markers", name="dL/dW<sub>hh</sub> (the sum)",
        marker=dict(symbol="diamond", size=13, color=theme.COLORS["gradient"], line=dict(width=1.5, color="white")),
        hovertemplate="total: %{y:.4g}<extra>%{x}</extra>"))
    return lean_figure(data, dict(
        barmode="relative", height=height, margin=dict(l=10, r=10, t=10, b=10), legend=dict(font=dict(size=11)),
        yaxis=dict(title=dict(text="contribution to the gradient"), zeroline=True)))


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
    data = [dict(
        type="heatmap", z=np.where(reached, norms, np.nan), x=_steps(T), y=_steps(T), colorscale=theme.SEQUENTIAL,
        name="norm of step j's term in dL_k/dW_hh",
        xgap=1, ygap=1, colorbar=dict(title=dict(text="norm", side="right"), thickness=12),
        hovertemplate="loss at step %{y}, term of step %{x}: %{z:.3g}<extra></extra>")]
    if window is not None:
        cut = reached & (j <= k - window)
        data.append(dict(
            type="scatter", x=(j[cut] + 1).tolist(), y=(k[cut] + 1).tolist(), mode="markers",
            name="cut by truncation", hoverinfo="skip", showlegend=True,
            marker=dict(symbol="x-thin", size=9 if T <= 20 else 5, line=dict(width=2, color=theme.COLORS["gradient"]))))
    layout = dict(
        height=height, margin=dict(l=10, r=10, t=10, b=10),
        legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0),
        xaxis=_step_axis(T, 20, title=dict(text="step j whose use of W<sub>hh</sub> gives the term"), showgrid=False),
        yaxis=_step_axis(T, 20, title=dict(text="loss L<sub>k</sub> at step k"), autorange="reversed",
                         showgrid=False))
    if highlight_row is not None:
        layout["shapes"] = [dict(type="rect", x0=0.5, x1=T + 0.5, y0=highlight_row + 0.5, y1=highlight_row + 1.5,
                                 line=dict(color=theme.COLORS["gradient"], width=3))]
    return lean_figure(data, layout)


def row_bars(norms_row, step: int, height: int = 280) -> go.Figure:
    """Bars of ||step j's term in dL_step/dW_hh|| for j = 0..T-1 (zero after `step`)."""
    norms_row = np.asarray(norms_row, dtype=np.float64)
    T = norms_row.size
    colours = [theme.COLORS["gradient"] if t <= step else theme.NEUTRAL for t in range(T)]
    bars = dict(type="bar", x=_steps(T), y=norms_row, marker=dict(color=colours), name="norm of each step's term",
                hovertemplate="term of step %{x}: %{y:.3g}<extra></extra>")
    divider = dict(type="line", x0=step + 1.5, x1=step + 1.5, xref="x", y0=0, y1=1, yref="y domain",
                   line=dict(color=theme.NEUTRAL, dash="dot"))
    return lean_figure([bars], dict(
        height=height, margin=dict(l=10, r=10, t=10, b=10), showlegend=False, shapes=[divider],
        xaxis=_step_axis(T, title=dict(text="step j")),
        yaxis=dict(title=dict(text=f"||term of step j in dL<sub>{step + 1}</sub>/dW<sub>hh</sub>||"),
                   rangemode="tozero")))


def truncation_bars(kept, lost, height: int = 300) -> go.Figure:
    """Per step j: the norm of the sum of W_hh's terms of step j that truncation keeps, and that it cuts.

    kept, lost: (T,) arrays (rnn_core.bptt.Truncated.kept_by_step / lost_by_step)."""
    kept, lost = np.asarray(kept, dtype=np.float64), np.asarray(lost, dtype=np.float64)
    T = kept.size
    data = [
        dict(type="bar", x=_steps(T), y=kept, name="kept", marker=dict(color=theme.COLORS["hidden"]),
             hovertemplate="step %{x}: kept %{y:.3g}<extra></extra>"),
        dict(type="bar", x=_steps(T), y=lost, name="cut", marker=dict(color=theme.COLORS["gradient"]),
             hovertemplate="step %{x}: cut %{y:.3g}<extra></extra>"),
    ]
    return lean_figure(data, dict(
        barmode="group", height=height, margin=dict(l=10, r=10, t=10, b=10),
        legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0),
        xaxis=_step_axis(T, title=dict(text="step j")),
        yaxis=dict(title=dict(text="||W<sub>hh</sub> terms of step j||"), rangemode="tozero")))


__all__ = ["loss_bars", "backward_animation", "contribution_stack", "contribution_matrix", "row_bars",
           "truncation_bars"]

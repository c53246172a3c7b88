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

from .common import animation_controls, decade_ticks, lean_figure


MAX_NAMED_STEPS = 10     # the loss bars name each step's input and target up to this length


def _steps(T: int) -> list[int]:
    return list(range(1, T + 1))


def _labels(step_labels: Sequence[str] | None, T: int) -> list[str]:
    return [str(s) for s in step_labels] if step_labels is not None else [""] * T


def _step_axis(T: int, dtick_up_to: int = 30, **entries) -> dict:
    """Axis settings `entries` for steps 1..T, plus one tick per step while T <= dtick_up_to."""
    return dict(entries, dtick=1) if T <= dtick_up_to else entries


def loss_bars(losses, step_labels: Sequence[str] | None = None, classes: int | None = None,
              targets: Sequence[str] | None = None, height: int = 300) -> go.Figure:
    """One bar per step: L_t. The total (their sum) is in the title. With ``classes``, a dotted line at
    log(classes): the loss of a guess that gives every class the same probability (named in the title, so
    that its label never covers a bar). With ``targets`` (the class to predict at each step) and the inputs
    in ``step_labels``, each step's tick reads "input→target" while T <= MAX_NAMED_STEPS."""
    losses = np.asarray(losses, dtype=np.float64)
    T = losses.size
    bars = dict(type="bar", x=_steps(T), y=losses, marker=dict(color=theme.COLORS["loss"]), name="L_t",
                customdata=_labels(step_labels, T),
                hovertemplate="step %{x} (input %{customdata})<br>L = %{y:.4f}<extra></extra>")
    title = f"total loss L = sum of L<sub>t</sub> = {losses.sum():.4f}"
    xaxis = _step_axis(T, title=dict(text="step t"))
    if targets is not None and step_labels is not None and T <= MAX_NAMED_STEPS:
        xaxis.update(tickmode="array", tickvals=_steps(T), title=dict(text="step t: input word → word to predict"),
                     ticktext=[f"{t}<br>{a}→{b}" for t, a, b in zip(_steps(T), step_labels, targets)])
    layout = dict(height=height, margin=dict(l=10, r=10, t=40, b=10), showlegend=False, xaxis=xaxis,
                  yaxis=dict(title=dict(text="L<sub>t</sub> = -log p<sub>t</sub>[target]"), rangemode="tozero"))
    if classes:
        level = float(np.log(classes))
        title += f"<br>dotted line: log {classes} = {level:.3f}, every class equally likely"
        layout["margin"]["t"] = 60
        layout["shapes"] = [dict(type="line", x0=0, x1=1, xref="paper", y0=level, y1=level, yref="y",
                                 line=dict(color=theme.OUTLINE, dash="dot", width=2))]
        layout["yaxis"]["range"] = [0, 1.1 * max(level, float(np.max(losses)) if T else level)]
    layout["title"] = dict(text=title, font=dict(size=14))
    return lean_figure([bars], layout)


SLIDER_INSET, PLOT_WIDTH = 10, 800      # px: Plotly's inset of a slider's first and last tick; a typical plot width


def backward_animation(total, own, later, step_labels: Sequence[str] | None = None,
                       frame_ms: int = 600, height: int = 460) -> go.Figure:
    """The backward pass, one frame per step, played from the last step back to the first.

    total[t] = ||dL/dh_t||, own[t] = ||dL_t/dh_t|| (from the step's own loss),
    later[t] = norm of the part arriving from steps after t (0-based arrays). Frame "s" (s = 1..T,
    the step the pass has reached) draws the bars of steps s..T. Frames are listed from "T" down to
    "1", so Play runs the pass backwards; the slider's steps run 1..T from left to right, like the
    time axis, and the knob moves leftwards as the pass goes back. The figure itself shows the
    finished pass (frame "1").
    """
    total, own, later = (np.asarray(a, dtype=np.float64) for a in (total, own, later))
    T = total.size
    steps = _steps(T)
    positive = np.concatenate([a[a > 0] for a in (total, own, later)])
    log_y = positive.size > 0 and positive.max() / positive.min() > 100
    hover = "step %{x}<br>%{fullData.name}: %{y:.3g}<extra></extra>"
    bar_styles = (
        (own, "from its own loss  ||∂L<sub>t</sub>/∂h<sub>t</sub>||", theme.COLORS["loss"]),
        (later, "from later steps", theme.COLORS["hidden"]),
        (total, "total  ||∂L/∂h<sub>t</sub>||", theme.COLORS["gradient"]),
    )

    def traces(reached):       # reached: the 1-based step the pass has reached
        bars = [dict(type="bar", x=steps, y=[float(v) if t + 1 >= reached else None for t, v in enumerate(values)],
                     name=name, marker=dict(color=colour), hovertemplate=hover)
                for values, name, colour in bar_styles]
        marker = dict(type="scatter", x=[reached], y=[float(total[reached - 1])], mode="markers+text",
                      showlegend=False, text=[f"step {reached}"], textposition="top center", hoverinfo="skip",
                      marker=dict(symbol="triangle-down", size=14, color=theme.COLORS["gradient"]))
        return bars + [marker]

    frames = [dict(name=str(s), data=traces(s)) for s in range(T, 0, -1)]
    finished = traces(1)
    labels = _labels(step_labels, T)
    for bar in finished[:3]:
        bar["customdata"] = labels
    top = max(float(np.max(total)) if T else 1.0, float(np.max(own)) if T else 1.0)
    if log_y:
        low = float(np.log10(positive.min())) - 0.3
        high = float(np.log10(positive.max())) + 0.5
        yaxis = dict(type="log", range=[low, high], **decade_ticks(low, high))
    else:
        yaxis = dict(range=[0, 1.25 * top if top > 0 else 1.0])
    slider_font = dict(size=10)
    if T > 24:                          # too many labels to read: hidden (the step axis right above names them)
        slider_font["color"] = theme.TRANSPARENT
    controls = animation_controls(T, active=0, first=1, frame_ms=frame_ms, prefix="backward pass has reached step ",
                                  y=-0.14, slider_x=0.0, slider_font=slider_font)
    # The slider's ticks line up with the bar groups: its first tick under step 1, its last under step T. Plotly
    # insets the ticks SLIDER_INSET px from the slider's ends, which is a fraction of the plot's width that
    # depends on the screen: PLOT_WIDTH is a typical width (off by a few pixels at 390 or 1280 px).
    first, last = ((t - 0.4) / (T + 0.2) for t in (1, T))     # steps 1 and T on the x range [0.4, T + 0.6]
    inset = SLIDER_INSET / PLOT_WIDTH
    controls["sliders"][0].update(x=first - inset, len=last - first + 2 * inset, pad=dict(t=10, l=0, r=0))
    controls["updatemenus"][0].update(y=-0.5)                 # Play / Pause under the slider, not beside it
    layout = dict(
        height=height, barmode="group", margin=dict(l=10, r=10, t=10, b=150),
        legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0),
        yaxis=dict(title=dict(text="gradient norm" + (" (log scale)" if log_y else "")), **yaxis),
        xaxis=_step_axis(T, title=dict(text="step t"), range=[0.4, T + 0.6]),
        **controls)
    return lean_figure(finished, layout, frames)


STEPS_IN_LEGEND = 10     # up to this many steps the legend names every step's colour; beyond, the labels do


def step_colours(T: int) -> list[str]:
    """The colour of each step's segment (steps 1..T): grey for step 1 (its term is 0), then up to
    STEPS_IN_LEGEND steps one categorical colour each (theme.STEPS); longer sequences run along the sequential
    scale from dark (early steps) to yellow (late), read off a colour bar, since 30 categories cannot all differ."""
    if T <= STEPS_IN_LEGEND:
        return [theme.NEUTRAL] + theme.STEPS[:T - 1]
    return [theme.NEUTRAL] + sample_colorscale(theme.SEQUENTIAL, list(np.linspace(0, 1, T - 1)))


def contribution_stack(contributions, totals, row: int, height: int = 420) -> go.Figure:
    """Stacked bars: row `row` (1-based, as on screen) of W_hh's gradient, one coloured segment per step.

    contributions: (T, H) the steps' terms dL/da_t[row] h_{t-1}^T; totals: (H,) that row of
    grads.params["weight_hh"], drawn as diamonds (each at the net height of its stack). Colours: step_colours;
    every segment tall enough carries its step number; step 1's term is 0 (h_0 = 0) and the legend says so.
    """
    contributions = np.asarray(contributions, dtype=np.float64)
    totals = np.asarray(totals, dtype=np.float64)
    T, H = contributions.shape
    names = [f"[{row},{j}]" for j in range(1, H + 1)]
    legend, colours = T <= STEPS_IN_LEGEND, step_colours(T)
    data = [dict(type="bar", x=names, y=contributions[t], marker=dict(color=colours[t]),
                 name=f"step {t + 1}" if t else "step 1 = 0",      # short: a phone's legend gives every entry the widest's room
                 text=[str(t + 1)] * H, textposition="inside", insidetextanchor="middle", textangle=0,
                 textfont=dict(size=12), showlegend=legend or t == 0,
                 hovertemplate=f"step {t + 1}: %{{y:.3g}}<extra>W<sub>hh</sub>%{{x}}</extra>") for t in range(T)]
    data.append(dict(
        type="scatter", x=names, y=totals, mode="markers", name="sum ∂L/∂W<sub>hh</sub>",
        marker=dict(symbol="diamond", size=13, color=theme.COLORS["gradient"], line=dict(width=1.5, color="white")),
        hovertemplate="total: %{y:.4g}<extra>W<sub>hh</sub>%{x}</extra>"))
    if not legend:                                  # the key to the sequential colours: a bar of steps 2..T
        data.insert(-1, dict(type="scatter", x=[None], y=[None], mode="markers", showlegend=False, hoverinfo="skip",
                         marker=dict(color=[2, T], cmin=2, cmax=T, colorscale=theme.SEQUENTIAL, showscale=True,
                                     colorbar=dict(title=dict(text="step", side="right"), thickness=12))))
    return lean_figure(data, dict(
        barmode="relative", height=height, margin=dict(l=10, r=10, t=10, b=10),
        uniformtext=dict(minsize=12, mode="hide"),          # a step number that does not fit its segment is hidden
        legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0, font=dict(size=11)),
        xaxis=dict(title=dict(text=f"entry [i, j] of W<sub>hh</sub> (row i = {row})")),
        yaxis=dict(title=dict(text="contribution to the gradient"), zeroline=True)))


def contribution_matrix(norms, *, highlight_row: int | None = None, cut=None, chunk: int | None = None,
                        height: int = 420) -> go.Figure:
    """Heatmap of ||step s's term in dL_t/dW_hh|| (rows: loss step t, columns: step s; 0-based arrays).

    Zero above the diagonal (a loss never reaches later steps), drawn blank. ``cut`` (a boolean
    (T, T) mask) marks the cells truncated BPTT drops with an x; ``chunk`` outlines the triangles it
    keeps when the sequence is cut in chunks of that many steps. ``highlight_row`` (0-based) outlines
    one loss's row.
    """
    norms = np.asarray(norms, dtype=np.float64)
    T = norms.shape[0]
    k, j = np.meshgrid(np.arange(T), np.arange(T), indexing="ij")
    reached = j <= k
    data = [dict(
        type="heatmap", z=np.where(reached, norms, np.nan), x=_steps(T), y=_steps(T), colorscale=theme.SEQUENTIAL,
        name="norm of step s's term in ∂L<sub>t</sub>/∂W<sub>hh</sub>",
        xgap=1, ygap=1, colorbar=dict(title=dict(text="norm", side="right"), thickness=12),
        hovertemplate="loss at step %{y}, term of step %{x}: %{z:.3g}<extra></extra>")]
    if cut is not None:
        cut = reached & np.asarray(cut, dtype=bool)
        data.append(dict(
            type="scatter", x=(j[cut] + 1).tolist(), y=(k[cut] + 1).tolist(), mode="markers",
            name="cut by truncation", hoverinfo="skip", showlegend=True,
            marker=dict(symbol="x-thin", size=9 if T <= 20 else 5,
                        line=dict(width=2, color=theme.COLORS["gradient"]))))
    shapes = []
    if chunk is not None:
        for start in range(0, T, chunk):           # the staircase around the cells (k, j), start <= j <= k < end
            end = min(start + chunk, T)
            corners = [(start + 0.5, start + 0.5), (start + 0.5, end + 0.5)]
            for row in range(end - 1, start - 1, -1):
                corners += [(row + 1.5, row + 1.5), (row + 1.5, row + 0.5)]
            path = "M " + " L ".join(f"{x} {y}" for x, y in corners) + " Z"
            shapes.append(dict(type="path", path=path, line=dict(color=theme.COLORS["hidden"], width=2)))
    if highlight_row is not None:
        shapes.append(dict(type="rect", x0=0.5, x1=T + 0.5, y0=highlight_row + 0.5, y1=highlight_row + 1.5,
                           line=dict(color=theme.COLORS["gradient"], width=3)))
    layout = dict(
        height=height, margin=dict(l=10, r=10, t=10, b=10),
        legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0),
        xaxis=_step_axis(T, 20, title=dict(text="step s whose use of W<sub>hh</sub> gives the term"), showgrid=False),
        yaxis=_step_axis(T, 20, title=dict(text="loss L<sub>t</sub> at step t"), autorange="reversed",
                         showgrid=False))
    if shapes:
        layout["shapes"] = shapes
    return lean_figure(data, layout)


def row_bars(norms_row, step: int, height: int = 280) -> go.Figure:
    """Bars of ||step s's term in dL_t/dW_hh|| for one loss t (``step``, 0-based); zero after it."""
    norms_row = np.asarray(norms_row, dtype=np.float64)
    T = norms_row.size
    colours = [theme.COLORS["gradient"] if t <= step else theme.NEUTRAL for t in range(T)]
    bars = dict(type="bar", x=_steps(T), y=norms_row, marker=dict(color=colours), name="norm of each step's term",
                hovertemplate="term of step %{x}: %{y:.3g}<extra></extra>")
    divider = dict(type="line", x0=step + 1.5, x1=step + 1.5, xref="x", y0=0, y1=1, yref="y domain",
                   line=dict(color=theme.NEUTRAL, dash="dot"))
    return lean_figure([bars], dict(
        height=height, margin=dict(l=10, r=10, t=10, b=10), showlegend=False, shapes=[divider],
        xaxis=_step_axis(T, title=dict(text="step s")),
        yaxis=dict(title=dict(text=f"||term of step s in ∂L<sub>{step + 1}</sub>/∂W<sub>hh</sub>||"),
                   rangemode="tozero")))


def chunk_strip(T: int, chunk: int, height: int = 230) -> go.Figure:
    """Truncated BPTT in chunks of K steps along the time axis (steps 1..T).

    Top row: the forward pass, one arrow per step, never cut: the state is carried from chunk to
    chunk. Bottom row: the backward pass, arrows inside each chunk only; an x marks each chunk
    boundary, where the gradient stops (PyTorch's h.detach()). Chunks are shaded in turn.
    """
    steps = _steps(T)
    starts = list(range(1, T + 1, chunk))
    forward_y, backward_y = 1.0, 0.0
    shapes = [dict(type="rect", x0=s - 0.5, x1=min(s + chunk - 1, T) + 0.5, y0=-0.45, y1=1.45, layer="below",
                   line=dict(width=0), fillcolor=theme.CHUNK_SHADES[c % 2])
              for c, s in enumerate(starts)]
    same_chunk = [t for t in range(2, T + 1) if (t - 1) // chunk == (t - 2) // chunk]
    boundaries = [s for s in starts[1:]]
    data = [
        dict(type="scatter", x=steps, y=[forward_y] * T, mode="markers", name="h<sub>t</sub>, forward",
             marker=dict(size=14, color=theme.COLORS["hidden"]), hoverinfo="skip"),     # positions, not data
        dict(type="scatter", x=steps, y=[backward_y] * T, mode="markers", name="∂L/∂h<sub>t</sub>, backward",
             marker=dict(size=14, color=theme.COLORS["gradient"]), hoverinfo="skip"),
        dict(type="scatter", x=[s - 0.5 for s in boundaries], y=[backward_y] * len(boundaries), mode="markers",
             name="gradient cut (h.detach())", hoverinfo="skip",
             marker=dict(symbol="x-thin", size=16, line=dict(width=3, color=theme.COLORS["gradient"]))),
    ]
    data += [_arrows([((t - 0.78, forward_y), (t - 0.22, forward_y)) for t in range(2, T + 1)], theme.OUTLINE, 1.5),
             _arrows([((t - 0.22, backward_y), (t - 0.78, backward_y)) for t in same_chunk], theme.COLORS["gradient"],
                     1.5)]
    return lean_figure(data, dict(
        height=height, margin=dict(l=10, r=10, t=10, b=10), shapes=shapes,
        legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0),
        xaxis=_step_axis(T, title=dict(text=f"step t (chunks of K = {chunk} steps, shaded in turn)"),
                         range=[0.4, T + 0.6], showgrid=False, zeroline=False),
        yaxis=dict(range=[-0.6, 1.6], tickvals=[backward_y, forward_y], ticktext=["backward", "forward"],
                   showgrid=False, zeroline=False, fixedrange=True)))


SCIENTIFIC_BELOW = 1e-2   # the warm-up writes smaller numbers as m×10^k, in its boxes and in its list alike


def _number(value: float, digits: int = 3) -> str:
    """A value for a box: fixed decimals; an exact zero as "0", and a value below 10^-2 in three significant
    digits, as the lesson's list of terms writes it ("-3.63×10<sup>-4</sup>", never "-0.000", "-0.0004" or the one
    digit of "0.007")."""
    if value == 0:
        return "0"
    if abs(value) < SCIENTIFIC_BELOW:
        mantissa, exponent = f"{value:.2e}".split("e")
        return f"{mantissa}×10<sup>{int(exponent)}</sup>"
    return f"{value:.{digits}f}"


def _arrows(segments, colour: str, width: float = 1.6) -> dict:
    """One line trace for many arrows (start -> end pairs), each with an arrowhead marker at its end.

    Far cheaper for the browser than one layout annotation per arrow (each is its own SVG group)."""
    x, y, sizes = [], [], []
    for (x0, y0), (x1, y1) in segments:
        x += [x0, x1, None]
        y += [y0, y1, None]
        sizes += [0, 9, 0]
    return dict(type="scatter", x=x, y=y, mode="lines+markers", hoverinfo="skip", showlegend=False,
                line=dict(color=colour, width=width),
                marker=dict(symbol="arrow", angleref="previous", size=sizes, color=colour))


def warmup_chain(xs, h, dh, da, terms, target: float, loss: float, w_h: float, height: int = 470) -> go.Figure:
    """The warm-up's one-unit RNN over three steps, forwards (top) and backwards (below), every number shown.

    xs: x_1..x_T; h: h_0..h_T (T + 1 values); dh, da, terms: dL/dh_t, dL/da_t and the term of step t in
    dL/dw_h = dL/da_t h_{t-1} (T values each, rnn_core.scalar.backward). Column 0 holds h_0 and the row
    names, columns 1..T the steps, a column at T + 1.2 the loss. Forward arrows are grey, backward ones dark red;
    the arrows back to the previous step are labelled with the w_h they multiply by. Texts and arrows
    are traces (one per colour), the boxes shapes: a few SVG groups instead of one per label.
    """
    T = len(xs)
    red, ink = theme.COLORS["gradient"], theme.OUTLINE
    rows = {"x": 5.0, "h": 4.0, "slope": 3.1, "dh": 2.0, "da": 1.0, "term": 0.0}
    names = {"x": "x<sub>t</sub>", "slope": "1 − h<sub>t</sub><sup>2</sup>", "dh": "∂L/∂h<sub>t</sub>",
             "da": "∂L/∂a<sub>t</sub>", "term": "term of<br>step t"}
    boxes = []          # (column, row, value, colour)
    for t in range(1, T + 1):
        boxes += [(t, "x", f"{xs[t - 1]:g}", theme.COLORS["input"]), (t, "h", _number(h[t]), theme.COLORS["hidden"]),
                  (t, "dh", _number(dh[t - 1]), red), (t, "da", _number(da[t - 1]), red),
                  (t, "term", _number(terms[t - 1]), red)]
    loss_x = T + 1.2                 # the loss's column, set apart so that a wide h_T box leaves room for the arrow
    boxes += [(0, "h", _number(h[0]), theme.COLORS["hidden"]), (loss_x, "h", _number(loss, 4), theme.COLORS["loss"])]
    half = 0.36                      # a box 0.72 columns wide holds "-0.070" at 12 px on a 390 px phone
    wide = {(c, r): 0.48 for c, r, text, _ in boxes if "×10" in text}   # and a tiny value's "-3.63×10⁻⁴" 0.96 wide
    width = lambda c, r="h": 0.42 if c == loss_x else wide.get((c, r), half)   # noqa: E731  the loss has 4 decimals
    shapes = [dict(type="rect", x0=c - width(c, r), x1=c + width(c, r), y0=rows[r] - 0.26, y1=rows[r] + 0.26,
                   line=dict(color=colour, width=2)) for c, r, _, colour in boxes]
    labels = [(c, rows[r], text) for c, r, text, _ in boxes]
    labels += [(t, rows["slope"], _number(1 - h[t] ** 2)) for t in range(1, T + 1)]
    labels += [(0, rows[r], names[r]) for r in ("x", "slope", "dh", "da", "term")]
    labels += [(-0.62, rows["h"], "h<sub>t</sub>")]                       # the state row's name, left of h_0's box
    forward = [((t, rows["x"] - 0.28), (t, rows["h"] + 0.3)) for t in range(1, T + 1)]
    columns_x = list(range(T + 1)) + [loss_x]                           # h_0, the steps, the loss
    forward += [((a + width(a) + 0.02, rows["h"]), (b - width(b) - 0.03, rows["h"])) for a, b in zip(columns_x, columns_x[1:])]
    backward = [((loss_x - width(loss_x), rows["h"] - 0.26), (T + width(T, "dh"), rows["dh"] + 0.28))]
    backward += [((t, rows[a] - 0.28), (t, rows[b] + 0.3)) for t in range(1, T + 1) for a, b in (("dh", "da"), ("da", "term"))]
    backward += [((t - width(t, "da"), rows["da"] + 0.2), (t - 1 + width(t - 1, "dh") + 0.02, rows["dh"] - 0.22))
                 for t in range(2, T + 1)]
    red_labels = [(t - 0.62, (rows["dh"] + rows["da"]) / 2 - 0.12, f"×{w_h:g}") for t in range(2, T + 1)]
    red_labels += [(loss_x, rows["slope"], f"h<sub>{T}</sub> − y*")]
    text = lambda items, colour=None, size=13: dict(                    # noqa: E731
        type="scatter", x=[i[0] for i in items], y=[i[1] for i in items], text=[i[2] for i in items], mode="text",
        hoverinfo="skip", showlegend=False, textfont=dict(size=size, **({"color": colour} if colour else {})))
    columns = ["h<sub>0</sub>"] + [f"step {t}" for t in range(1, T + 1)] + [f"loss L<br>y* = {target:g}"]
    data = [_arrows(forward, ink), _arrows(backward, red), text(labels, size=12), text(red_labels, red, 12),
            dict(type="scatter", x=list(range(1, T + 1)), y=list(terms), visible=False,   # for the data summary
                 name="term of step t in ∂L/∂w<sub>h</sub>")]
    return lean_figure(data, dict(
        height=height, margin=dict(l=10, r=10, t=70, b=10), showlegend=False, shapes=shapes,
        xaxis=dict(range=[-0.95, loss_x + 0.5], tickvals=columns_x, ticktext=columns, side="top", showgrid=False,
                   zeroline=False, fixedrange=True),
        yaxis=dict(range=[-0.4, 5.4], visible=False, fixedrange=True)))


__all__ = ["loss_bars", "backward_animation", "contribution_stack", "contribution_matrix", "row_bars", "chunk_strip",
           "warmup_chain"]

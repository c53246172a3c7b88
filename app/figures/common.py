"""Helpers shared by the figure builders (no Streamlit, no rnn_core)."""

from __future__ import annotations

import base64
import copy
import functools
import math
import re
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots


def fmt(value: float) -> str:
    """A number for hover text and labels: 3 significant digits, 'overflow' past the float range."""
    value = float(value)
    if math.isnan(value):
        return "NaN (overflow)"
    if math.isinf(value):
        return "+inf (overflow)" if value > 0 else "-inf (overflow)"
    return f"{value:.3g}"


def symmetric_range(*arrays, floor: float = 1.0) -> float:
    """R such that [-R, R] holds every finite value of the arrays, and R >= floor.

    Used as the colour range of diverging colourscales, so 0 is always the middle
    colour and a tanh state in [-1, 1] keeps its colours unless something is larger.
    """
    largest = floor
    for a in arrays:
        a = np.asarray(a, dtype=np.float64)
        finite = a[np.isfinite(a)]
        if finite.size:
            largest = max(largest, float(np.abs(finite).max()))
    return largest


def decade_ticks(log10_low: float, log10_high: float, most: int = 8) -> dict:
    """Tick settings for a log axis spanning 10**log10_low .. 10**log10_high: labels at powers of ten only (every
    decade, or every n-th when there would be more than `most`), never Plotly's bare minor labels "2" and "5"."""
    span = max(float(log10_high) - float(log10_low), 1.0) if math.isfinite(log10_high - log10_low) else 1.0
    return dict(dtick=max(1, math.ceil(span / most)), tick0=0, exponentformat="power")


def finite_for_colour(a, bound: float) -> np.ndarray:
    """Values for a colour axis: +-inf become +-bound, NaN becomes 0 (hover text says overflow)."""
    return np.nan_to_num(np.asarray(a, dtype=np.float64), nan=0.0, posinf=bound, neginf=-bound)


def lean_figure(data=(), layout=None, frames=()) -> go.Figure:
    """A Figure assembled from plain dicts (traces, layout, frames) without per-property validation.

    plotly.graph_objects validates every property on every assignment, and always validates
    frames: a 40-frame faucet drawing took 200 ms to build this way and 3 ms from dicts; a
    100-frame one over 1 s. The figure behaves as usual (fig.data[0].x, fig.layout.height,
    update_layout, to_dict) except that its frames' contents can only be read through
    fig.to_dict()["frames"]. The tests rebuild every figure with full validation
    (tests/figures/specs.py: validated, frames_of; tests/app/test_figure_specs.py), so a misspelt
    property still fails there.
    """
    fig = go.Figure(data=list(data), layout=layout or {}, _validate=False)
    # go.Figure has no switch to skip frame validation; frames are set as unvalidated Frame objects.
    fig._frame_objs = tuple(go.Frame(frame, _validate=False) for frame in frames)
    return fig


def plotly_spec(figure: go.Figure) -> dict:
    """What ``figure.to_dict()`` returns (data, layout, frames, NumPy arrays as Plotly's base64 typed
    arrays), about five times faster.

    Plotly's to_dict deep-copies the whole figure, frames included, then walks the copy asking of
    every value whether it is an array (through pandas and narwhals checks): 20 ms for a 40-frame
    faucet drawing. This walks the figure once, copying containers only; NumPy arrays are encoded
    as to_dict encodes them (tests/figures check that both agree on every figure of the course).
    """
    spec = {"data": [_plain(trace) for trace in figure._data], "layout": _plain(figure._layout)}
    if figure._frame_objs:
        spec["frames"] = [_plain(frame._props) for frame in figure._frame_objs]
    return spec


_UNCONVERTED_KEYS = frozenset(("geojson", "layer", "layers", "range"))  # Plotly's convert_to_base64 skips these


def _plain(value):
    """A copy of nested dicts and lists with NumPy arrays as Plotly's typed-array specs."""
    if isinstance(value, dict):
        return {key: copy.deepcopy(item) if key in _UNCONVERTED_KEYS else _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if isinstance(value, np.ndarray):
        return _typed_array(value)
    return value


_TYPED_ARRAY_CODES = {"int8": "i1", "uint8": "u1", "int16": "i2", "uint16": "u2", "int32": "i4", "uint32": "u4",
                      "float32": "f4", "float64": "f8"}
_NARROWER = {"int64": ("int8", "int16", "int32"), "uint64": ("uint8", "uint16", "uint32")}


def _typed_array(array: np.ndarray):
    """Plotly's typed-array spec of a NumPy array, as plotly's to_typed_array_spec writes it (64-bit integers
    narrowed to the smallest type that holds them); other dtypes (text, objects) as an array copy."""
    dtype = str(array.dtype)
    if array.size and dtype in _NARROWER:
        lo, hi = array.min(), array.max()
        dtype = next((small for small in _NARROWER[dtype] if np.iinfo(small).min <= lo and hi <= np.iinfo(small).max),
                     dtype)
    if not array.size or dtype not in _TYPED_ARRAY_CODES:
        return array.copy()
    spec = {"dtype": _TYPED_ARRAY_CODES[dtype],
            "bdata": base64.b64encode(np.ascontiguousarray(array, dtype=dtype)).decode("ascii")}
    if array.ndim > 1:
        spec["shape"] = str(array.shape)[1:-1]
    return spec


class PreparedFigure(go.Figure):
    """A figure handed to st.plotly_chart as a finished spec (from plotly_spec): Streamlit calls to_dict() on
    a figure, and this one returns the spec as it is instead of copying it again."""

    def __init__(self, spec: dict):
        super().__init__()
        self._spec = spec

    def to_dict(self) -> dict:
        return self._spec


def animation_controls(n_frames: int, *, active: int, frame_ms: int, prefix: str, y: float, slider_x: float,
                       prefix_font: dict | None = None, slider_font: dict | None = None,
                       button_pad: dict | None = None, first: int = 0) -> dict:
    """Layout entries for a Play / Pause pair and a step slider over frames named "first" .. "first+n-1"
    (active: the index of the frame shown, counted from the first)."""
    go_to = dict(mode="immediate", frame=dict(duration=0, redraw=True), transition=dict(duration=0))
    top_pad = (button_pad or {}).get("t", 10)  # the slider level with the buttons
    slider = dict(active=active, x=slider_x, len=1 - slider_x, y=y, xanchor="left", yanchor="top", pad=dict(t=top_pad),
                  currentvalue=dict(prefix=prefix, font=prefix_font or dict(size=13)),
                  steps=[dict(label=str(t), method="animate", args=[[str(t)], go_to])
                         for t in range(first, first + n_frames)])
    if slider_font:
        slider["font"] = slider_font
    return dict(
        updatemenus=[dict(
            type="buttons", direction="left", x=0.0, y=y, xanchor="left", yanchor="top",
            pad=button_pad or dict(t=10, r=10), showactive=False,
            buttons=[dict(label="Play", method="animate",
                          args=[None, dict(frame=dict(duration=frame_ms, redraw=True), fromcurrent=True,
                                           transition=dict(duration=0), mode="immediate")]),
                     dict(label="Pause", method="animate",
                          args=[[None], dict(frame=dict(duration=0, redraw=False), mode="immediate",
                                             transition=dict(duration=0))])])],
        sliders=[slider],
    )


@functools.lru_cache(maxsize=32)
def _subplot_grid(rows: int, cols: int, n_titles: int, grid: tuple) -> dict:
    stand_ins = [f"subplot {k}" for k in range(n_titles)] or None
    options = {key: list(value) if isinstance(value, tuple) else value for key, value in grid}
    layout = make_subplots(rows=rows, cols=cols, subplot_titles=stand_ins, **options).layout.to_plotly_json()
    layout.pop("template", None)
    return layout


def subplot_layout(rows: int, cols: int, titles: Sequence[str] = (), **grid) -> dict:
    """A fresh copy of make_subplots(rows, cols, subplot_titles=titles, **grid)'s layout, without its
    template: axis domains and anchors, and one annotation per title, for a builder to add to.

    make_subplots takes tens of milliseconds, so it runs once per grid (cached with stand-in
    titles, which are replaced here). Sequences in grid (row_heights) are given as tuples.
    """
    options = tuple(sorted((key, value) for key, value in grid.items() if value is not None))
    layout = copy.deepcopy(_subplot_grid(rows, cols, len(titles), options))
    for annotation, title in zip(layout.get("annotations", []), titles, strict=True):
        annotation["text"] = title
    return layout


_AXIS = re.compile(r"^[xy]axis\d*$")
_COLOR_AXIS = re.compile(r"^coloraxis\d*$")


def readable_fonts(spec: dict, minimum: float, scale: float = 1.0) -> dict:
    """Every text of a chart spec at least ``minimum`` px, explicit sizes multiplied by ``scale`` first.

    Streamlit's chart theme gives tick labels, legends and annotations explicit sizes of its own (12
    and 14 px), so raising ``layout.font.size`` alone changes little: this writes a size into every
    place a chart draws text (the global font, titles, every axis's ticks and title, legends, colour
    bars, annotations, animation sliders and buttons, trace text), in the layout, the traces and the
    animation frames. A size a builder chose (a label fitted into a box) keeps its proportion to the
    others. Changes ``spec`` in place and returns it.
    """
    base = float(spec.get("layout", {}).get("font", {}).get("size") or 12)

    def size(value):
        if isinstance(value, (list, tuple)):
            return [size(v) for v in value]
        return round(max(float(value if value is not None else base) * scale, minimum), 1)

    def fix(owner: dict, key: str = "font") -> None:
        font = owner.get(key)
        if not isinstance(font, dict):
            font = owner[key] = {}
        font["size"] = size(font.get("size"))

    def fix_title(owner: dict) -> None:
        title = owner.get("title")
        if isinstance(title, str):
            title = owner["title"] = {"text": title}
        if isinstance(title, dict):
            fix(title)

    def fix_colorbar(owner: dict) -> None:
        bar = owner.setdefault("colorbar", {})
        fix(bar, "tickfont")
        fix_title(bar)

    def fix_layout(layout: dict, whole: bool) -> None:
        if whole:
            fix(layout)
            fix_title(layout)
            fix(layout.setdefault("legend", {}))
            fix(layout.setdefault("hoverlabel", {}))
            for name in {"xaxis", "yaxis", *(key for key in layout if _AXIS.match(key))}:
                axis = layout.setdefault(name, {})
                fix(axis, "tickfont")
                fix_title(axis)
        legend_title = layout.get("legend", {}).get("title")
        if isinstance(legend_title, dict):
            fix(legend_title)
        for key in [key for key in layout if _COLOR_AXIS.match(key)]:
            fix_colorbar(layout[key])
        for note in layout.get("annotations") or []:
            fix(note)
        for slider in layout.get("sliders") or []:
            fix(slider)
            fix(slider.setdefault("currentvalue", {}))
        for menu in layout.get("updatemenus") or []:
            fix(menu)

    def fix_trace(trace: dict) -> None:
        if "text" in trace or "texttemplate" in trace or "textfont" in trace:
            fix(trace, "textfont")
        for key in ("insidetextfont", "outsidetextfont"):
            if key in trace:
                fix(trace, key)
        if "colorbar" in trace or (trace.get("type") in ("heatmap", "contour") and trace.get("showscale", True)):
            fix_colorbar(trace)
        marker = trace.get("marker")
        if isinstance(marker, dict) and "colorbar" in marker:
            fix_colorbar(marker)

    fix_layout(spec.setdefault("layout", {}), whole=True)
    for trace in spec.get("data", []):
        fix_trace(trace)
    for frame in spec.get("frames", []):
        for trace in frame.get("data", []):
            fix_trace(trace)
        if "layout" in frame:
            fix_layout(frame["layout"], whole=False)
    return spec

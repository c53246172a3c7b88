"""Pure helpers behind the lesson kit's downloads, chart summaries and share links (no Streamlit).

- ``to_csv`` / ``to_json``: arrays a page computed, as text a student can open elsewhere.
- ``figure_summary``: one line of plain text describing a Plotly figure from its data,
  shown under a chart and used as its alt text.
- ``share_url``: the address of the current view, built from parsed parameters.
"""

from __future__ import annotations

import base64
import csv
import io
import json
import math
import re
from collections.abc import Mapping
from urllib.parse import urlencode, urlsplit, urlunsplit

import numpy as np


def _columns(name: str, array: np.ndarray) -> list[tuple[str, np.ndarray]]:
    """One (header, values-per-row) pair per column: axis 0 is the row, later axes are flattened and
    numbered from 1, as the course numbers units and matrix entries."""
    if array.ndim == 0:
        return [(name, array.reshape(1))]
    if array.ndim == 1:
        return [(name, array)]
    flat = array.reshape(array.shape[0], -1)
    indices = list(np.ndindex(*array.shape[1:]))
    return [(f"{name}[{','.join(str(i + 1) for i in index)}]", flat[:, k]) for k, index in enumerate(indices)]


def _number(value: float) -> str:
    value = float(value)
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return repr(value)


def to_csv(arrays: Mapping[str, object], index_name: str = "t") -> str:
    """A table with one row per index along axis 0 and one column per array entry.

    Rows are numbered from 1 (step t = 1 .. T, as every lesson counts). A (T, H) array ``h`` gives
    columns h[1] ... h[H]; a (T,) array one column; arrays
    with fewer rows leave their cells empty below. Non-finite values are written as
    nan / inf / -inf, which spreadsheets and numpy.loadtxt read back.
    """
    columns: list[tuple[str, np.ndarray]] = []
    for name, value in arrays.items():
        columns += _columns(str(name), np.asarray(value, dtype=np.float64))
    rows = max((len(values) for _, values in columns), default=0)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([index_name] + [header for header, _ in columns])
    for r in range(rows):
        writer.writerow([r + 1] + [_number(values[r]) if r < len(values) else "" for _, values in columns])
    return out.getvalue()


def _jsonable(array: np.ndarray):
    if array.ndim == 0:
        value = float(array)
        return value if math.isfinite(value) else None
    return [_jsonable(a) for a in array]


def to_json(arrays: Mapping[str, object], settings: Mapping[str, object] | None = None,
            index_name: str = "t") -> str:
    """{"settings": {...}, "counting": "...", "arrays": {name: {"shape": [...], "data": nested lists}}}.

    JSON lists count from 0, the course from 1: "counting" says that entry k of axis 0 is
    ``index_name`` = k + 1. JSON has no NaN or infinity: a non-finite entry is null, and
    "non_finite" counts them.
    """
    doc = {"settings": dict(settings or {}),
           "counting": f"entry k of axis 0 is {index_name} = k + 1 (the course counts from 1, JSON lists from 0)",
           "arrays": {}}
    for name, value in arrays.items():
        array = np.asarray(value, dtype=np.float64)
        doc["arrays"][str(name)] = {"shape": list(array.shape), "data": _jsonable(array),
                                    "non_finite": int(np.sum(~np.isfinite(array)))}
    return json.dumps(doc, indent=1, allow_nan=False)


_TAGS = re.compile(r"<[^>]*>")


def _plain(text) -> str:
    return _TAGS.sub("", str(text or "")).strip()


def _count(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")


def _short(value: float) -> str:
    return f"{value + 0.0:.3g}"  # + 0.0 turns -0.0 into 0.0


def _short_log10(value: float) -> str:
    """10**value written like _short, also beyond the float range (an exploding gradient: 1e+400)."""
    if abs(value) < 300:
        return _short(10.0 ** value)
    exponent = math.floor(value)
    return f"{10.0 ** (value - exponent):.3g}e{exponent:+d}"


def _range(values) -> tuple[int, float, float] | None:
    try:
        array = np.asarray(values, dtype=np.float64).ravel()
    except (TypeError, ValueError):
        return None
    finite = array[np.isfinite(array)]
    if finite.size == 0:
        return None
    return int(np.sum(~np.isnan(array))), float(finite.min()), float(finite.max())  # empty (NaN) cells are not drawn


def _data(trace, axis):
    """A trace's data along an axis, decoding Plotly's typed arrays ({dtype, bdata, shape})."""
    value = trace.get(axis)
    if isinstance(value, dict) and "bdata" in value:
        data = np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]))
        return data
    return value


def figure_summary(figure, max_traces: int = 4, fallback: str | None = None) -> str:
    """One line describing a Plotly figure from its data: its title and, per named trace, the value range.

    Unnamed scatter traces and traces without hover are drawing geometry (pipes, boxes, arrows)
    and are skipped; heatmaps and bars count even without a name. Markers coloured on a colour
    axis are described by their colours (the values), not by their positions. A figure with no data series at all
    is described by ``fallback`` (the chart's alt text) when given.

    A trace's ``meta`` can say how to read it: ``{"summary": "log10"}`` for values stored as log10 (a log-scale
    plot drawn on a linear axis: the range is given as the values themselves), ``{"summary": "nodes"}`` for the
    nodes of a diagram along x (their count and steps, not their positions), ``{"summary": "vector"}`` for an
    arrow from the origin (its tip).
    """
    spec = figure.to_plotly_json() if hasattr(figure, "to_plotly_json") else dict(figure)
    layout = spec.get("layout", {}) or {}
    title = layout.get("title")
    title = _plain(title.get("text") if isinstance(title, dict) else title)
    parts = []
    for trace in spec.get("data", []) or []:
        name = _plain(trace.get("name"))
        kind = trace.get("type", "scatter")
        meta = trace.get("meta") if isinstance(trace.get("meta"), dict) else {}
        reading = meta.get("summary")
        if trace.get("hoverinfo") == "skip" or (not name and kind not in ("heatmap", "bar")):
            continue
        if reading == "vector":  # an arrow from the origin: its tip
            tip = [_data(trace, axis) for axis in ("x", "y")]
            if all(values is not None and len(values) for values in tip):
                parts.append(f"{name or kind}: ({_short(float(tip[0][-1]))}, {_short(float(tip[1][-1]))})")
            continue
        if reading == "nodes":
            described = _range(_data(trace, "x"))
            if described is not None:
                count, first, last = described
                where = f"at step {first + 1:g}" if count == 1 else f"at steps {first + 1:g} to {last + 1:g}"
                parts.append(f"{name or kind}: {_count(count, 'node')} {where}")
            continue
        marker = trace.get("marker") or {}
        coloured = marker.get("coloraxis") is not None and marker.get("color") is not None
        if trace.get("z") is not None:
            values, what = _data(trace, "z"), "value"
        elif coloured:  # squares whose colour is the value (the unrolled diagram): y is only a position
            values, what = _data(marker, "color"), "value"
        elif trace.get("y") is not None:
            values, what = _data(trace, "y"), "point"
        else:
            continue
        described = _range(values)
        if described is None:
            continue
        count, lo, hi = described
        write = _short_log10 if reading == "log10" else _short
        label = name or kind
        parts.append(f"{label}: {_count(count, what)} from {write(lo)} to {write(hi)}")
    hidden = max(0, len(parts) - max_traces)
    text = "; ".join(parts[:max_traces]) + (f"; and {hidden} more series" if hidden else "")
    head = f"{title}. " if title else ""
    if not text:
        return f"{head}{fallback}" if fallback else f"{head}A diagram without numeric series."
    return f"{head}{text}."


def share_url(page_url: str | None, params: Mapping[str, str]) -> str:
    """The page address with ``params`` as its query string (values percent-encoded).

    page_url: the page's own address (query and fragment are dropped), or None when it is
    unknown, which gives a relative link ``?a=1``.
    """
    query = urlencode([(str(k), str(v)) for k, v in params.items()])
    if not page_url:
        return f"?{query}" if query else "?"
    scheme, netloc, path, _, _ = urlsplit(page_url)
    return urlunsplit((scheme, netloc, path, query, ""))

"""Reading lean figures (app.figures.common.lean_figure) in tests, with Plotly's full validation."""

from __future__ import annotations

import base64

import numpy as np
import plotly.graph_objects as go


def typed_array(value: dict) -> np.ndarray:
    """Plotly's base64 typed array {"dtype", "bdata", "shape"} (how it sends numpy arrays) as numpy."""
    array = np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]))
    shape = value.get("shape")
    if shape:
        array = array.reshape([int(d) for d in str(shape).split(",")] if isinstance(shape, str) else list(shape))
    return array


def decoded(spec):
    """A figure dict (or part of one) with every typed array as a numpy array."""
    if isinstance(spec, dict):
        if "bdata" in spec and "dtype" in spec:
            return typed_array(spec)
        return {key: decoded(value) for key, value in spec.items()}
    if isinstance(spec, (list, tuple)):
        return [decoded(value) for value in spec]
    return spec


def validated(fig: go.Figure) -> go.Figure:
    """The figure rebuilt from its JSON dict by plotly.graph_objects with every property checked.

    Raises ValueError on a misspelt property or a wrong value type, in the traces, the layout
    or any frame: the builders skip that check for speed, the tests do not.
    """
    return go.Figure(decoded(fig.to_dict()))


def frames_of(fig: go.Figure) -> tuple[go.Frame, ...]:
    """The figure's frames as validated go.Frame objects (frame.data[i].marker.color etc. work)."""
    return validated(fig).frames


def frame_named(fig: go.Figure, name) -> go.Frame:
    """The validated frame called str(name) (frames may cover only part of a sequence)."""
    matches = [frame for frame in frames_of(fig) if frame.name == str(name)]
    assert len(matches) == 1, f"{len(matches)} frames named {name!r}"
    return matches[0]

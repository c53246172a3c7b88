"""plotly_spec (the fast to_dict the course hands to Streamlit) writes exactly what Plotly's to_dict writes.

The course-wide check is in tests/app/test_figure_specs.py (every chart of every lesson); these cases
cover the array types a lesson does not happen to draw.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
import pytest

from app.figures.common import PreparedFigure, lean_figure, plotly_spec


def wire(spec: dict) -> str:
    return pio.to_json(spec, validate=False)


ARRAYS = {
    "float64": np.linspace(-1, 1, 7),
    "float32": np.arange(5, dtype=np.float32) / 3,
    "small int64": np.arange(-3, 4),
    "int64 past int16": np.array([0, 40_000]),
    "int64 past int32": np.array([0, 2**40]),
    "uint64": np.array([1, 300], dtype=np.uint64),
    "2-D": np.arange(12.0).reshape(3, 4),
    "text": np.array(["a", "b"]),
    "bool": np.array([True, False]),
    "empty": np.array([]),
    "non-finite": np.array([np.nan, np.inf, -np.inf, 1.0]),
    "strided": np.arange(20.0)[::3],
}


@pytest.mark.parametrize("name", ARRAYS)
def test_arrays_are_encoded_as_plotly_encodes_them(name):
    array = ARRAYS[name]
    figure = go.Figure(go.Scatter(x=array, y=array, customdata=array))
    assert wire(plotly_spec(figure)) == wire(figure.to_dict())


def test_frames_nested_containers_and_skipped_keys():
    frames = [dict(name=str(t), data=[dict(type="scatter", y=np.arange(3.0) * t, marker=dict(color=np.arange(3)))])
              for t in range(4)]
    figure = lean_figure(frames[0]["data"], dict(xaxis=dict(range=np.array([0.0, 2.0])), title=dict(text="T"),
                                                 annotations=[dict(text="a", x=1, y=2)]), frames)
    spec = plotly_spec(figure)
    assert wire(spec) == wire(figure.to_dict())
    assert len(spec["frames"]) == 4 and spec["frames"][2]["data"][0]["y"]["dtype"] == "f8"
    assert isinstance(spec["layout"]["xaxis"]["range"], np.ndarray)  # "range" stays a plain array, as in to_dict


def test_the_spec_is_a_copy():
    y = np.arange(3.0)
    figure = lean_figure([dict(type="scatter", y=y)], dict(height=300))
    spec = plotly_spec(figure)
    spec["layout"]["height"] = 500
    spec["data"][0]["name"] = "changed"
    assert figure.layout.height == 300 and figure.data[0].name is None


def test_a_prepared_figure_hands_its_spec_over_unchanged():
    spec = plotly_spec(go.Figure(go.Bar(y=[1, 2])))
    assert PreparedFigure(spec).to_dict() is spec

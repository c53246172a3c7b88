"""Downloads, chart summaries and share links: the pure builders behind the lesson kit."""

import csv
import io
import json
import math

import numpy as np
import plotly.graph_objects as go

from app.export import figure_summary, share_url, to_csv, to_json
from app.figures import unrolled_diagram
from rnn_core import RNN


def test_csv_one_row_per_step_one_column_per_unit():
    h = np.arange(6.0).reshape(3, 2) / 7
    loss = np.array([0.5, 1.5, 2.5])
    rows = list(csv.reader(io.StringIO(to_csv({"h": h, "loss": loss}))))
    assert rows[0] == ["t", "h[1]", "h[2]", "loss"]          # units counted from 1, as the lessons do
    assert len(rows) == 4
    table = np.array([[float(v) for v in row] for row in rows[1:]])
    assert np.array_equal(table[:, 0], [1, 2, 3])              # steps t = 1 .. T
    assert np.array_equal(table[:, 1:3], h)  # repr round-trips float64 exactly
    assert np.array_equal(table[:, 3], loss)


def test_csv_flattens_higher_dimensions_and_pads_short_arrays():
    w = np.arange(8.0).reshape(2, 2, 2)
    rows = list(csv.reader(io.StringIO(to_csv({"W": w, "s": [1.0, 2.0, 3.0]}, index_name="step"))))
    assert rows[0] == ["step", "W[1,1]", "W[1,2]", "W[2,1]", "W[2,2]", "s"]
    assert rows[2] == ["2", "4.0", "5.0", "6.0", "7.0", "2.0"]
    assert rows[3] == ["3", "", "", "", "", "3.0"]


def test_non_finite_values_survive_csv_and_become_null_in_json():
    a = np.array([1.0, np.inf, -np.inf, np.nan])
    rows = list(csv.reader(io.StringIO(to_csv({"a": a}))))
    assert [r[1] for r in rows[1:]] == ["1.0", "inf", "-inf", "nan"]
    doc = json.loads(to_json({"a": a}, {"seed": 3}))
    assert doc["settings"] == {"seed": 3}
    assert doc["counting"].startswith("entry k of axis 0 is t = k + 1")
    assert doc["arrays"]["a"] == {"shape": [4], "data": [1.0, None, None, None], "non_finite": 3}


def test_json_keeps_shape_and_exact_values():
    h = np.random.default_rng(0).standard_normal((4, 3))
    doc = json.loads(to_json({"h": h}))
    assert doc["arrays"]["h"]["shape"] == [4, 3]
    assert np.array_equal(np.array(doc["arrays"]["h"]["data"]), h)


def test_figure_summary_reports_the_data():
    fig = go.Figure([go.Scatter(y=[3.0, -1.0, 2.0], name="‖dL/dh<sub>t</sub>‖"),
                     go.Heatmap(z=[[0.0, 0.25], [0.5, math.inf]], name="gates")],
                    layout=dict(title="Gradient <b>norms</b>"))
    text = figure_summary(fig)
    assert text == "Gradient norms. ‖dL/dht‖: 3 points from -1 to 3; gates: 4 values from 0 to 0.5."


def test_figure_summary_of_a_diagram_and_many_traces():
    assert figure_summary(go.Figure()) == "A diagram without numeric series."
    fig = go.Figure([go.Bar(y=[k], name=f"s{k}") for k in range(6)])
    assert figure_summary(fig).endswith("s3: 1 point from 3 to 3; and 2 more series.")


def test_figure_summary_reads_log10_values_diagram_nodes_and_vectors():
    """A trace's meta says what its numbers are: log10 values are given as values, a diagram's nodes by their
    steps, an arrow from the origin by its tip; -0 is written 0."""
    fig = go.Figure([go.Scatter(x=[0, 1, 2], y=[-25.0, -3.0, 0.0], name="norm", meta=dict(summary="log10")),
                     go.Heatmap(z=[[-1.0, 2.0]], name="|dL/dh|", meta=dict(summary="log10")),
                     go.Scatter(x=[0, 1, 2, 3], y=[0, 0, 0, 0], name="input", meta=dict(summary="nodes")),
                     go.Scatter(x=[3], y=[2], name="output", meta=dict(summary="nodes")),
                     go.Scatter(x=[0, -0.5], y=[0, 0.25], name="clipped", meta=dict(summary="vector")),
                     go.Scatter(y=[-0.0, -0.0], name="flat")])
    assert figure_summary(fig) == ("norm: 3 points from 1e-25 to 1; |dL/dh|: 2 values from 0.1 to 100; "
                                   "input: 4 nodes at steps 1 to 4; output: 1 node at step 4; "
                                   "and 2 more series.")
    assert figure_summary(fig, max_traces=6).endswith("clipped: (-0.5, 0.25); flat: 2 points from 0 to 0.")
    exploding = go.Figure(go.Scatter(y=[0.0, 400.30103], name="norm", meta=dict(summary="log10")))
    assert figure_summary(exploding) == "norm: 2 points from 1 to 2e+400."


def test_share_url_encodes_values_and_drops_the_old_query():
    url = share_url("http://host:8501/bptt?x=<script>#frag", {"b_T": "12", "note": "a b&c<script>"})
    assert url == "http://host:8501/bptt?b_T=12&note=a+b%26c%3Cscript%3E"
    assert share_url(None, {"a": "1"}) == "?a=1"
    assert share_url("http://host/lstm", {}) == "http://host/lstm"


def test_figure_summary_skips_drawing_geometry():
    fig = go.Figure([go.Scatter(x=[0, 1], y=[5.0, 6.0], mode="lines"),                  # a pipe, unnamed
                     go.Scatter(x=[0], y=[9.0], name="label", hoverinfo="skip"),        # a text label
                     go.Heatmap(z=[[1.0, 2.0]]),                                        # unnamed heatmap counts
                     go.Bar(y=[0.25, 0.75], name="forget gate")])
    assert figure_summary(fig) == "heatmap: 2 values from 1 to 2; forget gate: 2 points from 0.25 to 0.75."
    drawing = go.Figure([go.Scatter(x=[0, 1], y=[0, 1])])
    assert figure_summary(drawing, fallback="A faucet drawing.") == "A faucet drawing."


def test_figure_summary_of_the_unrolled_diagram_reports_values_not_positions():
    cell = RNN.random(3, 4, seed=0)
    trace = cell.unroll(np.random.default_rng(0).normal(size=(6, 3)))
    text = figure_summary(unrolled_diagram(trace.x, trace.h))
    # the last frame shows every step: all T*I inputs and T*H states, by their values
    assert text == (f"x: 18 values from {trace.x.min():.3g} to {trace.x.max():.3g}; "
                    f"h: 24 values from {trace.h.min():.3g} to {trace.h.max():.3g}.")

"""A lesson's skeleton with no computation: what the course's page layout costs per interaction.

    streamlit run benchmarks/skeleton_app.py   (then ?chart=line, ?chart=labelled or ?chart=none,
                                                ?parts=tabs,text and ?theme=none)

The layout of every lesson, with placeholder text and nothing computed. All of it is on by
default; ``?parts=`` keeps only the named pieces (``?parts=`` alone keeps none: one slider and
one chart, like the floor page):

- fragment: the slider and what it changes run as one st.fragment (every lesson's demo);
- panel: a bordered panel of three controls in columns (the slider plus two others);
- tabs: a caption and four lazy tabs, the chart in the open one;
- text: a header and a paragraph above the chart, its summary and explanation captions and a
  paragraph below;
- latex: an equation under the chart;
- buttons: the show-code toggle and two download buttons;
- page: a title and an introduction above the demo, three quizzes and a misconceptions
  expander below it (outside the fragment).

The first slider changes the chart:

- chart=line: the floor page's own chart (one line, no legend, no axis titles);
- chart=labelled: a chart like lesson 1's first one (two lines, a marker per line, a legend
  and two axis titles);
- chart=none: nothing (the slider only reruns the demo).

``?theme=none`` draws the chart with ``theme=None`` instead of Streamlit's theme.

benchmarks.latency times the whole skeleton next to the floor (benchmarks/floor_app.py), and
benchmarks.layout_costs times it piece by piece, for information: they separate what
Streamlit's rendering of a lesson-shaped page costs from what the lessons' own content and
computation add.
"""

import contextlib

import numpy as np
import plotly.graph_objects as go
import streamlit as st

CHARTS = ("line", "labelled", "none")
PARTS = ("fragment", "panel", "tabs", "text", "latex", "buttons", "page")
chart = st.query_params.get("chart", "line")
chart = chart if chart in CHARTS else "line"
parts = set(PARTS) if "parts" not in st.query_params else set(st.query_params["parts"].split(",")) & set(PARTS)
theme = None if st.query_params.get("theme") == "none" else "streamlit"


def figure(n: int) -> go.Figure | None:
    if chart == "line":
        x = np.linspace(0, 1, 50)
        return go.Figure(go.Scatter(x=x, y=np.sin(2 * np.pi * 3 * x) * n / 200, mode="lines"))
    if chart == "labelled":
        lengths = np.arange(1, 51)
        dense, cell = 216 * lengths + 8, np.full(50, 216)
        current = n % 50 + 1
        return go.Figure([go.Scatter(x=lengths, y=dense, mode="lines", name="dense layer"),
                          go.Scatter(x=lengths, y=cell, mode="lines", name="one RNN cell"),
                          go.Scatter(x=[current, current], y=[dense[current - 1], 216], mode="markers",
                                     showlegend=False)],
                         layout=dict(height=320, legend=dict(orientation="h", y=1.0, yanchor="bottom"),
                                     xaxis_title="sentence length T", yaxis_title="parameters"))
    return None


def controls() -> int:
    if "panel" not in parts:
        return st.slider("Points", min_value=10, max_value=200, value=50)
    with st.container(border=True):
        left, middle, right = st.columns(3)
        n = left.slider("Points", min_value=10, max_value=200, value=50)
        middle.slider("Hidden size", 1, 16, 4)
        right.number_input("Seed", 0, 100, 0)
    return n


def open_part():
    """The open tab (with a caption above the tabs), or the page itself without tabs."""
    if "tabs" not in parts:
        return contextlib.nullcontext()
    st.caption("This lesson has 4 parts, one per tab.")
    return st.tabs(["One", "Two", "Three", "Four"], on_change="rerun")[0]


def demo() -> None:
    n = controls()
    with open_part():
        if "text" in parts:
            st.header("A part", divider="gray")
            st.markdown("A paragraph of explanation. " * 20)
        drawn = figure(n)
        if drawn is not None:
            st.plotly_chart(drawn, key="chart", theme=theme)
            if "text" in parts:
                st.caption("A one-line summary of the chart.")
        if "text" in parts:
            st.caption("What the figure shows, in two or three sentences. " * 2)
        if "latex" in parts:
            st.latex(r"h_t = \tanh(W_{ih} x_t + b_{ih} + W_{hh} h_{t-1} + b_{hh})")
        if "text" in parts:
            st.markdown("A second paragraph. " * 10)
    if "buttons" in parts:
        st.toggle("Show code")
        csv, json, _ = st.columns([1, 1, 2])
        csv.download_button("Download CSV", "t,h", file_name="trace.csv", on_click="ignore")
        json.download_button("Download JSON", "{}", file_name="trace.json", on_click="ignore")


if "page" in parts:
    st.title("A lesson's skeleton")
    st.markdown("An introduction of two or three sentences. " * 3)
(st.fragment(demo) if "fragment" in parts else demo)()
if "page" in parts:
    for number in range(3):
        with st.container(border=True):
            st.markdown(f"**Check your understanding.** Question {number + 1}?")
            st.radio(f"Question {number + 1}", ["a", "b", "c"], index=None, key=f"quiz{number}",
                     label_visibility="collapsed")
    with st.expander("Common misconceptions"):
        st.markdown("- **Myth:** a claim  \n  **In fact:** what is true")

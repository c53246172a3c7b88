"""A lesson's skeleton with no computation: what the course's page layout costs per interaction.

    streamlit run benchmarks/skeleton_app.py   (then ?chart=line, ?chart=labelled or ?chart=none)

The layout of every lesson, with placeholder text and nothing computed: a title and an
introduction; then, in one st.fragment, a bordered panel of three controls in columns, a
caption, four lazy tabs whose open one holds a header, text, one Plotly chart, its summary and
explanation captions, an equation and more text; the show-code toggle and two download
buttons; below the fragment three quizzes and a misconceptions expander. The first slider
changes the chart:

- chart=line: the floor page's own chart (one line, no legend, no axis titles);
- chart=labelled: a chart like lesson 1's first one (two lines, a marker per line, a legend
  and two axis titles);
- chart=none: nothing (the slider only reruns the fragment).

benchmarks.latency times this page next to the floor (benchmarks/floor_app.py), for
information: it separates what Streamlit's rendering of a lesson-shaped page costs from what
the lessons' own content and computation add.
"""

import numpy as np
import plotly.graph_objects as go
import streamlit as st

CHARTS = ("line", "labelled", "none")
chart = st.query_params.get("chart", "line")
chart = chart if chart in CHARTS else "line"


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


st.title("A lesson's skeleton")
st.markdown("An introduction of two or three sentences. " * 3)


@st.fragment
def demo() -> None:
    with st.container(border=True):
        left, middle, right = st.columns(3)
        n = left.slider("Points", min_value=10, max_value=200, value=50)
        middle.slider("Hidden size", 1, 16, 4)
        right.number_input("Seed", 0, 100, 0)
    st.caption("This lesson has 4 parts, one per tab.")
    tabs = st.tabs(["One", "Two", "Three", "Four"], on_change="rerun")
    with tabs[0]:
        st.header("A part", divider="gray")
        st.markdown("A paragraph of explanation. " * 20)
        drawn = figure(n)
        if drawn is not None:
            st.plotly_chart(drawn, key="chart")
            st.caption("A one-line summary of the chart.")
        st.caption("What the figure shows, in two or three sentences. " * 2)
        st.latex(r"h_t = \tanh(W_{ih} x_t + b_{ih} + W_{hh} h_{t-1} + b_{hh})")
        st.markdown("A second paragraph. " * 10)
    st.toggle("Show code")
    csv, json, _ = st.columns([1, 1, 2])
    csv.download_button("Download CSV", "t,h", file_name="trace.csv", on_click="ignore")
    json.download_button("Download JSON", "{}", file_name="trace.json", on_click="ignore")


demo()
for number in range(3):
    with st.container(border=True):
        st.markdown(f"**Check your understanding.** Question {number + 1}?")
        st.radio(f"Question {number + 1}", ["a", "b", "c"], index=None, key=f"quiz{number}",
                 label_visibility="collapsed")
with st.expander("Common misconceptions"):
    st.markdown("- **Myth:** a claim  \n  **In fact:** what is true")

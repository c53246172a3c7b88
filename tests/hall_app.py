"""A small lesson for the lecture-hall tests (tests/test_hall.py, tests/test_serve_class.py).

    streamlit run tests/hall_app.py

It has what benchmarks.hall must find in a lesson: URL-bound controls of every kind the course
uses (slider, selectbox, segmented control, number input, toggle, lazy tabs with a slider of
their own), inside a fragment as the lessons' controls are, and two widgets that are not lesson
controls (a quiz radio and an unbound toggle). Steps = 7 raises an exception (shown on the page),
so the load generator's count of exceptions can be checked. The page says which server process
ran it, and its download button's file lives in that process's memory, so a test can tell
where a session lives.
"""

import os

import streamlit as st

EXPLODING_STEPS = 7

st.title("Lecture-hall test lesson")
st.markdown(f"Served by process {os.getpid()} on port {st.get_option('server.port')}.")


@st.fragment
def lesson() -> None:
    steps = st.slider("Steps", 1, 9, 3, key="steps", bind="query-params")
    shape = st.selectbox("Shape", ["sine", "square", "saw"], key="shape", bind="query-params")
    scale = st.segmented_control("Scale", ["small", "large"], default="small", key="scale",
                                 bind="query-params")
    seed = st.number_input("Seed", 0, 1000, 0, key="seed", bind="query-params")
    smooth = st.toggle("Smooth", key="smooth", bind="query-params")
    first, second = st.tabs(["Numbers", "Weights"], key="part", on_change="rerun", bind="query-params")
    if first.open:
        with first:
            st.write({"steps": steps, "shape": shape, "scale": scale, "seed": seed, "smooth": smooth})
    if second.open:
        with second:
            weight = st.slider("Weight", 0.0, 1.0, 0.5, 0.25, key="weight", bind="query-params")
            st.write(weight * steps)
    if steps == EXPLODING_STEPS:
        raise ValueError(f"{EXPLODING_STEPS} steps: the exception the load test must count")


lesson()
# a file served from this process's memory (/media/...): only the process that holds the session has it
st.download_button("Download where it runs", data=f"port,{st.get_option('server.port')}\n",
                   file_name="process.csv", key="download")
st.radio("Quiz: is this a lesson control?", ["yes", "no"], index=None, key="quiz")
st.toggle("Show code", key="show_code")

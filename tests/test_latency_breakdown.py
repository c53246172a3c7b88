"""benchmarks.latency_breakdown sorts a Chromium profile's samples into the groups its table prints."""

from benchmarks.latency_breakdown import GROUPS, group_of

STATIC = "http://127.0.0.1:8501/static/js/"


def frame(name: str, bundle: str = "") -> dict:
    return {"functionName": name, "url": STATIC + bundle if bundle else ""}


def test_each_bundle_lands_in_its_group():
    assert group_of(frame("L", "PlotlyChart.D9Z0_fxz.js")) == "plotly"
    assert group_of(frame("Ul", "react-dom.Dzbslgj4.js")) == "streamlit"
    assert group_of(frame("He", "emotion-styled.browser.esm.DdOkyKg_.js")) == "streamlit"
    assert group_of(frame("decode", "protobuf.D55wl0P7.js")) == "streamlit"
    assert group_of(frame("Wa", "rehype-katex.YTWa9hPp.js")) == "markdown"
    assert group_of(frame("render", "StreamlitMarkdown.oOG-xoxw.js")) == "markdown"
    assert group_of(frame("(program)")) == "browser"
    assert group_of(frame("getBoundingClientRect")) == "browser"   # a native DOM call
    assert group_of(frame("(garbage collector)")) == "gc"


def test_idle_time_and_the_benchmarks_own_script_count_nowhere():
    assert group_of(frame("(idle)")) is None
    assert group_of(frame("(root)")) is None
    assert group_of({"functionName": "", "url": "__playwright_evaluation_script__"}) is None
    assert set(GROUPS) == {"plotly", "streamlit", "markdown", "browser", "gc"}

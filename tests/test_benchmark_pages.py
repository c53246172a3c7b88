"""The reference pages benchmarks.latency times next to the lessons: each runs, and its slider redraws
exactly what the benchmark says it does (a changed chart, or none)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"


def opened(script: str, query: dict | None = None) -> AppTest:
    at = AppTest.from_file(str(BENCHMARKS / script), default_timeout=30)
    at.query_params.update(query or {})
    return at.run()


def chart_specs(at: AppTest) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]


def after_one_step(at: AppTest) -> AppTest:
    slider = at.slider[0]
    slider.set_value(slider.value + 1)
    return at.run()


def test_floor_page_redraws_its_one_chart():
    at = opened("floor_app.py")
    assert not at.exception and len(at.slider) == 1
    before = chart_specs(at)
    after = chart_specs(after_one_step(at))
    assert len(before) == len(after) == 1 and before[0]["data"] != after[0]["data"]


@pytest.mark.parametrize("chart, traces", [("line", 1), ("labelled", 3)])
def test_skeleton_slider_changes_its_chart(chart, traces):
    at = opened("skeleton_app.py", {"chart": chart})
    assert not at.exception
    assert len(at.slider) == 2 and len(at.number_input) == 1 and len(at.radio) == 3 and len(at.tabs) == 4
    before = chart_specs(at)
    assert len(before) == 1 and len(before[0]["data"]) == traces
    after = chart_specs(after_one_step(at))
    assert before[0]["data"] != after[0]["data"]


def test_skeleton_without_a_chart_and_with_an_unknown_one():
    assert not chart_specs(opened("skeleton_app.py", {"chart": "none"}))
    unknown = opened("skeleton_app.py", {"chart": "<b>pie</b>"})  # falls back to the line chart
    assert not unknown.exception and len(chart_specs(unknown)) == 1
